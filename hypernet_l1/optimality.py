"""How far a run's networks are from the optimal front (`front.py`).

Per replica and beta at the last step: the deployed networks' `J = FVU + beta
C / n` (the median over draws), the front's `J` and family there, and the
gap `log J(generated) - log J(front)`, in the units of the training loss.
The envelope gap is the same with the replica's best network from any of its
betas in place of its own: where it is small and the gap is not, the
generator has the algorithm the front wants but puts it at the wrong beta;
where both are large, it does not make that algorithm anywhere.
The front's accuracy floor is the replica's own best median FVU along beta
(`floor`): what its generator reaches where complexity hardly counts, and at
most `FLOOR_CAP`, so that a replica that never learned the task is measured
against a front that did.
"""

import collections

import numpy as np

from hypernet_l1 import front
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import phase_stats

# Gaps above this are reported, per replica, as where the run misses the front.
GAP_REPORTED = 0.1
FLOOR_CAP = 5e-3


def has_front(config) -> bool:
  return config.regularizer in front.MEASURES


def floor(records: list[dict]) -> float:
  """The front's accuracy floor for one replica's records of one `n`: the
  least over betas of their median FVU, at most `FLOOR_CAP`. (The FVU at
  the lowest beta alone is not it: a generator can be more accurate a
  little higher, which made the gap there negative.)"""
  by_beta = collections.defaultdict(list)
  for r in records:
    by_beta[r["beta"]].append(r["fvu"])
  return min([FLOOR_CAP] + [float(np.median(v)) for v in by_beta.values()])


def rows(records: list[dict], config) -> list[dict]:
  """One row per replica and beta of the last step's records (`phases.csv`
  rows of one `n`); `[]` for a measure the front does not price (`kl`)."""
  if not has_front(config):
    return []
  final = phase_stats.final_records(records)
  dims = {r["dim"] for r in final}
  if len(dims) != 1:
    raise ValueError(f"optimality needs records of one n, got {sorted(dims)}")
  n = dims.pop()
  by_replica = collections.defaultdict(lambda: collections.defaultdict(list))
  for r in final:
    by_replica[layout.replica(config, r["member"])][r["beta"]].append(r)
  out = []
  for replica, by_beta in sorted(by_replica.items()):
    fvu_floor = floor([r for draws in by_beta.values() for r in draws])
    for beta, draws in sorted(by_beta.items()):
      generated = _objective(draws, beta)
      envelope = min(_objective(d, beta) for d in by_beta.values())
      best = front.best(config.regularizer, beta, n, fvu_floor, config.task)
      front_j = best.objective(beta, fvu_floor)
      out.append({
          "replica": replica, "beta": beta, "dim": n,
          "label": labels.majority(r["label"] for r in draws)[0],
          "objective": generated,
          "fvu": float(np.median([r["fvu"] for r in draws])),
          "complexity": float(np.median([r["complexity"] for r in draws])),
          "front_family": best.family, "front_objective": front_j,
          "front_fvu": max(best.fvu, fvu_floor),
          "front_complexity": best.cost, "floor": fvu_floor,
          "gap": float(np.log(generated / front_j)),
          "envelope_gap": float(np.log(envelope / front_j))})
  return out


def _objective(draws: list[dict], beta: float) -> float:
  """The median over `draws` of their `J` at `beta`."""
  return float(np.median([r["fvu"] + beta * r["complexity"] for r in draws]))


def family_curves(rows_: list[dict], config) -> dict:
  """Each hand-built family's `(C/n, FVU)` points at the rows' `n`
  (`front.family_points`), for `plots.pareto`; `{}` without rows."""
  if not rows_:
    return {}
  return {f.name: [(p.cost, p.fvu) for p in front.family_points(
      config.regularizer, f.name, rows_[0]["dim"], config.task)]
          for f in front.FAMILIES}


def format_gaps(rows_: list[dict], config) -> str:
  """Per replica: where its gap exceeds `GAP_REPORTED`, and the front's
  sequence with its boundaries over the betas analysed."""
  if not has_front(config):
    return (f"optimal front: not priced for {config.regularizer} "
            "(hypernet_l1/front.py says why)")
  if not rows_:
    return "optimal front: no records"
  n = rows_[0]["dim"]
  betas = sorted({r["beta"] for r in rows_})
  lines = [f"distance to the optimal front ({config.regularizer}, n = {n}; "
           "gap = log J(generated) - log J(front), J = FVU + beta C/n):"]
  for replica in sorted({r["replica"] for r in rows_}):
    mine = [r for r in rows_ if r["replica"] == replica]
    crossings = front.boundaries(config.regularizer, betas[0], betas[-1], n,
                                 mine[0]["floor"], config.task)
    sequence = " -> ".join(
        [crossings[0]["from"] if crossings else mine[0]["front_family"]]
        + [f"{c['to']} ({c['beta']:.2g})" for c in crossings])
    far = [r for r in mine if r["gap"] > GAP_REPORTED]
    lines.append(f"  replica {replica}: floor FVU {mine[0]['floor']:.2e}; "
                 f"front {sequence}; max gap "
                 f"{max(r['gap'] for r in mine):.2f} (its best network "
                 "from any beta: "
                 f"{max(r['envelope_gap'] for r in mine):.2f})")
    lines.append(f"    gap > {GAP_REPORTED:.2g}: " + ("; ".join(
        _band(band) for band in _bands(far, betas)) if far else "nowhere"))
  return "\n".join(lines)


def _bands(rows_: list[dict], betas: list[float]) -> list[list[dict]]:
  """`rows_` cut into runs of neighbouring betas with one front family."""
  position = {b: i for i, b in enumerate(betas)}
  bands = []
  for r in rows_:
    last = bands[-1][-1] if bands else None
    if (last and position[r["beta"]] == position[last["beta"]] + 1
        and r["front_family"] == last["front_family"]):
      bands[-1].append(r)
    else:
      bands.append([r])
  return bands


def _band(band: list[dict]) -> str:
  generated = dict.fromkeys(labels.family(r["label"]) for r in band)
  gaps = [r["gap"] for r in band]
  return (f"{band[0]['beta']:.1e}..{band[-1]['beta']:.1e} front "
          f"{band[0]['front_family']}, generated {'/'.join(generated)}, "
          f"gap {min(gaps):.2f}..{max(gaps):.2f}")
