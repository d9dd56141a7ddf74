"""Evaluating generated networks: error and complexity on fixed keys."""

import csv
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import generator
from hypernet_l1.target import (TargetNet, apply_target, error_metrics,
                                l1_norm)

# Fixed seed: evaluations of different checkpoints see the same x. (A seed,
# not a key: a key made at import would start JAX's backends on import.)
X_SEED = 12345


def eval_inputs(n, num_inputs: int, batch_size: int) -> jax.Array:
  """The fixed evaluation inputs `x: [batch_size, num_inputs]` for `n` inputs.

  Drawn at the padded size and zero beyond column `n`, so every network of
  one dim and padded size sees the same `x`.
  """
  x_BxN = jax.random.uniform(jax.random.key(X_SEED), (batch_size, num_inputs),
                             minval=-1.0, maxval=1.0)
  return x_BxN * (jnp.arange(num_inputs) < n)


def network_metrics(net: TargetNet, cost, n, x_BxN) -> dict[str, jax.Array]:
  """Relative RMS, FVU on `x` (`eval_inputs`) and complexity per input of a net.

  `net`, `cost`: a draw of `generator.generate_padded`.
  """
  metrics = error_metrics(apply_target(net, x_BxN), l1_norm(x_BxN))
  return {**metrics, "complexity": cost / n}


@functools.partial(jax.jit, static_argnums=(0, 5))
def ensemble_metrics(config, params_E, n_S, log_beta_B, draw_seeds_D,
                     num_inputs):
  """Metrics `[E, S, B, D]` for members x dims x betas x draw seeds, one call.

  `config` must be hashable (`ml_collections.FrozenConfigDict`).
  """
  keys_D = jax.vmap(jax.random.key)(draw_seeds_D)

  def fn(params, n, log_beta, key):
    net, cost = generator.generate_padded(config, params, key, n, log_beta,
                                          num_inputs)
    return network_metrics(
        net, cost, n, eval_inputs(n, num_inputs, config.eval.batch_size))

  for axes in [(None, None, None, 0), (None, None, 0, None),
               (None, 0, None, None), (0, None, None, None)]:
    fn = jax.vmap(fn, in_axes=axes)
  return fn(params_E, n_S, log_beta_B, keys_D)


def grid_betas(config) -> np.ndarray:
  """The `num_betas` grid-mode betas, log-spaced over `[beta_min, beta_max]`."""
  return np.exp(np.linspace(math.log(config.beta_min),
                            math.log(config.beta_max), config.num_betas))


def eval_betas(config) -> np.ndarray:
  return np.exp(np.linspace(math.log(config.beta_min),
                            math.log(config.beta_max), config.eval.num_betas))


def default_betas(config) -> np.ndarray:
  """The grid betas in grid mode, else `eval.num_betas` log-spaced over the range."""
  if config.beta_mode == "grid":
    return grid_betas(config)
  return eval_betas(config)


def beta_table(config, params_E) -> list[dict]:
  """Medians over members and draws of n = eval.n networks, per eval beta.

  In grid mode each member is evaluated at the grid beta it was trained at.
  """
  n = config.eval.n
  betas = default_betas(config)
  metrics = jax.device_get(ensemble_metrics(
      config, params_E, jnp.array([n]), jnp.log(jnp.asarray(betas)),
      jnp.arange(config.eval.num_draws), n))
  rows = []
  for b, beta in enumerate(betas):
    if config.beta_mode == "grid":
      pick = lambda v: v[b::config.num_betas, 0, b]
    else:
      pick = lambda v: v[:, 0, b]
    rows.append({"n": n, "beta": float(beta),
                 **{k: float(np.median(pick(v))) for k, v in metrics.items()}})
  return rows


def format_beta_table(rows: list[dict], config) -> str:
  lines = [f"generated n = {config.eval.n} networks (median over members and "
           f"{config.eval.num_draws} draws; regularizer {config.regularizer})",
           f"{'beta':>10} {'rel_rms':>10} {'fvu':>10} {'complexity/n':>13}"]
  for r in rows:
    lines.append(f"{r['beta']:10.2e} {r['rel_rms']:10.3e} {r['fvu']:10.3e} "
                 f"{r['complexity']:13.4g}")
  return "\n".join(lines)


def write_rows(path: str, rows: list[dict]) -> None:
  with open(path, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
