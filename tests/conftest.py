"""Shared fixtures: the tiny config and one tiny trained run per session."""

import pytest

from configs import tiny
from hypernet_l1 import train


@pytest.fixture
def tiny_config():
  return tiny.get_config()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
  """A finished tiny run directory (20 steps, 2 checkpoints)."""
  workdir = str(tmp_path_factory.mktemp("tiny_run"))
  train.train_and_evaluate(tiny.get_config(), workdir)
  return workdir
