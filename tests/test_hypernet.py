"""Generated networks: shapes, padding, permutation symmetry, no recompiles."""

import chex
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from hypernet_l1 import generator
from hypernet_l1 import hypernet
from hypernet_l1 import layout
from hypernet_l1 import tasks
from hypernet_l1 import train
from hypernet_l1.noise import draw_noise, first_inputs, permute_inputs
from hypernet_l1.target import apply_target


@pytest.fixture
def params(tiny_config):
  return generator.init_params(tiny_config, jax.random.key(1))


def _generate_padded(config, params, key, n, log_beta, num_inputs,
                     train=False):
  """One evaluation draw of a network (`train`: its training draw), padded
  to `num_inputs`."""
  return generator.generate_from_noise(
      config, params, generator.draw(config, key, num_inputs, train), n,
      log_beta, train)


def _frozen(config):
  """`config` frozen as a jit key of its own. A FrozenConfigDict keeps its
  source's nested dicts (ml-collections 1.1): frozen from `config` itself,
  a later change to `config` would change this key too, and jit would
  return the program compiled before the change."""
  return ml_collections.FrozenConfigDict(config.copy_and_resolve_references())


def _generate(config, params, key, n, log_beta, num_inputs, train=False):
  """Jitted `_generate_padded` (eager flax is slow enough to dominate
  tests)."""
  fn = jax.jit(_generate_padded, static_argnums=(0, 5, 6))
  return fn(_frozen(config), params, key, jnp.int32(n),
            jnp.float32(log_beta), num_inputs, train)


def _from_noise(config, params, noise, n):
  """Jitted `generate_from_noise` at log beta -5."""
  fn = jax.jit(generator.generate_from_noise, static_argnums=0)
  return fn(_frozen(config), params, noise, jnp.int32(n), jnp.float32(-5.0))


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


def test_a_beta_outside_the_range_gets_the_network_of_its_end(tiny_config,
                                                               params):
  """`t` is clipped (`layout.scaled_log_beta`): beyond either end the
  context and the knots see that end; inside, beta still matters."""
  lo, hi = layout.log_beta_bounds(tiny_config)
  draw = lambda log_beta: _generate(tiny_config, params, jax.random.key(0), 6,
                                    log_beta, 8)
  chex.assert_trees_all_equal(draw(hi + 1.0), draw(hi + 3.0))
  chex.assert_trees_all_equal(draw(lo - 1.0), draw(lo - 3.0))
  assert not np.allclose(draw(lo - 1.0)[0].W1, draw(hi + 1.0)[0].W1)


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
  # And it is not trivially symmetric: the draw depends on the inputs' codes.
  other, _ = _from_noise(tiny_config, params, draw_noise(
      jax.random.key(8), n, tiny_config.hidden_per_input,
      tiny_config.model.code_dim), n)
  assert not np.allclose(apply_target(other, x), apply_target(net, x))


def test_new_n_or_beta_within_a_bucket_does_not_recompile(tiny_config, params):
  config = ml_collections.FrozenConfigDict(tiny_config)

  @jax.jit
  @chex.assert_max_traces(n=1)
  def generate(n, log_beta):
    return _generate_padded(config, params, jax.random.key(0), n, log_beta,
                            8)

  for n, beta in [(5, 1e-4), (6, 1e-2), (8, 3e-3)]:
    generate(jnp.int32(n), jnp.float32(np.log(beta)))


def _own_edge_means(config, params, seeds=8, n=8):
  """`[seeds * n, 2]`: the own-edge means of each input's two tied units."""
  model = generator.make_model(config)
  out = []
  for seed in range(seeds):
    noise = draw_noise(jax.random.key(seed), n, config.hidden_per_input,
                       config.model.code_dim)
    w1, *_ = model.apply({"params": params}, noise, jnp.int32(n),
                         layout.scaled_log_beta(config, jnp.float32(-5.0)))
    idx = jnp.arange(n)
    out.append(np.stack([w1.mean[0, idx, idx], w1.mean[1, idx, idx]], 1))
  return np.concatenate(out)


@pytest.mark.slow  # long for the default suite
def test_sign_offset_reaches_the_weights_and_is_learned(tiny_config):
  """Without the offset an input's two tied own edges mostly share a sign;
  with it they start with opposite signs (the drawn `paired` signs), and the
  offset is a parameter that a gradient step moves: not imposed. (One
  knot, so the offset is one parameter.)"""
  tiny_config.model.num_knots = 1
  tiny_config.model.sign_offset = 0.0
  plain = generator.init_params(tiny_config, jax.random.key(1))
  plain_means = _own_edge_means(tiny_config, plain)
  same_sign = np.mean(np.prod(np.sign(plain_means), axis=1) > 0)
  assert np.corrcoef(plain_means.T)[0, 1] > 0.3
  tiny_config.model.sign_offset = 1.5
  params = generator.init_params(tiny_config, jax.random.key(1))
  means = _own_edge_means(tiny_config, params)
  assert np.mean(np.prod(np.sign(means), axis=1) < 0) > 0.95 > same_sign
  assert np.corrcoef(means.T)[0, 1] < -0.7
  np.testing.assert_allclose(params["sign_offset"], 1.5)
  frozen = ml_collections.FrozenConfigDict(tiny_config)
  state = train.step_layout(frozen, train.init_state(tiny_config))
  for _ in range(2):  # the learning rate warms up from 0 at step 0
    state, _ = train.jitted_train_step(
        frozen, state, jnp.asarray(layout.member_log_betas(tiny_config)))
  moved = np.asarray(
      train.checkpoint_layout(frozen, state)["params"]["sign_offset"])
  assert np.all(moved != 1.5) and np.all(np.abs(moved - 1.5) < 0.1)


