"""Named levers of a study: what ``coldchain sweep --vary LEVER=VALUES`` changes.

A lever is ``NAME`` or ``NAME.SELECTOR`` (the selector narrows it to one market,
product, village, hub, leg mode or leg id) and its values are either a grid
(``0.8,1.0,1.2``; ``regime=all``: every regime of the scenario) or, with ``--draws``, a
distribution drawn anew for each Monte Carlo run (``normal:1,0.1``,
``uniform:0,48``, ``triangular:0.7,1,1.1``).

======================  ==========================================================
lever                   what one value does to the scenario
======================  ==========================================================
``regime``              the tariff regime of the solve or evaluation (a name)
``price[.SEL]``         multiplies ``demand.csv`` prices (SEL: a market or product)
``demand[.SEL]``        multiplies ``demand.csv`` tonnes (SEL: a market or product)
``yield[.SEL]``         multiplies ``supply.csv`` tonnes (SEL: a village or product)
``freight[.SEL]``       multiplies legs' freight rates per t, per trip and part-load
                        (SEL: a mode, ``road``, ``sea``..., or a leg id)
``delay[.SEL]``         adds hours to legs' transit (SEL: a mode or a leg id)
``shelf_life[.SEL]``    multiplies products' life at the reference temperature
                        (SEL: a product)
``hub_cost[.SEL]``      multiplies county hubs' fixed cost of every size (SEL: a hub)
``co2_cap``             the design model's cap on CO2e, tonnes (``none``: no cap)
``co2_price``           the design model's CO2e price, CNY per tonne
======================  ==========================================================

Drawn values are independent per village (``yield``), per leg (``delay``, ``freight``)
and per market (``price``, ``demand``), so a draw is a plausible season, not one factor
for all; a factor drawn below 0 counts as 0 and a delay below 0 as 0 h. A run's draws
come from ``numpy.random.default_rng([seed, draw])`` in a fixed lever order, so a run
gives the same variant on any worker. Each variant is checked as a scenario is
(:meth:`networks.network.Network.check`): a lever that makes it invalid stops the run
with the problems named.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from networks.errors import Problem, ScenarioError
from networks.network import Network

#: The levers and what their selector may name.
LEVERS = {
    "regime": "",
    "price": "market or product",
    "demand": "market or product",
    "yield": "village or product",
    "freight": "leg mode or leg id",
    "delay": "leg mode or leg id",
    "shelf_life": "product",
    "hub_cost": "county hub",
    "co2_cap": "",
    "co2_price": "",
}
#: Levers whose values are factors (the others: hours, tonnes, CNY, names).
FACTORS = ("price", "demand", "yield", "freight", "shelf_life", "hub_cost")
#: Levers that change the solve's options, not the scenario.
OPTIONS = ("regime", "co2_cap", "co2_price")
#: Distributions a drawn lever may follow, with their parameter counts.
DISTRIBUTIONS = {"normal": 2, "uniform": 2, "triangular": 3}


@dataclass(frozen=True)
class Lever:
    """One ``--vary`` argument: a lever, its selector, its grid or its distribution.

    Parameters
    ----------
    name, selector
        ``price`` and ``M_SIN`` in ``price.M_SIN``; the selector ``""`` where none.
    values
        The grid (numbers, names, or ``None`` for ``co2_cap=none``); empty when drawn.
    distribution
        ``(kind, parameters)`` of a drawn lever, else ``None``.
    """

    name: str
    selector: str = ""
    values: tuple = ()
    distribution: tuple[str, tuple[float, ...]] | None = None

    @property
    def key(self) -> str:
        """``NAME`` or ``NAME.SELECTOR``: the lever's column in the run store (lever_KEY)."""
        return f"{self.name}.{self.selector}" if self.selector else self.name

    @property
    def drawn(self) -> bool:
        """Whether the lever is drawn per Monte Carlo run."""
        return self.distribution is not None

    def text(self) -> str:
        """The lever as given on the command line (normalised)."""
        if self.distribution is not None:
            kind, params = self.distribution
            return f"{self.key}={kind}:{','.join(f'{p:g}' for p in params)}"
        return f"{self.key}={','.join('none' if v is None else str(v) for v in self.values)}"


