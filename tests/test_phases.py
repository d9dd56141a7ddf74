"""Run-level phase analysis: records, batched labels, launcher."""

import csv
import itertools
import os
import shutil
import subprocess
import sys

import ml_collections
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import analysis
from hypernet_l1 import arguments
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import phase_stats
from hypernet_l1 import phase_text
from hypernet_l1 import phases
from hypernet_l1 import plots
from hypernet_l1 import reports
from hypernet_l1 import tables
from hypernet_l1.run import RunError
from hypernet_l1.target import apply_target

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N, SEEDS = 6, 2  # tiny config: eval.n = 6


@pytest.fixture(scope="module")
def run(tiny_run):
  return hl1.load_run(tiny_run)


@pytest.fixture(scope="module")
def analysed(run):
  lines = []
  records = phases.analyze_run(run, n=N, seeds=SEEDS, progress=lines.append)
  return records, lines


def test_one_record_per_step_beta_seed_member(run, analysed):
  records, lines = analysed
  betas = layout.analysis_betas(run.config)
  assert len(betas) == layout.ANALYSIS_NUM_BETAS
  members = range(run.config.num_seeds)
  expected = set(itertools.product(run.steps, betas.tolist(), range(SEEDS),
                                   members))
  got = [(r["step"], r["beta"], r["seed"], r["member"]) for r in records]
  assert len(got) == len(expected) and set(got) == expected
  assert {r["label"] for r in records} <= set(labels.NAMES)
  for r in records:
    assert {"rel_rms", "fvu", "complexity", *phases.ORDER_KEYS} <= r.keys()
    assert np.isfinite([r["fvu"], r["rel_rms"], r["complexity"]]).all()
  assert len(lines) == len(run.steps) and "2/2" in lines[-1], lines


def test_batched_labels_equal_single_generated_networks(run, analysed):
  records, _ = analysed
  # The last step's sweep, one network at a time (`Run.generate`).
  last = [r for r in records if r["step"] == run.steps[-1]]
  nets = [run.generate(N, r["beta"], r["seed"], r["step"], r["member"])
          for r in last]
  stack = hl1.TargetNet(*(np.stack(leaves) for leaves in zip(*nets)))
  np.testing.assert_array_equal(analysis.classify(stack),
                                [r["label"] for r in last])
  params = analysis.order_parameters(stack)
  for key in phases.ORDER_KEYS:
    np.testing.assert_allclose(params[key], [r[key] for r in last],
                               rtol=1e-4, atol=1e-5, err_msg=key)


def test_errors_are_those_of_each_network_alone(run, analysed):
  """The program's metrics equal scoring each exact network on its own, by
  hand: FVU over the task's exact variance `n / 12`, as in training."""
  records, _ = analysed
  last = [r for r in records if r["step"] == run.steps[-1]][:6]
  num_inputs = generator.bucket_for(N, run.config.dim_buckets)
  x_BxN = np.asarray(evaluation.eval_inputs(run.config, N, num_inputs))[:, :N]
  y_B = np.abs(x_BxN.astype(np.float64)).sum(1)
  for r, net in zip(last, phases.regenerate(run, last)):
    mse = np.mean((np.asarray(apply_target(net, x_BxN), np.float64) - y_B)
                  ** 2)
    np.testing.assert_allclose(r["fvu"], mse / (N / 12), rtol=1e-4)
    np.testing.assert_allclose(r["rel_rms"], np.sqrt(mse / np.mean(y_B ** 2)),
                               rtol=1e-4)


def test_grid_mode_evaluates_each_member_at_its_own_beta(tiny_run, run):
  config = ml_collections.ConfigDict(run.config)
  config.beta_mode, config.num_seeds, config.num_betas = "grid", 1, 2
  grid_run = hl1.Run(workdir=tiny_run, config=config, steps=run.steps[-1:])
  records = phases.analyze_run(grid_run, n=N, seeds=SEEDS, progress=None)
  betas = layout.analysis_betas(config)
  assert sorted((r["member"], r["beta"], r["seed"]) for r in records) == [
      (e, betas[e], s) for e in range(2) for s in range(SEEDS)]
  examples = phases.example_networks(grid_run, records)
  for label, (r, net) in examples.items():
    assert r["label"] == label and r["step"] == run.steps[-1]
    assert analysis.classify(net) == label
  with pytest.raises(ValueError, match="grid-mode"):
    phases.analyze_run(grid_run, n=N, betas=[1e-3], progress=None)


