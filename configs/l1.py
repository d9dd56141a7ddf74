r"""L1 (the sum of |w|) over a range that reaches the constant network.

  python -m launch.train --config=configs/l1.py --workdir=runs/l1
  python -m launch.analyze --workdir=runs/l1

The default generator with `regularizer = "l1"`, beta over [1e-5, 3], no
own-edge sign offset (it held every replica in double-sided, which the
objective never prefers), a lead unit and competing units that can carry
the pudding's shared correction in one unit (`model.lead_unit`,
`model.compete`, shares started at scale 2), 9,000 steps (on both cores
of a 2-core CPU: 4 min 57 s on one VM, 6 min 31 s on a slower one).
Measured (seeds 0 and 1, one core each, the other busy): pudding ->
trivial in 4 of 4 replicas, the jump where the optimal front has it
(between 0.2 and 0.32; the front: 0.27), and every replica within 0.15 of
the front (`analysis/optimality.csv`) from 3.3e-2 up; but 0.2 .. 0.35 from
it between 1e-3 and 2e-2, where the correction stays spread over many
units, a local minimum of the objective there (docs/results.md, "Each
measure on its own optimal front").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l1"
  c.beta_min = 1e-5
  c.beta_max = 3.0
  # The front's families, not double-sided: no own-edge sign offset, a lead
  # unit and competing units for the shared correction, and the steps it
  # needs to concentrate there.
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.model.compete = True
  c.model.compete_init = 2.0
  c.num_steps = 9000
  return c
