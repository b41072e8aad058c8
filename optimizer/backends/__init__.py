"""Solver backends: the one place that imports solver libraries and names solver classes.

Model code builds its models from PuLP's modelling objects or from arrays; the solvers
that run them are reached only through this package, so that a solver's API change, or
its absence, touches one place:

- :func:`load` (and :func:`highspy`): a solver package imported on first use, or an
  error that says which ``pip install`` brings it;
- :mod:`optimizer.backends.mip`: PuLP solvers by name (HiGHS, CBC under a watchdog; no
  other, as none could be stopped on a signal), and one vocabulary for how a solver run ended
  (:func:`~optimizer.backends.mip.ending_status`);
- :mod:`optimizer.backends.highs`: one model held in HiGHS and changed in place;
- :mod:`optimizer.backends.routing`: PyVRP and OR-Tools' routing library.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from networks.errors import SolverUnavailableError

#: The pinned release of each solver package (``pyproject.toml``; OR-Tools and highspy
#: share one HiGHS release), for the ``pip install`` an error names.
PINS = {"pyvrp": "pyvrp==0.14.1", "ortools": "ortools==9.15.6755", "highspy": "highspy==1.12.0"}


def load(name: str) -> ModuleType:
    """Import module ``name`` of a solver package, or say which ``pip install`` brings it.

    Raises
    ------
    SolverUnavailableError
        If the package is not installed.
    """
    package = name.split(".")[0]
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SolverUnavailableError(
            f"backend {package!r} is not installed here (pip install {PINS[package]})"
        ) from exc


def highspy() -> ModuleType:
    """``highspy``, HiGHS's Python interface.

    Raises
    ------
    SolverUnavailableError
        If highspy is not installed.
    """
    return load("highspy")


__all__ = ["PINS", "highspy", "load"]
