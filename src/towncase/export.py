"""Export: deterministic serialisations of the dataset, written atomically.

Same input, same bytes: N-Triples/N-Quads lines are sorted, JSON-LD is normalised, TriG is
assembled graph by graph, blank nodes get canonical labels, and no timestamp is written. IRIs
can be rebased from the canonical ``https://w3id.org/towncase/`` to another base for a deployment.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from .errors import OutputError, UnknownNameError
from .namespaces import BASE, CONCEPTS_GRAPH, GRAPH, ONTOLOGY_GRAPH, PREFIXES, bind_prefixes, bound_copy

#: file suffix → rdflib serializer, for graphs (one file per named graph) …
GRAPH_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}
#: … and for the whole dataset of named graphs.
DATASET_FORMATS = {"trig": "trig", "nq": "nquads"}
FORMATS = {**GRAPH_FORMATS, **DATASET_FORMATS}
DEFAULT_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")


@dataclass(frozen=True)
class Written:
    """One file an export wrote."""

    path: Path
    triples: int


def format_for(path: Path) -> str:
    """The graph format a file name asks for, from its suffix (``.ttl``, ``.nt``, ``.jsonld``).

    Raises:
        UnknownNameError: the suffix is not one we write.
    """
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in GRAPH_FORMATS:
        raise UnknownNameError(f"output format for {path} (from its suffix)", suffix or "(none)",
                               list(GRAPH_FORMATS))
    return suffix


def serialize(graph: Graph | Dataset, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise deterministically in one of :data:`FORMATS`, with ``prefixes`` (canonical by default)."""
    if fmt not in FORMATS:
        raise UnknownNameError("export format", fmt, list(FORMATS))
    prefixes = prefixes or PREFIXES
    if fmt == "trig":
        return _trig(graph, prefixes).encode("utf-8")
    if fmt == "nq":
        return _sorted_lines([line[:-1] + f"<{g.identifier}> ."
                              for g in graph.graphs() if len(g)
                              for line in _canonical(g, prefixes).serialize(format="nt").splitlines()
                              if line.endswith(" .")])
    graph = _canonical(graph, prefixes)
    if fmt == "jsonld":
        text = graph.serialize(format="json-ld", context=dict(prefixes), auto_compact=True)
        return _normalise_jsonld(text).encode("utf-8")
    if fmt == "nt":
        return _sorted_lines(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines())
    return graph.serialize(format=GRAPH_FORMATS[fmt], encoding="utf-8")


def _canonical(graph: Graph, prefixes: dict[str, str]) -> Graph:
    """The graph with its prefixes bound and its blank nodes (if any) labelled canonically."""
    has_blank = any(isinstance(t, BNode) for triple in graph for t in triple)
    copy = bind_prefixes(Graph(), prefixes)
    copy += to_canonical_graph(graph) if has_blank else graph
    return copy


def _sorted_lines(lines: list[str]) -> bytes:
    return ("\n".join(sorted(set(line for line in lines if line.strip()))) + "\n").encode("utf-8")


def _trig(ds: Dataset, prefixes: dict[str, str]) -> str:
    """TriG with the named graphs in order of their names, each block written by the (ordered)
    Turtle serializer; rdflib's own TriG writer follows store order, which varies between runs."""
    declared, blocks = {}, []
    for graph in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        body = []
        for line in _canonical(graph, prefixes).serialize(format="turtle").splitlines():
            if line.startswith("@prefix"):
                declared[line] = None
            else:  # not indented: a line may be inside a multi-line string literal
                body.append(line)
        blocks.append(f"<{graph.identifier}> {{\n" + "\n".join(body).strip("\n") + "\n}\n")
    return "\n".join(sorted(declared)) + "\n\n" + "\n".join(blocks)


def _normalise_jsonld(text: str) -> str:
    doc = json.loads(text)

    def norm(value, ordered=False):
        if isinstance(value, dict):
            return {k: norm(v, ordered=k == "@list") for k, v in value.items()}
        if isinstance(value, list):
            items = [norm(v) for v in value]
            # JSON-LD arrays are sets of values, except an @list, which is an RDF list in order.
            return items if ordered else sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return value

    return json.dumps(norm(doc), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def rebased_prefixes(base: str | None) -> dict[str, str]:
    """The canonical prefix map with every towncase namespace moved under ``base``."""
    return {prefix: _move(namespace, base) for prefix, namespace in PREFIXES.items()}


def rebase(graph: Graph, base: str) -> Graph:
    """A copy of ``graph`` with every IRI (and IRI-valued string) under the canonical base moved
    under ``base``, and the canonical prefixes bound to the moved namespaces.

    Raises:
        OutputError: ``base`` does not end with ``/`` or ``#``.
    """
    if not base.endswith(("/", "#")):
        raise OutputError(f"base IRI must end with '/' or '#': {base!r}",
                          hint="e.g. --base https://example.org/towncase/")

    def move(term):
        if isinstance(term, URIRef):
            return URIRef(_move(str(term), base))
        if (isinstance(term, Literal) and term.language is None and term.datatype in (None, XSD.string, XSD.anyURI)
                and str(term).startswith(BASE)):
            return Literal(_move(str(term), base), datatype=term.datatype)
        return term

    moved = bind_prefixes(Graph(), rebased_prefixes(base))
    for s, p, o in graph:
        moved.add((move(s), move(p), move(o)))
    return moved


def _move(iri: str, base: str | None) -> str:
    return base + iri[len(BASE):] if base and iri.startswith(BASE) else iri


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half-written file.
    The file gets the usual permissions (``0666`` less the umask), not ``mkstemp``'s private ``0600``."""
    path = Path(path)
    umask = os.umask(0)
    os.umask(umask)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror}",
                          hint="check that the folder is writable and the disk not full") from err


def export(ds: Dataset, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
           base: str | None = None) -> list[Written]:
    """Write the dataset to ``out_dir``: every named graph in each graph format, and the whole
    dataset in each dataset format.

    Files: ``ontology.<ext>``, ``concepts.<ext>``, ``<case>.<ext>`` for each case graph, and
    ``towncase.trig`` / ``towncase.nq`` with all named graphs.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UnknownNameError("export format", unknown[0], list(FORMATS))
    out_dir = Path(out_dir)
    prefixes = rebased_prefixes(base)
    graphs = {g.identifier: (rebase(g, base) if base else bound_copy(g)) for g in ds.graphs() if len(g)}
    written: list[Written] = []
    for name in sorted(graphs, key=str):
        for fmt in (f for f in formats if f in GRAPH_FORMATS):
            path = out_dir / f"{_stem(name)}.{fmt}"
            write_atomic(path, serialize(graphs[name], fmt, prefixes))
            written.append(Written(path, len(graphs[name])))
    whole = bind_prefixes(Dataset(), prefixes)
    for name in sorted(graphs, key=str):
        target = whole.graph(URIRef(_move(str(name), base)))
        target += graphs[name]
    for fmt in (f for f in formats if f in DATASET_FORMATS):
        path = out_dir / f"towncase.{fmt}"
        write_atomic(path, serialize(whole, fmt, prefixes))
        written.append(Written(path, sum(len(g) for g in graphs.values())))
    return written


def _stem(name) -> str:
    if name == ONTOLOGY_GRAPH:
        return "ontology"
    if name == CONCEPTS_GRAPH:
        return "concepts"
    return str(name)[len(str(GRAPH)):].replace("/", "-").removeprefix("case-")
