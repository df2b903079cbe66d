"""SequenceTagger and TextClassifier: labels for token sequences (lists of string tokens).

Both read sentences as lists of tokens, build a word vocabulary (words seen at least ``min_freq``
times; the rest share ``<unk>``, so its vector is learned from the rare words) and a character
vocabulary from the training sentences, and train a :class:`numbarnn.nn.TokenModel`: word vectors
beside character-LSTM word features, a bidirectional LSTM, a linear readout. Mini-batches hold
sentences of similar length (:func:`numbarnn.text.length_batches`), which cuts the padding the
recurrent kernels step through. The vocabularies, the labels and the weights are saved together in
one model file (``save`` / :func:`numbarnn.load`).
"""

import numpy as np

from .._validation import check_option, check_positive_int, check_probability
from ..nn.token_model import TokenModel
from ..text import Vocabulary, encode_tokens, length_batches
from ..text.vocab import _check_tokens
from ..training import history_dataset, train
from ..training.losses import CrossEntropy
from ..training.loop import slice_batch
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import make_schedule
from ._base import BaseEstimator, check_training_params, class_probabilities
from ._labels import sorted_labels
from ._persistence import save

#: Sentences per forward pass at predict time (sorted by length, so little padding).
PREDICT_BATCH = 256
#: With ``schedule="plateau"``, the learning rate halves after this many + 1 epochs without a better
#: validation error.
PLATEAU_PATIENCE = 1


def _sentences(name, sentences):
    """``sentences`` as a list of lists of strings, or an error naming the first bad item."""
    if isinstance(sentences, str) or not hasattr(sentences, "__iter__"):
        raise TypeError(f"{name} must be a list of sentences, each a list of string tokens; got "
                        f"{type(sentences).__name__}")
    out = [_check_tokens(f"{name}[{i}]", s) for i, s in enumerate(sentences)]
    if not out:
        raise ValueError(f"{name} is empty; give at least one sentence")
    return out


def _error_rate(model, data):
    """The share of the labels in ``data`` (tokens or sequences; -1 is padding) that ``model`` gets wrong."""
    wrong = total = 0
    for start in range(0, data[0].shape[1], PREDICT_BATCH):
        xb, yb, lb, _ = slice_batch(data, np.arange(start, min(start + PREDICT_BATCH, data[0].shape[1])), trim=True)
        logits, _, _ = model.forward(xb, lengths=lb, record=False)
        gold = yb[..., 0]
        counted = gold >= 0
        wrong += int(np.sum((np.argmax(logits, axis=-1) != gold) & counted))
        total += int(np.sum(counted))
    return wrong / max(total, 1)


