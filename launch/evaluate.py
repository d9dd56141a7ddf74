r"""Systematic generalisation of a run: error and algorithm vs input dimension.

  python -m launch.evaluate --workdir=runs/default --dims=2-64 \
      [--betas=1e-6,1e-3] [--seeds=8] [--step=6000] [--nolabels]

Evaluates every member's networks at each dim, beta and draw seed
(`hypernet_l1.evaluate_dims`), prints a progress line per padding bucket and a
table (per dim and beta: median relative RMS error over members and draws,
majority label), and writes `WORKDIR/analysis/generalization.csv` (one row per
network) and `generalization.png`. Exits with status 2 and a one-line message
(no traceback) when WORKDIR is not a run with checkpoints or a flag is invalid.
"""

import collections
import os
import sys
import time

from absl import app
from absl import flags
from absl import logging
import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
import numpy as np

from hypernet_l1 import evaluation
from hypernet_l1 import generalization
from hypernet_l1 import run as run_lib

SHORT = {"double_sided": "DS", "pudding_pos": "P+", "pudding_neg": "P-",
         "pudding_mixed": "P+-", "convexity": "CVX", "other": "oth", "": ""}
MARKERS = {"double_sided": "o", "pudding_pos": "^", "pudding_neg": "v",
           "pudding_mixed": "D", "convexity": "s", "other": "X", "": "o"}


class UsageError(ValueError):
  """A flag value the evaluation cannot use."""


def parse_dims(text: str) -> list[int]:
  """`"2-5,8"` -> `[2, 3, 4, 5, 8]` (sorted, without repeats)."""
  dims = set()
  try:
    for part in filter(None, (p.strip() for p in text.split(","))):
      lo, _, hi = part.partition("-")
      dims.update(range(int(lo), int(hi or lo) + 1))
  except ValueError:
    raise UsageError(f"--dims must be numbers and ranges like 2-64,80, got "
                     f"{text!r}") from None
  if not dims or min(dims) < 1:
    raise UsageError(f"--dims must name dimensions >= 1, got {text!r}")
  return sorted(dims)


def summarize(records: list[dict]) -> list[dict]:
  """Per (dim, beta): median rel_rms over members and draws, majority label."""
  groups = collections.defaultdict(list)
  for r in records:
    groups[r["dim"], r["beta"]].append(r)
  rows = []
  for (dim, beta), rs in sorted(groups.items()):
    label, count = collections.Counter(r["label"] for r in rs).most_common(1)[0]
    rows.append({"dim": dim, "beta": beta, "seen": rs[0]["seen"],
                 "rel_rms": float(np.median([r["rel_rms"] for r in rs])),
                 "label": label, "label_share": count / len(rs)})
  return rows


def format_table(rows: list[dict]) -> str:
  betas = sorted({r["beta"] for r in rows})
  cell = {(r["dim"], r["beta"]): r for r in rows}
  lines = ["median rel_rms over members and draws, majority label ("
           + ", ".join(f"{v}={k}" for k, v in SHORT.items() if k) + ")",
           f"{'dim':>4} {'seen':>4} " + " ".join(f"{f'beta {b:.1e}':>15}"
                                               for b in betas)]
  for dim in sorted({r["dim"] for r in rows}):
    cells = [cell[dim, b] for b in betas]
    lines.append(f"{dim:4d} {'yes' if cells[0]['seen'] else 'no':>4} "
                 + " ".join(f"{c['rel_rms']:10.2e} {SHORT[c['label']]:>4}"
                            for c in cells))
  return "\n".join(lines)


def plot(rows: list[dict], train_dims, path: str) -> None:
  """Error vs n per beta; filled markers seen, open unseen; marker = label."""
  fig = Figure(figsize=(10, 5.5), layout="constrained")
  ax = fig.add_subplot()
  ax.axvspan(min(train_dims), max(train_dims), color="0.9", zorder=0,
             label="trained range")
  betas = sorted({r["beta"] for r in rows})
  colors = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, len(betas)))
  for beta, color in zip(betas, colors):
    rs = sorted((r for r in rows if r["beta"] == beta), key=lambda r: r["dim"])
    ax.plot([r["dim"] for r in rs], [r["rel_rms"] for r in rs], "-",
            color=color, lw=1, label=f"beta {beta:.1e}")
    for r in rs:
      ax.plot(r["dim"], r["rel_rms"], MARKERS[r["label"]], ms=5, color=color,
              mfc=color if r["seen"] else "none")
  ax.set_yscale("log")
  ax.set_xlabel("input dimension n")
  ax.set_ylabel("relative RMS error (median)")
  ax.grid(True, which="both", alpha=0.3)
  first = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
  ax.add_artist(first)
  found = [k for k in MARKERS if k and k in {r["label"] for r in rows}]
  ax.legend(handles=[Line2D([], [], ls="", marker=MARKERS[k], color="k",
                            label=k) for k in found]
            + [Line2D([], [], ls="", marker="o", color="k", label="seen"),
               Line2D([], [], ls="", marker="o", color="k", mfc="none",
                      label="unseen")],
            loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=8,
            title="majority label")
  FigureCanvasAgg(fig)
  fig.savefig(path, dpi=110)


def write_generalization(workdir: str, dims: list[int], betas=None,
                         seeds: int = 8, step: int | None = None,
                         labels: bool = True, out=print) -> str:
  """Evaluates, writes `workdir/analysis/generalization.{csv,png}`; returns the table."""
  if seeds < 1:
    raise UsageError(f"--seeds must be >= 1, got {seeds}")
  if betas is not None and min(betas) <= 0:
    raise UsageError(f"--betas must be positive, got {betas}")
  run = run_lib.load_run(workdir)
  if step is not None and step not in run.steps:
    raise UsageError(f"no checkpoint at step {step}; have {run.steps}")
  start = time.time()
  out(f"{workdir}: step {step or run.steps[-1]}, dims {dims[0]}..{dims[-1]} "
      f"({len(dims)}), {seeds} draws per member, dim and beta")
  records = generalization.evaluate_dims(
      run, dims, betas=betas, seeds=seeds, step=step, labels=labels,
      progress=lambda line: out(f"[{time.time() - start:5.0f} s] {line}"))
  out_dir = os.path.join(workdir, "analysis")
  os.makedirs(out_dir, exist_ok=True)
  evaluation.write_rows(os.path.join(out_dir, "generalization.csv"), records)
  rows = summarize(records)
  plot(rows, run.config.train_dims, os.path.join(out_dir, "generalization.png"))
  out(f"wrote {out_dir}/: generalization.csv ({len(records)} rows), "
      f"generalization.png in {time.time() - start:.0f} s")
  table = format_table(rows)
  out(table)
  return table


def _floats(values, name):
  try:
    return None if values is None else [float(v) for v in values]
  except ValueError:
    raise UsageError(f"--{name} must be a comma list of numbers, got "
                     f"{','.join(values)}") from None


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
  # Orbax logs every read at INFO and each read-only open as a WARNING.
  logging.set_verbosity(logging.ERROR)
  f = flags.FLAGS
  try:
    write_generalization(f.workdir, parse_dims(f.dims),
                         betas=_floats(f.betas, "betas"), seeds=f.seeds,
                         step=f.step, labels=f.labels,
                         out=lambda line: print(line, flush=True))
  except (run_lib.RunError, UsageError) as e:
    print(f"error: {e}", file=sys.stderr, flush=True)
    sys.exit(2)


if __name__ == "__main__":
  define_flags()
  app.run(main)
