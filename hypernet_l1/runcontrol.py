"""What keeps a training run safe on a shared machine: one writer per workdir,
and a clean stop on SIGTERM or SIGINT (preemption).

`WorkdirLock` claims a run directory for one training process: the file
`workdir/train.lock` names its owner (pid, host) and is held with an
exclusive `flock`, which the kernel releases when the process dies, even by
`kill -9`. A second launcher finds the lock held and refuses; a claim whose
lock is not held (left by a killed run) is stale and is taken over.
Readers (`load_run`, `launch.analyze`) never take it.

`StopSignals` turns SIGTERM and SIGINT into a flag the training loop polls
after each step, so the step in flight finishes and is checkpointed. On
several hosts every host stops after the same step: every stop goes through
JAX's preemption sync point (`jax.distributed.initialize` starts the
preemption service, which catches SIGTERM itself), or, with that service
turned off, is shared with the other hosts at each step.
"""

import fcntl
import json
import os
import signal
import socket
import time

import jax
from jax.experimental import multihost_utils
import numpy as np

LOCK_FILE = "train.lock"


class WorkdirBusyError(RuntimeError):
  """Another live process is training this workdir."""


class WorkdirLock:
  """An exclusive claim on `workdir` for training (process 0 only)."""

  def __init__(self, workdir: str, report=print):
    self._path = os.path.join(workdir, LOCK_FILE)
    self._report = report
    self._fd = None

  def __enter__(self):
    if jax.process_index() != 0:
      return self
    fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      owner = _read_owner(fd)
      os.close(fd)
      raise WorkdirBusyError(
          f"{os.path.dirname(self._path)} is being trained by pid "
          f"{owner.get('pid', '?')} on host {owner.get('host', '?')} (since "
          f"{owner.get('since', '?')}); one training process per workdir. "
          "Wait for it, stop it, or give another --workdir.") from None
    previous = _read_owner(fd)
    if previous:
      self._report(f"taking over a stale claim on this workdir by pid "
                   f"{previous.get('pid', '?')} on host "
                   f"{previous.get('host', '?')} (no longer running)")
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({
        "pid": os.getpid(), "host": socket.gethostname(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)
    os.fsync(fd)
    self._fd = fd
    return self

  def __exit__(self, *exc):
    if self._fd is not None:
      os.ftruncate(self._fd, 0)  # a clean exit leaves no claim behind
      fcntl.flock(self._fd, fcntl.LOCK_UN)
      os.close(self._fd)
      self._fd = None


def _read_owner(fd: int) -> dict:
  try:
    text = os.pread(fd, 4096, 0).decode()
    return json.loads(text) if text.strip() else {}
  except (OSError, ValueError):
    return {"pid": "?", "host": "? (unreadable lock file)"}


class StopSignals:
  """Records SIGTERM / SIGINT instead of dying; `requested(step)` polls it.

  On several hosts every host must stop after the same step. SIGTERM then
  goes to JAX's preemption service where it runs (installed by
  `jax.distributed.initialize`; it agrees on the step, tested on CPU with
  two processes), and SIGINT is passed on to it as a SIGTERM. Without the
  service, the signals a host received are gathered from all hosts, on the
  steps the caller marks as agreement steps only (`requested(step, agree)`;
  training passes its log steps): a gather is a collective, and one per
  step made every host wait for the device every step.
  """

  SIGNALS = (signal.SIGTERM, signal.SIGINT)

  def __init__(self):
    self.received = None
    self._previous = {}
    self._multihost = jax.process_count() > 1
    self._preemption_sync = (self._multihost
                             and bool(jax.config.jax_enable_preemption_service))

  def _handle(self, signum, frame):
    del frame
    self.received = signal.Signals(signum)
    if self._preemption_sync:
      signal.raise_signal(signal.SIGTERM)  # to the preemption service

  def __enter__(self):
    for sig in self.SIGNALS:
      if sig == signal.SIGTERM and self._preemption_sync:
        continue  # the preemption service's
      self._previous[sig] = signal.signal(sig, self._handle)
    return self

  def __exit__(self, *exc):
    for sig, handler in self._previous.items():
      signal.signal(sig, handler)
    self._previous = {}

  def requested(self, step: int, agree: bool = True) -> bool:
    """Whether to stop after `step`; every host answers the same.

    Several hosts without the preemption service decide only where `agree`
    is true (elsewhere: not yet), so a stop comes at the next such step.
    """
    if self._preemption_sync:
      if multihost_utils.reached_preemption_sync_point(step):
        self.received = self.received or signal.SIGTERM
        return True
      return False
    if not self._multihost:
      return self.received is not None
    if not agree:
      return False
    received = multihost_utils.process_allgather(
        np.int32(int(self.received or 0)))
    if received.any():
      self.received = self.received or signal.Signals(int(received.max()))
      return True
    return False

  @property
  def exit_code(self) -> int:
    return 128 + int(self.received or signal.SIGTERM)
