"""Tables of a run: the final table (`launch.train`), the generalization
table (`launch.evaluate`) and CSV files."""

import collections
import csv

import numpy as np

from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import sweep


def final_table(config, params_E) -> list[dict]:
  """Per `layout.table_betas` beta: medians over members and draws of
  `eval.n` networks, and their majority label with its share.

  One compiled call generates, scores and classifies every network
  (`sweep.records`); in grid mode each beta is answered by its own members.
  """
  records = sweep.records(config, params_E, layout.table_betas(config),
                          [config.eval.n], np.arange(config.eval.num_draws))
  by_beta = collections.defaultdict(list)
  for r in records:
    by_beta[r["beta"]].append(r)
  rows = []
  for beta, rs in sorted(by_beta.items()):
    label, count = labels.majority(r["label"] for r in rs)
    rows.append({"n": config.eval.n, "beta": beta,
                 **{k: float(np.median([r[k] for r in rs]))
                    for k in sweep.METRICS},
                 "label": label, "label_share": count / len(rs)})
  return rows


def format_final_table(rows: list[dict], config) -> str:
  lines = [f"generated n = {config.eval.n} networks (median over members and "
           f"{config.eval.num_draws} draws; regularizer {config.regularizer}"
           f"; majority label and its share)",
           f"{'beta':>10} {'rel_rms':>10} {'fvu':>10} {'complexity/n':>13}"
           f"  {'label':<14} {'share':>5}"]
  for r in rows:
    lines.append(f"{r['beta']:10.2e} {r['rel_rms']:10.3e} {r['fvu']:10.3e} "
                 f"{r['complexity']:13.4g}  {r['label']:<14} "
                 f"{100 * r['label_share']:4.0f}%")
  return "\n".join(lines)


def write_rows(path: str, rows: list[dict]) -> None:
  """Rows as CSV; the columns are every key of any row, in order of first
  appearance (a row without one leaves its cell empty)."""
  with open(path, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(
        dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)


def generalization_summary(records: list[dict]) -> list[dict]:
  """Per (dim, beta): median rel_rms over members and draws, majority label."""
  groups = collections.defaultdict(list)
  for r in records:
    groups[r["dim"], r["beta"]].append(r)
  rows = []
  for (dim, beta), rs in sorted(groups.items()):
    label, count = labels.majority(r["label"] for r in rs)
    rows.append({"dim": dim, "beta": beta, "seen": rs[0]["seen"],
                 "heldout": rs[0]["heldout"],
                 "rel_rms": float(np.median([r["rel_rms"] for r in rs])),
                 "label": label, "label_share": count / len(rs)})
  return rows


def _short(label: str) -> str:
  return labels.BY_NAME[label].short if label else ""


def format_generalization(rows: list[dict]) -> str:
  """Dims down, betas across: median rel_rms and the majority label's short
  name. `seen`: a training dim (yes), one of the config's `heldout_dims`
  (held), or neither (no)."""
  betas = sorted({r["beta"] for r in rows})
  cell = {(r["dim"], r["beta"]): r for r in rows}
  found = labels.in_order(r["label"] for r in rows if r["label"])
  legend = ", ".join(f"{labels.BY_NAME[k].short}={k}" for k in found)
  lines = ["median rel_rms over members and draws, majority label"
           + (f" ({legend})" if legend else ""),
           f"{'dim':>4} {'seen':>4} " + " ".join(f"{f'beta {b:.1e}':>15}"
                                               for b in betas)]
  for dim in sorted({r["dim"] for r in rows}):
    cells = [cell[dim, b] for b in betas]
    seen = ("yes" if cells[0]["seen"] else
            "held" if cells[0]["heldout"] else "no")
    lines.append(f"{dim:4d} {seen:>4} "
                 + " ".join(f"{c['rel_rms']:10.2e} {_short(c['label']):>4}"
                            for c in cells))
  return "\n".join(lines)
