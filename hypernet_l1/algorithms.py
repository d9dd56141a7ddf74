"""Hand-built encodings of the L1-norm algorithms (`docs/design.md`).

Every encoding has `m = 3 n` hidden units by default; units an algorithm does
not use are dead (zero incoming and outgoing weights), so the shapes match the
generated networks and encodings can be stacked with them.

All tied units use `relu_k(z) = swish(k z) / k`, the sharp-kink limit of swish.
The fact behind every error bound below: `swish(u) + swish(-u) = u tanh(u/2)`,
so a pair `relu_k(x) + relu_k(-x)` equals `|x| tanh(k |x| / 2)`, which
undershoots `|x|` by `2|x| / (1 + e^{k|x|})`: at most `0.557 / k` per input
(at `k|x| = 1.28`), and on `x ~ U[-1, 1]` about `pi^2 / (6 k^2)` on average.
"""

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet, swish

# max_u 2u / (1 + e^u), at u = 1.2785: the worst per-input undershoot times k.
KINK_ERROR = 0.55693
# swish's minimum: swish'(U_STAR) = 0, swish''(U_STAR) = SWISH_CURVATURE.
U_STAR = -1.2784645
SWISH_CURVATURE = 0.2178
# The median own-edge weight and bias of the strong units of trained `l0`
# nets where `lopsided` recurs (`lopsided`).
LOPSIDED_SCALE = 3.9
LOPSIDED_BIAS = -1.5


def relu_k(z: jax.Array, k: float) -> jax.Array:
  """Sharp swish: `swish(k z) / k -> relu(z)` as `k -> inf`."""
  return swish(k * z) / k


def _width(n: int, m: int | None) -> int:
  """Hidden units: `m`, or the generated networks' `3 n` by default."""
  return 3 * n if m is None else m


def _empty(n: int, m: int | None):
  """Zero (all-dead) `W1, b1, w2` for an `n -> m -> 1` net, and `m`."""
  m = _width(n, m)
  zeros = lambda *shape: np.zeros(shape, np.float32)
  return zeros(m, n), zeros(m), zeros(m), m


def _as_net(w1_MxN, b1_M, w2_M, b2) -> TargetNet:
  return TargetNet(*(jnp.asarray(a, jnp.float32)
                     for a in (w1_MxN, b1_M, w2_M, b2)))


def _signs(sign, n: int) -> np.ndarray:
  """`sign` (+1, -1 or one per input) as a float64 array `[n]` of +-1."""
  sign_N = np.broadcast_to(np.asarray(sign, np.float64), (n,))
  if not np.all(np.abs(sign_N) == 1):
    raise ValueError(f"sign must be +1, -1 or an array of +-1, got {sign}")
  return sign_N


def _inputs(key: jax.Array, n: int, size: int) -> np.ndarray:
  """`size` draws of `tasks.DEFAULT`'s inputs for `n` inputs, as float64,
  for the least-squares fits below."""
  return np.asarray(tasks.DEFAULT.sample_inputs(key, (size, n)), np.float64)


def _fit_output(h_PxM: np.ndarray, y_P: np.ndarray) -> tuple[float, float]:
  """Least-squares `(a, b)` of `y ~ a sum_j h_j + b`."""
  features_Px2 = np.stack([h_PxM.sum(1), np.ones(len(y_P))], axis=1)
  (a, b), *_ = np.linalg.lstsq(features_Px2, y_P, rcond=None)
  return float(a), float(b)


def double_sided(n: int, scale: float = 8.0,
                 m: int | None = None) -> TargetNet:
  """`sum|x_i| ~ sum_i relu_k(x_i) + relu_k(-x_i)`, `k = scale`: 2n tied units.

  Exactly `f(x) = sum_i |x_i| tanh(k |x_i| / 2)`, so `0 <= y - f <= 0.557 n / k`
  (mean `n pi^2 / (6 k^2)` on `U[-1, 1]^n`); units `2n..m-1` are dead.
  """
  w1_MxN, b1_M, w2_M, m = _empty(n, m)
  if m < 2 * n:
    raise ValueError(f"double_sided needs m >= 2n, got m={m}, n={n}")
  idx = np.arange(n)
  w1_MxN[idx, idx] = scale
  w1_MxN[n + idx, idx] = -scale
  w2_M[:2 * n] = 1.0 / scale
  return _as_net(w1_MxN, b1_M, w2_M, 0.0)


