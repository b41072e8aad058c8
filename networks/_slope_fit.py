"""Fits of the survival view's hazard per shelf life (``kappa``) to a loss curve."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _root(rising: Callable[[float], float]) -> float:
    """Where a rising function of ``kappa >= 0`` crosses zero (bisection)."""
    lo, hi = 0.0, 1.0
    while rising(hi) < 0 and hi < 1e6:
        hi *= 2.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if rising(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def minimax_kappa(f: np.ndarray, target: np.ndarray) -> float:
    """Slope ``kappa`` minimising ``max |1 - exp(-kappa f_i) - target_i|`` (bisection).

    Each error grows with ``kappa``, so the worst case is smallest where the largest
    and the most negative error balance.
    """
    f = np.asarray(f, dtype=float)
    target = np.asarray(target, dtype=float)
    if not np.any(f > 0):
        return 0.0

    def balance(kappa: float) -> float:
        err = -np.expm1(-kappa * f) - target
        return float(err.max() + err.min())

    return _root(balance)


def least_squares_kappa(f: np.ndarray, target: np.ndarray) -> float:
    """Slope ``kappa`` minimising ``sum (1 - exp(-kappa f_i) - target_i) ** 2``."""
    f = np.asarray(f, dtype=float)
    target = np.asarray(target, dtype=float)
    if not np.any(f > 0):
        return 0.0

    def grad(kappa: float) -> float:
        s = np.exp(-kappa * f)
        return float(np.sum((1.0 - s - target) * f * s))

    return _root(grad)
