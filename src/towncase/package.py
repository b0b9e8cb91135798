"""Packaging: a self-describing release folder a portal can load with confidence.

``package`` writes, into one folder and atomically (a failed package leaves an existing one as it
was):

- ``data/``: every named graph in Turtle, N-Triples and JSON-LD, and the whole dataset as TriG and
  N-Quads (:mod:`towncase.export`);
- ``shapes/`` and ``queries/``: the SHACL shapes and the stored queries, as ``.rq`` files and as RDF
  (``queries/catalogue.ttl``: each query a ``sh:SPARQLSelectExecutable`` or
  ``sh:SPARQLConstructExecutable`` with its zh/en summaries and its parameters, the form the SIB
  SPARQL examples use);
- ``owl-dl/towncase.ttl``: the OWL 2 DL profile, everything in one graph with the dates as strings
  (:func:`owl_dl`), for reasoners that refuse datatypes outside the OWL 2 datatype map;
- ``docs/``: HTML documentation of the ontology (pyLODE) and of the concept schemes;
- ``catalog.ttl``: the DCAT-AP 3.0.1 record and VoID description of the dataset, the fixed part read
  from ``catalog/towncase.dcat.ttl`` and the rest computed here from the data and the release: towns
  covered with their division codes, time covered, one distribution per data file (media type, size,
  SHA-256, download URL), VoID statistics, the SPARQL endpoint when one is given;
- ``SHA256SUMS``: the checksum of every file (``sha256sum -c SHA256SUMS`` checks them).

Same input, same bytes: dates come from the ontology's header (the release), never the clock.

The package holds one graph at a time (one per worker process), as ``towncase build`` does: what the
description and the OWL 2 DL profile need of each graph is gathered while the export has it in memory
(:class:`Description`), and never the whole dataset.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SH, SKOS, VOID, XSD
from rdflib.term import IdentifiedNode, Node

from . import __version__, export, link, load, query, resources
from .errors import InputError, OutputError, RDFSyntaxError
from .namespaces import BASE, GRAPH, PREFIXES, TC, bind_prefixes

SPDX = Namespace("http://spdx.org/rdf/terms#")
SCHEMA = Namespace("https://schema.org/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = Namespace("https://www.iana.org/assignments/media-types/")

#: Catalogue IRIs (under the canonical base; --base moves them).
CATALOG = URIRef(BASE + "catalog")
DATASET = URIRef(BASE + "dataset")
SERVICE = URIRef(BASE + "dataset/sparql")
CONTACT = URIRef(BASE + "agent/developers/contact")
PUBLISHER = URIRef(BASE + "agent/developers")
QUERY = Namespace(BASE + "query/")
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
STABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3; rdflib 7 does not know it yet

#: file suffix → (IANA media type, EU file type, zh and en names of the format)
MEDIA = {
    "ttl": (IANA["text/turtle"], EU_FILE_TYPE.RDF_TURTLE, "Turtle"),
    "nt": (IANA["application/n-triples"], EU_FILE_TYPE.RDF_N_TRIPLES, "N-Triples"),
    "jsonld": (IANA["application/ld+json"], EU_FILE_TYPE.JSON_LD, "JSON-LD"),
    "trig": (IANA["application/trig"], EU_FILE_TYPE.RDF_TRIG, "TriG"),
    "nq": (IANA["application/n-quads"], EU_FILE_TYPE.RDF_N_QUADS, "N-Quads"),
}
#: Data properties whose values say when something happened or held: the time the dataset covers.
TIME_PROPERTIES = (TC.referenceTime, TC.date, TC.startDate)
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Packaged:
    """One file of a package: its path inside the package, size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Package:
    """What :func:`package` wrote: the folder, its files and the dataset description."""

    folder: Path
    files: tuple[Packaged, ...]
    catalog: Graph


