"""The phase map: where each algorithm lives over input dimension n and beta.

One generator per replica answers every `n` and every beta, so the phase
diagram over both costs one sweep (`sweep.records`: the dims of a padding
bucket share one compiled program). `scan` generates and classifies the
networks of dims x betas x draws x members at one checkpoint; `boundaries`
finds, per replica and `n`, where its majority family changes along beta
(`phase_stats.replica_boundaries`); `laws` fits `beta* = c n^a` to each
boundary over `n`, beside what the optimal front (`front.py`) predicts for
the same `n` under `l1` and `l0`.
"""

import collections
import math
from typing import Callable, Sequence

import numpy as np

from hypernet_l1 import arguments
from hypernet_l1 import front
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import optimality
from hypernet_l1 import phase_stats
from hypernet_l1 import phases
from hypernet_l1 import sweep
from hypernet_l1.run import Run


def scan(run: Run, dims: Sequence[int], betas=None, seeds=8,
         step: int | None = None,
         progress: Callable[[str], None] | None = None) -> list[dict]:
  """One record per (dim, beta, draw seed, member) at checkpoint `step`
  (default: the latest that restores), with the order parameters
  (`phases.ORDER_KEYS`) and `step`, `seen` (a training dim) and `heldout`.

  `betas` default to `layout.analysis_betas`. Bad arguments raise
  `arguments.UsageError`.
  """
  dims = arguments.dims(dims)
  seeds_D = arguments.draw_seeds(seeds)
  betas = phases.scan_betas(run.config, betas)
  step = run.resolve_step(step)
  records = sweep.records(run.frozen_config, run.params(step), betas, dims,
                          seeds_D, order_keys=phases.ORDER_KEYS,
                          progress=progress)
  seen, heldout = set(run.config.train_dims), set(run.config.heldout_dims)
  for r in records:
    r.update(step=step, seen=r["dim"] in seen, heldout=r["dim"] in heldout)
  return records


def boundaries(records: list[dict], config) -> list[dict]:
  """Per `n` and replica: each change of its majority family along beta."""
  replica_of = lambda member: layout.replica(config, member)
  rows = []
  for n in sorted({r["dim"] for r in records}):
    at_n = [r for r in records if r["dim"] == n]
    rows += [{"dim": n, **row}
             for row in phase_stats.replica_boundaries(at_n, replica_of)]
  return rows


def front_boundaries(records: list[dict], config) -> list[dict]:
  """The optimal front's boundaries at every `n` of the records, over their
  beta range, with the floor of all replicas' networks of that `n`
  (`optimality.floor`); `[]` for a measure the front does not price."""
  if not optimality.has_front(config):
    return []
  betas = sorted({r["beta"] for r in records})
  rows = []
  for n in sorted({r["dim"] for r in records}):
    floor = optimality.floor([r for r in records if r["dim"] == n])
    rows += [{"dim": n, "floor": floor, **b} for b in front.boundaries(
        config.regularizer, betas[0], betas[-1], n, floor, config.task)]
  return rows


def laws(found: list[dict], predicted: list[dict] = ()) -> list[dict]:
  """Per boundary (from, to) seen at 3 or more dims: `beta* = c n^a`, fitted
  by least squares in log-log over every replica's boundary at every `n`,
  with the slope's standard error; beside it, the same fit of the front's
  boundary of the same pair where it has one."""
  rows = []
  for pair, points in _by_pair(found).items():
    fit = _power_law(points)
    if fit is None:
      continue
    row = {"from": pair[0], "to": pair[1], "dims": len({n for n, _ in points}),
           "boundaries": len(points), **fit}
    front_fit = _power_law(_by_pair(predicted).get(pair, []))
    if front_fit is not None:
      row.update({f"front_{k}": v for k, v in front_fit.items()})
    rows.append(row)
  return rows


def _by_pair(rows) -> dict:
  grouped = collections.defaultdict(list)
  for r in rows:
    grouped[(r["from"], r["to"])].append((r["dim"], r["beta"]))
  return grouped


def _power_law(points) -> dict | None:
  """`log beta = log c + a log n` by least squares; `None` under 3 dims."""
  if len({n for n, _ in points}) < 3:
    return None
  log_n = np.log([n for n, _ in points])
  log_beta = np.log([b for _, b in points])
  design = np.stack([log_n, np.ones_like(log_n)], axis=1)
  (a, log_c), *_ = np.linalg.lstsq(design, log_beta, rcond=None)
  residual = log_beta - design @ np.array([a, log_c])
  dof = max(len(points) - 2, 1)
  slope_se = math.sqrt(residual @ residual / dof
                       / np.sum((log_n - log_n.mean()) ** 2))
  return {"exponent": float(a), "exponent_se": slope_se,
          "beta_at_16": float(np.exp(log_c + a * math.log(16)))}


def format_laws(rows: list[dict]) -> str:
  if not rows:
    return "boundary laws: no boundary seen at 3 or more dims"
  lines = ["boundary laws over n (beta* = c n^a; least squares over replicas "
           "and dims, a +- its standard error):"]
  for r in rows:
    line = (f"  {r['from']:>12} -> {r['to']:<12} {r['boundaries']:3d} "
            f"boundaries at {r['dims']} dims: a = {r['exponent']:+.2f} +- "
            f"{r['exponent_se']:.2f}, beta*(16) = {r['beta_at_16']:.2e}")
    if "front_exponent" in r:
      line += (f"; front a = {r['front_exponent']:+.2f}, beta*(16) = "
               f"{r['front_beta_at_16']:.2e}")
    lines.append(line)
  return "\n".join(lines)


def format_far(records: list[dict]) -> str:
  """Per dim at the lowest beta: median FVU over replicas and draws, its
  ratio to the largest trained dim's, and the majority family (puddings of
  either sign are one)."""
  low = min(r["beta"] for r in records)
  at_low = [r for r in records if r["beta"] == low]
  dims = sorted({r["dim"] for r in at_low})
  fvu = {n: float(np.median([r["fvu"] for r in at_low if r["dim"] == n]))
         for n in dims}
  trained = [n for n in dims if any(r["seen"] for r in at_low
                                    if r["dim"] == n)]
  ref = max(trained) if trained else dims[0]
  lines = [f"at beta {low:.1e}, per n: median FVU (x that of n = {ref}, "
           "the largest trained dim here) and the majority family"]
  for n in dims:
    label, count = labels.majority(labels.family(r["label"])
                                   for r in at_low if r["dim"] == n)
    total = sum(r["dim"] == n for r in at_low)
    lines.append(f"  n = {n:4d}{'' if n in trained else '*'}  FVU "
                 f"{fvu[n]:.2e} ({fvu[n] / fvu[ref]:.2f}x)  {label} "
                 f"{100 * count / total:.0f}%")
  return "\n".join(lines)


def boundary_table(found: list[dict], predicted: list[dict]) -> list[dict]:
  """`phase_map_boundaries.csv`: each replica's boundaries (`boundaries`)
  and the front's (`front_boundaries`, with the floor they assume), one
  `source` column telling them apart."""
  return ([{"source": "replica", **r} for r in found]
          + [{"source": "front", "replica": "", **r} for r in predicted])
