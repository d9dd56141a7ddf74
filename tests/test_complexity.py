"""Each complexity measure against values computed by hand."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import complexity


def _heads(mean, log_sigma, gate_logit):
  return complexity.WeightHeads(jnp.asarray(mean), jnp.asarray(log_sigma),
                                jnp.asarray(gate_logit))


def test_l1_is_sum_of_absolute_means_over_unmasked_weights():
  heads = _heads([1.5, -2.0, 4.0], [0.0] * 3, [0.0] * 3)
  weight, cost = complexity.l1(heads, jnp.ones(3), jnp.array([1., 1., 0.]),
                               complexity.Settings(), train=True)
  np.testing.assert_allclose(weight, [1.5, -2.0, 0.0])
  np.testing.assert_allclose(cost, 3.5)


def test_kl_matches_closed_form_by_hand():
  # mean 1, sigma 0.5, prior 1: log(1/0.5) + (0.25 + 1) / 2 - 1/2 = 0.8181 nats.
  heads = _heads([1.0, 0.0], [math.log(0.5), 0.0], [0.0, 0.0])
  weight, cost = complexity.kl(heads, jnp.array([2.0, 0.3]),
                               jnp.array([1.0, 1.0]), complexity.Settings(),
                               train=True)
  np.testing.assert_allclose(weight, [2.0, 0.3], rtol=1e-6)
  # The second weight *is* the prior: it carries no information.
  np.testing.assert_allclose(cost, math.log(2.0) + 0.625 - 0.5, rtol=1e-6)


def test_kl_prior_scale_enters_as_by_hand():
  heads = _heads([0.0], [math.log(0.3)], [0.0])
  _, cost = complexity.kl(heads, jnp.zeros(1), jnp.ones(1),
                          complexity.Settings(prior_scale=0.3), train=True)
  np.testing.assert_allclose(cost, 0.0, atol=1e-6)


def test_l0_gate_and_expected_count_by_hand():
  # eps = 0 -> u = 1/2 -> s = sigmoid(logit / T); logit 0: gate 0.5*1.2-0.1.
  heads = _heads([2.0, 2.0, 2.0], [0.0] * 3, [0.0, 0.0, 50.0])
  weight, cost = complexity.l0(heads, jnp.zeros(3), jnp.array([1., 0., 1.]),
                               complexity.Settings(gate_bound=0.0), train=True)
  np.testing.assert_allclose(weight, [2.0 * 0.5, 0.0, 2.0], rtol=1e-5)
  p_open_0 = 1.0 / (1.0 + math.exp(-(2.0 / 3.0) * math.log(11.0)))  # 0.8318
  np.testing.assert_allclose(cost, p_open_0 + 1.0, rtol=1e-5)


def test_l0_closed_gate_gives_exact_zero():
  """At the bound a closed gate is exactly 0; its expected count in training
  is sigmoid(-6 + 1.6) = 0.012, and the trained net counts it 0."""
  heads = _heads([3.0], [0.0], [-6.0])
  for train in (True, False):
    weight, cost = complexity.l0(heads, jnp.zeros(1), jnp.ones(1),
                                 complexity.Settings(), train=train)
    assert float(weight[0]) == 0.0
    np.testing.assert_allclose(cost, 0.0122 if train else 0.0, atol=2e-4)


def test_l0_deterministic_gate_counts_exact_non_zeros():
  """Louizos et al. eq. 13: clip(sigmoid(logit) (zeta - gamma) + gamma, 0, 1),
  whatever the noise; the cost is then the exact number of non-zero weights."""
  logits = [-3.0, -2.0, 0.0, 2.0, 3.0]
  heads = _heads([1.5] * 5, [0.0] * 5, logits)
  expected = np.clip(1.2 / (1.0 + np.exp(-np.array(logits))) - 0.1, 0, 1)
  for eps in (jnp.zeros(5), jnp.linspace(-2.0, 2.0, 5)):
    weight, cost = complexity.l0(heads, eps, jnp.ones(5),
                                 complexity.Settings(), train=False)
    np.testing.assert_allclose(weight, 1.5 * expected, rtol=1e-6)
    assert float(cost) == 4.0  # logit -3 is exactly closed
  assert float(expected[0]) == 0.0 and float(expected[-1]) == 1.0


def _count_gradient(logit: float, bound: float) -> float:
  def count(x):
    heads = _heads([1.0], [0.0], jnp.array([x]))
    return complexity.l0(heads, jnp.zeros(1), jnp.ones(1),
                         complexity.Settings(gate_bound=bound), train=True)[1]
  return float(jax.grad(count)(jnp.float32(logit)))


def test_l0_count_gradient_does_not_vanish_at_a_saturated_logit():
  """With the bound, every open or closed gate feels the count: 1 / (2B)."""
  for logit in (-5.9, 0.0, 5.9, 13.0):  # 13 is outside: the bound pulls back
    np.testing.assert_allclose(_count_gradient(logit, 6.0), 1.0 / 12.0,
                               rtol=1e-6)
  # The plain hard-concrete's gradient vanishes where its gates saturated.
  assert _count_gradient(13.0, 0.0) < 1e-5
  assert _count_gradient(0.0, 0.0) > 0.1


def test_bounded_logits_stay_inside_and_can_always_come_back():
  f = lambda x, w: jnp.sum(w * complexity.bounded(x, 2.0))
  x = jnp.array([-3.0, 0.5, 3.0])
  np.testing.assert_array_equal(complexity.bounded(x, 2.0), [-2.0, 0.5, 2.0])
  # A loss that wants every x larger: only the inside one and the one below
  # the box (pulled back up) get a gradient; the one above does not drift.
  np.testing.assert_array_equal(jax.grad(f)(x, -jnp.ones(3)), [-1, -1, 0])
  np.testing.assert_array_equal(jax.grad(f)(x, jnp.ones(3)), [0, 1, 1])
