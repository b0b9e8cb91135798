"""One seam for the store: the in-memory rdflib dataset and the on-disk Oxigraph store answer every stored
query alike (compared value by value, in order where the query orders), parameters reach Oxigraph as
typed terms whatever their text, and the parse cache is keyed by every input file, so it is never stale.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from artefacts import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from test_queries import ANSWERED, CATALOGUE, GOLDEN_CASES, _materialised, order_keys

from towncase import cache, load, query, reason, resources, store
from towncase.bounded import ReasonLimits
from towncase.errors import InputError, LimitError, ParameterError, RDFSyntaxError
from towncase.namespaces import TC

#: The golden cases (every query, its parameters and languages), each asked once over all shipped cases.
CASES = sorted({(name, tuple(sorted(params.items())), lang) for _, name, params, lang, _ in GOLDEN_CASES})
INTEGERS = {XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger}


@pytest.fixture(scope="module")
def stores(corpus, dataset, tmp_path_factory):
    """The shipped cases in both stores (Oxigraph in a cache folder of this module's own)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(folder))
        oxigraph = store.open_store(corpus, "oxigraph")
    return {"rdflib": store.of(dataset), "oxigraph": oxigraph}


def value(node):
    """A term as the comparison sees it: numbers by value (Oxigraph keeps them in canonical form)."""
    if isinstance(node, Literal) and node.datatype in INTEGERS | {XSD.decimal}:
        return ("number", Decimal(str(node)))
    if isinstance(node, Literal) and node.datatype in (XSD.double, XSD.float):
        return ("double", float(str(node)))
    return node


def solutions(result) -> list[tuple]:
    return [tuple(value(v) for v in row) for row in result]


@pytest.fixture(scope="module")
def closures(stores, rdfs_dataset):
    """The RDFS closure of the shipped cases: rdflib's dataset of the test session, and the Oxigraph
    store's own (:meth:`towncase.store.OxigraphStore.closure`, in this module's cache)."""
    return {"rdflib": store.of(rdfs_dataset), "oxigraph": stores["oxigraph"].closure("rdfs")}


@pytest.mark.parametrize("name, params, lang", CASES, ids=[f"{c[0]}-{c[2]}-{len(c[1])}" for c in CASES])
def test_both_stores_give_the_same_rows(stores, name, params, lang):
    _same_answers(stores, name, params, lang)


#: One golden case per query (the languages and parameters are not what inference changes).
CLOSURE_CASES = [next(c for c in CASES if c[0] == name) for name in sorted({c[0] for c in CASES})]


@pytest.mark.slow
@pytest.mark.parametrize("name, params, lang", CLOSURE_CASES, ids=[c[0] for c in CLOSURE_CASES])
def test_both_stores_give_the_same_rows_over_the_rdfs_closure(closures, name, params, lang):
    _same_answers(closures, name, params, lang)


def _same_answers(stores, name, params, lang):
    q = CATALOGUE[name]
    expected = query.answer(stores["rdflib"], q, dict(params), lang, limits=ANSWERED)
    got = query.answer(stores["oxigraph"], q, dict(params), lang, limits=ANSWERED)
    assert got.type == expected.type
    if q.form in ("CONSTRUCT", "DESCRIBE"):
        assert isomorphic(got.graph, expected.graph)
        return
    assert [str(v) for v in got.vars] == [str(v) for v in expected.vars]
    want, have = solutions(expected), solutions(got)
    if order_keys(q) is None:
        assert sorted(have, key=repr) == sorted(want, key=repr)
    else:  # the order is part of the answer: compare in order, ties (equal sort keys) as sets
        keys = [[str(v) for v in expected.vars].index(k) for k in order_keys(q) if k in map(str, expected.vars)]
        assert [tuple(r[i] for i in keys) for r in have] == [tuple(r[i] for i in keys) for r in want]
        assert sorted(have, key=repr) == sorted(want, key=repr)


def test_the_comparison_sees_a_wrong_row(stores):
    """The catalogue comparison is not vacuous: a query answering differently fails it."""
    q = CATALOGUE["place-hierarchy"]
    right = solutions(query.answer(stores["oxigraph"], q))
    wrong = solutions(query.answer(stores["oxigraph"], q, lang="en"))
    assert right and sorted(right, key=repr) != sorted(wrong, key=repr)


def test_both_stores_hold_the_same_graphs(stores):
    assert stores["oxigraph"].graph_sizes() == stores["rdflib"].graph_sizes()


def test_the_oxigraph_closure_holds_what_rdflib_infers_beside_the_asserted_graphs(stores, closures, rdfs_dataset):
    """The closure store is the asserted graphs and graph/inferred/rdfs with the triples :func:`reason.run`
    infers over rdflib; the asserted store it was copied from is left as it was."""
    inferred = reason.inferred_graph("rdfs")
    sizes = closures["oxigraph"].graph_sizes()
    assert sizes == closures["rdflib"].graph_sizes() and sizes[inferred] > 0
    assert {g: n for g, n in sizes.items() if g != inferred} == stores["oxigraph"].graph_sizes()
    ask = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{inferred}> {{ ?s ?p ?o }} }}"
    assert set(solutions(closures["oxigraph"].select(ask))) == set(solutions(rdfs_dataset.graph(inferred)))
    reopened = store.OxigraphStore(pyoxigraph.Store.read_only(str(stores["oxigraph"].path)))
    assert not list(reopened.select(ask)) and not list(stores["oxigraph"].select(ask))


