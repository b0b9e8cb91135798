"""towncase synth: synthetic towns shaped like the real case, that validate, the same for a seed, and
never mistaken for real data."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.compare import isomorphic

from towncase import load, synth, validate
from towncase.cli import main
from towncase.errors import OutputError
from towncase.namespaces import TC


@pytest.fixture(scope="module")
def towns(synthetic_towns):
    return synthetic_towns


def test_synth_writes_the_towns_it_says(tmp_path):
    result = CliRunner().invoke(main, ["synth", "--towns", "2", "-o", str(tmp_path), "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "2 synthetic towns" in result.output and len(load.corpus([tmp_path], shipped=False, env=False).cases) == 2


def files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_towns(towns, tmp_path):
    synth.synthesise(2, tmp_path / "again", seed=7)
    assert files(tmp_path / "again") == files(towns)
    other = synth.synthesise(2, tmp_path / "other", seed=8)
    assert [t.zh for t in other] != [t.zh for t in synth.synthesise(2, tmp_path / "third", seed=7)]


def test_every_minted_iri_and_the_town_and_case_labels_say_synthetic(towns, corpus):
    data = load.corpus([towns], shipped=False, env=False)
    template = set().union(*(load.minted(load.parsed(p)) for p in corpus.case(synth.TEMPLATE).files))
    for case in data.cases:
        graph = load.case(case.name, data)
        minted = load.minted(graph)
        assert len(minted) == len(template) + 1  # the template's entities and the town
        assert all(f"/{case.name}" in str(iri) for iri in minted), "an IRI does not say synthetic"
        cases = set(graph.subjects(RDF.type, TC.Case))
        for node in cases | {town for c in cases for town in graph.objects(c, TC.caseOf)}:
            labels = {str(label) for label in graph.objects(node, RDFS.label)}
            assert any("合成" in label for label in labels) and any("synthetic" in label for label in labels)


def test_towns_lie_under_real_counties_of_the_reference_data(towns, corpus):
    reference = load.reference(corpus)
    data = load.corpus([towns], shipped=False, env=False)
    for case in data.cases:
        graph = load.case(case.name, data)
        for town in {t for c in graph.subjects(RDF.type, TC.Case) for t in graph.objects(c, TC.caseOf)}:
            county = graph.value(town, TC.administrativeParent)
            assert any((county, RDF.type, cls) in reference for cls in synth.COUNTY_CLASSES)


def test_the_same_statements_as_the_template(towns, corpus):
    template = load.case(synth.TEMPLATE, corpus)
    data = load.corpus([towns], shipped=False, env=False)
    graph = load.case(data.names[0], data)
    assert 0 < len(graph) - len(template) <= 5  # the town's five triples (the case says some of them too)
    kinds = lambda g: sorted(str(o) for o in g.objects(None, RDF.type))  # noqa: E731
    assert kinds(graph) == sorted([*kinds(template), str(TC.Town)])


def test_a_synthetic_town_validates(towns):
    data = load.corpus([towns], shipped=False, env=False)
    one = load.Corpus(data.roots, data.reference, data.cases[:1])
    result = validate.check(one)
    assert result.conforms, [f.message for f in result.by_severity("Violation")][:3]


def test_synth_refuses_the_shipped_data_folder(corpus):
    with pytest.raises(OutputError):
        synth.synthesise(1, corpus.roots[0] / "synthetic")


def test_iris_are_unique_per_town(towns):
    data = load.corpus([towns], shipped=False, env=False)
    minted = [load.minted(load.case(c.name, data)) for c in data.cases]
    assert not minted[0] & minted[1]
    assert all(isinstance(i, URIRef) for i in minted[0])


@pytest.mark.slow
def test_files_written_through_the_placeholder_town_are_the_town_renamed_directly(towns, corpus, tmp_path):
    """Only case.ttl is renamed and written per town; the other files are written once for a placeholder
    town whose names are then replaced in the text. Each must hold what renaming the template for the
    town itself gives, and no placeholder name may survive."""
    template = corpus.case(synth.TEMPLATE)
    files = {path.name: load.parsed(path) for path in template.files}
    minted = set().union(*(load.minted(graph) for graph in files.values())) | {synth.TEMPLATE_TOWN}
    made = synth.synthesise(2, tmp_path, seed=7)  # the towns of the fixture's seed
    for town in made:
        rename = synth._Renamer(town, minted)
        folder = towns / town.slug
        for name, graph in files.items():
            if name != "case.ttl":
                written = folder / rename.text(name)
                assert isomorphic(Graph().parse(written), rename.graph(graph)), written
        for source in (template.path / "sources").glob("*.txt"):
            written = folder / "sources" / rename.text(source.name)
            assert written.read_text(encoding="utf-8") == rename.text(source.read_text(encoding="utf-8"))
        for path in folder.rglob("*"):
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            names = (synth.PLACEHOLDER.slug, synth.PLACEHOLDER.zh[:2], synth.PLACEHOLDER.en.lower())
            assert not any(n in text or n in path.name or n in text.lower() for n in names), path
