"""One status vocabulary for every solve: what was proven, and what stopped the search.

Design, routing, consolidation and the benchmarks all report these two enums
(CONVENTIONS.md, Data): ``status`` says what the result holds and proves, ``limit`` says
what ended the search early. A time limit with a plan in hand is ``feasible`` with
``limit = time``, not a status of its own. Both are ``StrEnum``: they compare equal to
their strings and are written to ``kpis.json`` and tables as those strings.
"""

from __future__ import annotations

from enum import StrEnum

from networks.errors import ColdchainError


class Status(StrEnum):
    """What a solve's result holds.

    ``optimal``: a plan proven within the requested gap; ``feasible``: a plan without
    that proof; ``infeasible``: proven that no plan meets the constraints;
    ``no_solution``: the search ended without a plan and without that proof;
    ``error``: the solver failed.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        """Whether a result of this status carries a plan (optimal or feasible)."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


class Limit(StrEnum):
    """What stopped a search before it proved its answer (``none``: nothing did)."""

    NONE = "none"
    TIME = "time"
    ITERATIONS = "iterations"
    INTERRUPTED = "interrupted"


class NoPlanError(ColdchainError, LookupError):
    """A result's plan or objective was asked for, but the solve found no plan."""

    def __init__(self, status: Status | str, what: str = "objective") -> None:
        super().__init__(f"no {what}: the solve ended {status} without a plan")
        self.status = status


def worst_status(statuses) -> Status:
    """The weakest of several statuses (a day of runs is only as proven as its worst).

    Ordered ``optimal`` < ``feasible`` < ``no_solution`` < ``infeasible`` < ``error``;
    no statuses at all is ``optimal`` (nothing left unproven).
    """
    order = [Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION, Status.INFEASIBLE]
    order.append(Status.ERROR)
    return max((Status(s) for s in statuses), key=order.index, default=Status.OPTIMAL)


def first_limit(limits) -> Limit:
    """The limit to report for several searches: the first that is not ``none``."""
    return next((Limit(x) for x in limits if Limit(x) is not Limit.NONE), Limit.NONE)
