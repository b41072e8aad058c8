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
from dataclasses import dataclass
from typing import Any

import pandas as pd

from networks.network import Network
from networks.status import Limit, NoPlanError, Status
from optimizer.design._options import DesignOptions
from optimizer.design._result import DesignResult
from optimizer.design.network_design import solve_design
from results.evaluate import Evaluation, evaluate

#: The name of a scenario's hand-made plan of today's chain (``plans/NAME.csv``).
STATUS_QUO = "status-quo"

#: Why ``bound`` is empty: what a proven bound for the evaluated problem still needs.
NO_BOUND_REASON = (
    "no bound is proven for the evaluated plan: the model counts spoilage by survival "
    "factors, the evaluator by exact path loss"
)


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
    """

    result: DesignResult
    evaluation: Evaluation | None
    margin_mode: bool
    status_quo: Evaluation | None = None

    @property
    def has_plan(self) -> bool:
        """Whether the solve returned a plan."""
        return self.evaluation is not None

    @property
    def status(self) -> Status:
        """``feasible`` with a plan (no bound is proven for its score), else the model's."""
        return Status.FEASIBLE if self.has_plan else self.result.status

    @property
    def limit(self) -> Limit:
        """What stopped the model's search early."""
        return self.result.limit

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
            "bound": None,
            "gap": None,
            "bound_note": NO_BOUND_REASON,
            "objective_sense": "margin" if self.margin_mode else "cost",
        }
        own = ("status", "limit", "objective", "bound", "gap")
        renamed = {f"model_{k}": model.pop(k) for k in own}
        kpis = {**head, **renamed, **model}
        if self.evaluation is not None:
            kpis.update(self.evaluation.kpis())
        if self.status_quo is not None:
            kpis["status_quo_objective"] = self._headline(self.status_quo)
            kpis["versus_status_quo"] = self.versus_status_quo
        return kpis

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The run folder's tables (:meth:`DesignResult.to_frames` with the evaluation)."""
        return self.result.to_frames(self.evaluation)

    def documents(self) -> dict[str, dict]:
        """JSON documents beside ``kpis.json`` (``diagnosis.json`` when infeasible)."""
        return self.result.documents()


def solve_and_score(
    network: Network, options: DesignOptions | None = None, status_quo: str | None = STATUS_QUO
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
    result = solve_design(network, options)
    margin_mode = (options.objective or network.objective) == "margin"
    if not result.has_plan:
        return ScoredDesign(result, None, margin_mode)
    evaluation = evaluate(network, result.plan, regime=options.regime, label="flows.csv")
    today = None
    if today_plan is not None:
        today = evaluate(network, today_plan, regime=options.regime, label=label, check=False)
    return ScoredDesign(result, evaluation, margin_mode, today)
