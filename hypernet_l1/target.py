"""The generated networks: two-layer swish MLPs `n -> m -> 1`."""

from typing import NamedTuple

import jax


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
