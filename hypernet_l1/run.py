"""Opening a finished (or running) run for analysis from Python.

Everything from here on reads a run and never imports the training loop:
parameters restore on their own (`checkpointing.Checkpointer.restore_params`),
so the optimiser can change without making old runs unreadable.
"""

import dataclasses
import functools
import json
import os
import sys
from typing import Callable

import jax
import ml_collections

from hypernet_l1 import arguments
from hypernet_l1 import checkpointing
from hypernet_l1 import generator
from hypernet_l1 import layout
from hypernet_l1 import optimality
from hypernet_l1 import sharding
from hypernet_l1 import sweep
from hypernet_l1.target import TargetNet


class RunError(ValueError):
  """The directory is not a usable run (missing, empty, foreign, no checkpoint,
  or no readable checkpoint)."""


def nothing_restores(workdir: str, steps: list[int]) -> RunError:
  return RunError(f"{workdir}: no checkpoint restores (tried steps {steps})")


def _warn(line: str) -> None:
  print(f"warning: {line}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Run:
  """A run directory: its config, its checkpoint steps, and generation.

  `warn` gets one line per checkpoint that does not restore and is skipped.
  Reading parameters opens a checkpoint reader: `close()` it, or use the run
  as a context manager (`with hl1.load_run(workdir) as run: ...`).
  """
  workdir: str
  config: ml_collections.ConfigDict
  steps: list[int]
  warn: Callable[[str], None] = _warn

  @functools.cached_property
  def frozen_config(self) -> ml_collections.FrozenConfigDict:
    """The config as a hashable static argument of compiled programs."""
    return ml_collections.FrozenConfigDict(self.config)

  @functools.cached_property
  def _checkpointer(self):
    return checkpointing.Checkpointer(self.workdir, read_only=True)

  @functools.cached_property
  def _params_by_step(self) -> dict:
    return {}

  @functools.cached_property
  def _abstract_params(self):
    """Parameter shapes, laid out for this process's devices, whatever the
    run was saved on (a 2-device training run opens in a 1-device analysis)."""
    like = jax.eval_shape(lambda: generator.init_ensemble_params(self.config))
    mesh = sharding.ensemble_mesh(layout.ensemble_size(self.config))
    return jax.tree.map(
        lambda leaf, where: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype,
                                                 sharding=where),
        like, sharding.ensemble_shardings(like, mesh))

  def resolve_step(self, step: int | None = None) -> int:
    """`step`, or for `None` the latest checkpoint that restores; newer ones
    that do not are skipped with a warning each."""
    if step is not None:
      self.params(step)
      return step
    for candidate in reversed(self.steps):
      try:
        self.params(candidate)
        return candidate
      except RunError as e:
        self.warn(f"{e}; skipped")
    raise nothing_restores(self.workdir, self.steps)

  def params(self, step: int | None = None):
    """Ensemble parameters (leading axis E) at `step` (`resolve_step`).

    An explicit `step` that does not restore raises `RunError`.
    """
    if step is None:
      step = self.resolve_step(None)
    if step not in self.steps:
      raise RunError(f"no checkpoint at step {step}; have {self.steps}")
    if step not in self._params_by_step:
      try:
        self._params_by_step[step] = self._checkpointer.restore_params(
            step, self._abstract_params)
      except checkpointing.UnreadableCheckpointError as e:
        raise RunError(f"{self.workdir}: {e}") from None
    return self._params_by_step[step]

  def close(self) -> None:
    """Closes the checkpoint reader, if parameters were read."""
    checkpointer = self.__dict__.pop("_checkpointer", None)
    if checkpointer is not None:
      checkpointer.close()

  def __enter__(self) -> "Run":
    return self

  def __exit__(self, *exc) -> None:
    self.close()

  def metrics(self) -> list[dict]:
    """The logged training metrics, one dict per logged step
    (`metrics.jsonl`; empty if none was logged yet)."""
    path = os.path.join(self.workdir, checkpointing.METRICS_FILE)
    if not os.path.exists(path):
      return []
    with open(path) as f:
      return [json.loads(line) for line in f if line.strip()]

  def optimality(self, records: list[dict]) -> list[dict]:
    """The distance of phase records (`phases.analyze_run(self)`) to the
    optimal front, per replica and beta at their last step
    (`optimality.rows`, what `launch.analyze` writes to `optimality.csv`);
    `[]` under `kl`, which the front does not price."""
    return optimality.rows(records, self.config)

  def generate(self, n: int, beta: float, seed: int = 0,
               step: int | None = None, member: int = 0) -> TargetNet:
    """One draw (key `seed`) of the trained network for `n` inputs at `beta`.

    `member` picks the replica (an independently trained hypernetwork); in
    grid mode `beta` also picks the member trained nearest it
    (`layout.member_for`).
    """
    arguments.at_least_one(n, "n")
    arguments.positive_beta(beta)
    e = layout.member_for(self.config, beta, member)
    out = sweep.score(self.frozen_config, self.params(step), [e], [beta],
                      [n], [seed], classify=False, keep_nets=True)
    return out["nets"][0][0][0]


def load_run(workdir: str, warn: Callable[[str], None] = _warn) -> Run:
  """Opens a run directory written by `launch.train` (a live one too)."""
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
  listing = checkpointing.Checkpointer(workdir, read_only=True)
  try:
    steps = listing.all_steps()
  finally:
    listing.close()
  if not steps:
    raise RunError(f"{workdir}: the run has no checkpoint yet")
  return Run(workdir=workdir, config=config, steps=steps, warn=warn)