def package(graphs: Sequence[tuple[IdentifiedNode, Callable[[], Graph]]], out_dir: Path, base: str | None = None,
            download_url: str | None = None, sparql_endpoint: str | None = None,
            progress: Callable[[str], None] = lambda message: None) -> Package:
    """Write a release package of the named graphs to ``out_dir``, replacing an existing one only when the
    new one is complete.

    Args:
        graphs: (name, reader) for each named graph, each read when its turn comes (usually
            :func:`towncase.load.readers` and the linkset graph ``graph/links``;
            :func:`towncase.export.readers` gives them for a dataset in memory).
        out_dir: the package folder.
        base: rebase the canonical ``https://w3id.org/towncase/`` IRIs under this base.
        download_url: where the package's files will be served (the distributions' download URLs);
            ``<base>release/<version>/`` by default.
        sparql_endpoint: the SPARQL endpoint that serves the dataset, if there is one.
        progress: called with a short message before each step.

    Raises:
        OutputError: the folder cannot be written (nothing is changed then).
    """
    out_dir = Path(out_dir)
    release = __version__
    root = base or BASE
    download_url = download_url or f"{root}release/{release}/"
    if not download_url.endswith("/"):
        raise OutputError(f"download URL must end with '/': {download_url!r}",
                          hint="it is the folder the package is served from, e.g. https://example.org/towncase/0.1.0/")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot write: {err.strerror}", hint="check that the folder is writable") from err
    try:
        progress("writing the data in every format …")
        with Description(base, work) as description:
            written = export.export_graphs(graphs, work / "data", export.DEFAULT_FORMATS, base, progress, description)
            progress("writing the OWL 2 DL profile …")
            export.commit([export.stage(work / "owl-dl" / "towncase.ttl", description.owl_dl.chunks())])
        progress("writing the shapes and the query catalogue …")
        _write_shapes(work / "shapes", base)
        _write_queries(work / "queries", base, sparql_endpoint)
        progress("writing the ontology documentation …")
        _write_docs(work / "docs", base)
        progress("describing the dataset (DCAT-AP, VoID) …")
        catalog = describe(description, work, written, release, download_url, base, sparql_endpoint)
        export.write_atomic(work / "catalog.ttl", export.serialize(catalog, "ttl", _prefixes(base)))
        files = _checksums(work)
        _replace(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Package(out_dir, files, catalog)


def _prefixes(base: str | None) -> dict[str, str]:
    prefixes = export.rebased_prefixes(base)
    prefixes.update({"dcat": str(DCAT), "void": str(VOID), "foaf": str(FOAF), "spdx": str(SPDX),
                     "dcatap": str(DCATAP), "locn": str(LOCN), "vcard": "http://www.w3.org/2006/vcard/ns#",
                     "adms": "http://www.w3.org/ns/adms#", "query": str(_move(QUERY, base))})
    return prefixes


def _move(iri: str, base: str | None) -> str:
    return export._move(str(iri), base)


def _rebased(graph: Graph, base: str | None) -> Graph:
    return export.rebase(graph, base) if base else graph


def _mover(base: str | None) -> Callable[[str], str]:
    """Moves the canonical base in a text, as written and as escaped in a regular expression (the
    shapes' ``sh:pattern``), so that shapes and queries still match data rebased under ``base``."""
    def move(text: str) -> str:
        return text.replace(BASE, base).replace(re.escape(BASE), re.escape(base)) if base else text
    return move


def _write_shapes(folder: Path, base: str | None) -> None:
    move = _mover(base)
    for path in resources.shape_files():
        graph = _rebased(load.parse_file(path), base)
        if base:
            for s, p, o in list(graph):
                if isinstance(o, Literal) and o.datatype in (None, XSD.string) and move(str(o)) != str(o):
                    graph.remove((s, p, o))
                    graph.add((s, p, Literal(move(str(o)), lang=o.language, datatype=o.datatype)))
        export.write_atomic(folder / path.name, export.serialize(graph, "ttl", export.rebased_prefixes(base)))


def _write_queries(folder: Path, base: str | None, sparql_endpoint: str | None) -> None:
    """The ``.rq`` files (with the base moved in their text, as in the data) and their RDF catalogue."""
    move = _mover(base)
    for name, stored in query.catalogue().items():
        export.write_atomic(folder / f"{name}.rq", move(stored.text).encode("utf-8"))
    graph = _rebased(catalogue_graph(query.catalogue().values(), sparql_endpoint, move), base)
    export.write_atomic(folder / "catalogue.ttl", export.serialize(graph, "ttl", _prefixes(base)))


def catalogue_graph(queries, sparql_endpoint: str | None = None,
                    move: Callable[[str], str] = lambda text: text) -> Graph:
    """The stored queries as RDF, in the form of the SIB SPARQL examples: each query
    ``<…/query/NAME>`` a ``sh:SPARQLExecutable`` and ``sh:SPARQLSelectExecutable`` (or
    ``…ConstructExecutable``) with ``rdfs:label`` and ``rdfs:comment`` in zh-Hans and en, its text
    (``sh:select`` / ``sh:construct``), ``schema:keywords`` from its tags, ``schema:target`` the
    endpoint when one is given, and one ``sh:parameter`` per parameter (``sh:path``
    ``<…/query/NAME#PARAM>``, ``sh:name``, ``sh:datatype`` or ``sh:class``, ``sh:optional``,
    ``sh:defaultValue``, ``sh:description``). ``move`` rewrites the texts (to move the base in them,
    as in the ``.rq`` files)."""
    graph = bind_prefixes(Graph())
    graph.bind("query", QUERY)
    for q in queries:
        node = QUERY[q.name]
        form = "select" if q.form in ("SELECT", "ASK") else "construct"
        graph.add((node, RDF.type, SH.SPARQLExecutable))
        graph.add((node, RDF.type, SH.SPARQLSelectExecutable if form == "select" else SH.SPARQLConstructExecutable))
        graph.add((node, SH[form], Literal(move(q.text))))
        for lang, tag in (("zh", "zh-Hans"), ("en", "en")):
            graph.add((node, RDFS.label, Literal(move(q.summary(lang)), lang=tag)))
            if q.description(lang):
                graph.add((node, RDFS.comment, Literal(move(q.description(lang)), lang=tag)))
        for tag in q.tags:
            graph.add((node, SCHEMA.keywords, Literal(tag)))
        if sparql_endpoint:
            graph.add((node, SCHEMA.target, URIRef(sparql_endpoint)))
        for param in q.params.values():
            spec = BNode()
            graph.add((node, SH.parameter, spec))
            graph.add((spec, SH.path, URIRef(f"{node}#{param.name}")))
            graph.add((spec, SH.name, Literal(param.name)))
            graph.add((spec, SH.optional, Literal(not param.required)))
            if param.description:
                graph.add((spec, SH.description, Literal(move(param.description), lang="en")))
            if param.type == "iri":
                graph.add((spec, SH.nodeKind, SH.IRI))
                if param.cls:
                    graph.add((spec, SH["class"], query.iri(param.cls)))
            else:
                graph.add((spec, SH.datatype, {"string": XSD.string, "langstring": RDF.langString,
                                               "integer": XSD.integer, "decimal": XSD.decimal,
                                               "date": XSD.date}[param.type]))
            if param.default is not None:
                graph.add((spec, SH.defaultValue, query.convert(param, param.default)))
    return graph


#: The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification §4), with rdf:langString.
OWL2_DATATYPES = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational]
    + [XSD[name] for name in ("decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
                              "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
                              "unsignedShort", "unsignedByte", "double", "float", "string", "normalizedString",
                              "token", "language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary",
                              "base64Binary", "anyURI", "dateTime", "dateTimeStamp")])


