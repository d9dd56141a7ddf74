r"""L1 (the sum of |w|) over a range that reaches the constant network.

  python -m launch.train --config=configs/l1.py --workdir=runs/l1
  python -m launch.analyze --workdir=runs/l1

The default generator with `regularizer = "l1"` and beta over [1e-5, 3].
Measured at 6,000 steps (`--config.num_steps=6000`; 11 min 23 s on one core
with the other busy): double-sided in
every replica up to 0.13-0.2, the constant network from 0.2-0.32 (the theory
puts the jump near 0.27), FVU 2.5e-3 at beta_min; no pudding band
(docs/results.md, "l1 and l0 on the default generator").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l1"
  c.beta_min = 1e-5
  c.beta_max = 3.0
  # The front's families, not double-sided: no own-edge sign offset, a lead
  # unit to carry the shared correction, and the steps it needs to
  # concentrate there (docs/results.md, "Each measure on its own optimal
  # front").
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.num_steps = 9000
  return c
