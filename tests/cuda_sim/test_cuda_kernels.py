"""CUDA kernels against the CPU kernels, every cell, forward and backward.

Runs on a real GPU when one is usable, otherwise under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported; tests/test_cuda.py
launches this module that way with small tiles and blocks). Sizes stay small
(T = 5, B = 2, H = 6) because every simulated thread is a Python thread:
float64 runs are stacked (2 layers), float32 runs bidirectional, all with
variable lengths, so every cell is covered both ways in about a minute.
"""

import numpy as np
import pytest
from numba.core import config as numba_config

if not numba_config.ENABLE_CUDASIM:
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU or NUMBA_ENABLE_CUDASIM=1", allow_module_level=True)

import numbarnn  # noqa: E402
from numbarnn import config  # noqa: E402
from numbarnn.backends import cuda as cuda_backend  # noqa: E402

@pytest.fixture(autouse=True)
def _small_persistent_blocks(monkeypatch):
    """Under the simulator every thread is a Python thread: persistent blocks of 64 threads, not 256.

    64 threads still give several reduction slices per column and a fold of the partial sums for
    every cell at these sizes; on a real GPU the defaults are kept.
    """
    if numba_config.ENABLE_CUDASIM:
        monkeypatch.setattr(config, "CUDA_PERSISTENT_THREADS", 64)


CELLS = [(numbarnn.RNN, {"nonlinearity": "tanh"}), (numbarnn.RNN, {"nonlinearity": "relu"}),
         (numbarnn.LSTM, {}), (numbarnn.GRU, {})]
IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def _pair(cls, kwargs, dtype, **net):
    cpu = cls(3, 6, dtype=dtype, seed=0, **kwargs, **net)
    gpu = cls(3, 6, dtype=dtype, device="cuda", **kwargs, **net)
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu


def _compare(cpu, gpu, tol, lengths=(5, 3)):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((max(lengths), len(lengths), 3)).astype(cpu.dtype)
    o1, s1, t1 = cpu.forward(x, lengths=list(lengths))
    o2, s2, t2 = gpu.forward(x, lengths=list(lengths))
    np.testing.assert_allclose(o2, o1, **tol)
    for a, b in zip(s1 if isinstance(s1, tuple) else (s1,), s2 if isinstance(s2, tuple) else (s2,)):
        np.testing.assert_allclose(b, a, **tol)
    g = np.cos(o1).astype(cpu.dtype)
    g1, g2 = cpu.backward(t1, g), gpu.backward(t2, g)
    for name in (*cpu.params, "input"):
        scale = max(1.0, float(np.abs(g1[name]).max()))
        np.testing.assert_allclose(g2[name], g1[name], rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=name)
    for a, b in zip(g1["state"] if isinstance(g1["state"], tuple) else (g1["state"],),
                    g2["state"] if isinstance(g2["state"], tuple) else (g2["state"],)):
        np.testing.assert_allclose(b, a, **tol)


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_float64_matches_cpu(cls, kwargs):
    cpu, gpu = _pair(cls, kwargs, "float64", num_layers=2)
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12))


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_float32_matches_cpu(cls, kwargs):
    cpu, gpu = _pair(cls, kwargs, "float32", bidirectional=True, bias=False)
    _compare(cpu, gpu, dict(rtol=1e-4, atol=1e-5), lengths=(5, 2))


@pytest.mark.parametrize("cls,kwargs", CELLS[1:], ids=IDS[1:])
def test_persistent_batch_tiles_and_chunks(cls, kwargs, monkeypatch):
    """One row (batch tile 1, no fold), three rows (tile 4, a padded row), all rows full length
    (no zero fill), and the carried vector staged in chunks of 4 entries."""
    monkeypatch.setattr(config, "CUDA_PERSISTENT_CHUNK", 4)
    cpu, gpu = _pair(cls, kwargs, "float64")
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12), lengths=(4,))
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12), lengths=(3, 3, 3))


