r"""The paper's scale: the default generator with 33 replicas.

  python -m launch.train --config=configs/paper.py --workdir=runs/paper
  python -m launch.analyze --workdir=runs/paper

`configs/default.py` (one beta-conditioned generator per replica, kl, own-edge
sign offset 1.5, [5e-7, 4e-2], the output bias centred on the draw's noise)
with 34 replicas: the paper's 33 seeds, made even so the ensemble splits over
2 devices. The ensemble axis is sharded over all devices (GPU/TPU, or several
hosts with `--distributed`; use `--config.member_chunk=0` on accelerators).
Measured on an idle 2-core CPU (2026-12-07): 18 min 32 s on the current
step (24 min 54 s before the noise loop, on a slower hour), 27 and 28 of
34 replicas double-sided -> pudding -> convexity, FVU 2.9e-3 at beta_min
(docs/results.md, "The paper's scale: 34 replicas", beside the grid-mode
control).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.num_seeds = 34  # the paper's 33, made even to split over 2 devices
  c.eval.num_draws = 2  # the final table's draws per replica
  return c
