"""Solver backends: the one place that names concrete solver classes.

PuLP's modelling objects are used by the model modules; the solvers that run them
(HiGHS through ``highspy``, CBC bundled with PuLP; no other, see :data:`SOLVER_ALIASES`)
are created here, so that a PuLP API change touches one module.
"""

from __future__ import annotations

import math
import os
import re
import signal
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np

from networks.errors import SolverUnavailableError
from networks.status import Limit, Status
from optimizer import backends
from optimizer.backends import interrupt

#: The solvers coldchain runs, by our short names, and their PuLP solver classes. Both
#: stop within a second of Ctrl-C or SIGTERM with their best plan and never outlive the
#: command (:mod:`optimizer.backends.interrupt`): HiGHS through its interrupt callbacks,
#: CBC under a watchdog that leads its process group. Other PuLP solvers run as child
#: programs that PuLP waits for, which coldchain could neither stop nor keep from
#: outliving it (issue #20), so they are refused.
SOLVER_ALIASES = {"highs": "HiGHS", "cbc": "PULP_CBC_CMD"}

#: Other spellings of those solvers' names (PuLP's class names, any case).
_SOLVER_NAMES = {
    **{k: k for k in SOLVER_ALIASES},
    **{v.lower(): k for k, v in SOLVER_ALIASES.items()},
}


def solver_name(name: str) -> str:
    """Our short name of a solver coldchain runs (``highs`` or ``cbc``), any spelling.

    Raises
    ------
    SolverUnavailableError
        For any other name (exit 4 from the command line), saying why.
    """
    short = _SOLVER_NAMES.get(str(name).lower())
    if short is None:
        raise SolverUnavailableError(unsupported_solver(name))
    return short


def unsupported_solver(name: str) -> str:
    """Why a solver name is refused: the one message of ``--solver`` and ``[design]``."""
    return (
        f"solver {name!r}: coldchain runs highs or cbc only (other PuLP solvers run as "
        "programs it can neither stop on Ctrl-C or SIGTERM nor keep from outliving it)"
    )


def _solver_kwargs(msg: bool, time_limit, gap, threads) -> dict:
    """PuLP solver keyword arguments for the limits that are set."""
    kwargs: dict = {"msg": msg}
    for key, value in (("timeLimit", time_limit), ("gapRel", gap), ("threads", threads)):
        if value is not None:
            kwargs[key] = value
    return kwargs


def pulp_solver(
    name: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = 1,
    msg: bool = False,
):
    """Create a PuLP solver by name.

    Parameters
    ----------
    name
        ``highs`` (default, in-process through highspy) or ``cbc`` (bundled with PuLP),
        any spelling :func:`solver_name` takes.
    time_limit
        Seconds, or ``None`` for no limit.
    gap
        Relative MIP gap at which to stop (a fraction, 0.01 = 1%).
    threads
        Threads the solver may use.
    msg
        Show the solver's log.

    Returns
    -------
    pulp.LpSolver
        A solver instance ready for ``problem.solve(solver)``.

    Raises
    ------
    SolverUnavailableError
        If the solver is not one coldchain runs, or not installed here.
    """
    import pulp

    class_name = SOLVER_ALIASES[solver_name(name)]
    kwargs = _solver_kwargs(msg, time_limit, gap, threads)
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates PULP_CBC_CMD for 4.0; we stay on 3.x, whose CBC is bundled.
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.getSolver(class_name, **kwargs)
    if not solver.available():
        hint = (
            f"pip install {backends.PINS['highspy']}"
            if class_name == "HiGHS"
            else "see PuLP's docs"
        )
        raise SolverUnavailableError(f"solver {name!r} is not available here ({hint})")
    return solver