def test_lead_unit_changes_that_unit_alone_and_is_off_by_default(
    tiny_config):
  """`model.lead_unit` adds one parameter, an embedding of the first free
  unit (slot `tied_slots`, index 0): every other parameter and every other
  unit of a generated network stay as they were, and that unit changes.
  Off (the default) the model has no such parameter."""
  tiny_config.model.num_knots = 1
  plain = generator.init_params(tiny_config, jax.random.key(1))
  assert "lead_embed" not in plain
  tiny_config.model.lead_unit = True
  params = generator.init_params(tiny_config, jax.random.key(1))
  chex.assert_trees_all_equal(
      {k: v for k, v in params.items() if k != "lead_embed"}, plain)
  n = 8
  with_lead, _ = _generate(tiny_config, params, jax.random.key(2), n, -3.0, n)
  tiny_config.model.lead_unit = False
  without, _ = _generate(tiny_config, plain, jax.random.key(2), n, -3.0, n)
  lead = tiny_config.model.tied_slots * n
  changed = np.flatnonzero(np.any(
      np.asarray(with_lead.W1) != np.asarray(without.W1), axis=1)
      | (np.asarray(with_lead.w2) != np.asarray(without.w2)))
  assert changed.tolist() == [lead]


def test_competing_units_start_as_the_plain_generator(tiny_config):
  """`model.compete` with every slot's scale at 0 gives each unit a share of
  exactly 1: the same parameters (besides its own) and the same network as
  without it."""
  tiny_config.model.num_knots = 1
  plain = generator.init_params(tiny_config, jax.random.key(1))
  tiny_config.model.compete = True
  params = generator.init_params(tiny_config, jax.random.key(1))
  chex.assert_trees_all_equal(
      {k: v for k, v in params.items() if k != "slot_shares"}, plain)
  net, cost = _generate(tiny_config, params, jax.random.key(2), 6, -3.0, 8)
  tiny_config.model.compete = False
  net0, cost0 = _generate(tiny_config, plain, jax.random.key(2), 6, -3.0, 8)
  chex.assert_trees_all_close((net, cost), (net0, cost0), rtol=1e-6)


def test_competing_units_share_among_the_real_ones(tiny_config):
  """With unequal shares (scale 1) a slot's shares are taken over its `n`
  units only: the padded network is the exact one, and the units are no
  longer alike (the largest output weight of a free slot is several times
  its median)."""
  tiny_config.model.num_knots = 1
  tiny_config.regularizer = "l0"  # shares move the means and the gates
  tiny_config.model.compete = True
  tiny_config.model.compete_init = 3.0
  params = generator.init_params(tiny_config, jax.random.key(1))
  n, key = 6, jax.random.key(3)
  exact, cost_exact = _generate(tiny_config, params, key, n, -4.0, n)
  padded, cost_padded = _generate(tiny_config, params, key, n, -4.0, 8)
  chex.assert_trees_all_close(hypernet.to_exact(padded, n), exact, atol=1e-5)
  np.testing.assert_allclose(cost_padded, cost_exact, rtol=1e-5)
  free_w2 = np.abs(np.asarray(exact.w2)[tiny_config.model.tied_slots * n:])
  assert free_w2.max() > 3 * np.median(free_w2)


def test_mean_swish_is_the_normal_expectation():
  """The closed form against Monte Carlo, from near-linear to relu-like."""
  z_S = jax.random.normal(jax.random.key(3), (400_000,))
  for mean, var in [(0.0, 1.0), (1.0, 0.25), (3.0, 9.0), (0.0, 100.0)]:
    sampled = float(jnp.mean(hypernet.swish(mean + np.sqrt(var) * z_S)))
    np.testing.assert_allclose(
        float(hypernet.mean_swish(jnp.float32(mean), jnp.float32(var))),
        sampled, rtol=0.03)


