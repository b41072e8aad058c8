"""Planning periods: weeks, with the season's ambient temperature and calendar."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Periods:
    """Weekly planning periods.

    Parameters
    ----------
    labels
        One label per week (for example ISO weeks ``2025-W40``), in order.
    ambient_temp_c
        Mean ambient temperature of each week at origin (deg C): the temperature of the
        places without a climate place of their own (:mod:`networks.climate`).
    start
        First day of week 1; ``None``: the Monday of the first label when it is an ISO
        week (``2025-W36``), else unknown (then no place may take climate normals).
    """

    labels: tuple[str, ...]
    ambient_temp_c: tuple[float, ...]
    start: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValueError("periods: expected at least one week")
        if len(self.ambient_temp_c) != len(self.labels):
            raise ValueError(
                f"periods: ambient_temp_c: expected {len(self.labels)} values (one per week), "
                f"got {len(self.ambient_temp_c)}"
            )
        if self.start is None:
            match = _ISO_WEEK.fullmatch(self.labels[0])
            if match and 1 <= int(match.group(2)) <= 53:
                try:
                    start = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
                except ValueError:  # week 53 of a year with 52
                    start = None
                object.__setattr__(self, "start", start)

    @property
    def weeks(self) -> range:
        """Week numbers, 1-based."""
        return range(1, len(self.labels) + 1)

    def ambient(self, week: int) -> float:
        """Ambient temperature of week ``week`` (1-based; later weeks take the last)."""
        index = min(max(week, 1), len(self.labels)) - 1
        return self.ambient_temp_c[index]
