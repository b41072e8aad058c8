"""Study (a) of docs/studies.md: each regime's plan: margin, hubs, markets, the US and how.

Run from the folder holding the store ``tariffs`` (``coldchain sweep xiangxi-kiwi --vary
regime=all --time-limit 150 --out tariffs``): ``python docs/studies/tariff_shifts.py``.
"""

import pandas as pd

from results.runstore import RunStore

store = RunStore.open("tariffs")
index = store.index().set_index("run_id")
flows = store.table("flows")
flows["market"] = flows["path"].str.split(" > ").str[-1]
hubs = store.table("hubs")
regime = index["lever_regime"]
opened = hubs.groupby("run_id").apply(
    lambda f: " ".join(sorted({f"{h}:{s}" for h, s in zip(f["hub"], f["size"], strict=True)})),
    include_groups=False,
)
us = flows[flows["market"] == "M_LA"]
us_goods = us.groupby(["run_id", "product", "customs_mode"])["delivered_t"].sum().round(1)
abroad = flows[~flows["market"].isin(["M_CS", "M_GZ", "M_SH"])]
table = pd.DataFrame(
    {
        "regime": regime,
        "status": index["status"],
        "margin_cny": index["objective"].round(0),
        "gap": index["gap"].round(3) if "gap" in index else float("nan"),
        "tariff_cny": index["tariff_cost"].round(0),
        "abroad_t": abroad.groupby("run_id")["delivered_t"].sum().round(0),
        "US_t": us.groupby("run_id")["delivered_t"].sum().round(1),
        "US_margin_cny": index["margin.M_LA"].round(0),
        "US_tariff_cny": us.groupby("run_id")["tariff_cost"].sum().round(0),
        "hubs": opened,
    }
).sort_values("regime")
pd.set_option("display.width", 250)
pd.set_option("display.max_colwidth", 80)
print(table.to_string(index=False))
print()
print("US deliveries by product and customs mode (t):")
goods = us_goods.unstack(["product", "customs_mode"]).fillna(0)
goods.columns = [f"{p}/{m or '-'}" for p, m in goods.columns]
print(goods.join(regime).set_index("lever_regime").sort_index().to_string())
print()
markets = (
    flows.pivot_table(index="run_id", columns="market", values="delivered_t", aggfunc="sum")
    .fillna(0)
    .round(0)
)
print("delivered by market (t):")
print(markets.round(0).join(regime).set_index("lever_regime").sort_index().to_string())
