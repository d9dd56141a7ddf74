"""What the analysis launchers share: flag parsing and the clean exit."""

import sys

from absl import logging

from hypernet_l1 import arguments
from hypernet_l1 import checkpointing
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


def run_reporting(fn) -> None:
  """Calls `fn(out)`; a user error becomes one `error:` line and exit 2."""
  # Orbax logs every read at INFO and each read-only open as a WARNING.
  logging.set_verbosity(logging.ERROR)
  checkpointing.hold_reader_hooks()
  try:
    fn(lambda line: print(line, flush=True))
  except (run_lib.RunError, arguments.UsageError) as e:
    print(f"error: {e}", file=sys.stderr, flush=True)
    sys.exit(2)
