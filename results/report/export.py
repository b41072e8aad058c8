"""Static export for papers: each figure of a report as PNG or SVG files.

plotly renders static images through Kaleido, which drives a Chrome or Chromium
installed on the machine (Debian's ``chromium`` will do); both are needed only here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from networks.errors import SolverUnavailableError

#: Formats ``--export`` takes.
FORMATS = ("png", "svg")


class ExportUnavailableError(SolverUnavailableError):
    """Static export needs Kaleido and a Chrome or Chromium, and one is missing."""


def find_browser() -> str | None:
    """The path of a Chrome or Chromium Kaleido can drive, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return os.environ.get("BROWSER_PATH")


def check_export() -> None:
    """Stop before any work where static export cannot run.

    Raises
    ------
    ExportUnavailableError
        Without Kaleido (``pip install kaleido``) or a browser for it.
    """
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ExportUnavailableError(
            "--export: expected Kaleido for static images, got none "
            "(pip install kaleido; it also needs Chrome or Chromium, e.g. apt-get install chromium)"
        ) from None
    if find_browser() is None:
        raise ExportUnavailableError(
            "--export: expected Chrome or Chromium for Kaleido, got none "
            "(apt-get install chromium, or set BROWSER_PATH)"
        )


def export_figures(
    figures: dict[str, dict], folder: str | os.PathLike, formats: list[str]
) -> list[Path]:
    """Write each figure as ``folder/KEY.FORMAT``; return the files written.

    Raises
    ------
    ExportUnavailableError
        Without Kaleido (``pip install kaleido``) or a browser for it.
    """
    check_export()
    import plotly.io as pio

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{key}.{fmt}" for fmt in formats for key in figures]
    pio.write_images([figures[p.stem] for p in paths], paths, width=1200, height=800)
    return paths
