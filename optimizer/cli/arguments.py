"""Argument types of the ``coldchain`` command line: a bad value stops with exit 2.

argparse reports a type's ``ArgumentTypeError`` as ``argument --NAME: MESSAGE`` and
exits with code 2, the code of every invalid input.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence


def int_list(text: str) -> list[int]:
    """Comma-separated integers >= 1 (``100,500,2000``)."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected integers separated by commas, like 100,500,2000, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def at_least(low: int) -> Callable[[str], int]:
    """An integer of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    return parse


def number_at_least(low: float, above: bool = False) -> Callable[[str], float]:
    """A finite number of at least ``low`` (greater than ``low`` where ``above``)."""
    relation = ">" if above else ">="

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (above and value == low):
            raise argparse.ArgumentTypeError(f"expected a number {relation} {low:g}, got {text}")
        return value

    return parse


def solver(text: str) -> str:
    """A solver coldchain runs: ``highs`` or ``cbc`` (any case, or PuLP's class name)."""
    from networks.errors import SolverUnavailableError
    from optimizer.backends.mip import solver_name

    try:
        return solver_name(text)
    except SolverUnavailableError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def choice_list(choices: Sequence[str]) -> Callable[[str], str]:
    """One or more of ``choices``, comma-separated (``air,ca``); returned as given."""

    def parse(text: str) -> str:
        wrong = [v for v in text.split(",") if v.strip() not in choices]
        if wrong or not text.strip():
            raise argparse.ArgumentTypeError(
                f"expected one or more of {', '.join(choices)}, comma-separated, got {text!r}"
            )
        return text

    return parse


def add_scenario_sizes(
    parser: argparse.ArgumentParser,
    hubs: int,
    weeks: int,
    markets: int | None,
    products: bool = True,
) -> None:
    """``--hubs``, ``--weeks``, ``--markets`` (and ``--products``) of a generated scenario.

    One definition for ``generate``, ``bench scale`` and ``bench consolidate``, so that
    the same size is checked alike everywhere (``markets`` ``None``: the generator's;
    ``products`` False where the command generates one product only).
    """
    parser.add_argument(
        "--hubs", type=at_least(1), default=hubs, help=f"hub candidates (default {hubs})"
    )
    parser.add_argument("--weeks", type=at_least(1), default=weeks, help=f"weeks (default {weeks})")
    if products:
        parser.add_argument(
            "--products", type=int, choices=(1, 2, 3), default=1, help="products (default 1)"
        )
    parser.add_argument(
        "--markets",
        type=int,
        choices=range(1, 8),
        default=markets,
        metavar="{1..7}",
        help="markets, the domestic one included (default "
        + ("the generator's" if markets is None else str(markets))
        + ")",
    )


#: ``--gap``: a relative MIP gap (0 or more).
gap_fraction = number_at_least(0.0)
#: ``--time-limit``: seconds (more than 0).
seconds = number_at_least(0.0, above=True)


def add_report_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-report``: leave ``report.html`` out of the run folder."""
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="write no report.html (network.gpkg and the tables are written all the same)",
    )


def scheduler_address(text: str) -> str:
    """``local:N`` (N >= 1) or a Dask scheduler's address (``tcp://host:8786``)."""
    if text.startswith("local:"):
        count = text[len("local:") :]
        if not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(
                f"expected local:N with N >= 1 workers, or a scheduler address, got {text!r}"
            )
    elif not text.strip() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"expected local:N or a scheduler address like tcp://host:8786, got {text!r}"
        )
    return text


def add_scheduler_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--scheduler``: run the solves on a Dask cluster instead of the local pool."""
    parser.add_argument(
        "--scheduler",
        type=scheduler_address,
        default=None,
        metavar="ADDRESS",
        help="run the solves on a Dask cluster: a scheduler's address (tcp://host:8786; "
        "its workers stay up) or local:N to start N local workers for this run "
        "(needs coldchain[dask]; default: the local process pool of --workers)",
    )
