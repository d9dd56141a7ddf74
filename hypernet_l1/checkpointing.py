"""Every Orbax and run-directory call in one place, so an API move stays local.

A run directory holds `config.json` (written before the first step),
`metrics.jsonl`, and `checkpoints/<step>/` (Orbax; every checkpoint is
kept: the phase analysis reads the whole history). A checkpoint holds two
items: `params` (the ensemble's hypernetwork parameters, all that analysis
reads) and `train_state` (step, optimiser state, non-finite bookkeeping),
so changing the optimiser never makes a run unreadable for analysis.
"""

import json
import logging as py_logging
import os
import shutil

import jax
from jax.experimental import multihost_utils
import ml_collections
import orbax.checkpoint as ocp

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"  # one JSON line per logged step, process 0
# Orbax writes this last into a finished step directory; a step directory
# without it (an interrupted copy of a live run) is not a checkpoint.
COMMIT_MARKER = "commit_success.txt"
# Where a resumed run moves checkpoints that fail to restore (never deleted).
UNREADABLE_DIR = "unreadable_checkpoints"
PARAMS, TRAIN_STATE = "params", "train_state"
_log = py_logging.getLogger(__name__)


class ConfigMismatchError(ValueError):
  pass


class UnreadableCheckpointError(RuntimeError):
  """A committed checkpoint whose files do not restore (corrupt, truncated)."""


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


# Config fields added since runs were first written, with the value that
# reproduces what a run written without them did: `read_config` fills them
# in, so a run stays readable as the config grows. `model.init_gate_logit`
# was one initial gate logit for every edge.
_ADDED_FIELDS = {
    "task": "l1_norm",
    "beta_ramp_direction": "up",
    "beta_anneal_from": 0.0,
    "beta_anneal_start": 0.2,
    "beta_anneal_end": 0.9,
    "checkpoint_minutes": 0.0,
    "model.gate_bound": 0.0,
    "model.sign_offset": 0.0,
    "model.sign_offset_slope": 0.0,
    "model.num_knots": 1,
    "model.beta_map": "hat",
    "model.centre_output": "none",
}
# Config fields since removed (options no reported run trained), with the
# value every run that named them was trained with: `_upgrade` drops them
# with that value; `read_config` drops any other with a logged note, and a
# resume with another value is refused (`check_config` names the field).
_REMOVED_FIELDS = {
    "model.knot_init": "shared",
    "model.fixed_params": [],
    "model.knot_edge_mass": False,
}


def _pop_removed(saved: dict, only_as_trained: bool) -> list[str]:
  """Drops `_REMOVED_FIELDS` from `saved` (all, or those that hold the
  value runs were trained with); `field = value` of the others dropped."""
  dropped = []
  for dotted, trained in _REMOVED_FIELDS.items():
    *parents, leaf = dotted.split(".")
    node = saved
    for part in parents:
      node = node.get(part, {})
    if leaf in node and (node[leaf] == trained or not only_as_trained):
      value = node.pop(leaf)
      if value != trained:
        dropped.append(f"{dotted} = {value!r}")
  return dropped


def _upgrade(saved: dict) -> dict:
  for dotted, value in _ADDED_FIELDS.items():
    *parents, leaf = dotted.split(".")
    node = saved
    for part in parents:
      node = node.setdefault(part, {})
    node.setdefault(leaf, value)
  _pop_removed(saved, only_as_trained=True)
  model = saved.setdefault("model", {})
  if "init_gate" not in model:
    logit = model.pop("init_gate_logit", 3.0)
    model["init_gate"] = {k: logit for k in ("own", "off", "free", "w2")}
  if isinstance(model["centre_output"], bool):
    # It was a switch before its modes (`hypernet.CENTRE_MODES`): on was
    # what "all" does.
    model["centre_output"] = "all" if model["centre_output"] else "none"
  return saved


def read_config(workdir: str) -> ml_collections.ConfigDict:
  """A run's config, with fields added since it was written filled in and
  fields since removed dropped (`_REMOVED_FIELDS`)."""
  with open(os.path.join(workdir, CONFIG_FILE)) as f:
    saved = _upgrade(json.load(f))
  for field in _pop_removed(saved, only_as_trained=False):
    _log.warning("%s: config field %s was removed from the code (no "
                 "reported run used it); the run is read without it",
                 workdir, field)
  return ml_collections.ConfigDict(saved)


def config_differences(saved: dict, current: dict) -> list[str]:
  """Dotted names of fields whose values differ (JSON-normalised)."""
  a, b = _flatten(saved), _flatten(json.loads(json.dumps(current)))
  return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def check_config(workdir: str, config: ml_collections.ConfigDict) -> bool:
  """Whether `workdir` holds a run with this config; raises
  `ConfigMismatchError` if it holds one with another. Writes nothing."""
  path = os.path.join(workdir, CONFIG_FILE)
  if not os.path.exists(path):
    return False
  with open(path) as f:
    saved = json.load(f)
  differ = config_differences(_upgrade(saved),
                              json.loads(config_to_json(config)))
  if differ:
    raise ConfigMismatchError(
        f"{workdir} already holds a run with another config; fields that "
        f"differ: {', '.join(differ)}. Resume with the same config, or give "
        "a new --workdir to start fresh (nothing was overwritten).")
  return True


