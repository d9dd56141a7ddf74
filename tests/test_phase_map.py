"""The phase map over n and beta (`phase_map.py`)."""

import csv

import ml_collections
import numpy as np
import pytest

from hypernet_l1 import phase_map
from hypernet_l1 import tables


def _config(regularizer="l1"):
  return ml_collections.ConfigDict(dict(
      regularizer=regularizer, task="l1_norm", beta_mode="sampled",
      num_seeds=2, num_betas=1))


def _records(boundary_of, dims, betas, replicas=2, draws=3):
  """Pudding below each replica's `boundary_of(n, replica)`, trivial above."""
  return [{"step": 5, "dim": n, "beta": b, "member": e, "seed": s,
           "fvu": 2e-3 if b < boundary_of(n, e) else 1.0, "complexity": 1.0,
           "seen": n <= 8,
           "label": "pudding_pos" if b < boundary_of(n, e) else "trivial"}
          for n in dims for b in betas for e in range(replicas)
          for s in range(draws)]


def test_boundaries_per_n_and_replica_and_their_power_law():
  """Replica e switches at 0.01 (e + 1) (n / 4)^0.5: every boundary is
  found between the neighbouring betas, and the fit recovers a = 0.5."""
  betas = np.geomspace(1e-4, 1.0, 161)
  dims = [4, 8, 16, 64]
  switch = lambda n, e: 0.01 * (e + 1) * (n / 4) ** 0.5
  found = phase_map.boundaries(_records(switch, dims, betas), _config())
  assert len(found) == len(dims) * 2
  for row in found:
    assert row[("from")] == "pudding" and row["to"] == "trivial"
    assert abs(np.log(row["beta"] / switch(row["dim"], row["replica"]))) < (
        np.log(betas[1] / betas[0]))
  (law,) = phase_map.laws(found)
  assert law["exponent"] == pytest.approx(0.5, abs=0.03)
  assert law["dims"] == 4 and law["boundaries"] == 8


def test_front_boundaries_follow_the_front_at_each_n():
  """Under l0 the front's quadratic -> constant boundary is (1 - FVU_q) / 2
  at every n, so its law is flat; under kl there is no front."""
  records = _records(lambda n, e: 0.3, [4, 8, 16], np.geomspace(1e-3, 1, 7))
  predicted = phase_map.front_boundaries(records, _config("l0"))
  last = [r for r in predicted if r["to"] == "trivial"]
  assert [r["dim"] for r in last] == [4, 8, 16]
  assert len({round(r["beta"], 9) for r in last}) == 1
  assert phase_map.front_boundaries(records, _config("kl")) == []
  far = phase_map.format_far(records)
  assert "n =   16*  FVU 2.00e-03 (1.00x)  pudding 100%" in far


def test_boundaries_csv_holds_the_replicas_and_the_fronts(tmp_path):
  """Front rows carry the floor they assume, replica rows do not: the CSV
  has both, the replicas' floor cell empty (l1 and l0 maps once failed
  here; l0's front is the quick one to price)."""
  records = _records(lambda n, e: 0.3, [4, 8], np.geomspace(1e-3, 1, 7))
  table = phase_map.boundary_table(
      phase_map.boundaries(records, _config("l0")),
      phase_map.front_boundaries(records, _config("l0")))
  path = tmp_path / "phase_map_boundaries.csv"
  tables.write_rows(str(path), table)
  with open(path) as f:
    rows = list(csv.DictReader(f))
  assert {r["source"] for r in rows} == {"replica", "front"}
  assert all((r["floor"] == "") == (r["source"] == "replica") for r in rows)

