r"""Cost allocation for consolidation: cooperative cost games and their solutions.

This module is the allocation half of the issue "Consolidated 3PL versus per-firm
shipping". It works on a *cost game* and knows nothing about networks: the coalition
solves that produce the costs live elsewhere and reach this module either as a complete
table (:class:`CostGame`) or as a callable (:func:`sampled_shapley`).

Formulation
-----------
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

Core (the allocations no coalition wants to leave)

- (C1) :math:`x(N) = c(N)` (efficiency);
- (C2) :math:`x(S) \le c(S)` for every :math:`\emptyset \ne S \subsetneq N`.

Least core (LC): minimise :math:`\varepsilon` subject to

- (LC1) :math:`x(S) - \varepsilon \le c(S)` for every :math:`\emptyset \ne S \subsetneq N`;
- (LC2) :math:`x(N) = c(N)`.

The core is empty iff :math:`\varepsilon^* > 0` (in floating point: :math:`> \text{tol}`).

Nucleolus, stage :math:`k` (NU), with :math:`F_1, \dots, F_{k-1}` the coalitions fixed at
the earlier stages at levels :math:`t_1 \ge \dots \ge t_{k-1}` and :math:`R_k` the coalitions
still free: minimise :math:`t` subject to

- (NU1) :math:`x(S) - t \le c(S)` for every :math:`S \in R_k`;
- (NU2) :math:`x(N) = c(N)`;
- (NU3) :math:`x(S) = c(S) + t_j` for every :math:`S \in F_j`, :math:`j < k`.

Stage 1 is the least-core LP. After each stage the coalitions whose (NU1) row has a
non-zero dual value are fixed at the optimal :math:`t_k` (by complementary slackness they
are tight in *every* optimal solution of the stage, which fixing only the rows tight in
the one solution the solver returned does not guarantee: Guajardo & Jörnsten, "Common
mistakes in computing the nucleolus", EJOR 241 (2015) 931-935). Since the duals of (NU1)
sum to one, every stage fixes at least one coalition. Coalitions whose indicator vectors
lie in the span of those of :math:`N` and the fixed ones have a determined excess and are
dropped; the stages end when the fixed coalitions span :math:`\mathbb{R}^n`, after at
most :math:`n - 1` stages. Individual rationality is not imposed, so this is the
(pre-)nucleolus, which exists also when the core is empty (it then lies in the least
core); when the core is non-empty it lies in the core.

Equal Profit Method (EPM; Frisk, Göthe-Lundgren, Jörnsten & Rönnqvist, "Cost allocation
in collaborative forest transportation", EJOR 205 (2010) 448-458): minimise the largest
difference between two players' relative savings
:math:`r_i = (c(\{i\}) - x_i) / c(\{i\})` over the core. Written with an upper and a
lower bound on the relative savings instead of the :math:`n(n-1)` pairwise rows
(equivalent: :math:`\max_{i,j} (r_i - r_j) = \max_i r_i - \min_j r_j`): minimise
:math:`u - l` subject to

- (EP1) :math:`l \le 1 - x_i / c(\{i\}) \le u` for every :math:`i \in N`;
- (EP2) :math:`x(S) \le c(S) + \delta` for every :math:`\emptyset \ne S \subsetneq N`;
- (EP3) :math:`x(N) = c(N)`;

with :math:`\delta = \max(0, \varepsilon^*)` (zero when the core is non-empty; the
tolerance-sized least-core value when it is empty only within the tolerance, so that the
LP stays feasible). When the core is empty, EPM returns status ``core_empty`` and no
allocation (or, on request, solves over the least core).

Shapley value: :math:`\phi_i = \sum_{S \subseteq N \setminus \{i\}}
\frac{|S|!\,(n-|S|-1)!}{n!} (c(S \cup \{i\}) - c(S))`, exact by enumeration or sampled
over random orders of the players.

Coalitions are held internally as bit masks (bit :math:`i` for ``players[i]``) and costs
as a read-only array indexed by mask; every public function speaks in player ids and
frozensets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from networks.errors import ColdchainError

__all__ = [
    "MAX_EXACT_PLAYERS",
    "Allocation",
    "CoreCheck",
    "CostGame",
    "GameError",
    "NoAllocationError",
    "adaptive_sampled_shapley",
    "core_check",
    "core_is_empty",
    "equal_profit",
    "least_core_epsilon",
    "nucleolus",
    "proportional",
    "sampled_shapley",
    "shapley",
]

#: Most players for which a complete game (all 2**n coalitions) may be built.
MAX_EXACT_PLAYERS = 20

#: Status values an :class:`Allocation` may carry.
ALLOCATION_STATUSES = ("optimal", "estimated", "least_core", "core_empty", "error")


class GameError(ColdchainError, ValueError):
    """An invalid cost game, allocation or argument; the message names what and why."""


class NoAllocationError(ColdchainError, LookupError):
    """Reading the costs of an allocation that has none (status ``core_empty``, ``error``)."""


# --------------------------------------------------------------------------------------
# Cost game
# --------------------------------------------------------------------------------------


def _label(coalition: Iterable[str], players: tuple[str, ...]) -> str:
    """Render a coalition as ``{a, b}``, members in the players' order."""
    members = set(coalition)
    return "{" + ", ".join(p for p in players if p in members) + "}"


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


