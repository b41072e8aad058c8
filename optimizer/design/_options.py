"""Options of a network design solve (the scenario's ``[design]`` table, then overrides)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from networks.network import Network
from networks.plan import THIRD_PARTY

#: Ways to hand the model to a solver: arrays to HiGHS, or the same arrays as a PuLP problem.
BUILDS = ("direct", "pulp")


@dataclass(frozen=True)
class DesignOptions:
    """Options of a network design solve.

    Parameters
    ----------
    solver
        ``highs`` (default), ``cbc`` or any PuLP solver name.
    time_limit
        Seconds (``None``: none).
    gap
        Relative MIP gap to stop at (default 1e-6).
    threads
        Solver threads.
    firms
        Only these firms (a coalition); ``None``: all.
    shipper
        ``3pl`` (pooled) or a firm id shipping alone.
    regime
        Tariff regime name (default: the scenario's).
    trips
        ``integer`` trips and containers, or ``linear`` (their relaxation).
    co2_price_cny_per_t, co2_cap_t
        Carbon price, and cap on CO2e tonnes (``None``: no cap).
    routes_per_pair
        Routes kept per hub, market, product and customs mode (0: all).
    objective
        ``cost`` or ``margin``; ``None``: the scenario's.
    seed
        Solver random seed.
    msg
        Show the solver's log.
    fixed_hubs
        ``((hub, size or None), ...)``: fix these hubs open at that size (or shut);
        others stay free. Used to evaluate a given hub configuration, and by tests that
        enumerate openings.
    single_sourcing
        Each village ships to one hub only (binary assignment), as planners often ask
        and as single-source facility location benchmarks require.
    ship_all_supply
        Every village ships all it grows (supply rows are equalities): true of a
        facility location benchmark, where demand is all supply.
    build
        ``direct`` (the formulation's arrays handed to HiGHS in-process, with the
        lazy linking rows and re-solves of :class:`DesignModel`) or ``pulp`` (the same
        arrays as a PuLP problem with every row, which other solvers always use).
    lazy_links
        Direct build: leave the arc-by-arc linking rows (3) out of the model and add
        those the LP relaxation violates (valid: the throughput rows already shut a
        closed hub's arcs; see :class:`~optimizer.design.formulation.DesignMatrix`).
    start
        Hand HiGHS a starting plan from the LP relaxation with rounded hub openings
        (:mod:`optimizer.design._start`); a plan within ``gap`` of the relaxation's
        bound is returned without the MIP. ``None``: only where the model has trips
        to pay for (``bench scale --start auto`` compares).
    """

    solver: str = "highs"
    time_limit: float | None = None
    gap: float | None = 1e-6
    threads: int | None = 1
    firms: frozenset[str] | None = None
    shipper: str = THIRD_PARTY
    regime: str | None = None
    trips: str = "integer"
    co2_price_cny_per_t: float = 0.0
    co2_cap_t: float | None = None
    routes_per_pair: int = 6
    objective: str | None = None
    seed: int = 0
    msg: bool = False
    fixed_hubs: tuple[tuple[str, str | None], ...] | None = None
    single_sourcing: bool = False
    start: bool | None = True
    ship_all_supply: bool = False
    build: str = "direct"
    lazy_links: bool = True

    @classmethod
    def from_network(cls, network: Network, **overrides: Any) -> DesignOptions:
        """Options from the scenario's ``[design]`` table, then ``overrides``."""
        known = {f.name: getattr(network.design, f.name) for f in fields(network.design)}
        known.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**known)