def _record(step, beta, member, label):
  return {"step": step, "beta": beta, "seed": 0, "member": member,
          "label": label, "fvu": 0.01 * (member + 1), "complexity": 10.0}


def test_final_summary_shares_and_settling_steps():
  history = {  # member -> labels at steps 1..4, all at beta 1e-3
      0: ["other", "pudding_pos", "other", "pudding_pos"],  # settles at 4
      1: ["double_sided"] * 4,                             # settles at 1
      2: ["other", "pudding_pos", "pudding_pos", "pudding_pos"],  # at 2
  }
  records = [_record(step, 1e-3, e, labels[step - 1])
             for e, labels in history.items() for step in range(1, 5)]
  records.append(_record(4, 1e-1, 0, "convexity"))
  settled = phase_stats.settle_steps(records)
  assert [settled[(e, 0, 1e-3)] for e in range(3)] == [4, 1, 2]
  summary = phase_text.final_summary(records)
  row = next(line for line in summary.splitlines()
             if line.startswith(" 1.00e-03")).split()
  # beta, nets, double_sided, pudding_pos, convexity, dominant, fvu, C/n,
  # settled.
  assert row == ["1.00e-03", "3", "33", "67", "0", "pudding_pos", "2.00e-02",
                 "10", "2"]
  assert "convexity     found at 1 betas" in summary


def test_a_tie_goes_to_registry_order_whatever_the_order_seen():
  assert labels.majority(["pudding_pos", "double_sided"]) == ("double_sided", 1)
  assert labels.majority(["double_sided", "pudding_pos"]) == ("double_sided", 1)
  assert labels.majority(["convexity", "pudding"]) == ("pudding", 1)


def test_every_majority_is_labels_majority(monkeypatch, tiny_config,
                                           tmp_path):
  """One pudding and one double-sided draw at one beta: a tie. With the
  rule of `labels.majority` swapped for one no other rule could agree with
  (always `quadratic`, a label no record has), every summary, table and
  figure that picks a majority names `quadratic`."""
  records = [{**_record(4, 1e-3, 0, label), "dim": N, "seen": True,
              "heldout": False, "rel_rms": 0.1, "coverage": 1.0}
             for label in ("pudding_pos", "double_sided")]
  monkeypatch.setattr(labels, "majority",
                      lambda names: ("quadratic", len(list(names))))
  row = next(line for line in phase_text.final_summary(records).splitlines()
             if line.startswith(" 1.00e-03")).split()
  assert row[4] == "quadratic"  # beta, nets, two shares, dominant
  assert phase_stats.label_shares(records, lambda e: e)[0]["quadratic"] == 1.0
  sequences = phase_stats.replica_sequences(records, lambda e: e)
  assert sequences[0]["sequence"] == "quadratic"
  assert tables.generalization_summary(records)[0]["label"] == "quadratic"
  monkeypatch.setattr(tables.sweep, "records", lambda *args: records)
  assert tables.final_table(tiny_config, None)[0]["label"] == "quadratic"
  asked, color = [], labels.color
  monkeypatch.setattr(labels, "color",
                      lambda name: asked.append(name) or color(name))
  plots.phase_diagram(records, str(tmp_path / "phase_diagram.png"))
  assert asked.count("quadratic") == 2  # a cell above, its band below


@pytest.mark.parametrize("families, follows", [
    (["double_sided", "pudding", "convexity"], True),
    (["double_sided", "other", "pudding", "pudding", "convexity", "trivial"],
     True),
    (["double_sided", "convexity"], False),
    (["pudding", "double_sided", "convexity"], False),
    (["double_sided", "pudding", "convexity", "pudding", "convexity"], False),
])
def test_the_paper_sequence_ignores_other_families(families, follows):
  assert phase_stats.follows_paper_sequence(families) == follows


