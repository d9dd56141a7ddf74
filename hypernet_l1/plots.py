"""Figures of a phase analysis: phase diagram, Pareto front, network drawings.

Headless (Agg canvases, no pyplot state). Every label has one fixed colour in
every figure (`LABEL_COLORS`): puddings warm, double-sided blue, convexity
green, other grey.
"""

import collections

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
import networkx as nx
import numpy as np

from hypernet_l1 import analysis
from hypernet_l1.target import TargetNet

LABEL_COLORS = {
    "double_sided": "#1f77b4",
    "pudding_pos": "#d62728",
    "pudding_neg": "#ff7f0e",
    "pudding_mixed": "#e377c2",
    "convexity": "#2ca02c",
    "other": "#8c8c8c",
}
_POS, _NEG = "#c0392b", "#2166ac"  # edge colours by weight sign
_NODE = {"input": "#f2c14e", "hidden": "#b8b8b8", "output": "#404040"}
_WEAK = 0.1  # edges under this share of their layer's largest |w| are omitted


def _labels_in(records) -> list[str]:
  found = {r["label"] for r in records}
  return [k for k in analysis.LABELS if k in found]


def _legend(ax, labels, **kwargs):
  ax.legend(handles=[Patch(color=LABEL_COLORS[k], label=k) for k in labels],
            **kwargs)


def _save(fig: Figure, path: str) -> None:
  FigureCanvasAgg(fig)
  fig.savefig(path, dpi=110)


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
  """Cell edges around sorted centres (geometric midpoints on a log axis)."""
  v = np.log(values) if log else np.asarray(values, float)
  if v.size == 1:
    mid = np.array([v[0] - 0.5, v[0] + 0.5])
  else:
    inner = (v[1:] + v[:-1]) / 2
    mid = np.concatenate([[2 * v[0] - inner[0]], inner,
                          [2 * v[-1] - inner[-1]]])
  return np.exp(mid) if log else mid


def phase_diagram(records: list[dict], path: str) -> None:
  """Dominant label per (beta, step) cell; opacity and number: its share (%)."""
  betas = np.array(sorted({r["beta"] for r in records}))
  steps = np.array(sorted({r["step"] for r in records}))
  cells = collections.defaultdict(collections.Counter)
  for r in records:
    cells[(r["step"], r["beta"])][r["label"]] += 1
  rgba = np.ones((steps.size, betas.size, 4))
  fig = Figure(figsize=(max(6.0, 0.6 * betas.size + 3),
                        max(3.5, 0.45 * steps.size + 2)))
  ax = fig.add_subplot()
  for i, step in enumerate(steps):
    for j, beta in enumerate(betas):
      counts = cells.get((step, beta))
      if not counts:
        continue
      label, top = counts.most_common(1)[0]
      share = top / sum(counts.values())
      # Blend towards white: a cell split between labels looks faded.
      rgba[i, j, :3] = 1 - (0.25 + 0.75 * share) * (1 - np.array(
          to_rgb(LABEL_COLORS[label])))
      ax.text(beta, step, f"{100 * share:.0f}", ha="center", va="center",
              fontsize=7, color="black")
  ax.pcolormesh(_edges(betas, True), _edges(steps, False), rgba,
                edgecolors="white", linewidth=0.5)
  ax.set_xscale("log")
  ax.set_xlabel("beta")
  ax.set_ylabel("training step")
  n = records[0]["n"] if "n" in records[0] else None
  ax.set_title("dominant algorithm" + (f" of n = {n} networks" if n else "")
               + " (number: its share in %)")
  _legend(ax, _labels_in(records), loc="upper left", bbox_to_anchor=(1.01, 1),
          fontsize=8)
  fig.tight_layout()
  _save(fig, path)


def pareto(records: list[dict], path: str) -> None:
  """FVU against complexity per input of the last step's networks, by label."""
  last = max(r["step"] for r in records)
  final = [r for r in records if r["step"] == last]
  fig = Figure(figsize=(7.5, 5))
  ax = fig.add_subplot()
  for k in _labels_in(final):
    pts = np.array([(r["complexity"], r["fvu"]) for r in final
                    if r["label"] == k])
    ax.scatter(pts[:, 0], pts[:, 1], s=12, alpha=0.7, color=LABEL_COLORS[k],
               label=k, edgecolors="none")
  # The median per beta traces the front the hypernetwork moves along.
  betas = sorted({r["beta"] for r in final})
  med = np.array([[np.median([r[key] for r in final if r["beta"] == b])
                   for key in ("complexity", "fvu")] for b in betas])
  ax.plot(med[:, 0], med[:, 1], "k.-", lw=1, ms=4, label="median per beta")
  for b, (c, f) in zip([betas[0], betas[-1]], [med[0], med[-1]]):
    ax.annotate(f"beta {b:.0e}", (c, f), fontsize=7, xytext=(4, 4),
                textcoords="offset points")
  ax.set_yscale("log")
  if min(r["complexity"] for r in final) > 0:
    ax.set_xscale("log")
  ax.set_xlabel("complexity per input")
  ax.set_ylabel("FVU (fixed evaluation inputs)")
  ax.set_title(f"error vs complexity at step {last}")
  ax.legend(fontsize=8)
  fig.tight_layout()
  _save(fig, path)


def active_units(net: TargetNet) -> np.ndarray:
  """Indices of hidden units the classifier counts as active (probe spread)."""
  w1_MxN, b1_M, w2_M, _ = (np.asarray(a, np.float64) for a in net)
  n = w1_MxN.shape[1]
  pre_PxM = analysis.probe_batch(n) @ w1_MxN.T + b1_M
  h_PxM = pre_PxM / (1 + np.exp(-pre_PxM))
  contrib_M = np.abs(w2_M) * h_PxM.std(axis=0)
  share_M = contrib_M / max(contrib_M.sum(), 1e-12)
  keep = (share_M >= analysis.THRESHOLDS.active / n) & (contrib_M > 1e-6)
  return np.flatnonzero(keep)


