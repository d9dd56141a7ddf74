r"""Training and analysis throughput, against the machine's own matmul peak.

  python -m benchmarks.throughput --out=throughput.json [--sizes=1,8,32]
  python -m benchmarks.throughput --knots_only

Measures, in one process: (a) hypernetwork member-updates per second of the
default step (4 knots) for several ensemble sizes, in the default layout
(members in a compiled loop, `member_chunk=1`), the same with one knot (one
parameter set for every beta), and fully vmapped (`member_chunk=0`),
(b) the same updates done one member at a time by a Python loop over the
jitted one-member step, (c) the default step's FLOP rate against a large
float32 matmul measured here as the practical peak (timed between the
step's blocks, so that the VM's drift falls on both), (d) networks classified
per second, (e) an estimate of the paper config's whole sweep from its
measured step time, and (f) the default step beside the one-knot step at
E = 1 and at the default's ensemble size, timed in alternating blocks of
4 x `--steps` (20) steps, in ms per member-update; (c) is computed from
(f)'s measurement, so the default step is timed once, the same way for
both. Prints a table and writes JSON.

FLOPs come from XLA's cost analysis of the one-member step (a compiled loop
is counted once, not per member, so an ensemble's FLOPs are `E` times that).
The ensemble is sharded over every visible device, as in training.
"""

import json
import time

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import ml_collections

from benchmarks import classify_speed
from configs import default as default_config
from configs import paper as paper_config
from hypernet_l1 import analysis
from hypernet_l1 import layout
from hypernet_l1 import sharding
from hypernet_l1 import train

_OUT = flags.DEFINE_string("out", None, "Where to write the JSON results.")
_SIZES = flags.DEFINE_list("sizes", ["1", "8", "32"],
                           "Ensemble sizes of the step's table.")
_STEPS = flags.DEFINE_integer("steps", 5, "Timed steps per measurement.")
_KNOTS_ONLY = flags.DEFINE_bool(
    "knots_only", False, "Measure only (f), the knot step against one knot.")


def _best_time(fn, repeats: int) -> float:
  """Best wall time of `fn()` (blocking) over `repeats` calls."""
  best = float("inf")
  for _ in range(repeats):
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    best = min(best, time.perf_counter() - t0)
  return best


class _Peak:
  """The practical peak: a float32 `size`^2 matmul, timed in blocks like
  `_Step` so that it can be measured between the step's blocks."""

  def __init__(self, size: int = 2048):
    self.a = jax.random.normal(jax.random.key(0), (size, size), jnp.float32)
    self.matmul = jax.jit(lambda x: x @ x)
    self.matmul(self.a).block_until_ready()
    self.flops = 2 * size ** 3
    self.best_s = float("inf")

  def block(self, repeats: int) -> None:
    self.best_s = min(self.best_s,
                      _best_time(lambda: self.matmul(self.a), repeats))

  @property
  def gflops(self) -> float:
    return self.flops / self.best_s / 1e9


class _Step:
  """The ensemble step of `config`, compiled and sharded as `train` does it,
  with its state, ready to be timed in blocks."""

  def __init__(self, config):
    frozen = ml_collections.FrozenConfigDict(config)
    mesh = sharding.ensemble_mesh(layout.ensemble_size(config))
    self.state = sharding.shard_ensemble(
        train.step_layout(frozen, train.init_state(config)), mesh)
    self.log_betas = sharding.shard_ensemble(
        jnp.asarray(layout.member_log_betas(config)), mesh)
    t0 = time.perf_counter()
    self.compiled = train.jitted_train_step.lower(
        frozen, self.state, self.log_betas,
        num_shards=mesh.devices.size).compile()
    self.compile_s = time.perf_counter() - t0
    cost = self.compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    self.program_flops = float(cost["flops"])
    self.step_s = float("inf")
    self.block(1)  # warm-up

  def block(self, steps: int) -> None:
    """Runs `steps` steps; keeps the best seconds per step seen so far."""
    t0 = time.perf_counter()
    for _ in range(steps):
      self.state, metrics = self.compiled(self.state, self.log_betas)
    jax.block_until_ready(metrics)
    self.step_s = min(self.step_s, (time.perf_counter() - t0) / steps)


def time_steps(config, steps: int, repeats: int = 3) -> dict:
  """Seconds per step of the ensemble step, sharded as `train` shards it.

  Best of `repeats` blocks of `steps` steps; `program_flops` is XLA's count
  for the compiled program (a loop body once).
  """
  step = _Step(config)
  for _ in range(repeats):
    step.block(steps)
  return {"step_s": step.step_s, "program_flops": step.program_flops,
          "compile_s": step.compile_s}


def _config(num_seeds: int, member_chunk: int, one_knot: bool = False):
  config = default_config.get_config()
  config.num_seeds = num_seeds
  config.member_chunk = member_chunk
  if one_knot:
    config.model.num_knots = 1
  return config


