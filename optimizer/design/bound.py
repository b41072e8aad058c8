r"""A bound on the evaluated margin (or cost): the design model as a relaxation.

The evaluator scores a lot by the exact loss of its whole history: the share lost is
:math:`L(f)` at the shelf life :math:`f` it consumed, and the share still sound
:math:`e^{-G(f)}` with :math:`G(f) = -\ln(1 - L(f))` the cumulative hazard. The design
model (:mod:`optimizer.design.formulation`) multiplies per-stage factors instead. This
module gives it factors and costs for which it is a *relaxation* of the evaluated
problem: every plan the evaluator scores maps to a solution of the model whose objective
is at least as good, so the model's proven bound (of its MIP, whole trips and all)
bounds the evaluated margin of every plan.

Why it holds
------------
With :math:`G` convex (the Weibull loss curve with shape :math:`\ge 1`; checked, else no
bound is claimed), the conditional survival of a stage of consumption :math:`\delta`
entered with :math:`f_0` consumed, :math:`e^{-(G(f_0+\delta) - G(f_0))}`, falls as
:math:`f_0` or :math:`\delta` grows. So for each stage:

- the model's survival factor uses the least :math:`f_0` and :math:`\delta` any lot can
  have there (hub stock: the freshest arrival at the hub; a route dispatched in week
  :math:`d`: that plus the weeks since the hub's last harvest, in its coldest store;
  chilling, which only adds consumption, left out): an upper bound on what survives;
- costs that grow with the tonnes still sound (freight, handling, customs fees,
  warehouse dwell, tariffs, CO2) and the tonnes counted on trips use the most
  :math:`f_0` and :math:`\delta` (the longest a lot may be stored, the slowest arc,
  chilling hours counted in full): a lower bound on them; spoilage at purchase value
  uses the upper bound on survival;
- the inbound stage (village wait, leg, pre-cooling) is exact, from the evaluator's own
  timeline;
- a route's costs beyond the fruit's purchase value are charged as the larger of that
  lower bound and the cheapest cost of any route per tonne *delivered* into the same
  market and week (every leg carries at least the tonnes it delivers): rows (8b);
- a vehicle on a leg-week carries no more than the most any plan worth having puts
  there (the supply of the village lots it loads, the demand of the market-weeks it
  feeds; :func:`~optimizer.design.data.load_ceilings`), which cuts off fractions of
  trips for thin orders;
- stock may be thrown away at the hub at no cost (balance rows (4) as ``<=``), so the
  model can carry exactly the evaluator's sound tonnes although its factors are
  optimistic; cold-store occupancy, which the evaluator counts with the survival view,
  is at least :math:`\rho` times the sound tonnes (:math:`\rho = \min_f e^{G(f) - \kappa
  f}`), so storage is charged at :math:`\rho` times its price and capacities are
  divided by :math:`\rho` (with the evaluator's tolerance).

What the bound covers: plans of the design model's kind (the scenario's wait in the
village, pre-cooling of perishables, the model's shipper) on the model's routes (at most
five legs, within each market's maximum age, the ``routes_per_pair`` cheapest per hub,
market, product and customs mode: with ``routes_per_pair = 0``, every one), any hubs
and sizes, where every hub pre-cools (else no bound is claimed). The one
assumption beyond the loss curve's convexity: a route stage consumes no less (no more)
for an arc whose prefix is between the hub's shortest and longest inbound than for
those two (the ambient of a stage is a step function of time, and inbound prefixes
differ by less than a step).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from networks.legs import Mode
from networks.lots import Segment
from networks.network import Network
from networks.plan import THIRD_PARTY
from networks.shelf_life import ShelfLife
from networks.status import Status
from networks.timeline import HOURS_PER_WEEK, default_wait_hours, lot_history
from networks.trade import import_charge
from optimizer.backends import interrupt
from optimizer.backends.highs import HighsModel
from optimizer.design.data import DesignData, _route_cost, _route_stages, load_ceilings
from optimizer.design.formulation import DesignMatrix
from optimizer.design.network_design import design_data
from results.evaluate import STORAGE_TOLERANCE, TOLERANCE_T
from results.scoring import path_loss


@dataclass(frozen=True)
class EvaluatedBound:
    """A bound on the evaluated objective of every plan of the model's kind.

    ``value`` is NaN where none was proven (``reason`` says why).
    """

    value: float
    status: Status
    seconds: float
    reason: str = ""


def hazard(shelf: ShelfLife, consumed) -> np.ndarray:
    r"""Cumulative hazard of softening, :math:`G(f) = -\ln(1 - L(f))` (``inf``: all lost)."""
    loss = np.asarray(shelf.loss_fraction(np.asarray(consumed, dtype=float)), dtype=float)
    with np.errstate(divide="ignore"):
        return -np.log1p(-loss)


def convex_hazard(shelf: ShelfLife) -> bool:
    """Whether softening's cumulative hazard is convex (checked on a fine grid)."""
    grid = np.linspace(0.0, 20.0, 4001)
    g = hazard(shelf, grid)
    g = g[g < 25.0]  # beyond, 1 - L(f) < 1e-10: float rounding, and nothing left to lose
    return bool(np.all(np.diff(g, 2) >= -1e-9 * np.maximum(1.0, np.abs(g[1:-1]))))


