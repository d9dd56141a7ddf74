"""The random draw behind one generated network.

Every random number a generated network depends on is drawn here, from the
network's own key, *per input index*: input `i`'s code, its units' codes and
signs, and the noise of every edge come from `fold_in(key, i)`. So the first
`n` inputs of a draw do not depend on how far the draw is padded, and
`generate(n, seed)` names one network whatever bucket computes it; permuting
the noise along the input axis permutes the network.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp


class Noise(NamedTuple):
  """One network's randomness, padded to `N` inputs (`K` = hidden units per input)."""
  input_code_NxD: jax.Array   # the random identity of input i
  unit_code_KxNxD: jax.Array  # own code of unit (slot r, index a)
  slot_sign_KxN: jax.Array    # +-1 per unit: symmetry breaking drawn from the key
  eps_w1_KxNxN: jax.Array     # standard normal per edge (unit (r, a), input i)
  eps_w2_KxN: jax.Array       # standard normal per output weight


def draw_noise(key: jax.Array, num_inputs: int, hidden_per_input: int,
               code_dim: int, per_index: bool = True) -> Noise:
  """Draws the noise of one network padded to `num_inputs` inputs.

  `per_index=False` draws the same distribution in a few bulk calls, without
  the padding invariance: what training uses, where only the distribution
  matters and per-edge key folding would cost as much as a layer of the
  edge MLP.
  """
  if not per_index:
    shape = (hidden_per_input, num_inputs)
    k_code, k_unit, k_sign, k_eps1, k_eps2 = jax.random.split(key, 5)
    return Noise(
        input_code_NxD=jax.random.normal(k_code, (num_inputs, code_dim)),
        unit_code_KxNxD=jax.random.normal(k_unit, shape + (code_dim,)),
        slot_sign_KxN=jax.random.rademacher(k_sign, shape, dtype=jnp.float32),
        eps_w1_KxNxN=jax.random.normal(k_eps1, shape + (num_inputs,)),
        eps_w2_KxN=jax.random.normal(k_eps2, shape))

  def per_unit(unit_key):
    code_key, sign_key, edge_key, out_key = jax.random.split(unit_key, 4)
    edge_keys = jax.vmap(lambda i: jax.random.fold_in(edge_key, i))(
        jnp.arange(num_inputs))
    return (
        jax.random.normal(code_key, (code_dim,)),
        jax.random.rademacher(sign_key, (), dtype=jnp.float32),
        jax.vmap(lambda k: jax.random.normal(k, ()))(edge_keys),
        jax.random.normal(out_key, ()),
    )

  def per_input(i):
    code_key, units_key = jax.random.split(jax.random.fold_in(key, i))
    unit_keys = jax.vmap(lambda r: jax.random.fold_in(units_key, r))(
        jnp.arange(hidden_per_input))
    return (jax.random.normal(code_key, (code_dim,)),
            jax.vmap(per_unit)(unit_keys))

  code_NxD, (unit_NxKxD, sign_NxK, eps_NxKxN, eps2_NxK) = jax.vmap(per_input)(
      jnp.arange(num_inputs))
  return Noise(
      input_code_NxD=code_NxD,
      unit_code_KxNxD=jnp.swapaxes(unit_NxKxD, 0, 1),
      slot_sign_KxN=sign_NxK.T,
      eps_w1_KxNxN=jnp.swapaxes(eps_NxKxN, 0, 1),
      eps_w2_KxN=eps2_NxK.T,
  )


def first_inputs(noise: Noise, num_inputs: int) -> Noise:
  """A per-index draw cut to its first `num_inputs` inputs.

  Equal to the same key's draw at that size (`draw_noise` with `per_index`),
  so one draw at the largest size serves every smaller one.
  """
  return Noise(
      input_code_NxD=noise.input_code_NxD[:num_inputs],
      unit_code_KxNxD=noise.unit_code_KxNxD[:, :num_inputs],
      slot_sign_KxN=noise.slot_sign_KxN[:, :num_inputs],
      eps_w1_KxNxN=noise.eps_w1_KxNxN[:, :num_inputs, :num_inputs],
      eps_w2_KxN=noise.eps_w2_KxN[:, :num_inputs],
  )


def permute_inputs(noise: Noise, perm_N: jax.Array) -> Noise:
  """The noise of the same network with its inputs relabelled by `perm_N`."""
  return Noise(
      input_code_NxD=noise.input_code_NxD[perm_N],
      unit_code_KxNxD=noise.unit_code_KxNxD[:, perm_N],
      slot_sign_KxN=noise.slot_sign_KxN[:, perm_N],
      eps_w1_KxNxN=noise.eps_w1_KxNxN[:, perm_N][:, :, perm_N],
      eps_w2_KxN=noise.eps_w2_KxN[:, perm_N],
  )
