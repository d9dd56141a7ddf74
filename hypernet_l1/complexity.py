"""Complexity measures of the generated weights, and how each draws them.

The hypernetwork gives every generated weight (the first-layer weights `W1` and
the output weights `w2`, i.e. the edges of the network graph) a *mean*, a *log
sigma* and a *gate logit*. A regularizer turns these and a standard-normal
`eps` into a draw of the weight and its cost. Biases are free parameters: they
are generated deterministically and cost nothing under every measure, so that
the three measures price the same thing, the graph.
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

# Hard-concrete stretch and temperature (Louizos, Welling, Kingma 2018, sec. 4).
L0_GAMMA, L0_ZETA, L0_TEMPERATURE = -0.1, 1.1, 2.0 / 3.0


class WeightHeads(NamedTuple):
  """Per-weight outputs of the hypernetwork; any shape, all alike."""
  mean: jax.Array
  log_sigma: jax.Array
  gate_logit: jax.Array


class Settings(NamedTuple):
  """The measures' constants (`config.model`)."""
  prior_scale: float = 1.0  # kl: prior N(0, prior_scale^2)
  gate_bound: float = 6.0   # l0: gate logits live in [-gate_bound, gate_bound]


def l1(heads: WeightHeads, eps, mask, settings: Settings, train: bool):
  """L1: the weight is its mean; cost = sum |w| over unmasked weights."""
  del eps, settings, train
  weight = heads.mean * mask
  return weight, jnp.sum(jnp.abs(weight))


def deterministic_gate(gate_logit: jax.Array) -> jax.Array:
  """The deterministic hard-concrete gate of a trained net (Louizos et al.,
  eq. 13): `clip(sigmoid(logit) (zeta - gamma) + gamma, 0, 1)`, exactly 0
  for `logit <= -2.4` and exactly 1 for `logit >= 2.4`."""
  return jnp.clip(jax.nn.sigmoid(gate_logit) * (L0_ZETA - L0_GAMMA)
                  + L0_GAMMA, 0.0, 1.0)


@jax.custom_vjp
def bounded(x: jax.Array, bound: float) -> jax.Array:
  """`clip(x, -bound, bound)` whose gradient still moves `x` back inside.

  The generator's analogue of the reference implementation's projection of
  the gate parameters after each step: inside the box the gradient passes
  as it is; outside it passes only where a descent step moves `x` inward,
  so a logit can neither stick at the bound nor drift away from it.
  """
  return jnp.clip(x, -bound, bound)


def _bounded_fwd(x, bound):
  return jnp.clip(x, -bound, bound), (x, bound)


def _bounded_bwd(residual, g):
  x, bound = residual
  inward = ((x <= bound) | (g > 0)) & ((x >= -bound) | (g < 0))
  return jnp.where(inward, g, 0.0), None


bounded.defvjp(_bounded_fwd, _bounded_bwd)


def l0(heads: WeightHeads, eps, mask, settings: Settings, train: bool):
  """L0: `w = mean * z`, `z` a hard-concrete gate (Louizos et al. 2018).

  Training (`train`): `z` is sampled from its logit (bounded to `[-B, B]`,
  `B = settings.gate_bound`; `bounded`) and the cost is the expected number
  of non-zero weights, `sum P(z != 0)` = `sum sigmoid(logit - T log(-gamma
  / zeta))`; the gate's uniform noise is `Phi(eps)`, so one normal draw
  serves every measure. The count's gradient is that of the straight line
  from a closed gate (`-B`) to an open one (`+B`), `1 / (2B)` per unit of
  logit: the expected count's own gradient, `sigmoid'`, is 5e-4 at logit 6
  and 1e-6 at 13, so gates that the error had opened never felt the count
  again and L0 did not respond to beta (docs/results.md). Otherwise
  (evaluation, analysis) the gate is `deterministic_gate` and the cost is the
  exact number of non-zero weights. `B = 0` is the plain hard-concrete:
  unbounded logits and the expected count's own gradient.
  """
  bound = settings.gate_bound
  logit = bounded(heads.gate_logit, bound) if bound else heads.gate_logit
  if not train:
    weight = heads.mean * deterministic_gate(logit) * mask
    return weight, jnp.sum((weight != 0) * mask)
  u = jnp.clip(jax.scipy.stats.norm.cdf(eps), 1e-6, 1.0 - 1e-6)
  s = jax.nn.sigmoid((jnp.log(u) - jnp.log1p(-u) + logit) / L0_TEMPERATURE)
  gate = jnp.clip(s * (L0_ZETA - L0_GAMMA) + L0_GAMMA, 0.0, 1.0)
  p_open = jax.nn.sigmoid(
      logit - L0_TEMPERATURE * jnp.log(-L0_GAMMA / L0_ZETA))
  if bound:
    line = logit / (2.0 * bound)
    p_open = (jax.lax.stop_gradient(p_open) + line
              - jax.lax.stop_gradient(line))
  return heads.mean * gate * mask, jnp.sum(p_open * mask)


def kl(heads: WeightHeads, eps, mask, settings: Settings, train: bool):
  """KL: `w ~ N(mean, sigma^2)` (reparameterised); cost in nats.

  Cost = `sum KL(N(mean, sigma^2) || N(0, prior_scale^2))` =
  `sum log(p / sigma) + (sigma^2 + mean^2) / (2 p^2) - 1/2`: the information the
  generated weights carry beyond the prior (the paper's measure). A trained
  net is one draw too (`train` changes nothing): under `kl` the convexity
  algorithm lives in the noise, and the mean weights would hide it.
  """
  del train
  prior_scale = settings.prior_scale
  sigma = jnp.exp(heads.log_sigma)
  weight = (heads.mean + sigma * eps) * mask
  nats = (jnp.log(prior_scale) - heads.log_sigma
          + (sigma ** 2 + heads.mean ** 2) / (2.0 * prior_scale ** 2) - 0.5)
  return weight, jnp.sum(nats * mask)


REGULARIZERS: dict[str, Callable] = {"l1": l1, "l0": l0, "kl": kl}


def draws_noise(regularizer: str, train: bool) -> bool:
  """Whether a draw of `regularizer` can differ from the same heads drawn
  with zero noise: `kl` always, `l0` in training (sampled gates), `l1`
  never."""
  return regularizer == "kl" or (regularizer == "l0" and train)
