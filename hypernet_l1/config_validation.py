"""Checks a config before any compile or write, reporting every problem at once.

ml_collections already rejects unknown fields and wrong types when flags are
parsed; this module checks the values: ranges, choices, and how fields relate.
"""

import math
import numbers

from hypernet_l1 import complexity
from hypernet_l1 import hypernet
from hypernet_l1 import knots
from hypernet_l1 import layout
from hypernet_l1 import tasks

REGULARIZERS = tuple(complexity.REGULARIZERS)

# Integer fields and their smallest allowed value.
_MIN_INT = {
    "seed": 0,
    "num_seeds": 1,
    "num_betas": 1,
    "hidden_per_input": 1,
    "nets_per_bucket": 1,
    "member_chunk": 0,
    "batch_size": 1,
    "num_steps": 1,
    "warmup_steps": 0,
    "checkpoint_every": 1,
    "log_every": 1,
    "model.code_dim": 1,
    "model.width": 1,
    "model.num_knots": 1,
    "eval.n": 1,
    "eval.num_betas": 1,
    "eval.num_draws": 1,
    "eval.batch_size": 1,
}
# Real fields that must be finite and > 0, and finite and >= 0.
_POSITIVE = ("beta_min", "beta_max", "learning_rate", "grad_clip",
             "model.prior_scale")
_NON_NEGATIVE = ("checkpoint_minutes", "model.gate_bound")
_FINITE = ("model.init_log_sigma", "model.init_gate.own", "model.init_gate.off",
           "model.init_gate.free", "model.init_gate.w2", "model.sign_offset",
           "model.sign_offset_slope")


class ConfigError(ValueError):
  """The config is invalid; the message has one line per offending field."""


def _get(config, field: str):
  for part in field.split("."):
    config = config[part]
  return config


def _is_int(x) -> bool:
  return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x) -> bool:
  return (isinstance(x, numbers.Real) and not isinstance(x, bool)
          and math.isfinite(x))


def _dims_ok(dims) -> bool:
  """A non-empty sequence of distinct integers >= 1."""
  return (isinstance(dims, (tuple, list)) and len(dims) > 0
          and all(_is_int(d) and d >= 1 for d in dims)
          and len(set(dims)) == len(dims))


