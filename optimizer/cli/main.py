"""The ``coldchain`` command: parses arguments, calls library functions, renders results.

Exit codes (DESIGN.md): 0 done (also a time limit with a plan in hand), 2 invalid input,
3 infeasible (``diagnosis.json`` says what cannot be met), 4 a solver or backend
missing, 130 interrupted, 1 anything else.

SIGINT (Ctrl-C) and SIGTERM stop every command with exit 130 and one line, never a
traceback (:mod:`optimizer.backends.interrupt` says how): a ``solve`` or ``route``
interrupted with a plan in hand writes it, with ``limit: interrupted`` (without the map
and the report, which take a second or more); otherwise nothing is written, and no
worker or solver process outlives the command. Only ``highs`` and ``cbc`` are run, the
solvers that a signal can stop (``--solver`` refuses any other).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

# Only the standard library above: the rest is imported once main() has put its signal
# handlers in place, so that a Ctrl-C during the second of imports ends with one line
# and exit 130, not a KeyboardInterrupt traceback.

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop_while_starting(signum: int, frame) -> None:
    """A signal before the command has done anything: one line, exit 130."""
    sys.stderr.write(f"interrupted by {signal.Signals(signum).name}: nothing written\n")
    raise SystemExit(130)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="coldchain",
        description="Plan perishable, cross-border supply chains: hub location and sizing "
        "(solve), collection routing (route), corridors from a village to a market "
        "(corridors), 3PL consolidation and fair cost sharing "
        "(consolidate), plan evaluation (evaluate) and benchmarks (bench).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    from optimizer.cli import (
        bench,
        consolidate,
        corridors,
        evaluate,
        generate,
        regimes,
        report,
        route,
        runs,
        shelf_life,
        show,
        solve,
        sweep,
        validate,
    )
    from optimizer.cli import list as list_command

    for command in (
        list_command,
        validate,
        show,
        solve,
        evaluate,
        route,
        corridors,
        consolidate,
        sweep,
        runs,
        report,
        regimes,
        shelf_life,
        generate,
        bench,
    ):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``coldchain`` command; returns (and exits with) its exit code."""
    if argv is None and threading.current_thread() is threading.main_thread():
        for s in _SIGNALS:  # until interrupt.install() below (an ignored one stays so)
            if signal.getsignal(s) is not signal.SIG_IGN:
                signal.signal(s, _stop_while_starting)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed, for run records
    from optimizer.backends import interrupt

    restore_signals = interrupt.install()
    try:
        code = _run(args)
    finally:
        restore_signals()
    if argv is None:
        if code == 130:  # ExitCode.INTERRUPTED
            _exit_now(code)
        sys.exit(code)
    return code


def _exit_now(code: int) -> None:
    """End the process at once, its output flushed: an interrupted command is done.

    Everything it writes is written (run folders atomically, inside the command) and its
    workers are gone; what is left, the interpreter freeing the models and tables it
    held, took up to 0.9 s of the 2 s a signal allows (a 500-village solve).
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; map what it raises to one message and an exit code."""
    from networks.errors import ColdchainError, ScenarioError, SolverUnavailableError
    from optimizer.backends import interrupt
    from optimizer.backends.executor import ExecutorError
    from optimizer.cli.console import ExitCode, error_console
    from results.store import (
        OutputClaimedError,
        OutputLocationError,
        RunFolderError,
        RunFolderExistsError,
        claimed,
        refuse_existing_file,
        refuse_unwritable,
    )

    try:
        out = getattr(args, "out", None)
        if out:
            # a run folder that exists, a place no run can be written to, or one that
            # another run is writing, stops the run before any solving, not after it
            refuse_unwritable(out)
            # a bench table may sit in a folder of others; a study resumed continues
            # its own store (under the same claim)
            if getattr(args, "command", None) != "bench" and not getattr(args, "resume", False):
                refuse_existing_file(out, "folder")
        with claimed(out) if out else contextlib.nullcontext():
            code = int(args.func(args))
        if interrupt.stop_requested():  # a solve stopped early; what it found is written
            if code != ExitCode.INTERRUPTED:  # a sweep said what it kept (--resume) itself
                error_console.print(f"interrupted by {_signal_name()}{_kept(out)}", soft_wrap=True)
            code = ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        error_console.print(f"interrupted by {_signal_name()}: nothing written", soft_wrap=True)
        code = ExitCode.INTERRUPTED
    except ScenarioError as exc:
        for problem in exc.problems:
            error_console.print(str(problem), soft_wrap=True)
        code = ExitCode.INVALID_INPUT
    except (
        RunFolderExistsError,
        OutputLocationError,
        OutputClaimedError,
        RunFolderError,
        ExecutorError,  # a --scheduler that cannot be used
    ) as exc:
        error_console.print(str(exc), soft_wrap=True)
        code = ExitCode.INVALID_INPUT
    except OSError as exc:  # a write that failed anyway (a full disk): one line, no trace
        where = f"{exc.filename or out}: " if exc.filename or out else ""
        error_console.print(f"error: {where}{exc.strerror or exc}", soft_wrap=True)
        code = ExitCode.ERROR
    except SolverUnavailableError as exc:
        error_console.print(str(exc), soft_wrap=True)
        code = ExitCode.SOLVER_MISSING
    except ColdchainError as exc:
        error_console.print(f"error: {exc}", soft_wrap=True)
        code = ExitCode.ERROR
    return code


def _kept(out: str | None) -> str:
    """What an interrupted command that ended normally left: its run folder, or nothing."""
    if out and os.path.isfile(os.path.join(out, "kpis.json")):
        return f": the plan found so far is in {out} (no network.gpkg or report.html)"
    return ": nothing written"


def _signal_name() -> str:
    """The name of the signal that stopped the run (Ctrl-C's, if none was recorded)."""
    from optimizer.backends import interrupt

    return signal.Signals(interrupt.stop_signal() or signal.SIGINT).name


if __name__ == "__main__":
    main()
