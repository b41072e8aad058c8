"""Scenario files, plan files, bundled scenarios, generators, benchmark readers -> networks."""

from instances.bundled import bundled_scenarios, load_scenario, scenario_folder
from instances.generator import generate, generate_network
from instances.plans import plan_file, read_plan, write_plan
from instances.scenario import load_folder

__all__ = [
    "bundled_scenarios",
    "generate",
    "generate_network",
    "load_folder",
    "load_scenario",
    "plan_file",
    "read_plan",
    "scenario_folder",
    "write_plan",
]
