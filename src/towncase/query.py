"""Stored SPARQL queries: the catalogue in ``queries/*.rq`` and running a query with bound parameters.

Each ``.rq`` file opens with a grlc-style header of ``#+`` comment lines holding YAML::

    #+ summary: Town profile: the headline indicators
    #+ summary_zh: 城镇概况:主要指标
    #+ description: …
    #+ tags: [profile, theme:thriving-industry]
    #+ params:
    #+   town: {type: iri, class: tc:Town, default: "place:shaoxing-zhuji-diankou"}
    #+   lang: {type: string, default: zh}

so the file stays valid SPARQL 1.1 and runs unchanged in any SPARQL tool. A parameter is the query
variable of the same name (``?town``). towncase binds it through rdflib's ``initBindings`` on a
prepared query, typed from the header (``iri``, ``string``, ``langstring``, ``integer``, ``decimal``,
``date``); no value is ever formatted into SPARQL text. ``lang`` is reserved: it is chosen with
``--lang zh|en`` and bound as the BCP 47 language *range* ``"zh"`` or ``"en"`` for ``langMatches``
(a range ``"zh"`` matches the data's ``zh-Hans`` tags). Queries read it as
``COALESCE(?lang, "zh")``, so a tool that binds nothing gets the header default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property, lru_cache
from pathlib import Path

import yaml
from pyparsing import ParseBaseException, ParseResults
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node

from . import bounded, inputs, offline, resources
from .errors import InputError, LimitError, ParameterError, UnknownNameError, engine_errors
from .labels import curie
from .namespaces import PREFIXES

#: The types a header may give a parameter.
PARAM_TYPES = ("iri", "string", "langstring", "integer", "decimal", "date")
#: ``--lang`` choice → the language range bound to ``?lang`` …
LANGUAGE_RANGES = {"zh": "zh", "en": "en"}
#: … and the tag an untagged ``langstring`` value gets.
LANGUAGE_TAGS = {"zh": "zh-Hans", "en": "en"}
#: The reserved parameter set by ``--lang`` rather than ``--param``.
LANG_PARAM = "lang"
#: Header keys a query may use (a typo such as ``sumary`` is an error, not a silent omission).
HEADER_KEYS = {"summary", "summary_zh", "description", "description_zh", "tags", "params",
               "same_under_inference"}
PARAM_KEYS = {"type", "default", "required", "description", "class", "scheme", "example"}
#: IRI schemes accepted as written; anything else before a colon must be a canonical prefix.
IRI_SCHEMES = ("http", "https", "urn", "tag", "mailto", "file", "did")

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The longest query text parsed: rdflib parses a VALUES block at about 30 KB a second.
MAX_QUERY_CHARS = 100_000
_UNKNOWN_PREFIX = re.compile(r"Unknown namespace prefix\s*:\s*(\S*)")


@dataclass(frozen=True)
class Param:
    """One parameter of a query, as its header declares it.

    Attributes:
        name: the query variable it binds (without ``?``).
        type: one of :data:`PARAM_TYPES`.
        default: the value used when none is given (as a user would write it), or ``None``.
        required: whether a value must be given (a required parameter has no default).
        description: what it means.
        cls: for an ``iri``, the class (CURIE) its value must be an instance of, or ``None``.
        scheme: for an ``iri``, the SKOS concept scheme its value must be in, or ``None``.
        example: a value to show in listings and to run the query with in tests.
    """

    name: str
    type: str
    default: str | None = None
    required: bool = False
    description: str = ""
    cls: str | None = None
    scheme: str | None = None
    example: str | None = None


@dataclass(frozen=True)
class StoredQuery:
    """One query: its name (the file stem, or ``<-e>`` for an ad-hoc text), header and text."""

    name: str
    path: Path | None
    text: str
    header: dict
    stored: bool = False

    @cached_property
    def params(self) -> dict[str, Param]:
        """``{name: Param}`` from the header, in header order."""
        return _params(self.header.get("params") or {}, self.source)

    @property
    def source(self) -> str:
        """Where the query comes from, for messages."""
        return str(self.path) if self.path else self.name

    @property
    def tags(self) -> list[str]:
        """The header's tags (e.g. ``theme:thriving-industry``)."""
        return [str(t) for t in self.header.get("tags") or []]

    @property
    def same_under_inference(self) -> bool:
        """Whether the answer is the same over the asserted and the RDFS-inferred graph (default yes)."""
        return bool(self.header.get("same_under_inference", True))

    def summary(self, lang: str = "en") -> str:
        """The one-line summary in ``zh`` or ``en``, falling back to the other."""
        return self._bilingual("summary", lang)

    def description(self, lang: str = "en") -> str:
        """The description in ``zh`` or ``en``, falling back to the other."""
        return self._bilingual("description", lang)

    def _bilingual(self, key: str, lang: str) -> str:
        zh, en = str(self.header.get(f"{key}_zh") or ""), str(self.header.get(key) or "")
        return _unfold_cjk((zh or en) if lang == "zh" else (en or zh))

    @cached_property
    def prepared(self) -> Query:
        """The parsed query. Stored queries declare every prefix (so any SPARQL tool runs them);
        the user's own may use the canonical prefixes without declaring them.

        Raises:
            InputError: the text is not a SPARQL 1.1 query (names the line and column).
        """
        return parse(self.text, self.source, init_ns=None if self.stored else PREFIXES)

    @property
    def form(self) -> str:
        """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``."""
        return self.prepared.algebra.name.removesuffix("Query").upper()

    @cached_property
    def variables(self) -> frozenset[str]:
        """Every variable the query mentions (patterns, expressions, projections)."""
        mentioned, _ = _variables(self.prepared.algebra)
        return frozenset(mentioned)

    @cached_property
    def input_variables(self) -> frozenset[str]:
        """Variables the query reads but never binds itself: what a caller must (or may) bind."""
        mentioned, bound = _variables(self.prepared.algebra)
        return frozenset(mentioned - bound)


_CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_FOLDED_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}\u201c\u2018])|(?<=[{_CJK}\u201d\u2019]) (?=[{_CJK}])")


def _unfold_cjk(text: str) -> str:
    """Drop the spaces YAML folding (``>-``) puts between two lines of Chinese text."""
    return _FOLDED_SPACE.sub("", text)


def parse(text: str, source: str = "<query>", init_ns: Mapping[str, str] | None = None) -> Query:
    """Parse a SPARQL 1.1 query (never an update).

    The columns of a ``SELECT *`` come in the order their variables first appear in the query text
    (SPARQL leaves it to the implementation; rdflib takes them from a set, so the order would
    change with ``PYTHONHASHSEED``).

    Raises:
        InputError: a syntax error (with line and column) or an undeclared prefix.
        LimitError: the text is longer than :data:`MAX_QUERY_CHARS` (rdflib's parser would take minutes).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise LimitError(f"{source}: a query of {len(text):,} characters is longer than the {MAX_QUERY_CHARS:,} "
                         "towncase parses", "query size", hint="load large VALUES as data instead")
    try:
        tree = parseQuery(text)
        star = tree[1].name == "SelectQuery" and not tree[1].projection
        order = _in_text_order(tree[1]) if star else []  # before translating, which rewrites the tree
        query = translateQuery(tree, None, dict(init_ns or {}))
    except ParseBaseException as err:
        raise InputError(f"SPARQL syntax error at column {err.col}: {err.msg}", file=source, line=err.lineno,
                         hint="only SPARQL 1.1 queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here") from err
    except Exception as err:  # rdflib raises a bare Exception for an unknown prefix and algebra errors
        prefix = _UNKNOWN_PREFIX.search(str(err))
        if prefix:
            used = re.search(rf"(?<![\w:<]){re.escape(prefix.group(1))}:", text)
            raise InputError(f"unknown prefix {prefix.group(1)}:", file=source,
                             line=text.count("\n", 0, used.start()) + 1 if used else None,
                             hint="declare it with a PREFIX line (stored queries must), or use one of "
                                  f"{', '.join(sorted(PREFIXES))}") from err
        raise InputError(f"SPARQL error: {err}", file=source,
                         hint="declare every prefix with a PREFIX line (stored queries must)") from err
    _refuse_network(query, source)
    if star:
        _order_projection(query.algebra, order)
    return query


def _in_text_order(tree: object) -> list[Variable]:
    """The variables of a parse tree, in the order they first appear in the query text."""
    found: dict[Variable, None] = {}

    def walk(node: object) -> None:
        if isinstance(node, Variable):
            found.setdefault(node)
        elif isinstance(node, dict):  # a CompValue keeps its parts in the order they were parsed
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple, ParseResults)):
            for item in node:
                walk(item)

    walk(tree)
    return list(found)


def _order_projection(algebra: CompValue, order: list[Variable]) -> None:
    """Put the projected variables of a ``SELECT *`` (the query's and its ``Project`` node's) in
    ``order``; any not in it follow by name."""
    rank = {var: i for i, var in enumerate(order)}

    def key(var: Variable) -> tuple[int, str]:
        return rank.get(var, len(rank)), str(var)

    node = algebra
    while isinstance(node, CompValue):
        if "PV" in node:
            node["PV"] = sorted(node["PV"], key=key)
        if node.name == "Project":
            break
        node = node.get("p")


def _refuse_network(query: Query, source: str) -> None:
    """Nothing is fetched at run time: no SERVICE, and no FROM / FROM NAMED (which rdflib loads)."""
    if query.algebra.get("datasetClause"):
        raise InputError("FROM / FROM NAMED would load a graph from elsewhere; towncase never fetches",
                         file=source, hint="the shipped graphs are already loaded: use GRAPH <iri> { … } to pick one")

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise InputError(f"SERVICE <{node.term}> would query a remote endpoint; towncase never fetches",
                                 file=source, hint="run federated queries in a triple store, not here")
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(query.algebra)


def parse_header(text: str, source: str = "<query>") -> dict:
    """The YAML held by the leading ``#+`` lines of a query text."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as err:
        raise InputError(f"bad #+ header: {err}", file=source,
                         hint="the #+ lines must form YAML, e.g. '#+ summary: …'") from err
    if not isinstance(header, dict):
        raise InputError("the #+ header is not a mapping", file=source)
    unknown = sorted(set(header) - HEADER_KEYS)
    if unknown:
        raise UnknownNameError(f"#+ header key in {source}:", unknown[0], sorted(HEADER_KEYS))
    return header


