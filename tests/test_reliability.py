"""Reliability: bad configs, foreign workdirs, crashes, NaN, non-runs.

Launcher tests run `python -m launch.train` in a subprocess. Those that only
fail early (bad config, config mismatch) cost an interpreter start; those that
train pay a compile each and are marked slow.
"""

import json
import logging as py_logging
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from configs import tiny
import hypernet_l1 as hl1
from hypernet_l1 import checkpointing
from hypernet_l1 import config_validation
from hypernet_l1 import runcontrol
from hypernet_l1 import train
from hypernet_l1.run import RunError
from launch import common

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH = [sys.executable, "-m", "launch.train", "--config=configs/tiny.py"]
WAIT_S = 600  # a launcher still running after this has hung


def _launch(workdir, *overrides):
  return subprocess.run([*LAUNCH, f"--workdir={workdir}", *overrides],
                        cwd=REPO, capture_output=True, text=True,
                        timeout=WAIT_S)


def _assert_params_close(a, b):
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6,
                               atol=1e-7)


# --- config validation --------------------------------------------------------

INVALID = [  # (field, value, words the message must hold)
    ("beta_min", -1.0, "> 0"),
    ("beta_min", 0.0, "> 0"),
    ("beta_max", -1e-3, "> 0"),
    ("beta_max", 1e-7, "beta_min must be < beta_max"),  # below beta_min
    ("beta_mode", "grd", "sampled, grid"),
    ("num_betas", 0, ">= 1"),
    ("regularizer", "l2", "l1, l0, kl"),
    ("model.slot_sign", "pairs", "none, random, paired"),
    ("model.centre_output", "yes", "none, noise, all"),
    ("train_dims", (), "non-empty"),
    ("train_dims", (3, 0, 4), "integers >= 1"),
    ("train_dims", (3, 4, 4), "distinct"),
    ("heldout_dims", (), "non-empty"),
    ("heldout_dims", (5, -2), "integers >= 1"),
    ("heldout_dims", (4, 12), "disjoint from train_dims"),
    ("dim_buckets", (8, 4), "strictly increasing"),
    ("dim_buckets", (0, 8), "strictly increasing"),
    ("dim_buckets", (4, 6), "max(train_dims) = 8"),
    ("hidden_per_input", 0, ">= 1"),
    ("model.tied_slots", 4, "[0, hidden_per_input = 3]"),
    ("model.tied_slots", -1, "[0, hidden_per_input = 3]"),
    ("batch_size", 0, ">= 1"),
    ("nets_per_bucket", 0, ">= 1"),
    ("num_steps", 0, ">= 1"),
    ("num_seeds", 0, ">= 1"),
    ("learning_rate", 0.0, "> 0"),
    ("learning_rate", float("nan"), "finite"),
    ("checkpoint_every", 0, ">= 1"),
    ("log_every", -5, ">= 1"),
    ("warmup_steps", 40, "< num_steps = 40"),
    ("checkpoint_minutes", -1.0, ">= 0"),
    ("beta_ramp_direction", "sideways", "up, down"),
    ("task", "l2_norm", "l1_norm, sum_squares"),
    ("beta_ramp_fraction", 1.5, "[0, 1]"),
    ("beta_ramp_fraction", -0.1, "[0, 1]"),
    ("beta_anneal_from", 1.0, "(beta_min, beta_max]"),
    ("beta_anneal_start", 0.95, "below beta_anneal_end"),
    ("model.prior_scale", 0.0, "> 0"),
    ("eval.n", 0, ">= 1"),
]


@pytest.mark.parametrize("switch, mode", [(False, "none"), (True, "all")])
def test_a_run_with_the_centre_output_switch_reads_as_its_mode(
    tiny_config, tmp_path, switch, mode):
  """`model.centre_output` was a switch before it had modes; a run written
  then reads with the mode that switch meant."""
  saved = json.loads(checkpointing.config_to_json(tiny_config))
  saved["model"]["centre_output"] = switch
  (tmp_path / checkpointing.CONFIG_FILE).write_text(json.dumps(saved))
  config = checkpointing.read_config(str(tmp_path))
  assert config.model.centre_output == mode
  assert not config_validation.problems(config)


