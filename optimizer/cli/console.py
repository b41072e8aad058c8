r"""The console and the exit codes every ``coldchain`` command shares (a leaf module).

Exit codes (DESIGN.md): 0 done (also a time limit with a plan in hand), 2 invalid input,
3 infeasible (``diagnosis.json`` says what cannot be met), 4 a solver or backend
missing, 130 interrupted (Ctrl-C or SIGTERM), 1 anything else.

Everything the consoles print is printed literally: what they print holds ids, file
names and cells that other people wrote, so Rich markup (``[bold]``) and emoji codes
(``demand.csv:100: tonnes`` would show a 💯) are never interpreted, and control
characters (an escape sequence that clears the screen, a newline that forges a line)
are shown escaped, as ``repr`` shows them (:func:`literal`). A command that prints
several lines passes them as separate objects (``console.print(*lines, sep="\n")``).
"""

from __future__ import annotations

import sys
from enum import IntEnum

from rich.console import Console
from rich.table import Table
from rich.text import Text


class ExitCode(IntEnum):
    """Exit status of every ``coldchain`` command."""

    OK = 0
    ERROR = 1
    INVALID_INPUT = 2
    INFEASIBLE = 3
    SOLVER_MISSING = 4
    INTERRUPTED = 130


#: Output piped to a file or another program is not cut to 80 columns (Rich's width
#: when it sees no terminal), which folded table headers and numbers mid-word.
PIPED_WIDTH = 240


def literal(text: str) -> str:
    r"""``text`` with every character that is not printable escaped as ``repr`` escapes it.

    Control characters (escape sequences, newlines, carriage returns, tabs) and other
    non-printable characters (line and paragraph separators, bidirectional overrides)
    become ``\x1b``, ``\n``, ``\u2028``...; a backslash stays as it is.

    Examples
    --------
    >>> print(literal("id\x1b[2J\nFORGED"))
    id\x1b[2J\nFORGED
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class LiteralConsole(Console):
    """A Rich console that prints every string literally (see the module docstring).

    Markup, emoji codes and highlighting are off whatever a caller asks, and each
    string (a message, a table cell, a title) goes through :func:`literal`. Styled
    :class:`rich.text.Text` passed in by the program itself is left alone.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs) -> Text:
        """Render ``text`` as plain, escaped text."""
        kwargs.update(markup=False, emoji=False, highlight=False)
        return super().render_str(literal(text), **kwargs)


console = LiteralConsole(width=None if sys.stdout.isatty() else PIPED_WIDTH)
error_console = LiteralConsole(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)


def _table(title: str, frame) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(
            str(column), justify="right" if frame[column].dtype.kind in "if" else "left"
        )
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    return table


def progress_bar(eta: bool = False):
    """The progress bar of a command that counts tasks (rich, on stderr, gone when done).

    Description, bar, tasks done of all, time elapsed, and with ``eta`` the time left.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    return Progress(
        "[progress.description]{task.description}", *columns, console=error_console, transient=True
    )
