"""Numba threads for work that runs as dask tasks, so the workers of one machine share its cores.

A dask worker runs ``nthreads`` tasks at once, and a machine may hold several workers. If every task
used all of Numba's threads, two workers of one thread each on a 2-core machine would run four
spinning threads on two cores, the oversubscription that makes a recurrent network's hundreds of
short parallel regions per step wait on descheduled threads (see ``docs/performance.rst``). So each
task runs on ``max(1, cores // tasks on its host)`` threads: the cores of its machine divided by the
task slots of all the workers there (on a 2-core machine with two 1-thread workers, one thread each).
``numba.set_num_threads`` is per calling thread, so this touches only the task's own thread.

Nothing here imports dask; the functions take the objects dask hands them.
"""

import contextlib
import os
import urllib.parse
from collections import Counter

import numba


def host_slots(client):
    """Task slots per host: ``{host: sum of nthreads of the workers there}`` from a distributed ``client``."""
    slots = Counter()
    for info in client.scheduler_info(n_workers=-1)["workers"].values():
        slots[info["host"]] += int(info["nthreads"])
    return dict(slots)


def threads_for_task(slots, address, cores=None):
    """Numba threads for a task of the worker at ``address`` (``tcp://host:port``): its host's cores
    shared by the task slots there, at least one and at most Numba's pool.

    >>> import numba
    >>> threads_for_task({"10.0.0.5": 2}, "tcp://10.0.0.5:4101", cores=2)   # two 1-thread workers, 2 cores
    1
    >>> threads_for_task({"10.0.0.5": 2}, "tcp://10.0.0.5:4101", cores=16) == min(8, numba.config.NUMBA_NUM_THREADS)
    True
    """
    cores = cores or os.cpu_count() or 1
    host = urllib.parse.urlparse(address).hostname
    share = cores // max(1, slots.get(host, 1))
    return max(1, min(numba.config.NUMBA_NUM_THREADS, share))


@contextlib.contextmanager
def numba_threads(n):
    """Run the block on ``n`` of Numba's threads (this thread only), then put the count back."""
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(before)


def in_task_threads(slots):
    """The thread count for the dask task this is called from (``slots`` from :func:`host_slots`)."""
    from distributed import get_worker
    return threads_for_task(slots, get_worker().address)
