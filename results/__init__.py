"""Evaluation, KPIs and run folders: pure functions of (network, plan).

``results`` imports ``networks`` only, never ``optimizer``.
"""

from results.evaluate import Evaluation, check_plan, evaluate
from results.store import RunWriter

__all__ = ["Evaluation", "RunWriter", "check_plan", "evaluate"]