class _TokenEstimator(BaseEstimator):
    _readout = "timestep"

    def __init__(self, word_dim=100, char_dim=50, char_hidden=64, hidden_size=128, num_layers=2, cell="lstm",
                 bidirectional=True, dropout=0.33, word_dropout=0.1, min_freq=2, lower=True, max_chars=20,
                 optimizer="adam", learning_rate=0.002, weight_decay=0.0, schedule="plateau", batch_size=32,
                 epochs=40, clip_norm=5.0, patience=5, validation_fraction=0.1, dtype="float32", device="cpu",
                 random_state=None, verbose=None):
        self.word_dim = word_dim
        self.char_dim = char_dim
        self.char_hidden = char_hidden
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.word_dropout = word_dropout
        self.min_freq = min_freq
        self.lower = lower
        self.max_chars = max_chars
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        check_training_params(self, ("hidden_size", "num_layers", "batch_size", "epochs", "word_dim",
                                     "min_freq", "max_chars"))
        for name in ("char_dim", "char_hidden"):
            value = getattr(self, name)
            if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0):
                raise ValueError(f"{name} must be an integer >= 0 (0 turns the character features off), "
                                 f"got {value!r}")
        if (self.char_dim == 0) != (self.char_hidden == 0):
            raise ValueError(f"char_dim={self.char_dim} and char_hidden={self.char_hidden}: set both to 0 to "
                             "turn the character features off, or both above 0")
        for name in ("dropout", "word_dropout"):
            check_probability(name, getattr(self, name))
        if self.patience is not None:
            check_positive_int("patience", self.patience)

    # -- data ---------------------------------------------------------------------------

    def _encode(self, sentences, name="sentences"):
        return encode_tokens(sentences, self.words_, self.chars_, self.max_chars, name=name)

    def _split(self, n, validation, rng):
        """Indices of the training and validation sentences (none held out when ``validation`` is given)."""
        if validation is not None:
            return np.arange(n), None
        n_val = int(round(self.validation_fraction * n))
        order = rng.permutation(n)
        return order[n_val:], (order[:n_val] if n_val else None)

    def fit(self, sentences, y, validation=None, client=None):
        """Fit on ``sentences`` (lists of string tokens) and their labels ``y``; return ``self``.

        ``validation``: ``(sentences, y)`` held out for early stopping (a treebank's dev split);
        without it ``validation_fraction`` of the training sentences are held out (0: none, and
        training runs all ``epochs``). ``client``: a ``dask.distributed.Client`` to train
        data-parallel on its workers (:mod:`numbarnn.training.parallel`); ``None`` trains here.
        """
        self._check_params()
        with self._fitting():
            sentences = _sentences("sentences", sentences)
            rng = np.random.default_rng(self.random_state)
            target = self._fit_targets(sentences, y)
            train_idx, val_idx = self._split(len(sentences), validation, rng)
            fit_sentences = [sentences[i] for i in train_idx]
            self.words_ = Vocabulary.build(fit_sentences, min_freq=self.min_freq, lower=self.lower)
            self.chars_ = Vocabulary.characters(fit_sentences) if self.char_dim else None
            x, lengths = self._encode(sentences)
            data = (x, target, lengths, None)
            train_data = slice_batch(data, train_idx)
            if validation is not None:
                val_sentences = _sentences("validation[0]", validation[0])
                vx, vlengths = self._encode(val_sentences, "validation[0]")
                val_data = (vx, self._targets(val_sentences, validation[1], "validation[1]"), vlengths, None)
                val_idx = np.arange(len(val_sentences))
            else:
                val_data = data
            val_data = None if val_idx is None else \
                slice_batch(val_data, val_idx[np.argsort(val_data[2][val_idx], kind="stable")])
            self.model_ = self._build_model(int(rng.integers(2**31)))
            opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
            batch_size, epochs = self.batch_size, self.epochs
            hist = train(self.model_, CrossEntropy(), opt, train_data, val_data, epochs=epochs,
                         batch_size=batch_size, schedule=make_schedule(self.schedule, opt, epochs, PLATEAU_PATIENCE),
                         clip_norm=self.clip_norm, patience=self.patience, rng=rng, verbose=self.verbose,
                         batches=lambda r: length_batches(train_data[2], batch_size, r), val_metric=_error_rate,
                         client=client)
            self.history_ = history_dataset(hist)
            self.is_fitted_ = True
        return self

    def _fit_targets(self, sentences, y):
        """Set ``classes_`` (sorted) from the training labels and return the targets as their indices."""
        self.classes_ = sorted_labels(self._all_labels(sentences, y), self._y_name).astype(object)
        return self._targets(sentences, y, self._y_name)

    def _build_model(self, seed):
        return TokenModel(len(self.words_), 0 if self.chars_ is None else len(self.chars_), len(self.classes_),
                          word_dim=self.word_dim, char_dim=self.char_dim, char_hidden=self.char_hidden,
                          hidden_size=self.hidden_size, num_layers=self.num_layers, cell=self.cell,
                          bidirectional=self.bidirectional, dropout=self.dropout,
                          word_dropout=self.word_dropout, readout=self._readout,
                          dtype=self.dtype, device=self.device, seed=seed)

    def _logits(self, sentences):
        """Per sentence, the model's output: (length, classes) for tagging, (classes,) otherwise."""
        self._check_fitted()
        sentences = _sentences("sentences", sentences)
        x, lengths = self._encode(sentences)
        order = np.argsort(lengths, kind="stable")
        out = [None] * len(sentences)
        for start in range(0, len(order), PREDICT_BATCH):
            idx = order[start:start + PREDICT_BATCH]
            xb, _, lb, _ = slice_batch((x, x, lengths, None), idx, trim=True)
            y, _, _ = self.model_.forward(xb, lengths=lb, record=False)
            for k, n in enumerate(idx):
                out[n] = y[:lb[k], k] if y.ndim == 3 else y[k]
        return out

    def _label_codes(self, labels, name):
        """``labels`` as indices into ``classes_``; a ValueError naming labels the model never saw."""
        labels = np.asarray(labels, dtype=object)
        known = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = sorted({str(t) for t in labels.tolist() if t not in known})
        if unknown:
            raise ValueError(f"{name} holds labels this {type(self).__name__} was not fitted on: "
                             f"{unknown[:10]}; it knows {list(known)}")
        return np.array([known[t] for t in labels.tolist()], dtype=np.int64)

    # -- files --------------------------------------------------------------------------

    def save(self, path):
        """Write the fitted estimator (weights, vocabularies, labels, history) to ``path`` as one netCDF
        file, atomically; :func:`numbarnn.load` reads it back."""
        save(self, path)

    def _persist(self):
        state = {"words": self.words_.to_dict(), "chars": None if self.chars_ is None else self.chars_.to_dict(),
                 "classes": self.classes_.tolist()}
        return {}, {}, state

    def _restore(self, arrays, frames, state):
        self.words_ = Vocabulary.from_dict(state["words"])
        self.chars_ = None if state["chars"] is None else Vocabulary.from_dict(state["chars"])
        self.classes_ = np.array(state["classes"], dtype=object)
        self.model_ = self._build_model(0)


