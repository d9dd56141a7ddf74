"""Figures of a run: phase diagram, Pareto front, network drawings,
generalization and the clusters of unnamed networks.

Headless (Agg canvases, no pyplot state). Every label has one fixed colour in
every figure (`labels.REGISTRY`).
"""

import collections

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
import networkx as nx
import numpy as np

from hypernet_l1 import analysis
from hypernet_l1 import labels
from hypernet_l1 import phase_stats
from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet

_POS, _NEG = "#c0392b", "#2166ac"  # edge colours by weight sign
NODE_COLOURS = {"input": "#f2c14e", "hidden": "#b8b8b8", "output": "#404040"}
_WEAK = 0.1  # edges under this share of their layer's largest |w| are omitted


def _labels_in(records) -> list[str]:
  return labels.in_order(r["label"] for r in records)


def _legend(ax, names, **kwargs):
  ax.legend(handles=[Patch(color=labels.color(k), label=k) for k in names],
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


# Order parameters drawn under the phase diagram: each label's defining
# quantity, so a boundary between phases reads as a curve.
CURVES = (("double_sided", "double-sidedness (inputs with both signs)"),
          ("coverage", "inputs covered by relu pieces"),
          ("correction", "correction strength"),
          ("dense_share", "dense share of active units"),
          ("even_coverage", "inputs with an even (quadratic) unit"),
          ("output_var", "output variance / target's"))


def _cell_colour(found: list[str]) -> tuple[np.ndarray, float]:
  """A cell's colour, its majority label's blended towards white as that
  label's share falls (a cell split between labels looks faded), and the
  share."""
  label, top = labels.majority(found)
  share = top / len(found)
  return 1 - (0.25 + 0.75 * share) * (1 - np.array(
      to_rgb(labels.color(label)))), share


def phase_map(records: list[dict], found: list[dict], predicted: list[dict],
              path: str) -> None:
  """Majority label per (n, beta) cell over replicas and draws, n across
  (one column per dim, unseen ones starred), beta up; each replica's
  boundaries per n as thin lines, the optimal front's (`predicted`) dashed.

  `records`: `phase_map.scan`; `found`: `phase_map.boundaries`;
  `predicted`: `phase_map.front_boundaries`.
  """
  dims = sorted({r["dim"] for r in records})
  betas = np.array(sorted({r["beta"] for r in records}))
  cells = collections.defaultdict(list)
  for r in records:
    cells[(r["dim"], r["beta"])].append(r["label"])
  rgba = np.ones((betas.size, len(dims), 4))
  for i, beta in enumerate(betas):
    for j, n in enumerate(dims):
      rgba[i, j, :3], _ = _cell_colour(cells[(n, beta)])
  fig = Figure(figsize=(max(7.0, 0.45 * len(dims) + 4.5), 6.5))
  ax = fig.add_subplot()
  column = {n: j for j, n in enumerate(dims)}
  ax.pcolormesh(np.arange(len(dims) + 1) - 0.5, _edges(betas, True), rgba,
                edgecolors="white", linewidth=0.3)
  for key, style, rows in (("replica", "-", found), (None, "--", predicted)):
    lines = collections.defaultdict(list)
    for r in rows:
      lines[(r.get(key), r["from"], r["to"])].append(
          (column[r["dim"]], r["beta"]))
    for points in lines.values():
      x, y = zip(*sorted(points))
      ax.plot(x, y, style, color="k", lw=0.7 if key else 1.6,
              alpha=0.5 if key else 0.9, marker="." if key else None, ms=3)
  seen = {r["dim"]: r.get("seen", True) for r in records}
  ax.set_xticks(range(len(dims)),
                [f"{n}" if seen[n] else f"{n}*" for n in dims], fontsize=7)
  ax.set_xlim(-0.5, len(dims) - 0.5)
  ax.set_yscale("log")
  ax.set_ylim(betas[0], betas[-1])
  ax.set_xlabel("input dimension n (* not trained on)")
  ax.set_ylabel("beta")
  ax.set_title(f"majority algorithm over replicas and draws, step "
               f"{records[0]['step']}\nthin lines: each replica's boundaries"
               + ("; dashed: the optimal front's" if predicted else ""),
               fontsize=9)
  _legend(ax, _labels_in(records), loc="upper left", bbox_to_anchor=(1.01, 1),
          fontsize=8)
  fig.tight_layout()
  _save(fig, path)


def phase_diagram(records: list[dict], path: str) -> None:
  """Top: dominant label per (beta, step) cell; opacity and number: its share
  (%). Bottom: at the last step, the order parameters behind the labels per
  beta (median, with the band between quartiles), over the dominant label."""
  betas = np.array(sorted({r["beta"] for r in records}))
  steps = np.array(sorted({r["step"] for r in records}))
  cells = collections.defaultdict(list)
  for r in records:
    cells[(r["step"], r["beta"])].append(r["label"])
  rgba = np.ones((steps.size, betas.size, 4))
  width = max(7.0, 0.6 * betas.size + 3.5)
  top_height = max(3.5, 0.45 * steps.size + 2)
  fig = Figure(figsize=(width, top_height + 3.2))
  grid = fig.add_gridspec(2, 1, height_ratios=[top_height, 3.2])
  ax = fig.add_subplot(grid[0])
  for i, step in enumerate(steps):
    for j, beta in enumerate(betas):
      found = cells.get((step, beta))
      if not found:
        continue
      rgba[i, j, :3], share = _cell_colour(found)
      ax.text(beta, step, f"{100 * share:.0f}", ha="center", va="center",
              fontsize=7, color="black")
  beta_edges = _edges(betas, True)
  ax.pcolormesh(beta_edges, _edges(steps, False), rgba, edgecolors="white",
                linewidth=0.5)
  ax.set_xscale("log")
  ax.set_ylabel("training step")
  dim = records[0].get("dim")
  ax.set_title("dominant algorithm" + (f" of n = {dim} networks" if dim else "")
               + " (number: its share in %)")
  _legend(ax, _labels_in(records), loc="upper left", bbox_to_anchor=(1.01, 1),
          fontsize=8)

  final = phase_stats.final_records(records)
  curves = fig.add_subplot(grid[1], sharex=ax)
  for j, beta in enumerate(betas):
    rs = [r for r in final if r["beta"] == beta]
    if rs:
      label, _ = labels.majority(r["label"] for r in rs)
      curves.axvspan(beta_edges[j], beta_edges[j + 1],
                     color=labels.color(label), alpha=0.15, lw=0)
  colors = matplotlib.colormaps["tab10"](np.arange(len(CURVES)))
  for (key, name), color in zip(CURVES, colors):
    if key not in final[0]:
      continue
    q = np.array([np.percentile([min(r[key], 1.5) for r in final
                                 if r["beta"] == b], [25, 50, 75])
                  for b in betas])
    curves.plot(betas, q[:, 1], ".-", color=color, lw=1.2, ms=4, label=name)
    curves.fill_between(betas, q[:, 0], q[:, 2], color=color, alpha=0.15,
                        lw=0)
  curves.set_xscale("log")
  curves.set_ylim(-0.05, 1.55)
  curves.set_xlabel("beta")
  curves.set_ylabel(f"at step {final[0]['step']}")
  curves.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7,
                title="order parameter (median, quartiles)", title_fontsize=7)
  fig.tight_layout()
  _save(fig, path)


