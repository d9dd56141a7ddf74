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

Training holds the state packed (`pack`): the parameter sets as the rows of
one array, so the step mixes every network's parameters in one matmul
(`rows_at`) and its optimizer updates one array, not a leaf per weight and
knot (benchmarks/README.md, "Parameters that vary with beta").
"""

import math

import jax
import jax.numpy as jnp
import numpy as np

BETA_MAPS = ("hat", "delta", "mlp")
_MLP_WIDTH = 16


def varies(config) -> bool:
  return config.model.num_knots > 1


def _has_base(config) -> bool:
  """The knots are deltas from a shared base ("delta", "mlp")."""
  return config.model.beta_map != "hat"


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
  if not _has_base(config):
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


def _set_weights(config, state, t):
  """`[S]` weights of the stacked parameter sets (`_stacked`) at `t`: the
  knots' coefficients, after the base's weight 1 where there is a base."""
  c_J = coefficients(config, state, t)
  if not _has_base(config):
    return c_J
  return jnp.concatenate([jnp.ones(1, c_J.dtype), c_J])


def _stacked(config, state):
  """Leaves `[S, ...]`: the base (if any), then the knots."""
  if not _has_base(config):
    return state["knots"]
  return jax.tree.map(lambda b, k: jnp.concatenate([b[None], k]),
                      state["base"], state["knots"])


def at(config, state, t):
  """The hypernetwork's parameters at the scaled log beta `t` (a scalar,
  `layout.scaled_log_beta`)."""
  if not varies(config):
    return state
  c_S = _set_weights(config, state, t)
  return jax.tree.map(lambda a: jnp.tensordot(c_S, a, axes=1),
                      _stacked(config, state))


def pack(config, state) -> dict:
  """`state` as the training step holds it: `rows`, the parameter sets (the
  base first, then the knots; `J = 1`: the one set) as the rows of one
  `[S, P]` array, and the `mlp`'s coefficient net beside them.

  One array instead of a leaf per weight and knot: the step's optimizer,
  its loop over members and its dispatch pay per leaf, and the mix of
  every network's parameters is one matmul (`rows_at`). A row is the set's
  leaves raveled in tree order; `unpack` inverts it.
  """
  stacked = _stacked(config, state) if varies(config) else jax.tree.map(
      lambda a: a[None], state)
  packed = {"rows": jnp.concatenate(
      [a.reshape(a.shape[0], -1) for a in jax.tree.leaves(stacked)], axis=1)}
  if "coef" in state:
    packed["coef"] = state["coef"]
  return packed


def unravel(one, rows):
  """Parameter sets from `rows` `[..., P]` of `pack`: `one`'s tree (one
  parameter set, arrays or shapes) with leaves `[..., *shape]`."""
  leaves, treedef = jax.tree.flatten(one)
  sizes = [math.prod(leaf.shape) for leaf in leaves]
  parts = jnp.split(rows, np.cumsum(sizes)[:-1], axis=-1)
  return treedef.unflatten([part.reshape(*rows.shape[:-1], *leaf.shape)
                            for part, leaf in zip(parts, leaves)])


def unpack(config, packed, one):
  """The state `pack` packed (`one`: one parameter set, for its tree)."""
  stacked = unravel(one, packed["rows"])
  if not varies(config):
    return jax.tree.map(lambda a: a[0], stacked)
  if not _has_base(config):
    return {"fixed": {}, "knots": stacked}
  state = {"fixed": {}, "base": jax.tree.map(lambda a: a[0], stacked),
           "knots": jax.tree.map(lambda a: a[1:], stacked)}
  if "coef" in packed:
    state["coef"] = packed["coef"]
  return state


def rows_at(config, packed, t_G):
  """`[G, P]`: `at` of every network's scaled log beta `t_G`, as rows of
  `pack`, in one matmul."""
  c_GxS = jax.vmap(lambda t: _set_weights(config, packed, t))(t_G)
  return c_GxS @ packed["rows"]
