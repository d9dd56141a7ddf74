"""Shared fixtures: the tiny config and one tiny trained run per test run
(shared by the pytest-xdist workers, `tiny_run`).

Every test sees 8 CPU devices, so the ensemble sharding is exercised on CPU
(runs shard their ensemble over as many devices as divide it). LLVM runs
without optimisation: tiny programs then compile 5x faster (10 s instead of
55 s for the tiny train step), which is most of the suite's time. One
persistent compilation cache per run, shared by the pytest-xdist workers
and holding every program: a worker or a launcher subprocess loads the
programs other tests already compiled (the tiny run's step, its analysis)
instead of compiling them again. Workers and launchers inherit all three.
"""

import atexit
import fcntl
import os
import shutil
import tempfile

# pytest-xdist workers inherit this from the process that starts them: one
# cache for the whole run, which that process removes at its end.
if "PYTEST_XDIST_WORKER" not in os.environ:
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                             + " --xla_force_host_platform_device_count=8"
                             + " --xla_backend_optimization_level=0")
  os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(
      prefix="hypernet_l1_tests_jax_cache_")
  # Every program, not only those that took over a second: unoptimised, most
  # compile faster than that, and the launchers would compile them again.
  os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
  atexit.register(shutil.rmtree, os.environ["JAX_COMPILATION_CACHE_DIR"],
                  ignore_errors=True)

import pytest  # noqa: E402  (XLA_FLAGS must be set before jax is imported)

from configs import tiny  # noqa: E402
from hypernet_l1 import train  # noqa: E402


@pytest.fixture
def tiny_config():
  return tiny.get_config()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
  """A finished tiny run directory (40 steps, checkpoints 20 and 40).

  Trained once per test run: the pytest-xdist workers share it, the first
  to ask trains it while holding a file lock and the others wait for it.
  Tests read it; those that change a run change a copy.
  """
  root = tmp_path_factory.getbasetemp()
  if "PYTEST_XDIST_WORKER" in os.environ:
    root = root.parent  # this run's, shared by its workers
  workdir = root / "tiny_run"
  with open(root / "tiny_run.lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    if not (workdir / "final_eval.csv").exists():
      train.train_and_evaluate(tiny.get_config(), str(workdir))
  return str(workdir)