def test_mean_swish_gradient_is_autodiffs_of_the_closed_form():
  """Its written-out derivatives (`hypernet.mean_swish`'s custom JVP)
  against autodiff through `Phi` and `phi`, from near-linear to relu-like
  and deep in either tail."""
  k = np.sqrt(np.pi / 8.0)

  def closed_form(mean, var):
    d = jnp.sqrt(1.0 + k * k * var)
    a = k * mean / d
    return (mean * jax.scipy.stats.norm.cdf(a)
            + var * k * jax.scipy.stats.norm.pdf(a) / d)

  mean_P, var_P = (jnp.array(v, jnp.float32) for v in np.meshgrid(
      np.linspace(-8.0, 8.0, 9), [0.0, 0.1, 1.0, 9.0, 100.0]))
  grads = [jax.grad(lambda m, v: jnp.sum(f(m, v)), (0, 1))(mean_P, var_P)
           for f in (closed_form, hypernet.mean_swish)]
  chex.assert_trees_all_close(grads[1], grads[0], atol=1e-6, rtol=1e-5)
  np.testing.assert_allclose(hypernet.mean_swish(mean_P, var_P),
                             closed_form(mean_P, var_P), atol=1e-5, rtol=1e-5)


def _dense_random_net(key, n=64, m=192, w2_mean=0.1):
  k1, k2, k3 = jax.random.split(key, 3)
  return hypernet.TargetNet(W1=jax.random.normal(k1, (m, n)),
                            b1=jax.random.normal(k2, (m,)),
                            w2=w2_mean + 0.1 * jax.random.normal(k3, (m,)),
                            b2=jnp.float32(0.0))


# The task's inputs, whose moments the centring takes.
_INPUT_MOMENTS = (tasks.DEFAULT.input_mean, tasks.DEFAULT.input_var)


def _mean_output(net, key=jax.random.key(9), n=64):
  x_BxN = tasks.DEFAULT.sample_inputs(key, (20_000, n))
  return float(jnp.mean(apply_target(net, x_BxN)))


def test_centring_all_makes_the_output_bias_the_mean_output():
  """Dense random weights (a `kl` draw's pruned units): uncentred, the mean
  output is far from b2; centred, it is b2 up to the approximation's error
  (a few percent per unit)."""
  net = _dense_random_net(jax.random.key(4))
  offset = abs(_mean_output(net))
  assert offset > 10.0
  centred = net._replace(b2=hypernet.centred_output_bias(
      net, None, "all", _INPUT_MOMENTS))
  assert abs(_mean_output(centred)) < 0.05 * offset


def test_centring_noise_keeps_the_mean_networks_mean_output():
  """"noise" takes out only what the draw adds: the drawn network's mean
  output becomes its mean-weight network's, whatever the draw."""
  mean_net = _dense_random_net(jax.random.key(4))
  mean_net = mean_net._replace(W1=0.2 * mean_net.W1)  # a mean of its own
  target = _mean_output(mean_net)
  for draw in range(2):
    eps = _dense_random_net(jax.random.key(10 + draw), w2_mean=0.0)
    drawn = mean_net._replace(W1=mean_net.W1 + eps.W1,
                              w2=mean_net.w2 + eps.w2)
    shifted = _mean_output(drawn)
    centred = drawn._replace(b2=hypernet.centred_output_bias(
        drawn, mean_net, "noise", _INPUT_MOMENTS))
    assert abs(shifted - target) > 1.0
    np.testing.assert_allclose(_mean_output(centred), target,
                               atol=0.05 * abs(shifted - target))


@pytest.mark.parametrize("regularizer", ["l1", "l0", "kl"])
def test_centring_the_noise_moves_only_a_noisy_draw(tiny_config, params,
                                                    regularizer):
  """"none" (the default) leaves the generated bias as it was; "noise"
  changes only the bias, and only where the draw has noise: a `kl` draw,
  not `l1` (no noise) or an evaluation draw of `l0` (its test gates)."""
  tiny_config.regularizer = regularizer
  tiny_config.model.centre_output = "none"
  base, _ = _generate(tiny_config, params, jax.random.key(2), 4, -5.0, 8)
  tiny_config.model.centre_output = "noise"
  noise, _ = _generate(tiny_config, params, jax.random.key(2), 4, -5.0, 8)
  chex.assert_trees_all_equal(base._replace(b2=0.0), noise._replace(b2=0.0))
  if regularizer == "kl":
    assert float(base.b2) != float(noise.b2)
  else:
    assert float(base.b2) == float(noise.b2)


def test_centring_the_noise_moves_an_l0_training_draw(tiny_config, params):
  """`l0`'s training draw samples its gates: that noise is centred."""
  tiny_config.regularizer = "l0"
  tiny_config.model.centre_output = "none"
  base, _ = _generate(tiny_config, params, jax.random.key(2), 4, -5.0, 8,
                      train=True)
  tiny_config.model.centre_output = "noise"
  noise, _ = _generate(tiny_config, params, jax.random.key(2), 4, -5.0, 8,
                       train=True)
  chex.assert_trees_all_equal(base._replace(b2=0.0), noise._replace(b2=0.0))
  assert float(base.b2) != float(noise.b2)