def _unit_order(w1_AxN: np.ndarray) -> np.ndarray:
  """Tied rows by (strongest input, sign), then dense rows: a diagonal."""
  sq = w1_AxN ** 2
  top = np.argmax(sq, axis=1)
  spec = sq.max(axis=1) / np.maximum(sq.sum(axis=1), 1e-12)
  tied = spec >= analysis.THRESHOLDS.tied
  sign = np.sign(w1_AxN[np.arange(len(top)), top])
  return np.lexsort((-sign, np.where(tied, top, w1_AxN.shape[1])))


def _graph(ax, w1_AxN: np.ndarray, w2_A: np.ndarray) -> None:
  """Spring layout of inputs, active hidden units and output; strong edges."""
  num_hidden, n = w1_AxN.shape
  g = nx.Graph()
  g.add_nodes_from([f"x{i}" for i in range(n)], kind="input")
  g.add_nodes_from([f"h{j}" for j in range(num_hidden)], kind="hidden")
  g.add_node("y", kind="output")
  # Per-layer scale: w1 and w2 differ by orders of magnitude (k vs 1/k).
  s1, s2 = np.abs(w1_AxN).max(initial=1e-12), np.abs(w2_A).max(initial=1e-12)
  for j in range(num_hidden):
    for i in range(n):
      if abs(w1_AxN[j, i]) >= _WEAK * s1:
        g.add_edge(f"x{i}", f"h{j}", weight=abs(w1_AxN[j, i]) / s1,
                   sign=np.sign(w1_AxN[j, i]))
    if abs(w2_A[j]) >= _WEAK * s2:
      g.add_edge(f"h{j}", "y", weight=abs(w2_A[j]) / s2, sign=np.sign(w2_A[j]))
  pos = nx.spring_layout(g, weight="weight", seed=0,
                         k=1.5 / np.sqrt(g.number_of_nodes()))
  # Opacity grows with |w| (weak background fades); output edges fainter, so
  # the first layer's ties stand out.
  for layer, alpha, scale in (("W1", 0.9, 2.5), ("w2", 0.35, 1.5)):
    edges = [(u, v, d) for u, v, d in g.edges(data=True)
             if ("y" in (u, v)) == (layer == "w2")]
    nx.draw_networkx_edges(
        g, pos, ax=ax, edgelist=[(u, v) for u, v, _ in edges],
        width=[0.3 + scale * d["weight"] for *_, d in edges],
        edge_color=[(*to_rgb(_POS if d["sign"] > 0 else _NEG),
                     alpha * (0.2 + 0.8 * d["weight"])) for *_, d in edges])
  for kind, size in (("input", 120), ("hidden", 50), ("output", 160)):
    nodes = [v for v, d in g.nodes(data=True) if d["kind"] == kind]
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, ax=ax, node_size=size,
                           node_color=_NODE[kind], edgecolors="black",
                           linewidths=0.5, label=kind)
  ax.set_axis_off()


def _heatmap(fig, spec, w1_AxN, b1_A, w2_A) -> None:
  """W1 rows (sorted) beside b1 and w2 columns, each on its own scale."""
  grid = spec.subgridspec(1, 3, width_ratios=[w1_AxN.shape[1], 1.2, 1.2],
                          wspace=0.15)
  for col, (data, name) in enumerate(((w1_AxN, "W1 (input ->)"),
                                      (b1_A[:, None], "b1"),
                                      (w2_A[:, None], "w2"))):
    ax = fig.add_subplot(grid[0, col])
    vmax = max(np.abs(data).max(initial=0.0), 1e-12)
    img = ax.imshow(data, cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                    aspect="auto", interpolation="nearest")
    ax.set_title(name, fontsize=8)
    ax.set_xticks([])
    if col == 0:
      ax.set_ylabel("active hidden unit", fontsize=8)
      ax.tick_params(labelsize=6)
    else:
      ax.set_yticks([])
    fig.colorbar(img, ax=ax, fraction=0.5 if col else 0.05,
                 pad=0.02).ax.tick_params(labelsize=6)


def draw_networks(examples: dict[str, TargetNet], path: str,
                  notes: dict[str, str] | None = None) -> None:
  """One row per label: force-directed graph beside its weight heatmaps."""
  fig = Figure(figsize=(12, 4.2 * len(examples)))
  rows = fig.add_gridspec(len(examples), 2, width_ratios=[1, 1.3])
  for r, (label, net) in enumerate(examples.items()):
    w1_MxN, b1_M, w2_M, _ = (np.asarray(a, np.float64) for a in net)
    keep = active_units(net)
    keep = keep[_unit_order(w1_MxN[keep])]
    ax = fig.add_subplot(rows[r, 0])
    _graph(ax, w1_MxN[keep], w2_M[keep])
    note = f"\n{notes[label]}" if notes and label in notes else ""
    ax.set_title(f"{label}: {len(keep)} of {len(w2_M)} units active{note}",
                 fontsize=9, color=LABEL_COLORS.get(label, "black"))
    if r == 0:
      ax.legend(loc="lower left", fontsize=7, markerscale=0.7)
    if len(keep):
      _heatmap(fig, rows[r, 1], w1_MxN[keep], b1_M[keep], w2_M[keep])
  fig.tight_layout()
  _save(fig, path)
