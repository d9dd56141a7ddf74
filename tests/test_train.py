"""Training on the tiny config: learning, determinism, checkpoints, resume."""

import json
import logging
import os
import shutil
import subprocess
import sys

import chex
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

import hypernet_l1 as hl1
from hypernet_l1 import checkpointing
from hypernet_l1 import layout
from hypernet_l1 import train


def test_training_lowers_the_loss(tiny_run):
  """The session's tiny run (40 steps, 2 members; free: the fixture trains
  it anyway): its logged loss falls from the first logged step to the last.
  The slow test below checks each member over 10-step means."""
  losses = [row["train/loss"] for row in hl1.load_run(tiny_run).metrics()]
  assert losses[-1] < losses[0] - 0.3, losses


@pytest.mark.slow  # long for the default suite
def test_loss_goes_down_on_tiny_config(tiny_config):
  frozen = ml_collections.FrozenConfigDict(tiny_config)
  state = train.step_layout(frozen, train.init_state(tiny_config))
  log_betas = jnp.asarray(layout.member_log_betas(tiny_config))
  losses = []
  for _ in range(tiny_config.num_steps):
    state, metrics = train.jitted_train_step(frozen, state, log_betas)
    losses.append(np.asarray(metrics["loss"]))
  losses = np.stack(losses)  # [steps, E]
  assert (losses[-10:].mean(0) < losses[:10].mean(0) - 0.3).all(), losses


def test_grid_mode_has_one_member_per_seed_and_beta(tiny_config):
  tiny_config.beta_mode = "grid"
  tiny_config.num_betas = 3
  state = jax.eval_shape(lambda: train.init_state(tiny_config))
  assert jax.tree.leaves(state["params"])[0].shape[0] == 2 * 3
  log_betas = layout.member_log_betas(tiny_config)
  np.testing.assert_allclose(np.exp(log_betas[[0, 2, 3]]),
                             [tiny_config.beta_min, tiny_config.beta_max,
                              tiny_config.beta_min], rtol=1e-5)


def test_run_writes_config_metrics_and_checkpoints(tiny_run, tiny_config):
  with open(os.path.join(tiny_run, "config.json")) as f:
    assert json.load(f)["train_dims"] == list(tiny_config.train_dims)
  with open(os.path.join(tiny_run, "metrics.jsonl")) as f:
    lines = [json.loads(line) for line in f]
  assert [m["step"] for m in lines] == [10, 20, 30, 40]
  assert all(np.isfinite(m["train/loss"]) for m in lines)
  assert hl1.load_run(tiny_run).steps == [20, 40]


def test_checkpoint_round_trip_is_exact(tiny_config, tmp_path):
  state = train.init_state(tiny_config)
  ckpt = checkpointing.Checkpointer(str(tmp_path))
  ckpt.save(3, state)
  restored = ckpt.restore(3, jax.eval_shape(lambda: state))
  ckpt.close()
  chex.assert_trees_all_equal(restored, state)


# Slow: it trains twice. Faster tests in test_reliability.py cover both its
# properties against the session's tiny run: a resume from step 20 after a
# crash (test_orbax_temp_dir_is_ignored_and_run_resumes_from_last_complete),
# a fresh run stopped and resumed
# (test_signal_saves_the_step_and_the_rerun_ends_as_uninterrupted).
@pytest.mark.slow
def test_resumed_run_ends_with_the_same_parameters(tiny_run, tiny_config,
                                                   tmp_path):
  """Stop after the first checkpoint (step 20), resume, compare at step 40."""
  workdir = str(tmp_path)
  train.train_and_evaluate(tiny_config, workdir)  # writes 20 and 40
  ckpt = checkpointing.Checkpointer(workdir)
  like = jax.eval_shape(lambda: train.init_state(tiny_config))
  full = ckpt.restore(40, like)
  # Simulate a crash after step 20: drop the last checkpoint, then resume.
  shutil.rmtree(os.path.join(workdir, "checkpoints", "40"))
  ckpt.close()
  resumed = train.train_and_evaluate(tiny_config, workdir)
  chex.assert_trees_all_close(resumed["params"], full["params"], rtol=1e-6,
                              atol=1e-7)
  # And the run is deterministic: the session fixture's run is the same too.
  other = checkpointing.Checkpointer(tiny_run, read_only=True).restore(40, like)
  chex.assert_trees_all_close(other["params"], full["params"], rtol=1e-6,
                              atol=1e-7)


