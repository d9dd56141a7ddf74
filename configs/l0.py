r"""L0 (non-zero weights) over a range that reaches the constant network.

  python -m launch.train --config=configs/l0.py --workdir=runs/l0
  python -m launch.analyze --workdir=runs/l0

The default generator with `regularizer = "l0"`: hard-concrete gates whose
logits are bounded to +-`model.gate_bound` with a count gradient that does
not vanish there (`complexity.l0`), per-edge-type initial gates, beta over
[1e-5, 1], no own-edge sign offset, one tied slot (`model.tied_slots`: with
two, every network starts with double-sided's 4 edges per input), a lead
unit and competing units started at scale 4 (`model.lead_unit`,
`model.compete`), 9,000 steps (3 min 18 s .. 3 min 59 s on both cores of
a fast 2-core VM). Measured (seeds 0-3 on one core, 0-1 on both): the
front's pudding at its scan betas 3.2e-3, 1.3e-2 and 5.6e-2 in 15 of 24
replicas (two tied slots, seeds 0-3: 3 of 16, 4 double-sided), but past
the front's switch to the quadratic (0.058) the puddings stay puddings up
to 0.19 .. 0.29, 0.1 .. 0.45 above the front there: the quadratic appears
in 2 of 24 replicas, never in one with the front's pudding
(docs/results.md, "Under `l0` a good low band and the quadratic never
share a generator").
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
  # As measured; "noise" centring moved l0's quadratic but not its runs onto
  # the front (docs/results.md, "Under `l0` the gates' training noise").
  c.model.centre_output = "none"
  c.num_steps = 9000
  return c
