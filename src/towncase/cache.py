"""The cache across runs: what an expensive step made from the input files, kept under a key that is
the hash of every one of those files, so a change to any of them is a new key and never a stale answer.

Where: ``$TOWNCASE_CACHE`` if set, else ``$XDG_CACHE_HOME/towncase``, else ``~/.cache/towncase``;
never inside a data folder (a data folder holds only what its authors wrote). Deleting the folder
is always safe: the next run rebuilds what it needs.

Entries are written beside their final place and renamed into it (a folder or a file, atomically),
so two processes building the same entry at once both succeed and a reader never sees half an entry;
an entry is never changed once in place. Old store entries are removed, keeping the newest
:data:`KEEP`.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from . import __version__
from .errors import InputError

CACHE_ENV = "TOWNCASE_CACHE"
#: Changes whenever what an entry holds changes, so an older towncase's entries are never read.
FORMAT = 1
#: Store entries kept (the newest by last use); older ones are removed when a new one is made.
KEEP = 4
#: An entry not used for this many seconds may be removed (another process may still be reading a newer one).
GRACE = 600


def root(data_roots: Iterable[Path] = ()) -> Path:
    """The cache folder (not created here).

    Raises:
        InputError: it would be inside one of ``data_roots``.
    """
    given = os.environ.get(CACHE_ENV)
    if given:
        folder = Path(given)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        folder = (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "towncase"
    resolved = folder.resolve()
    for data in data_roots:
        data = Path(data).resolve()
        if resolved == data or data in resolved.parents:
            raise InputError(f"the cache folder {folder} is inside the data folder {data}", file=str(folder),
                             hint=f"set {CACHE_ENV} to a folder outside your data (or unset it)")
    return folder


def digest(parts: Iterable[tuple[str, Iterable[Path]]], *salt: str, memo: Path | None = None) -> str:
    """A key for what ``parts`` (role → files) hold: their names and contents, towncase's version and
    :data:`FORMAT`, and ``salt`` (e.g. the engine's version).

    With ``memo`` (the cache folder), each file's hash is also remembered there across runs
    (:data:`DIGESTS`) beside what ``os.stat`` said of the file, and read back while the file's size,
    times and inode are unchanged: at 1,000 towns hashing 13,000 files took 0.6 s of every command.
    """
    known = _remembered(memo) if memo is not None else None
    whole = hashlib.sha256(f"towncase {__version__} cache {FORMAT} {' '.join(salt)}\n".encode())
    for role, files in parts:
        whole.update(f"[{role}]\n".encode())
        for path in files:
            whole.update(f"{os.path.basename(path)} {_content_digest(path, known)}\n".encode())
    return whole.hexdigest()[:40]


#: The file in the cache folder that remembers each input file's hash: ``{"files": {absolute path:
#: [size, mtime_ns, ctime_ns, inode, sha256]}}``. A write to a file changes its ctime (which no program
#: can set back) and its mtime; a file changed less than :data:`RACY_NS` before it was hashed is not
#: remembered, so a second write within one tick of a coarse file-system clock is never missed.
DIGESTS = "digests.json"
RACY_NS = 2_000_000_000


def _content_digest(path: Path, known: _Memo | None = None) -> str:
    """The SHA-256 of a file's bytes, computed once per process and version of the file (its
    modification time and size): validation keys every case with the same shared files; and read from
    ``known`` (see :data:`DIGESTS`) while the file is unchanged."""
    info = os.stat(path)
    stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
    name = os.fspath(path)
    name = name if os.path.isabs(name) else os.path.abspath(name)
    if known is not None:
        entry = known.get(name)
        if entry is not None and entry[:4] == stamp:
            return entry[4]
    sha = _digest_of(str(path), info.st_mtime_ns, info.st_size, info.st_ino)
    if known is not None and time.time_ns() - info.st_ctime_ns > RACY_NS:
        known[name] = [*stamp, sha]
        known.changed = True
    return sha


class _Memo(dict):
    """The hashes remembered in one cache folder (see :data:`DIGESTS`), and whether any was added."""

    changed = False


_memos: dict[Path, _Memo] = {}


def _remembered(folder: Path) -> _Memo:
    """The hashes remembered in ``folder`` (read once per process; written back when the process ends,
    if any was added)."""
    if folder not in _memos:
        try:
            files = json.loads((folder / DIGESTS).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            files = {}
        _memos[folder] = _Memo(files if isinstance(files, dict) else {})
        if len(_memos) == 1:
            atexit.register(_write_memos)
    return _memos[folder]


def _write_memos() -> None:
    """Write each memo that gained a hash, without the files that are gone (a failure is ignored: it is
    a cache)."""
    for folder, files in _memos.items():
        if files.changed:
            kept = {name: entry for name, entry in files.items() if os.path.exists(name)}
            write_json(folder, DIGESTS.removesuffix(".json"), {"files": kept})


@lru_cache(maxsize=65536)
def _digest_of(path: str, mtime_ns: int, size: int, inode: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_entry(folder: Path, key: str, build: Callable[[Path], None]) -> Path:
    """The folder entry ``folder/key``, built by ``build(temporary folder)`` when missing.

    ``build`` fills a new folder; it is renamed into place when complete (if another process put the
    same entry in place meanwhile, that one is kept and ours removed). Old entries are then pruned.
    """
    final = folder / key
    if final.is_dir():
        _touch(final)
        return final
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    tmp = folder / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        build(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: its entry is the same
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(folder, keep=final)
    return final


def read_json(folder: Path, key: str) -> dict | None:
    """The JSON entry ``folder/key.json``, or ``None`` when there is none (or it cannot be read)."""
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(folder: Path, key: str, value: dict) -> None:
    """Put the JSON entry ``folder/key.json`` in place atomically (a failure to write is ignored: it is
    a cache)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _sweep(folder: Path) -> None:
    """Remove temporary entries whose writer is gone."""
    from .export import process_alive  # only when an entry is built: export imports rdflib

    for tmp in folder.glob(".*.tmp"):
        pid = tmp.name.split(".")[2] if tmp.name.count(".") >= 3 else ""
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)


def _prune(folder: Path, keep: Path) -> None:
    entries = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    for old in entries[KEEP:]:
        if old != keep and now - old.stat().st_mtime > GRACE:
            shutil.rmtree(old, ignore_errors=True)