# --- a model given as arrays, as a PuLP problem ----------------------------------------
def pulp_problem(
    arrays: dict,
    column_names: list[str],
    row_names: list[str],
    maximize: bool = False,
    name: str = "model",
):
    """The PuLP problem of a model given as arrays, for solvers reached through PuLP.

    Parameters
    ----------
    arrays
        ``col_cost, col_lower, col_upper, integrality, row_lower, row_upper, a_start,
        a_index, a_value`` (row-wise sparse matrix), as HiGHS takes them
        (:meth:`optimizer.design.formulation.DesignMatrix.arrays`).
    column_names, row_names
        A name for each column and row (PuLP's variable and constraint names).
    maximize
        Maximize the objective (else minimize).
    name
        The problem's name.

    Returns
    -------
    tuple
        The ``pulp.LpProblem`` and its variables in column order (PuLP lists a
        problem's variables sorted by name).

    Notes
    -----
    A row with equal bounds is an equality; a row with two different finite bounds
    becomes two constraints, ``NAME|lower`` and ``NAME|upper``.
    """
    import pulp

    lower, upper = arrays["col_lower"].tolist(), arrays["col_upper"].tolist()
    integer = arrays["integrality"].tolist()
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates constructing variables on their own, for 4.0; we stay on 3.x
        warnings.simplefilter("ignore", DeprecationWarning)
        variables = [
            pulp.LpVariable(
                column,
                None if lo == -math.inf else lo,
                None if hi == math.inf else hi,
                pulp.LpInteger if kind else pulp.LpContinuous,
            )
            for column, lo, hi, kind in zip(column_names, lower, upper, integer, strict=True)
        ]
    problem = pulp.LpProblem(name, pulp.LpMaximize if maximize else pulp.LpMinimize)
    cost = arrays["col_cost"].tolist()
    problem.setObjective(
        pulp.LpAffineExpression([(v, c) for v, c in zip(variables, cost, strict=True) if c])
    )
    starts = [*arrays["a_start"].tolist(), len(arrays["a_index"])]
    index, value = arrays["a_index"].tolist(), arrays["a_value"].tolist()
    row_lower, row_upper = arrays["row_lower"].tolist(), arrays["row_upper"].tolist()
    for i, row in enumerate(row_names):
        entries = range(starts[i], starts[i + 1])
        terms = [(variables[index[e]], value[e]) for e in entries]
        lo, hi = row_lower[i], row_upper[i]
        if lo == hi:
            parts = [(pulp.LpConstraintEQ, hi, row)]
        else:
            parts = [(pulp.LpConstraintLE, hi, row)] if hi != math.inf else []
            if lo != -math.inf:
                parts.append((pulp.LpConstraintGE, lo, row))
            if len(parts) == 2:
                parts = [(parts[0][0], hi, f"{row}|upper"), (parts[1][0], lo, f"{row}|lower")]
        for sense, rhs, label in parts:
            expression = pulp.LpAffineExpression(terms)
            problem.addConstraint(pulp.LpConstraint(expression, sense, label, rhs))
    return problem, variables


# --- running a PuLP model ---------------------------------------------------------------


def column_values(outcome: SolveOutcome, variables) -> np.ndarray:
    """A PuLP run's values (by variable name) as an array in ``variables``' order.

    Empty without a solution; a variable the solver gave no value is 0.
    """
    if not outcome.has_solution:
        return np.empty(0)
    found = outcome.values
    return np.array(
        [0.0 if found.get(v.name) is None else float(found[v.name]) for v in variables],
        dtype=np.float64,
    )


#: Seconds a solver may run past its time limit before the watchdog ends it.
WATCHDOG_GRACE_S = 5.0


#: How a solver run can end, in this module's words, and the (status, limit) each means
#: with a solution in hand and without one: the one place solver endings meet
#: :mod:`networks.status`. A limit word says what stopped the search; ``unbounded``
#: (no model here can be: costs are bounded below, sales by demand) is an error.
_ENDINGS: dict[str, tuple[tuple[Status, Limit], tuple[Status, Limit]]] = {
    "optimal": ((Status.OPTIMAL, Limit.NONE), (Status.ERROR, Limit.NONE)),
    "infeasible": ((Status.INFEASIBLE, Limit.NONE), (Status.INFEASIBLE, Limit.NONE)),
    "unbounded": ((Status.ERROR, Limit.NONE), (Status.ERROR, Limit.NONE)),
    "time": ((Status.FEASIBLE, Limit.TIME), (Status.NO_SOLUTION, Limit.TIME)),
    "iterations": ((Status.FEASIBLE, Limit.ITERATIONS), (Status.NO_SOLUTION, Limit.ITERATIONS)),
    "interrupted": (
        (Status.FEASIBLE, Limit.INTERRUPTED),
        (Status.NO_SOLUTION, Limit.INTERRUPTED),
    ),
    "stopped": ((Status.FEASIBLE, Limit.NONE), (Status.NO_SOLUTION, Limit.NONE)),
    "error": ((Status.ERROR, Limit.NONE), (Status.ERROR, Limit.NONE)),
}


