"""Scoring generated networks: FVU, and the fixed inputs evaluation uses."""

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


def fvu(pred_B: jax.Array, y_B: jax.Array, task: tasks.Task,
        n) -> jax.Array:
  """The fraction of variance unexplained, `mean((pred - y)^2) / var(y)`.

  The one definition, in training (`train.network_objective`), evaluation
  and analysis: `var(y)` is the task's exact variance for `n` inputs
  (`tasks.Task.variance`), not the sample's. So every network of one `n`
  is divided by the same number, on whatever inputs it is scored, and FVU
  measures its error alone. (On the 4096 fixed evaluation inputs the
  sample's variance is 0.96-0.99 of the exact one for n = 2..64.)
  """
  return jnp.mean((pred_B - y_B) ** 2) / task.variance(n)


def error_metrics(pred_B: jax.Array, y_B: jax.Array, task: tasks.Task,
                  n) -> dict[str, jax.Array]:
  """Relative RMS error and FVU (`fvu`) of predictions on a sample."""
  mse = jnp.mean((pred_B - y_B) ** 2)
  return {"rel_rms": jnp.sqrt(mse / jnp.mean(y_B ** 2)),
          "fvu": fvu(pred_B, y_B, task, n)}


def network_metrics(config, net: TargetNet, cost, n,
                    x_BxN) -> dict[str, jax.Array]:
  """Relative RMS, FVU on `x` (`eval_inputs`) and complexity per input of a net.

  `net`, `cost`: a draw of `generator.generate_from_noise`.
  """
  task = tasks.get(config.task)
  return {**error_metrics(apply_target(net, x_BxN), task.function(x_BxN),
                          task, n),
          "complexity": cost / n}