def test_the_closure_is_made_once_and_follows_an_edited_case(tmp_path, monkeypatch):
    """A second query with --inference rdfs opens the closure made by the first (no reasoning); an edit
    to a case is a new store, so a new closure: never a stale one."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    data = load.corpus([mine], shipped=False, env=False)

    def classes(source, entity: str) -> set[str]:
        return {str(row[0]) for row in query.run(source, query.from_text(f"SELECT ?c WHERE {{ <{entity}> a ?c }}"))}

    town = "https://w3id.org/towncase/id/place/shaoxing-zhuji-diankou"
    first = store.open_store(data, "oxigraph")
    closed = first.closure("rdfs")
    assert str(TC.Place) in classes(closed, town) - classes(first, town)  # a superclass only the closure gives
    with monkeypatch.context() as patch:
        patch.setattr(reason, "run_store", lambda *args, **kwargs: pytest.fail("reasoned again"))
        again = store.open_store(data, "oxigraph").closure("rdfs")
    assert again.path == closed.path and classes(again, town) == classes(closed, town)
    (mine / "copy-2022" / "extra.ttl").write_text(
        "<https://example.org/pier> a <https://example.org/Harbour> .\n"
        "<https://example.org/Harbour> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://example.org/Port> .\n",
        encoding="utf-8")
    edited = store.open_store(data, "oxigraph").closure("rdfs")
    assert edited.path != closed.path
    assert classes(edited, "https://example.org/pier") == {"https://example.org/Harbour", "https://example.org/Port"}


def test_progress_is_told_when_a_store_or_closure_is_made_and_not_when_reopened(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    data = load.corpus([_case_copy(tmp_path)], shipped=False, env=False)
    told: list[str] = []
    for _ in range(2):
        store.open_store(data, "oxigraph", told.append).closure("rdfs", progress=told.append)
    files = sum(len(files) for _, files in resources.parts(data))
    assert [m.split(" ")[:3] for m in told] == [["loading", str(files), "files"], ["computing", "the", "rdfs"]]


def test_the_closure_store_keeps_the_blank_nodes_of_the_store(tmp_path):
    """The inferred triples go into the closure store as N-Triples; those about a blank node must name the
    store's own blank node (Oxigraph's loader would give each a new label)."""
    folder = tmp_path / "stores" / "one"
    folder.parent.mkdir()
    disk = pyoxigraph.Store(str(folder))
    disk.load(b"@prefix ex: <https://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
              b"ex:p rdfs:domain ex:A . _:b ex:p ex:y . ex:x ex:p ex:y .\n", pyoxigraph.RdfFormat.TURTLE,
              to_graph=pyoxigraph.NamedNode("https://example.org/g"))
    disk.flush()
    del disk
    on_disk = store.OxigraphStore(pyoxigraph.Store.read_only(str(folder)), {"https://example.org/g": 3}, folder)
    closed = on_disk.closure("rdfs")
    typed = "SELECT ?s WHERE { GRAPH ?g { ?s <https://example.org/p> ?o } GRAPH ?i { ?s a <https://example.org/A> } }"
    rows = [row[0] for row in closed.store.query(typed)]
    assert len(rows) == 2 and sum(isinstance(s, pyoxigraph.BlankNode) for s in rows) == 1


def test_a_closure_past_its_limit_leaves_no_cache_entry(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    asserted = store.open_store(load.corpus([_case_copy(tmp_path)], shipped=False, env=False), "oxigraph")
    with pytest.raises(LimitError, match="passed 10 triples"):
        asserted.closure("rdfs", ReasonLimits(max_triples=10))
    assert not list((tmp_path / "cache" / "closures").iterdir())


def test_language_tags_and_lang_columns_come_back_in_bcp47_case(stores):
    rows = list(query.answer(stores["oxigraph"], CATALOGUE["labels-per-language"]))
    assert {str(row[0]) for row in rows} == {"en", "zh-Hans"}
    assert store.bcp47("zh-hans-cn") == "zh-Hans-CN" and store.bcp47("en") == "en"


# --------------------------------------------------------------------------------------------------
# Bindings: typed terms, never pasted text

WEIRD = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(text=WEIRD)
@pytest.mark.slow
def test_a_bound_string_reaches_oxigraph_as_the_same_literal(stores, text):
    """Quotes, backslashes, line breaks, braces and SPARQL keywords in a value stay inside its literal."""
    q = query.from_text('SELECT ?given (STRLEN(?given) AS ?n) WHERE { FILTER(BOUND(?given) || true) }')
    result = list(query.run(stores["oxigraph"], q, {"given": Literal(text)}))
    assert result == [(Literal(text), Literal(len(text), datatype=XSD.integer))]


@pytest.mark.parametrize("bad", ["https://x.org/a>b", "https://x.org/a b", 'https://x.org/"'])
def test_an_iri_that_would_end_its_term_is_refused(stores, bad):
    """A term made without :func:`towncase.query.bind` (which refuses such text) is refused too."""
    q = query.from_text("SELECT ?x WHERE { ?x ?p ?town }")
    with pytest.raises(ParameterError, match=r"\?town"):
        query.run(stores["oxigraph"], q, {"town": URIRef(bad)})
    with pytest.raises(ParameterError, match="not an IRI"):
        query.written_in(q, {"town": URIRef("https://x.org/a\nb")})  # a line break: rdflib writes it


def test_parameters_are_substituted_inside_subqueries_and_exists():
    q = query.from_text("SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?town FILTER EXISTS { ?town ?q ?x } } } }")
    text = query.written_in(q, {"town": URIRef("https://example.org/t")})
    assert "?town" not in text and text.count("<https://example.org/t>") == 2


def test_ones_own_query_reaches_oxigraph_as_its_own_text_with_the_terms_written_in(stores, monkeypatch):
    """As a stored query does: a text written back from rdflib's algebra nests every operator in a group of
    its own, which Oxigraph's optimiser joins in that order (minutes at 1,000 towns)."""
    sent: list[str] = []
    run = store.OxigraphStore._run
    monkeypatch.setattr(store.OxigraphStore, "_run", lambda self, q, text, *args: sent.append(text) or run(self, q, text, *args))
    text = "SELECT ?label WHERE { ?town rdfs:label ?label FILTER(BOUND(?town)) } ORDER BY ?label"
    town = URIRef(load.ENTITY_BASE + "place/shaoxing-zhuji-diankou")
    q = query.from_text(text)
    rows = list(query.run(stores["oxigraph"], q, {"town": town}))
    assert sent == [text.replace("?town", f"<{town}>").replace(f"BOUND(<{town}>)", "true")]
    assert rows and rows == list(query.run(stores["rdflib"].ds, q, {"town": town}))


