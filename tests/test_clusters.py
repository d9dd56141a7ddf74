"""Discovery: unnamed networks of different kinds land in separate clusters."""

import jax
import numpy as np

from hypernet_l1 import algorithms
from hypernet_l1 import analysis
from hypernet_l1 import clusters
from hypernet_l1 import phases
from hypernet_l1.target import TargetNet

N = 12


def _jitter(net: TargetNet, rng) -> TargetNet:
  w1, b1, w2, b2 = (np.array(leaf, np.float32) for leaf in net)
  noise = lambda a: a * (1 + 0.03 * rng.standard_normal(a.shape)).astype(
      np.float32)
  return TargetNet(noise(w1), noise(b1), noise(w2), b2)


def _kinds():
  """Three unnamed constructions (all classify as `other`)."""
  half = N // 2
  pud = [np.array(leaf) for leaf in algorithms.pudding(N)]
  pud[0][half:N], pud[2][half:N] = 0.0, 0.0  # half the inputs uncovered
  ds = [np.array(leaf) for leaf in algorithms.double_sided(N)]
  ds[2] = -ds[2]  # concave: minus the norm
  dense = [np.array(leaf) for leaf in algorithms.convexity(
      N, jax.random.key(0))]
  dense[2] = dense[2] * np.where(np.arange(3 * N) % 2, 1.0, -1.0)  # mixed signs
  return {"half a pudding": TargetNet(*pud), "negated double-sided":
          TargetNet(*ds),
          "dense, mixed signs": TargetNet(*dense)}


def _records(nets_by_kind, per_kind=12):
  rng = np.random.default_rng(0)
  kinds, nets = [], []
  for kind, net in nets_by_kind.items():
    for _ in range(per_kind):
      kinds.append(kind)
      nets.append(_jitter(net, rng))
  stack = TargetNet(*(np.stack(leaves) for leaves in zip(*nets)))
  params = analysis.order_parameters(stack)
  labels = analysis.classify(stack)
  records = [{"step": 1, "dim": N, "hidden": stack.W1.shape[1],
              "beta": 1e-3 * (1 + i % 3), "seed": i,
              "member": 0, "label": str(labels[i]),
              "fvu": float(params["fvu"][i]), "complexity": 1.0,
              **{k: float(params[k][i]) for k in phases.ORDER_KEYS}}
             for i in range(len(nets))]
  return records, kinds


def test_unnamed_kinds_fall_into_their_own_clusters():
  records, kinds = _records(_kinds())
  assert {r["label"] for r in records} == {"other"}
  found = clusters.find(records)
  assert len(found) == 3, clusters.format_clusters(found)
  # Each cluster holds one kind only, and every network is in one.
  example_of = {id(c["example"]): c for c in found}
  assert len(example_of) == 3
  assign = clusters.assign_clusters(np.stack([clusters.features(r)
                                              for r in records]))
  for c in range(3):
    members = {kinds[i] for i in np.flatnonzero(assign == c)}
    assert len(members) == 1, members
  assert sorted(c["size"] for c in found) == [12, 12, 12]
  assert sum(c["share"] for c in found) == 1.0
  text = clusters.format_clusters(found)
  assert len(text.splitlines()) == 2 + 3  # header lines + one per cluster


def test_one_kind_is_one_cluster_and_named_labels_are_left_alone():
  records, _ = _records({"half a pudding": _kinds()["half a pudding"]})
  assert len(clusters.find(records)) == 1
  assert clusters.find(records, label="pudding_pos") == []
  rows = clusters.csv_rows(clusters.find(records))
  assert rows[0]["size"] == 12 and "example_member" in rows[0]
