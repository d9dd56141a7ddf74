r"""The paper's three phases in one run: double-sided, pudding, convexity.

  python -m launch.train --config=configs/three_phases.py --workdir=runs/three
  python -m launch.analyze --workdir=runs/three

The default (`kl`) with a learnable own-edge sign offset (`model.sign_offset`,
`hypernet.py`) and one hypernetwork per beta (grid mode: 3 replicas x 8
betas over [2e-6, 4e-2]), each trained at its own beta from the first step
(no ramp). The offset makes an input's two tied units start with opposite
signs; where complexity hardly counts they stay a double-sided pair, where it
counts the pair's symmetry breaks and a pudding forms. A sampled-beta
generator cannot do this: it carries the algorithm that forms first across
its whole range (docs/results.md). 24 members: 6 minutes measured on the
2-core CPU (11-12 minutes on one core with the other core busy).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.beta_mode = "grid"
  c.num_seeds = 3
  c.num_betas = 8
  c.beta_min = 2e-6
  c.beta_max = 4e-2
  c.beta_ramp_fraction = 0.0
  c.nets_per_bucket = 4
  c.model.sign_offset = 1.5
  return c
