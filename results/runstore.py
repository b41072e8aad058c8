"""The run store: a study's many runs in one folder, queryable as one Parquet dataset.

Layout of a store ``STORE/``::

    store.json               what the study is (scenario, plan, levers, draws, seed)
    runs/RUN_ID/             each run's folder, as ``coldchain solve`` or ``evaluate``
                             writes one (kpis.json, tables as CSV and Parquet), no report
    index/RUN_ID.parquet     each run's one-row record: run id, status, limit, the
                             parameters (param_*), the lever values (lever_*) and the
                             scalar KPIs

Why Parquet files and not one database: runs are written by many processes at once (a
sweep's writer, a second study resumed on another machine, tests), and a run is never
changed after it is written. One file per run, written to a temporary name and renamed
(atomic on one file system), needs no lock and loses nothing when writers race; a reader
sees a run whole or not at all. :meth:`RunStore.index` reads the ``index/`` files as one
table (``coldchain runs STORE --export runs.parquet`` writes it as one file for other
tools; the files' column types may differ where a run left a parameter empty, so a
reader of the folder itself must unify them, as DuckDB's ``union_by_name`` does).
DuckDB as the store itself would allow one writing process at a time.

A run is named by its id (:func:`run_key`: a hash of what it varies, so a resumed
study finds the runs it already has). ``coldchain report STORE:RUN_ID`` reads the run's
folder (:func:`resolve_run`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from results.store import RunFolderError, RunWriter, _json_text

#: The store's own description file.
STORE_FILE = "store.json"
#: Format name and version written into ``store.json``.
STORE_FORMAT = "coldchain-run-store"
STORE_VERSION = 1


class RunStoreError(RunFolderError):
    """A folder given as a run store is not one (exit 2)."""


def run_key(spec: dict[str, Any]) -> str:
    """A run's id: 12 hex digits of the SHA-256 of its canonical JSON ``spec``."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a run store (has ``store.json``)."""
    return (Path(path) / STORE_FILE).is_file()


