"""The sweep: one program that generates and scores networks over a grid.

The grid is (member, beta) pairs x input dims x draw seeds. Every reader of a
trained run goes through it: the final table (`tables`), the phase
analysis (`phases`), `evaluate_dims` (`generalization`) and `Run.generate`.
Per padding bucket it is one compiled call: each network is generated once
from its draw's noise (drawn once per seed, `draw_noises`), scored on the
fixed evaluation inputs (`evaluation.network_metrics`) and, if asked,
classified as it is, padded, with its true `n` (the labels and order
parameters of its exact cut, `analysis.order_parameters_single`), so nothing
compiles per dimension, beta or checkpoint.
"""

import functools
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import analysis
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import hypernet
from hypernet_l1 import labels as labels_lib
from hypernet_l1 import layout
from hypernet_l1 import noise as noise_lib
from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet

METRICS = ("rel_rms", "fvu", "complexity")


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
@functools.partial(jax.jit, static_argnums=(0, 7, 8, 9),
                   compiler_options={"xla_backend_optimization_level": 2})
def bucket_program(config, params_E, member_Q, log_beta_Q, n_S, noise_D,
                   probe_SxPxN, num_inputs, classify, keep_nets):
  """Metrics (and order parameters, label codes, nets) `[Q, S, D, ...]`.

  Pairs x dims x draws of one padding bucket. Dims and networks run one
  after the other (`lax.map`): vmapped, the networks hold `[networks, eval
  batch, 3N]` activations at once (6 GB for 2048 networks at N = 64) and ran
  slower even in chunks of 8. A dim's networks are generated in one loop and
  scored in a second: fused into one, the swish read its bias strided from
  the hypernetwork's output and ran unvectorised (2.8x the time per network
  at N = 32).
  """
  task = tasks.get(config.task)
  noise_D = jax.vmap(lambda nz: noise_lib.first_inputs(nz, num_inputs))(
      noise_D)
  num_draws = noise_D.eps_w2_KxN.shape[0]
  q_X, d_X = (g.ravel() for g in jnp.meshgrid(
      jnp.arange(member_Q.shape[0]), jnp.arange(num_draws), indexing="ij"))

  def per_dim(n_and_probe):
    n, probe_PxN = n_and_probe
    x_BxN = evaluation.eval_inputs(config, n, num_inputs)

    def generate(qd):
      q, d = qd
      return generator.generate_from_noise(
          config, jax.tree.map(lambda a: a[member_Q[q]], params_E),
          jax.tree.map(lambda a: a[d], noise_D), n, log_beta_Q[q])

    def score_net(net_and_cost):
      net, cost = net_and_cost
      out = evaluation.network_metrics(config, net, cost, n, x_BxN)
      if classify:
        params = analysis.order_parameters_single(
            net, probe_PxN, n, analysis.THRESHOLDS, task)
        # A network's metrics are those on the evaluation inputs; the
        # classifier's probes give its order parameters and label.
        out.update({k: v for k, v in params.items() if k not in METRICS},
                   label=analysis.label_code(params, analysis.THRESHOLDS,
                                             task))
      if keep_nets:
        out["net"] = net
      return out

    return jax.lax.map(score_net, jax.lax.map(generate, (q_X, d_X)))

  out_SxX = jax.lax.map(per_dim, (n_S, probe_SxPxN))
  shape = (n_S.shape[0], member_Q.shape[0], num_draws)
  return jax.tree.map(
      lambda a: jnp.moveaxis(a.reshape(*shape, *a.shape[2:]), 0, 1), out_SxX)


