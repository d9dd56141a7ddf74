"""Generator parameters that vary with beta (`knots.py`)."""

import json
import os

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import checkpointing
from hypernet_l1 import config_validation
from hypernet_l1 import generator
from hypernet_l1 import knots
from hypernet_l1 import layout
from hypernet_l1 import phases
from hypernet_l1 import train
from hypernet_l1.noise import draw_noise


def _knot_log_betas(config):
  return np.linspace(*layout.log_beta_bounds(config), config.model.num_knots)


def _at(config, state, log_beta):
  """`knots.at` at a log beta."""
  return knots.at(config, state,
                  layout.scaled_log_beta(config, jnp.float32(log_beta)))


def _config(tiny_config, num_knots=4, beta_map="hat"):
  tiny_config.model.num_knots = num_knots
  tiny_config.model.beta_map = beta_map
  config_validation.validate(tiny_config)
  return tiny_config


def _distinct_knots(state, key, scale=1.0):
  """`state` with every knot moved apart (they start equal) by normal steps
  of `scale`, so that a check can tell them apart."""
  leaves, treedef = jax.tree.flatten(state["knots"])
  keys = jax.random.split(key, len(leaves))
  return {**state, "knots": treedef.unflatten(
      [a + scale * jax.random.normal(k, a.shape)
       for a, k in zip(leaves, keys)])}


def test_hat_weights_are_a_partition_of_unity_touching_two_knots():
  t = jnp.linspace(-1.0, 1.0, 101)
  w = jax.vmap(lambda s: knots.hat_weights(5, s))(t)
  np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-6)
  assert ((w > 0).sum(-1) <= 2).all()
  np.testing.assert_allclose(knots.hat_weights(5, 0.5), [0, 0, 0, 1, 0])


def test_at_a_knot_the_parameters_are_that_knots(tiny_config):
  config = _config(tiny_config)
  state = _distinct_knots(generator.init_params(config, jax.random.key(1)),
                          jax.random.key(11))
  for k, log_beta in enumerate(_knot_log_betas(config)):
    at = _at(config, state, log_beta)
    chex.assert_trees_all_close(
        at, jax.tree.map(lambda a: a[k], state["knots"]), atol=1e-5)
  # The knots differ, so the check above can tell them apart.
  kernel = state["knots"]["unit_head"]["Dense_0"]["kernel"]
  assert not np.allclose(kernel[0], kernel[1])


def test_between_knots_the_parameters_interpolate_linearly(tiny_config):
  config = _config(tiny_config)
  state = _distinct_knots(generator.init_params(config, jax.random.key(2)),
                          jax.random.key(12))
  lb = _knot_log_betas(config)
  a = 0.3
  at = _at(config, state, (1 - a) * lb[1] + a * lb[2])
  expected = jax.tree.map(lambda p: (1 - a) * p[1] + a * p[2], state["knots"])
  chex.assert_trees_all_close(at, expected, atol=1e-5)


@pytest.mark.parametrize("beta_map", ["delta", "mlp"])
def test_a_base_with_deltas_starts_as_the_base_at_every_beta(tiny_config,
                                                             beta_map):
  config = _config(tiny_config, beta_map=beta_map)
  state = generator.init_params(config, jax.random.key(3))
  for log_beta in (-14.0, -5.0, -2.3):
    chex.assert_trees_all_close(
        _at(config, state, log_beta), state["base"])


def test_one_knot_is_the_plain_generator(tiny_config):
  """J = 1 is `HyperNet`'s own parameter tree from the same key, so the step
  is the beta-shared generator's, bit for bit."""
  config = _config(tiny_config, num_knots=1)
  key = jax.random.key(0)
  plain = generator.init_params(config, key)
  chex.assert_trees_all_equal(
      plain, generator.make_model(config).init(key, *_init_args(config))[
          "params"])
  assert _at(config, plain, -3.0) is plain


def test_shared_knots_start_as_one_generator_at_every_beta(tiny_config):
  config = _config(tiny_config, num_knots=6)
  state = generator.init_params(config, jax.random.key(5))
  first = _at(config, state, -13.0)
  for log_beta in (-9.1, -5.0, -2.3):
    chex.assert_trees_all_close(_at(config, state, log_beta),
                                first, atol=1e-6)


