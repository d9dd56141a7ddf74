"""hypernet-l1: a hypernetwork that generates interpretable L1-norm networks."""

from hypernet_l1.target import TargetNet, apply_target
from hypernet_l1.run import Run, load_run
