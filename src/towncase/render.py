"""Rendering query answers: terminal tables that align Chinese (East Asian wide) text, Markdown, the
W3C SPARQL 1.1 result formats JSON and TSV, and CSV (the W3C format extended with ``<name>@lang``
columns, see :func:`sparql_csv`); graphs as Turtle or JSON-LD.

For people (``table``, ``markdown``) an IRI is shown as its CURIE and a literal as its text; the
machine formats keep full IRIs, language tags and datatypes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph

from .errors import ParameterError, UnknownNameError
from .prefixes import PREFIXES, curie_of
from .resources import NOT_CASES
from .store import XSD_STRING, Answer, bcp47

if TYPE_CHECKING:
    from rdflib.query import Result

# Answers come as rdflib terms or, from a stored query on the Oxigraph store, as pyoxigraph terms
# (without rdflib: tests/test_startup.py); both are printed through :func:`cell`, byte for byte alike.

#: Every ``--format`` of ``towncase query``. SELECT: table, csv, tsv, json, markdown;
#: ASK: the same (a single true/false); CONSTRUCT/DESCRIBE: turtle or jsonld (table → turtle,
#: json → jsonld).
FORMATS = ("table", "csv", "tsv", "json", "markdown", "turtle", "jsonld")
_GRAPH_FORMATS = {"table": "ttl", "turtle": "ttl", "json": "jsonld", "jsonld": "jsonld"}
_ROW_WORDS = {"zh": "{n} 行", "en": "{n} row(s)"}


#: Unicode categories a terminal draws in no column: marks that combine with the one before, formatting and
#: control characters, line and paragraph separators (conjoining Hangul jamo are told by their range).
_ZERO_WIDTH = frozenset({"Mn", "Me", "Mc", "Cf", "Cc", "Zl", "Zp"})


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """Columns one character takes in a terminal: 2 for East Asian wide and fullwidth characters (CJK,
    fullwidth punctuation, most emoji), 0 for those in :data:`_ZERO_WIDTH`, else 1.

    From Python's own Unicode database (``unicodedata``). Of the assigned characters, this differs from the
    ``wcwidth`` package (0.9.4) on 229 only: symbols made wide after Python 3.11's Unicode 14 (the I Ching
    trigrams ☰, counting-rod numerals), Arabic number signs and two Hangul fillers. Written here rather
    than imported: importing ``wcwidth`` cost every table-printing command about 15 ms of start-up.
    """
    if char == "\u00ad":  # the soft hyphen, which terminals draw
        return 1
    if unicodedata.category(char) in _ZERO_WIDTH or "\u1160" <= char <= "\u11ff" or "\ud7b0" <= char <= "\ud7ff":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return len(text) if text.isascii() and text.isprintable() else sum(map(char_width, text))


def truncate(text: str, columns: int) -> str:
    """Cut ``text`` to at most ``columns`` terminal columns, marking a cut with ``…``."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > columns - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, columns: int) -> str:
    """Left-align ``text`` in ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` terminal columns.

    Latin words stay whole where they fit; CJK text (which has no spaces) breaks between any two
    characters; existing line breaks are kept.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            if width(line + token) <= columns:
                line += token
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            if token == " ":
                continue
            while width(token) > columns:
                head = _head(token, columns)
                lines.append(head)
                token = token[len(head):]
            line = token
        lines.append(line.rstrip())
    return lines


def _tokens(paragraph: str) -> list[str]:
    """Spaces, runs of narrow characters (words) and single wide characters."""
    tokens, word = [], ""
    for char in paragraph:
        if char == " " or char_width(char) >= 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _head(text: str, columns: int) -> str:
    """The longest start of ``text`` (at least one character) that fits ``columns``."""
    used = 0
    for i, char in enumerate(text):
        used += char_width(char)
        if used > columns:
            return text[:max(i, 1)]
    return text


def _cells(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    return [[str(c).replace("\n", " ") for c in row] for row in rows]


def _natural_widths(headers: Sequence[str], cells: list[list[str]]) -> list[int]:
    """The columns each column needs to show every cell uncut."""
    return [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]


#: The fewest columns :func:`table` gives a wrapped last column, however narrow the terminal.
_WRAPPED_MIN = 24


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 80, wrap_last: bool = False) -> str:
    """A plain-text table that fits ``max_width`` columns, shrinking the widest columns first.

    With ``wrap_last``, the last column (prose: a message, a note) is wrapped onto as many lines as it
    needs, its own line breaks kept, instead of being cut; the other columns keep their width where
    they can, and the last one gets the rest (at least :data:`_WRAPPED_MIN` columns).
    """
    cells = _cells(rows)
    widths = _natural_widths(headers, cells)
    budget = max_width - 2 * (len(headers) - 1)
    if wrap_last:
        needed = max([width(line) for row in rows for line in str(row[-1]).split("\n")] + [width(headers[-1])])
        widths[-1] = min(needed, max(budget - sum(widths[:-1]), _WRAPPED_MIN))
    cut = len(widths) - 1 if wrap_last else len(widths)  # the columns that may be cut
    while cut and sum(widths) > budget and max(widths[:cut]) > 6:
        widths[widths.index(max(widths[:cut]))] -= 1
    lines = ["  ".join(pad(truncate(h, w), w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("─" * w for w in widths)]
    indent = " " * (sum(widths[:-1]) + 2 * (len(widths) - 1))  # where a wrapped cell's next lines start
    for row, given in zip(cells, rows, strict=True):
        parts = wrap(str(given[-1]), widths[-1]) if wrap_last else [row[-1]]
        lines.append("  ".join(pad(truncate(c, w), w)
                               for c, w in zip([*row[:-1], parts[0]], widths, strict=True)).rstrip())
        lines += [(indent + part).rstrip() for part in parts[1:]]
    return "\n".join(lines)


def records(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 80) -> str:
    """One block per row, one ``name  value`` line per column, values wrapped (never cut) to
    ``max_width`` columns: the layout for answers too wide for a table."""
    key_width = min(max([width(h) for h in headers] + [1]), max_width // 3)
    value_width = max(max_width - key_width - 2, 10)
    blocks = []
    for number, row in enumerate(rows, 1):
        mark = f"─ {number} "
        lines = [mark + "─" * max(max_width - width(mark), 0)]
        for header, cell in zip(headers, row, strict=True):
            name = pad(truncate(header, key_width), key_width)
            for i, part in enumerate(wrap(str(cell), value_width) or [""]):
                lines.append(f"{name if i == 0 else ' ' * key_width}  {part}".rstrip())
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def layout(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 80) -> str:
    """A table when the rows fit ``max_width`` columns uncut, else :func:`records`."""
    natural = _natural_widths(headers, _cells(rows))
    if sum(natural) + 2 * (len(headers) - 1) <= max_width or not rows:
        return table(headers, rows, max_width)
    return records(headers, rows, max_width)


@dataclass(frozen=True)
class Cell:
    """One term of an answer, whichever engine gave it.

    Attributes:
        kind: ``iri``, ``bnode`` or ``literal``.
        value: the IRI, the blank node's label, or the literal's lexical form.
        language: a literal's language tag (BCP 47 case from Oxigraph, as written from rdflib), or ``None``.
        datatype: a literal's datatype IRI, ``None`` for a plain or ``xsd:string`` literal.
    """

    kind: str
    value: str
    language: str | None = None
    datatype: str | None = None


def cell(term: Any) -> Cell | None:
    """A pyoxigraph or rdflib term as a :class:`Cell` (``None`` stays ``None``: unbound; a cell stays itself)."""
    if term is None or isinstance(term, Cell):
        return term
    if isinstance(term, pyoxigraph.NamedNode):
        return Cell("iri", term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return Cell("bnode", term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Cell("literal", term.value, language=bcp47(term.language))
        datatype = term.datatype.value
        return Cell("literal", term.value, datatype=None if datatype == XSD_STRING else datatype)
    from rdflib import BNode, Literal, URIRef  # an rdflib term: rdflib is loaded already

    if isinstance(term, URIRef):
        return Cell("iri", str(term))
    if isinstance(term, BNode):
        return Cell("bnode", str(term))
    if isinstance(term, Literal):
        typed = None if term.datatype is None or str(term.datatype) == XSD_STRING else str(term.datatype)
        return Cell("literal", canonical_number(str(term), typed), language=term.language or None,
                    datatype=None if term.language else typed)
    return Cell("literal", str(term))


_XSD = PREFIXES["xsd"]
_NUMBER = {_XSD + "decimal": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"), _XSD + "integer": re.compile(r"[+-]?\d+"),
           _XSD + "double": re.compile(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN")}


def canonical_number(lexical: str, datatype: str | None) -> str:
    """A well-formed ``xsd:decimal``, ``xsd:integer`` or ``xsd:double`` in the form Oxigraph keeps it
    (``176.430`` → ``176.43``, ``1680000000.0`` → ``1680000000``, ``+05`` → ``5``, ``1.5E2`` → ``150``), so
    both engines print one form of a value; any other literal (an ill-formed one too) as written."""
    pattern = _NUMBER.get(datatype or "")
    if pattern is None or not pattern.fullmatch(lexical):
        return lexical
    if datatype == _XSD + "double":
        number = float(lexical)
        if not math.isfinite(number):
            return lexical.lstrip("+")
        value = Decimal(repr(number))  # the shortest digits that read back as the same double, as Oxigraph's
    else:
        value = Decimal(lexical)
        if not value:
            return "0"  # -0.0 too: a decimal has no negative zero
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def text(term: Any) -> str:
    """A term as people read it: an IRI as its CURIE, a literal as its text, unbound as empty."""
    return _text(cell(term))


def _curie(node: Any) -> str:
    """A report's node (an rdflib term: the reports come from rdflib) as its CURIE."""
    from .labels import curie

    return curie(node)


