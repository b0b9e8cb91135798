"""Links: the SSSOM reader (strict, errors naming file and row), the linkset graph and its VoID
description, the link shapes (one fixture per constraint, asserting which shape fired), suggest and check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from artefacts import ROOT
from click.testing import CliRunner
from rdflib import OWL, RDF, SH, Dataset, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, VOID

from towncase import link, load
from towncase.cli import main
from towncase.errors import InputError
from towncase.namespaces import PREFIXES, REFERENCE_GRAPH

SHIPPED = sorted((ROOT / "data" / "links").glob("*.sssom.tsv"))
PLACE = PREFIXES["place"]
SHAPE = PREFIXES["shape"]
HEADER = """# curie_map:
#   place: https://w3id.org/towncase/id/place/
#   wd: http://www.wikidata.org/entity/
#   industry: https://w3id.org/towncase/concept/industry/
# mapping_set_id: https://example.org/links/test
# license: https://creativecommons.org/licenses/by/4.0/
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence
"""


def write(tmp_path: Path, rows: str, header: str = HEADER, name: str = "test.sssom.tsv") -> Path:
    path = tmp_path / name
    path.write_text(header + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_mapping_sets_read(path):
    ms = link.read_mapping_set(path)
    assert ms.mappings and str(ms.license).startswith("https://creativecommons.org/")


def test_the_wikidata_mappings_are_the_r2_line_of_the_reference_facts():
    """Each reviewed row pairs a reference place with the Q-id that block R2 gives its Chinese name."""
    text = (ROOT / "data" / "reference" / "sources" / "reference-facts.txt").read_text(encoding="utf-8")
    r2 = dict(re.findall(r"(\S+?) = wd:(Q\d+)", text.split("== R2", 1)[1].split("== R3", 1)[0]))
    assert r2 == {"浙江省": "Q16967", "绍兴市": "Q42666", "杭州市": "Q4970"}
    ms = link.read_mapping_set(ROOT / "data" / "links" / "reference-wikidata.sssom.tsv")
    reference = load.reference(load.corpus(env=False))
    pairs = {}
    for m in ms.mappings:
        names = {str(name) for name in reference.objects(m.subject, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
                 if name.language == "zh-Hans"}
        assert len(names) == 1, m.subject
        pairs[names.pop()] = str(m.object).rsplit("/", 1)[1]
        assert m.predicate == OWL.sameAs and m.justification == link.SEMAPV.ManualMappingCuration
    assert pairs == r2


@pytest.fixture(scope="module")
def built():
    return link.build(load.corpus(env=False))


def test_shipped_links_conform_and_have_a_void_linkset(built):
    assert built.validation.conforms, [f.message for f in built.validation.findings]
    linksets = list(built.graph.subjects(RDF.type, VOID.Linkset))
    assert len(linksets) == 1
    ls = linksets[0]
    assert built.graph.value(ls, VOID.linkPredicate) == OWL.sameAs
    assert built.graph.value(ls, VOID.subjectsTarget) == REFERENCE_GRAPH
    assert built.graph.value(ls, VOID.objectsTarget) == URIRef("http://www.wikidata.org/")
    assert built.graph.value(ls, VOID.triples).toPython() == 3
    assert built.graph.value(ls, DCTERMS.source) == URIRef("https://w3id.org/towncase/links/reference-wikidata")
    assert (URIRef(PLACE + "zhejiang"), OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q16967")) in built.graph


def test_links_stay_out_of_the_dataset_by_default(built):
    ds = load.dataset(load.corpus(env=False))
    assert link.LINKS_GRAPH not in {g.identifier for g in ds.graphs()}
    assert not any(ds.triples((None, OWL.sameAs, None)))


# --- the reader: every error names the file and the row -----------------------------------------

BROKEN = {
    "no-set-id": (HEADER.replace("# mapping_set_id: https://example.org/links/test\n", ""), "", 1, "mapping_set_id"),
    "no-licence": (HEADER.replace("# license: https://creativecommons.org/licenses/by/4.0/\n", ""), "", 1, "license"),
    "bad-predicate": (HEADER, "place:zhejiang\trdfs:seeAlso\twd:Q16967\tsemapv:ManualMappingCuration\t0.9\n", 8,
                      "predicate_id"),
    "confidence-above-one": (HEADER, "place:zhejiang\towl:sameAs\twd:Q16967\tsemapv:ManualMappingCuration\t1.5\n", 8,
                             "confidence"),
    "unknown-prefix": (HEADER, "place:zhejiang\towl:sameAs\tdbr:Zhejiang\tsemapv:ManualMappingCuration\t0.9\n", 8,
                       "object_id"),
    "not-semapv": (HEADER, "place:zhejiang\towl:sameAs\twd:Q16967\tsemapv:Guesswork\t0.9\n", 8,
                   "mapping_justification"),
    "missing-cell": (HEADER, "place:zhejiang\towl:sameAs\twd:Q16967\tsemapv:ManualMappingCuration\n", 8, "cells"),
    "empty-subject": (HEADER, "\towl:sameAs\twd:Q16967\tsemapv:ManualMappingCuration\t0.9\n", 8, "subject_id"),
    "duplicate": (HEADER, "place:zhejiang\towl:sameAs\twd:Q16967\tsemapv:ManualMappingCuration\t0.9\n" * 2, 9,
                  "same mapping"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_mapping_file_is_refused_naming_the_row(tmp_path, name):
    header, rows, line, word = BROKEN[name]
    path = write(tmp_path, rows, header)
    with pytest.raises(InputError) as err:
        link.read_mapping_set(path)
    assert str(err.value).startswith(f"{path}:{line}:"), str(err.value)
    assert word in str(err.value)


# --- the shapes: each constraint fires on its own broken link --------------------------------------

SHAPE_CASES = {
    "Mapping-ends-exist": "place:nowhere\towl:sameAs\twd:Q16967\tsemapv:ManualMappingCuration\t0.9\n",
    "Mapping-sameAs-same-kind": "place:zhejiang\towl:sameAs\tindustry:socks\tsemapv:ManualMappingCuration\t0.9\n",
    "Mapping-exact-not-narrower": ("place:zhejiang\towl:sameAs\tplace:shaoxing\tsemapv:ManualMappingCuration\t0.5\n"
                                   "place:zhejiang\tskos:narrowMatch\tplace:shaoxing\tsemapv:ManualMappingCuration\t0.5\n"),
}


@pytest.fixture(scope="module")
def dataset():
    return load.dataset(load.corpus(env=False))


def shapes_fired(path: Path, ds) -> set[str]:
    links = link.compile_links([link.read_mapping_set(path)], link.owners(ds), link.external_datasets())
    checked = load.data_graph(load.corpus(env=False)) + load.ontology() + link.external_datasets() + links
    from towncase import validate
    result = validate.validate(checked, shapes_graph=link.shapes())
    fired = set(result.graph.objects(None, SH.sourceShape)) | set(result.graph.objects(None, SH.sourceConstraint))
    return {str(s).removeprefix(SHAPE) for s in fired if str(s).startswith(SHAPE)}


@pytest.mark.parametrize("shape", sorted(SHAPE_CASES))
@pytest.mark.slow
def test_each_link_shape_fires_on_its_broken_link(tmp_path, dataset, shape):
    fired = shapes_fired(write(tmp_path, SHAPE_CASES[shape]), dataset)
    assert shape in fired, fired


@pytest.mark.parametrize("case", ["shipped", *sorted(SHAPE_CASES)])
@pytest.mark.slow
def test_the_link_check_reads_only_what_the_shapes_need_and_finds_the_same(tmp_path, monkeypatch, dataset, case):
    """link.build validates the links beside what shapes/links/link-context.rq selects of the data, not a
    copy of every graph: the findings are those of validating them beside the whole data."""
    from towncase import validate

    if case != "shipped":
        broken = write(tmp_path, SHAPE_CASES[case])
        monkeypatch.setattr(link, "link_files", lambda data: (broken,))
    built = link.build(load.corpus(env=False), dataset)
    whole = load.data_graph(load.corpus(env=False)) + load.ontology() + link.external_datasets() + built.graph
    expected = validate.validate(whole, shapes_graph=link.shapes()).findings
    assert sorted(map(repr, built.validation.findings)) == sorted(map(repr, expected))
    assert bool(expected) == (case != "shipped")
    assert len(link.context(dataset).graph) < len(dataset) / 4  # what it read is a small part of the data


def test_a_good_external_link_fires_nothing(tmp_path, dataset):
    path = write(tmp_path, "place:shaoxing-zhuji\towl:sameAs\twd:Q1\tsemapv:ManualMappingCuration\t0.9\n")
    assert shapes_fired(path, dataset) == set()


def test_a_confidence_outside_0_1_in_the_graph_fires_its_shape(dataset):
    """The reader refuses such a file; the shape still guards a linkset graph made some other way."""
    from rdflib import XSD, Literal

    from towncase import validate
    links = link.compile_links(link.mapping_sets(load.corpus(env=False)), link.owners(dataset), link.external_datasets())
    axiom = next(links.subjects(RDF.type, OWL.Axiom))
    links.set((axiom, link.SSSOM.confidence, Literal("1.5", datatype=XSD.decimal)))
    result = validate.validate(load.data_graph(load.corpus(env=False)) + link.external_datasets() + links,
                               shapes_graph=link.shapes())
    assert URIRef(SHAPE + "Mapping-confidence") in set(result.graph.objects(None, SH.sourceShape))


def test_every_link_constraint_has_a_message():
    shapes = link.shapes()
    constraints = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(constraints) >= 12
    for node in constraints:
        assert shapes.value(node, SH.message) is not None, node


# --- the command line ----------------------------------------------------------------------------

def tiny_data(tmp_path: Path, turtle: str) -> None:
    """A data folder ``tmp_path/data`` with one tiny case and an empty ``links/`` folder."""
    case = tmp_path / "data" / "tiny"
    case.mkdir(parents=True)
    (case / "case.ttl").write_text("@prefix tc: <https://w3id.org/towncase/ontology#> .\n" + turtle + "\n",
                                   encoding="utf-8")
    (tmp_path / "data" / "links").mkdir()


def test_link_build_and_check_pass_on_the_shipped_links():
    runner = CliRunner()
    built = runner.invoke(main, ["link", "build"])
    assert built.exit_code == 0 and "3 link(s)" in built.output and "conforms" in built.output
    assert runner.invoke(main, ["link", "check"]).exit_code == 0


def test_link_build_exits_2_naming_the_row_of_a_broken_file(tmp_path):
    tiny_data(tmp_path, "<https://w3id.org/towncase/id/organization/tiny> a tc:Company .")
    path = write(tmp_path / "data" / "links", BROKEN["confidence-above-one"][1])
    result = CliRunner().invoke(main, ["link", "build", "--data", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert f"{path}:8:" in result.output and "confidence" in result.output


def test_link_check_names_the_row_whose_end_vanished(tmp_path):
    tiny_data(tmp_path, "<https://w3id.org/towncase/id/place/tiny> a tc:Town .")
    path = write(tmp_path / "data" / "links",
                 "place:tiny\towl:sameAs\twd:Q1\tsemapv:ManualMappingCuration\t0.9\n"
                 "place:gone\towl:sameAs\twd:Q2\tsemapv:ManualMappingCuration\t0.9\n")
    result = CliRunner().invoke(main, ["link", "check", "--data", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.output.strip() == (f"{path}:9: the subject place:gone is gone "
                                     "(place:gone owl:sameAs wd:Q2)")


def test_suggest_finds_the_shared_places_and_concepts(dataset):
    found = link.suggest(dataset, "diankou-2022", "datang")
    shared = {str(s.iri) for s in found.shared}
    for place in ("china", "zhejiang", "shaoxing", "shaoxing-zhuji"):
        assert PLACE + place in shared
    assert PREFIXES["industry"] + "textiles" in shared
    # the two towns themselves are each mentioned by one case only
    assert PLACE + "shaoxing-zhuji-diankou" not in shared and PLACE + "shaoxing-zhuji-datang" not in shared


def test_suggest_proposes_a_same_named_enterprise_and_writes_sssom_that_reads_back(tmp_path):
    case = tmp_path / "tiny"
    case.mkdir()
    (case / "case.ttl").write_text(
        "@prefix tc: <https://w3id.org/towncase/ontology#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/towncase/id/organization/ali> a tc:Company ; rdfs:label \"阿里巴巴\"@zh-Hans , \"Alibaba Group\"@en .\n"
        "<https://w3id.org/towncase/id/place/elsewhere> a tc:Town ; rdfs:label \"大唐\"@zh-Hans .\n",
        encoding="utf-8")
    out = tmp_path / "c.sssom.tsv"
    result = CliRunner().invoke(main, ["link", "suggest", "tiny", "datang", "--data", str(case), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ms = link.read_mapping_set(out)
    got = {(m.subject, m.predicate, m.object): m for m in ms.mappings}
    alibaba = (URIRef(PREFIXES["organization"] + "ali"), OWL.sameAs, URIRef(PREFIXES["organization"] + "alibaba"))
    assert set(got) == {alibaba}, got  # the town named 大唐 is minted by the reference data, not by datang
    assert got[alibaba].justification == link.SEMAPV.LexicalMatching
    assert "阿里巴巴" in got[alibaba].labels["comment"]


@pytest.mark.slow
def test_suggest_reads_only_the_two_cases_and_answers_as_over_the_whole_corpus(tmp_path, synthetic_towns):
    """The command loads the two cases with the shared data only; the library over every case (here the
    shipped ones and two more, copies of Diankou under other names) proposes the same links."""
    cli = CliRunner().invoke(main, ["link", "suggest", "diankou-2022", "datang", "--data", str(synthetic_towns),
                                    "-o", str(tmp_path / "pair.sssom.tsv")])
    assert cli.exit_code == 0, cli.output
    whole = load.dataset(load.corpus([synthetic_towns], env=False))
    assert (tmp_path / "pair.sssom.tsv").read_bytes() == link.sssom_tsv(link.suggest(whole, "diankou-2022", "datang"))
    unknown = CliRunner().invoke(main, ["link", "suggest", "diankou-2022", "datnag"])
    assert unknown.exit_code == 2 and "datang" in unknown.output


# --- towncase build: the links as their own named graph ------------------------------------------

@pytest.mark.slow
def test_build_exports_the_links_as_their_own_graph_apart_from_the_data(tmp_path):
    out = tmp_path / "export"
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--format", "ttl", "--format", "trig"])
    assert result.exit_code == 0, result.output
    links = link.build(load.corpus(env=False)).graph
    assert len(links) and isomorphic(load.parse_file(out / "links.ttl"), links)
    whole = Dataset()
    whole.parse(out / "towncase.trig", format="trig")
    assert isomorphic(whole.graph(link.LINKS_GRAPH), links)
    # no link triple in the data's graphs: the wikidata sameAs links live in graph/links only
    sameas = set(links.triples((None, OWL.sameAs, None)))
    for graph in whole.graphs():
        if graph.identifier != link.LINKS_GRAPH:
            assert not sameas & set(graph), graph.identifier


@pytest.mark.slow
def test_build_writes_nothing_when_a_link_fails_its_shape(tmp_path, monkeypatch):
    broken = write(tmp_path, SHAPE_CASES["Mapping-ends-exist"])
    monkeypatch.setattr(link, "link_files", lambda data: (broken,))  # the shipped data, one broken link file
    out = tmp_path / "export"
    result = CliRunner().invoke(main, ["build", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "nowhere" in result.output
    assert "SHACL: 符合 / conforms" in result.output  # the data conforms; the summary says the links do not
    assert "链接 / links: 不符合 / do not conform" in result.output
    assert not out.exists() or not any(out.iterdir())
