r"""Proportional rules: the grand coalition's cost shared in proportion to weights.

Formulation
-----------
In the notation of :mod:`optimizer.consolidation.game`, with a non-negative weight
:math:`w_i` per player (tonnes shipped, or the stand-alone cost :math:`c(\{i\})`):
:math:`x_i = c(N)\, w_i / \sum_{j \in N} w_j`. Only :math:`c(N)` and the weights are
read, so a rule needs no other coalition's cost (:func:`proportional_shares` takes
:math:`c(N)` alone; :func:`proportional` reads it from a complete game).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

from optimizer.consolidation.game import Allocation, CostGame, GameError


def proportional_shares(
    players: Sequence[str], total: float, weights: Mapping[str, float], name: str
) -> Allocation:
    r"""Share ``total`` among ``players`` in proportion to ``weights``.

    Parameters
    ----------
    players
        Player ids, the order of the result.
    total
        The cost to share, :math:`c(N)`.
    weights
        One weight per player (tonnes shipped, a stand-alone cost...), non-negative,
        with a positive sum.
    name
        Method name on the result.

    Returns
    -------
    Allocation
        :math:`x_i = \text{total}\, w_i / \sum_j w_j`, status ``optimal``.

    Raises
    ------
    GameError
        If a player has no weight, a weight names an unknown player, is negative or not
        finite, or the weights sum to zero.
    """
    players = tuple(players)
    missing = [p for p in players if p not in weights]
    unknown = sorted(str(p) for p in weights if p not in set(players))
    if missing or unknown:
        raise GameError(
            "weights: expected one weight per player, got "
            + "; ".join(
                part
                for part in (
                    f"none for {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    w = [float(weights[p]) for p in players]
    if not all(math.isfinite(v) and v >= 0 for v in w) or sum(w) <= 0:
        raise GameError(
            f"weights: expected finite non-negative numbers with a positive sum, got "
            f"{dict(zip(players, w, strict=True))}"
        )
    weight_sum = sum(w)
    return Allocation(name, players, tuple(total * v / weight_sum for v in w))


def proportional(
    game: CostGame,
    weights: Mapping[str, float] | Literal["standalone"] = "standalone",
    name: str | None = None,
) -> Allocation:
    r"""Share :math:`c(N)` of a complete game in proportion to weights.

    Parameters
    ----------
    game
        A complete cost game (only :math:`c(N)` and, for ``"standalone"``, the
        stand-alone costs are read).
    weights
        A weight per player (tonnes shipped, say), or ``"standalone"`` for the
        stand-alone costs :math:`c(\{i\})`. Non-negative, with a positive sum.
    name
        Method name on the result; default ``proportional_standalone`` or
        ``proportional``.

    Returns
    -------
    Allocation
        :math:`x_i = c(N)\, w_i / \sum_j w_j`, status ``optimal``
        (:func:`proportional_shares`).

    Raises
    ------
    GameError
        If ``weights`` is a string other than ``"standalone"``, or as
        :func:`proportional_shares`.
    """
    if isinstance(weights, str):
        if weights != "standalone":
            raise GameError(f"weights: expected a mapping or 'standalone', got {weights!r}")
        weights = {p: game.standalone(p) for p in game.players}
        default = "proportional_standalone"
    else:
        default = "proportional"
    return proportional_shares(game.players, float(game.vector[-1]), weights, name or default)
