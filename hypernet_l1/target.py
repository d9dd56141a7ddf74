"""The generated networks: two-layer swish MLPs `n -> m -> 1`."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


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


def swish(z):
  """`z sigmoid(z)`, the sigmoid written `(1 + tanh(z / 2)) / 2`.

  The same function, and the one swish of the package: XLA:CPU lowers
  `jax.nn.sigmoid` to `exp` and a divide, and this form is faster wherever
  it runs, the hypernetwork's layers and the generated networks alike
  (benchmarks/README.md). A NumPy array stays NumPy, in its own precision
  (the float64 least-squares fits of `algorithms.py`).
  """
  tanh = np.tanh if isinstance(z, np.ndarray) else jnp.tanh
  return z * (0.5 + 0.5 * tanh(0.5 * z))


def apply_target(net: TargetNet, x_BxN: jax.Array) -> jax.Array:
  """Evaluates one network on a batch: `x: [batch, n] -> [batch]`."""
  h_BxM = swish(x_BxN @ net.W1.T + net.b1)
  return h_BxM @ net.w2 + net.b2