def pudding(n: int, sign=+1, scale: float = 8.0, corr_weight: float = 1.0,
            corr_margin: float = 10.0, n_corr: int = 1, ties: int = 1,
            m: int | None = None) -> TargetNet:
  """`sum|x_i| = sum_i 2 relu(s_i x_i) - s_i x_i`: one-sided units + linear one.

  `sign` is `+1` (positive pudding), `-1` (negative) or a length-`n` array of
  `+-1` (mixed pudding, one sign per input). Tied units: `ties` per input,
  weight `s_i k` (`k = scale`), output weight `2 / (k ties)`. Since
  `swish(-u) = swish(u) - u` exactly,
  `(2/k) swish(k s x) = |x| tanh(k|x|/2) + s x`: the tied part has the
  double-sided error plus the exact linear term `s_i x_i`. The correction
  `-sum s_i x_i` runs in swish's linear regime: `n_corr` identical units with
  weights `-c s_i` (`c = corr_weight`), bias `b = c n + corr_margin`
  (pre-activation `z >= corr_margin` on `[-1, 1]^n`), output weight
  `1 / (c n_corr)`, and `b2 = -b / c` removes the constant, because
  `swish(z) = z - z sigmoid(-z)`. Hence
  `0 <= y - f <= 0.557 n / k + corr_margin / (c (1 + e^corr_margin))`.
  """
  sign_N = _signs(sign, n)
  w1_MxN, b1_M, w2_M, m = _empty(n, m)
  if m < ties * n + n_corr:
    raise ValueError(f"pudding needs m >= ties n + n_corr, got m={m}, n={n}")
  idx = np.arange(n)
  for r in range(ties):
    w1_MxN[r * n + idx, idx] = sign_N * scale
  w2_M[:ties * n] = 2.0 / (scale * ties)
  bias = corr_weight * n + corr_margin
  corr = slice(ties * n, ties * n + n_corr)
  w1_MxN[corr] = -corr_weight * sign_N
  b1_M[corr] = bias
  w2_M[corr] = 1.0 / (corr_weight * n_corr)
  return _as_net(w1_MxN, b1_M, w2_M, -bias / corr_weight)


def mixed_pudding(n: int, key: jax.Array, **kwargs) -> TargetNet:
  """A pudding whose per-input signs are fair coins from `key` (`pudding`)."""
  heads_N = np.asarray(jax.random.bernoulli(key, 0.5, (n,)))
  return pudding(n, sign=np.where(heads_N, 1.0, -1.0), **kwargs)


def convexity(n: int, key: jax.Array, scale: float = 1.0, bias: float = -1.0,
              width: int | None = None, m: int | None = None,
              n_fit: int = 4096) -> TargetNet:
  """`sum|x_i| ~ a sum_j swish(w_j . x + bias) + b2`: random convex ridges.

  Rows `w_j ~ N(0, scale^2 I)` (dense, no unit tied to an input), all output
  weights equal to one `a > 0`; `a` and `b2` are the least-squares fit on
  `n_fit` inputs from `U[-1, 1]^n` (swish is convex above `-2.4`, so with
  `bias = -1` the ridges are nearly convex). No identity makes this exact: the
  error is the misfit between `|x|_1` and a sum of random ridge functions,
  FVU about 0.6-0.75 for n = 4..33, `scale` 0.5-2 and `bias` -2..-1
  (measured); a larger `scale` (sharper ridges) does not reduce it. `width`
  units are used (all `m` by default).
  """
  w1_MxN, b1_M, w2_M, m = _empty(n, m)
  width = m if width is None else width
  k_w, k_x = jax.random.split(key)
  w1_MxN[:width] = scale * np.asarray(jax.random.normal(k_w, (width, n)))
  b1_M[:width] = bias
  x_PxN = _inputs(k_x, n, n_fit)
  a, b2 = _fit_output(swish(x_PxN @ w1_MxN[:width].T + bias),
                      tasks.DEFAULT.function(x_PxN))
  if a <= 0:  # convex ridges correlate positively with the norm
    raise RuntimeError(f"convexity fit gave a non-positive output scale {a}")
  w2_M[:width] = a
  return _as_net(w1_MxN, b1_M, w2_M, b2)


