"""docs/tutorial.ipynb runs from top to bottom on the tiny run.

Its code cells run in order in one namespace, as a notebook kernel would run
them (no Jupyter needed). It reads the same dims, betas and draws as
test_generalization and test_phases, so in the suite its programs are
already compiled.
"""

import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(REPO, "docs", "tutorial.ipynb")


def _code_cells():
  with open(NOTEBOOK) as f:
    notebook = json.load(f)
  assert notebook["nbformat"] == 4
  cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
  for cell in cells:  # stored without outputs
    assert cell["outputs"] == [] and cell["execution_count"] is None
  return ["".join(c["source"]) for c in cells]


def test_tutorial_runs_to_the_end(tiny_run, tmp_path, monkeypatch):
  workdir = str(tmp_path / "run")
  shutil.copytree(tiny_run, workdir)  # the notebook writes a figure into it
  monkeypatch.setenv("HL1_TUTORIAL_WORKDIR", workdir)
  monkeypatch.chdir(REPO)
  monkeypatch.setattr(sys, "path", list(sys.path))
  namespace = {"__name__": "__main__"}
  for i, source in enumerate(_code_cells()):
    exec(compile(source, f"{NOTEBOOK} code cell {i}", "exec"), namespace)
  assert namespace["TUTORIAL_DONE"]
  assert namespace["WORKDIR"] == workdir
  assert os.path.getsize(
      os.path.join(workdir, "analysis", "tutorial_networks.png")) > 0