def test_a_projected_parameter_keeps_its_column(stores):
    q = query.from_text("SELECT ?town ?label WHERE { ?town rdfs:label ?label }")
    town = URIRef(load.ENTITY_BASE + "place/shaoxing-zhuji-diankou")
    rows = list(query.run(stores["oxigraph"], q, {"town": town}))
    assert rows and all(row[0] == town for row in rows)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, query.run(stores["rdflib"].ds, q, {"town": town})))


# --------------------------------------------------------------------------------------------------
# Order: the rows of an on-disk store ordered in memory, as the store orders them

ORDERED_DATA = """@prefix : <urn:e#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
:r1 :id 1 ; :x :b .  :r2 :id 2 ; :x "b" .  :r3 :id 3 ; :x "B"@en .  :r4 :id 4 ; :x 10 .  :r5 :id 5 ; :x 9.5 .
:r6 :id 6 ; :x 1e1 .  :r7 :id 7 ; :x "2024-01-01"^^xsd:date .  :r8 :id 8 ; :x true .  :r9 :id 9 .
:r10 :id 10 ; :x :a .  :r11 :id 11 ; :x "b" .  :r12 :id 12 ; :x "店口"@zh-Hans .  :r13 :id 13 ; :x "c"^^:custom .
:r14 :id 14 ; :x "line\\nbreak \\"q\\"" .  :r15 :id 15 ; :x "-3"^^xsd:integer .  :r16 :id 16 ; :x "b" .
:r17 :blank [] .  :r18 :blank [] .
"""
ORDERED_QUERY = ("PREFIX : <urn:e#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
                 "SELECT ?r ?x ?id WHERE { ?r :id ?id OPTIONAL { ?r :x ?x } } ORDER BY ")


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory):
    disk = pyoxigraph.Store(str(tmp_path_factory.mktemp("ordered")))
    disk.load(ORDERED_DATA.encode(), pyoxigraph.RdfFormat.TURTLE)
    return disk