def occupancy_floor(shelf: ShelfLife) -> float:
    r""":math:`\rho`: the least ratio of survival-view tonnes to exactly sound tonnes.

    Exactly sound is at most :math:`e^{-G(f)}` (rot only takes more), so the ratio is at
    least :math:`e^{G(f) - \kappa f}`.
    """
    grid = np.linspace(0.0, 50.0, 200_001)
    with np.errstate(over="ignore"):
        ratio = np.exp(hazard(shelf, grid) - shelf.survival_hazard_per_life * grid)
    return float(ratio.min()) * (1.0 - 1e-9)


def _conditional(shelf: ShelfLife, before: float, stage, lost: float) -> np.ndarray:
    """Share still soft enough after ``stage`` more, of a lot entering with ``before`` used.

    ``lost``: the share to give where the lot is already lost on entering (1 for an
    upper bound, 0 for a lower one).
    """
    stage = np.asarray(stage, dtype=float)
    with np.errstate(invalid="ignore"):
        share = np.exp(-(hazard(shelf, before + stage) - hazard(shelf, before)))
    return np.where(np.isfinite(hazard(shelf, before)), share, lost)


def _rot_rise(coefficient: float, before: float, stage: np.ndarray) -> np.ndarray:
    r"""The most rot's hazard :math:`R(f) = -\ln(1 - c \min(1, f))` can rise by ``stage``.

    :math:`R` is convex up to :math:`f = 1` and flat beyond, so a window of ``stage``
    rises most when it ends at 1, or starts at ``before`` (the most a lot has used) if
    that is earlier.
    """
    stage = np.asarray(stage, dtype=float)

    def rot(f):
        return -np.log1p(-coefficient * np.minimum(1.0, np.maximum(f, 0.0)))

    start = np.minimum(before, np.maximum(0.0, 1.0 - stage))
    return rot(start + stage) - rot(start)


@dataclass
class _Prefix:
    """What the evaluator's timeline gives for lots of one arc and harvest week."""

    kinetic: float  # kinetic + delay consumed to dispatch, fraction of the shelf life
    chilled_hours: float
    hours: float
    loaded: float  # exact share sound when loaded, on arrival, and at dispatch
    arrived: float
    sound: float
    rot: float  # rot's coefficient c: rot_fraction(f, hours uncooled) = c min(1, f)


