"""Run-level phase analysis: the algorithm every checkpoint generates, per beta.

For each checkpoint step, the layout's (member, beta) pairs x draw seeds of
`n`-input networks are generated, scored and classified in one compiled call
(`sweep.records`). The result is a flat list of records, one per (step, beta,
seed, member): rows of `phases.csv`, input of `plots`, `clusters` and
`final_summary`.
"""

import collections
import math
import time

import numpy as np

from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import sweep
from hypernet_l1 import tables
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


def _betas(run: Run, betas) -> np.ndarray:
  if betas is None:
    return layout.analysis_betas(run.config)
  if layout.trains_at_grid_betas(run.config):
    raise ValueError("a grid-mode run is analysed at its training betas "
                     "only; leave betas unset")
  betas = np.asarray(betas, float)
  if betas.ndim != 1 or betas.size == 0 or np.any(betas <= 0):
    raise ValueError(f"betas must be a non-empty list of positive numbers, "
                     f"got {betas}")
  return betas


def analyze_run(run: Run, n: int = 16, betas=None, seeds=8, steps=None,
                progress=print) -> list[dict]:
  """Labels, errors and order parameters of generated nets at every checkpoint.

  One record per (step, beta, seed, member); `seeds` is a count (draw seeds
  `0..seeds-1`) or a list of seeds; `steps` defaults to every checkpoint;
  `betas` to `layout.analysis_betas` (grid mode: each member at its own
  training beta only). A checkpoint that does not restore is skipped with a
  warning (`run.warn`). `progress` gets one line per checkpoint (None:
  silent).
  """
  if n < 1:
    raise ValueError(f"n must be >= 1, got {n}")
  seeds_S = sweep.draw_seeds(seeds)
  steps = list(run.steps if steps is None else steps)
  betas = _betas(run, betas)
  records, start, first, done = [], time.time(), 0.0, 0
  for i, step in enumerate(steps, 1):
    try:
      params = run.params(step)
    except RunError as e:
      run.warn(f"{e}; skipped")
      continue
    rows = sweep.records(run.frozen_config, params, betas, [n], seeds_S,
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
      eta = tables.format_duration(per_step * (len(steps) - i))
      progress(f"checkpoint {i}/{len(steps)} (step {step}): "
               f"{tables.format_duration(elapsed)} elapsed, ETA {eta}; "
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


def final_records(records: list[dict]) -> list[dict]:
  last = max(r["step"] for r in records)
  return [r for r in records if r["step"] == last]


def example_networks(run: Run, records: list[dict]
                     ) -> dict[str, tuple[dict, TargetNet]]:
  """Per label found at the last step: a typical record and its network.

  Typical: from the beta where the label has its largest share (so not a
  borderline network from the edge of its band), the lowest-FVU one there.
  """
  final = final_records(records)
  share = collections.Counter((r["label"], r["beta"]) for r in final)
  best = {}
  for r in final:
    rank = (-share[(r["label"], r["beta"])], r["fvu"])
    if r["label"] not in best or rank < best[r["label"]][0]:
      best[r["label"]] = (rank, r)
  chosen = [best[label][1] for label in labels.in_order(best)]
  return {r["label"]: (r, net)
          for r, net in zip(chosen, regenerate(run, chosen))}


def settle_steps(records: list[dict]) -> dict[tuple, int]:
  """Per (member, seed, beta): first step from which its label stays final."""
  history = collections.defaultdict(list)
  for r in records:
    history[(r["member"], r["seed"], r["beta"])].append((r["step"], r["label"]))
  settled = {}
  for key, steps_labels in history.items():
    steps_labels.sort()
    final = steps_labels[-1][1]
    settle = steps_labels[-1][0]
    for step, label in reversed(steps_labels):
      if label != final:
        break
      settle = step
    settled[key] = settle
  return settled


def final_summary(records: list[dict]) -> str:
  """Per beta at the last step: label shares, median FVU and complexity, and
  the median settling step."""
  final = final_records(records)
  last = final[0]["step"]
  found = labels.in_order(r["label"] for r in final)
  settled = settle_steps(records)
  betas = sorted({r["beta"] for r in final})
  width = max(len(k) for k in found) + 1
  lines = [f"final step {last}: label shares (%) over seeds x members per "
           "beta; median FVU and complexity per input; 'settled': median "
           "step from which a network keeps its final label",
           f"{'beta':>9} {'nets':>5}" + "".join(f"{k:>{width}}" for k in found)
           + f"  {'dominant':<13} {'fvu':>9} {'C/n':>8} {'settled':>7}"]
  dominant_by_beta = {}
  for beta in betas:
    rows = [r for r in final if r["beta"] == beta]
    counts = collections.Counter(r["label"] for r in rows)
    dominant = labels.majority(r["label"] for r in rows)[0]
    dominant_by_beta[beta] = dominant
    settle = np.median([settled[(r["member"], r["seed"], beta)] for r in rows])
    lines.append(f"{beta:9.2e} {len(rows):5d}"
                 + "".join(f"{100 * counts[k] / len(rows):{width}.0f}"
                           for k in found)
                 + f"  {dominant:<13}"
                 f" {np.median([r['fvu'] for r in rows]):9.2e}"
                 f" {np.median([r['complexity'] for r in rows]):8.3g}"
                 f" {settle:7.0f}")
  lines.append("where each label appears at the last step:")
  for k in found:
    at = [beta for beta in betas
          if any(r["label"] == k and r["beta"] == beta for r in final)]
    dom = [beta for beta in betas if dominant_by_beta[beta] == k]
    dom_text = (f"dominant at {len(dom)} of {len(betas)} betas "
                f"({min(dom):.2e}..{max(dom):.2e})" if dom
                else "never dominant")
    lines.append(f"  {k:<13} found at {len(at)} betas "
                 f"({min(at):.2e}..{max(at):.2e}), {dom_text}")
  return "\n".join(lines)


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
  """The Wilson score interval of a share `k / n` (95% for z = 1.96)."""
  if n == 0:
    return 0.0, 1.0
  p = k / n
  centre = (p + z * z / (2 * n)) / (1 + z * z / n)
  half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
  return max(0.0, centre - half), min(1.0, centre + half)


def _draw_labels(records: list[dict], replica_of) -> dict:
  """replica -> beta -> the labels of its draws, at the last step."""
  by_replica = collections.defaultdict(lambda: collections.defaultdict(list))
  for r in final_records(records):
    by_replica[replica_of(r["member"])][r["beta"]].append(r["label"])
  return by_replica


def label_shares(records: list[dict], replica_of) -> list[dict]:
  """Per beta at the last step: each label's share of the replicas, with its
  95% Wilson interval.

  A replica (`replica_of(member)`, `layout.replica`) counts once per beta,
  with the majority label of its draws there: draws of one hypernetwork are
  not independent trials, replicas are.
  """
  majority = collections.defaultdict(list)
  for by_beta in _draw_labels(records, replica_of).values():
    for beta, labs in by_beta.items():
      majority[beta].append(labels.majority(labs)[0])
  found = labels.in_order(k for labs in majority.values() for k in labs)
  rows = []
  for beta in sorted(majority):
    labs = majority[beta]
    row = {"beta": beta, "replicas": len(labs)}
    for name in found:
      k = labs.count(name)
      lo, hi = wilson_interval(k, len(labs))
      row.update({name: k / len(labs), f"{name}_lo": lo, f"{name}_hi": hi})
    rows.append(row)
  return rows


def _family_bands(by_beta: dict) -> list[tuple[str, float, float]]:
  """A replica's majority family at each beta, as (family, first beta, last
  beta) bands along increasing beta."""
  bands = []
  for beta in sorted(by_beta):
    family = labels.majority(labels.family(k) for k in by_beta[beta])[0]
    if bands and bands[-1][0] == family:
      bands[-1] = (family, bands[-1][1], beta)
    else:
      bands.append((family, beta, beta))
  return bands


def follows_paper_sequence(families) -> bool:
  """Whether `families` along beta hold `labels.PAPER_SEQUENCE` in order,
  each once; other families (trivial, other, ...) do not count against it."""
  kept = [f for f in families if f in labels.PAPER_SEQUENCE]
  runs = [f for i, f in enumerate(kept) if i == 0 or kept[i - 1] != f]
  return tuple(runs) == labels.PAPER_SEQUENCE


def replica_sequences(records: list[dict], replica_of) -> list[dict]:
  """Per replica at the last step: its algorithm bands along beta.

  Each replica (`layout.replica`) is labelled at each beta by the majority
  family of its draws. `sequence` reads like `double_sided -> pudding ->
  convexity`, `bands` adds each band's beta range, `paper_sequence` is
  `follows_paper_sequence`.
  """
  rows = []
  for replica, by_beta in sorted(_draw_labels(records, replica_of).items()):
    bands = _family_bands(by_beta)
    rows.append({
        "replica": replica,
        "sequence": " -> ".join(f for f, _, _ in bands),
        "bands": "; ".join(f"{f} {lo:.2e}..{hi:.2e}" for f, lo, hi in bands),
        "paper_sequence": follows_paper_sequence(f for f, _, _ in bands)})
  return rows


def phase_boundaries(records: list[dict], replica_of) -> list[dict]:
  """Where each replica's algorithm changes along beta, at the last step.

  Per replica (`replica_of(member)`, `layout.replica`), the majority label
  family (puddings of every sign are one) at each beta over its draws; every
  change between neighbouring betas is a boundary at their geometric mean.
  One row per (from, to) change found: in how many replicas, how many
  changes in all (a replica may change back and forth), and the median
  boundary beta and its spread (min, max) over the changes.
  """
  by_replica = _draw_labels(records, replica_of)
  found = collections.defaultdict(list)
  for replica, by_beta in sorted(by_replica.items()):
    bands = _family_bands(by_beta)
    for (before, _, last), (after, first, _) in zip(bands, bands[1:]):
      found[(before, after)].append((replica, math.sqrt(last * first)))
  rows = []
  for (before, after), where in found.items():
    at = [beta for _, beta in where]
    rows.append({"from": before, "to": after,
                 "replicas": len({replica for replica, _ in where}),
                 "of": len(by_replica), "changes": len(at),
                 "beta_median": float(np.exp(np.median(np.log(at)))),
                 "beta_min": min(at), "beta_max": max(at)})
  rows.sort(key=lambda row: (-row["replicas"], row["beta_median"]))
  return rows


def format_shares(rows: list[dict]) -> str:
  """Label shares per beta as `share [lo, hi]` percentages."""
  names = [k for k in labels.NAMES if k in rows[0]]
  lines = ["label shares of the replicas (each by the majority of its draws) "
           "at the last step, % with 95% Wilson interval",
           f"{'beta':>9} {'reps':>5} " + " ".join(f"{k:>17}" for k in names)]
  for row in rows:
    cells = [f"{100 * row[k]:3.0f} [{100 * row[k + '_lo']:3.0f},"
             f"{100 * row[k + '_hi']:4.0f}]" for k in names]
    lines.append(f"{row['beta']:9.2e} {row['replicas']:5d} "
                 + " ".join(f"{c:>17}" for c in cells))
  return "\n".join(lines)


def format_sequences(rows: list[dict]) -> str:
  """Each replica's bands, and how many follow the paper's sequence."""
  follow = sum(row["paper_sequence"] for row in rows)
  lines = [f"algorithm along beta per replica (majority family of its draws): "
           f"{follow} of {len(rows)} replicas go "
           f"{' -> '.join(labels.PAPER_SEQUENCE)}"]
  lines += [f"  replica {row['replica']}: {row['bands']}" for row in rows]
  return "\n".join(lines)


def format_boundaries(rows: list[dict]) -> str:
  if not rows:
    return "phase boundaries: no replica changes algorithm along beta"
  lines = ["phase boundaries (majority family per replica; beta at the "
           "geometric mean of neighbouring betas):"]
  for row in rows:
    lines.append(f"  {row['from']:>12} -> {row['to']:<12} in "
                 f"{row['replicas']:3d} of {row['of']} replicas "
                 f"({row['changes']} changes): beta "
                 f"{row['beta_median']:.2e} (median; {row['beta_min']:.2e}.."
                 f"{row['beta_max']:.2e})")
  return "\n".join(lines)
