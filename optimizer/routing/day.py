"""A day of collection: every hub's runs, checked, with the day's key figures.

:func:`route_day` is what ``coldchain route`` runs: for each hub it builds the day's
collection problem (:func:`instances.collection.collection_problem`), solves it
(:func:`optimizer.routing.solve`) and checks the routes with the independent checker
(:func:`results.route_check.check_routes`). The :class:`CollectionDay` it returns owns
the numbers of ``kpis.json`` (:meth:`CollectionDay.kpis`), the ``routes`` table
(:meth:`CollectionDay.to_frames`) and ``diagnosis.json``
(:meth:`CollectionDay.diagnosis`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from instances.collection import collection_problem, hub_tonnes, nearest_hub, week_of_day
from networks.collection import CollectionProblem
from networks.errors import ColdchainError, Problem, ScenarioError
from networks.plan import Plan
from networks.status import Limit, Status, first_limit, worst_status
from optimizer.backends import interrupt
from optimizer.routing.collection import solve
from optimizer.routing.result import RoutingResult
from results.route_check import RouteCheck, check_routes

#: The plan's figures, per hub and summed over hubs.
_PLAN_KEYS = (
    "cost",
    "fixed_cost",
    "distance_cost",
    "time_cost",
    "warm_cost",
    "distance_km",
    "hours",
    "vehicles_used",
    "trips",
)
#: Keys of a hub's :meth:`RoutingResult.kpis` that the day reports as ``hub.ID.KEY``.
HUB_KEYS = (
    "status",
    "limit",
    *_PLAN_KEYS,
    "worst_freshness_h",
    "warm_tonne_hours",
    "backend",
    "seconds",
    "pickups",
    "tonnes",
)
#: Keys summed over hubs for the day's totals (NaN, for a hub without a plan, left out).
TOTAL_KEYS = (*_PLAN_KEYS, "pickups", "tonnes", "seconds")


@dataclass(frozen=True)
class HubRoutes:
    """One hub's collection runs of the day.

    Parameters
    ----------
    hub
        County hub id.
    problem
        The collection problem routed.
    result
        What the router returned.
    check
        The independent checker's findings on the routes (``None`` without a plan).
    """

    hub: str
    problem: CollectionProblem
    result: RoutingResult
    check: RouteCheck | None

    def kpis(self) -> dict[str, Any]:
        """The hub's key figures: :data:`HUB_KEYS` of its result's ``kpis()``."""
        kpis = self.result.kpis()
        return {key: kpis[key] for key in HUB_KEYS}


@dataclass(frozen=True)
class CollectionDay:
    """One day's collection runs at every hub routed, and the day's figures.

    Parameters
    ----------
    scenario
        Scenario name.
    day
        Day of the season (1-based).
    week
        Its week (1-based).
    hubs
        Each hub's runs, in the order routed.
    unrouted
        Hubs a stop request (Ctrl-C, SIGTERM) kept from being routed: the day's runs
        are those of ``hubs`` only, and its limit is ``interrupted``.
    """

    scenario: str
    day: int
    week: int
    hubs: tuple[HubRoutes, ...]
    unrouted: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """The weakest status over hubs (``optimal`` with no hub)."""
        return worst_status(h.result.status for h in self.hubs)

    @property
    def limit(self) -> Limit:
        """What stopped the searches.

        ``interrupted`` if a stop request ended any hub's search or kept a hub from being
        routed, else the first hub's limit that is not ``none``.
        """
        limits = [h.result.limit for h in self.hubs]
        if self.unrouted or Limit.INTERRUPTED in limits:
            return Limit.INTERRUPTED
        return first_limit(limits)

    def kpis(self) -> dict[str, Any]:
        """Flat key figures for ``kpis.json``.

        ``status`` and ``limit`` of the day; totals over hubs (:data:`TOTAL_KEYS`, counts
        summed as floats); ``worst_freshness_h`` over hubs with a plan (0 without);
        ``route_check`` (``passed`` when some hub has routes, all of them checked, else
        ``no routes``); ``hubs_not_routed`` (the hubs an interruption kept from being
        routed, comma-separated; empty when every hub was); then ``hub.ID.KEY`` for each
        hub routed and each of :data:`HUB_KEYS`.
        """
        per_hub = {h.hub: h.kpis() for h in self.hubs}
        totals = dict.fromkeys(TOTAL_KEYS, 0.0)
        for values in per_hub.values():
            for key in totals:
                value = values[key]
                if isinstance(value, int | float) and math.isfinite(value):
                    totals[key] += value
        checked = [h.check for h in self.hubs if h.check is not None]
        out: dict[str, Any] = {
            "status": self.status,
            "limit": self.limit,
            "hubs": len(self.hubs),
            **totals,
            "worst_freshness_h": max([0.0] + [c.worst_freshness_h for c in checked]),
            "route_check": "passed" if checked else "no routes",
            "hubs_not_routed": ",".join(self.unrouted),
        }
        for hub, values in per_hub.items():
            out.update({f"hub.{hub}.{key}": value for key, value in values.items()})
        return out

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``routes``: every hub's routes (``routes.csv``), a ``hub`` column first."""
        frames = []
        for h in self.hubs:
            if h.result.has_plan:
                frame = h.result.to_frame()
                frame.insert(0, "hub", h.hub)
                frames.append(frame)
        return {"routes": pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()}

    def diagnosis(self) -> dict[str, Any]:
        """``diagnosis.json``: the day's status and what cannot be met at which hub.

        Each problem has ``hub``, ``village``, ``pickup``, ``reasons`` (one per vehicle
        type, or one for the whole problem) and ``message``.
        """
        problems = [
            {
                "hub": h.hub,
                "village": d.node,
                "pickup": d.pickup,
                "reasons": list(d.reasons),
                "message": f"hub {h.hub}: {d}",
            }
            for h in self.hubs
            for d in h.result.diagnosis
        ]
        return {"status": self.status, "problems": problems}


