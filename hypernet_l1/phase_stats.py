"""Statistics of phase records (`phases.analyze_run`): settling steps, label
shares with intervals, each replica's algorithm along beta, boundaries.

Pure functions of the records; replicas (`layout.replica`), not draws, are
the independent trials.
"""

import collections
import math

import numpy as np

from hypernet_l1 import labels


def final_records(records: list[dict]) -> list[dict]:
  """The records of the last step."""
  last = max(r["step"] for r in records)
  return [r for r in records if r["step"] == last]


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


def replica_boundaries(records: list[dict], replica_of) -> list[dict]:
  """Every change of a replica's algorithm along beta, at the last step.

  Per replica (`replica_of(member)`, `layout.replica`), the majority label
  family (puddings of every sign are one) at each beta over its draws; each
  change between neighbouring betas is a boundary at their geometric mean.
  One row per change: `replica`, `from`, `to`, `beta`.
  """
  rows = []
  for replica, by_beta in sorted(_draw_labels(records, replica_of).items()):
    bands = _family_bands(by_beta)
    rows += [{"replica": replica, "from": before, "to": after,
              "beta": math.sqrt(last * first)}
             for (before, _, last), (after, first, _) in zip(bands, bands[1:])]
  return rows


def phase_boundaries(records: list[dict], replica_of) -> list[dict]:
  """Where the replicas' algorithms change along beta, at the last step.

  One row per (from, to) change of `replica_boundaries`: in how many
  replicas, how many changes in all (a replica may change back and forth),
  and the median boundary beta and its spread (min, max) over the changes.
  """
  found = collections.defaultdict(list)
  for row in replica_boundaries(records, replica_of):
    found[(row["from"], row["to"])].append((row["replica"], row["beta"]))
  num_replicas = len(_draw_labels(records, replica_of))
  rows = []
  for (before, after), where in found.items():
    at = [beta for _, beta in where]
    rows.append({"from": before, "to": after,
                 "replicas": len({replica for replica, _ in where}),
                 "of": num_replicas, "changes": len(at),
                 "beta_median": float(np.exp(np.median(np.log(at)))),
                 "beta_min": min(at), "beta_max": max(at)})
  rows.sort(key=lambda row: (-row["replicas"], row["beta_median"]))
  return rows
