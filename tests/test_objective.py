"""The scientific core: loss, beta ramp, final table."""

import math

import chex
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import generator
from hypernet_l1 import knots
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import sweep
from hypernet_l1 import tasks
from hypernet_l1 import tables
from hypernet_l1 import train
from hypernet_l1.target import apply_target


def test_objective_is_log_of_fvu_plus_beta_complexity_by_hand():
  # log(0.01 + 1e-3 * 50) = log(0.06)
  got = train.objective(jnp.float32(0.01), jnp.float32(50.0),
                        jnp.float32(math.log(1e-3)))
  np.testing.assert_allclose(got, math.log(0.06), rtol=1e-6)


@pytest.mark.parametrize("task", ["l1_norm", "sum_squares"])
def test_network_objective_by_hand(tiny_config, task):
  """FVU = MSE over the task's exact variance, on the first n inputs only;
  complexity per input; the log of their beta-weighted sum."""
  tiny_config.task = task
  config = ml_collections.FrozenConfigDict(tiny_config)
  params = generator.init_params(config, jax.random.key(3))
  key, n, log_beta = jax.random.key(4), 5, math.log(2e-3)
  x_BxN = np.asarray(tasks.get(task).sample_inputs(jax.random.key(5),
                                                  (512, 8)))
  hyper_params = knots.at(config, params, layout.scaled_log_beta(
      config, jnp.float32(log_beta)))
  noise = generator.draw(config, key, 8, train=True)
  obj, aux = jax.jit(train.network_objective, static_argnums=0)(
      config, hyper_params, noise, jnp.int32(n), jnp.float32(log_beta), x_BxN)
  net, cost = generator.generate_from_noise(
      config, params, noise, jnp.int32(n), jnp.float32(log_beta), train=True)
  x = x_BxN.astype(np.float64)
  y = (np.abs(x[:, :n]).sum(1) if task == "l1_norm"
       else (x[:, :n] ** 2).sum(1))
  variance = n / 12 if task == "l1_norm" else 4 * n / 45
  fvu = np.mean((np.asarray(apply_target(net, x_BxN), np.float64) - y) ** 2
                ) / variance
  np.testing.assert_allclose(aux["fvu"], fvu, rtol=1e-4)
  np.testing.assert_allclose(aux["complexity"], float(cost) / n, rtol=1e-5)
  np.testing.assert_allclose(obj, math.log(fvu + 2e-3 * float(cost) / n),
                             rtol=1e-4)


@pytest.mark.parametrize("task", ["l1_norm", "sum_squares"])
def test_task_function_keeps_numpy_float64_and_jax_arrays(task):
  """`algorithms.py` fits in float64 against the task's own function."""
  x = np.random.default_rng(0).uniform(-1, 1, (64, 5))
  by_hand = np.abs(x).sum(1) if task == "l1_norm" else (x ** 2).sum(1)
  on_numpy = tasks.get(task).function(x)
  assert isinstance(on_numpy, np.ndarray) and on_numpy.dtype == np.float64
  np.testing.assert_array_equal(on_numpy, by_hand)
  on_jax = tasks.get(task).function(jnp.asarray(x, jnp.float32))
  assert isinstance(on_jax, jax.Array)
  np.testing.assert_allclose(on_jax, by_hand, rtol=1e-6)


def test_inside_the_range_a_step_is_the_unclipped_ones_bit_for_bit(
    tiny_config, monkeypatch):
  """The context and the sign offset read `t` unclipped until they shared
  the knots' clipped `layout.scaled_log_beta`: with the ramp open, the
  loss and gradients of a training step are those of the old formula."""
  tiny_config.train_dims, tiny_config.dim_buckets = (3, 4), (4,)  # cheap
  tiny_config.model.sign_offset_slope = 0.5  # the offset reads t too
  params = knots.pack(tiny_config,
                      generator.init_params(tiny_config, jax.random.key(3)))
  step = lambda: jax.jit(jax.value_and_grad(
      lambda p: train.member_loss(tiny_config, p, jax.random.key(7),
                                  jnp.float32(np.nan), tiny_config.num_steps)[
                                      0]))(params)
  clipped = step()
  lo, hi = layout.log_beta_bounds(tiny_config)
  monkeypatch.setattr(layout, "scaled_log_beta", lambda config, log_beta:
                      2.0 * (log_beta - lo) / (hi - lo) - 1.0)
  chex.assert_trees_all_equal(step(), clipped)