def problems(config) -> list[str]:
  """One line per invalid field: `field = value: must be <allowed>`."""
  found = []

  def bad(field: str, allowed: str):
    found.append(f"{field} = {_get(config, field)!r}: must be {allowed}")

  for field, low in _MIN_INT.items():
    value = _get(config, field)
    if not (_is_int(value) and value >= low):
      bad(field, f"an integer >= {low}")
  for field in _POSITIVE:
    value = _get(config, field)
    if not (_is_real(value) and value > 0):
      bad(field, "a finite number > 0")
  if not (_is_real(config.beta_ramp_fraction)
          and 0 <= config.beta_ramp_fraction <= 1):
    bad("beta_ramp_fraction", "a number in [0, 1]")
  for field in _NON_NEGATIVE:
    value = _get(config, field)
    if not (_is_real(value) and value >= 0):
      bad(field, "a finite number >= 0 (0: off)")
  for field in _FINITE:
    if not _is_real(_get(config, field)):
      bad(field, "a finite number")
  anneal_from = config.beta_anneal_from
  if not (_is_real(anneal_from) and (anneal_from == 0 or not all(
      map(_is_real, (config.beta_min, config.beta_max)))
      or config.beta_min < anneal_from <= config.beta_max)):
    bad("beta_anneal_from", "0 (off) or a beta in (beta_min, beta_max]")
  if not (_is_real(config.beta_anneal_start)
          and _is_real(config.beta_anneal_end)
          and 0 <= config.beta_anneal_start < config.beta_anneal_end <= 1):
    bad("beta_anneal_start", "a share of the steps in [0, 1) below "
        "beta_anneal_end (at most 1)")
  if config.beta_ramp_direction not in layout.RAMP_DIRECTIONS:
    bad("beta_ramp_direction", f"one of {', '.join(layout.RAMP_DIRECTIONS)}")
  if config.task not in tasks.TASKS:
    bad("task", f"one of {', '.join(tasks.TASKS)}")
  if config.beta_mode not in layout.BETA_MODES:
    bad("beta_mode", f"one of {', '.join(layout.BETA_MODES)}")
  if config.regularizer not in REGULARIZERS:
    bad("regularizer", f"one of {', '.join(REGULARIZERS)}")
  if config.model.slot_sign not in hypernet.SLOT_SIGNS:
    bad("model.slot_sign", f"one of {', '.join(hypernet.SLOT_SIGNS)}")
  if config.model.get("centre_output", "none") not in hypernet.CENTRE_MODES:
    bad("model.centre_output", f"one of {', '.join(hypernet.CENTRE_MODES)}")
  if config.model.beta_map not in knots.BETA_MAPS:
    bad("model.beta_map", f"one of {', '.join(knots.BETA_MAPS)}")
  if (layout.trains_at_grid_betas(config) and _is_int(config.model.num_knots)
      and config.model.num_knots > 1):
    bad("model.num_knots", "1 in grid mode (each member trains at one "
        "beta)")

  if (_is_int(config.warmup_steps) and _is_int(config.num_steps)
      and config.warmup_steps >= config.num_steps >= 1):
    bad("warmup_steps", f"< num_steps = {config.num_steps}")
  lo, hi = config.beta_min, config.beta_max
  if _is_real(lo) and _is_real(hi) and 0 < lo and 0 < hi and not lo < hi:
    found.append(f"beta_min = {lo!r}, beta_max = {hi!r}: beta_min must be "
                 "< beta_max")

  offset, slope = config.model.sign_offset, config.model.sign_offset_slope
  if _is_real(offset) and _is_real(slope) and offset == 0 and slope != 0:
    bad("model.sign_offset_slope", "0 when model.sign_offset is 0 (the "
        "offset, and with it its slope, is off)")

  k = config.hidden_per_input
  tied = config.model.tied_slots
  k_ok = _is_int(k) and k >= 1  # else only k is reported, not tied_slots too
  if not (_is_int(tied) and 0 <= tied and (not k_ok or tied <= k)):
    bad("model.tied_slots", f"an integer in [0, hidden_per_input = {k!r}]")
  elif k_ok and config.model.get("lead_unit", False) and tied >= k:
    bad("model.lead_unit", "False when no slot is free (model.tied_slots = "
        "hidden_per_input): the lead unit is the first free slot's")

  # Dimension sets: a run needs dims to train on and unseen dims to test on.
  train_ok = _dims_ok(config.train_dims)
  if not train_ok:
    bad("train_dims", "a non-empty tuple of distinct integers >= 1")
  if not _dims_ok(config.heldout_dims):
    bad("heldout_dims", "a non-empty tuple of distinct integers >= 1")
  elif train_ok and set(config.heldout_dims) & set(config.train_dims):
    shared = sorted(set(config.heldout_dims) & set(config.train_dims))
    bad("heldout_dims", f"disjoint from train_dims (both hold {shared})")
  buckets = config.dim_buckets
  if not (_dims_ok(buckets) and list(buckets) == sorted(buckets)):
    bad("dim_buckets",
        "a non-empty, strictly increasing tuple of integers >= 1")
  elif train_ok and max(config.train_dims) > max(buckets):
    # A train dim above the largest bucket would be silently never trained.
    bad("dim_buckets",
        f"a tuple whose largest bucket is >= max(train_dims) = "
        f"{max(config.train_dims)}")
  return found


def validate(config) -> None:
  """Raises ConfigError naming every invalid field of `config`, one per line."""
  found = problems(config)
  if found:
    raise ConfigError(
        f"invalid config ({len(found)} problem{'s' * (len(found) > 1)}; "
        "nothing was compiled or written):\n"
        + "\n".join(f"  {line}" for line in found))
