"""Solver backends: the one place that imports solver libraries and names solver classes.

Model code builds its models from PuLP's modelling objects or from arrays; the solvers
that run them are reached only through this package, so that a solver's API change, or
its absence, touches one place:

- :func:`highspy`: the HiGHS Python module, imported on first use;
- :mod:`optimizer.backends.mip`: PuLP solvers by name (HiGHS, CBC under a watchdog, any
  other), and one vocabulary for how a solver run ended
  (:func:`~optimizer.backends.mip.ending_status`);
- :mod:`optimizer.backends.highs`: one model held in HiGHS and changed in place.
"""

from __future__ import annotations

from types import ModuleType

from networks.errors import SolverUnavailableError

#: The highspy release pinned in pyproject.toml (it shares libhighs with OR-Tools).
HIGHSPY_PIN = "highspy==1.12.0"


def highspy() -> ModuleType:
    """The ``highspy`` module, imported on first use.

    Raises
    ------
    SolverUnavailableError
        If highspy is not installed (the message says which ``pip install`` fixes it).
    """
    try:
        import highspy as module
    except ImportError as exc:  # a core dependency, but say how to mend a broken install
        raise SolverUnavailableError(
            f"HiGHS (highspy) is not installed here: pip install {HIGHSPY_PIN}"
        ) from exc
    return module


__all__ = ["HIGHSPY_PIN", "highspy"]
