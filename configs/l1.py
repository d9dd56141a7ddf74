r"""L1 (the sum of |w|) over a range that reaches the constant network.

  python -m launch.train --config=configs/l1.py --workdir=runs/l1
  python -m launch.analyze --workdir=runs/l1

The default generator with `regularizer = "l1"`, beta over [1e-5, 3], no
own-edge sign offset (it held every replica in double-sided, which the
objective never prefers), a lead unit that can carry the pudding's shared
correction (`model.lead_unit`), 9,000 steps. Measured (seed 0, 4 min 3 s on
both cores): pudding -> trivial in 4 of 4 replicas, the front's families;
the gap to the optimal front (`analysis/optimality.csv`) is 0.2 .. 0.3 at
1e-3 .. 0.13 (0.31 .. 0.54 with the default's settings), because the
correction stays spread over the free units in most replicas
(docs/results.md, "Each measure on its own optimal front").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l1"
  c.beta_min = 1e-5
  c.beta_max = 3.0
  # The front's families, not double-sided: no own-edge sign offset, a lead
  # unit for the shared correction, and the steps it needs to concentrate
  # there.
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.num_steps = 9000
  return c
