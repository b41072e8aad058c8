"""Typed reading of a scenario's tables, collecting every problem with file and line."""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from networks.errors import MAX_PROBLEMS_PER_FILE, ProblemCollector

#: Names that pandas or GIS readers would decompress or unpack (a small archive can hold
#: a table a thousand times its size): a scenario's tables are never read from them.
COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar", ".tgz", ".7z", ".lzma", ".z")

#: Limits on a table (docs/scenario-format.md, "Limits"): checked before a file is parsed,
#: so that a file built to exhaust time or memory stops at once, named, with exit 2.
MAX_TABLE_BYTES = 32 * 2**20
MAX_COLUMNS = 200
MAX_CELL_CHARS = 64 * 2**10
#: The largest size of a number in a table (a trillion tonnes, yuan or km is no real
#: input; ``1e308`` passed and overflowed in the solver). ``inf`` only where a column's
#: default is ``inf`` (a capacity without a limit).
MAX_NUMBER = 1e12

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
LINE = "_line"
BAD = "_bad"  # True on rows with at least one problem: builders skip them


#: What an id may be: it is written to output tables and read back as a plan's path.
ID_EXPECTED = (
    "an id that does not begin with =, +, - or @ (a spreadsheet would run it as a "
    "formula) and holds no control character and no > (the path separator)"
)


def id_problem(value: str) -> bool:
    r"""Whether ``value`` may not be an id (node, firm, product, size, vehicle).

    An id reaches ``flows.csv`` and ``hubs.csv`` as it is: one beginning with ``=``,
    ``+``, ``-`` or ``@`` would run as a formula where a planner opens the table in a
    spreadsheet; a control character (an escape sequence, a line end) would forge what a
    console or a CSV shows; ``>`` separates the nodes of a plan's path.

    Examples
    --------
    >>> [id_problem(v) for v in ("H_JS", "=1+1", "-5", "a>b", "a\x1bb", "Jishou hub")]
    [False, True, True, True, True, False]
    """
    return (
        value[:1] in ("=", "+", "-", "@")
        or ">" in value
        or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)
    )


@dataclass(frozen=True)
class Column:
    """A column of a scenario table.

    Parameters
    ----------
    name
        Column name.
    kind
        ``str``, ``id`` (a name other rows and outputs refer to: see :func:`id_problem`),
        ``float``, ``int``, ``bool``, ``choice`` or ``list`` (``;``-separated).
    required
        Whether the column must be present and every value non-empty.
    default
        Value for empty cells of an optional column.
    low, high
        Allowed closed range of a number.
    positive
        Number must be strictly above zero.
    choices
        Allowed values of a ``choice`` (or of each item of a ``list``).
    """

    name: str
    kind: str = "str"
    required: bool = True
    default: Any = None
    low: float | None = None
    high: float | None = None
    positive: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def infinite(self) -> bool:
        """Whether ``inf`` is allowed: a column whose default is ``inf`` (no limit)."""
        return isinstance(self.default, float) and np.isinf(self.default)

    def expected(self, size: bool = False) -> str:
        """What a value should be, in words.

        ``size``: say also that it must be finite and how large it may be.
        """
        if size:
            largest = f"{MAX_NUMBER:.0e}".replace("+", "")
            other = " (or inf)" if self.infinite else ""
            finite = self.expected().removesuffix(" or inf")
            finite = finite.replace("an integer", "a finite integer", 1)
            finite = finite.replace("a number", "a finite number", 1)
            return f"{finite}{other}, at most {largest}"
        if self.kind in ("float", "int"):
            what = "an integer" if self.kind == "int" else "a number"
            if self.positive:
                return f"{what} > 0" + (" or inf" if self.infinite else "")
            if self.low is not None and self.high is not None:
                return f"{what} in [{self.low:g}, {self.high:g}]"
            if self.low is not None:
                return f"{what} >= {self.low:g}"
            return what
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices or ())
        if self.kind == "list":
            return "a ;-separated list of " + ", ".join(self.choices or ("values",))
        if self.kind == "id":
            return ID_EXPECTED
        return "a value"


