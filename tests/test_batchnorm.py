"""The laws of training-mode batch norm (``scratch.batchnorm``), and a check of the oracle's own
composition against torch's ``F.batch_norm``.

``tests/test_contract.py`` checks the forward and backward against the oracle and finite
differences; here are the properties of batch norm itself: each feature (row) comes out with
mean ``beta`` and standard deviation ``|gamma| sqrt(var / (var + eps))``, a shift or a positive
scaling of a row changes nothing (the scaling up to ``eps``, which it rescales), ``dbeta`` is the
row sum of the upstream gradient and the rows of ``dZ`` sum to 0.

Rounding. Every bound below is ``tolerance(float64, 2 m)`` (``oracle.compare``: a sum of ``2m``
terms, a few elementwise operations, a factor 2 for safety) times the size of what is computed.
Centering is where batch norm loses precision: the row mean ``mu`` carries an absolute error of
about ``m u max|Z|`` (``u = eps / 2``), which ``Z - mu`` keeps, and ``1 / sqrt(var + eps)``
scales it. Relative to the spread of the row that is ``kappa = max|Z| / sqrt(var)`` times worse
than the ulps of ``Z``: the bounds carry that factor. The drawn rows are never nearly constant
(``spread_rows``), so ``kappa`` stays moderate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from oracle import functional as T
from oracle.checks import strategies as s
from oracle.compare import assert_close, tolerance
from scratch import batchnorm as bn

Array = Any
EPSILONS = st.sampled_from([1e-5, 1e-3, 0.1])


@st.composite
def spread_rows(draw: st.DrawFn) -> Array:
    """``Z (n, m)`` with ``m >= 2`` and no nearly constant row: the first two entries of each row
    differ by ``|d|`` in ``[1, 5]``, so the row's variance is at least ``d**2 / (2 m) >= 1/24``."""
    n, m = draw(s.dims(large=False))
    Z = np.array(draw(s.arrays((n, max(m, 2)), -5.0, 5.0)))
    Z[:, 1:2] = Z[:, 0:1] + draw(s.arrays((n, 1), high=5.0, away_from=1.0))
    return s.read_only(Z)


def row_stats(Z: Array) -> tuple[Array, Array]:
    """The mean and the biased variance of each row, ``(n, 1)`` each, from exactly rounded sums."""
    m = Z.shape[1]
    mu = np.array([[math.fsum(row) / m] for row in Z])
    var = np.array(
        [[math.fsum((row - mu_r) ** 2) / m] for row, mu_r in zip(Z, mu[:, 0], strict=True)]
    )
    return mu, var


def normalise(Z: Array, eps: float) -> Array:
    """``batchnorm_forward``'s output with ``gamma = 1``, ``beta = 0``: the normalised ``Z_hat``."""
    n = Z.shape[0]
    return bn.batchnorm_forward(Z, np.ones((n, 1)), np.zeros((n, 1)), eps)[0]


def bound(Z: Array) -> float:
    """``tolerance(float64, 2 m)``: the relative rounding bound of a row's sums and the few
    elementwise operations around them (see the module docstring)."""
    return tolerance(np.float64, 2 * Z.shape[1])


def assert_within(what: str, error: Array, limit: Array) -> None:
    """Every element of ``error`` is at most ``limit`` (broadcast), or say which are not."""
    bad = ~(np.asarray(error) <= limit)
    limits = np.broadcast_to(limit, np.shape(error))
    assert not bad.any(), f"{what}: {np.asarray(error)[bad]} above the bound {limits[bad]}"


# --- The forward ------------------------------------------------------------------------------


