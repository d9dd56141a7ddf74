"""Seconds-long run for tests: the default with everything shrunk."""

from configs import default


def get_config():
  c = default.get_config()
  c.num_seeds = 2
  c.train_dims = (3, 4, 6, 7, 8)
  c.heldout_dims = (5, 12)
  c.dim_buckets = (4, 8)
  c.nets_per_bucket = 2
  c.batch_size = 32
  c.num_steps = 40
  c.warmup_steps = 2
  c.checkpoint_every = 20
  c.log_every = 10
  c.model.code_dim = 4
  c.model.width = 8
  c.eval.n = 6
  c.eval.num_betas = 3
  c.eval.num_draws = 2
  c.eval.batch_size = 256
  return c