@dataclass(frozen=True)
class QuotedCell:
    """A cell of a CSV text that opens with a quote.

    Parameters
    ----------
    line
        Line of the opening quote (1-based).
    column
        Index of the cell in its record (0-based).
    text
        What the quotes enclose (to the end of the text when the quote is never closed).
    closed
        Whether a closing quote was found.
    """

    line: int
    column: int
    text: str
    closed: bool


#: A quote that opens a quoted cell: at the start of a line or after a comma, past spaces.
_OPENING_QUOTE = re.compile(r'(?:^|(?<=,)) *"', re.MULTILINE)


def quoted_cells(text: str) -> list[QuotedCell]:
    r"""The quoted cells of a CSV text, read as pandas and the csv module read them.

    A quote opens a quoted cell only at the start of a cell (after spaces, which are
    skipped); inside one, ``""`` is a quote; elsewhere a quote is text. The unquoted
    text between quoted cells is skipped by a regular expression and counted by
    ``str.count`` (a 50 MB file in a fraction of a second, not a loop over characters).

    Examples
    --------
    >>> [(c.line, c.column, c.closed) for c in quoted_cells('a,b\n1, "x\ny"\n2,"z')]
    [(2, 1, True), (4, 1, False)]
    """
    cells: list[QuotedCell] = []
    line, column, pos = 1, 0, 0
    while True:
        opening = _OPENING_QUOTE.search(text, pos)
        if opening is None:
            break
        quote = opening.end() - 1
        newlines = text.count("\n", pos, quote)  # the unquoted text before it
        if newlines:
            line += newlines
            column = text.count(",", text.rfind("\n", pos, quote) + 1, quote)
        else:
            column += text.count(",", pos, quote)
        end = text.find('"', quote + 1)
        while end >= 0 and text.startswith('""', end):
            end = text.find('"', end + 2)
        if end < 0:
            cells.append(QuotedCell(line, column, text[quote + 1 :], False))
            break
        cells.append(QuotedCell(line, column, text[quote + 1 : end], True))
        line += text.count("\n", quote, end)
        pos = end + 1
    return cells


def _check_quotes(
    source: Path | str,
    rel: str,
    problems: ProblemCollector,
    cells: list[QuotedCell] | None = None,
) -> bool:
    """Record quotes that swallow rows or are never closed; ``False``: the file is unreadable.

    A quoted cell may span lines (a source note), but a missing closing quote makes the
    quote pair with the next one in the file, and the rows between vanish into one cell.
    A quoted cell whose later lines hold as many commas as a row is taken for that.
    ``source`` is the file, or its text; ``cells`` its quoted cells, if already found.
    """
    try:
        text = source if isinstance(source, str) else source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return True  # reported by the reader
    header = next(csv.reader([text.partition("\n")[0]], skipinitialspace=True), [])
    columns = [name.strip() for name in header]
    for cell in quoted_cells(text) if cells is None else cells:
        field = columns[cell.column] if cell.column < len(columns) else "file"
        if not cell.closed:
            problems.add(rel, field, "a closing quote", "a quote that is never closed", cell.line)
            return False
        rows = [
            cell.line + offset
            for offset, part in enumerate(cell.text.split("\n")[1:], start=1)
            if len(columns) > 1 and part.count(",") >= len(columns) - 1
        ]
        if not rows:
            continue
        if len(rows) == 1:
            got = f"a quoted cell that runs over 1 line that looks like a row (line {rows[0]})"
        else:
            got = (
                f"a quoted cell that runs over {len(rows)} lines that look like rows "
                f"(lines {rows[0]}-{rows[-1]})"
            )
        problems.add(rel, field, "a closing quote on that line", got, cell.line)
    return True


