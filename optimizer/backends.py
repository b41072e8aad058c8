"""Solver backends: the one place that names concrete solver classes.

PuLP's modelling objects are used by the model modules; the solvers that run them
(HiGHS through ``highspy``, CBC bundled with PuLP, any other PuLP solver by name) are
created here, so that a PuLP API change touches one module.
"""

from __future__ import annotations

from networks.errors import SolverUnavailableError

#: Our short names for PuLP solver classes; any other PuLP solver name is passed through.
SOLVER_ALIASES = {"highs": "HiGHS", "cbc": "PULP_CBC_CMD", "glpk": "GLPK_CMD"}


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
        ``highs`` (default, in-process through highspy), ``cbc`` (bundled with PuLP) or
        any name that ``pulp.listSolvers()`` knows.
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
        If the solver is unknown or not installed here.
    """
    import pulp

    class_name = SOLVER_ALIASES.get(name.lower(), name)
    if class_name not in pulp.listSolvers():
        raise SolverUnavailableError(
            f"--solver: expected one of {', '.join(sorted(SOLVER_ALIASES))} or a PuLP solver "
            f"name ({', '.join(pulp.listSolvers())}), got {name!r}"
        )
    kwargs: dict = {"msg": msg}
    if time_limit is not None:
        kwargs["timeLimit"] = time_limit
    if gap is not None:
        kwargs["gapRel"] = gap
    if threads is not None:
        kwargs["threads"] = threads
    solver = pulp.getSolver(class_name, **kwargs)
    if not solver.available():
        hint = "pip install highspy==1.12.0" if class_name == "HiGHS" else "see PuLP's docs"
        raise SolverUnavailableError(f"solver {name!r} is not available here ({hint})")
    return solver