def ending_status(ending: str, has_solution: bool) -> tuple[Status, Limit]:
    """The status and limit of a solver run that ended so (a key of ``_ENDINGS``).

    ``optimal`` without a solution (a solver that said so and returned no values) is an
    error, not a plan.
    """
    with_plan, without = _ENDINGS.get(ending, _ENDINGS["error"])
    return with_plan if has_solution else without


@dataclass(frozen=True)
class SolveOutcome:
    """What a solver run returned, solver-independent.

    Parameters
    ----------
    status, limit
        What the run holds and proves, and what stopped it early
        (:mod:`networks.status`; :func:`ending_status` maps solvers' endings onto them).
    objective, bound, gap
        Objective of the solution, best bound, relative gap (fractions; NaN if unknown).
    seconds
        Wall-clock seconds of the solve.
    solver
        Solver name and version.
    values
        Variable values by PuLP variable name, or an array of column values (empty
        without a solution).
    """

    status: Status
    limit: Limit
    objective: float
    bound: float
    gap: float
    seconds: float
    solver: str
    values: dict

    @property
    def has_solution(self) -> bool:
        """Whether a solution (optimal or not) came back."""
        return self.status.has_plan


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / |objective|`` (a fraction; NaN unless both are finite)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return abs(objective - bound) / max(abs(objective), 1e-9)


class _QuietStdout:
    """Silence the process's standard output at the file-descriptor level.

    HiGHS 1.12 prints some diagnostics (``transformNewIntegerFeasibleSolution``) straight
    to stdout even with ``output_flag`` off; they would corrupt ``--json`` output.
    """

    def __enter__(self):
        import sys

        sys.stdout.flush()
        self._saved = os.dup(1)
        self._null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(self._null, 1)
        return self

    def __exit__(self, *exc):
        os.dup2(self._saved, 1)
        os.close(self._saved)
        os.close(self._null)


def _warm_highs(solver, start_values: dict):
    """Make a PuLP HiGHS solver hand HiGHS a starting solution.

    PuLP's in-process HiGHS has no warm start (its command-line sibling has one).
    """
    highspy = backends.highspy()
    build = solver.buildSolverModel

    def build_and_start(lp):
        build(lp)
        solution = highspy.HighsSolution()
        solution.col_value = [float(start_values.get(v.name, 0.0)) for v in lp.variables()]
        solution.value_valid = True
        lp.solverModel.setSolution(solution)

    solver.buildSolverModel = build_and_start
    return solver


def _stoppable_highs(solver):
    """Make a PuLP HiGHS solver stop on a signal (:mod:`optimizer.backends.interrupt`)."""
    call = solver.callSolver

    def call_stoppable(lp):
        interrupt.listen(lp.solverModel)
        with interrupt.solving(native=True):
            call(lp)

    solver.callSolver = call_stoppable
    return solver


#: HiGHS model statuses, by name, as :data:`_ENDINGS` words (others are errors).
_HIGHS_ENDINGS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time",
    "kIterationLimit": "iterations",
    "kSolutionLimit": "iterations",
    "kInterrupt": "interrupted",
}


def highs_status(status, has_solution: bool) -> tuple[Status, Limit]:
    """Status and limit of a run that ended with HiGHS model status ``status``."""
    return ending_status(_HIGHS_ENDINGS.get(status.name, "error"), has_solution)


def _solve_highs(
    problem, time_limit, gap, threads, msg, start_values=None, seed=None
) -> SolveOutcome:
    import pulp

    highspy = backends.highspy()
    solver = pulp_solver("highs", time_limit, gap, threads, msg)
    if seed is not None:
        solver.optionsDict["random_seed"] = int(seed)
    if start_values:
        solver = _warm_highs(solver, start_values)
    solver = _stoppable_highs(solver)
    start = time.perf_counter()
    if msg:
        problem.solve(solver)
    else:
        with _QuietStdout():
            problem.solve(solver)
    seconds = time.perf_counter() - start
    model = problem.solverModel
    status = model.getModelStatus()
    info = model.getInfo()
    kinds = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = model.getObjectiveValue() if has_solution else math.nan
    sense = -1.0 if problem.sense == pulp.LpMaximize else 1.0
    objective = sense * objective if has_solution else math.nan
    is_mip = any(v.cat == pulp.LpInteger for v in problem.variables())
    if is_mip:
        bound = sense * info.mip_dual_bound
    else:
        bound = objective if status == kinds.kOptimal else math.nan
    status, limit = highs_status(status, has_solution)
    values = {v.name: v.varValue for v in problem.variables()} if has_solution else {}
    version = (
        f"HiGHS {highspy.Highs().version()}" if hasattr(highspy.Highs(), "version") else "HiGHS"
    )
    optimal = status is Status.OPTIMAL
    gap_value = relative_gap(objective, bound) if is_mip else (0.0 if optimal else math.nan)
    return SolveOutcome(status, limit, objective, bound, gap_value, seconds, version, values)


