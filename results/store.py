"""Run folders: every command writes into its own new ``--out`` folder, atomically.

A run is written into a hidden temporary folder beside the target and renamed into
place only when everything succeeded, so a failed run leaves nothing half-written. The
place is claimed first (:mod:`results._claim`: ``.NAME.claim``, atomic), so that of two
runs racing for one ``--out`` the second stops at once (exit 2) instead of failing when
it renames; a claim whose process is dead is swept with its temporary folders.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import platform
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from networks.errors import ColdchainError
from networks.spreadsheet import shield_frame
from results import _claim
from results._claim import OutputClaimedError as OutputClaimedError  # re-exported

if TYPE_CHECKING:
    from networks.network import Network

_VERSIONED = ("coldchain", "ortools", "pulp", "highspy", "pyvrp", "pandas", "geopandas")


class RunFolderExistsError(ColdchainError, FileExistsError):
    """The ``--out`` folder exists already; a run never overwrites another."""


class RunFolderError(ColdchainError, ValueError):
    """A folder given as a run (``coldchain report RUN``) is not one: no ``kpis.json``."""


def package_versions() -> dict[str, str]:
    """Versions of coldchain and the libraries whose behaviour shapes a result."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_metadata() -> dict[str, str]:
    """A new run id, the UTC time and the package versions, flattened for ``kpis.json``."""
    meta = {
        "run_id": uuid.uuid4().hex[:12],
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    meta.update({f"version_{k}": v for k, v in package_versions().items()})
    return meta


def _clean_json(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _clean_json(value.item())
    return value


def _json_text(data: dict) -> str:
    """Indented JSON of ``data``, NaN and infinity as null, with a final newline."""
    return json.dumps(_clean_json(data), indent=2) + "\n"


def refuse_existing_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path``, unless something is there already (a run never overwrites another).

    ``what`` names the thing expected in the message (``file``, ``folder``).

    Raises
    ------
    RunFolderExistsError
        If ``path`` exists.
    """
    path = Path(path)
    if path.exists():
        raise RunFolderExistsError(
            f"{path}: --out: expected a new {what}, got one that exists (a run never "
            "overwrites another; choose another name)"
        )
    return path


class OutputLocationError(ColdchainError, PermissionError):
    """``--out`` names a place no run can be written to (checked before any work)."""


def refuse_unwritable(path: str | os.PathLike) -> Path:
    """``path``, if a new file or folder can be made there; checked before any solving.

    The nearest folder above ``path`` that exists must be a folder this process may write
    in; every level between it and ``path`` must be missing (they will be made), not a
    file. A run that would only fail when it writes, after minutes of solving, stops at
    once instead.

    Raises
    ------
    OutputLocationError
        Naming the level that is in the way.
    """
    path = Path(path).absolute()
    for above in path.parents:
        if not above.exists():
            continue
        if not above.is_dir():
            raise OutputLocationError(
                f"{path}: --out: expected a path under folders, got {above}, a file"
            )
        if not os.access(above, os.W_OK | os.X_OK):
            raise OutputLocationError(
                f"{path}: --out: expected a folder you may write in, got {above}, which you may not"
            )
        break
    return path


def _write_new_file(path: str | os.PathLike, write) -> Path:
    """Write a new file through a temporary one beside it: whole or not at all."""
    path = refuse_existing_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "w", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` (without its index) to a new CSV file, atomically.

    Raises
    ------
    RunFolderExistsError
        If the file exists already.
    """
    return _write_new_file(path, lambda handle: shield_frame(frame).to_csv(handle, index=False))


def write_json_atomic(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as indented JSON (NaN and infinity: null) to a new file, atomically."""
    text = _json_text(data)
    return _write_new_file(path, lambda handle: handle.write(text))


def machine_description() -> dict[str, Any]:
    """The machine a run measured its seconds on: platform, cores, memory."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        memory_gb = math.nan
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "memory_gb": round(memory_gb, 1),
    }


class RunWriter:
    """Write a run folder (or a bench table and its record) atomically.

    Parameters
    ----------
    out
        The folder to create. It must not exist yet.
    files
        Write files beside ``out`` instead of a folder: ``out`` names the first (a bench
        table, ``FILE.csv``); every file written goes beside it under its own name
        (``FILE.run.json``), all of them or none.

    Notes
    -----
    On entering, ``out`` is claimed for this process (unless it holds the claim already:
    the command line claims ``--out`` before any work), dead runs' claims in its folder
    are swept, and a temporary folder ``.NAME.run-*`` is made beside it. On leaving
    without an exception its contents are renamed into place (a folder: in one rename;
    files: one by one, the ones already moved taken back if a later one fails); with one,
    or if the renaming fails, nothing is left. The claim taken here is released.

    Examples
    --------
    >>> with RunWriter(tmp / "run1") as run:  # doctest: +SKIP
    ...     run.write_json("kpis.json", {"total_cost": 1.0})
    """

    def __init__(self, out: str | os.PathLike, files: bool = False):
        self.out = Path(out)
        self.files = files
        self._tmp: Path | None = None
        self._claimed = False

    def __enter__(self) -> RunWriter:
        if not _claim.holds(self.out):
            _claim.acquire(self.out)
            self._claimed = True
        try:
            refuse_existing_file(self.out, "file" if self.files else "folder")
            self._tmp = Path(
                tempfile.mkdtemp(prefix=_claim.temp_prefix(self.out), dir=self.out.parent)
            )
        except BaseException:
            self._release()
            raise
        return self

    @property
    def folder(self) -> Path:
        """The temporary folder being written (renamed to ``out`` on success)."""
        assert self._tmp is not None, "use RunWriter as a context manager"
        return self._tmp

    def write_json(self, name: str, data: dict) -> Path:
        """Write ``data`` as indented JSON (NaN and infinity become null)."""
        path = self.folder / name
        path.write_text(_json_text(data))
        return path

    def write_table(self, name: str, frame: pd.DataFrame, parquet: bool = True) -> Path:
        """Write ``frame`` as ``name.csv`` and ``name.parquet``.

        In the CSV, a text cell a spreadsheet would run as a formula is marked as text
        (:func:`networks.spreadsheet.shield`); the Parquet file keeps the raw value.
        pyarrow is a dependency: a missing one is an error, never a silently skipped file.
        """
        path = self.folder / f"{name}.csv"
        shield_frame(frame).to_csv(path, index=False)  # text a spreadsheet would run: marked
        if parquet:
            frame.to_parquet(self.folder / f"{name}.parquet", index=False)
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file (UTF-8)."""
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._tmp is None:
            return
        try:
            if exc_type is None:
                self._move_into_place()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._release()

    def _move_into_place(self) -> None:
        umask = os.umask(0)
        os.umask(umask)
        if not self.files:
            os.chmod(self._tmp, 0o777 & ~umask)  # as mkdir would make it, not mkdtemp's 0700
            os.replace(self._tmp, self.out)
            return
        written = sorted(self._tmp.iterdir(), key=lambda p: (p.name != self.out.name, p.name))
        moved: list[Path] = []
        try:
            for path in written:
                target = refuse_existing_file(self.out.with_name(path.name))
                os.chmod(path, 0o666 & ~umask)
                os.replace(path, target)
                moved.append(target)
        except BaseException:
            for target in moved:  # all of them or none
                target.unlink(missing_ok=True)
            raise

    def _release(self) -> None:
        if self._claimed:
            _claim.release(self.out)
            self._claimed = False


@contextlib.contextmanager
def claimed(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the claim on ``out`` for the block (the command line: before any work).

    Raises
    ------
    OutputClaimedError
        If another run, still running, holds it (exit 2).
    """
    if _claim.holds(out):
        yield Path(out)
        return
    _claim.acquire(out)
    try:
        yield Path(out)
    finally:
        _claim.release(out)


def write_table_run(out: str | os.PathLike, frame: pd.DataFrame, record: dict) -> Path:
    """Write a bench table ``out`` (CSV) and its run record beside it, together or not at all.

    The record is ``out``'s stem plus ``.run.json`` (``b.csv``: ``b.run.json``).

    Raises
    ------
    RunFolderExistsError
        If the table or its record exists already.
    """
    out = Path(out)
    record_name = out.stem + ".run.json"
    refuse_existing_file(out.with_name(record_name))
    with RunWriter(out, files=True) as run:
        shield_frame(frame).to_csv(run.folder / out.name, index=False)
        run.write_json(record_name, record)
    return out


def write_run(
    out: str | os.PathLike,
    header: dict,
    kpis: dict,
    tables: dict[str, pd.DataFrame] | None = None,
    documents: dict[str, dict] | None = None,
    network: Network | None = None,
    report: bool = True,
    interrupted: bool = False,
) -> Path:
    """Write one command's run folder atomically: ``kpis.json``, tables, map and report.

    Every command writes through this one call, so that ``kpis.json`` is always the run
    record (``header``, from :func:`results.runs.run_header`) followed by the result's
    own ``kpis()``, and nothing else.

    Parameters
    ----------
    out
        The new folder (it must not exist).
    header
        The run record: command, scenario, parameters, versions, run id and time.
    kpis
        The result's ``kpis()``.
    tables
        Named tables (a result's ``to_frames()``), each written as CSV and Parquet.
    documents
        Other JSON files by file name (``diagnosis.json``).
    network
        The scenario the run was made on: with it, ``network.gpkg`` (the nodes, the legs
        used and the flows, :func:`results.gis.run_layers`) is written too.
    report
        Write ``report.html`` (:func:`results.report.write_report`), built from the files
        just written, inside the same atomic write (``--no-report``: ``False``; the
        runs inside a study's run store are meant to pass ``False`` too: the issue asks
        for a report per command's folder, and ``coldchain report`` compares runs).
    interrupted
        The run a stop request (Ctrl-C, SIGTERM) ended: neither ``network.gpkg`` nor
        ``report.html`` is written (together a second or more on a 500-village
        scenario, and the command must end within 2 s of the signal);
        ``coldchain report RUN --out DIR`` draws its report afterwards.

    Returns
    -------
    Path
        The folder written.
    """
    drawn = not interrupted
    with RunWriter(out) as run:
        run.write_json("kpis.json", {**header, **kpis})
        for name, frame in (tables or {}).items():
            run.write_table(name, frame)
        for name, data in (documents or {}).items():
            run.write_json(name, data)
        if network is not None and drawn:
            from results.gis import GEOPACKAGE, run_layers, write_geopackage

            write_geopackage(run_layers(network, tables or {}), run.folder / GEOPACKAGE)
        if report and drawn:
            from results.report import write_report

            write_report(run.folder, name=Path(out).name)
    return Path(out)