def _set(config, field, value):
  *parents, leaf = field.split(".")
  for part in parents:
    config = config[part]
  config[leaf] = value


@pytest.mark.parametrize("field,value,allowed", INVALID,
                         ids=[f"{f}={v!r}" for f, v, _ in INVALID])
def test_invalid_field_is_named_with_allowed_values(tiny_config, field, value,
                                                    allowed):
  _set(tiny_config, field, value)
  with pytest.raises(config_validation.ConfigError) as info:
    config_validation.validate(tiny_config)
  lines = str(info.value).splitlines()[1:]
  assert len(lines) == 1, str(info.value)  # only the field that was broken
  subject, allowed_part = lines[0].split(":", 1)
  assert f"{field} =" in subject, lines
  assert allowed in allowed_part, lines


def test_lead_unit_needs_a_free_slot(tiny_config):
  tiny_config.model.tied_slots = tiny_config.hidden_per_input
  config_validation.validate(tiny_config)
  tiny_config.model.lead_unit = True
  with pytest.raises(config_validation.ConfigError, match="model.lead_unit"):
    config_validation.validate(tiny_config)


def test_every_problem_is_reported_at_once(tiny_config):
  tiny_config.beta_min = -1.0
  tiny_config.regularizer = "l2"
  tiny_config.heldout_dims = ()
  tiny_config.eval.n = 0
  with pytest.raises(config_validation.ConfigError) as info:
    config_validation.validate(tiny_config)
  lines = str(info.value).splitlines()
  assert "4 problems" in lines[0]
  assert {line.split()[0] for line in lines[1:]} == {
      "beta_min", "eval.n", "regularizer", "heldout_dims"}


@pytest.mark.parametrize("preset", sorted(
    path.stem for path in pathlib.Path(REPO, "configs").glob("*.py")
    if path.stem != "__init__"))
def test_shipped_configs_are_valid(preset):
  module = __import__(f"configs.{preset}", fromlist=["get_config"])
  config_validation.validate(module.get_config())


def test_grid_mode_with_one_beta_is_valid(tiny_config):
  tiny_config.beta_mode = "grid"
  tiny_config.num_betas = 1
  tiny_config.model.num_knots = 1
  config_validation.validate(tiny_config)


def test_a_sign_offset_slope_needs_the_offset(tiny_config):
  tiny_config.model.sign_offset = 0.0
  tiny_config.model.sign_offset_slope = 0.5
  with pytest.raises(config_validation.ConfigError,
                     match="0 when model.sign_offset is 0"):
    config_validation.validate(tiny_config)


def test_python_api_rejects_a_bad_config_before_writing(tiny_config, tmp_path):
  workdir = tmp_path / "run"
  tiny_config.beta_max = tiny_config.beta_min
  with pytest.raises(config_validation.ConfigError, match="beta_max"):
    train.train_and_evaluate(tiny_config, str(workdir))
  assert not workdir.exists()


def test_launcher_rejects_a_bad_config_without_traceback(tmp_path):
  workdir = tmp_path / "run"
  result = _launch(workdir, "--config.beta_min=-1")
  assert result.returncode == 2, result.stderr
  assert "beta_min" in result.stderr and "> 0" in result.stderr
  assert "Traceback" not in result.stderr
  assert not workdir.exists()


# --- a workdir holding another run --------------------------------------------