def _popcounts(n: int) -> np.ndarray:
    """Number of members of each coalition, indexed by mask."""
    counts = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        counts = np.concatenate([counts, counts + 1])
    return counts


def _subset_sums(values: np.ndarray) -> np.ndarray:
    """``x(S)`` for every mask ``S`` (bit ``i`` for ``values[i]``)."""
    sums = np.zeros(1, dtype=float)
    for v in values:
        sums = np.concatenate([sums, sums + v])
    return sums


def _indicators(n: int) -> np.ndarray:
    """0/1 matrix, one row per mask, one column per player."""
    masks = np.arange(1 << n)
    return ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)


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
                    f"cost: expected a finite number for coalition {_label(coalition, players)},"
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
            names = [_label(self._members(int(m), players), players) for m in missing[:3]]
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
        standalone = _subset_sums(np.array([self.vector[1 << i] for i in range(self.n)]))
        cost = self.vector[masks]
        alone = standalone[masks]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(alone != 0, (alone - cost) / alone, np.nan)
        return pd.DataFrame(
            {
                "coalition": ["+".join(self._ordered(int(m))) for m in masks],
                "size": _popcounts(self.n)[masks],
                "cost": cost,
                "standalone_cost": alone,
                "savings": alone - cost,
                "savings_share": share,
            }
        )

    def _ordered(self, mask: int) -> list[str]:
        return [p for i, p in enumerate(self.players) if mask >> i & 1]


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class CoreCheck:
    r"""Whether an allocation lies in the core, and which coalition objects most.

    Parameters
    ----------
    method
        The allocation's method, if it came from an :class:`Allocation`.
    in_core
        Efficient within ``tolerance`` and :math:`x(S) \le c(S) + \text{tol}` for every
        coalition.
    efficient
        :math:`|x(N) - c(N)| \le \text{tol}`.
    individually_rational
        :math:`x_i \le c(\{i\}) + \text{tol}` for every player.
    efficiency_gap
        :math:`x(N) - c(N)`.
    max_excess
        :math:`\max_S x(S) - c(S)` over non-empty proper coalitions (``-inf`` with one
        player); positive means that coalition pays that much more than on its own.
    most_dissatisfied
        A coalition attaining ``max_excess`` (``None`` with one player).
    violations
        Number of coalitions with excess above ``tolerance``.
    tolerance
        Absolute tolerance used (cost units).
    """

    method: str | None
    in_core: bool
    efficient: bool
    individually_rational: bool
    efficiency_gap: float
    max_excess: float
    most_dissatisfied: frozenset[str] | None
    violations: int
    tolerance: float

    def to_frame(self) -> pd.DataFrame:
        """One row; ``most_dissatisfied`` as ids joined by ``+`` (sorted)."""
        row = {
            "method": self.method,
            "in_core": self.in_core,
            "efficient": self.efficient,
            "individually_rational": self.individually_rational,
            "efficiency_gap": self.efficiency_gap,
            "max_excess": self.max_excess,
            "most_dissatisfied": (
                None if self.most_dissatisfied is None else "+".join(sorted(self.most_dissatisfied))
            ),
            "violations": self.violations,
            "tolerance": self.tolerance,
        }
        return pd.DataFrame([row])


# --------------------------------------------------------------------------------------
# Shapley value
# --------------------------------------------------------------------------------------


def shapley(game: CostGame) -> Allocation:
    r"""Exact Shapley value by enumerating all coalitions.

    :math:`\phi_i = \sum_{S \not\ni i} \frac{|S|!(n-|S|-1)!}{n!}(c(S \cup i) - c(S))`,
    one vectorised sum over the :math:`2^{n-1}` coalitions without :math:`i` per player
    (15 players, 32768 coalitions: milliseconds).

    Parameters
    ----------
    game
        A complete cost game.

    Returns
    -------
    Allocation
        Method ``shapley``, status ``optimal``.
    """
    n = game.n
    c = game.vector
    sizes = _popcounts(n)
    # |S|!(n-|S|-1)!/n! = 1 / (n * C(n-1, |S|)), exact integers before the division.
    weights = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)])
    masks = np.arange(1 << n)
    phi = np.empty(n)
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        phi[i] = np.dot(weights[sizes[without]], c[without | bit] - c[without])
    return Allocation("shapley", game.players, tuple(phi.tolist()))


