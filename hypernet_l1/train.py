"""Training: one jitted Optax step over an ensemble of hypernetworks.

The ensemble axis `E` leads every leaf of the state; which member trains at
which beta is `layout.py`'s to say. `sharding.map_ensemble` lays the members
out over devices, a compiled loop and vmap. Randomness is a pure function of
`(config.seed, step)`, so a resumed run replays the uninterrupted one
(`docs/design.md`, "Data flow").
"""

import functools
import json
import os
import time

import jax
from jax.experimental import multihost_utils
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from hypernet_l1 import checkpointing
from hypernet_l1 import config_validation
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import knots
from hypernet_l1 import layout
from hypernet_l1 import runcontrol
from hypernet_l1 import sharding
from hypernet_l1 import tables
from hypernet_l1 import tasks
from hypernet_l1 import timing
from hypernet_l1.target import apply_target


def make_optimizer(config) -> optax.GradientTransformation:
  schedule = optax.warmup_cosine_decay_schedule(
      0.0, config.learning_rate, config.warmup_steps, config.num_steps,
      end_value=config.learning_rate * 0.01)
  return optax.chain(optax.clip_by_global_norm(config.grad_clip),
                     optax.adam(schedule))


def init_state(config) -> dict:
  """Step 0 of the ensemble: params and Adam state with a leading `E` axis,
  as checkpoints hold them (`step_layout`: as the step does)."""
  params_E = generator.init_ensemble_params(config)
  return {
      "step": jnp.int32(0),
      "params": params_E,
      "opt_state": jax.vmap(make_optimizer(config).init)(params_E),
      # First step whose loss or gradient was not finite, per member (-1: none).
      "first_bad_step": jnp.full(layout.ensemble_size(config), -1, jnp.int32),
  }


def _map_param_trees(fn, tree, params):
  """`fn` applied to each subtree of `tree` with the tree of `params`: the
  parameters, and Adam's moments of them."""
  treedef = jax.tree.structure(params)
  is_params = lambda x: jax.tree.structure(x) == treedef
  return jax.tree.map(lambda x: fn(x) if is_params(x) else x, tree,
                      is_leaf=is_params)


def step_layout(config, state: dict) -> dict:
  """`state` (`init_state`'s layout) as `train_step` holds it: each member's
  parameters, and Adam's moments of them, packed (`knots.pack`)."""
  pack = jax.vmap(functools.partial(knots.pack, config))
  return {**state, "params": pack(state["params"]),
          "opt_state": _map_param_trees(pack, state["opt_state"],
                                        state["params"])}


def checkpoint_layout(config, state: dict) -> dict:
  """`step_layout`'s inverse: the state as `init_state` lays it out."""
  one = generator.param_shapes(config)
  unpack = jax.vmap(lambda packed: knots.unpack(config, packed, one))
  return {**state, "params": unpack(state["params"]),
          "opt_state": _map_param_trees(unpack, state["opt_state"],
                                        state["params"])}


def objective(fvu, complexity_per_dim, log_beta):
  """The per-network loss `log(FVU + beta C / n)`.

  Per network it has the minimiser of `FVU + beta C / n`; the log makes the
  gradient scale-free across the beta range, so low-beta networks are not
  drowned out by high-beta ones.
  """
  return jnp.log(fvu + jnp.exp(log_beta) * complexity_per_dim)


def network_objective(config, hyper_params, noise, n, log_beta, x_BxN,
                      log_beta_floor=-jnp.inf):
  """`objective` of the network drawn with `noise` (`generator.draw`, its
  training draw) on the inputs `x_BxN`, from `HyperNet`'s parameters at the
  network's beta (`knots.at`), with complexity priced at no less than
  `log_beta_floor` (`layout.loss_log_beta_floor`).

  `x_BxN` is drawn for the whole padding bucket; only its first `n` columns
  reach the network (padded columns of `W1` are exactly zero) and the
  target. FVU is `evaluation.fvu`: it divides by the task's exact `var(y)`,
  so every `n` counts alike.
  """
  task = tasks.get(config.task)
  num_inputs = x_BxN.shape[-1]
  net, cost = generator.generate_with(
      config, hyper_params, noise, n, layout.scaled_log_beta(config, log_beta),
      train=True)
  y_B = task.function(x_BxN * (jnp.arange(num_inputs) < n))
  fvu = evaluation.fvu(apply_target(net, x_BxN), y_B, task, n)
  cost_per_dim = cost / n
  loss_log_beta = jnp.maximum(log_beta, log_beta_floor)
  return objective(fvu, cost_per_dim, loss_log_beta), {
      "fvu": fvu, "complexity": cost_per_dim}