def _size(n: int) -> str:
    """A number of bytes in words: ``200 MiB``, ``64 KiB``, ``1,234,567 bytes`` (exact)."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale:,} {unit}"
    return f"{n:,} bytes"


def small_enough(path: Path, rel: str, problems: ProblemCollector, limit: int) -> bool:
    """Whether the file is at most ``limit`` bytes (else a problem, before any reading)."""
    size = path.stat().st_size
    if size > limit:
        problems.add(rel, "file", f"a file of at most {_size(limit)} (the limit)", _size(size))
    return size <= limit


def read_text(path: Path, rel: str, problems: ProblemCollector, limit: int) -> str | None:
    """The UTF-8 text of a file of at most ``limit`` bytes (``None``: a problem recorded).

    A byte that is not UTF-8 (a file saved as GBK or Latin-1, a binary file) and a NUL
    byte (no text file holds one) are reported on their line; a leading byte-order
    mark is dropped.
    """
    if not small_enough(path, rel, problems, limit):
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(rel, "file", "a readable file", exc.strerror or type(exc).__name__)
        return None
    nul = data.find(b"\0")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if 0 <= nul < exc.start:
            exc.start, exc.end = nul, nul + 1
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        got = f"the byte 0x{byte}, which is not UTF-8 (save the file as UTF-8)"
        if nul == exc.start:
            got = "a NUL byte (a binary file?)"
        problems.add(rel, "file", "UTF-8 text", got, line=line)
        return None
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        problems.add(rel, "file", "UTF-8 text", "a NUL byte (a binary file?)", line=line)
        return None
    return text


def _check_shape(text: str, rel: str, problems: ProblemCollector, cells: list[QuotedCell]) -> bool:
    """Record an empty file, a header too wide or with a name twice, an over-long cell.

    ``False``: the file is not read further. Checked on the text before any parser
    sees it (a header of a million columns, a cell of a megabyte). ``cells``: the
    text's quoted cells.
    """
    header_line = text.partition("\n")[0]
    if not text.strip():
        problems.add(rel, "file", "a CSV table with a header line", "an empty file")
        return False
    if header_line.count(",") >= MAX_COLUMNS:
        got = f"{header_line.count(',') + 1:,} columns"
        problems.add(rel, "header", f"at most {MAX_COLUMNS} columns (the limit)", got, line=1)
        return False
    long_cell = _long_cell(text, cells)
    if long_cell is not None:
        line, length = long_cell
        problems.add(
            rel,
            "cell",
            f"a cell of at most {MAX_CELL_CHARS:,} characters (the limit)",
            f"{length:,} characters",
            line=line,
        )
        return False
    header = next(csv.reader([header_line], skipinitialspace=True), [])
    names = [name.strip() for name in header]
    twice = sorted({n for n in names if names.count(n) > 1})
    for name in twice:
        where = [str(i) for i, n in enumerate(names, start=1) if n == name]
        got = f"{name or 'an empty name'} in columns {', '.join(where)}"
        problems.add(rel, name or "header", "each column named once", got, line=1)
    return not twice


def _long_cell(text: str, cells: list[QuotedCell]) -> tuple[int, int] | None:
    """The line and length of the first cell over :data:`MAX_CELL_CHARS`, if any.

    An unquoted cell lies within a line and holds no comma, so it is a comma-separated
    piece of a line; a quoted cell (which may span lines) is measured as it is quoted.
    """
    if len(text) <= MAX_CELL_CHARS:
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_CELL_CHARS and '"' not in line:
            longest = max(len(piece) for piece in line.split(","))
            if longest > MAX_CELL_CHARS:
                return number, longest
    for cell in cells:
        if len(cell.text) > MAX_CELL_CHARS:
            return cell.line, len(cell.text)
    for number, line in enumerate(text.split("\n"), start=1):  # unquoted beside quoted
        if len(line) > MAX_CELL_CHARS and '"' in line:
            pieces = [p for p in line.split(",") if '"' not in p]
            if pieces and max(map(len, pieces)) > MAX_CELL_CHARS:
                return number, max(map(len, pieces))
    return None


def _read_raw(path: Path, rel: str, problems: ProblemCollector) -> pd.DataFrame | None:
    if path.suffix.lower() not in (".geojson", ".gpkg", ".json"):
        return read_rows(path, rel, problems)
    if not small_enough(path, rel, problems, MAX_TABLE_BYTES):
        return None
    try:
        import geopandas as gpd

        frame = gpd.read_file(path)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        _unreadable(path, rel, problems, "a readable CSV table", exc)
        return None
    except Exception as exc:  # a GIS driver error: still a malformed file
        problems.add(rel, "file", "a readable table", f"{type(exc).__name__}: {exc}"[:200])
        return None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geometry = frame.geometry
    frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    if not geometry.is_empty.all():
        frame["lon"] = [f"{g.x!r}" if g is not None else "" for g in geometry]
        frame["lat"] = [f"{g.y!r}" if g is not None else "" for g in geometry]
    frame[LINE] = np.arange(1, len(frame) + 1)  # feature number
    return frame


def _unreadable(
    source: Path | str, rel: str, problems: ProblemCollector, readable: str, exc: Exception
) -> None:
    """Record why a file could not be read: its over-long rows, else the reader's words."""
    if not _report_long_rows(source, rel, problems):
        problems.add(rel, "file", readable, str(exc).splitlines()[0][:200])