def _params(raw: object, source: str) -> dict[str, Param]:
    if not isinstance(raw, dict):
        raise InputError("#+ params must be a mapping of name → {type, default, …}", file=source)
    params = {}
    for name, spec in raw.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise InputError(f"#+ params: {name} must be a mapping", file=source)
        unknown = sorted(set(spec) - PARAM_KEYS)
        if unknown:
            raise UnknownNameError(f"key of parameter {name!r} in {source}:", unknown[0], sorted(PARAM_KEYS))
        kind = spec.get("type", "string")
        if kind not in PARAM_TYPES:
            raise UnknownNameError(f"parameter type in {source}:", str(kind), list(PARAM_TYPES))
        default = spec.get("default")
        required = bool(spec.get("required", False))
        if required and default is not None:
            raise InputError(f"#+ params: {name} is required, so it cannot have a default", file=source)
        params[str(name)] = Param(
            name=str(name), type=kind, default=None if default is None else str(default), required=required,
            description=str(spec.get("description") or ""), cls=spec.get("class"), scheme=spec.get("scheme"),
            example=None if spec.get("example") is None else str(spec["example"]))
        if (params[str(name)].cls or params[str(name)].scheme) and kind != "iri":
            raise InputError(f"#+ params: {name} has a class or scheme, so its type must be iri", file=source)
    return params


def read_query(path: Path, stored: bool = False) -> StoredQuery:
    """Read one ``.rq`` file: the user's own, or (``stored``) one of the catalogue."""
    path = Path(path)
    text = inputs.read_text(path, what="SPARQL")  # a regular UTF-8 file: a FIFO or folder is refused
    return StoredQuery(name=path.stem, path=path, text=text, header=parse_header(text, str(path)), stored=stored)


