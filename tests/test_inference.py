"""Inference that scales: the linear RDFS closure (the schema closed once, applied to each instance
triple) gives exactly what owlrl gives."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace
from rdflib.compare import isomorphic

from towncase import export, load, reason, store
from towncase.cli import main
from towncase.errors import LimitError

EX = Namespace("https://example.org/")


@pytest.fixture(scope="module")
def owlrl_rdfs(shipped_data, ontology) -> Graph:
    """What owlrl's RDFS closure infers from the shipped data, once."""
    return reason.run(shipped_data, "rdfs", ontology, linear=False).graph


@pytest.mark.slow
def test_linear_rdfs_equals_owlrl_on_the_shipped_cases(shipped_data, ontology, owlrl_rdfs):
    linear = reason.run(shipped_data, "rdfs", ontology)
    assert len(linear.graph) > 1000
    assert set(linear.graph) == set(owlrl_rdfs)


def _corner_cases() -> Graph:
    g = Graph()
    g.add((EX.p, RDFS.subPropertyOf, EX.q))
    g.add((EX.q, RDFS.subPropertyOf, EX.r))
    g.add((EX.r, RDFS.domain, EX.A))
    g.add((EX.q, RDFS.range, EX.B))
    g.add((EX.A, RDFS.subClassOf, EX.C))
    g.add((EX.C, RDFS.subClassOf, EX.A))  # a cycle
    g.add((EX.x, EX.p, EX.y))
    g.add((EX.x, EX.p, Literal("a literal")))
    g.add((EX.D, RDF.type, RDFS.Class))
    g.add((EX.m, RDF.type, RDFS.ContainerMembershipProperty))
    g.add((EX.bag, EX.m, EX.item))
    g.add((EX.dt, RDF.type, RDFS.Datatype))
    g.add((EX.unused, RDF.type, RDF.Property))
    g.add((EX.t, RDFS.subPropertyOf, RDF.type))  # a sub-property of rdf:type
    g.add((EX.z, EX.t, EX.A))
    return g


def _data_that_extends_the_schema() -> Graph:
    """The corner cases and instance data the schema grows from, so that the closure takes more rounds: a
    class typed rdfs:Class (rdfs8, 10) under another, a range of rdfs:Class, a sub-property of
    rdfs:subClassOf used in the data, a domain of rdfs:ContainerMembershipProperty (rdfs12)."""
    g = _corner_cases()
    for triple in [(EX.K, RDF.type, RDFS.Class), (EX.K2, RDFS.subClassOf, EX.K), (EX.k, RDF.type, EX.K2),
                   (EX.makes, RDFS.range, RDFS.Class), (EX.x, EX.makes, EX.E), (EX.E2, RDFS.subClassOf, EX.E),
                   (EX.e, RDF.type, EX.E2), (EX.broader, RDFS.subPropertyOf, RDFS.subClassOf),
                   (EX.F, EX.broader, EX.A), (EX.f, RDF.type, EX.F),
                   (EX.cmp, RDFS.domain, RDFS.ContainerMembershipProperty), (EX.n, EX.cmp, EX.y),
                   (EX.bag, EX.n, EX.item2)]:
        g.add(triple)
    return g


CORNER_CASES = [(_corner_cases, None), (_corner_cases, RDFS.domain), (_corner_cases, RDFS.subClassOf),
                (_corner_cases, RDF.type), (_data_that_extends_the_schema, None)]


def corner_case(make, drop) -> Graph:
    g = make()
    if drop is not None:
        g.remove((None, drop, None))
    return g


@pytest.mark.parametrize("make, drop", CORNER_CASES)
def test_linear_rdfs_equals_owlrl_on_the_rules_corner_cases(make, drop):
    g = corner_case(make, drop)
    assert set(reason.run(g, "rdfs").graph) == set(reason.run(g, "rdfs", linear=False).graph)


def test_the_schema_the_data_extends_reaches_the_instances():
    linear = set(reason.run(_data_that_extends_the_schema(), "rdfs").graph)
    assert {(EX.f, RDF.type, EX.C), (EX.E, RDFS.subClassOf, RDFS.Resource), (EX.e, RDF.type, EX.E),
            (EX.K2, RDFS.subClassOf, RDFS.Resource), (EX.n, RDFS.subPropertyOf, RDFS.member),
            (EX.bag, RDFS.member, EX.item2)} <= linear


