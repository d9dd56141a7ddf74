r"""The paper's scale: the three-phase configuration with 33 replicas.

  python -m launch.train --config=configs/paper.py --workdir=runs/paper
  python -m launch.analyze --workdir=runs/paper

`configs/three_phases.py` (kl, a learnable own-edge sign offset, one
hypernetwork per beta over [2e-6, 4e-2]) with 33 replicas, as the paper's 33
seeds: 264 members. The ensemble axis is sharded over all devices (GPU/TPU,
or several hosts with `--distributed`; use `--config.member_chunk=0` on
accelerators). On the 2-core CPU it took 75 minutes (docs/results.md has
the per-beta label shares with 95% intervals and the phase boundaries).
"""

from configs import three_phases


def get_config():
  c = three_phases.get_config()
  c.num_seeds = 33
  c.eval.num_draws = 2  # the final table's draws per member (264 members)
  return c