def sampled_shapley(
    players: Iterable[str],
    cost_fn: Callable[[frozenset[str]], float],
    samples: int,
    seed: int | None,
    confidence: float = 0.95,
    cache: MutableMapping[frozenset[str], float] | None = None,
) -> Allocation:
    r"""Shapley value estimated from random orders of the players.

    Each sample is a uniformly random order (``numpy.random.default_rng(seed)``); a
    player's estimate is the mean of its marginal costs
    :math:`c(P \cup i) - c(P)`, :math:`P` the players before it. The marginals of one
    order telescope to :math:`c(N)`, so the estimates sum to :math:`c(N)` exactly up to
    rounding: the estimate is efficient by construction and is reported raw (no
    adjustment).

    Error bound: the standard error of player :math:`i` is the sample standard deviation
    of its marginals over :math:`\sqrt{m}` (:math:`m` samples). The half-widths use the
    normal approximation with a Bonferroni correction over the :math:`n` players,
    :math:`z_{1 - (1 - \text{confidence}) / (2n)} \cdot \text{se}_i`, so that all
    :math:`n` intervals cover the exact values *simultaneously* with probability at least
    ``confidence`` (asymptotically, as :math:`m` grows). A player whose marginals were all
    equal gets a zero half-width.

    Parameters
    ----------
    players
        Player ids (any number; nothing is enumerated).
    cost_fn
        Cost of a coalition (a ``frozenset`` of ids); typically an expensive solve. Called
        at most once per distinct non-empty coalition, never on the empty one.
    samples
        Random orders to draw, at least 2.
    seed
        Seed for ``numpy.random.default_rng``; the same seed gives the same estimate.
    confidence
        Simultaneous coverage of the intervals, in (0, 1).
    cache
        Optional mapping of coalition costs already known, read and then extended with
        every new evaluation, so that several calls share solves.

    Returns
    -------
    Allocation
        Method ``shapley_sampled``, status ``estimated``, with ``std_errors``,
        ``half_widths``, ``confidence``, ``samples``, ``seed`` and
        ``coalitions_evaluated`` (calls of ``cost_fn`` made by this call).

    Raises
    ------
    GameError
        On invalid players, ``samples < 2``, ``confidence`` outside (0, 1), or a
        non-finite cost.
    """
    players = tuple(players)
    if not players:
        raise GameError("players: expected at least one player id, got none")
    if len(set(players)) != len(players):
        raise GameError("players: expected unique ids, got duplicates")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 2:
        raise GameError(f"samples: expected an integer >= 2, got {samples!r}")
    if not 0.0 < confidence < 1.0:
        raise GameError(f"confidence: expected a number in (0, 1), got {confidence!r}")
    n = len(players)
    known: dict[int, float] = {0: 0.0}
    store = cache if cache is not None else {}
    evaluated = 0

    def cost_of(mask: int) -> float:
        nonlocal evaluated
        value = known.get(mask)
        if value is None:
            coalition = frozenset(p for i, p in enumerate(players) if mask >> i & 1)
            if coalition in store:
                value = float(store[coalition])
            else:
                value = float(cost_fn(coalition))
                evaluated += 1
                if not math.isfinite(value):
                    raise GameError(
                        f"cost_fn: expected a finite cost for {_label(coalition, players)}, "
                        f"got {value!r}"
                    )
                store[coalition] = value
            known[mask] = value
        return value

    rng = np.random.default_rng(seed)
    marginals = np.empty((samples, n))
    for s in range(samples):
        mask = 0
        previous = 0.0
        for i in rng.permutation(n):
            mask |= 1 << int(i)
            value = cost_of(mask)
            marginals[s, i] = value - previous
            previous = value
    estimate = marginals.mean(axis=0)
    std_errors = marginals.std(axis=0, ddof=1) / math.sqrt(samples)
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / (2 * n))
    return Allocation(
        "shapley_sampled",
        players,
        tuple(estimate.tolist()),
        status="estimated",
        std_errors=tuple(std_errors.tolist()),
        half_widths=tuple((z * std_errors).tolist()),
        confidence=confidence,
        samples=int(samples),
        seed=seed,
        coalitions_evaluated=evaluated,
        info={"z": z},
    )


