"""Render saved benchmark JSON (from benchmarks/run.py) as Markdown tables.

Usage: ``python benchmarks/render.py [DIR]``. One table per thread count and
BLAS core type: median milliseconds of each peer (the best median over the
processes of ``run.py --repeat``), numbarnn's GFLOP/s, the ratio of
numbarnn's time to torch's (below 1 means numbarnn is faster), and the
lowest ratio the machine allows: the time of the shape's FLOPs at the sgemm
peak measured in the same run, over torch's time. A goal below that floor
would need numbarnn to run faster than the machine's own matrix product.
"""

import collections
import json
import pathlib
import re
import sys

from shapes import SHAPES

CELLS = ["rnn", "lstm", "gru"]
MODES = {"forward": "fwd", "forward_backward": "fwd+bwd"}


def load(directory):
    """{(threads, coretype): {(cell, shape, mode): {peer: median_seconds}}} and the FLOP counts.

    Files are ``{peer}-t{threads}-{coretype}[-r{turn}].json``; a peer's time is its
    smallest median over the turns.
    """
    tables = collections.defaultdict(dict)
    flop = {}
    for path in sorted(pathlib.Path(directory).glob("*.json")):
        peer, threads, coretype = re.sub(r"-r\d+$", "", path.stem).split("-", 2)
        for bench in json.loads(path.read_text())["benchmarks"]:
            info = bench["extra_info"]
            if info.get("kind") == "peak":  # the sgemm peak: kept as GFLOP/s, the best over peers and turns
                gflops = info["flops"] / bench["stats"]["median"] / 1e9
                key = ("peak", threads, coretype)
                tables[key] = max(tables.get(key, 0.0), gflops)
                continue
            key = (info["cell"], info["shape"], info["mode"])
            times = tables[(threads, coretype)].setdefault(key, {})
            median = bench["stats"]["median"]
            times[info["peer"]] = min(median, times.get(info["peer"], median))
            flop[key] = info["flops"]
    return tables, flop


def peak_ratio(flops, peak_gflops, torch_seconds):
    """numbarnn / torch if numbarnn ran ``flops`` at the sgemm peak: the lowest ratio the machine allows.

    >>> round(peak_ratio(15.3e9, 329.0, 0.0775), 2)   # an RNN shape where torch reaches 60% of the peak
    0.6
    """
    return flops / (peak_gflops * 1e9) / torch_seconds


def render(directory):
    tables, flop = load(directory)
    lines = []
    for key, rows in sorted((k, v) for k, v in tables.items() if k[0] != "peak"):
        threads, coretype = key
        peak = tables.get(("peak", threads, coretype))
        note = f"; sgemm peak {peak:.0f} GFLOP/s" if peak else ""
        lines += [f"\n**{threads[1:]} thread(s), OPENBLAS_CORETYPE={coretype}** (median ms, best of the runs{note})\n",
                  "| cell | shape | pass | numbarnn | torch | NumPy | numbarnn GFLOP/s | % of peak | numbarnn / torch "
                  "| ratio at peak |",
                  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for cell in CELLS:
            for shape in SHAPES:
                for mode, label in MODES.items():
                    r = rows.get((cell, shape, mode))
                    if not r:
                        continue
                    ms = {p: (f"{r[p] * 1e3:.2f}" if p in r else "–") for p in ("numbarnn", "torch", "numpy")}
                    rate = flop[(cell, shape, mode)] / r["numbarnn"] / 1e9 if "numbarnn" in r else None
                    gflops = f"{rate:.1f}" if rate else "–"
                    share = f"{100 * rate / peak:.0f}%" if rate and peak else "–"
                    ratio = f"{r['numbarnn'] / r['torch']:.2f}" if "numbarnn" in r and "torch" in r else "–"
                    at_peak = (f"{peak_ratio(flop[(cell, shape, mode)], peak, r['torch']):.2f}"
                               if peak and "torch" in r else "–")
                    lines.append(f"| {cell} | {shape} | {label} | {ms['numbarnn']} | {ms['torch']} | "
                                 f"{ms['numpy']} | {gflops} | {share} | {ratio} | {at_peak} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    print(render(sys.argv[1] if len(sys.argv) > 1 else ".benchmarks/kernels"))
