"""Work on dask.distributed: many models, one data-parallel model, lazy prediction (issue 18's figures).

Three measurements, each on a ``LocalCluster`` of 1-thread worker processes started here:

``--groups N``: one Forecaster per series for N short series (monthly, 72 steps, seeded random
walks with a yearly cycle) through :func:`numbarnn.fit_groups`: wall time in this process alone
(Numba's default threads) and on 1 and 2 workers, the speed-up, and the measured per-task cost and
sizes that a plan for many workers needs.

``--data-parallel``: one global SequenceRegressor (LSTM, hidden 64, batch 256, 4,096 sequences of
50 steps): seconds per epoch here and on 1 and 2 workers, and the share of a step spent outside
the shards' own compute (sending parameters and rows, bringing gradients back, combining them).

``--lazy``: ``Forecaster.predict(y=...)`` of a dask-backed (time, series) array chunked along
series: graph construction time, per-chunk compute time, and the peak memory of each worker while
the whole array is forecast.

Usage: ``python benchmarks/dask_scaling.py --groups 1000 --data-parallel --lazy [--dask-defaults]``
(the clusters use :data:`QUIET_DASK` unless ``--dask-defaults`` is given)
"""

import argparse
import logging
import os
import sys
import time

import numpy as np
import xarray as xr

import numbarnn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402


#: dask settings for a machine whose every core runs a worker: the scheduler's work stealing (a rebalancing
#: pass every 100 ms), the event loops' 20-ms ticks and the system and memory monitors (psutil calls several
#: times a second in every process) together took 3.4 CPU-seconds of a 56-second 1,000-series fit on two
#: workers, time that came out of the workers' fits (measured with psutil, 2-core Xeon). Stretched or off,
#: they took 1.7 s and the fit 52.8 s. ``--dask-defaults`` measures with dask's own settings.
QUIET_DASK = {"distributed.worker.profile.enabled": False, "distributed.scheduler.work-stealing": False,
              "distributed.admin.tick.interval": "200ms", "distributed.admin.system-monitor.interval": "2s",
              "distributed.worker.memory.monitor-interval": "1s"}


def cluster(n_workers):
    """A LocalCluster of 1-thread worker processes, under the dask settings :func:`main` chose."""
    import distributed
    c = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=logging.ERROR)
    return c, distributed.Client(c)


def series(n, steps=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    level = np.cumsum(rng.normal(0, 1, (steps, n)), axis=0)
    season = 3 * np.sin(2 * np.pi * t / 12)[:, None] * rng.uniform(0.5, 1.5, n)
    return xr.DataArray(50 + level + season, dims=("time", "series"),
                        coords={"time": np.arange("2000-01", "2006-01", dtype="datetime64[M]")[:steps],
                                "series": np.arange(n)})


def groups(n):
    y = series(n)
    est = numbarnn.Forecaster(hidden_size=16, epochs=15, random_state=0)
    numbarnn.fit_groups(est, y.isel(series=slice(0, 2)), by="series")  # compile
    rows = []
    t0 = time.perf_counter()
    numbarnn.fit_groups(est, y, by="series")
    here = time.perf_counter() - t0
    rows.append(("this process", here))
    print(f"groups: {n} series, one process: {here:.1f} s ({1e3 * here / n:.0f} ms per series)", flush=True)
    for workers in (1, 2):
        c, client = cluster(workers)
        try:
            numbarnn.fit_groups(est, y.isel(series=slice(0, 2 * workers)), by="series", client=client)  # warm
            t0 = time.perf_counter()
            models = numbarnn.fit_groups(est, y, by="series", client=client)
            wall = time.perf_counter() - t0
        finally:
            client.close()
            c.close()
        rows.append((f"{workers} worker(s)", wall))
        against_one = f", against 1 worker {rows[1][1] / wall:.2f}x" if workers > 1 else ""
        print(f"groups: {n} series, {workers} worker(s): {wall:.1f} s, speed-up against this process "
              f"{here / wall:.2f}x{against_one}", flush=True)
    import pickle  # only to measure what dask sends: the size of a task's input and result
    one = y.isel(series=0)
    print(f"groups: per task, input {len(pickle.dumps((est, one)))} bytes, result "
          f"{len(pickle.dumps(models[0]))} bytes", flush=True)
    return rows


def data_parallel(epochs=3):
    """Seconds per epoch here and on 1 and 2 workers; the shares of a distributed fit spent combining the
    shards' gradients (the reduction, here) and waiting on the workers beyond their own compute."""
    from numbarnn.training import loop, parallel
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 50, 4)).astype("float32")
    y = X[:, :, 0].sum(axis=1) / 10

    def make():
        return numbarnn.SequenceRegressor(hidden_size=64, batch_size=256, epochs=epochs, validation_fraction=0.0,
                                          random_state=0)

    spent = {"combine": 0.0, "shards": 0.0}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            out = fn(*a, **k)
            spent[name] += time.perf_counter() - t
            return out
        return wrapper

    make().set_params(epochs=1).fit(X[:512], y[:512])  # compile
    est = make().fit(X, y)
    print(f"data-parallel: this process, unsharded: {float(est.history_.seconds.median()):.2f} s per epoch", flush=True)
    original_combine, original_local, original_dask = loop.combine, parallel.LocalShards.__call__, \
        parallel.DaskShards.__call__
    loop.combine = timed("combine", original_combine)
    try:
        local_runner = loop.shard_runner
        parallel.LocalShards.__call__ = timed("shards", original_local)
        loop.shard_runner = lambda model, loss, shards=None, client=None: parallel.LocalShards(model, loss, 2)
        spent.update(combine=0.0, shards=0.0)
        t0 = time.perf_counter()
        est = make().fit(X, y)
        wall = time.perf_counter() - t0
        loop.shard_runner = local_runner
        compute = spent["shards"]
        print(f"data-parallel: this process, 2 shards one after another: "
              f"{float(est.history_.seconds.median()):.2f} s per epoch (the shards' compute {compute / wall:.0%})",
              flush=True)
        parallel.DaskShards.__call__ = timed("shards", original_dask)
        for workers in (1, 2):
            c, client = cluster(workers)
            try:
                make().set_params(epochs=1).fit(X[:512], y[:512], client=client)  # warm the workers
                spent.update(combine=0.0, shards=0.0)
                t0 = time.perf_counter()
                est = make().fit(X, y, client=client)
                wall = time.perf_counter() - t0
            finally:
                client.close()
                c.close()
            waiting = spent["shards"] - compute / workers
            print(f"data-parallel: {workers} worker(s): {float(est.history_.seconds.median()):.2f} s per epoch; "
                  f"combining gradients {spent['combine'] / wall:.1%} of the fit, waiting on the workers beyond "
                  f"their share of the compute {max(waiting, 0) / wall:.0%}", flush=True)
    finally:
        loop.combine, parallel.LocalShards.__call__, parallel.DaskShards.__call__ = \
            original_combine, original_local, original_dask


