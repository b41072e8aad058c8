"""Plan files: ``NAME.csv`` (one row per path flow) and ``NAME.hubs.csv`` (``hub, size``).

Hand-made plans live in a scenario's ``plans/`` folder; ``coldchain solve`` writes its
plan in the same format (``flows.csv`` with ``hubs.csv`` beside it). Both files are read
with the scenario tables' reader (:mod:`instances._tables`): cells stripped, rows named by
their file line; lines whose first character is ``#`` are comments. The columns are
described in docs/scenario-format.md (Plans).
"""

from __future__ import annotations

import math
from pathlib import Path

from instances._tables import LINE, read_rows
from networks.errors import Problem, ProblemCollector, ScenarioError
from networks.network import Network
from networks.plan import PathFlow, Plan, PlanSource
from networks.spreadsheet import shield_frame, unshield_frame

#: How a plan file may write ``precool`` (any case).
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
#: Columns a plan file must have (the others have defaults).
REQUIRED = ("firm", "product", "week", "tonnes", "path", "services")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).replace(">", "\n").splitlines() if part.strip())


def hubs_file_for(flows_file: Path) -> Path:
    """Where the hubs of a plan file live: ``NAME.hubs.csv``, or ``hubs.csv`` beside it."""
    named = flows_file.with_name(flows_file.stem + ".hubs.csv")
    return named if named.is_file() else flows_file.with_name("hubs.csv")


def plan_file(network: Network, plan: str | Path) -> Path:
    """The flows file of a plan given by name, file or run folder.

    Parameters
    ----------
    network
        The scenario (its ``plans/`` folder holds the named plans).
    plan
        A plan name (``plans/NAME.csv`` of the scenario), a plan file, or a run folder
        (its ``flows.csv``, with ``hubs.csv`` beside it).

    Returns
    -------
    Path
        The plan's flows file.

    Raises
    ------
    ScenarioError
        Neither a plan of the scenario nor a file: the message lists the scenario's plans.
    """
    path = Path(plan)
    if path.is_dir():
        path = path / "flows.csv"
    if path.is_file():
        return path
    if network.folder is not None:
        named = Path(network.folder) / "plans" / f"{plan}.csv"
        if named.is_file():
            return named
    available = (
        sorted(
            p.stem
            for p in (Path(network.folder) / "plans").glob("*.csv")
            if not p.name.endswith(".hubs.csv")
        )
        if network.folder
        else []
    )
    raise ScenarioError(
        Problem(
            str(plan),
            "--plan",
            "a plan name (" + (", ".join(available) or "none bundled") + ") or a plan file",
            "neither",
        )
    )


def _flow(row: dict, label: str, line: int, problems: ProblemCollector) -> PathFlow | None:
    """One row of a plan file as a path flow, or ``None`` with its problem recorded."""
    try:
        week = int(row["week"])
        tonnes = float(row["tonnes"])
        if week < 1:
            raise ValueError
    except ValueError:
        problems.add(
            label,
            "week/tonnes",
            "an integer week >= 1 and a number of tonnes",
            f"{row['week']}/{row['tonnes']}",
            line=line,
        )
        return None
    if not math.isfinite(tonnes) or tonnes < 0:
        problems.add(label, "tonnes", "a number >= 0", row["tonnes"], line=line)
        return None
    storage = str(row.get("storage_weeks", "") or "0").strip()
    wait = str(row.get("wait_hours", "") or "").strip()
    if not storage.isdigit():
        problems.add(label, "storage_weeks", "an integer >= 0", storage, line=line)
        return None
    abroad = str(row.get("abroad_weeks", "") or "0").strip()
    if not abroad.isdigit():
        problems.add(label, "abroad_weeks", "an integer >= 0", abroad, line=line)
        return None
    try:
        wait_hours = float(wait) if wait else None
    except ValueError:
        wait_hours = math.nan
    if wait_hours is not None and not (math.isfinite(wait_hours) and wait_hours >= 0):
        problems.add(label, "wait_hours", "a number of hours >= 0, or empty", wait, line=line)
        return None
    precool = str(row.get("precool", "") or "true").strip().lower()
    if precool not in TRUE_WORDS + FALSE_WORDS:
        problems.add(label, "precool", "true or false (or 1/0, yes/no)", row["precool"], line=line)
        return None
    try:
        return PathFlow(
            firm=row["firm"],
            shipper=row.get("shipper", "") or row["firm"],
            product=row["product"],
            week=week,
            tonnes=tonnes,
            nodes=_split(row["path"]),
            services=_split(row["services"]),
            customs_mode=str(row.get("customs_mode", "") or ""),
            storage_weeks=int(storage),
            precool=precool in TRUE_WORDS,
            wait_hours=wait_hours,
            abroad_weeks=int(abroad),
        )
    except ValueError as exc:
        problems.add(label, "path/services", "one service per leg of the path", str(exc), line=line)
        return None


