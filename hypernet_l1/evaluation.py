"""Scoring generated networks on fixed inputs (the task's target and inputs)."""

import jax
import jax.numpy as jnp

from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet, apply_target

# Fixed seed: evaluations of different checkpoints see the same x. (A seed,
# not a key: a key made at import would start JAX's backends on import.)
X_SEED = 12345


def eval_inputs(config, n, num_inputs: int) -> jax.Array:
  """The fixed evaluation inputs `x: [eval.batch_size, num_inputs]` for `n`.

  Drawn from the task's input distribution at the padded size and zero
  beyond column `n`, so every network of one dim and padded size sees the
  same `x`.
  """
  x_BxN = tasks.get(config.task).sample_inputs(
      jax.random.key(X_SEED), (config.eval.batch_size, num_inputs))
  return x_BxN * (jnp.arange(num_inputs) < n)


def error_metrics(pred_B: jax.Array, y_B: jax.Array) -> dict[str, jax.Array]:
  """Relative RMS error and fraction of variance unexplained on a sample."""
  mse = jnp.mean((pred_B - y_B) ** 2)
  return {
      "rel_rms": jnp.sqrt(mse / jnp.mean(y_B ** 2)),
      "fvu": mse / jnp.var(y_B),
  }


def network_metrics(config, net: TargetNet, cost, n,
                    x_BxN) -> dict[str, jax.Array]:
  """Relative RMS, FVU on `x` (`eval_inputs`) and complexity per input of a net.

  `net`, `cost`: a draw of `generator.generate_from_noise`.
  """
  y_B = tasks.get(config.task).target(x_BxN)
  return {**error_metrics(apply_target(net, x_BxN), y_B),
          "complexity": cost / n}
