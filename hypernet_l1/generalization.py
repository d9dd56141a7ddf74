"""Systematic generalisation: error and algorithm of generated networks vs n.

`evaluate_dims` asks a trained run for networks at any input dimension, seen
in training or not, and reports per network the error on the fixed
evaluation inputs, the complexity and the algorithm label: `sweep.records`,
one compiled call per padding bucket, so nothing compiles per dimension.
"""

from typing import Callable, Sequence

from hypernet_l1 import arguments
from hypernet_l1 import layout
from hypernet_l1 import run as run_lib
from hypernet_l1 import sweep


def _as_run(workdir_or_run) -> run_lib.Run:
  if isinstance(workdir_or_run, run_lib.Run):
    return workdir_or_run
  return run_lib.load_run(workdir_or_run)


def evaluate_dims(workdir_or_run, dims: Sequence[int],
                  betas: Sequence[float] | None = None,
                  seeds: int | Sequence[int] = 8, step: int | None = None,
                  members: Sequence[int] | None = None, labels: bool = True,
                  progress: Callable[[str], None] | None = None) -> list[dict]:
  """One record per (dim, beta, draw seed, member) of a run's networks.

  Keys: `dim`, `hidden`, `beta`, `seed`, `member` (ensemble index), `seen`
  (dim in the run's `train_dims`), `heldout` (in its `heldout_dims`),
  `rel_rms`, `fvu`, `complexity` (per input), `label` (`analysis.classify`;
  `""` with `labels=False`). `seeds` is a count (draws
  `0..seeds-1`) or the draw seeds; `betas=None` is `layout.table_betas`; in
  grid mode each member answers only the betas nearest its own; `step=None`
  is the latest checkpoint that restores. `progress` gets one line per
  bucket. Bad arguments raise `arguments.UsageError`.
  """
  run = _as_run(workdir_or_run)
  config = run.frozen_config
  dims = arguments.dims(dims)
  betas = (layout.table_betas(config) if betas is None
           else arguments.betas(betas))
  seeds_D = arguments.draw_seeds(seeds)
  num_members = layout.ensemble_size(config)
  members = (list(range(num_members)) if members is None
             else arguments.members(num_members, members))
  records = sweep.records(config, run.params(step), betas, dims, seeds_D,
                          members=members, classify=labels,
                          progress=progress)
  seen, heldout = set(config.train_dims), set(config.heldout_dims)
  for r in records:
    r["seen"] = r["dim"] in seen
    r["heldout"] = r["dim"] in heldout
  return records
