"""No network and no surprise files while an engine works: the one place that enforces it.

towncase checks what it can before an engine runs (``SERVICE``, ``FROM``, JSON-LD contexts by URL,
external XML entities), but rdflib, pySHACL and owlrl can reach out in ways no static check sees
(a ``SERVICE`` inside a SHACL-AF target, a ``LOAD``, a context by ``file:``). So every engine call
runs inside :func:`guard`: a Python audit hook (:pep:`578`) that, while a guard is active, refuses

- any network use (DNS look-up, socket connect/bind/send, ``urllib``/``http.client``/``ftplib`` …),
- starting a process (``subprocess``, ``os.system``, ``exec``, ``fork`` …),
- opening a file for writing, or changing the file system (remove, rename, mkdir, chmod …),
- opening a file for reading outside Python's own installation and import path (where the engines
  load their modules and bundled assets from) and the folders the guard allows.

The refused operation raises :class:`~towncase.errors.OfflineError`, and the guard raises it again
when it closes, in case an engine caught and swallowed it. An audit hook cannot be removed once
added, so one hook is installed on first use and does nothing while no guard is active.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OfflineError

NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
    "socket.gethostbyaddr", "socket.getnameinfo", "socket.bind", "socket.sendto", "socket.sendmsg",
    "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "imaplib.open",
    "poplib.connect", "nntplib.connect", "telnetlib.Telnet.open", "webbrowser.open",
})
PROCESS_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.startfile", "pty.spawn", "os.kill", "os.killpg",
})
FILE_CHANGE_EVENTS = frozenset({
    "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
    "os.chown", "os.utime", "os.chflags", "os.lchflags", "os.mkfifo", "os.mknod", "shutil.rmtree",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.move", "shutil.chown",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


@dataclass
class Guard:
    """One active guard: what is being done (for messages), the extra folders it lets the engine
    read, and the refused attempts."""

    doing: str
    readable: tuple[str, ...] = ()
    refused: list[str] = field(default_factory=list)


_active: list[Guard] = []
_lock = threading.Lock()
_installed = False


def _python_roots() -> tuple[str, ...]:
    """Where the interpreter, the standard library and the installed packages live."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(p for p in sys.path if p)
    return tuple(sorted({os.path.realpath(r) for r in roots if r and os.path.isabs(r)}))


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    guard = _active[-1]
    if event in NETWORK_EVENTS:
        _refuse(guard, f"network access ({event} {_show(args)})")
    elif event in PROCESS_EVENTS:
        _refuse(guard, f"starting or signalling a process ({event})")
    elif event in FILE_CHANGE_EVENTS:
        _refuse(guard, f"changing the file system ({event} {_show(args)})")
    elif event == "open":
        path, mode, flags = args
        if isinstance(path, int):  # an already open descriptor
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
        if writing:
            _refuse(guard, f"writing the file {os.fsdecode(path)}")
        elif not _readable(os.fsdecode(path), guard):
            _refuse(guard, f"reading the file {os.fsdecode(path)}")


def _readable(path: str, guard: Guard) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in guard.readable)


def _show(args: tuple[Any, ...]) -> str:
    return " ".join(str(a) for a in args[:2])[:200]


def _refuse(guard: Guard, what: str) -> None:
    guard.refused.append(what)
    raise _error(guard)


_HINT = ("remove what asks for it (SERVICE, LOAD, FROM, owl:imports, a remote or file: JSON-LD @context, "
         "an external XML entity), or run it in a triple store")


def install() -> None:
    """Install the audit hook (once per process; it is inert while no guard is active)."""
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


@contextmanager
def guard(doing: str, readable: Iterable[Path] = ()) -> Iterator[Guard]:
    """Refuse network, processes, writes and reads outside Python's folders and ``readable`` while
    the block runs.

    Args:
        doing: what the block does, for messages (e.g. ``"parsing places.ttl"``).
        readable: extra folders (or files) the block may read.

    Raises:
        OfflineError: something in the block tried a refused operation (even if it was caught).
    """
    install()
    active = Guard(doing, _python_roots() + tuple(os.path.realpath(p) for p in readable))
    _active.append(active)
    try:
        yield active
    except OfflineError:
        raise
    except BaseException as err:  # an engine may turn the refusal into an error of its own
        if active.refused:
            raise _error(active) from err
        raise
    finally:
        _active.remove(active)
    if active.refused:
        raise _error(active)


def _error(guard: Guard) -> OfflineError:
    return OfflineError(f"{guard.doing}: refused {guard.refused[0]}; towncase never uses the network or "
                        "touches other files while it works", hint=_HINT)
