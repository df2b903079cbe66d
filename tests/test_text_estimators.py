"""SequenceTagger and TextClassifier: they learn toy grammars exactly, round-trip through model files,
and reject bad input clearly without leaving anything half-fitted."""

import numpy as np
import pytest

import numbarnn
from numbarnn.estimators import NotFittedError
from numbarnn.text import Vocabulary, encode_tokens
from numbarnn.text.encode import spelling

SMALL = dict(word_dim=8, char_dim=6, char_hidden=6, hidden_size=12, batch_size=8, validation_fraction=0,
             random_state=0)

NOUNS = ["dog", "cat", "fly", "bird", "fish"]
VERBS = ["runs", "flies", "sees", "eats", "fly"]


def _grammar(n, seed):
    """DET (ADJ) NOUN VERB (DET NOUN): "fly" is a noun after a determiner or adjective, a verb after a noun."""
    rng = np.random.default_rng(seed)
    sents, tags = [], []
    for _ in range(n):
        s, t = [str(rng.choice(["the", "a"]))], ["DET"]
        if rng.random() < 0.5:
            s.append(str(rng.choice(["big", "red"])))
            t.append("ADJ")
        s += [str(rng.choice(NOUNS)), str(rng.choice(VERBS))]
        t += ["NOUN", "VERB"]
        if rng.random() < 0.5:
            s += [str(rng.choice(["the", "a"])), str(rng.choice(NOUNS))]
            t += ["DET", "NOUN"]
        sents.append(s)
        tags.append(t)
    return sents, tags


def test_tagger_learns_a_toy_grammar_perfectly():
    sents, tags = _grammar(300, 0)
    tagger = numbarnn.SequenceTagger(epochs=30, **SMALL).fit(sents, tags)
    test_s, test_t = _grammar(100, 1)
    assert tagger.score(test_s, test_t) == 1.0
    assert tagger.predict([["the", "fly", "fly"], ["a", "dog", "fly"]]) == [["DET", "NOUN", "VERB"],
                                                                            ["DET", "NOUN", "VERB"]]
    proba = tagger.predict_proba([["the", "fly", "fly"]])[0]
    assert proba.shape == (3, 4) and np.allclose(proba.sum(axis=1), 1)
    assert tagger.classes_.tolist() == ["ADJ", "DET", "NOUN", "VERB"]
    assert tagger.history_.sizes["epoch"] >= 1


def test_unknown_words_are_tagged_by_their_spelling():
    # nouns end in -ness, verbs in -ize; test words are new
    rng = np.random.default_rng(0)
    stems = ["".join(rng.choice(list("bcdfglmprst"), 3)) for _ in range(60)]
    sents = [[f"{a}ness", f"{b}ize"] if k % 2 else [f"{b}ize", f"{a}ness"]
             for k, (a, b) in enumerate(zip(stems[:40], stems[1:41]))] * 4
    tags = [["NOUN", "VERB"] if s[0].endswith("ness") else ["VERB", "NOUN"] for s in sents]
    tagger = numbarnn.SequenceTagger(epochs=40, **SMALL).fit(sents, tags)
    new = [["zzkness", "qqvize"], ["wwxize", "kkrness"]]
    assert tagger.predict(new) == [["NOUN", "VERB"], ["VERB", "NOUN"]]


def test_tagger_round_trips_through_a_model_file(tmp_path):
    sents, tags = _grammar(60, 2)
    tagger = numbarnn.SequenceTagger(epochs=3, **SMALL).fit(sents, tags)
    path = tmp_path / "tagger.nc"
    tagger.save(path)
    back = numbarnn.load(path)
    assert isinstance(back, numbarnn.SequenceTagger) and back.get_params() == tagger.get_params()
    assert back.words_ == tagger.words_ and back.chars_ == tagger.chars_
    probe = [["a", "big", "zebra", "sees"], ["the", "fish"]]
    assert back.predict(probe) == tagger.predict(probe)
    np.testing.assert_array_equal(back.predict_proba(probe)[0], tagger.predict_proba(probe)[0])


@pytest.mark.parametrize("readout", ["mean", "final"])
def test_text_classifier_learns_negation(readout):
    rng = np.random.default_rng(0)
    words = ["good", "fine", "nice", "film", "plot", "it", "was", "very"]
    sents, labels = [], []
    for _ in range(240):
        s = [str(w) for w in rng.choice(words, rng.integers(2, 6))]
        neg = rng.random() < 0.5
        if neg:
            s.insert(int(rng.integers(0, len(s) + 1)), "not")
        sents.append(s)
        labels.append("neg" if neg else "pos")
    clf = numbarnn.TextClassifier(epochs=25, readout=readout, min_freq=1, **SMALL).fit(sents, labels)
    assert clf.score(sents, labels) == 1.0
    assert clf.predict([["not", "good"], ["very", "good"]]).tolist() == ["neg", "pos"]
    assert clf.predict_proba([["film"]]).shape == (1, 2)


