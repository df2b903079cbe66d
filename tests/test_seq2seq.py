"""Seq2Seq: learns tasks with known answers, decodes greedily and with a beam, saves and loads, refuses bad input."""

import numpy as np
import pytest

import numbarnn
from numbarnn.datasets import reverse, sort_symbols
from numbarnn.estimators import NotFittedError

SMALL = dict(embedding_dim=8, hidden_size=32, epochs=25, random_state=0)


@pytest.fixture(scope="module")
def reverser():
    src, tgt = reverse(1200, 2, 5, alphabet="abcde", seed=0)
    return numbarnn.Seq2Seq(**SMALL).fit(src, tgt)


def test_learns_to_reverse_and_attends_to_the_mirrored_position(reverser):
    src, tgt = reverse(300, 2, 5, alphabet="abcde", seed=1)
    assert reverser.score(src, tgt) > 0.95
    assert reverser.predict(src[:40], strategy="beam", beam_width=1) == reverser.predict(src[:40])
    beam = reverser.predict(src, strategy="beam", beam_width=4)
    assert np.mean([b == t for b, t in zip(beam, tgt)]) > 0.95
    hits = []
    for w, s in zip(reverser.attention_weights(src[:50]), src[:50]):
        n = len(s)
        assert w.shape == (n + 1, n)
        np.testing.assert_allclose(w.sum(axis=1), 1, atol=1e-5)
        hits += [a == n - 1 - i for i, a in enumerate(w[:n].argmax(axis=1))]
    assert np.mean(hits) > 0.8          # output i looks mostly at source position n - 1 - i
    assert reverser.history_.val_error.values[-1] < reverser.history_.val_error.values[0]


def test_round_trips_through_a_model_file(reverser, tmp_path):
    reverser.save(tmp_path / "s2s.nc")
    back = numbarnn.load(tmp_path / "s2s.nc")
    src = reverse(50, 2, 5, alphabet="abcde", seed=2)[0]
    assert isinstance(back, numbarnn.Seq2Seq) and back.predict(src) == reverser.predict(src)


def test_token_lists_and_no_attention():
    src, tgt = sort_symbols(800, 2, 4, alphabet="abcd", seed=0)
    src = [list(s) for s in src]
    tgt = [list(t) for t in tgt]
    model = numbarnn.Seq2Seq(attention="none", **SMALL).fit(src, tgt)
    out = model.predict([["d", "a", "c"]])
    assert isinstance(out[0], list) and all(isinstance(t, str) for t in out[0])
    assert model.score(src[:200], tgt[:200]) > 0.8
    with pytest.raises(ValueError, match="no attention weights"):
        model.attention_weights([["a", "b"]])


def test_bad_input_is_named_and_leaves_nothing_fitted():
    model = numbarnn.Seq2Seq(epochs=1, hidden_size=4, embedding_dim=2)
    with pytest.raises(NotFittedError):
        model.predict(["ab"])
    for (s, t), err, match in [(("ab", ["b"]), TypeError, "sources must be a list"),
                               ((["ab", "c"], ["ba"]), ValueError, "targets has 1 sequences for 2 sources"),
                               ((["ab", ""], ["ba", "x"]), ValueError, r"sources\[1\] is empty"),
                               ((["ab", ["c"]], ["ba", "c"]), TypeError,
                                r"sources\[1\] is list but sources\[0\] is str"),
                               (([["a", 3]], [["b"]]), TypeError, r"sources\[0\] holds a token that is not")]:
        with pytest.raises(err, match=match):
            model.fit(s, t)
        with pytest.raises(NotFittedError):
            model.predict(["ab"])
    model.fit(["ab", "ba"] * 10, ["ba", "ab"] * 10)
    with pytest.raises(ValueError, match="strategy"):
        model.predict(["ab"], strategy="sample")
    for params, match in [(dict(attention="luong"), "attention"), (dict(scheduled_sampling=1.5), "scheduled_sampling"),
                          (dict(max_length=0), "max_length")]:
        with pytest.raises(ValueError, match=match):
            numbarnn.Seq2Seq(**params).fit(["ab"], ["ba"])
