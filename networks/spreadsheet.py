"""Text cells of the CSV files people open in spreadsheets: shown as text, read back as meant.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return, which some strip first) as a formula: ``=HYPERLINK(...)`` in a name
that someone else wrote would run where a planner opens ``flows.csv``. Ids cannot begin
so (they are refused on load); free text can (names, notes, error messages, instance
names). Every text cell coldchain writes to a CSV goes through :func:`shield`: such a
cell, and one that already begins with the mark, gets the mark ``'`` in front, which
spreadsheets take as "this is text" and do not show. coldchain's own readers of its
outputs undo it (:func:`unshield`), so a cell reads back exactly as it was meant:
``unshield(shield(s)) == s`` for every string. Parquet files keep the raw value.
"""

from __future__ import annotations

import pandas as pd

#: What a spreadsheet runs as a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The mark that makes a spreadsheet show a cell as text.
MARK = "'"


def shield(text: str) -> str:
    """``text`` as written to a CSV: marked if a spreadsheet would run it (or it has the mark).

    Examples
    --------
    >>> [shield(s) for s in ("=1+1", "-5 t", "Jishou", "'quoted")]
    ["'=1+1", "'-5 t", 'Jishou', "''quoted"]
    """
    return MARK + text if text.startswith((*FORMULA_STARTS, MARK)) else text


def unshield(text: str) -> str:
    """A CSV cell as :func:`shield` found it (one leading mark dropped).

    Examples
    --------
    >>> [unshield(s) for s in ("'=1+1", "''quoted", "Jishou")]
    ['=1+1', "'quoted", 'Jishou']
    """
    return text[1:] if text.startswith(MARK) else text


def _map_text(frame: pd.DataFrame, change) -> pd.DataFrame:
    """``frame`` with ``change`` applied to every string cell of its text columns."""
    text = pd.api.types.is_string_dtype
    columns = [c for c in frame.columns if frame[c].dtype == object or text(frame[c])]
    if not columns:
        return frame
    changed = frame.copy()
    for column in columns:
        changed[column] = frame[column].map(lambda v: change(v) if isinstance(v, str) else v)
    return changed


def shield_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell shielded (numbers, even negative, left as they are)."""
    return _map_text(frame, shield)


def unshield_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (read from a CSV coldchain wrote) with every text cell unshielded."""
    return _map_text(frame, unshield)
