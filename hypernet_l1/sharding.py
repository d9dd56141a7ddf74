"""Spreading the ensemble axis over every device (and host) with `jax.sharding`.

The ensemble members are independent, so the leading `E` axis of the state is
split over a 1-D mesh named "ensemble"; the compiled step then runs each
member where its parameters live, with no communication but the metrics.
Across processes (`initialize_distributed`, docs/devices.md) each process
builds and feeds only its own shards, and reads whole arrays through
`to_host`.
"""

import os
import socket
import time

import jax
from jax.experimental import multihost_utils
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P


class DeviceError(ValueError):
  """The ensemble cannot be laid out over the processes of the job."""


class DistributedSetupError(RuntimeError):
  """The processes cannot form a job (bad ids, no coordinator, no cluster)."""


def ensemble_mesh(ensemble_size: int, devices=None) -> Mesh:
  """A mesh over the largest number of devices that divides the ensemble.

  With 6 members on 4 devices that is 3 devices (2 members each); the rest
  idle rather than hold uneven shards, which XLA would pad. Every process
  gives it the same number of its devices: each runs the same program on
  its own shards, so none may be left without one.
  """
  devices = list(jax.devices() if devices is None else devices)
  by_process = {}
  for d in devices:
    by_process.setdefault(d.process_index, []).append(d)
  processes = len(by_process)
  counts = [k for k in range(1, min(map(len, by_process.values())) + 1)
                 if ensemble_size % (processes * k) == 0]
  if not counts:
    raise DeviceError(
        f"the ensemble's {ensemble_size} members do not split evenly over "
        f"{processes} processes; make num_seeds (times num_betas in grid "
        f"mode) a multiple of {processes}")
  k = max(counts)
  chosen = [d for local in by_process.values() for d in local[:k]]
  return jax.make_mesh((len(chosen),), ("ensemble",),
                       axis_types=(jax.sharding.AxisType.Auto,),
                       devices=chosen)


def ensemble_shardings(tree, mesh: Mesh):
  """Leaves with a leading `E` axis split over "ensemble"; scalars replicate."""
  def spec(leaf):
    return NamedSharding(mesh, P("ensemble") if np.ndim(leaf) >= 1 else P())
  return jax.tree.map(spec, tree)


def shard_ensemble(tree, mesh: Mesh):
  """`tree` (the same on every process) as global arrays split over `mesh`.

  Each process fills only its own shards: `device_put` would check that
  every process passes equal values, and NaN (a sampled member's log beta)
  never equals itself.
  """
  def put(leaf, where):
    host = np.asarray(leaf)
    return jax.make_array_from_callback(host.shape, where,
                                        lambda index: host[index])
  return jax.tree.map(put, tree, ensemble_shardings(tree, mesh))


def to_host(tree):
  """Every leaf as a whole NumPy array on every process (a collective: all
  processes call it together); shards held by other processes are gathered."""
  return multihost_utils.process_allgather(tree, tiled=True)


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
  the updates per second of one device on 2 cores (benchmarks/README.md).
  It only changes the CPU backend (GPU/TPU devices stay as they are), must
  run before JAX first touches a device, and gives way to an explicit
  `--xla_force_host_platform_device_count` in `XLA_FLAGS` (the tests' 8).
  """
  if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
    return
  cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
           else os.cpu_count())  # macOS has no affinity
  jax.config.update("jax_num_cpu_devices", count or cores)


def _env_int(name: str) -> int | None:
  value = os.environ.get(name)
  if value is None:
    return None
  try:
    return int(value)
  except ValueError:
    raise DistributedSetupError(
        f"{name} must be an integer, got {value!r}") from None


def _wait_for_coordinator(address: str, timeout_s: int) -> None:
  """Returns once `address` accepts a connection; gives up after `timeout_s`.

  JAX's own wait for an unreachable coordinator ends in a fatal abort with a
  C++ stack trace; this one ends in a `DistributedSetupError`.
  """
  host, _, port = address.rpartition(":")
  if not port.isdigit():
    raise DistributedSetupError(
        f"the coordinator address must be HOST:PORT, got {address!r}")
  deadline = time.monotonic() + timeout_s
  while True:
    try:
      socket.create_connection((host.strip("[]"), int(port)), timeout=1).close()
      return
    except OSError as e:
      if time.monotonic() > deadline:
        raise DistributedSetupError(
            f"cannot reach the coordinator at {address} within {timeout_s} "
            f"s ({e}); start process 0 there, or check the address") from None
    time.sleep(0.2)


def initialize_distributed(coordinator_address: str | None = None,
                           num_processes: int | None = None,
                           process_id: int | None = None,
                           timeout_s: int = 60) -> None:
  """Joins a multi-process job (JAX's runtime; gloo collectives on CPU).

  What is not given comes from `JAX_COORDINATOR_ADDRESS`, `JAX_NUM_PROCESSES`
  and `JAX_PROCESS_ID` (JAX itself reads only the first), else from SLURM or
  a TPU pod (JAX's auto-detection). `timeout_s` bounds the wait for every
  process to join and the silence after which a process counts as lost.
  """
  coordinator_address = (coordinator_address
                         or os.environ.get("JAX_COORDINATOR_ADDRESS"))
  if num_processes is None:
    num_processes = _env_int("JAX_NUM_PROCESSES")
  if process_id is None:
    process_id = _env_int("JAX_PROCESS_ID")
  if (num_processes is not None and process_id is not None
      and not 0 <= process_id < num_processes):
    raise DistributedSetupError(
        f"process id {process_id} is out of range for {num_processes} "
        f"processes (0 to {num_processes - 1})")
  if coordinator_address and process_id:  # process 0 starts the coordinator
    _wait_for_coordinator(coordinator_address, timeout_s)
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  try:
    # The exit's wait for slower processes keeps JAX's 5 minutes: a process
    # that finished waits there while the others write or evaluate.
    jax.distributed.initialize(
        coordinator_address, num_processes, process_id,
        initialization_timeout=timeout_s, heartbeat_timeout_seconds=timeout_s)
  except (ValueError, TypeError, RuntimeError) as e:  # no cluster found
    raise DistributedSetupError(
        f"cannot join a multi-process job ({e}); give --coordinator_address, "
        "--num_processes and --process_id (or JAX_COORDINATOR_ADDRESS, "
        "JAX_NUM_PROCESSES and JAX_PROCESS_ID), or run under SLURM or on a "
        "TPU pod") from None
