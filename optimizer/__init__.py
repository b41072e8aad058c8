"""Models and solvers: network design (PuLP), collection routing, consolidation games.

The ``coldchain`` command lives in :mod:`optimizer.cli`.
"""

from optimizer.network_design import DesignOptions, DesignResult, solve_design

__all__ = ["DesignOptions", "DesignResult", "solve_design"]