def test_replica_sequences_read_the_majority_along_beta():
  # replica 0 (members 0, 1): DS, pudding (2 of 3 draws), convexity.
  labs = {1e-5: ["double_sided"] * 3,
          1e-3: ["pudding_pos", "pudding_neg", "double_sided"],
          1e-1: ["convexity", "convexity", "other"]}
  records = [_record(4, beta, 0, lab) for beta, ls in labs.items()
             for lab in ls]
  records += [_record(4, beta, 1, "pudding_pos") for beta in labs]
  rows = phase_stats.replica_sequences(records, replica_of=lambda e: e)
  assert rows[0]["sequence"] == "double_sided -> pudding -> convexity"
  assert rows[0]["paper_sequence"] and not rows[1]["paper_sequence"]
  assert rows[1]["bands"] == "pudding 1.00e-05..1.00e-01"
  assert "1 of 2 replicas" in phase_text.format_sequences(rows)


def test_launcher_writes_its_files_and_csv_rows(tiny_run, tmp_path):
  workdir = str(tmp_path / "run")
  # Without what other tests may have left in the shared run's analysis/.
  shutil.copytree(tiny_run, workdir, ignore=shutil.ignore_patterns("analysis"))
  lines = []
  map_dims = [3, 5, 12]  # trained, held out inside and beyond the range
  summary = reports.write_analysis(workdir, n=N, seeds=SEEDS,
                                   map_dims=map_dims, out=lines.append)
  out = os.path.join(workdir, "analysis")
  always = {"networks.png", "pareto.png", "phase_diagram.png", "phases.csv",
            "label_shares.csv", "sequences.csv", "training.png",
            "phase_map.csv", "phase_map_boundaries.csv", "phase_map.png"}
  assert always <= set(os.listdir(out))
  assert set(os.listdir(out)) - always <= {"clusters.csv", "clusters.png",
                                           "boundaries.csv"}
  with open(os.path.join(out, "label_shares.csv")) as f:
    shares = list(csv.DictReader(f))
  for row in shares:  # every share lies in its interval, and they sum to 1
    names = [k for k in labels.NAMES if k in row]
    assert all(float(row[k + "_lo"]) <= float(row[k]) <= float(row[k + "_hi"])
               for k in names)
    np.testing.assert_allclose(sum(float(row[k]) for k in names), 1.0)
  for name in os.listdir(out):  # figures and the records are not stubs
    if name.endswith(".png") or name == "phases.csv":
      assert os.path.getsize(os.path.join(out, name)) > 1000, name
  with open(os.path.join(out, "phases.csv")) as f:
    rows = list(csv.DictReader(f))
  run = hl1.load_run(workdir)
  with open(os.path.join(out, "sequences.csv")) as f:
    sequences = list(csv.DictReader(f))
  assert [int(r["replica"]) for r in sequences] == list(
      range(run.config.num_seeds))
  betas = layout.analysis_betas(run.config)
  keys = [(int(r["step"]), float(r["beta"]), int(r["seed"]), int(r["member"]))
          for r in rows]
  assert len(keys) == len(set(keys)) == (
      len(run.steps) * betas.size * SEEDS * run.config.num_seeds)
  assert {k[:2] for k in keys} == set(itertools.product(run.steps,
                                                        betas.tolist()))
  assert {r["label"] for r in rows} <= set(labels.NAMES)
  assert any("checkpoint 2/2" in line for line in lines)
  assert summary in lines and "final step 40" in summary
  # The phase map: dims x betas x draws x members at the last step, every
  # network with its order parameters, held-out dims marked.
  with open(os.path.join(out, "phase_map.csv")) as f:
    map_rows = list(csv.DictReader(f))
  assert len(map_rows) == (len(map_dims) * betas.size * SEEDS
                           * run.config.num_seeds)
  assert {int(r["dim"]) for r in map_rows} == set(map_dims)
  assert {r["step"] for r in map_rows} == {"40"}
  assert {r["heldout"] for r in map_rows if r["dim"] in ("5", "12")} == {
      "True"}
  assert all(r["label"] and r["evenness"] for r in map_rows)
  assert f"at beta {run.config.beta_min:.1e}, per n" in summary