def lazy(n_series=100_000, steps=10_000, chunk=5_000):
    import dask.array as da
    t = np.arange(400)
    train = xr.DataArray(np.sin(t / 5)[:, None] + 0.1 * np.random.default_rng(0).standard_normal((400, 8)),
                         dims=("time", "series"))
    est = numbarnn.Forecaster(hidden_size=16, lookback=24, horizon=12, epochs=3, strategy="recursive",
                              random_state=0).fit(train)
    data = da.random.default_rng(0).standard_normal((steps, n_series), chunks=(steps, chunk))
    y = xr.DataArray(data, dims=("time", "series"))
    t0 = time.perf_counter()
    out = est.predict(y=y)
    graph = time.perf_counter() - t0
    print(f"lazy: graph of {out.data.npartitions} chunks of {chunk} series built in {1e3 * graph:.0f} ms, "
          f"nothing computed", flush=True)
    c, client = cluster(2)
    try:
        client.run(lambda dask_worker: None)
        t0 = time.perf_counter()
        result = client.compute(out.data.sum(axis=0)).result()
        wall = time.perf_counter() - t0
        peaks = client.run(_peak_rss)
    finally:
        client.close()
        c.close()
    chunk_bytes = steps * chunk * 8
    print(f"lazy: {n_series} series x {steps} steps forecast on 2 workers in {wall:.1f} s "
          f"({1e3 * wall * 2 / out.data.npartitions:.0f} ms per chunk of {chunk_bytes / 2**20:.0f} MiB input); "
          f"peak resident memory per worker: {', '.join(f'{p / 2**20:.0f} MiB' for p in peaks.values())}; "
          f"{result.shape} sums", flush=True)


def _peak_rss():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--groups", type=int, default=0, help="fit one model per series for this many series")
    p.add_argument("--data-parallel", action="store_true")
    p.add_argument("--lazy", action="store_true")
    p.add_argument("--lazy-series", type=int, default=100_000)
    p.add_argument("--dask-defaults", action="store_true",
                   help="dask's own scheduler and monitor settings instead of QUIET_DASK (the profiler stays off)")
    args = p.parse_args(argv)
    import dask
    # dask's statistical profiler stays off either way: it samples every task thread's stack every 10 ms,
    # which cost one 0.1-second fit 5% (measured)
    dask.config.set(QUIET_DASK if not args.dask_defaults else {"distributed.worker.profile.enabled": False})
    import numba
    print(f"{cpu_model()}, {os.cpu_count()} logical CPUs; numba {numba.__version__}, numbarnn "
          f"{numbarnn.__version__}, Python {sys.version.split()[0]}", flush=True)
    if args.groups:
        groups(args.groups)
    if args.data_parallel:
        data_parallel()
    if args.lazy:
        lazy(args.lazy_series)


if __name__ == "__main__":
    main()