@pytest.fixture
def ordered_in_memory(monkeypatch):
    """Each order :func:`towncase.store._order` gives (``None`` when it leaves the order to the store)."""
    given: list = []
    order = store._order
    monkeypatch.setattr(store, "_order", lambda *args: given.append(order(*args)) or given[-1])
    return given


def _own(disk, text: str) -> list[tuple]:
    answer = disk.query(text, use_default_graph_as_union=True)
    return [tuple(row[v.value] for v in answer.variables) for row in answer]


@pytest.mark.parametrize("conditions", ["?x ?id", "DESC(?x) ?id", "STR(?x) DESC(?id)", "(?x + 1) ?id",
                                        "xsd:string(?x) ?id", "?x ?id LIMIT 4 OFFSET 2", "LANG(?x) ?id # ?r\n",
                                        "ASC(?r) OFFSET 14"])
def test_rows_ordered_in_memory_come_in_the_stores_own_order(on_disk, ordered_in_memory, conditions):
    """IRIs, strings, language strings, numbers of three types, a date, a boolean, a literal of an unknown
    type, an unbound value, and expressions over them that fail for some: ordered as the store orders them
    (``?id`` breaks every tie). Oxigraph 0.5 orders slowly on disk (see :func:`towncase.store._select_rows`)."""
    text = ORDERED_QUERY + conditions
    names, rows, _, cut = store._select_rows(on_disk, text, [], frozenset(), 100)
    assert ordered_in_memory and ordered_in_memory[-1] is not None  # not the store's own order
    assert names == ["r", "x", "id"] and not cut
    assert rows == _own(on_disk, text) and rows


def test_rows_the_conditions_call_equal_keep_the_order_they_came_in(on_disk, ordered_in_memory):
    text = ORDERED_QUERY + "DESC(?x)"
    _, rows, _, _ = store._select_rows(on_disk, text, [], frozenset(), 100)
    came = [row[0] for row in _own(on_disk, text[:text.index("ORDER BY")])]
    ties = [row[0] for row in rows if row[1] == pyoxigraph.Literal("b")]
    assert len(ties) == 3 and ties == sorted(ties, key=came.index)
    assert ordered_in_memory[-1] is not None and sorted(rows, key=str) == sorted(_own(on_disk, text), key=str)


