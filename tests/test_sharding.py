"""The ensemble sharded over 8 (fake CPU) devices trains exactly as on one."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

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


def test_sharded_steps_equal_single_device_steps(tiny_config):
  tiny_config.num_seeds = 8
  frozen = ml_collections.FrozenConfigDict(tiny_config)
  log_betas = jnp.asarray(train.member_log_betas(tiny_config))
  single = jax.device_put(train.init_state(tiny_config), jax.devices()[0])
  mesh = sharding.ensemble_mesh(8)
  sharded = sharding.shard_ensemble(train.init_state(tiny_config), mesh)
  sharded_betas = sharding.shard_ensemble(log_betas, mesh)
  for _ in range(3):
    single, _ = train.jitted_train_step(frozen, single, log_betas)
    sharded, _ = train.jitted_train_step(frozen, sharded, sharded_betas)
  leaf = jax.tree.leaves(sharded["params"])[0]
  assert len(leaf.sharding.device_set) == 8  # it really stayed split
  for a, b in zip(jax.tree.leaves(single["params"]),
                  jax.tree.leaves(sharded["params"])):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5,
                               atol=1e-6)
