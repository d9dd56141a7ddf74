"""The sum of squares `y = sum_i x_i^2` on `x ~ U[-1, 1]^n`: a second task.

Its exact network is the `quadratic` algorithm of the L1 norm (one unit per
input at swish's minimum, `algorithms.quadratic`), so it tests whether
complexity pressure finds the algorithm the task calls for. `E x^2 = 1/3`,
`E x^4 = 1/5`, so `var(y) = n (1/5 - 1/9) = 4 n / 45`.
"""

from hypernet_l1.tasks.base import Task
from hypernet_l1.tasks import l1_norm


def sum_squares(x_BxN):
  return (x_BxN ** 2).sum(axis=-1)


TASK = Task(name="sum_squares", function=sum_squares,
                  sample_inputs=l1_norm.uniform_inputs,
                  input_mean=l1_norm.UNIFORM_MEAN,
                  input_var=l1_norm.UNIFORM_VAR,
                  variance=lambda n: 4.0 * n / 45.0, l1_labels=False)