def _segments_consumption(shelf: ShelfLife, segments) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment kinetic + delay consumption (fraction) and chilled hours."""
    if shelf is None:
        n = len(segments)
        return np.zeros(n), np.zeros(n)
    loss = path_loss(shelf, tuple(segments))
    life = shelf.life_days_at_ref
    used = np.array([(s.kinetic_days + s.delay_days) / life for s in loss.segments])
    chilled = np.array([s.hours if s.temp_c <= shelf.chill_threshold_c else 0.0 for s in segments])
    return used, chilled


def relaxation_data(network: Network, options, data: DesignData | None = None) -> DesignData | str:
    """The design model's data made a relaxation of the evaluated problem.

    Parameters
    ----------
    network
        The scenario.
    options
        The solve's options.
    data
        The design model's data for those options, if already built.

    Returns
    -------
    DesignData or str
        The data, or the reason no relaxation is built.
    """
    if data is None:
        data = design_data(network, options)
    shelves = {p: network.products[p].shelf_life for p in data.products}
    for p, shelf in shelves.items():
        if shelf is not None and not convex_hazard(shelf):
            return f"the loss curve of {p} has a hazard that is not convex"
    if any(s is not None for s in shelves.values()):
        for hub in network.county_hubs:
            if hub.id in data.hubs and not hub.precooling:
                return (
                    f"hub {hub.id} does not pre-cool: the relaxation counts route stages "
                    "for cooled lots only"
                )
    floor = min((occupancy_floor(s) for s in shelves.values() if s is not None), default=1.0)
    shipper = data.shipper
    own = network.firms.get(shipper) if shipper != THIRD_PARTY else None
    premium = own.part_load_premium if own is not None else 0.0
    uplift = 1.0 + float(network.consolidation.margin) if shipper == THIRD_PARTY else 1.0
    wait = default_wait_hours(network)
    route_of_hub = {}
    for route in data.routes:
        route_of_hub.setdefault(route.hub, route)

    # --- inbound: exact, from the evaluator's timeline ------------------------------
    prefixes: dict[tuple[int, str, int], _Prefix] = {}
    inbound_survival, inbound_cost, inbound_co2, loaded = {}, {}, {}, {}
    for number, (a, p, t) in enumerate(data.inbound_survival):
        if number % 256 == 0 and interrupt.stop_requested():
            return "interrupted before it was proven"
        village, hub_id, leg_id = data.inbound[a]
        route = route_of_hub.get(hub_id)
        if route is None:
            continue
        leg = network.legs_by_id[leg_id]
        hub = network.nodes[hub_id]
        shelf = shelves[p]
        timeline = lot_history(
            network,
            (village,) + route.nodes,
            (leg,) + route.legs,
            t,
            0,
            network.products[p].perishable,
            wait,
        )
        prefix = timeline.history.segments[: timeline.leg_start[1]]

        def sound(n: int, shelf=shelf, prefix=prefix) -> float:
            return 1.0 if shelf is None else 1.0 - path_loss(shelf, prefix[:n]).loss_fraction

        used, chilled = _segments_consumption(shelf, prefix)
        rot = 0.0
        if shelf is not None:
            cooled_after = path_loss(shelf, prefix).hours_before_cooling
            rot = shelf.rot_fraction(1.0, cooled_after)
        info = _Prefix(
            float(used.sum()),
            float(chilled.sum()),
            float(sum(s.hours for s in prefix)),
            sound(timeline.leg_start[0]),
            sound(timeline.leg_end[0]),
            sound(len(prefix)),
            rot,
        )
        prefixes[(a, p, t)] = info
        per_t_leg = leg.cost_cny_per_t * (1.0 + (premium if leg.mode == Mode.ROAD else 0.0))
        precool = hub.precool_cost_cny_per_t if hub.precooling and shelf is not None else 0.0
        co2 = data.inbound_co2_t[(a, p, t)] * info.loaded  # on the tonnes loaded
        inbound_co2[(a, p, t)] = co2
        inbound_survival[(a, p, t)] = info.sound
        inbound_cost[(a, p, t)] = (
            per_t_leg * uplift * info.loaded
            + info.arrived * (hub.handling_cost_cny_per_t + precool)
            + data.value_per_t[p] * (1.0 - info.sound)
            + options.co2_price_cny_per_t * co2
        )
        loaded[(a, p, t)] = info.loaded

    # --- hub stock: optimistic weekly survival --------------------------------------
    by_hub: dict[tuple[str, str], list[tuple[int, _Prefix]]] = defaultdict(list)
    for (a, p, t), info in prefixes.items():
        by_hub[(data.inbound[a][1], p)].append((t, info))
    week_use: dict[tuple[str, str, str], float] = {}  # (hub, size, product) per week
    storage_survival = {}
    for (hub_id, size, p), factor in data.storage_survival.items():
        shelf = shelves[p]
        hub = network.nodes[hub_id]
        option = next(s for s in data.sizes[hub_id] if s.name == size)
        if shelf is None or not by_hub.get((hub_id, p)):
            storage_survival[(hub_id, size, p)] = factor
            week_use[(hub_id, size, p)] = 0.0
            continue
        store = Segment(HOURS_PER_WEEK, hub.storage_temp_c, option.atmosphere, "storage")
        use = path_loss(shelf, (store,)).segments[0].kinetic_days / shelf.life_days_at_ref
        week_use[(hub_id, size, p)] = use
        freshest = min(info.kinetic for _, info in by_hub[(hub_id, p)])
        storage_survival[(hub_id, size, p)] = float(_conditional(shelf, freshest, use, 1.0))
    sizes = {
        h: tuple(
            replace(
                s,
                cold_storage_t=s.cold_storage_t * (1.0 + STORAGE_TOLERANCE) / floor + TOLERANCE_T,
                throughput_t_per_week=s.throughput_t_per_week * (1.0 + 1e-6) + TOLERANCE_T,
            )
            for s in options_
        )
        for h, options_ in data.sizes.items()
    }
    storage_cost = {h: c * floor for h, c in data.storage_cost.items()}

    # --- routes: optimistic delivery, pessimistic costs -----------------------------
    tariffs = network.regime(options.regime)
    week_start = (np.asarray(data.weeks, dtype=float) - 1.0) * HOURS_PER_WEEK
    route_survival, route_cost, route_co2 = {}, {}, {}
    trip_use: dict[tuple[str, int], list] = defaultdict(list)
    for key, uses in data.trip_use.items():
        for kind, k, _ in uses:
            if kind == "x" and k in loaded:
                trip_use[key].append((kind, k, loaded[k]))
    extremes = _extreme_arcs(data, prefixes)
    stage_cache: dict[int, tuple] = {}
    priors: dict[tuple[str, str, int], tuple[float, float, float]] = {}
    trades: dict[tuple[int, str], tuple[float, int]] = {}
    route_other: dict[tuple[int, str, int], float] = {}
    per_delivered: dict[tuple[int, str], float] = {}  # route cost per tonne delivered
    floor: dict[tuple[str, str, int], float] = {}
    delivered_lo: dict[tuple[int, str, int], float] = {}  # least share delivered
    for number, (r, p, d) in enumerate(data.route_survival):
        if number % 256 == 0 and interrupt.stop_requested():
            return "interrupted before it was proven"
        route = data.routes[r]
        shelf = shelves[p]
        if r not in stage_cache:
            stage_cache[r] = _route_stages(network, route, week_start)
        _hours, _temps, node_cost, leg_rows = stage_cache[r]
        stages = len(_hours) + 1
        if shelf is None:
            alive_hi = alive_lo = np.ones(stages)
        else:
            arcs = extremes.get((route.hub, p))
            if not arcs:
                continue
            try:
                lo_use, hi_use, hi_chill = _route_use(
                    network, data, route, p, d, arcs, shelf, _hours
                )
            except StageMismatch as exc:
                return f"the model's stages of route {exc} are not the evaluator's"
            if (route.hub, p, d) not in priors:
                chills = network.nodes[route.hub].storage_temp_c <= shelf.chill_threshold_c
                priors[(route.hub, p, d)] = _prior(
                    data, by_hub[(route.hub, p)], week_use, route.hub, p, d, chills
                )
            fresh, worst, chilled = priors[(route.hub, p, d)]
            alive_hi = _conditional(shelf, fresh, lo_use, 1.0)  # rot left out: it only takes
            life = shelf.life_days_at_ref
            worst += shelf.chilling_days(chilled) / life
            extra = (
                np.array([shelf.chilling_days(chilled + c) for c in hi_chill])
                - shelf.chilling_days(chilled)
            ) / life
            rise = hi_use + extra
            rot = max(info.rot for _, info in by_hub[(route.hub, p)])
            alive_lo = _conditional(shelf, worst, rise, 0.0) * np.exp(-_rot_rise(rot, worst, rise))
        if (r, p) not in trades:  # as build_design_data prices it, per tonne imported
            charge = import_charge(network, route.nodes, route.legs, p, route.customs_mode, tariffs)
            trades[(r, p)] = (0.0, 0) if charge is None else (charge.cost, charge.import_node)
        # every term grows with the tonnes still sound (the purchase value of what is
        # dispatched is charged in full): the least survival gives the least cost
        cost, co2 = _route_cost(
            route,
            alive_lo,
            node_cost,
            leg_rows,
            trades[(r, p)],
            data.value_per_t[p],
            uplift,
            premium,
            options.co2_price_cny_per_t,
            network,
        )
        # (8b): the purchase value here, the rest the larger of what alive_lo gives and
        # the cheapest cost per tonne delivered into the market-week
        route_survival[(r, p, d)] = float(alive_hi[-1])
        route_cost[(r, p, d)] = data.value_per_t[p]
        route_other[(r, p, d)] = cost - data.value_per_t[p]
        if (r, p) not in per_delivered:
            per_delivered[(r, p)] = _route_cost(
                route,
                np.ones(len(_hours) + 1),
                node_cost,
                leg_rows,
                trades[(r, p)],
                0.0,
                uplift,
                premium,
                options.co2_price_cny_per_t,
                network,
            )[0]
        into = (route.market, p, data.route_delivery_week[(r, d)])
        floor[into] = min(floor.get(into, math.inf), per_delivered[(r, p)])
        route_co2[(r, p, d)] = co2
        delivered_lo[(r, p, d)] = float(alive_lo[-1])
        for _i, leg, stage_index, offset in leg_rows:
            if (leg.id, d + offset) in data.trip_legs:
                trip_use[(leg.id, d + offset)].append(
                    ("z", (r, p, d), float(alive_lo[stage_index]))
                )
    trip_use = {key: [use for use in uses if use[2] >= SMALLEST] for key, uses in trip_use.items()}
    # HiGHS drops matrix entries of 1e-9 and less (and says so): survival factors, upper
    # bounds, are raised to 1e-8; tonnes on trips, lower bounds, below it are left out
    return replace(
        data,
        trip_ceiling=load_ceilings(data, trip_use, delivered_lo),
        sizes=sizes,
        inbound_survival=_floored(inbound_survival),
        inbound_cost=inbound_cost,
        inbound_co2_t=inbound_co2,
        storage_survival=_floored(storage_survival),
        storage_cost=storage_cost,
        route_survival=_floored(route_survival),
        route_cost=route_cost,
        route_other_cost=route_other,
        delivered_cost_floor=floor,
        route_co2_t=route_co2,
        route_delivery_week=dict(data.route_delivery_week),
        trip_use=trip_use,
        # overseas warehouses' capacities left out (rows 11): their arrivals would be
        # counted with optimistic survival, too many tonnes; dropping rows relaxes
        warehouse_use={},
        warehouse_capacity={},
    )


#: The smallest matrix entry the relaxation writes (HiGHS drops those of 1e-9 and less).
SMALLEST = 1e-8


def _floored(survival: dict) -> dict:
    """Survival factors raised to :data:`SMALLEST` (an upper bound stays one)."""
    return {key: max(value, SMALLEST) for key, value in survival.items()}


def _extreme_arcs(data: DesignData, prefixes) -> dict[tuple[str, str], tuple]:
    """Each hub's shortest and longest inbound, per product: (arc, hours to dispatch)."""
    found: dict[tuple[str, str], list] = {}
    for (a, p, t), info in prefixes.items():
        key = (data.inbound[a][1], p)
        entry = found.setdefault(key, [None, None])
        if entry[0] is None or info.hours < entry[0][0]:
            entry[0] = (info.hours, a, t)
        if entry[1] is None or info.hours > entry[1][0]:
            entry[1] = (info.hours, a, t)
    return {k: ((v[0][1], v[0][0]), (v[1][1], v[1][0])) for k, v in found.items()}


