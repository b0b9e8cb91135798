"""Loading: RDF files into graphs, and the artefacts and town cases into one dataset of named graphs.

Named graphs keep what is asserted apart: the ontology, the shared concept schemes, the shared
reference data (``graph/reference``) and one graph per town case (``graph/case/<folder>``).
Cases come from the shipped ``data/`` folder and from the user's own folders (``--data``,
``TOWNCASE_DATA``): see :func:`corpus`. Each file is parsed once per process. Inferred and link
triples get graphs of their own; nothing is ever written back into a data folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

import rdflib
from rdflib import OWL, RDF, Dataset, Graph, Node, URIRef

from . import inputs, offline, resources
from .errors import InputError, LimitError, RDFSyntaxError, TowncaseError
from .labels import curie
from .namespaces import BASE, bind_prefixes

# Case folders (the shipped ones, --data folders and TOWNCASE_DATA) are found by towncase.resources,
# without rdflib (a stored query reads them at start-up); this module's API keeps their names.
from .resources import DATA_ENV, NOT_CASES, REFERENCE_FOLDER, CaseFolder, Corpus, corpus  # noqa: F401

ENTITY_BASE = BASE + "id/"
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".n3": "n3", ".trig": "trig", ".nq": "nquads",
                ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml", ".xml": "xml"}
QUAD_FORMATS = ("trig", "nquads")
#: Formats whose rdflib parser gives every blank node a label of its own (JSON-LD and N-Quads keep
#: the file's labels, so their nodes are relabelled); tests/test_writes.py pins this.
FRESH_BLANK_NODES = ("turtle", "nt", "n3", "xml")
_BAD_IRI_CHAR = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def rdf_format(path: Path) -> str:
    """The rdflib parser name for a file, from its suffix.

    Raises:
        InputError: the suffix is not one of :data:`RDF_SUFFIXES`.
    """
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if not fmt:
        raise InputError("cannot tell the RDF format from the file name", file=str(path),
                         hint=f"use one of the suffixes {', '.join(sorted(RDF_SUFFIXES))}")
    return fmt


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file into ``into`` (a new graph by default) and return it.

    Every RDF file towncase reads comes through here, so every command gets the same front end
    (:mod:`towncase.inputs`): a bounded read of a regular UTF-8 file, a strict RDF 1.1 syntax check
    with line and column, no relative IRIs (never ``file:///…``), nothing fetched
    (:mod:`towncase.offline`), and blank nodes fresh for each file, so two files' ``_:b0`` never
    become one node.

    Raises:
        InputError: the file is missing, unreadable, not a regular file, empty, not UTF-8, or its
            format is unknown; or it would fetch (a JSON-LD context by URL, an external XML entity).
        RDFSyntaxError: the file does not parse, or holds what RDF forbids; carries the file and line.
        LimitError: the file is too large or too deeply nested.
    """
    path = Path(path)
    fmt = rdf_format(path)
    text = inputs.read_text(path)
    inputs.check_syntax(text, fmt, path)
    if fmt == "json-ld":
        _check_jsonld(text, path)
    parsed = Dataset() if fmt in QUAD_FORMATS else bind_prefixes(Graph())
    try:
        with offline.guard(f"parsing {path}"), literals_as_written():
            parsed.parse(data=text, format=fmt, publicID=inputs.RELATIVE_BASE)
    except TowncaseError:
        raise
    except SAXParseException as err:
        raise RDFSyntaxError(f"RDF/XML syntax error: {err.getMessage()}", file=str(path),
                             line=err.getLineNumber(), hint="fix the XML at that line") from err
    except (RecursionError, MemoryError) as err:
        raise LimitError(f"{path}: too large or too deeply nested for rdflib's {fmt} parser ({type(err).__name__})",
                         "depth", hint="split or flatten the file") from err
    except Exception as err:  # rdflib's parsers raise many unrelated types (ParserError, KeyError …)
        raise RDFSyntaxError(f"cannot parse as {fmt}: {type(err).__name__}: {err}", file=str(path),
                             hint=f"check that the file really is {fmt}") from err
    check = inputs.TermCheck(text, path)
    if into is None and fmt in FRESH_BLANK_NODES:  # alone in its graph, blank nodes already unique
        for triple in parsed:
            check(triple)
        return parsed
    graph = into if into is not None else bind_prefixes(Graph())
    # Named graphs are merged (validation looks at the triples); blank nodes get labels fresh to this file.
    for triple in (t for g in parsed.graphs() for t in g) if isinstance(parsed, Dataset) else parsed:
        graph.add(check(triple))
    return graph