def write_or_check_config(workdir: str, config: ml_collections.ConfigDict):
  """Writes the config of a new run; refuses to resume one with another."""
  path = os.path.join(workdir, CONFIG_FILE)
  if check_config(workdir, config):
    return
  if jax.process_index() == 0:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
      f.write(config_to_json(config))
    os.replace(tmp, path)  # atomic: a crash never leaves half a config


class _Quiet:
  """Silences Orbax's and tensorstore's own error logging during a restore.

  A corrupt checkpoint makes Orbax log one traceback per array from its
  worker threads before the restore raises; the caller reports the failure
  once, in one line. The levels are back as they were when the call returns.
  """

  def __enter__(self):
    self._loggers = [py_logging.getLogger(name) for name in ("absl", "orbax")]
    self._levels = [logger.level for logger in self._loggers]
    for logger in self._loggers:
      logger.setLevel(py_logging.CRITICAL)

  def __exit__(self, *exc):
    for logger, level in zip(self._loggers, self._levels):
      logger.setLevel(level)


def _abstract(tree):
  return jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)


def _first_line(error: Exception) -> str:
  text = str(error).strip().splitlines()
  return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


class Checkpointer:
  """Saves and restores the training state at chosen steps.

  A reader (`read_only`) never saves, and creates nothing. It is not
  Orbax's `read_only` manager: that one logs a warning each time it opens,
  noise in every analysis session, and a plain manager that is never asked
  to save writes nothing either. It installs nothing process-wide (a hook,
  a logger filter): what a terminal user should not see of Orbax's
  abandoned reads after a failed restore, the launchers hide
  (`launch/common.py`).
  """

  def __init__(self, workdir: str, read_only: bool = False):
    options = ocp.CheckpointManagerOptions(
        max_to_keep=None, create=not read_only,
        enable_async_checkpointing=False)
    self._read_only = read_only
    self._workdir = workdir
    self._directory = os.path.abspath(os.path.join(workdir, "checkpoints"))
    self._manager = ocp.CheckpointManager(
        self._directory, item_names=(PARAMS, TRAIN_STATE), options=options)

  def _is_complete(self, step: int) -> bool:
    return os.path.exists(os.path.join(self._directory, str(step),
                                       COMMIT_MARKER))

  def _steps_on_disk(self) -> list[int]:
    self._manager.reload()
    return sorted(self._manager.all_steps())

  def all_steps(self) -> list[int]:
    """Complete checkpoints only, oldest first."""
    return [s for s in self._steps_on_disk() if self._is_complete(s)]

  def incomplete_steps(self) -> list[int]:
    return [s for s in self._steps_on_disk() if not self._is_complete(s)]

  def save(self, step: int, state: dict) -> None:
    """Saves `state` (`train.init_state`'s structure) as `params` + the rest."""
    if self._read_only:
      raise ValueError(f"{self._workdir}: a checkpoint reader does not save")
    if step in self.incomplete_steps():
      if jax.process_index() == 0:
        shutil.rmtree(os.path.join(self._directory, str(step)))
      multihost_utils.sync_global_devices(f"removed incomplete step {step}")
      self._manager.reload()
    train_state = {k: v for k, v in state.items() if k != PARAMS}
    self._manager.save(step, args=ocp.args.Composite(**{
        PARAMS: ocp.args.StandardSave(state[PARAMS]),
        TRAIN_STATE: ocp.args.StandardSave(train_state)}))
    self._manager.wait_until_finished()

  def _restore(self, step: int, items: dict):
    try:
      with _Quiet():
        return self._manager.restore(step, args=ocp.args.Composite(**{
            name: ocp.args.StandardRestore(_abstract(like))
            for name, like in items.items()}))
    except Exception as e:  # noqa: BLE001 (tensorstore raises many kinds)
      raise UnreadableCheckpointError(
          f"checkpoint at step {step} does not restore "
          f"({_first_line(e)})") from e

  def restore(self, step: int, like: dict) -> dict:
    """The whole training state at `step`, into the structure and shardings
    of `like` (arrays or `jax.ShapeDtypeStruct`s)."""
    train_like = {k: v for k, v in like.items() if k != PARAMS}
    out = self._restore(step, {PARAMS: like[PARAMS], TRAIN_STATE: train_like})
    return {PARAMS: out[PARAMS], **out[TRAIN_STATE]}

  def restore_params(self, step: int, like):
    """Only the ensemble's parameters at `step` (analysis needs no more)."""
    return self._restore(step, {PARAMS: like})[PARAMS]

  def restore_latest(self, like: dict, report=print) -> dict | None:
    """The newest checkpoint that restores, or None if there is none.

    Checkpoints that fail to restore are named through `report` and moved
    to `workdir/unreadable_checkpoints/` (kept for inspection, and out of
    the way of the step numbers the resumed run will save again).
    """
    for step in reversed(self.all_steps()):
      try:
        return self.restore(step, like)
      except UnreadableCheckpointError as e:
        target = os.path.join(self._workdir, UNREADABLE_DIR, str(step))
        if jax.process_index() == 0:
          os.makedirs(os.path.dirname(target), exist_ok=True)
          shutil.move(os.path.join(self._directory, str(step)), target)
        report(f"{e}: moved it to {target} (kept, not deleted); trying the "
               "one before")
    return None

  def close(self) -> None:
    self._manager.wait_until_finished()
    self._manager.close()