def _parse_cbc_log(text: str, maximize: bool) -> dict:
    """CBC's summary: objective, the bound it states (in the problem's sense), endings."""
    found: dict = {}
    for key, pattern in (("objective", r"Objective value:\s+(\S+)"), ("gap", r"Gap:\s+(\S+)")):
        match = re.search(pattern, text)
        if match:
            try:
                found[key] = float(match.group(1))
            except ValueError:
                pass
    match = re.search(r"(Lower|Upper) bound:\s+(\S+)", text)
    if match:
        try:
            value = float(match.group(2))
        except ValueError:
            value = math.nan
        # a bound of the other side is the negated problem's (CBC minimizes -f for max f)
        found["bound"] = -value if (match.group(1) == "Lower") == maximize else value
    found["time_limit"] = "Stopped on time" in text
    found["interrupted"] = "User ctrl-c" in text
    return found


def proven_bound(
    objective: float, stated: float, optimal: bool, gap: float | None, maximize: bool
) -> float:
    """The bound a solver's claims prove for a plan of ``objective``; NaN where none.

    ``stated`` is the bound the solver states (NaN if none). A solver that says optimal
    and states no bound has proven the plan optimal within the relative ``gap`` it was
    given, so the weakest bound that claim implies is returned (the objective itself
    with no gap). A stated bound on the wrong side of the objective bounds nothing.
    """
    if not math.isfinite(objective):
        return math.nan
    bound = stated
    if not math.isfinite(bound) and optimal:
        slack = (gap or 0.0) * abs(objective)
        bound = objective + slack if maximize else objective - slack
    tolerance = 1e-9 * max(abs(objective), 1.0)
    if math.isfinite(bound) and (
        bound < objective - tolerance if maximize else bound > objective + tolerance
    ):
        return math.nan
    return bound


def _cbc_child(problem, kwargs, log_path, conn, parent_pid) -> None:  # pragma: no cover
    """Solve with PuLP's CBC in this forked child, and send what it found to the parent.

    The child leads its own process group (the watchdog ends CBC with it) and dies with
    its parent, CBC included (:func:`~optimizer.backends.interrupt.watch_parent`). A
    SIGINT to the group (the parent's stop request) makes CBC stop and write its best
    plan; this process only waits for it.
    """
    os.setsid()
    signal.signal(signal.SIGINT, lambda *_: None)  # not SIG_IGN: CBC would inherit that
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    interrupt.watch_parent(parent_pid)
    import pulp

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(logPath=log_path, **kwargs)
        status = problem.solve(solver)
        values = {v.name: v.varValue for v in problem.variables()}
        conn.send((status, problem.sol_status, values, pulp.value(problem.objective)))
    except Exception:  # CBC stopped before writing a plan: the parent reports none
        pass
    finally:
        conn.close()


def _await_cbc(conn, process, time_limit):
    """What the CBC child sends, or ``None`` (past the watchdog's deadline, or dead).

    A stop request (:mod:`~optimizer.backends.interrupt`) sends CBC SIGINT: it stops and
    writes its best plan, which is awaited for :data:`interrupt.CBC_STOP_S` seconds.
    """
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit + WATCHDOG_GRACE_S
    asked = None
    while True:
        now = time.perf_counter()
        if asked is None and interrupt.stop_requested():
            asked = now
            deadline = min(deadline or math.inf, now + interrupt.CBC_STOP_S)
            _signal_group(process.pid, signal.SIGINT)
        if deadline is not None and now >= deadline:
            return None
        wait = 0.1 if deadline is None else min(0.1, deadline - now)
        if conn.poll(wait):
            try:
                return conn.recv()
            except EOFError:
                return None


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # gone already (or not yet its own group: then it dies with its parent)


