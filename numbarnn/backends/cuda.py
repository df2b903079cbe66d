"""The CUDA backend: one layer direction on the GPU, with the contract of :mod:`numbarnn.backends.base`.

Two stages run the recurrence:

* **Persistent** (batches up to ``config.CUDA_PERSISTENT_MAX_BATCH``): one
  cooperative launch per sequence, forward and backward; each block keeps
  its slice of ``w_hh`` in shared memory and the grid synchronises once per
  step (:mod:`numbarnn.kernels.cuda.persistent`).
* **Per step**: one fused kernel per timestep (recurrent product plus gate
  arithmetic), two per backward step.

Around either, the input projection for all timesteps is one GEMM before the
loop and the weight gradients are GEMMs after it: CuPy's (cuBLAS, strict
float32) when CuPy is installed, else a tiled numba GEMM. Inputs may be host
NumPy arrays or GPU arrays; what a layer returns stays on the GPU (numba
device arrays, zero-copy views of the caller's memory where possible), and
the networks decide what goes back to the host. Parameter gradients are
returned as host arrays, where the parameters live. Launch settings are read
from :mod:`numbarnn.config` (``CUDA_*``) at every call.
"""

import collections
import math

import numpy as np

from .. import config
from ..kernels.cuda.runtime import SIM, allow_dynamic_shared, as_device, is_device_array, require_gpu
from . import base

#: Dynamic shared memory every CUDA device gives a block without an opt-in.
_DEFAULT_SHARED = 48 * 1024
#: Placeholder for the persistent kernels' ``use_smem`` argument, decided at launch.
_SMEM = object()

_Plan = collections.namedtuple("_Plan", "J tiles blocks threads bt chunk stage_bytes weight_bytes use_smem")

_FACTS = {}
_GRIDS = {}


def _device_facts(cuda):
    """SM count and the dynamic shared memory a persistent block may take on the current GPU (looked up once).

    That is the opt-in maximum per block less ``config.CUDA_STATIC_SHARED``, which the kernels' own static
    shared memory must fit in (the sm_90 compile test checks it).
    """
    if SIM:
        return {"sms": 1, "shared": _DEFAULT_SHARED}
    dev = cuda.get_current_device()
    if dev.id not in _FACTS:
        try:
            shared = dev.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
        except AttributeError:  # pragma: no cover - depends on the driver binding
            shared = _DEFAULT_SHARED
        _FACTS[dev.id] = {"sms": dev.MULTIPROCESSOR_COUNT,
                          "shared": max(_DEFAULT_SHARED, shared - config.CUDA_STATIC_SHARED)}
    return _FACTS[dev.id]


def _cooperative_grid(kernel, threads, shared, most):
    """Blocks of a specialised kernel that can be co-resident with ``shared`` bytes of dynamic shared memory.

    The first call for a kernel opts it in to ``most`` bytes of dynamic shared memory (the device's largest
    per block less the static reserve); the occupancy query is looked up once per (kernel, threads, bytes).
    Both are driver calls.
    """
    fn = next(iter(kernel.overloads.values()))
    if id(fn) not in _GRIDS:
        allow_dynamic_shared(fn, most)
        _GRIDS[id(fn)] = {}
    grids = _GRIDS[id(fn)]
    if (threads, shared) not in grids:
        grids[threads, shared] = fn.max_cooperative_grid_blocks(threads, shared)
    return grids[threads, shared]


