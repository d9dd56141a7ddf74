"""Order parameters of a `TargetNet` and the algorithm classifier (DESIGN section 5).

Everything is computed on a fixed probe batch `x ~ U[-1, 1]^n`, jitted once per
`(n, m)` and batched: a `TargetNet` whose leaves carry leading batch axes (seeds x
betas x checkpoints, ...) is flattened and mapped in vmapped chunks, with no
Python loop per network.

Vocabulary. A unit is *active* when its output contribution
`|w2_j| std_x swish(pre_j)` is not negligible next to the whole net's; *tied* when
it is active and its squared incoming weight sits mostly on one input; its *sign*
is the sign of that tied weight (`relu(+x)` vs `relu(-x)`). An input is *covered*
by a sign when active tied units of that sign sit on it and their kink
`sum_j w2_j |W1[j, i]|` (the slope change of the relu pieces; concave pieces with
`w2 < 0` count negative) is positive and a fair share (`Thresholds.minority`) of
the input's total. The *correction* is what the rest of the network
adds to the mean slope `E[df/dx_i]` against the tied units' own slope: in a
pudding the tied units give slope `s_i` and the correction gives `-s_i`, whether
it is carried by linear-regime units, split over several, or smeared as weak
off-tie weights of the tied units.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1.target import TargetNet, l1_norm

LABELS = ("double_sided", "pudding_pos", "pudding_neg", "pudding_mixed", "convexity", "other")
DOUBLE_SIDED, PUDDING_POS, PUDDING_NEG, PUDDING_MIXED, CONVEXITY, OTHER = range(len(LABELS))

PROBE_SIZE = 512
PROBE_SEED = 0
_CHUNK = 256  # networks per vmapped chunk: bounds memory for long stacks of checkpoints
_MIN_STACK = 16  # stacks of 2..16 share one compiled program


class Thresholds(NamedTuple):
  """Classifier constants (hashable, so a static jit argument)."""
  active: float = 0.1  # active: contribution share >= active / n (1/(2n) for double-sided)
  tied: float = 0.6  # specialisation above which a unit is tied (PHYSICS: tied > 0.9, rest < 0.5)
  tie_ratio: float = 3.0  # ... and |tied weight| / |runner-up| (random rows at n = 4 pass 0.6 half the time)
  minority: float = 0.2  # a sign covers an input if it has this share of the input's kink
  coverage: float = 0.95  # share of inputs that must carry a tied unit (structured labels)
  double_sided: float = 0.9  # share of inputs covered by both signs
  one_sided_leak: float = 0.15  # at most this share of two-signed inputs in a pudding (2 of 16)
  correction: float = 0.5  # correction slope / tied slope on one-sided inputs
  correction_agree: float = 0.9  # share of one-sided inputs whose correction has sign -s_i
  fit_corr: float = 0.7  # corr(f, |x|_1) for structured labels (FVU up to fit ~0.5)
  dense: float = 0.7  # convexity: share of active units that are not tied
  dense_sign: float = 0.9  # convexity: output-sign agreement of dense contributions
  convex_corr: float = 0.3  # convexity: corr(f, |x|_1), "tracks the norm roughly"
  uniform_cv: float = 0.5  # correction unit: std/mean of |incoming weights| (half-normal: 0.76)
  align: float = 0.8  # correction unit: cosine of its mean slope with -s (the correction)
  linear_regime: float = 0.95  # linear unit: pre-activation of one sign this often


THRESHOLDS = Thresholds()


@functools.lru_cache(maxsize=None)
def probe_batch(n: int, size: int = PROBE_SIZE, seed: int = PROBE_SEED) -> np.ndarray:
  """The fixed probe inputs `x ~ U[-1, 1]^n`, `[size, n]`, the same for every call."""
  return np.asarray(jax.random.uniform(jax.random.key(seed), (size, n), minval=-1.0, maxval=1.0))


def order_parameters_single(net: TargetNet, x_PxN: jax.Array,
                            th: Thresholds = THRESHOLDS) -> dict[str, jax.Array]:
  """Traceable order parameters (scalars) of one unbatched network on probe inputs."""
  w1_MxN, b1_M, w2_M, b2 = net
  m, n = w1_MxN.shape
  tiny = 1e-12

  pre_PxM = x_PxN @ w1_MxN.T + b1_M[None, :]
  sig_PxM = jax.nn.sigmoid(pre_PxM)
  h_PxM = pre_PxM * sig_PxM  # swish
  f_P = h_PxM @ w2_M + b2
  y_P = l1_norm(x_PxN)

  # Activity: share of the output's per-unit spread; constants (biases) do not count.
  contrib_M = jnp.abs(w2_M) * jnp.std(h_PxM, axis=0)
  share_M = contrib_M / (jnp.sum(contrib_M) + tiny)
  active_M = (share_M >= th.active / n) & (contrib_M > 1e-6)

  sq_MxN = w1_MxN ** 2
  spec_M = jnp.max(sq_MxN, axis=1) / (jnp.sum(sq_MxN, axis=1) + tiny)
  tie_M = jnp.argmax(sq_MxN, axis=1)
  tie_onehot_MxN = jax.nn.one_hot(tie_M, n, dtype=w1_MxN.dtype)
  tie_w_M = jnp.sum(w1_MxN * tie_onehot_MxN, axis=1)
  runner_up_M = jnp.max(jnp.where(tie_onehot_MxN > 0, 0.0, sq_MxN), axis=1)
  tied_M = active_M & (spec_M >= th.tied) & (tie_w_M ** 2 >= th.tie_ratio ** 2 * runner_up_M)
  dense_M = active_M & ~tied_M
  # Kink w2 |w_tie|: the slope change a relu piece adds (2 for a pudding unit, 1 + 1 for a
  # double-sided pair), independent of sharpness. Concave pieces (w2 < 0) subtract from
  # their side, and a side with a small share of the input's kink does not count.
  kink_MxN = jnp.where(tied_M[:, None], w2_M[:, None] * jnp.abs(w1_MxN) * tie_onehot_MxN, 0.0)
  pos_kink_N = jnp.sum(kink_MxN * (tie_w_M[:, None] > 0), axis=0)
  neg_kink_N = jnp.sum(kink_MxN * (tie_w_M[:, None] < 0), axis=0)
  side_min_N = th.minority * (jnp.maximum(pos_kink_N, 0.0) + jnp.maximum(neg_kink_N, 0.0))
  pos_N = (pos_kink_N > 0) & (pos_kink_N >= side_min_N)
  neg_N = (neg_kink_N > 0) & (neg_kink_N >= side_min_N)
  sign_N = jnp.where(pos_N & ~neg_N, 1.0, jnp.where(neg_N & ~pos_N, -1.0, 0.0))
  one_sided_N = sign_N != 0
  n_one = jnp.sum(one_sided_N)

  # Mean slopes E[d/dx_i] of each unit's contribution; pudding: tied +s_i, rest -s_i.
  dswish_M = jnp.mean(sig_PxM * (1.0 + pre_PxM * (1.0 - sig_PxM)), axis=0)
  slope_MxN = (w2_M * dswish_M)[:, None] * w1_MxN
  slope_N = jnp.sum(slope_MxN, axis=0)
  tie_slope_N = jnp.sum(jnp.where(tied_M[:, None], slope_MxN * tie_onehot_MxN, 0.0), axis=0)
  corr_slope_N = slope_N - tie_slope_N
  against_N = -corr_slope_N * sign_N  # > 0: correction opposes the tied sign
  correction = jnp.sum(against_N) / (jnp.sum(jnp.abs(tie_slope_N) * one_sided_N) + tiny)
  correction_agree = jnp.sum(one_sided_N & (against_N > 0)) / jnp.maximum(n_one, 1)

  # Explicit correction units: dense, near-uniform |w|, slope along -s. Trained nets often
  # use quasi-linear units near 0 in +-pairs (swish(u) - swish(-u) = u), so the textbook
  # large-bias unit (pre-activation of one sign) is counted separately.
  abs_MxN = jnp.abs(w1_MxN)
  cv_M = jnp.std(abs_MxN, axis=1) / (jnp.mean(abs_MxN, axis=1) + tiny)
  align_M = -(slope_MxN @ sign_N) / (jnp.linalg.norm(slope_MxN, axis=1) * jnp.sqrt(n_one) + tiny)
  corr_unit_M = dense_M & (cv_M <= th.uniform_cv) & (align_M >= th.align)
  pos_frac_M = jnp.mean(pre_PxM > 0, axis=0)
  one_sign_M = jnp.maximum(pos_frac_M, 1.0 - pos_frac_M) >= th.linear_regime
  linear_M = dense_M & (cv_M <= th.uniform_cv) & one_sign_M
  # Smeared correction: off-tie weights of tied units against the input sign pattern.
  off_MxN = w1_MxN * (1.0 - tie_onehot_MxN) * sign_N[None, :]
  smear_M = -jnp.sum(off_MxN, axis=1) / (jnp.maximum(n - 1, 1) * jnp.abs(tie_w_M) + tiny)
  tied_share = jnp.sum(share_M * tied_M)

  dense_share_out = jnp.sum(share_M * dense_M)
  dense_sign = jnp.abs(jnp.sum(share_M * dense_M * jnp.sign(w2_M))) / (dense_share_out + tiny)

  fc_P, yc_P = f_P - jnp.mean(f_P), y_P - jnp.mean(y_P)
  fit_corr = jnp.sum(fc_P * yc_P) / jnp.sqrt(jnp.sum(fc_P ** 2) * jnp.sum(yc_P ** 2) + tiny)
  n_active = jnp.sum(active_M)
  return {
      "n_active": n_active,
      "n_tied": jnp.sum(tied_M),
      "specialization": jnp.sum(spec_M * active_M) / jnp.maximum(n_active, 1),
      "coverage": jnp.mean(pos_N | neg_N),
      "double_sided": jnp.mean(pos_N & neg_N),
      "pos_share": jnp.sum(sign_N > 0) / jnp.maximum(n_one, 1),
      "correction": correction,
      "correction_agree": correction_agree,
      "n_correction_units": jnp.sum(corr_unit_M),
      "correction_unit_share": jnp.sum(share_M * corr_unit_M),
      "n_linear_units": jnp.sum(linear_M),
      "smeared": jnp.sum(share_M * tied_M * smear_M) / (tied_share + tiny),
      "dense_share": jnp.sum(dense_M) / jnp.maximum(n_active, 1),
      "dense_sign": dense_sign,
      "fit_corr": fit_corr,
      "fvu": jnp.mean((f_P - y_P) ** 2) / jnp.var(y_P),
      "fvu_affine": 1.0 - jnp.maximum(fit_corr, 0.0) ** 2,
  }


def label_code(p: dict[str, jax.Array], th: Thresholds = THRESHOLDS) -> jax.Array:
  """Maps order parameters (any batch shape) to an index into `LABELS`; traceable."""
  structured = (p["coverage"] >= th.coverage) & (p["fit_corr"] >= th.fit_corr)
  double = structured & (p["double_sided"] >= th.double_sided)
  pudding = (structured & (p["double_sided"] <= th.one_sided_leak)
             & (p["correction"] >= th.correction)
             & (p["correction_agree"] >= th.correction_agree))
  pud_code = jnp.where(p["pos_share"] >= 1.0, PUDDING_POS,
                       jnp.where(p["pos_share"] <= 0.0, PUDDING_NEG, PUDDING_MIXED))
  convex = ((p["n_active"] > 0) & (p["dense_share"] >= th.dense)
            & (p["dense_sign"] >= th.dense_sign) & (p["fit_corr"] >= th.convex_corr))
  return jnp.where(double, DOUBLE_SIDED,
                   jnp.where(pudding, pud_code, jnp.where(convex, CONVEXITY, OTHER)))


def _bucket(size: int) -> int:
  """Padded stack size: a power of two up to a chunk, then whole chunks (fewer compiles)."""
  if size <= 1:
    return 1
  if size <= _CHUNK:
    return max(_MIN_STACK, 1 << (size - 1).bit_length())
  return -(-size // _CHUNK) * _CHUNK


@functools.partial(jax.jit, static_argnames=("th",))
def _analyse(net_flat: TargetNet, x_PxN: jax.Array, th: Thresholds):
  """Order parameters and label codes of a flat stack `[E, ...]` of networks."""
  one = lambda net: order_parameters_single(net, x_PxN, th)
  size = net_flat.w2.shape[0]
  if size <= _CHUNK:
    params = jax.vmap(one)(net_flat)
  else:  # chunks bound the [chunk, probe, m] activations of long checkpoint stacks
    params = jax.lax.map(one, net_flat, batch_size=_CHUNK)
  return params, label_code(params, th)


def _run(net: TargetNet, probe_x, th: Thresholds):
  """Flattens the batch axes, pads to a bucket, analyses, and restores them."""
  # NumPy for the reshaping: eager jnp ops would each compile once per stack shape.
  net = TargetNet(*(np.asarray(leaf, np.float32) for leaf in net))
  m, n = net.W1.shape[-2:]
  batch = net.w2.shape[:-1]
  if net.W1.shape != (*batch, m, n) or net.b1.shape != (*batch, m) or net.b2.shape != batch:
    raise ValueError(f"inconsistent TargetNet shapes {[leaf.shape for leaf in net]}")
  size = int(np.prod(batch))
  pad = _bucket(size) - size
  flat = TargetNet(*(np.pad(leaf.reshape(size, *leaf.shape[len(batch):]),
                            [(0, pad)] + [(0, 0)] * (leaf.ndim - len(batch)))
                     for leaf in net))
  x_PxN = probe_batch(n) if probe_x is None else np.asarray(probe_x, np.float32)
  params, codes = jax.device_get(_analyse(flat, x_PxN, th))
  return ({k: v[:size].reshape(batch) for k, v in params.items()},
          codes[:size].reshape(batch))


def order_parameters(net: TargetNet, probe_x=None,
                     th: Thresholds = THRESHOLDS) -> dict[str, np.ndarray]:
  """Order parameters (DESIGN section 5), NumPy arrays of the net's batch shape (`()` for one)."""
  return _run(net, probe_x, th)[0]


def classify(net: TargetNet, probe_x=None, th: Thresholds = THRESHOLDS):
  """Algorithm label(s): a `str` for one net, a NumPy array of `str` for a batch."""
  labels = np.asarray(LABELS)[np.asarray(_run(net, probe_x, th)[1])]
  return str(labels) if labels.ndim == 0 else labels
