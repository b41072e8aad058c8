r"""A search over hub openings with the exact path model inside (fix and optimize).

The design model chooses the hubs with its own view of spoilage (per-stage survival
factors); the exact path model (:mod:`optimizer.design.paths`) then re-plans the flows on
those hubs as the evaluator scores them. Where the two views disagree, the design model
can open the wrong hubs: on ``tiny`` with part loads it opens Jishou, whose evaluated
cost is 302,209 CNY, while Fenghuang alone scores 298,423 (enumeration, issue #15). This
search fixes that by moving between openings and solving each with the exact path model.

Moves
-----
From the incumbent opening :math:`O` (hub :math:`\to` size), the neighbours, tried in
this order (cheapest to evaluate first, and those that save fixed cost first):

1. close one open hub (where another stays open);
2. change one open hub's size (or atmosphere, which comes with the size);
3. swap: close one open hub and open one closed hub at one of its sizes;
4. open one closed hub at one of its sizes.

Each neighbour is solved by the exact path model (no start), within
:data:`MOVE_SHARE` of the time left (so that one slow neighbour does not take it all): its
columns are the incumbent plan's rows on hubs the neighbour keeps open, the ranked
candidate paths and those column generation adds (:meth:`PathModel.generate`). The
first neighbour that improves the evaluated objective becomes the incumbent and the
moves start again from it (first improvement); the search ends when no neighbour
improves, or at its time limit, or on an interrupt. The
incumbent's plan is never worse than where the search began, so the search can only
help the headline; its moves and gains are reported (``search_*`` keys of ``kpis.json``).

Column scores are shared between the neighbours' path models (a row's score depends on
the opening only through its hub's atmosphere), so a move costs its LP relaxations, one
MIP solve and the scoring of the paths new to it, not a re-scoring of every path.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from networks.network import Network
from optimizer.backends import interrupt
from optimizer.design._options import DesignOptions
from optimizer.design.data import DesignData
from optimizer.design.paths import PathModel, PathSolve, solve_paths

#: Fewest seconds a neighbour's MIP is given; below it the search stops.
MIN_MOVE_SECONDS = 1.0
#: Share of the search's time left one neighbour may take. With all of it, the first
#: neighbour took the whole search on xiangxi-kiwi (1 opening tried in 45 s, +294 k);
#: with half, 6 were tried and 2 improved the plan (+420 k, README solve, session 10).
MOVE_SHARE = 0.5


@dataclass(frozen=True)
class SearchResult:
    """Where the search over openings ended.

    Parameters
    ----------
    best
        The best path-model ending found (the one it began from if nothing improved).
    tried
        Openings solved.
    improved
        Moves that improved the incumbent.
    gain
        Evaluated objective gained over the start (CNY; margin up or cost down).
    seconds
        Wall-clock seconds spent.
    stopped
        Why it ended: ``local optimum`` (no neighbour improves), ``time`` or
        ``interrupted``.
    """

    best: PathSolve
    tried: int
    improved: int
    gain: float
    seconds: float
    stopped: str

    def kpis(self) -> dict:
        """``search_*`` keys of ``kpis.json``."""
        return {
            "search_openings_tried": self.tried,
            "search_improvements": self.improved,
            "search_gain": self.gain,
            "search_seconds": self.seconds,
            "search_stopped": self.stopped,
        }


def neighbours(network: Network, opened: dict[str, str]) -> Iterator[dict[str, str]]:
    """Openings one move from ``opened``, in the order the search tries them."""
    hubs = {hub.id: hub for hub in network.county_hubs}
    closed = [h for h in hubs if h not in opened]
    if len(opened) > 1:
        for h in sorted(opened):
            yield {k: v for k, v in opened.items() if k != h}
    for h in sorted(opened):
        for size in hubs[h].sizes:
            if size.name != opened[h]:
                yield {**opened, h: size.name}
    for h in sorted(opened):
        for g in closed:
            for size in hubs[g].sizes:
                rest = {k: v for k, v in opened.items() if k != h}
                yield {**rest, g: size.name}
    for g in closed:
        for size in hubs[g].sizes:
            yield {**opened, g: size.name}


def search_openings(
    network: Network,
    data: DesignData,
    options: DesignOptions,
    margin_mode: bool,
    start: PathSolve,
    time_limit: float | None,
    on_move: Callable[[str], None] | None = None,
) -> SearchResult:
    """Improve ``start``'s opening by moves, each solved with the exact path model.

    Parameters
    ----------
    network, data, options
        The scenario, the design model's data and the solve's options.
    margin_mode
        Maximize margin (else minimize cost).
    start
        The exact path model's ending on the design model's hubs (it has a plan).
    time_limit
        Seconds for the whole search (``None``: until no move improves).
    on_move
        Called with a short description of each opening tried (progress).

    Returns
    -------
    SearchResult
    """
    clock = time.perf_counter()
    scores: dict = {}
    best = start
    seen = {_key(start.plan.hubs)}
    tried = improved = 0
    stopped = "local optimum"

    def better(a: float, b: float) -> bool:
        margin = 1e-9 * max(1.0, abs(b))
        return a > b + margin if margin_mode else a < b - margin

    while True:
        moved = False
        for opening in neighbours(network, dict(best.plan.hubs)):
            if _key(opening) in seen:
                continue
            if interrupt.stop_requested():
                stopped = "interrupted"
                break
            left = None
            if time_limit is not None:
                left = time_limit - (time.perf_counter() - clock)
                if left < MIN_MOVE_SECONDS:
                    stopped = "time"
                    break
            seen.add(_key(opening))
            if on_move is not None:
                on_move(", ".join(f"{h} {s}" for h, s in sorted(opening.items())))
            model = PathModel(
                network,
                data,
                opening,
                margin_mode,
                options.ship_all_supply,
                options.co2_cap_t,
                options.co2_price_cny_per_t,
                options.regime,
                scores,
            )
            for flow in best.plan.flows:  # the incumbent's rows on hubs still open
                if flow.county_hub in opening:
                    model.add(flow)
            move = None if left is None else max(MIN_MOVE_SECONDS, MOVE_SHARE * left)
            found = solve_paths(model, None, move, options.gap, options.threads)
            tried += 1
            if found.plan is None or not math.isfinite(found.outcome.objective):
                continue
            if better(found.outcome.objective, best.outcome.objective):
                best, improved, moved = found, improved + 1, True
                break
        if not moved or stopped != "local optimum":
            break
    sign = 1.0 if margin_mode else -1.0
    gain = sign * (best.outcome.objective - start.outcome.objective)
    return SearchResult(best, tried, improved, gain, time.perf_counter() - clock, stopped)


def _key(opening) -> tuple:
    return tuple(sorted(opening.items()))