def _uncommented(text: str) -> tuple[int, str]:
    """``text`` from its header on, with every comment line emptied, and the lines before.

    A comment line's first character past blanks is ``#``. Comment and blank lines
    before the header are left out (the header is the first line a CSV reader sees);
    the others are emptied, not removed, so that every line keeps its place.
    """
    lines = ["" if line.lstrip().startswith("#") else line for line in text.split("\n")]
    before = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    return before, "\n".join(lines[before:])


def read_rows(
    path: Path,
    rel: str,
    problems: ProblemCollector,
    comments: bool = False,
    readable: str = "a readable CSV table",
) -> pd.DataFrame | None:
    """The cells of a CSV file as stripped text, each row with its file line.

    Parameters
    ----------
    path
        The file (it must exist).
    rel
        How messages name it.
    problems
        Where problems go: a quote that is never closed or swallows rows, a row longer
        than the header, a file that cannot be read at all.
    comments
        Whether lines whose first character past blanks is ``#`` are comments (plan
        files), read as blank lines.
    readable
        What the file must be, in the message when it cannot be read.

    Returns
    -------
    pandas.DataFrame or None
        One text column per header cell, plus ``_line`` (the line the row starts on,
        header = 1); blank rows dropped. ``None`` when the file could not be read.
    """
    source = read_text(path, rel, problems, MAX_TABLE_BYTES)
    if source is None:
        return None
    before = 0  # comment lines before the header: lines below count from after them
    found = ProblemCollector()
    try:
        if comments:
            before, source = _uncommented(source)
        cells = quoted_cells(source) if '"' in source else []
        if not _check_shape(source, rel, found, cells):
            return None
        if not _check_quotes(source, rel, found, cells):
            return None
        with warnings.catch_warnings():
            # a first data row longer than the header: pandas would take its first
            # cell for an index and shift every row (index_col=False), or drop the
            # extra cells with a warning; either way it is the row to report
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(source),
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                comment=None,
                skip_blank_lines=False,
                index_col=False,
                compression=None,  # never decompress, whatever the name says
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, UnicodeDecodeError, ValueError) as exc:
        _unreadable(source, rel, found, readable, exc)
        return None
    except Exception as exc:
        found.add(rel, "file", "a readable table", f"{type(exc).__name__}: {exc}"[:200])
        return None
    finally:
        problems.extend(found, line_offset=before)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda s: s.str.strip())
    frame[LINE] = _record_lines(source, len(frame)) + before  # blank lines kept...
    blank = (frame.drop(columns=[LINE]) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)  # ...so lines stay true, then dropped


