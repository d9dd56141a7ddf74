r"""Default run: one beta-conditioned generator per replica, on a laptop CPU.

  python -m launch.train --config=configs/default.py --workdir=runs/default
  python -m launch.analyze --workdir=runs/default

Trains 4 independent replicas in one compiled step. Each is one hypernetwork
for n in 4..24 whose parameters vary with log beta (a shared base plus 4
hat-function deltas, `hypernet_l1/knots.py`), with beta sampled
log-uniformly per generated network over [5e-7, 4e-2], `kl` complexity, a
learnable own-edge sign offset and the output bias centred on the draw's
noise, 4,500 steps. Measured: all 4 replicas go double-sided -> pudding ->
convexity along beta (seeds 0 and 1), FVU 2.8e-3 .. 3.4e-3 at beta_min, and
at n = 256 1.03x .. 1.20x that at n = 24 (five runs; docs/results.md, "The
default since 2026-12-07"); the time on a 2-core CPU is in the README's
configs table.
"""

import ml_collections

HELDOUT_INTERIOR = (11, 17)


def get_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0
  c.task = "l1_norm"               # hypernet_l1/tasks: l1_norm | sum_squares
  c.num_seeds = 4                  # independent hypernetworks, one step
  c.regularizer = "kl"             # "l1" | "l0" | "kl"
  c.beta_mode = "sampled"          # "sampled" (log-uniform per net) | "grid"
  c.beta_min = 5e-7
  c.beta_max = 4e-2
  c.num_betas = 8                  # grid mode: members per seed, log-spaced
  c.beta_ramp_fraction = 0.0       # the beta range opens over this share
  c.beta_ramp_direction = "up"     # "up": from beta_min | "down": from beta_max
  # The beta anneal (layout.loss_log_beta_floor): a network's loss prices
  # complexity at no less than a floor that falls from beta_anneal_from
  # (0: off) to beta_min between these shares of the steps.
  c.beta_anneal_from = 0.0
  c.beta_anneal_start = 0.2
  c.beta_anneal_end = 0.9
  c.train_dims = tuple(d for d in range(4, 25) if d not in HELDOUT_INTERIOR)
  c.heldout_dims = HELDOUT_INTERIOR + (32, 48)
  c.dim_buckets = (8, 16, 24)      # padded sizes, each compiled once
  c.hidden_per_input = 3           # k: m = k n hidden units
  c.nets_per_bucket = 8            # generated networks per bucket per step
  c.batch_size = 256               # x samples per generated network
  # Members vmapped together inside the step; groups of this many run one
  # after another in a compiled loop (0: all at once, the fast layout on
  # GPU/TPU; 1: fastest on CPU, see benchmarks/README.md).
  c.member_chunk = 1
  c.num_steps = 4500
  c.learning_rate = 5e-3
  c.warmup_steps = 200
  c.grad_clip = 1.0
  c.checkpoint_every = 600
  c.checkpoint_minutes = 0.0       # also save this often (wall clock; 0: off)
  c.log_every = 100

  c.model = ml_collections.ConfigDict()
  c.model.code_dim = 12
  c.model.width = 32
  c.model.tied_slots = 2           # the rest of the k slots hold free units
  c.model.slot_sign = "paired"     # "none" | "random" | "paired" (hypernet.py)
  c.model.init_log_sigma = -3.0
  c.model.prior_scale = 1.0        # kl: prior N(0, prior_scale^2)
  # l0: initial gate logits (own edges open, the tied units' other edges
  # closed, free units' edges undecided) and the bound on every gate logit.
  c.model.init_gate = ml_collections.ConfigDict(
      dict(own=3.0, off=-3.0, free=0.0, w2=3.0))
  c.model.gate_bound = 6.0         # 0: unbounded, the plain hard-concrete
  # Own-edge sign offset (hypernet.py): 0 = none.
  c.model.sign_offset = 1.5
  c.model.sign_offset_slope = 0.0
  c.model.lead_unit = False        # one free unit marked (hypernet.py)
  c.model.compete = False          # a slot's units compete (hypernet.py)
  c.model.compete_init = 0.0       # the shares' initial scale (0: all equal)
  # b2 from the drawn units (hypernet.py): "none" | "noise" | "all".
  # "noise": a draw's noise does not move the mean output, so every beta
  # carries further past the trained n, and with beta_min 5e-7 FVU at n = 256
  # stays within 1.03-1.20x of n = 24 (docs/results.md, "The default since
  # 2026-12-07"); it costs 0.90-1.04x the step's time (benchmarks/README.md).
  c.model.centre_output = "noise"
  # Generator parameters that vary with beta (hypernet_l1/knots.py): J knots
  # in log beta (1: one parameter set for every beta) and how they combine.
  c.model.num_knots = 4
  c.model.beta_map = "delta"       # "hat" | "delta" | "mlp"

  c.eval = ml_collections.ConfigDict()
  c.eval.n = 16
  c.eval.num_betas = 7
  c.eval.num_draws = 4
  c.eval.batch_size = 4096
  return c