class SequenceTagger(_TokenEstimator):
    """A part-of-speech (or any token-level) tagger: one label per token.

    Each token is its word vector (``word_dim``) beside the final states of a bidirectional
    character LSTM over its spelling (``char_dim`` character vectors, ``char_hidden`` per
    direction), so words never seen in training are tagged by their shape and affixes; a
    bidirectional LSTM (``hidden_size`` per direction, ``num_layers``) reads the sentence and a
    softmax per token gives its tag. ``dropout`` applies to the token vectors, between layers and
    before the softmax; ``word_dropout`` reads a training token's word as ``<unk>`` with that
    probability (its characters still count), so that unknown words are handled well. Words seen
    fewer than ``min_freq`` times are ``<unk>``; ``lower`` lower-cases the word vocabulary (the
    characters keep their case); words longer than ``max_chars`` keep their first and last
    characters. Training: ``optimizer`` (Adam) at ``learning_rate``, batches of ``batch_size``
    sentences of similar length, gradient norm clipped at ``clip_norm``, at most ``epochs``
    passes, early stopping on the validation token error rate with ``patience`` (the weights of
    the best epoch are kept). ``cell="rnn"``, ``bidirectional=False`` and ``char_dim=char_hidden=0``
    give the plain Elman tagger of :doc:`/lxmls`.

    The defaults were chosen on the EWT dev split (``benchmarks/tagger.py``): two layers beat one
    (dev 0.953 against 0.948), a wider network (200 units, 64 per character direction) overfit
    (0.946), a cosine schedule and dropout 0.5 did not help, word dropout 0.1 did a little (0.954);
    wider character features (50-dimensional character vectors, 64 units per direction) gave 0.9555
    and, with the learning rate halved after two epochs without a better dev error and up to 40
    epochs, 0.9568 (words never seen in training: 0.800 -> 0.825).

    Examples
    --------
    >>> import numbarnn
    >>> sents = [["the", "dog", "runs"], ["a", "cat", "sleeps"], ["the", "cat", "runs"]] * 20
    >>> tags = [["DET", "NOUN", "VERB"]] * 60
    >>> tagger = numbarnn.SequenceTagger(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8,
    ...                                  batch_size=8, validation_fraction=0, random_state=0)
    >>> tagger.fit(sents, tags).predict([["a", "dog", "sleeps"]])
    [['DET', 'NOUN', 'VERB']]
    >>> tagger.score(sents, tags)
    1.0
    """

    _y_name = "tags"

    def _all_labels(self, sentences, tags):
        return [t for seq in self._check_tags(sentences, tags, "tags") for t in seq]

    @staticmethod
    def _check_tags(sentences, tags, name):
        if isinstance(tags, str) or not hasattr(tags, "__len__"):
            raise TypeError(f"{name} must be a list of tag lists, one per sentence")
        tags = [list(t) if not isinstance(t, str) else None for t in tags]
        if len(tags) != len(sentences):
            raise ValueError(f"{name} has {len(tags)} tag lists for {len(sentences)} sentences; give one per sentence")
        for i, (s, t) in enumerate(zip(sentences, tags)):
            if t is None:
                raise TypeError(f"{name}[{i}] is a string; give a list of tags, one per token")
            if len(t) != len(s):
                raise ValueError(f"{name}[{i}] has {len(t)} tags for the {len(s)} tokens of sentence {i}")
        return tags

    def _targets(self, sentences, tags, name):
        """(T, N, 1) tag indices, -1 after each sentence's end."""
        tags = self._check_tags(sentences, tags, name)
        codes = self._label_codes([t for seq in tags for t in seq], name)
        out = np.full((max(len(s) for s in sentences), len(sentences), 1), -1, dtype=np.int64)
        start = 0
        for n, seq in enumerate(tags):
            out[:len(seq), n, 0] = codes[start:start + len(seq)]
            start += len(seq)
        return out

    def predict(self, sentences):
        """The tags of each sentence: a list of lists of tags, one per token."""
        return [self.classes_[np.argmax(z, axis=1)].tolist() for z in self._logits(sentences)]

    def predict_proba(self, sentences):
        """Per sentence, a (tokens, classes) array of tag probabilities (columns in ``classes_`` order)."""
        return [class_probabilities(z) for z in self._logits(sentences)]

    def score(self, sentences, tags):
        """Token accuracy of ``predict(sentences)`` against ``tags``."""
        sentences = _sentences("sentences", sentences)
        tags = self._check_tags(sentences, tags, "tags")
        gold = self._label_codes([t for seq in tags for t in seq], "tags")
        pred = np.concatenate([np.argmax(z, axis=1) for z in self._logits(sentences)])
        return float(np.mean(pred == gold))