def test_reanalysis_leaves_no_stale_optional_output(tiny_run, tmp_path,
                                                    monkeypatch):
  workdir = str(tmp_path / "run")
  shutil.copytree(tiny_run, workdir, ignore=shutil.ignore_patterns("analysis"))
  out = os.path.join(workdir, "analysis")
  os.makedirs(out)
  for name in reports.OPTIONAL_OUTPUTS:  # as an earlier analysis left them
    with open(os.path.join(out, name), "w") as f:
      f.write("stale")
  monkeypatch.setattr(hl1.clusters, "find", lambda records: [])
  monkeypatch.setattr(phase_stats, "phase_boundaries", lambda *args: [])
  reports.write_analysis(workdir, n=N, seeds=SEEDS, out=lambda line: None)
  assert not set(reports.OPTIONAL_OUTPUTS) & set(os.listdir(out))
  assert "phases.csv" in os.listdir(out)


def test_launcher_rejects_bad_flags_and_workdirs(tiny_run, tmp_path):
  with pytest.raises(arguments.UsageError, match="no checkpoint at steps"):
    reports.write_analysis(tiny_run, steps=[7])
  with pytest.raises(arguments.UsageError, match="at least one"):
    reports.write_analysis(tiny_run, steps=[])
  with pytest.raises(arguments.UsageError, match="positive"):
    reports.write_analysis(tiny_run, betas=[0.0])
  with pytest.raises(arguments.UsageError, match="positive"):
    reports.write_analysis(tiny_run, betas=[])
  with pytest.raises(arguments.UsageError, match="at least one draw"):
    reports.write_analysis(tiny_run, seeds=0)
  with pytest.raises(arguments.UsageError, match="n must be >= 1"):
    reports.write_analysis(tiny_run, n=0)
  with pytest.raises(arguments.UsageError, match="dims must be"):
    reports.write_generalization(tiny_run, dims=[0, 4])
  with pytest.raises(RunError, match="no such directory"):
    reports.write_analysis(os.path.join(tiny_run, "nowhere"))
  shutil.copy(os.path.join(tiny_run, "config.json"), tmp_path)
  with pytest.raises(RunError, match="no checkpoint"):  # a config, no steps
    reports.write_analysis(str(tmp_path))


@pytest.mark.parametrize("make", ["missing", "foreign"])
def test_launcher_bad_workdir_exits_2_without_traceback(tmp_path, make):
  workdir = tmp_path / "run"
  if make == "foreign":
    workdir.mkdir()
    (workdir / "notes.txt").write_text("not a run")
  result = subprocess.run(
      [sys.executable, "-m", "launch.analyze", f"--workdir={workdir}"],
      cwd=REPO, capture_output=True, text=True, timeout=120)
  assert result.returncode == 2, result.stderr
  assert "Traceback" not in result.stderr
  assert result.stderr.startswith("error: ") and str(workdir) in result.stderr
  assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_wilson_interval_and_boundaries_by_hand():
  shares = phase_stats.label_shares(
      [_record(1, 1e-3, member, label) for member, label in enumerate(
          ["pudding_pos", "pudding_pos", "pudding_neg", "other"])]
      + [_record(1, 1e-3, 0, "other")],  # a minority draw of replica 0
      replica_of=lambda member: member)
  assert shares[0]["replicas"] == 4 and shares[0]["pudding_pos"] == 0.5
  assert shares[0]["other"] == 0.25
  lo, hi = phase_stats.wilson_interval(8, 10)
  np.testing.assert_allclose([lo, hi], [0.4902, 0.9433], atol=1e-4)
  assert phase_stats.wilson_interval(0, 10)[0] == 0.0
  records = [_record(1, beta, member, label)
             for member, sequence in enumerate([
                 ["double_sided", "pudding_neg", "convexity", "convexity"],
                 ["double_sided", "pudding_pos", "double_sided",
                  "pudding_pos"]])
             for beta, label in zip([1e-6, 1e-4, 1e-2, 1.0], sequence)]
  rows = phase_stats.phase_boundaries(records,
                                     replica_of=lambda member: member)
  got = {(r["from"], r["to"]): r for r in rows}
  assert set(got) == {("double_sided", "pudding"), ("pudding", "convexity"),
                      ("pudding", "double_sided")}
  assert got["double_sided", "pudding"]["replicas"] == 2
  assert got["double_sided", "pudding"]["changes"] == 3
  np.testing.assert_allclose(got["double_sided", "pudding"]["beta_median"],
                             1e-5)  # changes at 1e-5, 1e-5 and 1e-1
  np.testing.assert_allclose(got["pudding", "convexity"]["beta_median"], 1e-3)
