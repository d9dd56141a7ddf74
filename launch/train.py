r"""Trains (or resumes) a run.

  python -m launch.train --config=configs/default.py --workdir=runs/default \
      [--config.regularizer=l1 ...]

Exits with status 2 and a one-paragraph message (no traceback) on an invalid
config, a workdir holding another run's config or trained by another live
process, or a non-finite loss. On SIGTERM or SIGINT it finishes the step in
flight, checkpoints it, says so and exits with 128 + the signal number; the
same command again continues from there.

With --distributed it is one process of a multi-process job; the same
command runs on every process (docs/devices.md):

  JAX_COORDINATOR_ADDRESS=127.0.0.1:8476 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=0 \
      python -m launch.train --config=configs/tiny.py --workdir=W \
      --distributed --cpu_devices=1

A process id out of range or a coordinator that cannot be reached also exits
2 with one `error:` line; when another process of the job is lost, this one
ends within --distributed_timeout seconds with one `error:` line naming it
and exit status 6 (`runtime_errors.LOST_EXIT_CODE`).

Process 0 appends each logged step's scalars to WORKDIR/metrics.jsonl and,
with the `tensorboard` extra installed, to TensorBoard event files in WORKDIR
(`tensorboard --logdir=WORKDIR` to watch it live).
"""

import sys

from absl import app
from absl import flags
from absl import logging
import jax
from ml_collections import config_flags

from hypernet_l1 import checkpointing
from hypernet_l1 import config_validation
from hypernet_l1 import runcontrol
from hypernet_l1 import sharding
from hypernet_l1 import train
from launch import common
from launch import runtime_errors
from launch import tensorboard_events

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Training configuration file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory.")
_DISTRIBUTED = flags.DEFINE_bool(
    "distributed", False, "Join a multi-process job. The coordinator and "
    "process ids come from the flags below, else JAX_COORDINATOR_ADDRESS, "
    "JAX_NUM_PROCESSES and JAX_PROCESS_ID, else SLURM or a TPU pod.")
_COORDINATOR = flags.DEFINE_string(
    "coordinator_address", None, "With --distributed: HOST:PORT of process "
    "0, where it starts the coordinator.")
_NUM_PROCESSES = flags.DEFINE_integer(
    "num_processes", None, "With --distributed: processes in the job.")
_PROCESS_ID = flags.DEFINE_integer(
    "process_id", None, "With --distributed: this process's id, 0 to "
    "num_processes - 1.")
_DISTRIBUTED_TIMEOUT = flags.DEFINE_integer(
    "distributed_timeout", 60, "With --distributed: seconds to wait for every "
    "process to join, and of silence after which a process counts as lost.")
_CPU_DEVICES = flags.DEFINE_integer(
    "cpu_devices", 0, "CPU devices to split the ensemble over when running "
    "on CPU (0: one per available core).")
flags.mark_flags_as_required(["config", "workdir"])

# Errors of the user's making: say what to change, not where the code was.
_USER_ERRORS = (config_validation.ConfigError,
                checkpointing.ConfigMismatchError, train.NonFiniteError,
                runcontrol.WorkdirBusyError, sharding.DeviceError,
                sharding.DistributedSetupError)


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # Orbax logs every file write at INFO
  common.hide_abandoned_reads()  # of a corrupt checkpoint it resumes past
  try:
    # Before the first device call, so a bad config costs no compile or write.
    config_validation.validate(_CONFIG.value)
    sharding.use_cpu_cores_as_devices(_CPU_DEVICES.value)
    if _DISTRIBUTED.value:
      runtime_errors.start(_DISTRIBUTED_TIMEOUT.value)
      sharding.initialize_distributed(
          _COORDINATOR.value, _NUM_PROCESSES.value, _PROCESS_ID.value,
          _DISTRIBUTED_TIMEOUT.value)
    print(f"process {jax.process_index()}/{jax.process_count()}, "
          f"devices: {jax.devices()}", flush=True)
    with tensorboard_events.event_writer(_WORKDIR.value) as on_metrics:
      train.train_and_evaluate(_CONFIG.value, _WORKDIR.value, on_metrics)
    _leave_job()
  except _USER_ERRORS as e:
    print(f"error: {e}", file=sys.stderr, flush=True)
    sys.exit(2)
  except train.Stopped as e:
    _leave_job()
    print(str(e), file=sys.stderr, flush=True)
    sys.exit(e.exit_code)


def _leave_job() -> None:
  """A process of a multi-process job that finished (or stopped with the
  others) leaves it together with them: `jax.distributed.shutdown`."""
  if _DISTRIBUTED.value:
    jax.distributed.shutdown()


if __name__ == "__main__":
  app.run(main)
