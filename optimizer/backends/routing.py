"""Solver imports of collection routing: PyVRP, OR-Tools' routing library, HiGHS (re-exported).

The routing modules (:mod:`optimizer.routing`) never import a solver themselves: they
ask this module, which loads it on first use, so that an API change of PyVRP or
OR-Tools touches one place and a missing package stops with an error that says which
``pip install`` fixes it. All three are core dependencies, pinned in ``pyproject.toml``
(OR-Tools and highspy to the same HiGHS release).
"""

from __future__ import annotations

from types import ModuleType

from optimizer.backends import highspy, load

__all__ = ["highspy", "ortools_routing", "pyvrp", "pyvrp_penalties", "pyvrp_stop"]


def pyvrp() -> ModuleType:
    """The ``pyvrp`` package (data, solve, ``SolveParams``, exceptions).

    Raises
    ------
    SolverUnavailableError
        If PyVRP is not installed.
    """
    return load("pyvrp")


def pyvrp_stop() -> ModuleType:
    """``pyvrp.stop``: PyVRP's stopping criteria (``MaxRuntime``, ``MaxIterations``...)."""
    return load("pyvrp.stop")


def pyvrp_penalties() -> ModuleType:
    """``pyvrp.PenaltyManager``, for ``PenaltyParams``."""
    return load("pyvrp.PenaltyManager")


def ortools_routing() -> tuple[ModuleType, ModuleType]:
    """OR-Tools' routing library: ``pywrapcp`` and ``routing_enums_pb2``.

    Raises
    ------
    SolverUnavailableError
        If OR-Tools is not installed.
    """
    return (
        load("ortools.constraint_solver.pywrapcp"),
        load("ortools.constraint_solver.routing_enums_pb2"),
    )