def _records(source: Path | str) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV file (or text), header first, with the line it starts on.

    Read by the csv module, which counts the lines a quoted multi-line cell takes; one
    record at a time (a 200 MiB file held as lists of cells took gigabytes).
    """
    end = 0
    if isinstance(source, str):
        handle = io.StringIO(source, newline="")
    else:
        handle = open(source, newline="", encoding="utf-8-sig")  # noqa: SIM115
    with handle:
        reader = csv.reader(handle, skipinitialspace=True)
        for record in reader:
            yield end + 1, record
            end = reader.line_num


def _report_long_rows(source: Path | str, rel: str, problems: ProblemCollector) -> bool:
    """Name each row with more fields than the header, by its line; whether there was one.

    pandas stops at the first with "Error tokenizing data ... Expected 12 fields in line
    16, saw 14", which names no file line a user can trust and hides the others. Past
    :data:`~networks.errors.MAX_PROBLEMS_PER_FILE` such rows reading stops (a junk file
    has one on nearly every line), and the last message says where.
    """
    found, width = 0, None
    try:
        for line, record in _records(source):
            if width is None:
                width = len(record)
                continue
            if len(record) <= width:
                continue
            found += 1
            if found == MAX_PROBLEMS_PER_FILE:
                problems.add(
                    rel,
                    "file",
                    f"a CSV table with at most {width} fields in each row",
                    f"{found - 1} rows with more, and another on line {line}: "
                    "reading stopped there (is it the file it should be?)",
                )
                break
            problems.add(
                rel,
                "row",
                f"at most {width} fields, as many as the header has "
                "(a comma inside a text cell needs quotes)",
                f"{len(record)} fields",
                line=line,
            )
    except (UnicodeDecodeError, csv.Error):
        return found > 0
    return found > 0


def _record_lines(source: Path | str, rows: int) -> np.ndarray:
    """The line of the file where each of ``rows`` data records starts.

    A quoted cell may span lines (a multi-line source note), so a record's line is not
    its index plus 2: count the lines each record takes, as the csv module reads them.
    Without a quote in the text every record is one line (blank ones are kept as rows).
    """
    if isinstance(source, str) and '"' not in source:
        return np.arange(2, rows + 2)
    starts = np.fromiter((line for line, _record in _records(source)), dtype=np.int64)
    if len(starts) - 1 != rows:  # pandas read it otherwise; header is line 1 then
        return np.arange(2, rows + 2)
    return starts[1:]


def locate(folder: Path, rel: str, problems: ProblemCollector) -> Path | None:
    """The file ``folder/rel`` if the loader may read it, else ``None`` (a problem recorded).

    It must exist, be a file, not be compressed (:data:`COMPRESSED`) and resolve, after
    every symbolic link is followed, inside ``folder``: a table that is a link to
    ``/etc/passwd`` is refused by its name, and nothing of what it points at is read.
    """
    path = folder / rel
    if rel.lower().endswith(COMPRESSED):
        problems.add(rel, "file", "an uncompressed table (compressed files are not read)", rel)
        return None
    if not path.is_file():
        problems.add(rel, "file", "an existing file", "no such file")
        return None
    if not path.resolve().is_relative_to(folder.resolve()):
        problems.add(
            rel, "file", "a file inside the scenario folder", "a link that leads out of it"
        )
        return None
    return path


def read_table(
    folder: Path,
    rel: str,
    columns: list[Column],
    problems: ProblemCollector,
    need_rows: bool = False,
) -> pd.DataFrame | None:
    """Read ``folder/rel`` and convert its columns, recording every problem.

    ``need_rows``: a table with a header and no row is a problem (a required table).

    Returns
    -------
    pandas.DataFrame or None
        Typed columns plus ``_line`` (line in the file) and ``_bad`` (the row has a
        problem, already recorded); ``None`` when the file could not be read at all or
        a required column is missing.
    """
    path = locate(folder, rel, problems)
    if path is None:
        return None
    raw = _read_raw(path, rel, problems)
    if raw is None:
        return None
    if need_rows and raw.empty:
        problems.add(rel, "file", "at least one row below the header", "a header only")
    missing = [c.name for c in columns if c.required and c.name not in raw.columns]
    for name in missing:
        present = ", ".join(c for c in raw.columns if c != LINE) or "none"
        problems.add(rel, name, f"a column named {name}", f"columns {present}")
    if missing:
        return None
    _check_misspelled(raw.columns, columns, rel, problems)
    out = pd.DataFrame({LINE: raw[LINE].to_numpy()})
    before = len(problems)
    for column in columns:
        if column.name in raw.columns:
            out[column.name] = _convert(raw[column.name], raw[LINE], column, rel, problems)
        else:
            out[column.name] = [column.default] * len(raw)
    bad_lines = problems.lines_since(before)
    out[BAD] = out[LINE].isin(bad_lines).to_numpy()
    return out


def _check_misspelled(
    present: Iterable[str], columns: list[Column], rel: str, problems: ProblemCollector
) -> None:
    """Report a column that is a near miss of a known one the file lacks.

    Columns the loader does not know are kept for people (``source``, ``name_zh``,
    notes) and ignored; but ``trip_capacty_t`` beside no ``trip_capacity_t`` is a typo
    that would silently give the default, so it is an error on the header line.
    """
    known = {c.name for c in columns}
    absent = [c.name for c in columns if c.name not in set(present)]
    for name in present:
        if name in known or name == LINE:
            continue
        close = difflib.get_close_matches(name, absent, n=1, cutoff=0.85)
        if close:
            problems.add(
                rel,
                name,
                f"a column of {rel} ({close[0]}, perhaps?); an unknown column is ignored, "
                "a misspelled one would silently take the default",
                name,
                line=1,
            )


def _convert(values: pd.Series, lines: pd.Series, column: Column, rel: str, problems):
    empty = values == ""
    if column.required:
        for line in lines[empty]:
            problems.add(rel, column.name, column.expected(), "an empty cell", line=int(line))
    if column.kind in ("float", "int"):
        numbers = pd.to_numeric(values.where(~empty), errors="coerce").astype(float)
        bad = numbers.isna() & ~empty
        if column.kind == "int":
            bad |= numbers.notna() & (numbers != np.floor(numbers))
        if column.low is not None:
            bad |= numbers < column.low
        if column.high is not None:
            bad |= numbers > column.high
        if column.positive:
            bad |= numbers <= 0
        huge = (numbers.abs() > MAX_NUMBER) & ~bad
        if column.infinite:
            huge &= numbers != np.inf
        for line, value in zip(lines[bad], values[bad], strict=True):
            problems.add(rel, column.name, column.expected(), value, line=int(line))
        for line, value in zip(lines[huge], values[huge], strict=True):
            problems.add(rel, column.name, column.expected(size=True), value, line=int(line))
        numbers = numbers.where(~huge)  # the row is skipped; an integer cannot hold inf
        default = np.nan if column.default is None else float(column.default)
        numbers = numbers.where(~empty, default)
        if column.kind == "int":
            return numbers.fillna(0).astype(int).to_numpy()
        return numbers.to_numpy(dtype=float)
    if column.kind == "bool":
        lowered = values.str.lower()
        bad = ~empty & ~lowered.isin(_TRUE | _FALSE)
        for line, value in zip(lines[bad], values[bad], strict=True):
            problems.add(rel, column.name, column.expected(), value, line=int(line))
        default = bool(column.default) if column.default is not None else False
        return np.where(empty, default, lowered.isin(_TRUE))
    if column.kind == "choice":
        bad = ~empty & ~values.isin(column.choices or ())
        for line, value in zip(lines[bad], values[bad], strict=True):
            problems.add(rel, column.name, column.expected(), value, line=int(line))
        default = "" if column.default is None else column.default
        return values.where(~empty, default).to_numpy(dtype=object)
    if column.kind == "list":
        items = [tuple(x.strip() for x in v.split(";") if x.strip()) for v in values]
        if column.choices is not None:
            for line, value in zip(lines, items, strict=True):
                for item in value:
                    if item not in column.choices:
                        problems.add(rel, column.name, column.expected(), item, line=int(line))
        return pd.Series(items, dtype=object).to_numpy()
    if column.kind == "id":
        for line, value in zip(lines[~empty], values[~empty], strict=True):
            if id_problem(value):
                problems.add(rel, column.name, ID_EXPECTED, value, line=int(line))
    default = "" if column.default is None else column.default
    return values.where(~empty, default).to_numpy(dtype=object)
