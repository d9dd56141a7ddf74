"""Spreading the ensemble axis over every device (and host) with `jax.sharding`.

The ensemble members are independent, so the leading `E` axis of the state is
split over a 1-D mesh named "ensemble"; the compiled step then runs each
member where its parameters live, with no communication but the metrics.
"""


import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P


def ensemble_mesh(ensemble_size: int, devices=None) -> Mesh:
  """A mesh over the largest number of devices that divides the ensemble.

  With 6 members on 4 devices that is 3 devices (2 members each); the rest
  idle rather than hold uneven shards, which XLA would pad.
  """
  devices = list(jax.devices() if devices is None else devices)
  size = max(d for d in range(1, len(devices) + 1)
             if ensemble_size % d == 0)
  return jax.make_mesh((size,), ("ensemble",),
                       axis_types=(jax.sharding.AxisType.Auto,),
                       devices=devices[:size])


def ensemble_shardings(tree, mesh: Mesh):
  """Leaves with a leading `E` axis are split over "ensemble"; scalars replicate."""
  def spec(leaf):
    return NamedSharding(mesh, P("ensemble") if np.ndim(leaf) >= 1 else P())
  return jax.tree.map(spec, tree)


def shard_ensemble(tree, mesh: Mesh):
  return jax.device_put(tree, ensemble_shardings(tree, mesh))


def maybe_initialize_distributed(enabled: bool) -> None:
  """Joins a multi-host job (coordinator from the environment, e.g. SLURM/TPU)."""
  if enabled:
    jax.distributed.initialize()
