"""The character language model on the King James Bible (bundled), and its training speed against PyTorch.

``--bpc``: ``LanguageModel()`` with its defaults (only ``random_state`` given) fitted on the first
90% of the characters (its own validation split is the end of those), scored in bits per character
on the last 10%, statically and by dynamic evaluation (``bits_per_symbol(test, adapt=True)``: the model
keeps learning from the text it has scored); the wall time of the fit; samples at several temperatures.
``--adapt-rates 0.1 0.2 0.3`` also scores the model's validation part by dynamic evaluation at those rates
(how the default ``adapt_rate`` was chosen). References on this split
(``../shared/data/README.md``): unigram 4.362, order-5 character n-gram 2.007, bz2 -9 1.831, xz -9e 1.931.

``--speed``: training windows per second for the default model, numbarnn's ``fit`` loop against
the same model and loop in torch (embedding, LSTM, linear head, Adam, clipping, truncated BPTT over
the same parallel streams with the state carried and detached), each peer in a process of its own,
in turns; medians over ``--rounds`` timings of ``--windows`` windows each, after a warm-up.

``--generation``: characters per second of batched sampling (top-p 0.95) for 1, 16 and 64 prompts,
and the time of one decoding step against the network's own forward over one step.

Usage: ``python benchmarks/language_model.py [--bpc] [--speed] [--generation] [--seeds 0] [--chars N]``
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

import numbarnn  # noqa: E402
from numbarnn import datasets  # noqa: E402


def split(chars=None):
    text = datasets.kjv()
    if chars:
        text = text[:chars]
    cut = int(len(text) * 0.9)
    return text[:cut], text[cut:]


def bpc(seeds, chars, adapt_rates):
    train, test = split(chars)
    for seed in seeds:
        t0 = time.perf_counter()
        lm = numbarnn.LanguageModel(random_state=seed).fit(train)
        seconds = time.perf_counter() - t0
        print(f"seed {seed}: fit {seconds:.0f} s, {lm.history_.sizes['epoch']} epochs, validation loss by epoch "
              f"{np.round(lm.history_.val_loss.values / np.log(2), 3).tolist()} bits", flush=True)
        if adapt_rates:  # dynamic evaluation's rate, judged on the model's own validation part only
            val = train[-int(round(lm.validation_fraction * (len(train) + 1))):]
            default = lm.adapt_rate
            for rate in adapt_rates:
                lm.set_params(adapt_rate=rate)
                print(f"  validation, adapt_rate={rate:g}: {lm.bits_per_symbol(val, adapt=True):.3f}", flush=True)
            lm.set_params(adapt_rate=default)
        for adapt in (False, True):
            t0 = time.perf_counter()
            score = lm.bits_per_symbol(test, adapt=adapt)
            print(f"  {score:.3f} bits per character on the last 10% ({len(test)} characters, "
                  f"{'dynamic evaluation' if adapt else 'static'}; scored in {time.perf_counter() - t0:.0f} s)",
                  flush=True)
        for temperature in (0.5, 0.8, 1.0):
            text = lm.generate("And God said", max_length=160, temperature=temperature, random_state=seed)
            print(f"  T={temperature}: And God said{text!r}")


def speed_peer(peer, windows, rounds, chars):
    """Seconds per ``windows`` training windows of one peer, ``rounds`` times, in this process."""
    import numba
    train, _ = split(chars)
    lm = numbarnn.LanguageModel(random_state=0, epochs=1, validation_fraction=0)
    B, T, H, E = lm.batch_size, lm.bptt, lm.hidden_size, lm.embedding_dim
    lm.set_params(epochs=1).fit(train[:B * T * 4])    # the vocabulary and the model, cheaply
    ids = lm._ids(lm._documents(train))
    from numbarnn.estimators.language_model import _streams
    x, y = _streams(ids, B)
    starts = [s * T for s in range(windows)]
    if peer == "numbarnn":
        from numbarnn.training import Adam, train as fit_loop
        from numbarnn.training.losses import CrossEntropy
        data = (np.ascontiguousarray(x[:windows * T]), np.ascontiguousarray(y[:windows * T]),
                np.full(B, windows * T), None)

        def run():
            fit_loop(lm.model_, CrossEntropy(), Adam(lm.learning_rate), data, epochs=1, batch_size=B,
                     clip_norm=lm.clip_norm, bptt_window=T, batches=lambda r: [np.arange(B)])
    else:
        import torch
        torch.set_num_threads(numba.get_num_threads())
        V = len(lm.vocab_)
        emb, rnn = torch.nn.Embedding(V, E), torch.nn.LSTM(E, H, num_layers=lm.num_layers)
        head, drop = torch.nn.Linear(H, V), torch.nn.Dropout(lm.dropout)
        params = [*emb.parameters(), *rnn.parameters(), *head.parameters()]
        opt = torch.optim.Adam(params, lr=lm.learning_rate)
        tx, ty = torch.from_numpy(x[:, :, 0]), torch.from_numpy(y[:, :, 0])

        def run():
            state = None
            for s in starts:
                opt.zero_grad()
                out, state = rnn(drop(emb(tx[s:s + T])), state)
                state = tuple(h.detach() for h in state)
                logits = head(drop(out))
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), ty[s:s + T].reshape(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, lm.clip_norm)
                opt.step()
    run()   # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return {"times": times, "windows": windows, "B": B, "T": T, "H": H, "E": E, "layers": lm.num_layers}


def speed(windows, rounds, turns, chars):
    import numba
    peers = ["numbarnn"] + (["torch"] if importlib.util.find_spec("torch") else [])
    times = {p: [] for p in peers}
    for _ in range(turns):
        for p in peers:
            out = subprocess.run([sys.executable, __file__, "--speed-peer", p, "--windows", str(windows),
                                  "--rounds", str(rounds)] + (["--chars", str(chars)] if chars else []),
                                 check=True, capture_output=True, text=True).stdout
            info = json.loads(out.strip().splitlines()[-1])
            times[p] += info["times"]
    print(f"{cpu_model()}, {numba.get_num_threads()} threads; LSTM {info['layers']} x {info['H']}, embedding "
          f"{info['E']}, {info['B']} streams x {info['T']} steps per window, {windows} windows per timing")
    for p, ts in times.items():
        med = float(np.median(ts))
        print(f"  {p:9s} median {med:6.2f} s (min {min(ts):.2f}) = {windows * info['B'] * info['T'] / med:8.0f} "
              f"characters/s")
    if "torch" in times:
        print(f"  numbarnn / torch time: {np.median(times['numbarnn']) / np.median(times['torch']):.2f}")


def generation(chars):
    """Batched sampling speed, and one decoding step against the network's forward over one step."""
    train, _ = split(chars or 400_000)
    lm = numbarnn.LanguageModel(random_state=0, epochs=1, validation_fraction=0).fit(train[:200_000])
    dec = lm.decoder()
    for batch in (1, 16, 64):
        prompts = ["And God said"] * batch
        lm.generate(prompts, max_length=20, random_state=0)          # warm-up
        t0 = time.perf_counter()
        out = lm.generate(prompts, max_length=200, random_state=0, top_p=0.95)
        seconds = time.perf_counter() - t0
        print(f"  sampling, {batch:3d} prompts x 200 characters: {sum(len(o) for o in out) / seconds:8.0f} "
              f"characters/s")
    net, B = lm.model_.net, 64
    tokens = np.full(B, lm.vocab_.index("a"))
    _, state = dec.prime(np.full((5, B), lm.vocab_.index("a")))
    x = lm.model_.word_embedding.forward(tokens[None]).astype(net.dtype)

    def median(fn, n=200):
        fn()
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return float(np.median(ts)) * 1e6
    step = median(lambda: dec.step(tokens, state))
    forward = median(lambda: net(x, state))
    with net.fixed_weights():  # as generate() steps: the weights packed once
        fixed = median(lambda: dec.step(tokens, state))
        one = median(lambda: dec.step(tokens[:1], tuple(s[:, :1] for s in state)))
    unfixed_one = median(lambda: dec.step(tokens[:1], tuple(s[:, :1] for s in state)))
    print(f"  one decoding step (embedding, net.step, readout, log-softmax), batch {B}: {fixed:.0f} us with "
          f"the weights packed once (generate's way), {step:.0f} us packing them at the step; net(x) over one "
          f"step: {forward:.0f} us ({step / forward:.2f}x); batch 1: {one:.0f} us packed once, "
          f"{unfixed_one:.0f} us packing at the step")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bpc", action="store_true")
    p.add_argument("--speed", action="store_true")
    p.add_argument("--generation", action="store_true")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--chars", type=int, default=None, help="use only the first N characters (a quick look)")
    p.add_argument("--adapt-rates", type=float, nargs="*", default=[],
                   help="with --bpc, also score the validation part by dynamic evaluation at these rates")
    p.add_argument("--windows", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--turns", type=int, default=2)
    p.add_argument("--speed-peer", choices=["numbarnn", "torch"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.speed_peer:
        print(json.dumps(speed_peer(args.speed_peer, args.windows, args.rounds, args.chars)))
        return
    if not (args.bpc or args.speed or args.generation):
        args.bpc = args.speed = args.generation = True
    print(cpu_model())
    if args.generation:
        generation(args.chars)
    if args.speed:
        speed(args.windows, args.rounds, args.turns, args.chars)
    if args.bpc:
        bpc(args.seeds, args.chars, args.adapt_rates)


if __name__ == "__main__":
    main()
