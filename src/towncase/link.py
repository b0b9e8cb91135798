"""Linking: SSSOM mapping files compiled into a VoID linkset graph; suggesting, validating and checking links.

Links between cases and out to other datasets (Wikidata) are curated by people in SSSOM mapping files
(``links/*.sssom.tsv`` beside the cases: the shipped ``data/links/`` and each ``--data`` folder's).
A file is SSSOM/TSV: a YAML metadata block in ``#`` lines (``mapping_set_id``, ``license``,
``curie_map`` …) and a table of mappings (``subject_id``, ``predicate_id``, ``object_id``,
``mapping_justification`` from SEMAPV, ``confidence`` …). :func:`read_mapping_set` reads it strictly
(every error names the file and row); CURIEs are expanded with ``curies`` against the file's own
``curie_map`` and SSSOM's built-in prefixes.

:func:`compile_links` turns the mapping sets into one graph, ``graph/links``: the link triples, each
mapping's metadata as an ``owl:Axiom`` (the SSSOM RDF form: justification, confidence, labels), and a
``void:Linkset`` per file and link predicate (subjects and objects targets, triples, the mapping set as
``dcterms:source``). Link triples are never part of :func:`towncase.load.dataset`: a command adds them
only on request (``--links``), so inference over links is always explicit.

Why not sssom-py: it pulls in pandas, linkml and Sphinx (about 70 MB and 80 packages here) to read a
TSV file with a YAML header; ``curies`` (from the same community) is the part we need.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import curies
import yaml
from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, VOID, XSD

from . import inputs, load, resources, store
from .errors import InputError
from .labels import curie
from .namespaces import BASE, GRAPH, PREFIXES, TC, bind_prefixes

if TYPE_CHECKING:  # the validator is imported where links are validated: a query does not load pySHACL
    from . import validate

SSSOM = Namespace(PREFIXES["sssom"])
SEMAPV = Namespace(PREFIXES["semapv"])
LINKS_GRAPH = GRAPH["links"]
LINKSET = BASE + "linkset/"
MAPPING = BASE + "mapping/"
#: The folder of a data folder that holds the SSSOM mapping files, and their suffix.
LINKS_FOLDER = "links"
SSSOM_SUFFIX = ".sssom.tsv"
#: Prefixes every SSSOM file may use without declaring them (SSSOM's built-in prefix map).
BUILTIN_PREFIXES = {
    "sssom": str(SSSOM), "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS), "skos": str(SKOS),
    "semapv": str(SEMAPV),
}
#: The link predicates towncase accepts: SKOS mapping relations for concepts, owl:sameAs for the same
#: real-world place, organisation or person.
PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, OWL.sameAs)
#: SEMAPV mapping justifications (the values SSSOM allows for ``mapping_justification``).
JUSTIFICATIONS = tuple(SEMAPV[name] for name in (
    "LexicalMatching", "LogicalReasoning", "CompositeMatching", "UnspecifiedMatching",
    "SemanticSimilarityThresholdMatching", "LexicalSimilarityThresholdMatching", "MappingChaining",
    "MappingReview", "ManualMappingCuration", "MappingInversion", "StructuralMatching",
    "InstanceBasedMatching", "BackgroundKnowledgeBasedMatching"))
REQUIRED_METADATA = ("mapping_set_id", "license")
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
#: Columns towncase reads; SSSOM has more, which are refused rather than silently dropped.
COLUMNS = (*REQUIRED_COLUMNS, "subject_label", "object_label", "confidence", "comment", "author_id",
                              "reviewer_id", "mapping_date", "see_also", "subject_type", "object_type")
METADATA = (*REQUIRED_METADATA, "curie_map", "mapping_set_title", "mapping_set_description", "mapping_set_version",
                                "creator_id", "creator_label", "mapping_date", "comment", "see_also")
#: Row slots compiled onto the mapping's owl:Axiom as ``sssom:<slot>`` literals.
_TEXT_SLOTS = ("subject_label", "object_label", "comment")


@dataclass(frozen=True)
class Mapping:
    """One row of a mapping set, its CURIEs expanded."""

    subject: URIRef
    predicate: URIRef
    object: URIRef
    justification: URIRef
    row: int                                     # the line of the file
    confidence: Decimal | None = None
    labels: dict[str, str] = field(default_factory=dict)   # subject_label, object_label, comment
    see_also: tuple[URIRef, ...] = ()


@dataclass(frozen=True)
class MappingSet:
    """One SSSOM file: its metadata and rows."""

    path: Path
    id: URIRef
    license: URIRef
    metadata: dict
    mappings: tuple[Mapping, ...]

    @property
    def name(self) -> str:
        """The file's name without ``.sssom.tsv``."""
        return self.path.name[:-len(SSSOM_SUFFIX)] if self.path.name.endswith(SSSOM_SUFFIX) else self.path.stem


