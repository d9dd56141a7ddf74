r"""L0 (non-zero weights) over a range that reaches the constant network.

  python -m launch.train --config=configs/l0.py --workdir=runs/l0
  python -m launch.analyze --workdir=runs/l0

The default generator with `regularizer = "l0"`: hard-concrete gates whose
logits are bounded to +-`model.gate_bound` with a count gradient that does
not vanish there (`complexity.l0`), per-edge-type initial gates, beta over
[1e-5, 1], no own-edge sign offset, one tied slot (`model.tied_slots`: with
two, every network starts with double-sided's 4 edges per input), a lead
unit and competing units started at scale 4 (`model.lead_unit`,
`model.compete`), 16 knots and the output bias centred on the gates'
noise (`model.num_knots`; `model.centre_output` as the default), 9,000
steps (4 min 11 s .. 4 min 35 s on both cores of a fast 2-core VM).
Measured at the issue's 9-beta scan (seeds 0-3, each on one core and on
both): 3 of 32 replicas within 0.15 of the optimal front at every beta
>= 1e-3; the others keep the pudding up to 0.24 (0.31 .. 0.37 above the
front's quadratic there), spread the quadratic down into the pudding's
band, or meet the pudding with a wall in it (docs/results.md, "Under `l0` a
good low band and the quadratic seldom share a generator").
"""

from configs import default


def get_config():
  c = default.get_config()
  c.regularizer = "l0"
  c.beta_min = 1e-5
  c.beta_max = 1.0
  # As configs/l1.py: the front's families, not double-sided.
  c.model.sign_offset = 0.0
  c.model.tied_slots = 1
  c.model.lead_unit = True
  c.model.compete = True
  c.model.compete_init = 4.0
  # Knots a third of a decade apart, two inside the front's quadratic band,
  # with b2 centred as in the default: the only setting measured whose
  # replicas meet the l0 bound (3 of 32; docs/results.md, "Under `l0` a good
  # low band and the quadratic seldom share a generator").
  c.model.num_knots = 16
  c.num_steps = 9000
  return c
