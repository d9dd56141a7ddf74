"""The member layout and the beta grids: which member answers which beta.

The one place that knows it. In `sampled` mode the ensemble is `num_seeds`
independent hypernetworks, each covering the whole beta range. In `grid`
mode it is `num_seeds x num_betas`: member `s * num_betas + b` is replica
`s`, trained at the `b`-th grid beta only. Everything that trains, evaluates
or draws members asks here (`docs/design.md`, "Data flow").

Beta grids, one per purpose, all log-spaced over `[beta_min, beta_max]`:
`grid_betas` (grid-mode training, `num_betas`), `table_betas` (the final
table and `evaluate_dims`, `eval.num_betas`) and `analysis_betas` (phase
analysis, `ANALYSIS_NUM_BETAS`). A grid-mode run is evaluated at its
training grid for every purpose. The range itself: `log_beta_bounds`, the
part of it a training step draws from (`open_log_beta_range`, the beta
ramp), the floor a step's loss prices complexity at (`loss_log_beta_floor`,
the beta anneal) and the scaled log beta `t` the generator reads
(`scaled_log_beta`).
"""

import math
from typing import Sequence

import jax.numpy as jnp
import numpy as np

BETA_MODES = ("sampled", "grid")
RAMP_DIRECTIONS = ("up", "down")  # `open_log_beta_range`
# A fine scan: 28 intervals in log beta, 4x finer than an 8-beta grid over
# the same range, so a sampled-beta run places its phase boundaries between
# betas no grid member was trained at.
ANALYSIS_NUM_BETAS = 29


def trains_at_grid_betas(config) -> bool:
  """Whether each member trains at one beta of `grid_betas` (`grid` mode)."""
  return config.beta_mode == "grid"


def log_beta_bounds(config) -> tuple[float, float]:
  """`(log beta_min, log beta_max)`: the trained range of log beta."""
  return math.log(config.beta_min), math.log(config.beta_max)


def scaled_log_beta(config, log_beta):
  """`t`: `log beta` mapped onto [-1, 1] over the trained range, clipped.

  What the generator is told of beta: its context features and sign offset
  (`hypernet.HyperNet`) and its knot weights (`knots.py`) all read this one
  `t`. Clipped, because the generator only ever trained on `t` in [-1, 1]:
  a beta outside the range (`Run.generate`, `--betas`) gets the network of
  the nearest end, from the context and the knots alike, instead of an
  extrapolation of the context MLP that no training step constrained.
  Inside the range the clip changes no bit.
  """
  lo, hi = log_beta_bounds(config)
  return jnp.clip(2.0 * (log_beta - lo) / (hi - lo) - 1.0, -1.0, 1.0)


def open_log_beta_range(config, step) -> tuple[jnp.ndarray, jnp.ndarray]:
  """The part of `log_beta_bounds` open at training `step`: the beta ramp.

  Over the first `beta_ramp_fraction` of the steps the range opens from one
  end: `up` (the default) from `beta_min`, so the low-beta algorithm forms
  first; `down` from `beta_max` (the reverse sweep, for hysteresis;
  `RAMP_DIRECTIONS`). Grid members train at their own beta clipped into
  this range.
  """
  lo, hi = log_beta_bounds(config)
  if config.beta_ramp_fraction == 0:  # no ramp: open from the first step
    opened = jnp.asarray(hi - lo)
  else:
    ramp_steps = max(1.0, config.beta_ramp_fraction * config.num_steps)
    opened = (hi - lo) * jnp.clip(step / ramp_steps, 0.0, 1.0)
  if config.beta_ramp_direction == "down":
    return hi - opened, jnp.asarray(hi)
  return jnp.asarray(lo), lo + opened


def loss_log_beta_floor(config, step) -> jnp.ndarray:
  """The log beta below which a network's loss prices complexity at training
  `step` (`train.network_objective`): the beta anneal.

  `-inf` (no floor) when `beta_anneal_from` is 0 and before
  `beta_anneal_start` of the steps; from there it falls log-linearly from
  `beta_anneal_from` to `beta_min`, reached at `beta_anneal_end`. The
  generator still reads each network's own beta, so a network below the
  floor first learns, under its own beta, the structure the objective
  prefers at the floor, and keeps it as the floor falls past it. Why: under
  `l1` the pudding's shared correction concentrates into one unit at a rate
  that falls with beta, too slowly below 1e-2 for a run's steps
  (docs/results.md, "The `l1` low band is slow, not stuck").
  """
  if config.beta_anneal_from == 0:
    return jnp.asarray(-jnp.inf)
  start = config.beta_anneal_start * config.num_steps
  end = config.beta_anneal_end * config.num_steps
  done = jnp.clip((step - start) / max(end - start, 1.0), 0.0, 1.0)
  floor = (math.log(config.beta_anneal_from) * (1.0 - done)
           + math.log(config.beta_min) * done)
  return jnp.where(step >= start, floor, -jnp.inf)


def log_spaced(config, num: int) -> np.ndarray:
  return np.exp(np.linspace(*log_beta_bounds(config), num))


def grid_betas(config) -> np.ndarray:
  """The `num_betas` grid-mode training betas."""
  return log_spaced(config, config.num_betas)


def _per_purpose(config, num: int) -> np.ndarray:
  return grid_betas(config) if trains_at_grid_betas(config) else log_spaced(
      config, num)


def table_betas(config) -> np.ndarray:
  """Betas of the final table and the default of `evaluate_dims`."""
  return _per_purpose(config, config.eval.num_betas)


def analysis_betas(config) -> np.ndarray:
  """Betas of the phase analysis (`phases.analyze_run`)."""
  return _per_purpose(config, ANALYSIS_NUM_BETAS)


def ensemble_size(config) -> int:
  per_seed = config.num_betas if trains_at_grid_betas(config) else 1
  return config.num_seeds * per_seed


def member_log_betas(config) -> np.ndarray:
  """`[E]` fixed log beta per member (grid mode); NaN where beta is sampled."""
  if trains_at_grid_betas(config):
    return np.tile(np.log(grid_betas(config)),
                   config.num_seeds).astype(np.float32)
  return np.full(config.num_seeds, np.nan, np.float32)


def replica(config, member: int) -> int:
  """The independently trained replica (seed index) a member belongs to."""
  return member // config.num_betas if trains_at_grid_betas(config) else member


def _nearest_grid_index(config, beta: float) -> int:
  return int(np.argmin(np.abs(np.log(grid_betas(config)) - math.log(beta))))


def member_for(config, beta: float, replica_index: int = 0) -> int:
  """The member that answers `beta` in replica `replica_index`.

  Grid mode: the one trained at the grid beta nearest `beta`.
  """
  if not 0 <= replica_index < config.num_seeds:
    raise ValueError(f"replica must lie in [0, {config.num_seeds}), got "
                     f"{replica_index}")
  if not trains_at_grid_betas(config):
    return replica_index
  return replica_index * config.num_betas + _nearest_grid_index(config, beta)


def pairs(config, betas: Sequence[float],
          members: Sequence[int] | None = None) -> list[tuple[int, int]]:
  """(member, beta index) pairs to evaluate, member-major.

  Every member at every beta in sampled mode; in grid mode each member only
  at the betas it answers (`member_for`).
  """
  members = range(ensemble_size(config)) if members is None else members
  if not trains_at_grid_betas(config):
    return [(e, b) for e in members for b in range(len(betas))]
  nearest = [_nearest_grid_index(config, beta) for beta in betas]
  return [(e, b) for e in members for b in range(len(betas))
          if nearest[b] == e % config.num_betas]
