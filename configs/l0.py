r"""L0 (non-zero weights) over a range that reaches the constant network.

  python -m launch.train --config=configs/l0.py --workdir=runs/l0
  python -m launch.analyze --workdir=runs/l0

The default generator with `regularizer = "l0"`: hard-concrete gates whose
logits are bounded to +-`model.gate_bound` with a count gradient that does
not vanish there (`complexity.l0`), per-edge-type initial gates, beta over
[1e-5, 1], no own-edge sign offset, a lead unit (`model.lead_unit`), 9,000
steps. Measured (seed 0, 4 min 23 s on both cores): pudding -> quadratic ->
trivial, the optimal front's sequence, in 1 of 4 replicas (pudding ->
quadratic in another; pudding -> trivial in 2), where the default's settings
gave double-sided at every beta; but below about 1e-2 its puddings keep 10 to
20 edges per input where the front's has 3.06, so its gap to the front
(`analysis/optimality.csv`) there is up to 2 (docs/results.md, "Each measure
on its own optimal front").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l0"
  c.beta_min = 1e-5
  c.beta_max = 1.0
  # As configs/l1.py: the front's families, not double-sided.
  c.model.sign_offset = 0.0
  c.model.lead_unit = True
  c.num_steps = 9000
  return c
