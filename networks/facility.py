"""The capacitated facility location problem (CFLP) as a value: four read-only arrays.

What :func:`optimizer.facility.solve_cflp` solves and what
:class:`instances.cflp.CflpInstance` (a benchmark file's instance) is: facilities with a
capacity and a fixed cost to open, customers with a demand, and the cost of serving all
of a customer's demand from each facility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class FacilityProblem:
    """One capacitated facility location problem (read-only arrays, validated).

    Parameters
    ----------
    name
        A name for messages and tables (``cap41``, ``capa-8000``).
    capacity
        Capacity of each facility, shape ``(m,)`` (units of demand).
    fixed_cost
        Fixed cost of opening each facility, shape ``(m,)``.
    demand
        Demand of each customer, shape ``(n,)``.
    cost
        ``cost[i, j]``: cost of serving all of customer j from facility i, shape ``(m, n)``
        (facility-major).

    Raises
    ------
    ValueError
        If an array has the wrong shape, or a value is negative or not finite.

    Examples
    --------
    >>> problem = FacilityProblem("two", [10, 10], [3, 4], [5, 5], [[1, 2], [2, 1]])
    >>> (problem.facilities, problem.customers)
    (2, 2)
    """

    name: str
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray

    def __post_init__(self) -> None:
        arrays = {}
        for attr in ("capacity", "fixed_cost", "demand", "cost"):
            values = np.array(getattr(self, attr), dtype=float)  # a copy we own
            values.flags.writeable = False
            arrays[attr] = values
            object.__setattr__(self, attr, values)
        m, n = arrays["capacity"].shape[0], arrays["demand"].shape[0]
        expected = {"capacity": (m,), "fixed_cost": (m,), "demand": (n,), "cost": (m, n)}
        for attr, shape in expected.items():
            if arrays[attr].shape != shape:
                raise ValueError(
                    f"CFLP {self.name!r}: {attr}: expected shape {shape}, got {arrays[attr].shape}"
                )
            if not np.all(np.isfinite(arrays[attr])) or (arrays[attr] < 0).any():
                raise ValueError(f"CFLP {self.name!r}: {attr}: expected finite numbers >= 0")

    @property
    def facilities(self) -> int:
        """Number of facilities ``m``."""
        return int(self.capacity.shape[0])

    @property
    def customers(self) -> int:
        """Number of customers ``n``."""
        return int(self.demand.shape[0])
