"""Typed errors of the towncase library; the CLI alone maps them to exit codes."""

from __future__ import annotations


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


class InputError(TowncaseError):
    """A file the user gave cannot be used (missing, unreadable, wrong format)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str = "") -> None:
        where = file or ""
        if file and line:
            where = f"{file}:{line}"
        super().__init__(f"{where}: {message}" if where else message, hint)
        self.file = file
        self.line = line


class RDFSyntaxError(InputError):
    """An RDF file does not parse; names the file and, where the parser knows it, the line."""


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
