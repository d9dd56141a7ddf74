"""The optional TensorBoard event files (`pip install -e '.[tensorboard]'`)."""

import glob
import json
import os
import shutil
import struct

import numpy as np
import pytest

from hypernet_l1 import train
from launch import tensorboard_events

pytest.importorskip("tensorboardX")
from tensorboardX.proto import event_pb2  # noqa: E402


def _events(path: str) -> list:
  """The events of one file (TFRecord: length, its CRC, data, data's CRC)."""
  with open(path, "rb") as f:
    data = f.read()
  events, i = [], 0
  while i < len(data):
    (length,) = struct.unpack("<Q", data[i:i + 8])
    events.append(event_pb2.Event.FromString(data[i + 12:i + 12 + length]))
    i += 12 + length + 4
  return events


def _scalars(events) -> dict:
  return {(e.step, v.tag): v.simple_value for e in events
          for v in e.summary.value}


def _train(config, workdir):
  with tensorboard_events.event_writer(workdir) as on_metrics:
    train.train_and_evaluate(config, workdir, on_metrics)
  return sorted(glob.glob(os.path.join(workdir, "events.out.tfevents.*")),
                key=os.path.getmtime)


def test_a_run_writes_its_metrics_as_event_files_and_a_resume_purges(
    tiny_config, tmp_path):
  """Every scalar of `metrics.jsonl` at its step; a resumed session starts a
  new file that tells TensorBoard to drop the old one's later steps."""
  workdir = str(tmp_path)
  [first] = _train(tiny_config, workdir)
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    records = [json.loads(line) for line in f]
  expected = {(r["step"], tag): value for r in records
              for tag, value in r.items() if tag != "step"}
  got = _scalars(_events(first))
  assert got.keys() == expected.keys()
  np.testing.assert_allclose([got[k] for k in expected],
                             list(expected.values()), rtol=1e-6)

  shutil.rmtree(os.path.join(workdir, "checkpoints", "40"))  # resume at 20
  files = _train(tiny_config, workdir)
  assert files[0] == first and len(files) == 2
  resumed = _events(files[1])
  [start] = [e for e in resumed if e.HasField("session_log")]
  assert start.session_log.status == event_pb2.SessionLog.START
  assert start.step == 30  # the first step this session logs
  assert {step for step, _ in _scalars(resumed)} == {30, 40}
