r"""The paper's scale: 33 seeds, n = 16 -> 48 networks, beta over many decades.

  python -m launch.train --config=configs/paper.py --workdir=runs/paper

Meant for a GPU (the ensemble axis is sharded over all devices) or a long CPU
run; see README "Performance" for the measured estimate.
"""

from configs import default


def get_config():
  c = default.get_config()
  c.num_seeds = 33
  c.beta_min = 1e-8
  c.beta_max = 1.0
  c.num_steps = 20000
  c.checkpoint_every = 1000
  c.eval.num_betas = 17
  return c