@pytest.mark.parametrize("cls,kwargs", CELLS[1:], ids=IDS[1:])
def test_persistent_blocks_split_rows(cls, kwargs, monkeypatch):
    """Small H: every block holds all of w_hh and the blocks take batch rows in turn (no grid barrier)."""
    facts = {"sms": 2, "shared": cuda_backend._DEFAULT_SHARED}
    monkeypatch.setattr(cuda_backend, "_device_facts", lambda cuda: facts)
    monkeypatch.setattr(config, "CUDA_SIM_BLOCKS", 2)
    cpu, gpu = _pair(cls, kwargs, "float64")
    plan = gpu._ops._persistent_plan(6, 3, 8, 6)
    assert (plan.tiles, plan.bt, plan.blocks) == (1, 2, 2)
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12), lengths=(5, 3, 4))


def test_persistent_batch_tile_of_sixteen():
    """Nine rows: the 16-row batch tile, with seven rows staged as zeros."""
    cpu, gpu = _pair(numbarnn.RNN, {"nonlinearity": "tanh"}, "float64")
    assert gpu._ops._persistent_plan(6, 9, 8, 6).bt == 16
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12), lengths=(2, 1, 2, 2, 1, 2, 2, 2, 1))


def test_persistent_plans_for_an_h100(monkeypatch):
    """What the planner picks with an H100's 132 SMs and 227 KiB of shared memory per block."""
    facts = {"sms": 132, "shared": 227 * 1024}
    monkeypatch.setattr(cuda_backend, "_device_facts", lambda cuda: facts)
    monkeypatch.setattr(config, "CUDA_PERSISTENT_THREADS", 256)  # the default, not the simulator's 64
    lstm = numbarnn.LSTM(2, 3, device="cuda")._ops
    small = lstm._persistent_plan(64, 1, 4, 64)  # all of w_hh in one block: one tile, no grid barrier
    assert (small.J, small.tiles, small.blocks, small.bt, small.chunk, small.use_smem) == (64, 1, 1, 1, 64, True)
    assert lstm._persistent_plan(64, 64, 4, 64).blocks == 64  # blocks take the rows
    mid = lstm._persistent_plan(256, 8, 4, 256)
    assert (mid.J, mid.tiles, mid.blocks, mid.bt, mid.chunk, mid.use_smem) == (2, 128, 128, 8, 256, True)
    wide = lstm._persistent_plan(1024, 16, 4, 4096)  # backward: 4H-long sums in chunks beside the weights
    assert (wide.J, wide.tiles, wide.bt, wide.chunk, wide.use_smem) == (8, 128, 16, 1272, True)
    assert lstm._persistent_plan(1024, 16, 4, 1024).chunk == 1024
    f64 = lstm._persistent_plan(96, 4, 8, 96)  # float64 w_hh is too big for one block: spread instead
    assert (f64.J, f64.tiles, f64.bt) == (1, 96, 4)
    for H in (16, 64, 96, 128, 256, 512, 1024, 2048):
        for B in (1, 3, 8, 16, 64):
            for itemsize in (4, 8):
                for K in (H, 4 * H):
                    plan = lstm._persistent_plan(H, B, itemsize, K)
                    assert plan.stage_bytes + plan.use_smem * plan.weight_bytes <= facts["shared"], plan
                    assert 4 * plan.J <= plan.threads <= 1024, plan


def test_launch_events_time_each_persistent_launch(monkeypatch):
    """The benchmark hook: one (name, start, end) per persistent launch, forward then backward."""
    monkeypatch.setattr(config, "CUDA_LAUNCH_EVENTS", [])
    _, gpu = _pair(numbarnn.RNN, {"nonlinearity": "tanh"}, "float64")
    x = np.ones((2, 1, 3))
    _, _, tape = gpu.forward(x)
    gpu.backward(tape, np.ones((2, 1, 6)))
    assert [name for name, *_ in config.CUDA_LAUNCH_EVENTS] == ["rnn_forward", "rnn_backward"]


