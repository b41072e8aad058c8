"""A solve's status and limit in the one vocabulary (networks.status) for a bench row."""

from __future__ import annotations

from networks.status import Limit, Status


def status_and_limit(result) -> tuple[Status, Limit]:
    """``(status, limit)`` of a design or facility result, for a bench table's row.

    A result that reports its ``limit`` is taken as it is. A result that does not yet
    says ``time_limit`` where the clock stopped it: that is ``feasible`` (or
    ``no_solution`` without a plan) with ``limit`` ``time``; a word outside
    :class:`~networks.status.Status` is ``error``.

    Parameters
    ----------
    result
        A :class:`~optimizer.design.network_design.DesignResult` or
        :class:`~optimizer.facility.FacilityResult`: ``status``, ``has_plan`` and,
        where it reports one, ``limit``.

    Returns
    -------
    tuple of (Status, Limit)
    """
    limit = getattr(result, "limit", None)
    if limit is not None:
        return Status(result.status), Limit(limit)
    if result.status == "time_limit":
        return (Status.FEASIBLE if result.has_plan else Status.NO_SOLUTION), Limit.TIME
    known = {s.value for s in Status}
    return (Status(result.status) if result.status in known else Status.ERROR), Limit.NONE
