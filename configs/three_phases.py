r"""The grid-mode control: one hypernetwork per beta, the paper's three phases.

  python -m launch.train --config=configs/three_phases.py --workdir=runs/three
  python -m launch.analyze --workdir=runs/three

The default's objective, offset and range (kl, own-edge sign offset 1.5,
[2e-6, 4e-2], no ramp), but every replica is 8 independent hypernetworks,
each trained at one beta of an 8-beta grid (grid mode: 3 replicas x 8
betas, one parameter set each). It shows double-sided, pudding and convexity
and is the control for the default's one beta-conditioned generator
(docs/results.md, "The three phases of the paper", for its measured shares,
boundaries and time: 6 minutes on a 2-core CPU). It answers only its 8
betas (`layout.member_for` picks the nearest).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.beta_mode = "grid"
  c.num_seeds = 3
  c.num_betas = 8
  c.nets_per_bucket = 4
  c.model.num_knots = 1  # one beta per member: nothing varies with beta
  return c
