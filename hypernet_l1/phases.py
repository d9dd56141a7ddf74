"""Run-level phase analysis: the algorithm every checkpoint generates, per beta.

For each checkpoint step, the layout's (member, beta) pairs x draw seeds of
`n`-input networks are generated, scored and classified in one compiled call
(`sweep.records`). The result is a flat list of records, one per (step, beta,
seed, member): rows of `phases.csv`, input of `phase_stats`, `phase_text`,
`plots` and `clusters`.
"""

import collections
import time

import numpy as np

from hypernet_l1 import arguments
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import phase_stats
from hypernet_l1 import sweep
from hypernet_l1 import timing
from hypernet_l1.run import Run, RunError, nothing_restores
from hypernet_l1.target import TargetNet

# Order parameters copied into every record (`analysis.order_parameters`):
# the continuous quantities behind the labels, so that a boundary between
# phases reads as a curve (`plots.phase_diagram`), and the coordinates in
# which `clusters` groups unnamed networks.
ORDER_KEYS = ("coverage", "double_sided", "pos_share", "correction",
              "smeared", "dense_share", "dense_sign", "evenness",
              "even_coverage", "output_var", "fit_corr", "n_active",
              "n_tied", "n_linear_units")


def scan_betas(config, betas) -> np.ndarray:
  """`betas`, by default `layout.analysis_betas`; none for a grid-mode run."""
  if betas is None:
    return layout.analysis_betas(config)
  if layout.trains_at_grid_betas(config):
    raise arguments.UsageError("a grid-mode run is analysed at its training "
                               "betas only; leave betas unset")
  return arguments.betas(betas)


def analyze_run(run: Run, n: int = 16, betas=None, seeds=8, steps=None,
                progress=print) -> list[dict]:
  """Labels, errors and order parameters of generated nets at every checkpoint.

  One record per (step, beta, seed, member); `seeds` is a count (draw seeds
  `0..seeds-1`) or a list of seeds; `steps` defaults to every checkpoint;
  `betas` to `layout.analysis_betas` (grid mode: each member at its own
  training beta only). A checkpoint that does not restore is skipped with a
  warning (`run.warn`). `progress` gets one line per checkpoint (None:
  silent). Bad arguments raise `arguments.UsageError`.
  """
  arguments.at_least_one(n, "n")
  seeds_D = arguments.draw_seeds(seeds)
  steps = run.steps if steps is None else arguments.steps(run.steps, steps)
  betas = scan_betas(run.config, betas)
  records, start, first, done = [], time.time(), 0.0, 0
  for i, step in enumerate(steps, 1):
    try:
      params = run.params(step)
    except RunError as e:
      run.warn(f"{e}; skipped")
      continue
    rows = sweep.records(run.frozen_config, params, betas, [n], seeds_D,
                         order_keys=ORDER_KEYS)
    for r in rows:
      r["step"] = int(step)
      for k in ORDER_KEYS:
        if k.startswith("n_"):
          r[k] = int(r[k])
    records.extend(rows)
    done += 1
    elapsed = time.time() - start
    first = first or elapsed  # the first checkpoint pays the compiles
    if progress is not None:
      per_step = (elapsed - first) / (done - 1) if done > 1 else first
      counts = collections.Counter(r["label"] for r in rows)
      found = ", ".join(f"{k} {counts[k]}" for k in labels.in_order(counts))
      eta = timing.format_duration(per_step * (len(steps) - i))
      progress(f"checkpoint {i}/{len(steps)} (step {step}): "
               f"{timing.format_duration(elapsed)} elapsed, ETA {eta}; "
               f"{found}")
  if not records:
    raise nothing_restores(run.workdir, steps)
  return records


def regenerate(run: Run, records: list[dict]) -> list[TargetNet]:
  """The networks behind `records` (as `analyze_run` generated them)."""
  nets = [None] * len(records)
  groups = collections.defaultdict(list)
  for i, r in enumerate(records):
    groups[r["step"], r["dim"]].append(i)
  for (step, dim), indices in groups.items():
    seeds = sorted({records[i]["seed"] for i in indices})
    out = sweep.score(run.frozen_config, run.params(step),
                      [records[i]["member"] for i in indices],
                      [records[i]["beta"] for i in indices], [dim],
                      seeds, classify=False, keep_nets=True)
    for p, i in enumerate(indices):
      nets[i] = out["nets"][p][0][seeds.index(records[i]["seed"])]
  return nets


def example_networks(run: Run, records: list[dict]
                     ) -> dict[str, tuple[dict, TargetNet]]:
  """Per label found at the last step: a typical record and its network.

  Typical: from the beta where the label has its largest share (so not a
  borderline network from the edge of its band), the lowest-FVU one there.
  """
  final = phase_stats.final_records(records)
  share = collections.Counter((r["label"], r["beta"]) for r in final)
  best = {}
  for r in final:
    rank = (-share[(r["label"], r["beta"])], r["fvu"])
    if r["label"] not in best or rank < best[r["label"]][0]:
      best[r["label"]] = (rank, r)
  chosen = [best[label][1] for label in labels.in_order(best)]
  return {r["label"]: (r, net)
          for r, net in zip(chosen, regenerate(run, chosen))}