def test_the_comparison_is_not_blind():
    g = _corner_cases()
    linear = set(reason.run(g, "rdfs").graph)
    assert (EX.x, RDF.type, EX.C) in linear and (EX.x, EX.r, EX.y) in linear and (EX.item, RDF.type, EX.A) not in linear
    g.add((EX.extra, EX.p, EX.y))
    assert set(reason.run(g, "rdfs").graph) != linear


# --- the Oxigraph store's closure, in pyoxigraph's own terms ---------------------------------------------


def oxigraph_store(graph: Graph) -> store.OxigraphStore:
    """``graph`` in an in-memory Oxigraph store (one named graph)."""
    import pyoxigraph

    memory = pyoxigraph.Store()
    name = pyoxigraph.NamedNode("https://example.org/graph")
    memory.extend(pyoxigraph.Quad(*(store.oxigraph_term(t) for t in triple), name) for triple in graph)
    return store.OxigraphStore(memory)


def by_value(triples) -> set[tuple]:
    """Triples with numbers compared by value: Oxigraph keeps them in canonical form (``10`` for ``10.0``)."""
    def value(node):
        if isinstance(node, Literal) and node.datatype in (XSD.decimal, XSD.integer, XSD.double):
            return ("number", float(node))
        return node

    return {tuple(value(t) for t in triple) for triple in triples}


@pytest.mark.parametrize("make, drop", CORNER_CASES)
def test_the_oxigraph_closure_equals_owlrl_on_the_rules_corner_cases(make, drop):
    g = corner_case(make, drop)
    inference = reason.run_store(oxigraph_store(g), "rdfs")
    assert not isinstance(inference.found, Graph)  # computed on pyoxigraph terms, not rdflib's
    assert set(inference.graph) == set(reason.run(g, "rdfs", linear=False).graph)


@pytest.mark.slow
def test_the_oxigraph_closure_equals_owlrl_on_the_shipped_cases(corpus, owlrl_rdfs):
    inference = reason.run_store(store.open_store(corpus, "oxigraph"), "rdfs")
    assert by_value(inference.graph) == by_value(owlrl_rdfs)


@pytest.mark.slow
def test_the_oxigraph_closure_equals_the_rdflib_one_on_synthetic_towns(synthetic_towns):
    towns = load.corpus([synthetic_towns], shipped=False, env=False)
    on_rdflib = reason.run_store(store.open_store(towns, "rdflib"), "rdfs")
    on_oxigraph = reason.run_store(store.open_store(towns, "oxigraph"), "rdfs")
    assert len(on_rdflib) > 2 * 1000 and len(on_oxigraph) == len(on_rdflib)
    assert by_value(on_oxigraph.graph) == by_value(on_rdflib.graph)


def test_the_oxigraph_closure_keeps_the_limits(corpus):
    oxigraph = store.open_store(corpus, "oxigraph")
    with pytest.raises(LimitError, match="passed 1,000 triples") as caught:
        reason.run_store(oxigraph, "rdfs", limits=reason.ReasonLimits(max_triples=1000))
    assert caught.value.limit == "triples"
    with pytest.raises(LimitError, match="time limit") as caught:
        reason.run_store(oxigraph, "rdfs", limits=reason.ReasonLimits(timeout=0))
    assert caught.value.limit == "timeout"
    result = CliRunner().invoke(main, ["infer", "--regime", "rdfs", "--store", "oxigraph", "--max-triples", "1000"])
    assert result.exit_code == 4 and "passed 1,000 triples" in result.output


@pytest.fixture
def splits(monkeypatch) -> list:
    """What each split closure's parts gave (:func:`towncase.reason._in_parts`: a run of lines per part, or
    ``None`` when the data extended the schema), recorded in this process."""
    given: list = []
    in_parts = reason._in_parts

    def recorded(*args):
        given.append(in_parts(*args))
        return given[-1]

    monkeypatch.setattr(reason, "_in_parts", recorded)
    return given


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("make, drop", CORNER_CASES)
def test_the_closure_split_over_processes_is_the_one_process_closure(make, drop, parts, splits):
    g = corner_case(make, drop)
    one = reason.run_store(oxigraph_store(g), "rdfs", parts=1).ntriples()
    assert not splits
    assert reason.run_store(oxigraph_store(g), "rdfs", parts=parts).ntriples() == one
    extends = make is _data_that_extends_the_schema
    assert len(splits) == 1 and (splits[0] is None) == extends  # computed again in one process when extended
    if not extends:
        assert len(splits[0]) == parts and all(splits[0])