def pareto(records: list[dict], path: str, gaps: list[dict] = (),
           families: dict[str, list[tuple[float, float]]] | None = None
           ) -> None:
  """FVU against complexity per input of the last step's networks, by label.

  With `gaps` (`optimality.rows`) the optimal front's network at each beta
  is drawn too (replica 0's floor), and with `families` (name -> `(C/n,
  FVU)` points, `front.family_points`) each hand-built family's curve.
  """
  final = phase_stats.final_records(records)
  last = final[0]["step"]
  fig = Figure(figsize=(7.5, 5))
  ax = fig.add_subplot()
  for name, points in (families or {}).items():
    cost_fvu = np.array(sorted(points))
    style = "-" if len(cost_fvu) > 1 else "o"
    ax.plot(cost_fvu[:, 0], cost_fvu[:, 1], style, lw=3, ms=9, alpha=0.25,
            mfc="none", color=labels.color(_family_label(name)),
            label=f"{name} (hand-built)")
  for k in _labels_in(final):
    pts = np.array([(r["complexity"], r["fvu"]) for r in final
                    if r["label"] == k])
    ax.scatter(pts[:, 0], pts[:, 1], s=12, alpha=0.7, color=labels.color(k),
               label=k, edgecolors="none")
  # The median per beta traces the front the hypernetwork moves along.
  betas = sorted({r["beta"] for r in final})
  med = np.array([[np.median([r[key] for r in final if r["beta"] == b])
                   for key in ("complexity", "fvu")] for b in betas])
  ax.plot(med[:, 0], med[:, 1], "k.-", lw=1, ms=4, label="median per beta")
  for b, (c, f) in zip([betas[0], betas[-1]], [med[0], med[-1]]):
    ax.annotate(f"beta {b:.0e}", (c, f), fontsize=7, xytext=(4, 4),
                textcoords="offset points")
  optimum = [r for r in gaps if r["replica"] == gaps[0]["replica"]]
  if optimum:
    ax.plot([r["front_complexity"] for r in optimum],
            [r["front_fvu"] for r in optimum], "o--", color="k", mfc="none",
            ms=6, lw=0.8, label="optimal front, per beta")
  ax.set_yscale("log")
  shown = ([r["complexity"] for r in final]
           + [r["front_complexity"] for r in optimum])
  # A constant network costs 0: symlog keeps it on a log-like axis.
  if min(shown) > 0:
    ax.set_xscale("log")
  else:
    ax.set_xscale("symlog", linthresh=1.0)
  # The families' curves run on to costs no network here pays.
  ax.set_xlim(None if min(shown) > 0 else 0.0, 2.0 * max(shown))
  ax.set_ylim(bottom=0.5 * min([r["fvu"] for r in final]
                               + [r["front_fvu"] for r in optimum]))
  ax.set_xlabel("complexity per input")
  ax.set_ylabel("FVU (fixed evaluation inputs)")
  ax.set_title(f"error vs complexity at step {last}")
  for handle in ax.legend(fontsize=7).legend_handles:
    handle.set_alpha(1.0)  # legend colours as the registry gives them
  fig.tight_layout()
  _save(fig, path)