def bucket_draws(config, key, member_log_beta, step) -> list[tuple]:
  """Per padding bucket, `(noise_G, n_G, log_beta_G, x_BxN)`: the training
  draws, dims and log betas of its `nets_per_bucket` networks, and their
  inputs.

  The networks of a bucket share one batch of inputs (each still sees fresh
  `x ~ U[-1, 1]^n`): their first layers then act on it as one matmul, and the
  step draws `nets_per_bucket` times fewer random inputs. Their noise is
  drawn in a loop (`lax.map`; the same numbers as vmapped): a loop's output
  is stored, where XLA:CPU fused the normal draw's `erf_inv` chain into
  each consumer and recomputed it there, for every batch row of the
  generated networks' hidden layer (the step 1.06-1.19x slower on CPU,
  benchmarks/README.md; on accelerators, 3 loops of 8 small iterations per
  step, not measured).
  """
  log_beta_lo, log_beta_hi = layout.open_log_beta_range(config, step)
  task = tasks.get(config.task)
  buckets = generator.dim_buckets(config.train_dims, config.dim_buckets)
  draws = []
  for num_inputs, dims in buckets.items():
    bucket_index = config.dim_buckets.index(num_inputs)  # keys its draws
    dim_key, beta_key, net_key, x_key = jax.random.split(
        jax.random.fold_in(key, bucket_index), 4)
    num_nets = config.nets_per_bucket
    n_G = jax.random.choice(dim_key, jnp.asarray(dims), (num_nets,))
    # Clipped: rounding can carry a draw a hair past `log_beta_hi`.
    log_beta_G = jnp.clip(jax.random.uniform(
        beta_key, (num_nets,), minval=log_beta_lo, maxval=log_beta_hi),
                          log_beta_lo, log_beta_hi)
    if layout.trains_at_grid_betas(config):
      log_beta_G = jnp.full((num_nets,), jnp.clip(
          member_log_beta, log_beta_lo, log_beta_hi))
    x_BxN = task.sample_inputs(x_key, (config.batch_size, num_inputs))
    noise_G = jax.lax.map(
        lambda k: generator.draw(config, k, num_inputs, train=True),
        jax.random.split(net_key, num_nets))
    draws.append((noise_G, n_G, log_beta_G, x_BxN))
  return draws


def member_loss(config, params, key, member_log_beta, step):
  """Mean objective over `nets_per_bucket` networks in every padding bucket
  (`bucket_draws`); `params`: one member's, packed (`knots.pack`).

  With parameters that vary with beta, every network's set is mixed in one
  matmul (`knots.rows_at`); with one set, a bucket's networks share it, so
  each of the hypernetwork's layers is one matmul over all of them.
  """
  draws = bucket_draws(config, key, member_log_beta, step)
  if knots.varies(config):
    t_G = layout.scaled_log_beta(
        config, jnp.concatenate([log_beta_G for _, _, log_beta_G, _ in draws]))
    sets, set_axis = jnp.split(knots.rows_at(config, params, t_G),
                               len(draws)), 0
  else:
    sets, set_axis = [params["rows"][0]] * len(draws), None
  one = generator.param_shapes(config)
  log_beta_floor = layout.loss_log_beta_floor(config, step)
  objectives, fvus, costs = [], [], []
  for (noise_G, n_G, log_beta_G, x_BxN), rows in zip(draws, sets):
    obj_G, aux = jax.vmap(
        lambda h, z, n, lb: network_objective(config, h, z, n, lb, x_BxN,
                                              log_beta_floor),
        in_axes=(set_axis, 0, 0, 0))(knots.unravel(one, rows), noise_G, n_G,
                                     log_beta_G)
    objectives.append(obj_G)
    fvus.append(aux["fvu"])
    costs.append(aux["complexity"])
  loss = jnp.mean(jnp.concatenate(objectives))
  return loss, {"loss": loss, "fvu": jnp.median(jnp.concatenate(fvus)),
                "complexity": jnp.mean(jnp.concatenate(costs))}


