"""Saved models: round trip, atomic writes, clear errors for bad files, nothing unpickled."""

import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import numbarnn
from numbarnn import Forecaster
from numbarnn.estimators._persistence import write_atomic

FAST = dict(hidden_size=8, lookback=12, horizon=4, epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    y = numbarnn.datasets.co2()[:200]
    f = Forecaster(difference=1, probabilistic=True, n_samples=20, **FAST).fit(y)
    path = tmp_path_factory.mktemp("models") / "co2.nc"
    f.save(path)
    return f, path


def test_round_trip_predicts_identically(fitted):
    f, path = fitted
    g = numbarnn.load(path)
    assert type(g) is Forecaster and g.get_params() == f.get_params()
    a, b = f.predict(), g.predict()
    np.testing.assert_array_equal(a.values, b.values)
    assert b.attrs == a.attrs and b.name == a.name
    np.testing.assert_array_equal(a.time.values, b.time.values)
    np.testing.assert_array_equal(f.predict(quantiles=[0.5]).values, g.predict(quantiles=[0.5]).values)
    xr.testing.assert_allclose(f.history_, g.history_)


def test_round_trip_pandas_grid_and_covariates(tmp_path):
    idx = pd.date_range("2001-01-01", periods=60, freq="D", name="time")
    y = pd.Series(np.sin(np.arange(60) / 4), index=idx)
    f = Forecaster(**FAST).fit(y)
    f.save(tmp_path / "s.nc")
    out = numbarnn.load(tmp_path / "s.nc").predict()
    assert isinstance(out, pd.Series)
    pd.testing.assert_series_equal(out, f.predict(), check_index_type=False)  # ns vs us resolution
    grid = xr.DataArray(np.random.default_rng(0).standard_normal((60, 2, 3)), dims=("time", "x", "y"),
                        coords={"time": idx, "x": [1, 2], "y": ["a", "b", "c"]}, name="v")
    X = xr.DataArray(np.cos(np.arange(64) / 4), dims="time",
                     coords={"time": pd.date_range("2001-01-01", periods=64, freq="D", name="time")})
    f = Forecaster(**FAST).fit(grid, X=X[:60])
    f.save(tmp_path / "g.nc")
    xr.testing.assert_equal(numbarnn.load(tmp_path / "g.nc").predict(X=X), f.predict(X=X))


def test_bad_files_get_clear_errors(fitted, tmp_path):
    _, path = fitted
    with pytest.raises(FileNotFoundError, match="no model file"):
        numbarnn.load(tmp_path / "missing.nc")
    truncated = tmp_path / "truncated.nc"
    truncated.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ValueError, match="not a readable numbarnn model file"):
        numbarnn.load(truncated)
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"\x80\x04\x95 this is a pickle, not netCDF")
    with pytest.raises(ValueError, match="not a readable numbarnn model file"):
        numbarnn.load(garbage)
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_netcdf(foreign, engine="scipy")
    with pytest.raises(ValueError, match="not a numbarnn model"):
        numbarnn.load(foreign)
    with xr.open_dataset(path, engine="scipy") as ds:
        ds = ds.load()
    shapes = ds.copy()
    shapes = shapes.drop_vars("param__head__weight")
    shapes["param__head__weight"] = ("zz", np.zeros(5))
    write_atomic(shapes, tmp_path / "shapes.nc")
    with pytest.raises(ValueError, match=r"parameter 'head.weight' has shape \(5,\), expected \(2, 8\)"):
        numbarnn.load(tmp_path / "shapes.nc")
    missing = ds.drop_vars("param__rnn__weight_hh_l0")
    write_atomic(missing, tmp_path / "missing_param.nc")
    with pytest.raises(ValueError, match="parameter 'rnn.weight_hh_l0' is missing"):
        numbarnn.load(tmp_path / "missing_param.nc")
    newer = ds.copy()
    newer.attrs["format_version"] = 99
    write_atomic(newer, tmp_path / "newer.nc")
    with pytest.raises(ValueError, match="newer format; upgrade numbarnn"):
        numbarnn.load(tmp_path / "newer.nc")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"old")

    class Boom(xr.Dataset):
        __slots__ = ()

        def to_netcdf(self, *args, **kwargs):
            with open(args[0], "wb") as f:
                f.write(b"half")
            raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        write_atomic(Boom({"a": ("x", [1.0])}), target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.nc"]


def test_unfitted_save_and_unsafe_attrs(tmp_path):
    with pytest.raises(numbarnn.NotFittedError):
        Forecaster().save(tmp_path / "x.nc")
    ds = xr.Dataset({"a": ("x", [1.0])}, attrs={"tags": ["a", "b"], "flag": True, "meta": {"k": 1}})
    write_atomic(ds, tmp_path / "attrs.nc")
    with xr.open_dataset(tmp_path / "attrs.nc", engine="scipy") as back:
        assert back.attrs["tags"] == '["a", "b"]' and back.attrs["meta"] == '{"k": 1}'


def test_sequence_estimators_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 8, 2))
    X[:5, 6:] = np.nan
    reg = numbarnn.SequenceRegressor(hidden_size=4, epochs=2, random_state=0).fit(X, np.nansum(X, axis=(1, 2)))
    reg.save(tmp_path / "reg.nc")
    back = numbarnn.load(tmp_path / "reg.nc")
    assert type(back) is numbarnn.SequenceRegressor
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    labels = np.where(np.nanmean(X[:, :, 0], axis=1) > 0, "up", "down")
    clf = numbarnn.SequenceClassifier(hidden_size=4, epochs=2, class_weight="balanced", random_state=0).fit(X, labels)
    clf.save(tmp_path / "clf.nc")
    back = numbarnn.load(tmp_path / "clf.nc")
    assert back.classes_.tolist() == ["down", "up"]
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    tags = (np.nan_to_num(X[:, :, 1]) > 0).astype(int)
    tagger = numbarnn.SequenceClassifier(hidden_size=4, epochs=2, random_state=0).fit(X, tags)
    tagger.save(tmp_path / "tag.nc")
    np.testing.assert_array_equal(numbarnn.load(tmp_path / "tag.nc").predict(X), tagger.predict(X))
    flat = numbarnn.SequenceRegressor(hidden_size=4, epochs=2, random_state=0).fit(X[:, :, 0].copy(), X[:, 0, 0])
    flat.save(tmp_path / "flat.nc")
    np.testing.assert_array_equal(numbarnn.load(tmp_path / "flat.nc").predict(np.nan_to_num(X[:, :, 0])),
                                  flat.predict(np.nan_to_num(X[:, :, 0])))


