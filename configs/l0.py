r"""L0 (non-zero weights) over a range that reaches the constant network.

  python -m launch.train --config=configs/l0.py --workdir=runs/l0
  python -m launch.analyze --workdir=runs/l0

The default generator with `regularizer = "l0"`: hard-concrete gates whose
logits are bounded to +-`model.gate_bound` with a count gradient that does
not vanish there (`complexity.l0`), per-edge-type initial gates, and beta
over [1e-5, 1]. Measured at 6,000 steps (`--config.num_steps=6000`; 12 min
12 s on one core with the other busy): double-sided up to 0.19 (exactly 4
edges per input from 4.6e-4 on, FVU 1.4e-3 at beta_min), a lopsided pair
(`lopsided`: one side weak or missing, no correction) at 0.29 in 2 of 4
replicas, the constant network from 0.44. With `model.sign_offset=0` the
quadratic appears at 0.13-0.29 instead (docs/results.md, "l1 and l0 on the
default generator").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l0"
  c.beta_min = 1e-5
  c.beta_max = 1.0
  # The front's families, not double-sided: no own-edge sign offset, a lead
  # unit to carry the shared correction, and the steps it needs to
  # concentrate there (docs/results.md, "Each measure on its own optimal
  # front").
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.num_steps = 9000
  return c