def _student_t_quantile(probability: float, dof: int) -> float:
    r"""The ``probability`` quantile of Student's t with ``dof`` degrees of freedom.

    By bisection on the upper tail :math:`\tfrac12 - \int_0^x f`, the density
    integrated by Simpson's rule (no SciPy here); accurate to about 1e-6, enough for a
    confidence interval.
    """
    if probability <= 0.5:
        raise GameError(f"probability: expected a number in (0.5, 1), got {probability!r}")
    nu = float(dof)
    log_norm = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)

    def upper_tail(x: float) -> float:
        grid = np.linspace(0.0, x, 4001)
        density = np.exp(log_norm - (nu + 1) / 2 * np.log1p(grid**2 / nu))
        step = x / 4000
        integral = (
            step
            / 3
            * (density[0] + density[-1] + 4 * density[1:-1:2].sum() + 2 * density[2:-1:2].sum())
        )
        return 0.5 - integral

    tail = 1.0 - probability
    low, high = 0.0, 1.0
    while upper_tail(high) > tail:
        low, high = high, high * 2
    for _ in range(60):
        middle = (low + high) / 2
        if upper_tail(middle) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def adaptive_sampled_shapley(
    players: Iterable[str],
    cost_batch: Callable[[list[frozenset[str]]], Mapping[frozenset[str], float]],
    target_half_width: float,
    seed: int | None,
    confidence: float = 0.95,
    min_samples: int = 10,
    max_samples: int = 2000,
    cache: MutableMapping[frozenset[str], float] | None = None,
    progress: Callable[[int, float], None] | None = None,
    antithetic: bool = False,
    baseline: str | Sequence[float] | None = None,
    first_comer: float | None = None,
) -> Allocation:
    r"""Shapley value sampled until every player's interval is narrow enough.

    Random orders are drawn exactly as :func:`sampled_shapley` draws them (the first
    :math:`m` orders of a seed are the same), in rounds. The coalitions a round needs
    that are not yet known are handed to ``cost_batch`` all at once (so a caller can
    solve them in parallel); then every player's half-width is computed and sampling
    stops once all of them are at most ``target_half_width``.

    Half-widths: simultaneous over the :math:`n` players by Bonferroni, as in
    :func:`sampled_shapley`, but with Student's t quantile
    :math:`t_{m-1,\,1-(1-\text{confidence})/(2n)}` in place of the normal one, since the
    rule may stop after few orders, where the normal quantile with an estimated standard
    deviation is too narrow. The coverage is still approximate (the marginals are not
    normal, and stopping on an estimated variance biases it slightly); ``min_samples``
    keeps the variance estimate from resting on a handful of orders.

    Antithetic orders (``antithetic``): each random order is followed by its reverse,
    and the sample unit is the pair, whose marginals are averaged. A player's marginal
    early in an order and late in the reversed one tend to move oppositely (a cost game
    with economies of scale charges the first comers most), so a pair's average varies
    less than two independent orders' would; the pairs are independent, so the interval
    above holds with :math:`m` the number of pairs. ``info["plain_orders_needed"]`` and
    ``info["orders_needed"]`` then say how many orders independent orders and this
    design would need for the target, both estimated from this run's marginals with
    the normal quantile (so that they compare).

    Size baseline (``baseline``), a control variate: a function :math:`g` of coalition
    size with :math:`g(0) = 0` is the cost game :math:`g(|S|)`, whose Shapley value is
    :math:`g(n)/n` for every player and whose marginal at position :math:`k` of an order
    is :math:`g(k) - g(k-1)`. Each sampled marginal is replaced by
    :math:`\Delta_i - (g(k) - g(k-1)) + g(n)/n`: the same mean (so the estimate stays
    unbiased, and still adds up to :math:`c(N)` in every order), but where costs grow
    with size as :math:`g` does (economies of scale: the first comer opens the hubs) the
    position effect leaves the variance. ``baseline`` is :math:`g(0..n)` as a sequence,
    fixed for the whole run, or ``"sizes"``: each round uses the mean cost of each size
    among the coalitions of the earlier rounds' orders (fixed before the round is drawn,
    so each order's term stays unbiased); the first round, given ``first_comer``
    (:math:`F`, what any coalition pays before its first tonne, such as the intercept
    of stand-alone costs against volumes), the line :math:`g(k) = F + (c(N) - F) k/n`,
    else a power law through the mean stand-alone cost and :math:`c(N)` (both from
    ``cache``; no baseline if they are not there).
    ``info["orders_needed_without_baseline"]`` says what the same run would have needed
    without it (normal quantile).

    Round sizes: the first round draws ``min_samples`` orders; each later one draws the
    orders the current standard deviations say are still missing: the fewest
    :math:`k` with :math:`\max_i t_{k-1}\, s_i / \sqrt{k} \le h`, less :math:`m`
    (at least a tenth of :math:`m`, so that rounds do not crawl one order at a time,
    and at most :math:`m`, so the sample at most doubles per round).

    Parameters
    ----------
    players
        Player ids.
    cost_batch
        Given a list of coalitions, returns their costs (a mapping holding at least
        those coalitions). Never asked for the empty coalition, nor twice for one.
    target_half_width
        Stop when every half-width is at most this (in cost units), > 0.
    seed
        Seed for ``numpy.random.default_rng``.
    confidence
        Simultaneous coverage, in (0, 1).
    min_samples, max_samples
        Fewest orders before the rule may stop (>= 2), and most orders drawn (the rule
        then stops with the target unmet, ``info["target_met"] = 0``); with
        ``antithetic``, pairs of orders.
    cache
        Coalition costs already known, read and extended as in :func:`sampled_shapley`.
    progress
        Called as ``progress(units, widest_half_width)`` after each round (units: orders,
        or pairs of orders).
    antithetic
        Draw orders in antithetic pairs (see above).
    baseline
        Size baseline (see above): ``None``, ``"sizes"`` or :math:`g(0), ..., g(n)`.
    first_comer
        With ``"sizes"``: :math:`F` of the first round's baseline (see above).

    Returns
    -------
    Allocation
        Method ``shapley_sampled``, status ``estimated``; ``info`` holds
        ``target_half_width``, ``target_met``, ``rounds``, ``quantile``,
        ``max_half_width``, ``antithetic``, ``orders_needed`` and
        ``plain_orders_needed``; ``samples``
        counts orders (two per antithetic pair).
    """
    players = tuple(players)
    if not players:
        raise GameError("players: expected at least one player id, got none")
    if len(set(players)) != len(players):
        raise GameError("players: expected unique ids, got duplicates")
    if min_samples < 2 or max_samples < min_samples:
        raise GameError(
            f"min_samples, max_samples: expected 2 <= min <= max, got {min_samples}, {max_samples}"
        )
    if not target_half_width > 0:
        raise GameError(f"target_half_width: expected > 0, got {target_half_width!r}")
    if not 0.0 < confidence < 1.0:
        raise GameError(f"confidence: expected a number in (0, 1), got {confidence!r}")
    n = len(players)
    store = cache if cache is not None else {}
    evaluated = 0
    rng = np.random.default_rng(seed)
    singles: list[np.ndarray] = []  # one marginal row per order
    rows: list[np.ndarray] = []  # one per sample unit: an order, or a pair's mean
    tail = 1.0 - (1.0 - confidence) / (2 * n)
    rounds = 0
    draw = min_samples
    raw: list[np.ndarray] = []  # the same marginals without the baseline
    by_size: list[list[float]] = [[] for _ in range(n + 1)]
    g = _first_baseline(baseline, players, store, first_comer)
    while True:
        orders = [rng.permutation(n) for _ in range(draw)]
        if antithetic:
            orders = [o for order in orders for o in (order, order[::-1])]
        chains = []
        for order in orders:
            chain, members = [], []
            for i in order:
                members.append(players[int(i)])
                chain.append(frozenset(members))
            chains.append(chain)
        missing = list(dict.fromkeys(c for chain in chains for c in chain if c not in store))
        if missing:
            costs = cost_batch(missing)
            for coalition in missing:
                value = float(costs[coalition])
                if not math.isfinite(value):
                    raise GameError(
                        f"cost_batch: expected a finite cost for "
                        f"{_label(coalition, players)}, got {value!r}"
                    )
                store[coalition] = value
            evaluated += len(missing)
        for order, chain in zip(orders, chains, strict=True):
            row = np.empty(n)
            previous = 0.0
            for i, coalition in zip(order, chain, strict=True):
                value = float(store[coalition])
                row[int(i)] = value - previous
                previous = value
                by_size[len(coalition)].append(value)
            raw.append(row)
            # position k of player order[k-1]: g(k) - g(k-1), then g(n)/n back
            shift = np.empty(n)
            shift[order] = np.diff(g)
            singles.append(row - shift + g[n] / n)
        if isinstance(baseline, str):  # the next round's, from the sizes seen so far
            g = np.asarray([0.0] + [float(np.mean(v)) for v in by_size[1:]])
        rows = (
            singles
            if not antithetic
            else [(singles[k] + singles[k + 1]) / 2 for k in range(0, len(singles), 2)]
        )
        rounds += 1
        m = len(rows)
        marginals = np.asarray(rows)
        std_errors = marginals.std(axis=0, ddof=1) / math.sqrt(m)
        quantile = _student_t_quantile(tail, m - 1)
        half_widths = quantile * std_errors
        widest = float(half_widths.max())
        if progress is not None:
            progress(m, widest)
        met = widest <= target_half_width
        if met or m >= max_samples:
            break
        deviations = float((std_errors * math.sqrt(m)).max())
        needed = _units_needed(deviations, target_half_width, tail, m, max_samples)
        draw = min(max(needed - m, math.ceil(m / 10)), m, max_samples - m)
    # orders each design needs for the target, by the normal quantile (comparable)
    z = NormalDist().inv_cdf(tail)

    def needed(deviations: np.ndarray) -> int:
        return math.ceil(float((z * deviations / target_half_width).max()) ** 2)

    plain_needed = needed(np.asarray(singles).std(axis=0, ddof=1))
    unit_needed = needed(std_errors * math.sqrt(m))
    raw_needed = needed(np.asarray(raw).std(axis=0, ddof=1))
    return Allocation(
        "shapley_sampled",
        players,
        tuple(marginals.mean(axis=0).tolist()),
        status="estimated",
        std_errors=tuple(std_errors.tolist()),
        half_widths=tuple(half_widths.tolist()),
        confidence=confidence,
        samples=len(singles),
        seed=seed,
        coalitions_evaluated=evaluated,
        info={
            "quantile": quantile,
            "target_half_width": float(target_half_width),
            "target_met": float(met),
            "rounds": float(rounds),
            "max_half_width": widest,
            "antithetic": float(antithetic),
            "plain_orders_needed": float(plain_needed),
            "orders_needed": float(unit_needed * (2 if antithetic else 1)),
            "orders_needed_without_baseline": float(raw_needed),
            "baseline": 0.0 if baseline is None else 1.0,
        },
    )


