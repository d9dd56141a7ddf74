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


def l1(heads: WeightHeads, eps, mask, prior_scale: float, train: bool):
  """L1: the weight is its mean; cost = sum |w| over unmasked weights."""
  del eps, prior_scale, train
  weight = heads.mean * mask
  return weight, jnp.sum(jnp.abs(weight))


def test_gate(gate_logit: jax.Array) -> jax.Array:
  """The deterministic hard-concrete gate of a trained net (Louizos et al.,
  eq. 13): `clip(sigmoid(logit) (zeta - gamma) + gamma, 0, 1)`, exactly 0
  for `logit <= -2.4` and exactly 1 for `logit >= 2.4`."""
  return jnp.clip(jax.nn.sigmoid(gate_logit) * (L0_ZETA - L0_GAMMA)
                  + L0_GAMMA, 0.0, 1.0)


def l0(heads: WeightHeads, eps, mask, prior_scale: float, train: bool):
  """L0: `w = mean * z`, `z` a hard-concrete gate (Louizos et al. 2018).

  Training (`train`): `z` is sampled and the cost is the expected number of
  non-zero weights, `sum P(z != 0)` = `sum sigmoid(gate_logit - T log(-gamma
  / zeta))`; the gate's uniform noise is `Phi(eps)`, so one normal draw
  serves every measure. Otherwise the gate is `test_gate` and the cost is the
  exact number of non-zero weights of the network.
  """
  del prior_scale
  if not train:
    weight = heads.mean * test_gate(heads.gate_logit) * mask
    return weight, jnp.sum((weight != 0) * mask)
  u = jnp.clip(jax.scipy.stats.norm.cdf(eps), 1e-6, 1.0 - 1e-6)
  s = jax.nn.sigmoid((jnp.log(u) - jnp.log1p(-u) + heads.gate_logit)
                     / L0_TEMPERATURE)
  gate = jnp.clip(s * (L0_ZETA - L0_GAMMA) + L0_GAMMA, 0.0, 1.0)
  p_open = jax.nn.sigmoid(
      heads.gate_logit - L0_TEMPERATURE * jnp.log(-L0_GAMMA / L0_ZETA))
  return heads.mean * gate * mask, jnp.sum(p_open * mask)


def kl(heads: WeightHeads, eps, mask, prior_scale: float, train: bool):
  """KL: `w ~ N(mean, sigma^2)` (reparameterised); cost in nats.

  Cost = `sum KL(N(mean, sigma^2) || N(0, prior_scale^2))` =
  `sum log(p / sigma) + (sigma^2 + mean^2) / (2 p^2) - 1/2`: the information the
  generated weights carry beyond the prior (the paper's measure). A trained
  net is one draw too (`train` changes nothing): under `kl` the convexity
  algorithm lives in the noise, and the mean weights would hide it.
  """
  del train
  sigma = jnp.exp(heads.log_sigma)
  weight = (heads.mean + sigma * eps) * mask
  nats = (jnp.log(prior_scale) - heads.log_sigma
          + (sigma ** 2 + heads.mean ** 2) / (2.0 * prior_scale ** 2) - 0.5)
  return weight, jnp.sum(nats * mask)


REGULARIZERS: dict[str, Callable] = {"l1": l1, "l0": l0, "kl": kl}
