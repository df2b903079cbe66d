"""TokenModel (word vectors + character-LSTM word features -> BiLSTM -> head): its hand-written backward
against a one-token-at-a-time NumPy reference, central finite differences and an equivalent torch model."""

import numpy as np
import pytest

import reference as ref
from numbarnn.nn import TokenModel
from numbarnn.nn.token_model import READOUTS


def _batch(rng, T=5, B=3, K=4, words=12, chars=9):
    x = np.zeros((T, B, 1 + K), dtype=np.int64)
    x[:, :, 0] = rng.integers(1, words, (T, B))
    spell = rng.integers(1, K + 1, (T, B))
    for t in range(T):
        for b in range(B):
            x[t, b, 1:1 + spell[t, b]] = rng.integers(1, chars, spell[t, b])
    x[1, 0] = x[3, 1]   # one spelling used twice: its character features are shared
    x[4, 2] = 7         # padding past sentence 2's end holds junk that must be ignored
    return x, np.array([5, 4, 2])


def _model(readout, num_layers=1, cell="lstm", chars=9, dropout=0.0):
    return TokenModel(12, chars, 3, word_dim=3, char_dim=2, char_hidden=2, hidden_size=3, num_layers=num_layers,
                      cell=cell, readout=readout, dtype="float64", dropout=dropout, seed=1)


def _grad_y(rng, y, lengths):
    g = rng.standard_normal(y.shape)
    if y.ndim == 3:  # padded steps carry no loss
        g *= (np.arange(y.shape[0])[:, None] < lengths)[:, :, None]
    return g


@pytest.mark.parametrize("readout", READOUTS)
@pytest.mark.parametrize("cell,num_layers,chars", [("lstm", 1, 9), ("lstm", 2, 9), ("gru", 1, 9), ("lstm", 1, 0)])
def test_matches_the_token_by_token_reference(readout, cell, num_layers, chars):
    rng = np.random.default_rng(0)
    model = _model(readout, num_layers, cell, chars)
    x, lengths = _batch(rng)
    y, _, tape = model.forward(x, lengths=lengths)
    g = _grad_y(rng, y, lengths)
    grads = model.backward(tape, g)
    y_ref, grads_ref = ref.token_model(model.params, x, lengths, readout, num_layers, True, cell, grad_y=g)
    if y.ndim == 3:
        y = y * (np.arange(5)[:, None] < lengths)[:, :, None]
        y_ref = y_ref * (np.arange(5)[:, None] < lengths)[:, :, None]
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-12)
    assert set(grads) - {"state"} == set(grads_ref) == set(model.params)
    for name in grads_ref:
        np.testing.assert_allclose(grads[name], grads_ref[name], rtol=0, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("readout", READOUTS)
def test_gradient_against_finite_differences(readout):
    rng = np.random.default_rng(1)
    model = _model(readout, num_layers=2)
    x, lengths = _batch(rng)
    y, _, tape = model.forward(x, lengths=lengths)
    g = _grad_y(rng, y, lengths)
    grads = model.backward(tape, g)
    eps = 1e-6
    for name, p in model.params.items():
        flat = p.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 12)):
            old = flat[i]
            flat[i] = old + eps
            up = float((model.forward(x, lengths=lengths, record=False)[0] * g).sum())
            flat[i] = old - eps
            down = float((model.forward(x, lengths=lengths, record=False)[0] * g).sum())
            flat[i] = old
            assert grads[name].reshape(-1)[i] == pytest.approx((up - down) / (2 * eps), abs=1e-7), name


