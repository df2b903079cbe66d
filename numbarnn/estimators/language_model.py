"""LanguageModel: a character- or word-level recurrent language model that scores and writes text.

Training follows char-rnn and fastai's language model from scratch: the training text is one long
stream of symbol indices (documents separated by ``<eos>``), cut into ``batch_size`` parallel
streams that are read in order, ``bptt`` steps at a time, with each stream's state carried from
one window to the next (gradients stop at the window's edge). The last ``validation_fraction``
of the text (in time order, never shuffled) is held out for early stopping. Generation primes
the network on a prompt and hands it to :mod:`numbarnn.decoding`.
"""

import math

import numpy as np

from .._validation import check_option, check_positive_int, check_probability
from ..decoding import STRATEGIES, RecurrentDecoder, decode
from ..nn.token_model import TokenModel
from ..text import Vocabulary
from ..training import history_dataset, train
from ..training.clipping import clip_grad_norm
from ..training.losses import CrossEntropy
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import make_schedule
from ._base import BaseEstimator, check_training_params
from ._persistence import save

LEVELS = ("char", "word")
#: Steps per forward pass when scoring (the state is carried across them).
SCORE_WINDOW = 2048


def _streams(ids, n_streams):
    """``ids`` (L,) cut into ``n_streams`` consecutive pieces as inputs and next-symbol targets, both
    (T, n_streams, 1); the last ``(L - 1) % n_streams`` symbols are left out."""
    T = (len(ids) - 1) // n_streams
    x = ids[:T * n_streams].reshape(n_streams, T).T
    y = ids[1:T * n_streams + 1].reshape(n_streams, T).T
    return np.ascontiguousarray(x[:, :, None]), np.ascontiguousarray(y[:, :, None])


