"""A generator of valid scenarios of any size, from a seed (for tests and benchmarks).

The geography imitates the flagship: villages scattered over a mountainous prefecture
around (109.7 E, 28.4 N), hub candidates among them, bonded zones near Changsha, sea
ports on the south coast, warehouses and markets abroad. All numbers are ASSUMPTIONS
of plausible magnitude (FACTS.md ranges), not data.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from networks.distances import geodesic_km
from networks.network import Network

_FOREIGN = [  # (country, lon, lat): places.csv markets and warehouses
    ("TH", 100.50144, 13.75398),
    ("MY", 101.68653, 3.1412),
    ("SG", 103.85007, 1.28967),
    ("AE", 55.30472, 25.25817),
    ("NL", 4.47917, 51.9225),
    ("RU", 37.61556, 55.75222),
]
#: Import terms of the foreign countries: CIF everywhere but the US (dutyglobal.com "CIF vs
#: FOB"); Malaysia's sales tax is single-stage, not deducted by a trading importer.
_NOT_RECOVERABLE = {"MY"}
#: Declared export (FOB) value over the purchase value: a Zhejiang kiwi export to Singapore
#: sold 20% above the domestic price (FreshPlaza 2017-10-05), taken for every product.
_EXPORT_PREMIUM = 1.2
_PRODUCTS = [
    ("fresh_kiwi", "Fresh kiwifruit", "0810.50", 6.0, True),
    ("embroidery", "Miao embroidery", "5810", 400.0, False),
    ("dried_kiwi", "Dried kiwi", "0813.40", 40.0, False),
]


def _toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else f"{v}" for v in values) + "]"


def generate(
    folder: str | Path,
    villages: int = 20,
    hubs: int = 4,
    markets: int = 3,
    weeks: int = 4,
    firms: int = 3,
    products: int = 1,
    seed: int = 0,
    hubs_per_village: int = 10,
    objective: str = "cost",
) -> Path:
    """Write a valid scenario folder of the given size.

    Parameters
    ----------
    folder
        Folder to create (an existing one must not hold a scenario yet:
        ``FileExistsError``).
    villages, hubs, markets, weeks, firms, products
        Sizes. ``markets`` counts the domestic market (at most 7); ``products`` up to 3.
        A foreign market demands only from the week its transit allows, so with few
        weeks a distant market may get no demand at all.
    seed
        Seed of every random choice.
    hubs_per_village
        Each village gets road legs to its nearest hub candidates, this many.
    objective
        ``cost`` or ``margin``.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    if min(villages, hubs, markets, weeks, firms, products) < 1:
        raise ValueError("generate: every size must be >= 1")
    if markets > len(_FOREIGN) + 1:
        raise ValueError(
            f"generate: markets: expected at most {len(_FOREIGN) + 1} (the "
            f"domestic market and {len(_FOREIGN)} foreign ones), got {markets}"
        )
    if products > len(_PRODUCTS):
        raise ValueError(f"generate: products: expected at most {len(_PRODUCTS)}, got {products}")
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    if (folder / "scenario.toml").exists():
        raise FileExistsError(f"{folder}: expected a folder without a scenario, got one with")
    folder.mkdir(parents=True, exist_ok=True)
    firm_ids = [f"F{i + 1:02d}" for i in range(firms)]

    rows = []
    v_lon = 109.7 + rng.uniform(-0.6, 0.6, villages)
    v_lat = 28.4 + rng.uniform(-0.5, 0.5, villages)
    v_firm = [firm_ids[i % firms] for i in rng.permutation(villages)]
    for i in range(villages):
        rows.append(
            dict(
                id=f"V{i + 1:04d}",
                name=f"Village {i + 1}",
                kind="village",
                lon=round(v_lon[i], 5),
                lat=round(v_lat[i], 5),
                country="CN",
                firm=v_firm[i],
            )
        )
    h_lon = 109.7 + rng.uniform(-0.55, 0.55, hubs)
    h_lat = 28.4 + rng.uniform(-0.45, 0.45, hubs)
    for j in range(hubs):
        rows.append(
            dict(
                id=f"H{j + 1:03d}",
                name=f"Hub {j + 1}",
                kind="county_hub",
                lon=round(h_lon[j], 5),
                lat=round(h_lat[j], 5),
                country="CN",
                handling_cost_cny_per_t=20,
                dwell_hours=12,
                precooling=True,
                precool_cost_cny_per_t=50,
                storage_cost_cny_per_t_week=28,
            )
        )
    rows.append(
        dict(
            id="BZ1",
            name="Bonded zone",
            kind="bonded_zone",
            lon=113.205,
            lat=28.197,
            country="CN",
            handling_cost_cny_per_t=30,
            dwell_hours=6,
            customs_modes="0110;9610;9810",
        )
    )
    rows.append(
        dict(
            id="P1",
            name="Sea port",
            kind="port",
            lon=113.6083,
            lat=22.8383,
            country="CN",
            handling_cost_cny_per_t=214,
            dwell_hours=24,
            port_mode="sea",
        )
    )
    foreign = _FOREIGN[: max(markets - 1, 0)]
    rows.append(
        dict(
            id="M_CN",
            name="Domestic market",
            kind="market",
            lon=112.9388,
            lat=28.2282,
            country="CN",
        )
    )
    for k, (country, lon, lat) in enumerate(foreign):
        rows.append(
            dict(
                id=f"W_{country}",
                name=f"Warehouse {country}",
                kind="overseas_warehouse",
                lon=lon + 0.05,
                lat=lat + 0.05,
                country=country,
                handling_cost_cny_per_t=60,
                dwell_hours=24,
            )
        )
        rows.append(
            dict(
                id=f"M_{country}",
                name=f"Market {country}",
                kind="market",
                lon=lon,
                lat=lat,
                country=country,
            )
        )
        del k
    nodes = pd.DataFrame(rows)
    nodes.to_csv(folder / "nodes.csv", index=False)

    # Supply: a harvest curve over the weeks, each village its own scale.
    harvest = np.exp(-0.5 * ((np.arange(weeks) - (weeks - 1) / 3) / max(weeks / 3, 1)) ** 2)
    harvest /= harvest.sum()
    village_total = rng.uniform(20, 120, villages)  # tonnes per season: ASSUMPTION
    supply_rows = []
    product_ids = [p[0] for p in _PRODUCTS[:products]]
    for i in range(villages):
        for w in range(weeks):
            tonnes = round(float(village_total[i] * harvest[w]), 3)
            supply_rows.append((f"V{i + 1:04d}", "fresh_kiwi", w + 1, tonnes))
        for p in product_ids[1:]:
            supply_rows.append((f"V{i + 1:04d}", p, 1, round(float(rng.uniform(0.1, 1)), 3)))
    supply = pd.DataFrame(supply_rows, columns=["village", "product", "week", "tonnes"])
    supply.to_csv(folder / "supply.csv", index=False)

    # Demand: 70% of each firm's kiwi, split over markets and weeks; firm-owned.
    market_ids = ["M_CN"] + [f"M_{c}" for c, _, _ in foreign]
    prices = {
        "M_CN": 12000.0,
        **{f"M_{c}": 20000.0 + 1000 * k for k, (c, _, _) in enumerate(foreign)},
    }
    share = rng.dirichlet(np.ones(len(market_ids)))
    by_firm = supply.assign(
        firm=supply["village"].map(dict(zip(nodes["id"], nodes["firm"], strict=False)))
    )
    # A foreign market can only be served once its transit has passed: its demand starts
    # after an upper estimate of the weeks from hub to market (road to the bonded zone and
    # port, dwell and clearance, then sea), so cost-mode scenarios stay feasible.
    first_week = {"M_CN": 1}
    for country, lon, lat in foreign:
        sea_km = float(geodesic_km(113.6083, 22.8383, lon, lat)) * 1.3
        hours = 8 + 6 + 24 + 12 + 24 + sea_km / 30.0 + 72.0
        first_week[f"M_{country}"] = 1 + int(hours * 1.3 // 168) + 1
    demand_rows = []
    for (firm, product), group in by_firm.groupby(["firm", "product"], sort=True):
        total = group["tonnes"].sum() * 0.7
        for m, market in enumerate(market_ids):
            served = [w for w in range(weeks) if w + 1 >= first_week[market]]
            if product == "fresh_kiwi":
                for w in served:
                    week_share = 1.0 / len(served)
                    demand_rows.append(
                        (
                            market,
                            product,
                            w + 1,
                            round(float(total * share[m] * week_share), 3),
                            prices[market],
                            firm,
                        )
                    )
            elif served:
                demand_rows.append(
                    (
                        market,
                        product,
                        weeks,
                        round(float(total * share[m]), 3),
                        prices[market] * 20,
                        firm,
                    )
                )
    pd.DataFrame(
        demand_rows, columns=["market", "product", "week", "tonnes", "price_cny_per_t", "firm"]
    ).to_csv(folder / "demand.csv", index=False)

    season_total = float(village_total.sum())
    size_rows = []
    for j in range(hubs):
        base = season_total / max(hubs, 1) / weeks
        for name, factor, cost in (("small", 1.0, 40000), ("large", 3.0, 90000)):
            size_rows.append(
                (
                    f"H{j + 1:03d}",
                    name,
                    cost * (0.8 + 0.4 * rng.random()),
                    round(base * factor * 1.5, 2),
                    round(base * factor, 2),
                    "air",
                )
            )
    pd.DataFrame(
        size_rows,
        columns=[
            "hub",
            "size",
            "fixed_cost_cny",
            "throughput_t_per_week",
            "cold_storage_t",
            "atmosphere",
        ],
    ).to_csv(folder / "hub_sizes.csv", index=False)
    pd.DataFrame(
        {
            "id": firm_ids,
            "name": [f"Firm {f}" for f in firm_ids],
            "kind": "cooperative",
            "part_load_premium": 0.4,
            "trip_capacity_t": 2.0,
        }
    ).to_csv(folder / "firms.csv", index=False)
    # every hub's collection fleet (collection routing, `coldchain route`): ASSUMPTION,
    # the vehicle types of tiny's fleet.csv; enough pairs (a van's 3 x 2 t and a truck's
    # 2 x 5 t a day) that one hub can collect the busiest week's fresh fruit of every
    # village in 7 harvest days
    fresh = supply[supply["product"] == "fresh_kiwi"]
    busiest_day_t = float(fresh.groupby("week")["tonnes"].sum().max()) / 7.0
    per_hub = max(2, math.ceil(busiest_day_t / 16.0) + 1)
    pd.DataFrame(
        [
            ("reefer_van", "", per_hub, 2.0, 150, 3.0, 40, 0.9, "true", "van", 10, 3),
            ("truck", "", per_hub, 5.0, 200, 2.5, 45, 0.8, "false", "truck", 10, 2),
        ],
        columns=[
            "id",
            "hub",
            "count",
            "capacity_t",
            "fixed_cost_cny",
            "cost_cny_per_km",
            "cost_cny_per_hour",
            "speed_factor",
            "reefer",
            "size_class",
            "max_shift_hours",
            "max_trips",
        ],
    ).assign(source="ASSUMPTION").to_csv(folder / "fleet.csv", index=False)

    countries = ["CN"] + [c for c, _, _ in foreign]
    products_toml = []
    for pid, name, hs, value, perishable in _PRODUCTS[:products]:
        products_toml.append(
            f'[products.{pid}]\nname = "{name}"\nhs_code = "{hs}"\nvalue_cny_per_kg = {value}\n'
            f"export_value_cny_per_kg = {round(value * _EXPORT_PREMIUM, 2)}\n"
            f"markets = {_toml_list(countries)}\nperishable = {str(perishable).lower()}\n"
            + (f"[products.{pid}.shelf_life]\n" if perishable else "")
        )
    countries_toml = "".join(
        f'[countries.{c}]\nvaluation = "cif"\n'
        f"vat_recoverable = {str(c not in _NOT_RECOVERABLE).lower()}\n"
        for c, _, _ in foreign
    )
    temps = [round(20.0 - 10.0 * w / max(weeks - 1, 1), 1) for w in range(weeks)]
    rules = f"""
[[leg_rules]]
from = "village"
to = "county_hub"
mode = "road"
nearest = {hubs_per_village}
circuity = 1.4
speed_kmh = 30
cost_cny_per_tkm = 0.30
co2e_g_per_tkm = 125

[[leg_rules]]
from = "county_hub"
to = "bonded_zone"
mode = "road"
refrigerated = true
temp_c = 2.0
speed_kmh = 60
# reefer truck 6 CNY/vehicle-km (FACTS 2.1: 5-8), 12 t (ASSUMPTION); part loads
# 0.7 CNY/t-km = 6 / 12 x 1.4 (FACTS 2.1: LTL 30-50% above full loads)
cost_cny_per_trip_km = 6.0
trip_capacity_t = 12
part_load_cny_per_tkm = 0.7
co2e_g_per_tkm = 150

[[leg_rules]]
from = "county_hub"
to = "market"
mode = "road"
refrigerated = true
temp_c = 2.0
same_country = true
speed_kmh = 60
# reefer truck 6 CNY/vehicle-km (FACTS 2.1: 5-8), 12 t (ASSUMPTION); part loads
# 0.7 CNY/t-km = 6 / 12 x 1.4 (FACTS 2.1: LTL 30-50% above full loads)
cost_cny_per_trip_km = 6.0
trip_capacity_t = 12
part_load_cny_per_tkm = 0.7
co2e_g_per_tkm = 150

[[leg_rules]]
from = "bonded_zone"
to = "port"
mode = "road"
refrigerated = true
temp_c = 2.0
speed_kmh = 60
# reefer truck 6 CNY/vehicle-km (FACTS 2.1: 5-8), 12 t (ASSUMPTION); part loads
# 0.7 CNY/t-km = 6 / 12 x 1.4 (FACTS 2.1: LTL 30-50% above full loads)
cost_cny_per_trip_km = 6.0
trip_capacity_t = 12
part_load_cny_per_tkm = 0.7
co2e_g_per_tkm = 150

[[leg_rules]]
from = "port"
to = "overseas_warehouse"
mode = "sea"
refrigerated = true
temp_c = 1.0
speed_kmh = 30
fixed_hours = 48
# reefer 40 ft ~USD 4,200 (FACTS 2.3: 1,800-5,500), 20 t (ASSUMPTION); LCL 2x (ASSUMPTION)
cost_cny_per_trip = 30000
trip_capacity_t = 20
part_load_cny_per_t = 3000
co2e_g_per_tkm = 20

[[leg_rules]]
from = "port"
to = "market"
mode = "sea"
refrigerated = true
temp_c = 1.0
same_country = false
speed_kmh = 30
fixed_hours = 72
# reefer 40 ft ~USD 5,100 (FACTS 2.3: 1,800-5,500), 20 t (ASSUMPTION); LCL 2x (ASSUMPTION)
cost_cny_per_trip = 36000
trip_capacity_t = 20
part_load_cny_per_t = 3600
co2e_g_per_tkm = 20

[[leg_rules]]
from = "overseas_warehouse"
to = "market"
mode = "road"
refrigerated = true
temp_c = 2.0
max_km = 300
speed_kmh = 50
cost_cny_per_tkm = 0.8
co2e_g_per_tkm = 150
"""
    text = (
        f"# Generated by instances.generate(seed={seed}): every number is an ASSUMPTION.\n"
        f'name = "generated-{villages}v-{hubs}h-{weeks}w-s{seed}"\n'
        f'objective = "{objective}"\ndefault_regime = "today"\n\n'
        f"[periods]\nweeks = {weeks}\nambient_temp_c = {_toml_list(temps)}\n\n"
        + "\n".join(products_toml)
        + "\n# insurance 0.3-0.6% for perishables (calculatecbm.hostboxindia.com, rough); a 1 kg"
        "\n# retail parcel: ASSUMPTION\n[trade]\ninsurance_rate = 0.0045\nparcel_kg = 1.0\n\n"
        + countries_toml
        + "\n[customs.0110]\nfee_cny_per_t = 10.0\nclearance_hours = 24.0\n"
        "[customs.9810]\nfee_cny_per_t = 10.0\nclearance_hours = 24.0\n"
        "[customs.9610]\nfee_cny_per_t = 20.0\nclearance_hours = 12.0\n\n"
        '[[regimes]]\nname = "today"\neffective = "2025-11-10"\n' + rules
    )
    (folder / "scenario.toml").write_text(text)
    return folder


def generate_network(**sizes) -> Network:
    """Generate a scenario (see :func:`generate`) in a temporary folder and load it."""
    from instances.scenario import load_folder

    with tempfile.TemporaryDirectory(prefix="coldchain-gen-") as tmp:
        network = load_folder(generate(Path(tmp) / "scenario", **sizes))
    return network.replace(folder=None)
