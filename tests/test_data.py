"""The shipped data: every file parses, every case passes every check on its own, terms are declared,
and the checks of ``towncase validate`` catch what they promise to catch in a broken copy of a case.

Nothing here knows how many cases exist or what they are called: tests iterate over the case folders."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest
import yaml
from artefacts import DATA_FILES, QUERY_FILES, ROOT, TURTLE_FILES, ids
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from towncase import load, validate
from towncase.errors import InputError
from towncase.namespaces import BASE, PREFIXES, TC

CONCEPT_BASE = BASE + "concept/"
ENTITY_BASE = BASE + "id/"
CASES = load.case_names(load.corpus(env=False))


def test_there_is_data(corpus):
    assert corpus.cases, "no data/<case>/*.ttl folders"
    assert corpus.reference_files, "no data/reference/*.ttl"


@pytest.mark.parametrize("path", DATA_FILES, ids=ids(DATA_FILES))
def test_data_file_parses_without_blank_nodes(path):
    graph = load.parse_file(path)
    assert len(graph) > 0
    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    assert not blanks, f"{path.name} has blank nodes; mint IRIs (data/README.md)"


@pytest.mark.slow
def test_every_check_passes_on_the_shipped_cases(checked):
    """What `towncase validate` runs: shapes per case, quotes, values, quality queries."""
    assert checked.conforms, "\n".join(f"{f.file}: {f.focus} {f.path} {f.shape}: {f.message}"
                                       for f in checked.by_severity("Violation"))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_case_conforms_on_its_own_under_rdfs(case, corpus):
    """Each case, with only the reference data and the concept schemes, conforms with RDFS inference
    too (the check without inference runs in the test above)."""
    graph = load.concepts() + load.reference(corpus) + load.case(case, corpus)
    result = validate.validate(graph, inference="rdfs")
    assert result.conforms, "\n".join(f"{f.focus} {f.path} {f.message}" for f in result.by_severity("Violation"))


@pytest.mark.parametrize("case", CASES)
def test_case_uses_only_terms_of_the_shared_ontology(case, corpus, ontology):
    """A case may not introduce a class or property of its own: every tc: term it uses is declared
    in the shared ontology, and every predicate and class outside tc: is one the ontology or the
    concept schemes use."""
    declared = set(ontology.subjects())
    graph = load.case(case, corpus)
    for _s, p, o in graph:
        for term in (p, o if p == RDF.type else None):
            if term is not None and str(term).startswith(str(TC)):
                assert term in declared, f"{case} uses {term}, which the ontology does not declare"


def test_every_link_resolves(shipped_data):
    """Every towncase entity or concept the data links to is described somewhere."""
    defined = set(shipped_data.subjects(RDF.type, None))
    graph_iris = set(shipped_data.objects(None, TC.caseGraph))
    for s, p, o in shipped_data:
        if isinstance(o, URIRef) and str(o).startswith(BASE) and not str(o).startswith(str(TC)):
            assert o in defined or o in graph_iris, f"{s} {p} links to {o}, which nothing defines"


def test_every_fact_bearing_resource_has_evidence(shipped_data):
    """Everything minted under id/ (but quotes, sources, cases) rests on at least one quote."""
    exempt = {TC.Quote, TC.SourceDocument, TC.FactExtraction, TC.Case}
    missing = [s for s in set(shipped_data.subjects(RDF.type, None))
               if str(s).startswith(ENTITY_BASE)
               and not set(shipped_data.objects(s, RDF.type)) & exempt
               and (s, TC.evidence, None) not in shipped_data]
    assert not missing, f"no tc:evidence: {sorted(missing)[:10]}"


def test_every_named_thing_is_bilingual(shipped_data):
    typed = {s for s in shipped_data.subjects(RDF.type, None)
             if str(s).startswith((ENTITY_BASE, CONCEPT_BASE))
             and (s, RDF.type, TC.Quote) not in shipped_data}
    assert typed
    for subject in sorted(typed):
        langs = {o.language for p in (RDFS.label, SKOS.prefLabel) for o in shipped_data.objects(subject, p)
                 if isinstance(o, Literal)}
        assert {"zh-Hans", "en"} <= langs, f"{subject} lacks a zh-Hans or en label (has {langs})"


def test_reference_places_carry_their_division_code(corpus):
    """Every administrative area of the reference data below the country has its NBS code, and a code
    extends its parent's (330681104 lies in 330681)."""
    reference = load.reference(corpus)
    areas = set(reference.subjects(TC.administrativeParent, None))
    assert areas
    for area in areas:
        code = reference.value(area, TC.divisionCode)
        assert code is not None and re.fullmatch(r"[0-9]{2}([0-9]{2}){0,2}([0-9]{3})?", str(code)), area
        parent_code = reference.value(reference.value(area, TC.administrativeParent), TC.divisionCode)
        if parent_code is not None:
            assert str(code).startswith(str(parent_code)), f"{area}: {code} is not under {parent_code}"