def _units_needed(deviation: float, target: float, tail: float, m: int, most: int) -> int:
    r"""Fewest units :math:`k > m` with :math:`t_{k-1}\, s / \sqrt{k} \le` target.

    The quantile is the one the rule will use at :math:`k` units, not the current one
    (at 5 orders and 40 players :math:`t_4 = 8.6` against :math:`t_{9} = 4.8`), so that
    a round is not sized by the widest quantile of the first. The search starts where
    the normal quantile (smaller than every t quantile) says, so it takes few steps.
    """
    normal = (NormalDist().inv_cdf(tail) * deviation / target) ** 2
    k = max(m + 1, math.ceil(normal) if math.isfinite(normal) else most)
    while k < most and _student_t_quantile(tail, k - 1) * deviation / math.sqrt(k) > target:
        k += 1
    return min(k, most)


def _first_baseline(baseline, players: tuple[str, ...], known, first_comer=None) -> np.ndarray:
    """:math:`g(0..n)` of the first round (zeros: no baseline)."""
    n = len(players)
    if baseline is None:
        return np.zeros(n + 1)
    if not isinstance(baseline, str):
        g = np.asarray(baseline, dtype=np.float64)
        if g.shape != (n + 1,) or g[0] != 0.0 or not np.isfinite(g).all():
            raise GameError(
                f"baseline: expected {n + 1} finite costs g(0..n) with g(0) = 0, got {baseline!r}"
            )
        return g
    if baseline != "sizes":
        raise GameError(f"baseline: expected None, 'sizes' or g(0..n), got {baseline!r}")
    singles = [known.get(frozenset([p])) for p in players]
    grand = known.get(frozenset(players))
    if grand is not None and first_comer is not None and math.isfinite(first_comer):
        sizes = np.arange(1, n + 1)
        return np.concatenate(([0.0], first_comer + (grand - first_comer) * sizes / n))
    if n < 2 or grand is None or any(c is None for c in singles):
        return np.zeros(n + 1)
    alone = float(np.mean(singles))
    if alone <= 0 or grand <= 0:
        return np.zeros(n + 1)
    power = math.log(grand / alone) / math.log(n)
    return np.asarray([0.0] + [alone * k**power for k in range(1, n + 1)])


