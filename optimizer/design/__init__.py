"""Network design: which county hubs to open, at which size, and the weekly flows.

:func:`solve_design` (:mod:`optimizer.design.network_design`) returns a
:class:`DesignResult`; the formulation is stated at the top of that module.
"""

from optimizer.design.network_design import DesignOptions, DesignResult, solve_design

__all__ = ["DesignOptions", "DesignResult", "solve_design"]
