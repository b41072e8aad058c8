"""Sweeps: one scenario solved (or one plan evaluated) under many variants, into a run store.

A sweep is the cross product of its grid levers' values, times ``draws`` Monte Carlo
draws of its drawn levers (:mod:`optimizer.studies.levers`). Each run is one task of
the executor (:mod:`optimizer.backends.executor`): the scenario, the plan and the solve
options go to each worker once; a task carries only its lever values and draw number,
builds its variant there, and solves it (``solve``: :func:`~optimizer.design.scored.
solve_and_score`, as ``coldchain solve``) or evaluates the fixed plan under it
(``evaluate``, as ``coldchain evaluate``: how robust is this design?). This process
writes each result into the store as it comes back (:class:`results.runstore.RunStore`),
so a worker needs no access to the store's disk, and a stopped sweep keeps what it
finished; ``--resume`` runs the rest.

A fixed plan meets a drawn harvest as a packhouse would: where a village grows less
than the plan ships in a week, each of its flows that week is cut in proportion
(recorded as ``plan_cut_t``); fruit grown beyond the plan stays unsold.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from networks.errors import ColdchainError
from networks.network import Network
from networks.plan import Plan
from networks.status import Status
from optimizer.backends.executor import Executor, Shared
from optimizer.studies.levers import Lever, variant


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its id, grid values and draw number (``None``: no draws)."""

    run_id: str
    values: dict[str, Any]
    draw: int | None = None


@dataclass(frozen=True)
class Study:
    """What a sweep's workers share: the scenario, the plan and the solve settings."""

    network: Network
    levers: tuple[Lever, ...]
    plan: Plan | None
    settings: dict[str, Any]
    seed: int | None


def plan_runs(
    levers: list[Lever], draws: int, seed: int | None, identity: dict[str, Any]
) -> list[Run]:
    """Every run of the study, in a fixed order, each with its id.

    ``identity`` (scenario hash, plan, settings) goes into each id, so that one id
    names one result whatever the study it was run in.
    """
    from results.runstore import run_key

    grid = [lv for lv in levers if not lv.drawn]
    combos = itertools.product(*(lv.values for lv in grid)) if grid else [()]
    numbers: list[int | None] = list(range(draws)) if draws else [None]
    runs = []
    for combo in combos:
        values = {lv.key: v for lv, v in zip(grid, combo, strict=True)}
        for draw in numbers:
            spec = {
                **identity,
                "values": values,
                "drawn": sorted(lv.text() for lv in levers if lv.drawn),
                "draw": draw,
                "seed": seed if draw is not None else None,
            }
            runs.append(Run(run_key(spec), values, draw))
    return runs


def build_study(*args) -> Study:
    """A worker's shared state (the executor calls it once per worker process)."""
    return Study(*args)


def run_one(study: Study, run: Run) -> dict[str, Any]:
    """Solve or evaluate one run's variant on a worker; what the store records of it."""
    from results.runs import run_header

    clock, cpu = time.perf_counter(), time.process_time()
    try:
        network, options = variant(
            study.network, list(study.levers), run.values, study.seed, run.draw
        )
    except ColdchainError as exc:
        return _failed(run, Status.ERROR, f"variant: {exc}", clock)
    levers = {f"lever_{k}": v for k, v in run.values.items()}
    if run.draw is not None:
        levers.update(lever_draw=run.draw, lever_seed=study.seed)
    try:
        if study.plan is None:
            header, kpis, tables, documents = _solve(network, options, study.settings)
        else:
            header, kpis, tables, documents = _evaluate(network, study.plan, options)
    except ColdchainError as exc:
        return _failed(run, Status.ERROR, str(exc), clock)
    header = run_header(network, **header)
    return {
        "record": {**header, **levers},
        "kpis": {
            **kpis,
            "seconds_run": time.perf_counter() - clock,
            # the worker's own CPU seconds: what the run cost, whatever else the machine ran
            "cpu_seconds_run": time.process_time() - cpu,
        },
        "tables": tables,
        "documents": documents,
    }


