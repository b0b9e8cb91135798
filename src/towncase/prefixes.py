"""The one canonical prefix map and towncase's base IRIs, as plain strings.

Declared here, without rdflib, so that what a stored query needs at start-up (CURIEs in a table, a
``place:…`` parameter) imports no RDF library but Oxigraph; :mod:`towncase.namespaces` builds the
rdflib namespaces from them.
"""

from __future__ import annotations

from functools import lru_cache

BASE = "https://w3id.org/towncase/"
#: Where the named graphs live (``graph/ontology``, ``graph/case/<name>`` …).
GRAPH_BASE = BASE + "graph/"

#: The canonical prefix map: Turtle files, stored queries and exports all use these.
PREFIXES: dict[str, str] = {
    "tc": BASE + "ontology#",
    "place": BASE + "id/place/",
    "organization": BASE + "id/organization/",
    "person": BASE + "id/person/",
    "population": BASE + "id/population/",
    "programme": BASE + "id/programme/",
    "event": BASE + "id/event/",
    "work": BASE + "id/work/",
    "membership": BASE + "id/membership/",
    "claim": BASE + "id/claim/",
    "observation": BASE + "id/observation/",
    "outcome": BASE + "id/outcome/",
    "quote": BASE + "id/quote/",
    "source": BASE + "id/source/",
    "case": BASE + "id/case/",
    "graph": BASE + "graph/",
    "indicator": BASE + "concept/indicator/",
    "industry": BASE + "concept/industry/",
    "theme": BASE + "concept/theme/",
    "ptype": BASE + "concept/policy-type/",
    "level": BASE + "concept/level/",
    "cmp": BASE + "concept/comparator/",
    "role": BASE + "concept/role/",
    "basis": BASE + "concept/basis/",
    "shape": BASE + "shapes#",
    "unit": "http://qudt.org/vocab/unit/",
    "qudt": "http://qudt.org/schema/qudt/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "time": "http://www.w3.org/2006/time#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "vann": "http://purl.org/vocab/vann/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    # links (towncase.link): SSSOM mapping metadata, SEMAPV justifications, VoID linksets, Wikidata items
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
}

#: The namespaces longest first, so an IRI gets the most specific prefix.
_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


@lru_cache(maxsize=65536)  # a report over thousands of towns names the same IRIs again and again
def curie_of(iri: str) -> str:
    """``prefix:local`` for an IRI in a canonical namespace, else the IRI as it is."""
    for prefix, namespace in _LONGEST_FIRST:
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri
