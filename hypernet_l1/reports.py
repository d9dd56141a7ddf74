"""What `launch.analyze` and `launch.evaluate` write: a run's analysis files.

Each function takes a run directory, computes, writes files into
`workdir/analysis/` and returns the summary it printed, so scripts and
tests get exactly what the launchers produce.
"""

import os
import time
from typing import Callable, Sequence

from hypernet_l1 import clusters
from hypernet_l1 import generalization
from hypernet_l1 import layout
from hypernet_l1 import optimality
from hypernet_l1 import phase_map
from hypernet_l1 import phase_stats
from hypernet_l1 import phase_text
from hypernet_l1 import phases
from hypernet_l1 import plots
from hypernet_l1 import run as run_lib
from hypernet_l1 import tables
from hypernet_l1 import tasks


# What `write_analysis` writes only when there is something to write.
OPTIONAL_OUTPUTS = ("boundaries.csv", "clusters.csv", "clusters.png",
                    "optimality.csv", "phase_map.csv",
                    "phase_map_boundaries.csv", "phase_map.png")


def _out_dir(workdir: str) -> str:
  out_dir = os.path.join(workdir, "analysis")
  os.makedirs(out_dir, exist_ok=True)
  return out_dir


def write_analysis(workdir: str, n: int = 16, seeds: int = 8,
                   betas: Sequence[float] | None = None,
                   steps: Sequence[int] | None = None,
                   map_dims: Sequence[int] | None = None,
                   out: Callable[[str], None] = print) -> str:
  """Phase analysis of every checkpoint (`phases.analyze_run`) into files.

  Writes `phases.csv` (one row per step, beta, draw seed and member, with
  the order parameters), `label_shares.csv` (per beta at the last step,
  shares of the replicas with 95% Wilson intervals), `sequences.csv` (each
  replica's algorithm bands along beta), `training.png` (loss, FVU and
  complexity against step, from `metrics.jsonl`), `phase_diagram.png`,
  `pareto.png`, `networks.png` (a typical network of every label at the
  last step), and `OPTIONAL_OUTPUTS` when there is something to write:
  `boundaries.csv` (where replicas change algorithm along beta),
  `clusters.csv` and `clusters.png` (the last step's unnamed networks
  grouped, `clusters.py`), and under `l1` and `l0` `optimality.csv` (per
  replica and beta, the distance to the optimal front, `optimality.py`),
  whose front `pareto.png` draws too. With `map_dims`, the phase map over
  those dims and the same betas at the last step analysed
  (`phase_map.py`): `phase_map.csv` (one row per network, with its order
  parameters), `phase_map_boundaries.csv` (each replica's boundaries per n,
  and the front's) and `phase_map.png`. An earlier analysis's optional
  outputs are removed first.
  Returns the summary that it prints. Its arguments are checked where they
  enter the library (`phases.analyze_run`: `arguments.UsageError`).
  """
  run = run_lib.load_run(workdir, warn=lambda line: out(f"warning: {line}"))
  task = tasks.get(run.config.task)
  out(f"{workdir}: {len(steps or run.steps)} checkpoints, n = {n}, "
      f"{seeds} draws per member and beta")
  start = time.time()
  records = phases.analyze_run(run, n=n, betas=betas, seeds=seeds,
                               steps=steps, progress=out)
  # Everything is computed before the first file is written, and outputs
  # this analysis has none of are removed: analysis/ never mixes two runs.
  examples = phases.example_networks(run, records)
  replica_of = lambda member: layout.replica(run.config, member)
  shares = phase_stats.label_shares(records, replica_of)
  boundaries = phase_stats.phase_boundaries(records, replica_of)
  sequences = phase_stats.replica_sequences(records, replica_of)
  found = clusters.find(records)
  gaps = optimality.rows(records, run.config)
  if map_dims is not None:
    map_start = time.time()
    last = max(r["step"] for r in records)
    map_records = phase_map.scan(
        run, map_dims, betas, seeds, last,
        progress=lambda line: out(f"phase map: {line}"))
    map_found = phase_map.boundaries(map_records, run.config)
    map_predicted = phase_map.front_boundaries(map_records, run.config)
    out(f"phase map: {len(map_records)} networks in "
        f"{time.time() - map_start:.0f} s")
  cluster_nets = phases.regenerate(run, [c["example"] for c in found])
  out_dir = _out_dir(workdir)
  for name in OPTIONAL_OUTPUTS:
    if os.path.exists(os.path.join(out_dir, name)):
      os.remove(os.path.join(out_dir, name))
  tables.write_rows(os.path.join(out_dir, "phases.csv"), records)
  tables.write_rows(os.path.join(out_dir, "label_shares.csv"), shares)
  tables.write_rows(os.path.join(out_dir, "sequences.csv"), sequences)
  plots.training_curves(run.metrics(), os.path.join(out_dir, "training.png"))
  plots.phase_diagram(records, os.path.join(out_dir, "phase_diagram.png"))
  plots.pareto(records, os.path.join(out_dir, "pareto.png"), gaps,
               optimality.family_curves(gaps, run.config))
  plots.draw_networks(
      {k: net for k, (_, net) in examples.items()},
      os.path.join(out_dir, "networks.png"),
      notes={k: _note(r) for k, (r, _) in examples.items()}, task=task)
  written = ["phases.csv", "label_shares.csv", "sequences.csv",
             "training.png", "phase_diagram.png",
             "pareto.png", "networks.png"]
  if boundaries:
    tables.write_rows(os.path.join(out_dir, "boundaries.csv"), boundaries)
    written.append("boundaries.csv")
  if gaps:
    tables.write_rows(os.path.join(out_dir, "optimality.csv"), gaps)
    written.append("optimality.csv")
  if map_dims is not None:
    tables.write_rows(os.path.join(out_dir, "phase_map.csv"), map_records)
    tables.write_rows(os.path.join(out_dir, "phase_map_boundaries.csv"),
                      phase_map.boundary_table(map_found, map_predicted))
    plots.phase_map(map_records, map_found, map_predicted,
                    os.path.join(out_dir, "phase_map.png"))
    written += ["phase_map.csv", "phase_map_boundaries.csv", "phase_map.png"]
  if found:
    tables.write_rows(os.path.join(out_dir, "clusters.csv"),
                      clusters.csv_rows(found))
    plots.draw_networks(
        {_cluster_title(c): net for c, net in zip(found, cluster_nets)},
        os.path.join(out_dir, "clusters.png"),
        notes={_cluster_title(c): _note(c["example"]) for c in found},
        task=task)
    written += ["clusters.csv", "clusters.png"]
  out(f"wrote {out_dir}/: {', '.join(written)} ({len(records)} rows) in "
      f"{time.time() - start:.0f} s")
  summary = "\n".join([phase_text.final_summary(records),
                       phase_text.format_shares(shares),
                       phase_text.format_sequences(sequences),
                       phase_text.format_boundaries(boundaries),
                       clusters.format_clusters(found),
                       optimality.format_gaps(gaps, run.config)]
                      + ([phase_map.format_far(map_records),
                          phase_map.format_laws(phase_map.laws(
                              map_found, map_predicted))]
                         if map_dims is not None else []))
  out(summary)
  return summary