@contextmanager
def literals_as_written() -> Iterator[None]:
    """While parsing in this context, every literal keeps the lexical form its file gives it.

    By default rdflib rewrites the lexical form of a literal it can read as a Python value, before
    anything can check it: " 5" and "1_000"^^xsd:integer become "5" and "1000", "1e3"^^xsd:decimal
    becomes "1000", "2022-07-01T10:00"^^xsd:date loses its time, "2022-07-01+08:00"^^xsd:date its
    time zone, and "yes"^^xsd:boolean becomes "false". Validation must see what the author wrote (the
    shapes reject ill-formed literals), and exports must not change it. rdflib offers this only as a
    process-wide switch, so it is set for the parse and restored afterwards.
    """
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def _check_jsonld(text: str, path: Path) -> None:
    """JSON-LD may name its @context (or @import) by URL, which rdflib would fetch (we never do),
    and rdflib silently drops a node whose @id is not a valid IRI (we say so)."""
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise RDFSyntaxError(f"not JSON: {err}", file=str(path), hint="check that the file really is JSON-LD") from err

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            raise InputError(f"JSON-LD context {item!r} would be fetched; towncase never fetches "
                                             "at run time", file=str(path),
                                             hint="inline the context in the file (an object, not a URL)")
                if key in ("@id", "@vocab", "@base") and isinstance(value, str) and (
                        bad := _BAD_IRI_CHAR.search(value)):
                    raise RDFSyntaxError(f"{key} {value!r} is not a valid IRI: it holds "
                                         f"{bad.group()!r}", file=str(path),
                                         line=inputs.line_of(text, value),
                                         hint="percent-encode the character (a space is %20)")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)


def parse_files(paths: Iterable[Path]) -> Graph:
    """Parse several files (or every RDF file of a folder) into one graph; blank nodes of different
    files are always different nodes."""
    graph: Graph | None = None
    for path in paths:
        path = Path(path)
        for file in (sorted(p for p in path.rglob("*") if p.suffix.lower() in RDF_SUFFIXES)
                     if path.is_dir() else [path]):
            graph = parse_file(file, graph)  # the first file's graph is the one the others go into
    return graph if graph is not None else bind_prefixes(Graph())


def ontology() -> Graph:
    """The OWL ontology (a fresh graph; the parse is cached).

    Raises:
        InputError: the file declares no ``owl:Ontology`` or no class (emptied or truncated).
    """
    graph = _union([resources.ontology_file()])
    if next(graph.subjects(RDF.type, OWL.Ontology), None) is None or next(graph.subjects(RDF.type, OWL.Class), None) is None:
        raise InputError("the ontology declares no owl:Ontology or no class: it is empty or truncated",
                         file=str(resources.ontology_file()),
                         hint="restore ontology/towncase.ttl (reinstall the package)")
    return graph


def concepts() -> Graph:
    """The shared SKOS concept schemes (a fresh graph; the parses are cached)."""
    return _union(resources.scheme_files())