def _solve_cbc(problem, time_limit, gap, threads, msg, seed=None) -> SolveOutcome:
    """CBC (bundled with PuLP) in its own process group, under a watchdog.

    PuLP's CBC was seen ignoring a time limit and outliving its parent; here it runs in
    a child process that leads its own group, and the whole group is killed when the
    limit plus ``WATCHDOG_GRACE_S`` has passed, when the run is interrupted and CBC has
    not answered within ``interrupt.CBC_STOP_S``, or when this process leaves by an
    exception. The bound reported is the one CBC's log states, in the problem's sense;
    where CBC says optimal and states none, the one its claim implies
    (:func:`proven_bound`: within the gap asked, as ``Optimal solution found`` means with
    a relative gap); a stated bound that is no bound is dropped, and an optimal plan
    without one becomes ``feasible``.
    """
    import multiprocessing as mp

    import pulp

    kwargs = _solver_kwargs(msg, time_limit, gap, threads)
    if seed is not None:
        kwargs["options"] = [f"randomCbcSeed {int(seed)}"]
    context = mp.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="coldchain-cbc-") as tmp:
        log_path = os.path.join(tmp, "cbc.log")
        process = context.Process(
            target=_cbc_child, args=(problem, kwargs, log_path, child, os.getpid())
        )
        start = time.perf_counter()
        try:
            with interrupt.solving():
                process.start()
                child.close()
                result = _await_cbc(parent, process, time_limit)
        finally:
            if process.is_alive():
                _signal_group(process.pid, signal.SIGKILL)
            process.join(5)
        seconds = time.perf_counter() - start
        log = open(log_path).read() if os.path.exists(log_path) else ""
    maximize = problem.sense == pulp.LpMaximize
    parsed = _parse_cbc_log(log, maximize)
    interrupted = parsed["interrupted"] or interrupt.stop_requested()
    if result is None:
        # no answer by the deadline, or the child died, or it stopped without a plan
        ending = "interrupted" if interrupted else "time" if time_limit is not None else "stopped"
        status, limit = ending_status(ending, False)
        return SolveOutcome(
            status, limit, math.nan, math.nan, math.nan, seconds, "CBC (killed by watchdog)", {}
        )
    status, sol_status, values, objective = result
    found = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if parsed["interrupted"] or (interrupted and sol_status != pulp.LpSolutionOptimal):
        ending = "interrupted"
    elif status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        ending = "optimal"
    elif sol_status == pulp.LpSolutionIntegerFeasible or (
        status == pulp.LpStatusOptimal and parsed.get("time_limit")
    ):
        ending = "time"
    elif status == pulp.LpStatusInfeasible:
        ending = "infeasible"
    elif status == pulp.LpStatusUnbounded:
        ending = "unbounded"
    else:
        ending = "stopped"
    name, limit = ending_status(ending, found and ending not in ("infeasible", "unbounded"))
    objective = float(objective) if objective is not None and name.has_plan else math.nan
    optimal = name is Status.OPTIMAL
    bound = proven_bound(objective, parsed.get("bound", math.nan), optimal, gap, maximize)
    if optimal and not math.isfinite(bound):
        name = Status.FEASIBLE  # no proof of what CBC said: a plan, no bound, no gap
    gap_value = relative_gap(objective, bound)
    return SolveOutcome(
        name,
        limit,
        objective,
        bound,
        gap_value,
        seconds,
        "CBC (PuLP bundled)",
        values if name.has_plan else {},
    )


def solve_pulp(
    problem,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = 1,
    msg: bool = False,
    start_values: dict | None = None,
    seed: int | None = None,
) -> SolveOutcome:
    """Solve a PuLP problem and report status, objective, bound and gap.

    HiGHS runs in-process and honours its own time limit; CBC runs under a watchdog
    (see :func:`_solve_cbc`); no other solver is run (:func:`solver_name` says why).
    ``start_values`` (variable name to value, a feasible solution) is handed to HiGHS as
    its first incumbent; CBC ignores it. ``seed`` is the solver's random seed (HiGHS
    ``random_seed``, CBC ``randomCbcSeed``).

    Raises
    ------
    SolverUnavailableError
        If ``solver`` is not ``highs`` or ``cbc``, or is not installed here.
    """
    if solver_name(solver) == "highs":
        return _solve_highs(problem, time_limit, gap, threads, msg, start_values, seed)
    pulp_solver("cbc")  # raises SolverUnavailableError if missing
    return _solve_cbc(problem, time_limit, gap, threads, msg, seed)
