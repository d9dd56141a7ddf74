"""Multi-process training: two real launcher processes on 127.0.0.1.

Each process has one CPU device and joins JAX's distributed runtime (gloo
collectives); together they train 2 members, one member per process. The
reference is one process training the same 2 members on 2 CPU devices: the
suite's `tiny_run` (sampled betas), or a grid-mode run in this process.
Every wait for a launcher reads what it printed (its `step` lines), never
the clock, so the assertions hold on a slow machine; the waits are bounded
(`WAIT_S`) so that a hang fails. The resumed launchers load the stopped
ones' largest programs from the session's compilation cache (`conftest.py`).
"""

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

import hypernet_l1 as hl1
from configs import tiny
from hypernet_l1 import sharding
from hypernet_l1 import train
from launch import runtime_errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH = [sys.executable, "-m", "launch.train", "--config=configs/tiny.py"]
TIMEOUT_S = 20  # --distributed_timeout: joining, and a lost process
WAIT_S = 600  # a launcher still running after this has hung
# The stop-and-resume run: the tiny config's 2 members in grid mode (one
# beta each) on a 4,000-step schedule, all sizes padded to 8 (one generator
# program in the step: a quarter less to compile). It is stopped after step
# 100, and, resumed, ended by `kill -9` after its next checkpoint: it never
# runs long.
LONG_GRID = {"beta_mode": "grid", "num_seeds": 1, "num_betas": 2,
             "model.num_knots": 1, "dim_buckets": (8,), "num_steps": 4000,
             "checkpoint_every": 100}


def _flags(overrides: dict) -> list[str]:
  return [f"--config.{key}={value}" for key, value in overrides.items()]


def _env(**extra) -> dict:
  """This suite's environment, less its 8 fake devices per process."""
  env = dict(os.environ, **extra)
  env["XLA_FLAGS"] = " ".join(
      f for f in env.get("XLA_FLAGS", "").split()
      if "xla_force_host_platform_device_count" not in f)
  return env


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def _start(workdir, overrides=None, process_ids=(0, 1),
           timeout_s=TIMEOUT_S) -> list[subprocess.Popen]:
  """One launcher per process id of 2, configured through JAX's variables."""
  port = _free_port()
  return [subprocess.Popen(
      [*LAUNCH, f"--workdir={workdir}", *_flags(overrides or {}),
       "--distributed", "--cpu_devices=1",
       f"--distributed_timeout={timeout_s}"],
      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
      env=_env(JAX_COORDINATOR_ADDRESS=f"127.0.0.1:{port}",
               JAX_NUM_PROCESSES="2", JAX_PROCESS_ID=str(i)))
          for i in process_ids]


def _read_until(proc, prefix: str) -> str:
  """What `proc` printed up to a line starting with `prefix`, that line
  included (all it printed, if it ended first)."""
  read = []
  for line in proc.stdout:
    read.append(line)
    if line.startswith(prefix):
      break
  return "".join(read)


def _finish(procs) -> list[tuple[int, str, str]]:
  outputs = [p.communicate(timeout=WAIT_S) for p in procs]
  return [(p.returncode, *out) for p, out in zip(procs, outputs)]


def _stop_after(procs, step: int) -> list[tuple[int, str, str]]:
  """SIGTERM to every process once process 0 has reported `step`."""
  printed = _read_until(procs[0], f"step {step}/")
  for p in procs:
    p.send_signal(signal.SIGTERM)
  [(rc, out, err), *others] = _finish(procs)
  return [(rc, printed + out, err), *others]


def _saved(err: str) -> int:
  """The step a stopped launcher says it saved (0 if it says none)."""
  found = re.search(r"saved a checkpoint at step (\d+)", err)
  return int(found.group(1)) if found else 0


def _read(run, name):
  with open(os.path.join(run, name)) as f:
    return f.read()


def _losses(run) -> list[tuple[int, float]]:
  records = map(json.loads, _read(run, "metrics.jsonl").splitlines())
  return [(r["step"], r["train/loss"]) for r in records]


def _assert_same_params(run_a, run_b, steps) -> None:
  a, b = hl1.load_run(run_a), hl1.load_run(run_b)  # one process reads
  for step in steps:
    for x, y in zip(jax.tree.leaves(a.params(step)),
                    jax.tree.leaves(b.params(step)), strict=True):
      np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
  """(workdir, the launches' results): the tiny config on two processes."""
  workdir = str(tmp_path_factory.mktemp("two_processes") / "run")
  return workdir, _finish(_start(workdir))


@pytest.mark.slow
def test_two_processes_equal_one_process_on_two_devices(two_process_run,
                                                        tiny_run):
  """Same members on the same device shards: the same numbers, bit for bit.
  Slow (about 50 s): the default suite checks the same in grid mode
  (`test_resumed_grid_run_equals_one_process_on_two_devices`)."""
  workdir, results = two_process_run
  for rc, _, err in results:
    assert rc == 0, err
    assert "Traceback" not in err
  _assert_same_params(workdir, tiny_run, [20, 40])
  assert _read(workdir, "final_eval.csv") == _read(tiny_run, "final_eval.csv")
  assert _losses(workdir) == _losses(tiny_run)


@pytest.mark.slow
def test_only_process_0_prints_the_table(two_process_run):
  _, results = two_process_run
  assert "generated n = 6 networks" in results[0][1]
  assert "generated n = 6 networks" not in results[1][1]


@dataclasses.dataclass
class _StopAndResume:
  workdir: str
  stopped: list  # (rc, stdout, stderr) per process: SIGTERM after step 100
  saved: int  # the step the stopped launches say they saved
  compared: int  # the first checkpoint after `saved`
  resumed: list  # the same once resumed; process 1 killed after `compared`
  survivor_s: float  # from that kill to the end of process 0