def parse_lever(text: str) -> Lever:
    """Parse ``LEVER=VALUES`` (see the module docstring).

    Raises
    ------
    ValueError
        Naming what is wrong (argparse shows it and exits 2).
    """
    if "=" not in text:
        raise ValueError(f"expected LEVER=VALUES, like price.M_SIN=0.8,1.0,1.2, got {text!r}")
    key, _, values = text.partition("=")
    name, _, selector = key.strip().partition(".")
    if name not in LEVERS:
        raise ValueError(f"lever: expected one of {', '.join(LEVERS)}, got {name!r}")
    if selector and not LEVERS[name]:
        raise ValueError(f"{name}: expected no selector (.{selector}), the lever applies to all")
    values = values.strip()
    kind, colon, params = values.partition(":")
    if colon and kind in DISTRIBUTIONS:
        if name in OPTIONS:
            raise ValueError(f"{name}: expected a grid of values, got a distribution {values!r}")
        numbers = _numbers(name, params)
        if len(numbers) != DISTRIBUTIONS[kind]:
            raise ValueError(
                f"{name}: {kind} expected {DISTRIBUTIONS[kind]} numbers, got {params!r}"
            )
        if kind == "uniform" and numbers[0] > numbers[1]:
            raise ValueError(f"{name}: uniform:LOW,HIGH expected LOW <= HIGH, got {params!r}")
        if kind == "triangular" and not numbers[0] <= numbers[1] <= numbers[2]:
            raise ValueError(f"{name}: triangular expected LOW <= MODE <= HIGH, got {params!r}")
        if kind == "normal" and numbers[1] < 0:
            raise ValueError(f"{name}: normal:MEAN,SD expected SD >= 0, got {params!r}")
        return Lever(name, selector, (), (kind, tuple(numbers)))
    if not values:
        raise ValueError(f"{name}: expected one or more values after =, got none")
    if name == "regime":
        return Lever(name, selector, tuple(v.strip() for v in values.split(",") if v.strip()))
    if name == "co2_cap":
        grid = tuple(
            None if v.strip().lower() == "none" else _at_least(name, v, 0.0)
            for v in values.split(",")
        )
        return Lever(name, selector, grid)
    numbers = _numbers(name, values)
    low = None if name == "delay" else 0.0  # a delay may be negative (faster), hours stay >= 0
    if low is not None and min(numbers) < low:
        raise ValueError(f"{name}: expected values >= {low:g}, got {values!r}")
    return Lever(name, selector, tuple(numbers))


def _numbers(name: str, text: str) -> list[float]:
    try:
        numbers = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{name}: expected numbers separated by commas, got {text!r}") from None
    if not numbers or not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"{name}: expected finite numbers, got {text!r}")
    return numbers


def _at_least(name: str, text: str, low: float) -> float:
    (value,) = _numbers(name, text)
    if value < low:
        raise ValueError(f"{name}: expected values >= {low:g}, got {text!r}")
    return value


def check_levers(network: Network, levers: list[Lever]) -> list[Lever]:
    """``levers`` with ``regime=all`` expanded, each selector checked against ``network``.

    Raises
    ------
    ScenarioError
        Naming the ``--vary`` argument whose regime or selector the scenario lacks
        (exit 2), or a lever given twice.
    """
    problems = []
    seen: set[str] = set()
    out = []
    for lever in levers:
        if lever.key in seen:
            problems.append(Problem("--vary", lever.key, "each lever once", "it twice"))
        seen.add(lever.key)
        if lever.name == "regime":
            names = tuple(network.regimes) if lever.values == ("all",) else lever.values
            wrong = [v for v in names if v not in network.regimes]
            if wrong or not names:
                problems.append(
                    Problem(
                        "--vary",
                        "regime",
                        f"regimes of {network.name} ({', '.join(network.regimes) or 'none'}) "
                        "or all",
                        ", ".join(wrong) or "none",
                    )
                )
            lever = replace(lever, values=names)
        elif lever.selector and lever.selector not in _selectors(network, lever.name):
            problems.append(
                Problem(
                    "--vary",
                    lever.key,
                    f"a {LEVERS[lever.name]} of {network.name} after {lever.name}.",
                    repr(lever.selector),
                )
            )
        out.append(lever)
    if problems:
        raise ScenarioError(problems)
    return out


def _selectors(network: Network, name: str) -> set[str]:
    demand, supply = network.demand, network.supply
    if name in ("price", "demand"):
        return set(demand["market"]) | set(demand["product"])
    if name == "yield":
        return set(supply["village"]) | set(supply["product"])
    if name in ("freight", "delay"):
        return {str(leg.mode) for leg in network.legs} | {leg.id for leg in network.legs}
    if name == "shelf_life":
        return set(network.products)
    if name == "hub_cost":
        return {h.id for h in network.county_hubs}
    return set()


# --- applying one run's values ------------------------------------------------------------


def _draw(rng: np.random.Generator, distribution: tuple, size: int) -> np.ndarray:
    kind, params = distribution
    if kind == "normal":
        return rng.normal(params[0], params[1], size)
    if kind == "uniform":
        return rng.uniform(params[0], params[1], size)
    return rng.triangular(params[0], params[1], params[2], size)


def _matches(lever: Lever, *names: str) -> bool:
    return not lever.selector or lever.selector in names


