"""Run-level phase analysis: the algorithm every checkpoint generates, per beta.

For each checkpoint step, members x betas x draw seeds of exact-size `n`
networks are generated in one jitted call, scored on the fixed evaluation
inputs (`evaluation.eval_inputs`, as in `evaluation.network_metrics`) and
classified in one batched call (`analysis`). The result is a flat list of
records, one per (step, beta, seed, member): rows of `phases.csv`, input of
`plots` and of `final_summary`.
"""

import collections
import functools
import math
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from hypernet_l1 import analysis
from hypernet_l1 import evaluation
from hypernet_l1 import generator
from hypernet_l1 import train
from hypernet_l1.run import Run
from hypernet_l1.target import TargetNet, apply_target, error_metrics, l1_norm

# Order parameters copied into every record (analysis.order_parameters).
ORDER_KEYS = ("coverage", "double_sided", "pos_share", "correction",
              "dense_share", "n_active", "n_tied")
NUM_BETAS = 13  # default beta grid of a sampled-mode run


def default_betas(config) -> np.ndarray:
  """Betas to analyse: the training grid (grid mode), else 13 log-spaced."""
  if config.beta_mode == "grid":
    return evaluation.grid_betas(config)
  return np.exp(np.linspace(math.log(config.beta_min),
                            math.log(config.beta_max), NUM_BETAS))


@functools.partial(jax.jit, static_argnums=(0, 2))
def _generate_grid(config, params_E, n: int, log_beta_ExB, seeds_S):
  """Nets `[E, B, S, ...]` and complexity per input `[E, B, S]`."""
  def one(params, log_beta, seed):
    net, cost = generator.generate_padded(config, params, jax.random.key(seed),
                                          jnp.int32(n), log_beta, n)
    return net, cost / n

  fn = jax.vmap(one, in_axes=(None, None, 0))  # draw seeds
  fn = jax.vmap(fn, in_axes=(None, 0, None))   # betas
  fn = jax.vmap(fn, in_axes=(0, 0, None))      # members, each with its betas
  return fn(params_E, log_beta_ExB, seeds_S)


def generate_grid(run: Run, step: int | None, n: int, betas,
                  seeds) -> tuple[TargetNet, jax.Array]:
  """All members x betas x draw seeds of exact-size `n` networks, one call.

  `betas` is `[B]` (every member at every beta) or `[E, B]` (per member);
  draw `s` uses key `jax.random.key(seeds[s])`, as `Run.generate` does.
  Returns the net with leaves `[E, B, S, ...]` and complexity per input
  `[E, B, S]`.
  """
  params_E = run.params(step)
  num_members = jax.tree.leaves(params_E)[0].shape[0]
  betas = np.asarray(betas, np.float64)
  if betas.ndim == 1:
    betas = np.broadcast_to(betas, (num_members, betas.size))
  if betas.shape[0] != num_members or np.any(betas <= 0):
    raise ValueError(f"betas must be > 0, shaped [B] or [{num_members}, B]; "
                     f"got shape {betas.shape}")
  # Frozen: a hashable static argument, so every step reuses one compile.
  frozen = ml_collections.FrozenConfigDict(run.config)
  return _generate_grid(frozen, params_E, int(n),
                        jnp.asarray(np.log(betas), jnp.float32),
                        jnp.asarray(seeds, jnp.int32))


@functools.partial(jax.jit, static_argnums=1)
def _error_grid(net: TargetNet, batch_size: int) -> dict[str, jax.Array]:
  """Relative RMS and FVU of a stack of exact nets on the evaluation inputs."""
  n = net.W1.shape[-1]
  x_XxN = evaluation.eval_inputs(n, n, batch_size)
  y_X = l1_norm(x_XxN)
  fn = lambda one: error_metrics(apply_target(one, x_XxN), y_X)
  for _ in range(net.b2.ndim):
    fn = jax.vmap(fn)
  return fn(net)


def _member_betas(run: Run, betas) -> np.ndarray:
  """`[E, B]` betas per member: the own grid beta (grid mode), else `betas`."""
  config = run.config
  if config.beta_mode == "grid":
    if betas is not None:
      raise ValueError("a grid-mode run is analysed at its training betas "
                       "only; leave betas unset")
    member = np.arange(train.ensemble_size(config)) % config.num_betas
    return evaluation.grid_betas(config)[member][:, None]
  betas = default_betas(config) if betas is None else np.asarray(betas, float)
  if betas.ndim != 1 or betas.size == 0 or np.any(betas <= 0):
    raise ValueError(f"betas must be a non-empty list of positive numbers, "
                     f"got {betas}")
  return np.broadcast_to(betas, (train.ensemble_size(config), betas.size))


def _duration(seconds: float) -> str:
  seconds = int(round(seconds))
  return f"{seconds // 60:d}:{seconds % 60:02d}"


