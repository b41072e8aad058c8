"""Firms: who owns which villages' fruit, and what shipping alone costs them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Firm:
    """A firm (company, cooperative, workshop) that owns supply and customers.

    Parameters
    ----------
    id, name
        Id and name.
    kind
        ``company``, ``cooperative``, ``workshop`` or ``3pl``.
    part_load_premium
        Extra share a firm pays per tonne shipping part loads on its own (0.4: 40% above
        full-truckload rates).
    trip_capacity_t
        Capacity of the firm's own vehicles; trips are counted per firm when it ships alone.
    source
        Where its figures come from.
    """

    id: str
    name: str
    kind: str = "company"
    part_load_premium: float = 0.0
    trip_capacity_t: float = float("inf")
    source: str = ""

    def __post_init__(self) -> None:
        if self.part_load_premium < 0:
            raise ValueError(f"firm {self.id!r}: part_load_premium: expected >= 0")
