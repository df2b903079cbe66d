"""Every loss's gradient against central finite differences, and its value against a direct formula."""

import numpy as np
import pytest

from numbarnn.training import MAE, MSE, CrossEntropy, GaussianNLL, Huber, get_loss
from numbarnn.training.losses import Pinball, StudentTNLL

import reference


def _fd(loss, pred, target, weight, eps=1e-6):
    g = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        p = pred.copy()
        p[idx] += eps
        up = loss(p, target, weight)[0]
        p[idx] -= 2 * eps
        down = loss(p, target, weight)[0]
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("loss", [MSE(), MAE(), Huber(0.5), GaussianNLL(), StudentTNLL(),
                                  Pinball((0.1, 0.5, 0.95))], ids=repr)
def test_regression_loss_gradients(loss):
    rng = np.random.default_rng(0)
    k = 3
    pred = rng.standard_normal((7, k * loss.outputs_per_target))
    target = rng.standard_normal((7, k))
    weight = np.array([1, 1, 0, 1, 1, 1, 0.0])
    value, grad = loss(pred, target, weight)
    np.testing.assert_allclose(grad, _fd(loss, pred, target, weight), rtol=1e-6, atol=1e-8)
    assert np.all(grad[weight == 0] == 0)


def test_values():
    p, t = np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])
    assert MSE()(p, t)[0] == pytest.approx(2.5)
    assert MAE()(p, t)[0] == pytest.approx(1.5)
    assert Huber(1.0)(p, t)[0] == pytest.approx((0.5 + 1.5) / 2)
    mu, raw = 0.5, 0.3
    var = np.log1p(np.exp(raw)) + 1e-6
    expected = 0.5 * (np.log(var) + (1.0 - mu) ** 2 / var)
    assert GaussianNLL()(np.array([[mu, raw]]), np.array([[1.0]]))[0] == pytest.approx(expected)


def test_cross_entropy_gradient_weights_and_ignore():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 4))
    labels = np.array([0, 3, -1, 2, 1, 3])
    loss = CrossEntropy(class_weight=[1.0, 2.0, 0.5, 1.0])
    value, grad = loss(logits, labels)
    np.testing.assert_allclose(grad, _fd(loss, logits, labels, None), rtol=1e-6, atol=1e-8)
    assert np.all(grad[2] == 0)
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                            weight=torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64),
                                            ignore_index=-1)
    assert value == pytest.approx(float(ref))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loss_kernels_match_readable_references(dtype):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((9, 4)).astype(dtype) * 3
    labels = np.array([0, 3, -1, 2, 1, 3, 0, -1, 2])
    row_weight = np.array([1, 0.5, 1, 0, 2, 1, 1, 1, 0.25])
    for kwargs in ({}, {"class_weight": [1.0, 2.0, 0.5, 1.0]}):
        loss = CrossEntropy(**kwargs)
        for w in (None, row_weight):
            value, grad = loss(logits, labels, w)
            ref_value, ref_grad = reference.cross_entropy(logits.astype(float), labels, w, kwargs.get("class_weight"))
            tol = 1e-12 if dtype == "float64" else 1e-6
            assert grad.dtype == logits.dtype and value == pytest.approx(ref_value, rel=tol)
            np.testing.assert_allclose(grad, ref_grad, rtol=tol * 10, atol=tol)
            assert loss.count(logits, labels, w) == pytest.approx(
                sum((1 if w is None else w[n]) * (1 if "class_weight" not in kwargs else kwargs["class_weight"][lab])
                    for n, lab in enumerate(labels) if lab != -1))
    pred, target = logits[:, :3], rng.standard_normal((9, 3)).astype(dtype)
    target[3] = np.nan  # a missing target under zero weight counts nothing
    for w in (None, row_weight):
        value, grad = MSE()(pred, target, w)
        ref_value, ref_grad = reference.squared_error(pred.astype(float), target.astype(float), w)
        if w is None:
            assert np.isnan(value)
            continue
        assert value == pytest.approx(ref_value, rel=1e-6) and grad.dtype == pred.dtype
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-7)