def _family_label(family: str) -> str:
  """The first label of a family (its colour in figures)."""
  return next(k.name for k in labels.REGISTRY if k.family == family)


def _drawn_units(net: TargetNet, ordered: bool,
                 task: tasks.Task) -> np.ndarray:
  """The units the classifier counts as active, in drawing order.

  For labels whose units are tied to inputs (`labels.Label.ordered`): tied
  units by (input, sign), then the rest, a diagonal; otherwise by share of
  the output. From `analysis.unit_roles`, so a drawing shows what its label
  was computed from.
  """
  roles = analysis.unit_roles(net, task=task)
  keep = np.flatnonzero(roles["active"])
  if ordered:
    n = net.W1.shape[-1]
    order = np.lexsort((-np.sign(roles["tie_w"][keep]),
                        np.where(roles["tied"][keep], roles["tie"][keep], n)))
  else:
    order = np.argsort(-roles["share"][keep], kind="stable")
  return keep[order]


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
                           node_color=NODE_COLOURS[kind], edgecolors="black",
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
                  notes: dict[str, str] | None = None,
                  task: tasks.Task = tasks.DEFAULT) -> None:
  """One row per example: force-directed graph beside its weight heatmaps.

  `examples` maps a title to a network; a title that is a label name is
  drawn in that label's colour and unit order (cluster names are not).
  """
  fig = Figure(figsize=(12, 4.2 * len(examples)))
  rows = fig.add_gridspec(len(examples), 2, width_ratios=[1, 1.3])
  for r, (label, net) in enumerate(examples.items()):
    w1_MxN, b1_M, w2_M, _ = (np.asarray(a, np.float64) for a in net)
    info = labels.BY_NAME.get(label)
    keep = _drawn_units(net, info is None or info.ordered, task)
    ax = fig.add_subplot(rows[r, 0])
    _graph(ax, w1_MxN[keep], w2_M[keep])
    note = f"\n{notes[label]}" if notes and label in notes else ""
    ax.set_title(f"{label}: {len(keep)} of {len(w2_M)} units active{note}",
                 fontsize=9, color=info.color if info else "black")
    if r == 0:
      ax.legend(loc="lower left", fontsize=7, markerscale=0.7)
    if len(keep):
      _heatmap(fig, rows[r, 1], w1_MxN[keep], b1_M[keep], w2_M[keep])
  fig.tight_layout()
  _save(fig, path)


