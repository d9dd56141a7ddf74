"""The optimal front: the hand-built algorithm the objective prefers per beta.

Training minimises `log(FVU + beta C / n)` (`train.objective`), so at every
beta some algorithm scores best. The front searches the hand-built families
(`FAMILIES`), their few parameters optimised for `J = FVU + beta C / n` with
the project's own definitions: FVU divides by the task's exact variance
(`evaluation.fvu`), `W1` and `w2` are priced, biases are free
(`complexity.py`).

Every family is a sum over inputs of the same units, plus for the pudding
one shared linear unit. On independent inputs and an additive task (`y =
sum_i g(x_i)`, `tasks.base.Task`) FVU and C/n are then per-input numbers:

    FVU = var(g(x) - h(x)) / var(g(x)),
    h(x) = a swish(k x + b) [+ a swish(-k x + b)] [+ lam x]

(the constant is `b2`, free). The input distribution must be symmetric, as
both tasks' is, so a negative pudding scores as the positive one. Per input,
`l1` costs `k + a` per unit plus the correction's `2 sqrt(|lam| / n)` (its
`n` input weights `c` and output weight `lam / c` are cheapest at `c =
sqrt(|lam| / n)`); `l0` counts 2 edges per unit and `(n + 1) / n` for the
correction. Only the correction depends on `n`.

Under `l1` a family is a curve of points, each the optimum of `FVU + beta'
C / n` at one `beta'` of a dense scan (the lower convex hull of what the
family can reach); under `l0` weight sizes are free, so a family is one
point, its least FVU at its fixed count. Accuracy is bounded by a *floor*:
a point's FVU counts as `max(FVU, floor)`. Without one, the `l0` pudding
would reach FVU 0 for free; the honest floor for a trained generator is its
own best error along beta (`optimality.floor`). Each point's `J` is then a line
in beta, and the front is their lower envelope.

`kl` is not priced here: its networks are draws around the weights, so a
hand-built net's price depends on per-weight sigmas and on the error the
draws add, and its convexity family is dense, so nothing reduces to one
input. The grid-mode control (`configs/three_phases.py`) is its empirical
front (`docs/results.md`).
"""

import functools
import math
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.example_libraries import optimizers

from hypernet_l1 import algorithms
from hypernet_l1 import tasks
from hypernet_l1.target import TargetNet, swish

MEASURES = ("l1", "l0")
# l1: the scan of beta' whose optima trace each family's curve, 8 per decade.
SCAN_BETAS = tuple(float(b) for b in np.logspace(-8, 2, 81))
# Bounds on a unit's input weight: below 0.05, float32 cannot resolve the
# quadratic's curvature against swish's value (its FVU is then within 1e-3
# of its k -> 0 limit); above 500 the kink is narrower than the samples.
K_BOUNDS = (0.05, 500.0)
_SAMPLES = 2048
_FIRST_STEPS = 2000
_STEPS_PER_BETA = 150
_LEARNING_RATE = 0.03


class Family(NamedTuple):
  name: str          # its label family (labels.py)
  units: int         # units per input: 0, 1, or a mirrored pair
  correction: bool   # one shared linear unit (the pudding's)
  inits: tuple       # starting (k, a, b, lam) of the optimiser


FAMILIES = (
    Family("trivial", 0, False, ()),
    Family("quadratic", 1, False,
           ((1.0, 4.0, algorithms.U_STAR, 0.0), (0.3, 40.0, algorithms.U_STAR,
                                                 0.0), (3.0, 0.5, -1.5, 0.0))),
    Family("pudding", 1, True,
           ((8.0, 0.25, 0.0, -1.0), (3.0, 0.7, 0.0, -1.0),
            (1.0, 2.0, 0.0, -1.0))),
    Family("double_sided", 2, False,
           ((8.0, 0.125, 0.0, 0.0), (3.0, 0.35, 0.0, 0.0),
            (1.0, 1.0, 0.0, 0.0))),
)
BY_NAME = {f.name: f for f in FAMILIES}


class Point(NamedTuple):
  """One optimised network of a family: its per-input parameters, its FVU
  and its complexity per input (`cost`) under the measure."""
  family: str
  fvu: float
  cost: float
  k: float = 0.0
  a: float = 0.0
  b: float = 0.0
  lam: float = 0.0

  def objective(self, beta: float, floor: float = 0.0) -> float:
    """`J = max(FVU, floor) + beta C / n`."""
    return max(self.fvu, floor) + beta * self.cost


def _check_measure(measure: str) -> None:
  if measure not in MEASURES:
    raise ValueError(f"the front is priced for {', '.join(MEASURES)}, not "
                     f"{measure!r} (hypernet_l1/front.py says why)")


