"""The hand-built encodings compute sum|x_i| within their stated bounds."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hypernet_l1 import algorithms
from hypernet_l1.target import apply_target, swish

DIMS = (4, 7, 16, 33)
# Per input: float32 rounding of sums up to ~n and of biases up to ~n + 10.
_F32_ATOL = 1e-5
_apply = jax.jit(apply_target)  # one compile per shape, not one per eager op


def _inputs(n: int, size: int = 4096) -> np.ndarray:
  rng = np.random.default_rng(n)
  return rng.uniform(-1.0, 1.0, (size, n)).astype(np.float32)


def _gap(net, x_BxN: np.ndarray) -> np.ndarray:
  """`y - f(x)` in float64 NumPy."""
  f_B = np.asarray(_apply(net, x_BxN), np.float64)
  return np.abs(x_BxN).sum(-1, dtype=np.float64) - f_B


def test_swish_reflection_identity():
  u = jnp.linspace(-30.0, 30.0, 601)
  chex.assert_trees_all_close(swish(-u), swish(u) - u, atol=1e-5)


def test_the_one_swish_is_z_sigmoid_z_in_jax_and_in_float64_numpy():
  z = np.linspace(-30.0, 30.0, 601)
  exact = z / (1.0 + np.exp(-z))
  out = swish(z)
  assert isinstance(out, np.ndarray) and out.dtype == np.float64
  np.testing.assert_allclose(out, exact, rtol=1e-13, atol=1e-13)
  np.testing.assert_allclose(swish(jnp.asarray(z, jnp.float32)), exact,
                             rtol=1e-6, atol=4e-6)  # f32 rounding of 30


@pytest.mark.parametrize("k", [2.0, 8.0, 50.0])
def test_relu_k_converges_to_relu(k):
  z = jnp.linspace(-1.0, 1.0, 2001)
  err = jnp.max(jnp.abs(algorithms.relu_k(z, k) - jax.nn.relu(z)))
  # |swish(u) - relu(u)| = |u| sigmoid(-|u|) <= 0.2785, divided by k.
  assert float(err) <= 0.2785 / k + 1e-6


@pytest.mark.parametrize("n", DIMS)
@pytest.mark.parametrize("k", [4.0, 8.0, 20.0])
def test_double_sided_undershoots_within_kink_bound(n, k):
  gap = _gap(algorithms.double_sided(n, scale=k), _inputs(n))
  assert gap.min() >= -_F32_ATOL * n
  assert gap.max() <= algorithms.KINK_ERROR * n / k + _F32_ATOL * n


@pytest.mark.parametrize("n", DIMS)
def test_double_sided_mean_gap_matches_asymptotics(n):
  k = 10.0
  gap = _gap(algorithms.double_sided(n, scale=k), _inputs(n, 16384)).mean()
  np.testing.assert_allclose(gap, n * np.pi ** 2 / (6 * k ** 2), rtol=0.05)


def _signs(n):
  return [+1, -1, np.where(np.arange(n) % 3 == 0, 1.0, -1.0)]


@pytest.mark.parametrize("n", DIMS)
@pytest.mark.parametrize("kwargs", [
    dict(scale=8.0),
    dict(scale=4.0, corr_weight=0.3, corr_margin=6.0),
    dict(scale=20.0, corr_weight=2.0, n_corr=3),
    dict(scale=8.0, ties=2, n_corr=2),
])
def test_pudding_equals_double_sided_up_to_correction_error(n, kwargs):
  """`swish(-u) = swish(u) - u`: pudding = double-sided + linear unit error."""
  x = _inputs(n)
  k = kwargs["scale"]
  c = kwargs.get("corr_weight", 1.0)
  margin = kwargs.get("corr_margin", 10.0)
  corr_err = margin / (c * (1.0 + np.exp(margin)))
  tol = _F32_ATOL * n + 1e-4
  gap_ds = _gap(algorithms.double_sided(n, scale=k), x)
  for sign in _signs(n):
    gap = _gap(algorithms.pudding(n, sign=sign, **kwargs), x)
    extra = gap - gap_ds  # the linear unit's error, 0 <= extra <= corr_err
    assert extra.min() >= -tol, sign
    assert extra.max() <= corr_err + tol, sign
    assert gap.max() <= algorithms.KINK_ERROR * n / k + corr_err + tol


@pytest.mark.parametrize("n", DIMS)
def test_unused_units_are_dead(n):
  used = {
      "double_sided": (algorithms.double_sided(n), 2 * n),
      "pudding": (algorithms.pudding(n, n_corr=2), n + 2),
      "pudding_ties": (algorithms.pudding(n, ties=2), 2 * n + 1),
      "mixed": (algorithms.mixed_pudding(n, jax.random.key(0)), n + 1),
      "convexity": (algorithms.convexity(n, jax.random.key(0), width=n), n),
  }
  m = 3 * n
  for name, (net, n_used) in used.items():
    net = jax.tree.map(np.asarray, net)
    chex.assert_shape(list(net), [(m, n), (m,), (m,), ()])
    dead = slice(n_used, None)
    for leaf in (net.W1, net.b1, net.w2):
      assert not np.any(leaf[dead]), name
    assert np.all(np.any(net.W1[:n_used] != 0, axis=1)), name


def test_mixed_pudding_signs_follow_key():
  n = 33
  w1 = np.asarray(algorithms.mixed_pudding(n, jax.random.key(1)).W1)
  sign_N = np.sign(w1[np.arange(n), np.arange(n)])
  assert 0 < np.sum(sign_N > 0) < n
  np.testing.assert_array_equal(np.sign(w1[n]), -sign_N)  # correction: -s_i


def test_pudding_rejects_bad_signs_and_sizes():
  with pytest.raises(ValueError):
    algorithms.pudding(4, sign=[1, 0, 1, -1])
  with pytest.raises(ValueError):
    algorithms.pudding(4, ties=3, n_corr=1)


@pytest.mark.parametrize("n", DIMS)
def test_convexity_tracks_the_norm_roughly(n):
  x = _inputs(n)
  for seed in range(3):
    net = algorithms.convexity(n, jax.random.key(seed))
    fvu = np.mean(_gap(net, x) ** 2) / np.var(np.abs(x).sum(-1))
    assert fvu < 0.8
    assert np.all(np.asarray(net.w2) > 0)
    # Dense rows: the largest weight holds a random share of the row.
    sq = np.asarray(net.W1) ** 2
    assert np.median(sq.max(1) / sq.sum(1)) < 0.75
