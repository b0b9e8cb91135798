"""The towncase vocabulary as a closed namespace, and the one canonical prefix map."""

from typing import TypeVar

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

G = TypeVar("G", bound=Graph)  # a graph or a dataset: bind_prefixes returns what it was given

BASE = "https://w3id.org/towncase/"


class TC(DefinedNamespace):
    """Terms of the towncase ontology (`ontology/towncase.ttl`); a typo fails at import."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    AdministrativeArea: URIRef
    Agent: URIRef
    Alliance: URIRef
    Artwork: URIRef
    Case: URIRef
    Claim: URIRef
    Community: URIRef
    Company: URIRef
    Country: URIRef
    CountyLevelCity: URIRef
    CountyLevelDivision: URIRef
    Designation: URIRef
    District: URIRef
    Event: URIRef
    EventSeries: URIRef
    FactExtraction: URIRef
    FirstClaim: URIRef
    Foundation: URIRef
    Fund: URIRef
    GovernmentBody: URIRef
    Group: URIRef
    HeritageSite: URIRef
    ImprovementClaim: URIRef
    ListedCompany: URIRef
    Membership: URIRef
    NaturalFeature: URIRef
    Observation: URIRef
    Organization: URIRef
    Outcome: URIRef
    Person: URIRef
    Place: URIRef
    PopulationGroup: URIRef
    PrefectureLevelCity: URIRef
    Programme: URIRef
    Province: URIRef
    QualitativeOutcome: URIRef
    Quote: URIRef
    Ranking: URIRef
    ResearchInstitution: URIRef
    Road: URIRef
    ServiceCentre: URIRef
    Site: URIRef
    SourceDocument: URIRef
    Subdistrict: URIRef
    Town: URIRef
    TownshipLevelDivision: URIRef
    Village: URIRef
    VillageLevelDivision: URIRef
    Zone: URIRef

    # properties
    administrativeParent: URIRef
    affiliation: URIRef
    appliesTo: URIRef
    associatedWith: URIRef
    basis: URIRef
    birthCohort: URIRef
    borders: URIRef
    caseGraph: URIRef
    caseOf: URIRef
    claimedOutcome: URIRef
    comparator: URIRef
    connectedTo: URIRef
    createdFor: URIRef
    creator: URIRef
    crosses: URIRef
    date: URIRef
    dateAsWritten: URIRef
    divisionCode: URIRef
    edition: URIRef
    evidence: URIRef
    formerName: URIRef
    founded: URIRef
    founder: URIRef
    grantedBy: URIRef
    headOf: URIRef
    headquarteredIn: URIRef
    implementingBody: URIRef
    inSeries: URIRef
    indicator: URIRef
    industry: URIRef
    instrument: URIRef
    involves: URIRef
    localCopy: URIRef
    locatedIn: URIRef
    member: URIRef
    memberOf: URIRef
    nameOrigin: URIRef
    notAfter: URIRef
    notBefore: URIRef
    organization: URIRef
    origin: URIRef
    parentOrganization: URIRef
    partOfProgramme: URIRef
    participant: URIRef
    place: URIRef
    policyLevel: URIRef
    policyType: URIRef
    quotedFrom: URIRef
    referenceTime: URIRef
    referenceTimeAssumed: URIRef
    reportedBy: URIRef
    role: URIRef
    startDate: URIRef
    statement: URIRef
    subject: URIRef
    targetGroup: URIRef
    text: URIRef
    theme: URIRef
    title: URIRef
    unit: URIRef
    value: URIRef
    valueAsWritten: URIRef
    viaProgramme: URIRef


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

GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_GRAPH = GRAPH["ontology"]
CONCEPTS_GRAPH = GRAPH["concepts"]
REFERENCE_GRAPH = GRAPH["reference"]


def case_graph(case: str) -> URIRef:
    """The named graph of one case, e.g. ``case_graph("diankou-2022")``."""
    return GRAPH["case/" + case]


def bind_prefixes(graph: G, prefixes: dict[str, str] | None = None) -> G:
    """Bind the canonical prefixes (or ``prefixes``), replacing rdflib's defaults; return the graph."""
    for prefix, namespace in (prefixes or PREFIXES).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def bound_copy(graph: Graph) -> Graph:
    """A new plain graph with the triples of ``graph`` and the canonical prefixes."""
    copy = bind_prefixes(Graph())
    copy += graph
    return copy