def from_text(text: str, name: str = "<-e>") -> StoredQuery:
    """An ad-hoc query given as text (it may carry a ``#+`` header of its own)."""
    return StoredQuery(name=name, path=None, text=text, header=parse_header(text, name))


def catalogue() -> dict[str, StoredQuery]:
    """Every stored query, by name, in name order (read and parsed once per process)."""
    return dict(_catalogue())


@lru_cache(maxsize=1)
def _catalogue() -> tuple[tuple[str, StoredQuery], ...]:
    return tuple((path.stem, read_query(path, stored=True))
                 for path in sorted(resources.query_files(), key=lambda p: p.stem))


def stored(name: str) -> StoredQuery:
    """One stored query by name (only its own ``.rq`` file is read, once per process).

    Raises:
        UnknownNameError: no query of that name (with the close matches).
    """
    if _catalogue.cache_info().currsize:  # the catalogue is already read
        queries = catalogue()
        if name in queries:
            return queries[name]
    files = {path.stem: path for path in resources.query_files()}
    if name not in files:
        raise UnknownNameError("query", name, sorted(files))
    return _stored(files[name])


@cache
def _stored(path: Path) -> StoredQuery:
    return read_query(path, stored=True)


def choose(name: str | None = None, file: Path | None = None, text: str | None = None) -> StoredQuery:
    """Exactly one of a stored query's name, a ``.rq`` file or a query text.

    Raises:
        ParameterError: none or more than one was given.
    """
    given = [x for x in (name, file, text) if x is not None]
    if len(given) != 1:
        raise ParameterError("give one query: a stored query NAME, --file Q.rq or -e 'SPARQL'",
                             hint="towncase queries lists the stored ones")
    if name is not None:
        return stored(name)
    if file is not None:
        return read_query(file)
    assert text is not None  # exactly one of the three was given
    return from_text(text)


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["town=place:…", …]`` → ``{"town": "place:…"}``; a value may contain ``=``.

    Raises:
        ParameterError: an item without ``=``, an empty name, or a name given twice.
    """
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"--param {pair!r} is not KEY=VALUE", hint="e.g. --param town=place:shaoxing-zhuji-diankou")
        if key in values:
            raise ParameterError(f"--param {key} is given twice")
        values[key] = value
    return values


def bind(graph: Graph, query: StoredQuery, values: Mapping[str, str] | None = None,
         lang: str = "zh") -> dict[str, Node]:
    """Typed rdflib terms for a query's parameters: the given values, else the header defaults.

    A query's parameters are typed by its header. The user's own query (``-e``, ``--file``) may
    also bind variables it does not declare, and gets ``?lang`` bound if it reads it: a value written ``<…>``, ``http(s)://…`` or with a canonical prefix
    (``place:…``) is an IRI, anything else a plain string.

    Args:
        graph: the graph the query will run over (an ``iri`` parameter with a ``class`` must name
            an instance of it there).
        query: the query.
        values: parameter name → value as the user wrote it.
        lang: ``zh`` or ``en``; bound to ``?lang`` when the query declares it.

    Raises:
        UnknownNameError: an unknown parameter (with the close matches), ``lang`` not ``zh``/``en``,
            or an IRI not of the parameter's class (with the close matches among its instances).
        ParameterError: a missing required parameter, or a value of the wrong type.
    """
    values = dict(values or {})
    if lang not in LANGUAGE_RANGES:
        raise UnknownNameError("language", lang, list(LANGUAGE_RANGES))
    if LANG_PARAM in values:
        raise ParameterError("the label language is chosen with --lang zh|en, not --param lang=…")
    declared = query.params
    bindings: dict[str, Node] = {}
    for name, value in values.items():
        if name in declared:
            bindings[name] = convert(declared[name], value, lang)
        elif not query.stored and name in query.variables:
            bindings[name] = _untyped(name, value)
        else:
            known = [p for p in declared if p != LANG_PARAM] or sorted(query.input_variables - {LANG_PARAM})
            raise UnknownNameError(f"parameter of query {query.name}:", name, known)
    if LANG_PARAM not in declared and not query.stored and LANG_PARAM in query.input_variables:
        bindings[LANG_PARAM] = Literal(LANGUAGE_RANGES[lang])
    for name, param in declared.items():
        if name == LANG_PARAM:
            bindings[name] = Literal(LANGUAGE_RANGES[lang])
        elif name not in bindings and param.required:
            example = f"{name}={param.example}" if param.example else f"{name}=…"
            raise ParameterError(f"query {query.name} needs --param {name} ({param.type})",
                                 hint=f"e.g. --param {example}")
        elif name not in bindings and param.default is not None:
            bindings[name] = convert(param, param.default, lang)
    for name, param in declared.items():
        if name in bindings and param.cls:
            _check_instance(graph, param, bindings[name])
        if name in bindings and param.scheme:
            _check_in_scheme(graph, param, bindings[name])
    return bindings


def convert(param: Param, value: str, lang: str = "zh") -> Node:
    """One value, as written by a user, to the rdflib term its parameter type says.

    Raises:
        ParameterError: the value is not of the type (e.g. not an IRI, not an integer).
        UnknownNameError: an IRI written with a prefix that is not canonical.
    """
    kind = param.type
    if kind == "iri":
        return iri(value, param.name)
    if kind == "string":
        return Literal(value)
    if kind == "langstring":
        text, at, tag = value.rpartition("@")
        if at and text and _LANG_TAG.fullmatch(tag):
            return Literal(text, lang=tag)
        return Literal(value, lang=LANGUAGE_TAGS.get(lang, "zh-Hans"))
    if kind == "integer":
        if not _INTEGER.fullmatch(value.strip()):
            raise ParameterError(f"--param {param.name}={value!r} is not an integer", hint="e.g. 2022")
        return Literal(int(value), datatype=XSD.integer)
    if kind == "decimal":
        try:
            if not _DECIMAL.fullmatch(value.strip()):
                raise InvalidOperation
            return Literal(Decimal(value.strip()), datatype=XSD.decimal)
        except InvalidOperation:
            raise ParameterError(f"--param {param.name}={value!r} is not a decimal number", hint="e.g. 0.45") from None
    if kind == "date":
        try:
            if not _DATE.fullmatch(value.strip()):
                raise ValueError
            date.fromisoformat(value.strip())
        except ValueError:
            raise ParameterError(f"--param {param.name}={value!r} is not a date",
                                 hint="write it YYYY-MM-DD, e.g. 2022-07-01") from None
        return Literal(value.strip(), datatype=XSD.date)
    raise UnknownNameError("parameter type", kind, list(PARAM_TYPES))  # header checks make this unreachable


def iri(value: str, name: str = "iri") -> URIRef:
    """An IRI from ``<…>``, a full ``http(s)://…`` / ``urn:…`` IRI, or a canonical CURIE (``place:…``).

    Raises:
        ParameterError: not an IRI, or it holds a character SPARQL forbids in IRIs (space, ``<>"{}|^`\\``).
        UnknownNameError: a CURIE whose prefix is not canonical (with the close matches).
    """
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if not colon or not prefix:
        raise ParameterError(f"--param {name}={value!r} is not an IRI",
                             hint="write a CURIE such as place:shaoxing-zhuji-diankou or a full https:// IRI")
    if prefix in PREFIXES:
        text = PREFIXES[prefix] + local
    elif prefix.lower() not in IRI_SCHEMES:
        raise UnknownNameError(f"prefix in --param {name}:", prefix, list(PREFIXES))
    bad = _IRI_FORBIDDEN.search(text)
    if bad:
        raise ParameterError(f"--param {name}={value!r} is not an IRI: it holds {bad.group()!r}",
                             hint="an IRI has no spaces, quotes, <>, {}, |, ^, ` or \\")
    return URIRef(text)


def _untyped(name: str, value: str) -> Node:
    text = value.strip()
    prefix = text.partition(":")[0]
    if (text.startswith("<") and text.endswith(">")) or (":" in text and (prefix in PREFIXES
                                                                          or prefix.lower() in IRI_SCHEMES)):
        return iri(text, name)
    return Literal(value)


def _check_instance(graph: Graph, param: Param, value: Node) -> None:
    """Raise UnknownNameError (with the close matches) unless ``value`` is typed with the parameter's
    class or one of its subclasses (``rdfs:subClassOf``, transitively)."""
    assert param.cls is not None  # called for a parameter with a class only
    cls = iri(param.cls, f"{param.name} class")
    classes = list(graph.transitive_subjects(RDFS.subClassOf, cls))  # cls itself first
    if not any((value, RDF.type, c) in graph for c in classes):
        instances = {s for c in classes for s in graph.subjects(RDF.type, c)}
        _not_a_member(param, value, f"an instance of {curie(cls)}", instances)


def _check_in_scheme(graph: Graph, param: Param, value: Node) -> None:
    """Raise UnknownNameError (with the close matches) unless ``value`` is ``skos:inScheme`` the
    parameter's concept scheme."""
    assert param.scheme is not None  # called for a parameter with a scheme only
    scheme = iri(param.scheme, f"{param.name} scheme")
    if (value, SKOS.inScheme, scheme) not in graph:
        _not_a_member(param, value, f"a concept of {curie(scheme)}", set(graph.subjects(SKOS.inScheme, scheme)))


def _not_a_member(param: Param, value: Node, relation: str, members: set[Node]) -> None:
    raise UnknownNameError(f"value for --param {param.name} (it must be {relation})",
                           curie(value), sorted(curie(m) for m in members))


def run(graph, query: StoredQuery, bindings: Mapping[str, Node] | None = None,
        limits: QueryLimits | None = None) -> BoundedResult:
    """Run a query over a graph, dataset or store (:mod:`towncase.store`) with already typed bindings (see :func:`bind`), within
    ``limits`` (the defaults of :class:`QueryLimits` when none are given), in a worker process
    (:mod:`towncase.bounded`) that the time limit really stops.

    The answer is complete unless ``truncated``: at most ``limits.max_rows`` rows (or triples).

    Raises:
        LimitError: the time or memory limit was reached, or the query nests or chains too deeply.
        EngineError: rdflib failed while answering (e.g. a SPARQL type error in an aggregate).
        OfflineError: the query tried to reach the network or a file.
    """
    limits = limits or QueryLimits()
    from . import store

    if isinstance(graph, store.Store):
        return graph.answer(query, dict(bindings or {}), limits)
    kind, names, rows, ask, truncated = bounded.run(
        _answer_rows, (graph, query.prepared, dict(bindings or {}), limits.max_rows), limits,
        doing=f"query {query.name}")
    return result(kind, names, rows, ask, truncated, limits.max_rows)


def result(kind: str, names: list, rows: list[tuple], ask: bool | None, truncated: bool, limit: int) -> BoundedResult:
    """An answer from plain values (as a worker process hands them back): the form, the column names,
    the rows (or triples), the ASK answer, whether it was cut, and at how many rows."""
    result = BoundedResult(kind)
    result.truncated, result.limit = truncated, limit
    if kind == "ASK":
        result.askAnswer = ask
    elif kind == "SELECT":
        result.vars = names
        result.bindings = [{v: t for v, t in zip(names, row, strict=True) if t is not None} for row in rows]
    else:
        result.graph = Graph()
        for triple in rows:
            result.graph.add(triple)
    return result


@dataclass(frozen=True)
class QueryLimits(bounded.Limits):
    """How long a query may run, how much memory it may add, and how many rows (or triples) of its
    answer are kept (the rest are cut, and the answer says so)."""

    timeout: float = 60.0
    max_rows: int = 100_000


def select_rows(result: Result) -> list[ResultRow]:
    """The rows of a SELECT answer, typed (rdflib types an answer's items as rows, triples or a boolean)."""
    return [row for row in result if isinstance(row, ResultRow)]


class BoundedResult(Result):
    """An rdflib query result, complete unless ``truncated`` (cut at ``limit`` rows or triples)."""

    truncated: bool = False
    limit: int = 0


def _answer_rows(graph: Graph, prepared: Query, bindings: dict[str, Identifier], max_rows: int):
    """(form, variables, rows or triples, ASK answer, cut?): the answer in full up to ``max_rows``,
    as plain values that cross a process boundary. rdflib produces rows lazily: its errors surface here."""
    with offline.guard("running a query"), engine_errors("rdflib's SPARQL engine"):
        answer = graph.query(prepared, initBindings=bindings)
        if answer.type == "ASK":
            return answer.type, [], [], bool(answer.askAnswer), False
        rows: list[tuple] = []
        for item in answer:
            if len(rows) == max_rows:
                return answer.type, list(answer.vars or []), rows, None, True
            assert isinstance(item, tuple)  # a row or a triple: ASK answered above
            rows.append(tuple(item))
        return answer.type, list(answer.vars or []), rows, None, False


def answer(ds, query: StoredQuery, values: Mapping[str, str] | None = None, lang: str = "zh",
           inference: str = "none", limits: QueryLimits | None = None) -> BoundedResult:
    """Answer a query over the dataset, asserted or with a regime's inferences added.

    Args:
        ds: the dataset (usually :func:`towncase.load.dataset`) or a store (:func:`towncase.store.open_store`).
        query: a stored or ad-hoc query.
        values: parameter values as the user wrote them (``{"town": "place:…"}``).
        lang: ``zh`` or ``en``: the label language (falling back to the other).
        inference: a regime of :data:`towncase.reason.REGIMES`.
        limits: time, memory and row limits (see :func:`run`).
    """
    from . import store

    source = store.of(ds)
    if inference != "none":
        from . import reason

        source = store.of(reason.closure_dataset(source.dataset(), inference))
    bindings = bind(source.view, query, values, lang)
    return source.answer(query, bindings, limits or QueryLimits())


#: The tokens of a SPARQL text in which a ``?`` or ``$`` is not a variable (comments, strings, IRIs),
#: and variables.
_SPARQL_TOKENS = re.compile(
    r"(?P<comment>#[^\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<variable>[?$](?P<name>[\w\u00b7\u0300-\u036f\u203f\u2040]+))")


def written_in(query: StoredQuery, bindings: Mapping[str, Node]) -> str:
    """The query text with each bound parameter written in place of its variable, for an engine
    reached over the SPARQL 1.1 Protocol, which has no way to bind a variable.

    Each value is the N-Triples form of an already typed and checked rdflib term (see :func:`bind`):
    an IRI holds none of the characters SPARQL forbids (:func:`iri` refuses them) and a literal's
    quotes, backslashes and line breaks are escaped, so a value never ends the term it is written as.
    Comments, strings and IRIs of the text are left as they are. The stored queries are written so
    that the result is SPARQL 1.1 and answers as the bound query does (a test checks each one).
    """
    written = {name: term.n3() for name, term in bindings.items()}

    def replace(match: re.Match) -> str:
        name = match.group("name")
        return written[name] if name is not None and name in written else match.group(0)

    return _SPARQL_TOKENS.sub(replace, query.text)


def _variables(algebra: CompValue) -> tuple[set[str], set[str]]:
    """(every variable mentioned, the variables the query's own patterns bind)."""
    mentioned: set[str] = set()
    bound: set[str] = set()

    def add(target: set[str], term: object) -> None:
        if isinstance(term, Variable):
            target.add(str(term))

    def walk(node: object) -> None:
        if isinstance(node, Variable):
            mentioned.add(str(node))
        elif isinstance(node, CompValue):
            if node.name == "BGP":
                for triple in node.triples:
                    for term in triple:
                        add(bound, term)
            elif node.name == "Extend":
                add(bound, node.var)
            elif node.name == "Graph":
                add(bound, node.term)
            elif node.name.startswith("Aggregate_"):
                add(bound, node.res)
            elif node.name == "values":
                for row in node.res:
                    for var in row:
                        add(bound, var)
            if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                walk(node.graph)  # the translated pattern (the item holds the raw parse tree)
                return
            for key, value in node.items():
                if key != "_vars":
                    walk(value)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(algebra)
    mentioned = {v for v in mentioned if not v.startswith("__")}
    return mentioned, bound
