"""A run folder as the report reads it: ``kpis.json``, the tables and ``network.gpkg``.

The report is built from these files only, so the report written at the end of a run
and ``coldchain report`` on that folder later are the same code on the same data.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from networks.spreadsheet import unshield_frame
from results.gis import GEOPACKAGE, read_geopackage
from results.store import RunFolderError

#: Tables a report reads, where the run folder has them.
TABLES = (
    "flows",
    "hubs",
    "deliveries",
    "trips",
    "routes",
    "allocation",
    "coalitions",
    "corridors",
    "excluded",
)


@dataclass(frozen=True)
class RunFolder:
    """What a run folder holds, read once.

    Parameters
    ----------
    path
        The folder.
    kpis
        ``kpis.json``.
    tables
        Its tables by name (Parquet where written, else CSV).
    layers
        The layers of ``network.gpkg`` by name (empty without the file).
    documents
        Other JSON files (``diagnosis.json``) by name, without the suffix.
    name
        The run's name in the report (default: the folder's name).
    """

    path: Path
    kpis: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    documents: dict[str, dict] = field(default_factory=dict)
    name: str = ""

    @property
    def command(self) -> str:
        """The command that wrote the run (``solve``, ``evaluate``, ``route``...)."""
        return str(self.kpis.get("command", ""))

    @property
    def label(self) -> str:
        """A short name for the run: ``name``, else the folder's name."""
        return self.name or self.path.name

    @property
    def title(self) -> str:
        """What the run is, in words: scenario, command and its plan or regime."""
        words = [str(self.kpis.get("scenario", "")), self.command]
        for key in ("param_plan", "param_regime", "param_day"):
            value = self.kpis.get(key)
            if value not in (None, ""):
                words.append(f"{key.removeprefix('param_')} {value}")
        return " · ".join(w for w in words if w)


def read_run(folder: str | os.PathLike, name: str = "") -> RunFolder:
    """Read a run folder written by ``solve``, ``evaluate``, ``route`` or ``consolidate``.

    ``name`` names the run in the report (default: the folder's name).

    Raises
    ------
    RunFolderError
        If ``folder`` has no ``kpis.json``.
    """
    from results.runstore import resolve_run

    path = resolve_run(str(folder))  # STORE:RUN_ID: the run's folder in a run store
    kpis_file = path / "kpis.json"
    if not kpis_file.is_file():
        got = "a folder without kpis.json" if path.is_dir() else "nothing there"
        raise RunFolderError(f"{path}: RUN: expected a run folder (with kpis.json), got {got}")
    kpis = json.loads(kpis_file.read_text())
    tables = {}
    for table in TABLES:
        parquet, csv = path / f"{table}.parquet", path / f"{table}.csv"
        if parquet.is_file():
            tables[table] = pd.read_parquet(parquet)
        elif csv.is_file():
            try:
                tables[table] = unshield_frame(pd.read_csv(csv))  # as meant
            except pd.errors.EmptyDataError:  # a table with no rows and no columns
                tables[table] = pd.DataFrame()
    documents = {
        p.stem: json.loads(p.read_text()) for p in sorted(path.glob("*.json")) if p != kpis_file
    }
    return RunFolder(path, kpis, tables, read_geopackage(path / GEOPACKAGE), documents, name)
