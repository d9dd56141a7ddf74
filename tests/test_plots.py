"""Figures: size, non-blank axes, and the colours they must show."""

import matplotlib.colors
import matplotlib.image
import numpy as np

import hypernet_l1 as hl1
from hypernet_l1 import labels
from hypernet_l1 import plots


def _pixels(path: str) -> np.ndarray:
  return matplotlib.image.imread(path)[..., :3]


def _has_colour(image: np.ndarray, hex_colour: str) -> bool:
  rgb = np.array(matplotlib.colors.to_rgb(hex_colour))
  return bool(np.any(np.all(np.abs(image - rgb) < 2.5 / 255, axis=-1)))


def _records(tmp_labels):
  """Synthetic phase records: 3 steps x 4 betas x 4 members."""
  rng = np.random.default_rng(0)
  out = []
  for step in (10, 20, 30):
    for b, beta in enumerate((1e-5, 1e-4, 1e-3, 1e-2)):
      for member in range(4):
        label = tmp_labels[b]
        out.append({
            "step": step, "dim": 8, "beta": beta, "seed": 0,
            "member": member, "label": label, "fvu": 10 ** (b - 4),
            "complexity": 100.0 / (b + 1), "rel_rms": 0.1,
            **{k: float(rng.uniform()) for k, _ in plots.CURVES}})
  return out


def test_figures_have_their_content(tmp_path):
  """Size, non-blank axes, and every label's colour where it is drawn."""
  names = ["double_sided", "pudding_pos", "convexity", "trivial"]
  records = _records(names)
  plots.phase_diagram(records, str(tmp_path / "phases.png"))
  plots.pareto(records, str(tmp_path / "pareto.png"))
  for name in ("phases.png", "pareto.png"):
    image = _pixels(str(tmp_path / name))
    assert image.shape[0] >= 350 and image.shape[1] >= 600, name
    assert np.mean(np.any(image < 0.9, axis=-1)) > 0.03, name  # not blank
    for label in names:
      assert _has_colour(image, labels.color(label)), (name, label)
  examples = {"double_sided": hl1.algorithms.double_sided(6),
              "quadratic": hl1.algorithms.quadratic(6)}
  plots.draw_networks(examples, str(tmp_path / "nets.png"))
  image = _pixels(str(tmp_path / "nets.png"))
  assert image.shape[0] > 2 * 300  # one row per example
  assert _has_colour(image, plots.NODE_COLOURS["input"])
  rows = [{"dim": d, "beta": b, "seen": d < 8, "rel_rms": 0.01 * d,
           "label": "pudding_pos"} for d in (4, 8, 12) for b in (1e-4, 1e-2)]
  plots.generalization(rows, (4, 6), str(tmp_path / "gen.png"))
  image = _pixels(str(tmp_path / "gen.png"))
  assert np.mean(np.any(image < 0.9, axis=-1)) > 0.03
  metric_rows = [{"step": s, "train/loss": -s / 100, "train/fvu": 1 / s,
                  "train/complexity": 50 + s / 10} for s in range(10, 500, 10)]
  plots.training_curves(metric_rows, str(tmp_path / "training.png"))
  image = _pixels(str(tmp_path / "training.png"))
  assert image.shape[1] >= 3 * 300  # one panel per curve
  assert _has_colour(image, "#1f77b4")  # the curves are drawn
