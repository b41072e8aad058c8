"""Products: what villages grow and markets buy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from networks.shelf_life import ShelfLife


@dataclass(frozen=True)
class Product:
    """A product shipped through the network.

    Parameters
    ----------
    id, name
        Id and name.
    hs_code
        Harmonized System code (``0810.50`` fresh kiwifruit).
    value_cny_per_kg
        Purchase (farm-gate) value per kg: what a kilogram lost to spoilage costs.
    markets
        Countries (ISO alpha-2) whose plant-health and market-access rules admit it.
    shelf_life
        Shelf-life model; ``None`` for a product that does not decay.
    source
        Where its figures come from.
    max_storage_weeks
        Longest a lot may stay in a hub's cold store (whole weeks); ``None``: no limit.
    """

    id: str
    name: str
    hs_code: str
    value_cny_per_kg: float
    markets: frozenset[str]
    shelf_life: ShelfLife | None = None
    source: str = ""
    max_storage_weeks: int | None = None

    def __post_init__(self) -> None:
        if self.value_cny_per_kg < 0:
            raise ValueError(f"product {self.id!r}: value_cny_per_kg: expected >= 0")
        if self.max_storage_weeks is not None and self.max_storage_weeks < 0:
            raise ValueError(f"product {self.id!r}: max_storage_weeks: expected >= 0")

    @property
    def perishable(self) -> bool:
        """Whether the product decays (has a shelf-life model)."""
        return self.shelf_life is not None

    def admitted_in(self, country: str) -> bool:
        """Whether the product may enter ``country``."""
        return country in self.markets
