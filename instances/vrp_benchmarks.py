"""Read CVRPLIB (``.vrp``) and Solomon (``.txt``) benchmark files into collection problems.

The files are parsed by the ``vrplib`` package (the reference reader); this module only
turns its dictionaries into :class:`~networks.collection.CollectionProblem` values with
the benchmark's distance convention, so that benchmarks run through the same code path
as the villages of a scenario:

- CVRPLIB (``round-int``): every edge is the Euclidean distance rounded to the nearest
  integer (TSPLIB ``nint``); travel time equals distance (no windows); the fleet is
  unlimited, here one vehicle per customer; capacity from the file.
- Solomon (``dimacs-trunc1``): distances and travel times are Euclidean truncated to one
  decimal; time windows and service times as in the file; the depot's due date closes
  the day; the fleet is the file's own (25 vehicles of capacity 200 for the classic set).

Demand units stand in for tonnes, distance units for kilometres, time units for hours.
Every vehicle costs 1 per distance unit and nothing else, so a plan's cost is its
distance in the benchmark's convention.

Best known values come from a ``bks.csv`` (``problem,instance,bks,convention,...``);
instance names match case-insensitively.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from networks.collection import CollectionProblem, Pickup, VehicleType
from networks.errors import Problem, ScenarioError

#: Benchmark families: file suffix and distance convention.
FAMILIES = {"cvrp": (".vrp", "round-int"), "vrptw": (".txt", "dimacs-trunc1")}


def round_int(distances: np.ndarray) -> np.ndarray:
    """TSPLIB ``nint``: round to the nearest integer (halves up)."""
    return np.floor(np.asarray(distances, dtype=float) + 0.5)


def trunc1(distances: np.ndarray) -> np.ndarray:
    """DIMACS convention: scale by 10, truncate, scale back (one decimal, rounded down)."""
    return np.floor(10.0 * np.asarray(distances, dtype=float)) / 10.0


def _euclidean(coords: np.ndarray) -> np.ndarray:
    coords = np.asarray(coords, dtype=float)
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def _read(path: Path, instance_format: str) -> dict:
    import vrplib

    try:
        return vrplib.read_instance(path, instance_format=instance_format)
    except FileNotFoundError as exc:
        raise ScenarioError(Problem(str(path), "file", "an existing file", "missing")) from exc
    except Exception as exc:  # vrplib raises bare ValueError/IndexError on bad files
        raise ScenarioError(
            Problem(
                str(path),
                "format",
                f"a {instance_format} instance file",
                f"{type(exc).__name__}: {exc}",
            )
        ) from exc


def _require(data: dict, path: Path, *keys: str) -> None:
    missing = [k for k in keys if k not in data]
    if missing:
        raise ScenarioError(
            [
                Problem(str(path), k.upper(), "a section of the instance file", "missing")
                for k in missing
            ]
        )


def read_cvrplib(path: str | os.PathLike, vehicles: int | None = None) -> CollectionProblem:
    """Read a CVRPLIB (VRPLIB ``EUC_2D``) file.

    Parameters
    ----------
    path
        A ``.vrp`` file (one depot, node 1 in the file).
    vehicles
        Fleet size; default one vehicle per customer (the fleet is unlimited).

    Returns
    -------
    CollectionProblem
        With ``convention="round-int"``; node ids are the file's node numbers.

    Raises
    ------
    ScenarioError
        If the file cannot be read or lacks a section.
    """
    path = Path(path)
    data = _read(path, "vrplib")
    _require(data, path, "node_coord", "demand", "capacity")
    coords = np.asarray(data["node_coord"], dtype=float)
    n_nodes = len(coords)
    depots = np.atleast_1d(data.get("depot", np.array([0])))
    if depots.size != 1 or int(depots[0]) != 0:
        raise ScenarioError(
            Problem(str(path), "DEPOT_SECTION", "one depot, the first node", depots.tolist())
        )
    if str(data.get("edge_weight_type", "EUC_2D")).upper() != "EUC_2D":
        raise ScenarioError(
            Problem(str(path), "EDGE_WEIGHT_TYPE", "EUC_2D", data.get("edge_weight_type"))
        )
    distances = round_int(_euclidean(coords))
    demand = np.asarray(data["demand"], dtype=float)
    service = np.broadcast_to(np.asarray(data.get("service_time", 0.0), dtype=float), n_nodes)
    pickups = tuple(
        Pickup(node=str(i + 1), tonnes=float(demand[i]), service_h=float(service[i]))
        for i in range(1, n_nodes)
    )
    count = vehicles if vehicles is not None else n_nodes - 1
    fleet = (VehicleType("vehicle", int(count), float(data["capacity"]), cost_per_km=1.0),)
    return CollectionProblem(
        hub="1",
        pickups=pickups,
        fleet=fleet,
        distance_km=distances,
        travel_h=distances,
        convention="round-int",
        name=str(data.get("name", path.stem)),
    )


def read_solomon(path: str | os.PathLike, vehicles: int | None = None) -> CollectionProblem:
    """Read a Solomon VRPTW text file.

    Parameters
    ----------
    path
        A Solomon ``.txt`` file (``VEHICLE`` block, then one line per node, customer 0
        the depot).
    vehicles
        Fleet size; default the file's ``NUMBER`` of vehicles.

    Returns
    -------
    CollectionProblem
        With ``convention="dimacs-trunc1"``, day ``[ready, due]`` of the depot.

    Raises
    ------
    ScenarioError
        If the file cannot be read or lacks a section.
    """
    path = Path(path)
    data = _read(path, "solomon")
    _require(data, path, "node_coord", "demand", "capacity", "time_window", "service_time")
    coords = np.asarray(data["node_coord"], dtype=float)
    n_nodes = len(coords)
    distances = trunc1(_euclidean(coords))
    demand = np.asarray(data["demand"], dtype=float)
    windows = np.asarray(data["time_window"], dtype=float)
    service = np.broadcast_to(np.asarray(data["service_time"], dtype=float), n_nodes)
    pickups = tuple(
        Pickup(
            node=str(i),
            tonnes=float(demand[i]),
            window_start_h=float(windows[i, 0]),
            window_end_h=float(windows[i, 1]),
            service_h=float(service[i]),
        )
        for i in range(1, n_nodes)
    )
    count = vehicles if vehicles is not None else int(data.get("vehicles", n_nodes - 1))
    fleet = (VehicleType("vehicle", int(count), float(data["capacity"]), cost_per_km=1.0),)
    return CollectionProblem(
        hub="0",
        pickups=pickups,
        fleet=fleet,
        distance_km=distances,
        travel_h=distances,
        day_start_h=float(windows[0, 0]),
        hub_close_h=float(windows[0, 1]),
        convention="dimacs-trunc1",
        name=str(data.get("name", path.stem)),
    )


def read_benchmark(path: str | os.PathLike, family: str | None = None) -> CollectionProblem:
    """Read a benchmark file by family (``cvrp`` or ``vrptw``) or by its suffix."""
    path = Path(path)
    if family is None:
        family = "cvrp" if path.suffix.lower() == ".vrp" else "vrptw"
    if family == "cvrp":
        return read_cvrplib(path)
    if family == "vrptw":
        return read_solomon(path)
    raise ValueError(f"family: expected one of {sorted(FAMILIES)}, got {family!r}")


def benchmark_files(folder: str | os.PathLike, family: str) -> list[Path]:
    """The benchmark files of a family in a folder, sorted by name, or one file alone.

    Raises
    ------
    ScenarioError
        If the folder does not exist or holds no file of the family, or the file is not
        one of the family.
    """
    folder = Path(folder)
    suffix = FAMILIES[family][0]
    if folder.is_file():
        if folder.suffix.lower() != suffix:
            raise ScenarioError(
                Problem(
                    str(folder),
                    "DIR",
                    f"a {suffix} file ({family}) or a folder of them",
                    f"a {folder.suffix or 'suffixless'} file",
                )
            )
        return [folder]
    if not folder.is_dir():
        raise ScenarioError(
            Problem(str(folder), "DIR", "a benchmark file or a folder of them", "missing")
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == suffix)
    if not files:
        raise ScenarioError(
            Problem(str(folder), "DIR", f"at least one {suffix} file ({family})", "none")
        )
    return files


def benchmark_cost(problem: CollectionProblem, distance: float) -> float:
    """A distance rounded as the problem's convention writes it (integer or one decimal)."""
    if problem.convention == "round-int":
        return float(round(distance))
    if problem.convention == "dimacs-trunc1":
        return round(distance, 1)
    return float(distance)


