"""Solver imports of collection routing: PyVRP, OR-Tools' routing library, HiGHS.

The routing modules (:mod:`optimizer.routing`) never import a solver themselves: they
ask this module, which loads it on first use, so that an API change of PyVRP or
OR-Tools touches one place and a missing package stops with an error that says which
``pip install`` fixes it. All three are core dependencies, pinned in ``pyproject.toml``
(OR-Tools and highspy to the same HiGHS release).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from networks.errors import SolverUnavailableError

#: The pinned release of each package, for the ``pip install`` the error names.
PINS = {"pyvrp": "pyvrp==0.14.1", "ortools": "ortools==9.15.6755", "highspy": "highspy==1.12.0"}


def _load(name: str) -> ModuleType:
    """Import module ``name``, or say which ``pip install`` brings its package."""
    package = name.split(".")[0]
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SolverUnavailableError(
            f"backend {package!r} is not installed here (pip install {PINS[package]})"
        ) from exc


def pyvrp() -> ModuleType:
    """The ``pyvrp`` package (data, solve, ``SolveParams``, exceptions).

    Raises
    ------
    SolverUnavailableError
        If PyVRP is not installed.
    """
    return _load("pyvrp")


def pyvrp_stop() -> ModuleType:
    """``pyvrp.stop``: PyVRP's stopping criteria (``MaxRuntime``, ``MaxIterations``...)."""
    return _load("pyvrp.stop")


def pyvrp_penalties() -> ModuleType:
    """``pyvrp.PenaltyManager``, for ``PenaltyParams``."""
    return _load("pyvrp.PenaltyManager")


def ortools_routing() -> tuple[ModuleType, ModuleType]:
    """OR-Tools' routing library: ``pywrapcp`` and ``routing_enums_pb2``.

    Raises
    ------
    SolverUnavailableError
        If OR-Tools is not installed.
    """
    return (
        _load("ortools.constraint_solver.pywrapcp"),
        _load("ortools.constraint_solver.routing_enums_pb2"),
    )


def highspy() -> ModuleType:
    """``highspy``, HiGHS's Python interface (the several-trip schedule LP)."""
    return _load("highspy")
