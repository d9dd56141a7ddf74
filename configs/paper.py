r"""The paper's scale: the default generator with 33 replicas.

  python -m launch.train --config=configs/paper.py --workdir=runs/paper
  python -m launch.analyze --workdir=runs/paper

`configs/default.py` (one beta-conditioned generator per replica, kl, own-edge
sign offset 1.5, [2e-6, 4e-2]) with 33 replicas, as the paper's 33 seeds. The
ensemble axis is sharded over all devices (GPU/TPU, or several hosts with
`--distributed`; use `--config.member_chunk=0` on accelerators). Not yet
measured at this scale (docs/results.md, "The paper's scale", has the
grid-mode run: `configs/three_phases.py` with `--config.num_seeds=33`, 75
minutes on a 2-core CPU).
"""

from configs import default


def get_config():
  c = default.get_config()
  c.num_seeds = 34  # the paper's 33, made even to split over 2 devices
  c.eval.num_draws = 2  # the final table's draws per replica
  return c
