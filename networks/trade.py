"""Trade: customs modes, tariff regimes and import VAT."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CustomsMode(StrEnum):
    """China's cross-border e-commerce customs modes."""

    B2C_DIRECT_MAIL = "9610"
    B2B_DIRECT_EXPORT = "9710"
    OVERSEAS_WAREHOUSE = "9810"
    BONDED = "1210"


CUSTOMS_MODE_CODES = tuple(m.value for m in CustomsMode)


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
        Countries whose de minimis exemption applies to parcels under this regime.
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

    def duty_rate(self, country: str, hs_code: str, parcel: bool = False) -> float:
        """Total ad valorem duty (VAT excluded), zero for de minimis parcels."""
        if parcel and country in self.de_minimis:
            return 0.0
        return sum(r for part, r in self.rates(country, hs_code).items() if part != "vat")

    def vat_rate(self, country: str, hs_code: str) -> float:
        """Import VAT rate where it is a cost."""
        return self.rates(country, hs_code).get("vat", 0.0)
