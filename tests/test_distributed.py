"""Work on a dask.distributed cluster: a LocalCluster of 2 worker processes (skipped without distributed)."""

import logging

import numpy as np
import pytest
import xarray as xr

import numbarnn
from numbarnn.training import workers

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.ERROR)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _panel(n=4, steps=70):
    t = np.arange(steps)
    rng = np.random.default_rng(0)
    values = np.stack([np.sin(t / (3 + k)) + 0.1 * rng.standard_normal(steps) for k in range(n)], axis=1)
    return xr.DataArray(values, dims=("time", "station"),
                        coords={"time": np.arange(steps), "station": [f"s{k}" for k in range(n)],
                                "region": ("station", ["north", "south", "north", "south"][:n])})


def _forecaster():
    return numbarnn.Forecaster(hidden_size=6, lookback=8, horizon=4, epochs=3, random_state=0)


def test_each_task_gets_its_share_of_the_cores(client):
    slots = workers.host_slots(client)
    assert sum(slots.values()) == 2  # two workers of one thread, on this machine
    addresses = list(client.scheduler_info()["workers"])
    threads = client.gather([client.submit(workers.in_task_threads, slots, workers=[a], pure=False)
                             for a in addresses])
    import os

    import numba
    assert threads == [max(1, min(numba.config.NUMBA_NUM_THREADS, (os.cpu_count() or 1) // 2))] * 2


def test_groups_fitted_on_the_cluster_equal_groups_fitted_here(client, tmp_path):
    y = _panel()
    here = numbarnn.fit_groups(_forecaster(), y, by="station")
    there = numbarnn.fit_groups(_forecaster(), y, by="station", client=client)
    assert list(there) == ["s0", "s1", "s2", "s3"]
    for label in here:
        np.testing.assert_array_equal(there[label].predict(), here[label].predict())
        alone = _forecaster().fit(y.sel(station=label))
        np.testing.assert_array_equal(there[label].predict(), alone.predict())
    joined = there.predict()
    assert joined.dims == ("time", "station") and list(joined.station.values) == ["s0", "s1", "s2", "s3"]
    there["s2"].save(tmp_path / "s2.nc")
    np.testing.assert_array_equal(numbarnn.load(tmp_path / "s2.nc").predict(), here["s2"].predict())


def test_groups_by_a_coordinate_fit_panels(client):
    y = _panel()
    models = numbarnn.fit_groups(_forecaster(), y, by="region", client=client)
    assert sorted(models) == ["north", "south"]
    panel = _forecaster().fit(y.isel(station=[0, 2]))
    np.testing.assert_array_equal(models["north"].predict(), panel.predict())
    out = models.predict()
    assert list(out.station.values) == ["s0", "s2", "s1", "s3"]
    new = y.isel(time=slice(0, 60))
    np.testing.assert_array_equal(models.predict(y=new).sel(station="s1"), models["south"].predict(y=new.isel(station=[1, 3])).sel(station="s1"))


def test_groups_name_what_is_wrong():
    y = _panel()
    with pytest.raises(ValueError, match="by='city' is neither a dimension of y"):
        numbarnn.fit_groups(_forecaster(), y, by="city")
    with pytest.raises(TypeError, match="xarray.DataArray"):
        numbarnn.fit_groups(_forecaster(), y.values, by="station")


def _two_local_shards(monkeypatch):
    """Make every fit in this process compute its batches as two shards here, one after another."""
    from numbarnn.training import loop, parallel
    monkeypatch.setattr(loop, "shard_runner", lambda model, loss, shards=None, client=None:
                        parallel.LocalShards(model, loss, 2))


def _same_params(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_data_parallel_training_equals_two_shards_here(client):
    """One global model trained with a shard of every batch on each worker: the same bits run to run, and
    as two shards computed one after another in this process (dropout masks included)."""
    from numbarnn import datasets
    from numbarnn.training import MSE, Adam, SequenceModel, train
    x, y = datasets.adding_problem(96, 12, seed=0)
    data = (x.astype("float32"), y.astype("float32"), np.full(96, 12), None)

    def fit(**kw):
        model = SequenceModel("lstm", 2, 8, 1, readout="sequence", num_layers=2, dropout=0.2, seed=0)
        hist = train(model, MSE(), Adam(0.01), data, epochs=2, batch_size=32, rng=np.random.default_rng(1), **kw)
        return model.params, hist["train_loss"]

    there, loss_there = fit(client=client)
    again, _ = fit(client=client)
    here, loss_here = fit(shards=2)
    _same_params(there, again)
    _same_params(there, here)
    assert loss_there == loss_here


def test_every_estimator_takes_a_client(client, monkeypatch):
    t = np.arange(60)
    y = xr.DataArray(np.stack([np.sin(t / 4), np.cos(t / 5)], axis=1), dims=("time", "series"))
    X = np.random.default_rng(0).standard_normal((40, 10, 2)).astype("float32")
    labels = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    sentences = [["the", "dog", "runs"], ["a", "cat", "sleeps"], ["the", "cat", "runs"], ["a", "dog", "sleeps"]] * 4
    tags = [["DET", "NOUN", "VERB"]] * 16
    fits = {
        "forecaster": (lambda: numbarnn.Forecaster(hidden_size=6, lookback=8, horizon=4, epochs=2, random_state=0),
                       lambda est, **kw: est.fit(y, **kw)),
        "classifier": (lambda: numbarnn.SequenceClassifier(hidden_size=6, epochs=2, batch_size=16, random_state=0),
                       lambda est, **kw: est.fit(X, labels, **kw)),
        "tagger": (lambda: numbarnn.SequenceTagger(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, num_layers=1,
                                                   epochs=2, batch_size=8, random_state=0),
                   lambda est, **kw: est.fit(sentences, tags, **kw)),
        "language model": (lambda: numbarnn.LanguageModel(embedding_dim=4, hidden_size=8, batch_size=4, bptt=10, epochs=2,
                                                          validation_fraction=0, random_state=0),
                           lambda est, **kw: est.fit("in the beginning was the word " * 20, **kw)),
        "seq2seq": (lambda: numbarnn.Seq2Seq(embedding_dim=4, hidden_size=8, epochs=2, batch_size=8, random_state=0),
                    lambda est, **kw: est.fit(["abc", "bca", "cab", "acb"] * 4, ["cba", "acb", "bac", "bca"] * 4, **kw)),
    }
    there = {name: fit(make(), client=client) for name, (make, fit) in fits.items()}
    _two_local_shards(monkeypatch)
    for name, (make, fit) in fits.items():
        here = fit(make())
        _same_params(there[name].model_.params, here.model_.params)
