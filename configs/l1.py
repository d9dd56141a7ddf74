r"""L1 (the sum of |w|) over a range that reaches the constant network.

  python -m launch.train --config=configs/l1.py --workdir=runs/l1
  python -m launch.analyze --workdir=runs/l1

The default generator with `regularizer = "l1"`, beta over [1e-5, 3], no
own-edge sign offset (it held every replica in double-sided, which the
objective never prefers), a lead unit and competing units that can carry
the pudding's shared correction in one unit (`model.lead_unit`,
`model.compete`, shares started at scale 2), and the beta anneal from 0.2:
from 20% of the steps every network below a floor falling from 0.2 to
beta_min (at 90%) is trained as if at the floor, so the correction
concentrates where that is fast and the low-beta networks inherit it
(`beta_anneal_from`, layout.loss_log_beta_floor). 7,000 steps: 4 min 43 s
and 4 min 0 s wall on both cores of a 2-core CPU VM (seeds 0 and 1), 3 min
6 s and 3 min 11 s on a faster hour.
Measured (docs/results.md, "The beta anneal"; seeds 0-3 on one core,
0 and 1 on both, twice): 29 of 32 replicas within 0.15 of the optimal front
(`analysis/optimality.csv`) at every beta from 1e-3 to 3, at least 3 of 4
in every run (from 0.1: 18 of 24, and 1 of 4 at seed 2); pudding ->
trivial where the front has it (between 0.2 and 0.32; the front: 0.27);
without the anneal 0 of 8, 0.2 .. 0.35 off between 1e-3 and 2e-2. FVU at
beta_min 2.1e-3 .. 4.3e-3 (without the anneal about 1e-3).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l1"
  c.beta_min = 1e-5
  c.beta_max = 3.0
  # The front's families, not double-sided: no own-edge sign offset, a lead
  # unit and competing units for the shared correction, the beta anneal and
  # the steps it needs to concentrate there at every beta.
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.model.compete = True
  c.model.compete_init = 2.0
  c.beta_anneal_from = 0.2
  c.num_steps = 7000
  return c
