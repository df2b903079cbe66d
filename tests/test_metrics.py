"""Forecast metrics against closed forms and hand computations."""

import math

import numpy as np
import pytest

from numbarnn import metrics


def test_point_metrics():
    a, f = np.array([1.0, 2.0, 4.0, np.nan]), np.array([2.0, 2.0, 1.0, 5.0])
    assert metrics.mae(a, f) == pytest.approx(4 / 3)
    assert metrics.rmse(a, f) == pytest.approx(math.sqrt(10 / 3))
    assert metrics.smape(a, f) == pytest.approx(100 * (2 / 3 + 0 + 6 / 5) / 3)
    assert metrics.smape([0.0], [0.0]) == 0.0


def test_crps_of_a_normal_forecast_matches_the_closed_form():
    rng = np.random.default_rng(0)
    samples = rng.standard_normal((3000, 2)) * 2.0
    y = np.array([0.0, 1.0])
    z = y / 2.0
    pdf = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z]))
    exact = np.mean(2.0 * (z * (2 * cdf - 1) + 2 * pdf - 1 / math.sqrt(math.pi)))
    assert metrics.crps(y, samples) == pytest.approx(exact, rel=0.03)
    quantiles = np.linspace(0.01, 0.99, 99)
    via_pinball = 2 * np.mean([metrics.pinball(y, np.quantile(samples, q, axis=0), q) for q in quantiles])
    assert via_pinball == pytest.approx(exact, rel=0.05)
    with pytest.raises(ValueError, match=r"samples must be \(n_samples, 2\)"):
        metrics.crps(y, samples.T)


def test_pinball_and_coverage():
    assert metrics.pinball([1.0], [0.0], 0.5) == 0.5
    with pytest.raises(ValueError, match=r"q must lie in \(0, 1\)"):
        metrics.pinball([1.0], [0.0], 1.0)
    assert metrics.coverage([1.0, np.nan, 5.0], [0.0, 0.0, 0.0], [2.0, 2.0, 2.0]) == 0.5
