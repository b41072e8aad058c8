"""The domain model: nodes, legs, products, trade, firms, periods, plans, shelf life.

``networks`` imports none of coldchain's other packages.
"""

from networks.errors import (
    ColdchainError,
    PlanError,
    Problem,
    ScenarioError,
    SolverUnavailableError,
)
from networks.facility import FacilityProblem
from networks.firms import Firm
from networks.legs import FOLLOWS, Leg, Mode
from networks.lots import LotHistory, PathLoss, Segment
from networks.network import Network
from networks.nodes import (
    BondedZone,
    CountyHub,
    HubSize,
    Market,
    Node,
    NodeKind,
    OverseasWarehouse,
    Port,
    Village,
)
from networks.periods import Periods
from networks.plan import PathFlow, Plan, PlanSource
from networks.products import Product
from networks.settings import CollectionSettings, ConsolidationSettings, DesignSettings
from networks.shelf_life import ShelfLife, shelf_life_table
from networks.trade import CustomsMode, CustomsTerms, TariffPart, TariffRegime

__all__ = [
    "FOLLOWS",
    "BondedZone",
    "ColdchainError",
    "CollectionSettings",
    "ConsolidationSettings",
    "CountyHub",
    "CustomsMode",
    "CustomsTerms",
    "DesignSettings",
    "FacilityProblem",
    "Firm",
    "HubSize",
    "Leg",
    "LotHistory",
    "Market",
    "Mode",
    "Network",
    "Node",
    "NodeKind",
    "OverseasWarehouse",
    "PathFlow",
    "PathLoss",
    "Periods",
    "Plan",
    "PlanError",
    "PlanSource",
    "Port",
    "Problem",
    "Product",
    "ScenarioError",
    "Segment",
    "ShelfLife",
    "SolverUnavailableError",
    "TariffPart",
    "TariffRegime",
    "Village",
    "shelf_life_table",
]
