"""Generated networks: shapes, padding, permutation symmetry, no recompiles."""

import chex
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from hypernet_l1 import generator
from hypernet_l1 import hypernet
from hypernet_l1.noise import draw_noise, first_inputs, permute_inputs
from hypernet_l1.target import apply_target


@pytest.fixture
def params(tiny_config):
  return generator.init_params(tiny_config, jax.random.key(1))


def _generate(config, params, key, n, log_beta, num_inputs):
  """Jitted `generate_padded` (eager flax is slow enough to dominate tests)."""
  fn = jax.jit(generator.generate_padded, static_argnums=(0, 5, 6))
  return fn(ml_collections.FrozenConfigDict(config), params, key,
            jnp.int32(n), jnp.float32(log_beta), num_inputs)


def _from_noise(config, params, noise, n):
  """Jitted `generate_from_noise` at log beta -5."""
  fn = jax.jit(generator.generate_from_noise, static_argnums=0)
  return fn(ml_collections.FrozenConfigDict(config), params, noise,
            jnp.int32(n), jnp.float32(-5.0))


@pytest.mark.parametrize("n", [1, 3, 8, 13])
def test_exact_network_has_design_shapes(tiny_config, params, n):
  net, cost = _generate(tiny_config, params, jax.random.key(0), n, -3.0, n)
  m = tiny_config.hidden_per_input * n
  chex.assert_shape([net.W1, net.b1, net.w2, net.b2], [(m, n), (m,), (m,), ()])
  chex.assert_tree_all_finite((net, cost))


@pytest.mark.parametrize("regularizer", ["l1", "l0", "kl"])
def test_padding_does_not_change_the_network(tiny_config, params, regularizer):
  tiny_config.regularizer = regularizer
  n, key, log_beta = 5, jax.random.key(3), -4.0
  exact, cost_exact = _generate(tiny_config, params, key, n, log_beta, n)
  padded, cost_padded = _generate(tiny_config, params, key, n, log_beta, 8)
  chex.assert_trees_all_close(hypernet.to_exact(padded, n), exact, atol=1e-5)
  np.testing.assert_allclose(cost_padded, cost_exact, rtol=1e-5)
  x = jax.random.uniform(jax.random.key(4), (64, 8), minval=-1, maxval=1)
  x = x * (jnp.arange(8) < n)
  np.testing.assert_allclose(apply_target(padded, x),
                             apply_target(exact, x[:, :n]), atol=1e-5)


def test_a_draw_cut_to_fewer_inputs_is_the_smaller_draw(tiny_config):
  draw = lambda num_inputs: draw_noise(
      jax.random.key(7), num_inputs, tiny_config.hidden_per_input,
      tiny_config.model.code_dim)
  chex.assert_trees_all_equal(first_inputs(draw(8), 5), draw(5))


@pytest.mark.parametrize("regularizer", ["l1", "l0", "kl"])
def test_permuting_the_draw_permutes_the_function(tiny_config, params,
                                                  regularizer):
  """f_perm(x[perm]) == f(x): the generator treats all inputs alike."""
  tiny_config.regularizer = regularizer
  n = 7
  noise = draw_noise(jax.random.key(5), n, tiny_config.hidden_per_input,
                     tiny_config.model.code_dim)
  perm = jax.random.permutation(jax.random.key(6), n)
  net, cost = _from_noise(tiny_config, params, noise, n)
  net_p, cost_p = _from_noise(tiny_config, params,
                              permute_inputs(noise, perm), n)
  x = jax.random.uniform(jax.random.key(7), (128, n), minval=-1, maxval=1)
  np.testing.assert_allclose(apply_target(net_p, x[:, perm]),
                             apply_target(net, x), rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(cost_p, cost, rtol=1e-4)
  # And it is not trivially symmetric: the draw does depend on the inputs' codes.
  other, _ = _from_noise(tiny_config, params, draw_noise(
      jax.random.key(8), n, tiny_config.hidden_per_input,
      tiny_config.model.code_dim), n)
  assert not np.allclose(apply_target(other, x), apply_target(net, x))


def test_new_n_or_beta_within_a_bucket_does_not_recompile(tiny_config, params):
  config = ml_collections.FrozenConfigDict(tiny_config)

  @jax.jit
  @chex.assert_max_traces(n=1)
  def generate(n, log_beta):
    return generator.generate_padded(config, params, jax.random.key(0), n,
                                     log_beta, 8)

  for n, beta in [(5, 1e-4), (6, 1e-2), (8, 3e-3)]:
    generate(jnp.int32(n), jnp.float32(np.log(beta)))
