"""Products: what villages grow and markets buy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from networks.shelf_life import ShelfLife


@dataclass(frozen=True)
class MarketAccess:
    """The conditions on which a country admits a product (``[products.ID.access.XX]``).

    Parameters
    ----------
    country
        The importing country (ISO alpha-2).
    origins
        Countries of origin it admits the product from (empty: any).
    condition
        What the admission requires (a protocol, registered orchards and packhouses, an
        import permit...), in words.
    met
        Whether the scenario's exporters meet the condition; when not, the product may
        not enter the country.
    source
        Where the condition comes from.
    """

    country: str
    origins: frozenset[str] = frozenset()
    condition: str = ""
    met: bool = True
    source: str = ""

    def admits(self, origin: str | None) -> bool:
        """Whether goods from ``origin`` (``None``: not asked) may enter on these terms."""
        if not self.met:
            return False
        return origin is None or not self.origins or origin in self.origins


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
        Purchase (farm-gate) value per kg: what a kilogram shipped costs the chain,
        whether it sells or is lost.
    markets
        Countries (ISO alpha-2) whose plant-health and market-access rules admit it.
    shelf_life
        Shelf-life model; ``None`` for a product that does not decay.
    source
        Where its figures come from.
    max_storage_weeks
        Longest a lot may stay in a hub's cold store (whole weeks); ``None``: no limit.
    export_value_cny_per_kg
        Value declared at export (FOB), per kg: the goods' part of the customs value
        abroad (``None``: the purchase value, ``value_cny_per_kg``).
    access
        Conditions of admission by importing country (:class:`MarketAccess`); a country
        of ``markets`` without one admits the product from anywhere.
    green_channel
        Listed fresh produce under China's green channel (FACTS 2.1: fresh fruit and
        vegetables): a whole truck of it alone, at least 80% full, pays no expressway toll
        (a leg's ``toll_cny_per_trip``).
    """

    id: str
    name: str
    hs_code: str
    value_cny_per_kg: float
    markets: frozenset[str]
    shelf_life: ShelfLife | None = None
    source: str = ""
    max_storage_weeks: int | None = None
    export_value_cny_per_kg: float | None = None
    access: Mapping[str, MarketAccess] = field(default_factory=dict, hash=False)
    green_channel: bool = False

    def __post_init__(self) -> None:
        if self.value_cny_per_kg < 0:
            raise ValueError(f"product {self.id!r}: value_cny_per_kg: expected >= 0")
        if self.export_value_cny_per_kg is not None and self.export_value_cny_per_kg < 0:
            raise ValueError(f"product {self.id!r}: export_value_cny_per_kg: expected >= 0")
        object.__setattr__(self, "access", MappingProxyType(dict(self.access)))
        if self.max_storage_weeks is not None and self.max_storage_weeks < 0:
            raise ValueError(f"product {self.id!r}: max_storage_weeks: expected >= 0")

    @property
    def perishable(self) -> bool:
        """Whether the product decays (has a shelf-life model)."""
        return self.shelf_life is not None

    @property
    def export_value_cny_per_t(self) -> float:
        """Declared export (FOB) value per tonne (the purchase value where none is given)."""
        value = self.export_value_cny_per_kg
        return 1000.0 * (self.value_cny_per_kg if value is None else value)

    def admitted_in(self, country: str, origin: str | None = None) -> bool:
        """Whether the product may enter ``country`` (from ``origin``, where given)."""
        if country not in self.markets:
            return False
        access = self.access.get(country)
        return access is None or access.admits(origin)
