"""Incumbents for the CFLP: openings priced by transportation LPs, improved by local search.

Step b of :func:`optimizer.facility.cflp.solve_cflp` (and the incumbents of the
Lagrangian phase): :class:`_Transport` prices an opening (every y fixed) by a warm-started
transportation LP over some facilities' columns; :func:`_local_search` improves an opening
by close / open / swap moves.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.backends import interrupt
from optimizer.facility._model import _INF, _Model


# --- incumbent: transportation LPs and local search --------------------------------------
class _Transport:
    """Prices openings among some facilities: a transportation LP, warm-started.

    The LP with every y fixed, over those facilities' columns only; each opening starts
    from the basis of the last one priced.
    """

    def __init__(self, model: _Model, facilities: np.ndarray, time_limit: float | None) -> None:
        self.model = model
        m, n = model.m, model.n
        self.subset = np.flatnonzero(facilities)
        keep = np.zeros(m + m * n, dtype=bool)
        keep[self.subset] = True
        keep[m:].reshape(m, n)[self.subset] = True
        self.h = model.highs(time_limit)
        drop = np.flatnonzero(~keep).astype(np.int32)
        if drop.size:
            self.h.deleteCols(drop.size, drop)
        self.h.setOptionValue("presolve", "off")
        self.cache: dict[bytes, float] = {}
        self.evaluations = 0
        self.capacity_needed = model.d.sum()
        self.last: bytes | None = None

    def cost(self, opened: np.ndarray) -> float:
        """Total cost of an opening (inf if it cannot serve all demand)."""
        key = np.packbits(opened).tobytes()
        if key in self.cache:
            return self.cache[key]
        k = self.subset.size
        inside = opened[self.subset]
        if opened.sum() != inside.sum():
            raise ValueError("an opening outside the facilities this transport prices")
        if self.model.s[opened].sum() < self.capacity_needed * (1 - 1e-12):
            self.cache[key] = _INF
            return _INF
        bound = inside.astype(float)
        self.h.changeColsBounds(k, np.arange(k, dtype=np.int32), bound, bound)
        interrupt.run(self.h)
        self.evaluations += 1
        self.last = key
        status = self.h.getModelStatus()
        value = (
            self.h.getInfo().objective_function_value
            if status == self.model.highspy.HighsModelStatus.kOptimal
            else _INF
        )
        self.cache[key] = value
        return value

    def assignment(self, opened: np.ndarray) -> np.ndarray:
        """The x of an opening, ``(m, n)``."""
        if self.last != np.packbits(opened).tobytes():
            self.cache.pop(np.packbits(opened).tobytes(), None)
            self.cost(opened)
        m, n, k = self.model.m, self.model.n, self.subset.size
        x = np.zeros((m, n))
        x[self.subset] = np.asarray(self.h.getSolution().col_value)[k:].reshape(k, n)
        return x


def _local_search(
    transport: _Transport,
    opened: np.ndarray,
    ranking: np.ndarray,
    clock_end: float,
    moves: tuple[str, ...] = ("close", "open", "swap"),
) -> tuple[np.ndarray, float]:
    """First-improvement close / open / swap moves from an opening until none improves.

    Facilities to open are tried in ``ranking`` order (the most promising first), among
    those the transport prices.
    """
    best = transport.cost(opened)
    if not math.isfinite(best):  # open by ranking until the opening is feasible
        for i in ranking:
            if i in transport.subset and not opened[i]:
                opened = opened.copy()
                opened[i] = True
                best = transport.cost(opened)
                if math.isfinite(best):
                    break
    inside = np.zeros(opened.size, dtype=bool)
    inside[transport.subset] = True
    improved = True
    while improved and time.perf_counter() < clock_end:
        improved = False
        for i in np.flatnonzero(opened) if "close" in moves else ():
            trial = opened.copy()
            trial[i] = False
            value = transport.cost(trial)
            if value < best - 1e-9 * abs(best):
                opened, best, improved = trial, value, True
        if improved:
            continue
        closed = [i for i in ranking if inside[i] and not opened[i]][: max(10, opened.size // 5)]
        for i in closed if "open" in moves else ():
            trial = opened.copy()
            trial[i] = True
            value = transport.cost(trial)
            if value < best - 1e-9 * abs(best):
                opened, best, improved = trial, value, True
                break
        if improved:
            continue
        for i in np.flatnonzero(opened) if "swap" in moves else ():
            for k in closed:
                if time.perf_counter() >= clock_end:
                    break
                trial = opened.copy()
                trial[i] = False
                trial[k] = True
                value = transport.cost(trial)
                if value < best - 1e-9 * abs(best):
                    opened, best, improved = trial, value, True
                    break
            if improved:
                break
    return opened, best
