"""Systematic generalisation: error and algorithm of generated networks vs n.

`evaluate_dims` asks a trained run for networks at any input dimension, seen
in training or not, and reports per network the error on the fixed
evaluation inputs (`evaluation.network_metrics`), the complexity, and the
algorithm label (that of `analysis.classify`). Dimensions share padding
buckets: one compiled call per bucket generates every (member, beta, dim,
draw) network in it once, scores it and classifies it padded, with its `n`
(`analysis.order_parameters_single`), so nothing compiles per dimension.
"""

import functools
import math
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from hypernet_l1 import analysis
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import noise as noise_lib
from hypernet_l1 import run as run_lib
from hypernet_l1 import train

METRICS = ("rel_rms", "fvu", "complexity")


def member_beta_pairs(config, betas: Sequence[float],
                      members: Sequence[int]) -> list[tuple[int, int]]:
  """(member, beta index) pairs to evaluate, member-major.

  Sampled mode: every member at every beta. Grid mode: each member only at
  the betas whose nearest grid beta is the one it was trained at (the
  member `Run.generate` would pick for that beta).
  """
  if config.beta_mode != "grid":
    return [(e, b) for e in members for b in range(len(betas))]
  grid_B = train.member_log_betas(config)[:config.num_betas]
  nearest = [int(np.argmin(np.abs(grid_B - math.log(beta)))) for beta in betas]
  return [(e, b) for e in members for b in range(len(betas))
          if nearest[b] == e % config.num_betas]


def dim_buckets(dims: Sequence[int], buckets) -> dict[int, list[int]]:
  """Padded size -> the dims it evaluates (`generator.bucket_for`), ascending."""
  grouped = {}
  for n in sorted(set(dims)):
    grouped.setdefault(generator.bucket_for(n, buckets), []).append(n)
  return dict(sorted(grouped.items()))


# LLVM -O0: this program runs once per evaluation, on a few draws; at -O3 it
# took 9 s instead of 1.2 s, nearly all of it compiling.
@functools.partial(jax.jit, static_argnums=(0, 2),
                   compiler_options={"xla_backend_optimization_level": 0})
def draw_noises(config, seeds_D, num_inputs):
  """The noise of every draw seed at `num_inputs` inputs, leaves `[D, ...]`.

  A network's noise depends on its draw's key only, so the draws are made
  once for all members, betas and dims (`generator.generate_from_noise`), at
  the largest size (`noise.first_inputs` cuts them per bucket).
  """
  return jax.vmap(lambda seed: noise_lib.draw_noise(
      jax.random.key(seed), num_inputs, config.hidden_per_input,
      config.model.code_dim))(seeds_D)


# LLVM -O2 whatever XLA_FLAGS says: -O0 (the test suite's flag) ran this
# program 5x slower; -O1 to -O3 compile it (2.1-2.4 s at N = 32 and 64) and
# run it alike.
@functools.partial(jax.jit, static_argnums=(0, 7, 8),
                   compiler_options={"xla_backend_optimization_level": 2})
def bucket_metrics(config, params_E, member_P, log_beta_P, n_S, noise_D,
                   probe_SxPxN, num_inputs, labels):
  """Metrics and label codes `[P, S, D]` of pairs x dims x draws, one call.

  Each network is generated once, from its draw's noise (`draw_noises`),
  scored by `evaluation.network_metrics` and, with `labels`, classified
  padded (`analysis.order_parameters_single` with its `n`, on `probe_SxPxN`
  = `analysis.padded_probe` per dim): the labels of its exact cut. Dims and
  networks run one after the other (`lax.map`): vmapped, the networks hold
  `[networks, eval batch, 3N]` activations at once (6 GB for 2048 networks
  at N = 64) and ran slower even in chunks of 8. A dim's networks are
  generated in one loop and scored in a second: fused into one, the swish
  read its bias strided from the hypernetwork's output and ran unvectorised
  (2.8x the time per network at N = 32).
  """
  noise_D = jax.vmap(lambda nz: noise_lib.first_inputs(nz, num_inputs))(
      noise_D)
  p_X, d_X = (g.ravel() for g in jnp.meshgrid(
      jnp.arange(member_P.shape[0]), jnp.arange(noise_D.eps_w2_KxN.shape[0]),
      indexing="ij"))

  def per_dim(n_and_probe):
    n, probe_PxN = n_and_probe
    x_BxN = evaluation.eval_inputs(n, num_inputs, config.eval.batch_size)

    def generate(pd):
      p, d = pd
      return generator.generate_from_noise(
          config, jax.tree.map(lambda a: a[member_P[p]], params_E),
          jax.tree.map(lambda a: a[d], noise_D), n, log_beta_P[p])

    def score(net_and_cost):
      net, cost = net_and_cost
      out = evaluation.network_metrics(net, cost, n, x_BxN)
      if labels:
        out["label"] = analysis.label_code(
            analysis.order_parameters_single(net, probe_PxN, n))
      return out

    return jax.lax.map(score, jax.lax.map(generate, (p_X, d_X)))

  out_SxX = jax.lax.map(per_dim, (n_S, probe_SxPxN))
  shape = (n_S.shape[0], member_P.shape[0], noise_D.eps_w2_KxN.shape[0])
  return jax.tree.map(lambda a: jnp.moveaxis(a.reshape(shape), 0, 1), out_SxX)


