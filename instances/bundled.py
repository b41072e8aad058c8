"""Bundled scenarios, shipped as package data and addressed by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from networks.errors import Problem, ScenarioError
from networks.network import Network


def _data_root() -> Path:
    return Path(str(resources.files("instances") / "data"))


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names and their folders."""
    root = _data_root()
    return {p.name: p for p in sorted(root.iterdir()) if (p / "scenario.toml").is_file()}


def scenario_folder(scenario: str | Path) -> Path:
    """The folder of ``scenario``: a bundled scenario's name, or a folder path.

    Raises
    ------
    ScenarioError
        If it is neither.
    """
    path = Path(scenario)
    if path.is_dir():
        return path
    bundled = bundled_scenarios()
    if str(scenario) in bundled:
        return bundled[str(scenario)]
    names = ", ".join(bundled)
    raise ScenarioError(
        Problem(
            str(scenario),
            "SCENARIO",
            f"a bundled scenario ({names}) or a scenario folder",
            "neither",
        )
    )


def load_scenario(scenario: str | Path) -> Network:
    """Load a bundled scenario by name, or any scenario folder by path.

    Parameters
    ----------
    scenario
        ``tiny``, ``xiangxi-kiwi``, ... or a path to a folder with ``scenario.toml``.

    Returns
    -------
    Network
        The validated network.

    Examples
    --------
    >>> network = load_scenario("tiny")
    >>> sorted({n.kind for n in network.nodes.values()})[:2]
    ['bonded_zone', 'county_hub']
    """
    from instances.scenario import load_folder

    folder = scenario_folder(scenario)
    try:
        return load_folder(folder)
    except ScenarioError as exc:
        if folder.is_relative_to(_data_root()):
            raise
        raise type(exc)(exc.problems) from None
