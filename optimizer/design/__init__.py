"""Network design: which county hubs to open, at which size, and the weekly flows.

:func:`solve_design` returns a :class:`DesignResult`; :class:`DesignModel` holds one
model in HiGHS to re-solve for many coalitions. The formulation is stated, and written
once, in :mod:`optimizer.design.formulation`.
"""

from optimizer.design._options import DesignOptions
from optimizer.design._result import DesignResult
from optimizer.design.network_design import DesignModel, solve_design

__all__ = ["DesignModel", "DesignOptions", "DesignResult", "solve_design"]
