r"""Cooperative cost games: every coalition's cost, and the allocation value each method returns.

The allocation half of consolidation works on a *cost game* and knows nothing about
networks: the coalition solves that produce the costs live in
:mod:`optimizer.consolidation.coalitions` and reach the allocation methods either as a
complete table (:class:`CostGame`) or as a callable (the sampled Shapley estimators of
:mod:`optimizer.consolidation.shapley`). The methods: :mod:`~optimizer.consolidation.shapley`
(exact and sampled), :mod:`~optimizer.consolidation.nucleolus`,
:mod:`~optimizer.consolidation.epm` (equal profit method),
:mod:`~optimizer.consolidation.proportional`; the core tests in
:mod:`~optimizer.consolidation.core`.

Notation (shared by every method's formulation)
-----------------------------------------------
Sets and parameters

- :math:`N` the players (firm ids), :math:`n = |N|`; a coalition is a subset
  :math:`S \subseteq N`.
- :math:`c(S)` the cost of serving coalition :math:`S` on its own (CNY, or whatever unit
  the caller uses), :math:`c(\emptyset) = 0`; :math:`c(\{i\})` is firm :math:`i`'s
  stand-alone cost.

Variables

- :math:`x_i` the cost allocated to player :math:`i`; :math:`x(S) = \sum_{i \in S} x_i`.
- The *excess* of :math:`S` at :math:`x` is :math:`e(S, x) = x(S) - c(S)`: what
  :math:`S` pays above its own cost (positive: :math:`S` would rather leave). The
  *savings* of :math:`S` at :math:`x` is :math:`-e(S, x)`.

Coalitions are held internally as bit masks (bit :math:`i` for ``players[i]``) and costs
as a read-only array indexed by mask; every public function speaks in player ids and
frozensets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from networks.errors import ColdchainError
from optimizer.consolidation._masks import label, popcounts, subset_sums

#: Most players for which a complete game (all 2**n coalitions) may be built.
MAX_EXACT_PLAYERS = 20

#: Status values an :class:`Allocation` may carry.
ALLOCATION_STATUSES = ("optimal", "estimated", "least_core", "core_empty", "error")


class GameError(ColdchainError, ValueError):
    """An invalid cost game, allocation or argument; the message names what and why."""


class NoAllocationError(ColdchainError, LookupError):
    """Reading the costs of an allocation that has none (status ``core_empty``, ``error``)."""


def _check_players(players: Iterable[str]) -> tuple[str, ...]:
    players = tuple(players)
    if not players:
        raise GameError("players: expected at least one player id, got none")
    for p in players:
        if not isinstance(p, str) or not p:
            raise GameError(f"players: expected non-empty strings, got {p!r}")
    duplicates = sorted({p for p in players if players.count(p) > 1})
    if duplicates:
        raise GameError(f"players: expected unique ids, got {', '.join(duplicates)} twice")
    if len(players) > MAX_EXACT_PLAYERS:
        raise GameError(
            f"players: expected at most {MAX_EXACT_PLAYERS} players for a complete game "
            f"(2**n coalitions), got {len(players)}; use sampled_shapley for more"
        )
    return players


@dataclass(frozen=True)
class CostGame:
    """A cooperative cost game with every coalition's cost given.

    Parameters
    ----------
    players
        Player (firm) ids, unique non-empty strings; their order is the order of every
        result.
    cost
        Cost of every non-empty coalition, keyed by ``frozenset`` of player ids (a
        ``set``, ``tuple`` or ``list`` key is accepted and turned into a ``frozenset``).
        The empty coalition may be left out; if present its cost must be 0. Stored as a
        read-only mapping.

    Raises
    ------
    GameError
        If a player id is repeated or empty, a coalition is missing (the message names
        it), a key names an unknown player, a cost is not a finite number, or there are
        more than :data:`MAX_EXACT_PLAYERS` players.

    Examples
    --------
    >>> game = CostGame.from_function(["a", "b"], lambda s: {1: 10.0, 2: 16.0}[len(s)])
    >>> game.cost_of({"a", "b"}), game.savings()
    (16.0, 4.0)
    """

    players: tuple[str, ...]
    cost: Mapping[frozenset[str], float] = field(repr=False)

    def __post_init__(self) -> None:
        players = _check_players(self.players)
        index = {p: i for i, p in enumerate(players)}
        n = len(players)
        vector = np.full(1 << n, np.nan)
        vector[0] = 0.0
        cost: dict[frozenset[str], float] = {}
        for key, value in self.cost.items():
            if isinstance(key, str) or not isinstance(key, frozenset | set | tuple | list):
                raise GameError(
                    f"cost: expected coalitions as frozensets of player ids, got key {key!r}"
                )
            coalition = frozenset(key)
            unknown = sorted(str(p) for p in coalition if p not in index)
            if unknown:
                raise GameError(
                    f"cost: expected coalitions of the players {', '.join(players)}, "
                    f"got unknown player {', '.join(unknown)} in {set(key)!r}"
                )
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise GameError(
                    f"cost: expected a finite number for coalition {label(coalition, players)},"
                    f" got {value!r}"
                )
            if not coalition and number != 0.0:
                raise GameError(f"cost: expected 0 for the empty coalition, got {value!r}")
            mask = sum(1 << index[p] for p in coalition)
            vector[mask] = number
            cost[coalition] = number
        cost[frozenset()] = 0.0
        missing = np.flatnonzero(np.isnan(vector))
        if missing.size:
            names = [label(self._members(int(m), players), players) for m in missing[:3]]
            more = f" (and {missing.size - 3} more)" if missing.size > 3 else ""
            raise GameError(
                f"cost: expected a cost for every one of the {(1 << n) - 1} non-empty "
                f"coalitions, got none for {'; '.join(names)}{more}"
            )
        vector.setflags(write=False)
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "cost", MappingProxyType(cost))
        object.__setattr__(self, "_vector", vector)

    @staticmethod
    def _members(mask: int, players: tuple[str, ...]) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(players) if mask >> i & 1)

    @classmethod
    def from_function(
        cls, players: Iterable[str], fn: Callable[[frozenset[str]], float]
    ) -> CostGame:
        """Build a game by calling ``fn`` once on every non-empty coalition.

        Parameters
        ----------
        players
            Player ids.
        fn
            Cost of a coalition, given as a ``frozenset`` of player ids. Called
            ``2**n - 1`` times; never on the empty coalition.

        Returns
        -------
        CostGame
            The complete game.

        Raises
        ------
        GameError
            As :class:`CostGame`, for instance if ``fn`` returns a non-finite value.
        """
        players = _check_players(players)
        coalitions = [cls._members(mask, players) for mask in range(1, 1 << len(players))]
        return cls(players, {coalition: fn(coalition) for coalition in coalitions})

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def grand_coalition(self) -> frozenset[str]:
        """All players."""
        return frozenset(self.players)

    @property
    def vector(self) -> np.ndarray:
        """Read-only costs indexed by bit mask (bit ``i`` set when ``players[i]`` is in)."""
        return self._vector  # type: ignore[attr-defined]

    def mask(self, coalition: Iterable[str]) -> int:
        """Bit mask of a coalition (bit ``i`` for ``players[i]``)."""
        index = {p: i for i, p in enumerate(self.players)}
        members = set(coalition) if not isinstance(coalition, str) else {coalition}
        unknown = sorted(str(p) for p in members if p not in index)
        if unknown:
            raise GameError(
                f"coalition: expected ids among {', '.join(self.players)}, got {', '.join(unknown)}"
            )
        return sum(1 << index[p] for p in members)

    def coalition(self, mask: int) -> frozenset[str]:
        """The coalition of a bit mask."""
        return self._members(mask, self.players)

    def cost_of(self, coalition: Iterable[str]) -> float:
        """Cost of a coalition given as any iterable of player ids."""
        return float(self.vector[self.mask(coalition)])

    def standalone(self, player: str) -> float:
        """Stand-alone cost ``c({player})``."""
        return self.cost_of({player})

    def savings(self, coalition: Iterable[str] | None = None) -> float:
        r"""Savings of a coalition over its members shipping alone.

        Parameters
        ----------
        coalition
            Player ids; the grand coalition when ``None``.

        Returns
        -------
        float
            :math:`\sum_{i \in S} c(\{i\}) - c(S)`.
        """
        members = self.grand_coalition if coalition is None else frozenset(coalition)
        return sum(self.standalone(p) for p in members) - self.cost_of(members)

    def coalitions(self, include_empty: bool = False) -> Iterator[frozenset[str]]:
        """Every coalition, in mask order."""
        for mask in range(0 if include_empty else 1, 1 << self.n):
            yield self.coalition(mask)

    def to_frame(self) -> pd.DataFrame:
        """One row per non-empty coalition.

        Returns
        -------
        pandas.DataFrame
            Columns ``coalition`` (ids joined by ``+``, in the players' order), ``size``,
            ``cost``, ``standalone_cost`` (sum of the members' own costs), ``savings`` and
            ``savings_share`` (savings over stand-alone cost, a fraction).
        """
        masks = np.arange(1, 1 << self.n)
        standalone = subset_sums(np.array([self.vector[1 << i] for i in range(self.n)]))
        cost = self.vector[masks]
        alone = standalone[masks]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(alone != 0, (alone - cost) / alone, np.nan)
        return pd.DataFrame(
            {
                "coalition": ["+".join(self._ordered(int(m))) for m in masks],
                "size": popcounts(self.n)[masks],
                "cost": cost,
                "standalone_cost": alone,
                "savings": alone - cost,
                "savings_share": share,
            }
        )

    def _ordered(self, mask: int) -> list[str]:
        return [p for i, p in enumerate(self.players) if mask >> i & 1]


@dataclass(frozen=True)
class Allocation:
    """An allocation of the grand coalition's cost to the players (a result value).

    Parameters
    ----------
    method
        ``shapley``, ``shapley_sampled``, ``nucleolus``, ``equal_profit``,
        ``proportional`` or a caller's name.
    players
        Player ids, in the game's order.
    costs
        Allocated cost per player, aligned with ``players``; ``None`` when there is no
        allocation (status ``core_empty`` or ``error``).
    status
        ``optimal`` (exact, or an LP solved to optimality), ``estimated`` (sampled),
        ``least_core`` (EPM solved over the least core because the core is empty),
        ``core_empty`` (EPM asked for a core allocation and there is none) or ``error``
        (the solver failed; see ``message``).
    std_errors
        Standard error of each sampled estimate.
    half_widths
        Half-width of each player's confidence interval; the intervals hold for all
        players at once with probability ``confidence`` (see :func:`sampled_shapley`).
    confidence
        Nominal simultaneous coverage of the intervals (0.95).
    samples
        Random orders drawn.
    seed
        Seed of the random generator.
    coalitions_evaluated
        Distinct coalition costs computed (calls of the cost function).
    solver
        LP solver name, where one was used.
    info
        Method-specific numbers, e.g. ``least_core_epsilon``, ``stages``,
        ``max_savings_spread``.
    message
        Diagnosis, where the status calls for one.
    """

    method: str
    players: tuple[str, ...]
    costs: tuple[float, ...] | None
    status: str = "optimal"
    std_errors: tuple[float, ...] | None = None
    half_widths: tuple[float, ...] | None = None
    confidence: float | None = None
    samples: int | None = None
    seed: int | None = None
    coalitions_evaluated: int | None = None
    solver: str | None = None
    info: Mapping[str, float] = field(default_factory=dict)
    message: str = ""

    def __post_init__(self) -> None:
        players = tuple(self.players)
        object.__setattr__(self, "players", players)
        if self.status not in ALLOCATION_STATUSES:
            raise GameError(
                f"status: expected one of {', '.join(ALLOCATION_STATUSES)}, got {self.status!r}"
            )
        for name in ("costs", "std_errors", "half_widths"):
            values = getattr(self, name)
            if values is None:
                continue
            values = tuple(float(v) for v in values)
            if len(values) != len(players):
                raise GameError(
                    f"{name}: expected {len(players)} values (one per player), got {len(values)}"
                )
            object.__setattr__(self, name, values)
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    @property
    def has_allocation(self) -> bool:
        """Whether there are costs to read."""
        return self.costs is not None

    def _require(self) -> tuple[float, ...]:
        if self.costs is None:
            raise NoAllocationError(
                f"{self.method}: no allocation (status {self.status})"
                + (f": {self.message}" if self.message else "")
            )
        return self.costs

    def as_dict(self) -> dict[str, float]:
        """Allocated cost by player id.

        Raises
        ------
        NoAllocationError
            If there is no allocation.
        """
        return dict(zip(self.players, self._require(), strict=True))

    def cost(self, player: str) -> float:
        """Allocated cost of one player."""
        return self.as_dict()[player]

    @property
    def total(self) -> float:
        """Sum of the allocated costs."""
        return math.fsum(self._require())

    def to_frame(self, game: CostGame | None = None) -> pd.DataFrame:
        """One row per player.

        Parameters
        ----------
        game
            If given, add ``standalone_cost``, ``savings`` (stand-alone minus allocated)
            and ``savings_share`` (savings over stand-alone cost, a fraction).

        Returns
        -------
        pandas.DataFrame
            Columns ``player``, ``method``, ``status``, ``cost`` (NaN without an
            allocation), and for sampled estimates ``std_error``, ``half_width``,
            ``ci_low``, ``ci_high``.
        """
        n = len(self.players)
        costs = np.array(self.costs if self.costs is not None else [np.nan] * n, dtype=float)
        frame = pd.DataFrame(
            {
                "player": list(self.players),
                "method": self.method,
                "status": self.status,
                "cost": costs,
            }
        )
        if self.std_errors is not None:
            frame["std_error"] = self.std_errors
        if self.half_widths is not None:
            half = np.array(self.half_widths)
            frame["half_width"] = half
            frame["ci_low"] = costs - half
            frame["ci_high"] = costs + half
        if game is not None:
            alone = np.array([game.standalone(p) for p in self.players])
            frame["standalone_cost"] = alone
            frame["savings"] = alone - costs
            with np.errstate(divide="ignore", invalid="ignore"):
                frame["savings_share"] = np.where(alone != 0, (alone - costs) / alone, np.nan)
        return frame
