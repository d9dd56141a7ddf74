"""The ensemble sharded over 8 (fake CPU) devices trains exactly as on one."""

import os
import subprocess
import sys

import chex
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from hypernet_l1 import layout
from hypernet_l1 import sharding
from hypernet_l1 import train


def test_conftest_gives_eight_devices():
  assert jax.device_count() == 8


def test_mesh_uses_the_largest_divisor_of_the_ensemble():
  assert sharding.ensemble_mesh(8).devices.size == 8
  assert sharding.ensemble_mesh(6).devices.size == 6
  assert sharding.ensemble_mesh(12).devices.size == 6
  assert sharding.ensemble_mesh(7).devices.size == 7
  assert sharding.ensemble_mesh(3, jax.devices()[:2]).devices.size == 1


@pytest.mark.slow  # long for the default suite
def test_sharded_steps_equal_single_device_steps(tiny_config):
  tiny_config.num_seeds = 8
  frozen = ml_collections.FrozenConfigDict(tiny_config)
  log_betas = jnp.asarray(layout.member_log_betas(tiny_config))
  state = train.step_layout(frozen, train.init_state(tiny_config))
  single = jax.device_put(state, jax.devices()[0])
  mesh = sharding.ensemble_mesh(8)
  sharded = sharding.shard_ensemble(state, mesh)
  sharded_betas = sharding.shard_ensemble(log_betas, mesh)
  for _ in range(3):
    single, _ = train.jitted_train_step(frozen, single, log_betas)
    sharded, _ = train.jitted_train_step(frozen, sharded, sharded_betas,
                                         num_shards=mesh.devices.size)
  leaf = jax.tree.leaves(sharded["params"])[0]
  assert len(leaf.sharding.device_set) == 8  # it really stayed split
  for a, b in zip(jax.tree.leaves(single["params"]),
                  jax.tree.leaves(sharded["params"])):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5,
                               atol=1e-6)


def test_map_ensemble_equals_vmap_for_every_layout():
  xs = {"a": jnp.arange(24.0).reshape(6, 4), "b": jnp.arange(6.0)}
  fn = lambda x: {"out": jnp.sum(x["a"] ** 2) + x["b"], "vec": x["a"] * x["b"]}
  expected = jax.vmap(fn)(xs)
  for num_shards, chunk in [(1, 0), (1, 1), (1, 4), (2, 1), (3, 2), (6, 0)]:
    got = jax.jit(lambda x: sharding.map_ensemble(fn, x, num_shards, chunk))(xs)
    chex.assert_trees_all_close(got, expected)


@pytest.mark.slow  # long for the default suite
def test_member_chunk_does_not_change_training(tiny_config):
  tiny_config.num_seeds = 4
  results = []
  for chunk in (0, 1, 3):
    tiny_config.member_chunk = chunk
    frozen = ml_collections.FrozenConfigDict(tiny_config)
    log_betas = jnp.asarray(layout.member_log_betas(tiny_config))
    state, _ = train.jitted_train_step(
        frozen, train.step_layout(frozen, train.init_state(tiny_config)),
        log_betas)
    results.append(state["params"])
  chex.assert_trees_all_close(results[0], results[1], rtol=1e-5, atol=1e-6)
  chex.assert_trees_all_close(results[0], results[2], rtol=1e-5, atol=1e-6)


def _device_count_in_fresh_process(xla_flags: str, count: int) -> int:
  env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
  env["XLA_FLAGS"] = xla_flags
  code = ("from hypernet_l1 import sharding; "
          f"sharding.use_cpu_cores_as_devices({count}); "
          "import jax; print(jax.device_count())")
  out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                       capture_output=True, text=True, timeout=120)
  return int(out.stdout.split()[-1])


def test_cpu_cores_become_devices_unless_xla_flags_say_otherwise():
  assert _device_count_in_fresh_process("", 3) == 3
  assert _device_count_in_fresh_process(
      "--xla_force_host_platform_device_count=5", 3) == 5
