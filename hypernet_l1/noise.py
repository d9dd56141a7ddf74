"""The random draw behind one generated network.

Every random number a generated network depends on is drawn here, from the
network's own key, *per input index*: input `i`'s code, its units' codes and
signs, and the noise of every edge come from `fold_in(key, i)`. So the first
`n` inputs of a draw do not depend on how far the draw is padded, and
`generate(n, seed)` names one network whatever bucket computes it; permuting
the noise along the input axis permutes the network.
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Noise(NamedTuple):
  """One network's randomness, padded to `N` inputs."""
  input_code_NxC: jax.Array   # the random identity of input i
  unit_code_KxNxC: jax.Array  # own code of unit (slot r, index a)
  slot_sign_KxN: jax.Array    # +-1 per unit: symmetry breaking from the key
  eps_w1_KxNxN: jax.Array     # standard normal per edge (unit (r, a), input i)
  eps_w2_KxN: jax.Array       # standard normal per output weight


def draw_noise(key: jax.Array, num_inputs: int, hidden_per_input: int,
               code_dim: int, per_index: bool = True) -> Noise:
  """Draws the noise of one network padded to `num_inputs` inputs.

  `per_index=False` draws the same distribution in one bulk call, without
  the padding invariance: what training uses, where only the distribution
  matters and per-edge key folding would cost as much as a layer of the
  edge MLP.
  """
  if not per_index:
    return _draw_bulk(key, num_inputs, hidden_per_input, code_dim)

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

  code_NxC, (unit_NxKxC, sign_NxK, eps_NxKxN, eps2_NxK) = jax.vmap(per_input)(
      jnp.arange(num_inputs))
  return Noise(
      input_code_NxC=code_NxC,
      unit_code_KxNxC=jnp.swapaxes(unit_NxKxC, 0, 1),
      slot_sign_KxN=sign_NxK.T,
      eps_w1_KxNxN=jnp.swapaxes(eps_NxKxN, 0, 1),
      eps_w2_KxN=eps2_NxK.T,
  )


def _draw_bulk(key, num_inputs, hidden_per_input, code_dim) -> Noise:
  """All of one network's noise from a single normal draw, cut into pieces.

  Signs are the signs of normals: a fair +-1, independent of the rest. One
  call instead of five: the step's random numbers cost a tenth of it when
  drawn piecewise.
  """
  shapes = Noise(input_code_NxC=(num_inputs, code_dim),
                 unit_code_KxNxC=(hidden_per_input, num_inputs, code_dim),
                 slot_sign_KxN=(hidden_per_input, num_inputs),
                 eps_w1_KxNxN=(hidden_per_input, num_inputs, num_inputs),
                 eps_w2_KxN=(hidden_per_input, num_inputs))
  sizes = [math.prod(shape) for shape in shapes]
  pieces = jnp.split(jax.random.normal(key, (sum(sizes),)),
                     np.cumsum(sizes)[:-1])
  noise = Noise(*(piece.reshape(shape) for piece, shape in zip(pieces, shapes)))
  return noise._replace(slot_sign_KxN=jnp.where(noise.slot_sign_KxN >= 0,
                                                1.0, -1.0))


def first_inputs(noise: Noise, num_inputs: int) -> Noise:
  """A per-index draw cut to its first `num_inputs` inputs.

  Equal to the same key's draw at that size (`draw_noise` with `per_index`),
  so one draw at the largest size serves every smaller one.
  """
  return Noise(
      input_code_NxC=noise.input_code_NxC[:num_inputs],
      unit_code_KxNxC=noise.unit_code_KxNxC[:, :num_inputs],
      slot_sign_KxN=noise.slot_sign_KxN[:, :num_inputs],
      eps_w1_KxNxN=noise.eps_w1_KxNxN[:, :num_inputs, :num_inputs],
      eps_w2_KxN=noise.eps_w2_KxN[:, :num_inputs],
  )


def permute_inputs(noise: Noise, perm_N: jax.Array) -> Noise:
  """The noise of the same network with its inputs relabelled by `perm_N`."""
  return Noise(
      input_code_NxC=noise.input_code_NxC[perm_N],
      unit_code_KxNxC=noise.unit_code_KxNxC[:, perm_N],
      slot_sign_KxN=noise.slot_sign_KxN[:, perm_N],
      eps_w1_KxNxN=noise.eps_w1_KxNxN[:, perm_N][:, :, perm_N],
      eps_w2_KxN=noise.eps_w2_KxN[:, perm_N],
  )