@pytest.mark.parametrize("path", TURTLE_FILES + QUERY_FILES, ids=ids(TURTLE_FILES + QUERY_FILES))
def test_prefixes_do_not_drift(path):
    """A prefix means the same namespace in every file, and a known namespace keeps its prefix."""
    text = path.read_text(encoding="utf-8")
    pattern = r"@prefix\s+([\w-]*):\s*<([^>]*)>" if path.suffix == ".ttl" else r"PREFIX\s+([\w-]*):\s*<([^>]*)>"
    by_namespace = {v: k for k, v in PREFIXES.items()}
    for prefix, namespace in re.findall(pattern, text, flags=re.IGNORECASE):
        if prefix in PREFIXES:
            assert PREFIXES[prefix] == namespace, f"{prefix}: is <{PREFIXES[prefix]}> elsewhere"
        if namespace in by_namespace:
            assert by_namespace[namespace] == prefix, f"<{namespace}> is {by_namespace[namespace]}: elsewhere"


# --------------------------------------------------------------------------------------------------
# The checks catch what they promise, in a broken copy of a case outside the package

@pytest.fixture()
def copy_of(tmp_path, corpus):
    """``copy_of(case)``: a copy of a shipped case in a folder of its own, and the corpus that reads
    it instead of the shipped one (the shipped reference data stays)."""
    def make(case: str):
        folder = tmp_path / "cases" / case
        shutil.copytree(corpus.case(case).path, folder)
        return folder, load.corpus([tmp_path / "cases"], shipped=False, env=False)
    return make


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _findings(result, check):
    return [f for f in result.by_severity("Violation") if str(f.shape) == check]


@pytest.mark.slow
def test_a_copied_case_outside_the_package_passes_every_check(copy_of):
    folder, data = copy_of(CASES[0])
    result = validate.check(data)
    assert result.conforms, [f.message for f in result.by_severity("Violation")]
    assert {f.file for f in result.findings if f.file} <= set(folder.glob("*.ttl")) | set(data.reference_files)


@pytest.mark.slow
def test_a_quote_that_is_not_verbatim_is_a_violation_naming_its_file(copy_of):
    folder, data = copy_of("diankou-2022")
    _edit(folder / "quotes.ttl", "地区生产总值", "地区生产总额")
    found = _findings(validate.check(data), validate.QUOTE_CHECK)
    assert found and all(f.file == folder / "quotes.ttl" for f in found)
    assert "not verbatim" in found[0].message


@pytest.mark.slow
def test_a_value_that_does_not_match_the_text_is_a_violation(copy_of):
    folder, data = copy_of("diankou-2022")
    _edit(folder / "observations.ttl", "tc:value 25000000000.0 ;", "tc:value 2500000000.0 ;")
    found = _findings(validate.check(data), validate.VALUE_CHECK)
    assert [f.focus for f in found] == [URIRef(PREFIXES["observation"] + "diankou-2022-diankou-gdp")]
    assert found[0].file == folder / "observations.ttl"


@pytest.mark.slow
def test_a_comparator_that_does_not_match_the_text_is_a_violation(copy_of):
    folder, data = copy_of("diankou-2022")
    text = (folder / "observations.ttl").read_text(encoding="utf-8")
    gdp = text.index("observation:diankou-2022-diankou-gdp a")
    fixed = text[:gdp] + text[gdp:].replace("cmp:more-than", "cmp:exact", 1)
    (folder / "observations.ttl").write_text(fixed, encoding="utf-8")
    found = _findings(validate.check(data), validate.VALUE_CHECK)
    assert any("cmp:more-than" in f.message for f in found)


@pytest.mark.slow
def test_the_quality_queries_run_on_each_case_and_name_its_file(copy_of):
    folder, data = copy_of("diankou-2022")
    nobody = folder / "nobody.ttl"
    nobody.write_text("@prefix tc: <https://w3id.org/towncase/ontology#> .\n"
                      "<https://w3id.org/towncase/id/person/nobody> a tc:Person ;\n"
                      '    <http://www.w3.org/2000/01/rdf-schema#label> "无人"@zh-Hans, "Nobody"@en .\n', encoding="utf-8")
    found = _findings(validate.check(data), "orphan-entity-violation")
    assert [(f.focus, f.file, f.focus_label) for f in found] == [
        (URIRef(PREFIXES["person"] + "nobody"), nobody, "无人 / Nobody")]


@pytest.mark.slow
def test_a_reported_literal_keeps_its_language_tag_as_written(copy_of):
    """The case's SHACL run reads an Oxigraph store, which lower-cases language tags; the report does not."""
    folder, data = copy_of("diankou-2022")
    _edit(folder / "case.ttl", '"店口镇 2022', '" 店口镇 2022')
    values = {f.value for f in validate.check(data).findings if f.file == folder / "case.ttl"}
    padded = [v for v in values if isinstance(v, Literal) and str(v).startswith(" 店口镇 2022")]
    assert padded and all(v.language == "zh-Hans" for v in padded), values