def test_launcher_refuses_a_workdir_with_another_config(tiny_config, tmp_path):
  checkpointing.write_or_check_config(str(tmp_path), tiny_config)
  path = tmp_path / "config.json"
  before = path.read_bytes()
  result = _launch(tmp_path, "--config.learning_rate=1.0",
                   "--config.num_seeds=3")
  assert result.returncode == 2, result.stderr
  assert "learning_rate, num_seeds" in result.stderr
  assert "Traceback" not in result.stderr
  assert path.read_bytes() == before
  assert os.listdir(tmp_path) == ["config.json"]  # no checkpoints, no metrics


# --- half-written checkpoints -------------------------------------------------


def _copy_run(src, dst, keep_steps):
  """A copy of the run `src` as if it had stopped after its `keep_steps`."""
  shutil.copytree(src, dst)
  for name in os.listdir(os.path.join(dst, "checkpoints")):
    if int(name) not in keep_steps:
      shutil.rmtree(os.path.join(dst, "checkpoints", name))
  os.remove(os.path.join(dst, "final_eval.csv"))
  return dst


def test_orbax_temp_dir_is_ignored_and_run_resumes_from_last_complete(
    tiny_run, tiny_config, tmp_path, capsys):
  """A crash mid-save leaves `<step>.orbax-checkpoint-tmp` (orbax 0.12.8 saves
  there, then renames): it is never listed, and the resumed run replaces it."""
  workdir = _copy_run(tiny_run, str(tmp_path / "run"), keep_steps={20})
  ckpts = os.path.join(workdir, "checkpoints")
  # Half of a step-40 save: the files of a checkpoint, but not renamed.
  shutil.copytree(os.path.join(ckpts, "20"),
                  os.path.join(ckpts, "40.orbax-checkpoint-tmp"))
  os.remove(os.path.join(ckpts, "40.orbax-checkpoint-tmp",
                         "commit_success.txt"))
  assert hl1.load_run(workdir).steps == [20]
  state = train.train_and_evaluate(tiny_config, workdir)
  assert "resumed from checkpoint at step 20" in capsys.readouterr().out
  assert sorted(os.listdir(ckpts)) == ["20", "40"]
  _assert_params_close(state["params"], hl1.load_run(tiny_run).params(40))
  _assert_params_close(hl1.load_run(workdir).params(),
                       hl1.load_run(tiny_run).params(40))


def test_step_dir_without_commit_marker_is_not_listed(tiny_run, tmp_path):
  """What an interrupted copy (rsync, cp -r) of a live run dir leaves."""
  workdir = _copy_run(tiny_run, str(tmp_path / "run"), keep_steps={20})
  os.makedirs(os.path.join(workdir, "checkpoints", "40"))
  shutil.copy(os.path.join(workdir, "checkpoints", "20",
                           "_CHECKPOINT_METADATA"),
              os.path.join(workdir, "checkpoints", "40"))
  assert hl1.load_run(workdir).steps == [20]


# --- non-finite loss ----------------------------------------------------------


def test_non_finite_loss_stops_training_and_keeps_last_good_checkpoint(
    tiny_run, tiny_config, tmp_path, monkeypatch):
  """Member 1's parameters turn NaN before step 25: training stops at the next
  check (step 30) naming step 25 and member 1, and step 20 stays the latest."""
  real_step = train.jitted_train_step

  def poisoned_step(config, state, log_betas, **kwargs):
    state, metrics = real_step(config, state, log_betas, **kwargs)
    if int(state["step"]) == 25:
      params = state["params"]
      # One compile for all leaves; same sharding, so the step is not retraced.
      poison = jax.jit(
          lambda p: jax.tree.map(lambda a: a.at[1].set(jnp.nan), p),
          out_shardings=jax.tree.map(lambda a: a.sharding, params))
      state = {**state, "params": poison(params)}
    return state, metrics

  monkeypatch.setattr(train, "jitted_train_step", poisoned_step)
  workdir = str(tmp_path / "run")
  with pytest.raises(train.NonFiniteError,
                     match="at step 25 in ensemble member 1"):
    train.train_and_evaluate(tiny_config, workdir)
  run = hl1.load_run(workdir)
  assert run.steps == [20]
  _assert_params_close(run.params(), hl1.load_run(tiny_run).params(20))
  assert not os.path.exists(os.path.join(workdir, "final_eval.csv"))