def variant(
    network: Network,
    levers: list[Lever],
    values: dict[str, Any],
    seed: int | None = None,
    draw: int | None = None,
) -> tuple[Network, dict[str, Any]]:
    """The scenario one run solves, and the solve options its levers set.

    Parameters
    ----------
    network
        The study's scenario (never changed).
    levers
        The study's levers (:func:`check_levers`).
    values
        This run's grid value of each grid lever, by :attr:`Lever.key`.
    seed, draw
        The study's seed and this run's draw number, for the drawn levers.

    Returns
    -------
    tuple
        The variant network (checked; its ``content_hash`` names the base and the
        values) and the options it sets (``regime``, ``co2_cap_t``,
        ``co2_price_cny_per_t``), by :class:`~optimizer.design.DesignOptions` name.
    """
    rng = np.random.default_rng([seed or 0, draw or 0]) if draw is not None else None
    demand, supply, legs = network.demand, network.supply, list(network.legs)
    products, nodes = dict(network.products), dict(network.nodes)
    options: dict[str, Any] = {}
    for lever in levers:
        if lever.drawn and rng is None:
            raise ValueError(f"{lever.key}: a drawn lever needs --draws")
        value = values.get(lever.key)
        if lever.name == "regime":
            options["regime"] = value
        elif lever.name == "co2_cap":
            options["co2_cap_t"] = value
        elif lever.name == "co2_price":
            options["co2_price_cny_per_t"] = value
        elif lever.name in ("price", "demand"):
            column = "price_cny_per_t" if lever.name == "price" else "tonnes"
            rows = demand["market"].eq(lever.selector) | demand["product"].eq(lever.selector)
            rows = rows if lever.selector else demand["market"].notna()
            factor = _per_group(lever, value, rng, demand["market"])
            demand[column] = np.where(rows, demand[column] * np.maximum(factor, 0), demand[column])
        elif lever.name == "yield":
            rows = supply["village"].eq(lever.selector) | supply["product"].eq(lever.selector)
            rows = rows if lever.selector else supply["village"].notna()
            factor = _per_group(lever, value, rng, supply["village"])
            supply["tonnes"] = np.where(
                rows, supply["tonnes"] * np.maximum(factor, 0), supply["tonnes"]
            )
        elif lever.name in ("freight", "delay"):
            chosen = [i for i, leg in enumerate(legs) if _matches(lever, str(leg.mode), leg.id)]
            amounts = (
                _draw(rng, lever.distribution, len(chosen))
                if lever.drawn
                else np.full(len(chosen), value)
            )
            for i, amount in zip(chosen, amounts, strict=True):
                legs[i] = _leg_variant(legs[i], lever.name, float(amount))
        elif lever.name == "shelf_life":
            factor = _one(lever, value, rng)
            for pid, product in products.items():
                if _matches(lever, pid) and product.shelf_life is not None:
                    life = product.shelf_life
                    scaled = replace(life, life_days_at_ref=life.life_days_at_ref * factor)
                    products[pid] = replace(product, shelf_life=scaled)
        elif lever.name == "hub_cost":
            factor = _one(lever, value, rng)
            for hub in network.county_hubs:
                if _matches(lever, hub.id):
                    sizes = tuple(
                        replace(s, fixed_cost_cny=s.fixed_cost_cny * factor) for s in hub.sizes
                    )
                    nodes[hub.id] = replace(hub, sizes=sizes)
    tag = json.dumps(
        {"values": values, "levers": [lv.text() for lv in levers], "seed": seed, "draw": draw},
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(f"{network.content_hash}|{tag}".encode()).hexdigest()
    changed = network.replace(
        demand=demand,
        supply=supply,
        legs=tuple(legs),
        products=products,
        nodes=nodes,
        content_hash=digest,
    )
    return changed.check(), options


def _one(lever: Lever, value: Any, rng: np.random.Generator | None) -> float:
    """One factor for the whole lever (drawn once per run where drawn), at least 0."""
    amount = float(_draw(rng, lever.distribution, 1)[0]) if lever.drawn else float(value)
    return max(amount, 0.0)


def _per_group(lever: Lever, value: Any, rng, groups) -> np.ndarray | float:
    """A factor per row: one per group (market, village) where drawn, else the grid value."""
    if not lever.drawn:
        return float(value)
    names = sorted(set(groups))
    drawn = dict(zip(names, _draw(rng, lever.distribution, len(names)), strict=True))
    return groups.map(drawn).to_numpy(dtype=float)


def _leg_variant(leg, name: str, amount: float):
    if name == "delay":
        return replace(leg, hours=max(0.0, leg.hours + amount))
    factor = max(amount, 0.0)
    part_load = leg.part_load_cny_per_t  # inf: no part loads sold, at any factor
    return replace(
        leg,
        cost_cny_per_t=leg.cost_cny_per_t * factor,
        cost_cny_per_trip=leg.cost_cny_per_trip * factor,
        part_load_cny_per_t=part_load if math.isinf(part_load) else part_load * factor,
    )
