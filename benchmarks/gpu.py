"""GPU benchmark: numbarnn's CUDA kernels against torch.nn with cuDNN on the same GPU.

Usage: ``python benchmarks/gpu.py [--peers torch numbarnn] [--cells lstm gru rnn]
[--T 512] [--H 64 256 512 1024] [--B 1 8 64] [--out results.json]``.

Whole sequences (input size = hidden size, one layer, unidirectional, with
bias, float32) are timed with CUDA events: forward (inference) and
forward+backward (gradients for the input, the initial state and every
weight). Inputs and gradients live on the GPU for both peers. Each cell of
the table is the median of ``--reps`` runs after ``--warmup`` runs; torch is
timed with TF32 off (strict float32, the primary comparison) and on (its
default). ``python benchmarks/gpu.py --render results.json`` prints the table.
"""

import argparse
import json
import sys
import time

import numpy as np


def _events_ms(torch, fn, warmup, reps, budget_s):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    began = time.perf_counter()
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
        if time.perf_counter() - began > budget_s and len(times) >= 3:
            break
    q = np.percentile(times, [25, 50, 75])
    return {"median_ms": float(q[1]), "q1_ms": float(q[0]), "q3_ms": float(q[2]), "reps": len(times)}


def _torch_module(torch, cell, H):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    torch.manual_seed(0)
    return cls(H, H).cuda()


def _cudnn_algo(cell, H, mode):
    """The cuDNN algorithm PyTorch picks for float32 (aten/src/ATen/native/cudnn/RNN.cpp, get_algo)."""
    limit = {"forward": {"lstm": 192, "gru": 192, "rnn": 384},
             "fwd+bwd": {"lstm": 128, "gru": 128, "rnn": 256}}[mode][cell]
    return "PERSIST_STATIC_SMALL_H" if H <= limit else "STANDARD"


def _inputs(torch, cell, T, B, H):
    g = torch.Generator(device="cuda").manual_seed(1)
    x = torch.randn(T, B, H, device="cuda", generator=g)
    h0 = torch.randn(1, B, H, device="cuda", generator=g) * 0.1
    go = torch.randn(T, B, H, device="cuda", generator=g)
    state = (h0, h0.clone()) if cell == "lstm" else h0
    return x, state, go


def bench_torch(torch, cell, T, B, H, mode, tf32, args):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    m = _torch_module(torch, cell, H)
    x, state, go = _inputs(torch, cell, T, B, H)
    if mode == "forward":
        def fn():
            with torch.no_grad():
                m(x, state)
    else:
        xr = x.clone().requires_grad_(True)
        st = tuple(s.clone().requires_grad_(True) for s in state) if cell == "lstm" else \
            state.clone().requires_grad_(True)

        def fn():
            out, _ = m(xr, st)
            out.backward(go)
    return _events_ms(torch, fn, args.warmup, args.reps, args.budget)


def _kernel_ms(fn, reps):
    """Mean milliseconds per call spent in numbarnn's recurrence kernels (CUDA events around each launch)."""
    from numba import cuda

    from numbarnn import config
    config.CUDA_LAUNCH_EVENTS = events = []
    try:
        for _ in range(reps):
            fn()
        cuda.synchronize()
    finally:
        config.CUDA_LAUNCH_EVENTS = None
    return sum(cuda.event_elapsed_time(start, end) for _, start, end in events) / reps


def bench_numbarnn(torch, cell, T, B, H, mode, args):
    import numbarnn
    cls = {"lstm": numbarnn.LSTM, "gru": numbarnn.GRU, "rnn": numbarnn.RNN}[cell]
    net = cls(H, H, device="cuda")
    net.load_state_dict({k: v.detach().cpu().numpy() for k, v in _torch_module(torch, cell, H).state_dict().items()})
    x, state, go = _inputs(torch, cell, T, B, H)
    if mode == "forward":
        def fn():
            net(x, state)
    else:
        def fn():
            _, _, tape = net.forward(x, state)
            net.backward(tape, go)
    timing = _events_ms(torch, fn, args.warmup, args.reps, args.budget)
    timing["kernel_ms"] = _kernel_ms(fn, min(5, timing["reps"]))
    return timing


