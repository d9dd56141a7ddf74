"""Generalisation over input dimension on the tiny run.

Every test evaluates the same dims, betas and draws, so the bucket programs
and the classifier compile once per session.
"""

import csv
import math
import os
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import analysis
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import reports
from hypernet_l1.target import apply_target
from hypernet_l1.tasks.l1_norm import l1_norm
from launch import common

# tiny: train_dims (3, 4, 6, 7, 8), buckets (4, 8); 5 is held out inside the
# trained range, 12 lies beyond it (bucket 16): two bucket programs.
DIMS = (5, 6, 12)
SEEDS = 2


@pytest.fixture(scope="module")
def records(tiny_run):
  return hl1.evaluate_dims(tiny_run, DIMS, seeds=SEEDS)


def test_records_cover_dims_betas_seeds_members(tiny_run, records):
  run = hl1.load_run(tiny_run)
  betas = layout.table_betas(run.config)
  assert len(records) == len(DIMS) * len(betas) * SEEDS * run.config.num_seeds
  assert {r["dim"] for r in records} == set(DIMS)
  assert {r["seed"] for r in records} == set(range(SEEDS))
  np.testing.assert_allclose(sorted({r["beta"] for r in records}), betas)
  seen = {r["dim"]: r["seen"] for r in records}
  assert seen == {5: False, 6: True, 12: False}
  heldout = {r["dim"]: r["heldout"] for r in records}
  assert heldout == {5: True, 6: False, 12: True}  # tiny's heldout_dims
  for r in records:
    assert set(r) == {"dim", "hidden", "beta", "seed", "member", "seen",
                      "heldout", "rel_rms", "fvu", "complexity", "label"}
    assert r["hidden"] == run.config.hidden_per_input * r["dim"]
    assert r["label"] in labels.NAMES
    assert all(math.isfinite(r[k]) for k in ("rel_rms", "fvu", "complexity"))


def test_batched_records_equal_networks_evaluated_alone(tiny_run, records):
  run = hl1.load_run(tiny_run)
  config = run.config
  n = 5  # padded to 8 in the batch: the cut to exact size is exercised
  # The evaluation inputs of the padded size, cut to the first n columns.
  x_BxN = evaluation.eval_inputs(
      config, n, generator.bucket_for(n, config.dim_buckets))[:, :n]
  batched = [r for r in records if r["dim"] == n]
  nets = [run.generate(n, r["beta"], seed=r["seed"], member=r["member"])
          for r in batched]
  for r, net in zip(batched, nets):
    alone = evaluation.error_metrics(apply_target(net, x_BxN), l1_norm(x_BxN),
                                     hl1.tasks.DEFAULT, n)
    np.testing.assert_allclose(r["rel_rms"], alone["rel_rms"], rtol=1e-4)
    np.testing.assert_allclose(r["fvu"], alone["fvu"], rtol=1e-4)
  stack = jax.tree.map(lambda *leaves: np.stack(leaves), *nets)
  assert [r["label"] for r in batched] == list(analysis.classify(stack))


def test_grid_mode_pairs_each_member_with_its_own_beta(tiny_config):
  tiny_config.beta_mode = "grid"
  tiny_config.num_betas = 3
  betas = layout.table_betas(tiny_config)
  np.testing.assert_allclose(betas[[0, -1]], [tiny_config.beta_min,
                                             tiny_config.beta_max], rtol=1e-5)
  pairs = layout.pairs(tiny_config, betas)
  assert pairs == [(e, e % 3) for e in range(6)]
  # An off-grid beta goes to the members trained nearest it.
  assert layout.pairs(tiny_config, [2e-6]) == [(0, 0), (3, 0)]
  assert [layout.member_for(tiny_config, 2e-6, r) for r in (0, 1)] == [0, 3]
  assert [layout.replica(tiny_config, e) for e in range(6)] == [0] * 3 + [1] * 3


def test_dims_share_padding_buckets():
  assert generator.dim_buckets([2, 12, 3, 8, 5, 30, 3], (4, 8)) == {
      4: [2, 3], 8: [8, 5], 16: [12], 32: [30]}
  assert common.parse_dims("2-4,8, 3") == [2, 3, 4, 8]


def test_launcher_writes_csv_png_and_table(tiny_run, records, tmp_path):
  workdir = str(tmp_path / "run")  # a copy: tiny_run is shared by other tests
  shutil.copytree(tiny_run, workdir)
  lines = []
  table = reports.write_generalization(
      workdir, list(DIMS), seeds=SEEDS, out=lines.append)
  out_dir = os.path.join(workdir, "analysis")
  assert sorted(os.listdir(out_dir)) == ["generalization.csv",
                                         "generalization.png"]
  with open(os.path.join(out_dir, "generalization.csv")) as f:
    rows = list(csv.DictReader(f))
  assert len(rows) == len(records)
  assert os.path.getsize(os.path.join(out_dir, "generalization.png")) > 10_000
  assert sum(line.startswith("[") and "bucket" in line for line in lines) == 2
  assert [line.split()[:2] for line in table.splitlines()[2:]] == [
      ["5", "held"], ["6", "yes"], ["12", "held"]]  # tiny's heldout_dims


@pytest.mark.parametrize("make_dir", ["missing", "empty"])
def test_launcher_fails_cleanly_without_a_run(tmp_path, make_dir):
  workdir = tmp_path / "run"
  if make_dir == "empty":
    workdir.mkdir()
  result = subprocess.run(
      [sys.executable, "-m", "launch.evaluate", f"--workdir={workdir}",
       "--dims=2-4"], capture_output=True, text=True, timeout=120,
      cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  assert result.returncode == 2
  assert "Traceback" not in result.stderr
  assert result.stderr.strip().startswith("error: ")
  assert len(result.stderr.strip().splitlines()) == 1
