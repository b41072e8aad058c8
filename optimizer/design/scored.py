"""A network design plan as the planner gets it: scored by the evaluator, bound labelled.

The design model optimizes its own view of the plan (spoilage by per-stage survival
factors; trips relaxed with ``trips = "linear"``); the evaluator scores the plan it returns
with the exact path loss and freight as sold. The headline of a solve is therefore the
*evaluated* cost (or margin) of the returned plan. A bound is reported for it only where
one is proven for the problem the evaluator scores; the model's own bound is kept as
``model_bound``, labelled as the model's (with linear trips, a relaxation's). Today no
bound is proven for the evaluated problem (the model's survival factors and the
evaluator's path loss differ), so ``status`` is at best ``feasible``, never ``optimal``,
and ``bound`` and ``gap`` are empty: the console and ``kpis.json`` say why.

Where the scenario has a status quo plan (``plans/status-quo.csv``), it is scored too, so
that every solve says how its plan compares with today's chain.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from networks.network import Network
from networks.plan import Plan
from networks.status import Limit, NoPlanError, Status
from optimizer.backends import interrupt
from optimizer.design._beside import BoundBeside
from optimizer.design._options import DesignOptions
from optimizer.design._result import DesignResult
from optimizer.design.bound import EvaluatedBound, solve_bound
from optimizer.design.data import DesignData
from optimizer.design.network_design import design_data, solve_design_and_data
from optimizer.design.paths import PathModel, PathSolve, solve_paths
from optimizer.design.search import SearchResult, search_openings
from results.evaluate import Evaluation, evaluate

#: The name of a scenario's hand-made plan of today's chain (``plans/NAME.csv``).
STATUS_QUO = "status-quo"

#: Shares of a solve's time limit: the relaxation that bounds the evaluated objective
#: (where it is not solved beside), then, of the time it leaves, the exact path model and
#: the search over hub openings with it inside (the rest: the design model that chooses
#: the hubs). On xiangxi-kiwi (150 s, 2 cores) the design model's MIP found nothing its
#: start heuristic had not (45-64 s); giving its time to the exact path model and the
#: search (0.15 and 0.1 before, session 10) took the evaluated margin from 34.59 M to
#: 34.89 M.
PATHS_SHARE = 0.3
SEARCH_SHARE = 0.2
BOUND_SHARE = 0.35
#: Share of the time limit the relaxation gets when it is solved beside the others
#: (the rest: scoring and writing the plan once it is collected).
BESIDE_SHARE = 0.97

#: What ``bound`` is, where one is proven.
BOUND_NOTE = (
    "proven by a relaxation of the evaluated problem (optimizer/design/bound.py): no plan "
    "with the scenario's village waits and pre-cooling, on the model's routes (at most 5 "
    "legs, within each market's maximum age, the routes_per_pair cheapest per hub, "
    "market, product and customs mode), does better"
)
#: Why ``bound`` is empty where the solve was asked for none.
NO_BOUND_ASKED = "no bound asked for ([design] bound = false)"


@dataclass(frozen=True)
class ScoredDesign:
    """A design solve's plan with the evaluator's score, and today's chain beside it.

    Parameters
    ----------
    result
        The design model's result (its own objective, bound and gap).
    evaluation
        The evaluator's score of ``result.plan`` (``None`` without a plan).
    margin_mode
        Whether the scenario maximizes margin (else it minimizes cost).
    status_quo
        The evaluator's score of the scenario's status quo plan, where it has one.
    paths
        The exact path model's ending, where it ran (its plan is ``result.plan``).
    bound
        The relaxation's bound on the evaluated objective, where it ran.
    search
        The search over hub openings, where it ran (its best is ``paths``).
    interrupted
        A stop request (Ctrl-C, SIGTERM) ended some stage early: the headline's limit is
        ``interrupted`` whichever stage it stopped (issue #20).
    """

    result: DesignResult
    evaluation: Evaluation | None
    margin_mode: bool
    status_quo: Evaluation | None = None
    paths: PathSolve | None = None
    bound: EvaluatedBound | None = None
    search: SearchResult | None = None
    interrupted: bool = False

    @property
    def has_plan(self) -> bool:
        """Whether the solve returned a plan."""
        return self.evaluation is not None

    @property
    def status(self) -> Status:
        """The plan's status against the proven bound.

        ``optimal`` where the plan is within the asked gap of the bound and no worse than
        the status quo; ``feasible`` with any other plan; without a plan, the model's.
        """
        if not self.has_plan:
            return self.result.status
        gap, asked = self.gap, self.result.options.gap or 0.0
        worse = self.versus_status_quo < 0  # NaN (no status quo) is not worse
        if math.isfinite(gap) and gap <= asked + 1e-9 and not worse:
            return Status.OPTIMAL
        return Status.FEASIBLE

    @property
    def bound_value(self) -> float:
        """The proven bound on the evaluated objective (NaN where none is)."""
        return self.bound.value if self.bound is not None else math.nan

    @property
    def gap(self) -> float:
        """``|objective - bound| / |bound|``, the plan against the proven bound (or NaN)."""
        if not self.has_plan or not math.isfinite(self.bound_value):
            return math.nan
        return abs(self.objective - self.bound_value) / max(abs(self.bound_value), 1e-9)

    @property
    def limit(self) -> Limit:
        """What stopped the search early.

        ``interrupted`` if a signal stopped any stage (the path model, the bound, the
        search too), else the design model's limit.
        """
        return Limit.INTERRUPTED if self.interrupted else self.result.limit

    @property
    def objective(self) -> float:
        """The evaluated margin (margin mode) or cost of the returned plan.

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        if self.evaluation is None:
            raise NoPlanError(self.result.status)
        return self._headline(self.evaluation)

    def _headline(self, evaluation: Evaluation) -> float:
        totals = evaluation.totals
        return float(totals["margin"] if self.margin_mode else totals["total_cost"])

    @property
    def versus_status_quo(self) -> float:
        """How much better the plan is than the status quo (CNY; negative: worse).

        NaN where the scenario has no status quo plan.
        """
        if self.status_quo is None or self.evaluation is None:
            return math.nan
        sign = 1.0 if self.margin_mode else -1.0
        return sign * (self.objective - self._headline(self.status_quo))

    def kpis(self) -> dict[str, Any]:
        """``kpis.json`` of a solve (after the run record).

        First the headline: ``status``, ``limit``, ``objective`` (the evaluated margin or
        cost), ``bound`` and ``gap`` (empty: see :data:`NO_BOUND_REASON`, in
        ``bound_note``); then the model's own ending (``model_status``,
        ``model_objective``, ``model_bound``, ``model_gap``, labelled ``model_trips``:
        ``linear`` is a relaxation of the trips), its seconds, size and stages
        (:meth:`DesignResult.kpis`); then the evaluator's figures; then, where the
        scenario has a status quo plan, ``status_quo_objective`` and
        ``versus_status_quo``.
        """
        model = self.result.kpis()
        head = {
            "status": self.status,
            "limit": self.limit,
            "objective": self.objective if self.has_plan else math.nan,
            "bound": self.bound_value,
            "gap": self.gap,
            "bound_note": self._bound_note(),
            "bound_seconds": self.bound.seconds if self.bound is not None else math.nan,
            "objective_sense": "margin" if self.margin_mode else "cost",
        }
        own = ("status", "limit", "objective", "bound", "gap")
        renamed = {f"model_{k}": model.pop(k) for k in own}
        kpis = {**head, **renamed, **model}
        if self.evaluation is not None:
            kpis.update(self.evaluation.kpis())
        if self.paths is not None:
            kpis.update(_path_kpis(self.paths))
        if self.search is not None:
            kpis.update(self.search.kpis())
        if self.status_quo is not None:
            kpis["status_quo_objective"] = self._headline(self.status_quo)
            kpis["versus_status_quo"] = self.versus_status_quo
        return kpis

    def _bound_note(self) -> str:
        if self.bound is None:
            return NO_BOUND_ASKED
        return self.bound.reason or BOUND_NOTE

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The run folder's tables (:meth:`DesignResult.to_frames` with the evaluation).

        Where the exact path model chose the plan, ``hubs`` is the plan's hub use as
        the evaluator counts it (the design model's pooled stock no longer describes it).
        """
        frames = self.result.to_frames(self.evaluation)
        if self.paths is not None and self.evaluation is not None:
            frames["hubs"] = self.evaluation.hubs
        return frames

    def documents(self) -> dict[str, dict]:
        """JSON documents beside ``kpis.json`` (``diagnosis.json`` when infeasible)."""
        return self.result.documents()


def _path_kpis(paths: PathSolve) -> dict[str, Any]:
    """The exact path model's figures: ``exact_model_*`` keys.

    ``exact_model_objective`` is the plan's objective in the path model, which counts
    every coefficient as the evaluator does; ``exact_model_bound`` is proven only over
    the model's columns (``exact_model_columns``), hubs fixed.
    """
    outcome = paths.outcome
    return {
        "exact_model_status": outcome.status,
        "exact_model_limit": outcome.limit,
        "exact_model_objective": outcome.objective,
        "exact_model_bound": outcome.bound,
        "exact_model_gap": outcome.gap,
        "exact_model_columns": paths.columns,
        "exact_model_seconds": paths.seconds,
        **_generation_kpis(paths),
    }


def _generation_kpis(paths: PathSolve) -> dict[str, Any]:
    """Column generation's figures (``exact_model_generation_*``), where it ran."""
    made = paths.generation
    if made is None:
        return {}
    return {
        "exact_model_generation_rounds": made.rounds,
        "exact_model_generation_added": made.added,
        "exact_model_generation_rejected": made.rejected,
        "exact_model_generation_relaxation": made.relaxation,
        "exact_model_generation_stopped": made.stopped,
        "exact_model_generation_seconds": made.seconds,
    }


def solve_and_score(
    network: Network,
    options: DesignOptions | None = None,
    status_quo: str | None = STATUS_QUO,
    on_stage: Callable[[str], None] | None = None,
    bound_beside: bool = False,
) -> ScoredDesign:
    """Solve the design model, score its plan, and score the status quo beside it.

    Parameters
    ----------
    network
        The scenario.
    options
        Solve options (default: the scenario's ``[design]`` table).
    status_quo
        The name of the scenario's status quo plan (``plans/NAME.csv``); a scenario
        without that plan, or ``None``, is compared with nothing. The plan is read and
        checked before the solve: a plan the evaluator refuses stops it at once
        (:class:`~networks.errors.ScenarioError`, exit 2 from the command line).
    on_stage
        Called with what the solve is doing as each stage begins (for a progress line).
    bound_beside
        Solve the bound's relaxation in a process of its own from the start
        (:class:`~optimizer.design._beside.BoundBeside`: it gets the whole time limit,
        and the design model the share it would otherwise take); ``coldchain solve``
        asks for it on machines with two cores or more.

    Returns
    -------
    ScoredDesign
        What ``coldchain solve`` writes.
    """
    from instances import read_plan
    from results.evaluate import check_plan

    options = options or DesignOptions.from_network(network)
    today_plan = label = None
    if status_quo and network.folder is not None:
        path = network.folder / "plans" / f"{status_quo}.csv"
        if path.is_file():  # read and checked before solving: a bad plan stops at once
            label = f"plans/{path.name}"
            today_plan = read_plan(path, label=label)
            check_plan(network, today_plan, label)
    margin_mode = (options.objective or network.objective) == "margin"
    searching = options.paths and options.search and not options.single_sourcing
    beside = None
    if options.bound and bound_beside:
        limit = None if options.time_limit is None else BESIDE_SHARE * options.time_limit
        beside = BoundBeside(network, options, limit)
    say = on_stage or (lambda text: None)
    try:
        return _stages(network, options, margin_mode, searching, beside, today_plan, label, say)
    finally:
        if beside is not None:
            beside.cancel()  # a no-op once collected; a stop if the solve ended otherwise


def _stages(network, options, margin_mode, searching, beside, today_plan, label, say):
    """The stages of :func:`solve_and_score` after the relaxation was started beside."""
    bound_share = BOUND_SHARE if options.bound and beside is None else 0.0
    paths_share = (1.0 - bound_share) * (PATHS_SHARE if options.paths else 0.0)
    search_share = (1.0 - bound_share) * (SEARCH_SHARE if searching else 0.0)
    share = bound_share + paths_share + search_share
    design_options = options
    if options.time_limit is not None and share:
        design_options = replace(options, time_limit=(1.0 - share) * options.time_limit)
    clock = time.perf_counter()
    limit = design_options.time_limit
    say("choosing hubs: the design model" + ("" if limit is None else f", up to {limit:.0f} s"))
    result, data = solve_design_and_data(network, design_options)
    if not result.has_plan:
        if beside is not None:
            beside.cancel()
        return ScoredDesign(result, None, margin_mode)
    paths = None
    if options.paths and not interrupt.stop_requested():
        left = None
        if options.time_limit is not None:
            left = max(1.0, options.time_limit - (time.perf_counter() - clock))
        if bound_share and left is not None:
            left = max(1.0, left - bound_share * options.time_limit)
        if searching and left is not None:
            left = max(1.0, left - search_share * options.time_limit)
        say("re-planning the flows on its hubs: the exact path model")
        if data is None:
            data = design_data(network, options)
        paths = exact_paths(network, result.plan, options, margin_mode, left, data)
        if paths.plan is not None:
            result = replace(result, plan=paths.plan)
    search = None
    if searching and paths is not None and paths.plan is not None:
        if not interrupt.stop_requested():
            left = None
            if options.time_limit is not None:
                left = options.time_limit - (time.perf_counter() - clock)
                left = max(0.0, left - bound_share * options.time_limit)
            search = search_openings(
                network,
                data,
                options,
                margin_mode,
                paths,
                left,
                lambda opening: say(f"searching hub openings: {opening}"),
            )
            paths = search.best
            result = replace(result, plan=paths.plan)
    bound = None
    if beside is not None:
        say("collecting the bound on the evaluated objective: the relaxation, solved beside")
        bound = beside.result()
    elif options.bound and interrupt.stop_requested():
        bound = EvaluatedBound(math.nan, Status.NO_SOLUTION, 0.0, "interrupted before it ran")
    elif options.bound:
        left = None
        if options.time_limit is not None:
            left = max(1.0, options.time_limit - (time.perf_counter() - clock))
        say("proving a bound on the evaluated objective: the relaxation")
        bound = solve_bound(network, options, left, options.threads, data)
    say("scoring the plan with the exact evaluator")
    evaluation = evaluate(network, result.plan, regime=options.regime, label="flows.csv")
    today = None
    if today_plan is not None:
        today = evaluate(network, today_plan, regime=options.regime, label=label, check=False)
    stopped = interrupt.stop_requested()  # whichever stage a signal ended
    return ScoredDesign(result, evaluation, margin_mode, today, paths, bound, search, stopped)


def exact_paths(
    network: Network,
    start: Plan,
    options: DesignOptions,
    margin_mode: bool,
    time_limit: float | None,
    data: DesignData | None = None,
) -> PathSolve:
    """The exact path model on ``start``'s hubs, from ``start`` (never worse than it).

    Parameters
    ----------
    network
        The scenario.
    start
        The design model's plan: its hubs are fixed, its rows are columns and the start.
    options
        The solve options (objective, CO2 cap and price, gap, threads, regime).
    margin_mode
        Maximize margin (else minimize cost).
    time_limit
        Seconds for the path model.
    data
        The design model's data for ``options``, if already built.
    """
    model = PathModel(
        network,
        data if data is not None else design_data(network, options),
        dict(start.hubs),
        margin_mode,
        options.ship_all_supply,
        options.co2_cap_t,
        options.co2_price_cny_per_t,
        options.regime,
    )
    if options.single_sourcing:
        model.only_arcs({(f.village, f.county_hub) for f in start.flows})
    return solve_paths(model, start, time_limit, options.gap, options.threads)
