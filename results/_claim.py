"""Claims on output locations: one run writes a given ``--out``, and a dead run's leftovers go.

A run claims its output before any work by creating ``.NAME.claim`` beside it with
``O_CREAT | O_EXCL`` (atomic: of two runs racing for one name, exactly one creates it),
holding the claimant's process id, the start time the kernel gives that process (so a
reused id is not taken for it) and the host. Its temporary folders are named
``.NAME.run-*`` beside it. A claim whose process is dead (killed, the machine
restarted) is swept, with its temporary folders, by the next run that claims a place in
the same folder: a killed run's hidden folder no longer stays forever.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import socket
import time
from pathlib import Path

from networks.errors import ColdchainError

#: Seconds a claim file may stay empty (being written) before it counts as dead.
EMPTY_CLAIM_S = 10.0

_CLAIM = ".{}.claim"
_TEMP = ".{}.run-"

#: Output locations (absolute) this process holds a claim on, and the claim files.
_HELD: dict[Path, tuple[Path, Path | None]] = {}  # (claim, first folder it made)


class OutputClaimedError(ColdchainError, FileExistsError):
    """Another run, still running, is writing the same ``--out`` (exit 2, before any work)."""


def claim_file(out: Path) -> Path:
    """The claim file of output location ``out``: ``.NAME.claim`` beside it."""
    return out.with_name(_CLAIM.format(out.name))


def temp_prefix(out: Path) -> str:
    """The name prefix of ``out``'s temporary folders (``.NAME.run-``)."""
    return _TEMP.format(out.name)


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or ``None`` where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]  # a zombie has exited


def _owner() -> dict:
    return {
        "pid": os.getpid(),
        "start": _process_start(os.getpid()),
        "host": socket.gethostname(),
        "since": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _alive(owner: dict) -> bool:
    """Whether the process that wrote ``owner`` still runs (another host's: assumed so)."""
    if owner.get("host") != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    start = _process_start(pid)
    if start is None:
        return not Path(f"/proc/{pid}").exists()  # no /proc here: it exists; else a zombie
    return owner.get("start") in (None, start)


def _owner_of(claim: Path) -> dict | None:
    """The claim's owner; ``{}`` for a claim being written; ``None`` if it is gone."""
    try:
        text = claim.read_text()
        age = time.time() - claim.stat().st_mtime
    except FileNotFoundError:
        return None
    except OSError:
        return {"pid": -1}  # unreadable: nobody can prove it alive
    if not text:
        return {} if age < EMPTY_CLAIM_S else {"pid": -1}
    try:
        owner = json.loads(text)
    except ValueError:
        return {"pid": -1}
    return owner if isinstance(owner, dict) else {"pid": -1}


def _is_dead(owner: dict | None) -> bool:
    return owner is not None and owner != {} and not _alive(owner)


def _remove(claim: Path) -> None:
    """Remove a dead claim and its temporary folders (its output, if any, stays)."""
    name = claim.name[1 : -len(".claim")]
    for temp in claim.parent.glob(f"{_TEMP.format(name)}*"):
        shutil.rmtree(temp, ignore_errors=True)
    claim.unlink(missing_ok=True)


def sweep(folder: Path) -> list[Path]:
    """Remove the claims of dead runs in ``folder`` with their temporary folders.

    Returns the claim files removed.
    """
    swept = []
    for claim in sorted(folder.glob(_CLAIM.format("*"))):
        if claim.is_file() and _is_dead(_owner_of(claim)):
            _remove(claim)
            swept.append(claim)
    return swept


def holds(out: str | os.PathLike) -> bool:
    """Whether this process holds the claim on ``out``."""
    return Path(out).absolute() in _HELD


def acquire(out: str | os.PathLike) -> Path:
    """Claim ``out`` for this process (see the module docstring); the claim file.

    Dead claims in its folder are swept first.

    Raises
    ------
    OutputClaimedError
        If a live run holds it.
    """
    out = Path(out).absolute()
    made = next((p for p in reversed(out.parents) if not p.exists()), None)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _acquire(out, made)
    except BaseException:
        _remove_empty(out.parent, made)
        raise


def _acquire(out: Path, made: Path | None) -> Path:
    sweep(out.parent)
    claim = claim_file(out)
    text = json.dumps(_owner()).encode()
    for _ in range(3):
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner_of(claim)
            if _is_dead(owner):
                _remove(claim)
                continue
            if owner is None:  # released meanwhile: try again
                continue
            raise OutputClaimedError(_claimed_message(out, owner)) from None
        try:
            os.write(fd, text)
        finally:
            os.close(fd)
        _HELD[out] = (claim, made)
        return claim
    raise OutputClaimedError(_claimed_message(out, {}))


def release(out: str | os.PathLike) -> None:
    """Give up this process's claim on ``out`` (nothing if it holds none).

    Folders the claim made above ``out`` are removed again if nothing was written
    (a run stopped by bad input leaves no empty folders behind).
    """
    out = Path(out).absolute()
    claim, made = _HELD.pop(out, (None, None))
    if claim is None:
        return
    claim.unlink(missing_ok=True)
    if not out.exists():
        _remove_empty(out.parent, made)


def _remove_empty(folder: Path, top: Path | None) -> None:
    """Remove ``folder`` and the folders above it up to ``top`` while they are empty."""
    if top is None:
        return
    while True:
        try:
            folder.rmdir()
        except OSError:  # not empty (another run writes there), or gone
            return
        if folder == top:
            return
        folder = folder.parent


def _claimed_message(out: Path, owner: dict) -> str:
    who = f"run {owner['pid']} (since {owner.get('since', '?')})" if owner.get("pid") else "a run"
    return (
        f"{out}: --out: expected a place no other run is writing, got one that {who} "
        "is writing (wait for it to end, or choose another name)"
    )
