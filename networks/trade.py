"""Trade: customs modes, tariff regimes, import terms and what an import costs.

What a tonne imported pays, :func:`import_charge`, is the one rule both the evaluator
(:mod:`results.evaluate`) and the design model (:mod:`optimizer.design.data`) apply:

- **customs value** per tonne as the importing country defines it (:class:`Valuation`):
  ``fob``, the goods' declared export value (the United States: duty is not assessed on
  freight and insurance, CBP); ``cif``, that value plus freight and insurance to the
  border (the EU, the GCC, Singapore, most of the world: Customs Valuation Agreement
  Art. 8.2, as members choose it; dutyglobal.com "CIF vs FOB", 2025);
- **duty**: the regime's ad valorem parts (VAT excluded) on the customs value, none on a
  retail parcel whose goods value is within the country's de minimis threshold where the
  regime applies it (the EU's relief is on the goods' "intrinsic value", transport and
  insurance excluded: Council Reg. (EC) 1186/2009 Art. 23);
- **import VAT** (or GST, sales tax) on the customs value plus duty (EU VAT Directive
  Art. 85-86; Singapore Customs: GST on the CIF value plus duties). It is a cost of the
  chain unless the importer recovers it: a VAT-registered business importing wholesale
  (0110, 9710, 9810) deducts it as input tax where the country's tax allows
  (:attr:`ImportTerms.vat_recoverable`); a retail parcel (9610, 1210) is imported for a
  consumer, whose VAT the seller pays out of the price (the EU's IOSS), so it is a cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from networks.legs import Leg
    from networks.network import Network


class CustomsMode(StrEnum):
    """China's export customs modes (supervision codes).

    0110 general trade: the ordinary export declaration of wholesale goods, one
    declaration per shipment; 9610 cross-border e-commerce retail parcels (B2C, declared
    by list); 9710 cross-border e-commerce B2B direct export; 9810 B2B export to an
    overseas warehouse; 1210 bonded e-commerce: goods stocked in a special customs
    supervision area and sent out as retail parcels to consumers abroad (GACC codes as
    summarised by amzmm.com/52794 and chaodao168.com/3189, 2024-25).
    """

    GENERAL_TRADE = "0110"
    B2C_DIRECT_MAIL = "9610"
    B2B_DIRECT_EXPORT = "9710"
    OVERSEAS_WAREHOUSE = "9810"
    BONDED = "1210"


CUSTOMS_MODE_CODES = tuple(m.value for m in CustomsMode)

#: Modes that carry retail parcels to consumers abroad, and nothing else.
RETAIL_PARCEL_MODES = frozenset({CustomsMode.B2C_DIRECT_MAIL, CustomsMode.BONDED})

#: Insured value as a share of cost and freight: the market convention of CIF + 10%
#: (laojinchuhai.com "Marine cargo insurance"; calculatecbm.hostboxindia.com, 2025).
INSURED_SHARE = 1.1


def mode_carries(mode: str, last_leg_parcel: bool, passes_warehouse: bool) -> bool:
    """Whether customs mode ``mode`` may carry a path of this shape.

    Retail-parcel modes (9610, 1210) carry exactly the paths whose last leg is a parcel;
    9810 exactly the paths through an overseas warehouse (and no parcel); 9710 and 0110
    wholesale shipments that end in no parcel, 9710 not through a warehouse (a direct
    B2B sale), 0110 through one or not (general trade to one's own warehouse abroad).
    """
    if mode in RETAIL_PARCEL_MODES:
        return last_leg_parcel
    if last_leg_parcel:
        return False
    if mode == CustomsMode.OVERSEAS_WAREHOUSE:
        return passes_warehouse
    if mode == CustomsMode.B2B_DIRECT_EXPORT:
        return not passes_warehouse
    return mode == CustomsMode.GENERAL_TRADE


class Valuation(StrEnum):
    """The basis of a country's customs value."""

    CIF = "cif"
    FOB = "fob"


@dataclass(frozen=True)
class ImportTerms:
    """How a destination country values and taxes imports (``[countries.XX]``).

    Parameters
    ----------
    country
        ISO alpha-2 code.
    valuation
        ``cif`` (goods, freight and insurance to the border) or ``fob`` (goods only).
    vat_recoverable
        Whether a VAT-registered importer deducts the import VAT (or GST) as input tax.
    de_minimis_cny
        The largest goods value of a consignment (CNY) whose duty is relieved where a
        regime applies the country's de minimis (``None``: none given).
    source
        Where the terms come from.
    """

    country: str
    valuation: Valuation = Valuation.CIF
    vat_recoverable: bool = True
    de_minimis_cny: float | None = None
    source: str = ""


@dataclass(frozen=True)
class CustomsTerms:
    """Fees and times of one customs mode.

    Parameters
    ----------
    mode
        The customs mode.
    fee_cny_per_t
        Declaration, inspection and brokerage fees per tonne.
    clearance_hours
        Hours clearance takes under this mode.
    source
        Where the figures come from.
    """

    mode: CustomsMode
    fee_cny_per_t: float = 0.0
    clearance_hours: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class TariffPart:
    """One part of a tariff regime (MFN, Section 301, a surcharge, ...).

    Parameters
    ----------
    country
        Destination country (ISO alpha-2).
    hs_prefix
        HS code prefix it applies to (``0810`` covers ``0810.50``; ``*`` all goods).
    part
        Name of the part (``mfn``, ``section_301``, ``fentanyl``, ``reciprocal``, ``vat``).
    rate
        Ad valorem rate as a fraction (0.2 = 20%).
    source
        Where the rate comes from.
    """

    country: str
    hs_prefix: str
    part: str
    rate: float
    source: str = ""

    def applies_to(self, country: str, hs_code: str) -> bool:
        """Whether this part applies to goods ``hs_code`` entering ``country``."""
        if self.country != country:
            return False
        return self.hs_prefix == "*" or hs_code.replace(".", "").startswith(
            self.hs_prefix.replace(".", "")
        )


@dataclass(frozen=True)
class TariffRegime:
    """A named, dated set of tariff parts (and the de minimis rule).

    Parameters
    ----------
    name
        Regime name (``us-2025-04-10``).
    effective
        Date it took effect (ISO date string).
    description
        What it is.
    parts
        Tariff parts, VAT included as ``vat`` parts where it is a cost.
    de_minimis
        Countries whose de minimis relief applies to retail parcels under this regime
        (each country's threshold is its :attr:`ImportTerms.de_minimis_cny`).
    """

    name: str
    effective: str
    description: str = ""
    parts: tuple[TariffPart, ...] = ()
    de_minimis: frozenset[str] = field(default_factory=frozenset)

    def rates(self, country: str, hs_code: str) -> dict[str, float]:
        """Ad valorem rates by part for ``hs_code`` entering ``country``."""
        rates: dict[str, float] = {}
        for p in self.parts:  # parts of the same name add up (two surcharges, say)
            if p.applies_to(country, hs_code):
                rates[p.part] = rates.get(p.part, 0.0) + p.rate
        return rates

    def duty_rate(self, country: str, hs_code: str) -> float:
        """Total ad valorem duty on the customs value (VAT excluded)."""
        return sum(r for part, r in self.rates(country, hs_code).items() if part != "vat")

    def vat_rate(self, country: str, hs_code: str) -> float:
        """Import VAT (or GST, sales tax) rate on the customs value plus duty."""
        return self.rates(country, hs_code).get("vat", 0.0)


@dataclass(frozen=True)
class ImportCharge:
    """What a tonne imported pays at the border, CNY per tonne (:func:`import_charge`).

    Parameters
    ----------
    import_node
        Index in the path's nodes of the first node in the importing country: the tonnes
        sound on arrival there are the tonnes imported.
    customs_value
        Customs value per tonne.
    duty
        Duty per tonne.
    vat
        Import VAT per tonne, recovered or not.
    vat_cost
        The part of ``vat`` the chain bears (0 where the importer recovers it).
    de_minimis
        Whether the duty was relieved as a consignment within the de minimis threshold.
    """

    import_node: int
    customs_value: float
    duty: float
    vat: float
    vat_cost: float
    de_minimis: bool = False

    @property
    def cost(self) -> float:
        """Duty and the VAT not recovered, per tonne imported."""
        return self.duty + self.vat_cost


def declared_freight_per_t(leg: Leg) -> float:
    """The freight a tonne declares on a leg: its per-tonne rate plus its full-load rate.

    A trip-priced leg declares its trip price over its capacity (what a full vehicle or
    container pays a tonne); the shipper's part-load premium or 3PL margin is left out.
    """
    per_trip = 0.0
    if leg.cost_cny_per_trip > 0 and math.isfinite(leg.trip_capacity_t):
        per_trip = leg.cost_cny_per_trip / leg.trip_capacity_t
    return leg.cost_cny_per_t + per_trip


def customs_value_per_t(
    valuation: Valuation, goods_per_t: float, freight_per_t: float, insurance_rate: float
) -> float:
    """Customs value per tonne: the goods (FOB), or goods, freight and insurance (CIF).

    Insurance is ``insurance_rate`` times the insured value, cost and freight times
    :data:`INSURED_SHARE`.
    """
    if valuation == Valuation.FOB:
        return goods_per_t
    cost_and_freight = goods_per_t + freight_per_t
    return cost_and_freight * (1.0 + insurance_rate * INSURED_SHARE)


def import_duty_and_vat(
    regime: TariffRegime,
    terms: ImportTerms,
    hs_code: str,
    customs_mode: str,
    goods_per_t: float,
    freight_per_t: float,
    insurance_rate: float,
    parcel_t: float,
) -> tuple[float, float, float, float, bool]:
    """Customs value, duty, VAT and the VAT borne, per tonne (the rule of the module).

    Parameters
    ----------
    regime, terms
        The tariff regime and the importing country's terms.
    hs_code
        The goods' HS code.
    customs_mode
        The export customs mode (retail parcels: 9610, 1210).
    goods_per_t
        Declared export (FOB) value of the goods, CNY per tonne.
    freight_per_t
        Freight from the export border to the import border, CNY per tonne.
    insurance_rate
        Cargo insurance premium rate on the insured value.
    parcel_t
        Tonnes in one retail parcel (a consignment, for de minimis).

    Returns
    -------
    tuple
        ``(customs_value, duty, vat, vat_cost, de_minimis)`` per tonne.
    """
    country = terms.country
    value = customs_value_per_t(terms.valuation, goods_per_t, freight_per_t, insurance_rate)
    retail = customs_mode in RETAIL_PARCEL_MODES
    relieved = (
        retail
        and country in regime.de_minimis
        and terms.de_minimis_cny is not None
        and goods_per_t * parcel_t <= terms.de_minimis_cny
    )
    duty = 0.0 if relieved else value * regime.duty_rate(country, hs_code)
    vat = (value + duty) * regime.vat_rate(country, hs_code)
    vat_cost = vat if retail or not terms.vat_recoverable else 0.0
    return value, duty, vat, vat_cost, relieved


def import_node_index(network: Network, nodes: tuple[str, ...]) -> int | None:
    """Index of the first node of a path in its market's country (``None``: domestic)."""
    origin = network.nodes[nodes[0]].country
    country = network.nodes[nodes[-1]].country
    if country == origin:
        return None
    return next(i for i, n in enumerate(nodes) if network.nodes[n].country == country)


def import_charge(
    network: Network,
    nodes: tuple[str, ...],
    legs: tuple[Leg, ...],
    product_id: str,
    customs_mode: str,
    regime: TariffRegime | None,
) -> ImportCharge | None:
    """What a tonne imported along this path pays at the border (``None``: domestic).

    The path runs from its first node (a village, or a hub for the design model's
    routes) to a market. Freight to the border is the declared freight
    (:func:`declared_freight_per_t`) of the legs from the last node in the origin
    country to the first node in the market's country; the goods' value is the
    product's declared export value. With no regime, nothing is charged.

    The network knows no border crossings inside a leg: a leg that enters the importing
    customs territory on its way (China-Europe rail enters the EU in Poland, rail to
    Moscow the EAEU in Kazakhstan) declares its whole freight, which overstates a CIF
    value by the freight beyond the border (an approximation; a node at the border
    crossing would settle it).
    """
    k = import_node_index(network, nodes)
    if k is None:
        return None
    if regime is None:
        return ImportCharge(k, 0.0, 0.0, 0.0, 0.0)
    origin = network.nodes[nodes[0]].country
    j = max(i for i in range(k) if network.nodes[nodes[i]].country == origin)
    freight = sum(declared_freight_per_t(leg) for leg in legs[j:k])
    country = network.nodes[nodes[-1]].country
    terms = network.countries.get(country) or ImportTerms(country)
    product = network.products[product_id]
    trade = network.trade
    value, duty, vat, vat_cost, relieved = import_duty_and_vat(
        regime,
        terms,
        product.hs_code,
        customs_mode,
        product.export_value_cny_per_t,
        freight,
        trade.insurance_rate,
        trade.parcel_kg / 1000.0,
    )
    return ImportCharge(k, value, duty, vat, vat_cost, relieved)