def result(answer: Result | Answer, fmt: str = "table", lang: str = "zh", max_width: int = 80) -> str:
    """Render a query answer in one of :data:`FORMATS` (the text ends with a newline).

    Raises:
        UnknownNameError: an unknown format.
        ParameterError: a format that does not fit the answer (e.g. CSV for a CONSTRUCT graph).
    """
    if fmt not in FORMATS:
        raise UnknownNameError("format", fmt, list(FORMATS))
    form = answer.form if isinstance(answer, Answer) else str(answer.type)
    if form in ("CONSTRUCT", "DESCRIBE"):
        if fmt not in _GRAPH_FORMATS:
            raise ParameterError(f"a {form} query gives a graph: use --format turtle or jsonld, not {fmt}")
        from .export import serialize
        from .namespaces import bind_prefixes

        return serialize(bind_prefixes(_graph(answer)), _GRAPH_FORMATS[fmt]).decode("utf-8")
    if fmt in ("turtle", "jsonld"):
        raise ParameterError(f"a {form} query gives rows, not a graph: use --format table, csv, tsv, "
                             "json or markdown")
    if form == "ASK":
        return ask(bool(answer.ask if isinstance(answer, Answer) else answer.askAnswer), fmt)
    if isinstance(answer, Answer):
        names, rows = answer.names, [tuple(cell(t) for t in row) for row in answer.rows]
    else:
        from .query import select_rows

        names = [str(v) for v in answer.vars or []]
        rows = [tuple(cell(t) for t in row) for row in select_rows(answer)]
    if fmt == "json":
        return sparql_json(names, rows)
    if fmt == "csv":
        return sparql_csv(names, rows)
    if fmt == "tsv":
        return sparql_tsv(names, rows)
    shown = [[_text(c) for c in row] for row in rows]
    if fmt == "markdown":
        return markdown(names, shown)
    return layout(names, shown, max_width) + "\n" + _ROW_WORDS.get(lang, _ROW_WORDS["en"]).format(n=len(rows)) + "\n"


