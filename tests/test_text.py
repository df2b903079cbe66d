"""Vocabularies, padding and length-bucketed batches."""

import json

import numpy as np
import pytest

from numbarnn import datasets
from numbarnn.text import Vocabulary, length_batches, pad_sequences, padding_fraction
from numbarnn.text.vocab import SPECIALS


def test_build_counts_orders_and_cuts():
    data = [["b", "a", "b"], ["c", "a", "b", "d"], ["<pad>", "D"]]
    vocab = Vocabulary.build(data)
    assert vocab.tokens == list(SPECIALS) + ["b", "a", "c", "d", "D"]   # by count, ties by first sight
    assert Vocabulary.build(data, min_freq=2).tokens[4:] == ["b", "a"]
    assert Vocabulary.build(data, max_size=1).tokens[4:] == ["b"]
    low = Vocabulary.build(data, lower=True)
    assert low.tokens[4:] == ["b", "a", "d", "c"] and low.index("D") == low.index("d") and "D" in low
    assert (vocab.pad_index, vocab.unk_index, vocab.bos_index, vocab.eos_index) == (0, 1, 2, 3)


def test_encode_decode_round_trip_and_unknowns():
    vocab = Vocabulary.build([["x", "y"]])
    ids = vocab.encode(["y", "zzz", "x"], bos=True, eos=True)
    assert ids.dtype == np.int64 and ids.tolist() == [2, 5, 1, 4, 3]
    assert vocab.decode(ids) == ["y", "<unk>", "x"]
    assert vocab.decode(ids, specials=True) == ["<bos>", "y", "<unk>", "x", "<eos>"]
    chars = Vocabulary.characters([["ab", "ba"], ["c"]])
    assert chars.tokens[4:] == ["a", "b", "c"]


def test_vocabulary_survives_json():
    vocab = Vocabulary.build([["Hello", "world"]], lower=True)
    back = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert back == vocab and back.lower and back.encode(["HELLO"]).tolist() == [4]
    with pytest.raises(ValueError, match="not a vocabulary record"):
        Vocabulary.from_dict({"tokens": ["a"]})
    with pytest.raises(ValueError, match="not a vocabulary record: its specials"):
        Vocabulary.from_dict({"tokens": [], "lower": False, "specials": ["<pad>"]})


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match=r"sequences\[1\]\[0\] is int 3; tokens must be strings"):
        Vocabulary.build([["a"], [3]])
    with pytest.raises(TypeError, match="got one string 'a sentence'"):
        Vocabulary.build(["a sentence"])
    with pytest.raises(ValueError, match="reserved '<unk>'"):
        Vocabulary(["a", "<unk>"])
    with pytest.raises(ValueError, match="'a' more than once"):
        Vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="min_freq must be an integer >= 1"):
        Vocabulary.build([["a"]], min_freq=0)
    with pytest.raises(ValueError, match="index 9 is outside this vocabulary of 5 tokens"):
        Vocabulary(["a"]).decode([4, 9])
    with pytest.raises(TypeError, match="ids must be a 1-d sequence of integers"):
        Vocabulary(["a"]).decode([0.5])


def test_pad_sequences():
    padded, lengths = pad_sequences([np.array([1, 2]), [3, 4, 5]], pad_value=-1)
    assert padded.shape == (3, 2) and padded[:, 0].tolist() == [1, 2, -1] and lengths.tolist() == [2, 3]
    with pytest.raises(ValueError, match=r"sequences\[1\] is empty"):
        pad_sequences([[1], []])
    with pytest.raises(ValueError, match="sequences is empty"):
        pad_sequences([])


def test_length_batches_cover_everything_once_and_cut_padding():
    lengths = np.array([len(s) for s in datasets.ud_english_ewt("train").sentences])
    batches = length_batches(lengths, 32, rng=0)
    flat = np.concatenate(batches)
    assert np.array_equal(np.sort(flat), np.arange(lengths.size))
    assert all(len(b) <= 32 for b in batches)
    again = length_batches(lengths, 32, rng=0)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))            # seeded: reproducible
    plain = length_batches(lengths, 32, rng=0, bucket=1)
    # EWT train: random batches of 32 are 68% padding, length-bucketed ones (pools of 50 batches) 7.7%
    assert padding_fraction(lengths, plain) > 0.6 and padding_fraction(lengths, batches) < 0.1
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        length_batches(lengths, 0)