def owl_dl(graph: Graph) -> Graph:
    """A graph as OWL 2 DL tools (HermiT, Pellet, Protégé's reasoners) load it: every literal of a datatype
    outside the OWL 2 datatype map (the data's ``xsd:gYear``, ``xsd:gYearMonth`` and ``xsd:date``) becomes
    an ``xsd:string`` with the same text. Nothing else changes.

    The package's profile (``owl-dl/towncase.ttl``) is every named graph so converted and merged into one
    (OWL has no named graphs), each graph's blank nodes its own. The links (``graph/links``) are left out,
    as from every default inference: their ``owl:sameAs`` would merge individuals for a DL reasoner, and
    their SSSOM metadata is not OWL annotation; load ``data/links.ttl`` beside the profile to reason
    with them."""
    converted = bind_prefixes(Graph())
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language is None and o.datatype not in OWL2_DATATYPES | {None}:
            o = Literal(str(o), datatype=XSD.string)
        converted.add((s, p, o))
    return converted


def _write_docs(folder: Path, base: str | None) -> None:
    """HTML documentation: the ontology by pyLODE's OntPub (subjects sorted: pyLODE follows the hash
    order of a set otherwise, and the bytes would change), and the concept schemes by
    :func:`concepts_html` (pyLODE 3's VocPub lists no concepts: pyLODE 3 does not document SKOS yet)."""
    OntPub = _pylode()
    ontology = _rebased(load.ontology(), base)
    _write_html(folder / "ontology.html", OntPub(ontology=ontology, sort_subjects=True).make_html())
    _write_html(folder / "concepts.html", concepts_html(_rebased(load.concepts(), base)))


def _write_html(path: Path, html: str) -> None:
    export.write_atomic(path, html.encode("utf-8"))


