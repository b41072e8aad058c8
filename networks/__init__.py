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
from networks.products import MarketAccess, Product
from networks.settings import (
    CollectionSettings,
    ConsolidationSettings,
    DesignSettings,
    TradeSettings,
)
from networks.shelf_life import ShelfLife, shelf_life_table
from networks.trade import (
    CustomsMode,
    CustomsTerms,
    ImportCharge,
    ImportTerms,
    TariffPart,
    TariffRegime,
    Valuation,
    import_charge,
    import_duty_and_vat,
    mode_carries,
)

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
    "ImportCharge",
    "ImportTerms",
    "Leg",
    "LotHistory",
    "Market",
    "MarketAccess",
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
    "TradeSettings",
    "Valuation",
    "Village",
    "import_charge",
    "import_duty_and_vat",
    "mode_carries",
    "shelf_life_table",
]
