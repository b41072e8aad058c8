"""A lot's time-temperature history, and the shelf life each part of it consumed.

A :class:`LotHistory` is the list of :class:`Segment` values a lot passes from harvest to
sale (waits, legs, dwells, cold storage, customs), built by :mod:`networks.timeline`.
:meth:`networks.shelf_life.ShelfLife.path_loss` scores it as a :class:`PathLoss`, with one
:class:`SegmentLoss` per segment.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Atmosphere = Literal["air", "ca"]

ATMOSPHERES: tuple[str, ...] = ("air", "ca")
"""Storage atmospheres: ordinary air, or controlled atmosphere (low O2, raised CO2)."""

SEGMENT_KINDS: tuple[str, ...] = (
    "precool_wait",
    "precool",
    "leg",
    "dwell",
    "storage",
    "customs",
    "stock",
)
"""Usual segment kinds (any string is accepted; ``"precool"`` marks the start of cooling)."""


def _check_atmosphere(atmosphere: str) -> None:
    if atmosphere not in ATMOSPHERES:
        raise ValueError(f"atmosphere: expected 'air' or 'ca', got {atmosphere!r}")


def _check_finite(name: str, value: float, *, minimum: float | None = None, strict=False) -> None:
    ok = isinstance(value, numbers.Real) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if strict else value >= minimum
    if not ok:
        bound = "" if minimum is None else (f" > {minimum:g}" if strict else f" >= {minimum:g}")
        raise ValueError(f"{name}: expected a finite number{bound}, got {value!r}")


@dataclass(frozen=True)
class Segment:
    """One stretch of a lot's time-temperature history.

    Parameters
    ----------
    hours
        Duration (h), >= 0.
    temp_c
        Mean product (pulp) temperature over the segment (deg C). For a diurnal cycle,
        a temperature whose rate equals the cycle's mean rate (the rate is convex in
        temperature, so slightly above the mean air temperature).
    atmosphere
        ``"air"`` or ``"ca"`` (controlled atmosphere; only a cold store or CA reefer).
    kind
        What the lot is doing: ``"precool_wait"``, ``"precool"`` (the cooling itself;
        marks the end of the pre-cooling delay), ``"leg"``, ``"dwell"``, ``"storage"``,
        ``"customs"``, or any other tag; used for the breakdown.
    name
        Optional label (a leg or node id).
    """

    hours: float
    temp_c: float
    atmosphere: Atmosphere = "air"
    kind: str = "leg"
    name: str = ""

    def __post_init__(self) -> None:
        _check_finite("hours", self.hours, minimum=0.0)
        _check_finite("temp_c", self.temp_c)
        _check_atmosphere(self.atmosphere)


@dataclass(frozen=True)
class LotHistory:
    """A lot's whole time-temperature history, from harvest to sale.

    Parameters
    ----------
    segments
        Consecutive segments; the first starts at harvest.
    hours_before_cooling
        Hours from harvest until cooling starts. ``None``: the hours before the first
        segment of kind ``"precool"`` or at or below the model's ``precooled_temp_c``
        (all hours if the lot is never cooled).
    """

    segments: tuple[Segment, ...]
    hours_before_cooling: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        for seg in self.segments:
            if not isinstance(seg, Segment):
                raise TypeError(f"segments: expected Segment objects, got {type(seg).__name__}")
        if self.hours_before_cooling is not None:
            _check_finite("hours_before_cooling", self.hours_before_cooling, minimum=0.0)

    @property
    def hours(self) -> float:
        """Total hours of the history."""
        return float(sum(s.hours for s in self.segments))


@dataclass(frozen=True)
class SegmentLoss:
    """Shelf life one segment consumed (days at the reference temperature).

    Parameters
    ----------
    kind, name, hours, temp_c, atmosphere
        As in :class:`Segment`.
    kinetic_days
        Consumption at the segment's rate ``r(T) / d(T, a)``.
    chilling_days
        Extra consumption from chilling injury accrued in this segment.
    delay_days
        Extra consumption from its hours uncooled after the curing grace.
    """

    kind: str
    name: str
    hours: float
    temp_c: float
    atmosphere: str
    kinetic_days: float
    chilling_days: float
    delay_days: float

    @property
    def days(self) -> float:
        """All consumption attributed to this segment."""
        return self.kinetic_days + self.chilling_days + self.delay_days


@dataclass(frozen=True)
class PathLoss:
    """Exact evaluation of one lot's history.

    Parameters
    ----------
    consumed_days_at_ref
        Shelf life consumed, days at the reference temperature (kinetic + chilling + delay).
    consumed_fraction
        ``consumed_days_at_ref / life_days_at_ref``.
    loss_fraction
        Share of the lot unsellable on arrival: too soft (the loss curve at
        ``consumed_fraction``) or rotten (``rot_fraction``), ``1 - (1 - soft)(1 - rot)``.
    kinetic_days_at_ref, chilling_days_at_ref, delay_days_at_ref
        The three parts of ``consumed_days_at_ref``.
    survival_loss_fraction
        The loss the per-leg survival view gives for the same history
        (``1 - exp(-kappa * (kinetic + delay) / life)``), to check the optimizer's
        approximation.
    hours
        Total hours of the history.
    hours_before_cooling
        Hours from harvest to the start of cooling used for the delay part.
    segments
        Per-segment breakdown.
    rot_fraction
        Share of the lot lost to rot, after its curing.
    """

    consumed_days_at_ref: float
    consumed_fraction: float
    loss_fraction: float
    kinetic_days_at_ref: float
    chilling_days_at_ref: float
    delay_days_at_ref: float
    survival_loss_fraction: float
    hours: float
    hours_before_cooling: float
    segments: tuple[SegmentLoss, ...] = field(default=())
    rot_fraction: float = 0.0

    @property
    def survival_error(self) -> float:
        """Survival-view loss minus exact loss (a fraction; positive: view overstates)."""
        return self.survival_loss_fraction - self.loss_fraction

    def by_kind(self) -> dict[str, float]:
        """Consumed days at the reference temperature by segment kind."""
        out: dict[str, float] = {}
        for s in self.segments:
            out[s.kind] = out.get(s.kind, 0.0) + s.days
        return out

    def to_frame(self) -> pd.DataFrame:
        """The per-segment breakdown as a DataFrame (one row per segment)."""
        import pandas as pd

        cols = [
            "kind",
            "name",
            "hours",
            "temp_c",
            "atmosphere",
            "kinetic_days",
            "chilling_days",
            "delay_days",
        ]
        return pd.DataFrame([{c: getattr(s, c) for c in cols} for s in self.segments], columns=cols)


__all__ = [
    "ATMOSPHERES",
    "SEGMENT_KINDS",
    "Atmosphere",
    "LotHistory",
    "PathLoss",
    "Segment",
    "SegmentLoss",
]