def analyze_run(run: Run, n: int = 16, betas=None, seeds=8, steps=None,
                progress=print) -> list[dict]:
  """Labels, errors and order parameters of generated nets at every checkpoint.

  One record per (step, beta, seed, member); `seeds` is a count (draw seeds
  `0..seeds-1`) or a list of seeds; `steps` defaults to every checkpoint. In
  grid mode member `e` is evaluated only at its own training beta.
  `progress` gets one line per checkpoint (None: silent).
  """
  if n < 1:
    raise ValueError(f"n must be >= 1, got {n}")
  seeds_S = np.arange(seeds) if np.ndim(seeds) == 0 else np.asarray(seeds)
  if seeds_S.size == 0:
    raise ValueError("need at least one draw seed")
  steps = list(run.steps if steps is None else steps)
  betas_ExB = _member_betas(run, betas)
  batch_size = run.config.eval.batch_size
  records, start, first = [], time.time(), 0.0
  for i, step in enumerate(steps, 1):
    net, complexity = generate_grid(run, step, n, betas_ExB, seeds_S)
    errors = _error_grid(net, batch_size)
    params = analysis.order_parameters(net)
    # Labels from the same batched order parameters classify() computes.
    labels = np.asarray(analysis.LABELS)[np.asarray(
        analysis.label_code(params))]
    complexity, errors = jax.device_get((complexity, errors))
    for (e, b, s), label in np.ndenumerate(labels):
      records.append({
          "step": int(step), "n": int(n),
          "beta": float(betas_ExB[e, b]), "seed": int(seeds_S[s]),
          "member": int(e), "label": str(label),
          "rel_rms": float(errors["rel_rms"][e, b, s]),
          "fvu": float(errors["fvu"][e, b, s]),
          "complexity": float(complexity[e, b, s]),
          **{k: (int if k.startswith("n_") else float)(params[k][e, b, s])
             for k in ORDER_KEYS}})
    elapsed = time.time() - start
    first = first or elapsed  # the first checkpoint pays the compiles
    if progress is not None:
      per_step = (elapsed - first) / (i - 1) if i > 1 else first
      counts = collections.Counter(labels.ravel().tolist())
      found = ", ".join(f"{k} {counts[k]}" for k in analysis.LABELS
                        if counts[k])
      progress(f"checkpoint {i}/{len(steps)} (step {step}): "
               f"{_duration(elapsed)} elapsed, ETA "
               f"{_duration(per_step * (len(steps) - i))}; {found}")
  return records


def example_networks(run: Run, records: list[dict]
                     ) -> dict[str, tuple[dict, TargetNet]]:
  """Per label found at the last step: a typical record and its network.

  Typical: from the beta where the label has its largest share (so not a
  borderline network from the edge of its band), the lowest-FVU one there.
  The networks are regenerated with the grid shapes `analyze_run` used, so the
  compiled generation is reused and they are exactly the analysed ones.
  """
  last = max(r["step"] for r in records)
  final = [r for r in records if r["step"] == last]
  share = collections.Counter((r["label"], r["beta"]) for r in final)
  best = {}
  for r in final:
    rank = (-share[(r["label"], r["beta"])], r["fvu"])
    if r["label"] not in best or rank < best[r["label"]][0]:
      best[r["label"]] = (rank, r)
  best = {label: r for label, (_, r) in best.items()}
  seeds_S = np.array(sorted({r["seed"] for r in final}))
  num_members = train.ensemble_size(run.config)
  if run.config.beta_mode == "grid":
    betas_ExB = np.ones((num_members, 1))
    for r in final:
      betas_ExB[r["member"], 0] = r["beta"]
  else:
    betas_ExB = np.array(sorted({r["beta"] for r in final}))[None].repeat(
        num_members, axis=0)
  net, _ = generate_grid(run, last, final[0]["n"], betas_ExB, seeds_S)
  examples = {}
  for label in sorted(best, key=analysis.LABELS.index):
    r = best[label]
    e = r["member"]
    b = int(np.argmin(np.abs(np.log(betas_ExB[e]) - math.log(r["beta"]))))
    s = int(np.searchsorted(seeds_S, r["seed"]))
    examples[label] = (r, TargetNet(*(np.asarray(leaf[e, b, s])
                                      for leaf in net)))
  return examples


def settle_steps(records: list[dict]) -> dict[tuple, int]:
  """Per (member, seed, beta): first step from which its label stays final."""
  history = collections.defaultdict(list)
  for r in records:
    history[(r["member"], r["seed"], r["beta"])].append((r["step"], r["label"]))
  settled = {}
  for key, steps_labels in history.items():
    steps_labels.sort()
    final = steps_labels[-1][1]
    settle = steps_labels[-1][0]
    for step, label in reversed(steps_labels):
      if label != final:
        break
      settle = step
    settled[key] = settle
  return settled


def final_summary(records: list[dict]) -> str:
  """Label shares per beta at the last step, and the median settling step."""
  last = max(r["step"] for r in records)
  final = [r for r in records if r["step"] == last]
  found = [k for k in analysis.LABELS if any(r["label"] == k for r in final)]
  settled = settle_steps(records)
  betas = sorted({r["beta"] for r in final})
  width = max(len(k) for k in found) + 1
  lines = [f"final step {last}: label shares (%) over seeds x members per "
           "beta; 'settled': median step from which a network keeps its "
           "final label",
           f"{'beta':>9} {'nets':>5}" + "".join(f"{k:>{width}}" for k in found)
           + f"  {'dominant':<13} {'settled':>7}"]
  dominant_by_beta = {}
  for beta in betas:
    rows = [r for r in final if r["beta"] == beta]
    counts = collections.Counter(r["label"] for r in rows)
    dominant = max(found, key=lambda k: counts[k])
    dominant_by_beta[beta] = dominant
    settle = np.median([settled[(r["member"], r["seed"], beta)] for r in rows])
    lines.append(f"{beta:9.2e} {len(rows):5d}"
                 + "".join(f"{100 * counts[k] / len(rows):{width}.0f}"
                           for k in found)
                 + f"  {dominant:<13} {settle:7.0f}")
  lines.append("where each label appears at the last step:")
  for k in found:
    at = [beta for beta in betas
          if any(r["label"] == k and r["beta"] == beta for r in final)]
    dom = [beta for beta in betas if dominant_by_beta[beta] == k]
    dom_text = (f"dominant at {len(dom)} of {len(betas)} betas "
                f"({min(dom):.2e}..{max(dom):.2e})" if dom
                else "never dominant")
    lines.append(f"  {k:<13} found at {len(at)} betas "
                 f"({min(at):.2e}..{max(at):.2e}), {dom_text}")
  return "\n".join(lines)
