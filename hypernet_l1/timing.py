"""Durations in progress lines: the training loop's and the phase analysis's."""


def format_duration(seconds: float) -> str:
  """`h:mm:ss`, for progress lines and timings."""
  seconds = int(round(seconds))
  return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