def _gpu_usable():
    try:
        from numbarnn.kernels.cuda.runtime import require_gpu
        require_gpu()
    except RuntimeError:
        return False
    return True


def test_model_fitted_on_a_gpu_loads_on_the_cpu(fitted, tmp_path):
    """A file saved with device='cuda' names the way out when no GPU is here, and loads with device='cpu'."""
    if _gpu_usable():
        pytest.skip("a GPU (or the simulator) is usable here")
    f, _ = fitted
    gpu_file = tmp_path / "gpu.nc"
    f.set_params(device="cuda")
    try:
        f.save(gpu_file)
    finally:
        f.set_params(device="cpu")
    with pytest.raises(RuntimeError, match=r"gpu.nc: this model runs on device='cuda'.*load\(path, device='cpu'\)"):
        numbarnn.load(gpu_file)
    back = numbarnn.load(gpu_file, device="cpu")
    assert back.device == "cpu"
    np.testing.assert_array_equal(back.predict().values, f.predict().values)
    with pytest.raises(ValueError, match="unknown device .gpu.; expected one of .cpu., .cuda."):
        numbarnn.load(gpu_file, device="gpu")


@pytest.mark.parametrize("likelihood", [None, "student_t"])
def test_round_trip_direct_distribution_heads(tmp_path, likelihood):
    y = numbarnn.datasets.co2()[:200]
    f = Forecaster(probabilistic=True, likelihood=likelihood, quantiles=[0.1, 0.9], n_models=2, **FAST).fit(y)
    f.save(tmp_path / "q.nc")
    g = numbarnn.load(tmp_path / "q.nc")
    assert g.strategy_ == "direct"
    np.testing.assert_array_equal(f.predict(quantiles=[0.1, 0.9]).values, g.predict(quantiles=[0.1, 0.9]).values)


def test_files_without_a_recorded_strategy_keep_the_old_rule(fitted):
    """Before strategies were recorded, "auto" meant recursive for a probabilistic model."""
    f, _ = fitted
    g = Forecaster(**{**f.get_params(), "difference": 0})
    g._restore({}, {"y": f.train_data_}, {"input_kind": "xarray"})
    assert g.strategy_ == "recursive"
    g._restore({}, {"y": f.train_data_}, {"input_kind": "xarray", "strategy": "direct"})
    assert g.strategy_ == "direct"


def test_damaged_records_and_missing_variables_are_refused_at_load(fitted, tmp_path):
    """A damaged or incomplete file never loads (so it cannot fail later, at predict)."""
    _, path = fitted
    with xr.open_dataset(path, engine="scipy") as ds:
        ds = ds.load()
    cases = {"format_version": ("garbled", "format_version attribute is damaged"),
             "history_attrs": ("{not json", r"history's attributes \(history_attrs\) are damaged"),
             "manifest": ("[oops", "list of variables .* is damaged")}
    for attr, (value, message) in cases.items():
        bad = ds.copy()
        bad.attrs[attr] = value
        write_atomic(bad, tmp_path / f"{attr}.nc")
        with pytest.raises(ValueError, match=message):
            numbarnn.load(tmp_path / f"{attr}.nc")
    for var in ("state__mean_", "state__std_", "data__y"):
        assert var in ds
        write_atomic(ds.drop_vars(var), tmp_path / "incomplete.nc")
        with pytest.raises(ValueError, match=f"incomplete: it lacks '{var}'"):
            numbarnn.load(tmp_path / "incomplete.nc")
    older = ds.drop_vars("data__y")  # a file from before the manifest: still a clear error, not a KeyError
    del older.attrs["manifest"]
    write_atomic(older, tmp_path / "older.nc")
    with pytest.raises(ValueError, match="saved training data or state are damaged or missing: y"):
        numbarnn.load(tmp_path / "older.nc")


def test_model_files_describe_themselves_in_the_cf_way(fitted):
    """Conventions, title and history; long_name on every variable, units where they are known; the
    training series' own attributes as real attributes (and still read back exactly)."""
    f, path = fitted
    with xr.open_dataset(path, engine="scipy") as ds:
        assert ds.attrs["Conventions"] == "CF-1.10" and ds.attrs["title"] == "numbarnn Forecaster model"
        assert "written by numbarnn" in ds.attrs["history"]
        for name, var in ds.data_vars.items():
            assert var.attrs.get("long_name"), name
            if name.startswith(("param__", "history__")):
                assert var.attrs.get("units"), name
        assert ds["history__seconds"].attrs["units"] == "s"
        y = ds["data__y"]
        assert y.attrs["units"] == f.train_data_.attrs["units"] == "ppm"
        assert y.attrs["long_name"] == f.train_data_.attrs["long_name"]
    g = numbarnn.load(path)
    assert g.train_data_.attrs == f.train_data_.attrs