def _init_args(config):
  num_inputs = min(config.dim_buckets)
  noise = draw_noise(jax.random.key(0), num_inputs, config.hidden_per_input,
                     config.model.code_dim)
  return noise, jnp.int32(num_inputs), jnp.float32(0.0)


def test_a_run_written_before_knots_existed_loads_and_is_analysed(
    tiny_config, tmp_path):
  """Its config has no knot fields and its checkpoint plain parameters."""
  config = _config(tiny_config, num_knots=1)
  workdir = str(tmp_path)
  saved = json.loads(checkpointing.config_to_json(config))
  for field in ("num_knots", "beta_map"):
    del saved["model"][field]
  with open(os.path.join(workdir, checkpointing.CONFIG_FILE), "w") as f:
    json.dump(saved, f)
  ckpt = checkpointing.Checkpointer(workdir)
  ckpt.save(1, train.init_state(config))
  ckpt.close()
  run = hl1.load_run(workdir)
  assert run.config.model.num_knots == 1
  records = phases.analyze_run(run, n=4, betas=[1e-5, 1e-2], seeds=1,
                               progress=None)
  assert {r["beta"] for r in records} == {1e-5, 1e-2}
  assert all(np.isfinite(r["fvu"]) for r in records)


def test_generate_answers_any_beta_from_one_member(tiny_run):
  """A knot run's one member per replica answers betas between knots, and
  the networks change with beta."""
  run = hl1.load_run(tiny_run)
  assert run.config.model.num_knots > 1
  assert layout.ensemble_size(run.config) == run.config.num_seeds
  w_a = run.generate(n=6, beta=3.3e-5).W1
  w_b = run.generate(n=6, beta=4.1e-5).W1
  w_c = run.generate(n=6, beta=2.2e-2).W1
  assert np.all(np.isfinite(w_a))
  assert 0 < np.abs(w_a - w_b).max() < np.abs(w_a - w_c).max()


def test_bad_knot_settings_are_refused(tiny_config):
  tiny_config.model.num_knots = 0
  tiny_config.model.beta_map = "spline"
  with pytest.raises(config_validation.ConfigError) as e:
    config_validation.validate(tiny_config)
  assert "model.num_knots" in str(e.value)
  assert "model.beta_map" in str(e.value)
  tiny_config.model.num_knots = 4
  tiny_config.model.beta_map = "hat"
  tiny_config.beta_mode = "grid"
  with pytest.raises(config_validation.ConfigError, match="grid mode"):
    config_validation.validate(tiny_config)


def test_a_config_naming_removed_knot_options_still_loads(tiny_config,
                                                          tmp_path, caplog):
  """Options no reported run trained were removed. A config.json naming them
  with the value runs trained with reads and resumes as before; another
  value reads with one logged note and refuses a resume, naming it."""
  workdir = str(tmp_path)
  saved = json.loads(checkpointing.config_to_json(tiny_config))
  saved["model"].update(knot_init="shared", fixed_params=[],
                        knot_edge_mass=False)
  with open(os.path.join(workdir, checkpointing.CONFIG_FILE), "w") as f:
    json.dump(saved, f)
  read = lambda: checkpointing.config_to_json(
      checkpointing.read_config(workdir))
  assert read() == checkpointing.config_to_json(tiny_config)
  assert checkpointing.check_config(workdir, tiny_config)
  assert not caplog.records
  saved["model"]["knot_edge_mass"] = True
  with open(os.path.join(workdir, checkpointing.CONFIG_FILE), "w") as f:
    json.dump(saved, f)
  assert read() == checkpointing.config_to_json(tiny_config)
  (note,) = [r.getMessage() for r in caplog.records]
  assert "model.knot_edge_mass = True was removed" in note
  with pytest.raises(checkpointing.ConfigMismatchError,
                     match="knot_edge_mass"):
    checkpointing.check_config(workdir, tiny_config)


@pytest.mark.parametrize("num_knots,beta_map",
                         [(4, "hat"), (4, "delta"), (4, "mlp"), (1, "delta")])
