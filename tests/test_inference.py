"""Inference that scales: the linear RDFS closure (the schema closed once, applied to each instance
triple) gives exactly what owlrl gives."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace
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
def expanded(monkeypatch) -> list:
    """Whether each closure of a store's numbered triples expanded them as arrays
    (:func:`towncase.reason._expanded`, True) or as tuples through :func:`towncase.reason.rdfs_closure`."""
    taken: list = []
    expands_alone = reason._expands_alone

    def recorded(*args):
        taken.append(expands_alone(*args))
        return taken[-1]

    monkeypatch.setattr(reason, "_expands_alone", recorded)
    return taken


def _expanding_alone() -> Graph:
    """Corner cases the arrays expand (nothing but rdf:type types, no schema triple made): a cycle of classes,
    a literal copied to a super-property (as a number Oxigraph keeps in canonical form), an inferred triple
    also asserted, a reflexive triple of a sub-property of owl:sameAs (trivial once copied up), a domain of
    rdfs:Resource (trivial), a vocabulary term the data does not use (rdfs:Resource, made by rdfs8)."""
    g = _corner_cases()
    g.remove((EX.t, RDFS.subPropertyOf, RDF.type))
    for triple in [(EX.x, EX.p, Literal("10.0", datatype=XSD.decimal)), (EX.x, EX.q, EX.y),
                   (EX.x, RDF.type, EX.A), (EX.same, RDFS.subPropertyOf, OWL.sameAs), (EX.x, EX.same, EX.x),
                   (EX.x, EX.same, EX.y), (EX.everything, RDFS.domain, RDFS.Resource), (EX.y, EX.everything, EX.x),
                   (EX.B, RDF.type, RDFS.Class)]:
        g.add(triple)
    return g


ARRAY_CASES = [(_expanding_alone, None), (_expanding_alone, RDFS.range)]


@pytest.mark.parametrize("make, drop", ARRAY_CASES + CORNER_CASES)
def test_the_oxigraph_closure_takes_the_arrays_only_where_nothing_extends_the_schema(make, drop, expanded):
    g = corner_case(make, drop)
    inference = reason.run_store(oxigraph_store(g), "rdfs")
    assert expanded == [(make, drop) in ARRAY_CASES]
    assert by_value(inference.graph) == by_value(reason.run(g, "rdfs", linear=False).graph)


def test_the_arrays_are_not_blind():
    inferred = set(reason.run_store(oxigraph_store(_expanding_alone()), "rdfs").graph)
    assert {(EX.x, EX.r, EX.y), (EX.x, EX.q, Literal("10", datatype=XSD.decimal)), (EX.x, RDF.type, EX.C),
            (EX.y, RDF.type, EX.B), (EX.x, OWL.sameAs, EX.y), (EX.B, RDFS.subClassOf, RDFS.Resource)} <= inferred
    assert not {(EX.x, EX.q, EX.y), (EX.x, RDF.type, EX.A), (EX.x, OWL.sameAs, EX.x),
                (EX.y, RDF.type, RDFS.Resource)} & inferred


@pytest.mark.parametrize("arrays", [True, False])
def test_the_closure_is_sorted_as_lines_of_bytes_where_terms_begin_other_terms(arrays, expanded, monkeypatch):
    """The lines are sorted as numbers, by each term's rank (:func:`towncase.reason._written`): the order of
    the lines as bytes, here with terms that begin others (``"a"``, ``"a"@en``, ``"a"@en-gb``; ``ex:a``,
    ``ex:ab``; ``_:b1``, ``_:b12``)."""
    g = Graph()
    for triple in [(EX.p, RDFS.subPropertyOf, EX.q), (EX.p, RDFS.domain, EX.C), (EX.s, RDF.type, EX.D)]:
        g.add(triple)
    objects = [Literal("a"), Literal("a", lang="en"), Literal("a", lang="en-GB"), Literal("a", datatype=EX.dt),
               Literal("a b"), Literal("a\tb"), Literal("ab"), EX.a, EX.ab, EX["a-b"], BNode("b1"), BNode("b12")]
    subjects = [EX.s, EX.s1, EX.s10, EX["s-1"], BNode("b1"), BNode("b12")]
    for s in subjects:
        for o in objects:
            g.add((s, EX.p, o))
    if not arrays:
        monkeypatch.setattr(reason, "_expands_alone", lambda *args: False)
    written = reason.run_store(oxigraph_store(g), "rdfs").ntriples()
    lines = written.splitlines(keepends=True)
    assert expanded == ([True] if arrays else [])
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    copied = [line for line in lines if line.split(b" ", 2)[1] == f"<{EX.q}>".encode()]
    assert len(copied) == len(subjects) * len(objects)


def test_the_arrays_and_the_tuples_give_the_same_bytes_on_the_shipped_cases(corpus, expanded, monkeypatch):
    oxigraph = store.open_store(corpus, "oxigraph")
    arrays = reason.run_store(oxigraph, "rdfs").ntriples()
    monkeypatch.setattr(reason, "_expands_alone", lambda *args: False)
    assert reason.run_store(oxigraph, "rdfs").ntriples() == arrays
    assert expanded == [True] and arrays.count(b"\n") > 1000


def test_a_built_store_keeps_its_triples_as_numbers_the_closure_reads(corpus, monkeypatch):
    oxigraph = store.open_store(corpus, "oxigraph")
    assert oxigraph.path is not None and (oxigraph.path / store.CODES_FILE).exists()
    again = store.OxigraphStore(oxigraph.store, oxigraph.sizes, oxigraph.path)
    monkeypatch.setattr(store.Encoded, "of", lambda *args: pytest.fail("read out of the store"))
    table = again.encoded()
    assert len(table.codes) >= sum(oxigraph.sizes.values())  # a triple twice in a file is kept twice


@pytest.mark.parametrize("damage", ["codes cut short", "terms cut short", "codes gone"])
def test_numbers_kept_that_cannot_be_read_are_read_out_of_the_store_again(corpus, tmp_path, monkeypatch, damage):
    from towncase import cache

    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    built = store.open_store(corpus, "oxigraph")
    expected = reason.run_store(built, "rdfs").ntriples()
    codes, terms = built.path / store.CODES_FILE, built.path / store.TERMS_FILE
    if damage == "codes cut short":
        codes.write_bytes(codes.read_bytes()[:1000])
    elif damage == "terms cut short":
        terms.write_bytes(b"\n".join(terms.read_bytes().split(b"\n")[:100]))
    else:
        codes.unlink()
    assert store.Encoded.read(built.path) is None
    again = store.OxigraphStore(built.store, built.sizes, built.path)
    assert reason.run_store(again, "rdfs").ntriples() == expected


def test_the_numbers_made_while_parsing_are_those_of_the_triples_the_store_gives_back():
    """Oxigraph keeps typed literals it knows by value: ``10.0`` and ``10.00`` are one term in the store, and
    the numbering gives them one number, written as the store writes it."""
    import pyoxigraph

    text = ('@prefix ex: <https://example.org/> . ex:s ex:p 10.0, 10.00, 1e1, "10"^^ex:own, "a\\nb \\"c\\\\"@zh-Hans, '
            '"2022"^^<http://www.w3.org/2001/XMLSchema#gYear>, "x"^^<http://www.w3.org/2001/XMLSchema#string>, '
            '"not a number"^^<http://www.w3.org/2001/XMLSchema#integer>, _:b . _:b ex:p true, "true" .')
    parsed = list(pyoxigraph.parse(text, pyoxigraph.RdfFormat.TURTLE))
    memory = pyoxigraph.Store()
    memory.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in parsed)

    def written(table: store.Encoded) -> set[bytes]:
        return {b" ".join(table.terms[i] for i in row) + b" .\n" for row in table.codes.tolist()}

    from_parse = store.Encoded.of(parsed)
    from_store = store.Encoded.of(memory)
    lines = pyoxigraph.serialize((pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in memory),
                                 format=pyoxigraph.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    assert written(from_parse) == written(from_store) == set(lines)
    assert len(from_parse.codes) == 11 and len(lines) == 10  # 10.0 and 10.00: one triple in the store


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
