"""Running queries with rdflib: parsing SPARQL, binding parameters as rdflib terms, answering over a
graph, a dataset or a store (:mod:`towncase.store`) within limits.

The catalogue, the ``#+`` headers and the typing of parameter values are :mod:`towncase.catalogue`'s
(their names are this module's API too). A parameter is bound through rdflib's ``initBindings`` on a
prepared query, typed from the header (``iri``, ``string``, ``langstring``, ``integer``, ``decimal``,
``date``); no value is ever formatted into SPARQL text. ``lang`` is reserved: it is chosen with
``--lang zh|en`` and bound as the BCP 47 language *range* ``"zh"`` or ``"en"`` for ``langMatches``
(a range ``"zh"`` matches the data's ``zh-Hans`` tags). Queries read it as
``COALESCE(?lang, "zh")``, so a tool that binds nothing gets the header default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyparsing import ParseBaseException, ParseResults
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node

from . import bounded, offline
from . import catalogue as catalogue_stage
from .catalogue import (  # noqa: F401 (the query API: the catalogue and its parameters)
    HEADER_KEYS,
    IRI_SCHEMES,
    LANG_PARAM,
    LANGUAGE_RANGES,
    LANGUAGE_TAGS,
    PARAM_KEYS,
    PARAM_TYPES,
    Param,
    QueryLimits,
    StoredQuery,
    Value,
    catalogue,
    choose,
    from_text,
    parse_assignments,
    parse_header,
    read_query,
    stored,
    written_in,
)
from .errors import InputError, LimitError, engine_errors
from .prefixes import PREFIXES

#: The longest query text parsed: rdflib parses a VALUES block at about 30 KB a second.
MAX_QUERY_CHARS = 100_000
_UNKNOWN_PREFIX = re.compile(r"Unknown namespace prefix\s*:\s*(\S*)")


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



def bind(graph: Graph, query: StoredQuery, values: Mapping[str, str] | None = None,
         lang: str = "zh") -> dict[str, Node]:
    """Typed rdflib terms for a query's parameters: the given values, else the header defaults
    (:func:`towncase.catalogue.typed`), each IRI of a parameter with a class or scheme checked against ``graph``.

    Args:
        graph: the graph the query will run over (an ``iri`` parameter with a ``class`` must name
            an instance of it there), or a store's view of its data.
        query: the query.
        values: parameter name → value as the user wrote it.
        lang: ``zh`` or ``en``; bound to ``?lang`` when the query declares it.

    Raises:
        UnknownNameError: an unknown parameter (with the close matches), ``lang`` not ``zh``/``en``,
            or an IRI not of the parameter's class (with the close matches among its instances).
        ParameterError: a missing required parameter, or a value of the wrong type.
    """
    typed = catalogue_stage.typed(query, values, lang)
    catalogue_stage.check_members(query, typed, lambda p, o: (str(s) for s in graph.subjects(URIRef(p), URIRef(o))),
                            lambda s, p, o: (URIRef(s), URIRef(p), URIRef(o)) in graph)
    return {name: term(value) for name, value in typed.items()}


def runnable_text(query: StoredQuery, values: Mapping[str, str] | None = None, lang: str = "zh") -> str:
    """The query's text with its parameters written in (the given values, else the header's defaults,
    and ``?lang``), as a store reached over the SPARQL Protocol gets it (:func:`written_in`): to read,
    to run in another SPARQL tool, or to give Oxigraph's ``--explain-file``. Values are checked against
    the header (name, type), not against the data: running the query checks that an IRI is of its class.

    Raises:
        UnknownNameError: an unknown parameter (with the close matches).
        ParameterError: a missing required parameter, or a value of the wrong type.
    """
    typed = catalogue_stage.typed(query, values, lang)
    return written_in(query, {name: term(value) for name, value in typed.items()})


def term(value: Value) -> Node:
    """A typed value as an rdflib term."""
    if value.iri is not None:
        return URIRef(value.iri)
    return Literal(value.text, lang=value.language, datatype=None if value.datatype is None else URIRef(value.datatype))


def convert(param: Param, value: str, lang: str = "zh") -> Node:
    """One value, as written by a user, to the rdflib term its parameter type says
    (:func:`towncase.catalogue.convert`).

    Raises:
        ParameterError: the value is not of the type (e.g. not an IRI, not an integer).
        UnknownNameError: an IRI written with a prefix that is not canonical.
    """
    return term(catalogue_stage.convert(param, value, lang))


def iri(value: str, name: str = "iri") -> URIRef:
    """An IRI from ``<…>``, a full ``http(s)://…`` / ``urn:…`` IRI, or a canonical CURIE (``place:…``)
    (:func:`towncase.catalogue.iri_text`).

    Raises:
        ParameterError: not an IRI, or it holds a character SPARQL forbids in IRIs.
        UnknownNameError: a CURIE whose prefix is not canonical (with the close matches).
    """
    return URIRef(catalogue_stage.iri_text(value, name))


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

    source = store.of(ds).closure(inference)
    bindings = bind(source.view, query, values, lang)
    return source.answer(query, bindings, limits or QueryLimits())

def variables(algebra: CompValue) -> tuple[set[str], set[str]]:
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