def day_hubs(
    network, week: int, plan: Plan | None = None, hubs: Sequence[str] | None = None
) -> list[str]:
    """The hubs to route in a week.

    ``hubs`` if given (with a plan, each must be one it opens); else each hub the plan
    opens that receives something that week; else each hub that some village with
    supply that week is nearest to.

    Raises
    ------
    ScenarioError
        If a hub given is one the plan keeps shut.
    """
    if hubs:
        shut = [h for h in hubs if plan is not None and h not in plan.hubs]
        if shut:  # routing a hub the plan keeps shut found "optimal, 0 pickups"
            opened = f"a hub the plan opens ({', '.join(sorted(plan.hubs)) or 'none'})"
            raise ScenarioError([Problem("--hub", "hub", opened, h) for h in shut])
        return list(hubs)
    if plan is not None:
        return sorted(h for h in plan.hubs if hub_tonnes(network, h, week, plan))
    supplied = set(network.supply.loc[network.supply["week"] == week, "village"])
    return sorted({nearest_hub(network, v) for v in supplied} - {None})


def route_day(
    network,
    day: int = 1,
    hubs: Sequence[str] | None = None,
    plan: Plan | None = None,
    backend: str = "auto",
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[HubRoutes], None] | None = None,
) -> CollectionDay:
    """Plan and check one day's collection runs at each hub.

    Parameters
    ----------
    network
        The scenario (:func:`instances.load_scenario`).
    day
        Day of the season, 1-based (day 8 is in week 2).
    hubs
        Hubs to route; default :func:`day_hubs` (the plan's open hubs, else each hub
        some supplied village is nearest to).
    plan
        A plan whose flows of the day's week say what each hub collects; default the
        week's supply, each village to its nearest hub.
    backend, time_limit, seed, workers
        As :func:`optimizer.routing.solve` takes them; ``time_limit`` per hub.
    progress
        Called with each hub's runs as they are done.

    Returns
    -------
    CollectionDay
        Every hub's result and route check; its ``kpis()`` is ``kpis.json``. Once a
        stop is requested (Ctrl-C, SIGTERM: the hub being routed ends with its best
        routes, limit ``interrupted``), the hubs not yet routed, and the one being
        routed if it had no plan yet, are left out and named in its ``unrouted``.

    Raises
    ------
    ScenarioError
        If the day is outside the season or a hub is not one to route.
    ColdchainError
        If routes the router returned fail the independent checker (never written).

    Examples
    --------
    >>> from instances import load_scenario
    >>> from optimizer.routing import route_day
    >>> day = route_day(load_scenario("tiny"), day=1, hubs=["H_JS"], time_limit=1)  # doctest: +SKIP
    >>> day.kpis()["cost"], day.to_frames()["routes"].head()  # doctest: +SKIP
    """
    week = week_of_day(network, day)
    routed: list[HubRoutes] = []
    todo = day_hubs(network, week, plan, hubs)
    for number, hub in enumerate(todo):
        if interrupt.stop_requested():
            return CollectionDay(network.name, day, week, tuple(routed), tuple(todo[number:]))
        problem = collection_problem(network, hub, day=day, plan=plan)
        result = solve(problem, backend=backend, time_limit=time_limit, seed=seed, workers=workers)
        if result.status is Status.NO_SOLUTION and result.limit is Limit.INTERRUPTED:
            # stopped before its first plan: not routed, like the hubs after it
            return CollectionDay(network.name, day, week, tuple(routed), tuple(todo[number:]))
        check = None
        if result.has_plan:
            check = check_routes(problem, result.routes)
            if not check.ok:  # the checker has the last word
                raise ColdchainError(
                    f"hub {hub}: routes fail the checker: "
                    + "; ".join(str(v) for v in check.violations[:5])
                )
        routed.append(HubRoutes(hub, problem, result, check))
        if progress is not None:
            progress(routed[-1])
    return CollectionDay(network.name, day, week, tuple(routed))