def _note(record: dict) -> str:
  return (f"beta {record['beta']:.1e}, member {record['member']}, seed "
          f"{record['seed']}, fvu {record['fvu']:.2e}, C/n "
          f"{record['complexity']:.3g}")


def _cluster_title(c: dict) -> str:
  return (f"cluster {c['cluster']} ({c['size']} nets, beta "
          f"{c['beta_min']:.1e}..{c['beta_max']:.1e})")


def write_generalization(workdir: str, dims: Sequence[int], betas=None,
                         seeds: int = 8, step: int | None = None,
                         labels: bool = True,
                         out: Callable[[str], None] = print) -> str:
  """`evaluate_dims` into `generalization.{csv,png}`; returns the table.

  Its arguments are checked there (`arguments.UsageError`).
  """
  run = run_lib.load_run(workdir, warn=lambda line: out(f"warning: {line}"))
  start = time.time()
  step = run.resolve_step(step)
  out(f"{workdir}: step {step}, {len(dims)} dims, {seeds} draws per member, "
      "dim and beta")
  records = generalization.evaluate_dims(
      run, dims, betas=betas, seeds=seeds, step=step, labels=labels,
      progress=lambda line: out(f"[{time.time() - start:5.0f} s] {line}"))
  out_dir = _out_dir(workdir)
  tables.write_rows(os.path.join(out_dir, "generalization.csv"), records)
  rows = tables.generalization_summary(records)
  plots.generalization(rows, run.config.train_dims,
                       os.path.join(out_dir, "generalization.png"))
  out(f"wrote {out_dir}/: generalization.csv ({len(records)} rows), "
      f"generalization.png in {time.time() - start:.0f} s")
  table = tables.format_generalization(rows)
  out(table)
  return table
