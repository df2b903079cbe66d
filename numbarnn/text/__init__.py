"""Token sequences as numbers: vocabularies, and padding and batching by length (NumPy only).

- :class:`Vocabulary`: tokens (words or characters) to indices and back, with reserved ``<pad>``,
  ``<unk>``, ``<bos>`` and ``<eos>``; built from data with a minimum frequency, a maximum size and
  optional lower-casing; stored as plain JSON-able data inside model files.
- :func:`pad_sequences`: index sequences of any lengths as one (time, batch) array plus lengths,
  the layout every recurrent network here reads (no sorting asked of the caller).
- :func:`encode_tokens`: sentences as word and character indices, (time, batch, 1 + chars), the
  input of :class:`numbarnn.nn.TokenModel`.
- :func:`length_batches`: mini-batches of similar lengths, which cuts the padding a batch carries.
"""

from .encode import encode_tokens
from .batching import length_batches, pad_sequences, padding_fraction
from .vocab import Vocabulary

__all__ = ["Vocabulary", "encode_tokens", "length_batches", "pad_sequences", "padding_fraction"]
