"""Hub location and sizing: solve the network design model and read its plan.

The formulation (sets, variables, objective, numbered constraints) is stated, and
written once, in :mod:`optimizer.design.formulation`. This module solves it:
:func:`solve_design` hands the formulation's arrays to HiGHS (:class:`DesignModel`,
which can be re-solved for coalitions) or, for any other solver, to PuLP; a start
heuristic (:mod:`optimizer.design._start`) gives HiGHS its first plan; the solution
becomes a :class:`DesignResult` (:mod:`optimizer.design._result`: path flows, each
hub's use, the model's own KPIs); an infeasible model is solved again with elastic
slack to say what cannot be met.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from networks.network import Network
from networks.status import Limit, Status
from optimizer.backends.highs import HighsModel
from optimizer.backends.mip import (
    SolveOutcome,
    column_values,
    pulp_problem,
    relative_gap,
    solve_pulp,
)
from optimizer.design._options import BUILDS, DesignOptions
from optimizer.design._result import DesignResult, design_result, infeasible_result
from optimizer.design._start import DesignStart, design_start
from optimizer.design.data import (
    DesignData,
    build_design_data,
    coalition_demand,
    load_ceilings,
    restrict,
)
from optimizer.design.formulation import DesignMatrix

__all__ = ["DesignModel", "DesignOptions", "DesignResult", "solve_design"]

#: Share of the time limit the start heuristic may take. On the 5,000-village scenario
#: its relaxation (interior point) and one fixed-openings LP took 115 s + 55 s under
#: load, and gave a plan within 0.3% of the bound; HiGHS alone found none in 300 s.
START_SHARE = 0.6


def solve_design(network: Network, options: DesignOptions | None = None) -> DesignResult:
    """Open hubs and route each week's flows at least cost (or most margin).

    Parameters
    ----------
    network
        The network.
    options
        Solver and model options (default: the scenario's ``[design]`` table).
        ``build="direct"`` (the default, HiGHS only) hands the model's arrays to HiGHS
        (:class:`DesignModel`); ``build="pulp"``, or any solver but HiGHS, hands the
        same formulation to PuLP (every row written, none lazy). Both start, with HiGHS,
        from the same heuristic plan.

    Returns
    -------
    DesignResult
        With the plan (path flows attributed to firms by flow decomposition), the hubs'
        use, objective, bound and gap; or, when infeasible, a diagnosis.
    """
    return solve_design_and_data(network, options)[0]


def solve_design_and_data(
    network: Network, options: DesignOptions | None = None
) -> tuple[DesignResult, DesignData | None]:
    """:func:`solve_design`, and the model's data where the direct build made it.

    The exact path model and the bound of :mod:`optimizer.design.scored` read the same
    data; returned here, it is built once (4.5 s on the flagship).
    """
    options = options or DesignOptions.from_network(network)
    if options.build not in BUILDS:
        raise ValueError(f"build: expected one of {', '.join(BUILDS)}, got {options.build!r}")
    if options.build == "direct" and options.solver.lower() == "highs":
        model = DesignModel(network, options)
        return model.solve(), model.data
    return _solve_reference(network, options), None


def _solve_reference(network: Network, options: DesignOptions) -> DesignResult:
    """Solve through PuLP (any PuLP solver): the formulation's arrays as a PuLP problem."""
    clock = time.perf_counter()
    data = design_data(network, options)
    data_seconds = time.perf_counter() - clock
    matrix = DesignMatrix(data, options, names=True)
    problem, variables = _pulp_problem(matrix)
    build_seconds = time.perf_counter() - clock
    stages = {"data_seconds": data_seconds, "model_seconds": build_seconds - data_seconds}
    start_values, start_seconds = None, 0.0
    if _wants_start(options, data) and options.solver.lower() == "highs" and matrix.y:
        found = _heuristic_start(data, options, stages)
        if found is not None:  # its matrix has these columns (lazy rows (3) aside)
            values = found[1].values.tolist()
            start_values = {v.name: x for v, x in zip(variables, values, strict=True)}
        start_seconds = stages.get("start_seconds", 0.0)
    outcome = solve_pulp(
        problem,
        options.solver,
        _left(options.time_limit, start_seconds),
        options.gap,
        options.threads,
        options.msg,
        start_values=start_values,
        seed=options.seed,
    )
    outcome = replace(
        outcome, seconds=outcome.seconds + start_seconds, values=column_values(outcome, variables)
    )
    size = {"variables": len(problem.variables()), "constraints": problem.numConstraints()}
    if outcome.status is Status.INFEASIBLE:
        elastic = DesignMatrix(data, options, elastic=True, names=True)
        elastic_problem, elastic_variables = _pulp_problem(elastic)
        relaxed = solve_pulp(
            elastic_problem, options.solver, options.time_limit, options.gap, options.threads
        )
        relaxed = replace(relaxed, values=column_values(relaxed, elastic_variables))
        return infeasible_result(
            data, options, elastic, relaxed, outcome, build_seconds, size, stages
        )
    return design_result(network, data, matrix, outcome, options, build_seconds, size, stages)


def _pulp_problem(matrix: DesignMatrix):
    """The PuLP problem of a :class:`DesignMatrix` built with names, and its variables."""
    return pulp_problem(
        matrix.arrays(), matrix.column_names, matrix.row_names, matrix.maximize, "network_design"
    )


def design_data(network: Network, options: DesignOptions) -> DesignData:
    """The design model's coefficients for ``options`` (firms, shipper, regime...).

    Each vehicle's capacity is cut to the most its leg-week can carry
    (:func:`~optimizer.design.data.load_ceilings`, with the model's own survival) unless
    all supply must be shipped, which may force more onto a leg than any market takes.
    """
    data = build_design_data(
        network,
        options.firms,
        options.shipper,
        options.regime,
        options.co2_price_cny_per_t,
        options.routes_per_pair,
        options.abroad_weeks,
    )
    if options.ship_all_supply:
        return data
    return replace(data, trip_ceiling=load_ceilings(data, data.trip_use, data.route_survival))


def _wants_start(options: DesignOptions, data: DesignData) -> bool:
    """Whether to run the start heuristic (``options.start``, or: the model has trips)."""
    return bool(data.trip_legs) if options.start is None else bool(options.start)


def _left(time_limit: float | None, spent: float) -> float | None:
    return None if time_limit is None else max(1.0, time_limit - spent)


def _heuristic_start(data: DesignData, options: DesignOptions, stages: dict):
    """The start heuristic on its own direct model: (matrix, start) or ``None``."""
    clock = time.perf_counter()
    matrix = DesignMatrix(data, options, lazy_links=options.lazy_links)
    highs = HighsModel(matrix.arrays(), matrix.maximize)
    budget = None if options.time_limit is None else START_SHARE * options.time_limit
    found = design_start(data, matrix, highs, options, budget)
    stages["start_seconds"] = time.perf_counter() - clock
    if found is None:
        return None
    stages.update(start_objective=found.objective, relaxation_bound=found.relaxation_bound)
    return matrix, found


class DesignModel:
    """The network design model built once in HiGHS, re-solved as often as asked.

    Parameters
    ----------
    network
        The network.
    options
        Options (default: the scenario's ``[design]`` table); ``options.firms`` and
        ``options.shipper`` fix whose model it is (``None``: every firm).

    Notes
    -----
    :meth:`solve` may restrict the model to a subset of those firms: their supply and
    demand only, by bounds, without building anything again. That is the same model as
    one built for the subset (:func:`optimizer.design.data.restrict`), apart from the
    big-M of the route linking rows (7), which stay those of the larger set: valid, a
    little weaker in the relaxation, the same optimum.
    """

    def __init__(self, network: Network, options: DesignOptions | None = None):
        options = options or DesignOptions.from_network(network)
        self.network = network
        self.options = options
        clock = time.perf_counter()
        self.data = design_data(network, options)
        data_seconds = time.perf_counter() - clock
        self.matrix = DesignMatrix(self.data, options, lazy_links=options.lazy_links)
        matrix_seconds = time.perf_counter() - clock - data_seconds
        self.highs = HighsModel(self.matrix.arrays(), self.matrix.maximize)
        self.build_seconds = time.perf_counter() - clock
        self.stages = {
            "data_seconds": data_seconds,
            "model_seconds": matrix_seconds,
            "pass_seconds": self.build_seconds - data_seconds - matrix_seconds,
        }
        self.firms = options.firms
        self._village_firm = {v.id: v.firm for v in network.villages}
        self._restricted_to = options.firms

    def _restrict(self, firms: frozenset[str] | None) -> DesignData:
        """Set supply and demand bounds to ``firms``'; the data of that coalition."""
        if firms is None:
            firms = self.firms
        if self.firms is not None and firms is not None and not firms <= self.firms:
            raise ValueError(f"firms {sorted(firms - self.firms)} are not in this model")
        if firms == self._restricted_to:
            return self.data if firms == self.firms else restrict(self.data, self.network, firms)
        member = (lambda v: True) if firms is None else (lambda v: self._village_firm[v] in firms)
        m, d = self.matrix, self.data
        x_cols = np.fromiter(m.x.values(), dtype=np.int32, count=len(m.x))
        upper = np.array(
            [math.inf if member(d.inbound[k[0]][0]) else 0.0 for k in m.x], dtype=np.float64
        )
        self.highs.set_base_bounds(x_cols, 0.0, upper)
        ship_all = self.options.ship_all_supply
        rows, lower, upper = [], [], []
        for key, row in m.supply_rows.items():
            b = d.supply[key] if member(key[0]) else 0.0
            rows.append(row)
            lower.append(b if ship_all else -math.inf)
            upper.append(b)
        self.highs.set_row_bounds(rows, lower, upper)
        wanted = coalition_demand(self.network, firms)
        if m.maximize:
            cols = [m.sold[k] for k in m.sold]
            self.highs.set_base_bounds(cols, 0.0, [wanted.get(k, 0.0) for k in m.sold])
        else:
            keys = list(m.demand_rows)
            rows = [m.demand_rows[k] for k in keys]
            self.highs.set_row_bounds(
                rows, [wanted.get(k, 0.0) for k in keys], [math.inf] * len(keys)
            )
        self._restricted_to = firms
        return self.data if firms == self.firms else restrict(self.data, self.network, firms)

    def solve(
        self,
        firms: frozenset[str] | None = None,
        start_hubs: dict[str, str | None] | None = None,
        time_limit: float | None = None,
        gap: float | None = None,
    ) -> DesignResult:
        """Solve for ``firms`` (default: the model's own), from a start if given.

        Parameters
        ----------
        firms
            A subset of the model's firms (a coalition).
        start_hubs
            Hub openings (hub -> size or ``None``) for the start heuristic to begin
            from, instead of solving and rounding the LP relaxation; given, the
            heuristic runs whatever ``options.start`` says (unless it is ``False``).
        time_limit, gap
            Override the options' limits for this solve.

        Returns
        -------
        DesignResult
        """
        options = self.options
        if firms is not None:
            options = replace(options, firms=firms)
        if time_limit is not None:
            options = replace(options, time_limit=time_limit)
        if gap is not None:
            options = replace(options, gap=gap)
        data = self._restrict(firms)
        stages = dict(self.stages)
        start = None
        given = start_hubs is not None and options.start is not False
        if (given or _wants_start(options, self.data)) and self.matrix.y:
            clock = time.perf_counter()
            budget = None if options.time_limit is None else START_SHARE * options.time_limit
            found = design_start(
                self.data, self.matrix, self.highs, options, budget, openings=start_hubs
            )
            stages["start_seconds"] = time.perf_counter() - clock
            if found is not None:
                start = found.values
                stages.update(
                    start_objective=found.objective, relaxation_bound=found.relaxation_bound
                )
        spent = stages.get("start_seconds", 0.0)
        stages["links_added"] = len(self.matrix.link_added)
        if start is not None and _closes_gap(found, options.gap, self.matrix.maximize):
            # the start is within the asked gap of the LP relaxation's bound: proven
            outcome = SolveOutcome(
                Status.OPTIMAL,
                Limit.NONE,
                found.objective,
                found.relaxation_bound,
                relative_gap(found.objective, found.relaxation_bound),
                spent,
                f"{self.highs.version} (start heuristic, bound: LP relaxation)",
                start,
            )
        else:
            outcome = self.highs.solve(
                _left(options.time_limit, spent),
                options.gap,
                options.threads,
                options.msg,
                options.seed,
                start,
            )
            outcome = replace(outcome, seconds=outcome.seconds + spent)
            if start is not None:
                outcome = _with_relaxation_bound(outcome, found, self.matrix.maximize)
        size = {
            "variables": self.matrix.num_col,
            "constraints": self.highs.num_row,
            "nonzeros": self.matrix.num_nonzeros,
        }
        if outcome.status is Status.INFEASIBLE:
            elastic = DesignMatrix(data, options, elastic=True)
            relaxed = HighsModel(elastic.arrays(), elastic.maximize).solve(
                options.time_limit, options.gap, options.threads
            )
            return infeasible_result(
                data, options, elastic, relaxed, outcome, self.build_seconds, size, stages
            )
        return design_result(
            self.network, self.data, self.matrix, outcome, options, self.build_seconds, size, stages
        )


def _with_relaxation_bound(
    outcome: SolveOutcome, found: DesignStart, maximize: bool
) -> SolveOutcome:
    """The MIP's outcome with the better of its bound and the start's relaxation bound.

    Both bound the same model's optimum; a MIP stopped before its root LP has none.
    """
    relaxation = found.relaxation_bound
    if not (math.isfinite(relaxation) and outcome.has_solution):
        return outcome
    bound = outcome.bound
    if not math.isfinite(bound):
        bound = relaxation
    else:
        bound = min(bound, relaxation) if maximize else max(bound, relaxation)
    return replace(outcome, bound=bound, gap=relative_gap(outcome.objective, bound))


def _closes_gap(found: DesignStart, gap: float | None, maximize: bool) -> bool:
    """Whether the start is proven within ``gap`` by the relaxation's bound."""
    bound = found.relaxation_bound
    if gap is None or not math.isfinite(bound):
        return False
    slack = (bound - found.objective) if maximize else (found.objective - bound)
    return slack <= gap * max(abs(found.objective), 1e-9) + 1e-9
