"""Readable summaries of a scenario (what ``coldchain show`` prints)."""

from __future__ import annotations

import pandas as pd

from networks.network import Network
from networks.nodes import NodeKind


def scenario_summary(network: Network) -> dict[str, pd.DataFrame]:
    """Tables describing a network.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``nodes by kind``, ``supply and demand by week (t)``, ``legs by service``.
    """
    kinds = pd.Series([str(n.kind) for n in network.nodes.values()])
    nodes = (
        kinds.value_counts()
        .reindex([k.value for k in NodeKind], fill_value=0)
        .rename_axis("kind")
        .reset_index(name="count")
    )
    supply = network.supply.pivot_table(
        index="week", columns="product", values="tonnes", aggfunc="sum", fill_value=0.0
    ).add_prefix("supply ")
    demand = network.demand.pivot_table(
        index="week", columns="product", values="tonnes", aggfunc="sum", fill_value=0.0
    ).add_prefix("demand ")
    weeks = pd.DataFrame(index=pd.Index(list(network.periods.weeks), name="week"))
    weekly = weeks.join(supply).join(demand).fillna(0.0)
    weekly.insert(0, "label", list(network.periods.labels))
    weekly.insert(1, "ambient_c", list(network.periods.ambient_temp_c))
    legs = network.legs_frame()
    legs["service"] = [leg.service for leg in network.legs]
    by_service = (
        legs.groupby("service")
        .agg(legs=("id", "size"), mean_km=("distance_km", "mean"), mean_hours=("hours", "mean"))
        .reset_index()
    )
    return {
        "nodes by kind": nodes,
        "supply and demand by week (t)": weekly.reset_index(),
        "legs by service": by_service,
    }
