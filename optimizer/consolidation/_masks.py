"""Coalitions as bit masks (bit ``i`` for ``players[i]``): the arrays the methods sum over."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def label(coalition: Iterable[str], players: tuple[str, ...]) -> str:
    """Render a coalition as ``{a, b}``, members in the players' order."""
    members = set(coalition)
    return "{" + ", ".join(p for p in players if p in members) + "}"


def popcounts(n: int) -> np.ndarray:
    """Number of members of each coalition, indexed by mask."""
    counts = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        counts = np.concatenate([counts, counts + 1])
    return counts


def subset_sums(values: np.ndarray) -> np.ndarray:
    """``x(S)`` for every mask ``S`` (bit ``i`` for ``values[i]``)."""
    sums = np.zeros(1, dtype=float)
    for v in values:
        sums = np.concatenate([sums, sums + v])
    return sums


def indicators(n: int) -> np.ndarray:
    """0/1 matrix, one row per mask, one column per player."""
    masks = np.arange(1 << n)
    return ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)


def proper_masks(n: int) -> np.ndarray:
    """Masks of the non-empty proper coalitions, ``1 .. 2**n - 2``."""
    return np.arange(1, (1 << n) - 1)


def members_lists(n: int, masks: Iterable[int]) -> dict[int, list[int]]:
    """The member indices of each mask."""
    return {int(m): [i for i in range(n) if int(m) >> i & 1] for m in masks}