def _per_version(parse: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """``parse``, run once per process and version of a file (its modification time and size)."""
    once = cache(lambda path, stamp: parse(path))

    def read(path: Path) -> Any:
        try:
            info = Path(path).stat()
        except OSError:
            return parse(path)  # raises the InputError that names the file
        return once(Path(path), (info.st_mtime_ns, info.st_size))

    return read


#: The triples of one RDF file as rdflib parses them (cached until the file changes; do not mutate).
parsed: Callable[[Path], Graph] = _per_version(parse_file)


def _union(files: Iterable[Path]) -> Graph:
    graph = bind_prefixes(Graph())
    for path in files:
        graph += parsed(path)
    return graph


def reference(data: Corpus | None = None) -> Graph:
    """The shared reference data (administrative places, provincial programmes …) as one graph."""
    return _union((data or corpus()).reference_files)


def case_names(data: Corpus | None = None) -> list[str]:
    """The names of the cases, e.g. ``["datang", "diankou-2022"]``."""
    return (data or corpus()).names


def case(name: str, data: Corpus | None = None) -> Graph:
    """The asserted triples of one case (a fresh graph).

    Raises:
        UnknownNameError: no case of that name.
    """
    return _union((data or corpus()).case(name).files)


def minted(graph: Graph) -> set[URIRef]:
    """The towncase entities a graph *mints*: the IRIs under ``id/`` it gives a type. A case may say
    more about an entity of the reference data or of its own, but only one graph may type it."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ENTITY_BASE)}


def check_minting(data: Corpus, minted_in: Callable[[Path], Iterable[str]] | None = None) -> None:
    """Every entity is typed by one graph only: the reference data or one case.

    Args:
        data: the corpus.
        minted_in: the entities a file mints (by default from rdflib's parse of the file).

    Raises:
        InputError: an IRI typed by two cases, or by a case and the reference data, naming both files.
    """
    minted_in = minted_in or (lambda path: minted(parsed(path)))
    owner: dict[str, Path] = {}
    for files in [data.reference_files] + [case.files for case in data.cases]:
        mine: dict[str, Path] = {}
        for path in files:
            for iri in minted_in(path):
                mine.setdefault(str(iri), path)
        for iri, path in sorted(mine.items()):
            if iri in owner:
                raise InputError(f"{curie(URIRef(iri))} is typed (minted) here and in {owner[iri]}", file=str(path),
                                 hint="an entity belongs to one case; shared places and programmes go in the "
                                      "reference data, and a case only adds facts about them (no rdf:type)")
            owner[iri] = path


def where(data: Corpus, node: Node) -> Path | None:
    """The file to edit for ``node``: the one that types it, else the first that describes it."""
    described = None
    for path in data.files:
        graph = parsed(path)
        if (node, RDF.type, None) in graph:
            return path
        if described is None and (node, None, None) in graph:
            described = path
    return described


class Locator:
    """:func:`where` from triples already parsed (pyoxigraph's), without parsing any file again.

    Args:
        files: (file, its triples) in the order :func:`where` reads them.
    """

    def __init__(self, files: Iterable[tuple[Path, Iterable]]) -> None:
        self.typed: dict[str, Path] = {}
        self.described: dict[str, Path] = {}
        for path, triples in files:
            for triple in triples:
                self.described.setdefault(triple.subject.value, path)
                if triple.predicate.value == _RDF_TYPE:
                    self.typed.setdefault(triple.subject.value, path)

    def __call__(self, node: Node | None) -> Path | None:
        if not isinstance(node, (URIRef, rdflib.BNode)):
            return None
        return self.typed.get(str(node)) or self.described.get(str(node))


_RDF_TYPE = str(RDF.type)


def source_text(data: Corpus, source: Node, local_copy: str, typed_in: Path | None = None) -> str:
    """The text of a source document's local copy, found relative to the folder of the file that
    types the source (its case folder or reference folder; found by :func:`where` unless given).

    Raises:
        InputError: the source is typed nowhere or its copy is missing or not UTF-8.
    """
    typed_in = typed_in or where(data, source)
    if typed_in is None:
        raise InputError(f"source {curie(source)} is described in no file", hint="type it tc:SourceDocument")
    path = typed_in.parent / local_copy
    try:
        info = path.stat()
        return _text(path, (info.st_mtime_ns, info.st_size))
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the local copy of {curie(source)}: {err}", file=str(path),
                         hint=f"put the source text at {path} (tc:localCopy is relative to {typed_in.parent})") from err


@cache
def _text(path: Path, stamp: tuple[int, int]) -> str:
    """A source text, read once per process and version of the file (``stamp``)."""
    return path.read_text(encoding="utf-8")


def data_graph(data: Corpus | None = None) -> Graph:
    """The concept schemes, the reference data and every case as one graph: what is validated and
    reasoned over.

    Raises:
        InputError: an entity is minted by two graphs (see :func:`check_minting`).
    """
    data = data or corpus()
    check_minting(data)
    graph = concepts()
    graph += reference(data)
    for folder in data.cases:
        graph += _union(folder.files)
    return graph


def shipped_data() -> Graph:
    """:func:`data_graph` of the default corpus (the shipped cases, and ``TOWNCASE_DATA``)."""
    return data_graph()


def dataset(data: Corpus | None = None) -> Dataset:
    """The ontology, the schemes, the reference data and the cases as named graphs of one dataset.

    The default graph is the union of all named graphs, so queries need no ``GRAPH``.

    Raises:
        InputError: an entity is minted by two graphs (see :func:`check_minting`).
    """
    data = data or corpus()
    check_minting(data)
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    for name, files in parts(data):
        named = ds.graph(name)
        for path in files:
            named += parsed(path)
    return ds


def parts(data: Corpus) -> list[tuple[URIRef, tuple[Path, ...]]]:
    """(named graph, its files) for every part of the dataset (see :func:`towncase.resources.parts`)."""
    return [(URIRef(name), files) for name, files in resources.parts(data)]


def readers(data: Corpus) -> list[tuple[URIRef, Callable[[], Graph]]]:
    """(named graph, a function that parses its files) for every part of the dataset: what
    :func:`towncase.export.export_graphs` takes to hold one graph at a time. The files are parsed as
    written (Oxigraph's store keeps numbers and language tags in its own canonical form)."""
    return [(name, partial(parse_files, files)) for name, files in parts(data)]


def strict_triples(path: Path) -> list:
    """One RDF file's triples as Oxigraph's strict parser reads them (pyoxigraph terms), through the same
    front end as :func:`parse_file`: a bounded read of a regular UTF-8 file, the RDF 1.1 syntax, no
    relative IRIs (Oxigraph resolves none), blank nodes fresh to the file.

    Raises:
        InputError: the file is missing, unreadable, empty, not UTF-8, or not in a format Oxigraph reads.
        RDFSyntaxError: the file does not parse (with line and column).
        LimitError: the file is too large.
    """
    path = Path(path)
    fmt = rdf_format(path)
    if fmt not in ("turtle", "nt", "xml"):
        raise InputError(f"the Oxigraph store reads Turtle, N-Triples and RDF/XML files, not {fmt}",
                         file=str(path), hint="use --store rdflib for this file")
    return inputs.check_syntax(inputs.read_text(path), fmt, path)


#: :func:`strict_triples` as a tuple, once per process and version of the file (do not mutate).
strict_parsed: Callable[[Path], tuple] = _per_version(lambda path: tuple(strict_triples(path)))


def minted_iris(triples: Iterable) -> set[str]:
    """:func:`minted` for triples of pyoxigraph terms: the IRIs under ``id/`` they give a type."""
    return {t.subject.value for t in triples  # a blank node's value is its label, never under id/
            if t.predicate.value == _RDF_TYPE and t.subject.value.startswith(ENTITY_BASE)}