def _atomic_bytes(path: Path, write) -> None:
    """Write ``path`` through a temporary file beside it, renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunStore:
    """A study's run store (see the module docstring).

    Parameters
    ----------
    path
        The store's folder.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # --- creating and opening ---------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike, study: dict[str, Any]) -> RunStore:
        """Make a new store describing ``study`` (the folder must not hold one yet)."""
        store = cls(path)
        store.path.mkdir(parents=True, exist_ok=True)
        (store.path / "runs").mkdir(exist_ok=True)
        (store.path / "index").mkdir(exist_ok=True)
        description = {
            "format": STORE_FORMAT,
            "version": STORE_VERSION,
            "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "study": study,
        }
        target = store.path / STORE_FILE
        _atomic_bytes(target, lambda tmp: Path(tmp).write_text(_json_text(description)))
        return store

    @classmethod
    def open(cls, path: str | os.PathLike) -> RunStore:
        """An existing store.

        Raises
        ------
        RunStoreError
            If ``path`` holds no ``store.json`` of this format.
        """
        store = cls(path)
        file = store.path / STORE_FILE
        if not file.is_file():
            raise RunStoreError(
                f"{store.path}: STORE: expected a run store (with {STORE_FILE}), got "
                + ("a folder without it" if store.path.is_dir() else "nothing there")
            )
        try:
            description = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise RunStoreError(
                f"{file}:{exc.lineno}: expected JSON, got {exc.msg.lower()}"
            ) from None
        if description.get("format") != STORE_FORMAT:
            raise RunStoreError(
                f"{file}: format: expected {STORE_FORMAT!r}, got {description.get('format')!r}"
            )
        return store

    @property
    def description(self) -> dict[str, Any]:
        """``store.json``'s contents."""
        return json.loads((self.path / STORE_FILE).read_text())

    @property
    def study(self) -> dict[str, Any]:
        """The study the store was made for (what ``--resume`` must match)."""
        return self.description.get("study", {})

    # --- writing --------------------------------------------------------------------------
    def folder(self, run_id: str) -> Path:
        """The folder of run ``run_id``."""
        return self.path / "runs" / run_id

    def write_result(self, run_id: str, result: dict[str, Any]) -> Path:
        """Write a sweep task's result (``record``, ``kpis``, ``tables``, ``documents``)."""
        return self.write(
            run_id, result["record"], result["kpis"], result["tables"], result["documents"]
        )

    def write(
        self,
        run_id: str,
        record: dict[str, Any],
        kpis: dict[str, Any],
        tables: dict[str, pd.DataFrame] | None = None,
        documents: dict[str, dict] | None = None,
    ) -> Path:
        """Write one run: its folder first, then its index row (the row says it is whole).

        Safe from many processes at once: each run is its own folder and its own index
        file, both written under temporary names and renamed into place.

        Parameters
        ----------
        run_id
            The run's id (:func:`run_key`); a run already in the store is an error.
        record
            The run record (:func:`results.runs.run_header`, its ``run_id`` replaced by
            ``run_id``) and the run's ``lever_*`` values.
        kpis
            The result's KPIs (``kpis.json`` after the record).
        tables, documents
            Its tables (CSV and Parquet) and other JSON files.
        """
        record = {**record, "run_id": run_id}
        with RunWriter(self.folder(run_id)) as run:
            run.write_json("kpis.json", {**record, **kpis})
            for name, frame in (tables or {}).items():
                run.write_table(name, frame)
            for name, data in (documents or {}).items():
                run.write_json(name, data)
        row = {**record, **{k: v for k, v in kpis.items() if _scalar(v)}}
        frame = pd.DataFrame([{k: _cell(v) for k, v in row.items()}])
        index = self.path / "index" / f"{run_id}.parquet"
        _atomic_bytes(index, lambda tmp: frame.to_parquet(tmp, index=False))
        return self.folder(run_id)

    # --- reading ----------------------------------------------------------------------
    def run_ids(self) -> set[str]:
        """The ids of the runs written whole (those with an index row)."""
        return {p.stem for p in (self.path / "index").glob("*.parquet")}

    def index(self) -> pd.DataFrame:
        """Every run's index row, one frame (runs in the order they were written)."""
        files = sorted((self.path / "index").glob("*.parquet"))
        if not files:
            return pd.DataFrame(columns=["run_id", "status"])
        frames = [pd.read_parquet(f) for f in files]
        frame = pd.concat([f.dropna(axis=1, how="all") for f in frames], ignore_index=True)
        if "created_utc" in frame:
            frame = frame.sort_values(["created_utc", "run_id"], kind="stable")
        return frame.reset_index(drop=True)

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (``flows``, ``hubs``...) of every run, with a ``run_id`` column."""
        frames = []
        for run_id in sorted(self.run_ids()):
            file = self.folder(run_id) / f"{name}.parquet"
            if file.is_file():
                frames.append(pd.read_parquet(file).assign(run_id=run_id))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float) or hasattr(value, "item")


def _cell(value: Any) -> Any:
    """A value as one Parquet cell (enums as their text, numpy scalars as Python's).

    NaN stays a float (a missing number is a double column, not a null one, in every
    run's file).
    """
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        return str(value)  # a StrEnum's plain text
    return value


def resolve_run(text: str) -> Path:
    """The run folder ``text`` names: ``STORE:RUN_ID`` in a run store, or a folder as is.

    Raises
    ------
    RunFolderError
        If ``STORE`` is a store without run ``RUN_ID`` (with the ids it has, if few).
    """
    path = Path(text)
    if path.exists() or ":" not in text:
        return path
    store_text, run_id = text.rsplit(":", 1)
    if not is_store(store_text):
        return path
    store = RunStore(store_text)
    folder = store.folder(run_id)
    if not (folder / "kpis.json").is_file():
        ids = sorted(store.run_ids())
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise RunFolderError(
            f"{text}: RUN: expected a run id of the store {store_text} "
            f"({len(ids)} runs{': ' + shown if ids else ''}), got {run_id!r}"
        )
    return folder
