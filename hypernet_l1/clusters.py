"""Discovery: the networks no label names, grouped by their order parameters.

`other` is where an algorithm nobody has named would hide. `find` puts the
last step's `other` networks of a phase analysis into clusters in order-
parameter space (k-means, with the number of clusters chosen by the
silhouette score), so that each unnamed algorithm shows up as a group with
its size, beta band, mean order parameters and a typical member
(`reports.write_analysis` draws one per cluster).
"""

import numpy as np

from hypernet_l1 import phase_stats

# Coordinates: order parameters on comparable (about unit) scales.
FEATURES = ("coverage", "double_sided", "pos_share", "correction",
            "smeared", "dense_share", "dense_sign", "evenness",
            "even_coverage", "output_var", "fit_corr", "active_share",
            "tied_per_input")
MAX_CLUSTERS = 6
# Below this best silhouette the networks are reported as one cluster: no
# split is clearly better than none. The silhouette does not see scale, so a
# split also needs its centres this far apart (in order-parameter units):
# jitter within one construction is not two algorithms.
MIN_SILHOUETTE = 0.25
MIN_SEPARATION = 0.1


def features(record: dict) -> np.ndarray:
  """A record's coordinates (`FEATURES`), clipped to about [-1, 2]."""
  units = record["hidden"]  # m hidden units
  derived = {"active_share": record["n_active"] / units,
             "tied_per_input": record["n_tied"] / units}
  values = [derived[k] if k in derived else record[k] for k in FEATURES]
  return np.clip(np.asarray(values, np.float64), -1.5, 2.0)


def _kmeans(x_RxF: np.ndarray, k: int, seed: int = 0,
            iters: int = 100) -> np.ndarray:
  """Cluster index per point: Lloyd's k-means from a k-means++ start."""
  rng = np.random.default_rng(seed)
  centres = [x_RxF[rng.integers(len(x_RxF))]]
  for _ in range(1, k):
    d2 = np.min([np.sum((x_RxF - c) ** 2, axis=1) for c in centres], axis=0)
    if d2.sum() == 0:
      break
    centres.append(x_RxF[rng.choice(len(x_RxF), p=d2 / d2.sum())])
  centres = np.array(centres)
  assign = np.zeros(len(x_RxF), int)
  for _ in range(iters):
    dist = np.sum((x_RxF[:, None] - centres[None]) ** 2, axis=2)
    new = np.argmin(dist, axis=1)
    if np.array_equal(new, assign) and _ > 0:
      break
    assign = new
    centres = np.array([x_RxF[assign == c].mean(0) if np.any(assign == c)
                        else centres[c] for c in range(len(centres))])
  return assign


def silhouette(x_RxF: np.ndarray, assign: np.ndarray) -> float:
  """Mean silhouette score (-1..1); 0 for a single cluster."""
  ids = np.unique(assign)
  if len(ids) < 2:
    return 0.0
  dist = np.sqrt(np.sum((x_RxF[:, None] - x_RxF[None]) ** 2, axis=2))
  scores = []
  for i in range(len(x_RxF)):
    own = assign == assign[i]
    if own.sum() == 1:
      scores.append(0.0)
      continue
    a = dist[i, own].sum() / (own.sum() - 1)
    b = min(dist[i, assign == c].mean() for c in ids if c != assign[i])
    scores.append((b - a) / max(a, b, 1e-12))
  return float(np.mean(scores))


def assign_clusters(x_RxF: np.ndarray, max_scored: int = 600) -> np.ndarray:
  """Cluster per point; the k in 1..MAX_CLUSTERS with the best silhouette
  among splits whose centres are `MIN_SEPARATION` apart.

  The silhouette is scored on at most `max_scored` points (a fixed random
  subset): it costs `R^2` distances.
  """
  scored = np.arange(len(x_RxF))
  if len(scored) > max_scored:
    scored = np.random.default_rng(0).choice(scored, max_scored, replace=False)
  best, best_score = np.zeros(len(x_RxF), int), MIN_SILHOUETTE
  for k in range(2, min(MAX_CLUSTERS, len(x_RxF) - 1) + 1):
    assign = _kmeans(x_RxF, k)
    centres = np.array([x_RxF[assign == c].mean(0) for c in np.unique(assign)])
    gaps = np.sqrt(np.sum((centres[:, None] - centres[None]) ** 2, axis=2))
    if np.min(gaps + np.eye(len(centres)) * 1e9) < MIN_SEPARATION:
      continue
    score = silhouette(x_RxF[scored], assign[scored])
    if score > best_score:
      best, best_score = assign, score
  # Number clusters by size, largest first.
  sizes = np.bincount(best)
  rank = np.argsort(-sizes, kind="stable")
  return np.argsort(rank)[best]


def find(records: list[dict], label: str = "other") -> list[dict]:
  """Clusters of the last step's `label` networks, largest first.

  Each: `cluster` (its index), `size`, `share` (of that step's networks),
  `beta_min`, `beta_max`, `beta_median`, the mean of every `FEATURES`
  coordinate (`mean_<name>`), median `fvu` and `complexity`, and `example`:
  the record nearest the cluster's centre.
  """
  final = phase_stats.final_records(records)
  chosen = [r for r in final if r["label"] == label]
  if not chosen:
    return []
  x_RxF = np.stack([features(r) for r in chosen])
  assign = assign_clusters(x_RxF)
  out = []
  for c in range(assign.max() + 1):
    members = np.flatnonzero(assign == c)
    centre = x_RxF[members].mean(0)
    nearest = members[np.argmin(np.sum((x_RxF[members] - centre) ** 2, 1))]
    betas = [chosen[i]["beta"] for i in members]
    out.append({
        "cluster": c, "size": len(members),
        "share": len(members) / len(final),
        "beta_min": min(betas), "beta_max": max(betas),
        "beta_median": float(np.exp(np.median(np.log(betas)))),
        "fvu": float(np.median([chosen[i]["fvu"] for i in members])),
        "complexity": float(np.median([chosen[i]["complexity"]
                                       for i in members])),
        **{f"mean_{k}": float(v) for k, v in zip(FEATURES, centre)},
        "example": chosen[nearest]})
  return out


def format_clusters(found: list[dict], label: str = "other") -> str:
  if not found:
    return f"clusters: no `{label}` networks at the last step"
  lines = [f"clusters of the last step's `{label}` networks (k-means on "
           "order parameters):",
           f"{'#':>2} {'nets':>5} {'beta band':>19} {'fvu':>9} {'C/n':>8}  "
           "mean order parameters"]
  for c in found:
    means = ", ".join(f"{k} {c[f'mean_{k}']:.2f}" for k in FEATURES
                      if abs(c[f"mean_{k}"]) >= 0.05)
    lines.append(f"{c['cluster']:2d} {c['size']:5d} "
                 f"{c['beta_min']:9.2e}..{c['beta_max']:8.2e} "
                 f"{c['fvu']:9.2e} {c['complexity']:8.3g}  {means}")
  return "\n".join(lines)


def csv_rows(found: list[dict]) -> list[dict]:
  """`find`'s clusters as flat rows (the example as member, seed, beta)."""
  rows = []
  for c in found:
    ex = c["example"]
    rows.append({**{k: v for k, v in c.items() if k != "example"},
                 "example_member": ex["member"], "example_seed": ex["seed"],
                 "example_beta": ex["beta"], "example_fvu": ex["fvu"]})
  return rows
