r"""Trains (or resumes) a run.

  python -m launch.train --config=configs/default.py --workdir=runs/default \
      [--config.regularizer=l1 ...]
"""

from absl import app
from absl import flags
from absl import logging
import jax
from ml_collections import config_flags

from hypernet_l1 import train

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Training configuration file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # Orbax logs every file write at INFO
  print(f"devices: {jax.devices()}", flush=True)
  train.train_and_evaluate(_CONFIG.value, _WORKDIR.value)


if __name__ == "__main__":
  app.run(main)
