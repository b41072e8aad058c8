"""What every run records beside its results: scenario, parameters, versions, time."""

from __future__ import annotations

from typing import Any

from networks.network import Network
from results.store import run_metadata


def run_header(network: Network, command: str, **parameters: Any) -> dict[str, Any]:
    """The flat header of a run's ``kpis.json``.

    Parameters
    ----------
    network
        The scenario the run read.
    command
        The command (``solve``, ``evaluate``, ...).
    **parameters
        The run's parameters (regime, solver, seed, limits...), recorded as given.

    Returns
    -------
    dict
        ``run_id``, ``created_utc``, ``command``, ``scenario``, ``scenario_hash``,
        ``param_*`` entries and ``version_*`` entries.
    """
    header: dict[str, Any] = {
        "command": command,
        "scenario": network.name,
        "scenario_hash": network.content_hash,
    }
    header.update(run_metadata())
    header.update({f"param_{k}": v for k, v in parameters.items()})
    return header


#: Keys of the run record that are not prefixed (``version_*`` and ``param_*`` are).
RECORD_KEYS = ("command", "scenario", "scenario_hash", "run_id", "created_utc")


def run_figures(kpis: dict[str, Any], timings: bool = True) -> dict[str, Any]:
    """A run's ``kpis.json`` without its run record: what the result itself reported.

    Parameters
    ----------
    kpis
        The contents of a run's ``kpis.json``.
    timings
        Keep the wall-clock keys (``seconds``, ``*_seconds``); ``False`` drops them, to
        compare two runs of the same solve.

    Returns
    -------
    dict
        Every key but the run record's (command, scenario, hash, run id, time,
        ``version_*``, ``param_*``), in the file's order.
    """
    return {
        key: value
        for key, value in kpis.items()
        if key not in RECORD_KEYS
        and not key.startswith(("version_", "param_"))
        and (timings or not (key == "seconds" or key.endswith("_seconds")))
    }