def test_cross_entropy_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    logits, labels = rng.standard_normal((8, 5)) * 4, np.array([4, 0, -1, 2, 2, 1, 3, 0])
    class_weight = [0.5, 1.0, 2.0, 1.0, 3.0]
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(labels), weight=torch.tensor(class_weight,
                                            dtype=torch.float64), ignore_index=-1)
    ref.backward()
    value, grad = CrossEntropy(class_weight=class_weight)(logits, labels)
    assert value == pytest.approx(float(ref.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_bad_labels_and_names():
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\)"):
        CrossEntropy()(np.zeros((2, 3)), np.array([0, 5]))
    with pytest.raises(ValueError, match="row 1 has -2"):
        CrossEntropy()(np.zeros((2, 3)), np.array([0, -2]))
    with pytest.raises(ValueError, match=r"target N class labels; got shapes \(3, 2\) and \(4,\)"):
        CrossEntropy()(np.zeros((3, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="class_weight has 3 entries; pred has 2 classes"):
        CrossEntropy(class_weight=[1, 2, 3])(np.zeros((3, 2)), np.zeros(3, int))
    with pytest.raises(ValueError, match=r"one shape; got \(3, 1\) and \(3,\)"):
        MSE()(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="weight has 2 entries; expected 3, one per row of pred"):
        MSE()(np.zeros((3, 1)), np.zeros((3, 1)), np.ones(2))
    with pytest.raises(ValueError, match="unknown loss 'l3'"):
        get_loss("l3")
    with pytest.raises(ValueError, match="Huber delta must be positive"):
        Huber(0)


def _softplus(x):
    return np.log1p(np.exp(x))


def test_student_t_value_is_scipys_log_density():
    from scipy import stats
    rng = np.random.default_rng(3)
    pred, target = rng.standard_normal((5, 6)), rng.standard_normal((5, 2))
    mu, sigma, nu = pred[:, :2], _softplus(pred[:, 2:4]) + 1e-3, 2 + _softplus(pred[:, 4:])
    expected = -stats.t.logpdf(target, nu, loc=mu, scale=sigma).mean()
    assert StudentTNLL()(pred, target)[0] == pytest.approx(expected, rel=1e-12)


def test_pinball_value_and_quantile_heads():
    pred = np.array([[1.0, 2.0, 3.0, 4.0]])          # levels 0.2 and 0.8, two targets each
    target = np.array([[2.0, 1.0]])
    loss = Pinball((0.2, 0.8))
    # level 0.2: d = (1, -1) -> 0.2, 0.8; level 0.8: d = (-1, -3) -> 0.2, 0.6
    assert loss(pred, target)[0] == pytest.approx((0.2 + 0.8 + 0.2 + 0.6) / 4)
    np.testing.assert_array_equal(loss.quantiles(pred, 2, [0.8, 0.2]), [[[3.0, 1.0], [4.0, 2.0]]])
    with pytest.raises(ValueError, match=r"quantiles \[0.5\] were not trained"):
        loss.quantiles(pred, 2, [0.5])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        Pinball((0.0, 0.5))
    assert 2 * Pinball((0.5,))(pred[:, :2], target)[0] == pytest.approx(MAE()(pred[:, :2], target)[0])


def test_distribution_quantiles_and_samples():
    from scipy import stats
    rng = np.random.default_rng(0)
    pred = np.array([[0.5, 0.3, -0.2]])              # one target: location, raw scale, raw df
    t = StudentTNLL()
    mu, sigma, nu = t.split(pred, 1)
    np.testing.assert_allclose(t.quantiles(pred, 1, [0.1, 0.9])[0, 0],
                               stats.t.ppf([0.1, 0.9], nu[0, 0], loc=mu[0, 0], scale=sigma[0, 0]))
    draws = t.sample(np.repeat(pred, 20000, axis=0), 1, rng)
    assert np.median(draws) == pytest.approx(0.5, abs=0.03)
    g = GaussianNLL()
    mean, std = g.split(pred[:, :2], 1)
    np.testing.assert_allclose(g.quantiles(pred[:, :2], 1, [0.5, 0.975])[0, 0],
                               [mean[0, 0], mean[0, 0] + 1.959964 * std[0, 0]], rtol=1e-6)
    assert np.std(g.sample(np.repeat(pred[:, :2], 20000, axis=0), 1, rng)) == pytest.approx(std[0, 0], rel=0.03)


def test_student_t_and_pinball_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    pred, target = rng.standard_normal((6, 9)), rng.standard_normal((6, 3))
    p = torch.tensor(pred, requires_grad=True)
    mu, sigma = p[:, :3], torch.nn.functional.softplus(p[:, 3:6]) + 1e-3
    nu = 2 + torch.nn.functional.softplus(p[:, 6:])
    nll = -torch.distributions.StudentT(nu, mu, sigma).log_prob(torch.tensor(target)).mean()
    nll.backward()
    value, grad = StudentTNLL()(pred, target)
    assert value == pytest.approx(nll.item(), rel=1e-10)
    np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-9, atol=1e-12)

    levels = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)[:, None]
    p = torch.tensor(pred, requires_grad=True)
    d = torch.tensor(target)[:, None, :] - p.reshape(6, 3, 3)
    ref = torch.maximum(levels * d, (levels - 1) * d).mean()
    ref.backward()
    value, grad = Pinball((0.1, 0.5, 0.9))(pred, target)
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-12)