def _pieces_per_input(n: int, scale: float, bias: float, weak: float, sign,
                      n_fit: int, m: int | None) -> TargetNet:
  """`c + a sum_i [swish(b + k s_i x_i) + w swish(b - k s_i x_i)]`, `k = scale`,
  `w = weak`, with the least-squares `a, c` on `U[-1, 1]^n`: one unit per
  input (units `0..n-1`), and its opposite (units `n..2n-1`) when `weak` is
  not 0; nothing else."""
  sign_N = _signs(sign, n)
  w1_MxN, b1_M, w2_M, m = _empty(n, m)
  idx = np.arange(n)
  w1_MxN[idx, idx] = scale * sign_N
  b1_M[:n] = bias
  x_PxN = _inputs(jax.random.key(0), n, n_fit)
  pieces_PxN = swish(bias + scale * sign_N * x_PxN)
  if weak:
    w1_MxN[n + idx, idx] = -scale * sign_N
    b1_M[n:2 * n] = bias
    pieces_PxN = pieces_PxN + weak * swish(bias - scale * sign_N * x_PxN)
  a, b2 = _fit_output(pieces_PxN, tasks.DEFAULT.function(x_PxN))
  w2_M[:n] = a
  if weak:
    w2_M[n:2 * n] = weak * a
  return _as_net(w1_MxN, b1_M, w2_M, b2)


def quadratic(n: int, scale: float = 0.3, sign=+1, n_fit: int = 8192,
              m: int | None = None) -> TargetNet:
  """`sum|x_i| ~ c + a sum_i swish(U_STAR + k s_i x_i)`: an even unit per input.

  At swish's minimum `U_STAR`, `swish(U_STAR + k x) ~ swish(U_STAR) +
  SWISH_CURVATURE k^2 x^2 / 2`: each unit is even in its input, with no kink
  and no slope, so no correction is needed. The output weight and `b2` are
  the least-squares fit on `U[-1, 1]^n`; as `k = scale -> 0` the net tends to
  the best quadratic `3/16 n + 15/16 sum x_i^2`, FVU 1/16 (the cubic term of
  swish adds about 0.02 at `k = 0.3`). `sign` (+1, -1 or per input) is the
  sign of each tied weight; units `n..m-1` are dead. Not in the paper:
  predicted for `l0` at medium beta (`docs/design.md`).
  """
  return _pieces_per_input(n, scale, U_STAR, 0.0, sign, n_fit, m)


def lopsided(n: int, scale: float = LOPSIDED_SCALE,
             bias: float = LOPSIDED_BIAS, weak: float = 0.0, sign=+1,
             n_fit: int = 8192, m: int | None = None) -> TargetNet:
  """`sum|x_i| ~ c + a sum_i [swish(b + k s_i x_i) + w swish(b - k s_i x_i)]`.

  A relu piece per input, bent by its bias, with the opposite piece at
  `w = weak` of its output weight (0: one unit per input) and no correction:
  a double-sided pair with one side weak or missing. The even part of the
  pair computes the norm; its odd part is error, so FVU falls as the pieces'
  evenness (`analysis`) rises. One unit per input is a half-rectifier at
  `b = 0` and large `k` (evenness 0.1, FVU 0.8 after the fit) and the
  quadratic's even unit as `b -> U_STAR` and `k -> 0` (evenness 1, FVU
  1/16); for a weight `k` the best bias gives FVU 0.18 at `k = 1.5`, 0.44 at
  `k = 3` and 0.55 at `k = 4`, so a large own-edge weight holds one unit
  short of the quadratic. Defaults: the strong units of trained `l0` nets
  (`docs/results.md`, "`l1` and `l0` on the default generator"); `a` and
  `c` are the least-squares fit. Not in the paper, and never on the `l1` or
  `l0` front (`front.py`): where training finds it, it is stuck.
  """
  if _width(n, m) < 2 * n:
    raise ValueError(f"lopsided needs m >= 2n, got m={m}, n={n}")
  return _pieces_per_input(n, scale, bias, weak, sign, n_fit, m)


def trivial(n: int, ripple: float = 0.0, seed: int = 0, n_fit: int = 8192,
            m: int | None = None) -> TargetNet:
  """The constant network `f = E sum|x_i| = n / 2`, plus an optional ripple.

  Every edge is zero: the cheapest network under every measure (biases are
  free). `ripple > 0` adds a random dense layer (rows `N(0, I)`, biases 0)
  whose output has standard deviation `ripple * std(sum|x_i|)`, centred: a
  network whose output barely moves.
  """
  w1_MxN, b1_M, w2_M, m = _empty(n, m)
  b2 = n / 2.0
  if ripple > 0:
    rng = np.random.default_rng(seed)
    w1_MxN[:] = rng.standard_normal((m, n))
    w2_M[:] = rng.standard_normal(m)
    x_PxN = _inputs(jax.random.key(seed + 1), n, n_fit)
    f_P = swish(x_PxN @ w1_MxN.T) @ w2_M
    gain = ripple * np.sqrt(float(tasks.DEFAULT.variance(n))) / f_P.std()
    w2_M *= gain
    b2 -= float(np.mean(f_P) * gain)
  return _as_net(w1_MxN, b1_M, w2_M, b2)
