"""What the launchers share: flag parsing, the clean exit, a quiet terminal."""

import logging as py_logging
import sys

from absl import logging

from hypernet_l1 import arguments
from hypernet_l1 import run as run_lib


def numbers(values, kind, name):
  """A comma-list flag as numbers, or an `arguments.UsageError` naming it."""
  if values is None:
    return None
  try:
    parsed = [kind(v) for v in values]
  except ValueError:
    parsed = []
  if not parsed:
    raise arguments.UsageError(f"--{name} must be a comma list of numbers, "
                               f"got {','.join(values)!r}")
  return parsed


def parse_dims(text: str) -> list[int]:
  """`"2-5,8"` -> `[2, 3, 4, 5, 8]` (sorted, without repeats)."""
  dims = set()
  try:
    for part in filter(None, (p.strip() for p in text.split(","))):
      lo, _, hi = part.partition("-")
      dims.update(range(int(lo), int(hi or lo) + 1))
  except ValueError:
    raise arguments.UsageError(f"--dims must be numbers and ranges like "
                               f"2-64,80, got {text!r}") from None
  return sorted(dims)


def _is_abandoned_read(unraisable) -> bool:
  """When a restore fails, Orbax's abandoned tensorstore reads keep finishing
  on worker threads and report to an event loop that is already closed:
  Python prints one `RuntimeError: Event loop is closed` traceback per array
  (through `sys.unraisablehook`), during the restore and after it."""
  return (isinstance(unraisable.exc_value, RuntimeError)
          and str(unraisable.exc_value) == "Event loop is closed")


class _DropAbandonedReads(py_logging.Filter):
  """The same abandoned reads also reach asyncio's "Task (or Future)
  exception was never retrieved" log, with a traceback, whenever their task
  is collected: a read of a corrupt array fails with tensorstore's
  `DATA_LOSS`."""

  def filter(self, record: py_logging.LogRecord) -> bool:
    message = record.getMessage()
    return not (message.startswith(("Task exception was never retrieved",
                                    "Future exception was never retrieved"))
                and ("async_deserialize" in message
                     or "DATA_LOSS" in message))


def hide_abandoned_reads() -> None:
  """For the rest of the process, drops the reports of a failed restore's
  abandoned reads (`_is_abandoned_read`, `_DropAbandonedReads`): the library
  reports the failure in one line, and a terminal user should not see one
  traceback per array after it. A launcher's process is its run, so they
  stay installed: an abandoned read's task may be collected at any time.
  The library itself changes no process-wide hook or logger."""
  previous = sys.unraisablehook
  sys.unraisablehook = lambda u: (None if _is_abandoned_read(u)
                                  else previous(u))
  py_logging.getLogger("asyncio").addFilter(_DropAbandonedReads())


def run_reporting(fn) -> None:
  """Calls `fn(out)`; a user error becomes one `error:` line and exit 2."""
  # Orbax logs every read at INFO.
  logging.set_verbosity(logging.ERROR)
  hide_abandoned_reads()
  try:
    fn(lambda line: print(line, flush=True))
  except (run_lib.RunError, arguments.UsageError) as e:
    print(f"error: {e}", file=sys.stderr, flush=True)
    sys.exit(2)
