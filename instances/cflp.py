r"""Capacitated facility location (CFLP) benchmark files, and their network form.

Two public formats are read (``../shared/benchmarks/cflp/README.md`` describes both):

* **OR-Library** (Beasley 1988; ``cap41.txt`` ... ``capa.txt``), read as a token stream::

      m n
      capacity_i fixed_cost_i          (m times)
      d_j c_1j c_2j ... c_mj           (n times: demand, then one cost per facility)

  In ``capa``/``capb``/``capc`` every capacity is the literal word ``capacity``: one
  file stands for four instances whose capacity Beasley's Table 1 sets
  (:data:`CAPACITY_VARIANTS`); they are named ``capa-8000`` and so on.
* **Holmberg** (Holmberg, Rönnqvist & Yuan 1999; ``holmberg/p1`` ...)::

      m n
      capacity_i fixed_cost_i          (m times)
      d_1 ... d_n
      c_i1 ... c_in                    (m rows, one per FACILITY)

  Some files end with NUL padding bytes; they are read as whitespace.

In both, ``c_ij`` is the cost of sending *all* of customer j's demand to facility i.
The two formats have the same number of tokens, so which one a file is in is told by
its path (a ``holmberg`` folder, or a name ``pN``) or by ``fmt=``.

:func:`cflp_network` turns an instance into a one-echelon, one-week
:class:`~networks.network.Network`, so that the network design model solves it through
the same model-building code as any scenario:

============================  =================================================
CFLP                          network
============================  =================================================
customer j, demand d_j         village ``C{j}`` supplying d_j t of one
                               non-perishable product in week 1
facility i                     county hub ``F{i}`` with one size: fixed cost f_i,
                               throughput capacity_i t/week, cold storage 0
(all demand)                   one market ``M`` demanding sum_j d_j t
c_ij                           leg ``C{j}`` -> ``F{i}`` at c_ij / d_j CNY/t
                               (so shipping all of j costs c_ij), 0 km, 0 h
--                             legs ``F{i}`` -> ``M`` at 0 CNY/t, 0 km, 0 h
============================  =================================================

No handling, pre-cooling, storage, wait, trips, CO2 or tariffs. Since supply equals
demand, every tonne must be shipped, and the model's optimum is the CFLP optimum:
multi-sourcing (splittable) by default, single sourcing with
``DesignOptions(single_sourcing=True)``.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from networks.errors import Problem, ProblemCollector, ScenarioError
from networks.facility import FacilityProblem
from networks.legs import Leg, Mode
from networks.network import Network
from networks.nodes import CountyHub, HubSize, Market, Village
from networks.periods import Periods
from networks.products import Product
from networks.settings import CollectionSettings

#: Capacity of every facility in each variant of a file whose capacity field is the word
#: ``capacity`` (Beasley 1988, Table 1).
CAPACITY_VARIANTS: Mapping[str, tuple[float, ...]] = {
    "capa": (8000.0, 10000.0, 12000.0, 14000.0),
    "capb": (5000.0, 6000.0, 7000.0, 8000.0),
    "capc": (5000.0, 5750.0, 6500.0, 7250.0),
}

#: File formats: OR-Library (customer-major costs) and Holmberg (facility-major costs).
FORMATS = ("orlib", "holmberg")

#: Sourcing whose optimum each family's published values are for.
PUBLISHED_SOURCING: Mapping[str, str] = {"orlib": "multi", "holmberg": "single"}

CFLP_PRODUCT = "goods"
CFLP_MARKET = "M"

_ORLIB_NAME = re.compile(r"^cap(\d+|[a-z])\.txt$", re.IGNORECASE)
_HOLMBERG_NAME = re.compile(r"^p\d+$", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class CflpInstance(FacilityProblem):
    """One capacitated facility location instance of a benchmark file (read-only arrays).

    A :class:`~networks.facility.FacilityProblem` (what the CFLP solver takes) that also
    says which file format it came from.

    Parameters
    ----------
    name
        Instance name as in ``optima.csv`` (``cap41``, ``capa-8000``, ``holmberg-p1``).
    capacity, fixed_cost, demand, cost
        As in :class:`~networks.facility.FacilityProblem` (``cost`` facility-major,
        whatever the file's order).
    family
        ``orlib`` or ``holmberg``: the file format, and so which sourcing the published
        optima are for (:data:`PUBLISHED_SOURCING`).
    """

    family: str = "orlib"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.family not in FORMATS:
            raise ValueError(f"CFLP {self.name!r}: family: expected one of {FORMATS}")

    @property
    def published_sourcing(self) -> str:
        """``multi`` (OR-Library) or ``single`` (Holmberg): what published optima assume."""
        return PUBLISHED_SOURCING[self.family]


# --- reading ----------------------------------------------------------------------------
def _tokens(path: Path) -> list[tuple[str, int]]:
    """Whitespace tokens with their 1-based line; NUL bytes read as whitespace."""
    text = path.read_bytes().replace(b"\0", b" ").decode("ascii", errors="replace")
    return [(token, line) for line, row in enumerate(text.splitlines(), 1) for token in row.split()]


def cflp_format(path: str | Path) -> str:
    """Which format a file is in, from its path: ``holmberg`` or ``orlib``.

    A file in a folder called ``holmberg`` (any case) or named ``pN`` is a Holmberg
    file; any other is read as OR-Library.

    Parameters
    ----------
    path
        The file (it need not exist: only its name and folder are looked at).

    Returns
    -------
    str
        ``holmberg`` or ``orlib``.
    """
    path = Path(path)
    if path.parent.name.lower() == "holmberg" or _HOLMBERG_NAME.match(path.name):
        return "holmberg"
    return "orlib"


def _numbers(
    tokens: list[tuple[str, int]], label: str, field: str, problems: ProblemCollector
) -> np.ndarray:
    values = np.empty(len(tokens))
    for k, (token, line) in enumerate(tokens):
        try:
            values[k] = float(token)
        except ValueError:
            problems.add(label, field, "a number", token, line=line)
            values[k] = math.nan
    return values


def read_cflp(
    path: str | Path,
    fmt: str | None = None,
    capacities: tuple[float, ...] | None = None,
) -> list[CflpInstance]:
    """Read one OR-Library or Holmberg CFLP file.

    Parameters
    ----------
    path
        The file.
    fmt
        ``orlib`` or ``holmberg``; ``None`` tells it from the path (:func:`cflp_format`).
    capacities
        Capacities to substitute where the file's capacity field is the word
        ``capacity``; ``None`` takes Beasley's values for ``capa``/``capb``/``capc``.

    Returns
    -------
    list of CflpInstance
        One instance, or one per capacity for a file with the word ``capacity``.

    Raises
    ------
    ScenarioError
        With every problem found (``FILE:LINE: FIELD: expected X, got Y``).

    Examples
    --------
    >>> [i.name for i in read_cflp("benchmarks/cflp/capa.txt")]  # doctest: +SKIP
    ['capa-8000', 'capa-10000', 'capa-12000', 'capa-14000']
    """
    path = Path(path)
    fmt = fmt or cflp_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"fmt: expected one of {FORMATS}, got {fmt!r}")
    label = path.name if fmt == "orlib" else f"{path.parent.name}/{path.name}"
    tokens = _tokens(path)
    problems = ProblemCollector()
    if len(tokens) < 2:
        raise ScenarioError(Problem(label, "m n", "two integers on the first line", "nothing"))
    sizes = []
    for field, (token, line) in zip(("m", "n"), tokens[:2], strict=True):
        if not token.isdigit() or int(token) < 1:
            problems.add(label, field, "an integer >= 1", token, line=line)
        else:
            sizes.append(int(token))
    problems.raise_if_any()
    m, n = sizes
    expected = 2 + 2 * m + n * (m + 1)
    if len(tokens) != expected:
        # the first extra token, or the end of a file that stops short
        where = tokens[expected][1] if len(tokens) > expected else tokens[-1][1]
        raise ScenarioError(
            Problem(
                label,
                "tokens",
                f"{expected} numbers for m={m} facilities and n={n} customers "
                f"(2 + 2m + n(m + 1), {fmt} format)",
                str(len(tokens)),
                where,
            )
        )
    body = tokens[2:]
    facility = body[: 2 * m]
    capacity_tokens = facility[0::2]
    symbolic = [t for t, _ in capacity_tokens if t.lower() == "capacity"]
    stem = path.name.split(".")[0].lower()
    if symbolic and len(symbolic) != m:
        problems.add(
            label,
            "capacity",
            "the word 'capacity' for every facility or for none",
            f"{len(symbolic)} of {m}",
            line=capacity_tokens[0][1],
        )
    if symbolic:
        variants = capacities or CAPACITY_VARIANTS.get(stem)
        if variants is None:
            problems.add(
                label,
                "capacity",
                f"a number, or capacities= for a file not in {sorted(CAPACITY_VARIANTS)}",
                "capacity",
                line=capacity_tokens[0][1],
            )
        capacity = np.zeros(m)
    else:
        variants = None
        capacity = _numbers(capacity_tokens, label, "capacity", problems)
    fixed_cost = _numbers(facility[1::2], label, "fixed_cost", problems)
    rest = body[2 * m :]
    if fmt == "orlib":
        blocks = _numbers(rest, label, "demand or cost", problems).reshape(n, m + 1)
        demand = blocks[:, 0]
        cost = blocks[:, 1:].T  # file is customer-major; we store facility-major
    else:
        demand = _numbers(rest[:n], label, "demand", problems)
        cost = _numbers(rest[n:], label, "cost", problems).reshape(m, n)
    problems.raise_if_any()
    for field, values in (
        ("capacity", capacity),
        ("fixed_cost", fixed_cost),
        ("demand", demand),
        ("cost", cost),
    ):
        if (values < 0).any():
            problems.add(label, field, "numbers >= 0", float(values[values < 0][0]))
    problems.raise_if_any()
    if fmt == "holmberg":
        name = f"holmberg-{stem}"
    else:
        name = stem
    if variants is None:
        return [CflpInstance(name, capacity, fixed_cost, demand, cost, fmt)]
    return [
        CflpInstance(f"{name}-{value:g}", np.full(m, value), fixed_cost, demand, cost, fmt)
        for value in variants
    ]


def _natural_key(path: Path) -> tuple:
    parts = re.split(r"(\d+)", str(path))
    return tuple(int(p) if p.isdigit() else p for p in parts)


def cflp_files(folder: str | Path) -> list[Path]:
    """The CFLP files under a folder, in natural order.

    OR-Library files are ``capN.txt``/``capa.txt``-like names (``capopt``, ``capinfo``
    and other files are left out); Holmberg files are ``pN`` names.

    Parameters
    ----------
    folder
        Searched with its subfolders.

    Returns
    -------
    list of pathlib.Path
        ``cap9.txt`` before ``cap10.txt``.
    """
    folder = Path(folder)
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file() and (_ORLIB_NAME.match(p.name) or _HOLMBERG_NAME.match(p.name))
    ]
    return sorted(found, key=_natural_key)


def read_optima(path: str | Path) -> dict[tuple[str, str], float]:
    """Known optima from an ``optima.csv``.

    Parameters
    ----------
    path
        CSV with columns ``instance``, ``optimal_value`` and ``single_or_multi_sourcing``.

    Returns
    -------
    dict
        ``{(instance, "single" | "multi"): optimal value}``.
    """
    path = Path(path)
    problems = ProblemCollector()
    optima: dict[tuple[str, str], float] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"instance", "optimal_value", "single_or_multi_sourcing"} - set(
            reader.fieldnames or ()
        )
        if missing:
            raise ScenarioError(
                Problem(path.name, "header", f"columns {sorted(missing)}", str(reader.fieldnames))
            )
        for line, row in enumerate(reader, 2):
            sourcing = row["single_or_multi_sourcing"].strip().lower()
            if sourcing not in ("single", "multi"):
                problems.add(
                    path.name, "single_or_multi_sourcing", "single or multi", sourcing, line=line
                )
                continue
            try:
                optima[(row["instance"].strip(), sourcing)] = float(row["optimal_value"])
            except ValueError:
                problems.add(path.name, "optimal_value", "a number", row["optimal_value"], line)
    problems.raise_if_any()
    return optima


# --- network form -----------------------------------------------------------------------
def cflp_network(instance: FacilityProblem) -> Network:
    """The CFLP as a one-echelon, one-week network design scenario.

    Parameters
    ----------
    instance
        The instance (a :class:`CflpInstance`, or any
        :class:`~networks.facility.FacilityProblem`).

    Returns
    -------
    Network
        Villages ``C1..Cn`` (one per customer with demand > 0), hubs ``F1..Fm`` (one
        size each), one market ``M``; see the module docstring for the mapping. Node
        coordinates carry no meaning (all at 0, 0).

    Warns
    -----
    UserWarning
        If a customer with zero demand has a nonzero cost: it is left out, and the
        network's optimum then leaves out what assigning it would cost.
    """
    demand = instance.demand
    served = np.flatnonzero(demand > 0)
    idle = np.flatnonzero(demand <= 0)
    if idle.size and (instance.cost[:, idle] > 0).any():
        warnings.warn(
            f"CFLP {instance.name}: {idle.size} customers with zero demand and nonzero "
            "cost are left out; the network's optimum omits their assignment cost",
            stacklevel=2,
        )
    m = instance.facilities
    villages = [f"C{j + 1}" for j in served]
    hubs = [f"F{i + 1}" for i in range(m)]
    per_tonne = instance.cost[:, served] / demand[served][None, :]  # (m, n_served)
    nodes: dict = {}
    for village in villages:
        nodes[village] = Village(village, village, 0.0, 0.0)
    for i, hub in enumerate(hubs):
        size = HubSize("only", float(instance.fixed_cost[i]), float(instance.capacity[i]), 0.0)
        nodes[hub] = CountyHub(hub, hub, 0.0, 0.0, sizes=(size,), precooling=False)
    nodes[CFLP_MARKET] = Market(CFLP_MARKET, "all customers", 0.0, 0.0)
    unit = per_tonne.tolist()
    legs = [
        Leg(village, hub, Mode.ROAD, False, 0.0, 0.0, unit[i][k])
        for k, village in enumerate(villages)
        for i, hub in enumerate(hubs)
    ]
    legs += [Leg(hub, CFLP_MARKET, Mode.ROAD, False, 0.0, 0.0, 0.0) for hub in hubs]
    supply = pd.DataFrame(
        {"village": villages, "product": CFLP_PRODUCT, "week": 1, "tonnes": demand[served]}
    )
    total = float(demand[served].sum())
    demand_frame = pd.DataFrame(
        {
            "market": [CFLP_MARKET],
            "product": [CFLP_PRODUCT],
            "week": [1],
            "tonnes": [total],
            "price_cny_per_t": [0.0],
            "firm": [""],
        }
    )
    product = Product(CFLP_PRODUCT, "CFLP demand", "", 0.0, frozenset({"CN"}))
    return Network(
        name=instance.name,
        nodes=nodes,
        legs=tuple(legs),
        products={CFLP_PRODUCT: product},
        periods=Periods(("week-1",), (20.0,)),
        supply=supply,
        demand=demand_frame,
        description=f"CFLP {instance.name} ({m} facilities x {len(villages)} customers)",
        collection=CollectionSettings(wait_hours=0.0),
    )
