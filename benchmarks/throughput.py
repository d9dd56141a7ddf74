r"""Training and analysis throughput, against the machine's own matmul peak.

  python -m benchmarks.throughput --out=/tmp/throughput.json [--sizes=1,8,32,128]

Measures, in one process: (a) hypernetwork member-updates per second of the
vmapped step for several ensemble sizes, (b) the same updates done one member
at a time by a Python loop over the jitted one-member step, (c) the step's
FLOP rate (FLOPs from XLA's cost analysis) against a large float32 matmul
measured here as the practical peak, (d) networks classified per second, and
(e) an estimate of the paper config's whole sweep from its measured step time.
Prints a table and writes JSON.
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
from hypernet_l1 import train

_OUT = flags.DEFINE_string("out", None, "Where to write the JSON results.")
_SIZES = flags.DEFINE_list("sizes", ["1", "8", "32", "128"],
                           "Ensemble sizes for the vmapped step.")
_STEPS = flags.DEFINE_integer("steps", 5, "Timed steps per measurement.")


def _best_time(fn, repeats: int) -> float:
  """Best wall time of `fn()` (blocking) over `repeats` calls."""
  best = float("inf")
  for _ in range(repeats):
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    best = min(best, time.perf_counter() - t0)
  return best


def matmul_peak_gflops(size: int = 2048) -> float:
  a = jax.random.normal(jax.random.key(0), (size, size), jnp.float32)
  matmul = jax.jit(lambda x: x @ x)
  matmul(a).block_until_ready()
  return 2 * size ** 3 / _best_time(lambda: matmul(a), 10) / 1e9


def _compiled_step(config):
  """The compiled step, its inputs and its FLOPs per call."""
  frozen = ml_collections.FrozenConfigDict(config)
  state = train.init_state(config)
  log_betas = jnp.asarray(train.member_log_betas(config))
  t0 = time.perf_counter()
  compiled = train.jitted_train_step.lower(frozen, state, log_betas).compile()
  compile_s = time.perf_counter() - t0
  cost = compiled.cost_analysis()
  cost = cost[0] if isinstance(cost, (list, tuple)) else cost
  return compiled, state, log_betas, float(cost["flops"]), compile_s


def time_steps(config, steps: int) -> dict:
  """Seconds per step and FLOPs per step of the vmapped ensemble step."""
  compiled, state, log_betas, flops, compile_s = _compiled_step(config)
  state, _ = compiled(state, log_betas)  # warm-up
  jax.block_until_ready(state)
  t0 = time.perf_counter()
  for _ in range(steps):
    state, metrics = compiled(state, log_betas)
  jax.block_until_ready(metrics)
  step_s = (time.perf_counter() - t0) / steps
  return {"step_s": step_s, "flops": flops, "compile_s": compile_s}


def main(argv):
  del argv
  steps = _STEPS.value
  results = {"devices": [str(d) for d in jax.devices()]}
  results["matmul_peak_gflops"] = matmul_peak_gflops()
  print(f"matmul peak (2048^2 float32): {results['matmul_peak_gflops']:.1f} "
        "GFLOP/s", flush=True)

  print(f"{'E':>5} {'s/step':>8} {'updates/s':>10} {'GFLOP/s':>8} "
        f"{'% peak':>7} {'compile s':>9}")
  for size in map(int, _SIZES.value):
    config = default_config.get_config()
    config.num_seeds = size
    r = time_steps(config, steps)
    r["updates_per_s"] = size / r["step_s"]
    r["gflops"] = r["flops"] / r["step_s"] / 1e9
    results[f"vmap_{size}"] = r
    print(f"{size:5d} {r['step_s']:8.3f} {r['updates_per_s']:10.1f} "
          f"{r['gflops']:8.2f} "
          f"{100 * r['gflops'] / results['matmul_peak_gflops']:6.1f}% "
          f"{r['compile_s']:9.1f}", flush=True)

  # (b) one member at a time: the jitted one-member step in a Python loop.
  config = default_config.get_config()
  config.num_seeds = 1
  single = time_steps(config, steps * 32)
  results["sequential_updates_per_s"] = 1.0 / single["step_s"]
  if "vmap_32" in results:
    results["vmap_speedup_32"] = (results["vmap_32"]["updates_per_s"]
                                  / results["sequential_updates_per_s"])
  print(f"sequential one-member loop: {results['sequential_updates_per_s']:.1f}"
        f" updates/s; vmap speed-up at 32: "
        f"{results.get('vmap_speedup_32', float('nan')):.2f}x", flush=True)

  # (c) the default config's own step (its ensemble size) against the peak.
  default = default_config.get_config()
  r = results.get(f"vmap_{default.num_seeds}") or time_steps(default, steps)
  results["step_gflops"] = r["flops"] / r["step_s"] / 1e9
  results["flop_fraction_of_peak"] = (results["step_gflops"]
                                      / results["matmul_peak_gflops"])
  print(f"default step: {results['step_gflops']:.2f} GFLOP/s = "
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
  r = time_steps(paper, max(2, steps // 2))
  results["paper_step_s"] = r["step_s"]
  results["paper_sweep_estimate_s"] = (r["step_s"] * paper.num_steps
                                       + r["compile_s"])
  print(f"paper config: {r['step_s']:.3f} s/step x {paper.num_steps} steps "
        f"+ {r['compile_s']:.0f} s compile = "
        f"{results['paper_sweep_estimate_s'] / 3600:.2f} h", flush=True)

  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump(results, f, indent=2)
    print(f"wrote {_OUT.value}")


if __name__ == "__main__":
  app.run(main)