class StageMismatch(ValueError):
    """The model's route stages do not fall on the evaluator's segment boundaries."""


def _route_use(network, data, route, p, d, arcs, shelf, stage_hours):
    """Consumption to each route stage boundary (least, most) and chilled hours (most).

    Boundaries are those of the design model's ``alive`` array (``stage_hours``: its
    stages), found among the evaluator's segment boundaries by the hours since dispatch.
    ``arcs`` are the hub's shortest and longest inbound with their hours to dispatch;
    where both put every route segment in the same week, one timeline serves both.

    Raises
    ------
    StageMismatch
        If a boundary of the model is none of the evaluator's.
    """
    bounds = np.concatenate([[0.0], np.cumsum(stage_hours)])
    lows, chills, starts, first_hours = [], [], None, 0.0
    for a, prefix_hours in arcs:
        if starts is not None and all(
            (first_hours + e) // HOURS_PER_WEEK == (prefix_hours + e) // HOURS_PER_WEEK
            for e in starts
        ):
            continue
        village, _hub, leg_id = data.inbound[a]
        timeline = lot_history(
            network,
            (village,) + route.nodes,
            (network.legs_by_id[leg_id],) + route.legs,
            d,
            0,
            network.products[p].perishable,
            default_wait_hours(network),
            route.customs_mode,
            abroad_weeks=route.abroad_weeks,
        )
        segments = timeline.history.segments
        used, chilled = _segments_consumption(shelf, segments)
        first = timeline.leg_start[1]
        at = np.concatenate([[0.0], np.cumsum([seg.hours for seg in segments[first:]])])
        if starts is None:
            first_hours, starts = prefix_hours, at
        marks = np.searchsorted(at, bounds - 1e-6)
        if np.any(marks >= len(at)) or np.any(
            np.abs(at[np.minimum(marks, len(at) - 1)] - bounds) > 1e-6
        ):
            raise StageMismatch(route.key)
        lows.append(np.concatenate([[0.0], np.cumsum(used[first:])])[marks])
        chills.append(np.concatenate([[0.0], np.cumsum(chilled[first:])])[marks])
    use = np.vstack(lows)
    return use.min(axis=0), use.max(axis=0), np.vstack(chills).max(axis=0)