def test_two_copies_of_the_data_sharing_a_cache_each_name_their_own_files(tmp_path, monkeypatch):
    """Two clones (or installs) with the same files share the user's cache: each validation still names
    its own files, and the minting check finds its own (a cached part keyed by contents alone named the
    other copy's files)."""
    from towncase.resources import CaseFolder, Corpus

    monkeypatch.setenv("TOWNCASE_CACHE", str(tmp_path / "cache"))
    results = []
    for copy in ("a", "b"):
        root = tmp_path / copy
        shutil.copytree(ROOT / "data" / "reference", root / "reference")
        shutil.copytree(ROOT / "data" / "datang", root / "datang")
        data = Corpus(roots=(root,), reference=(root / "reference",), cases=(CaseFolder("datang", root / "datang"),))
        results.append((root, validate.check(data, jobs=1)))
    for root, result in results:
        assert result.findings and all(f.file is None or root in f.file.parents for f in result.findings)


@pytest.mark.slow
def test_a_missing_source_copy_is_a_violation(copy_of):
    folder, data = copy_of("diankou-2022")
    for text in (folder / "sources").glob("*.txt"):
        text.unlink()
    found = _findings(validate.check(data), validate.QUOTE_CHECK)
    assert found and "local copy" in found[0].message


def test_two_folders_defining_the_same_case_are_an_input_error(tmp_path, corpus):
    shutil.copytree(corpus.case(CASES[0]).path, tmp_path / CASES[0])
    with pytest.raises(InputError, match="defined twice"):
        load.corpus([tmp_path], env=False)


def test_an_entity_minted_by_two_cases_is_an_input_error(tmp_path, corpus):
    folder = tmp_path / "copy"
    shutil.copytree(corpus.case(CASES[0]).path, folder)
    with pytest.raises(InputError, match=r"typed .minted. here and in"):
        load.check_minting(load.corpus([folder], env=False))


def test_a_case_may_not_retype_a_reference_place(copy_of):
    folder, data = copy_of("diankou-2022")
    (folder / "extra.ttl").write_text(
        "<https://w3id.org/towncase/id/place/zhejiang> a <https://w3id.org/towncase/ontology#Province> .\n",
        encoding="utf-8")
    with pytest.raises(InputError, match="place:zhejiang"):
        validate.check(data)


def test_data_folders_come_from_the_environment_too(tmp_path, corpus, monkeypatch):
    shutil.copytree(corpus.case(CASES[0]).path, tmp_path / "mine")
    monkeypatch.setenv(load.DATA_ENV, str(tmp_path / "nowhere") + ":" + str(tmp_path))
    with pytest.raises(InputError, match="nowhere"):
        load.corpus()
    monkeypatch.setenv(load.DATA_ENV, str(tmp_path))
    assert "mine" in load.corpus(shipped=True).names


def test_a_case_graph_is_only_its_folder(corpus):
    for folder in corpus.cases:
        alone = load.dataset(replace(corpus, cases=(folder,)))
        names = {str(g.identifier) for g in alone.graphs() if len(g)}
        assert str(folder.graph_name) in names
        assert not {str(other.graph_name) for other in corpus.cases if other != folder} & names


CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
ALLOWED_CJK = yaml.safe_load((ROOT / "tests" / "english-with-chinese.yaml").read_text(encoding="utf-8"))
ONTOLOGY_AND_DATA = sorted((ROOT / "ontology").rglob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl"))


def _curie(term) -> str:
    for prefix, ns in PREFIXES.items():
        if str(term).startswith(ns):
            return f"{prefix}:{str(term)[len(ns):]}"
    return str(term)


@pytest.mark.parametrize("path", ONTOLOGY_AND_DATA, ids=[p.relative_to(ROOT).as_posix() for p in ONTOLOGY_AND_DATA])
def test_english_literals_hold_no_chinese(path):
    """No @en literal holds Chinese characters, except on the properties (or the single literals) that
    tests/english-with-chinese.yaml allows, each with its reason: English labels must be English."""
    allowed_properties = set(ALLOWED_CJK["properties"])
    allowed_literals = {(s, p) for s, props in (ALLOWED_CJK["literals"] or {}).items() for p in props}
    found = [f"{_curie(s)} {_curie(p)} {o!r}" for s, p, o in load.parse_file(path)
             if isinstance(o, Literal) and o.language == "en" and CJK.search(str(o))
             and _curie(p) not in allowed_properties and (_curie(s), _curie(p)) not in allowed_literals]
    assert not found, "English literals with Chinese characters (put the Chinese in the zh-Hans literal):\n" + "\n".join(found)


def test_english_with_chinese_allow_list_gives_a_reason_for_each_entry():
    for prop, reason in ALLOWED_CJK["properties"].items():
        assert ":" in prop and isinstance(reason, str) and len(reason) > 20, prop
    for subject, props in (ALLOWED_CJK["literals"] or {}).items():
        assert all(isinstance(r, str) and len(r) > 20 for r in props.values()), subject