@pytest.mark.parametrize("text, max_rows, cut", [
    ("PREFIX : <urn:e#> SELECT ?r ?b WHERE { ?r :blank ?b } ORDER BY DESC(?b) ?r", 100, False),  # a blank node
    ("PREFIX : <urn:e#> SELECT ?r WHERE { ?r :id ?id } ORDER BY DESC(?id)", 100, False),  # ?id not a column
    (ORDERED_QUERY + "?x ?id", 5, True),  # more rows than are kept
])
def test_the_store_orders_what_cannot_be_ordered_in_memory(on_disk, ordered_in_memory, text, max_rows, cut):
    _, rows, _, was_cut = store._select_rows(on_disk, text, [], frozenset(), max_rows)
    assert not any(ordered_in_memory)
    assert rows == _own(on_disk, text)[:max_rows] and was_cut == cut


def test_an_error_in_the_conditions_is_named_at_its_place_in_the_querys_own_text(on_disk):
    text = ORDERED_QUERY + "?x )"
    with pytest.raises(SyntaxError) as own:
        _own(on_disk, text)
    with pytest.raises(SyntaxError) as ours:
        store._select_rows(on_disk, text, [], frozenset(), 100)
    assert str(ours.value) == str(own.value) and "2:" in str(own.value)


# --------------------------------------------------------------------------------------------------
# The parse cache


def _case_copy(tmp_path: Path) -> Path:
    mine = tmp_path / "towns"
    shutil.copytree(ROOT / "data" / "diankou-2022", mine / "copy-2022")
    return mine


def _case_labels(source) -> set[str]:
    q = query.from_text("SELECT ?label WHERE { ?case a tc:Case ; rdfs:label ?label }")
    return {str(row[0]) for row in query.run(source, q)}


def test_an_edited_case_is_seen_by_the_next_query_and_a_deleted_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    data = load.corpus([mine], shipped=False, env=False)
    first = store.open_store(data, "oxigraph")
    assert "店口镇 2022 年共同富裕创新案例" in _case_labels(first)
    case_file = mine / "copy-2022" / "case.ttl"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace('"店口镇 2022', '"改过的店口镇 2022'),
                         encoding="utf-8")
    second = store.open_store(data, "oxigraph")
    assert first.path != second.path
    assert "改过的店口镇 2022 年共同富裕创新案例" in _case_labels(second)
    assert _case_labels(second) == _case_labels(store.open_store(data, "rdflib"))
    shutil.rmtree(tmp_path / "cache")
    third = store.open_store(data, "oxigraph")
    assert third.path == second.path and third.path.is_dir() and _case_labels(third) == _case_labels(second)


def _new_process() -> None:
    """What ending this process and starting another does to the hashes of :func:`cache.digest`."""
    cache._write_memos()
    cache._memos.clear()
    cache._digest_of.cache_clear()


def test_file_hashes_are_remembered_across_runs_and_an_edit_is_never_missed(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", 0)  # trust a file however recently it was written
    folder, data = tmp_path / "cache", tmp_path / "a.ttl"
    data.write_text("<https://x.org/a> <https://x.org/b> 1 .\n", encoding="utf-8")
    first = cache.digest([("part", [data])], memo=folder)
    _new_process()
    assert json.loads((folder / cache.DIGESTS).read_text(encoding="utf-8"))["files"][str(data)][4] == \
        hashlib.sha256(data.read_bytes()).hexdigest()

    def unread(*args):
        raise AssertionError("the file was read again")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "_digest_of", unread)
        assert cache.digest([("part", [data])], memo=folder) == first
    data.write_text("<https://x.org/a> <https://x.org/b> 2 .\n", encoding="utf-8")  # the same size
    edited = cache.digest([("part", [data])], memo=folder)
    assert edited != first
    assert edited == cache.digest([("part", [data])])  # as without the memo


def test_a_file_written_just_before_it_was_hashed_is_not_remembered(tmp_path):
    """A second write within one tick of a coarse file-system clock would leave the file's stat as it was."""
    folder, data = tmp_path / "cache", tmp_path / "a.ttl"
    data.write_text("<https://x.org/a> <https://x.org/b> 1 .\n", encoding="utf-8")
    cache.digest([("part", [data])], memo=folder)
    _new_process()
    assert not (folder / cache.DIGESTS).exists()