def test_the_shipped_closure_split_in_two_is_the_same_bytes(corpus, splits):
    oxigraph = store.open_store(corpus, "oxigraph")
    assert oxigraph.path is not None  # on disk (the session's cache): the part's process opens it again
    one = reason.run_store(oxigraph, "rdfs", parts=1).ntriples()
    assert reason.run_store(oxigraph, "rdfs", parts=2).ntriples() == one
    assert len(splits) == 1 and splits[0] is not None and len(splits[0]) == 2
    # the two parts overlap (a type both infer), and the merge keeps each line once
    assert sum(run.count(b"\n") for run in splits[0]) > one.count(b"\n") > 1000


def test_without_fork_the_closure_is_not_split_and_is_the_same_bytes(corpus, splits, monkeypatch):
    oxigraph = store.open_store(corpus, "oxigraph")
    one = reason.run_store(oxigraph, "rdfs", parts=1).ntriples()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # as on Windows
    assert reason.run_store(oxigraph, "rdfs", parts=2).ntriples() == one
    assert splits == [None]  # asked for, declined: the one closure ran instead


def test_the_merge_keeps_each_line_of_the_sorted_runs_once_in_order():
    runs = [b"<a> <p> <b> .\n<c> <p> <d> .\n<e> <p> <f> .\n",
            b"<a> <p> <b> .\n<b> <p> <c> .\n",
            b"",
            b"<b> <p> <c> .\n<e> <p> <f> .\n<z> <p> <z> .\n"]
    lines = sorted({line for run in runs for line in run.splitlines(keepends=True)})
    assert reason._merged(runs) == b"".join(lines)
    assert reason._merged(runs).count(b"\n") == 5


def test_a_limit_reached_in_a_part_process_stops_the_closure(corpus, monkeypatch):
    parent, part = os.getpid(), reason._part

    def slow_elsewhere(source, group, *rest):
        if os.getpid() != parent:
            raise LimitError("rdfs reasoning stopped after 1 s, the time limit", "timeout")
        return part(source, group, *rest)

    monkeypatch.setattr(reason, "_part", slow_elsewhere)  # the forked part process inherits it
    with pytest.raises(LimitError, match="time limit") as caught:
        reason.run_store(store.open_store(corpus, "oxigraph"), "rdfs", parts=2)
    assert caught.value.limit == "timeout"


def test_the_groups_share_out_the_triples_read_and_made():
    """The work of a group is the triples it reads (its own, and the asserted ones it leaves out) and those
    it makes; each example below is split otherwise when one of the three is not counted."""
    import pyoxigraph

    terms = reason.oxigraph_terms()

    def split(schema: list[tuple], sizes: dict, types: dict | None = None) -> list[set[str]]:
        def node(term):
            return pyoxigraph.NamedNode(str(term))

        closed = reason._Schema({node(p) for p in sizes}, [tuple(map(node, t)) for t in schema], terms)
        groups = reason._groups({node(p) for p in sizes}, {node(p): n for p, n in sizes.items()}, closed, terms, 2,
                                {node(c): n for c, n in types.items()} if types is not None else None)
        return [{p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for p in group} for group in groups]

    # ex:b makes two triples of each of its 6 (ex:b1, ex:b2): 18 in all, placed first, beside ex:a and ex:c.
    assert split([(EX.b, RDFS.subPropertyOf, EX.b1), (EX.b1, RDFS.subPropertyOf, EX.b2)],
                 {EX.a: 10, EX.b: 6, EX.c: 5}) == [{"b"}, {"a", "c"}]
    # ex:d types its subjects, so it reads the 12 types too (to leave the asserted ones out): 10 + 12 + 10 made,
    # more than rdf:type's 12 + 12 made and ex:e's 9 together.
    assert split([(EX.d, RDFS.domain, EX.D)], {EX.d: 10, RDF.type: 12, EX.e: 9}) == [{"type", "e"}, {"d"}]
    # Typed with ex:K3, under ex:K2 and ex:K, the 12 resources get 24 types more: ex:e goes beside ex:d.
    assert split([(EX.d, RDFS.domain, EX.D), (EX.K3, RDFS.subClassOf, EX.K2), (EX.K2, RDFS.subClassOf, EX.K)],
                 {EX.d: 10, RDF.type: 12, EX.e: 9}, {EX.K3: 12}) == [{"type"}, {"d", "e"}]
    assert split([], {EX.a: 10}) == [{"a"}]  # no empty group