# --------------------------------------------------------------------------------------
# LP-based methods
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _StageResult:
    """Outcome of one min-max-excess LP (least core / nucleolus stage)."""

    ok: bool
    status: str
    t: float
    x: np.ndarray
    duals: np.ndarray | None = None  # |dual| of each (NU1) row, in ``free`` order
    slacks: np.ndarray | None = None  # c(S) - x(S) + t of each (NU1) row


def _variable(problem, name: str):
    """A free continuous variable of ``problem`` (PuLP >= 3.3 API where it exists)."""
    import pulp

    if hasattr(problem, "add_variable"):
        return problem.add_variable(name)
    return pulp.LpVariable(name)  # pragma: no cover - PuLP < 3.3


def _members_lists(n: int, masks: Iterable[int]) -> dict[int, list[int]]:
    return {int(m): [i for i in range(n) if int(m) >> i & 1] for m in masks}


def _solve_stage(
    game: CostGame,
    free: np.ndarray,
    fixed: list[tuple[int, float]],
    solver: str,
    name: str,
) -> _StageResult:
    """Minimise t subject to (NU1) on ``free``, (NU2), (NU3) on ``fixed``."""
    import pulp

    from optimizer.backends.mip import pulp_solver

    n = game.n
    c = game.vector
    members = _members_lists(n, list(free) + [m for m, _ in fixed])
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    x = [_variable(problem, f"x_{i}") for i in range(n)]
    t = _variable(problem, "t")
    problem += pulp.LpAffineExpression([(t, 1.0)])
    problem += pulp.LpAffineExpression([(v, 1.0) for v in x]) == float(c[-1]), "NU2"
    for k, (mask, level) in enumerate(fixed):
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members[mask]])
        problem += expr == float(c[mask]) + level, f"NU3_{k}"
    rows = []
    for k, mask in enumerate(free):
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members[int(mask)]] + [(t, -1.0)])
        row = expr <= float(c[mask])
        problem += row, f"NU1_{k}"
        rows.append(row)
    code = problem.solve(pulp_solver(solver))
    status = pulp.LpStatus[code]
    if code != pulp.LpStatusOptimal:
        return _StageResult(False, status, math.nan, np.full(n, np.nan), None, None)
    xs = np.array([v.value() for v in x], dtype=float)
    duals = np.array([abs(r.pi) if r.pi is not None else 0.0 for r in rows])
    slacks = np.array([float(c[m]) - xs[members[int(m)]].sum() + t.value() for m in free])
    return _StageResult(True, status, float(t.value()), xs, duals, slacks)


def _proper_masks(n: int) -> np.ndarray:
    return np.arange(1, (1 << n) - 1)


def least_core_epsilon(game: CostGame, solver: str = "highs") -> float:
    r"""Optimal value of the least-core LP (LC).

    Parameters
    ----------
    game
        A complete cost game.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.

    Returns
    -------
    float
        :math:`\varepsilon^* = \min_x \max_S (x(S) - c(S))` over efficient :math:`x`
        and non-empty proper :math:`S`; ``-inf`` for a one-player game. The core is
        non-empty iff :math:`\varepsilon^* \le 0`.

    Raises
    ------
    RuntimeError
        If the solver does not report an optimum (the LP is always feasible and bounded).
    """
    if game.n == 1:
        return -math.inf
    stage = _solve_stage(game, _proper_masks(game.n), [], solver, "least_core")
    if not stage.ok:
        raise RuntimeError(f"least-core LP: solver {solver!r} returned {stage.status}")
    return stage.t


def core_is_empty(game: CostGame, tolerance: float = 1e-9, solver: str = "highs") -> bool:
    r"""Whether the core is empty: the least-core value exceeds ``tolerance``.

    Parameters
    ----------
    game
        A complete cost game.
    tolerance
        Absolute, in cost units (for costs from MIP solves, about the gap times the cost).
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.

    Returns
    -------
    bool
        ``True`` iff :math:`\varepsilon^* > \text{tolerance}`.
    """
    return least_core_epsilon(game, solver) > tolerance