class TextClassifier(_TokenEstimator):
    """One label per token sequence (a sentence's genre, a review's sentiment).

    The front end is :class:`SequenceTagger`'s (word vectors and character-LSTM word features, a
    bidirectional LSTM); the head reads the whole sequence: ``readout="mean"`` averages the
    outputs over the tokens, ``"final"`` reads the final states of both directions.

    Examples
    --------
    >>> import numbarnn
    >>> sents = [["great", "film"], ["awful", "plot"], ["loved", "it"], ["hated", "it"]] * 15
    >>> labels = ["pos", "neg", "pos", "neg"] * 15
    >>> clf = numbarnn.TextClassifier(word_dim=8, char_dim=0, char_hidden=0, hidden_size=8,
    ...                               batch_size=8, validation_fraction=0, random_state=0, min_freq=1)
    >>> clf.fit(sents, labels).predict([["loved", "film"], ["awful", "it"]]).tolist()
    ['pos', 'neg']
    """

    def __init__(self, word_dim=100, char_dim=32, char_hidden=32, hidden_size=128, num_layers=1, cell="lstm",
                 bidirectional=True, dropout=0.33, word_dropout=0.0, min_freq=2, lower=True, max_chars=20,
                 readout="mean", optimizer="adam", learning_rate=0.002, weight_decay=0.0, schedule="constant",
                 batch_size=32, epochs=20, clip_norm=5.0, patience=3, validation_fraction=0.1, dtype="float32",
                 device="cpu", random_state=None, verbose=None):
        super().__init__(word_dim, char_dim, char_hidden, hidden_size, num_layers, cell, bidirectional, dropout,
                         word_dropout, min_freq, lower, max_chars, optimizer, learning_rate, weight_decay, schedule,
                         batch_size, epochs, clip_norm, patience, validation_fraction, dtype, device, random_state,
                         verbose)
        self.readout = readout

    @property
    def _readout(self):
        return self.readout

    def _check_params(self):
        super()._check_params()
        check_option("readout", self.readout, ("mean", "final"))

    _y_name = "y"

    def _all_labels(self, sentences, y):
        return self._check_labels(sentences, y, "y")

    @staticmethod
    def _check_labels(sentences, y, name):
        if isinstance(y, str) or not hasattr(y, "__len__"):
            raise TypeError(f"{name} must be a list of labels, one per sentence")
        y = list(y)
        if len(y) != len(sentences):
            raise ValueError(f"{name} has {len(y)} labels for {len(sentences)} sentences; give one per sentence")
        return y

    def _targets(self, sentences, y, name):
        return self._label_codes(self._check_labels(sentences, y, name), name)[:, None]

    def predict(self, sentences):
        """One label per sentence, as an array."""
        return self.classes_[np.argmax(np.stack(self._logits(sentences)), axis=1)]

    def predict_proba(self, sentences):
        """(sentences, classes) label probabilities (columns in ``classes_`` order)."""
        return class_probabilities(np.stack(self._logits(sentences)))

    def score(self, sentences, y):
        """Accuracy of ``predict(sentences)`` against ``y``."""
        sentences = _sentences("sentences", sentences)
        gold = self._label_codes(self._check_labels(sentences, y, "y"), "y")
        return float(np.mean(np.argmax(np.stack(self._logits(sentences)), axis=1) == gold))
