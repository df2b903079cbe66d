"""The training loop's thread governor: it follows the timings, backs off, restores the caller's count,
and never changes a result."""

import numba
import numpy as np
import pytest

from numbarnn import config
from numbarnn.training import MSE, Adam, SequenceModel, train
from numbarnn.training import threads

needs_two = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")


class FakeClock:
    """perf_counter that advances, per step, by the seconds ``cost(threads)`` gives."""

    def __init__(self, gov, cost):
        self.gov, self.cost, self.now, self.started = gov, cost, 0.0, False

    def __call__(self):
        if self.started:
            self.now += self.cost(self.gov.threads)
        self.started = not self.started
        return self.now


def run(gov, monkeypatch, cost, steps):
    monkeypatch.setattr(threads.time, "perf_counter", FakeClock(gov, cost))
    used = []
    for _ in range(steps):
        with gov.step(32) as n:
            assert numba.get_num_threads() == n
            used.append(n)
    return used


@needs_two
def test_governor_moves_to_one_thread_when_that_is_faster_and_keeps_probing(monkeypatch):
    numba.set_num_threads(2)
    gov = threads.ThreadGovernor(first_probe=4, last_probe=16)
    used = run(gov, monkeypatch, lambda n: 1.0 if n == 1 else 3.0, 60)  # a busy machine: one thread wins
    assert used[:6] == [2, 2, 1, 2, 1, 1]       # untimed first step, then two timed steps of each
    assert gov.preferred == 1 and numba.get_num_threads() == 2  # the caller's count is back after each step
    probes = [i for i, n in enumerate(used) if n == 2][3:]
    assert np.all(np.diff(probes) > 4) and np.diff(probes)[-1] == 17  # backing off to every 16 steps
    # the load goes away: all threads win again once the tries have replaced the slow steps in its window
    used = run(gov, monkeypatch, lambda n: 1.0 if n == 2 else 2.0, 60)
    assert gov.preferred == 2 and used[-20:].count(2) >= 18


class Costs:
    """Per-step seconds from a list per thread count, taken in turn (cycling)."""

    def __init__(self, **by_threads):
        self.lists = {int(k[1:]): v for k, v in by_threads.items()}
        self.seen = {n: 0 for n in self.lists}

    def __call__(self, n):
        self.seen[n] += 1
        values = self.lists[n]
        return values[(self.seen[n] - 1) % len(values)]


@needs_two
def test_governor_judges_a_setting_by_its_mean_step(monkeypatch):
    """On a busy machine two threads are sometimes fast (the other process is off the core) and often
    stalled; their mean decides, not their luckiest step."""
    numba.set_num_threads(2)
    gov = threads.ThreadGovernor(first_probe=4, last_probe=16)
    used = run(gov, monkeypatch, Costs(t2=[0.6, 2.0, 20.0], t1=[1.0]), 80)
    assert gov.preferred == 1 and used[-40:].count(1) >= 36


@needs_two
def test_one_slow_step_on_a_quiet_machine_costs_few_steps(monkeypatch):
    numba.set_num_threads(2)
    gov = threads.ThreadGovernor(first_probe=4, last_probe=16)
    run(gov, monkeypatch, Costs(t2=[1.0], t1=[1.6]), 40)            # settled on two threads, probing rarely
    spike = Costs(t2=[10.0] + [1.0] * 1000, t1=[1.6])               # one hiccup, e.g. a page fault storm
    used = run(gov, monkeypatch, spike, 60)
    assert gov.preferred == 2 and used.count(1) <= 30 and used[-20:].count(2) >= 18


@needs_two
def test_governor_off_or_single_threaded_keeps_the_callers_count(monkeypatch):
    numba.set_num_threads(2)
    monkeypatch.setattr(config, "ADAPTIVE_THREADS", False)
    gov = threads.ThreadGovernor()
    assert set(run(gov, monkeypatch, lambda n: 1.0 if n == 1 else 3.0, 20)) == {2}
    monkeypatch.setattr(config, "ADAPTIVE_THREADS", True)
    numba.set_num_threads(1)
    try:
        assert set(run(threads.ThreadGovernor(), monkeypatch, lambda n: 1.0, 5)) == {1}
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def test_governors_are_kept_per_kind_of_step():
    a = threads.governor_for(("lstm", 4, 8))
    assert threads.governor_for(("lstm", 4, 8)) is a and threads.governor_for(("gru", 4, 8)) is not a
    for k in range(40):
        threads.governor_for(("filler", k))
    assert len(threads._GOVERNORS) == 32 and threads.governor_for(("lstm", 4, 8)) is not a


@needs_two
def test_training_gives_the_same_weights_whatever_the_governor_picks(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 64, 3)).astype(np.float32)
    y = x.sum(axis=(0, 2))[:, None].astype(np.float32)
    data = (x, y, np.full(64, 12), None)

    def fit(adaptive, threads_used):
        monkeypatch.setattr(config, "ADAPTIVE_THREADS", adaptive)
        numba.set_num_threads(threads_used)
        try:
            model = SequenceModel("gru", 3, 8, 1, readout="sequence", seed=0)
            hist = train(model, MSE(), Adam(0.01), data, epochs=3, batch_size=8, rng=np.random.default_rng(1))
            return model.params, hist
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    adaptive, hist = fit(True, 2)
    assert len(hist["threads"]) == 3 and set(hist["threads"]) <= {1, 2}
    for fixed in (fit(False, 2)[0], fit(False, 1)[0]):
        for name in adaptive:
            np.testing.assert_array_equal(adaptive[name], fixed[name])