class LanguageModel(BaseEstimator):
    """A recurrent language model over characters (``level="char"``) or words (``"word"``).

    Each symbol is embedded (``embedding_dim``), read by a one-directional recurrent stack
    (``cell``, ``hidden_size``, ``num_layers``, ``dropout`` on its input, between layers and before
    the readout) and a softmax gives the next symbol. Training: truncated BPTT over
    ``batch_size`` parallel streams of the text, ``bptt`` steps per window with the state carried
    across windows, ``optimizer`` at ``learning_rate``, gradient norm clipped at ``clip_norm``, at
    most ``epochs`` passes over the text, early stopping with ``patience`` on the held-out last
    ``validation_fraction`` of the text (its best epoch's weights kept).

    Symbols seen fewer than ``min_freq`` times in training read as ``<unk>``. At word level the
    text is split on white space (``lower`` lower-cases it). ``fit`` takes one text or a list of
    documents, which are joined with ``<eos>`` between them.

    ``bits_per_symbol(text, adapt=True)`` scores by dynamic evaluation: the model keeps learning
    from the text it scores, one SGD step at ``adapt_rate`` after each window of ``adapt_window``
    symbols (on a copy; scoring never changes the fitted model).

    The defaults were chosen for the bundled King James Bible (``benchmarks/language_model.py``);
    ``adapt_rate`` and ``adapt_window`` on the validation part of its training split only.

    Examples
    --------
    >>> import numbarnn
    >>> lm = numbarnn.LanguageModel(hidden_size=32, embedding_dim=8, bptt=20, batch_size=8, epochs=30,
    ...                             validation_fraction=0, random_state=0)
    >>> lm = lm.fit("abcd" * 400)
    >>> lm.generate("ab", max_length=10, strategy="greedy")
    'cdabcdabcd'
    >>> round(lm.bits_per_symbol("abcd" * 50), 2)
    0.0
    """

    def __init__(self, level="char", embedding_dim=64, hidden_size=512, num_layers=1, cell="lstm", dropout=0.1,
                 min_freq=1, lower=False, optimizer="adam", learning_rate=0.002, weight_decay=0.0,
                 schedule="constant", batch_size=64, bptt=100, epochs=8, clip_norm=1.0, patience=2,
                 validation_fraction=0.05, adapt_rate=0.2, adapt_window=50, dtype="float32", device="cpu",
                 random_state=None, verbose=None):
        self.level = level
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.min_freq = min_freq
        self.lower = lower
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.batch_size = batch_size
        self.bptt = bptt
        self.epochs = epochs
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.adapt_rate = adapt_rate
        self.adapt_window = adapt_window
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        check_option("level", self.level, LEVELS)
        check_training_params(self, ("embedding_dim", "hidden_size", "num_layers", "batch_size", "epochs",
                                     "bptt", "min_freq"))
        check_probability("dropout", self.dropout)
        self._check_adapt()
        if self.patience is not None:
            check_positive_int("patience", self.patience)

    def _check_adapt(self):
        check_positive_int("adapt_window", self.adapt_window)
        rate = self.adapt_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"adapt_rate must be a positive number (the SGD step of dynamic evaluation), got {rate!r}")

    # -- text to symbols ----------------------------------------------------------------

    def _documents(self, text, name="text"):
        """``text`` (a string, or a list of strings) as a list of symbol lists."""
        docs = [text] if isinstance(text, str) else text
        if not hasattr(docs, "__iter__"):
            raise TypeError(f"{name} must be a string or a list of strings, got {type(text).__name__}")
        docs = list(docs)
        for i, d in enumerate(docs):
            if not isinstance(d, str):
                raise TypeError(f"{name}[{i}] is {type(d).__name__}; give strings")
        if self.level == "word":
            return [(d.lower() if self.lower else d).split() for d in docs]
        return [list(d.lower() if self.lower else d) for d in docs]

    def _ids(self, docs):
        """One stream of indices: the documents with ``<eos>`` after each."""
        eos = Vocabulary.eos_index
        parts = []
        for d in docs:
            parts.append(np.array([self.vocab_.index(s) for s in d], dtype=np.int64))
            parts.append(np.array([eos], dtype=np.int64))
        return np.concatenate(parts)

    def _build_model(self, seed, dropout=None):
        return TokenModel(len(self.vocab_), 0, len(self.vocab_), word_dim=self.embedding_dim,
                          hidden_size=self.hidden_size, num_layers=self.num_layers, cell=self.cell,
                          bidirectional=False, dropout=self.dropout if dropout is None else dropout,
                          readout="timestep", dtype=self.dtype, device=self.device, seed=seed)

    # -- fitting ------------------------------------------------------------------------

    def fit(self, text, client=None):
        """Fit on ``text`` (a string, or a list of documents); return ``self``.

        ``client``: a ``dask.distributed.Client`` to train data-parallel on its workers (each worker
        carries the state of its own streams: :mod:`numbarnn.training.parallel`); ``None`` trains here.
        """
        self._check_params()
        with self._fitting():
            docs = self._documents(text)
            n_symbols = sum(len(d) + 1 for d in docs)
            n_val = int(round(self.validation_fraction * n_symbols))
            if n_symbols - n_val < 2 * self.batch_size + 1:
                raise ValueError(f"text holds {n_symbols} symbols ({n_val} held out for validation): too few for "
                                 f"batch_size={self.batch_size} streams; give more text or a smaller batch_size")
            symbols = [s for d in docs for s in d + [None]]
            train_symbols = [s for s in symbols[:n_symbols - n_val] if s is not None]
            self.vocab_ = Vocabulary.build([train_symbols], min_freq=self.min_freq)
            ids = self._ids(docs)
            rng = np.random.default_rng(self.random_state)
            x, y = _streams(ids[:n_symbols - n_val], self.batch_size)
            train_data = (x, y, np.full(x.shape[1], x.shape[0], dtype=np.int64), None)
            val_data = None
            if n_val > self.bptt + 1:
                # Validation windows of bptt steps, each from a zero state (the score below carries it).
                vx, vy = _streams(ids[n_symbols - n_val - 1:], 1)
                k = (vx.shape[0] // self.bptt) * self.bptt
                vx = np.ascontiguousarray(vx[:k, 0].reshape(-1, self.bptt).T[:, :, None])
                vy = np.ascontiguousarray(vy[:k, 0].reshape(-1, self.bptt).T[:, :, None])
                val_data = (vx, vy, np.full(vx.shape[1], self.bptt, dtype=np.int64), None)
            self.model_ = self._build_model(int(rng.integers(2**31)))
            opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
            streams = np.arange(self.batch_size)
            hist = train(self.model_, CrossEntropy(), opt, train_data, val_data, epochs=self.epochs,
                         batch_size=self.batch_size, schedule=make_schedule(self.schedule, opt, self.epochs),
                         clip_norm=self.clip_norm, patience=self.patience, rng=rng, verbose=self.verbose,
                         bptt_window=self.bptt, batches=lambda r: [streams], client=client)
            self.history_ = history_dataset(hist)
            self.is_fitted_ = True
        return self

    # -- scoring ------------------------------------------------------------------------

    def _nll(self, text, name="text", adapt=False):
        """Total negative log-likelihood (nats) of every symbol of ``text`` after its first, and their count."""
        self._check_fitted()
        ids = self._ids(self._documents(text, name))[:-1]          # no <eos> after the last document
        if len(ids) < 2:
            raise ValueError(f"{name} holds {len(ids)} symbol(s); scoring needs at least 2")
        x, y = _streams(ids, 1)
        if adapt:
            self._check_adapt()   # set_params may have changed them since fit
            return self._adapted_nll(x, y), x.shape[0]
        loss = CrossEntropy()
        total, state = 0.0, None
        for s0 in range(0, x.shape[0], SCORE_WINDOW):
            logits, state, _ = self.model_.forward(x[s0:s0 + SCORE_WINDOW], state, record=False)
            n = logits.shape[0]
            value, _ = loss(logits.reshape(n, -1).astype(np.float64), y[s0:s0 + n, 0, 0])
            total += value * n
        return total, x.shape[0]

    def _adapted_nll(self, x, y):
        """Dynamic evaluation of the stream ``x`` -> ``y`` (T, 1, 1): the total negative log-likelihood
        (nats), each window of ``adapt_window`` symbols scored before a gradient step on it."""
        model = self._build_model(0, dropout=0.0)
        model.load_params(self.model_.params)      # a copy: the fitted weights never change
        step = OPTIMIZERS["sgd"](lr=self.adapt_rate)
        loss = CrossEntropy()
        total, state = 0.0, None
        for s0 in range(0, x.shape[0], self.adapt_window):
            logits, state, tape = model.forward(x[s0:s0 + self.adapt_window], state)
            n = logits.shape[0]
            value, grad = loss(logits.reshape(n, -1).astype(np.float64), y[s0:s0 + n, 0, 0])
            total += value * n
            grads = model.backward(tape, grad.reshape(logits.shape).astype(logits.dtype))
            grads.pop("state")
            clip_grad_norm(grads, self.clip_norm)
            step.step(model.params, grads)
        return total

    def bits_per_symbol(self, text, adapt=False):
        """Mean bits per symbol (per character at ``level="char"``) the model needs for ``text``,
        each symbol predicted from all before it (the first is not counted).

        ``adapt=True`` scores by *dynamic evaluation* (Krause et al. 2018): a copy of the network
        reads ``text`` in windows of ``adapt_window`` symbols, scores each window, then takes one
        gradient step (plain SGD at ``adapt_rate``, clipped at ``clip_norm``) on it before reading
        the next, so the model follows the text's own style and names as it goes. Every symbol is
        still predicted from the symbols before it only, as an adaptive compressor (bz2, xz) codes
        a file; the fitted model is left unchanged.
        """
        total, n = self._nll(text, adapt=adapt)
        return total / n / math.log(2)

    def perplexity(self, text, adapt=False):
        """``2 ** bits_per_symbol(text, adapt)``: the effective number of equally likely next symbols."""
        return 2.0 ** self.bits_per_symbol(text, adapt)

    def score(self, text):
        """Minus :meth:`bits_per_symbol` (higher is better, as scikit-learn's model selection expects)."""
        return -self.bits_per_symbol(text)

    # -- generation ---------------------------------------------------------------------

    def decoder(self):
        """The fitted network as a :class:`numbarnn.decoding.RecurrentDecoder` (for custom searches)."""
        self._check_fitted()
        m = self.model_
        return RecurrentDecoder(m.word_embedding, m.net, m.head)

    def generate(self, prompt="", max_length=200, strategy="sample", random_state=None, **options):
        """Continue ``prompt`` (a string, or a list of them) for at most ``max_length`` symbols.

        ``strategy`` is one of ``"greedy"``, ``"sample"`` (options ``temperature``, ``top_k``,
        ``top_p``), ``"beam"`` (``beam_width``, ``length_penalty``) or ``"stochastic_beam"``
        (``beam_width``): see :mod:`numbarnn.decoding`. A prompt is read as the start of a
        document; generation stops at the end of one (``<eos>``). Returns the continuation (the
        best one for the beam searches), or a list of them for a list of prompts.
        """
        self._check_fitted()
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}")
        check_positive_int("max_length", max_length)
        prompts = [prompt] if isinstance(prompt, str) else prompt
        docs = self._documents(prompts, "prompt")
        eos = Vocabulary.eos_index
        seqs = [[eos] + [self.vocab_.index(s) for s in d] for d in docs]
        T = max(len(s) for s in seqs)
        arr = np.zeros((T, len(seqs)), dtype=np.int64)
        for b, s in enumerate(seqs):
            arr[:len(s), b] = s
        dec = self.decoder()
        if strategy in ("sample", "stochastic_beam"):
            options["random_state"] = random_state
        with dec.net.fixed_weights():  # packed once for all the steps
            log_probs, state = dec.prime(arr, lengths=[len(s) for s in seqs])
            out = decode(dec, log_probs, state, max_length, strategy=strategy, eos=eos, **options)
        sep = " " if self.level == "word" else ""
        texts = [sep.join(self.vocab_.decode(out.tokens[b, 0, :out.lengths[b, 0]])) for b in range(len(seqs))]
        return texts[0] if isinstance(prompt, str) else texts

    # -- files --------------------------------------------------------------------------

    def save(self, path):
        """Write the fitted model (weights, vocabulary, history) to ``path`` as one netCDF file, atomically;
        :func:`numbarnn.load` reads it back."""
        save(self, path)

    def _persist(self):
        return {}, {}, {"vocab": self.vocab_.to_dict()}

    def _restore(self, arrays, frames, state):
        self.vocab_ = Vocabulary.from_dict(state["vocab"])
        self.model_ = self._build_model(0)