def train_step(config, state, member_log_beta_E, num_shards=1):
  """One Adam update of every member; non-finite updates are skipped and logged.

  `state` in `step_layout`. `num_shards`: devices the ensemble axis is split
  over (`map_ensemble`).
  """
  tx = make_optimizer(config)
  step = state["step"]
  step_key = jax.random.fold_in(jax.random.fold_in(jax.random.key(config.seed),
                                                   1), step)
  keys_E = jax.random.split(step_key, member_log_beta_E.shape[0])

  def update(params, opt_state, key, member_log_beta):
    grads, metrics = jax.grad(
        lambda p: member_loss(config, p, key, member_log_beta, step),
        has_aux=True)(params)
    updates, new_opt_state = tx.update(grads, opt_state, params)
    finite = jnp.isfinite(metrics["loss"]) & jnp.isfinite(
        optax.tree.norm(grads))
    keep = lambda new, old: jax.tree.map(
        lambda a, b: jnp.where(finite, a, b), new, old)
    return (keep(optax.apply_updates(params, updates), params),
            keep(new_opt_state, opt_state), finite, metrics)

  params, opt_state, finite_E, metrics_E = sharding.map_ensemble(
      lambda member: update(*member),
      (state["params"], state["opt_state"], keys_E, member_log_beta_E),
      num_shards, config.member_chunk)
  first_bad = jnp.where((state["first_bad_step"] < 0) & ~finite_E, step,
                        state["first_bad_step"])
  new_state = {"step": step + 1, "params": params, "opt_state": opt_state,
               "first_bad_step": first_bad}
  return new_state, metrics_E


# Compiled once per (frozen) config and reused by every run in the process.
jitted_train_step = jax.jit(train_step, static_argnums=(0, 3),
                            donate_argnums=1)


class NonFiniteError(RuntimeError):
  pass


def _check_finite(state):
  bad = sharding.to_host(state["first_bad_step"])
  if (bad >= 0).any():
    member = int(np.argmax(bad >= 0))
    raise NonFiniteError(
        f"non-finite loss or gradient at step {int(bad[member])} in ensemble "
        f"member {member}; that update was skipped and nothing after it was "
        "checkpointed. Lower learning_rate or check the config.")


def _sharded(fn, mesh, *args):
  """`fn` compiled to build each member of its output in its shard."""
  shardings = sharding.ensemble_shardings(jax.eval_shape(fn, *args), mesh)
  return jax.jit(fn, out_shardings=shardings)


@functools.lru_cache(maxsize=8)
def _state_programs(frozen_config, mesh):
  """`init_state`, and the two layouts' conversions, compiled sharded."""
  like = jax.eval_shape(lambda: init_state(frozen_config))
  to_step = functools.partial(step_layout, frozen_config)
  return (_sharded(lambda: init_state(frozen_config), mesh),
          _sharded(to_step, mesh, like),
          _sharded(functools.partial(checkpoint_layout, frozen_config), mesh,
                   jax.eval_shape(to_step, like)))


def _drop_metrics_after(path: str, step: int) -> None:
  """Forgets logged steps past the checkpoint a resumed run restarts from."""
  if not os.path.exists(path) or jax.process_index() != 0:
    return
  with open(path) as f:
    kept = [line for line in f if json.loads(line)["step"] <= step]
  with open(path + ".tmp", "w") as f:
    f.writelines(kept)
  os.replace(path + ".tmp", path)


class Stopped(RuntimeError):
  """Training stopped on a signal, after checkpointing the step it reached."""

  def __init__(self, message: str, exit_code: int):
    super().__init__(message)
    self.exit_code = exit_code


def _restore(ckpt, state, metrics_path):
  """Resumes from the newest checkpoint that restores (or keeps `state`)."""
  for step in ckpt.incomplete_steps():
    print(f"ignoring incomplete checkpoint at step {step}", flush=True)
  restored = ckpt.restore_latest(state, report=lambda line: print(
      line, flush=True))
  if restored is not None:
    state = restored
    print(f"resumed from checkpoint at step {int(state['step'])}", flush=True)
  _drop_metrics_after(metrics_path, int(state["step"]))
  return state


