"""The towncase vocabulary as a closed namespace, and the canonical prefixes bound to graphs (the prefix
map itself is declared in :mod:`towncase.prefixes`, which needs no rdflib)."""

from typing import TypeVar

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from .prefixes import BASE, GRAPH_BASE, PREFIXES

G = TypeVar("G", bound=Graph)  # a graph or a dataset: bind_prefixes returns what it was given



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



GRAPH = Namespace(GRAPH_BASE)
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
