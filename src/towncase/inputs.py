"""The front end every input file goes through before an engine sees it: read safely, decode, check strictly.

rdflib's parsers are lenient (its Turtle parser is an N3 parser: it takes literal subjects, blank-node
predicates, IRIs with spaces, lone surrogates …) and some of what they take only fails later, at
export. So a file is read here once, with bounds, and checked against the RDF 1.1 syntaxes by a
strict parser (pyoxigraph, which passes the W3C test suites and reports line and column) before
rdflib parses it; what only shows after parsing (JSON-LD's relative IRIs, forbidden terms) is
checked on the parsed triples.

Encodings: every text input (RDF, SPARQL) is UTF-8. A leading UTF-8 byte-order mark is accepted and
ignored in every format; UTF-16 and UTF-32 (recognised by their byte-order marks or NUL bytes) and
any other bytes that are not UTF-8 (e.g. Latin-1) are refused with the line and column of the first
bad byte. An XML declaration naming another encoding is refused too.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.parsers import expat

import pyoxigraph

from .errors import InputError, LimitError, RDFSyntaxError

if TYPE_CHECKING:
    from rdflib import BNode, Literal, URIRef
    from rdflib.term import Node

# rdflib is imported by the term checks, which only rdflib's parses use: reading a query file or
# checking a file's syntax needs none (a stored query's start-up, tests/test_startup.py).


@dataclass(frozen=True)
class Limits:
    """Bounds on one input file, so a huge or hostile file stops with a message, not an
    out-of-memory kill or a hang.

    Attributes:
        max_bytes: the largest file read (after XML entity expansion, for RDF/XML).
        max_triples: the most triples (or quads) one file may hold.
        max_depth: the deepest nesting of JSON arrays and objects.
    """

    max_bytes: int = 256 * 2**20
    max_triples: int = 2_000_000
    max_depth: int = 64


LIMITS = Limits()

#: rdflib resolves relative IRIs against this base, so that none can become a ``file:///`` IRI of
#: the reader's disk; any IRI found under it afterwards was relative in the file, and is refused.
RELATIVE_BASE = "https://relative.invalid/"

#: pyoxigraph's parser for each rdflib format name it checks (JSON-LD is checked on its own).
STRICT_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "trig": pyoxigraph.RdfFormat.TRIG, "nquads": pyoxigraph.RdfFormat.N_QUADS,
    "n3": pyoxigraph.RdfFormat.N3, "xml": pyoxigraph.RdfFormat.RDF_XML,
}

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_ENCODING = re.compile(r"""<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_ENTITY = re.compile(r"<!ENTITY\s+(%\s+)?([^\s]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.S)


def read_text(path: Path, what: str = "RDF", limits: Limits = LIMITS) -> str:
    """The text of an input file: a regular, readable file of at most ``limits.max_bytes``, in UTF-8
    (a leading byte-order mark dropped).

    A FIFO, a device or a folder is refused without being opened for a blocking read.

    Raises:
        InputError: missing, not a regular file, unreadable, empty, too large, or not UTF-8.
        LimitError: larger than ``limits.max_bytes``.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError("no such file", file=str(path), hint="check the path") from None
    except IsADirectoryError:
        raise InputError(f"is a folder, not a {what} file", file=str(path), hint="give the files in it") from None
    except PermissionError:
        raise InputError("cannot read the file: permission denied", file=str(path),
                         hint="check the file's permissions") from None
    except OSError as err:
        raise InputError(f"cannot open the file: {err.strerror}", file=str(path), hint="check the path") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"is a folder, not a {what} file", file=str(path), hint="give the files in it")
        raise InputError(f"is not a regular file (a pipe, socket or device), not a {what} file",
                         file=str(path), hint="save the input to a file first")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limits.max_bytes:
            raise _too_large(path, info.st_size, limits)
        try:
            data = handle.read(limits.max_bytes + 1)
        except OSError as err:
            raise InputError(f"cannot read the file: {err.strerror}", file=str(path)) from None
    if len(data) > limits.max_bytes:  # the file grew while we read it
        raise _too_large(path, len(data), limits)
    text = decode(data, path)
    if not text.strip():
        raise InputError(f"the file is empty: no {what} in it", file=str(path),
                         hint="give a file with content, or leave the file out")
    return text


def _too_large(path: Path, size: int, limits: Limits) -> LimitError:
    return LimitError(f"{path}: {size:,} bytes is more than the {limits.max_bytes:,} bytes one input may have",
                      "bytes", hint="split the file, or load it into a triple store")


def decode(data: bytes, path: Path) -> str:
    """UTF-8 bytes to text, a leading UTF-8 byte-order mark dropped.

    Raises:
        InputError: UTF-16/UTF-32, or bytes that are not UTF-8 (names the line and column).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise InputError(f"the file is {name}; towncase reads UTF-8 only", file=str(path),
                             hint="save the file as UTF-8 (without byte-order mark, or with one)")
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data[:4]:  # every RDF or SPARQL text starts with an ASCII character: UTF-16 or -32 text
        raise InputError("the file holds NUL bytes at its start: UTF-16 or UTF-32 without byte-order mark, "
                         "or not text", file=str(path), line=1, hint="save the file as UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise InputError(f"byte 0x{data[err.start]:02x} is not UTF-8 (Latin-1 or GBK text?)", file=str(path),
                         line=line, column=column, hint="save the file as UTF-8") from None
    return text


def check_syntax(text: str, fmt: str, path: Path, limits: Limits = LIMITS) -> list:
    """Check ``text`` strictly against the RDF 1.1 syntax of ``fmt`` (an rdflib format name), and
    return what pyoxigraph parsed (its triples or quads; empty for JSON-LD, which is checked apart):
    the Oxigraph store loads them as they are, so a file is parsed once on that path.

    Raises:
        RDFSyntaxError: the text breaks the syntax (names the line and column and what to do),
            or is an HTML page, JSON or XML given under another format's suffix.
        InputError: RDF/XML with external or nested entities (they could read files or explode).
        LimitError: more than ``limits.max_triples`` triples, or nested deeper than ``limits.max_depth``.
    """
    _refuse_html(text, path)
    if fmt == "json-ld":
        _check_json_depth(text, path, limits)
        return []
    if fmt == "xml":
        _check_xml(text, path, limits)
    parsed = []
    try:
        for item in pyoxigraph.parse(text.encode("utf-8"), format=STRICT_FORMATS[fmt], rename_blank_nodes=True):
            parsed.append(item)
            if len(parsed) > limits.max_triples:
                raise LimitError(f"{path}: more than {limits.max_triples:,} triples in one file",
                                 "triples", hint="split the file, or load it into a triple store")
    except SyntaxError as err:
        quoted = re.search(r"'([^']+)'", err.msg)
        line = err.lineno or (line_of(text, quoted.group(1)) if quoted else None)
        raise RDFSyntaxError(f"RDF syntax error: {_reason(err.msg)}", file=str(path), line=line,
                             column=err.offset if err.lineno else None, hint=_hint(fmt, err.msg, text)) from None
    return parsed


def _reason(message: str) -> str:
    """pyoxigraph's message without the position it also gives as numbers."""
    message = re.sub(r"^Parser error (at line \d+ (between columns \d+ and \d+|column \d+)"
                     r"|between line \d+ column \d+ and line \d+ column \d+): ", "", message)
    return re.sub(r" \(line \d+\)$", "", message)


def _hint(fmt: str, message: str, text: str) -> str:
    head = text.lstrip()[:200]
    names = {"turtle": "Turtle", "nt": "N-Triples", "trig": "TriG", "nquads": "N-Quads", "xml": "RDF/XML", "n3": "N3"}
    if head.startswith(("{", "[")) and '"@' in head:
        return f"this looks like JSON-LD, not {names[fmt]}: name a JSON-LD file *.jsonld"
    if fmt != "xml" and head.startswith(("<?xml", "<rdf:RDF")):
        return f"this looks like RDF/XML, not {names[fmt]}: name an RDF/XML file *.rdf"
    if "prefix" in message.lower() and "declared" in message.lower():
        return "declare the prefix with an @prefix line (or write the full IRI in <…>)"
    if "absolute IRI" in message or "No scheme" in message:
        return ("write full IRIs (https://…) or declare a base (@base, xml:base); towncase does not "
                "resolve IRIs against a file's location")
    if "end of file" in message.lower():
        return "a string, IRI or statement is not closed: look for a missing quote, '>' or final '.'"
    return f"fix the {names[fmt]} at that line"


def _refuse_html(text: str, path: Path) -> None:
    """An HTML page saved under an RDF suffix (a browser's "save as") is named as such."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or ("<html" in head and "rdf:rdf" not in head):
        raise RDFSyntaxError("this is an HTML page, not RDF", file=str(path), line=1,
                             hint="download the RDF itself (not the web page that links to it)")


def _check_json_depth(text: str, path: Path, limits: Limits) -> None:
    """Refuse JSON nested deeper than ``limits.max_depth`` before any recursive parser sees it."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limits.max_depth:
                raise LimitError(f"{path}:{_line_at(text, token.start())}: JSON nested more than "
                                 f"{limits.max_depth} levels deep", "depth",
                                 hint="flatten the document (use @id references instead of nesting)")
        elif char in "]}":
            depth -= 1


def _check_xml(text: str, path: Path, limits: Limits) -> None:
    """RDF/XML may declare entities in its DOCTYPE. Simple internal ones (Protégé writes
    ``<!ENTITY owl "http://…#">``) are fine; external ones (``SYSTEM``, ``PUBLIC``) would read files or
    the network, parameter entities and entities that refer to other entities can expand
    exponentially ("billion laughs"): all three are refused. The expanded size is bounded too."""
    match = _XML_ENCODING.search(text[:200])
    if match and match.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise InputError(f"the XML declaration says encoding {match.group(1)!r}; towncase reads UTF-8 only",
                         file=str(path), line=1, hint="save the file as UTF-8 and declare encoding=\"UTF-8\"")
    expanded = len(text.encode("utf-8"))
    for found in _ENTITY.finditer(text):
        line = _line_at(text, found.start())
        parameter, name, value = found.group(1), found.group(2), found.group(3)
        if value in ("SYSTEM", "PUBLIC"):
            raise InputError(f"external XML entity {name!r} would read a file or fetch a URL; towncase never does",
                             file=str(path), line=line, hint="write the value into the file instead")
        if parameter or "&" in value or "%" in value:
            raise InputError(f"XML entity {name!r} refers to other entities (it could expand without bound)",
                             file=str(path), line=line, hint="declare each entity as a plain string")
        expanded += text.count(f"&{name};") * len(value.encode("utf-8"))
        if expanded > limits.max_bytes:
            raise LimitError(f"{path}:{line}: XML entity {name!r} expands the file past {limits.max_bytes:,} bytes",
                             "bytes", hint="write the values into the file instead of entities")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as err:
        raise RDFSyntaxError(f"XML syntax error: {expat.ErrorString(err.code)}", file=str(path), line=err.lineno,
                             column=err.offset + 1, hint="fix the XML at that line") from None


class TermCheck:
    """Check each parsed triple for what RDF forbids or towncase cannot export, whatever the parser
    let through: a literal or formula as subject, a non-IRI predicate, variables and formulas (N3),
    malformed or relative IRIs, lone surrogates, malformed language tags; and give its blank nodes
    labels fresh to this file, so that two files' ``_:b0`` never become one node.

    Called with a triple, returns the triple to store. Each term is checked once.

    Raises:
        RDFSyntaxError: the first such term, with the line where its text first appears.
    """

    def __init__(self, text: str, path: Path) -> None:
        self.text, self.path = text, path
        self.seen: set[Node] = set()
        self.fresh: dict[BNode, BNode] = {}

    def __call__(self, triple: tuple[Node, Node, Node]) -> tuple[Node, Node, Node]:
        from rdflib import BNode, URIRef
        from rdflib.graph import QuotedGraph
        from rdflib.term import Variable

        s, p, o = triple
        if any(isinstance(term, (QuotedGraph, Variable)) for term in triple):
            raise RDFSyntaxError("an N3 formula { … } or variable: N3, not RDF", file=str(self.path),
                                 line=line_of(self.text, "{") if any(isinstance(t, QuotedGraph) for t in triple)
                                 else None, hint="RDF data has no formulas or variables; write plain triples")
        if not isinstance(s, (URIRef, BNode)):
            raise _bad_term(s, "cannot be a subject: only an IRI or a blank node can", self.text, self.path)
        if not isinstance(p, URIRef):
            raise _bad_term(p, "cannot be a predicate: only an IRI can", self.text, self.path)
        for term in triple:
            if term not in self.seen:
                self._check(term)
                self.seen.add(term)
        return self._renamed(s), p, self._renamed(o)

    def _check(self, term: Node) -> None:
        from rdflib import Literal, URIRef

        if isinstance(term, URIRef):
            _check_iri(term, self.text, self.path)
        elif isinstance(term, Literal):
            _check_literal(term, self.text, self.path)

    def _renamed(self, term: Node) -> Node:
        from rdflib import BNode

        if isinstance(term, BNode):
            if term not in self.fresh:
                self.fresh[term] = BNode()
            return self.fresh[term]
        return term


def _check_iri(iri: URIRef, text: str, path: Path) -> None:
    value = str(iri)
    if value.startswith(RELATIVE_BASE):
        local = value[len(RELATIVE_BASE):]
        raise RDFSyntaxError(f"relative IRI {local!r}: towncase does not resolve IRIs against a file's location",
                             file=str(path), line=line_of(text, local),
                             hint="write the full IRI (https://…) or declare a base (@base, @context/@base, xml:base)")
    if _SURROGATE.search(value):
        raise _bad_term(iri, "holds a lone surrogate (half of a UTF-16 pair), which no UTF-8 file can hold", text, path)
    if not _IRI.fullmatch(value):
        bad = re.search(r"[\x00-\x20<>\"{}|^`\\]", value)
        why = f"holds {bad.group()!r}, which an IRI cannot" if bad else "has no scheme (such as https:)"
        raise _bad_term(iri, f"is not a valid IRI: it {why}", text, path,
                        hint="percent-encode the character (a space is %20)")


def _check_literal(literal: Literal, text: str, path: Path) -> None:
    if _SURROGATE.search(str(literal)):
        raise _bad_term(literal, "holds a lone surrogate (half of a UTF-16 pair), which no UTF-8 file can hold",
                        text, path, hint="write the character itself, or both halves of the pair as one \\U escape")
    if literal.language is not None and not _LANG_TAG.fullmatch(literal.language):
        raise _bad_term(literal, f"has a malformed language tag {literal.language!r}", text, path,
                        hint="use a BCP 47 tag such as zh-Hans or en")
    if literal.datatype is not None:
        _check_iri(literal.datatype, text, path)


def _bad_term(term: Node, why: str, text: str, path: Path, hint: str = "") -> RDFSyntaxError:
    shown = str(term).encode("utf-8", "backslashreplace").decode("utf-8")
    return RDFSyntaxError(f"{type(term).__name__} {shown[:80]!r} {why}", file=str(path),
                          line=line_of(text, str(term)), hint=hint or "fix or remove that term")


def line_of(text: str, needle: str) -> int | None:
    """The line where ``needle`` first appears in ``text`` (as written, or its last path segment)."""
    for candidate in (needle, needle.rstrip("/#").rsplit("/", 1)[-1]):
        if candidate:
            at = text.find(candidate)
            if at >= 0:
                return _line_at(text, at)
    return None


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