def test_a_broken_hash_memo_is_ignored_and_gone_files_are_forgotten(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", 0)
    folder, kept, gone = tmp_path / "cache", tmp_path / "kept.ttl", tmp_path / "gone.ttl"
    folder.mkdir()
    (folder / cache.DIGESTS).write_text('{"files": [', encoding="utf-8")
    for path in (kept, gone):
        path.write_text(f"# {path.name}\n", encoding="utf-8")
    key = cache.digest([("part", [kept, gone])], memo=folder)
    assert key == cache.digest([("part", [kept, gone])])
    gone.unlink()
    _new_process()
    assert set(json.loads((folder / cache.DIGESTS).read_text(encoding="utf-8"))["files"]) == {str(kept)}


def test_a_broken_file_leaves_no_cache_entry(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    (mine / "copy-2022" / "broken.ttl").write_text("<https://x.org/a> <https://x.org/b> .\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"broken\.ttl"):
        store.open_store(load.corpus([mine], shipped=False, env=False), "oxigraph")
    assert not [p for p in (tmp_path / "cache" / "stores").iterdir() if not p.name.startswith(".")]


def test_two_files_blank_node_labels_are_two_nodes_in_both_stores(tmp_path, monkeypatch):
    """``_:b0`` in two files names two nodes (RDF 1.1 Semantics §5.2: a merge keeps blank nodes apart);
    Oxigraph's parser keeps a file's labels unless told to rename them."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    for name in ("a", "b"):
        (mine / "copy-2022" / f"blank-{name}.ttl").write_text(
            f'<https://example.org/{name}> <https://example.org/p> _:b0 .\n', encoding="utf-8")
    data = load.corpus([mine], shipped=False, env=False)
    ask = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s <https://example.org/p> ?o }"
    counts = {kind: int(next(iter(query.run(store.open_store(data, kind), query.from_text(ask))))[0])
              for kind in ("rdflib", "oxigraph")}
    assert counts == {"rdflib": 2, "oxigraph": 2}


@pytest.mark.parametrize("kind", ["rdflib", "oxigraph"])
def test_an_entity_typed_by_a_case_and_the_reference_data_is_refused_by_both_stores(tmp_path, monkeypatch, kind):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    (mine / "copy-2022" / "extra.ttl").write_text(
        "<https://w3id.org/towncase/id/place/zhejiang> a <https://w3id.org/towncase/ontology#Province> .\n",
        encoding="utf-8")
    with pytest.raises(InputError, match=r"place:zhejiang is typed \(minted\) here and in .*reference"):
        store.open_store(load.corpus([mine], shipped=False, env=False), kind)


def _quads(oxigraph) -> list[tuple]:
    """The store's quads, each blank node as ``_`` (its label is fresh on every load), sorted."""
    import pyoxigraph

    return sorted(tuple("_" if isinstance(t, pyoxigraph.BlankNode) else str(t) for t in q) for q in oxigraph)


def test_the_cold_load_holds_the_files_as_oxigraph_parses_them(corpus):
    """The store holds every file's triples in its part's named graph, as Oxigraph's strict parser
    reads them, and the triples per graph it records are rdflib's (a guard for any faster cold load);
    the numbers made while it parses give back the triples the store holds, written as it writes them."""
    import pyoxigraph

    built = pyoxigraph.Store()
    sizes, encoded = store._fill(built, corpus)
    expected = pyoxigraph.Store()
    for name, files in load.parts(corpus):
        graph = pyoxigraph.NamedNode(str(name))
        for path in files:
            expected.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, graph) for t in load.strict_triples(path))
    assert _quads(built) == _quads(expected)
    assert len({q.subject for q in built if isinstance(q.subject, pyoxigraph.BlankNode)}) == \
        len({q.subject for q in expected if isinstance(q.subject, pyoxigraph.BlankNode)})
    assert sizes == {str(g): n for g, n in store.RdflibStore(load.dataset(corpus)).graph_sizes().items()}
    written = pyoxigraph.serialize((pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in built),
                                   format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert {b" ".join(encoded.terms[i] for i in row) + b" .\n" for row in encoded.codes.tolist()} == \
        set(written.splitlines(keepends=True))


def test_a_syntax_error_names_the_first_bad_file_its_line_and_column(tmp_path, monkeypatch):
    """A cold load fails on the first bad file in the corpus's order, as its own parse does: line,
    column and hint, and no cache entry left behind."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    mine = _case_copy(tmp_path)
    for name in ("broken", "zz-broken-too"):
        (mine / "copy-2022" / f"{name}.ttl").write_text(
            "@prefix ex: <https://example.org/> .\n\nex:a ex:b ex:c ;\n    ex:d .\n", encoding="utf-8")
    data = load.corpus([mine], shipped=False, env=False)
    with pytest.raises(RDFSyntaxError) as raised:
        store.open_store(data, "oxigraph")
    error = raised.value
    assert (error.file, error.line) == (str(mine / "copy-2022" / "broken.ttl"), 4)
    assert error.column and error.hint
    with pytest.raises(RDFSyntaxError) as alone:
        load.strict_triples(mine / "copy-2022" / "broken.ttl")
    expected = alone.value
    assert (str(error), error.file, error.line, error.column, error.hint) == \
        (str(expected), expected.file, expected.line, expected.column, expected.hint)
    assert not [p for p in (tmp_path / "cache" / "stores").iterdir() if not p.name.startswith(".")]


def test_the_cache_is_never_inside_a_data_folder(tmp_path, monkeypatch):
    mine = _case_copy(tmp_path)
    monkeypatch.setenv(cache.CACHE_ENV, str(mine / "cache"))
    with pytest.raises(Exception, match="inside the data folder"):
        cache.root([mine])


def _open_in_another_process(folder: str, queue) -> None:
    os.environ[cache.CACHE_ENV] = folder
    opened = store.open_store(load.corpus(env=False), "oxigraph")
    queue.put(str(opened.path))


@pytest.mark.slow
def test_two_processes_building_at_once_both_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_open_in_another_process, args=(str(tmp_path), queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    paths = {queue.get(timeout=120) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert len(paths) == 1
    assert not list((tmp_path / "stores").glob(".*.tmp"))


def test_auto_is_oxigraph_and_rdflib_is_there_on_request():
    assert store.choose("auto") == "oxigraph"
    assert store.choose("rdflib") == "rdflib"


@pytest.mark.parametrize("args", [["query", "place-hierarchy", "--lang", "en", "--format", "csv"],
                                  ["query", "town-profile", "--format", "tsv"], ["stats", "--lang", "en"]])
def test_the_commands_print_the_same_on_both_stores(args):
    from click.testing import CliRunner

    from towncase.cli import main

    printed = {kind: CliRunner().invoke(main, [*args, "--store", kind]) for kind in ("rdflib", "oxigraph")}
    assert {r.exit_code for r in printed.values()} == {0}
    # numbers in one canonical form from both (1680000000.0 in the data prints as 1680000000)
    rdflib_lines, oxigraph_lines = (printed[k].output.splitlines() for k in ("rdflib", "oxigraph"))
    assert oxigraph_lines == rdflib_lines and len(rdflib_lines) > 3


FORMATS = ["table", "csv", "tsv", "json", "markdown"]


@pytest.fixture(scope="module")
def oxigraph_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("printed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(folder))
        yield folder


@pytest.fixture(scope="module")
def rdflib_printed():
    """``printed(name, params, lang, fmt)``: what ``towncase query … --store rdflib`` prints, made as that
    command makes it (:func:`towncase.store.answer` on the rdflib store, then :func:`towncase.render.result`)
    but in this process, so that each answer is computed once for the five formats, not five times."""
    from towncase import cli, render

    rdflib_store = store.open_store(kind="rdflib")

    @functools.cache
    def answer(name: str, params: tuple, lang: str):
        return _materialised(store.answer(rdflib_store, CATALOGUE[name], dict(params), lang, limits=ANSWERED))

    def printed(name: str, params: tuple, lang: str, fmt: str) -> str:
        return render.result(answer(name, params, lang), fmt, lang, cli._width())

    return printed


@pytest.mark.parametrize("name, params, lang", CASES, ids=[f"{c[0]}-{c[2]}-{len(c[1])}" for c in CASES])
@pytest.mark.slow
def test_the_oxigraph_path_prints_every_stored_query_as_the_rdflib_path_does(oxigraph_cache, rdflib_printed, name,
                                                                             params, lang):
    """A stored query on the Oxigraph store is bound and printed without rdflib (store.answer): ``towncase
    query`` prints in every format what the rdflib engine's answer prints, byte for byte (but for rows in
    another order where the query orders none)."""
    from click.testing import CliRunner

    from towncase.cli import main

    q = CATALOGUE[name]
    assert isinstance(store.answer(store.open_store(kind="oxigraph"), q, dict(params), lang), store.Answer)
    for fmt in FORMATS if q.form != "CONSTRUCT" else ["turtle"]:
        args = ["query", name, "--lang", lang, "--format", fmt, *(a for k, v in params for a in ("--param", f"{k}={v}"))]
        printed = CliRunner().invoke(main, [*args, "--store", "oxigraph"])
        assert printed.exit_code == 0, printed.output
        expected = rdflib_printed(name, params, lang, fmt)
        if fmt == "turtle":
            assert isomorphic(Graph().parse(data=printed.output, format="turtle"),
                              Graph().parse(data=expected, format="turtle"))
            continue
        want, have = expected.splitlines(), printed.output.splitlines()
        if order_keys(q) is None and fmt in ("csv", "tsv", "markdown"):
            want, have = sorted(want), sorted(have)
        if order_keys(q) is None and fmt in ("table", "json"):
            want, have = sorted(want), sorted(have)  # the lines of a block or record, as sets
        assert have == want, fmt


@pytest.mark.slow
def test_a_bad_parameter_on_the_oxigraph_path_is_the_same_error(oxigraph_cache):
    from click.testing import CliRunner

    from towncase.cli import main

    for bad in (["--param", "town=place:zhejiang"], ["--param", "town=plac:x"], ["--param", "nope=1"]):
        printed = {kind: CliRunner().invoke(main, ["query", "town-profile", *bad, "--store", kind])
                   for kind in ("rdflib", "oxigraph")}
        assert printed["oxigraph"].exit_code == printed["rdflib"].exit_code == 2
        assert printed["oxigraph"].output == printed["rdflib"].output


@pytest.mark.parametrize("lexical, datatype, printed", [
    ("1680000000.0", "decimal", "1680000000"), ("176.430", "decimal", "176.43"), ("007.10", "decimal", "7.1"),
    (".5", "decimal", "0.5"), ("5.", "decimal", "5"), ("+1.5", "decimal", "1.5"), ("-0.0", "decimal", "0"),
    ("-12", "decimal", "-12"), ("+05", "integer", "5"), ("1e3", "decimal", "1e3"), ("abc", "integer", "abc"),
    ("12.0", "double", "12"), ("1.5E2", "double", "150"), ("1e-7", "double", "0.0000001"), ("-0.0", "double", "-0"),
    ("123456789012345678", "double", "123456789012345680"), ("0.30000000000000004", "double", "0.30000000000000004"),
    ("INF", "double", "INF"), ("NaN", "double", "NaN"), ("1e", "double", "1e")])
def test_numbers_print_in_the_canonical_form_oxigraph_keeps(lexical, datatype, printed):
    """rdflib keeps a number as written; towncase prints it as Oxigraph keeps it, so both engines print one
    form. Ill-formed numbers print as written. Checked against Oxigraph itself. (xsd:float, which no data
    uses, prints as written: its shortest digits are a 32-bit float's.)"""
    import pyoxigraph

    from towncase.render import canonical_number

    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert canonical_number(lexical, xsd + datatype) == printed
    oxigraph = pyoxigraph.Store()
    oxigraph.update(f'INSERT DATA {{ <https://example.org/s> <https://example.org/p> "{lexical}"^^<{xsd}{datatype}> }}')
    assert next(iter(oxigraph)).object.value == printed