def nucleolus(game: CostGame, solver: str = "highs", dual_tolerance: float = 1e-9) -> Allocation:
    """The nucleolus of the cost game, by a sequence of LPs.

    Lexicographically minimises the sorted vector of excesses
    :math:`x(S) - c(S)` (equivalently maximises the smallest savings, then the next, ...)
    over efficient allocations, without individual rationality: this is the
    pre-nucleolus, which lies in the core when the core is non-empty and in the least
    core otherwise. Stages (NU) of the module docstring.

    Tight coalitions are detected by LP duals, not by slack: after each stage the (NU1)
    rows whose dual exceeds ``dual_tolerance`` (and whose slack is within a small
    tolerance) are fixed; complementary slackness makes them tight in every optimal
    solution of the stage. The duals sum to one, so at least the largest is fixed, and
    coalitions spanned by the fixed ones are dropped; hence at most :math:`n-1` stages.

    Parameters
    ----------
    game
        A complete cost game.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`; the solver must return LP duals
        (HiGHS and CBC do).
    dual_tolerance
        Duals above this (in absolute value) mark a coalition tight at every optimum.

    Returns
    -------
    Allocation
        Method ``nucleolus``; status ``optimal``, or ``error`` with a message if an LP
        failed. ``info`` holds ``least_core_epsilon`` (the first stage's value) and
        ``stages``.
    """
    n = game.n
    c = game.vector
    if n == 1:
        return Allocation("nucleolus", game.players, (float(c[-1]),), solver=solver)
    indicators = _indicators(n)
    slack_tolerance = 1e-7 * max(1.0, float(np.abs(c).max()))
    basis = np.ones((1, n)) / math.sqrt(n)  # orthonormal rows spanning the fixed vectors
    free = _proper_masks(n)
    fixed: list[tuple[int, float]] = []
    levels: list[float] = []
    x = np.full(n, np.nan)
    while True:
        stage = _solve_stage(game, free, fixed, solver, f"nucleolus_{len(levels) + 1}")
        if not stage.ok:
            return Allocation(
                "nucleolus",
                game.players,
                None,
                status="error",
                solver=solver,
                message=f"stage {len(levels) + 1} LP: solver returned {stage.status}",
            )
        levels.append(stage.t)
        x = stage.x
        tight = (stage.duals > dual_tolerance) & (stage.slacks <= slack_tolerance)
        if not tight.any():
            tight[int(np.argmax(stage.duals))] = True
        for mask in free[tight]:
            residual = indicators[mask] - basis.T @ (basis @ indicators[mask])
            norm = float(np.linalg.norm(residual))
            if norm > 1e-9:
                basis = np.vstack([basis, residual / norm])
                fixed.append((int(mask), stage.t))
        if basis.shape[0] >= n:
            break
        rows = indicators[free]
        spanned = np.linalg.norm(rows - (rows @ basis.T) @ basis, axis=1) <= 1e-9
        free = free[~spanned]
        if free.size == 0:
            break
    return Allocation(
        "nucleolus",
        game.players,
        tuple(x.tolist()),
        solver=solver,
        info={"least_core_epsilon": levels[0], "stages": float(len(levels))},
    )


def equal_profit(
    game: CostGame,
    tolerance: float = 1e-9,
    solver: str = "highs",
    on_empty_core: Literal["report", "least_core"] = "report",
) -> Allocation:
    r"""Equal Profit Method (Frisk et al., EJOR 2010): equalise relative savings in the core.

    Minimises the largest difference between two players' relative savings
    :math:`(c(\{i\}) - x_i) / c(\{i\})` subject to efficiency and the core constraints
    (EP1)-(EP3) of the module docstring. The optimum value is unique; the allocation need
    not be (the LP returns one optimal vertex).

    An empty core is reported in the result, not raised: with ``on_empty_core="report"``
    (default) the result has status ``core_empty``, no costs, and the least-core value in
    ``info["least_core_epsilon"]``; with ``"least_core"`` the core constraints are relaxed
    by that value and the result has status ``least_core``.

    Parameters
    ----------
    game
        A complete cost game with positive stand-alone costs.
    tolerance
        Absolute tolerance (cost units) for deciding that the core is empty.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.
    on_empty_core
        ``report`` or ``least_core``, as above.

    Returns
    -------
    Allocation
        Method ``equal_profit``; ``info["max_savings_spread"]`` is the optimal largest
        difference of relative savings (a fraction) and ``info["least_core_epsilon"]``
        the least-core value.

    Raises
    ------
    GameError
        If a stand-alone cost is not positive (relative savings undefined) or
        ``on_empty_core`` is unknown.
    """
    import pulp

    from optimizer.backends.mip import pulp_solver

    if on_empty_core not in ("report", "least_core"):
        raise GameError(f"on_empty_core: expected 'report' or 'least_core', got {on_empty_core!r}")
    n = game.n
    c = game.vector
    alone = np.array([c[1 << i] for i in range(n)])
    bad = [p for p, a in zip(game.players, alone, strict=True) if a <= 0]
    if bad:
        raise GameError(
            "cost: expected a positive stand-alone cost for the equal profit method, got "
            + ", ".join(f"{p}: {game.standalone(p)}" for p in bad)
        )
    if n == 1:
        return Allocation("equal_profit", game.players, (float(c[-1]),), solver=solver)
    epsilon = least_core_epsilon(game, solver)
    status = "optimal"
    if epsilon > tolerance:
        if on_empty_core == "report":
            return Allocation(
                "equal_profit",
                game.players,
                None,
                status="core_empty",
                solver=solver,
                info={"least_core_epsilon": epsilon},
                message=(
                    f"the core is empty: some coalition would pay at least {epsilon:.6g} "
                    f"more than its own cost under any allocation"
                ),
            )
        status = "least_core"
    relax = max(epsilon, 0.0)
    problem = pulp.LpProblem("equal_profit", pulp.LpMinimize)
    x = [_variable(problem, f"x_{i}") for i in range(n)]
    upper = _variable(problem, "u")
    lower = _variable(problem, "l")
    problem += pulp.LpAffineExpression([(upper, 1.0), (lower, -1.0)])
    for i in range(n):  # (EP1): l <= 1 - x_i / c_i <= u
        problem += pulp.LpAffineExpression([(x[i], 1.0 / alone[i]), (upper, 1.0)]) >= 1.0
        problem += pulp.LpAffineExpression([(x[i], 1.0 / alone[i]), (lower, 1.0)]) <= 1.0
    for mask in _proper_masks(n):  # (EP2)
        members = [i for i in range(n) if mask >> i & 1]
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members])
        problem += expr <= float(c[mask]) + relax
    problem += pulp.LpAffineExpression([(v, 1.0) for v in x]) == float(c[-1])  # (EP3)
    code = problem.solve(pulp_solver(solver))
    if code != pulp.LpStatusOptimal:
        return Allocation(
            "equal_profit",
            game.players,
            None,
            status="error",
            solver=solver,
            info={"least_core_epsilon": epsilon},
            message=f"EPM LP: solver returned {pulp.LpStatus[code]}",
        )
    costs = tuple(float(v.value()) for v in x)
    return Allocation(
        "equal_profit",
        game.players,
        costs,
        status=status,
        solver=solver,
        info={
            "least_core_epsilon": epsilon,
            "max_savings_spread": float(upper.value() - lower.value()),
        },
    )


