"""One descriptor per recurrent cell: the facts every layer above the kernels needs.

A :class:`Cell` says how many gate blocks the cell's weights stack (in
PyTorch's order), what each block is called, whether the cell carries a
cell state beside ``h``, and which per-step values a recording forward keeps
on its tape for the backward. Nothing else in the package spells these facts
out; everything asks :data:`CELLS`.
"""

from dataclasses import dataclass

from . import _validation as v


@dataclass(frozen=True)
class Cell:
    """What distinguishes one recurrent cell from another.

    Attributes
    ----------
    name : ``"rnn"``, ``"lstm"`` or ``"gru"``.
    gate_names : names of the H-row blocks of ``weight_ih``/``weight_hh``, in the order they are stacked.
    has_cell_state : the state is ``(h, c)`` (LSTM) rather than ``h``.
    tape_fields : per-step arrays a recording forward keeps beside ``x``, ``out`` and ``h_prev``
        (see :class:`numbarnn.backends.base.LayerTape`).
    """

    name: str
    gate_names: tuple
    has_cell_state: bool
    tape_fields: tuple

    @property
    def gates(self):
        """G, the number of stacked gate blocks: weights are (G*H, D_in) and (G*H, H)."""
        return len(self.gate_names)

    @property
    def state_names(self):
        """The parts of the state: ``("h", "c")`` or ``("h",)``."""
        return ("h", "c") if self.has_cell_state else ("h",)


RNN = Cell("rnn", ("hidden",), False, ())
LSTM = Cell("lstm", ("i", "f", "g", "o"), True, ("gates", "c_prev", "tanh_c"))
GRU = Cell("gru", ("r", "z", "n"), False, ("gates", "hn"))

#: Every cell by name.
CELLS = {cell.name: cell for cell in (RNN, LSTM, GRU)}


def get_cell(name):
    """The :class:`Cell` called ``name``, or a ``ValueError`` listing the known cells.

    Examples
    --------
    >>> from numbarnn.cells import get_cell
    >>> lstm = get_cell("lstm")
    >>> lstm.gates, lstm.gate_names, lstm.state_names
    (4, ('i', 'f', 'g', 'o'), ('h', 'c'))
    """
    return CELLS[v.check_option("cell", name, tuple(CELLS))]
