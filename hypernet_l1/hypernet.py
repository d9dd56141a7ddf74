"""The dimension-conditioned hypernetwork (`docs/design.md`, section 3).

Hidden unit `(r, a)` of a generated network is slot `r < K` of index `a < n`.
The first `tied_slots` slots are *tied* to input `a`: built from its code and
told which edge is their own. The other slots hold *free* units with codes of
their own, so that units unlike their siblings (a linear correction unit,
dense convexity units) can be generated. Every edge weight `W1[(r, a), i]`
comes from one edge MLP applied to all (unit, input) pairs at once; pooled
context (masked mean over inputs, the scaled log beta `t`, `8/n`) tells each
unit about the whole network. All inputs are treated alike, so the
distribution of generated networks is symmetric under permuting inputs.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from hypernet_l1 import complexity
from hypernet_l1.noise import Noise
from hypernet_l1.target import TargetNet, swish

SLOT_SIGNS = ("none", "random", "paired")  # `HyperNet.slot_sign`


class MLP(nn.Module):
  width: int
  out: int
  depth: int = 2

  @nn.compact
  def __call__(self, x):
    for _ in range(self.depth - 1):
      x = swish(nn.Dense(self.width)(x))
    return nn.Dense(self.out)(x)


class _Vector(nn.Module):
  """One learned vector, `N(0, 1)` at init."""
  size: int

  @nn.compact
  def __call__(self):
    return self.param("value", nn.initializers.normal(1.0), (self.size,))


class _SlotShares(nn.Module):
  """`log s_ra` of `HyperNet.compete`, 0 for padded units."""
  init_scale: float = 0.0

  @nn.compact
  def __call__(self, unit_KxNxW, in_mask_N, n_float):
    z_KxN = nn.Dense(1, name="logit")(unit_KxNxW)[..., 0]
    tau_K = self.param("scale", nn.initializers.constant(self.init_scale),
                       (z_KxN.shape[0],))
    logit_KxN = jnp.where(in_mask_N, tau_K[:, None] * z_KxN, -1e9)
    log_share = jnp.log(n_float) + jax.nn.log_softmax(logit_KxN, axis=1)
    return jnp.where(in_mask_N, log_share, 0.0)


class HyperNet(nn.Module):
  """Maps (noise, n, scaled log beta `t`) to per-weight heads of a padded
  network (`t`: `layout.scaled_log_beta`)."""
  width: int = 32
  tied_slots: int = 2
  init_log_sigma: float = -3.0
  # Initial gate logits (l0) of own edges, off-own edges of tied units,
  # edges of free units, and output weights.
  init_gate_logits: tuple[float, float, float, float] = (3.0, 3.0, 3.0, 3.0)
  # Learnable own-edge sign offset: tied unit (r, a)'s own-edge mean gets
  # `(g + g1 t) s_ra`, with `s_ra` the unit's drawn sign (with "paired", an
  # input's two tied units get opposite signs) and `t` the scaled log beta;
  # `g` starts at `sign_offset` (0: no offset), `g1` at `sign_offset_slope`.
  # It lets the drawn symmetry breaking reach the weights, where the sign
  # feature alone moves the own-edge mean by 0.045 of 0.40 (docs/design.md).
  sign_offset: float = 0.0
  sign_offset_slope: float = 0.0
  # How units see the +-1 sign drawn for them from the key: "none" (not at
  # all), "random" (each unit its own), "paired" (tied slot 1 gets minus
  # slot 0's sign, so every input owns a random (+, -) pair: symmetry
  # breaking that makes a double-sided pair expressible but not imposed).
  slot_sign: str = "paired"
  # Mark one free unit, slot `tied_slots` of index 0, with a feature of its
  # own. Units are otherwise exchangeable, so what a network needs exactly
  # once (the pudding's shared linear correction, n + 1 edges) can only be
  # spread over many units, which costs sqrt(units) more under l1 and
  # (n + 1) per unit under l0 (docs/results.md, "Each measure on its own
  # optimal front").
  lead_unit: bool = False
  # Units of a slot compete for one share: unit (r, a) gets
  # `s_ra = n softmax_a(tau_r z_ra)` (`z` learned per unit, `tau_r` per slot
  # from `compete_init`; at 0 every share is exactly 1), which scales its
  # edge means, bias and output mean by `sqrt(s_ra)` (a unit in swish's
  # linear regime then contributes `s_ra` times as much, and stays linear)
  # and adds `log s_ra` to its gate logits. A function needed once per
  # network (the pudding's correction) can then live in one unit of a slot,
  # chosen per draw, rather than spread over all of them, which the units'
  # exchangeability forces otherwise (docs/results.md, "Each measure on its
  # own optimal front").
  compete: bool = False
  compete_init: float = 0.0

  @nn.compact
  def __call__(self, noise: Noise, n: jax.Array, t: jax.Array):
    num_slots, num_inputs = noise.slot_sign_KxN.shape
    w = self.width
    in_mask_N = jnp.arange(num_inputs) < n
    n_float = n.astype(jnp.float32)

    embed_NxW = MLP(w, w, name="input_embed")(noise.input_code_NxC)
    pooled_W = jnp.sum(embed_NxW * in_mask_N[:, None], 0) / n_float
    # 8/n: mean pooling alone cannot tell the generator n (n = 32 and 48
    # reached FVU 1e-3 with it, 0.3-1.9 without, in a prototype).
    context_W = MLP(w, w, name="context")(
        jnp.concatenate([pooled_W, jnp.stack([t, t * t, 8.0 / n_float])]))

    is_tied_K = jnp.arange(num_slots) < self.tied_slots
    sign_KxN = noise.slot_sign_KxN
    if self.slot_sign == "none":
      sign_KxN = jnp.zeros_like(sign_KxN)
    elif self.slot_sign == "paired" and self.tied_slots >= 2:
      sign_KxN = sign_KxN.at[1].set(-sign_KxN[0])
    unit_in_KxNx_ = jnp.concatenate([
        jnp.where(is_tied_K[:, None, None], embed_NxW[None], 0.0),
        noise.unit_code_KxNxC,
        sign_KxN[..., None],
        jnp.broadcast_to(context_W, (num_slots, num_inputs, w)),
    ], axis=-1)
    slot_embed_KxW = self.param("slot_embed", nn.initializers.normal(1.0),
                                (num_slots, w))
    unit_KxNxW = MLP(w, w, name="unit")(unit_in_KxNx_) + slot_embed_KxW[:, None]
    if self.lead_unit:
      # As strong as a slot's own embedding: through the unit MLP's first
      # layer a one-hot feature moved the lead unit by 0.1 of its scale, and
      # the correction stayed spread evenly over the free units.
      # A submodule, not `self.param`: its initial value is drawn from its
      # own name, so every other parameter starts as without it.
      lead_embed_W = _Vector(w, name="lead_embed")()
      unit_KxNxW = unit_KxNxW.at[self.tied_slots, 0].add(lead_embed_W)

    # Edge MLP with one hidden layer, first layer factorised into a unit part
    # plus an input part: the [K, N, N, width] hidden tensor is the step's
    # largest (a second width x width layer there doubled its cost). Own edges
    # (tied unit (r, a), input a) add a learned vector to their hidden layer;
    # they go through the MLP on their own, [T, N, width], so that neither
    # this addition nor its gradient touches the whole edge tensor.
    edge_unit = nn.Dense(w, name="edge_unit")(unit_KxNxW)
    edge_input = nn.Dense(w, use_bias=False, name="edge_input")(embed_NxW)
    edge_own = self.param("edge_own", nn.initializers.normal(1.0), (w,))
    # Output layer stored `[3, width]`: its gradient, a sum over all edges,
    # then comes out in the layout XLA:CPU reduces 8x faster than `[width, 3]`.
    edge_out_kernel = self.param(
        "edge_out_kernel", nn.initializers.lecun_normal(in_axis=-1,
                                                        out_axis=-2), (3, w))
    edge_out_bias = self.param("edge_out_bias", nn.initializers.zeros, (3,))
    edge_out = lambda h: (jnp.einsum("...w,cw->...c", h, edge_out_kernel)
                          + edge_out_bias)
    edge_KxNxNx3 = edge_out(swish(edge_unit[:, :, None] + edge_input))
    own_TxNx3 = edge_out(swish(edge_unit[:self.tied_slots] + edge_input
                                + edge_own))
    is_own_KxNxN = is_tied_K[:, None, None] & jnp.eye(num_inputs, dtype=bool)
    own_KxNxNx3 = jnp.pad(
        own_TxNx3, ((0, num_slots - self.tied_slots), (0, 0), (0, 0))
    )[:, :, None, :]
    edge_KxNxNx3 = jnp.where(is_own_KxNxN[..., None], own_KxNxNx3,
                             edge_KxNxNx3)
    unit_KxNx5 = MLP(w, 5, name="unit_head")(swish(unit_KxNxW))

    # Learned output scales: accurate networks need tied weights near 10.
    log_scale = self.param("log_scale", nn.initializers.zeros, (4,))
    scale = jnp.exp(log_scale)
    # Off-own edge means come in units of 8/n: a correction spread over n
    # inputs needs weights ~1/n, which the generator would otherwise have to
    # extrapolate from the 8/n context feature beyond the trained n. With it,
    # FVU at n = 48 went from 6.6x to 1.1x that at n = 24 (docs/results.md).
    off_scale_KxNxN = jnp.where(is_own_KxNxN, 1.0, 8.0 / n_float)
    mean_KxNxN = scale[0] * edge_KxNxNx3[..., 0] * off_scale_KxNxN
    if self.sign_offset:
      g = self.param("sign_offset",
                     nn.initializers.constant(self.sign_offset), ())
      g1 = self.param("sign_offset_slope",
                      nn.initializers.constant(self.sign_offset_slope), ())
      mean_KxNxN += jnp.where(is_own_KxNxN, (g + g1 * t) * sign_KxN[..., None],
                              0.0)
    own0, off0, free0, w2_0 = self.init_gate_logits
    gate0_KxNxN = jnp.where(is_own_KxNxN, own0,
                            jnp.where(is_tied_K[:, None, None], off0, free0))
    w1 = complexity.WeightHeads(
        mean=mean_KxNxN,
        log_sigma=edge_KxNxNx3[..., 1] + self.init_log_sigma,
        gate_logit=edge_KxNxNx3[..., 2] + gate0_KxNxN)
    w2 = complexity.WeightHeads(
        mean=scale[1] * unit_KxNx5[..., 1],
        log_sigma=unit_KxNx5[..., 2] + self.init_log_sigma,
        gate_logit=unit_KxNx5[..., 3] + w2_0)
    b1_KxN = scale[2] * unit_KxNx5[..., 0]
    if self.compete:
      log_share_KxN = _SlotShares(self.compete_init, name="slot_shares")(
          swish(unit_KxNxW), in_mask_N, n_float)
      w1 = _share_heads(w1, log_share_KxN[..., None])
      w2 = _share_heads(w2, log_share_KxN)
      b1_KxN = b1_KxN * jnp.exp(0.5 * log_share_KxN)
    b2 = (jnp.sum(unit_KxNx5[..., 4] * in_mask_N) * scale[3]
          + self.param("b2_bias", nn.initializers.zeros, ()))
    return w1, w2, b1_KxN, b2


def _share_heads(heads: complexity.WeightHeads,
                 log_share: jax.Array) -> complexity.WeightHeads:
  """Heads of a unit's weights scaled to its share `s` (`HyperNet.compete`):
  means by `sqrt(s)`, gate logits plus `log s`."""
  return heads._replace(mean=heads.mean * jnp.exp(0.5 * log_share),
                        gate_logit=heads.gate_logit + log_share)


@jax.custom_jvp
def mean_swish(mean, var):
  """`E swish(z)` for `z ~ N(mean, var)`, with the sigmoid taken as the
  normal CDF `Phi(k z)`, `k^2 = pi / 8` (exact as `var -> 0` up to that
  approximation, and as `var -> inf`):
  `E z Phi(k z) = mean Phi(a) + var k phi(a) / d`, `a = k mean / d`,
  `d = sqrt(1 + k^2 var)`."""
  return _mean_swish_and_slopes(mean, var)[0]


def _mean_swish_and_slopes(mean, var):
  """`mean_swish` and its partial derivatives in `mean` and `var`:
  `Phi(a) + a phi(a) / d^2` and `k phi(a) (1 + (1 - a^2) / d^2) / (2 d)`.

  Written out, not left to autodiff: the step's gradient then multiplies
  its per-unit cotangent by two numbers per unit, where autodiff's chain
  through `Phi` (dozens of per-unit operations) was fused into the
  consumers over every edge and recomputed there, which made the centred
  step (`model.centre_output`) 1.2-1.4x slower (benchmarks/README.md).
  """
  k = math.sqrt(math.pi / 8.0)
  d2 = 1.0 + k * k * var
  d = jnp.sqrt(d2)
  a = k * mean / d
  cdf = 0.5 + 0.5 * jax.lax.erf(a * math.sqrt(0.5))
  pdf = jnp.exp(-0.5 * a * a) * (1.0 / math.sqrt(2.0 * math.pi))
  value = mean * cdf + var * k * pdf / d
  d_mean = cdf + a * pdf / d2
  d_var = 0.5 * k * pdf * (1.0 + (1.0 - a * a) / d2) / d
  return value, d_mean, d_var


@mean_swish.defjvp
def _mean_swish_jvp(primals, tangents):
  value, d_mean, d_var = _mean_swish_and_slopes(*primals)
  mean_dot, var_dot = tangents
  return value, d_mean * mean_dot + d_var * var_dot


# `model.centre_output`: how the output bias is set from the drawn network.
# "none": as generated; "all": centred on the drawn units, so the network's
# mean output is the generated bias; "noise": only the shift the draw's
# noise makes to the mean output is taken out (the mean output of the same
# network drawn without noise is kept: its mean weights under kl, its test
# gates under l0, itself under l1, which has no noise). docs/results.md,
# "The phase map over n and beta".
CENTRE_MODES = ("none", "noise", "all")


def mean_output_shift(net: TargetNet, input_moments) -> jax.Array:
  """`sum_j w2_j E swish(z_j)`: what the hidden units add to the network's
  mean output over the task's inputs.

  Units' pre-activations `z_j = W1_j . x + b1_j` are taken as normal with the
  inputs' moments (`input_moments = (mean, var)` of one coordinate).
  """
  in_mean, in_var = input_moments
  z_mean_M = net.b1 + in_mean * jnp.sum(net.W1, -1)
  z_var_M = in_var * jnp.sum(net.W1 ** 2, -1)
  return jnp.dot(net.w2, mean_swish(z_mean_M, z_var_M))


def centred_output_bias(net: TargetNet, mean_net: TargetNet | None,
                        centre: str, input_moments) -> jax.Array:
  """The output bias of a drawn network `net` under `centre`
  (`CENTRE_MODES`); `mean_net`: the same network drawn without noise
  (read by `"noise"` only).

  Why: under `kl` a draw's noise shifts its mean output by an amount that
  grows with `n` (prior-noise rows have pre-activations of spread
  `sqrt(n / 3)`), which a bias generated before the draw cannot cancel; at
  n = 256 it was most of the error at the pudding and convexity betas, not
  at beta_min (docs/results.md).
  """
  if centre == "none":
    return net.b2
  shift = mean_output_shift(net, input_moments)
  if centre == "noise":
    shift = shift - mean_output_shift(mean_net, input_moments)
  return net.b2 - shift


def assemble(heads, noise: Noise, n: jax.Array, regularizer: str,
             settings: complexity.Settings, train: bool,
             centre: str = "none",
             input_moments=None) -> tuple[TargetNet, jax.Array]:
  """Draws a padded `TargetNet` (`K*N` hidden, `N` inputs) and its complexity.

  Padded inputs and units are exactly zero, so the padded network computes the
  same function of the first `n` inputs as the exact one (`to_exact`).
  `train`: the training draw (`complexity`: `l0` samples its gates, else
  they are at their test values). `centre` sets the output bias from the
  drawn units (`centred_output_bias`), with the task's `input_moments`.
  """
  w1, w2, b1_KxN, b2 = heads
  num_slots, num_inputs = b1_KxN.shape
  in_mask_N = jnp.arange(num_inputs) < n
  unit_mask_KxN = jnp.broadcast_to(in_mask_N, (num_slots, num_inputs))
  edge_mask_KxNxN = unit_mask_KxN[..., None] & in_mask_N
  draw = complexity.REGULARIZERS[regularizer]
  w1_KxNxN, cost1 = draw(w1, noise.eps_w1_KxNxN, edge_mask_KxNxN, settings,
                         train)
  w2_KxN, cost2 = draw(w2, noise.eps_w2_KxN, unit_mask_KxN, settings, train)
  net = TargetNet(
      W1=w1_KxNxN.reshape(num_slots * num_inputs, num_inputs),
      b1=(b1_KxN * unit_mask_KxN).reshape(-1),
      w2=w2_KxN.reshape(-1),
      b2=b2)
  if centre == "noise" and not complexity.draws_noise(regularizer, train):
    centre = "none"  # the draw is its own noiseless network: no shift
  if centre != "none":
    mean_net = None
    if centre == "noise":  # the network without the draw's noise
      quiet = lambda heads, eps, mask: draw(heads, jnp.zeros_like(eps), mask,
                                            settings, False)[0]
      mean_net = net._replace(
          W1=quiet(w1, noise.eps_w1_KxNxN, edge_mask_KxNxN).reshape(
              net.W1.shape),
          w2=quiet(w2, noise.eps_w2_KxN, unit_mask_KxN).reshape(-1))
    net = net._replace(
        b2=centred_output_bias(net, mean_net, centre, input_moments))
  return net, cost1 + cost2


def to_exact(padded: TargetNet, n: int) -> TargetNet:
  """Cuts a padded network down to `m = K n` hidden units and `n` inputs.

  Works on NumPy and JAX leaves alike (and keeps their kind), with any
  leading batch axes.
  """
  num_inputs = padded.W1.shape[-1]
  num_slots = padded.W1.shape[-2] // num_inputs
  rows = (np.arange(num_slots)[:, None] * num_inputs
          + np.arange(n)[None]).reshape(-1)
  return TargetNet(W1=padded.W1[..., rows, :n], b1=padded.b1[..., rows],
                   w2=padded.w2[..., rows], b2=padded.b2)
