r"""Systematic generalisation of a run: error and algorithm vs input dimension.

  python -m launch.evaluate --workdir=runs/default --dims=2-64 \
      [--betas=1e-6,1e-3] [--seeds=8] [--step=6000] [--nolabels]

Evaluates every member's networks at each dim, beta and draw seed
(`hypernet_l1.reports.write_generalization`), prints a progress line per
padding bucket and a table (per dim and beta: median relative RMS error over
members and draws, majority label), and writes
`WORKDIR/analysis/generalization.csv` (one row per network) and
`generalization.png`. Without `--step` it uses the latest checkpoint that
restores. Exits with status 2 and a one-line message (no traceback) when
WORKDIR is not a run with a readable checkpoint or a flag is invalid.
"""

from absl import app
from absl import flags

from hypernet_l1 import reports
from launch import common


# Defined on launch only: absl flags are global, and tests import this module
# beside other launchers that define --workdir too.
def define_flags() -> None:
  """The command line of `python -m launch.evaluate`."""
  flags.DEFINE_string("workdir", None, "Run directory (launch.train).")
  flags.DEFINE_string(
      "dims", "2-64", "Input dimensions: comma list of numbers and ranges, "
      "e.g. 2-64 or 4,11,17,32-48.")
  flags.DEFINE_list(
      "betas", None, "Betas (default: the run's eval.num_betas log-spaced "
      "over its range; its training grid in grid mode).")
  flags.DEFINE_integer("seeds", 8, "Draws per member, dim and beta.")
  flags.DEFINE_integer("step", None, "Checkpoint step (default: latest).")
  flags.DEFINE_bool("labels", True, "Classify every network.")
  flags.mark_flags_as_required(["workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  f = flags.FLAGS
  common.run_reporting(lambda out: reports.write_generalization(
      f.workdir, common.parse_dims(f.dims),
      betas=common.numbers(f.betas, float, "betas"), seeds=f.seeds,
      step=f.step, labels=f.labels, out=out))


if __name__ == "__main__":
  define_flags()
  app.run(main)
