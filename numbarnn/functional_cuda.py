"""One layer direction on the GPU, with the interface of :mod:`numbarnn.functional`.

First stage of the CUDA backend: the input projection for all timesteps is
one tiled GEMM, each timestep is one fused kernel (recurrent product plus gate
arithmetic), the backward runs two kernels per step, and the weight gradients
are GEMMs after the loop. The tape stays on the device between forward and
backward; in this stage inputs come from and results go back to host NumPy
arrays, so the networks' stacking, bidirectional and dropout code is shared
with the CPU path.
"""

import numpy as np

from . import config
from ._cuda import require_gpu
from .functional import LayerTape

#: Largest grid used by the 1-d kernels (tests set it to 1 to check single-block correctness).
MAX_BLOCKS = 1024


class _CudaOps:
    has_cell_state = False

    def __init__(self):
        self.cuda = require_gpu()
        from .kernels.cuda import common, gru, lstm, recurrent, rnn
        self.k_common, self.k_lstm, self.k_gru, self.k_rnn, self.k_rec = common, lstm, gru, rnn, recurrent

    # -- helpers ---------------------------------------------------------------------

    def _dev(self, a):
        return self.cuda.to_device(np.ascontiguousarray(a))

    def _empty(self, shape, dtype):
        return self.cuda.device_array(shape, dtype=dtype)

    def _zeros(self, shape, dtype):
        arr = self.cuda.device_array(shape, dtype=dtype)
        if arr.size:
            self._launch(self.k_common.fill, arr.size, arr.reshape(arr.size), 0)
        return arr

    def _launch(self, kernel, n, *args):
        threads = config.THREADS_PER_BLOCK
        blocks = max(1, min((n + threads - 1) // threads, MAX_BLOCKS))
        kernel[blocks, threads](*args)

    def _gemm(self, A, B, C, bias=None, trans_a=False, trans_b=False, accumulate=False):
        tile = self.k_common.TILE
        M, N = C.shape
        tiles = ((M + tile - 1) // tile) * ((N + tile - 1) // tile)
        blocks = max(1, min(tiles, MAX_BLOCKS))
        if bias is None:
            bias = self._empty(0, C.dtype)
        self.k_common.gemm[blocks, (tile, tile)](A, B, C, bias, C.dtype.type(0), trans_a, trans_b, accumulate)

    def _project(self, x, w_ih, bias):
        T, B, D = x.shape
        G = w_ih.shape[0]
        xproj = self._empty((T, B, G), x.dtype)
        self._gemm(x.reshape(T * B, D), w_ih, xproj.reshape(T * B, G), bias, trans_b=True)
        return xproj

    def _weight_grads(self, tape, dz_in, dz_hid):
        d = tape.arrays["device"]
        x, h_prev, w_ih = d["x"], d["h_prev"], d["w_ih"]
        T, B, D = x.shape
        G, H = dz_in.shape[2], h_prev.shape[2]
        rows = T * B
        din, dhid = dz_in.reshape(rows, G), dz_hid.reshape(rows, G)
        dw_ih, dw_hh = self._empty((G, D), x.dtype), self._empty((G, H), x.dtype)
        dx = self._empty((rows, D), x.dtype)
        self._gemm(din, x.reshape(rows, D), dw_ih, trans_a=True)
        self._gemm(dhid, h_prev.reshape(rows, H), dw_hh, trans_a=True)
        self._gemm(din, w_ih, dx)
        grads = {"w_ih": dw_ih.copy_to_host(), "w_hh": dw_hh.copy_to_host(),
                 "input": dx.copy_to_host().reshape(T, B, D)}
        if tape.params.b_ih is not None:
            for name, src in (("b_ih", din), ("b_hh", dhid)):
                out = self._empty(G, x.dtype)
                self._launch(self.k_common.column_sums, G, src, out, out.dtype.type(0))
                grads[name] = out.copy_to_host()
        return grads

    def _common_forward(self, x, params, lengths, fold_bias):
        bias = None
        if params.b_ih is not None:
            bias = self._dev(params.b_ih + params.b_hh if fold_bias else params.b_ih)
        d = {"x": self._dev(x), "w_ih": self._dev(params.w_ih), "w_hh": self._dev(params.w_hh),
             "lengths": self._dev(lengths)}
        return d, self._project(d["x"], d["w_ih"], bias)

    def _backward_steps(self, tape, grad_h_n, dzc, cell_step, direct=None):
        """Run the BPTT loop: per step the cell's gate-gradient kernel, then ``dz @ w_hh``.

        ``cell_step(s, dh_in)`` launches the cell kernel for step ``s``; returns the gradient
        with respect to the initial h (on the host).
        """
        d = tape.arrays["device"]
        B, H = grad_h_n.shape
        dh = [self._dev(grad_h_n), self._empty((B, H), grad_h_n.dtype)]
        has_direct = direct is not None
        direct = direct if has_direct else self._empty((1, 1), grad_h_n.dtype)
        cur = 0
        for s in reversed(range(int(tape.lengths.max()))):
            cell_step(s, dh[cur])
            self._launch(self.k_rec.recurrent_grad, B * H, s, dzc, d["w_hh"], d["lengths"], direct, has_direct,
                         grad_h_n.dtype.type(0), dh[cur], dh[1 - cur])
            cur = 1 - cur
        return dh[cur].copy_to_host()

    def _finish_forward(self, x, out_device, lengths, reverse, params, record, d, **tape_arrays):
        """Copy the output to the host and, when recording, keep the device arrays in a tape."""
        out_host = out_device.copy_to_host()
        if not record:
            return out_host, None
        d.update(tape_arrays)
        return out_host, LayerTape(x, out_host, lengths, reverse, params, None, {"device": d})

    def _tape_arrays(self, shape, dtype, record, n):
        return [self._zeros(shape if record else (1, 1, 1), dtype) for _ in range(n)]


class LSTMOpsCUDA(_CudaOps):
    has_cell_state = True

    def forward(self, x, params, h0, c0, lengths, reverse, record):
        T, B, _ = x.shape
        H = h0.shape[1]
        d, xproj = self._common_forward(x, params, lengths, fold_bias=True)
        out = self._zeros((T, B, H), x.dtype)
        gates = self._tape_arrays((T, B, 4 * H), x.dtype, record, 1)[0]
        c_prev, tanh_c, h_prev = self._tape_arrays((T, B, H), x.dtype, record, 3)
        h = [self._dev(h0), self._empty((B, H), x.dtype)]
        c = [self._dev(c0), self._empty((B, H), x.dtype)]
        steps = int(lengths.max())
        for s in range(steps):
            a, b = s % 2, (s + 1) % 2
            self._launch(self.k_lstm.lstm_step, B * H, s, xproj, d["w_hh"], h[a], c[a], d["lengths"], reverse,
                         record, h[b], c[b], out, gates, c_prev, tanh_c, h_prev)
        out_host, tape = self._finish_forward(x, out, lengths, reverse, params, record, d, gates=gates,
                                              c_prev=c_prev, tanh_c=tanh_c, h_prev=h_prev)
        return out_host, h[steps % 2].copy_to_host(), c[steps % 2].copy_to_host(), tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n):
        d = tape.arrays["device"]
        T, B, H = grad_out.shape
        go = self._dev(grad_out)
        dc = [self._dev(grad_c_n), self._empty((B, H), grad_out.dtype)]
        dz = self._zeros((T, B, 4 * H), grad_out.dtype)
        dzc = self._empty((B, 4 * H), grad_out.dtype)
        turn = [0]

        def cell_step(s, dh_in):
            a = turn[0]
            self._launch(self.k_lstm.lstm_backward_step, B * H, s, go, dh_in, dc[a], d["lengths"], tape.reverse,
                         d["gates"], d["c_prev"], d["tanh_c"], dc[1 - a], dzc, dz)
            turn[0] = 1 - a
        dh0 = self._backward_steps(tape, grad_h_n, dzc, cell_step)
        grads = self._weight_grads(tape, dz, dz)
        grads["h0"], grads["c0"] = dh0, dc[turn[0]].copy_to_host()
        return grads


class GRUOpsCUDA(_CudaOps):

    def forward(self, x, params, h0, c0, lengths, reverse, record):
        T, B, _ = x.shape
        H = h0.shape[1]
        d, xproj = self._common_forward(x, params, lengths, fold_bias=False)
        b_hh = self._dev(params.b_hh if params.b_hh is not None else np.zeros(3 * H, x.dtype))
        out = self._zeros((T, B, H), x.dtype)
        gates = self._tape_arrays((T, B, 3 * H), x.dtype, record, 1)[0]
        hn, h_prev = self._tape_arrays((T, B, H), x.dtype, record, 2)
        h = [self._dev(h0), self._empty((B, H), x.dtype)]
        steps = int(lengths.max())
        for s in range(steps):
            self._launch(self.k_gru.gru_step, B * H, s, xproj, d["w_hh"], b_hh, h[s % 2], d["lengths"], reverse,
                         record, h[(s + 1) % 2], out, gates, hn, h_prev)
        out_host, tape = self._finish_forward(x, out, lengths, reverse, params, record, d, gates=gates, hn=hn,
                                              h_prev=h_prev)
        return out_host, h[steps % 2].copy_to_host(), None, tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n):
        d = tape.arrays["device"]
        T, B, H = grad_out.shape
        go = self._dev(grad_out)
        dz_in, dz_hid = self._zeros((T, B, 3 * H), grad_out.dtype), self._zeros((T, B, 3 * H), grad_out.dtype)
        dzc, direct = self._empty((B, 3 * H), grad_out.dtype), self._empty((B, H), grad_out.dtype)

        def cell_step(s, dh_in):
            self._launch(self.k_gru.gru_backward_step, B * H, s, go, dh_in, d["lengths"], tape.reverse,
                         d["gates"], d["hn"], d["h_prev"], direct, dzc, dz_in, dz_hid)
        dh0 = self._backward_steps(tape, grad_h_n, dzc, cell_step, direct)
        grads = self._weight_grads(tape, dz_in, dz_hid)
        grads["h0"] = dh0
        return grads


class RNNOpsCUDA(_CudaOps):
    def __init__(self, nonlinearity="tanh"):
        super().__init__()
        self.relu = nonlinearity == "relu"

    def forward(self, x, params, h0, c0, lengths, reverse, record):
        T, B, _ = x.shape
        H = h0.shape[1]
        d, xproj = self._common_forward(x, params, lengths, fold_bias=True)
        out = self._zeros((T, B, H), x.dtype)
        h_prev = self._tape_arrays((T, B, H), x.dtype, record, 1)[0]
        h = [self._dev(h0), self._empty((B, H), x.dtype)]
        steps = int(lengths.max())
        for s in range(steps):
            self._launch(self.k_rnn.rnn_step, B * H, s, xproj, d["w_hh"], h[s % 2], d["lengths"], reverse,
                         self.relu, record, h[(s + 1) % 2], out, h_prev)
        out_host, tape = self._finish_forward(x, out, lengths, reverse, params, record, d, h_prev=h_prev, out=out)
        return out_host, h[steps % 2].copy_to_host(), None, tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n):
        d = tape.arrays["device"]
        T, B, H = grad_out.shape
        go = self._dev(grad_out)
        dz = self._zeros((T, B, H), grad_out.dtype)
        dzc = self._empty((B, H), grad_out.dtype)

        def cell_step(s, dh_in):
            self._launch(self.k_rnn.rnn_backward_step, B * H, s, go, dh_in, d["lengths"], tape.reverse,
                         self.relu, d["out"], dzc, dz)
        dh0 = self._backward_steps(tape, grad_h_n, dzc, cell_step)
        grads = self._weight_grads(tape, dz, dz)
        grads["h0"] = dh0
        return grads