def _natural(theta):
  """`(k, a, b, lam)` from the optimiser's `(log k, log a, b, lam)`, `k`
  within `K_BOUNDS`."""
  k = jnp.exp(jnp.clip(theta[..., 0], *np.log(K_BOUNDS)))
  return k, jnp.exp(theta[..., 1]), theta[..., 2], theta[..., 3]


def _units(k, a, b, x_P, units: int):
  """The units' part of `h(x)` for one input: `a swish(k x + b)`, and its
  mirror `a swish(-k x + b)` for a pair."""
  h = a * swish(k * x_P + b)
  if units == 2:
    h = h + a * swish(-k * x_P + b)
  return h


def _fvu(h_P, g_P, variance):
  e_P = g_P - h_P
  return jnp.mean((e_P - jnp.mean(e_P)) ** 2) / variance


def _cost(measure: str, family: Family, k, a, lam, n: int):
  """Complexity per input (`C / n`) of a family's network."""
  if measure == "l0":
    return 2.0 * family.units + (1.0 + 1.0 / n) * family.correction
  return family.units * (k + a) + family.correction * 2.0 * jnp.sqrt(
      jnp.abs(lam) / n + 1e-20)


def _samples(task: tasks.Task):
  """Per-input `x` and `g(x)` (float32 `[P]`), and `var(g)` (`task.variance`).

  `x` are the quantiles of a 32x larger draw (every 32nd of it, sorted): as
  even as a grid, yet any task's distribution, with less sampling noise in
  FVU than `P` independent draws.
  """
  draw = task.sample_inputs(jax.random.key(0), (32 * _SAMPLES, 1))
  x_P = jnp.sort(draw[:, 0])[16::32]
  return x_P, task.function(x_P[:, None]), float(task.variance(1))


# LLVM -O2 whatever XLA_FLAGS says (the test suite's -O0 ran it 3x slower).
@functools.partial(jax.jit, static_argnums=(0, 1, 2),
                   compiler_options={"xla_backend_optimization_level": 2})
def _optimise(measure: str, family: Family, task_name: str, n,
              scan_betas, inits_Ix4):
  """Adam on `FVU + beta' C / n` for every init, `beta'` after `beta'`.

  Returns the optimised `(k, a, b, lam)` `[S, I, 4]` with their FVU and
  `C / n` `[S, I]`. Each `beta'` starts from the previous one's optimum (the
  first from the init, with `_FIRST_STEPS`), so the scan follows each
  init's branch of the family's curve."""
  x_P, g_P, variance = _samples(tasks.get(task_name))
  mask = jnp.array([1.0, 1.0, 1.0, float(family.correction)])

  def fvu_and_cost(theta):
    k, a, b, lam = _natural(theta * mask)
    h_P = _units(k, a, b, x_P, family.units) + lam * x_P
    return _fvu(h_P, g_P, variance), _cost(measure, family, k, a, lam, n)

  def objective(theta, beta):
    fvu, cost = fvu_and_cost(theta)
    return fvu + beta * cost

  # JAX's own Adam, not optax: what reads runs never imports the training
  # loop's optimiser (tests/test_architecture.py).
  init, update, get_params = optimizers.adam(_LEARNING_RATE)

  def solve(theta, beta, num_steps):
    def step(state, i):
      grad = jax.grad(objective)(get_params(state), beta) * mask
      return update(i, grad, state), None
    state, _ = jax.lax.scan(step, init(theta), jnp.arange(num_steps))
    return get_params(state)

  def along_scan(theta):
    theta = solve(theta, scan_betas[0], _FIRST_STEPS)

    def next_beta(theta, beta):
      theta = solve(theta, beta, _STEPS_PER_BETA)
      return theta, theta * mask
    return jax.lax.scan(next_beta, theta, scan_betas)[1]

  theta_SxIx4 = jnp.moveaxis(jax.vmap(along_scan)(inits_Ix4), 0, 1)
  fvu_SxI, cost_SxI = jax.vmap(jax.vmap(fvu_and_cost))(theta_SxIx4)
  return jnp.stack(_natural(theta_SxIx4), -1), fvu_SxI, cost_SxI