def read_bks(path: str | os.PathLike) -> dict[tuple[str, str], float]:
    """Best known values from a ``bks.csv``.

    Parameters
    ----------
    path
        CSV with at least the columns ``instance``, ``bks`` and ``convention``.

    Returns
    -------
    dict
        ``{(instance name in lower case, convention): value}``.

    Raises
    ------
    ScenarioError
        With every malformed row (file, line, field).
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(Problem(str(path), "file", "a bks.csv file", "missing"))
    problems = []
    out: dict[tuple[str, str], float] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        for column in ("instance", "bks", "convention"):
            if column not in (reader.fieldnames or []):
                problems.append(Problem(path.name, column, "a column of bks.csv", "missing"))
        if problems:
            raise ScenarioError(problems)
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row["bks"])
            except (TypeError, ValueError):
                problems.append(Problem(path.name, "bks", "a number", row["bks"], line))
                continue
            if not math.isfinite(value) or value <= 0:
                problems.append(Problem(path.name, "bks", "a number > 0", row["bks"], line))
                continue
            out[(row["instance"].strip().lower(), row["convention"].strip())] = value
    if problems:
        raise ScenarioError(problems)
    return out


def best_known(
    bks: Mapping[tuple[str, str], float], name: str, convention: str | None
) -> float | None:
    """The best known value of instance ``name`` in ``convention`` (case-insensitive name)."""
    return bks.get((name.strip().lower(), convention or ""))