def test_dropout_only_while_training_and_its_gradient():
    rng = np.random.default_rng(2)
    model = _model("timestep", num_layers=2, dropout=0.5)
    x, lengths = _batch(rng)
    a = model.forward(x, lengths=lengths, record=False)[0]
    b = model.forward(x, lengths=lengths, record=False)[0]
    np.testing.assert_array_equal(a, b)
    y, _, tape = model.forward(x, lengths=lengths)
    assert not np.allclose(y, a)
    g = _grad_y(rng, y, lengths)
    grads = model.backward(tape, g)
    # with the masks of this tape held fixed the loss is a smooth function of the head's weights
    features = tape[7]
    np.testing.assert_allclose(grads["head.weight"], g.reshape(-1, 3).T @ features.reshape(-1, features.shape[-1]))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    model = _model("timestep", num_layers=2)
    x, lengths = _batch(rng)
    y, _, tape = model.forward(x, lengths=lengths)
    g = _grad_y(rng, y, lengths)
    grads = model.backward(tape, g)

    P = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    char = torch.nn.LSTM(2, 2, bidirectional=True).double()
    word = torch.nn.LSTM(3 + 4, 3, num_layers=2, bidirectional=True).double()
    for net, prefix in ((char, "char_rnn."), (word, "rnn.")):
        for name in dict(net.named_parameters()):
            delattr(net, name)
            setattr(net, name, P[prefix + name])
    T, B = x.shape[:2]
    valid = np.arange(T)[:, None] < lengths[None, :]
    tokens = [(t, b) for t, b in zip(*np.nonzero(valid))]
    spellings = [x[t, b, 1:][x[t, b, 1:] != 0] for t, b in tokens]
    padded = torch.nn.utils.rnn.pad_sequence([P["char_embedding.weight"][torch.tensor(s)] for s in spellings])
    packed = torch.nn.utils.rnn.pack_padded_sequence(padded, [len(s) for s in spellings], enforce_sorted=False)
    _, (h_n, _) = char(packed)
    char_features = torch.cat([h_n[0], h_n[1]], dim=1)
    rows = []
    for t in range(T):
        row = []
        for b in range(B):
            if valid[t, b]:
                k = tokens.index((t, b))
                row.append(torch.cat([P["word_embedding.weight"][int(x[t, b, 0])], char_features[k]]))
            else:
                row.append(torch.zeros(3 + 4, dtype=torch.float64))
        rows.append(torch.stack(row))
    feats = torch.stack(rows)
    packed = torch.nn.utils.rnn.pack_padded_sequence(feats, torch.tensor(lengths), enforce_sorted=False)
    out, _ = word(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    ty = out @ P["head.weight"].T + P["head.bias"]
    (ty * torch.tensor(g)).sum().backward()
    mask = valid[:, :, None]
    np.testing.assert_allclose(y * mask, ty.detach().numpy() * mask, rtol=0, atol=1e-12)
    for name, p in P.items():
        expected = p.grad.numpy().copy()
        if name == "word_embedding.weight":
            expected[0] = 0
        np.testing.assert_allclose(grads[name], expected, rtol=0, atol=1e-12, err_msg=name)


def test_word_dropout_reads_unknown_while_training_only():
    from numbarnn.nn.token_model import UNK_INDEX
    rng = np.random.default_rng(4)
    model = TokenModel(12, 0, 3, word_dim=3, hidden_size=3, word_dropout=0.5, dtype="float64", seed=0)
    x, lengths = _batch(rng)
    a, _, _ = model.forward(x, lengths=lengths, record=False)
    np.testing.assert_array_equal(a, model.forward(x, lengths=lengths, record=False)[0])
    _, _, tape = model.forward(x, lengths=lengths)
    words = tape[0]
    valid = np.arange(5)[:, None] < lengths
    dropped = valid & (words != x[:, :, 0])
    assert 0 < dropped.sum() < valid.sum() and (words[dropped] == UNK_INDEX).all()
    grads = model.backward(tape, np.ones((5, 3, 3)) * valid[:, :, None])
    assert grads["word_embedding.weight"][UNK_INDEX].any()
    with pytest.raises(ValueError, match="word_dropout must be a probability"):
        TokenModel(12, 0, 3, word_dropout=1.0)
