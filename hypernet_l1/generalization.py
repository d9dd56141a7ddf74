"""Systematic generalisation: error and algorithm of generated networks vs n.

`evaluate_dims` asks a trained run for networks at any input dimension, seen
in training or not, and reports per network the error on the fixed
evaluation inputs (`evaluation.network_metrics`), the complexity, and the
algorithm label (`analysis.classify`). Dimensions share padding buckets: one
compiled call per bucket evaluates every (member, beta, dim, draw) in it and
returns the padded networks, which are cut to exact size on the host and
classified per dimension (the classifier needs exact shapes: padded inputs
would look uncovered).
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
from hypernet_l1 import hypernet
from hypernet_l1 import run as run_lib
from hypernet_l1 import train

METRICS = ("rel_rms", "fvu", "complexity")


def default_betas(config) -> np.ndarray:
  """The grid betas in grid mode, else `eval.num_betas` log-spaced over the range."""
  if config.beta_mode == "grid":
    return evaluation.grid_betas(config)
  return evaluation.eval_betas(config)


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


# LLVM -O2 whatever XLA_FLAGS says: XLA:CPU's default -O3 doubled this
# program's compile time (10 s instead of 5 s per bucket at n = 16 and 64) and
# ran it no faster; -O0 (launch.evaluate's default) ran it 3x slower.
@functools.partial(jax.jit, static_argnums=(0, 6),
                   compiler_options={"xla_backend_optimization_level": 2})
def bucket_metrics(config, params_E, member_P, log_beta_P, n_S, seeds_D,
                   num_inputs):
  """Metrics `[P, S, D]` and padded networks of pairs x dims x draws, one call.

  Each network goes through `evaluation.ensemble_metrics`, the same function
  the training report uses, mapped sequentially (`lax.map`) rather than
  vmapped: at n = 64 the vmapped form holds `[networks, eval batch, 3n]`
  activations at once (6 GB for 2048 networks) and ran 4x slower on CPU.
  The returned networks (for the labels) are drawn a second time: XLA does
  not merge the two draws (+20% run time at n = 40), the price of keeping
  `ensemble_metrics` the one definition of the metrics.
  """
  idx = [g.ravel() for g in jnp.meshgrid(
      jnp.arange(member_P.shape[0]), jnp.arange(n_S.shape[0]),
      jnp.arange(seeds_D.shape[0]), indexing="ij")]

  def one(psd):
    p, s, d = psd
    params = jax.tree.map(lambda a: a[member_P[p]], params_E)
    metrics = evaluation.ensemble_metrics(
        config, jax.tree.map(lambda a: a[None], params), n_S[s][None],
        log_beta_P[p][None], seeds_D[d][None], num_inputs)
    net, _ = generator.generate_padded(config, params,
                                       jax.random.key(seeds_D[d]), n_S[s],
                                       log_beta_P[p], num_inputs)
    return {k: v.reshape(()) for k, v in metrics.items()}, net

  metrics, nets = jax.lax.map(one, idx)
  shape = (member_P.shape[0], n_S.shape[0], seeds_D.shape[0])
  return jax.tree.map(lambda a: a.reshape(shape + a.shape[1:]),
                      (metrics, nets))


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
  `0..seeds-1`) or the draw seeds; `betas=None` is `default_betas`; in grid
  mode each member answers only the betas nearest its own. `progress` gets
  one line per bucket.
  """
  run = _as_run(workdir_or_run)
  config = ml_collections.FrozenConfigDict(run.config)
  dims = [int(n) for n in dims]
  if not dims or min(dims) < 1:
    raise ValueError(f"dims must be integers >= 1, got {dims}")
  betas = default_betas(config) if betas is None else np.asarray(betas,
                                                                 np.float64)
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

  records = []
  for num_inputs, dims_S in dim_buckets(dims, config.dim_buckets).items():
    metrics, nets = jax.device_get(bucket_metrics(
        config, params_E, member_P, log_beta_P, np.array(dims_S, np.int32),
        seeds_D.astype(np.int32), num_inputs))
    for s, n in enumerate(dims_S):
      if labels:  # one classify call (one compile) per dim: exact shapes
        label_PxD = analysis.classify(hypernet.to_exact(
            jax.tree.map(lambda a: a[:, s], nets), n))
      for p, (e, b) in enumerate(pairs):
        for d, seed in enumerate(seeds_D):
          records.append({
              "dim": n, "beta": float(betas[b]), "seed": int(seed),
              "member": e, "seen": n in seen,
              **{k: float(metrics[k][p, s, d]) for k in METRICS},
              "label": str(label_PxD[p, d]) if labels else ""})
    if progress is not None:
      progress(f"bucket {num_inputs}: dims {dims_S[0]}..{dims_S[-1]}, "
               f"{len(pairs) * len(dims_S) * len(seeds_D)} networks")
  # Dims in ascending order, then betas, draws, members.
  records.sort(key=lambda r: (r["dim"], r["beta"], r["seed"], r["member"]))
  return records
