r"""The beta-shared generator: one parameter set for every beta (the control).

  python -m launch.train --config=configs/shared.py --workdir=runs/shared
  python -m launch.analyze --workdir=runs/shared

`configs/default.py` with one knot (`model.num_knots = 1`: beta enters only
as a context feature), no own-edge sign offset, beta over [1e-6, 0.1] with the
top of the range opened over the first 30% of steps. It carries the algorithm
that forms first across its whole range: pudding at every beta up to 5.6e-3,
then convexity, FVU 2.5e-3 at beta_min, in 2 minutes on a 2-core CPU
(docs/results.md, "Which algorithm each complexity measure selects").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.model.num_knots = 1
  c.model.sign_offset = 0.0
  c.beta_min = 1e-6
  c.beta_max = 0.1
  c.beta_ramp_fraction = 0.3
  c.model.centre_output = "none"  # as measured
  return c
