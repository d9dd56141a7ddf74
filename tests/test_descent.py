"""One network trained on its own (`descent.py`)."""

import numpy as np
import pytest

from hypernet_l1 import descent
from hypernet_l1 import front
from test_front import scored  # FVU and C/n as training defines them

N = 4


def _pudding(measure, beta):
  return front.network(front.best(measure, beta, N), N)


@pytest.mark.parametrize("measure", ["l1", "l0"])
def test_step_zero_is_the_network_it_was_given(measure):
  beta = 1e-2
  net = _pudding(measure, beta)
  (start,) = descent.descend(net, measure, beta, steps=0)
  fvu, cost = scored(net, measure, N)
  np.testing.assert_allclose(start["complexity"], cost, rtol=1e-5)
  assert start["label"].startswith("pudding")
  np.testing.assert_allclose(start["fvu"], fvu, rtol=0.1)


def test_a_wasted_weight_is_trained_away_under_l1():
  beta = 1e-2
  net = _pudding("l1", beta)
  # A unit that does nothing (its output weight is 0) but costs L1.
  last = net.W1.shape[0] - 1
  assert not net.W1[last].any() and net.w2[last] == 0
  wasteful = net._replace(W1=np.array(net.W1))
  wasteful.W1[last] = 0.5
  start, *_, end = descent.descend(wasteful, "l1", beta, steps=400,
                                   report_every=400)
  assert start["complexity"] - end["complexity"] > 0.3  # of 4 x 0.5 / N
  assert end["objective"] < start["objective"]
  # The caller's arrays were not donated to the update: they run again.
  descent.descend(wasteful, "l1", beta, steps=1)


def test_the_count_pulls_open_gates_down_under_l0():
  # At beta = 1 an edge costs more than any error it saves here.
  start, end = descent.descend(_pudding("l0", 1e-2), "l0", 1.0, steps=200,
                               report_every=200, learning_rate=2e-2)
  assert start["open_gate_logit_median"] == 6.0
  assert end["open_gate_logit_median"] < 5.0


def test_kl_and_a_bad_beta_are_refused():
  net = _pudding("l1", 1e-2)
  with pytest.raises(ValueError, match="kl"):
    descent.descend(net, "kl", 1e-2, steps=1)
  with pytest.raises(ValueError, match="beta"):
    descent.descend(net, "l1", 0.0, steps=1)