def test_single_block_grid(monkeypatch):
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 1)
    cpu, gpu = _pair(numbarnn.LSTM, {}, "float64")
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12))


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_per_step_kernels_match_cpu(cls, kwargs, monkeypatch):
    """The first stage (one launch per step), which larger batches use."""
    monkeypatch.setattr(config, "CUDA_PERSISTENT_MAX_BATCH", 0)
    cpu, gpu = _pair(cls, kwargs, "float32")
    _compare(cpu, gpu, dict(rtol=1e-4, atol=1e-5))


@pytest.mark.parametrize("cls,kwargs", CELLS[1:], ids=IDS[1:])
def test_persistent_tiles_from_global_memory(cls, kwargs, monkeypatch):
    """Several unit tiles per block: the weights stream from global memory, not shared memory."""
    monkeypatch.setattr(config, "CUDA_PERSISTENT_UNITS", 4)  # H = 6: two tiles, the second half empty
    cpu, gpu = _pair(cls, kwargs, "float64")
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12))


def _device(a):
    from numba import cuda
    return cuda.to_device(np.ascontiguousarray(a))


def test_device_arrays_stay_on_the_device():
    """GPU inputs are not copied through the host: outputs and gradients come back as device arrays."""
    cpu, gpu = _pair(numbarnn.GRU, {}, "float32", bidirectional=True)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 2, 3)).astype("float32")
    h0 = (0.1 * rng.standard_normal((2, 2, 6))).astype("float32")
    o1, s1, t1 = cpu.forward(x, h0, lengths=[5, 3])
    o2, s2, t2 = gpu.forward(_device(x), _device(h0), lengths=[5, 3])
    assert not isinstance(o2, np.ndarray) and not isinstance(s2, np.ndarray)
    np.testing.assert_allclose(o2.copy_to_host(), o1, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s2.copy_to_host(), s1, rtol=1e-4, atol=1e-5)
    g = np.cos(o1).astype("float32")
    g1, g2 = cpu.backward(t1, g), gpu.backward(t2, _device(g))
    np.testing.assert_allclose(g2["input"].copy_to_host(), g1["input"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g2["state"].copy_to_host(), g1["state"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g2["weight_hh_l0"], g1["weight_hh_l0"], rtol=1e-4, atol=1e-5)


def test_device_input_is_validated_on_the_device():
    gpu = numbarnn.LSTM(3, 4, device="cuda", seed=0)
    x = np.zeros((4, 2, 3), "float32")
    with pytest.raises(TypeError, match="float64 GPU array.*float32"):
        gpu(_device(x.astype("float64")))
    with pytest.raises(ValueError, match="features on its last axis"):
        gpu(_device(np.zeros((4, 2, 5), "float32")))
    x[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        gpu(_device(x))
    out, _ = gpu(_device(x), lengths=[1, 4])  # NaN in padding is masked, not an error
    assert np.isfinite(out.copy_to_host()).all()


def test_estimators_train_and_predict_on_the_device(tmp_path, monkeypatch):
    """``device="cuda"`` on an estimator: the same fit and the same forecast as on the CPU, with the
    LSTM's (h, c) carried from step to step, and a saved GPU model reloads on either device. (The kernels
    are tested above; one block per grid-stride launch keeps the simulator's thread count down.
    tests/test_cuda.py checks that every estimator's device reaches its network.)"""
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 1)
    t = np.arange(14.0)
    series = np.sin(t / 2)
    kw = dict(cell="lstm", hidden_size=4, lookback=3, horizon=2, epochs=1, batch_size=16, validation_fraction=0,
              dtype="float64", random_state=0)
    cpu = numbarnn.Forecaster(**kw).fit(series)
    gpu = numbarnn.Forecaster(device="cuda", **kw).fit(series)
    assert gpu.model_.net.device == "cuda"
    expected = cpu.predict()
    np.testing.assert_allclose(gpu.predict(), expected, rtol=1e-9, atol=1e-12)  # (h, c) carried step to step
    gpu.save(tmp_path / "gpu.nc")
    assert numbarnn.load(tmp_path / "gpu.nc").device == "cuda"
    np.testing.assert_allclose(numbarnn.load(tmp_path / "gpu.nc", device="cpu").predict(), expected, rtol=1e-9)


def test_analysis_of_a_gpu_network():
    """The analysis tools read a GPU network's own tapes (brought to the host; a float32 network through a
    float64 copy on the device) and get the CPU network's numbers."""
    from numbarnn.analysis import gradient_flow, jacobians, lyapunov_spectrum
    tol = dict(rtol=1e-10, atol=1e-13)
    x = np.random.default_rng(0).standard_normal((6, 2))
    for dtype in ("float64", "float32"):
        cpu = numbarnn.LSTM(2, 3, num_layers=2, dtype=dtype, seed=0)
        gpu = numbarnn.LSTM(2, 3, num_layers=2, dtype=dtype, device="cuda").load_state_dict(cpu.state_dict())
        np.testing.assert_allclose(jacobians(gpu, x).values, jacobians(cpu, x).values, **tol)
        np.testing.assert_allclose(gradient_flow(gpu, x).jacobian_norm, gradient_flow(cpu, x).jacobian_norm, **tol)
    cpu = numbarnn.GRU(2, 4, dtype="float64", seed=1)
    gpu = numbarnn.GRU(2, 4, dtype="float64", device="cuda").load_state_dict(cpu.state_dict())
    np.testing.assert_allclose(lyapunov_spectrum(gpu, steps=50, warmup=10).exponents,
                               lyapunov_spectrum(cpu, steps=50, warmup=10).exponents, **tol)


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_gpu_tape_fills_the_cpu_tape_fields(cls, kwargs, monkeypatch):
    """One tape contract: the GPU forward fills the fields the CPU forward fills, with the same values."""
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 1)
    cpu, gpu = _pair(cls, kwargs, "float64")
    x = np.random.default_rng(4).standard_normal((3, 2, 3))
    t1, t2 = cpu.forward(x)[2].layers[0][0], gpu.forward(x)[2].layers[0][0]
    for name in ("x", "out", "h_prev", "gates", "c_prev", "tanh_c", "hn"):
        a, b = getattr(t1, name), getattr(t2, name)
        assert (a is None) == (b is None) == (name not in ("x", "out", "h_prev") + cpu.cell.tape_fields), name
        if a is not None:
            np.testing.assert_allclose(gpu.backend.to_host(b), a, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cls,kwargs", CELLS[1:], ids=IDS[1:])
def test_steps_on_the_device_equal_one_call(cls, kwargs, monkeypatch):
    """``net.step`` on the GPU, every layer of a stack, with host and device inputs."""
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 1)
    cpu, gpu = _pair(cls, kwargs, "float64", num_layers=2)
    x = np.random.default_rng(5).standard_normal((3, 2, 3))
    out, final = cpu(x)
    state = None
    for t in range(3):
        out_t, state = gpu.step(x[t] if t % 2 else _device(x[t]), state)
        np.testing.assert_allclose(gpu.backend.to_host(out_t), out[t], rtol=0, atol=1e-12)
    for a, b in zip(final if isinstance(final, tuple) else (final,), state if isinstance(state, tuple) else (state,)):
        np.testing.assert_allclose(gpu.backend.to_host(b), a, rtol=0, atol=1e-12)


def test_dropout_between_layers_on_the_device(monkeypatch):
    """Dropout masks (host arrays, kept in the tape) apply on the device, forward and backward."""
    monkeypatch.setattr(config, "CUDA_MAX_BLOCKS", 1)
    cpu = numbarnn.RNN(3, 6, num_layers=2, dropout=0.5, dtype="float64", seed=0)
    gpu = numbarnn.RNN(3, 6, num_layers=2, dropout=0.5, dtype="float64", device="cuda")
    gpu.load_state_dict(cpu.state_dict())
    x = np.random.default_rng(2).standard_normal((4, 2, 3))
    o1, _, t1 = cpu.forward(x)
    assert (t1.dropout_masks[1] == 0).any()
    o2, _, t2 = gpu.forward(x, dropout_masks=t1.dropout_masks)
    np.testing.assert_allclose(o2, o1, rtol=1e-10, atol=1e-12)
    g = np.cos(o1)
    g1, g2 = cpu.backward(t1, g), gpu.backward(t2, g)
    for name in ("input", "weight_ih_l0", "weight_hh_l1"):
        np.testing.assert_allclose(g2[name], g1[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_embedding_matches_the_cpu_bit_for_bit():
    from numbarnn.nn import Embedding
    cpu = Embedding(6, 3, padding_idx=0, dtype="float64", seed=0)
    gpu = Embedding(6, 3, padding_idx=0, dtype="float64", device="cuda")
    gpu.load_state_dict(cpu.state_dict())
    ids = np.array([[1, 0], [4, 1], [1, 5]])
    out = gpu.forward(ids)
    assert cuda_backend.is_device_array(out)
    np.testing.assert_array_equal(out.copy_to_host(), cpu.forward(ids))
    g = np.random.default_rng(0).standard_normal((3, 2, 3))
    np.testing.assert_array_equal(gpu.backward(ids, g)["weight"], cpu.backward(ids, g)["weight"])


def test_decoding_steps_the_network_on_the_device():
    """Greedy decoding and beam search over a GPU network give the CPU's sequences and probabilities."""
    from numbarnn.decoding import RecurrentDecoder, beam_search, greedy
    from numbarnn.nn import Embedding, Linear
    rng = np.random.default_rng(0)
    head = Linear(4, 5, "float64", rng)
    emb = Embedding(5, 3, dtype="float64", seed=0)
    cpu = numbarnn.LSTM(3, 4, dtype="float64", seed=0)
    gpu = numbarnn.LSTM(3, 4, dtype="float64", device="cuda").load_state_dict(cpu.state_dict())
    prompts = np.array([[1, 2], [3, 0], [4, 4]])
    results = []
    for net in (cpu, gpu):
        dec = RecurrentDecoder(emb, net, head)
        start = dec.prime(prompts, lengths=[3, 2])
        results.append((greedy(dec, *start, max_length=4, eos=0), beam_search(dec, *start, max_length=4,
                                                                              beam_width=3, eos=0)))
    for c, g in zip(*results):
        np.testing.assert_array_equal(c.tokens, g.tokens)
        np.testing.assert_allclose(c.log_probs, g.log_probs, rtol=0, atol=1e-10)


def test_batch_first_on_the_device():
    """batch_first swaps axes on the device: (B, T, F) in, (B, T, H) out, the input gradient batch-first."""
    cpu, gpu = _pair(numbarnn.LSTM, {}, "float64", batch_first=True)
    x = np.random.default_rng(2).standard_normal((2, 5, 3))
    o1, _, t1 = cpu.forward(x, lengths=[5, 3])
    o2, _, t2 = gpu.forward(_device(x), lengths=[5, 3])
    assert o2.shape == (2, 5, 6)
    np.testing.assert_allclose(o2.copy_to_host(), o1, rtol=1e-10, atol=1e-12)
    g1, g2 = cpu.backward(t1, np.cos(o1)), gpu.backward(t2, _device(np.cos(o1)))
    assert g2["input"].shape == (2, 5, 3)
    np.testing.assert_allclose(g2["input"].copy_to_host(), g1["input"], rtol=1e-10, atol=1e-12)