@pytest.fixture(scope="module")
def stop_and_resume(tmp_path_factory) -> _StopAndResume:
  """`LONG_GRID` on two processes: SIGTERM to both once process 0 reported
  step 100; then resumed, and `kill -9` of process 1 once process 0 reported
  the log step after the next checkpoint (saves are synchronous: that
  checkpoint is complete)."""
  workdir = str(tmp_path_factory.mktemp("stop_and_resume") / "run")
  stopped = _stop_after(_start(workdir, LONG_GRID), 100)
  saved = _saved(stopped[0][2])
  every = LONG_GRID["checkpoint_every"]
  compared = (saved // every + 1) * every
  procs = _start(workdir, LONG_GRID, timeout_s=5)  # 5 s: a quick loss
  printed = _read_until(
      procs[0], f"step {compared + tiny.get_config().log_every}/")
  procs[1].kill()
  killed = time.monotonic()
  (rc, out, err), killed_result = _finish(procs)
  return _StopAndResume(workdir, stopped, saved, compared,
                        [(rc, printed + out, err), killed_result],
                        time.monotonic() - killed)


@pytest.fixture(scope="module")
def grid_reference(stop_and_resume, tmp_path_factory) -> str:
  """`LONG_GRID` in one process on 2 devices, stopped at the step compared."""
  compared = stop_and_resume.compared
  workdir = str(tmp_path_factory.mktemp("grid_one_process") / "run")
  config = tiny.get_config()
  config.update_from_flattened_dict(LONG_GRID)

  def stop_at_compared(record):
    if record["step"] == compared:
      signal.raise_signal(signal.SIGTERM)

  with pytest.raises(train.Stopped, match=f"after step {compared}:"):
    train.train_and_evaluate(config, workdir, stop_at_compared)
  return workdir


def test_sigterm_to_both_after_step_100_saves_the_same_step_and_exits_143(
    stop_and_resume):
  run = stop_and_resume
  assert run.saved >= 100
  assert run.saved in hl1.load_run(run.workdir).steps
  assert "step 100/" in run.stopped[0][1]
  assert "step " not in run.stopped[1][1]  # only process 0 reports
  for rc, _, err in run.stopped:
    assert rc == 128 + signal.SIGTERM, err
    assert f"after step {run.saved}: saved a checkpoint at step {run.saved}" \
        in err
    assert "Traceback" not in err


def test_resumed_grid_run_equals_one_process_on_two_devices(stop_and_resume,
                                                            grid_reference):
  run = stop_and_resume
  for _, out, _ in run.resumed:
    assert f"resumed from checkpoint at step {run.saved}" in out
  _assert_same_params(run.workdir, grid_reference, [run.compared])
  losses = _losses(run.workdir)
  steps = [step for step, _ in losses]
  assert steps == sorted(set(steps))  # each step once
  assert [x for x in losses if x[0] <= run.compared] == _losses(grid_reference)


def _one_error_line(err: str) -> str:
  lines = [line for line in err.splitlines() if line.strip()]
  assert len(lines) == 1, err
  assert lines[0].startswith("error: ")
  return lines[0]


def test_kill_9_of_one_process_ends_the_other_naming_it(stop_and_resume):
  """Process 1 is killed while both train: once it has sent no heartbeat
  for 5 s, the runtime stops process 0, which says so in one line."""
  (rc, _, err), _ = stop_and_resume.resumed
  assert rc == runtime_errors.LOST_EXIT_CODE, err
  assert "lost process 1:" in _one_error_line(err)
  assert stop_and_resume.survivor_s < 60


def test_process_id_out_of_range_is_one_error_line(tmp_path):
  [(rc, _, err)] = _finish(_start(str(tmp_path), process_ids=(2,)))
  assert rc == 2
  assert "process id 2 is out of range for 2 processes" in _one_error_line(err)


def test_unreachable_coordinator_is_a_setup_error():
  with pytest.raises(sharding.DistributedSetupError,
                     match="cannot reach the coordinator at 127.0.0.1:"):
    sharding.initialize_distributed(f"127.0.0.1:{_free_port()}", 2, 1,
                                    timeout_s=1)  # no one listens there


# The runtime's fatal logs as the survivor of a `kill -9` printed them
# (jax 0.10.2), shortened: the lost process is named in one line.
LOST_WORKER = """\
E1201 23:22:01.239590 5035 coordination_service.cc:1549] Use error polling \
to propagate the following error to all tasks: UNAVAILABLE: The following \
tasks are unhealthy (stopped sending heartbeats):
1
The tasks have crashed.
F1201 23:22:01.240653 5046 client.h:80] Terminating process because the JAX \
distributed service detected fatal errors.
*** Check failure stack trace: ***
    @     0x7f464f040634  absl::log_internal::LogMessage::SendToLog()
"""
LOST_COORDINATOR = """\
F1201 23:19:31.276817 4126 client.h:80] Terminating process because the JAX \
distributed service detected fatal errors. absl::Status: UNAVAILABLE: Failed \
to send RPC to coordination service. Either the leader task was \
preempted/died/restarted unexpectedly
*** Check failure stack trace: ***
"""


@pytest.mark.parametrize("log,lost", [(LOST_WORKER, "lost process 1:"),
                                      (LOST_COORDINATOR, "lost process 0,")])
def test_a_lost_process_is_named_in_one_line(log, lost):
  filtered = subprocess.run(
      [sys.executable, runtime_errors.__file__, "7"],
      input="step 10/40\n" + log, capture_output=True, text=True,
      timeout=WAIT_S)
  assert filtered.stderr.splitlines()[0] == "step 10/40"
  assert lost in _one_error_line("\n".join(filtered.stderr.splitlines()[1:]))