@given(spread_rows(), EPSILONS)
def test_each_feature_comes_out_with_mean_0_and_variance_var_over_var_plus_eps(
    Z: Array, eps: float
) -> None:
    """With ``gamma = 1``, ``beta = 0``: each row of the output has mean 0 and (biased) variance
    ``var / (var + eps)``, which is 1 only as ``eps -> 0``."""
    Z_hat = normalise(Z, eps)
    _, var = row_stats(Z)
    mean_out, var_out = row_stats(Z_hat)
    M = np.abs(Z).max(axis=1, keepdims=True)
    # The mean of Z_hat is the centering error, m u max|Z| per element, times 1 / sqrt(var + eps).
    assert_within("mean", np.abs(mean_out), bound(Z) * M / np.sqrt(var + eps))
    # The variance is a sum of squares of Z_hat: relative error of the centering (kappa) and the
    # sums.
    kappa = M / np.sqrt(var)
    expected = var / (var + eps)
    assert_within("variance", np.abs(var_out - expected), bound(Z) * (1 + kappa) * expected)


@given(spread_rows(), EPSILONS, st.data())
def test_gamma_and_beta_set_the_std_and_the_mean(Z: Array, eps: float, data: st.DataObject) -> None:
    """Each row of ``gamma * Z_hat + beta`` has mean ``beta`` and standard deviation
    ``|gamma| sqrt(var / (var + eps))`` (a negative ``gamma`` flips the row, keeping its spread)."""
    n = Z.shape[0]
    gamma = data.draw(s.arrays((n, 1), high=2.0, away_from=0.1), label="gamma")
    beta = data.draw(s.arrays((n, 1), -2.0, 2.0), label="beta")
    Z_out, _ = bn.batchnorm_forward(Z, gamma, beta, eps)
    _, var = row_stats(Z)
    mean_out, var_out = row_stats(Z_out)
    M = np.abs(Z).max(axis=1, keepdims=True)
    std_hat = np.sqrt(var / (var + eps))
    # As above, with gamma scaling Z_hat's errors and beta adding its own ulps.
    atol_mean = bound(Z) * (np.abs(gamma) * M / np.sqrt(var + eps) + np.abs(beta))
    assert_within("mean - beta", np.abs(mean_out - beta), atol_mean)
    # The spread loses beta's ulps to the subtraction of the mean, relative to |gamma| std_hat.
    rtol_std = bound(Z) * (1 + M / np.sqrt(var) + np.abs(beta) / (np.abs(gamma) * std_hat))
    expected_std = np.abs(gamma) * std_hat
    assert_within("std", np.abs(np.sqrt(var_out) - expected_std), rtol_std * expected_std)


@given(spread_rows(), EPSILONS, st.data())
def test_adding_a_constant_to_a_row_changes_nothing(
    Z: Array, eps: float, data: st.DataObject
) -> None:
    """``Z_hat(Z + c) = Z_hat(Z)`` for a constant ``c[i]`` added to each row ``i``: the mean
    absorbs it."""
    c = data.draw(s.arrays((Z.shape[0], 1), -10.0, 10.0), label="c")
    _, var = row_stats(Z)
    # Z + c rounds to within u (max|Z| + |c|); the centering keeps that error (times kappa, now
    # of max|Z| + |c|), and 1 / sqrt(var + eps)'s relative error is multiplied by |Z_hat|, which is
    # at most sqrt(m) (the squares of a row of Z_hat sum to at most m).
    K = np.abs(Z).max(axis=1, keepdims=True) + np.abs(c)
    atol = bound(Z) * K * (1 + math.sqrt(Z.shape[1])) / np.sqrt(var)
    shifted = normalise(s.read_only(Z + c), eps)
    assert_within("Z_hat(Z + c) - Z_hat(Z)", np.abs(shifted - normalise(Z, eps)), atol)


@given(spread_rows(), EPSILONS, st.floats(0.1, 10.0))
def test_scaling_a_row_rescales_only_eps(Z: Array, eps: float, k: float) -> None:
    """``Z_hat(k Z, eps) = Z_hat(Z, eps / k**2)`` for ``k > 0``, exactly in exact arithmetic:
    ``(k Z - k mu) / sqrt(k**2 var + eps) = (Z - mu) / sqrt(var + eps / k**2)``. (With ``eps = 0``
    the scaling would change nothing.)"""
    _, var = row_stats(Z)
    # As for a shift, with K = max|Z| (k Z rounds relatively); eps / k**2 rounds once.
    K = np.abs(Z).max(axis=1, keepdims=True)
    atol = bound(Z) * K * (1 + math.sqrt(Z.shape[1])) / np.sqrt(var)
    scaled = normalise(s.read_only(k * Z), eps)
    assert_within("Z_hat(k Z) - Z_hat(Z)", np.abs(scaled - normalise(Z, eps / k**2)), atol)


