"""Times `analysis.classify` on one stack of networks (default 1000, n = 16).

Run from the repository root:
  python -m benchmarks.classify_speed [--count 1000 --n 16]
Measured on a 2-core CPU while other jobs shared it (load 3-5):
compile 2.6-3.5 s, then 0.43-0.53 s per call (best of 5) for 1000 networks
with the 512-input probe; all labels as built.
"""

import argparse
import collections
import time

import jax
import numpy as np

from hypernet_l1 import algorithms, analysis
from hypernet_l1.target import TargetNet


def make_stack(n: int, count: int, seed: int = 0):
  """`count` nets (the encodings and random nets, jittered) and their labels."""
  rng = np.random.default_rng(seed)
  m = 3 * n
  key = jax.random.key(seed)
  pool = {"double_sided": algorithms.double_sided(n),
          "pudding_pos": algorithms.pudding(n, sign=+1),
          "pudding_neg": algorithms.pudding(n, sign=-1),
          "pudding_mixed": algorithms.mixed_pudding(n, key),
          "convexity": algorithms.convexity(n, key),
          "quadratic": algorithms.quadratic(n),
          "trivial": algorithms.trivial(n, ripple=0.1),
          "other": TargetNet(rng.normal(size=(m, n)) / np.sqrt(n), np.zeros(m),
                             rng.normal(size=m) * np.sqrt(n / m),
                             np.zeros(()))}
  names = list(pool)
  pool = [TargetNet(*(np.asarray(leaf) for leaf in pool[k])) for k in names]
  picks = rng.integers(len(pool), size=count)
  w1, b1, w2, b2 = (np.stack([pool[i][k] for i in picks]).astype(np.float32)
                    for k in range(4))
  noise = lambda a: a + 0.002 * rng.standard_normal(a.shape).astype(np.float32)
  expected = np.asarray(names)[picks]
  return TargetNet(noise(w1), noise(b1), noise(w2), b2), expected


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--count", type=int, default=1000)
  parser.add_argument("--n", type=int, default=16)
  parser.add_argument("--repeats", type=int, default=5)
  args = parser.parse_args()
  nets, expected = make_stack(args.n, args.count)
  start = time.perf_counter()
  labels = analysis.classify(nets)
  first = time.perf_counter() - start
  times = []
  for _ in range(args.repeats):
    start = time.perf_counter()
    analysis.classify(nets)
    times.append(time.perf_counter() - start)
  print(f"classify {args.count} nets, n={args.n}, m={3 * args.n}, "
        f"probe {analysis.PROBE_SIZE}, {jax.devices()[0].platform}")
  print(f"first call (with compile): {first:.2f} s")
  print(f"after compile: best {min(times):.3f} s, "
        f"median {np.median(times):.3f} s "
        f"({1e3 * min(times) / args.count:.2f} ms/net)")
  print("labels:", dict(collections.Counter(labels.tolist())),
        f"(as built: {np.mean(labels == expected):.1%})")


if __name__ == "__main__":
  main()
