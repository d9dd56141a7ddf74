"""Spreading the ensemble axis over every device (and host) with `jax.sharding`.

The ensemble members are independent, so the leading `E` axis of the state is
split over a 1-D mesh named "ensemble"; the compiled step then runs each
member where its parameters live, with no communication but the metrics.
"""

import os

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


def map_ensemble(fn, xs, num_shards: int, chunk: int):
  """`fn` applied to every member along the leading `E` axis of the tree `xs`.

  The `E` axis is split into `num_shards` device shards, vmapped across them
  (each device runs its own members); within a shard, members run `chunk` at
  a time (vmapped) in one compiled loop (`lax.map`), and `chunk=0` vmaps the
  whole shard. Why not always vmap: vmapping members turns every dense layer
  of the step into a batched matmul, which XLA:CPU runs about 2x slower per
  member than the one-member program (`benchmarks/throughput.py`); on GPU and
  TPU, vmapping the shard is the fast layout.
  """
  def over_shard(xs_shard):
    if chunk == 0:
      return jax.vmap(fn)(xs_shard)
    return jax.lax.map(fn, xs_shard, batch_size=None if chunk == 1 else chunk)

  if num_shards == 1:
    return over_shard(xs)
  split = jax.tree.map(lambda a: a.reshape(num_shards, -1, *a.shape[1:]), xs)
  return jax.tree.map(lambda a: a.reshape(-1, *a.shape[2:]),
                      jax.vmap(over_shard)(split))


def use_cpu_cores_as_devices(count: int = 0) -> None:
  """Exposes `count` CPU devices (0: one per core this process may use).

  Each CPU device runs its shard of the ensemble in its own thread, so on a
  CPU host the members spread over the cores as they would over GPUs: 1.5x
  the updates per second of one device on 2 cores (README "Performance").
  It only changes the CPU backend (GPU/TPU devices stay as they are), must
  run before JAX first touches a device, and gives way to an explicit
  `--xla_force_host_platform_device_count` in `XLA_FLAGS` (the tests' 8).
  """
  if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
    return
  cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
           else os.cpu_count())  # macOS has no affinity
  jax.config.update("jax_num_cpu_devices", count or cores)


def maybe_initialize_distributed(enabled: bool) -> None:
  """Joins a multi-host job (coordinator from the environment, e.g. SLURM/TPU)."""
  if enabled:
    jax.distributed.initialize()