@given(st.data(), EPSILONS)
def test_a_batch_of_one_gives_beta(data: st.DataObject, eps: float) -> None:
    """With ``m = 1`` every row is its own mean: ``Z - mu = 0``, the output is ``beta`` exactly
    and nothing flows back to ``Z`` (``dZ = 0``), whatever ``gamma``."""
    n = data.draw(st.integers(1, 6))
    Z, dZ_out = data.draw(s.arrays((n, 1))), data.draw(s.upstream((n, 1)))
    gamma, beta = data.draw(s.arrays((n, 1), -2.0, 2.0)), data.draw(s.arrays((n, 1), -2.0, 2.0))
    Z_out, cache = bn.batchnorm_forward(Z, gamma, beta, eps)
    np.testing.assert_array_equal(Z_out, beta)
    dZ, _, dbeta = bn.batchnorm_backward(dZ_out, cache)
    np.testing.assert_array_equal(dZ, 0.0)
    np.testing.assert_array_equal(dbeta, dZ_out)


# --- The backward -----------------------------------------------------------------------------


@st.composite
def backward_inputs(draw: st.DrawFn) -> dict[str, Any]:
    Z = draw(spread_rows())
    n, m = Z.shape
    return {
        "Z": Z,
        "gamma": draw(s.arrays((n, 1), -2.0, 2.0)),
        "beta": draw(s.arrays((n, 1), -2.0, 2.0)),
        "dZ_out": draw(s.upstream((n, m))),
        "eps": draw(EPSILONS),
    }


def dZ_bound(x: dict[str, Any], S: Array) -> Array:
    """Per row, the rounding bound of a sum over a row of ``dZ`` for upstream gradients of total
    size ``S = sum_j |dZ_out|``.

    ``dZ_j = inv_std / m (m dZ_hat_j - sum dZ_hat - Z_hat_j sum dZ_hat Z_hat)``, ``dZ_hat = gamma
    dZ_out``: the magnitudes summed over a row are at most ``|gamma| inv_std S (2 + max|Z_hat|)``,
    and the centering error of ``Z_hat`` (``kappa``, see the module docstring) enters through the
    last term; ``|Z_hat| <= sqrt(m)``.
    """
    Z, m = x["Z"], x["Z"].shape[1]
    _, var = row_stats(Z)
    inv_std = 1 / np.sqrt(var + x["eps"])
    kappa = np.abs(Z).max(axis=1, keepdims=True) * inv_std
    return bound(Z) * np.abs(x["gamma"]) * inv_std * S * (2 + math.sqrt(m) * (1 + kappa))


@given(backward_inputs())
def test_dbeta_is_the_row_sum_of_the_upstream_gradient(x: dict[str, Any]) -> None:
    """``dbeta = sum_j dZ_out[:, j]``, a column ``(n, 1)``: ``beta`` is added to every example."""
    _, cache = bn.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])
    _, dgamma, dbeta = bn.batchnorm_backward(x["dZ_out"], cache)
    assert dbeta.shape == dgamma.shape == (x["Z"].shape[0], 1)
    expected = np.array([[math.fsum(row)] for row in x["dZ_out"]])  # exactly rounded sums
    scale = float(np.abs(x["dZ_out"]).sum(axis=1).max())  # a sum of m terms of this total size
    assert_close("batchnorm_backward", "dbeta", dbeta, expected, x["Z"].shape[1], scale)


