"""From a config and hypernetwork parameters to generated networks."""

import functools
from typing import Sequence

import jax
import jax.numpy as jnp
import ml_collections

from hypernet_l1 import complexity
from hypernet_l1 import hypernet
from hypernet_l1 import knots
from hypernet_l1 import layout
from hypernet_l1 import tasks
from hypernet_l1.noise import Noise, draw_noise
from hypernet_l1.target import TargetNet


def make_model(config: ml_collections.ConfigDict) -> hypernet.HyperNet:
  m = config.model
  return hypernet.HyperNet(
      width=m.width, tied_slots=m.tied_slots,
      init_log_sigma=m.init_log_sigma,
      init_gate_logits=(m.init_gate.own, m.init_gate.off, m.init_gate.free,
                        m.init_gate.w2),
      slot_sign=m.slot_sign, sign_offset=m.sign_offset,
      sign_offset_slope=m.sign_offset_slope,
      lead_unit=m.get("lead_unit", False), compete=m.get("compete", False),
      compete_init=m.get("compete_init", 0.0))


def draw(config, key: jax.Array, num_inputs: int,
         train: bool = False) -> Noise:
  """The noise of one network padded to `num_inputs` inputs.

  `train=False` (evaluation, analysis) draws it per input index, so the
  network does not depend on the padding (`noise.py`); `train=True` is the
  training draw, in one bulk call.
  """
  return draw_noise(key, num_inputs, config.hidden_per_input,
                    config.model.code_dim, per_index=not train)


def generate_from_noise(config, params, noise: Noise, n: jax.Array,
                        log_beta: jax.Array, train: bool = False
                        ) -> tuple[TargetNet, jax.Array]:
  """A network for `n` inputs from a drawn `noise` (`draw`), padded to its
  size; its complexity.

  The noise depends on the draw's key only, not on `n`, beta or the member,
  so callers generating many networks per key draw it once. `params` are
  the generator's (beta-dependent with `model.num_knots > 1`, `knots.py`).
  `train=False` gives the trained network (`hypernet.assemble`), `train=True`
  the training draw of it.
  """
  t = layout.scaled_log_beta(config, log_beta)
  return generate_with(config, knots.at(config, params, t), noise, n, t,
                       train)


def generate_with(config, hyper_params, noise: Noise, n: jax.Array,
                  t: jax.Array, train: bool = False
                  ) -> tuple[TargetNet, jax.Array]:
  """`generate_from_noise` from `HyperNet`'s parameters at the network's
  scaled log beta `t` (`knots.at`)."""
  heads = make_model(config).apply({"params": hyper_params}, noise, n, t)
  task = tasks.get(config.task)
  return hypernet.assemble(heads, noise, n, config.regularizer,
                           measure_settings(config), train,
                           config.model.get("centre_output", "none"),
                           (task.input_mean, task.input_var))


def measure_settings(config) -> complexity.Settings:
  return complexity.Settings(prior_scale=config.model.prior_scale,
                             gate_bound=config.model.gate_bound)


def _init_one(config, key: jax.Array):
  """One set of `HyperNet` parameters (shapes do not depend on n)."""
  num_inputs = min(config.dim_buckets)
  noise = draw_noise(jax.random.key(0), num_inputs, config.hidden_per_input,
                     config.model.code_dim)
  return make_model(config).init(key, noise, jnp.int32(num_inputs),
                                 jnp.float32(0.0))["params"]


def param_shapes(config):
  """Shapes of one set of `HyperNet` parameters (`knots.unpack` reads its
  tree)."""
  return jax.eval_shape(lambda: _init_one(config, jax.random.key(0)))


def init_params(config, key: jax.Array):
  """Parameters of one generator: `HyperNet`'s, with a leading knot axis on
  those that vary with beta (`knots.py`)."""
  return knots.init(config, functools.partial(_init_one, config), key)


def init_ensemble_params(config):
  """Step-0 parameters of every member, leading axis `E` (`layout.py`)."""
  init_key = jax.random.fold_in(jax.random.key(config.seed), 0)
  keys_E = jax.random.split(init_key, layout.ensemble_size(config))
  return jax.vmap(functools.partial(init_params, config))(keys_E)


def bucket_for(n: int, dim_buckets) -> int:
  """Padded size for `n`: the smallest bucket that holds it, else a multiple
  of 8."""
  fitting = [b for b in dim_buckets if b >= n]
  return min(fitting) if fitting else -(-n // 8) * 8


def dim_buckets(dims: Sequence[int], buckets) -> dict[int, list[int]]:
  """Padded size -> the distinct `dims` it holds (`bucket_for`), in the
  order given; sizes ascending."""
  grouped = {}
  for n in dict.fromkeys(dims):
    grouped.setdefault(bucket_for(n, buckets), []).append(n)
  return dict(sorted(grouped.items()))
