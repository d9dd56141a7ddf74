"""The package's shape: what reads a run never imports the training loop, the
member layout is decoded in one place, and only the library is installed."""

import importlib.util
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = REPO / "hypernet_l1"
# Everything from `load_run` on: reading, generating, analysing, drawing.
READERS = ("run", "sweep", "phases", "phase_stats", "phase_text",
           "generalization", "reports", "tables", "plots", "clusters",
           "analysis", "evaluation")
TRAINING = ("hypernet_l1.train", "hypernet_l1.runcontrol", "optax")


def _load_import_graph():
  spec = importlib.util.spec_from_file_location(
      "import_graph", REPO / "docs" / "import_graph.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


_closure = _load_import_graph().closure


@pytest.mark.parametrize("reader", READERS)
def test_readers_never_import_the_training_loop(reader):
  reached = _closure(f"hypernet_l1.{reader}")
  assert not reached & set(TRAINING), sorted(reached & set(TRAINING))


def test_the_training_loop_does_import_them_checked_here():
  """The check can fail: the training loop itself reaches optax."""
  assert "optax" in _closure("hypernet_l1.train")


def test_only_layout_decodes_the_member_layout():
  """`num_betas` / `num_seeds` (the layout's shape) are read in `layout.py`
  and validated in `config_validation.py`, nowhere else in the package;
  `beta_mode` is compared in `layout.py` alone."""
  for path in PACKAGE.rglob("*.py"):
    if path.name == "layout.py":
      continue
    text = path.read_text()
    assert "beta_mode ==" not in text and "beta_mode !=" not in text, (
        f"{path.name} tests beta_mode; ask layout.trains_at_grid_betas")
    if path.name == "config_validation.py":
      continue
    for field in ("num_betas", "num_seeds"):
      assert f".{field}" not in text, f"{path.name} reads {field}"


def test_training_never_imports_the_drawing_libraries():
  """matplotlib and networkx load with `hl1.plots` / `hl1.reports` only, not
  with the package or the training launcher (each interpreter start, of the
  launchers and the tests' subprocesses, would pay for them); `hl1.plots`
  still works."""
  code = ("import sys, hypernet_l1 as hl1, launch.train; "
          "assert not {'matplotlib', 'networkx'} & set(sys.modules); "
          "hl1.plots; assert 'matplotlib' in sys.modules")
  subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                 timeout=120)


@pytest.mark.slow
def test_the_wheel_holds_only_the_library(tmp_path):
  """`pip install .` installs `hypernet_l1` and nothing named `configs`,
  `benchmarks` or `launch` (slow: builds a wheel)."""
  subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                  "-w", str(tmp_path), str(REPO)], check=True, timeout=600,
                 env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
  (wheel,) = tmp_path.glob("*.whl")
  tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
  assert "hypernet_l1" in tops
  assert not tops & {"configs", "benchmarks", "launch", "tests"}, tops
