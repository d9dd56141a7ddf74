"""Multi-process training: two real launcher processes on 127.0.0.1.

Each process has one CPU device and joins JAX's distributed runtime (gloo
collectives); together they train the tiny config's 2 members, one member
per process. The reference is the suite's `tiny_run`: one process, the same
2 members on 2 CPU devices. To keep to two launches, the two-process run is
stopped by SIGTERM as soon as both processes have joined, then resumed; the
resumed launchers load the stopped ones' programs from the session's
compilation cache (`conftest.py`). The waits are bounded (`WAIT_S`) so that
a hang fails, never a slow machine.
"""

import json
import os
import signal
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import sharding
from launch import runtime_errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH = [sys.executable, "-m", "launch.train", "--config=configs/tiny.py"]
TIMEOUT_S = 20  # --distributed_timeout: joining, and a lost process
WAIT_S = 600  # a launcher still running after this has hung


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


def _start(workdir, process_ids=(0, 1), port=None,
           timeout_s=TIMEOUT_S) -> list[subprocess.Popen]:
  """One launcher per process id of 2, configured through JAX's variables."""
  port = port or _free_port()
  return [subprocess.Popen(
      [*LAUNCH, f"--workdir={workdir}", "--distributed", "--cpu_devices=1",
       f"--distributed_timeout={timeout_s}"],
      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
      env=_env(JAX_COORDINATOR_ADDRESS=f"127.0.0.1:{port}",
               JAX_NUM_PROCESSES="2", JAX_PROCESS_ID=str(i)))
          for i in process_ids]


def _wait_until_joined(procs) -> None:
  """Returns once every process has printed its `process i/2` line."""
  for p in procs:
    for line in p.stdout:
      if line.startswith("process "):
        break


def _finish(procs) -> list[tuple[int, str, str]]:
  outputs = [p.communicate(timeout=WAIT_S) for p in procs]
  return [(p.returncode, *out) for p, out in zip(procs, outputs)]


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory):
  """(workdir, the stopped launches' results, the resumed launches')."""
  workdir = str(tmp_path_factory.mktemp("two_processes") / "run")
  procs = _start(workdir)
  _wait_until_joined(procs)
  for p in procs:
    p.send_signal(signal.SIGTERM)
  stopped = _finish(procs)
  return workdir, stopped, _finish(_start(workdir))


def test_sigterm_to_both_saves_the_same_step_and_exits_143(resumed_run):
  workdir, stopped, _ = resumed_run
  steps = hl1.load_run(workdir).steps
  saved = min(steps)  # the stop's, before the schedule's 20 and 40
  assert 0 < saved < 20 and steps == [saved, 20, 40]
  for rc, _, err in stopped:
    assert rc == 128 + signal.SIGTERM, err
    assert f"after step {saved}: saved a checkpoint at step {saved}" in err
    assert "Traceback" not in err


def test_resumed_run_equals_one_process_on_two_devices(resumed_run, tiny_run):
  """Same members on the same device shards: the same numbers, bit for bit."""
  workdir, stopped, resumed = resumed_run
  saved = min(hl1.load_run(workdir).steps)
  for rc, out, err in resumed:
    assert rc == 0, err
    assert "Traceback" not in err
    assert f"resumed from checkpoint at step {saved}" in out
  a, b = hl1.load_run(workdir), hl1.load_run(tiny_run)  # one process reads
  for step in (20, 40):
    for x, y in zip(jax.tree.leaves(a.params(step)),
                    jax.tree.leaves(b.params(step)), strict=True):
      np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
  read = lambda run, name: open(os.path.join(run, name)).read()
  assert read(workdir, "final_eval.csv") == read(tiny_run, "final_eval.csv")
  losses = lambda run: [(r["step"], r["train/loss"]) for r in map(
      json.loads, read(run, "metrics.jsonl").splitlines())]
  assert losses(workdir) == losses(tiny_run)  # each step once


def test_only_process_0_prints_the_table(resumed_run):
  _, _, resumed = resumed_run
  assert "generated n = 6 networks" in resumed[0][1]
  assert "generated n = 6 networks" not in resumed[1][1]


def _one_error_line(err: str) -> str:
  lines = [line for line in err.splitlines() if line.strip()]
  assert len(lines) == 1, err
  assert lines[0].startswith("error: ")
  return lines[0]


def test_process_id_out_of_range_is_one_error_line(tmp_path):
  [(rc, _, err)] = _finish(_start(str(tmp_path), process_ids=(2,)))
  assert rc == 2
  assert "process id 2 is out of range for 2 processes" in _one_error_line(err)


def test_unreachable_coordinator_is_a_setup_error():
  with pytest.raises(sharding.DistributedSetupError,
                     match="cannot reach the coordinator at 127.0.0.1:"):
    sharding.initialize_distributed(f"127.0.0.1:{_free_port()}", 2, 1,
                                    timeout_s=1)  # no one listens there


def test_kill_9_of_one_process_ends_the_other_naming_it(tmp_path):
  procs = _start(str(tmp_path), timeout_s=5)
  _wait_until_joined(procs)
  procs[1].kill()
  [(rc, _, err), _] = _finish(procs)  # within WAIT_S: no hang
  assert rc != 0
  assert "lost process 1:" in _one_error_line(err)


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