def test_infer_tells_a_person_at_a_terminal_that_it_computes(tmp_path, monkeypatch):
    from towncase import cli

    told: list[str] = []
    monkeypatch.setattr(cli, "_progress", told.append)
    result = CliRunner().invoke(main, ["infer", "--regime", "rdfs", "--store", "oxigraph", "-o", str(tmp_path / "x.nt")])
    assert result.exit_code == 0, result.output
    assert told[-1].startswith("computing the rdfs closure of ") and told[-1].endswith(" triples …")


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
@pytest.mark.slow
def test_infer_writes_the_same_bytes_every_run_and_the_same_triples_from_either_store(tmp_path, fmt, owlrl_rdfs):
    written = {}
    for run, kind in enumerate(["oxigraph", "oxigraph", "rdflib"]):
        out = tmp_path / f"{run}-{kind}.{fmt}"
        result = CliRunner().invoke(main, ["infer", "--regime", "rdfs", "--store", kind, "-o", str(out)])
        assert result.exit_code == 0, result.output
        written[run] = out.read_bytes()
    assert written[0] == written[1]
    for run in (0, 2):  # language tags in BCP 47's case, as in every other output (Oxigraph lower-cases them)
        assert b"zh-Hans" in written[run] and b"@zh-hans" not in written[run] and b'"zh-hans"' not in written[run]
    # The same triples from either store, but not the same bytes: numbers are written as each store keeps
    # them (Oxigraph's canonical "10"^^xsd:decimal, the data's 10.0 from rdflib).
    for run in (0, 2):
        assert by_value(load.parse_file(tmp_path / f"{run}-{['oxigraph', '', 'rdflib'][run]}.{fmt}")) == by_value(owlrl_rdfs)


@pytest.mark.parametrize("text", ['plain', 'a\n"@zh-hans b\\', 'ends with a backslash\\', '\\"@zh-hans', 'x"@en-gb y'])
def test_language_tags_get_their_case_back_and_literal_texts_stay_as_they_are(text):
    import pyoxigraph

    subject, predicate = pyoxigraph.NamedNode("https://example.org/s"), pyoxigraph.NamedNode("https://example.org/p")
    triples = [pyoxigraph.Triple(subject, predicate, pyoxigraph.Literal(text, language="zh-Hans")),
               pyoxigraph.Triple(subject, predicate, pyoxigraph.Literal("q", language="en-GB"))]
    for fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.N_TRIPLES):
        fixed = export._BCP47_TAG.sub(export._bcp47_tag, pyoxigraph.serialize(triples, format=fmt))
        assert fixed.count(b'"@zh-Hans') == 1 and fixed.count(b'"@en-GB') == 1
        back = Graph().parse(data=fixed, format="turtle")
        assert {(str(o), o.language) for o in back.objects()} == {(text, "zh-Hans"), ("q", "en-GB")}


def test_inferred_blank_nodes_are_written_with_canonical_labels():
    def with_a_blank_node() -> Graph:  # a new label each time, as each parse gives
        g = _corner_cases()
        g.add((BNode(), EX.p, EX.y))
        return g

    inference = reason.run_store(oxigraph_store(with_a_blank_node()), "rdfs")
    written = export.serialize_inferred(inference, "ttl")
    assert written == export.serialize_inferred(reason.run_store(oxigraph_store(with_a_blank_node()), "rdfs"), "ttl")
    assert isomorphic(Graph().parse(data=written, format="turtle"), inference.graph)
    assert any(isinstance(s, BNode) for s in inference.graph.subjects())