def check_accuracy(torch, cell, T, B, H):
    """Max abs forward error and max relative weight-gradient error against float64 torch on the GPU."""
    import numbarnn
    ref = _torch_module(torch, cell, H).double()
    cls = {"lstm": numbarnn.LSTM, "gru": numbarnn.GRU, "rnn": numbarnn.RNN}[cell]
    net = cls(H, H, device="cuda")
    net.load_state_dict({k: v.detach().cpu().numpy() for k, v in ref.state_dict().items()})
    x, state, go = _inputs(torch, cell, T, B, H)
    xd = x.double().requires_grad_(True)
    out_ref, _ = ref(xd, tuple(s.double() for s in state) if cell == "lstm" else state.double())
    out_ref.backward(go.double())
    out, _, tape = net.forward(x, state)
    grads = net.backward(tape, go)
    fwd = float((torch.as_tensor(out, device="cuda").double() - out_ref.detach()).abs().max())
    rel = 0.0
    for name, p in ref.named_parameters():
        g = np.asarray(grads[name], dtype=np.float64)
        r = p.grad.cpu().numpy()
        rel = max(rel, float(np.abs(g - r).max() / max(np.abs(r).max(), 1e-30)))
    return {"forward_max_abs": fwd, "weight_grad_max_rel": rel}


def run(args):
    import torch
    results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
               "cudnn": torch.backends.cudnn.version(), "T": args.T, "rows": []}
    try:
        import numba_cuda
        results["numba_cuda"] = numba_cuda.__version__
    except ImportError:
        pass
    for cell in args.cells:
        for H in args.H:
            for B in args.B:
                for mode in ("forward", "fwd+bwd"):
                    row = {"cell": cell, "H": H, "B": B, "mode": mode, "algo": _cudnn_algo(cell, H, mode)}
                    if "torch" in args.peers:
                        row["torch"] = bench_torch(torch, cell, args.T, B, H, mode, False, args)
                        row["torch_tf32"] = bench_torch(torch, cell, args.T, B, H, mode, True, args)
                    if "numbarnn" in args.peers:
                        torch.backends.cuda.matmul.allow_tf32 = False
                        row["numbarnn"] = bench_numbarnn(torch, cell, args.T, B, H, mode, args)
                    results["rows"].append(row)
                    print(json.dumps(row), flush=True)
            if "numbarnn" in args.peers and args.accuracy:
                acc = check_accuracy(torch, cell, args.T, 8, H)
                results.setdefault("accuracy", []).append({"cell": cell, "H": H, "B": 8, **acc})
                print(json.dumps(results["accuracy"][-1]), flush=True)
    return results


def render(results):
    lines = [f"{results['device']}, torch {results['torch']}, cuDNN {results['cudnn']}, "
             f"T = {results['T']}, float32; ms (median of CUDA-event timings)", "",
             "| cell | H | B | mode | cuDNN algorithm | torch (TF32 off) | torch (TF32 on) | numbarnn "
             "| of which recurrence kernels | ratio |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        t = r.get("torch", {}).get("median_ms")
        t32 = r.get("torch_tf32", {}).get("median_ms")
        n = r.get("numbarnn", {}).get("median_ms")
        k = r.get("numbarnn", {}).get("kernel_ms")
        ratio = f"{n / t:.2f}" if n and t else "-"
        fmt = (lambda v: f"{v:.3f}" if v is not None else "-")
        lines.append(f"| {r['cell']} | {r['H']} | {r['B']} | {r['mode']} | {r['algo']} | {fmt(t)} | "
                     f"{fmt(t32)} | {fmt(n)} | {fmt(k)} | {ratio} |")
    for a in results.get("accuracy", []):
        lines.append(f"\naccuracy {a['cell']} H={a['H']} B={a['B']}: forward max abs {a['forward_max_abs']:.2e}, "
                     f"weight-gradient max rel {a['weight_grad_max_rel']:.2e}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", nargs="+", default=["torch", "numbarnn"])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn"])
    parser.add_argument("--T", type=int, default=512)
    parser.add_argument("--H", nargs="+", type=int, default=[64, 256, 512, 1024])
    parser.add_argument("--B", nargs="+", type=int, default=[1, 8, 64])
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per cell before stopping early")
    parser.add_argument("--no-accuracy", dest="accuracy", action="store_false")
    parser.add_argument("--out", default=None)
    parser.add_argument("--render", default=None, help="print the table of a saved JSON file and exit")
    args = parser.parse_args(argv)
    if args.render:
        with open(args.render) as f:
            print(render(json.load(f)))
        return 0
    results = run(args)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