def _prior(data, arrivals, week_use, hub, p, d, chills: bool):
    """Least and most shelf life a lot dispatched in week ``d`` has used, and chilled hours.

    Least: the freshest arrival at the hub, kept since the hub's last harvest week in its
    slowest store; most: any arrival of the ``max_storage_weeks`` before, kept in the
    fastest store, every store hour counted as chilled where the store is at or below
    the chilling threshold.
    """
    uses = [week_use[(hub, s.name, p)] for s in data.sizes[hub]]
    slow, fast = min(uses), max(uses)
    last = max(t for t, _ in arrivals)
    freshest = min(info.kinetic for _, info in arrivals)
    fresh = freshest + max(0, d - last) * slow
    limit = data.max_storage_weeks.get(p)
    worst, chilled = 0.0, 0.0
    cold_store = chills  # every store hour counted as chilled where the store chills
    for t, info in arrivals:
        if t > d or (limit is not None and d - t > limit):
            continue
        worst = max(worst, info.kinetic + (d - t) * fast)
        chilled = max(chilled, info.chilled_hours + (d - t) * HOURS_PER_WEEK * cold_store)
    return fresh, worst, chilled


def solve_bound(
    network: Network,
    options,
    time_limit: float | None,
    threads: int | None = 1,
    data: DesignData | None = None,
    on_proven: Callable[[float], None] | None = None,
) -> EvaluatedBound:
    """Solve the relaxation and return its proven bound.

    Parameters
    ----------
    network
        The scenario.
    options
        The solve's options (objective, trips, sourcing, CO2...).
    time_limit
        Seconds for the relaxation's MIP; its best bound when stopped is still a bound.
    threads
        HiGHS threads.
    data
        The design model's data for ``options``, if already built.
    on_proven
        Called with the LP relaxation's optimum as soon as it is proven (a bound already,
        before the MIP tightens it): a caller that must stop the solve early keeps it.
    """
    clock = time.perf_counter()
    data = relaxation_data(network, options, data)
    if isinstance(data, str):
        return EvaluatedBound(math.nan, Status.NO_SOLUTION, time.perf_counter() - clock, data)
    matrix = DesignMatrix(data, options, disposal=True)
    highs = HighsModel(matrix.arrays(), matrix.maximize)

    def left() -> float | None:
        if time_limit is None:
            return None
        return max(1.0, time_limit - (time.perf_counter() - clock))

    # the LP relaxation first: its optimum is a bound already, should the MIP's root
    # not finish in time (a MIP stopped early may report no better than trivial bound)
    highs.relax(True)
    relaxed = highs.solve(left(), options.gap, threads, method="ipm")  # xiangxi: 31 s, simplex 53
    highs.relax(False)
    if relaxed.status is Status.INFEASIBLE:
        return EvaluatedBound(
            math.nan,
            Status.INFEASIBLE,
            time.perf_counter() - clock,
            "the relaxation is infeasible: so is every plan of its kind",
        )
    bound = relaxed.objective if relaxed.status is Status.OPTIMAL else math.nan
    if on_proven is not None and math.isfinite(bound):
        on_proven(bound)
    status = Status.FEASIBLE
    if highs.is_mip and (time_limit is None or left() > 1.0):
        outcome = highs.solve(left(), options.gap, threads)
        found = outcome.bound
        if outcome.status is Status.OPTIMAL and not math.isfinite(found):
            found = outcome.objective
        if math.isfinite(found):
            better = min if matrix.maximize else max
            bound = better(bound, found) if math.isfinite(bound) else found
        status = outcome.status
    reason = "" if math.isfinite(bound) else "the relaxation's solve proved no bound in time"
    return EvaluatedBound(bound, status, time.perf_counter() - clock, reason)
