"""Scenario files, bundled scenarios, generators and benchmark readers -> networks objects."""

from instances.bundled import bundled_scenarios, load_scenario, scenario_folder
from instances.generator import generate, generate_network
from instances.scenario import load_folder

__all__ = [
    "bundled_scenarios",
    "generate",
    "generate_network",
    "load_folder",
    "load_scenario",
    "scenario_folder",
]
