"""The console and the exit codes every ``coldchain`` command shares (a leaf module).

Exit codes (DESIGN.md): 0 done (also a time limit with a plan in hand), 2 invalid input,
3 infeasible (``diagnosis.json`` says what cannot be met), 4 a solver or backend
missing, 1 anything else.
"""

from __future__ import annotations

import sys
from enum import IntEnum

from rich.console import Console
from rich.table import Table


class ExitCode(IntEnum):
    """Exit status of every ``coldchain`` command."""

    OK = 0
    ERROR = 1
    INVALID_INPUT = 2
    INFEASIBLE = 3
    SOLVER_MISSING = 4


#: Output piped to a file or another program is not cut to 80 columns (Rich's width
#: when it sees no terminal), which folded table headers and numbers mid-word.
PIPED_WIDTH = 240

console = Console(highlight=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
error_console = Console(
    stderr=True, highlight=False, width=None if sys.stderr.isatty() else PIPED_WIDTH
)


def _table(title: str, frame) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(
            str(column), justify="right" if frame[column].dtype.kind in "if" else "left"
        )
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    return table
