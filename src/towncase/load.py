"""Loading: RDF files into graphs, and the shipped artefacts into one dataset of named graphs.

Named graphs keep what is asserted apart: the ontology, the shared concept schemes, and one graph
per town case (``graph/case/<folder>``). Inferred and link triples get graphs of their own later;
nothing is ever written back into ``data/``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from xml.sax import SAXParseException

from rdflib import Dataset, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import resources
from .errors import InputError, RDFSyntaxError, UnknownNameError
from .namespaces import CONCEPTS_GRAPH, ONTOLOGY_GRAPH, bind_prefixes, bound_copy, case_graph

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".n3": "n3", ".trig": "trig", ".nq": "nquads",
                ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml", ".xml": "xml"}
QUAD_FORMATS = ("trig", "nquads")


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

    Raises:
        InputError: the file is missing or unreadable, or its format is unknown.
        RDFSyntaxError: the file does not parse; carries the file and line.
    """
    graph = into if into is not None else bind_prefixes(Graph())
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path), hint="check the path")
    fmt = rdf_format(path)
    if fmt == "json-ld":
        _refuse_remote_context(path)
    try:
        if fmt in QUAD_FORMATS:  # named graphs are merged: validation looks at the triples
            quads = Dataset()
            quads.parse(path, format=fmt)
            for named in quads.graphs():
                graph += named
        else:
            graph.parse(path, format=fmt)
    except BadSyntax as err:
        raise RDFSyntaxError(f"RDF syntax error: {err._why}", file=str(path), line=err.lines + 1,
                             hint="fix the Turtle at that line; an unbound prefix needs an @prefix line") from err
    except SAXParseException as err:
        raise RDFSyntaxError(f"RDF/XML syntax error: {err.getMessage()}", file=str(path),
                             line=err.getLineNumber(), hint="fix the XML at that line") from err
    except Exception as err:  # rdflib's parsers raise many unrelated types (ParserError, KeyError …)
        raise RDFSyntaxError(f"cannot parse as {fmt}: {type(err).__name__}: {err}", file=str(path),
                             hint=f"check that the file really is {fmt}") from err
    return graph


def _refuse_remote_context(path: Path) -> None:
    """JSON-LD may name its @context (or @import) by URL, which rdflib would fetch; we never do."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RDFSyntaxError(f"not JSON: {err}", file=str(path), hint="check that the file really is JSON-LD") from err

    def remote(node) -> str | None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import") and isinstance(value, str):
                    return value
                if key == "@context" and isinstance(value, list):
                    for item in value:
                        if isinstance(item, str):
                            return item
                found = remote(value)
                if found:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = remote(item)
                if found:
                    return found
        return None

    url = remote(doc)
    if url:
        raise InputError(f"JSON-LD context {url!r} would be fetched; towncase never fetches at run time",
                         file=str(path), hint="inline the context in the file (an object, not a URL)")


def parse_files(paths: Iterable[Path]) -> Graph:
    """Parse several files (or every RDF file of a folder) into one graph."""
    graph = bind_prefixes(Graph())
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.suffix.lower() in RDF_SUFFIXES):
                parse_file(child, graph)
        else:
            parse_file(path, graph)
    return graph


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return parse_file(resources.ontology_file())


@lru_cache(maxsize=1)
def _concepts() -> Graph:
    return parse_files(resources.scheme_files())


def ontology() -> Graph:
    """The OWL ontology (a fresh copy; the parse is cached)."""
    return bound_copy(_ontology())


def concepts() -> Graph:
    """The shared SKOS concept schemes (a fresh copy; the parse is cached)."""
    return bound_copy(_concepts())


def case_names() -> list[str]:
    """The names of the shipped cases, e.g. ``["diankou-2022"]``."""
    return [p.name for p in resources.case_dirs()]


def case(name: str) -> Graph:
    """The asserted triples of one shipped case (a fresh copy; the parse is cached)."""
    if name not in case_names():
        raise UnknownNameError("case", name, case_names())
    return bound_copy(_case(name))


@lru_cache(maxsize=None)
def _case(name: str) -> Graph:
    return parse_files(sorted((resources.data_dir() / name).glob("*.ttl")))


def shipped_data() -> Graph:
    """All shipped cases plus the concept schemes, as one graph: what ``validate`` checks."""
    graph = concepts()
    for name in case_names():
        graph += case(name)
    return graph


def dataset() -> Dataset:
    """The ontology, the schemes and the shipped cases as named graphs of one dataset.

    The default graph is the union of all named graphs, so queries need no ``GRAPH``.
    """
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    parts = [(ONTOLOGY_GRAPH, _ontology()), (CONCEPTS_GRAPH, _concepts())]
    parts += [(case_graph(name), _case(name)) for name in case_names()]
    for name, graph in parts:
        named = ds.graph(name)
        named += graph
    return ds
