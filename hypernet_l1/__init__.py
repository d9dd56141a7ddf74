"""hypernet-l1: a hypernetwork that generates interpretable L1-norm networks."""

from hypernet_l1 import algorithms
from hypernet_l1 import analysis
from hypernet_l1 import clusters
from hypernet_l1 import front
from hypernet_l1 import labels
from hypernet_l1 import layout
from hypernet_l1 import optimality
from hypernet_l1 import phases
from hypernet_l1 import plots
from hypernet_l1 import reports
from hypernet_l1 import tasks
from hypernet_l1.generalization import evaluate_dims
from hypernet_l1.run import Run, load_run
from hypernet_l1.target import TargetNet, apply_target
