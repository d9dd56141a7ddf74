"""One generated network trained on its own, without the generator.

`descend` takes a deployed network (`Run.generate`) and runs Adam on its
weights for the training objective at one beta, `log(FVU + beta C/n)`
(`train.objective`), with the measure's own draw: `l1` prices the weights
themselves, `l0` gives every weight a hard-concrete gate whose logit starts
at the bound where the weight is non-zero and at minus the bound where it
is zero, so that step 0 deploys the network it was given. Whether `J` then
falls, and to which algorithm, separates what the objective allows from
what the generator reaches: a network that keeps its structure here sits in
a local minimum of the objective itself (docs/results.md, "In weight space
the pudding is a local minimum of the `l0` objective", and "The `l1` low
band is slow, not stuck").
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from hypernet_l1 import analysis
from hypernet_l1 import arguments
from hypernet_l1 import complexity
from hypernet_l1 import evaluation
from hypernet_l1 import tasks
from hypernet_l1 import train
from hypernet_l1.target import TargetNet, apply_target

MEASURES = ("l1", "l0")  # kl's draws need per-weight sigmas a network lacks


def _start(net: TargetNet, regularizer: str, bound: float) -> dict:
  # Copies: the update donates its parameters, never the caller's arrays.
  params = {k: jnp.array(v, jnp.float32) for k, v in net._asdict().items()}
  if regularizer == "l0":
    params["gate_W1"] = jnp.where(params["W1"] != 0, bound, -bound)
    params["gate_w2"] = jnp.where(params["w2"] != 0, bound, -bound)
  return params


def _drawn(params: dict, regularizer: str, settings, key=None):
  """The network under the measure's draw and its complexity: the training
  draw (sampled gates) from `key`, else the deployed one (test gates)."""
  draw = complexity.REGULARIZERS[regularizer]
  keys = [None, None] if key is None else jax.random.split(key)
  weights, cost = {}, 0.0
  for name, k in zip(("W1", "w2"), keys):
    mean = params[name]
    gate = params.get(f"gate_{name}", jnp.zeros_like(mean))
    heads = complexity.WeightHeads(mean, jnp.zeros_like(mean), gate)
    eps = None if k is None else jax.random.normal(k, mean.shape)
    weights[name], c = draw(heads, eps, 1.0, settings, key is not None)
    cost = cost + c
  return TargetNet(weights["W1"], params["b1"], weights["w2"],
                   params["b2"]), cost


def descend(net: TargetNet, regularizer: str, beta: float, *, steps: int,
            learning_rate: float = 3e-3, batch_size: int = 4096,
            gate_bound: float = 6.0, task_name: str = "l1_norm",
            report_every: int = 1000, seed: int = 0) -> list[dict]:
  """Adam on one network's weights (and `l0` gate logits) for
  `log(FVU + beta C/n)` at `beta`; fresh inputs every step.

  Returns one record per `report_every` steps (and step 0): the deployed
  network's FVU on 16,384 fixed inputs, `C/n`, `J = FVU + beta C/n`, its
  label (`analysis.classify`) and, under `l0`, the median logit of its open
  gates (they deploy open down to -2.4).
  """
  if regularizer not in MEASURES:
    raise ValueError(f"descend prices {', '.join(MEASURES)}, not "
                     f"{regularizer!r}")
  arguments.positive_beta(beta)
  arguments.at_least_one(report_every, "report_every")
  n = int(np.shape(net.W1)[-1])
  task = tasks.get(task_name)
  settings = complexity.Settings(gate_bound=gate_bound)
  log_beta = jnp.log(beta)

  def loss(params, key):
    x_key, draw_key = jax.random.split(key)
    x_BxN = task.sample_inputs(x_key, (batch_size, n))
    drawn, cost = _drawn(params, regularizer, settings, draw_key)
    fvu = evaluation.fvu(apply_target(drawn, x_BxN), task.function(x_BxN),
                         task, n)
    return train.objective(fvu, cost / n, log_beta)

  optimizer = optax.adam(learning_rate)

  @functools.partial(jax.jit, donate_argnums=(0, 1))
  def update(params, opt_state, key):
    grads = jax.grad(loss)(params, key)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

  x_eval = task.sample_inputs(jax.random.key(seed + 1), (16384, n))
  y_eval = task.function(x_eval)

  def record(params, step):
    drawn, cost = _drawn(params, regularizer, settings)
    fvu = float(evaluation.fvu(apply_target(drawn, x_eval), y_eval, task, n))
    per_input = float(cost) / n
    out = {"step": step, "fvu": fvu, "complexity": per_input,
           "objective": fvu + beta * per_input,
           "label": analysis.classify(jax.tree.map(np.asarray, drawn), n=n,
                                      task=task)}
    if regularizer == "l0":  # how far the open gates have moved to closing
      logits = np.concatenate([np.ravel(params["gate_W1"]),
                               np.ravel(params["gate_w2"])])
      weights = np.concatenate([np.ravel(drawn.W1), np.ravel(drawn.w2)])
      out["open_gate_logit_median"] = float(np.median(np.clip(
          logits[weights != 0], -gate_bound, gate_bound)))
    return out

  params = _start(net, regularizer, gate_bound)
  opt_state = optimizer.init(params)
  records = [record(params, 0)]
  key = jax.random.key(seed)
  for step in range(1, steps + 1):
    key, step_key = jax.random.split(key)
    params, opt_state = update(params, opt_state, step_key)
    if step % report_every == 0 or step == steps:
      records.append(record(params, step))
  return records