def read_plan(path: str | Path, label: str | None = None) -> Plan:
    """Read a plan file (and its hubs file) into a :class:`~networks.plan.Plan`.

    Parameters
    ----------
    path
        The flows CSV (``plans/NAME.csv`` or a run's ``flows.csv``).
    label
        How to name the file in messages (default: its name); the hubs file is named
        from the same folder (``plans/NAME.hubs.csv``).

    Returns
    -------
    Plan
        Named after the file (after the run folder for a ``flows.csv``), with the file
        lines of its rows as its :class:`~networks.plan.PlanSource`.

    Raises
    ------
    ScenarioError
        With one problem per bad row or field.
    """
    path = Path(path)
    label = label or path.name
    problems = ProblemCollector()
    if not path.is_file():
        raise ScenarioError(Problem(label, "file", "an existing plan file", "no such file"))
    frame = read_rows(path, label, problems, comments=True, readable="a readable CSV plan")
    problems.raise_if_any()
    frame = unshield_frame(frame)  # a run's flows.csv marks text a spreadsheet would run
    columns = [c for c in frame.columns if c != LINE]
    for column in REQUIRED:
        if column not in columns:
            problems.add(label, column, f"a column named {column}", "columns " + ", ".join(columns))
    problems.raise_if_any()
    flows, flow_lines = [], []
    for row in frame.to_dict("records"):
        flow = _flow(row, label, int(row[LINE]), problems)
        if flow is not None:
            flows.append(flow)
            flow_lines.append(int(row[LINE]))
    hubs_path = hubs_file_for(path)
    where = Path(label).parent  # the hubs file is named as the flows file is (plans/...)
    hubs_label = hubs_path.name if str(where) == "." else (where / hubs_path.name).as_posix()
    hubs: dict[str, str] = {}
    hub_lines: dict[str, int] = {}
    if hubs_path.is_file():
        hubs_frame = read_rows(hubs_path, hubs_label, problems, comments=True)
        for column in ("hub", "size"):
            if hubs_frame is not None and column not in hubs_frame.columns:
                problems.add(hubs_label, column, f"a column named {column}", "none")
        if not len(problems):
            rows = unshield_frame(hubs_frame).to_dict("records")
            hubs = {r["hub"]: r["size"] for r in rows if r["size"]}
            hub_lines = {r["hub"]: int(r[LINE]) for r in rows}
    else:  # name the file a plan of this name should have (NAME.hubs.csv), not hubs.csv
        named = path.with_name(path.stem + ".hubs.csv").name
        wanted = named if path.name != "flows.csv" else "hubs.csv"
        wanted = wanted if str(where) == "." else (where / wanted).as_posix()
        problems.add(wanted, "file", f"the hubs opened by {label} (hub,size)", "no such file")
    problems.raise_if_any()
    return Plan(
        name=path.stem if path.stem != "flows" else path.parent.name,
        hubs=hubs,
        flows=tuple(flows),
        source=PlanSource(tuple(flow_lines), hubs_label, hub_lines),
    )


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan as ``NAME.csv`` plus ``NAME.hubs.csv`` (read back by :func:`read_plan`)."""
    path = Path(path)
    shield_frame(plan.to_frame()).to_csv(path, index=False)
    shield_frame(plan.hubs_frame()).to_csv(path.with_name(path.stem + ".hubs.csv"), index=False)


__all__ = ["hubs_file_for", "read_plan", "write_plan"]
