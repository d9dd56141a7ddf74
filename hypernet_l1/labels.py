"""The algorithm labels: one registry the classifier, plots and tables read.

A label's index in `REGISTRY` is its code in the classifier's jitted output
(`analysis.label_code`). Adding a label is one entry here plus its rule in
`analysis.label_code`; colours, short names and markers follow from here
(`docs/design.md`, "Algorithms").
"""

import collections
from typing import Iterable, NamedTuple


class Label(NamedTuple):
  name: str     # in code, files and plots
  color: str    # one colour per label in every figure
  short: str    # table cells (`launch.evaluate`)
  marker: str   # matplotlib marker in scatter plots
  # Whether the label's units are tied to inputs, so a drawing sorts them
  # into a diagonal by (input, sign); the other labels have no unit order.
  ordered: bool
  family: str   # puddings of every sign are one family (phase boundaries)
  description: str


REGISTRY = (
    Label("double_sided", "#1f77b4", "DS", "o", True, "double_sided",
          "two relu pieces per input, one of each sign"),
    Label("pudding_pos", "#d62728", "P+", "^", True, "pudding",
          "positive relu pieces on every input plus a linear correction"),
    Label("pudding_neg", "#ff7f0e", "P-", "v", True, "pudding",
          "negative relu pieces on every input plus a linear correction"),
    Label("pudding_mixed", "#e377c2", "P+-", "D", True, "pudding",
          "one relu piece per input, signs per input, and a correction"),
    Label("convexity", "#2ca02c", "CVX", "s", False, "convexity",
          "dense random rows, output weights of one sign"),
    Label("quadratic", "#9467bd", "Q", "P", True, "quadratic",
          "one even unit per input at swish's minimum: c + a sum x_i^2"),
    Label("lopsided", "#bcbd22", "L", "h", True, "lopsided",
          "relu pieces on every input, one side weak or missing, and no "
          "correction: never on the l1 or l0 front, a stuck state"),
    Label("trivial", "#17becf", "T", "*", False, "trivial",
          "the output barely moves (a constant network)"),
    Label("other", "#8c8c8c", "oth", "X", False, "other",
          "anything else: where unnamed algorithms hide (clusters.py)"),
)

NAMES = tuple(label.name for label in REGISTRY)
# The paper's sequence of algorithm families along increasing beta.
PAPER_SEQUENCE = ("double_sided", "pudding", "convexity")
CODE = {label.name: code for code, label in enumerate(REGISTRY)}
BY_NAME = {label.name: label for label in REGISTRY}


def color(name: str) -> str:
  return BY_NAME[name].color


def family(name: str) -> str:
  return BY_NAME[name].family


# Registry order of every label and family: `majority` breaks ties by it.
_ORDER = {k: i for i, k in enumerate(dict.fromkeys(
    k for label in REGISTRY for k in (label.name, label.family)))}


def majority(names: Iterable[str]) -> tuple[str, int]:
  """The most frequent of `names` (labels or families) and its count; a tie
  goes to the one first in `REGISTRY` (a name it does not hold, such as the
  empty label of unclassified records, last), whatever order they come in."""
  counts = collections.Counter(names)
  best = min(counts, key=lambda k: (-counts[k], _ORDER.get(k, len(_ORDER))))
  return best, counts[best]


def in_order(names) -> list[str]:
  """The distinct `names` in registry order (legends, table columns)."""
  present = set(names)
  return [name for name in NAMES if name in present]
