"""Run the kernel benchmarks, one peer per process, for 1 and 2 threads and both BLAS core types.

Usage: ``python benchmarks/run.py [--threads 1 2] [--coretypes Haswell unset] [--repeat N] [--out DIR]``,
then ``python benchmarks/render.py DIR`` prints the tables. Each process gets
the same thread count for Numba, BLAS and torch; ``OPENBLAS_CORETYPE`` is set
or removed for the child processes only.

On a shared 2-core machine a neighbour's load comes and goes over seconds, so
one process per peer can catch a slow spell that the other misses. With
``--repeat N`` the peers take turns N times (numbarnn, torch, NumPy, numbarnn,
...) and the renderer reports each peer's best median over its N processes.
"""

import argparse
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--coretypes", nargs="+", default=["Haswell", "unset"])
    parser.add_argument("--peers", nargs="+", default=["numbarnn", "torch", "numpy"])
    parser.add_argument("--out", default=str(HERE.parent / ".benchmarks" / "kernels"))
    parser.add_argument("--repeat", type=int, default=1, help="processes per peer, taken in turns")
    parser.add_argument("-k", dest="select", default="", help="extra pytest -k filter")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for coretype in args.coretypes:
        for threads in args.threads:
            for rep, peer in ((r, p) for r in range(args.repeat) for p in args.peers):
                env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                           NUMBARNN_BENCH_THREADS=str(threads))
                env.pop("OPENBLAS_CORETYPE", None)
                if coretype != "unset":
                    env["OPENBLAS_CORETYPE"] = coretype
                select = f"{peer} and ({args.select})" if args.select else peer
                json_path = out / f"{peer}-t{threads}-{coretype}-r{rep}.json"
                cmd = [sys.executable, "-m", "pytest", str(HERE / "test_kernels.py"), "-q",
                       "-o", "addopts=", "-p", "no:cacheprovider", "-k", select,
                       "--benchmark-enable", "--benchmark-only", "--benchmark-min-rounds=5",
                       "--benchmark-max-time=1.0", f"--benchmark-json={json_path}"]
                print(f"== {peer}, {threads} thread(s), OPENBLAS_CORETYPE={coretype}, turn {rep + 1}", flush=True)
                failed |= subprocess.call(cmd, env=env, cwd=HERE.parent)
    return failed


if __name__ == "__main__":
    sys.exit(main())