def _failed(run: Run, status: Status, message: str, clock: float) -> dict[str, Any]:
    levers = {f"lever_{k}": v for k, v in run.values.items()}
    if run.draw is not None:
        levers["lever_draw"] = run.draw
    return {
        "record": {"command": "sweep", **levers},
        "kpis": {
            "status": str(status),
            "error": message,
            "seconds_run": time.perf_counter() - clock,
        },
        "tables": {},
        "documents": {},
    }


def _solve(network: Network, options: dict, settings: dict):
    from optimizer.design import DesignOptions
    from optimizer.design.scored import solve_and_score

    design = DesignOptions.from_network(
        network,
        solver=settings.get("solver"),
        time_limit=settings.get("time_limit"),
        gap=settings.get("gap"),
        regime=options.get("regime"),
        threads=settings.get("threads") or 1,
        seed=settings.get("seed"),
    )
    design = replace(
        design,
        **{k: v for k, v in options.items() if k in ("co2_cap_t", "co2_price_cny_per_t")},
    )
    scored = solve_and_score(network, design)
    header = {
        "command": "solve",
        "solver": design.solver,
        "time_limit": design.time_limit,
        "gap": design.gap,
        "regime": design.regime or network.default_regime,
        "seed": design.seed,
        "threads": design.threads,
        "co2_cap_t": design.co2_cap_t,
        "co2_price_cny_per_t": design.co2_price_cny_per_t,
    }
    if not scored.has_plan:
        return header, scored.kpis(), {}, scored.documents()
    return header, scored.kpis(), scored.to_frames(), {}


def _evaluate(network: Network, plan: Plan, options: dict):
    from results.evaluate import evaluate

    regime = options.get("regime")
    fitted, cut = fit_to_supply(network, plan)
    evaluation = evaluate(network, fitted, regime=regime, label=plan.name)
    header = {"command": "evaluate", "plan": plan.name, "regime": regime or network.default_regime}
    return header, {**evaluation.kpis(), "plan_cut_t": cut}, evaluation.to_frames(), {}


def fit_to_supply(network: Network, plan: Plan) -> tuple[Plan, float]:
    """``plan`` with each village's flows cut in proportion where it grows too little.

    Returns
    -------
    tuple
        The plan (``plan`` itself where nothing is cut) and the tonnes cut.
    """
    supply = network.supply.groupby(["village", "product", "week"])["tonnes"].sum().to_dict()
    shipped: dict[tuple, float] = defaultdict(float)
    for flow in plan.flows:
        shipped[(flow.village, flow.product, flow.week)] += flow.tonnes
    scale = {
        key: supply.get(key, 0.0) / tonnes
        for key, tonnes in shipped.items()
        if tonnes > supply.get(key, 0.0) + 1e-9
    }
    if not scale:
        return plan, 0.0
    flows, cut = [], 0.0
    for flow in plan.flows:
        factor = scale.get((flow.village, flow.product, flow.week))
        if factor is None:
            flows.append(flow)
            continue
        cut += flow.tonnes * (1 - factor)
        if flow.tonnes * factor > 1e-9:
            flows.append(replace(flow, tonnes=flow.tonnes * factor))
    return replace(plan, flows=tuple(flows), source=None), cut


def run_sweep(
    executor: Executor,
    study: Study,
    runs: list[Run],
    on_result: Callable[[Run, dict[str, Any]], None],
) -> None:
    """Run ``runs`` on ``executor``; ``on_result(run, result)`` here as each one ends."""
    executor.start(
        Shared(
            f"sweep:{study.network.content_hash}:{id(study)}:{time.time_ns()}",
            build_study,
            (study.network, study.levers, study.plan, study.settings, study.seed),
        )
    )
    executor.map(run_one, runs, on_result)
