r"""Phase analysis of a run: the algorithm every checkpoint generates, per beta.

  python -m launch.analyze --workdir=runs/default [--n=16 --seeds=8 \
      --betas=1e-5,1e-3,1e-1 --steps=3000,6000 --map_dims=4-24,32,48,64,128]

Writes `WORKDIR/analysis/` (`hypernet_l1.reports.write_analysis`):
`phases.csv`, `label_shares.csv`, `phase_diagram.png`, `pareto.png`,
`networks.png`, and, when there are any, `boundaries.csv` (phase boundaries
per replica) and `clusters.csv` / `clusters.png` (the unnamed networks); it
prints the label shares per beta at the last step, with 95% intervals over
replicas, the boundaries, the clusters and, under `l1` and `l0`, the
distance to the optimal front (`optimality.csv`). With --map_dims it also
writes the phase map over n and beta (`phase_map.csv`,
`phase_map_boundaries.csv`, `phase_map.png`) and prints the boundary laws
over n. A checkpoint that does
not restore is skipped with a one-line warning. Exits with status 2 and a
one-line message (no traceback) when WORKDIR is not a run with a readable
checkpoint or a flag is invalid.
"""

from absl import app
from absl import flags

from hypernet_l1 import reports
from launch import common

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (launch.train).")
_N = flags.DEFINE_integer("n", 16, "Input dimension of the generated networks.")
_SEEDS = flags.DEFINE_integer("seeds", 8, "Draws per member and beta.")
_BETAS = flags.DEFINE_list(
    "betas", None, "Betas to analyse (default: 29 log-spaced over the run's "
    "range; grid-mode runs always use their training grid).")
_STEPS = flags.DEFINE_list("steps", None,
                           "Checkpoint steps to analyse (default: all).")
_MAP_DIMS = flags.DEFINE_string(
    "map_dims", None, "Also draw the phase map over these input dimensions "
    "(comma list of numbers and ranges, e.g. 4-24,32,48,64,128) and the "
    "same betas, at the last step analysed.")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  common.run_reporting(lambda out: reports.write_analysis(
      _WORKDIR.value, n=_N.value, seeds=_SEEDS.value,
      betas=common.numbers(_BETAS.value, float, "betas"),
      steps=common.numbers(_STEPS.value, int, "steps"),
      map_dims=(None if _MAP_DIMS.value is None
                else common.parse_dims(_MAP_DIMS.value)), out=out))


if __name__ == "__main__":
  app.run(main)
