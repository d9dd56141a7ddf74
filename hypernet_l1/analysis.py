"""Order parameters of a `TargetNet` and the classifier (`docs/design.md`).

Everything is computed on a fixed probe batch (the task's inputs) in one jitted
call per stack: a `TargetNet` whose leaves carry leading batch axes (seeds x
betas x checkpoints, ...) is flattened, padded to a size bucket (one compile per
`(n, m)` and bucket) and vmapped, in chunks for long stacks, with no Python
loop per network. Networks padded to more inputs than their `n` (as generated)
are classified as they are, with `n` given: one compile serves all `n` of a
padded size, and the results are those of the exact networks.

Vocabulary. A unit is *active* when its output contribution
`|w2_j| std_x swish(pre_j)` is not negligible next to the whole net's; *tied*
when it is active and its squared incoming weight sits mostly on one input; its
*sign* is the sign of that tied weight (`relu(+x)` vs `relu(-x)`). An input is
*covered* by a sign when tied units of that sign whose pre-activation changes
sign on the probes (relu pieces, not linear ones) sit on it and their
kink `sum_j w2_j |W1[j, i]|` (the slope change of the relu pieces; concave
pieces with `w2 < 0` count negative) is positive and a fair share
(`Thresholds.minority`) of the input's total. The *correction* is what the rest
of the network adds to the mean slope `E[df/dx_i]` against the tied units' own
slope: in a pudding the tied units give slope `s_i` and the correction gives
`-s_i`, whether it is carried by linear-regime units, split over several, or
smeared as weak off-tie weights of the tied units. A tied unit is *even* when
its output does not correlate with its input (`1 - corr(h_j, x_tie)^2`: 0
for a linear unit, 0.2 for a relu piece, about 1 for a unit biased at
swish's minimum): a quadratic piece, neither a relu piece nor a correction.

The labels (`labels.REGISTRY`) are those of the L1 norm. For another task
(`tasks.Task.l1_labels` false) the order parameters are measured against its
own target, and only `trivial` and `other` are given: the L1-norm algorithms
do not describe its networks (`clusters.py` groups them instead).
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import evaluation
from hypernet_l1 import labels
from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet, swish

_CODE = labels.CODE

PROBE_SIZE = 512
PROBE_SEED = 0
_CHUNK = 256  # networks per vmapped chunk: bounds memory for long stacks
_MIN_STACK = 16  # stacks of 2..16 share one compiled program


class Thresholds(NamedTuple):
  """Classifier constants (hashable, so a static jit argument)."""
  # Active: contribution share >= active / n (each unit of a double-sided net
  # has 1 / (2n)).
  active: float = 0.1
  # Tied: specialisation above this (trained tied units sit above 0.9, the
  # rest below 0.5) ...
  tied: float = 0.6
  # ... and |tied weight| / |runner-up| above this (at n = 4, random rows pass
  # the specialisation test half of the time, this one 10%).
  tie_ratio: float = 3.0
  # A sign covers an input if it holds this share of the input's kink.
  minority: float = 0.2
  # Structured labels: share of inputs covered, and corr(f, |x|_1) (this one
  # allows an affine FVU up to 0.51).
  coverage: float = 0.95
  fit_corr: float = 0.7
  # Double-sided: share of inputs covered by both signs.
  double_sided: float = 0.9
  # Trivial: var(f) / var(y) on the probes below this (output std under 22%
  # of the target's; a convexity net keeps 0.3-0.5 of the variance).
  trivial: float = 0.05
  # A tied unit this even in its input (`1 - corr^2`) is a quadratic piece;
  # quadratic networks have one on `coverage` of their inputs.
  even: float = 0.7
  # Pudding: at most this share of two-signed inputs (2 of 16), a correction
  # slope of at least `correction` times the tied slope, of sign -s_i on at
  # least `correction_agree` of the one-sided inputs.
  one_sided_leak: float = 0.15
  correction: float = 0.5
  correction_agree: float = 0.9
  # Convexity: share of active units that are not tied, output-sign agreement
  # of their contributions, and corr(f, |x|_1) ("tracks the norm roughly").
  dense: float = 0.7
  dense_sign: float = 0.9
  convex_corr: float = 0.3
  # Linear units (reported, not used by the labels): std/mean of |incoming
  # weights| (half-normal rows: 0.76). Share of probes with one
  # pre-activation sign above which a unit is linear (a tied unit so is no
  # relu piece, and that one does change labels).
  uniform_cv: float = 0.5
  linear_regime: float = 0.95


THRESHOLDS = Thresholds()


@functools.lru_cache(maxsize=None)
def _flat_probe(size: int, task: tasks.Task, seed: int) -> np.ndarray:
  flat = np.array(task.sample_inputs(jax.random.key(seed), (size,)))
  flat.flags.writeable = False  # cached and shared
  return flat


def probe_batches(dims, task: tasks.Task = tasks.DEFAULT,
                  size: int = PROBE_SIZE,
                  seed: int = PROBE_SEED) -> list[np.ndarray]:
  """The fixed probe inputs `[size, n]` of every `n` in `dims`, one draw.

  A task's inputs are independent per coordinate, so the first `size * n`
  values of one flat draw, cut into rows of `n`, are a draw for `n` inputs;
  drawn one `n` at a time the probes cost a compile each (0.17 s; 10 s for
  n = 5..64). For `U[-1, 1]` this is `uniform(key, (size, n))` exactly
  (`jax_threefry_partitionable`, JAX's default, makes values depend on the
  flat index only).
  """
  if not jax.config.jax_threefry_partitionable:  # then only equal-size draws
    return [_flat_probe(size * n, task, seed).reshape(size, n) for n in dims]
  flat = _flat_probe(size * max(dims), task, seed)
  return [flat[:size * n].reshape(size, n) for n in dims]


def probe_batch(n: int, task: tasks.Task = tasks.DEFAULT,
                size: int = PROBE_SIZE, seed: int = PROBE_SEED) -> np.ndarray:
  """The fixed probe inputs `[size, n]` for every call on `n` inputs."""
  return probe_batches([n], task, size, seed)[0]


def padded_probe(x_PxN: np.ndarray, num_inputs: int) -> np.ndarray:
  """A probe batch padded with zero columns to `[size, num_inputs]`.

  Zero probes on padded inputs keep them out of every pre-activation, so a
  padded net on this probe computes what its exact cut does on `x_PxN`.
  """
  return np.pad(x_PxN, [(0, 0), (0, num_inputs - x_PxN.shape[1])])


def _units(net: TargetNet, x_PxN: jax.Array, n: jax.Array, th: Thresholds
           ) -> dict[str, jax.Array]:
  """Per-unit quantities `[M]` (and the net's output `f_P`) on the probes."""
  w1_MxN, b1_M, w2_M, b2 = net
  n = jnp.asarray(n, w1_MxN.dtype)
  tiny = 1e-12
  pre_PxM = x_PxN @ w1_MxN.T + b1_M[None, :]
  # Each unit's output and its slope d h / d pre, elementwise.
  h_PxM, dh_PxM = jax.jvp(swish, (pre_PxM,), (jnp.ones_like(pre_PxM),))

  # Activity: share of the output's per-unit spread; biases do not count.
  contrib_M = jnp.abs(w2_M) * jnp.std(h_PxM, axis=0)
  share_M = contrib_M / (jnp.sum(contrib_M) + tiny)
  active_M = (share_M >= th.active / n) & (contrib_M > 1e-6)

  sq_MxN = w1_MxN ** 2
  spec_M = jnp.max(sq_MxN, axis=1) / (jnp.sum(sq_MxN, axis=1) + tiny)
  tie_M = jnp.argmax(sq_MxN, axis=1)
  tie_onehot_MxN = jax.nn.one_hot(tie_M, w1_MxN.shape[1], dtype=w1_MxN.dtype)
  tie_w_M = jnp.sum(w1_MxN * tie_onehot_MxN, axis=1)
  runner_up_M = jnp.max(jnp.where(tie_onehot_MxN > 0, 0.0, sq_MxN), axis=1)
  tied_M = (active_M & (spec_M >= th.tied)
            & (tie_w_M ** 2 >= th.tie_ratio ** 2 * runner_up_M))
  # A tied unit whose pre-activation keeps one sign on (almost) every probe
  # works in one regime of swish: a linear piece (e.g. `0.54 x_i + 0.92`, the
  # per-input correction of a trained L1 pudding), not a relu piece. It covers
  # no input, and its slope counts as correction.
  pos_frac_M = jnp.mean(pre_PxM > 0, axis=0)
  one_regime_M = jnp.maximum(pos_frac_M, 1.0 - pos_frac_M) >= th.linear_regime
  # Evenness in the tied input: an even unit (a quadratic piece near swish's
  # minimum) neither kinks nor carries slope.
  x_tie_PxM = x_PxN @ tie_onehot_MxN.T
  hc_PxM = h_PxM - jnp.mean(h_PxM, axis=0)
  xc_PxM = x_tie_PxM - jnp.mean(x_tie_PxM, axis=0)
  cov_M = jnp.mean(hc_PxM * xc_PxM, axis=0)
  corr2_M = cov_M ** 2 / (jnp.mean(hc_PxM ** 2, axis=0)
                          * jnp.mean(xc_PxM ** 2, axis=0) + tiny)
  evenness_M = 1.0 - corr2_M
  even_M = tied_M & (evenness_M >= th.even)
  kinked_M = tied_M & ~one_regime_M & ~even_M
  # Mean slope E[d h_j / d pre_j] of each unit.
  dswish_M = jnp.mean(dh_PxM, axis=0)
  return {
      "f_P": h_PxM @ w2_M + b2, "share": share_M, "active": active_M,
      "tie": tie_M, "tie_onehot": tie_onehot_MxN,
      "tie_w": tie_w_M, "tied": tied_M, "one_regime": one_regime_M,
      "evenness": evenness_M, "even": even_M, "kinked": kinked_M,
      "dswish": dswish_M,
  }


def order_parameters_single(net: TargetNet, x_PxN: jax.Array, n: jax.Array,
                            th: Thresholds = THRESHOLDS,
                            task: tasks.Task = tasks.DEFAULT
                            ) -> dict[str, jax.Array]:
  """Traceable order parameters (scalars) of one unbatched net on probes.

  `n` (traced) is the number of real inputs: a net padded to more inputs
  (`hypernet.assemble`: padded inputs' weights and padded units exactly zero)
  and probed with zeros there (`padded_probe`) gives the order parameters of
  its exact cut (`hypernet.to_exact`), so one compile serves every `n` of a
  padding bucket. Dead units change nothing; means over inputs and `n` itself
  are what padding would change, so they count the first `n` inputs only.
  """
  w1_MxN, _, w2_M, _ = net
  in_mask_N = jnp.arange(w1_MxN.shape[1]) < n
  n = jnp.asarray(n, w1_MxN.dtype)
  tiny = 1e-12
  u = _units(net, x_PxN, n, th)
  f_P, share_M, active_M = u["f_P"], u["share"], u["active"]
  tied_M, kinked_M, tie_onehot_MxN = u["tied"], u["kinked"], u["tie_onehot"]
  tie_w_M = u["tie_w"]
  y_P = task.function(x_PxN)
  dense_M = active_M & ~tied_M
  # Kink w2 |w_tie|: the slope change a relu piece adds (2 for a pudding unit,
  # 1 + 1 for a double-sided pair), whatever its sharpness. Concave pieces
  # (w2 < 0) subtract from their side; a side with a small share of the
  # input's kink (a weak leftover) does not count.
  kink_MxN = jnp.where(kinked_M[:, None],
                       w2_M[:, None] * jnp.abs(w1_MxN) * tie_onehot_MxN, 0.0)
  pos_kink_N = jnp.sum(kink_MxN * (tie_w_M[:, None] > 0), axis=0)
  neg_kink_N = jnp.sum(kink_MxN * (tie_w_M[:, None] < 0), axis=0)
  side_min_N = th.minority * (jnp.maximum(pos_kink_N, 0.0)
                              + jnp.maximum(neg_kink_N, 0.0))
  pos_N = (pos_kink_N > 0) & (pos_kink_N >= side_min_N)
  neg_N = (neg_kink_N > 0) & (neg_kink_N >= side_min_N)
  sign_N = jnp.where(pos_N & ~neg_N, 1.0, jnp.where(neg_N & ~pos_N, -1.0, 0.0))
  one_sided_N = sign_N != 0
  n_one = jnp.sum(one_sided_N)
  # Inputs with an even (quadratic) piece; padded inputs have no unit.
  even_N = (u["even"].astype(w1_MxN.dtype) @ tie_onehot_MxN) > 0

  # Mean slopes E[d/dx_i] of each unit's contribution; a pudding's tied units
  # give +s_i and the rest -s_i, however the rest is built.
  slope_MxN = (w2_M * u["dswish"])[:, None] * w1_MxN
  tie_slope_N = jnp.sum(
      jnp.where(kinked_M[:, None], slope_MxN * tie_onehot_MxN, 0.0), axis=0)
  against_N = (tie_slope_N - jnp.sum(slope_MxN, axis=0)) * sign_N  # > 0: -s_i
  correction = jnp.sum(against_N) / (
      jnp.sum(jnp.abs(tie_slope_N) * one_sided_N) + tiny)
  correction_agree = (jnp.sum(one_sided_N & (against_N > 0))
                      / jnp.maximum(n_one, 1))

  # Linear units: dense, near-uniform |w|, pre-activation of one sign (the
  # textbook correction unit; trained nets often correct with quasi-linear
  # units near 0 in +-pairs instead, `swish(u) - swish(-u) = u`).
  abs_MxN = jnp.abs(w1_MxN)
  mean_abs_M = jnp.sum(abs_MxN, axis=1) / n
  dev_MxN = jnp.where(in_mask_N, abs_MxN - mean_abs_M[:, None], 0.0)
  cv_M = jnp.sqrt(jnp.sum(dev_MxN ** 2, axis=1) / n) / (mean_abs_M + tiny)
  linear_M = dense_M & (cv_M <= th.uniform_cv) & u["one_regime"]
  # Smeared correction: off-tie weights of tied units against the sign pattern,
  # relative to the tie weight.
  off_M = jnp.sum(w1_MxN * (1.0 - tie_onehot_MxN) * sign_N[None, :], axis=1)
  smear_M = -off_M / (jnp.maximum(n - 1, 1) * jnp.abs(tie_w_M) + tiny)
  tied_share = jnp.sum(share_M * tied_M)

  dense_share = jnp.sum(share_M * dense_M)
  dense_sign = (jnp.abs(jnp.sum(share_M * dense_M * jnp.sign(w2_M)))
                / (dense_share + tiny))

  fc_P, yc_P = f_P - jnp.mean(f_P), y_P - jnp.mean(y_P)
  fit_corr = jnp.sum(fc_P * yc_P) / jnp.sqrt(
      jnp.sum(fc_P ** 2) * jnp.sum(yc_P ** 2) + tiny)
  n_active = jnp.sum(active_M)
  return {
      "n_active": n_active,
      "n_tied": jnp.sum(tied_M),
      "coverage": jnp.sum(pos_N | neg_N) / n,
      "double_sided": jnp.sum(pos_N & neg_N) / n,
      "pos_share": jnp.sum(sign_N > 0) / jnp.maximum(n_one, 1),
      "correction": correction,
      "correction_agree": correction_agree,
      "n_linear_units": jnp.sum(linear_M),
      "smeared": jnp.sum(share_M * tied_M * smear_M) / (tied_share + tiny),
      "even_coverage": jnp.sum(even_N & in_mask_N) / n,
      "evenness": (jnp.sum(share_M * tied_M * u["evenness"])
                   / (tied_share + tiny)),
      "dense_share": jnp.sum(dense_M) / jnp.maximum(n_active, 1),
      "dense_sign": dense_sign,
      "fit_corr": fit_corr,
      # Over the task's exact var(y), as FVU: one number per n.
      "output_var": jnp.var(f_P) / task.variance(n),
      "fvu": evaluation.fvu(f_P, y_P, task, n),
  }


def label_code(p: dict[str, jax.Array], th: Thresholds = THRESHOLDS,
               task: tasks.Task = tasks.DEFAULT) -> jax.Array:
  """Order parameters (any batch shape) -> index into `labels.NAMES`.

  Traceable. `trivial` comes first: a net whose output barely moves is
  never convexity, however well its small wiggles correlate with the norm.
  """
  trivial = p["output_var"] < th.trivial
  if not task.l1_labels:
    return jnp.where(trivial, _CODE["trivial"], _CODE["other"])
  structured = (p["coverage"] >= th.coverage) & (p["fit_corr"] >= th.fit_corr)
  double = structured & (p["double_sided"] >= th.double_sided)
  pudding = (structured & (p["double_sided"] <= th.one_sided_leak)
             & (p["correction"] >= th.correction)
             & (p["correction_agree"] >= th.correction_agree))
  pud_code = jnp.where(p["pos_share"] >= 1.0, _CODE["pudding_pos"],
                       jnp.where(p["pos_share"] <= 0.0, _CODE["pudding_neg"],
                                 _CODE["pudding_mixed"]))
  # Relu pieces on every input, too few inputs with both signs for
  # double-sided, and no correction (`algorithms.lopsided`).
  lopsided = ((p["coverage"] >= th.coverage)
              & (p["double_sided"] < th.double_sided)
              & (p["correction"] < th.correction)
              & (p["fit_corr"] >= th.convex_corr))
  quadratic = ((p["even_coverage"] >= th.coverage)
               & (p["coverage"] <= th.one_sided_leak)
               & (p["fit_corr"] >= th.fit_corr))
  convex = ((p["n_active"] > 0) & (p["dense_share"] >= th.dense)
            & (p["dense_sign"] >= th.dense_sign)
            & (p["fit_corr"] >= th.convex_corr))
  code = jnp.where(convex, _CODE["convexity"], _CODE["other"])
  code = jnp.where(lopsided, _CODE["lopsided"], code)
  code = jnp.where(quadratic, _CODE["quadratic"], code)
  code = jnp.where(pudding, pud_code, code)
  code = jnp.where(double, _CODE["double_sided"], code)
  return jnp.where(trivial, _CODE["trivial"], code)


def _bucket(size: int) -> int:
  """Padded stack size: 1, then powers of two from 16, then whole chunks."""
  if size <= 1:
    return 1
  if size <= _CHUNK:
    return max(_MIN_STACK, 1 << (size - 1).bit_length())
  return -(-size // _CHUNK) * _CHUNK


@functools.partial(jax.jit, static_argnames=("th", "task"))
def _analyse(net_flat: TargetNet, x_PxN: jax.Array, n: jax.Array,
             th: Thresholds, task: tasks.Task):
  """Order parameters and label codes of a flat stack `[E, ...]` of nets."""
  one = lambda net: order_parameters_single(net, x_PxN, n, th, task)
  if net_flat.w2.shape[0] <= _CHUNK:
    params = jax.vmap(one)(net_flat)
  else:  # chunks bound the [chunk, probe, m] activations of long stacks
    params = jax.lax.map(one, net_flat, batch_size=_CHUNK)
  return params, label_code(params, th, task)


def _checked(net: TargetNet, n: int | None) -> tuple[TargetNet, int]:
  """`net` as float32 NumPy leaves with consistent shapes, and its `n`."""
  # NumPy for the reshaping: eager jnp ops would compile once per stack shape.
  net = TargetNet(*(np.asarray(leaf, np.float32) for leaf in net))
  m, num_inputs = net.W1.shape[-2:]
  n = num_inputs if n is None else int(n)
  if not 1 <= n <= num_inputs:
    raise ValueError(f"n must lie in [1, {num_inputs}], got {n}")
  batch = net.w2.shape[:-1]
  if (net.W1.shape != (*batch, m, num_inputs) or net.b1.shape != (*batch, m)
      or net.b2.shape != batch):
    raise ValueError(
        f"inconsistent TargetNet shapes {[leaf.shape for leaf in net]}")
  return net, n


def _probe(probe_x, n: int, num_inputs: int, task: tasks.Task) -> np.ndarray:
  if probe_x is None:
    probe_x = padded_probe(probe_batch(n, task), num_inputs)
  return np.asarray(probe_x, np.float32)


def _run(net: TargetNet, probe_x, th: Thresholds, n: int | None,
         task: tasks.Task):
  """Flattens the batch axes, pads to a bucket, analyses, restores them."""
  net, n = _checked(net, n)
  batch = net.w2.shape[:-1]
  size = int(np.prod(batch))
  pad = _bucket(size) - size
  flat = TargetNet(*(
      np.pad(leaf.reshape(size, *leaf.shape[len(batch):]),
             [(0, pad)] + [(0, 0)] * (leaf.ndim - len(batch)))
      for leaf in net))
  params, codes = jax.device_get(_analyse(
      flat, _probe(probe_x, n, net.W1.shape[-1], task), np.int32(n), th,
      task))
  return ({k: v[:size].reshape(batch) for k, v in params.items()},
          codes[:size].reshape(batch))


def order_parameters(net: TargetNet, probe_x=None, th: Thresholds = THRESHOLDS,
                     n: int | None = None,
                     task: tasks.Task = tasks.DEFAULT) -> dict[str, np.ndarray]:
  """Order parameters (`docs/design.md`), NumPy arrays of the batch shape.

  `n`: the nets are padded (`generator.generate_from_noise`) to `W1.shape[-1]`
  inputs, `n` of them real; the results are those of `hypernet.to_exact(net,
  n)`, from one compile for every `n` of a padded size. A `probe_x` must then
  be zero beyond column `n` (`padded_probe`, the default). `task`: the
  function the nets were trained on (fit and output variance are measured
  against it; the L1-norm labels apply to `tasks.l1_norm` only).
  """
  return _run(net, probe_x, th, n, task)[0]


def classify(net: TargetNet, probe_x=None, th: Thresholds = THRESHOLDS,
             n: int | None = None, task: tasks.Task = tasks.DEFAULT):
  """Algorithm label(s): a `str` for one net, a NumPy array of `str` else.

  `n`, `probe_x` and `task` as in `order_parameters`.
  """
  codes = np.asarray(_run(net, probe_x, th, n, task)[1])
  names = np.asarray(labels.NAMES)[codes]
  return str(names) if names.ndim == 0 else names


_UNIT_KEYS = ("active", "tied", "tie", "tie_w", "kinked", "even",
              "one_regime", "evenness", "share")


@functools.partial(jax.jit, static_argnames=("th",))
def _unit_roles(net: TargetNet, x_PxN, n, th: Thresholds):
  u = _units(net, x_PxN, n, th)
  return {k: u[k] for k in _UNIT_KEYS}


def unit_roles(net: TargetNet, n: int | None = None,
               th: Thresholds = THRESHOLDS,
               task: tasks.Task = tasks.DEFAULT) -> dict[str, np.ndarray]:
  """What the classifier sees in each hidden unit of one net, arrays `[m]`.

  `active`, `tied` (with its input `tie` and weight `tie_w`), `kinked` (a
  relu piece), `even` (a quadratic piece), `one_regime` (never leaves one
  regime of swish: linear), `evenness`, `share` (of the output's spread).
  Drawings sort and colour units by these, so a drawing shows what its label
  was computed from.
  """
  net, n = _checked(net, n)
  if net.w2.ndim != 1:
    raise ValueError("unit_roles takes one network, not a stack")
  return jax.device_get(_unit_roles(
      net, _probe(None, n, net.W1.shape[-1], task), np.int32(n), th))
