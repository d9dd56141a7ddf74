"""The analysis API's arguments, checked once, where a call enters it.

`phases.analyze_run`, `generalization.evaluate_dims` and `Run.generate` take
their arguments from users and launchers (`reports`, `launch/`) and check
them here; what they call trusts them. A bad one raises `UsageError`, which
a launcher prints as one line (`launch/common.py`).
"""

from typing import Sequence

import numpy as np


class UsageError(ValueError):
  """An argument the analysis cannot use (a launcher flag's value)."""


def at_least_one(value: int, name: str) -> int:
  if value < 1:
    raise UsageError(f"{name} must be >= 1, got {value}")
  return value


def positive_beta(beta: float) -> float:
  if not beta > 0:
    raise UsageError(f"beta must be > 0, got {beta}")
  return beta


def draw_seeds(seeds: int | Sequence[int]) -> np.ndarray:
  """`seeds` draws (an int: seeds 0..seeds-1) or the given draw seeds."""
  seeds_D = np.arange(seeds) if np.ndim(seeds) == 0 else np.asarray(seeds)
  if seeds_D.size == 0:
    raise UsageError(f"seeds must name at least one draw, got {seeds}")
  return seeds_D


def betas(values: Sequence[float]) -> np.ndarray:
  """`values` as an array of betas: a non-empty list of positive numbers."""
  array = np.asarray(values, np.float64)
  if array.ndim != 1 or array.size == 0 or not np.all(array > 0):
    raise UsageError(f"betas must be a non-empty list of positive numbers, "
                     f"got {list(values)}")
  return array


def dims(values: Sequence[int]) -> list[int]:
  """The distinct dims of `values`, sorted: at least one, each >= 1."""
  found = sorted({int(n) for n in values})
  if not found or found[0] < 1:
    raise UsageError(f"dims must be integers >= 1, got {list(values)}")
  return found


def steps(have: Sequence[int], values: Sequence[int]) -> list[int]:
  """`values`: at least one step, each a checkpoint of `have`."""
  values = list(values)
  if not values:
    raise UsageError("steps must name at least one checkpoint step")
  missing = sorted(set(values) - set(have))
  if missing:
    raise UsageError(f"no checkpoint at steps {missing}; have {list(have)}")
  return values


def members(num_members: int, values: Sequence[int]) -> list[int]:
  """`values`: at least one ensemble member, each in `[0, num_members)`."""
  values = list(values)
  if not values or not all(0 <= e < num_members for e in values):
    raise UsageError(f"members must lie in [0, {num_members}), got {values}")
  return values