def _as_run(workdir_or_run) -> run_lib.Run:
  if isinstance(workdir_or_run, run_lib.Run):
    return workdir_or_run
  return run_lib.load_run(workdir_or_run)


def evaluate_dims(workdir_or_run, dims: Sequence[int],
                  betas: Sequence[float] | None = None,
                  seeds: int | Sequence[int] = 8, step: int | None = None,
                  members: Sequence[int] | None = None, labels: bool = True,
                  progress: Callable[[str], None] | None = None) -> list[dict]:
  """One record per (dim, beta, draw seed, member) of a run's generated networks.

  Keys: `dim`, `beta`, `seed`, `member` (ensemble index), `seen` (dim in the
  run's `train_dims`), `rel_rms`, `fvu`, `complexity` (per input), `label`
  (`analysis.classify`; `""` with `labels=False`). `seeds` is a count (draws
  `0..seeds-1`) or the draw seeds; `betas=None` is
  `evaluation.default_betas`; in grid mode each member answers only the
  betas nearest its own. `progress` gets one line per bucket.
  """
  run = _as_run(workdir_or_run)
  config = ml_collections.FrozenConfigDict(run.config)
  dims = [int(n) for n in dims]
  if not dims or min(dims) < 1:
    raise ValueError(f"dims must be integers >= 1, got {dims}")
  betas = (evaluation.default_betas(config) if betas is None
           else np.asarray(betas, np.float64))
  if betas.size == 0 or (betas <= 0).any():
    raise ValueError(f"betas must be > 0, got {list(betas)}")
  seeds_D = np.arange(seeds) if isinstance(seeds, int) else np.asarray(seeds)
  params_E = run.params(step)
  num_members = jax.tree.leaves(params_E)[0].shape[0]
  members = list(range(num_members)) if members is None else list(members)
  if not members or not all(0 <= e < num_members for e in members):
    raise ValueError(f"members must lie in [0, {num_members}), got {members}")
  pairs = member_beta_pairs(config, betas, members)
  member_P = np.array([e for e, _ in pairs], np.int32)
  beta_P = betas[[b for _, b in pairs]]
  log_beta_P = np.log(beta_P).astype(np.float32)
  seen = set(config.train_dims)

  buckets = dim_buckets(dims, config.dim_buckets)
  noise_D = draw_noises(config, seeds_D.astype(np.int32), max(buckets))
  probes = dict(zip(dims, analysis.probe_batches(dims)))
  records = []
  for num_inputs, dims_S in buckets.items():
    probe_SxPxN = np.stack([analysis.padded_probe(probes[n], num_inputs)
                            for n in dims_S])
    out = jax.device_get(bucket_metrics(
        config, params_E, member_P, log_beta_P, np.array(dims_S, np.int32),
        noise_D, probe_SxPxN, num_inputs, labels))
    label_PxSxD = (np.asarray(analysis.LABELS)[out["label"]] if labels
                   else np.full(out["rel_rms"].shape, ""))
    for s, n in enumerate(dims_S):
      for p, (e, b) in enumerate(pairs):
        for d, seed in enumerate(seeds_D):
          records.append({
              "dim": n, "beta": float(betas[b]), "seed": int(seed),
              "member": e, "seen": n in seen,
              **{k: float(out[k][p, s, d]) for k in METRICS},
              "label": str(label_PxSxD[p, s, d])})
    if progress is not None:
      progress(f"bucket {num_inputs}: dims {dims_S[0]}..{dims_S[-1]}, "
               f"{len(pairs) * len(dims_S) * len(seeds_D)} networks")
  # Dims in ascending order, then betas, draws, members.
  records.sort(key=lambda r: (r["dim"], r["beta"], r["seed"], r["member"]))
  return records
