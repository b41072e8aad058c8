"""Options of a network design solve: the scenario's ``[design]`` table, then overrides."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from networks.network import Network
from networks.plan import THIRD_PARTY
from networks.settings import DesignSettings

#: Ways to hand the model to a solver (``build``): its arrays to HiGHS, or the same
#: arrays as a PuLP problem; the choices the ``[design]`` table's ``build`` key takes.
BUILDS: tuple[str, ...] = next(
    f.metadata["check"]["choices"] for f in fields(DesignSettings) if f.name == "build"
)


@dataclass(frozen=True)
class DesignOptions(DesignSettings):
    """Options of a network design solve: the ``[design]`` keys, and whose model it is.

    Every key of the scenario's ``[design]`` table, with its default, is a field of
    :class:`networks.settings.DesignSettings` (defined there once: ``solver``,
    ``time_limit``, ``gap``, ``threads``, ``regime``, ``trips``,
    ``co2_price_cny_per_t``, ``co2_cap_t``, ``routes_per_pair``, ``objective``,
    ``seed``, ``msg``, ``single_sourcing``, ``ship_all_supply``, ``start``, ``build``,
    ``lazy_links``); a solve adds which firms and hubs it is about.

    Parameters
    ----------
    firms
        Only these firms (a coalition); ``None``: all.
    shipper
        ``3pl`` (pooled) or a firm id shipping alone.
    fixed_hubs
        ``((hub, size or None), ...)``: fix these hubs open at that size (or shut);
        others stay free. Used to evaluate a given hub configuration, and by tests that
        enumerate openings.

    Notes
    -----
    How the solve reads some of the table's keys:

    - ``build``: ``direct`` hands the formulation's arrays to HiGHS in-process, with
      the lazy linking rows and re-solves of
      :class:`~optimizer.design.network_design.DesignModel`; ``pulp`` hands the same
      arrays, every row written, to PuLP, which other solvers always use.
    - ``lazy_links`` (direct build): the arc-by-arc linking rows (3) are left out of the
      model and those the LP relaxation violates are added (valid: the throughput rows
      already shut a closed hub's arcs; see
      :class:`~optimizer.design.formulation.DesignMatrix`).
    - ``start``: hand HiGHS a starting plan from the LP relaxation with rounded hub
      openings (:mod:`optimizer.design._start`); a plan within ``gap`` of the
      relaxation's bound is returned without the MIP. ``None`` (from Python only):
      only where the model has trips to pay for (``bench scale --start auto``).
    - ``single_sourcing`` (binary assignment, as single-source facility location
      benchmarks require) and ``ship_all_supply`` (supply rows as equalities: a
      facility location benchmark's demand is all supply).
    """

    firms: frozenset[str] | None = None
    shipper: str = THIRD_PARTY
    fixed_hubs: tuple[tuple[str, str | None], ...] | None = None

    @classmethod
    def from_network(cls, network: Network, **overrides: Any) -> DesignOptions:
        """Options from the scenario's ``[design]`` table, then ``overrides``.

        An override of ``None`` keeps the table's value.
        """
        known = {f.name: getattr(network.design, f.name) for f in fields(network.design)}
        known.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**known)
