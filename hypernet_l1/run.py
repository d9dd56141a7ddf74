"""Loading a finished (or running) run for analysis from Python."""

import dataclasses
import functools
import math
import os

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from hypernet_l1 import checkpointing
from hypernet_l1 import generator
from hypernet_l1 import sharding
from hypernet_l1 import train
from hypernet_l1.target import TargetNet


class RunError(ValueError):
  """The directory is not a usable run (missing, empty, foreign, no checkpoint)."""


@functools.partial(jax.jit, static_argnums=(0, 2))
def _generate(config, params, n: int, log_beta, seed):
  net, _ = generator.generate_padded(config, params, jax.random.key(seed),
                                     jnp.int32(n), log_beta, n)
  return net


@dataclasses.dataclass
class Run:
  """A run directory: its config, its checkpoint steps, and generation."""
  workdir: str
  config: ml_collections.ConfigDict
  steps: list[int]

  @functools.cached_property
  def _checkpointer(self):
    return checkpointing.Checkpointer(self.workdir, read_only=True)

  @functools.cached_property
  def _params_by_step(self) -> dict:
    return {}

  def params(self, step: int | None = None):
    """Ensemble parameters (leading axis E) at `step` (None: the latest)."""
    step = self.steps[-1] if step is None else step
    if step not in self.steps:
      raise RunError(f"no checkpoint at step {step}; have {self.steps}")
    if step not in self._params_by_step:
      # Laid out for this process's devices, whatever the run was saved on
      # (a 2-device training run opens in a 1-device analysis).
      like = jax.eval_shape(lambda: train.init_state(self.config))
      mesh = sharding.ensemble_mesh(train.ensemble_size(self.config))
      like = jax.tree.map(
          lambda leaf, where: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype,
                                                   sharding=where),
          like, sharding.ensemble_shardings(like, mesh))
      self._params_by_step[step] = self._checkpointer.restore(
          step, like)["params"]
    return self._params_by_step[step]

  def member_for(self, beta: float, replica: int = 0) -> int:
    """Ensemble member to ask for `beta`: in grid mode, the nearest grid beta."""
    if self.config.beta_mode != "grid":
      return replica
    log_betas = train.member_log_betas(self.config)[:self.config.num_betas]
    return replica * self.config.num_betas + int(
        np.argmin(np.abs(log_betas - math.log(beta))))

  def generate(self, n: int, beta: float, seed: int = 0,
               step: int | None = None, member: int = 0) -> TargetNet:
    """One draw (key `seed`) of the network for `n` inputs at `beta`.

    `member` picks the ensemble replica (an independently trained
    hypernetwork); in grid mode `beta` also picks the member trained nearest it.
    """
    if n < 1:
      raise ValueError(f"n must be >= 1, got {n}")
    if beta <= 0:
      raise ValueError(f"beta must be > 0, got {beta}")
    e = self.member_for(beta, member)
    params = jax.tree.map(lambda a: a[e], self.params(step))
    return _generate(ml_collections.FrozenConfigDict(self.config), params, int(n),
                     jnp.float32(math.log(beta)), seed)


def load_run(workdir: str) -> Run:
  """Opens a run directory written by `launch.train`."""
  if not os.path.isdir(workdir):
    raise RunError(f"{workdir}: no such directory")
  if not os.path.exists(os.path.join(workdir, checkpointing.CONFIG_FILE)):
    raise RunError(f"{workdir}: not a run directory (no "
                   f"{checkpointing.CONFIG_FILE}); give the --workdir of a "
                   "launch.train run")
  try:
    config = checkpointing.read_config(workdir)
  except ValueError as e:  # JSONDecodeError, or not a config's fields
    raise RunError(f"{workdir}: unreadable {checkpointing.CONFIG_FILE} "
                   f"({e})") from None
  if not os.path.isdir(os.path.join(workdir, "checkpoints")):
    raise RunError(f"{workdir}: the run has no checkpoint yet")
  steps = checkpointing.Checkpointer(workdir, read_only=True).all_steps()
  if not steps:
    raise RunError(f"{workdir}: the run has no checkpoint yet")
  return Run(workdir=workdir, config=config, steps=steps)
