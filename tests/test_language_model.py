"""LanguageModel: truncated BPTT over parallel streams, bits per symbol, generation, files, bad input."""

import math

import numpy as np
import pytest

import numbarnn
from numbarnn.estimators import NotFittedError
from numbarnn.estimators import language_model as lm_module

SMALL = dict(embedding_dim=8, hidden_size=24, bptt=16, batch_size=4, random_state=0)
VERSES = ["and god said let there be light", "and there was light", "and god saw the light that it was good",
          "and god divided the light from the darkness"] * 6


def test_streams_read_the_text_in_order():
    ids = np.arange(23)
    x, y = lm_module._streams(ids, 4)
    assert x.shape == (5, 4, 1)
    np.testing.assert_array_equal(x[:, 1, 0], [5, 6, 7, 8, 9])
    np.testing.assert_array_equal(y[:, :, 0], x[:, :, 0] + 1)


def test_learns_a_deterministic_sequence_and_continues_it():
    lm = numbarnn.LanguageModel(epochs=40, validation_fraction=0, **SMALL).fit("abcde" * 200)
    assert lm.bits_per_symbol("abcde" * 20) < 0.05
    assert lm.generate("cd", max_length=8, strategy="greedy") == "eabcdeab"
    assert lm.generate(["a", "de"], max_length=3, strategy="beam", beam_width=3) == ["bcd", "abc"]
    samples = lm.generate("ab", max_length=5, strategy="sample", temperature=0.5, random_state=0)
    assert samples == "cdeab"


def test_score_carries_the_state_across_windows(monkeypatch):
    lm = numbarnn.LanguageModel(epochs=3, validation_fraction=0, **SMALL).fit(VERSES)
    text = " ".join(VERSES[:3])
    whole = lm.bits_per_symbol(text)
    monkeypatch.setattr(lm_module, "SCORE_WINDOW", 7)
    assert lm.bits_per_symbol(text) == pytest.approx(whole, rel=1e-6)
    assert lm.score(text) == pytest.approx(-whole, rel=1e-6)
    assert lm.perplexity(text) == pytest.approx(2 ** whole, rel=1e-6)
    # Scored by hand: the decoder's probabilities of each next character, summed.
    dec = lm.decoder()
    ids = np.array([lm.vocab_.index(c) for c in text])
    log_probs, state = dec.prime(ids[:1, None])
    total = -log_probs[0, ids[1]]
    for k in range(1, len(ids) - 1):
        log_probs, state = dec.step(ids[k:k + 1], state)
        total -= log_probs[0, ids[k + 1]]
    assert total / (len(ids) - 1) / math.log(2) == pytest.approx(whole, rel=1e-4)


def test_validation_is_the_end_of_the_text_and_early_stopping_keeps_the_best():
    text = "abcabcabc" * 100 + "xyz" * 50   # 1,051 symbols with the <eos>: the last 158 held out
    lm = numbarnn.LanguageModel(epochs=6, patience=1, validation_fraction=0.15, **SMALL).fit(text)
    assert "x" not in lm.vocab_            # the held-out end was never trained on
    hist = lm.history_
    assert hist.sizes["epoch"] <= 6 and np.isfinite(hist.val_loss.values).all()


def test_word_level_round_trips_through_a_file(tmp_path):
    lm = numbarnn.LanguageModel(level="word", epochs=30, validation_fraction=0, **SMALL)
    lm.fit(["the cat sat on the mat"] * 30)
    assert lm.generate("the cat", max_length=5, strategy="greedy") == "sat on the mat"
    path = tmp_path / "lm.nc"
    lm.save(path)
    back = numbarnn.load(path)
    assert isinstance(back, numbarnn.LanguageModel) and back.vocab_ == lm.vocab_
    assert back.bits_per_symbol("the cat sat") == lm.bits_per_symbol("the cat sat")
    assert back.generate("the", max_length=4, strategy="greedy") == lm.generate("the", max_length=4,
                                                                                strategy="greedy")


