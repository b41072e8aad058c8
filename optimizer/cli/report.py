"""The ``report`` command: one run's report, or several runs compared, as one HTML file."""

from __future__ import annotations

import argparse


def export_formats(text: str) -> list[str]:
    """``png``, ``svg`` or both, comma-separated."""
    from results.report.export import FORMATS

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    if not formats or any(f not in FORMATS for f in formats):
        raise argparse.ArgumentTypeError(f"expected png, svg or png,svg, got {text!r}")
    return list(dict.fromkeys(formats))


def cmd_report(args: argparse.Namespace) -> int:
    """Write ``OUT/report.html`` (with ``--export``, ``OUT/figures/KEY.FORMAT`` too)."""
    from optimizer.cli.console import ExitCode, console
    from results.report import write_comparison

    path = write_comparison(args.runs, args.out, export=args.export)
    console.print(f"{len(args.runs)} run{'s' if len(args.runs) > 1 else ''} -> {path}")
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``report`` to the command line."""
    p = sub.add_parser(
        "report",
        help="one run's report.html again, or several runs compared (figures side by side "
        "with differences, maps next to each other)",
    )
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folders (the first is the base)")
    p.add_argument("--out", required=True, help="a new folder for report.html")
    p.add_argument(
        "--export",
        type=export_formats,
        default=None,
        help="also write each chart and map as OUT/figures/KEY.png or .svg (png, svg or "
        "png,svg; needs kaleido and Chrome or Chromium)",
    )
    p.set_defaults(func=cmd_report)