def test_validation_split_and_explicit_validation():
    sents, tags = _grammar(80, 3)
    kw = dict(SMALL, validation_fraction=0.25)
    a = numbarnn.SequenceTagger(epochs=2, **kw).fit(sents, tags)
    assert np.isfinite(a.history_.val_loss.values).all()
    b = numbarnn.SequenceTagger(epochs=2, **SMALL).fit(sents, tags, validation=_grammar(20, 4))
    assert np.isfinite(b.history_.val_loss.values).all()
    with pytest.raises(ValueError, match=r"validation\[1\] holds labels .* not fitted on: \['X'\]"):
        numbarnn.SequenceTagger(epochs=1, **SMALL).fit(sents, tags, validation=([["the"]], [["X"]]))


def test_bad_input_is_named_and_leaves_nothing_half_fitted():
    sents, tags = _grammar(20, 5)
    tagger = numbarnn.SequenceTagger(epochs=1, **SMALL)
    with pytest.raises(NotFittedError):
        tagger.predict(sents)
    tagger.fit(sents, tags)
    bad = [
        (([["the", "dog"], []], [["DET", "NOUN"], []]), ValueError, r"sentences\[1\] is an empty sentence"),
        ((sents, tags[:-1]), ValueError, "19 tag lists for 20 sentences"),
        (([["the", "dog"]], [["DET"]]), ValueError, r"tags\[0\] has 1 tags for the 2 tokens"),
        (([["the", 3]], [["DET", "NOUN"]]), TypeError, r"sentences\[0\]\[1\] is int 3; tokens must be strings"),
        (("the dog", [["DET"]]), TypeError, "sentences must be a list of sentences, each a list of string"),
        ((["the", "dog"], [["DET"], ["NOUN"]]), TypeError, r"sentences\[0\] must be a sequence of tokens"),
        (([["the", "dog"]], ["DET NOUN"]), TypeError, r"tags\[0\] is a string"),
        (([["the", ""]], [["DET", "NOUN"]]), ValueError, r"sentences\[0\]\[1\] is an empty string"),
    ]
    for (s, t), err, match in bad:
        with pytest.raises(err, match=match):
            tagger.fit(s, t)
        with pytest.raises(NotFittedError):   # the failed fit left no half-fitted model behind
            tagger.predict([["the"]])
        tagger.fit(sents, tags)
    with pytest.raises(ValueError, match=r"tags holds labels .* not fitted on: \['XYZ'\]; it knows"):
        tagger.score([["the", "dog"]], [["DET", "XYZ"]])
    with pytest.raises(TypeError, match=r"sentences\[0\]\[0\] is float"):
        tagger.predict([[1.5]])
    with pytest.raises(ValueError, match="sentences is empty"):
        tagger.predict([])
    for params, match in [(dict(char_dim=0), "set both to 0"), (dict(dropout=1.0), "dropout must be"),
                          (dict(hidden_size=0), "hidden_size"), (dict(char_hidden=-1), "char_hidden must be")]:
        with pytest.raises(ValueError, match=match):
            numbarnn.SequenceTagger(**params).fit(sents, tags)
    clf = numbarnn.TextClassifier(readout="max")
    with pytest.raises(ValueError, match="readout"):
        clf.fit(sents, ["a"] * 20)
    with pytest.raises(ValueError, match="3 labels for 20 sentences"):
        numbarnn.TextClassifier(**SMALL).fit(sents, ["a", "b", "c"])


def test_encode_tokens_keeps_prefix_and_suffix_of_long_words():
    assert spelling("internationalisation", 8) == "intetion"
    assert spelling("cat", 8) == "cat"
    sents = [["https://example.org/a/very/long/path", "ok"]]
    words, chars = Vocabulary.build(sents), Vocabulary.characters(sents)
    x, lengths = encode_tokens(sents, words, chars, max_chars=10)
    assert x.shape == (2, 1, 11) and x.dtype == np.int32 and lengths.tolist() == [2]
    assert chars.decode(x[0, 0, 1:]) == list("httpspath")[:5] + list("/path")
    assert x[1, 0, 3:].tolist() == [0] * 8
    x, _ = encode_tokens(sents, words)
    assert x.shape == (2, 1, 1)
