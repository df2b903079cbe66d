"""How many threads a training step gets: chosen step by step from timing, so a busy machine does not
slow training down.

Numba's OpenMP threads spin while they wait for the next parallel region; on a quiet machine that is
what makes many short regions (one per time step) fast, but when another process holds a core, the
thread that shares it is descheduled and every region waits for it. Measured on 2 cores with one
competing process (``benchmarks/busy.py``): an epoch took 4x longer on two threads than on one.
``OMP_WAIT_POLICY=passive`` cures that and costs the quiet machine a third of its speed, and a library
must not set its user's environment anyway.

So the training loop times its own steps. :class:`ThreadGovernor` runs a step on all of Numba's
threads and a step on one, estimates the seconds per sequence of each by the mean of its last three
steps, uses the faster, and tries the other again now and then, so it follows a load that comes and
goes: after 8 steps, twice as long after each try that confirms the choice (up to 128 steps), and
after 8 again when the setting in use turns slower than the other's estimate, so a steady machine
pays for under 1% of its steps at the slower setting. The mean, not the fastest step: beside a busy
process two threads are now fast (the other process is off the core), now stalled for ten times as
long, and their luckiest step would keep them chosen. :func:`governor_for` keeps one governor
per kind of step (network, batch and sequence shape, thread count), so a fit that calls
:func:`~numbarnn.training.train` epoch by epoch, or an ensemble that trains its members in turn,
goes on from what the earlier calls measured. Results do not depend on the choice: every kernel sums in one fixed order whatever the thread
count (:mod:`numbarnn.kernels.cpu.packed`). The caller's thread count is put back when training ends.
``numbarnn.config.ADAPTIVE_THREADS = False`` (or ``NUMBARNN_ADAPTIVE_THREADS=0``) keeps every step on
the caller's count.
"""

import contextlib
import time
from collections import OrderedDict

import numba

from .. import config


class ThreadGovernor:
    """Choose, step by step, between the caller's Numba thread count and one thread.

    Parameters
    ----------
    first_probe, last_probe : int, the shortest and the longest run of steps between two tries of
        the setting not in use (doubling from the first to the last while tries confirm the choice).
    window : int, recent steps per setting whose mean is its estimate.

    Examples
    --------
    >>> gov = ThreadGovernor()
    >>> with gov.step(32):
    ...     pass   # one training step, on gov.threads threads
    >>> gov.threads in (gov.full, 1)
    True
    """

    def __init__(self, first_probe=8, last_probe=128, window=3):
        self.full = numba.get_num_threads()
        self.enabled = config.ADAPTIVE_THREADS and self.full > 1
        self.first_probe, self.last_probe = first_probe, last_probe
        self.window = window
        self.recent = {self.full: [], 1: []}  # seconds per sequence of the latest steps
        self.steps = 0
        self.interval = first_probe
        self.since_probe = 0
        self.threads = self.full

    def _next(self):
        """The thread count of the coming step."""
        if not self.enabled:
            return self.full
        if self.steps == 0:
            return self.full  # the first step may compile: not timed
        fewest = min(self.recent, key=lambda n: len(self.recent[n]))
        if len(self.recent[fewest]) < 2:  # the two settings take turns until each has two timed steps
            return fewest
        best = self.preferred
        if self.since_probe >= self.interval:
            return 1 if best == self.full else self.full
        return best

    @contextlib.contextmanager
    def step(self, size):
        """Run the body as one step over ``size`` sequences on the chosen thread count and time it."""
        self.threads = self._next()
        if self.threads != self.full:
            numba.set_num_threads(self.threads)
        start = time.perf_counter()
        try:
            yield self.threads
        finally:
            seconds = (time.perf_counter() - start) / max(size, 1)
            if self.enabled and self.steps > 0:
                self._record(seconds)
            self.steps += 1
            if self.threads != self.full:
                numba.set_num_threads(self.full)

    @property
    def estimate(self):
        """Seconds per sequence of each setting, the mean of its recent steps (``None`` until it has run
        a timed step)."""
        return {n: sum(r) / len(r) if r else None for n, r in self.recent.items()}

    def _record(self, seconds):
        before = self.preferred if min(len(r) for r in self.recent.values()) >= 2 else None
        probing = before is not None and self.threads != before
        self.recent[self.threads] = (self.recent[self.threads] + [seconds])[-self.window:]
        if before is None:  # still taking turns
            return
        if probing:  # a try of the other setting: back off while the choice holds, else look again soon
            held = self.preferred == before
            self.interval = min(2 * self.interval, self.last_probe) if held else self.first_probe
            self.since_probe = 0
        elif self.preferred != before:  # the setting in use got slower than the other: try it again soon
            self.interval, self.since_probe = self.first_probe, 0
        else:
            self.since_probe += 1

    @property
    def preferred(self):
        """The setting with the lower estimate so far (the caller's count until both are timed)."""
        estimate = self.estimate
        if any(e is None for e in estimate.values()):
            return self.full
        return min(estimate, key=lambda n: estimate[n])


_GOVERNORS = OrderedDict()
_KEEP = 32


def governor_for(key):
    """The governor of steps of kind ``key`` (a hashable description of the work; the thread count
    is added), made on first use; the 32 most recent kinds are kept."""
    key = (key, numba.get_num_threads(), config.ADAPTIVE_THREADS)
    gov = _GOVERNORS.pop(key, None) or ThreadGovernor()
    _GOVERNORS[key] = gov
    while len(_GOVERNORS) > _KEEP:
        _GOVERNORS.popitem(last=False)
    return gov
