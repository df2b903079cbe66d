"""Decoding: turn a model that gives next-symbol probabilities into sequences.

Greedy decoding, sampling with temperature, top-k and nucleus (top-p) cuts, beam search with
length normalisation and stochastic beam search (sampling without replacement), batched over
prompts, seeded, and shared by every generator in numbarnn. They step any decoder with
``step(tokens, state)`` and ``reorder(state, index)`` (:mod:`.stepper`), such as a
:class:`RecurrentDecoder` over an embedding, a recurrent network (``net.step``, on the CPU or a
GPU) and a readout.
"""

from .search import (STRATEGIES, Decoded, beam_search, decode, filtered_log_probs, greedy, sample,
                     stochastic_beam_search)
from .stepper import RecurrentDecoder, Seq2SeqDecoder, log_softmax, reorder_state

__all__ = ["STRATEGIES", "Decoded", "RecurrentDecoder", "Seq2SeqDecoder", "beam_search", "decode", "filtered_log_probs", "greedy",
           "log_softmax", "reorder_state", "sample", "stochastic_beam_search"]
