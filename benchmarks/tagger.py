"""The part-of-speech tagger and the genre classifier on UD English-EWT (bundled), and training speed
against an equivalent PyTorch model.

``--accuracy``: ``SequenceTagger()`` with its defaults (only ``random_state`` given), fitted on the
train split with the dev split for early stopping, scored on dev and test (UPOS, gold tokens); the
token accuracy on test words never seen in training; the wall time of the fit. The same for
``TextClassifier()`` on the sentences' genres, beside a majority-class baseline. The reference
scores on these splits (``../shared/data/README.md``): most frequent tag 0.862, with suffix back-off
0.899, an averaged perceptron 0.939; genre TF-IDF words + logistic regression 0.607, characters
2-5 0.625, majority 0.292.

``--speed``: training tokens per second, numbarnn's tagger model against the same model in torch
(word embedding, character BiLSTM over each distinct spelling of a batch, BiLSTM, linear head;
the default sizes, Adam, clip 5, the same length-sorted batches of 32, float32, the same threads),
on the first ``--sentences`` training sentences; each peer runs in a process of its own (two OpenMP
runtimes in one process spin against each other), the processes take turns (``--turns``), each
times ``--rounds`` epochs after a warm-up epoch, and the medians are reported. ``torch`` packs the
sequences as the exact equivalent must; ``torch-padded`` runs torch's LSTMs over the padding instead
(torch's faster path, but not the same model: the reverse directions start in the padding). ``--padding`` prints the share of padded steps
in random and in length-sorted batches of 32.

``--lxmls EPOCHS``: the LxMLS exercise's Elman tagger (``docs/lxmls.rst``) over the whole train split.

Usage: ``python benchmarks/tagger.py [--accuracy] [--genre] [--speed] [--padding] [--lxmls 5] [--seeds 0 1 2]``
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
from numbarnn.text import length_batches, padding_fraction  # noqa: E402


def accuracy(seeds):
    tr, dev, te = (datasets.ud_english_ewt(s) for s in ("train", "dev", "test"))
    seen = {w for s in tr.sentences for w in s}
    oov = np.array([w not in seen for s in te.sentences for w in s])
    rows = []
    for seed in seeds:
        t0 = time.perf_counter()
        tagger = numbarnn.SequenceTagger(random_state=seed).fit(tr.sentences, tr.tags,
                                                                validation=(dev.sentences, dev.tags))
        seconds = time.perf_counter() - t0
        pred = np.array([t for s in tagger.predict(te.sentences) for t in s])
        gold = np.array([t for s in te.tags for t in s])
        rows.append((seed, tagger.score(dev.sentences, dev.tags), float(np.mean(pred == gold)),
                     float(np.mean(pred[oov] == gold[oov])), seconds, tagger.history_.sizes["epoch"]))
        print(f"seed {seed}: UPOS dev {rows[-1][1]:.4f} test {rows[-1][2]:.4f} (unseen words {rows[-1][3]:.4f}, "
              f"{oov.mean():.1%} of test); fit {seconds:.0f} s, {rows[-1][5]} epochs", flush=True)
    test = [r[2] for r in rows]
    print(f"UPOS test accuracy over seeds {seeds}: mean {np.mean(test):.4f}, min {np.min(test):.4f}")


#: The LxMLS exercise's tagger (docs/lxmls.rst): an Elman RNN over word vectors of 50, hidden 20, no
#: character features, one direction, plain SGD at 0.1, one sentence per step, no clipping or dropout.
LXMLS = dict(cell="rnn", bidirectional=False, char_dim=0, char_hidden=0, word_dim=50, hidden_size=20, dropout=0.0,
             optimizer="sgd", learning_rate=0.1, batch_size=1, clip_norm=None, patience=None, validation_fraction=0)


def lxmls(epochs):
    tr, dev, te = (datasets.ud_english_ewt(s) for s in ("train", "dev", "test"))
    t0 = time.perf_counter()
    tagger = numbarnn.SequenceTagger(random_state=0, epochs=epochs, **LXMLS).fit(tr.sentences, tr.tags)
    print(f"LxMLS Elman tagger, {epochs} epochs: UPOS dev {tagger.score(dev.sentences, dev.tags):.4f} test "
          f"{tagger.score(te.sentences, te.tags):.4f}; fit {time.perf_counter() - t0:.0f} s", flush=True)


def genre(seeds):
    tr, dev, te = (datasets.ud_english_ewt(s) for s in ("train", "dev", "test"))
    labels, counts = np.unique(tr.genres, return_counts=True)
    majority = float(np.mean(np.array(te.genres) == labels[np.argmax(counts)]))
    for seed in seeds:
        t0 = time.perf_counter()
        clf = numbarnn.TextClassifier(random_state=seed).fit(tr.sentences, tr.genres,
                                                             validation=(dev.sentences, dev.genres))
        print(f"seed {seed}: genre accuracy dev {clf.score(dev.sentences, dev.genres):.4f} test "
              f"{clf.score(te.sentences, te.genres):.4f} (majority class {majority:.4f}); fit "
              f"{time.perf_counter() - t0:.0f} s, {clf.history_.sizes['epoch']} epochs", flush=True)


def padding():
    tr = datasets.ud_english_ewt("train")
    lengths = np.array([len(s) for s in tr.sentences])
    for name, bucket in (("random batches", 1), ("length batches (bucket 50)", 50), ("bucket 100", 100)):
        print(f"EWT train, batches of 32, {name}: {padding_fraction(lengths, length_batches(lengths, 32, 0, bucket)):.1%} "
              "of the steps are padding")


def _torch_model(torch, tagger, packed=True):
    """The tagger's model in torch; ``packed=False`` runs both LSTMs over the padding (faster in torch, but
    the reverse direction then starts in the padding, so it is not the same model)."""
    nn = torch.nn

    def pack(seq, lengths, enforce_sorted):
        return nn.utils.rnn.pack_padded_sequence(seq, lengths, enforce_sorted=enforce_sorted) if packed else seq

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            m = tagger.model_
            self.wemb = nn.Embedding(*m.word_embedding.params["weight"].shape, padding_idx=0)
            self.cemb = nn.Embedding(*m.char_embedding.params["weight"].shape, padding_idx=0)
            self.clstm = nn.LSTM(tagger.char_dim, tagger.char_hidden, bidirectional=True)
            self.lstm = nn.LSTM(tagger.word_dim + 2 * tagger.char_hidden, tagger.hidden_size,
                                num_layers=tagger.num_layers, bidirectional=True,
                                dropout=tagger.dropout if tagger.num_layers > 1 else 0.0)
            self.drop = nn.Dropout(tagger.dropout)
            self.head = nn.Linear(2 * tagger.hidden_size, len(tagger.classes_))

        def forward(self, x, lengths):
            T, B = x.shape[:2]
            valid = torch.arange(T)[:, None] < lengths[None, :]
            spellings, inverse = torch.unique(x[:, :, 1:][valid], dim=0, return_inverse=True)
            n_chars = (spellings != 0).sum(dim=1)
            chars = self.cemb(spellings[:, :int(n_chars.max())].T)
            char_out, (h, _) = self.clstm(pack(chars, n_chars, enforce_sorted=False))
            if not packed:  # the forward direction's state at each word's last character
                k = h.shape[2]
                h = torch.stack([char_out[n_chars - 1, torch.arange(len(n_chars)), :k], char_out[0, :, k:]])
            char_features = torch.zeros(T, B, h.shape[2] * 2)
            char_features[valid] = torch.cat([h[0], h[1]], dim=1)[inverse]
            tokens = self.drop(torch.cat([self.wemb(x[:, :, 0] * valid), char_features], dim=2))
            out, _ = self.lstm(pack(tokens, lengths, enforce_sorted=False))
            if packed:
                out, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=T)
            return self.head(self.drop(out))

    return Tagger()


def speed_peer(peer, n_sentences, rounds):
    """Time ``rounds`` training epochs of one peer in this process (after a warm-up epoch); returns seconds."""
    import numba

    from numbarnn.training import Adam, train
    from numbarnn.training.losses import CrossEntropy
    from numbarnn.training.loop import slice_batch
    tr = datasets.ud_english_ewt("train")
    sents, tags = tr.sentences[:n_sentences], tr.tags[:n_sentences]
    tagger = numbarnn.SequenceTagger(random_state=0, epochs=1, validation_fraction=0).fit(sents, tags)
    x, lengths = tagger._encode(sents)
    y = tagger._targets(sents, tags, "tags")
    data = (x, y, lengths, None)
    batch_size = tagger.batch_size
    order = length_batches(lengths, batch_size, 0)
    if peer == "numbarnn":
        def epoch():
            train(tagger.model_, CrossEntropy(), Adam(tagger.learning_rate), data, epochs=1,
                  clip_norm=tagger.clip_norm, batch_size=batch_size, batches=lambda rng: order)
    else:
        import torch
        torch.set_num_threads(numba.get_num_threads())
        model = _torch_model(torch, tagger, packed=peer == "torch")
        opt = torch.optim.Adam(model.parameters(), lr=tagger.learning_rate)
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-1)
        batches = []
        for idx in order:
            xb, yb, lb, _ = slice_batch(data, idx, trim=True)
            batches.append((torch.from_numpy(xb.astype(np.int64)), torch.from_numpy(yb[:, :, 0]),
                            torch.from_numpy(lb)))

        def epoch():
            model.train()
            for xb, yb, lb in batches:
                opt.zero_grad()
                logits = model(xb, lb)
                loss = loss_fn(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), tagger.clip_norm)
                opt.step()
    epoch()  # warm-up (compilation, allocator)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    return {"times": times, "tokens": int(lengths.sum()), "batch_size": batch_size,
            "sizes": f"word {tagger.word_dim}, char {tagger.char_dim}/{tagger.char_hidden}, hidden "
                     f"{tagger.hidden_size} x {tagger.num_layers} layers, bidirectional"}


def speed(n_sentences, rounds, turns):
    """Each peer in its own process (two OpenMP runtimes in one process spin against each other), in turns."""
    import numba
    peers = ["numbarnn"] + (["torch", "torch-padded"] if importlib.util.find_spec("torch") else [])
    times = {name: [] for name in peers}
    info = {}
    for _ in range(turns):
        for name in peers:
            out = subprocess.run([sys.executable, __file__, "--speed-peer", name, "--sentences", str(n_sentences),
                                  "--rounds", str(rounds)], check=True, capture_output=True, text=True).stdout
            info = json.loads(out.strip().splitlines()[-1])
            times[name] += info["times"]
    print(f"{cpu_model()}, {os.cpu_count()} logical CPUs, {numba.get_num_threads()} threads; {n_sentences} EWT "
          f"sentences, {info['tokens']} tokens, batches of {info['batch_size']} by length; {info['sizes']}; "
          f"{turns} process(es) per peer in turns, {rounds} epochs each")
    for name, ts in times.items():
        med = float(np.median(ts))
        print(f"  {name:9s} epoch median {med:6.2f} s (min {min(ts):.2f}) = {info['tokens'] / med:8.0f} tokens/s")
    for name in peers[1:]:
        print(f"  numbarnn / {name} epoch time: {np.median(times['numbarnn']) / np.median(times[name]):.2f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accuracy", action="store_true")
    p.add_argument("--genre", action="store_true")
    p.add_argument("--speed", action="store_true")
    p.add_argument("--padding", action="store_true")
    p.add_argument("--lxmls", type=int, metavar="EPOCHS", help="the LxMLS Elman tagger, this many epochs")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--sentences", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3, help="timed epochs per process")
    p.add_argument("--turns", type=int, default=2, help="processes per peer, taken in turns")
    p.add_argument("--speed-peer", choices=["numbarnn", "torch", "torch-padded"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.speed_peer:
        print(json.dumps(speed_peer(args.speed_peer, args.sentences, args.rounds)))
        return
    if not (args.accuracy or args.genre or args.speed or args.padding or args.lxmls):
        args.accuracy = args.genre = args.speed = args.padding = True
        args.lxmls = 5
    print(cpu_model())
    if args.padding:
        padding()
    if args.speed:
        speed(args.sentences, args.rounds, args.turns)
    if args.accuracy:
        accuracy(args.seeds)
    if args.lxmls:
        lxmls(args.lxmls)
    if args.genre:
        genre(args.seeds)


if __name__ == "__main__":
    main()