def link_files(data: load.Corpus) -> tuple[Path, ...]:
    """The SSSOM files of every data folder (``<root>/links/*.sssom.tsv``), in the order of the roots."""
    return tuple(f for root in data.roots for f in sorted((root / LINKS_FOLDER).glob("*" + SSSOM_SUFFIX)))


def external_datasets() -> Graph:
    """The external datasets links may point into (``catalog/linked-datasets.ttl``: each a
    ``void:Dataset`` with a ``void:uriSpace``): the allow-list of link targets outside towncase."""
    return load.parsed(resources.linked_datasets_file())


# ---------------------------------------------------------------------------------------------
# Reading SSSOM/TSV
# ---------------------------------------------------------------------------------------------

def read_mapping_set(path: Path) -> MappingSet:
    """Read one SSSOM/TSV file strictly.

    Raises:
        InputError: the file is unreadable or not UTF-8; the YAML header is malformed, lacks a required
            slot (``mapping_set_id``, ``license``, ``curie_map``) or has an unknown one; a row lacks a
            required column, uses an unknown prefix or predicate, a justification outside SEMAPV or a
            confidence outside [0, 1]. The message names the file and line.
    """
    path = Path(path)
    text = inputs.read_text(path)
    lines = text.splitlines()
    header = list(_leading(lines, "#"))
    try:
        metadata = yaml.safe_load("\n".join(line[1:] for line in header)) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"the SSSOM metadata block is not YAML: {getattr(err, 'problem', err)}", file=str(path),
                         line=mark.line + 1 if mark else None,
                         hint="the '#' lines at the top hold YAML: 'key: value', a curie_map as a mapping") from err
    if not isinstance(metadata, dict):
        raise InputError("the SSSOM metadata block must be a YAML mapping (key: value lines)", file=str(path), line=1)
    for key in REQUIRED_METADATA:
        if not metadata.get(key):
            raise InputError(f"the SSSOM metadata lacks {key}", file=str(path), line=1,
                             hint=f"add '# {key}: …' to the header (SSSOM requires mapping_set_id and license)")
    unknown = sorted(set(metadata) - set(METADATA))
    if unknown:
        raise InputError(f"unknown SSSOM metadata slot {unknown[0]!r}", file=str(path), line=_line_of(lines, unknown[0]),
                         hint=f"towncase reads {', '.join(METADATA)}")
    metadata.setdefault("curie_map", {})
    if not isinstance(metadata["curie_map"], dict):
        raise InputError("curie_map must be a mapping of prefix: namespace", file=str(path),
                         line=_line_of(lines, "curie_map"))
    converter = _converter(metadata["curie_map"], path, lines)
    set_id = _absolute(str(metadata["mapping_set_id"]), "mapping_set_id", path, _line_of(lines, "mapping_set_id"))
    licence = _absolute(str(metadata["license"]), "license", path, _line_of(lines, "license"))
    body = lines[len(header):]
    first = len(header) + 1
    table = list(csv.reader(io.StringIO("\n".join(body)), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not table or not any(table[0]):
        raise InputError("the SSSOM file has no table after its metadata", file=str(path), line=first,
                         hint="write a tab-separated header row (subject_id, predicate_id, object_id, "
                              "mapping_justification …) and one row per mapping")
    columns = table[0]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise InputError(f"the table lacks the column {name}", file=str(path), line=first,
                             hint=f"SSSOM requires {', '.join(REQUIRED_COLUMNS)}")
    for name in columns:
        if name not in COLUMNS:
            raise InputError(f"unknown SSSOM column {name!r}", file=str(path), line=first,
                             hint=f"towncase reads {', '.join(COLUMNS)}")
    mappings: list[Mapping] = []
    seen: dict[tuple[URIRef, URIRef, URIRef], int] = {}
    for offset, cells in enumerate(table[1:], start=1):
        line = first + offset
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            raise InputError(f"row has {len(cells)} cells, the header {len(columns)}", file=str(path), line=line,
                             hint="separate cells with one tab each; leave an empty cell for a missing value")
        mapping = _mapping(dict(zip(columns, cells, strict=True)), converter, path, line)
        triple = (mapping.subject, mapping.predicate, mapping.object)
        if triple in seen:
            raise InputError(f"the same mapping is on line {seen[triple]}", file=str(path), line=line,
                             hint="keep one row per subject, predicate and object")
        seen[triple] = line
        mappings.append(mapping)
    return MappingSet(path, set_id, licence, metadata, tuple(mappings))


def _leading(lines: list[str], mark: str) -> Iterable[str]:
    for line in lines:
        if not line.startswith(mark):
            return
        yield line


def _line_of(lines: list[str], key: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if re.match(rf"#\s*{re.escape(key)}\s*:", line):
            return number
    return None


def _converter(curie_map: dict, path: Path, lines: list[str]) -> curies.Converter:
    prefixes = dict(BUILTIN_PREFIXES)
    for prefix, namespace in curie_map.items():
        prefix, namespace = str(prefix), str(namespace)
        if prefix in BUILTIN_PREFIXES and BUILTIN_PREFIXES[prefix] != namespace:
            raise InputError(f"curie_map redefines the built-in SSSOM prefix {prefix}:", file=str(path),
                             line=_line_of(lines, prefix), hint=f"{prefix}: is {BUILTIN_PREFIXES[prefix]}")
        _absolute(namespace, f"curie_map {prefix}", path, _line_of(lines, prefix))
        prefixes[prefix] = namespace
    try:
        return curies.Converter.from_prefix_map(prefixes)
    except (ValueError, curies.api.DuplicateURIPrefixes) as err:
        raise InputError(f"curie_map is not a valid prefix map: {err}".splitlines()[0], file=str(path),
                         line=_line_of(lines, "curie_map"), hint="give each prefix one namespace, and each namespace one prefix") from err


def _absolute(value: str, slot: str, path: Path, line: int | None) -> URIRef:
    if not re.match(r"https?://[^\s<>\"{}|\\^`]+$", value):
        raise InputError(f"{slot} must be an absolute http(s) IRI, not {value!r}", file=str(path), line=line)
    return URIRef(value)


def _mapping(row: dict[str, str], converter: curies.Converter, path: Path, line: int) -> Mapping:
    def expand(slot: str) -> URIRef:
        value = row[slot].strip()
        if not value:
            raise InputError(f"{slot} is empty", file=str(path), line=line,
                             hint=f"SSSOM requires {', '.join(REQUIRED_COLUMNS)} in every row")
        try:
            return URIRef(converter.expand(value, strict=True))
        except (curies.api.ExpansionError, ValueError) as err:
            raise InputError(f"{slot} {value!r} is not a CURIE of the curie_map", file=str(path), line=line,
                             hint=f"declare its prefix under curie_map (known: {', '.join(sorted(converter.prefix_map))})") from err

    subject, predicate, obj, justification = (expand(s) for s in REQUIRED_COLUMNS)
    if predicate not in PREDICATES:
        raise InputError(f"predicate_id {row['predicate_id']} is not a link predicate towncase accepts", file=str(path),
                         line=line, hint=f"use one of {', '.join(sssom_curie(p) for p in PREDICATES)}")
    if justification not in JUSTIFICATIONS:
        raise InputError(f"mapping_justification {row['mapping_justification']} is not a SEMAPV justification",
                         file=str(path), line=line, hint="e.g. semapv:ManualMappingCuration or semapv:LexicalMatching")
    confidence = None
    raw = (row.get("confidence") or "").strip()
    if raw:
        try:
            confidence = Decimal(raw)
        except InvalidOperation:
            confidence = None
        if confidence is None or not confidence.is_finite() or not 0 <= confidence <= 1:
            raise InputError(f"confidence {raw!r} is not a number between 0 and 1", file=str(path), line=line,
                             hint="write the confidence as a decimal from 0 to 1, e.g. 0.95")
    labels = {slot: row[slot].strip() for slot in _TEXT_SLOTS if (row.get(slot) or "").strip()}
    see_also = tuple(_absolute(v.strip(), "see_also", path, line) for v in (row.get("see_also") or "").split("|")
                     if v.strip())
    return Mapping(subject, predicate, obj, justification, line, confidence, labels, see_also)


# ---------------------------------------------------------------------------------------------
# Compiling: the linkset graph
# ---------------------------------------------------------------------------------------------

def mapping_sets(data: load.Corpus) -> tuple[MappingSet, ...]:
    """Every SSSOM file of the corpus, read.

    Raises:
        InputError: a file is malformed (see :func:`read_mapping_set`), or two files share a name.
    """
    sets: list[MappingSet] = []
    names: dict[str, Path] = {}
    for path in link_files(data):
        ms = read_mapping_set(path)
        if ms.name in names:
            raise InputError(f"a mapping set named {ms.name!r} is also in {names[ms.name]}", file=str(path),
                             hint="each linkset is named by its file; rename one file")
        names[ms.name] = path
        sets.append(ms)
    return tuple(sets)


def owners(ds: Dataset) -> dict[URIRef, URIRef]:
    """Which named graph types (mints) each IRI: the case, the reference data, the concept schemes."""
    found: dict[URIRef, URIRef] = {}
    for subject, _, _, graph in ds.quads((None, RDF.type, None, None)):  # one pass (per graph, rdflib's
        _mint(found, subject, graph)  # memory store tests every triple's graphs: quadratic in the graphs)
    return found


def _mint(found: dict[URIRef, URIRef], subject, graph) -> None:
    """Record that ``graph`` types ``subject`` (an IRI): of several graphs, the first by name mints it."""
    if isinstance(subject, URIRef) and isinstance(graph, URIRef) and (
            subject not in found or str(graph) < str(found[subject])):
        found[subject] = graph


def target(iri: URIRef, minted: dict[URIRef, URIRef], external: Graph) -> URIRef | None:
    """The dataset an end of a link belongs to: the named graph that mints it, or the external
    dataset whose ``void:uriSpace`` it is in; ``None`` when it is neither (a vanished or unknown end)."""
    if iri in minted:
        return minted[iri]
    for dataset, space in sorted(external.subject_objects(VOID.uriSpace), key=str):
        if str(iri).startswith(str(space)):
            return URIRef(str(dataset))
    return None


def compile_links(sets: Iterable[MappingSet], minted: dict[URIRef, URIRef], external: Graph) -> Graph:
    """The linkset graph of the mapping sets (see the module docstring), with ``minted`` the graph that
    mints each IRI of the data (:func:`owners`); deterministic."""
    graph = bind_prefixes(Graph())
    for ms in sets:
        groups: dict[tuple, list[Mapping]] = {}
        for m in ms.mappings:
            graph.add((m.subject, m.predicate, m.object))
            axiom = URIRef(MAPPING + ms.name + "/" + hashlib.sha256(
                f"{m.subject} {m.predicate} {m.object}".encode()).hexdigest()[:16])
            graph.add((axiom, RDF.type, OWL.Axiom))
            graph.add((axiom, OWL.annotatedSource, m.subject))
            graph.add((axiom, OWL.annotatedProperty, m.predicate))
            graph.add((axiom, OWL.annotatedTarget, m.object))
            graph.add((axiom, SSSOM.mapping_justification, m.justification))
            graph.add((axiom, DCTERMS.source, ms.id))
            if m.confidence is not None:
                graph.add((axiom, SSSOM.confidence, Literal(str(m.confidence), datatype=XSD.decimal)))
            for slot, text in m.labels.items():
                graph.add((axiom, SSSOM[slot], Literal(text)))
            for page in m.see_also:
                graph.add((axiom, RDFS.seeAlso, page))
            key = (m.predicate, target(m.subject, minted, external), target(m.object, minted, external))
            groups.setdefault(key, []).append(m)
        for (predicate, subjects, objects), members in sorted(groups.items(), key=lambda kv: [str(k) for k in kv[0]]):
            linkset = URIRef(LINKSET + ms.name + "/" + curie(predicate).replace(":", "-")
                             + ("" if len(groups) == 1 else "-" + hashlib.sha256(
                                 f"{subjects} {objects}".encode()).hexdigest()[:8]))
            graph.add((linkset, RDF.type, VOID.Linkset))
            graph.add((linkset, VOID.linkPredicate, predicate))
            graph.add((linkset, VOID.triples, Literal(len(members))))
            graph.add((linkset, DCTERMS.source, ms.id))
            graph.add((linkset, DCTERMS.license, ms.license))
            title = ms.metadata.get("mapping_set_title")
            graph.add((linkset, DCTERMS.title, Literal(f"{title or ms.name} ({curie(predicate)})")))
            if subjects is not None:
                graph.add((linkset, VOID.subjectsTarget, subjects))
            if objects is not None:
                graph.add((linkset, VOID.objectsTarget, objects))
    return graph


def linked_dataset(ds: Dataset, links: Graph) -> Dataset:
    """``ds`` with the linkset graph added as the named graph ``graph/links`` (in place; returned)."""
    named = ds.graph(LINKS_GRAPH)
    named += links
    return ds


# ---------------------------------------------------------------------------------------------
# Building, validating, checking
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Built:
    """What :func:`build` found: the mapping sets, the linkset graph and its validation."""

    sets: tuple[MappingSet, ...]
    graph: Graph
    validation: validate.ValidationResult


def shapes() -> Graph:
    """The SHACL shapes of links (``shapes/links/links.shapes.ttl``)."""
    return load.parse_file(resources.link_shape_file())


@dataclass(frozen=True)
class Known:
    """What the link check knows of the data (:func:`context`).

    Attributes:
        graph: the triples the link shapes read, every named graph's in one graph.
        minted: the named graph that mints each IRI (as :func:`owners`).
    """

    graph: Graph
    minted: dict[URIRef, URIRef]


def context(source: Dataset | store.Store) -> Known:
    """What the link shapes read of ``source`` (a dataset, or a store of the corpus): the triples
    ``shapes/links/link-context.rq`` selects, and which graph mints each IRI; what :func:`build` validates
    the links beside, in one pass over the query's rows."""
    graph, minted = Graph(), dict[URIRef, URIRef]()
    text = resources.link_context_file().read_text(encoding="utf-8")
    for name, subject, predicate, obj in store.of(source).select(text):
        graph.add((subject, predicate, obj))
        if predicate == RDF.type:
            _mint(minted, subject, name)
    return Known(graph, minted)


def build(data: load.Corpus, source: Dataset | store.Store | None = None) -> Built:
    """Read every SSSOM file of the corpus, compile the linkset graph and validate it with the link
    shapes, together with what they read of the data it links (:func:`context`: both ends exist,
    their kinds, the SKOS matches).

    Args:
        data: the corpus.
        source: the corpus loaded (a dataset or a store); the Oxigraph store (cached) by default.

    Raises:
        InputError: a mapping file is malformed (names the file and row), or a data file is (when
            ``source`` is not given).
    """
    known = context(source if source is not None else store.open_store(data, "oxigraph"))
    sets = mapping_sets(data)
    external = external_datasets()
    links = compile_links(sets, known.minted, external)
    checked = known.graph  # ours: the links join it in place
    checked += external
    checked += links
    from . import validate

    result = validate.validate(checked, shapes_graph=shapes())
    return Built(sets, links, result)


@dataclass(frozen=True)
class Vanished:
    """A link one of whose ends is neither described by the data nor in an external dataset."""

    file: Path
    row: int
    mapping: Mapping
    end: str            # "subject" or "object"


def check(data: load.Corpus, source: Dataset | store.Store | None = None) -> list[Vanished]:
    """The links whose subject or object has vanished from the data (renamed or removed), by file and row.

    Args:
        data: the corpus.
        source: the corpus loaded (a dataset or a store); the Oxigraph store (cached) by default.

    Raises:
        InputError: a mapping file is malformed, or a data file is (when ``source`` is not given).
    """
    minted = context(source if source is not None else store.open_store(data, "oxigraph")).minted
    external = external_datasets()
    found = []
    for ms in mapping_sets(data):
        for m in ms.mappings:
            for end, iri in (("subject", m.subject), ("object", m.object)):
                if target(iri, minted, external) is None:
                    found.append(Vanished(ms.path, m.row, m, end))
    return found


# ---------------------------------------------------------------------------------------------
# Suggesting candidates for review
# ---------------------------------------------------------------------------------------------

#: Kinds of thing, by the ontology class an entity's type falls under (owl:sameAs never crosses kinds).
KINDS = (TC.Place, TC.Agent, TC.Programme, TC.Event, TC.EventSeries, TC.Observation, TC.Outcome, SKOS.Concept)
_SUFFIXES_ZH = ("有限公司", "股份有限公司", "人民政府", "街道", "镇", "市", "省", "区", "县")
_SUFFIXES_EN = ("co., ltd.", "co.", "ltd.", "town", "subdistrict", "city", "province")


@dataclass(frozen=True)
class Candidate:
    """A proposed link, for a person to review."""

    subject: URIRef
    predicate: URIRef
    object: URIRef
    confidence: Decimal
    justification: URIRef
    why: str
    subject_label: str = ""
    object_label: str = ""


@dataclass(frozen=True)
class Shared:
    """An entity two cases both use under one IRI (no link needed): what it is and its labels."""

    iri: URIRef
    kind: URIRef
    label: str
    minted_in: URIRef | None


@dataclass(frozen=True)
class Suggestions:
    """What :func:`suggest` found for two cases."""

    case_a: str
    case_b: str
    candidates: tuple[Candidate, ...]
    shared: tuple[Shared, ...]


def normalise(label: str) -> str:
    """A label compared across cases: NFKC, lower case, no spaces or punctuation, no administrative
    or company suffix (诸暨市 ~ 诸暨, Zhuji City ~ zhuji)."""
    text = unicodedata.normalize("NFKC", label).lower().strip()
    for suffix in _SUFFIXES_ZH + _SUFFIXES_EN:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return re.sub(r"[\s\W_]+", "", text)


def kind(graph: Graph, iri: URIRef, ontology: Graph) -> URIRef | None:
    """The kind (one of :data:`KINDS`) of an entity, through the class hierarchy."""
    for cls in graph.objects(iri, RDF.type):
        for above in ontology.transitive_objects(cls, RDFS.subClassOf):
            if above in KINDS:
                return URIRef(str(above))
    return None


def mentioned(case_graph: Graph, union: Graph) -> set[URIRef]:
    """The towncase entities and concepts a case graph names (as subject or object), and every place
    that contains a place it names (a town in 诸暨 is in 绍兴 and 浙江 too)."""
    named = {t for triple in case_graph for t in (triple[0], triple[2])
             if isinstance(t, URIRef) and str(t).startswith(BASE) and not str(t).startswith(PREFIXES["tc"])}
    above: set = set()
    for node in named:
        for prop in (TC.administrativeParent, TC.locatedIn):
            above.update(union.transitive_objects(node, prop))
    return named | {n for n in above if isinstance(n, URIRef)}


def suggest(ds: Dataset, case_a: str, case_b: str, lang: str = "zh") -> Suggestions:
    """Candidate links between two cases: entities each case mints that share a division code or a
    normalised label (zh or en) and are of the same kind, with a confidence and a SEMAPV justification;
    and the entities both cases already use under one IRI (places and programmes of the reference
    data, concepts), which need no link.

    Raises:
        UnknownNameError: a case is not in the dataset.
    """
    from .errors import UnknownNameError
    from .labels import bilingual

    names = sorted(str(g.identifier)[len(str(GRAPH)) + len("case/"):] for g in ds.graphs()
                   if str(g.identifier).startswith(str(GRAPH) + "case/"))
    for name in (case_a, case_b):
        if name not in names:
            raise UnknownNameError("case", name, names)
    union = Graph()
    for graph in ds.graphs():
        union += graph
    ontology = ds.graph(GRAPH["ontology"])
    graph_a, graph_b = ds.graph(GRAPH["case/" + case_a]), ds.graph(GRAPH["case/" + case_b])
    minted = owners(ds)
    index: dict[tuple[str, str], set[URIRef]] = {}

    def keys(iri: URIRef) -> set[tuple[str, str]]:
        found = {("code", str(code)) for code in union.objects(iri, TC.divisionCode)}
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            for label in union.objects(iri, prop):
                if isinstance(label, Literal) and normalise(str(label)):
                    found.add(("label-" + (label.language or "").split("-")[0], normalise(str(label))))
        return found

    own_a = sorted(i for i, g in minted.items() if g == graph_a.identifier)
    own_b = sorted(i for i, g in minted.items() if g == graph_b.identifier)
    for iri in own_b:
        for key in keys(iri):
            index.setdefault(key, set()).add(iri)
    candidates = []
    for iri in own_a:
        hits: dict[URIRef, set[tuple[str, str]]] = {}
        for key in keys(iri):
            for other in index.get(key, ()):
                hits.setdefault(other, set()).add(key)
        kind_a = kind(union, iri, ontology)
        for other, why in sorted(hits.items()):
            if kind_a is None or kind(union, other, ontology) != kind_a:
                continue
            predicate = SKOS.exactMatch if kind_a == SKOS.Concept else OWL.sameAs
            code = any(k[0] == "code" for k in why)
            both = {k[0] for k in why} >= {"label-zh", "label-en"}
            confidence = Decimal("0.95") if code else Decimal("0.8") if both else Decimal("0.6")
            reason = ", ".join(sorted(f"same division code {v}" if k == "code" else f"same {k[6:]} label {v!r}"
                                      for k, v in why))
            candidates.append(Candidate(iri, predicate, other, confidence, SEMAPV.LexicalMatching, reason,
                                        bilingual(union, iri), bilingual(union, other)))
    shared = []
    for iri in sorted(mentioned(graph_a, union) & mentioned(graph_b, union)):
        owner = minted.get(iri)
        if owner in (graph_a.identifier, graph_b.identifier):
            continue
        found = kind(union, iri, ontology)
        if found is None or found in (TC.Observation, TC.Outcome):
            continue
        shared.append(Shared(iri, found, bilingual(union, iri), owner))
    shared.sort(key=lambda s: (KINDS.index(s.kind), str(s.iri)))
    return Suggestions(case_a, case_b, tuple(candidates), tuple(shared))


def sssom_tsv(suggestions: Suggestions, mapping_date: date | None = None) -> bytes:
    """The candidates as an SSSOM/TSV file for review (``mapping_justification`` as suggested; a
    reviewer keeps, edits or deletes each row and changes the justification to
    ``semapv:ManualMappingCuration`` for the rows they checked)."""
    used = dict(PREFIXES)
    prefixes = {}
    for c in suggestions.candidates:
        for iri in (c.subject, c.object):
            prefix = curie(iri).split(":", 1)[0]
            if prefix in used:
                prefixes[prefix] = used[prefix]
    metadata = {
        "curie_map": dict(sorted(prefixes.items())),
        "mapping_set_id": f"{BASE}links/{suggestions.case_a}-{suggestions.case_b}",
        "mapping_set_title": f"Candidate links between {suggestions.case_a} and {suggestions.case_b} (for review)",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "creator_label": ["towncase link suggest"],
    }
    if mapping_date:
        metadata["mapping_date"] = mapping_date.isoformat()
    header = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000)
    out = io.StringIO()
    out.write("".join(f"#{line}\n" for line in header.splitlines()))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow(["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                     "mapping_justification", "confidence", "comment"])
    for c in suggestions.candidates:
        writer.writerow([curie(c.subject), _cell(c.subject_label), curie(c.predicate), curie(c.object),
                         _cell(c.object_label), sssom_curie(c.justification),
                         str(c.confidence), _cell(c.why)])
    return out.getvalue().encode("utf-8")


def sssom_curie(iri: URIRef) -> str:
    """A CURIE with the canonical prefixes and SSSOM's built-in ones (``semapv:ManualMappingCuration``)."""
    for prefix, namespace in BUILTIN_PREFIXES.items():
        if str(iri).startswith(namespace):
            return prefix + ":" + str(iri)[len(namespace):]
    return curie(iri)


def _cell(text: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", text)