def _launch(kernel, n, *args):
    """Launch a grid-stride kernel over ``n`` items."""
    threads = config.THREADS_PER_BLOCK
    kernel[max(1, min((n + threads - 1) // threads, config.CUDA_MAX_BLOCKS)), threads](*args)


_CUPY = []


def _cupy(setting):
    """CuPy when ``setting`` is "auto", CuPy is importable and the GPU is real; else None (imported once)."""
    if setting != "auto" or SIM:
        return None
    if not _CUPY:
        try:
            import cupy
        except ImportError:
            cupy = None
        _CUPY.append(cupy)
    return _CUPY[0]


def _alloc(cuda, shape, dtype):
    """An uninitialised device array.

    With CuPy installed it comes from CuPy's caching pool: freeing it returns the block to the pool,
    where numba's own allocator frees with ``cuMemFree``, which waits for the whole GPU (numba
    flushes its pending frees every ten arrays, so without a pool host work and kernels serialise).
    """
    cupy = _cupy(config.CUDA_ALLOCATOR)
    if cupy is None:
        return cuda.device_array(shape, dtype=dtype)
    owner = cupy.empty(shape, dtype=dtype)
    desc = dict(owner.__cuda_array_interface__)
    # no stream: numba then copies synchronously on the default stream, as for its own arrays
    # (an attached stream would make copy_to_host return before the copy is done)
    desc.pop("stream", None)
    return cuda.from_cuda_array_interface(desc, owner=owner, sync=False)


def _to_device(cuda, a):
    """A device array: GPU arrays as zero-copy views, host arrays copied over."""
    if is_device_array(a):
        return as_device(a)
    a = np.ascontiguousarray(a)
    out = _alloc(cuda, a.shape, a.dtype)
    out.copy_to_device(a)
    return out


def _fields(tape):
    """The device arrays of a tape by the kernels' names for them."""
    return dict(tape.private, x=tape.x, out=tape.out, h_prev=tape.h_prev, gates=tape.gates, c_prev=tape.c_prev,
                tanh_c=tape.tanh_c, hn=tape.hn)


class _CudaOps(base.LayerOps):
    #: Values per unit the persistent kernels stage for the cell each step (the most of forward and backward).
    staged = 2

    def __init__(self, cell, nonlinearity="tanh"):
        super().__init__(cell, nonlinearity)
        #: the tape arrays the kernels write, in their argument order, with their widths in units of H
        self._tape = {name: cell.gates if name == "gates" else 1 for name in (*cell.tape_fields, "h_prev")}
        self.cuda = require_gpu()
        from ..kernels.cuda import common, gru, lstm, persistent, recurrent, rnn
        self.k_common, self.k_lstm, self.k_gru, self.k_rnn, self.k_rec = common, lstm, gru, rnn, recurrent
        self.k_pers = persistent

    # -- arrays ------------------------------------------------------------------------

    def _dev(self, a):
        return _to_device(self.cuda, a)

    def _empty(self, shape, dtype):
        return _alloc(self.cuda, shape, dtype)

    def _zeros(self, shape, dtype):
        arr = self._empty(shape, dtype)
        if arr.size:
            self._launch(self.k_common.fill, arr.size, arr.reshape(arr.size), 0)
        return arr

    def _sequence_alloc(self, lengths, T):
        """How to allocate (T, B, ...) results: every row T steps long means the kernels write every
        entry; otherwise the padding must read as zeros."""
        return self._empty if int(np.min(lengths)) == T else self._zeros

    _launch = staticmethod(_launch)

    def _one(self, dtype):
        return np.dtype(dtype).type(1)

    # -- products ----------------------------------------------------------------------

    def _gemm(self, A, B, C, bias=None, trans_a=False, trans_b=False, accumulate=False):
        """C = op(A) @ op(B) (+ bias) (+ C if accumulate)."""
        cp = _cupy(config.CUDA_GEMM)
        if cp is not None:
            a, b, c = cp.asarray(A), cp.asarray(B), cp.asarray(C)
            a, b = (a.T if trans_a else a), (b.T if trans_b else b)
            if accumulate:
                c += cp.matmul(a, b)
            else:  # straight into C: no (M, N) temporary and no copy
                cp.matmul(a, b, out=c)
            if bias is not None:
                c += cp.asarray(bias)
            return
        tile = config.CUDA_TILE
        M, N = C.shape
        tiles = ((M + tile - 1) // tile) * ((N + tile - 1) // tile)
        blocks = max(1, min(tiles, config.CUDA_MAX_BLOCKS))
        if bias is None:
            bias = self._empty(0, C.dtype)
        self.k_common.gemm(tile)[blocks, (tile, tile)](A, B, C, bias, C.dtype.type(0), trans_a, trans_b,
                                                       accumulate)

    def _project(self, x, w_ih, bias):
        T, B, D = x.shape
        G = w_ih.shape[0]
        xproj = self._empty((T, B, G), x.dtype)
        self._gemm(x.reshape(T * B, D), w_ih, xproj.reshape(T * B, G), bias, trans_b=True)
        return xproj

    def _weight_grads(self, tape, dz_in, dz_hid, input_grad):
        d = _fields(tape)
        x, h_prev, w_ih = d["x"], d["h_prev"], d["w_ih"]
        T, B, D = x.shape
        G, H = dz_in.shape[2], h_prev.shape[2]
        rows = T * B
        din, dhid = dz_in.reshape(rows, G), dz_hid.reshape(rows, G)
        dw_ih, dw_hh = self._empty((G, D), x.dtype), self._empty((G, H), x.dtype)
        dx = self._empty((T, B, D), x.dtype) if input_grad else None
        self._gemm(din, x.reshape(rows, D), dw_ih, trans_a=True)
        self._gemm(dhid, h_prev.reshape(rows, H), dw_hh, trans_a=True)
        if input_grad:
            self._gemm(din, w_ih, dx.reshape(rows, D))
        grads = {"w_ih": dw_ih.copy_to_host(), "w_hh": dw_hh.copy_to_host(), "input": dx}
        if tape.params.b_ih is not None:
            for name, src in (("b_ih", din), ("b_hh", dhid)):
                out = self._empty(G, x.dtype)
                self._launch(self.k_common.column_sums, G, src, out, out.dtype.type(0))
                grads[name] = out.copy_to_host()
        return grads

    # -- the persistent stage ----------------------------------------------------------

    def _use_persistent(self, batch):
        return batch <= config.CUDA_PERSISTENT_MAX_BATCH

    def _persistent_plan(self, H, B, itemsize, K):
        """How the persistent kernels split the work (a :class:`_Plan`); ``K`` is the length of each sum.

        A block owns J units: G*J columns of an H-long sum forward, J columns of a G*H-long sum backward.
        When all of ``w_hh`` fits one block (small H), every block holds it and the blocks split the
        batch rows instead, with no grid barrier; otherwise the units are spread over the SMs. The
        carried rows are staged in chunks as long as the shared memory left beside the weights allows
        (every persistent kernel is opted in to the device's largest shared memory per block).
        """
        device = _device_facts(self.cuda)
        if config.CUDA_PERSISTENT_UNITS:
            return self._plan_for(config.CUDA_PERSISTENT_UNITS, H, B, itemsize, K, device)
        if self.cell.gates * H <= config.CUDA_WHOLE_COLUMNS:
            plan = self._plan_for(H, H, B, itemsize, K, device)
            if plan.use_smem:
                return plan
        return self._plan_for(math.ceil(H / device["sms"]), H, B, itemsize, K, device)

    def _plan_for(self, J, H, B, itemsize, K, device):
        G = self.cell.gates
        J = min(J, H, max(1, 1024 // G))
        tiles = math.ceil(H / J)
        bt = self.k_pers.batch_tile(B if tiles > 1 else math.ceil(B / device["sms"]))
        blocks = tiles if tiles > 1 else math.ceil(B / bt)
        threads = max(config.CUDA_PERSISTENT_THREADS, 32 * math.ceil(G * J / 32))
        fixed = (threads + self.staged * J) * bt * itemsize  # partial sums, the cell's inputs for a step
        weight_bytes = G * J * H * itemsize
        row_bytes = bt * itemsize  # one staged entry of every row in the group
        # weights on chip when a chunk of at least 32 entries still fits beside them
        use_smem = weight_bytes + fixed + min(K, 32) * row_bytes <= device["shared"]
        room = device["shared"] - fixed - (weight_bytes if use_smem else 0)
        chunk = min(K, max(1, room // row_bytes), config.CUDA_PERSISTENT_CHUNK or K)
        return _Plan(J, tiles, blocks, threads, bt, chunk, fixed + chunk * row_bytes, weight_bytes, use_smem)

    def _launch_persistent(self, name, plan, *args):
        """Cooperative launch with as many blocks as can be co-resident (one, under the simulator).

        ``args`` holds :data:`_SMEM` where the kernel takes ``use_smem``: the weights go to shared
        memory when they fit (and, with several tiles, when every tile gets its own resident block),
        else they stream from global memory.
        """
        base = getattr(self.k_pers.kernels(plan.bt), name)
        args = list(args)
        i_smem = next(i for i, a in enumerate(args) if a is _SMEM)
        for attempt in (plan.use_smem, False):
            args[i_smem] = attempt
            shared = plan.stage_bytes + (plan.weight_bytes if attempt else 0)
            kernel = base
            if SIM:  # the simulator's grid barrier is right for one block only
                grid = min(plan.blocks, config.CUDA_SIM_BLOCKS) if plan.tiles == 1 else 1
            else:
                kernel = base.specialize(*args)
                most = _device_facts(self.cuda)["shared"]
                grid = min(plan.blocks, _cooperative_grid(kernel, plan.threads, shared, most))
            if grid >= 1 and (not attempt or plan.tiles == 1 or grid == plan.tiles):
                events = config.CUDA_LAUNCH_EVENTS
                if events is not None:
                    events.append((name, self.cuda.event(), self.cuda.event()))
                    events[-1][1].record()
                kernel[grid, plan.threads, 0, shared](*args)
                if events is not None:
                    events[-1][2].record()
                return
        raise RuntimeError("the persistent kernel cannot be launched on this GPU; "
                           "set NUMBARNN_CUDA_PERSISTENT_MAX_BATCH=0 to use the per-step kernels")

    def _packed(self, w_hh, plan, forward):
        J, tiles = plan.J, plan.tiles
        G = self.cell.gates
        H = w_hh.shape[1]
        if forward:
            out = self._empty((tiles, H, G * J), w_hh.dtype)
            self._launch(self.k_common.pack_rows, out.size, w_hh, G, J, out)
        else:
            out = self._empty((tiles, G * H, J), w_hh.dtype)
            self._launch(self.k_common.pack_columns, out.size, w_hh, J, out)
        return out.reshape(out.size)

    # -- shared forward and backward machinery -----------------------------------------

    def _common_forward(self, x, params, lengths, fold_bias):
        bias = None
        if params.b_ih is not None:  # parameters are host arrays; the biases are folded there
            bias = self._dev(params.b_ih + params.b_hh if fold_bias else params.b_ih)
        d = {"x": self._dev(x), "w_ih": self._dev(params.w_ih), "w_hh": self._dev(params.w_hh),
             "lengths": self._dev(np.asarray(lengths, dtype=np.int64))}
        return d, self._project(d["x"], d["w_ih"], bias)

    def _state_buffers(self, h0, dtype):
        """Double buffer (2, B, H) for h with h0 in its first half."""
        hbuf = self._empty((2,) + tuple(h0.shape), dtype)
        hbuf[0].copy_to_device(self._dev(h0))
        return hbuf

    def _run_forward(self, x, params, h0, lengths, reverse, record, tape_shapes, cell_args, fold_bias, c0=None):
        """Allocate, run the persistent or the per-step forward, and build the tape.

        ``tape_shapes`` maps tape names to their last dimension in units of H; ``cell_args``
        is the cell's extra kernel argument (the GRU's device ``b_hh``; ``None`` otherwise).
        """
        T, B, _ = x.shape
        H = h0.shape[1]
        dtype = np.dtype(params.w_hh.dtype)
        d, xproj = self._common_forward(x, params, lengths, fold_bias)
        alloc = self._sequence_alloc(lengths, T)
        out = alloc((T, B, H), dtype)
        tape = {name: alloc((T, B, k * H), dtype) if record else self._empty((1, 1, 1), dtype)
                for name, k in tape_shapes.items()}
        hbuf = self._state_buffers(h0, dtype)
        cbuf = None
        if c0 is not None:
            cbuf = self._empty((B, H), dtype)
            cbuf.copy_to_device(self._dev(c0))
        steps = int(np.max(lengths))
        one = self._one(dtype)
        if self._use_persistent(B):
            plan = self._persistent_plan(H, B, dtype.itemsize, H)
            wflat = self._packed(d["w_hh"], plan, forward=True)
            hflat = hbuf.reshape(hbuf.size)
            self._persistent_forward(plan, steps, xproj, wflat, hbuf, hflat, cbuf, d, reverse, record, one, out,
                                     tape, cell_args)
            final = steps % 2
        else:
            w_t = self._empty((H, self.cell.gates * H), dtype)
            self._launch(self.k_common.transpose, w_t.size, d["w_hh"], w_t)
            final = self._step_forward(steps, xproj, w_t, hbuf, cbuf, d, reverse, record, one, out, tape, cell_args)
        h_n = self._empty((B, H), dtype)
        h_n.copy_to_device(hbuf[final])
        if not record:
            return out, h_n, cbuf, None
        private = {"w_ih": d["w_ih"], "w_hh": d["w_hh"], "lengths": d["lengths"]}
        return out, h_n, cbuf, base.LayerTape(d["x"], out, tape["h_prev"], np.asarray(lengths), reverse, params,
                                              gates=tape.get("gates"), c_prev=tape.get("c_prev"),
                                              tanh_c=tape.get("tanh_c"), hn=tape.get("hn"), private=private)

    def _run_backward(self, tape, grad_out, grad_h_n, grad_c_n, dz_names, input_grad):
        """Allocate, run the persistent or the per-step BPTT, then the weight-gradient GEMMs."""
        d = _fields(tape)
        T, B, H = d["out"].shape
        dtype = d["out"].dtype
        G = self.cell.gates
        go = self._dev(grad_out)
        alloc = self._sequence_alloc(tape.lengths, T)
        dz = {name: alloc((T, B, G * H), dtype) for name in dz_names}
        dh = self._empty((B, H), dtype)
        dh.copy_to_device(self._dev(grad_h_n))
        dc = None
        if grad_c_n is not None:
            dc = self._empty((B, H), dtype)
            dc.copy_to_device(self._dev(grad_c_n))
        steps = int(np.max(tape.lengths))
        one = self._one(dtype)
        if self._use_persistent(B):
            plan = self._persistent_plan(H, B, dtype.itemsize, G * H)
            wflat = self._packed(d["w_hh"], plan, forward=False)
            dzc = self._zeros((2, B, G * H), dtype)
            self._persistent_backward(plan, steps, go, wflat, dzc, dh, dc, d, tape.reverse, one, dz)
        else:
            dh = self._step_backward(steps, go, dh, dc, d, tape.reverse, one, dz)
        dz_list = list(dz.values())
        grads = self._weight_grads(tape, dz_list[0], dz_list[-1], input_grad)
        grads["h0"], grads["c0"] = dh, dc
        return grads

    def _step_backward(self, steps, go, dh0, dc, d, reverse, one, dz):
        """Per-step BPTT: the cell's gate-gradient kernel, then ``dz @ w_hh`` (+ the direct term)."""
        B, H = dh0.shape
        dtype = dh0.dtype
        dh = [dh0, self._empty((B, H), dtype)]
        dcs = [dc, self._empty((B, H), dtype) if dc is not None else None]
        dzc = self._empty((B, self.cell.gates * H), dtype)
        direct = self._empty((B, H), dtype)
        cur = 0
        for s in reversed(range(steps)):
            has_direct = self._cell_backward_step(s, go, dh[cur], dcs, cur, d, reverse, one, dzc, direct, dz)
            self._launch(self.k_rec.recurrent_grad, B * H, s, dzc, d["w_hh"], d["lengths"], direct, has_direct,
                         dtype.type(0), dh[cur], dh[1 - cur])
            cur = 1 - cur
        if dc is not None and cur == 1:
            dc.copy_to_device(dcs[1])
        return dh[cur]

    @staticmethod
    def _tape_lists(tape, names):
        return [tape[n] for n in names]


class LSTMOpsCUDA(_CudaOps):
    staged = 7

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        return self._run_forward(x, params, h0, lengths, reverse, record, self._tape, None, True, c0=c0)

    def _persistent_forward(self, plan, steps, xproj, wflat, hbuf, hflat, cbuf, d, reverse, record, one, out,
                            tape, cell_args):
        self._launch_persistent("lstm_forward", plan, steps, xproj, wflat, plan.J, plan.chunk, hbuf,
                                hflat, cbuf, d["lengths"], reverse, record, _SMEM, one, out,
                                *self._tape_lists(tape, self._tape))

    def _step_forward(self, steps, xproj, w_t, hbuf, cbuf, d, reverse, record, one, out, tape, cell_args):
        B, H = cbuf.shape
        c = [cbuf, self._empty((B, H), cbuf.dtype)]
        for s in range(steps):
            a, b = s % 2, (s + 1) % 2
            self._launch(self.k_lstm.lstm_step, B * H, s, xproj, w_t, hbuf[a], c[a], d["lengths"], reverse,
                         record, one, hbuf[b], c[b], out, *self._tape_lists(tape, self._tape))
        if steps % 2:
            cbuf.copy_to_device(c[1])
        return steps % 2

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        return self._run_backward(tape, grad_out, grad_h_n, grad_c_n, ("dz",), input_grad)

    def _persistent_backward(self, plan, steps, go, wflat, dzc, dh, dc, d, reverse, one, dz):
        self._launch_persistent("lstm_backward", plan, steps, go, wflat, plan.J, plan.chunk, dzc,
                                dzc.reshape(dzc.size), dh, dc, d["lengths"], reverse, _SMEM, one,
                                d["gates"], d["c_prev"], d["tanh_c"], dz["dz"])

    def _cell_backward_step(self, s, go, dh_in, dcs, cur, d, reverse, one, dzc, direct, dz):
        B, H = dh_in.shape
        self._launch(self.k_lstm.lstm_backward_step, B * H, s, go, dh_in, dcs[cur], d["lengths"], reverse,
                     d["gates"], d["c_prev"], d["tanh_c"], one, dcs[1 - cur], dzc, dz["dz"])
        return False


class GRUOpsCUDA(_CudaOps):
    staged = 6

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        H = h0.shape[1]
        b_hh = params.b_hh if params.b_hh is not None else np.zeros(3 * H, params.w_hh.dtype)
        return self._run_forward(x, params, h0, lengths, reverse, record, self._tape, self._dev(b_hh), False)

    def _persistent_forward(self, plan, steps, xproj, wflat, hbuf, hflat, cbuf, d, reverse, record, one, out,
                            tape, b_hh):
        self._launch_persistent("gru_forward", plan, steps, xproj, wflat, plan.J, plan.chunk, b_hh,
                                hbuf, hflat, d["lengths"], reverse, record, _SMEM, one, out,
                                *self._tape_lists(tape, self._tape))

    def _step_forward(self, steps, xproj, w_t, hbuf, cbuf, d, reverse, record, one, out, tape, b_hh):
        B, H = hbuf.shape[1:]
        for s in range(steps):
            self._launch(self.k_gru.gru_step, B * H, s, xproj, w_t, b_hh, hbuf[s % 2], d["lengths"], reverse,
                         record, one, hbuf[(s + 1) % 2], out, *self._tape_lists(tape, self._tape))
        return steps % 2

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        return self._run_backward(tape, grad_out, grad_h_n, None, ("dz_in", "dz_hid"), input_grad)

    def _persistent_backward(self, plan, steps, go, wflat, dzc, dh, dc, d, reverse, one, dz):
        self._launch_persistent("gru_backward", plan, steps, go, wflat, plan.J, plan.chunk, dzc,
                                dzc.reshape(dzc.size), dh, d["lengths"], reverse, _SMEM, one,
                                d["gates"], d["hn"], d["h_prev"], dz["dz_in"], dz["dz_hid"])

    def _cell_backward_step(self, s, go, dh_in, dcs, cur, d, reverse, one, dzc, direct, dz):
        B, H = dh_in.shape
        self._launch(self.k_gru.gru_backward_step, B * H, s, go, dh_in, d["lengths"], reverse, d["gates"],
                     d["hn"], d["h_prev"], one, direct, dzc, dz["dz_in"], dz["dz_hid"])
        return True


class RNNOpsCUDA(_CudaOps):

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        return self._run_forward(x, params, h0, lengths, reverse, record, self._tape, None, True)

    def _persistent_forward(self, plan, steps, xproj, wflat, hbuf, hflat, cbuf, d, reverse, record, one, out,
                            tape, cell_args):
        self._launch_persistent("rnn_forward", plan, steps, xproj, wflat, plan.J, plan.chunk, hbuf,
                                hflat, d["lengths"], reverse, self.relu, record, _SMEM, one, out,
                                tape["h_prev"])

    def _step_forward(self, steps, xproj, w_t, hbuf, cbuf, d, reverse, record, one, out, tape, cell_args):
        B, H = hbuf.shape[1:]
        for s in range(steps):
            self._launch(self.k_rnn.rnn_step, B * H, s, xproj, w_t, hbuf[s % 2], d["lengths"], reverse,
                         self.relu, record, one, hbuf[(s + 1) % 2], out, tape["h_prev"])
        return steps % 2

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        return self._run_backward(tape, grad_out, grad_h_n, None, ("dz",), input_grad)

    def _persistent_backward(self, plan, steps, go, wflat, dzc, dh, dc, d, reverse, one, dz):
        self._launch_persistent("rnn_backward", plan, steps, go, wflat, plan.J, plan.chunk, dzc,
                                dzc.reshape(dzc.size), dh, d["lengths"], reverse, self.relu, _SMEM, one,
                                d["out"], dz["dz"])

    def _cell_backward_step(self, s, go, dh_in, dcs, cur, d, reverse, one, dzc, direct, dz):
        B, H = dh_in.shape
        self._launch(self.k_rnn.rnn_backward_step, B * H, s, go, dh_in, d["lengths"], reverse, self.relu,
                     d["out"], one, dzc, dz["dz"])
        return False


_OPS = {"rnn": RNNOpsCUDA, "lstm": LSTMOpsCUDA, "gru": GRUOpsCUDA}


class Backend(base.Backend):
    """numba device arrays between layers; host and GPU arrays (CuPy, PyTorch, numba) in, the caller's kind out.

    Building it raises a clear error when no GPU (or the simulator) is usable.
    """

    name = "cuda"

    def __init__(self):
        self.cuda = require_gpu()
        from ..kernels.cuda import common, embedding
        self.k = common
        self.embedding = embedding

    _launch = staticmethod(_launch)

    def layer_ops(self, cell, nonlinearity="tanh"):
        return _OPS[cell.name](cell, nonlinearity)

    def is_device_input(self, a):
        return is_device_array(a)

    def embedding_forward(self, weight, ids):
        weight = self.from_user(weight)
        out = self.empty((ids.shape[0], weight.shape[1]), weight.dtype)
        self._launch(self.embedding.embedding_gather, out.size, weight, self.from_user(ids), out)
        return out

    def embedding_backward(self, grad, ids, num_embeddings, padding_idx):
        grad = self.from_user(grad)
        out = self.empty((num_embeddings, grad.shape[1]), grad.dtype)
        self._launch(self.k.fill, out.size, out.reshape(out.size), 0)
        self._launch(self.embedding.embedding_scatter, grad.shape[1], grad, self.from_user(ids), padding_idx, out)
        return out.copy_to_host()

    def empty(self, shape, dtype):
        return _alloc(self.cuda, shape, dtype)

    def put(self, dst, k, src):
        dst[k].copy_to_device(src)

    def from_user(self, a):
        """A device array for a host or GPU array (GPU arrays are not copied)."""
        return _to_device(self.cuda, a)

    def checked(self, name, a, dtype, shape, lengths=None, finite=True, hint=""):
        """A contiguous device copy of GPU array ``a`` after checking its dtype, shape and values.

        Steps at or past ``lengths`` (per row of a (T, B, F) array) are set to zero and not checked.
        """
        a = as_device(a)
        if np.dtype(a.dtype) != np.dtype(dtype):
            raise TypeError(f"{name} is a {a.dtype} GPU array; this network is {np.dtype(dtype)}: convert it on the "
                            f"GPU first (e.g. .astype('{np.dtype(dtype)}')) or build the network with that dtype")
        if tuple(a.shape) != tuple(shape):
            raise ValueError(f"{name} has shape {tuple(a.shape)}; expected {tuple(shape)}")
        view = a.reshape(a.shape[0], 1, -1) if a.ndim == 2 else a
        if view.ndim != 3:
            view = a.reshape(1, 1, -1)
        rows = np.full(view.shape[1], view.shape[0], np.int64) if lengths is None else lengths
        out = self.empty(view.shape, a.dtype)
        count = self.from_user(np.zeros(1, np.int64))
        self._launch(self.k.mask_padding, out.size, view, self.from_user(rows), out, count)
        n = int(count.copy_to_host()[0])
        if finite and n:
            raise ValueError(f"{name} holds {n} NaN or infinite value(s){hint}")
        return out.reshape(a.shape) if lengths is None else out

    def concat_last(self, parts):
        T, B = parts[0].shape[:2]
        out = self.empty((T, B, sum(p.shape[2] for p in parts)), parts[0].dtype)
        col = 0
        for p in parts:
            self._launch(self.k.copy_columns, p.size, p, out, col, True)
            col += p.shape[2]
        return out

    def swap_leading(self, a):
        a = self.from_user(a)
        out = self.empty((a.shape[1], a.shape[0], a.shape[2]), a.dtype)
        self._launch(self.k.swap_leading, out.size, a, out)
        return out

    def columns(self, a, lo, hi):
        out = self.empty(a.shape[:2] + (hi - lo,), a.dtype)
        self._launch(self.k.copy_columns, out.size, out, a, lo, False)
        return out

    def multiply(self, a, b):
        return self._binary(self.k.multiply, a, b)

    def add(self, a, b):
        return self._binary(self.k.add, a, b)

    def _binary(self, kernel, a, b):
        b = self.from_user(b)
        out = self.empty(a.shape, a.dtype)
        self._launch(kernel, out.size, a.reshape(a.size), b.reshape(b.size), out.reshape(out.size))
        return out

    def to_host(self, a):
        return a.copy_to_host() if is_device_array(a) else np.asarray(a)

    def to_user(self, a, like):
        """``a`` as the kind of array ``like`` is: host NumPy, CuPy, a PyTorch tensor, or a numba device array."""
        if not is_device_array(like):
            return a.copy_to_host()
        kind = type(like).__module__.split(".")[0]
        if kind == "cupy":
            import cupy
            return cupy.asarray(a)
        if kind == "torch":
            import torch
            return torch.as_tensor(a, device=like.device)
        return a