def score(config, params_E, member_Q: Sequence[int], beta_Q: Sequence[float],
          dims: Sequence[int], seeds_D: Sequence[int], classify: bool = True,
          keep_nets: bool = False,
          progress: Callable[[str], None] | None = None) -> dict:
  """Generates, scores and (`classify`) classifies the networks of
  `(member_Q[q], beta_Q[q])` pairs x `dims` x draw `seeds_D`.

  `config` must be hashable (`ml_collections.FrozenConfigDict`). Returns
  NumPy arrays `[Q, S, D]` keyed by `METRICS`, and with `classify` every
  order parameter and `label` (names from `labels.NAMES`); with `keep_nets`,
  `nets[q][s][d]`: the exact-size `TargetNet` (`hypernet.to_exact`). Dims
  are computed one padding bucket at a time; `progress` gets a line per
  bucket.
  """
  member_Q = np.asarray(member_Q, np.int32)
  log_beta_Q = np.log(np.asarray(beta_Q, np.float64)).astype(np.float32)
  seeds_D = np.asarray(seeds_D, np.int32)
  dims = [int(n) for n in dims]
  task = tasks.get(config.task)
  buckets = generator.dim_buckets(sorted(dims), config.dim_buckets)
  noise_D = draw_noises(config, seeds_D, max(buckets))
  probes = dict(zip(dims, analysis.probe_batches(dims, task)))
  parts = {}
  for num_inputs, dims_S in buckets.items():
    probe_SxPxN = np.stack([analysis.padded_probe(probes[n], num_inputs)
                            for n in dims_S])
    out = jax.device_get(bucket_program(
        config, params_E, member_Q, log_beta_Q, np.array(dims_S, np.int32),
        noise_D, probe_SxPxN, num_inputs, classify, keep_nets))
    for s, n in enumerate(dims_S):
      parts[n] = jax.tree.map(lambda a: a[:, s], out)
      if keep_nets:
        parts[n]["net"] = hypernet.to_exact(parts[n]["net"], n)
    if progress is not None:
      progress(f"bucket {num_inputs}: dims {dims_S[0]}..{dims_S[-1]}, "
               f"{member_Q.size * len(dims_S) * seeds_D.size} networks")
  order = [parts[n] for n in dims]
  result = {k: np.stack([part[k] for part in order], axis=1)
            for k in order[0] if k != "net"}
  if classify:
    result["label"] = np.asarray(labels_lib.NAMES)[result["label"]]
  if keep_nets:
    result["nets"] = [[[TargetNet(*(leaf[q, d] for leaf in part["net"]))
                        for d in range(seeds_D.size)] for part in order]
                      for q in range(member_Q.size)]
  return result


def records(config, params_E, betas: Sequence[float], dims: Sequence[int],
            seeds_D: Sequence[int], members: Sequence[int] | None = None,
            classify: bool = True, order_keys: Sequence[str] = (),
            progress: Callable[[str], None] | None = None) -> list[dict]:
  """One record per (dim, beta, draw seed, member) of the layout's pairs.

  The pairs are `layout.pairs(config, betas, members)`. Keys: `dim`,
  `hidden` (the network's hidden units `m`), `beta`, `seed`, `member`,
  `METRICS`, `label` (`""` without `classify`) and the order parameters
  named in `order_keys`. Sorted by dim, beta, seed, member.
  """
  pairs = layout.pairs(config, betas, members)
  if not pairs:
    raise ValueError("no ensemble member answers these betas")
  betas = np.asarray(betas, np.float64)
  seeds_D = np.asarray(seeds_D)
  out = score(config, params_E, [e for e, _ in pairs],
              betas[[b for _, b in pairs]], dims, seeds_D, classify=classify,
              progress=progress)
  rows = []
  for q, (e, b) in enumerate(pairs):
    for s, n in enumerate(dims):
      for d, seed in enumerate(seeds_D):
        rows.append({
            "dim": int(n), "hidden": config.hidden_per_input * int(n),
            "beta": float(betas[b]), "seed": int(seed), "member": int(e),
            **{k: float(out[k][q, s, d]) for k in METRICS},
            "label": str(out["label"][q, s, d]) if classify else "",
            **{k: float(out[k][q, s, d]) for k in order_keys}})
  rows.sort(key=lambda r: (r["dim"], r["beta"], r["seed"], r["member"]))
  return rows
