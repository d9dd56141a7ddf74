"""Every Orbax and run-directory call in one place, so an API move stays local.

A run directory holds `config.json` (written before the first step),
`metrics.jsonl`, and `checkpoints/<step>/` (Orbax; every checkpoint is kept:
the phase analysis reads the whole history).
"""

import json
import os
import shutil

import jax
import ml_collections
import orbax.checkpoint as ocp

CONFIG_FILE = "config.json"
# Orbax writes this last into a finished step directory; a step directory
# without it (an interrupted copy of a live run) is not a checkpoint.
COMMIT_MARKER = "commit_success.txt"


class ConfigMismatchError(ValueError):
  pass


def _flatten(d: dict, prefix: str = "") -> dict:
  flat = {}
  for key, value in d.items():
    if isinstance(value, dict):
      flat.update(_flatten(value, f"{prefix}{key}."))
    else:
      flat[f"{prefix}{key}"] = value
  return flat


def config_to_json(config: ml_collections.ConfigDict) -> str:
  return config.to_json(indent=2, sort_keys=True)


def read_config(workdir: str) -> ml_collections.ConfigDict:
  with open(os.path.join(workdir, CONFIG_FILE)) as f:
    return ml_collections.ConfigDict(json.load(f))


def config_differences(saved: dict, current: dict) -> list[str]:
  """Dotted names of fields whose values differ (JSON-normalised)."""
  a, b = _flatten(saved), _flatten(json.loads(json.dumps(current)))
  return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def write_or_check_config(workdir: str, config: ml_collections.ConfigDict):
  """Writes the config of a new run; refuses to resume a run with another one."""
  path = os.path.join(workdir, CONFIG_FILE)
  current = json.loads(config_to_json(config))
  if os.path.exists(path):
    with open(path) as f:
      saved = json.load(f)
    differ = config_differences(saved, current)
    if differ:
      raise ConfigMismatchError(
          f"{workdir} already holds a run with another config; fields that "
          f"differ: {', '.join(differ)}. Resume with the same config, or give "
          "a new --workdir to start fresh (nothing was overwritten).")
    return
  if jax.process_index() == 0:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
      f.write(config_to_json(config))
    os.replace(tmp, path)  # atomic: a crash never leaves half a config


class Checkpointer:
  """Saves and restores the training state at chosen steps."""

  def __init__(self, workdir: str, read_only: bool = False):
    options = ocp.CheckpointManagerOptions(
        max_to_keep=None, create=not read_only, read_only=read_only,
        enable_async_checkpointing=False)
    self._directory = os.path.abspath(os.path.join(workdir, "checkpoints"))
    self._manager = ocp.CheckpointManager(self._directory, options=options)

  def _is_complete(self, step: int) -> bool:
    return os.path.exists(os.path.join(self._directory, str(step),
                                       COMMIT_MARKER))

  def all_steps(self) -> list[int]:
    """Complete checkpoints only, oldest first."""
    return sorted(s for s in self._manager.all_steps(read=True)
                  if self._is_complete(s))

  def incomplete_steps(self) -> list[int]:
    return sorted(s for s in self._manager.all_steps(read=True)
                  if not self._is_complete(s))

  def latest_step(self) -> int | None:
    steps = self.all_steps()
    return steps[-1] if steps else None

  def save(self, step: int, state) -> None:
    if step in self.incomplete_steps():
      shutil.rmtree(os.path.join(self._directory, str(step)))
      self._manager.reload()
    self._manager.save(step, args=ocp.args.StandardSave(state))
    self._manager.wait_until_finished()

  def restore(self, step: int, like):
    """Restores into the structure, shapes and shardings of `like`."""
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like)
    return self._manager.restore(step, args=ocp.args.StandardRestore(abstract))

  def close(self) -> None:
    self._manager.wait_until_finished()
    self._manager.close()
