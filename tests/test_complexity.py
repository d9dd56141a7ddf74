"""Each complexity measure against values computed by hand."""

import math

import jax.numpy as jnp
import numpy as np

from hypernet_l1 import complexity


def _heads(mean, log_sigma, gate_logit):
  return complexity.WeightHeads(jnp.asarray(mean), jnp.asarray(log_sigma),
                                jnp.asarray(gate_logit))


def test_l1_is_sum_of_absolute_means_over_unmasked_weights():
  heads = _heads([1.5, -2.0, 4.0], [0.0] * 3, [0.0] * 3)
  weight, cost = complexity.l1(heads, jnp.ones(3), jnp.array([1., 1., 0.]), 1.0,
                               train=True)
  np.testing.assert_allclose(weight, [1.5, -2.0, 0.0])
  np.testing.assert_allclose(cost, 3.5)


def test_kl_matches_closed_form_by_hand():
  # mean 1, sigma 0.5, prior 1: log(1/0.5) + (0.25 + 1) / 2 - 1/2 = 0.8181 nats.
  heads = _heads([1.0, 0.0], [math.log(0.5), 0.0], [0.0, 0.0])
  weight, cost = complexity.kl(heads, jnp.array([2.0, 0.3]),
                               jnp.array([1.0, 1.0]), 1.0, train=True)
  np.testing.assert_allclose(weight, [2.0, 0.3], rtol=1e-6)
  # The second weight *is* the prior: it carries no information.
  np.testing.assert_allclose(cost, math.log(2.0) + 0.625 - 0.5, rtol=1e-6)


def test_kl_prior_scale_enters_as_by_hand():
  heads = _heads([0.0], [math.log(0.3)], [0.0])
  _, cost = complexity.kl(heads, jnp.zeros(1), jnp.ones(1), 0.3, train=True)
  np.testing.assert_allclose(cost, 0.0, atol=1e-6)


def test_l0_gate_and_expected_count_by_hand():
  # eps = 0 -> u = 1/2 -> s = sigmoid(logit / T); logit 0: gate 0.5*1.2-0.1.
  heads = _heads([2.0, 2.0, 2.0], [0.0] * 3, [0.0, 0.0, 50.0])
  weight, cost = complexity.l0(heads, jnp.zeros(3), jnp.array([1., 0., 1.]),
                               1.0, train=True)
  np.testing.assert_allclose(weight, [2.0 * 0.5, 0.0, 2.0], rtol=1e-5)
  p_open_0 = 1.0 / (1.0 + math.exp(-(2.0 / 3.0) * math.log(11.0)))  # 0.8318
  np.testing.assert_allclose(cost, p_open_0 + 1.0, rtol=1e-5)


def test_l0_closed_gate_gives_exact_zero():
  heads = _heads([3.0], [0.0], [-50.0])
  weight, cost = complexity.l0(heads, jnp.zeros(1), jnp.ones(1), 1.0,
                                train=True)
  assert float(weight[0]) == 0.0
  assert float(cost) < 1e-6


def test_l0_test_gate_is_deterministic_and_counts_exact_non_zeros():
  """Louizos et al. eq. 13: clip(sigmoid(logit) (zeta - gamma) + gamma, 0, 1),
  whatever the noise; the cost is then the exact number of non-zero weights."""
  logits = [-3.0, -2.0, 0.0, 2.0, 3.0]
  heads = _heads([1.5] * 5, [0.0] * 5, logits)
  expected = np.clip(1.2 / (1.0 + np.exp(-np.array(logits))) - 0.1, 0, 1)
  for eps in (jnp.zeros(5), jnp.linspace(-2.0, 2.0, 5)):
    weight, cost = complexity.l0(heads, eps, jnp.ones(5), 1.0, train=False)
    np.testing.assert_allclose(weight, 1.5 * expected, rtol=1e-6)
    assert float(cost) == 4.0  # logit -3 is exactly closed
  assert float(expected[0]) == 0.0 and float(expected[-1]) == 1.0
