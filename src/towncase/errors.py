"""Typed errors of the towncase library; the CLI alone maps them to exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class TowncaseError(Exception):
    """Base of every error the library raises on purpose.

    Attributes:
        hint: what the user can do about it (may be empty).
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def __reduce__(self):
        """Pickled as its arguments and attributes, restored without calling ``__init__`` again (whose
        parameters differ from class to class), so that one raised in a worker process arrives whole."""
        return _restored, (type(self), self.args, self.__dict__)


def _restored(kind: type[TowncaseError], args: tuple, attributes: dict) -> TowncaseError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(attributes)
    return error


class InputError(TowncaseError):
    """A file the user gave cannot be used (missing, unreadable, wrong format)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str = "") -> None:
        where = file or ""
        if file and line:
            where = f"{file}:{line}:{column}" if column else f"{file}:{line}"
        super().__init__(f"{where}: {message}" if where else message, hint)
        self.file = file
        self.line = line
        self.column = column


class RDFSyntaxError(InputError):
    """An RDF file does not parse; names the file and, where the parser knows it, the line."""


class OfflineError(InputError):
    """An input asked for the network, a process or a file outside the inputs (``SERVICE``, ``LOAD``,
    ``owl:imports``, a remote JSON-LD context, an external XML entity …); towncase refused it."""


class UnknownNameError(TowncaseError):
    """A name (query, regime, format, parameter …) that does not exist; lists the close matches."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        import difflib

        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(sorted(known))}"
        super().__init__(f"unknown {kind} {name!r}", hint)
        self.kind = kind
        self.name = name
        self.known = known


class ParameterError(TowncaseError):
    """A query parameter is missing, unknown or has a value of the wrong type."""


class OutputError(TowncaseError):
    """An output file cannot be written."""


class EngineError(TowncaseError):
    """rdflib, pySHACL or owlrl failed while working (not a problem of the input's syntax), e.g. a
    SPARQL type error raised while rows are produced, or an engine's own bug."""


class LimitError(TowncaseError):
    """A time, size or count limit was reached; the work was stopped, the output is absent or cut.

    Attributes:
        limit: which limit (e.g. ``"timeout"``, ``"triples"``, ``"rows"``).
    """

    def __init__(self, message: str, limit: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.limit = limit


@contextmanager
def engine_errors(engine: str) -> Iterator[None]:
    """Turn what a third-party engine raises while it works into a typed error.

    Our own errors pass through; a ``RecursionError`` or ``MemoryError`` (the input is too deep or
    too large for the engine) becomes a :class:`LimitError`; anything else an :class:`EngineError`
    naming the engine. ``KeyboardInterrupt`` is not an ``Exception`` and passes through.
    """
    try:
        yield
    except TowncaseError:
        raise
    except RecursionError as err:
        raise LimitError(f"{engine} ran out of stack: the input nests or chains too deeply",
                         "recursion", hint="simplify the input or the query (shorter lists, paths)") from err
    except MemoryError as err:
        raise LimitError(f"{engine} ran out of memory", "memory",
                         hint="give a smaller input, or raise the limits on a bigger machine") from err
    except Exception as err:
        raise EngineError(f"{engine} failed: {type(err).__name__}: {err}",
                          hint="run again with --debug for the traceback; if the input is valid, "
                               "this is a bug to report") from err

class EndpointError(TowncaseError):
    """A triple store is down, unknown, refuses the login, or answers with an error."""