def concepts_html(concepts: Graph) -> str:
    """One page for the shared concept schemes: per scheme (in IRI order) its labels and description,
    then a table of its concepts with their IRI, zh-Hans and en labels and definitions, and broader
    concept. Self-contained (no script, no remote style), the same bytes for the same graph."""
    def text(node, prop, lang):
        values = sorted(str(v) for v in concepts.objects(node, prop) if getattr(v, "language", None) == lang)
        return html.escape(" / ".join(values))

    parts = ['<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">',
             "<title>towncase 概念体系 · concept schemes</title>",
             "<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;width:100%}"
             "td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}"
             "code{font-size:.85em}h2{margin-top:2em}</style></head><body>",
             "<h1>towncase 共享概念体系 · shared concept schemes</h1>"]
    schemes = sorted(concepts.subjects(RDF.type, SKOS.ConceptScheme), key=str)
    parts.append("<ul>" + "".join(f'<li><a href="#{_anchor(s)}">{text(s, SKOS.prefLabel, "zh-Hans")} · '
                                  f'{text(s, SKOS.prefLabel, "en")}</a></li>' for s in schemes) + "</ul>")
    for scheme in schemes:
        parts.append(f'<h2 id="{_anchor(scheme)}">{text(scheme, SKOS.prefLabel, "zh-Hans")} · '
                     f'{text(scheme, SKOS.prefLabel, "en")}</h2>')
        parts.append(f"<p><code>{html.escape(str(scheme))}</code></p>")
        parts.append(f"<p>{text(scheme, DCTERMS.description, 'zh-Hans')}</p><p>{text(scheme, DCTERMS.description, 'en')}</p>")
        parts.append("<table><tr><th>IRI</th><th>中文</th><th>English</th><th>定义</th><th>definition</th>"
                     "<th>上位 · broader</th></tr>")
        for concept in sorted(concepts.subjects(SKOS.inScheme, scheme), key=str):
            broader = " ".join(f'<a href="#{_anchor(b)}">{html.escape(str(b).rsplit("/", 1)[-1])}</a>'
                               for b in sorted(concepts.objects(concept, SKOS.broader), key=str))
            parts.append(f'<tr id="{_anchor(concept)}"><td><code>{html.escape(str(concept))}</code></td>'
                         f"<td>{text(concept, SKOS.prefLabel, 'zh-Hans')}</td><td>{text(concept, SKOS.prefLabel, 'en')}</td>"
                         f"<td>{text(concept, SKOS.definition, 'zh-Hans')}</td><td>{text(concept, SKOS.definition, 'en')}</td>"
                         f"<td>{broader}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _anchor(node) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", str(node).split("//", 1)[-1]).strip("-")


def _pylode():
    """pyLODE's OntPub. pyLODE 3.3 configures the root logger at import (DEBUG, through its supermodel
    loader); towncase is a library and leaves logging to its caller, so the root logger is put back as
    it was. (3.4.1, the newest, does not import at all: RDFLib/pyLODE#256, #260.)"""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode.profiles.ontpub import OntPub
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    return OntPub


@dataclass
class Found:
    """What the description and the OWL 2 DL profile need of one named graph (see :meth:`Description.look`).
    Terms the whole dataset counts distinct are kept as digests (:func:`_digest`), so that the union is
    counted without being held: 16 bytes a term or triple."""

    statistics: tuple[int, int, int, int, int]  # VoID: triples, classes, properties, subjects, objects
    triples: set[bytes]
    subjects: set[bytes]
    objects: set[bytes]
    entities: set[bytes]  # the subjects minted under <BASE>id/
    classes: set[Node]
    properties: set[Node]
    towns: set[Node]  # ?case tc:caseOf ?town
    names: dict[Node, list[tuple[URIRef, Literal]]]  # IRI → its rdfs:label and tc:divisionCode values
    times: tuple[Literal, Literal] | None  # the earliest and the latest date stated
    linksets: list[tuple[Node, Node, Node]]  # the void:Linkset descriptions (graph/links)
    owl_dl: tuple[tuple[str, ...], bytes] | None  # its part of the OWL 2 DL profile (not for graph/links)