@pytest.mark.parametrize("n", [7, 40])
def test_load_run_generates_trained_and_untrained_dims(tiny_run, n):
  run = hl1.load_run(tiny_run)
  net = run.generate(n=n, beta=1e-3, seed=0)
  m = run.config.hidden_per_input * n
  chex.assert_shape([net.W1, net.b1, net.w2, net.b2], [(m, n), (m,), (m,), ()])
  chex.assert_tree_all_finite(net)
  again = run.generate(n=n, beta=1e-3, seed=0, step=run.steps[-1])
  chex.assert_trees_all_equal(net, again)
  assert not np.allclose(run.generate(n=n, beta=1e-3, seed=1).W1, net.W1)


def test_run_saved_on_two_devices_opens_on_one(tiny_run):
  """The tiny run's 2 members were saved split over 2 devices; a process with
  one device (an analysis on a laptop) restores the same parameters."""
  assert len(jax.tree.leaves(
      hl1.load_run(tiny_run).params())[0].sharding.device_set) == 2
  code = ("import sys, numpy as np, jax, hypernet_l1 as hl1; "
          "assert jax.device_count() == 1; "
          f"p = hl1.load_run({tiny_run!r}).params(); "
          "np.save(sys.argv[1], np.asarray(jax.tree.leaves(p)[0]))")
  out = os.path.join(tiny_run, "..", "one_device_leaf.npy")
  env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
  subprocess.run([sys.executable, "-c", code, out], env=env, check=True,
                 timeout=120)
  first_leaf = jax.tree.leaves(hl1.load_run(tiny_run).params())[0]
  np.testing.assert_array_equal(np.load(out), np.asarray(first_leaf))


def _process_wide():
  """What a library must leave as it found it: the unraisable hook and the
  filters of the loggers the checkpoint readers' noise goes through."""
  return sys.unraisablehook, {name: list(logging.getLogger(name).filters)
                              for name in ("absl", "asyncio", "orbax")}


def test_a_run_closes_its_reader_as_a_context_manager(tiny_run):
  """...and changes no process-wide hook or logger filter, while it is open
  or after (a notebook keeps its own; the launchers decide)."""
  before = _process_wide()
  with hl1.load_run(tiny_run) as run:
    run.generate(n=6, beta=1e-3)  # bucket 8: compiled by earlier tests
    assert "_checkpointer" in vars(run)  # opened by the first read
    assert _process_wide() == before
  assert "_checkpointer" not in vars(run)
  assert _process_wide() == before
  logged = run.metrics()
  assert [row["step"] for row in logged] == list(
      range(run.config.log_every, run.config.num_steps + 1,
            run.config.log_every))


def test_a_training_checkpointer_changes_nothing_process_wide(tmp_path):
  """Nor does a writer; a reader of its directory refuses to save."""
  before = _process_wide()
  ckpt = checkpointing.Checkpointer(str(tmp_path))
  state = {"params": {"w": jnp.ones(3)}, "step": jnp.int32(0)}
  ckpt.save(1, state)
  ckpt.restore(1, state)
  assert _process_wide() == before
  ckpt.close()
  assert _process_wide() == before
  reader = checkpointing.Checkpointer(str(tmp_path), read_only=True)
  with pytest.raises(ValueError, match="does not save"):
    reader.save(2, state)
  reader.close()
  assert sorted(os.listdir(tmp_path / "checkpoints")) == ["1"]


def test_resume_with_another_config_is_refused(tiny_run, tiny_config):
  tiny_config.learning_rate = 1.0
  with pytest.raises(checkpointing.ConfigMismatchError, match="learning_rate"):
    train.train_and_evaluate(tiny_config, tiny_run)


def test_a_config_written_before_a_field_existed_matches_its_defaults(
    tiny_config, tmp_path):
  """A run written before `task` existed resumes with `task = l1_norm`,
  and is refused with another task."""
  workdir = str(tmp_path)
  saved = json.loads(checkpointing.config_to_json(tiny_config))
  del saved["task"]
  with open(os.path.join(workdir, checkpointing.CONFIG_FILE), "w") as f:
    json.dump(saved, f)
  checkpointing.write_or_check_config(workdir, tiny_config)  # l1_norm
  tiny_config.task = "sum_squares"
  with pytest.raises(checkpointing.ConfigMismatchError, match="task"):
    checkpointing.write_or_check_config(workdir, tiny_config)
