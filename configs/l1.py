r"""L1 (the sum of |w|) over a range that reaches the constant network.

  python -m launch.train --config=configs/l1.py --workdir=runs/l1
  python -m launch.analyze --workdir=runs/l1

The default run with `regularizer = "l1"` and beta over [1e-5, 3]; the
phase theory puts the jump from pudding to the constant network near beta
0.27 (docs/results.md has what was measured).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l1"
  c.beta_min = 1e-5
  c.beta_max = 3.0
  return c