@dataclass
class Description:
    """What the package says of its data, gathered from each named graph while the export holds it (a
    :class:`towncase.export.Survey`): VoID statistics of each graph and of their union, the towns and time
    covered, the linksets, and the OWL 2 DL profile (written graph by graph to a temporary file in
    ``folder``). A context manager: the temporary file is gone when it closes."""

    base: str | None
    folder: Path
    graphs: dict[IdentifiedNode, tuple[int, int, int, int, int]] = field(default_factory=dict)
    triples: set[bytes] = field(default_factory=set)
    subjects: set[bytes] = field(default_factory=set)
    objects: set[bytes] = field(default_factory=set)
    entities: set[bytes] = field(default_factory=set)
    classes: set[Node] = field(default_factory=set)
    properties: set[Node] = field(default_factory=set)
    towns: set[Node] = field(default_factory=set)
    names: dict[Node, set[tuple[URIRef, Literal]]] = field(default_factory=dict)
    times: list[Literal] = field(default_factory=list)
    linksets: set[tuple[Node, Node, Node]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.owl_dl = export.DatasetFile("ttl", export.rebased_prefixes(self.base), self.folder)

    def __enter__(self) -> Description:
        return self

    def __exit__(self, *exc) -> None:
        self.owl_dl.close()

    def look(self, name: IdentifiedNode, graph: Graph) -> Found:
        keys: dict[Node, bytes] = {}

        def key(term: Node) -> bytes:
            if term not in keys:
                keys[term] = _digest(_n3(term))
            return keys[term]

        triples, subjects, objects = set(), set(), set()
        for s, p, o in graph:
            triples.add(hashlib.blake2b(key(s) + key(p) + key(o), digest_size=16).digest())
            subjects.add(key(s))
            objects.add(key(o))
        uri_space = BASE + "id/"
        names: dict[Node, list[tuple[URIRef, Literal]]] = {}
        for prop in (RDFS.label, TC.divisionCode):
            for s, o in graph.subject_objects(prop):
                if isinstance(s, URIRef) and isinstance(o, Literal):
                    names.setdefault(s, []).append((prop, o))
        times = sorted((o for p in TIME_PROPERTIES for o in graph.objects(None, p)
                        if isinstance(o, Literal) and o.datatype in (XSD.gYear, XSD.gYearMonth, XSD.date)), key=_when)
        linksets = ([(ls, p, o) for ls in graph.subjects(RDF.type, VOID.Linkset) for p, o in graph.predicate_objects(ls)]
                    if name == link.LINKS_GRAPH else [])
        profile = None
        if name != link.LINKS_GRAPH:
            converted = _rebased(owl_dl(graph), self.base)
            profile = export.dataset_part("ttl", name, export.Texts(converted, self.owl_dl.prefixes))
        classes, properties = set(graph.objects(None, RDF.type)), set(graph.predicates())
        statistics = (len(graph), len(classes), len(properties), len(set(graph.subjects())), len(set(graph.objects())))
        return Found(statistics=statistics, triples=triples, subjects=subjects, objects=objects,
                     entities={key(s) for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(uri_space)},
                     classes=classes, properties=properties, towns=set(graph.objects(None, TC.caseOf)),
                     names=names, times=(times[0], times[-1]) if times else None, linksets=linksets, owl_dl=profile)

    def take(self, name: IdentifiedNode, found: object) -> None:
        assert isinstance(found, Found)
        self.graphs[name] = found.statistics
        for digests, theirs in ((self.triples, found.triples), (self.subjects, found.subjects),
                                (self.objects, found.objects), (self.entities, found.entities)):
            digests.update(theirs)
        for terms, those in ((self.classes, found.classes), (self.properties, found.properties),
                             (self.towns, found.towns)):
            terms.update(those)
        self.linksets.update(found.linksets)
        for node, values in found.names.items():
            self.names.setdefault(node, set()).update(values)
        if found.times:
            self.times = sorted([*self.times, *found.times], key=_when)
            self.times = [self.times[0], self.times[-1]]
        if found.owl_dl is not None:
            self.owl_dl.add_part(name, found.statistics[0], found.owl_dl)


def _n3(term: Node) -> str:
    """A term's text as rdflib tells terms apart: language tags compare without case."""
    if isinstance(term, Literal) and term.language:
        return Literal(str(term), lang=term.language.lower()).n3()
    return term.n3()


def _digest(text: str) -> bytes:
    """128 bits of BLAKE2b: two of the 4 M triples of 1,000 towns share one with odds of about 10⁻²⁵."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _when(time: Literal) -> tuple[str, str]:
    """Dates compared by their text, which orders 2010-12 < 2022 < 2022-07 (then by datatype, for the same text)."""
    return str(time), str(time.datatype)


def describe(description: Description, folder: Path, written: list[export.Written], release: str, download_url: str,
             base: str | None = None, sparql_endpoint: str | None = None) -> Graph:
    """The DCAT-AP 3.0.1 record and VoID description of the package in ``folder``, whose graphs
    ``description`` has looked at.

    The fixed part comes from ``catalog/towncase.dcat.ttl``; added here: version and dates (the
    ontology header's ``dcterms:issued`` and ``dcterms:modified``), the towns of the cases
    (``?case tc:caseOf ?town``) as ``dct:spatial`` locations with their ``tc:divisionCode``, the time
    covered (earliest and latest of every reference time, event date and programme start), one
    distribution per data file, the VoID statistics of the whole dataset and of each named graph,
    and the SPARQL endpoint as a ``dcat:DataService`` when one is given.
    """
    catalog = bind_prefixes(Graph())
    catalog += load.parse_file(resources.catalog_file())
    ontology = load.ontology()
    header = URIRef(BASE + "ontology")
    issued, modified = ontology.value(header, DCTERMS.issued), ontology.value(header, DCTERMS.modified)
    if issued is None or modified is None:
        raise InputError("the ontology header has no dcterms:issued or dcterms:modified: the release takes its "
                         "dates from there, never from the clock", file="ontology/towncase.ttl",
                         hint="give the ontology header both dates")
    for node in (CATALOG, DATASET):
        catalog.add((node, DCTERMS.issued, issued))
        catalog.add((node, DCTERMS.modified, modified))
    catalog.add((URIRef(BASE + "catalog/record"), DCTERMS.issued, issued))
    catalog.add((URIRef(BASE + "catalog/record"), DCTERMS.modified, modified))
    catalog.add((DATASET, OWL.versionInfo, Literal(release)))
    catalog.add((DATASET, DCAT_VERSION, Literal(release)))
    _spatial(description, catalog)
    _temporal(description, catalog)
    for item in sorted(written, key=lambda w: str(w.path)):
        _distribution(catalog, folder, item, download_url, base)
    _void(description, catalog, download_url)
    if sparql_endpoint:
        _service(catalog, sparql_endpoint)
    return _rebased(catalog, base)


def _spatial(description: Description, catalog: Graph) -> None:
    """Each town a case is about, as a dct:Location: its names and its NBS division code."""
    for town in sorted(description.towns, key=str):
        catalog.add((DATASET, DCTERMS.spatial, town))
        catalog.add((town, RDF.type, DCTERMS.Location))
        for prop, value in description.names.get(town, ()):
            if prop == RDFS.label:
                catalog.add((town, LOCN.geographicName, value))
                catalog.add((town, RDFS.label, value))
            else:
                catalog.add((town, TC.divisionCode, value))
                catalog.add((town, DCTERMS.identifier, value))
        catalog.add((CATALOG, DCTERMS.spatial, town))


def _temporal(description: Description, catalog: Graph) -> None:
    """The time the data covers: from the earliest to the latest date it states (as written: a year,
    a month or a day)."""
    if not description.times:
        return
    period = URIRef(BASE + "dataset/period")
    catalog.add((DATASET, DCTERMS.temporal, period))
    catalog.add((period, RDF.type, DCTERMS.PeriodOfTime))
    catalog.add((period, DCAT.startDate, description.times[0]))
    catalog.add((period, DCAT.endDate, description.times[-1]))


def _distribution(catalog: Graph, folder: Path, item: export.Written, download_url: str,
                  base: str | None) -> None:
    relative = item.path.relative_to(folder).as_posix()
    size, digest = _sha256(item.path)
    suffix = item.path.suffix.lstrip(".")
    media_type, file_type, format_name = MEDIA[suffix]
    node = URIRef(f"{BASE}dataset/distribution/{relative.replace('/', '-')}")
    what = _graph_title(item.graph, base)
    catalog.add((DATASET, DCAT.distribution, node))
    catalog.add((node, RDF.type, DCAT.Distribution))
    catalog.add((node, DCTERMS.title, Literal(f"{what[0]}({format_name})", lang="zh-Hans")))
    catalog.add((node, DCTERMS.title, Literal(f"{what[1]} ({format_name})", lang="en")))
    catalog.add((node, DCTERMS.description, Literal(f"{what[0]},{format_name} 格式,{item.triples} 个三元组。", lang="zh-Hans")))
    catalog.add((node, DCTERMS.description, Literal(f"{what[1]}, in {format_name}: {item.triples} triples.", lang="en")))
    catalog.add((node, DCAT.accessURL, URIRef(download_url)))
    catalog.add((node, DCAT.downloadURL, URIRef(download_url + relative)))
    catalog.add((node, DCAT.mediaType, media_type))
    catalog.add((node, DCTERMS.format, file_type))
    catalog.add((node, DCTERMS.license, LICENCE))
    catalog.add((node, DCATAP.availability, STABLE))
    catalog.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    checksum = URIRef(f"{node}#sha256")
    catalog.add((node, SPDX.checksum, checksum))
    catalog.add((checksum, RDF.type, SPDX.Checksum))
    catalog.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    catalog.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    catalog.add((node, DCTERMS.conformsTo, URIRef(BASE + "ontology")))


def _graph_title(graph: URIRef | None, base: str | None) -> tuple[str, str]:
    """zh and en names of what a file holds: the whole dataset, or one named graph."""
    if graph is None:
        return "整个数据集(全部命名图)", "The whole dataset (every named graph)"
    name = str(graph)[len(_move(GRAPH, base)):]
    fixed = {"ontology": ("本体", "The ontology"), "concepts": ("共享概念体系", "The shared concept schemes"),
             "reference": ("共享参考数据", "The shared reference data"),
             "links": ("链接集(SSSOM 映射编译而成)", "The linksets (compiled from the SSSOM mappings)")}
    if name in fixed:
        return fixed[name]
    return f"命名图 {name}", f"The named graph {name}"


def _void(description: Description, catalog: Graph, download_url: str) -> None:
    """VoID statistics of the whole dataset (the union of its named graphs) and of each named graph
    (a ``void:subset``), example resources (the towns) and the data dumps."""
    counts = (len(description.triples), len(description.classes), len(description.properties),
              len(description.subjects), len(description.objects), len(description.entities))
    for prop, count in zip((*VOID_STATISTICS, VOID.entities), counts, strict=True):
        catalog.add((DATASET, prop, Literal(count)))
    vocabularies = {_namespace(t) for t in description.properties | description.classes if isinstance(t, URIRef)}
    for namespace in sorted(vocabularies):
        catalog.add((DATASET, VOID.vocabulary, URIRef(namespace)))
    for town in sorted(description.towns, key=str):
        catalog.add((DATASET, VOID.exampleResource, town))
    for dump in ("towncase.trig", "towncase.nq"):
        catalog.add((DATASET, VOID.dataDump, URIRef(download_url + "data/" + dump)))
    for name, statistics in sorted(description.graphs.items(), key=lambda item: str(item[0])):
        catalog.add((DATASET, VOID.subset, name))
        catalog.add((name, RDF.type, VOID.Dataset))
        for prop, count in zip(VOID_STATISTICS, statistics, strict=True):
            catalog.add((name, prop, Literal(count)))
    _linksets(description, catalog)


def _linksets(description: Description, catalog: Graph) -> None:
    """Each void:Linkset of the links graph (towncase.link), as a subset of the dataset, with the
    external datasets its links point into."""
    external = link.external_datasets()
    for linkset in sorted({s for s, _, _ in description.linksets}, key=str):
        catalog.add((DATASET, VOID.subset, linkset))
    for s, p, o in description.linksets:
        catalog.add((s, p, o))
        if p == VOID.objectsTarget:
            for p2, o2 in external.predicate_objects(o):
                catalog.add((o, p2, o2))


#: The VoID statistics given of each named graph and of the whole dataset, in the order of :attr:`Found.statistics`.
VOID_STATISTICS = (VOID.triples, VOID.classes, VOID.properties, VOID.distinctSubjects, VOID.distinctObjects)


def _namespace(term: URIRef) -> str:
    """The vocabulary a term belongs to: the longest canonical namespace it starts with, else what
    precedes its last ``#`` or ``/``."""
    text = str(term)
    known = [ns for ns in PREFIXES.values() if text.startswith(ns) and ns.endswith(("#", "/"))
             and not ns.startswith(BASE + "id/")]
    if known:
        return max(known, key=len)
    cut = max(text.rfind("#"), text.rfind("/"))
    return text[:cut + 1]


def _service(catalog: Graph, endpoint: str) -> None:
    catalog.add((CATALOG, DCAT.service, SERVICE))
    catalog.add((SERVICE, RDF.type, DCAT.DataService))
    catalog.add((SERVICE, DCTERMS.title, Literal("towncase SPARQL 查询端点", lang="zh-Hans")))
    catalog.add((SERVICE, DCTERMS.title, Literal("towncase SPARQL endpoint", lang="en")))
    catalog.add((SERVICE, DCAT.endpointURL, URIRef(endpoint)))
    catalog.add((SERVICE, DCAT.endpointDescription, URIRef(endpoint)))
    catalog.add((URIRef(endpoint), RDF.type, RDFS.Resource))
    catalog.add((SERVICE, DCAT.servesDataset, DATASET))
    catalog.add((SERVICE, DCTERMS.publisher, PUBLISHER))
    catalog.add((SERVICE, DCAT.contactPoint, CONTACT))
    catalog.add((SERVICE, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    catalog.add((SERVICE, DCTERMS.license, LICENCE))
    for keyword in ("SPARQL",):
        catalog.add((SERVICE, DCAT.keyword, Literal(keyword, lang="en")))
    for theme in catalog.objects(DATASET, DCAT.theme):
        catalog.add((SERVICE, DCAT.theme, theme))
    catalog.add((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))


def _checksums(folder: Path) -> tuple[Packaged, ...]:
    """Write ``SHA256SUMS`` (``sha256sum`` format, paths in name order) and return every file."""
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files.append(Packaged(path.relative_to(folder).as_posix(), *_sha256(path)))
    lines = "".join(f"{f.sha256}  {f.path}\n" for f in files)
    export.write_atomic(folder / CHECKSUMS, lines.encode("utf-8"))
    return tuple(files)


def _sha256(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256, read a piece at a time (``towncase.nq`` is a gigabyte at 1,000 towns)."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return handle.tell(), digest.hexdigest()


def _replace(work: Path, out_dir: Path) -> None:
    """Put the finished package in place: the old one (if any) is moved aside, the new one renamed in,
    the old one removed. The folder always holds a whole package, old or new."""
    old = None
    try:
        if out_dir.exists():
            if not out_dir.is_dir():
                raise OutputError(f"{out_dir}: exists and is not a folder", hint="give another --out")
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
            os.replace(out_dir, old / "package")
        os.replace(work, out_dir)
        os.chmod(out_dir, 0o777 & ~_umask())
    except OSError as err:
        if old is not None and not out_dir.exists():
            os.replace(old / "package", out_dir)
        raise OutputError(f"{out_dir}: cannot put the package in place: {err.strerror}",
                          hint="check that the folder is writable") from err
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read(folder: Path) -> Dataset:
    """The dataset of a package written by :func:`package` (its ``data/towncase.trig``), after checking
    every file against ``SHA256SUMS`` (all of it in memory: :func:`graphs` gives one graph at a time).

    Raises:
        InputError: as :func:`graphs`.
    """
    ds = Dataset(default_union=True)
    for name, graph in graphs(folder):
        named = ds.graph(name)
        named += graph
    return ds


def graphs(folder: Path) -> Iterator[tuple[URIRef, Graph]]:
    """The named graphs of a package written by :func:`package` (its ``data/towncase.trig``), one at a time,
    in the order the file has them: what ``towncase publish --package`` uploads, in memory one graph at a
    time. Every file is checked against ``SHA256SUMS``, and the whole TriG parsed once to check it (one block
    per graph, each named by an IRI), before the first graph is given.

    Raises:
        InputError: no package there, a file missing or changed since it was packaged, the TriG does not
            parse (:class:`RDFSyntaxError`, with its line), has triples outside a named graph, a graph named
            by a blank node, or a graph in two blocks.
    """
    folder = Path(folder)
    sums = folder / CHECKSUMS
    if not sums.is_file():
        raise InputError("not a towncase package (no SHA256SUMS)", file=str(folder),
                         hint="give the folder towncase package --out wrote")
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        if not path.is_file() or _sha256(path)[1] != digest:
            raise InputError(f"{name} is missing or differs from its SHA256SUMS line", file=str(folder),
                             hint="the package is incomplete or was changed: write it again with towncase package")
    trig = folder / "data" / "towncase.trig"
    for _ in _blocks(trig):  # checked whole before any graph is given
        pass
    return ((URIRef(name.value), _graph(quads)) for name, quads in _blocks(trig))


def _blocks(trig: Path) -> Iterator[tuple[Any, list]]:
    """(graph name, its quads) for each block of a package's TriG, parsed by Oxigraph as the file streams.

    Raises:
        InputError: see :func:`graphs`.
    """
    import pyoxigraph

    seen: set[str] = set()
    name: Any = None
    quads: list = []
    try:
        for quad in pyoxigraph.parse(path=trig, format=pyoxigraph.RdfFormat.TRIG):
            if quad.graph_name != name:
                if name is not None:
                    yield name, quads
                name, quads = quad.graph_name, []
                if not isinstance(name, pyoxigraph.NamedNode):
                    raise InputError(f"a triple outside a graph named by an IRI: {quad}",
                                     file=str(trig), hint="a package names every graph by an IRI: write it again "
                                                          "with towncase package")
                if name.value in seen:
                    raise InputError(f"the graph <{name.value}> comes in two blocks", file=str(trig),
                                     hint="a package gives each graph in one block: write it again with towncase package")
                seen.add(name.value)
            quads.append(quad)
    except SyntaxError as err:
        raise RDFSyntaxError(f"RDF syntax error: {err.msg}", file=str(trig), line=err.lineno,
                             column=err.offset, hint="write the package again with towncase package") from None
    if name is not None:
        yield name, quads


def _graph(quads: list) -> Graph:
    from .store import rdflib_term

    graph = Graph()
    for quad in quads:
        graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
    return graph
