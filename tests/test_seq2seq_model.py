"""The encoder-decoder's composed backward against central finite differences in float64."""

import numpy as np
import pytest

from numbarnn.nn import Seq2SeqModel


def _batch():
    x = np.zeros((5, 3, 2), dtype=np.int64)
    x[:4, 0, 0], x[:5, 1, 0], x[:2, 2, 0] = [3, 4, 5, 4], [5, 5, 3, 6, 4], [6, 3]
    x[:3, 0, 1], x[:5, 1, 1], x[:2, 2, 1] = [2, 3, 4], [2, 4, 4, 3, 1], [2, 1]
    return x


@pytest.mark.parametrize("cell, attention, bidirectional, layers", [
    ("lstm", "additive", False, 1), ("gru", "general", True, 2), ("lstm", "dot", True, 1), ("rnn", None, False, 2),
    ("gru", "additive", True, 1)])
def test_gradients_against_finite_differences(cell, attention, bidirectional, layers):
    model = Seq2SeqModel(7, 5, embedding_dim=3, hidden_size=4, num_layers=layers, cell=cell,
                         bidirectional=bidirectional, attention=attention, dtype="float64", seed=1)
    x = _batch()
    valid = (np.arange(5)[:, None] < (x[:, :, 1] != 0).sum(axis=0)[None, :])
    G = np.random.default_rng(0).standard_normal((5, 3, 5)) * valid[:, :, None]

    def loss():
        return float((model.forward(x, record=False)[0] * G).sum())

    logits, _, tape = model.forward(x)
    grads = model.backward(tape, G)
    rng = np.random.default_rng(1)
    eps = 1e-6
    for name, p in model.params.items():
        flat = p.reshape(-1)
        for i in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            old = flat[i]
            flat[i] = old + eps
            up = loss()
            flat[i] = old - eps
            down = loss()
            flat[i] = old
            assert grads[name].reshape(-1)[i] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8), name
    assert np.all(grads["src_embedding.weight"][0] == 0) and np.all(grads["tgt_embedding.weight"][0] == 0)


def test_scheduled_sampling_feeds_predictions_only_while_training():
    x = _batch()
    plain = Seq2SeqModel(7, 5, embedding_dim=3, hidden_size=4, seed=0, dtype="float64")
    mixed = Seq2SeqModel(7, 5, embedding_dim=3, hidden_size=4, seed=0, dtype="float64", scheduled_sampling=1.0)
    np.testing.assert_array_equal(plain.forward(x, record=False)[0], mixed.forward(x, record=False)[0])
    assert not np.array_equal(plain.forward(x)[0], mixed.forward(x)[0])
    with pytest.raises(ValueError, match="scheduled_sampling must be a probability"):
        Seq2SeqModel(3, 3, scheduled_sampling=2)
