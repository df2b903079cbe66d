"""Draw the figures the docs show (``python docs/make_figures.py``; writes next to this file)."""

import pathlib

import numbarnn
from numbarnn import datasets, plotting

HERE = pathlib.Path(__file__).resolve().parent


def backtest_figure():
    y = datasets.co2()[-120:]
    quick = numbarnn.Forecaster(horizon=12, epochs=10, n_models=1, random_state=0)
    bt = numbarnn.backtest(quick, y, start=84, stride=3, retrain=False)
    forecast = quick.fit(y).predict()
    bands = {f"{level:.0%} interval": numbarnn.conformal_interval(bt, forecast, level) for level in (0.8, 0.95)}
    plotting.plot_backtest(y, bt, forecast=forecast, intervals=bands, title="Mauna Loa CO2: backtest and conformal intervals",
                           path=HERE / "backtest.png")


def tangent_figure():
    """The LxMLS picture (docs/lxmls.rst): the loss of one sentence against one recurrent weight of an
    untrained Elman tagger, and the tangent line its hand-written gradient draws."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from numbarnn.nn import TokenModel
    from numbarnn.text import Vocabulary, encode_tokens
    from numbarnn.training import CrossEntropy
    train = datasets.ud_english_ewt("train")
    words = Vocabulary.build(train.sentences, min_freq=2, lower=True)
    tagset = sorted({t for tags in train.tags for t in tags})
    model = TokenModel(len(words), 0, len(tagset), word_dim=50, hidden_size=20, cell="rnn", bidirectional=False,
                       dtype="float64", seed=0)
    x, lengths = encode_tokens(train.sentences[1:2], words)
    gold = np.array([tagset.index(t) for t in train.tags[1]])

    def loss(record=False):
        y, _, tape = model.forward(x, lengths=lengths, record=record)
        value, grad = CrossEntropy()(y[:, 0], gold)
        return value, (model.backward(tape, grad[:, None]) if record else None)

    w = model.params["rnn.weight_hh_l0"]
    w0 = w[0, 0]
    value, grads = loss(record=True)
    slope = grads["rnn.weight_hh_l0"][0, 0]
    offsets = np.linspace(-3, 3, 61)
    curve = []
    for d in offsets:
        w[0, 0] = w0 + d
        curve.append(loss()[0])
    w[0, 0] = w0
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(w0 + offsets, curve, label="loss of one sentence")
    near = np.abs(offsets) <= 0.8
    ax.plot(w0 + offsets[near], value + slope * offsets[near], "--", label="tangent from the gradient")
    ax.plot([w0], [value], "o", color="black")
    ax.set_xlabel("weight_hh_l0[0, 0]")
    ax.set_ylabel("mean cross-entropy")
    ax.set_title("An Elman tagger's loss against one recurrent weight")
    ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "lxmls_tangent.png", dpi=110)
    plt.close(fig)


def attention_figure():
    src, tgt = datasets.dates(20000, seed=0)
    model = numbarnn.Seq2Seq(epochs=3, random_state=0).fit(src, tgt)
    source = "3rd of March 2011"
    target = model.predict([source])[0]
    plotting.plot_attention(model.attention_weights([source])[0], source, target, path=HERE / "attention_dates.png")


if __name__ == "__main__":
    backtest_figure()
    tangent_figure()
    attention_figure()