@functools.lru_cache(maxsize=64)
def family_points(measure: str, family_name: str, n: int,
                  task_name: str = "l1_norm") -> tuple[Point, ...]:
  """The family's optimised networks for `n` inputs (cached per process).

  `l1`: the best of the inits at every `SCAN_BETAS` value, keeping those that
  beat the constant network there (others are the family collapsing onto
  it); `l0`: the least FVU, one point.
  """
  _check_measure(measure)
  family = BY_NAME[family_name]
  if not family.units:
    return (Point(family.name, 1.0, 0.0),)
  scan_betas = (0.0,) if measure == "l0" else SCAN_BETAS
  inits_Ix4 = np.array([(math.log(k), math.log(a), b, lam)
                        for k, a, b, lam in family.inits], np.float32)
  kabl_SxIx4, fvu_SxI, cost_SxI = jax.device_get(_optimise(
      measure, family, task_name, jnp.float32(n),
      jnp.asarray(scan_betas, jnp.float32),
      jnp.asarray(inits_Ix4)))
  points = []
  for beta, kabl_Ix4, fvu_I, cost_I in zip(scan_betas, kabl_SxIx4, fvu_SxI,
                                           cost_SxI):
    best = min((Point(family.name, float(fvu), float(cost),
                      *(float(v) for v in kabl))
                for kabl, fvu, cost in zip(kabl_Ix4, fvu_I, cost_I)),
               key=lambda p: p.objective(beta))
    if measure == "l0" or best.objective(beta) < 1.0:
      points.append(best)
  return tuple(points)


def best(measure: str, beta: float, n: int, floor: float = 0.0,
         task_name: str = "l1_norm") -> Point:
  """The front's network at `beta`: the point of least `J` over families
  (a tie goes to the family listed first in `FAMILIES`, the simpler)."""
  points = [p for f in FAMILIES
            for p in family_points(measure, f.name, n, task_name)]
  return min(points, key=lambda p: p.objective(beta, floor))


def scan(measure: str, betas: Sequence[float], n: int, floor: float = 0.0,
         task_name: str = "l1_norm") -> list[dict]:
  """One row per beta: the front's family, FVU, C/n and `J`."""
  rows = []
  for beta in betas:
    p = best(measure, float(beta), n, floor, task_name)
    rows.append({"beta": float(beta), "family": p.family,
                 "fvu": max(p.fvu, floor), "complexity": p.cost,
                 "objective": p.objective(float(beta), floor)})
  return rows


def boundaries(measure: str, beta_lo: float, beta_hi: float, n: int,
               floor: float = 0.0, task_name: str = "l1_norm") -> list[dict]:
  """Where the front's family changes between `beta_lo` and `beta_hi`.

  Each point's `J` is a line in beta, so a boundary is where the lines of
  the two best points on either side of it cross (exact for `l0`, whose
  families are one point each).
  """
  grid = np.geomspace(beta_lo, beta_hi, 400)
  found = []
  previous = best(measure, grid[0], n, floor, task_name)
  for beta in grid[1:]:
    current = best(measure, beta, n, floor, task_name)
    if current.family != previous.family:
      cross = ((max(previous.fvu, floor) - max(current.fvu, floor))
               / (current.cost - previous.cost))
      found.append({"from": previous.family, "to": current.family,
                    "beta": float(cross)})
    previous = current
  return found


def network(point: Point, n: int, sign: float = 1.0, m: int | None = None,
            task_name: str = "l1_norm", margin: float = 20.0) -> TargetNet:
  """The `n`-input network of a point (`m = 3 n` units by default).

  Units `0..n-1` carry `a swish(k s x_i + b)` (`s = sign`), units `n..2n-1`
  the mirrored pair's other side, and the pudding's correction is the next
  unit, in swish's linear regime: input weights `c` of the sign that gives
  `lam s x_i`, bias `c n + margin`, output weight `|lam| / c`, `c = sqrt(|lam|
  / n)` (the cheapest under `l1`). `b2` matches the task's mean. Its FVU and
  `C / n` are the point's, up to the samples.
  """
  family = BY_NAME[point.family]
  m = 3 * n if m is None else m
  w1_MxN = np.zeros((m, n))
  b1_M, w2_M = np.zeros(m), np.zeros(m)
  idx = np.arange(n)
  for r in range(family.units):
    w1_MxN[r * n + idx, idx] = point.k * sign * (1 - 2 * r)
    b1_M[r * n:(r + 1) * n] = point.b
    w2_M[r * n:(r + 1) * n] = point.a
  x_P, g_P, _ = _samples(tasks.get(task_name))
  units_mean = (float(jnp.mean(_units(point.k, point.a, point.b, x_P,
                                      family.units)))
                if family.units else 0.0)
  b2 = n * (float(jnp.mean(g_P)) - units_mean)
  if family.correction and point.lam:
    c = math.sqrt(abs(point.lam) / n)
    j = family.units * n
    w1_MxN[j] = c * sign * np.sign(point.lam)
    b1_M[j] = c * n + margin
    w2_M[j] = abs(point.lam) / c
    b2 -= b1_M[j] * w2_M[j]
  return TargetNet(*(jnp.asarray(v, jnp.float32)
                     for v in (w1_MxN, b1_M, w2_M, b2)))
