"""Hypernetwork parameters that vary with beta: one generator for every beta.

With `model.num_knots = J > 1` the hypernetwork's parameters are a function
of log beta,

    theta(beta) = base + sum_j c_j(t) knots_j,   t = layout.scaled_log_beta,

evaluated per generated network before `HyperNet.apply`
(`generator.generate_from_noise`). A generator whose parameters are shared
across beta carries the algorithm that forms first across its whole range
(docs/results.md, "One generator for every beta"); once networks at distant
betas stop pulling on the same parameters, one generator holds the three
phases. `model.beta_map` picks the coefficients `c_j` and the base:

- `"hat"`: piecewise-linear interpolation between `J` knots spaced evenly in
  log beta (hat functions, each network touches two knots), no base:
  `theta(beta_j) = knots_j` exactly.
- `"delta"`: a shared base plus hat-weighted deltas (initialised at zero), so
  what every beta needs trains on every network.
- `"mlp"`: a shared base plus `J` learned directions mixed by a small MLP of
  `t`: a Pareto hyper-hypernetwork (Navon et al. 2021) of rank `J`.

Every form starts as the beta-shared generator: the knots (or the base)
from one draw, the deltas at zero. `J = 1` is the plain parameter tree: the
beta-shared generator, bit for bit.
"""

import jax
import jax.numpy as jnp
import numpy as np

BETA_MAPS = ("hat", "delta", "mlp")
_MLP_WIDTH = 16


def varies(config) -> bool:
  return config.model.num_knots > 1


def hat_weights(num_knots: int, t):
  """`[J]` hat functions of `t` at knots spaced evenly on [-1, 1] (sum 1)."""
  knots_J = np.linspace(-1.0, 1.0, num_knots)
  return jnp.maximum(0.0, 1.0 - jnp.abs(t - knots_J) * (num_knots - 1) / 2.0)


def init(config, init_one, key):
  """The beta-dependent parameters built from `init_one(key) -> params`.

  Every knot (or the base) starts from the same parameters, so at step 0
  the generator is the beta-shared one. `fixed` is empty: it held the
  parameters a removed option kept fixed across beta, and Orbax restores
  only the tree a run saved.
  """
  if not varies(config):
    return init_one(key)
  num_knots = config.model.num_knots
  # Three keys, as every run was initialised (the second drew knots of
  # their own under a removed option).
  base_key, _, coef_key = jax.random.split(key, 3)
  params = init_one(base_key)
  if config.model.beta_map == "hat":
    return {"fixed": {}, "knots": jax.tree.map(
        lambda a: jnp.broadcast_to(a, (num_knots, *a.shape)), params)}
  state = {"fixed": {}, "base": params,
           "knots": jax.tree.map(
               lambda a: jnp.zeros((num_knots, *a.shape), a.dtype), params)}
  if config.model.beta_map == "mlp":
    k1, k2 = jax.random.split(coef_key)
    state["coef"] = {
        "w1": jax.random.normal(k1, (_MLP_WIDTH,)) * 2.0,
        "b1": jnp.linspace(-2.0, 2.0, _MLP_WIDTH),
        "w2": jax.random.normal(k2, (_MLP_WIDTH, num_knots))
              / np.sqrt(_MLP_WIDTH),
        "b2": jnp.zeros(num_knots)}
  return state


def coefficients(config, state, t):
  """`[J]` weights `c_j` of the knots at the scaled log beta `t`."""
  if config.model.beta_map == "mlp":
    coef = state["coef"]
    return jnp.tanh(t * coef["w1"] + coef["b1"]) @ coef["w2"] + coef["b2"]
  return hat_weights(config.model.num_knots, t)


def at(config, state, t):
  """The hypernetwork's parameters at the scaled log beta `t` (a scalar,
  `layout.scaled_log_beta`)."""
  if not varies(config):
    return state
  c_J = coefficients(config, state, t)
  stacked = state["knots"]
  if "base" in state:
    # One weighted sum over [base, knots] with the base's weight 1: under
    # `vmap` over networks the stack does not depend on the network, so it
    # is built once per step, and the per-network work is that of "hat".
    c_J = jnp.concatenate([jnp.ones(1, c_J.dtype), c_J])
    stacked = jax.tree.map(lambda b, k: jnp.concatenate([b[None], k]),
                           state["base"], stacked)
  return jax.tree.map(lambda a: jnp.tensordot(c_J, a, axes=1), stacked)
