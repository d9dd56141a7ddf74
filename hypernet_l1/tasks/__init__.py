"""The function the generated networks learn, behind one seam (`config.task`).

A task is the function the networks learn (`Task.function`), its input
distribution and the exact variance of its values, which FVU divides by.
Adding one is a new module here defining a `Task`, plus its line in `TASKS`
(`sum_squares.py` is a complete example). The algorithm labels and
hand-built encodings belong to the L1 norm: for any other task the
classifier names only `trivial` and `other`, and `clusters.py` groups what
it finds (`docs/design.md`).
"""

from hypernet_l1.tasks import l1_norm
from hypernet_l1.tasks import sum_squares
from hypernet_l1.tasks.base import Task

TASKS: dict[str, Task] = {t.name: t for t in (l1_norm.TASK, sum_squares.TASK)}
DEFAULT = l1_norm.TASK


def get(name: str) -> Task:
  if name not in TASKS:
    raise ValueError(f"unknown task {name!r}; have {', '.join(TASKS)}")
  return TASKS[name]
