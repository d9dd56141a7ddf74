r"""Wall time of `evaluate_dims` on a trained run, compilation included.

  python -m benchmarks.evaluate_speed --workdir=runs/default \
      [--dims=5-64] [--num_betas=8] [--seeds=8] [--nolabels]

`--workdir` is any trained run (`runs/default` is the README's first
command's). Run it in a fresh process: the total counts from before the
imports of jax and the package, and includes every compile. Evaluates every
member at `--num_betas` betas log-spaced over the run's range, `--seeds`
draws each, and prints the total wall time, the part of it XLA spent
compiling (summed from JAX's backend-compile events), the rest, and networks
per second.
"""

import time

_START = time.perf_counter()  # before the imports, which the total counts

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging  # noqa: E402
import jax  # noqa: E402
import numpy as np  # noqa: E402

from hypernet_l1 import generalization  # noqa: E402
from hypernet_l1 import run as run_lib  # noqa: E402
from launch import common  # noqa: E402

_WORKDIR = flags.DEFINE_string("workdir", None, "Trained run directory.")
_DIMS = flags.DEFINE_string("dims", "5-64", "Dims, e.g. 5-64 or 4,11,32-48.")
_NUM_BETAS = flags.DEFINE_integer("num_betas", 8,
                                  "Betas, log-spaced over the run's range.")
_SEEDS = flags.DEFINE_integer("seeds", 8, "Draws per member, dim and beta.")
_LABELS = flags.DEFINE_bool("labels", True, "Classify every network.")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  del argv
  logging.set_verbosity(logging.ERROR)  # orbax logs every checkpoint read
  compile_s = []
  jax.monitoring.register_event_duration_secs_listener(
      lambda event, secs, **_: compile_s.append(secs)
      if event == "/jax/core/compile/backend_compile_duration" else None)
  run = run_lib.load_run(_WORKDIR.value)
  betas = np.geomspace(run.config.beta_min, run.config.beta_max,
                       _NUM_BETAS.value)
  dims = common.parse_dims(_DIMS.value)
  records = generalization.evaluate_dims(
      run, dims, betas=betas, seeds=_SEEDS.value, labels=_LABELS.value,
      progress=lambda line: print(
          f"[{time.perf_counter() - _START:5.1f} s] {line}", flush=True))
  total = time.perf_counter() - _START
  compiling = sum(compile_s)
  print(f"{len(records)} networks ({len(dims)} dims x {len(betas)} betas x "
        f"{_SEEDS.value} seeds x members), labels {_LABELS.value}, "
        f"{jax.devices()[0].platform}")
  print(f"total {total:.1f} s wall: {compiling:.1f} s compiling "
        f"({len(compile_s)} programs), {total - compiling:.1f} s the rest; "
        f"{len(records) / total:.0f} networks/s")


if __name__ == "__main__":
  app.run(main)
