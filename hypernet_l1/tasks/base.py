"""`Task`: what a task defines (the registry is `hypernet_l1.tasks`)."""

from typing import Callable, NamedTuple

import jax


class Task(NamedTuple):
  name: str
  # y = function(x), what the generated networks learn: `[..., N] -> [...]`,
  # on NumPy and JAX arrays alike (NumPy's float64 stays float64, for the
  # least-squares fits of `algorithms.py`).
  # Padded input columns are zero and must not change y (every function
  # here is a sum over inputs of g(x_i) with g(0) = 0).
  function: Callable[[jax.Array], jax.Array]
  # x = sample_inputs(key, shape): independent and identically distributed
  # coordinates, so a draw of `size * n` values cut into rows of `n` is a
  # draw for `n` inputs (`analysis.probe_batches`, `evaluation.eval_inputs`).
  sample_inputs: Callable[[jax.Array, tuple], jax.Array]
  # The mean and variance of one input coordinate under `sample_inputs`.
  input_mean: float
  input_var: float
  # var(y) for `n` inputs, exactly: what FVU divides by (`evaluation.fvu`).
  variance: Callable[[jax.Array], jax.Array]
  # Whether the classifier's L1-norm algorithm labels apply.
  l1_labels: bool
