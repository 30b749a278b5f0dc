"""Batch normalisation of a layer's ``Z``, in training mode (statistics of the mini-batch)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scratch._types import Array


class BatchNormCache(NamedTuple):
    """What ``batchnorm_backward`` needs from ``batchnorm_forward``."""

    Z_hat: Array
    gamma: Array
    inv_std: Array


def batchnorm_forward(
    Z: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, BatchNormCache]:
    """``Z_out = gamma * (Z - mu) / sqrt(var + eps) + beta``, per feature (row).

    ``mu`` and ``var`` are the mean and the biased variance of each row over the ``m`` examples.
    ``Z: (n, m), gamma: (n, 1), beta: (n, 1) -> Z_out: (n, m)``, and the cache.
    """
    mu = Z.mean(axis=1, keepdims=True)
    Zc = Z - mu
    var = (Zc * Zc).mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    Z_hat = Zc * inv_std
    return gamma * Z_hat + beta, BatchNormCache(Z_hat, gamma, inv_std)


def batchnorm_backward(dZ_out: Array, cache: BatchNormCache) -> tuple[Array, Array, Array]:
    """The gradients of ``batchnorm_forward``.

    ``dbeta = sum_j dZ_out``, ``dgamma = sum_j dZ_out * Z_hat``, and with
    ``dZ_hat = gamma * dZ_out``,
    ``dZ = inv_std / m * (m dZ_hat - sum_j dZ_hat - Z_hat * sum_j dZ_hat * Z_hat)``.

    ``dZ_out: (n, m) -> dZ: (n, m), dgamma: (n, 1), dbeta: (n, 1)``.
    """
    # Derivation, per row, with s = inv_std = (var + eps)^(-1/2) and Z_hat = (Z - mu) s:
    #   d mu / dZ_j = 1/m,   d var / dZ_j = 2 (Z_j - mu) / m,   d s / d var = -s^3 / 2.
    # dZ_j = s dZ_hat_j                                   (through Z - mu directly)
    #      - s/m sum_k dZ_hat_k                           (through mu)
    #      + sum_k dZ_hat_k (Z_k - mu) * (-s^3/2) * 2 (Z_j - mu) / m   (through var)
    # and (Z - mu) s = Z_hat turns the last term into -s/m Z_hat_j sum_k dZ_hat_k Z_hat_k.
    # (The path of var through mu vanishes, since sum_k (Z_k - mu) = 0.)
    Z_hat, gamma, inv_std = cache
    m = dZ_out.shape[1]
    dbeta = dZ_out.sum(axis=1, keepdims=True)
    dgamma = (dZ_out * Z_hat).sum(axis=1, keepdims=True)
    dZ_hat = dZ_out * gamma
    dZ = (inv_std / m) * (
        m * dZ_hat
        - dZ_hat.sum(axis=1, keepdims=True)
        - Z_hat * (dZ_hat * Z_hat).sum(axis=1, keepdims=True)
    )
    return dZ, dgamma, dbeta
