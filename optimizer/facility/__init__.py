"""The dedicated capacitated facility location (CFLP) solver behind ``bench cflp``.

:func:`solve_cflp` takes a :class:`~networks.facility.FacilityProblem` (the arrays; a
benchmark file's :class:`~instances.cflp.CflpInstance` is one) and
:class:`FacilityOptions`, and returns a :class:`FacilityResult`. The formulation and the
steps are described in :mod:`optimizer.facility.cflp`.
"""

from networks.facility import FacilityProblem
from optimizer.facility.cflp import solve_cflp
from optimizer.facility.options import FacilityOptions
from optimizer.facility.result import FacilityResult

__all__ = ["FacilityOptions", "FacilityProblem", "FacilityResult", "solve_cflp"]