def test_the_step_layout_holds_the_state_packed_and_gives_it_back(
    tiny_config, num_knots, beta_map):
  """`train.step_layout` holds each member's parameter sets as the rows of
  one array (the base first), and Adam's moments alike; `checkpoint_layout`
  gives back the state as checkpoints hold it, bit for bit."""
  config = _config(tiny_config, num_knots, beta_map)
  state = train.init_state(config)
  if knots.varies(config):
    state["params"] = jax.vmap(_distinct_knots)(
        state["params"], jax.random.split(jax.random.key(17), 2))
  packed = train.step_layout(config, state)
  rows = packed["params"]["rows"]
  member = jax.tree.map(lambda a: a[0], state["params"])
  if num_knots == 1:
    first_set, num_sets = member, 1
  elif "base" in member:
    first_set, num_sets = member["base"], num_knots + 1
  else:
    first_set = jax.tree.map(lambda a: a[0], member["knots"])
    num_sets = num_knots
  assert rows.shape[:2] == (2, num_sets)
  np.testing.assert_array_equal(rows[0, 0], np.concatenate(
      [np.ravel(a) for a in jax.tree.leaves(first_set)]))
  chex.assert_trees_all_equal(train.checkpoint_layout(config, packed), state)


def _per_network_loss(config, key, member_log_beta):
  """`train.member_loss` of the knot state as evaluation mixes parameters:
  network by network (`knots.at`)."""
  def loss(params):
    objectives = []
    for noise_G, n_G, log_beta_G, x_BxN in train.bucket_draws(
        config, key, member_log_beta, config.num_steps):
      objectives.append(jax.vmap(lambda z, n, lb: train.network_objective(
          config, _at(config, params, lb), z, n, lb, x_BxN)[0])(
              noise_G, n_G, log_beta_G))
    return jnp.mean(jnp.concatenate(objectives))
  return loss


def _packed_loss(config, key, member_log_beta):
  """`train.member_loss` of the knot state, packed as the step holds it."""
  return lambda params: train.member_loss(
      config, knots.pack(config, params), key, member_log_beta,
      config.num_steps)[0]


@pytest.mark.parametrize("beta_map", knots.BETA_MAPS)
def test_the_packed_step_has_the_loss_and_gradients_of_mixing_per_network(
    tiny_config, beta_map):
  """The step mixes every network's parameters from the packed sets in one
  matmul (`knots.rows_at`); its loss and gradients are those of mixing them
  network by network (`knots.at`, as evaluation does), to float32 rounding."""
  config = _config(tiny_config, beta_map=beta_map)
  config.train_dims, config.dim_buckets = (3, 4), (4,)  # cheap
  state = _distinct_knots(generator.init_params(config, jax.random.key(6)),
                          jax.random.key(16), scale=0.1)
  args = (config, jax.random.key(7), jnp.float32(np.nan))
  expected, got = jax.jit(lambda p: (
      jax.value_and_grad(_per_network_loss(*args))(p),
      jax.value_and_grad(_packed_loss(*args))(p)))(state)
  assert np.isfinite(expected[0])
  assert all(np.isfinite(g).all() for g in jax.tree.leaves(expected[1]))
  # Gradients are sums of O(1) terms: rounding is absolute, not relative.
  chex.assert_trees_all_close(got, expected, rtol=1e-5, atol=1e-5)


def test_every_bucket_gets_its_own_networks_parameters(tiny_config,
                                                       monkeypatch):
  """Over several buckets (the test above has one), each network's
  parameters are those at its own beta: an objective that reads only the
  parameters and the beta gives the per-network loss."""
  config = _config(tiny_config, beta_map="delta")
  assert len(config.dim_buckets) > 1
  state = _distinct_knots(generator.init_params(config, jax.random.key(6)),
                          jax.random.key(16), scale=0.1)
  def reads_parameters_and_beta(config, hyper_params, noise, n, log_beta, x,
                                log_beta_floor=None):
    obj = log_beta * sum(jnp.sum(jnp.sin(a))
                         for a in jax.tree.leaves(hyper_params))
    return obj, {"fvu": obj, "complexity": obj}

  monkeypatch.setattr(train, "network_objective", reads_parameters_and_beta)
  args = (config, jax.random.key(7), jnp.float32(np.nan))
  np.testing.assert_allclose(jax.jit(_packed_loss(*args))(state),
                             jax.jit(_per_network_loss(*args))(state),
                             rtol=1e-5)
