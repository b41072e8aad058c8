"""Corridors: the best full paths from a village (or hub) to a market, and why others are not.

``coldchain corridors`` answers a cooperative's first question: which way should our
fruit go to this market, what will it cost, how fresh will it arrive, how long will it
take. :func:`find_corridors` scores every allowed path as the evaluator scores a plan of
that one row (:mod:`optimizer.corridors.search`); :func:`path_candidates` lists the paths
and the rule each one that is not allowed breaks (:mod:`optimizer.corridors.paths`).
"""

from optimizer.corridors.paths import RULES, Candidate, path_candidates
from optimizer.corridors.search import (
    CORRIDOR_COLUMNS,
    CRITERIA,
    EXCLUDED_COLUMNS,
    CorridorQuery,
    CorridorResult,
    corridor_flow,
    dominance,
    find_corridors,
    resolve_query,
)

__all__ = [
    "CORRIDOR_COLUMNS",
    "CRITERIA",
    "EXCLUDED_COLUMNS",
    "RULES",
    "Candidate",
    "CorridorQuery",
    "CorridorResult",
    "corridor_flow",
    "dominance",
    "find_corridors",
    "path_candidates",
    "resolve_query",
]
