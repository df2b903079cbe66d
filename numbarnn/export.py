"""Trained networks for other tools: ONNX, through PyTorch's exporter.

:meth:`numbarnn.nn.LSTM.to_torch` (and the same on ``RNN`` and ``GRU``) gives the equal
``torch.nn`` module; :func:`onnx` writes it as an ONNX graph that ONNX Runtime and other
ONNX consumers run without numbarnn or PyTorch.
"""

import io
import pathlib
import warnings

from ._files import atomic_write
from .nn.recurrent import RecurrentNetwork


def _with_state(module, lstm):
    """``module`` taking its initial state as inputs (``h0``; ``c0`` for an LSTM), so any batch size runs."""
    import torch

    class WithState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = module

        def forward(self, x, h0, c0=None):
            out, state = self.rnn(x, (h0, c0) if lstm else h0)
            return (out, *state) if lstm else (out, state)
    return WithState()


def onnx(net, path, opset=17):
    """Write ``net`` (a numbarnn ``RNN``, ``LSTM`` or ``GRU``) to ``path`` as an ONNX model, atomically.

    The graph's inputs are ``input`` (time, batch, input_size), or (batch, time, input_size) for a
    ``batch_first`` network, and the initial state ``h0``
    (layers x directions, batch, hidden; an LSTM also ``c0``), in the network's dtype; its outputs
    are ``output``, ``h_n`` (and ``c_n``), as ``net(x, state)`` gives them. Time and batch are free
    sizes. Needs ``pip install torch onnx`` (and ``onnxruntime`` to run the file).

    Returns the path written.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, pytest, numbarnn
    >>> _ = pytest.importorskip("torch"), pytest.importorskip("onnx")
    >>> ort = pytest.importorskip("onnxruntime")
    >>> net = numbarnn.LSTM(3, 8, seed=0)
    >>> path = onnx(net, pathlib.Path(tempfile.mkdtemp()) / "lstm.onnx")
    >>> x = np.random.default_rng(0).standard_normal((6, 2, 3)).astype("float32")   # (T, B, input_size)
    >>> zeros = np.zeros((1, 2, 8), dtype="float32")                               # (layers, B, hidden)
    >>> out, h_n, c_n = ort.InferenceSession(str(path)).run(None, {"input": x, "h0": zeros, "c0": zeros})
    >>> out.shape, bool(np.allclose(out, net(x)[0], atol=1e-5))
    ((6, 2, 8), True)
    """
    if not isinstance(net, RecurrentNetwork):
        raise TypeError(f"net must be a numbarnn RNN, LSTM or GRU, got {type(net).__name__} "
                        "(for an estimator, export its network: estimator.model_.net)")
    import torch
    lstm = net.cell.name == "lstm"
    model = _with_state(net.to_torch().eval(), lstm)
    dtype = next(model.parameters()).dtype
    layers = net.num_layers * net.num_directions
    x = torch.zeros(*((2, 3) if net.batch_first else (3, 2)), net.input_size, dtype=dtype)
    h0 = torch.zeros(layers, 2, net.hidden_size, dtype=dtype)
    inputs = (x, h0, h0.clone()) if lstm else (x, h0)
    names = ["input", "h0", "c0"][:len(inputs)]
    outputs = ["output", "h_n", "c_n"][:len(inputs)]
    layout = {0: "batch", 1: "time"} if net.batch_first else {0: "time", 1: "batch"}
    axes = {"input": layout, "output": layout,
            **{n: {1: "batch"} for n in names[1:] + outputs[1:]}}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # torch's notes on tracing an RNN; the initial state is an input, so any batch size runs (tested)
        warnings.filterwarnings("ignore", message=".*batch_size other than 1")
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(model, inputs, buffer, input_names=names, output_names=outputs, dynamic_axes=axes,
                          opset_version=opset, dynamo=False)
    path = pathlib.Path(path)
    atomic_write(path, lambda tmp: pathlib.Path(tmp).write_bytes(buffer.getvalue()))
    return path
