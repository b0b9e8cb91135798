"""The ontology: header metadata, bilingual labels, alignment, closed namespace, consistency."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, SKOS

from towncase import load, reason
from towncase.namespaces import TC

ONTOLOGY_IRI = URIRef("https://w3id.org/towncase/ontology")
VANN = "http://purl.org/vocab/vann/"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def tc_terms(graph):
    return sorted({s for t in TERM_TYPES for s in graph.subjects(RDF.type, t) if str(s).startswith(str(TC))})


def languages(graph, node, prop):
    return {o.language for o in graph.objects(node, prop) if isinstance(o, Literal)}


def test_header_metadata(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {"zh-Hans", "en"} <= languages(ontology, ONTOLOGY_IRI, prop), prop
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.license, DCTERMS.created, DCTERMS.issued,
                 DCTERMS.modified):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, prop
    assert {"zh-Hans", "en"} <= languages(ontology, ONTOLOGY_IRI, DCTERMS.rights)
    assert str(ontology.value(ONTOLOGY_IRI, DCTERMS.created)) <= str(ontology.value(ONTOLOGY_IRI, DCTERMS.modified))


@pytest.mark.parametrize("prop", [DCTERMS.creator, DCTERMS.publisher], ids=["creator", "publisher"])
def test_creators_and_publisher_are_agents_with_names(ontology, prop):
    """Agents, not literals (a DCAT-AP record and Protégé both expect a resource with a name)."""
    agents = list(ontology.objects(ONTOLOGY_IRI, prop))
    assert agents, f"no {prop}"
    for agent in agents:
        assert isinstance(agent, URIRef), f"{prop} {agent!r} is a literal, not an agent"
        assert (agent, RDF.type, FOAF.Organization) in ontology or (agent, RDF.type, FOAF.Person) in ontology
        assert {"zh-Hans", "en"} <= languages(ontology, agent, FOAF.name)
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix"))) == "tc"
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri"))) == str(TC)


def test_no_imports(ontology):
    """Nothing is fetched at run time: the ontology imports nothing."""
    assert not list(ontology.objects(None, OWL.imports))


def test_namespace_class_matches_ontology(ontology):
    """The closed namespace in Python and the ontology file declare the same terms."""
    declared = {str(t)[len(str(TC)):] for t in tc_terms(ontology)}
    in_python = set(TC.__annotations__)
    assert declared == in_python


@pytest.mark.parametrize("term", tc_terms(load.ontology()), ids=lambda t: str(t).rsplit("#")[-1])
def test_term_is_defined_in_both_languages(ontology, term):
    """Every term says what it means (skos:definition or rdfs:comment) in zh-Hans and en, and is
    rdfs:isDefinedBy the ontology, so a documentation generator or a portal can show it."""
    defined = languages(ontology, term, SKOS.definition) | languages(ontology, term, RDFS.comment)
    assert {"zh-Hans", "en"} <= defined, f"{term} has no definition in {sorted({'zh-Hans', 'en'} - defined)}"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, f"{term} is not rdfs:isDefinedBy {ONTOLOGY_IRI}"


@pytest.mark.parametrize("term", tc_terms(load.ontology()), ids=lambda t: str(t).rsplit("#")[-1])
def test_term_is_labelled_and_aligned(ontology, term):
    """Every term has zh-Hans and en labels and is aligned to a standard vocabulary (or says none has it)."""
    assert {"zh-Hans", "en"} <= languages(ontology, term, RDFS.label)
    is_class = (term, RDF.type, OWL.Class) in ontology
    parent = RDFS.subClassOf if is_class else RDFS.subPropertyOf
    ancestors = set(ontology.transitive_objects(term, parent)) - {term}
    inverse = ontology.value(term, OWL.inverseOf)
    if inverse is not None:
        ancestors |= set(ontology.transitive_objects(inverse, parent))
    standard = [a for a in ancestors if not str(a).startswith(str(TC))]
    says_none = any("No standard vocabulary" in str(n) for n in ontology.objects(term, SKOS.editorialNote))
    assert standard or says_none, f"{term} is not aligned to a standard vocabulary"


@pytest.mark.slow
def test_consistent_under_owl_rl(ontology, shipped_data):
    """OWL 2 RL finds no contradiction in the ontology, schemes and data, and no owl:Nothing member."""
    assert reason.inconsistencies(shipped_data, ontology) == []
    inferred = reason.infer(shipped_data, "owlrl", ontology)
    assert not list(inferred.subjects(RDF.type, OWL.Nothing))


@pytest.mark.parametrize("clash", [
    (TC.Town, TC.Person), (TC.Observation, TC.Quote), (TC.Road, TC.Site), (TC.Company, TC.Person),
    (TC.Observation, TC.Designation), (TC.Town, TC.Village),
], ids=lambda c: f"{c[0].rsplit('#')[-1]}-{c[1].rsplit('#')[-1]}")
@pytest.mark.slow
def test_contradictions_are_found(ontology, clash):
    """The disjointness axioms let OWL RL catch a resource typed as two incompatible things."""
    thing = URIRef("https://w3id.org/towncase/id/place/test-thing")
    data = Graph()
    for cls in clash:
        data.add((thing, RDF.type, cls))
    found = reason.inconsistencies(data, ontology)
    assert found and all(str(thing) in message for message in found)


@pytest.mark.slow
def test_inference_is_separate(ontology, shipped_data):
    """The closure holds only inferred triples, never the asserted ones, and leaves the input alone."""
    before = len(shipped_data)
    inferred = reason.infer(shipped_data, "rdfs", ontology)
    assert len(shipped_data) == before
    assert len(inferred) > 0
    assert not any(t in shipped_data for t in inferred)
    assert not any(t in ontology for t in inferred)


RL_SAFE = {OWL.Ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.TransitiveProperty,
           OWL.SymmetricProperty, OWL.FunctionalProperty, OWL.versionIRI, OWL.versionInfo, OWL.inverseOf,
           RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDFS.label, RDFS.comment,
           RDFS.seeAlso, RDFS.isDefinedBy, RDF.type, OWL.AllDisjointClasses, OWL.members, RDF.first, RDF.rest}


def test_stays_within_owl2_rl_constructs(ontology):
    """Only axioms OWL 2 RL allows with named classes: no unions, existentials, cardinalities, imports."""
    used = {p for _, p, _ in ontology if str(p).startswith((str(OWL), str(RDFS), str(RDF)))}
    used |= {o for o in ontology.objects(None, RDF.type) if str(o).startswith(str(OWL))}
    assert used <= RL_SAFE, used - RL_SAFE
    for members in ontology.objects(None, OWL.members):
        assert all(isinstance(m, URIRef) for m in Collection(ontology, members)), "disjoint members must be named"
    for s, _p, o in ontology.triples((None, RDFS.subClassOf, None)):
        assert isinstance(o, URIRef), f"{s} has an anonymous superclass"
    for prop in set(ontology.subjects(RDF.type, OWL.DatatypeProperty)):
        for parent in ontology.objects(prop, RDFS.subPropertyOf):
            assert (parent, RDF.type, OWL.ObjectProperty) not in ontology, f"{prop} ⊑ object property {parent}"
    for prop in set(ontology.subjects(RDF.type, OWL.ObjectProperty)):
        for parent in ontology.objects(prop, RDFS.subPropertyOf):
            assert (parent, RDF.type, OWL.DatatypeProperty) not in ontology, f"{prop} ⊑ datatype property {parent}"