# --------------------------------------------------------------------------------------
# Proportional rules and the core test
# --------------------------------------------------------------------------------------


def proportional(
    game: CostGame,
    weights: Mapping[str, float] | Literal["standalone"] = "standalone",
    name: str | None = None,
) -> Allocation:
    r"""Share :math:`c(N)` in proportion to weights.

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
        :math:`x_i = c(N)\, w_i / \sum_j w_j`, status ``optimal``.

    Raises
    ------
    GameError
        If a player has no weight, a weight names an unknown player, is negative or not
        finite, or the weights sum to zero.
    """
    if isinstance(weights, str):
        if weights != "standalone":
            raise GameError(f"weights: expected a mapping or 'standalone', got {weights!r}")
        w = np.array([game.standalone(p) for p in game.players])
        default = "proportional_standalone"
    else:
        missing = [p for p in game.players if p not in weights]
        unknown = sorted(str(p) for p in weights if p not in set(game.players))
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
        w = np.array([float(weights[p]) for p in game.players])
        default = "proportional"
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise GameError(
            f"weights: expected finite non-negative numbers with a positive sum, got "
            f"{dict(zip(game.players, w.tolist(), strict=True))}"
        )
    costs = float(game.vector[-1]) * w / w.sum()
    return Allocation(name or default, game.players, tuple(costs.tolist()))


def core_check(
    game: CostGame, allocation: Allocation | Mapping[str, float], tolerance: float = 1e-9
) -> CoreCheck:
    """Test whether an allocation is in the core and find the most dissatisfied coalition.

    Parameters
    ----------
    game
        A complete cost game.
    allocation
        An :class:`Allocation` with costs, or a cost per player id.
    tolerance
        Absolute, in cost units, for efficiency and for every core row; callers pass the
        coalition solves' relative gap times the cost.

    Returns
    -------
    CoreCheck
        The verdict, the largest excess :math:`x(S) - c(S)` and a coalition attaining it.

    Raises
    ------
    NoAllocationError
        If ``allocation`` has no costs.
    GameError
        If the allocation's players are not the game's.
    """
    method = allocation.method if isinstance(allocation, Allocation) else None
    values = allocation.as_dict() if isinstance(allocation, Allocation) else dict(allocation)
    if set(values) != set(game.players):
        raise GameError(
            f"allocation: expected costs for exactly {', '.join(game.players)}, got "
            f"{', '.join(map(str, values))}"
        )
    x = np.array([float(values[p]) for p in game.players])
    excess = _subset_sums(x) - game.vector
    gap = float(excess[-1])
    efficient = abs(gap) <= tolerance
    n = game.n
    if n == 1:
        return CoreCheck(method, efficient, efficient, True, gap, -math.inf, None, 0, tolerance)
    proper = excess[1:-1]
    k = int(np.argmax(proper))
    worst = float(proper[k])
    singles = np.array([excess[1 << i] for i in range(n)])
    return CoreCheck(
        method=method,
        in_core=efficient and worst <= tolerance,
        efficient=efficient,
        individually_rational=bool(np.all(singles <= tolerance)),
        efficiency_gap=gap,
        max_excess=worst,
        most_dissatisfied=game.coalition(k + 1),
        violations=int(np.count_nonzero(proper > tolerance)),
        tolerance=tolerance,
    )
