"""A lookup table of vectors, one per token index, with its own backward (``torch.nn.Embedding``'s names)."""

import numpy as np

from .. import _validation as v
from ..backends import get_backend
from ..config import DEFAULT_DTYPE


class Embedding:
    r"""``out[...] = weight[ids[...]]``: a (``num_embeddings``, ``embedding_dim``) table.

    Parameters
    ----------
    num_embeddings, embedding_dim : int, the table's size (``len(vocabulary)``, the vector length).
    padding_idx : int or ``None``, the index of padding (``Vocabulary.pad_index`` is 0): its row starts
        at zero and never gets a gradient, so padded steps stay zero vectors.
    max_norm : float or ``None``: before each lookup, every row looked up whose ``norm_type``-norm is
        above ``max_norm`` is scaled in place to ``max_norm`` (as PyTorch does; no gradient flows
        through the rescaling).
    norm_type : float, the ``p`` of that norm.
    dtype, device, seed : as for the recurrent networks; the table starts as PyTorch's, N(0, 1).

    Attributes
    ----------
    params : ``{"weight": (num_embeddings, embedding_dim)}``, on the host.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import Embedding
    >>> emb = Embedding(10, 3, padding_idx=0, seed=0)
    >>> ids = np.array([[4, 2], [7, 0]])                       # (time, batch) token indices
    >>> out = emb.forward(ids)
    >>> out.shape, bool((out[1, 1] == 0).all())
    ((2, 2, 3), True)
    >>> grad = emb.backward(ids, np.ones_like(out))["weight"]
    >>> grad[[0, 2, 4, 7]].sum(axis=1).tolist()                # the padding row gets nothing
    [0.0, 3.0, 3.0, 3.0]
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 dtype=DEFAULT_DTYPE, device="cpu", seed=None):
        self.num_embeddings = v.check_positive_int("num_embeddings", num_embeddings)
        self.embedding_dim = v.check_positive_int("embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not isinstance(padding_idx, (int, np.integer)) or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx must be None or an index in [-{num_embeddings}, {num_embeddings}), "
                                 f"got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings
        self.padding_idx = padding_idx
        if max_norm is not None and not (isinstance(max_norm, (int, float)) and max_norm > 0):
            raise ValueError(f"max_norm must be None or a positive number, got {max_norm!r}")
        self.max_norm = None if max_norm is None else float(max_norm)
        self.norm_type = float(norm_type)
        self.dtype = v.check_dtype(dtype)
        self.backend = get_backend(device)
        weight = np.random.default_rng(seed).standard_normal((num_embeddings, embedding_dim)).astype(self.dtype)
        if padding_idx is not None:
            weight[padding_idx] = 0
        self.params = {"weight": weight}

    @property
    def device(self):
        """Where the lookup runs: ``"cpu"`` or ``"cuda"``."""
        return self.backend.name

    def _ids(self, ids):
        """``ids`` as a flat int64 host array, checked to index the table."""
        arr = np.asarray(ids)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"ids must be integer token indices, got dtype {arr.dtype}; encode tokens with "
                            "numbarnn.text.Vocabulary first")
        flat = arr.reshape(-1).astype(np.int64)
        bad = np.flatnonzero((flat < 0) | (flat >= self.num_embeddings))
        if bad.size:
            where = np.unravel_index(bad[0], arr.shape)
            raise ValueError(f"ids holds {int(flat[bad[0]])} at position {tuple(int(i) for i in where)}; "
                             f"this table has rows 0..{self.num_embeddings - 1} (num_embeddings="
                             f"{self.num_embeddings})")
        return arr.shape, flat

    def _renormalise(self, flat):
        w = self.params["weight"]
        rows = np.unique(flat)
        norms = np.linalg.norm(w[rows].astype(np.float64), ord=self.norm_type, axis=1)
        over = norms > self.max_norm
        w[rows[over]] *= (self.max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)

    def forward(self, ids):
        """Vectors of ``ids`` (any shape of integer indices): ``ids.shape + (embedding_dim,)``, a NumPy
        array on the CPU, a device array on the GPU (what the recurrent networks there take)."""
        shape, flat = self._ids(ids)
        if self.max_norm is not None:
            self._renormalise(flat)
        out = self.backend.embedding_forward(self.params["weight"], flat)
        return out.reshape(shape + (self.embedding_dim,))

    def backward(self, ids, grad_out):
        """``{"weight": (num_embeddings, embedding_dim)}``, the table's gradient from ``grad_out``
        (``ids.shape + (embedding_dim,)``): each row sums the gradients of the steps that looked it up."""
        shape, flat = self._ids(ids)
        grad = grad_out if self.backend.is_device_input(grad_out) else np.asarray(grad_out)
        expected = shape + (self.embedding_dim,)
        if tuple(grad.shape) != expected:
            raise ValueError(f"grad_out has shape {tuple(grad.shape)}; the lookup of ids {shape} gave {expected}")
        grad = grad.reshape(flat.shape[0], self.embedding_dim)
        pad = -1 if self.padding_idx is None else self.padding_idx
        return {"weight": self.backend.embedding_backward(grad, flat, self.num_embeddings, pad)}

    def state_dict(self):
        """``{"weight": copy}``, PyTorch's name and shape."""
        return {"weight": self.params["weight"].copy()}

    def load_state_dict(self, mapping):
        """Replace the table with ``mapping["weight"]`` (a NumPy array or a torch tensor) of the same shape."""
        if set(mapping) != {"weight"}:
            raise KeyError(f"state dict does not match this Embedding: expected ['weight'], got {sorted(mapping)}")
        w = mapping["weight"]
        w = w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)
        if w.shape != self.params["weight"].shape:
            raise ValueError(f"weight has shape {w.shape}; this Embedding's is {self.params['weight'].shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("weight holds NaN or infinity")
        self.params["weight"] = w.astype(self.dtype, copy=True)