def test_beta_ramp_opens_the_range_from_either_end(tiny_config):
  tiny_config.num_steps, tiny_config.beta_ramp_fraction = 100, 0.5
  lo, hi = layout.log_beta_bounds(tiny_config)
  ranges = lambda: [tuple(float(v) for v in layout.open_log_beta_range(
      tiny_config, step)) for step in (0, 25, 50, 90)]
  np.testing.assert_allclose(ranges(), [(lo, lo), (lo, (lo + hi) / 2),
                                        (lo, hi), (lo, hi)], rtol=1e-6)
  tiny_config.beta_ramp_direction = "down"
  np.testing.assert_allclose(ranges(), [(hi, hi), ((lo + hi) / 2, hi),
                                        (lo, hi), (lo, hi)], rtol=1e-6)
  tiny_config.beta_ramp_fraction = 0.0  # no ramp: open from the start
  np.testing.assert_allclose(ranges()[0], (lo, hi), rtol=1e-6)


def test_beta_anneal_floor_falls_from_its_beta_to_beta_min(tiny_config):
  tiny_config.num_steps = 100
  tiny_config.beta_anneal_start, tiny_config.beta_anneal_end = 0.2, 0.6
  floor = lambda: [float(layout.loss_log_beta_floor(tiny_config, step))
                   for step in (0, 19, 20, 40, 60, 99)]
  assert floor() == [-np.inf] * 6  # off: beta_anneal_from = 0
  tiny_config.beta_anneal_from = 1e-3
  top, lo = math.log(1e-3), math.log(tiny_config.beta_min)
  np.testing.assert_allclose(
      floor(), [-np.inf, -np.inf, top, (top + lo) / 2, lo, lo], rtol=1e-6)


def test_network_objective_prices_complexity_at_the_floor(tiny_config):
  """Below the floor the loss is `log(FVU + floor C / n)` of the same
  network (the generator still reads its own beta); above it, the floor
  changes nothing, bit for bit."""
  config = ml_collections.FrozenConfigDict(tiny_config)
  params = generator.init_params(config, jax.random.key(3))
  log_beta = jnp.float32(math.log(1e-5))
  hyper_params = knots.at(config, params,
                          layout.scaled_log_beta(config, log_beta))
  x_BxN = tasks.DEFAULT.sample_inputs(jax.random.key(5), (256, 8))
  objective = jax.jit(train.network_objective, static_argnums=0)
  args = (config, hyper_params,
          generator.draw(config, jax.random.key(4), 8, train=True),
          jnp.int32(5), log_beta, x_BxN)
  plain, aux = objective(*args)
  floored, floored_aux = objective(*args, jnp.float32(math.log(1e-2)))
  chex.assert_trees_all_equal(aux, floored_aux)
  np.testing.assert_allclose(
      floored, np.log(aux["fvu"] + 1e-2 * aux["complexity"]), rtol=1e-5)
  assert float(floored) > float(plain)
  below, _ = objective(*args, jnp.float32(math.log(1e-7)))
  chex.assert_trees_all_equal(below, plain)


def test_final_table_is_the_median_and_majority_of_the_sweep(tiny_run):
  run = hl1.load_run(tiny_run)
  config, params = run.frozen_config, run.params()
  rows = tables.final_table(config, params)
  records = sweep.records(config, params, layout.table_betas(config),
                          [config.eval.n], np.arange(config.eval.num_draws))
  assert [r["beta"] for r in rows] == sorted({r["beta"] for r in records})
  for row in rows:
    rs = [r for r in records if r["beta"] == row["beta"]]
    assert len(rs) == config.num_seeds * config.eval.num_draws
    for key in sweep.METRICS:
      np.testing.assert_allclose(row[key], np.median([r[key] for r in rs]))
    shares = {k: np.mean([r["label"] == k for r in rs]) for k in labels.NAMES}
    assert row["label_share"] == max(shares.values())
    assert shares[row["label"]] == row["label_share"]
  text = tables.format_final_table(rows, config)
  assert all(f"{row['beta']:10.2e}" in text and row["label"] in text
             for row in rows)
