"""The release package: the official DCAT-AP 3.0.1 shapes pass, the VoID counts are the data's (counted
here another way), every distribution describes its file, the checksums hold, the query catalogue is
RDF, the documentation is generated and fetches nothing, and a failed package leaves the old one.

The DCAT-AP shapes are read from ../shared/standards/dcat-ap-3.0.1/ (SEMIC's release 3.0.1, see its
SOURCE.md); they are never copied into the project.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SH, SKOS, VOID, XSD

from conftest import SHARED
from towncase import export, link, load, package, query, validate
from towncase.cli import main
from towncase.errors import InputError
from towncase.namespaces import BASE, TC

pytestmark = pytest.mark.slow  # builds release packages (every format, pyLODE docs, HermiT)

STANDARDS = SHARED / "standards" / "dcat-ap-3.0.1" / "html-shacl"
DATASET = URIRef(BASE + "dataset")
SPDX = package.SPDX


@pytest.fixture
def standards() -> Path:
    """The official shapes, or a skip with the reason; in CI (``TOWNCASE_REQUIRE_STANDARDS``, set by
    ``.ci/run``, whose clone lies beside shared/) a failure, so CI cannot pass without checking them."""
    if not STANDARDS.is_dir():
        reason = f"the official DCAT-AP 3.0.1 shapes are not at {STANDARDS} (a checkout beside shared/ has them)"
        if os.environ.get("TOWNCASE_REQUIRE_STANDARDS"):
            pytest.fail(reason + " (TOWNCASE_REQUIRE_STANDARDS is set)", pytrace=False)
        pytest.skip(reason)
    return STANDARDS


@pytest.fixture(scope="module")
def dataset(corpus):
    """What the package holds: the shipped named graphs and the linkset graph (graph/links)."""
    return link.linked_dataset(load.dataset(corpus), link.build(corpus).graph)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The package of the shipped dataset, written once by the command, which reads one graph at a time:
    loading the whole dataset fails here."""
    def whole(*args, **kwargs):
        raise AssertionError("towncase package read the whole dataset")

    out = tmp_path_factory.mktemp("package") / "release"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "dataset", whole)
        result = CliRunner().invoke(main, ["package", "--out", str(out), "--sparql-endpoint",
                                           "https://example.org/sparql"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def catalog(built) -> Graph:
    return Graph().parse(built / "catalog.ttl")


def shacl(data: Graph, *files: str) -> list[tuple[str, str, str]]:
    shapes = Graph()
    for name in files:
        shapes.parse(STANDARDS / name)
    _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return sorted((str(report.value(r, SH.resultSeverity)).rsplit("#")[-1], str(report.value(r, SH.focusNode)),
                   str(report.value(r, SH.resultPath))) for r in report.objects(None, SH.result))


def test_official_dcat_ap_shapes_find_no_violation(standards, catalog):
    assert shacl(catalog, "shapes.ttl", "range.ttl") == []


def test_official_recommendations_miss_only_coordinates_no_source_gives(standards, catalog, dataset):
    """shapes_recommended.ttl asks every dct:Location for dcat:bbox and dcat:centroid. No source of the
    cases gives a town's coordinates, and nothing is invented, so each town covered lacks exactly
    those two (a pinned deviation, listed in the README); every other recommendation is met."""
    towns = {str(t) for t in dataset.objects(None, TC.caseOf)}
    expected = sorted(("Warning", town, str(DCAT[p])) for town in towns for p in ("bbox", "centroid"))
    assert towns and shacl(catalog, "shapes_recommended.ttl") == expected


def test_dataset_is_described_in_both_languages(catalog):
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in catalog.objects(DATASET, prop)} >= {"zh-Hans", "en"}
    assert {o.language for o in catalog.objects(DATASET, DCAT.keyword)} >= {"zh-Hans", "en"}
    assert catalog.value(DATASET, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (catalog.value(DATASET, DCTERMS.publisher), RDF.type, URIRef("http://xmlns.com/foaf/0.1/Agent")) in catalog


def test_dates_come_from_the_release_not_the_clock(catalog, ontology):
    header = URIRef(BASE + "ontology")
    assert catalog.value(DATASET, DCTERMS.issued) == ontology.value(header, DCTERMS.issued)
    assert catalog.value(DATASET, DCTERMS.modified) == ontology.value(header, DCTERMS.modified)


def test_each_town_of_a_case_is_covered_with_its_division_code(catalog, dataset):
    towns = set(dataset.objects(None, TC.caseOf))
    assert set(catalog.objects(DATASET, DCTERMS.spatial)) == towns
    for town in towns:
        assert (town, RDF.type, DCTERMS.Location) in catalog
        assert set(catalog.objects(town, DCTERMS.identifier)) == set(dataset.objects(town, TC.divisionCode))
        assert {n.language for n in catalog.objects(town, RDFS.label)} >= {"zh-Hans", "en"}


def test_time_covered_is_the_earliest_and_latest_date_the_data_states(catalog, dataset):
    text = """SELECT (MIN(STR(?t)) AS ?first) (MAX(STR(?t)) AS ?last) WHERE {
        { ?x tc:referenceTime ?t } UNION { ?x tc:date ?t } UNION { ?x tc:startDate ?t }
        FILTER(datatype(?t) IN (xsd:gYear, xsd:gYearMonth, xsd:date)) }"""
    (first, last), = query.run(dataset, query.from_text(text))
    period = catalog.value(DATASET, DCTERMS.temporal)
    assert str(catalog.value(period, DCAT.startDate)) == str(first)
    assert str(catalog.value(period, DCAT.endDate)) == str(last)


def test_void_counts_match_the_data(catalog, dataset):
    """Counted here through the quads of the dataset, not as the package counts them."""
    quads = list(dataset.quads((None, None, None, None)))
    triples = {(s, p, o) for s, p, o, _ in quads}
    count = lambda node, prop: catalog.value(node, prop).toPython()  # noqa: E731
    assert count(DATASET, VOID.triples) == len(triples)
    assert count(DATASET, VOID.properties) == len({p for _, p, _ in triples})
    assert count(DATASET, VOID.classes) == len({o for _, p, o in triples if p == RDF.type})
    assert count(DATASET, VOID.distinctSubjects) == len({s for s, _, _ in triples})
    assert count(DATASET, VOID.distinctObjects) == len({o for _, _, o in triples})
    assert count(DATASET, VOID.entities) == len({s for s, _, _ in triples if str(s).startswith(BASE + "id/")})
    per_graph = Counter(str(g.identifier if hasattr(g, "identifier") else g) for _, _, _, g in quads)
    subsets = {str(s): count(s, VOID.triples) for s in catalog.objects(DATASET, VOID.subset)
               if (s, RDF.type, VOID.Linkset) not in catalog}
    assert subsets == dict(per_graph)
    assert str(link.LINKS_GRAPH) in subsets


def test_each_linkset_is_described_with_its_targets_predicate_count_and_file(catalog, dataset):
    links = dataset.graph(link.LINKS_GRAPH)
    linksets = set(catalog.subjects(RDF.type, VOID.Linkset))
    assert linksets == set(links.subjects(RDF.type, VOID.Linkset)) and linksets
    assert linksets <= set(catalog.objects(DATASET, VOID.subset))
    for linkset in linksets:
        predicate = catalog.value(linkset, VOID.linkPredicate)
        counted = len(list(links.triples((None, predicate, None))))
        assert catalog.value(linkset, VOID.triples).toPython() == counted
        assert catalog.value(linkset, VOID.subjectsTarget) is not None
        target = catalog.value(linkset, VOID.objectsTarget)
        assert catalog.value(target, VOID.uriSpace) is not None or (target, None, None) in catalog
        assert str(catalog.value(linkset, DCTERMS.source)).startswith(BASE + "links/")
    assert set(catalog.objects(DATASET, VOID.exampleResource)) == set(dataset.objects(None, TC.caseOf))
    assert URIRef(str(TC)) in set(catalog.objects(DATASET, VOID.vocabulary))


def test_every_distribution_describes_its_file(built, catalog):
    data_files = {p.relative_to(built).as_posix() for p in (built / "data").iterdir()}
    described = set()
    for node in catalog.objects(DATASET, DCAT.distribution):
        url = str(catalog.value(node, DCAT.downloadURL))
        relative = url[len(str(catalog.value(node, DCAT.accessURL))):]
        path = built / relative
        described.add(relative)
        data = path.read_bytes()
        assert catalog.value(node, DCAT.byteSize) == Literal(len(data), datatype=XSD.nonNegativeInteger)
        checksum = catalog.value(node, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        media = str(catalog.value(node, DCAT.mediaType))
        assert media.endswith({"ttl": "/text/turtle", "nt": "/n-triples", "jsonld": "/ld+json", "trig": "/trig",
                               "nq": "/n-quads"}[path.suffix.lstrip(".")])
        assert {t.language for t in catalog.objects(node, DCTERMS.title)} == {"zh-Hans", "en"}
    assert described == data_files
    assert {Path(u).suffix for u in map(str, catalog.objects(DATASET, VOID.dataDump))} == {".trig", ".nq"}


def test_checksums_cover_every_file_and_hold(built):
    lines = (built / package.CHECKSUMS).read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        listed[name] = digest
    files = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()} - {package.CHECKSUMS}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest, name


def test_query_catalogue_is_rdf_with_text_labels_and_parameters(built):
    graph = Graph().parse(built / "queries" / "catalogue.ttl")
    for name, stored in query.catalogue().items():
        node = package.QUERY[name]
        text = graph.value(node, SH.select) or graph.value(node, SH.construct)
        assert str(text) == stored.text == (built / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        assert {o.language for o in graph.objects(node, RDFS.label)} == {"zh-Hans", "en"}
        names = {str(graph.value(p, SH.name)) for p in graph.objects(node, SH.parameter)}
        assert names == set(stored.params)
        assert (node, SCHEMA_TARGET, URIRef("https://example.org/sparql")) in graph


SCHEMA_TARGET = URIRef("https://schema.org/target")


def test_sparql_endpoint_is_a_data_service(catalog):
    (service,) = catalog.objects(None, DCAT.service)
    assert catalog.value(service, DCAT.endpointURL) == URIRef("https://example.org/sparql")
    assert catalog.value(DATASET, VOID.sparqlEndpoint) == URIRef("https://example.org/sparql")


def test_documentation_covers_every_term_and_scheme_and_fetches_nothing(built, ontology):
    documented = (built / "docs" / "ontology.html").read_text(encoding="utf-8")
    for term in set(ontology.subjects(RDFS.isDefinedBy, URIRef(BASE + "ontology"))):
        for label in ontology.objects(term, RDFS.label):
            assert str(label) in documented, f"{term}: {label} not in ontology.html"
    for page in (built / "docs").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|img)[^>]+src="https?:', text), f"{page.name} loads a remote script or image"
        assert not re.search(r'<link[^>]+href="https?:[^"]+"[^>]*stylesheet|stylesheet[^>]+href="https?:', text)
    assert {p.stem for p in (built / "docs").glob("*.html")} == {"ontology", "concepts"}
    concepts, page = Graph().parse(built / "data" / "concepts.ttl"), (built / "docs" / "concepts.html").read_text()
    for concept in set(concepts.subjects(SKOS.inScheme, None)):
        assert str(concept) in page
        for label in concepts.objects(concept, SKOS.prefLabel):
            assert html.escape(str(label)) in page, f"{concept}: {label} not in concepts.html"


def test_base_moves_every_iri_of_the_package(tmp_path, monkeypatch, dataset):
    monkeypatch.setattr(package, "_write_docs", lambda folder, base: None)  # the docs are checked above
    out = tmp_path / "moved"
    result = CliRunner().invoke(main, ["package", "--out", str(out), "--base", "https://example.org/tc/"])
    assert result.exit_code == 0, result.output
    for path in [out / "catalog.ttl", out / "data" / "towncase.trig", out / "queries" / "catalogue.ttl",
                 *sorted((out / "queries").glob("*.rq")), *sorted((out / "shapes").glob("*.ttl"))]:
        assert "https://w3id.org/towncase/" not in path.read_text(encoding="utf-8"), path.name
    catalog = Graph().parse(out / "catalog.ttl")
    assert (URIRef("https://example.org/tc/dataset"), RDF.type, DCAT.Dataset) in catalog
    url = str(next(catalog.objects(None, DCAT.downloadURL)))
    assert url.startswith("https://example.org/tc/release/")
    # the moved shapes (IRIs and sh:pattern regexes) check the moved data as the shipped shapes check
    # the shipped data: it conforms, with the same recommendations (a shape that no longer matched its
    # targets would find nothing at all)
    shapes, moved, canonical = Graph(), Graph(), Graph()
    for path in (out / "shapes").glob("*.shapes.ttl"):
        shapes.parse(path)
    for name in ("concepts", "reference", "diankou-2022"):
        moved.parse(out / "data" / f"{name}.ttl")
    for graph in ("concepts", "reference", "case/diankou-2022"):
        canonical += dataset.graph(URIRef(BASE + "graph/" + graph))
    here, there = validate.validate(canonical), validate.validate(moved, shapes_graph=shapes)
    assert there.conforms and here.conforms
    assert Counter(f.message for f in there.findings) == Counter(f.message.replace(BASE, "https://example.org/tc/")
                                                                 for f in here.findings)
    assert there.findings


def test_a_failed_package_leaves_the_old_one_untouched(built, tmp_path, monkeypatch):
    out = tmp_path / "release"
    out.mkdir()
    (out / "old.txt").write_text("the previous release\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(package, "_write_docs", broken)
    with pytest.raises(OSError):
        package.package(export.readers(_dataset()), out)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary folder was left behind"


def _dataset():
    from towncase import load
    return load.dataset()


def test_package_refuses_data_that_does_not_conform(tmp_path):
    case = tmp_path / "cases" / "broken-2024"
    case.mkdir(parents=True)
    (case / "case.ttl").write_text("@prefix tc: <https://w3id.org/towncase/ontology#> .\n"
                                   "<https://w3id.org/towncase/id/case/broken-2024> a tc:Case .\n", encoding="utf-8")
    out = tmp_path / "release"
    result = CliRunner().invoke(main, ["package", "--out", str(out), "--data", str(tmp_path / "cases")])
    assert result.exit_code == 1, result.output
    assert not out.exists()


def test_blank_nodes_only_where_rdf_needs_them(catalog):
    """Every catalogue entity has an IRI a portal can link to (checksums and parameters are IRIs too)."""
    assert not [s for s in catalog.subjects() if isinstance(s, BNode)]


def test_publish_refuses_a_package_changed_since_it_was_written(built, tmp_path):
    """towncase publish --package checks SHA256SUMS before it uploads anything (exit 2, no server needed)."""
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    with (copy / "data" / "towncase.trig").open("a", encoding="utf-8") as handle:
        handle.write("\n<urn:x> { <urn:x> <urn:y> <urn:z> . }\n")
    result = CliRunner().invoke(main, ["publish", "--package", str(copy), "--endpoint", "http://127.0.0.1:9/query"])
    assert result.exit_code == 2, result.output
    assert "data/towncase.trig is missing or differs from its SHA256SUMS line" in result.output


def test_a_package_reads_back_as_the_dataset(built, dataset):
    from rdflib.compare import isomorphic
    read = package.read(built)
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert {g.identifier for g in read.graphs() if len(g)} == names
    for name in names:
        assert isomorphic(read.graph(name), dataset.graph(name)), name


def test_owl_dl_profile_holds_every_triple_with_owl2_datatypes_only(built, dataset):
    profile = Graph().parse(built / "owl-dl" / "towncase.ttl")
    union = {t for g in dataset.graphs() if g.identifier != link.LINKS_GRAPH for t in g}
    assert len(profile) == len(union)
    outside = {o.datatype for _, _, o in profile
               if isinstance(o, Literal) and o.language is None and o.datatype not in package.OWL2_DATATYPES}
    assert outside <= {None}, f"datatypes outside the OWL 2 datatype map: {outside}"
    moved = [o for _, p, o in profile if p == TC.referenceTime]
    assert moved and all(o.datatype == XSD.string for o in moved)


def test_owl_dl_profile_loads_in_hermit(built, tmp_path):
    """HermiT, a standard OWL 2 DL reasoner (shipped in owlready2, run on Java), loads the profile and
    finds it consistent; it refuses the data as it is (xsd:gYear is outside the OWL 2 datatype map)."""
    owlready2 = pytest.importorskip("owlready2", reason="owlready2 (with HermiT) comes with the test extras")
    import shutil
    if shutil.which("java") is None:
        pytest.skip("no java: HermiT runs on a Java runtime (apt-get install default-jre-headless)")
    xml = tmp_path / "towncase.owl"
    Graph().parse(built / "owl-dl" / "towncase.ttl").serialize(xml, format="xml")
    world = owlready2.World()
    onto = world.get_ontology(xml.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert not list(world.inconsistent_classes())


def test_documentation_is_the_same_bytes_whatever_the_hash_seed(tmp_path):
    import os
    import subprocess
    import sys
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / seed
        code = f"from towncase import package; package._write_docs(__import__('pathlib').Path({str(out)!r}), None)"
        done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONHASHSEED=seed),
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        digests.add(tuple(hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.html"))))
    assert len(digests) == 1


def test_the_description_counts_the_union_of_graphs_it_saw_one_at_a_time(tmp_path):
    """What :class:`package.Description` gathers graph by graph equals what rdflib counts in the union of the
    graphs held together: a triple in two graphs counted once, the same literal with its language tag in two
    cases (rdflib's terms compare tags without case) once, each graph's blank node its own, a town named in
    another graph than the case that points to it, and the dates of every graph; the OWL 2 DL profile merges
    the graphs with their blank nodes apart."""
    ex = "https://w3id.org/towncase/id/"
    text = {
        "graph/case/a": f"""<{ex}case/a> <{TC}caseOf> <{ex}place/t> ; <{TC}date> "2019"^^<{XSD}gYear> .
            <{ex}place/t> <{RDFS}label> "镇"@zh-Hans ; <{TC}note> [ <{RDFS}label> "x" ] .
            <{ex}k> <{RDFS}label> "k"@zh-Hans .""",
        "graph/case/b": f"""<{ex}case/b> <{TC}caseOf> <{ex}place/t> ; <{TC}date> "2023-05"^^<{XSD}gYearMonth> .
            <{ex}k> <{RDFS}label> "k"@zh-hans ; <{RDF}type> <{TC}Town> .
            <{ex}place/t> <{RDFS}label> "镇"@zh-Hans ; <{TC}note> [ <{RDFS}label> "x" ] .""",
        "graph/reference": f"""<{ex}place/t> <{RDFS}label> "Town"@en ; <{TC}divisionCode> "330681101" ;
            <{RDF}type> <{TC}Town> . <http://example.org/other> <{RDFS}label> "not ours" .""",
    }
    graphs = [(URIRef(BASE + name), Graph().parse(data=body, format="turtle")) for name, body in text.items()]
    with package.Description(None, tmp_path) as description:
        for name, graph in graphs:
            description.take(name, description.look(name, graph))
        profile = Graph().parse(data=b"".join(description.owl_dl.chunks()).decode("utf-8"), format="turtle")
    union = Graph()
    for _, graph in graphs:
        union += graph
    assert len(description.triples) == len(union) == 15  # 17 stated; t's 镇 in two cases and k's label counted once
    assert len(description.subjects) == len(set(union.subjects())) == 7  # two blank nodes
    assert len(description.objects) == len(set(union.objects()))
    assert len(description.entities) == 4  # case/a, case/b, place/t, k
    assert description.classes == {TC.Town} and description.towns == {URIRef(ex + "place/t")}
    assert {str(v) for _, v in description.names[URIRef(ex + "place/t")]} == {"镇", "Town", "330681101"}
    assert [str(t) for t in description.times] == ["2019", "2023-05"]
    assert len(profile) == len(union) and len(set(profile.subjects(RDFS.label, Literal("x")))) == 2
    assert {o.datatype for o in profile.objects(None, TC.date)} == {XSD.string}


def test_the_owl_dl_profile_keeps_the_blank_nodes_of_two_graphs_apart(tmp_path):
    """Two graphs alike, a blank node each that two subjects share (so Turtle must label it): their canonical
    labels are alike too, and only each graph's own scope keeps them two nodes when the profile merges them."""
    text = f'<{BASE}id/place/t> <{TC}note> _:b . <{BASE}id/place/u> <{TC}note> _:b . _:b <{RDFS}label> "x" .'
    with package.Description(None, tmp_path) as description:
        for name in ("graph/case/c", "graph/case/d"):
            graph = Graph().parse(data=text, format="turtle")
            description.take(URIRef(BASE + name), description.look(URIRef(BASE + name), graph))
        profile = Graph().parse(data=b"".join(description.owl_dl.chunks()).decode("utf-8"), format="turtle")
    assert len(profile) == len(description.triples) == 6


def _package_of(folder: Path, trig: str) -> Path:
    """A package folder holding only ``data/towncase.trig`` with ``trig``, and its SHA256SUMS."""
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "towncase.trig").write_text(trig, encoding="utf-8")
    digest = hashlib.sha256(trig.encode("utf-8")).hexdigest()
    (folder / package.CHECKSUMS).write_text(f"{digest}  data/towncase.trig\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("trig", "says", "line"), [
    ("<urn:g1> { <urn:a> <urn:b> <urn:c> . }\n<urn:g2> { <urn:a> <urn:b> <urn:d> . }\n"
     "<urn:g1> { <urn:a> <urn:b> <urn:e> . }\n", "the graph <urn:g1> comes in two blocks", None),
    ("<urn:g1> { <urn:a> <urn:b> <urn:c> . }\n<urn:a> <urn:b> <urn:d> .\n", "outside a graph named by an IRI", None),
    ("_:g { <urn:a> <urn:b> <urn:c> . }\n", "outside a graph named by an IRI", None),
    ("<urn:g1> { <urn:a> <urn:b> <urn:c> . }\n<urn:g2> { <urn:a> <urn:b> . }\n", "RDF syntax error", 2),
], ids=["graph-in-two-blocks", "default-graph", "blank-graph-name", "syntax"])
def test_a_package_whose_trig_is_not_as_written_is_refused_before_any_graph_is_given(tmp_path, trig, says, line):
    """The whole TriG is checked before the first graph is given, so that towncase publish uploads nothing
    from a package it would stop in."""
    with pytest.raises(InputError, match=says) as raised:
        package.graphs(_package_of(tmp_path / "release", trig))  # not a generator that stops midway
    assert raised.value.line == line and raised.value.file.endswith("towncase.trig")


def test_a_package_gives_its_graphs_one_at_a_time_as_written(tmp_path):
    trig = ('<urn:g1> { <urn:a> <urn:b> "x"@zh-Hans, "01"^^<http://www.w3.org/2001/XMLSchema#integer> . }\n'
            '<urn:g2> { <urn:a> <urn:b> _:n . _:n <urn:b> "y" . }\n')
    given = list(package.graphs(_package_of(tmp_path / "release", trig)))
    assert [name for name, _ in given] == [URIRef("urn:g1"), URIRef("urn:g2")]
    assert set(given[0][1].objects()) == {Literal("x", lang="zh-Hans"),
                                          Literal("01", datatype=XSD.integer)}  # as written, not canonical
    assert len(given[1][1]) == 2 and Literal("y") in set(given[1][1].objects())