def generalization(rows: list[dict], train_dims, path: str) -> None:
  """Error vs n per beta; filled markers seen, open unseen; marker = label.

  `rows`: `tables.generalization_summary`.
  """
  fig = Figure(figsize=(10, 5.5), layout="constrained")
  ax = fig.add_subplot()
  ax.axvspan(min(train_dims), max(train_dims), color="0.9", zorder=0,
             label="trained range")
  betas = sorted({r["beta"] for r in rows})
  colors = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, len(betas)))
  marker = lambda name: labels.BY_NAME[name].marker if name else "o"
  for beta, color in zip(betas, colors):
    rs = sorted((r for r in rows if r["beta"] == beta), key=lambda r: r["dim"])
    ax.plot([r["dim"] for r in rs], [r["rel_rms"] for r in rs], "-",
            color=color, lw=1, label=f"beta {beta:.1e}")
    for r in rs:
      ax.plot(r["dim"], r["rel_rms"], marker(r["label"]), ms=5, color=color,
              mfc=color if r["seen"] else "none")
  ax.set_yscale("log")
  ax.set_xlabel("input dimension n")
  ax.set_ylabel("relative RMS error (median)")
  ax.grid(True, which="both", alpha=0.3)
  first = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
  ax.add_artist(first)
  found = labels.in_order(r["label"] for r in rows if r["label"])
  ax.legend(handles=[Line2D([], [], ls="", marker=marker(k), color="k",
                            label=k) for k in found]
            + [Line2D([], [], ls="", marker="o", color="k", label="seen"),
               Line2D([], [], ls="", marker="o", color="k", mfc="none",
                      label="unseen")],
            loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=8,
            title="majority label")
  _save(fig, path)


# `metrics.jsonl` keys drawn by `training_curves`, with their axis titles.
TRAINING_CURVES = (("train/loss", "loss: mean log(FVU + beta C / n)"),
                   ("train/fvu", "FVU (median over generated networks)"),
                   ("train/complexity", "complexity per input"))


def training_curves(metric_rows: list[dict], path: str) -> None:
  """Loss, FVU and complexity per input against step (`metrics.jsonl`)."""
  fig = Figure(figsize=(11, 3.2), layout="constrained")
  steps = [row["step"] for row in metric_rows]
  for i, (key, title) in enumerate(TRAINING_CURVES):
    ax = fig.add_subplot(1, len(TRAINING_CURVES), i + 1)
    ax.plot(steps, [row.get(key, np.nan) for row in metric_rows], lw=1.2)
    ax.set(title=title, xlabel="step")
    if key == "train/fvu":
      ax.set_yscale("log")
  _save(fig, path)
