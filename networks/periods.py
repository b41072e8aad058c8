"""Planning periods: weeks, with the season's ambient temperature."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periods:
    """Weekly planning periods.

    Parameters
    ----------
    labels
        One label per week (for example ISO weeks ``2025-W40``), in order.
    ambient_temp_c
        Mean ambient temperature of each week at origin (deg C); ambient legs and
        un-cooled waits take it.
    """

    labels: tuple[str, ...]
    ambient_temp_c: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValueError("periods: expected at least one week")
        if len(self.ambient_temp_c) != len(self.labels):
            raise ValueError(
                f"periods: ambient_temp_c: expected {len(self.labels)} values (one per week), "
                f"got {len(self.ambient_temp_c)}"
            )

    @property
    def weeks(self) -> range:
        """Week numbers, 1-based."""
        return range(1, len(self.labels) + 1)

    def ambient(self, week: int) -> float:
        """Ambient temperature of week ``week`` (1-based; later weeks take the last)."""
        index = min(max(week, 1), len(self.labels)) - 1
        return self.ambient_temp_c[index]
