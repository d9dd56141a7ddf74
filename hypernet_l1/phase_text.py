"""The phase analysis as text: what `launch.analyze` prints.

Each function formats the records (`phases.analyze_run`) or the rows of
`phase_stats` as a table of lines.
"""

import collections

import numpy as np

from hypernet_l1 import labels
from hypernet_l1 import phase_stats


def final_summary(records: list[dict]) -> str:
  """Per beta at the last step: label shares, median FVU and complexity, and
  the median settling step."""
  final = phase_stats.final_records(records)
  last = final[0]["step"]
  found = labels.in_order(r["label"] for r in final)
  settled = phase_stats.settle_steps(records)
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
