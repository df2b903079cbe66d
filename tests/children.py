"""Suites that run in a child process, started as soon as collection ends so they overlap with the rest.

Three checks are each a minute or two of one core: the CUDA simulator suite, the sm_90 compile checks
and the Sphinx build with its gallery. Run in turn they were half of the test suite's time, while the
main run, compiling kernels or running Python, mostly leaves the second core idle. The checkout's
``conftest.py`` starts every selected test's child when collection ends, at the lowest CPU priority
(``nice 19``: the main run's threads take the core whenever they want it) and with one Numba thread, so
a child never holds a parallel region up waiting for a core; the tests that read them run last.

A test marks its child with :func:`early`; calling :meth:`Child.result` waits for it (and starts it
first when the run did not, as when the test is run alone).
"""

import importlib.util
import os
import subprocess
import sys

ONE_THREAD = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


class Child:
    """``argv`` in a child process with ``env`` added to this one's environment, once per run.

    ``needs``: modules that must be importable for it to start at all (the test skips without them);
    ``one_core``: pin it to one core (the CUDA simulator's Python threads hand the GIL back and forth
    between cores otherwise, 220 s against 90 s)."""

    def __init__(self, argv, env=None, cwd=None, needs=(), one_core=False):
        self.argv, self.env, self.cwd, self.needs, self.one_core = argv, env or {}, cwd, needs, one_core
        self._process = self._output = None

    def startable(self):
        return all(importlib.util.find_spec(name) is not None for name in self.needs)

    def start(self):
        if self._process is None and self.startable():
            self._process = subprocess.Popen(
                [str(a) for a in self.argv], env=dict(os.environ, **ONE_THREAD, **self.env), cwd=self.cwd,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=self._lower)
        return self

    def _lower(self):  # runs in the child, before it executes
        os.nice(19)
        if self.one_core and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    def result(self):
        """(return code, stdout, stderr), waiting for the child to end."""
        if self._output is None:
            process = self.start()._process
            if process is None:
                raise RuntimeError(f"{self.argv[:4]} needs {', '.join(self.needs)}; skip the test without them")
            stdout, stderr = process.communicate()
            self._output = (process.returncode, stdout, stderr)
        return self._output

    def stop(self):
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


def early(child):
    """Mark a test as reading ``child``: the run starts it when collection ends and runs the test last."""
    def mark(test):
        test.early_child = child
        return test
    return mark


def pytest_child(*paths):
    """argv of a pytest run of ``paths`` on its own (no doctests, no cache), from the checkout's root."""
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *paths]