@given(backward_inputs())
def test_the_rows_of_dZ_sum_to_zero(x: dict[str, Any]) -> None:
    """``sum_j dZ[i, j] = 0``: moving a whole row of ``Z`` by a constant moves its mean with it and
    changes no output, so the gradient has no component along the row's ones."""
    _, cache = bn.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])
    dZ, _, _ = bn.batchnorm_backward(x["dZ_out"], cache)
    sums = np.array([[math.fsum(row)] for row in dZ])
    S = np.abs(x["dZ_out"]).sum(axis=1, keepdims=True)
    assert_within("row sums of dZ", np.abs(sums), dZ_bound(x, S) + np.finfo(np.float64).tiny)


@given(backward_inputs(), st.data())
def test_a_constant_upstream_gradient_does_not_reach_Z(
    x: dict[str, Any], data: st.DataObject
) -> None:
    """``dZ(dZ_out + c) = dZ(dZ_out)`` for a constant ``c[i]`` added to each row: the gradient
    through the mean removes the row mean of the upstream gradient (with ``dZ_out`` all ones,
    ``dZ`` is 0, which is why the tests never use ones as the upstream gradient)."""
    c = data.draw(s.arrays((x["Z"].shape[0], 1), -2.0, 2.0), label="c")
    _, cache = bn.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])
    dZ, _, _ = bn.batchnorm_backward(x["dZ_out"], cache)
    dZ_shifted, _, _ = bn.batchnorm_backward(s.read_only(x["dZ_out"] + c), cache)
    # Each element is a sum over the row, of the size dZ_bound measures.
    S = np.abs(x["dZ_out"]).sum(axis=1, keepdims=True) + x["Z"].shape[1] * np.abs(c)
    limit = 2 * dZ_bound(x, S) + np.finfo(np.float64).tiny
    assert_within("dZ(dZ_out + c) - dZ(dZ_out)", np.abs(dZ_shifted - dZ), limit)


# --- The oracle's composition against torch's own batch norm ------------------------------------


@given(backward_inputs())
def test_oracle_composition_is_torchs_batch_norm(x: dict[str, Any]) -> None:
    """``oracle.functional.batchnorm`` (mean, biased variance, normalise, scale and shift, in torch
    primitives) equals ``F.batch_norm`` in training mode (``batchnorm_reference``), forward and
    autograd's backward: the oracle that checks ``scratch`` is itself checked."""
    Z, gamma, beta = (torch.tensor(x[k], requires_grad=True) for k in ("Z", "gamma", "beta"))
    dZ_out = torch.tensor(x["dZ_out"])
    ours = T.batchnorm(Z, gamma, beta, x["eps"])
    torchs = T.batchnorm_reference(Z, gamma, beta, x["eps"])
    m = Z.shape[1]
    _, var = row_stats(x["Z"])
    inv_std = 1 / np.sqrt(var + x["eps"])
    M = np.abs(x["Z"]).max(axis=1, keepdims=True)
    S = np.abs(x["dZ_out"]).sum(axis=1, keepdims=True)
    # The sizes of what each output sums, as in the bounds above (Z_hat at most sqrt(m) ... and
    # kappa-amplified); dgamma sums dZ_out * Z_hat.
    kappa = M * inv_std
    zh = math.sqrt(m) * (1 + kappa)
    scale = {
        "Z_out": float(np.max(np.abs(x["gamma"]) * kappa + np.abs(x["beta"]))),
        "dZ": float(np.max(np.abs(x["gamma"]) * inv_std * S * (2 + zh))),
        "dgamma": float(np.max(S * zh)),
        "dbeta": float(np.max(S)),
    }
    assert_close(
        "batchnorm", "Z_out", ours.detach().numpy(), torchs.detach().numpy(), 2 * m, scale["Z_out"]
    )
    grads_ours = torch.autograd.grad(ours, [Z, gamma, beta], grad_outputs=dZ_out)
    grads_torch = torch.autograd.grad(torchs, [Z, gamma, beta], grad_outputs=dZ_out)
    for name, g_ours, g_torch in zip(
        ("dZ", "dgamma", "dbeta"), grads_ours, grads_torch, strict=True
    ):
        assert_close("batchnorm", name, g_ours.numpy(), g_torch.numpy(), 2 * m, scale[name])
