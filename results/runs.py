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
