"""Real triple stores give the same answers: ``towncase publish`` loads the dataset into an Oxigraph
server and a Virtuoso 7 server (each started here on loopback, in a temporary folder), and every stored
query, with its parameters written in and in both languages, answers there as the embedded rdflib
engine does, compared value by value.

Values are compared as RDF terms: IRIs exactly; literals by datatype and value, so that ``176.430`` and
``176.43`` are one decimal; language tags without regard to case (BCP 47 tags are case-insensitive, and
Virtuoso writes ``zh-hans``). Rows are compared in order where the query orders them.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import stores
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD
from rdflib.query import Result
from test_queries import ANSWERED, CATALOGUE, GOLDEN_CASES, _nodes

from towncase import export, package, query
from towncase.cli import main
from towncase.publish import Endpoint

pytestmark = pytest.mark.slow  # real servers started and loaded, the whole catalogue run in each

STORES = list(stores.STARTERS)
#: xsd:integer and the types derived from it: one value space (a store may type a count xsd:int).
INTEGERS = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger, XSD.positiveInteger,
            XSD.negativeInteger, XSD.nonPositiveInteger, XSD.unsignedInt, XSD.unsignedLong}
INT32 = 2**31 - 1


def store_cases() -> list[tuple[str, dict, str, str]]:
    """(query, parameters, lang, id): the reviewed golden cases of every town case (each query with
    its defaults or the case's town and examples, in zh and, where it has labels, en, and the extra
    cases with chosen parameters), each asked once over the whole dataset."""
    seen, cases = set(), []
    for case, name, params, lang, stem in GOLDEN_CASES:
        key = (name, tuple(sorted(params.items())), lang)
        if key not in seen:
            seen.add(key)
            cases.append((name, params, lang, f"{case}/{stem}"))
    return cases


CASES = store_cases()

#: Queries (or single golden cases, "<case>/<stem>") Virtuoso 7.2.5 (Debian's) answers wrongly and no
#: standard rewrite we found avoids: pinned, so
#: that the test fails (strict xfail) the day Virtuoso answers them right. The README lists them.
#: All mix transitive property paths: the class hierarchy (rdfs:subClassOf*/+) with the containment
#: path (tc:locatedIn|tc:administrativeParent)+ in one query; Virtuoso then evaluates a transitive path
#: from a bound start incompletely (openlink/virtuoso-opensource#704, #831). Rewrites tried for each:
#: FILTER EXISTS, class subqueries, "itself or (+)" disjunctions, inverse paths, one step then (…)*.
VIRTUOSO_DEVIATIONS = {
    "culture-and-heritage": "https://github.com/openlink/virtuoso-opensource/issues/704 (Diankou 3 of 20 rows, "
                            "Datang 0 of 2)",
    "town-roads-and-areas": "https://github.com/openlink/virtuoso-opensource/issues/704 (1 row of 22)",
    "domain-range-violation": "https://github.com/openlink/virtuoso-opensource/issues/704 (false hits, 99 "
                              "when counted on 2026-12-02: a type two rdfs:subClassOf steps below the expected "
                              "class is not found)",
    "town-without-province-violation": "https://github.com/openlink/virtuoso-opensource/issues/704 "
                                       "(towns reported though their province is there)",
    # single golden cases (query with chosen parameters), after main's further Diankou facts arrived:
    "diankou-2022/indicator-across-towns.land-area": "https://github.com/openlink/virtuoso-opensource/issues/704 "
                                                     "(1 of the 3 land-area observations)",
    # after the Datang case arrived (same class of fault; rewrites not yet tried for these):
    "datang/indicator-across-towns.share-of-national-output": "https://github.com/openlink/virtuoso-opensource/"
                                                              "issues/704 (1 of 4 rows)",
    "datang/indicator-across-towns.product-output-volume.en": "https://github.com/openlink/virtuoso-opensource/"
                                                              "issues/704 (rows missing)",
    # derived-ratios (issue 8): Virtuoso misses Diankou's 2021 pair (about 18万 over 176.43 km²), the land-area
    # observation it also misses in indicator-across-towns.land-area above. Tried: the class checks as
    # FILTER EXISTS { ?c rdfs:subClassOf+ … } (as indicator-by-town), one class path and no observation class.
    "derived-ratios": "https://github.com/openlink/virtuoso-opensource/issues/704 (1 of 2 rows: the 2021 pair)",
}


@pytest.fixture(scope="module")
def release(tmp_path_factory, dataset) -> Path:
    """A release package of the dataset (without the HTML docs, which test_package checks)."""
    out = tmp_path_factory.mktemp("release") / "package"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package, "_write_docs", lambda folder, base: None)
        package.package(export.readers(dataset), out)
    return out


@pytest.fixture(scope="module")
def running(request, tmp_path_factory, release):
    """``running(name)``: the server of a store, started once and loaded from the release package by
    ``towncase publish --package``."""
    started: dict[str, stores.Server] = {}

    def get(name: str) -> stores.Server:
        if name not in started:
            folder = tmp_path_factory.mktemp(name)
            server = stores.STARTERS[name](folder)
            request.addfinalizer(server.stop)
            result = CliRunner().invoke(main, [*publish_args(server.endpoint, folder), "--package", str(release)])
            assert result.exit_code == 0, result.output
            started[name] = server
        return started[name]

    return get


def publish_args(endpoint: Endpoint, folder: Path, password: str | None = None) -> list[str]:
    """``towncase publish`` arguments for a store (with its login, or ``password`` instead)."""
    args = ["publish", "--endpoint", endpoint.query_url, "--graph-store", endpoint.store_url]
    if endpoint.user:
        path = folder / "password"
        path.write_text((password or endpoint.password) + "\n", encoding="utf-8")
        args += ["--user", endpoint.user, "--password-file", str(path)]
    return args


@pytest.fixture(scope="module", params=STORES)
def store(request, running) -> Endpoint:
    """Each store in turn, holding the dataset."""
    return running(request.param).endpoint


@pytest.fixture(scope="module")
def graphs(dataset) -> list[URIRef]:
    return sorted(g.identifier for g in dataset.graphs() if len(g))


def term(node):
    """A term as the comparison sees it (see the module docstring)."""
    if not isinstance(node, Literal):
        return node
    datatype = node.datatype or (None if node.language else XSD.string)
    if datatype in INTEGERS:
        number = int(str(node))
        # Virtuoso 7's integers are 32-bit: it gives an xsd:integer beyond them back as an xsd:decimal of
        # the same value (Datang's 55.3亿双 = 5530000000). Only there do an integer and a decimal compare equal.
        return ("decimal", Decimal(number).normalize()) if abs(number) > INT32 else ("integer", number)
    if datatype == XSD.decimal:
        return ("decimal", Decimal(str(node)).normalize())
    if datatype in (XSD.double, XSD.float):
        return ("double", float(str(node)))
    return ("literal", str(node), str(datatype), (node.language or "").lower())


def canonical(graph: Graph) -> Graph:
    """A copy whose literals are in the form :func:`term` compares (tag lower-cased, number normalised),
    so that graphs can be compared with blank nodes matched (``isomorphic``)."""
    def literal(node):
        if not isinstance(node, Literal):
            return node
        if node.language:
            return Literal(str(node), lang=node.language.lower())
        if node.datatype in INTEGERS or node.datatype == XSD.decimal:
            return Literal(str(Decimal(str(node)).normalize()), datatype=node.datatype)
        return node

    copy = Graph()
    for s, p, o in graph:
        copy.add((s, p, literal(o)))
    return copy


def solutions(result: Result, tags: frozenset[str] = frozenset()) -> list[dict]:
    """The rows as comparable terms; ``tags`` names the columns that hold language tags as strings."""
    def value(var, node):
        if var in tags and isinstance(node, Literal):
            return ("language tag", str(node).lower())
        return term(node)

    return [{str(v): value(str(v), row[v]) for v in result.vars if row[v] is not None} for row in result]


def language_tag_columns(q: query.StoredQuery) -> frozenset[str]:
    """Variables bound to ``LANG(…)``: a store may keep language tags lower-cased (RDF 1.1 Concepts
    §3.3 allows it; Oxigraph and Virtuoso do), so ``LANG`` gives ``zh-hans`` there, ``zh-Hans`` here."""
    return frozenset(str(n.var) for n in _nodes(q.prepared.algebra)
                     if n.name == "Extend" and getattr(n.expr, "name", None) == "Builtin_LANG")


def ordered(q: query.StoredQuery) -> bool:
    node = q.prepared.algebra.p
    while node.name in ("Project", "Distinct", "Reduced", "Slice", "ToMultiSet"):
        node = node.p
    return node.name == "OrderBy"


@pytest.mark.parametrize("name, params, lang, case", CASES, ids=[c[3] for c in CASES])
def test_store_answers_as_the_embedded_engine(request, store, graphs, dataset, name, params, lang, case):
    pinned = VIRTUOSO_DEVIATIONS.get(name) or VIRTUOSO_DEVIATIONS.get(case)
    if pinned and request.node.callspec.params["store"] == "virtuoso":
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"Virtuoso 7 deviation: {pinned}"))
    q = CATALOGUE[name]
    bindings = query.bind(dataset, q, params, lang)
    expected = query.run(dataset, q, bindings, ANSWERED)
    got = store.answer(q, bindings, graphs)
    if q.form in ("CONSTRUCT", "DESCRIBE"):
        assert isomorphic(canonical(got.graph), canonical(expected.graph))
        return
    assert [str(v) for v in got.vars] == [str(v) for v in expected.vars]
    tags = language_tag_columns(q)
    want, have = solutions(expected, tags), solutions(got, tags)
    if ordered(q):
        assert have == want
    else:
        assert Counter(map(_frozen, have)) == Counter(map(_frozen, want))


def _frozen(solution: dict):
    return tuple(sorted(solution.items(), key=lambda kv: kv[0]))


_TOWN_PREFIXES = "PREFIX tc: <https://w3id.org/towncase/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
#: Queries where the bound ?town stands where the grammar wants a variable (see catalogue.written_in).
PROJECTED_PARAMETER_QUERIES = {
    # the labels ordered by language tag: SPARQL leaves the order of literals of two languages to the
    # engine (Virtuoso 7 put 店口镇@zh-Hans before Diankou@en in one run of two, rdflib after)
    "projected-and-ordered": "SELECT ?town ?label WHERE { ?town rdfs:label ?label } ORDER BY ?town LANG(?label) STR(?label)",
    "grouped": "SELECT ?town (COUNT(?o) AS ?n) WHERE { ?o tc:subject ?town } GROUP BY ?town ORDER BY ?town",
    "star": "SELECT * WHERE { ?town rdfs:label ?label }",
    "subquery-column": "SELECT DISTINCT ?town ?o WHERE { { SELECT ?town ?o WHERE { ?o tc:subject ?town } } } "
                       "ORDER BY ?town ?o",
}


@pytest.mark.parametrize("text", PROJECTED_PARAMETER_QUERIES.values(), ids=PROJECTED_PARAMETER_QUERIES)
def test_a_parameter_written_where_a_variable_stands_answers_as_bound(store, graphs, dataset, text):
    """Oxigraph server and Virtuoso 7 (the strictest engine here) parse the text written for them and
    answer as rdflib does with ?town bound: the same columns and rows."""
    q = query.from_text(_TOWN_PREFIXES + text)
    bindings = {"town": URIRef("https://w3id.org/towncase/id/place/shaoxing-zhuji-diankou")}
    expected = query.run(dataset, q, bindings, ANSWERED)
    got = store.answer(q, bindings, graphs)
    assert sorted(str(v) for v in got.vars) == sorted(str(v) for v in expected.vars)
    want, have = solutions(expected), solutions(got)
    assert want
    if "ORDER BY" in text:
        assert have == want
    else:
        assert Counter(map(_frozen, have)) == Counter(map(_frozen, want))



# --------------------------------------------------------------------------------------------------
# towncase publish: replacing graphs, and the errors an operator meets


def test_publish_replaces_our_graphs_and_leaves_others_alone(store, dataset, graphs, tmp_path):
    other = URIRef("urn:towncase-test:someone-elses-graph")
    store.put_graph(other, Graph().add((other, RDFS.label, Literal("kept"))))
    again = CliRunner().invoke(main, publish_args(store, tmp_path))
    assert again.exit_code == 0, again.output
    held = store.triples([*graphs, other])
    assert held == {**{g: len(dataset.graph(g)) for g in graphs}, other: 1}  # replaced, not appended
    for graph in graphs:
        assert str(graph) in again.output


def test_publish_uploads_nothing_when_a_case_does_not_parse(running, tmp_path):
    """The cases are uploaded one graph at a time, but every file is parsed (by the store) before the first:
    a case that parses, then one that does not, and the first is not in the store."""
    endpoint = running("oxigraph").endpoint
    cases = tmp_path / "cases"
    for name, text in (("aaa-2024", "<https://w3id.org/towncase/id/case/aaa-2024> a <urn:x:Case> .\n"),
                       ("zzz-2024", "<https://w3id.org/towncase/id/case/zzz-2024> a\n")):
        (cases / name).mkdir(parents=True)
        (cases / name / "case.ttl").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, [*publish_args(endpoint, tmp_path), "--data", str(cases)])
    assert result.exit_code == 2, result.output
    assert "zzz-2024/case.ttl:2:" in result.output
    first = URIRef("https://w3id.org/towncase/graph/case/aaa-2024")
    assert endpoint.triples([first]) == {first: 0}


def test_publish_with_a_wrong_password_exits_5(running, tmp_path):
    endpoint = running("virtuoso").endpoint
    result = CliRunner().invoke(main, publish_args(endpoint, tmp_path, password="not-the-password"))
    assert result.exit_code == 5, result.output
    assert "refused the login of 'dba' (HTTP 401)" in result.output and "--password-file" in result.output


def test_publish_without_a_login_where_one_is_needed_exits_5(running):
    endpoint = running("virtuoso").endpoint
    result = CliRunner().invoke(main, ["publish", "--endpoint", endpoint.query_url,
                                       "--graph-store", endpoint.store_url])
    assert result.exit_code == 5, result.output
    assert "refused access without a login" in result.output


def test_publish_to_a_wrong_url_exits_5(running):
    endpoint = running("oxigraph").endpoint
    wrong = endpoint.store_url.rsplit("/", 1)[0] + "/no-such-store"
    result = CliRunner().invoke(main, ["publish", "--endpoint", endpoint.query_url, "--graph-store", wrong])
    assert result.exit_code == 5, result.output
    assert f"{wrong}: no such endpoint (HTTP 404)" in result.output and "/store" in result.output


def test_publish_to_a_server_that_is_down_exits_5():
    url = f"http://127.0.0.1:{stores.free_port()}/query"  # nothing listens there
    result = CliRunner().invoke(main, ["publish", "--endpoint", url])
    assert result.exit_code == 5, result.output
    assert "connection refused" in result.output and "is the server running" in result.output


def test_publish_password_file_needs_a_user(tmp_path):
    path = tmp_path / "password"
    path.write_text("secret\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["publish", "--endpoint", "http://127.0.0.1:1/query",
                                       "--password-file", str(path)])
    assert result.exit_code == 2 and "--password-file needs --user" in result.output
