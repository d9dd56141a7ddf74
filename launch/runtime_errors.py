"""One `error:` line and exit status 6 when JAX's distributed runtime stops
a process.

When a process of a multi-process job dies, JAX's runtime stops every other
one from its own C++ thread: a fatal log, a C++ stack trace and an abort,
with no Python exception to catch (nor a callback: jaxlib 0.10.2 cannot
pass the runtime's status to Python). `launch.train --distributed` therefore
pipes its stderr through this script (`start`), which passes everything
through except that abort, and replaces it with one line naming the lost
process; and the abort itself ends the process with `LOST_EXIT_CODE`
instead of SIGABRT (status 134, maybe a core dump). Only the standard
library: the filter starts in milliseconds.
"""

import ctypes
import os
import re
import select
import signal
import subprocess
import sys

# How the runtime's fatal log starts (xla/pjrt/distributed/client.h).
FATAL = "Terminating process because the JAX distributed service"
# glog's prefix: severity, date, time, thread, file:line.
_GLOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]")
# Seconds a log line is held back: the fatal follows its error lines at once.
_HOLD_S = 2.0
# The exit status of a process the runtime aborted: SIGABRT's number, the
# argument `_exit` gets as its handler (`_exit_on_abort`).
LOST_EXIT_CODE = int(signal.SIGABRT)


def describe(text: str, timeout_s: int) -> str:
  """The `error:` line for the runtime's fatal log `text`."""
  again = ("run the same command on every process again to resume from the "
           "last checkpoint")
  lost = re.findall(r"Task (\d+) heartbeat timeout", text)
  unhealthy = re.search(r"unhealthy \(stopped sending heartbeats\):\s*"
                        r"((?:\d+\s*)+)", text)
  if unhealthy:
    lost += unhealthy.group(1).split()
  if lost:
    ids = ", ".join(sorted(set(lost), key=int))
    return (f"error: lost process {ids}: it sent no "
            f"heartbeat for {timeout_s} s (killed, crashed or preempted), so "
            f"this process stops too; {again}")
  if "Failed to send RPC to coordination service" in text:
    return ("error: lost process 0, the coordinator "
            "(killed, crashed or preempted), so this process stops too; "
            f"{again}")
  if "RegisterTask" in text:
    return (f"error: not every process joined the coordinator within "
            f"{timeout_s} s; start the same command on every process, each "
            "with its own process id")
  status = text.split("absl::Status:", 1)[-1].strip().splitlines()
  return ("error: JAX's distributed runtime stopped this process: "
          + (status[0] if status else "no reason given"))


def _filter(timeout_s: int) -> None:
  """stdin to stderr, the runtime's abort replaced by `describe`'s line.

  Log lines (and what follows them) are held back `_HOLD_S` seconds, a
  Python traceback until the end: either may be the start of the abort.
  """
  held, fatal, in_traceback, rest = [], None, False, b""
  while True:
    if not select.select([0], [], [], _HOLD_S)[0]:
      if held and not in_traceback:
        sys.stderr.write("".join(held))
        sys.stderr.flush()
        held = []
      continue
    chunk = os.read(0, 1 << 16)
    if not chunk:
      break
    *lines, rest = (rest + chunk).split(b"\n")
    for line in (raw.decode(errors="replace") + "\n" for raw in lines):
      if fatal is not None:
        fatal.append(line)
      elif FATAL in line:
        fatal, held = [*held, line], []
      elif (held or _GLOG.match(line)
            or line.startswith("Traceback (most recent call last)")):
        in_traceback = in_traceback or line.startswith("Traceback")
        held.append(line)
      else:
        sys.stderr.write(line)
        sys.stderr.flush()
  if fatal is not None:
    sys.stderr.write(describe("".join(fatal), timeout_s) + "\n")
  else:
    sys.stderr.write("".join(held) + rest.decode(errors="replace"))
  sys.stderr.flush()


def _exit_on_abort() -> None:
  """Makes SIGABRT end this process at once with status `LOST_EXIT_CODE`.

  The handler is libc's `_exit` itself, which is async-signal-safe and
  called with the signal number: no Python runs in the aborting C++ thread
  (a Python handler would only run later, in the main thread, after the
  abort had already killed the process).
  """
  libc = ctypes.CDLL(None)
  libc.signal.restype = ctypes.c_void_p
  libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
  libc.signal(signal.SIGABRT, ctypes.cast(libc._exit, ctypes.c_void_p))


def start(timeout_s: int) -> None:
  """Sends this process's stderr (fd 2) through `_filter` in a child process,
  and makes the runtime's abort exit with `LOST_EXIT_CODE`.

  The child ignores SIGINT and SIGTERM (a Ctrl-C or a preemption reaches the
  whole process group) and ends when this process closes its stderr, even
  by dying.
  """
  _exit_on_abort()
  read_end, write_end = os.pipe()
  subprocess.Popen([sys.executable, os.path.abspath(__file__),
                    str(timeout_s)], stdin=read_end)
  os.close(read_end)
  os.dup2(write_end, 2)
  os.close(write_end)


if __name__ == "__main__":
  for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, signal.SIG_IGN)
  _filter(int(sys.argv[1]))
