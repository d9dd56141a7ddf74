"""The L1 norm `y = sum_i |x_i|` on `x ~ U[-1, 1]^n`: the project's task.

`|x_i|` is uniform on [0, 1], so `var(y) = n / 12`.
"""

import jax

from hypernet_l1.tasks.base import Task


def l1_norm(x_BxN):
  return abs(x_BxN).sum(axis=-1)


def uniform_inputs(key: jax.Array, shape: tuple) -> jax.Array:
  return jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)


# One coordinate's mean and variance under `uniform_inputs`.
UNIFORM_MEAN, UNIFORM_VAR = 0.0, 1.0 / 3.0

TASK = Task(name="l1_norm", function=l1_norm, sample_inputs=uniform_inputs,
            input_mean=UNIFORM_MEAN, input_var=UNIFORM_VAR,
            variance=lambda n: n / 12.0, l1_labels=True)