def _graph(answer: Result | Answer):
    """A CONSTRUCT or DESCRIBE answer as an rdflib graph (to serialise it)."""
    if not isinstance(answer, Answer):
        assert answer.graph is not None  # a CONSTRUCT or DESCRIBE answer is a graph
        return answer.graph
    from rdflib import Graph

    from .store import rdflib_term

    graph = Graph()
    for s, p, o in answer.rows:
        graph.add((rdflib_term(s), rdflib_term(p), rdflib_term(o)))
    return graph


def _text(c: Cell | None) -> str:
    if c is None:
        return ""
    if c.kind == "iri":
        return curie_of(c.value)
    return f"_:{c.value}" if c.kind == "bnode" else c.value


def ask(value: bool, fmt: str = "table") -> str:
    """An ASK answer: SPARQL 1.1 JSON ``{"head": {}, "boolean": …}`` for json, else ``true``/``false``."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}) + "\n"
    return ("true" if value else "false") + "\n"


def sparql_json(names: Sequence[str], rows: Sequence[Sequence[Cell | None]]) -> str:
    """The SPARQL 1.1 Query Results JSON Format (full IRIs, language tags, datatypes)."""
    bindings = [{name: _json_term(term) for name, term in zip(names, row, strict=True) if term is not None} for row in rows]
    doc = {"head": {"vars": list(names)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _json_term(term: Cell) -> dict:
    if term.kind == "iri":
        return {"type": "uri", "value": term.value}
    if term.kind == "bnode":
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = term.datatype
    return out


def sparql_csv(names: Sequence[str], rows: Sequence[Sequence[Cell | None]]) -> str:
    """SPARQL 1.1 Query Results CSV (full IRIs, lexical forms) with one extension of ours, so that it is
    not the W3C format unmodified: a column holding language-tagged literals is followed by a
    ``<name>@lang`` column with their tags, which W3C CSV drops (``@`` cannot occur in a variable name,
    so it never clashes; a column with no tagged literal gets none). ``tsv`` and ``json`` are the
    W3C formats as they are."""
    tagged = {i for i, _ in enumerate(names)
              if any((term := row[i]) is not None and term.language for row in rows)}
    header: list[str] = []
    for i, name in enumerate(names):
        header += [name, f"{name}@lang"] if i in tagged else [name]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells: list[str] = []
        for i, term in enumerate(row):
            cells.append("" if term is None else term.value)
            if i in tagged:
                cells.append(term.language or "" if term is not None else "")
        writer.writerow(cells)
    return out.getvalue()


def sparql_tsv(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax (``<IRI>``, ``"text"@zh-Hans``,
    ``"2022"^^<…#gYear>``), unbound as an empty field; lossless, one row per line. The rows hold
    cells, or rdflib or pyoxigraph terms (the goldens are written from rdflib's answers)."""
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join(tsv_term(cell(t)) for t in row) for row in rows]
    return "\n".join(lines) + "\n"


