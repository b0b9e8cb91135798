"""The shipped data: parses, conforms, quotes are verbatim, terms are declared, values are right."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from artefacts import DATA_FILES, QUERY_FILES, ROOT, TURTLE_FILES, ids
from chinese_numbers import comparator as expected_comparator
from chinese_numbers import value as expected_value
from towncase import load, validate
from towncase.namespaces import BASE, PREFIXES, TC

CONCEPT_BASE = BASE + "concept/"
ENTITY_BASE = BASE + "id/"


def test_there_is_data():
    assert DATA_FILES, "no data/<case>/*.ttl files"
    assert load.case_names() == ["diankou-2022"]


@pytest.mark.parametrize("path", DATA_FILES, ids=ids(DATA_FILES))
def test_data_file_parses_without_blank_nodes(path):
    graph = load.parse_file(path)
    assert len(graph) > 0
    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    assert not blanks, f"{path.name} has blank nodes; mint IRIs (data/README.md)"


@pytest.mark.parametrize("inference", ["none", "rdfs"])
@pytest.mark.parametrize("case", load.case_names())
def test_case_conforms(case, inference):
    """Each case folder, with the shared concept schemes, conforms to the shapes."""
    result = validate.validate(load.concepts() + load.case(case), inference=inference)
    assert result.conforms, "\n".join(f"{f.focus} {f.path} {f.message}" for f in result.by_severity("Violation"))


def quotes(graph):
    return sorted(graph.subjects(RDF.type, TC.Quote))


def test_every_quote_is_verbatim(shipped_data):
    """Every quote is an exact substring of the local copy of its source."""
    assert quotes(shipped_data)
    texts = {}
    for quote in quotes(shipped_data):
        source = shipped_data.value(quote, TC.quotedFrom)
        assert source is not None, f"{quote} has no tc:quotedFrom"
        local = shipped_data.value(source, TC.localCopy)
        assert local is not None, f"{source} has no tc:localCopy"
        if local not in texts:
            texts[local] = (ROOT / "data" / str(local)).read_text(encoding="utf-8")
        text = shipped_data.value(quote, TC.text)
        assert text is not None and str(text) in texts[local], f"{quote} is not verbatim in {local}: {text!r}"


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


def test_every_term_used_is_declared(shipped_data, ontology):
    """Every tc: term the data uses is in the ontology; every concept and entity it links to exists."""
    declared = set(ontology.subjects())
    defined = set(shipped_data.subjects(RDF.type, None))
    graph_iris = set(shipped_data.objects(None, TC.caseGraph))
    for s, p, o in shipped_data:
        for term in (p, o if p == RDF.type else None):
            if term is not None and str(term).startswith(str(TC)):
                assert term in declared, f"undeclared ontology term {term}"
        if isinstance(o, URIRef) and str(o).startswith(BASE) and not str(o).startswith(str(TC)):
            assert o in defined or o in graph_iris, f"{s} {p} links to {o}, which nothing defines"


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


def observations(graph):
    return sorted(graph.subjects(RDF.type, TC.Observation))


def test_observation_values_match_what_the_text_prints(shipped_data):
    """tc:value and tc:comparator follow from tc:valueAsWritten, which stands in the evidence quote."""
    assert observations(shipped_data)
    for obs in observations(shipped_data):
        written = str(shipped_data.value(obs, TC.valueAsWritten))
        quoted = [str(shipped_data.value(q, TC.text)) for q in shipped_data.objects(obs, TC.evidence)]
        assert any(written in q for q in quoted), f"{obs}: {written!r} is not in its quotes"
        value = shipped_data.value(obs, TC.value).toPython()
        assert Decimal(str(value)) == expected_value(written), f"{obs}: {value} ≠ {written!r}"
        cmp = str(shipped_data.value(obs, TC.comparator)).rsplit("/", 1)[-1]
        assert cmp == expected_comparator(written), f"{obs}: comparator {cmp} for {written!r}"
