r"""L0 (non-zero weights) over a range that reaches the constant network.

  python -m launch.train --config=configs/l0.py --workdir=runs/l0
  python -m launch.analyze --workdir=runs/l0

The default run with `regularizer = "l0"`: hard-concrete gates whose logits
are bounded to +-`model.gate_bound` with a count gradient that does not
vanish there (`complexity.l0`), per-edge-type initial gates, and beta over
[1e-5, 1]. The measured phases and their times are in docs/results.md.
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l0"
  c.beta_min = 1e-5
  c.beta_max = 1.0
  return c