#: Datatypes the TSV format may write bare (as Turtle does), with the lexical forms that allow it.
_SHORT_FORMS = {"http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?[0-9]+"),
                "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false")}


def tsv_term(term: Cell | None) -> str:
    """One term in the N-Triples syntax of the TSV results format (escaping tabs and line breaks);
    integers and booleans are written bare, as the format allows."""
    if term is None:
        return ""
    if term.kind == "iri":
        return f"<{term.value}>"
    if term.kind == "bnode":
        return f"_:{term.value}"
    lexical = (term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    if term.language:
        return f'"{lexical}"@{term.language}'
    if term.datatype in _SHORT_FORMS and _SHORT_FORMS[term.datatype].fullmatch(lexical):
        return lexical
    if term.datatype:
        return f'"{lexical}"^^<{term.datatype}>'
    return f'"{lexical}"'


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` escaped, line breaks as ``<br>``)."""
    def cell(value: str) -> str:
        return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_WORDS = {
    "zh": {"default": "默认", "required": "必填", "optional": "可选", "example": "例", "tags": "标签", "params": "参数",
           "form": "查询形式", "summary": "摘要", "description": "说明", "lang": "--lang zh|en:标签语言"},
    "en": {"default": "default", "required": "required", "optional": "optional", "example": "e.g.", "tags": "tags", "params": "parameters",
           "form": "query form", "summary": "summary", "description": "description",
           "lang": "--lang zh|en: label language"},
}


def _param_line(param, lang: str, full: bool = False) -> str:
    words = _WORDS[lang]
    notes = [param.cls or param.scheme] if full and (param.cls or param.scheme) else []
    if param.required:
        notes.append(words["required"] + (f", {words['example']} {param.example}" if param.example else ""))
    elif param.default is not None:
        notes.append(f"{words['default']} {param.default}")
    else:
        notes.append(words["optional"] + (f", {words['example']} {param.example}" if param.example else ""))
    return f"--param {param.name}={param.type.upper()}  ({'; '.join(notes)})"


def catalogue(queries, lang: str = "zh", max_width: int = 80) -> str:
    """The query catalogue for people: each query's name, summary and parameters.

    Args:
        queries: :class:`towncase.query.StoredQuery` objects; the questions are listed first, then the
            quality checks (``*-violation``), each by name.
        lang: ``zh`` or ``en``, the language of the summaries.
        max_width: terminal columns to wrap to.
    """
    blocks = []
    for q in sorted(queries, key=lambda q: (q.name.endswith("-violation"), q.name)):
        lines = [q.name]
        lines += ["    " + part for part in wrap(q.summary(lang), max_width - 4)]
        for param in q.params.values():
            if param.name != "lang":
                lines += [("    " if i == 0 else "        ") + part
                          for i, part in enumerate(wrap(_param_line(param, lang), max_width - 8))]
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


def query_help(q, lang: str = "zh", max_width: int = 80) -> str:
    """Everything about one query: summaries in both languages, description, tags, parameters, text."""
    words = _WORDS[lang]
    other = "en" if lang == "zh" else "zh"
    lines = [f"{q.name}  ({words['form']}: {q.form})", ""]
    for part in (q.summary(lang), q.summary(other)):
        lines += wrap(part, max_width)
    if q.description(lang):
        lines += ["", *wrap(q.description(lang), max_width)]
    if q.tags:
        lines += ["", *wrap(f"{words['tags']}: {', '.join(q.tags)}", max_width)]
    if q.params:
        lines += ["", f"{words['params']}:"]
        for param in q.params.values():
            line = words["lang"] if param.name == "lang" else _param_line(param, lang, full=True)
            lines += [("  " if i == 0 else "      ") + part for i, part in enumerate(wrap(line, max_width - 6))]
            if param.description and param.name != "lang":
                lines += ["      " + part for part in wrap(param.description, max_width - 6)]
    body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#+")).strip("\n")
    return "\n".join(lines) + "\n\n" + body + "\n"


# Reports of the core commands (validate, stats, build) ---------------------------------------


def _shown(path) -> str:
    """A path relative to the working folder when it is below it, else as it is."""
    return _relative(str(path), os.getcwd())


@lru_cache(maxsize=4096)
def _relative(path: str, cwd: str) -> str:
    """``path`` relative to ``cwd`` when it is below it (each path resolved once per process: a report
    over thousands of towns names the same files again and again)."""
    try:
        return str(Path(path).resolve().relative_to(cwd))
    except ValueError:
        return path


#: Up to this many warnings a validation report lists one by one; more are summarised, one row per check
#: (``--details`` lists them all). Twenty, at five or six lines each, are a couple of screens; the shipped
#: cases alone give 89, and 100 synthetic towns 8,404.
WARNINGS_LISTED = 20


def validation_report(result, details: bool = False, max_width: int = 80) -> str:
    """A SHACL validation result for a data author: each finding's node (with its labels), file, path,
    shape and message, then the verdict.

    Violations (and infos) are always listed one by one. Warnings are too when there are at most
    :data:`WARNINGS_LISTED` of them, or ``details`` is true; more are summarised by
    :func:`warning_summary`, fitting ``max_width`` columns, with a line saying how to list each.
    """
    warnings = result.by_severity("Warning")
    summarised = not details and len(warnings) > WARNINGS_LISTED
    lines = []
    for f in result.findings:
        if summarised and f.severity == "Warning":
            continue
        who = _curie(f.focus) + (f"  ({f.focus_label})" if f.focus_label else "")
        lines.append(f"{f.severity}: {who}")
        if f.file is not None:
            lines.append(f"  file:  {_shown(f.file)}")
        lines += [f"  path:  {_curie(f.path) or '-'}", f"  check: {_curie(f.shape)}"]
        if f.value is not None:
            lines.append(f"  value: {_curie(f.value)}")
        lines.append(f"  {f.message}")
    if summarised:
        lines += wrap(f"{len(warnings)} warnings (建议), summarised by check: over {WARNINGS_LISTED} are not "
                      "listed one by one", max_width)
        lines += [warning_summary(warnings, max_width),
                  *wrap("To list every warning with its node, file and path, run again with --details.", max_width)]
    violations = len(result.by_severity("Violation"))
    verdict = "符合 / conforms" if result.conforms else "不符合 / does not conform"
    lines.append(f"{verdict}: {violations} violation(s), {len(warnings)} warning(s)")
    return "\n".join(lines)


@dataclass(frozen=True)
class CheckCount:
    """What one check found, summed: see :func:`check_counts`.

    Attributes:
        check: the check's CURIE (a shape, or another check's name).
        findings: how many findings it gave.
        cases: in how many cases their files lie (a case is the folder of its files; the reference
            data is none).
        files: in how many files; 0 when no finding names its file (``towncase validate FILES``).
        message: the message of most of them (the first by text on a tie).
        messages: how many different messages they have (one, unless the message names the value).
    """

    check: str
    findings: int
    cases: int
    files: int
    message: str
    messages: int


def check_counts(findings: Sequence) -> list[CheckCount]:
    """The findings summed per check, most findings first, then by the check's CURIE."""
    grouped: dict[Any, list] = {}
    for f in findings:
        grouped.setdefault(f.shape, []).append(f)
    counts = []
    for shape, found in grouped.items():
        files = {f.file for f in found if f.file is not None}
        messages = Counter(f.message for f in found)
        message = min(messages, key=lambda m: (-messages[m], m))
        cases = {path.parent for path in files if path.parent.name not in NOT_CASES}
        counts.append(CheckCount(_curie(shape), len(found), len(cases), len(files), message, len(messages)))
    return sorted(counts, key=lambda c: (-c.findings, c.check))


def warning_summary(warnings: Sequence, max_width: int = 80) -> str:
    """A table of :func:`check_counts`: per check the warnings, the cases and files they lie in, and
    the check with its message (wrapped, never cut), to fit ``max_width`` columns."""
    rows = []
    for c in check_counts(warnings):
        others = f" (and {c.messages - 1} other message(s))" if c.messages > 1 else ""
        located = (str(c.cases), str(c.files)) if c.files else ("-", "-")
        rows.append((str(c.findings), *located, f"{c.check}\n{c.message}{others}"))
    return table(["warnings", "cases", "files", "check: what to do"], rows, max_width, wrap_last=True)


_STATS_WORDS = {
    "zh": ("三元组", "命名图", "类", "实体数", "指标", "观测数", "语言", "标签数"),
    "en": ("triples", "named graph", "class", "entities", "indicator", "observations", "language", "labels"),
}
_BASIS_WORDS = {"zh": ("案例", "依据类型", "事实数", "未注明"), "en": ("case", "basis", "facts", "not given")}


def stats_report(s, lang: str = "zh") -> str:
    """The counts of ``towncase stats`` as tables in ``lang``."""
    triples, graph, cls, entities, indicator, observations, language, labels = _STATS_WORDS[lang]
    return "\n\n".join([
        f"{triples}: {s.triples}",
        table([graph, triples], [(curie_of(str(g)), str(n)) for g, n in s.graphs]),
        table([cls, entities], [(c.name(lang), str(c.count)) for c in s.entities]),
        table([indicator, observations], [(c.name(lang), str(c.count)) for c in s.observations]),
        table([language, labels], [(c.key, str(c.count)) for c in s.labels]),
        table(list(_BASIS_WORDS[lang][:3]),
              [(b.case.name(lang), b.basis.name(lang) if b.basis else _BASIS_WORDS[lang][3], str(b.case.count))
               for b in s.bases]),
    ])


def build_summary(done, version: str) -> str:
    """The bilingual summary ``towncase build`` prints: verdict, each case, entities per class, files."""
    warnings = len(done.validation.by_severity("Warning"))
    lines = [f"towncase {version} — 城镇发展案例知识图谱 / town-case knowledge graph",
             f"三元组 / triples: {done.stats.triples};  SHACL: "
             + (f"符合 / conforms ({warnings} 条建议 / warnings)" if done.validation.conforms
                else "不符合 / does not conform")
             + ("" if done.links is None else
                "; 链接 / links: " + ("符合 / conform" if done.links.conforms else "不符合 / do not conform"))]
    for case in done.cases:
        lines += ["", case.label_zh, case.label_en,
                  f"  {case.triples} 三元组 triples · {case.entities} 实体 entities · {case.quotes} 原文引语 quotes",
                  f"  {case.observations} 定量观测 observations · {case.outcomes} 定性成果 outcomes · "
                  f"{case.programmes} 政策项目 programmes"]
    rows = [(f"{c.zh} / {c.en}", str(c.count)) for c in done.stats.entities]
    lines += ["", table(["类 / class", "实体 / entities"], rows)]
    if done.written:
        lines += ["", table(["文件 / file", "三元组 / triples"], [(str(w.path), str(w.triples)) for w in done.written])]
    return "\n".join(lines)


def extract_proposed(proposal, output) -> str:
    """What ``towncase extract`` says after writing a review sheet."""
    suggested = sum(c.indicator is not None for c in proposal.candidates)
    return (f"{len(proposal.candidates)} 个候选观测 / candidate observations ({suggested} with a suggested "
            f"indicator) → {output}\n"
            f"review each row (decision: accept, fix or reject), then: towncase extract --apply {output}")


def extract_applied(done) -> str:
    """What ``towncase extract --apply`` says: how many rows went where."""
    lines = [f"applied {done.applied} · already in the case {done.already} · rejected {done.rejected} · "
             f"undecided {done.undecided}"]
    if done.written:
        lines.append(f"→ {done.written} (check it: towncase validate)")
    else:
        lines.append("nothing written")
    return "\n".join(lines)

def published(done, store_url: str) -> str:
    """What ``towncase publish`` replaced in a store, checked: each named graph and its triples."""
    rows = [(str(p.graph), str(p.triples)) for p in done]
    return "\n".join([f"已发布 / published to {store_url} (已核对 / checked):",
                      table(["命名图 / named graph", "三元组 / triples"], rows, max_width=200)])


def packaged(done) -> str:
    """What ``towncase package`` wrote: the folder, the number of files and their total size."""
    size = sum(f.size for f in done.files)
    return (f"已打包 / packaged: {done.folder}/ — {len(done.files)} 个文件 files, {size} 字节 bytes "
            f"(SHA256SUMS, catalog.ttl: DCAT-AP 3.0.1 + VoID)")


def links_built(built) -> str:
    """What ``towncase link build`` compiled."""
    links = sum(len(ms.mappings) for ms in built.sets)
    files = ", ".join(str(_shown(ms.path)) for ms in built.sets) or "none"
    verdict = "conforms" if built.validation.conforms else "does NOT conform"
    return (f"{len(built.sets)} mapping set(s) ({files}), {links} link(s), {len(built.graph)} triples in the "
            f"linkset graph: {verdict}")


def links_vanished(vanished) -> str:
    """The links whose ends vanished, one line each naming the file and row."""
    if not vanished:
        return "every link's ends exist"
    return "\n".join(f"{_shown(v.file)}:{v.row}: the {v.end} {_curie(getattr(v.mapping, v.end))} is gone "
                     f"({_curie(v.mapping.subject)} {_curie(v.mapping.predicate)} {_curie(v.mapping.object)})"
                     for v in vanished)


def links_suggested(found, lang: str = "zh", max_width: int = 80) -> str:
    """The candidate links and the entities two cases share, as two tables."""
    zh = lang == "zh"
    out = [f"{found.case_a} × {found.case_b}: " + (f"{len(found.candidates)} 个候选链接" if zh
                                                   else f"{len(found.candidates)} candidate link(s)")]
    if found.candidates:
        out.append(table(["subject", "predicate", "object", "confidence", "why"],
                         [[_curie(c.subject), _curie(c.predicate), _curie(c.object), str(c.confidence), c.why]
                          for c in found.candidates], max_width))
    out.append(("两案例共用同一 IRI(无需链接):" if zh else "Shared under one IRI (no link needed):")
               + f" {len(found.shared)}")
    out.append(table(["iri", "kind", "label", "minted in"],
                     [[_curie(s.iri), _curie(s.kind), s.label, _curie(s.minted_in)] for s in found.shared], max_width))
    return "\n".join(out) + "\n"


def comparison(done, fmt: str = "table", max_width: int = 80) -> str:
    """``towncase compare``'s table: one row per indicator and town (a missing town says so)."""
    from .compare import HEADERS, rows

    headers, body = HEADERS[done.lang], rows(done, grouped=fmt != "csv")
    if fmt == "markdown":
        return markdown(headers, body)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(body)
        return out.getvalue()
    return table(headers, body, max_width) + "\n"