def test_bad_input_is_named_and_leaves_nothing_fitted():
    lm = numbarnn.LanguageModel(epochs=1, validation_fraction=0, **SMALL)
    with pytest.raises(NotFittedError):
        lm.generate("a")
    for text, err, match in [(42, TypeError, "text must be a string or a list of strings"),
                             (["ok", 3], TypeError, r"text\[1\] is int"),
                             ("abc", ValueError, "too few for batch_size=4")]:
        with pytest.raises(err, match=match):
            lm.fit(text)
        with pytest.raises(NotFittedError):
            lm.score("abc")
    lm.fit("abcd" * 50)
    with pytest.raises(ValueError, match="strategy must be one of"):
        lm.generate("a", strategy="nucleus")
    with pytest.raises(ValueError, match="scoring needs at least 2"):
        lm.bits_per_symbol("a")
    with pytest.raises(TypeError, match=r"prompt\[0\] is int"):
        lm.generate([5])
    for params, match in [(dict(level="byte"), "level"), (dict(bptt=0), "bptt"), (dict(dropout=1), "dropout")]:
        with pytest.raises(ValueError, match=match):
            numbarnn.LanguageModel(**params).fit("abcd" * 100)


def _window_losses(monkeypatch):
    """Record the mean loss of every window that dynamic evaluation scores."""
    seen = []

    class Recording(lm_module.CrossEntropy):
        def __call__(self, pred, target, weight=None):
            value, grad = super().__call__(pred, target, weight)
            seen.append(value)
            return value, grad

    monkeypatch.setattr(lm_module, "CrossEntropy", Recording)
    return seen


def test_dynamic_evaluation_predicts_each_symbol_from_the_past_only(monkeypatch):
    lm = numbarnn.LanguageModel(epochs=3, validation_fraction=0, adapt_window=8, adapt_rate=0.05,
                                **SMALL).fit(VERSES)
    before = {k: v.copy() for k, v in lm.model_.params.items()}
    seen = _window_losses(monkeypatch)
    past = "and god said let there be light and"      # 36 symbols: 35 predicted, the 5th window ends inside it
    first = lm.bits_per_symbol(past + " there was light", adapt=True)
    a = list(seen)
    seen.clear()
    second = lm.bits_per_symbol(past + " god saw the dark", adapt=True)
    b = list(seen)
    assert len(a) == len(b) == 7
    assert a[:4] == b[:4]                          # windows wholly inside the shared past: the same bits
    assert a[4:] != b[4:] and first != second
    for name, value in lm.model_.params.items():   # the fitted model is never changed by scoring
        np.testing.assert_array_equal(value, before[name])
    # The first window is scored by the fitted model itself.
    monkeypatch.undo()
    assert a[0] / math.log(2) == pytest.approx(lm.bits_per_symbol(past[:9]), rel=1e-6)


def test_dynamic_evaluation_follows_a_text_unlike_the_training_text():
    lm = numbarnn.LanguageModel(epochs=20, validation_fraction=0, **SMALL).fit("abcde" * 200)
    new = "aebdc" * 60
    static = lm.bits_per_symbol(new)                 # 4.4 bits: the model expects "abcde"
    lm.set_params(adapt_rate=0.3, adapt_window=10)   # scoring settings: no refit needed
    assert lm.bits_per_symbol(new, adapt=True) < 0.5 * static
    assert lm.perplexity(new, adapt=True) == pytest.approx(2 ** lm.bits_per_symbol(new, adapt=True))
    assert lm.bits_per_symbol(new) == static


def test_dynamic_evaluation_settings_are_checked():
    for params, match in [(dict(adapt_rate=0), "adapt_rate must be a positive number"),
                          (dict(adapt_rate=float("nan")), "adapt_rate"), (dict(adapt_window=0), "adapt_window")]:
        with pytest.raises(ValueError, match=match):
            numbarnn.LanguageModel(**params).fit("abcd" * 100)
    lm = numbarnn.LanguageModel(epochs=1, validation_fraction=0, **SMALL).fit("abcd" * 50)
    lm.set_params(adapt_rate=-1.0)
    with pytest.raises(ValueError, match="adapt_rate must be a positive number"):
        lm.bits_per_symbol("abcd", adapt=True)
    assert lm.bits_per_symbol("abcd") > 0     # the static score needs neither setting