def knot_overhead(steps: int, results: dict, sizes, peak: _Peak,
                  rounds: int = 10) -> None:
  """(f): the default step beside the same config with one knot, at
  ensemble sizes `sizes`, in ms per member-update: the two compiled steps
  and the matmul `peak` timed in alternating blocks (`rounds` each), best
  block of each, so that the machine's drift falls on all three."""
  for size in sizes:
    steps_of = {knotted: _Step(_config(size, 1, one_knot=not knotted))
                for knotted in (False, True)}
    for _ in range(rounds):
      for step in steps_of.values():
        step.block(steps * 4)
      peak.block(3)
    one, knots = (1000 * steps_of[k].step_s / size for k in (False, True))
    results[f"one_knot_ms_per_member_update_{size}"] = one
    results[f"knots_ms_per_member_update_{size}"] = knots
    results[f"knot_step_ratio_{size}"] = knots / one
    print(f"E = {size}: default step, "
          f"{default_config.get_config().model.num_knots} knots "
          f"{knots:.2f} ms per member-update; one knot {one:.2f} ms "
          f"({knots / one:.2f}x)", flush=True)


def main(argv):
  del argv
  sharding.use_cpu_cores_as_devices()  # as launch.train does
  steps = _STEPS.value
  results = {"devices": [str(d) for d in jax.devices()]}
  default = default_config.get_config()
  knot_sizes = (1, default.num_seeds)
  peak = _Peak()
  if _KNOTS_ONLY.value:
    knot_overhead(steps, results, knot_sizes, peak)
    results["matmul_peak_gflops"] = peak.gflops
    _write(results)
    return

  # (b) first: the one-member step, whose FLOPs count every layout's.
  single = time_steps(_config(1, 1), steps * 32)
  flops_per_update = single["program_flops"]
  results["flops_per_update"] = flops_per_update
  results["sequential_updates_per_s"] = 1.0 / single["step_s"]

  print(f"{'E':>5} {'layout':>16} {'s/step':>8} {'updates/s':>10} "
        f"{'GFLOP/s':>8} {'compile s':>9}")
  # "loop_one_knot": the same with one parameter set for every beta; its
  # GFLOP/s count the default step's FLOPs (one knot's differ by 4%).
  layouts = {"loop": (1, False), "loop_one_knot": (1, True),
             "vmap": (0, False)}
  for size in map(int, _SIZES.value):
    for layout, (chunk, one_knot) in layouts.items():
      r = time_steps(_config(size, chunk, one_knot), steps)
      r["updates_per_s"] = size / r["step_s"]
      r["gflops"] = size * flops_per_update / r["step_s"] / 1e9
      results[f"{layout}_{size}"] = r
      print(f"{size:5d} {layout:>16} {r['step_s']:8.4f} "
            f"{r['updates_per_s']:10.1f} {r['gflops']:8.2f} "
            f"{r['compile_s']:9.1f}", flush=True)
  print(f"sequential one-member loop: {results['sequential_updates_per_s']:.1f}"
        " updates/s", flush=True)
  if "loop_32" in results:
    # `vmap_speedup_32`: all 32 members vmapped; `ensemble_speedup_32`: the
    # default layout (members in a compiled loop, one program per step).
    for key, layout in [("vmap_speedup_32", "vmap"),
                        ("ensemble_speedup_32", "loop")]:
      results[key] = (results[f"{layout}_32"]["updates_per_s"]
                      / results["sequential_updates_per_s"])
    print(f"32 members in one step vs the sequential loop: "
          f"{results['ensemble_speedup_32']:.2f}x (default layout), "
          f"{results['vmap_speedup_32']:.2f}x (all vmapped)", flush=True)

  # (f), then (c) from it: the default step and the peak are timed once,
  # in the alternating blocks that also time the step against one knot, at
  # E = 1 and at the default config's own ensemble size.
  knot_overhead(steps, results, knot_sizes, peak)
  step_ms = results[f"knots_ms_per_member_update_{default.num_seeds}"]
  results["matmul_peak_gflops"] = peak.gflops
  results["step_gflops"] = flops_per_update / step_ms / 1e6
  results["flop_fraction_of_peak"] = results["step_gflops"] / peak.gflops
  print(f"matmul peak (2048^2 float32, best block between the step's): "
        f"{peak.gflops:.1f} GFLOP/s; default step (E = {default.num_seeds}): "
        f"{results['step_gflops']:.2f} GFLOP/s = "
        f"{100 * results['flop_fraction_of_peak']:.1f}% of peak", flush=True)

  # (d) classification rate.
  nets, _ = classify_speed.make_stack(16, 1000)
  analysis.classify(nets)  # compile
  classify_s = _best_time(lambda: analysis.classify(nets), 3)
  results["classify_networks_per_s"] = 1000 / classify_s
  print(f"classify: {results['classify_networks_per_s']:.0f} networks/s "
        "(n = 16, stacks of 1000)", flush=True)

  # (e) the paper config's whole sweep, from its own measured step time.
  paper = paper_config.get_config()
  r = time_steps(paper, 2 * steps)
  results["paper_step_s"] = r["step_s"]
  results["paper_sweep_estimate_s"] = (r["step_s"] * paper.num_steps
                                       + r["compile_s"])
  print(f"paper config: {r['step_s']:.3f} s/step x {paper.num_steps} steps "
        f"+ {r['compile_s']:.0f} s compile = "
        f"{results['paper_sweep_estimate_s'] / 3600:.2f} h", flush=True)

  _write(results)


def _write(results: dict) -> None:
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump(results, f, indent=2)
    print(f"wrote {_OUT.value}")


if __name__ == "__main__":
  app.run(main)
