"""hypernet-l1: a hypernetwork that generates interpretable L1-norm networks."""

import importlib

from hypernet_l1 import algorithms
from hypernet_l1 import analysis
from hypernet_l1 import clusters
from hypernet_l1 import descent
from hypernet_l1 import front
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import optimality
from hypernet_l1 import phase_map
from hypernet_l1 import phases
from hypernet_l1 import tasks
from hypernet_l1.generalization import evaluate_dims
from hypernet_l1.run import Run, load_run
from hypernet_l1.target import TargetNet, apply_target

# Drawing needs matplotlib and networkx, most of the package's import time:
# `hl1.plots` and `hl1.reports` are imported when first used, so training,
# a launcher that only trains and every test that draws nothing skip them.
_ON_FIRST_USE = ("plots", "reports")


def __getattr__(name: str):
  if name in _ON_FIRST_USE:
    return importlib.import_module(f"{__name__}.{name}")
  raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
