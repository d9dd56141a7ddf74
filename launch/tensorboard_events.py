"""TensorBoard event files next to `metrics.jsonl`, when tensorboardX is there.

`pip install -e '.[tensorboard]'` installs it (it needs no TensorFlow); then
`tensorboard --logdir=WORKDIR` shows a run live. Without it a run writes
`metrics.jsonl` alone.
"""

import contextlib

import jax

try:
  import tensorboardX
except ImportError:  # the optional extra is not installed
  tensorboardX = None

FLUSH_SECS = 10  # the most a live view lags the run


class EventWriter:
  """Writes each `metrics.jsonl` record's scalars at the record's step."""

  def __init__(self, workdir: str):
    self._workdir = workdir
    self._writer = None

  def __call__(self, record: dict) -> None:
    step = record["step"]
    if self._writer is None:  # on the first record, so only process 0 writes
      # `purge_step`: TensorBoard drops what an interrupted session logged
      # past the checkpoint this one resumed from, as `metrics.jsonl` does.
      # The suffix keeps two sessions started in one second in two files.
      self._writer = tensorboardX.SummaryWriter(
          self._workdir, purge_step=step, flush_secs=FLUSH_SECS,
          filename_suffix=f".from_step_{step}")
    for tag, value in record.items():
      if tag != "step":
        self._writer.add_scalar(tag, value, step)

  def close(self) -> None:
    if self._writer is not None:
      self._writer.close()


@contextlib.contextmanager
def event_writer(workdir: str):
  """An `EventWriter` for `train_and_evaluate`'s `on_metrics`, closed on
  exit; None (after one line saying how to enable it) without tensorboardX."""
  if tensorboardX is None:
    if jax.process_index() == 0:
      print("metrics go to metrics.jsonl only; pip install -e "
            "'.[tensorboard]' to also write TensorBoard event files",
            flush=True)
    yield None
    return
  writer = EventWriter(workdir)
  try:
    yield writer
  finally:
    writer.close()