@pytest.mark.slow
def test_launcher_exits_cleanly_on_non_finite_loss(tmp_path):
  """A learning rate of 1e30 blows up within a few steps (slow: one compile)."""
  workdir = str(tmp_path / "run")
  result = _launch(workdir, "--config.learning_rate=1e30",
                   "--config.checkpoint_every=1")
  assert result.returncode == 2, result.stderr
  assert "Traceback" not in result.stderr
  message = result.stderr[result.stderr.index("error: non-finite"):]
  bad_step = int(message.split("at step ")[1].split()[0])
  assert "in ensemble member" in message
  steps = hl1.load_run(workdir).steps  # the good ones were kept and load
  assert steps and max(steps) <= bad_step
  for leaf in jax.tree.leaves(hl1.load_run(workdir).params()):
    assert np.isfinite(np.asarray(leaf)).all()


# --- crash (kill -9) and resume -----------------------------------------------


@pytest.mark.slow
def test_kill_9_then_resume_equals_uninterrupted_run(tmp_path):
  """Three tiny launcher runs of 200 steps (slow: ~1-3 min on one core)."""
  overrides = ["--config.num_steps=200", "--config.checkpoint_every=20"]
  crashed, clean = str(tmp_path / "crashed"), str(tmp_path / "clean")
  with open(tmp_path / "crashed.log", "w") as log:
    proc = subprocess.Popen([*LAUNCH, f"--workdir={crashed}", *overrides],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    first = os.path.join(crashed, "checkpoints", "20")
    deadline = time.monotonic() + WAIT_S
    while not os.path.exists(first) and proc.poll() is None:
      assert time.monotonic() < deadline, "no first checkpoint: a hang"
      time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
  assert proc.returncode == -signal.SIGKILL, "finished before the kill"
  assert not os.path.exists(os.path.join(crashed, "checkpoints", "200"))

  resumed = _launch(crashed, *overrides)  # no manual clean-up
  assert resumed.returncode == 0, resumed.stderr
  assert "resumed from checkpoint at step " in resumed.stdout
  assert "taking over a stale claim" in resumed.stdout
  uninterrupted = _launch(clean, *overrides)
  assert uninterrupted.returncode == 0, uninterrupted.stderr

  a, b = hl1.load_run(crashed), hl1.load_run(clean)
  assert a.steps == b.steps == list(range(20, 201, 20))
  _assert_params_close(a.params(), b.params())


# --- loading something that is not a run --------------------------------------


def _empty(path):
  os.makedirs(path)


def _foreign(path):
  os.makedirs(os.path.join(path, "data"))
  with open(os.path.join(path, "notes.txt"), "w") as f:
    f.write("not a run")
  with open(os.path.join(path, "data", "x.bin"), "wb") as f:
    f.write(os.urandom(64))


def _config_only(path):
  os.makedirs(path)
  checkpointing.write_or_check_config(path, tiny.get_config())


def _crashed_in_first_save(path):
  _config_only(path)
  os.makedirs(os.path.join(path, "checkpoints", "20.orbax-checkpoint-tmp"))


@pytest.mark.parametrize("make,message", [
    (lambda path: None, "no such directory"),
    (_empty, "not a run directory"),
    (_foreign, "not a run directory"),
    (_config_only, "no checkpoint yet"),
    (_crashed_in_first_save, "no checkpoint yet"),
], ids=["missing", "empty", "foreign", "config_only", "crashed_in_first_save"])
def test_load_run_on_a_non_run_says_why(tmp_path, make, message):
  path = str(tmp_path / "dir")
  make(path)
  with pytest.raises(RunError, match=message):
    hl1.load_run(path)


# --- preemption: SIGTERM / SIGINT ---------------------------------------------


def _signal_at(monkeypatch, at_step: int, sig=signal.SIGTERM):
  """Sends `sig` to this process once the step `at_step` has been taken."""
  real_step = train.jitted_train_step

  def step(config, state, log_betas, **kwargs):
    state, metrics = real_step(config, state, log_betas, **kwargs)
    if int(state["step"]) == at_step:
      os.kill(os.getpid(), sig)
    return state, metrics

  monkeypatch.setattr(train, "jitted_train_step", step)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_saves_the_step_and_the_rerun_ends_as_uninterrupted(
    tiny_run, tiny_config, tmp_path, monkeypatch, sig):
  workdir = str(tmp_path / "run")
  handler_before = signal.getsignal(sig)
  # Step 29: the rerun's first step (30) is also a log step, which has no
  # steps/s yet (the first step compiles).
  _signal_at(monkeypatch, 29, sig)
  with pytest.raises(train.Stopped, match=f"{sig.name} after step 29") as info:
    train.train_and_evaluate(tiny_config, workdir)
  assert info.value.exit_code == 128 + int(sig)
  assert hl1.load_run(workdir).steps == [20, 29]
  assert not os.path.exists(os.path.join(workdir, "final_eval.csv"))
  # The handler is the one before again, and the rerun continues from 29.
  assert signal.getsignal(sig) is handler_before
  monkeypatch.undo()
  state = train.train_and_evaluate(tiny_config, workdir)
  assert int(state["step"]) == 40
  _assert_params_close(state["params"], hl1.load_run(tiny_run).params(40))
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    steps = [json.loads(line)["step"] for line in f]
  assert steps == [10, 20, 30, 40]


@pytest.mark.slow  # long for the default suite
def test_checkpoint_minutes_saves_on_the_clock(tiny_config, tmp_path):
  tiny_config.num_steps, tiny_config.checkpoint_every = 4, 1000
  tiny_config.checkpoint_minutes = 1e-9  # every step is due
  train.train_and_evaluate(tiny_config, str(tmp_path))
  assert hl1.load_run(str(tmp_path)).steps == [1, 2, 3, 4]


@pytest.mark.slow
def test_sigterm_to_the_launcher_checkpoints_the_step_and_exits_143(
    tmp_path):
  """A real launcher exits 143 with a checkpoint at or after the last
  reported step (one that missed the signal would train on and exit 0; one
  that hung would time out), and the rerun equals an uninterrupted run."""
  overrides = ["--config.num_steps=3000", "--config.checkpoint_every=1000",
               "--config.log_every=50"]
  stopped, clean = str(tmp_path / "stopped"), str(tmp_path / "clean")
  proc = subprocess.Popen([*LAUNCH, f"--workdir={stopped}", *overrides],
                          cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
  reported = 0
  for line in proc.stdout:
    if line.startswith("step "):
      reported = int(line.split()[1].split("/")[0])
      if reported >= 300:
        break
  proc.send_signal(signal.SIGTERM)
  out, err = proc.communicate(timeout=WAIT_S)
  assert proc.returncode == 128 + signal.SIGTERM, err
  assert "Traceback" not in err
  saved = max(hl1.load_run(stopped).steps)
  assert saved >= reported and f"saved a checkpoint at step {saved}" in err
  assert _launch(stopped, *overrides).returncode == 0
  assert _launch(clean, *overrides).returncode == 0
  _assert_params_close(hl1.load_run(stopped).params(3000),
                       hl1.load_run(clean).params(3000))


# --- corrupted checkpoints ----------------------------------------------------


def _corrupt(step_dir: str) -> None:
  """Flips 16 bytes in the middle of every array data file (Orbax's OCDBT
  `d/` files), as a bad disk or copy would."""
  for root, _, files in os.walk(step_dir):
    if os.path.basename(root) == "d":
      for name in files:
        path = os.path.join(root, name)
        data = bytearray(open(path, "rb").read())
        for i in range(len(data) // 3, len(data) // 3 + 16):
          data[i] ^= 0xFF
        with open(path, "wb") as f:
          f.write(bytes(data))


@pytest.fixture(scope="session")
def _abandoned_reads_hidden():
  """A failed restore leaves abandoned reads whose reports can come at any
  later time, in any test (a good run's `caplog` included): hidden for the
  rest of the session, as the launchers hide them for their process
  (`launch.common.hide_abandoned_reads`; pytest's own unraisable hook is
  told by the `filterwarnings` line in pyproject.toml)."""
  common.hide_abandoned_reads()


@pytest.fixture
def corrupted_run(tiny_run, tmp_path, _abandoned_reads_hidden):
  """A copy of the tiny run whose latest checkpoint (40) is corrupt."""
  workdir = _copy_run(tiny_run, str(tmp_path / "run"), keep_steps={20, 40})
  shutil.rmtree(os.path.join(workdir, "analysis"), ignore_errors=True)
  _corrupt(os.path.join(workdir, "checkpoints", "40"))
  return workdir


def test_resume_falls_back_past_a_corrupted_checkpoint(
    corrupted_run, tiny_run, tiny_config, capsys):
  state = train.train_and_evaluate(tiny_config, corrupted_run)
  out = capsys.readouterr().out
  assert "checkpoint at step 40 does not restore" in out
  assert "resumed from checkpoint at step 20" in out
  kept = os.path.join(corrupted_run, checkpointing.UNREADABLE_DIR, "40")
  assert os.path.isdir(kept) and f"moved it to {kept}" in out
  _assert_params_close(state["params"], hl1.load_run(tiny_run).params(40))


def test_load_run_skips_a_corrupted_checkpoint_with_a_warning(corrupted_run):
  warnings = []
  run = hl1.load_run(corrupted_run, warn=warnings.append)
  assert run.resolve_step() == 20
  assert len(warnings) == 1 and "step 40 does not restore" in warnings[0]
  with pytest.raises(RunError, match="step 40 does not restore"):
    run.params(40)


def test_nothing_readable_is_one_clear_error(corrupted_run):
  _corrupt(os.path.join(corrupted_run, "checkpoints", "20"))
  with pytest.raises(RunError, match="no checkpoint restores"):
    hl1.load_run(corrupted_run, warn=lambda line: None).params()


@pytest.mark.parametrize("launcher", ["analyze", "evaluate"])
def test_analysis_launchers_warn_once_and_finish_without_traceback(
    corrupted_run, launcher):
  args = ["--n=6", "--seeds=2"] if launcher == "analyze" else [
      "--dims=5,6", "--seeds=2"]
  result = subprocess.run(
      [sys.executable, "-m", f"launch.{launcher}",
       f"--workdir={corrupted_run}", *args], cwd=REPO, capture_output=True,
      text=True, timeout=WAIT_S)
  assert result.returncode == 0, result.stderr
  assert "Traceback" not in result.stderr + result.stdout
  warnings = [line for line in result.stdout.splitlines()
              if line.startswith("warning:")]
  assert len(warnings) == 1 and "step 40 does not restore" in warnings[0]


def test_the_launchers_hide_only_the_abandoned_reads(monkeypatch):
  """What `launch.common.hide_abandoned_reads` drops, for the launchers'
  whole process: a failed restore's abandoned reads, and nothing else."""
  seen = []
  monkeypatch.setattr(sys, "unraisablehook", seen.append)
  asyncio_log = py_logging.getLogger("asyncio")
  monkeypatch.setattr(asyncio_log, "filters", [])
  common.hide_abandoned_reads()
  for message in ("Event loop is closed", "something else"):
    sys.unraisablehook(types.SimpleNamespace(exc_value=RuntimeError(message)))
  assert [str(u.exc_value) for u in seen] == ["something else"]
  record = lambda msg: asyncio_log.makeRecord(
      "asyncio", py_logging.ERROR, __file__, 0, msg, (), None)
  assert not asyncio_log.filter(record(
      "Task exception was never retrieved\nfuture: <Task finished "
      "coro=<async_deserialize() done>>"))
  assert not asyncio_log.filter(record(
      "Future exception was never retrieved\nfuture: <Future finished "
      "exception=ValueError('DATA_LOSS: Error opening \"cast\"')>"))
  assert asyncio_log.filter(record("Task exception was never retrieved"))
  assert asyncio_log.filter(record("Future exception was never retrieved"))


# --- one writer per workdir ---------------------------------------------------


def test_a_second_launcher_on_a_live_workdir_refuses_at_once(tiny_config,
                                                             tmp_path):
  """This process holds the claim, as a live launcher would; the launcher
  started next exits 2, naming the owner, without touching the run (one
  that waited for the claim would hang, and time out)."""
  checkpointing.write_or_check_config(str(tmp_path), tiny_config)
  with runcontrol.WorkdirLock(str(tmp_path)):
    result = _launch(tmp_path)
  assert result.returncode == 2, result.stderr
  assert f"pid {os.getpid()} on host {socket.gethostname()}" in result.stderr
  assert "Traceback" not in result.stderr
  assert not os.path.exists(tmp_path / "checkpoints")


@pytest.mark.slow  # long for the default suite
def test_a_stale_claim_is_taken_over(tiny_config, tmp_path, capsys):
  """What `kill -9` leaves: a lock file naming a dead owner, not locked."""
  tiny_config.num_steps = 3
  (tmp_path / runcontrol.LOCK_FILE).write_text(json.dumps(
      {"pid": 999999, "host": "gone-host", "since": "earlier"}))
  train.train_and_evaluate(tiny_config, str(tmp_path))
  assert ("taking over a stale claim on this workdir by pid 999999 on host "
          "gone-host" in capsys.readouterr().out)
  assert (tmp_path / runcontrol.LOCK_FILE).read_text() == ""  # released


@pytest.mark.slow
def test_two_launchers_on_one_workdir(tmp_path):
  """The second exits 2 at once (had it waited for the claim, it would have
  resumed the finished run and exited 0); the first finishes normally and
  logs every step once."""
  workdir = str(tmp_path / "run")
  overrides = ["--config.num_steps=2000", "--config.log_every=100"]
  first = subprocess.Popen([*LAUNCH, f"--workdir={workdir}", *overrides],
                           cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
  lock = os.path.join(workdir, runcontrol.LOCK_FILE)
  deadline = time.monotonic() + WAIT_S
  while not (os.path.exists(lock) and os.path.getsize(lock)):
    assert time.monotonic() < deadline and first.poll() is None
    time.sleep(0.05)
  second = _launch(workdir, *overrides)
  assert second.returncode == 2 and "is being trained by pid" in second.stderr
  out, err = first.communicate(timeout=WAIT_S)
  assert first.returncode == 0, err
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    steps = [json.loads(line)["step"] for line in f]
  assert steps == list(range(100, 2001, 100))


@pytest.mark.slow  # long for the default suite
def test_orbax_logs_no_warning_of_an_old_api(tiny_config, tmp_path, caplog):
  tiny_config.num_steps, tiny_config.checkpoint_every = 3, 1
  train.train_and_evaluate(tiny_config, str(tmp_path))
  hl1.load_run(str(tmp_path)).params()
  assert not [r.getMessage() for r in caplog.records
              if "deprecat" in r.getMessage().lower()]


def test_reading_a_run_from_python_logs_no_warning(tiny_run, caplog):
  caplog.set_level(py_logging.WARNING)
  hl1.load_run(tiny_run).generate(n=5, beta=1e-3)
  assert not [r.getMessage() for r in caplog.records
              if r.levelno >= py_logging.WARNING]
