"""Decoding is right, not just plausible: beam search against brute force and greedy, sampling
frequencies against the model's softmax, stochastic beam search against sampling without replacement."""

import itertools

import numpy as np
import pytest
from scipy import stats

from numbarnn.decoding import (RecurrentDecoder, beam_search, decode, filtered_log_probs, greedy, sample,
                               stochastic_beam_search)
from numbarnn.nn import GRU, LSTM, Embedding, Linear

EOS = 0


def _decoder(V=3, cell=GRU, seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    head = Linear(4, V, "float64", rng)
    head.params["weight"] *= scale        # peaked enough that the search matters
    return RecurrentDecoder(Embedding(V, 3, dtype="float64", seed=seed), cell(3, 4, dtype="float64", seed=seed), head)


def _start(dec, prompts):
    """``(log_probs, state)`` after each prompt (lists of symbols of any length)."""
    T = max(len(p) for p in prompts)
    arr = np.zeros((T, len(prompts)), dtype=np.int64)
    for b, p in enumerate(prompts):
        arr[:len(p), b] = p
    return dec.prime(arr, lengths=[len(p) for p in prompts])


def _all_sequences(dec, prompt, max_length, eos=EOS):
    """Every sequence the searches can return for one prompt, with its exact log-probability."""
    V = dec.head.params["bias"].shape[0]
    out = {}
    for n in range(1, max_length + 1):
        for seq in itertools.product(range(V), repeat=n):
            if eos in seq[:-1] or (n < max_length and seq[-1] != eos):
                continue
            lp, state = _start(dec, [prompt])
            total = 0.0
            for k, v in enumerate(seq):
                total += lp[0, v]
                if k < n - 1:
                    lp, state = dec.step(np.array([v]), state)
            out[seq] = total
    return out


def test_prime_equals_stepping_and_steps_equal_the_network():
    dec = _decoder(cell=LSTM)
    lp, state = _start(dec, [[1, 2, 1], [2]])
    lp1, s1 = _start(dec, [[1]])
    for v in (2, 1):
        lp1, s1 = dec.step(np.array([v]), s1)
    np.testing.assert_allclose(lp1[0], lp[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s1[0][:, 0], state[0][:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_a_bidirectional_network_cannot_decode():
    with pytest.raises(ValueError, match="one-directional"):
        RecurrentDecoder(Embedding(3, 2, seed=0), GRU(2, 3, bidirectional=True), Linear(6, 3, "float32",
                                                                                          np.random.default_rng(0)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_width_one_is_greedy(seed):
    dec = _decoder(V=5, seed=seed, scale=1.0)
    prompts = [[1], [2, 3], [4, 1, 1], [3]]
    g = greedy(dec, *_start(dec, prompts), max_length=8, eos=EOS)
    b = beam_search(dec, *_start(dec, prompts), max_length=8, beam_width=1, eos=EOS)
    np.testing.assert_array_equal(b.tokens, g.tokens)
    np.testing.assert_array_equal(b.lengths, g.lengths)
    np.testing.assert_allclose(b.log_probs, g.log_probs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 3])
def test_wide_beam_finds_the_most_likely_sequences_exactly(seed):
    dec = _decoder(V=3, seed=seed)
    prompt = [1, 2]
    exact = _all_sequences(dec, prompt, max_length=4)
    ranked = sorted(exact.items(), key=lambda e: -e[1])
    out = beam_search(dec, *_start(dec, [prompt]), max_length=4, beam_width=len(exact), eos=EOS)
    assert np.isclose(np.logaddexp.reduce(list(exact.values())), 0.0)      # a distribution over sequences
    found = [tuple(out.tokens[0, k, :out.lengths[0, k]].tolist()) for k in range(len(exact))]
    assert found[0] == ranked[0][0]
    np.testing.assert_allclose(out.log_probs[0], [lp for _, lp in ranked], rtol=0, atol=1e-12)
    assert sorted(found) == sorted(exact)
    # Narrower beams still return sequences that exist, with their exact log-probabilities, best first.
    narrow = beam_search(dec, *_start(dec, [prompt]), max_length=4, beam_width=3, eos=EOS)
    for k in range(3):
        seq = tuple(narrow.tokens[0, k, :narrow.lengths[0, k]].tolist())
        assert np.isclose(narrow.log_probs[0, k], exact[seq], rtol=0, atol=1e-12)
    assert np.all(np.diff(narrow.scores[0]) <= 0)


def test_length_penalty_ranks_by_normalised_log_probability():
    dec = _decoder(V=3, seed=1)
    out = beam_search(dec, *_start(dec, [[1]]), max_length=5, beam_width=6, eos=EOS, length_penalty=1.0)
    np.testing.assert_allclose(out.scores[0], out.log_probs[0] / out.lengths[0], rtol=0, atol=1e-12)
    assert np.all(np.diff(out.scores[0]) <= 0)


@pytest.mark.parametrize("options", [dict(), dict(temperature=0.5), dict(temperature=2.0), dict(top_k=3),
                                     dict(top_p=0.7), dict(top_k=4, top_p=0.9, temperature=1.5)])
def test_sampling_frequencies_match_the_softmax(options):
    dec = _decoder(V=6, seed=4, scale=1.0)
    lp, state = _start(dec, [[2, 5]])
    expected = np.exp(filtered_log_probs(lp, **options))[0]
    n = 20000
    out = sample(dec, lp, state, max_length=1, num_samples=n, random_state=0, **options)
    counts = np.bincount(out.tokens[0, :, 0], minlength=6)
    assert np.all(counts[expected == 0] == 0)
    keep = expected > 0
    assert stats.chisquare(counts[keep], n * expected[keep]).pvalue > 1e-3


def test_sampled_sequences_follow_the_model_step_by_step():
    dec = _decoder(V=3, seed=2, scale=1.0)
    exact = _all_sequences(dec, [1], max_length=3)
    n = 20000
    out = sample(dec, *_start(dec, [[1]]), max_length=3, eos=EOS, num_samples=n, random_state=1)
    seqs = [tuple(out.tokens[0, k, :out.lengths[0, k]].tolist()) for k in range(n)]
    keys = sorted(exact)
    counts = np.array([seqs.count(s) for s in keys])
    assert counts.sum() == n
    assert stats.chisquare(counts, n * np.exp([exact[s] for s in keys])).pvalue > 1e-3
    for k in range(20):   # the reported log-probability is the model's, unfiltered
        assert np.isclose(out.log_probs[0, k], exact[seqs[k]], rtol=0, atol=1e-12)


def _inclusion_without_replacement(p, k):
    """Exact P(i among k draws without replacement, each draw proportional to what is left)."""
    incl = np.zeros(len(p))
    for order in itertools.permutations(range(len(p)), k):
        prob, left = 1.0, 1.0
        for i in order:
            prob *= p[i] / left
            left -= p[i]
        incl[list(order)] += prob
    return incl


def test_stochastic_beam_search_samples_without_replacement():
    dec = _decoder(V=3, seed=5, scale=1.0)
    exact = _all_sequences(dec, [2], max_length=3)
    keys = sorted(exact)
    p = np.exp([exact[s] for s in keys])
    k, n = 3, 4000
    lp, state = _start(dec, [[2]] * n)           # n independent searches, batched as prompts
    out = stochastic_beam_search(dec, lp, state, max_length=3, beam_width=k, eos=EOS, random_state=0)
    hits = np.zeros(len(keys))
    for row in range(n):
        found = {tuple(out.tokens[row, j, :out.lengths[row, j]].tolist()) for j in range(k)}
        assert len(found) == k                    # distinct sequences
        hits += [s in found for s in keys]
        assert np.all(np.diff(out.scores[row]) <= 0)
    expected = _inclusion_without_replacement(p, k)
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(hits / n - expected) < 4.5 * se + 1e-9), (hits / n, expected)
    np.testing.assert_allclose(out.log_probs[0], [exact[tuple(out.tokens[0, j, :out.lengths[0, j]].tolist())]
                                                  for j in range(k)], rtol=0, atol=1e-12)


def test_seeded_and_batched():
    dec = _decoder(V=5, seed=6, scale=1.0)
    prompts = [[1], [2, 3], [4]]
    for strategy, opts in (("sample", dict(num_samples=3, top_p=0.9)), ("stochastic_beam", dict(beam_width=3))):
        a = decode(dec, *_start(dec, prompts), max_length=6, strategy=strategy, eos=EOS, random_state=7, **opts)
        b = decode(dec, *_start(dec, prompts), max_length=6, strategy=strategy, eos=EOS, random_state=7, **opts)
        c = decode(dec, *_start(dec, prompts), max_length=6, strategy=strategy, eos=EOS, random_state=8, **opts)
        np.testing.assert_array_equal(a.tokens, b.tokens)
        assert not np.array_equal(a.tokens, c.tokens)
    # A batch of prompts decodes as each prompt alone.
    both = beam_search(dec, *_start(dec, prompts), max_length=6, beam_width=3, eos=EOS)
    for i, p in enumerate(prompts):
        one = beam_search(dec, *_start(dec, [p]), max_length=6, beam_width=3, eos=EOS)
        np.testing.assert_array_equal(both.tokens[i], one.tokens[0])
        np.testing.assert_allclose(both.log_probs[i], one.log_probs[0], rtol=0, atol=1e-12)


def test_filters_and_bad_options():
    lp = np.log([[0.5, 0.3, 0.15, 0.05]])
    assert np.isfinite(filtered_log_probs(lp, top_k=2)).sum() == 2
    assert np.isfinite(filtered_log_probs(lp, top_p=0.5)).sum() == 1      # 0.5 alone reaches 0.5
    assert np.isfinite(filtered_log_probs(lp, top_p=0.8)).sum() == 2
    assert np.isfinite(filtered_log_probs(lp, top_p=1.0)).sum() == 4
    np.testing.assert_allclose(np.exp(filtered_log_probs(lp, top_k=2))[0, :2], [0.625, 0.375])
    dec = _decoder()
    start = _start(dec, [[1]])
    for call, match in [(lambda: sample(dec, *start, 3, temperature=0), "temperature must be"),
                        (lambda: sample(dec, *start, 3, top_k=0), "top_k must be"),
                        (lambda: sample(dec, *start, 3, top_p=1.5), "top_p must be"),
                        (lambda: sample(dec, *start, 3, num_samples=0), "num_samples"),
                        (lambda: greedy(dec, *start, 0), "max_length"),
                        (lambda: greedy(dec, *start, 3, eos=7), r"eos must be None or a symbol index in \[0, 3\)"),
                        (lambda: beam_search(dec, *start, 3, beam_width=0), "beam_width"),
                        (lambda: beam_search(dec, *start, 3, length_penalty=-1), "length_penalty"),
                        (lambda: greedy(dec, start[0][0], start[1], 3), r"log_probs must be \(N, V\)"),
                        (lambda: decode(dec, *start, 3, strategy="topk"), "strategy must be one of")]:
        with pytest.raises((ValueError, TypeError), match=match):
            call()