def _time_to_save(config, last_save_time: float, agree: bool) -> bool:
  """`checkpoint_minutes` elapsed since the last save. Several hosts agree
  through process 0's clock, on `agree` steps only (a broadcast is a
  collective: one per step made every host wait for the device)."""
  if not config.checkpoint_minutes:
    return False
  due = time.time() - last_save_time >= 60 * config.checkpoint_minutes
  if jax.process_count() > 1:
    due = agree and bool(multihost_utils.broadcast_one_to_all(np.bool_(due)))
  return due


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str,
                       on_metrics=None) -> dict:
  """Trains (or resumes) the run in `workdir`; returns the final state.

  Process 0 also passes each record it appends to `metrics.jsonl` to
  `on_metrics` (a `dict -> None` callable) when one is given.

  Holds `runcontrol.WorkdirLock` for the whole run. On SIGTERM or SIGINT the
  step in flight finishes, is checkpointed, and `Stopped` is raised; the
  same call again resumes there and ends with the same parameters.
  """
  config_validation.validate(config)  # before anything is written
  os.makedirs(workdir, exist_ok=True)
  checkpointing.check_config(workdir, config)  # refuse before taking the lock
  report = lambda line: print(line, flush=True)
  with runcontrol.WorkdirLock(workdir, report):
    # Under the lock: two launchers starting on a fresh workdir must not
    # both write config.json, and the config must be the one trained.
    checkpointing.write_or_check_config(workdir, config)
    with runcontrol.StopSignals() as stop:
      state = _train(config, workdir, stop, on_metrics)
    # After the signal handlers are gone: Ctrl-C here interrupts at once.
    # Every process evaluates a whole copy of the parameters on its own
    # device, so none waits for process 0 alone (at exit it would wait on
    # the others at most the distributed timeout).
    table = tables.final_table(ml_collections.FrozenConfigDict(config),
                               sharding.to_host(state["params"]))
    if jax.process_index() == 0:
      print(tables.format_final_table(table, config), flush=True)
      tables.write_rows(os.path.join(workdir, "final_eval.csv"), table)
  return state


def _train(config, workdir: str, stop: runcontrol.StopSignals,
           on_metrics) -> dict:
  ckpt = checkpointing.Checkpointer(workdir)
  try:
    return _train_loop(config, workdir, stop, ckpt, on_metrics)
  finally:
    ckpt.close()


def _train_loop(config, workdir: str, stop: runcontrol.StopSignals,
                ckpt: checkpointing.Checkpointer, on_metrics) -> dict:
  frozen = ml_collections.FrozenConfigDict(config)
  mesh = sharding.ensemble_mesh(layout.ensemble_size(config))
  metrics_path = os.path.join(workdir, "metrics.jsonl")
  init, to_step, to_checkpoint = _state_programs(frozen, mesh)
  state = to_step(_restore(ckpt, init(), metrics_path))
  step_fn = functools.partial(jitted_train_step, frozen,
                              num_shards=mesh.devices.size)
  member_log_beta_E = sharding.shard_ensemble(
      layout.member_log_betas(config), mesh)

  start_step = int(state["step"])
  t0 = t_last = last_save = time.time()
  s_last = start_step
  for step in range(start_step, config.num_steps):
    state, metrics_E = step_fn(state, member_log_beta_E)
    done = step + 1
    if step == start_step:  # keep compilation out of steps/s and the ETA
      jax.block_until_ready(metrics_E)
      t_last, s_last = time.time(), done
    # Hosts also agree on stopping and clock saves at log steps only.
    log_step = done % config.log_every == 0 or done == config.num_steps
    if log_step:
      _check_finite(state)
      metrics = {k: float(np.mean(v)) for k, v in
                 sharding.to_host(metrics_E).items()}
      speed, record = "", {"step": done}
      if done > s_last:  # none yet on the first step (it compiles)
        now = time.time()
        rate = (done - s_last) / (now - t_last)
        t_last, s_last = now, done
        eta = timing.format_duration((config.num_steps - done) / rate)
        speed = f"  {rate:.1f} steps/s  ETA {eta}"
        record["train/steps_per_s"] = rate
      if jax.process_index() == 0:
        print(f"step {done}/{config.num_steps} "
              f"({100 * done / config.num_steps:.0f}%){speed}"
              f"  loss {metrics['loss']:.3f}  fvu {metrics['fvu']:.2e}"
              f"  complexity/n {metrics['complexity']:.3g}", flush=True)
        record.update({f"train/{k}": v for k, v in metrics.items()})
        with open(metrics_path, "a") as f:
          f.write(json.dumps(record) + "\n")
        if on_metrics:
          on_metrics(record)
    stopping = stop.requested(done, log_step)
    if (done % config.checkpoint_every == 0 or done == config.num_steps
        or stopping or _time_to_save(config, last_save, log_step)):
      _check_finite(state)
      ckpt.save(done, to_checkpoint(state))
      last_save = time.time()
    if stopping:
      raise Stopped(
          f"stopped by {stop.received.name} after step {done}: saved a "
          f"checkpoint at step {done}; run the same command again to "
          "continue from there", stop.exit_code)
  print(f"trained {config.num_steps - start_step} steps in "
        f"{timing.format_duration(time.time() - t0)}", flush=True)
  return to_checkpoint(state)
