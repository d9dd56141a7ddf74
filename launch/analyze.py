r"""Phase analysis of a run: the algorithm every checkpoint generates, per beta.

  python -m launch.analyze --workdir=runs/default [--n=16 --seeds=8 \
      --betas=1e-5,1e-3,1e-1 --steps=3000,6000]

Writes `WORKDIR/analysis/`: `phases.csv` (one row per step, beta, draw seed
and ensemble member), `phase_diagram.png`, `pareto.png` and `networks.png`
(the lowest-FVU network of every label found at the last step), and prints
the label shares per beta at the last step. Exits with status 2 and a
one-line message (no traceback) when WORKDIR is not a run with checkpoints or
a flag is invalid.
"""

import os
import sys
import time

from absl import app
from absl import flags
from absl import logging

from hypernet_l1 import evaluation
from hypernet_l1 import phases
from hypernet_l1 import plots
from hypernet_l1 import run as run_lib

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (launch.train).")
_N = flags.DEFINE_integer("n", 16, "Input dimension of the generated networks.")
_SEEDS = flags.DEFINE_integer("seeds", 8, "Draws per member and beta.")
_BETAS = flags.DEFINE_list(
    "betas", None, "Betas to analyse (default: 13 log-spaced over the run's "
    "range; grid-mode runs always use their training grid).")
_STEPS = flags.DEFINE_list("steps", None,
                           "Checkpoint steps to analyse (default: all).")
flags.mark_flags_as_required(["workdir"])


class UsageError(ValueError):
  """A flag value the analysis cannot use."""


def _numbers(values, kind, name):
  try:
    return None if values is None else [kind(v) for v in values]
  except ValueError:
    raise UsageError(f"--{name} must be a comma list of numbers, got "
                     f"{','.join(values)}") from None


def write_analysis(workdir: str, n: int = 16, seeds: int = 8, betas=None,
                   steps=None, out=print) -> str:
  """Analyses checkpoints, writes `workdir/analysis/*`; returns the summary."""
  if n < 1 or seeds < 1:
    raise UsageError(f"--n and --seeds must be >= 1, got {n} and {seeds}")
  if betas is not None and min(betas) <= 0:
    raise UsageError(f"--betas must be positive, got {betas}")
  run = run_lib.load_run(workdir)
  missing = sorted(set(steps or ()) - set(run.steps))
  if missing:
    raise UsageError(f"no checkpoint at steps {missing}; have {run.steps}")
  if betas is not None and run.config.beta_mode == "grid":
    raise UsageError("a grid-mode run is analysed at its training betas; "
                     "drop --betas")
  out(f"{workdir}: {len(steps or run.steps)} checkpoints, n = {n}, "
      f"{seeds} draws per member and beta")
  start = time.time()
  records = phases.analyze_run(run, n=n, betas=betas, seeds=seeds,
                               steps=steps, progress=out)
  out_dir = os.path.join(workdir, "analysis")
  os.makedirs(out_dir, exist_ok=True)
  evaluation.write_rows(os.path.join(out_dir, "phases.csv"), records)
  plots.phase_diagram(records, os.path.join(out_dir, "phase_diagram.png"))
  plots.pareto(records, os.path.join(out_dir, "pareto.png"))
  examples = phases.example_networks(run, records)
  plots.draw_networks(
      {k: net for k, (_, net) in examples.items()},
      os.path.join(out_dir, "networks.png"),
      notes={k: f"beta {r['beta']:.1e}, member {r['member']}, seed "
                f"{r['seed']}, fvu {r['fvu']:.2e}"
             for k, (r, _) in examples.items()})
  out(f"wrote {out_dir}/: phases.csv ({len(records)} rows), "
      f"phase_diagram.png, pareto.png, networks.png in "
      f"{time.time() - start:.0f} s")
  summary = phases.final_summary(records)
  out(summary)
  return summary


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  # Orbax logs every read at INFO and each read-only open as a WARNING.
  logging.set_verbosity(logging.ERROR)
  try:
    write_analysis(_WORKDIR.value, n=_N.value, seeds=_SEEDS.value,
                   betas=_numbers(_BETAS.value, float, "betas"),
                   steps=_numbers(_STEPS.value, int, "steps"),
                   out=lambda line: print(line, flush=True))
  except (run_lib.RunError, UsageError) as e:
    print(f"error: {e}", file=sys.stderr, flush=True)
    sys.exit(2)


if __name__ == "__main__":
  app.run(main)
