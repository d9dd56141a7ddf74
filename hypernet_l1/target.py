"""The generated networks: two-layer swish MLPs `n -> m -> 1` (DESIGN section 2)."""

from typing import NamedTuple

import jax
import jax.numpy as jnp


class TargetNet(NamedTuple):
  """A two-layer swish MLP, `f(x) = w2 . swish(W1 @ x + b1) + b2`.

  Shapes `W1: [m, n]`, `b1: [m]`, `w2: [m]`, `b2: []`; leaves may carry extra
  leading batch axes (seeds, betas, checkpoints), which every function in
  this package that takes a `TargetNet` treats as a batch.
  """
  W1: jax.Array
  b1: jax.Array
  w2: jax.Array
  b2: jax.Array


def swish(z: jax.Array) -> jax.Array:
  return z * jax.nn.sigmoid(z)


def apply_target(net: TargetNet, x_BxN: jax.Array) -> jax.Array:
  """Evaluates one network on a batch: `x: [batch, n] -> [batch]`."""
  h_BxM = swish(x_BxN @ net.W1.T + net.b1)
  return h_BxM @ net.w2 + net.b2


def l1_norm(x_BxN: jax.Array) -> jax.Array:
  """The task: `y = sum_i |x_i|`."""
  return jnp.sum(jnp.abs(x_BxN), axis=-1)


def error_metrics(pred_B: jax.Array, y_B: jax.Array) -> dict[str, jax.Array]:
  """Relative RMS error and fraction of variance unexplained (DESIGN section 7)."""
  mse = jnp.mean((pred_B - y_B) ** 2)
  return {
      "rel_rms": jnp.sqrt(mse / jnp.mean(y_B ** 2)),
      "fvu": mse / jnp.var(y_B),
  }
