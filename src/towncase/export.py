"""Export: deterministic serialisations of the dataset, written atomically.

Same input, same bytes: N-Triples/N-Quads lines are sorted, JSON-LD is normalised, and no
timestamp is written. IRIs can be rebased from the canonical ``https://w3id.org/towncase/`` to
another base for a deployment.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .errors import OutputError, UnknownNameError
from .namespaces import BASE, CONCEPTS_GRAPH, GRAPH, ONTOLOGY_GRAPH, PREFIXES, bind_prefixes

#: file suffix → rdflib serializer, for graphs (one per case) …
GRAPH_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
#: … and for the whole dataset of named graphs.
DATASET_FORMATS = {"trig": "trig", "nq": "nquads"}


@dataclass(frozen=True)
class Written:
    """One file an export wrote."""

    path: Path
    triples: int


def serialize(graph: Graph | Dataset, fmt: str) -> bytes:
    """Serialise deterministically in one of :data:`GRAPH_FORMATS` or :data:`DATASET_FORMATS`."""
    formats = {**GRAPH_FORMATS, **DATASET_FORMATS}
    if fmt not in formats:
        raise UnknownNameError("export format", fmt, list(formats))
    rdflib_format = formats[fmt]
    if rdflib_format == "json-ld":
        text = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
        return _normalise_jsonld(text).encode("utf-8")
    if rdflib_format == "trig":
        return _trig(graph).encode("utf-8")
    data = graph.serialize(format=rdflib_format, encoding="utf-8")
    if rdflib_format in ("nt", "nquads"):
        lines = sorted(set(line for line in data.decode("utf-8").splitlines() if line.strip()))
        return ("\n".join(lines) + "\n").encode("utf-8")
    return data


def _trig(ds: Dataset) -> str:
    """TriG with the named graphs in order of their names, each block written by the (ordered)
    Turtle serializer; rdflib's own TriG writer follows store order, which varies between runs."""
    prefixes, blocks = {}, []
    for graph in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        turtle = bind_prefixes(_plain(graph)).serialize(format="turtle")
        body = []
        for line in turtle.splitlines():
            if line.startswith("@prefix"):
                prefixes[line] = None
            elif line.strip():
                body.append("    " + line)
            else:
                body.append("")
        blocks.append(f"<{graph.identifier}> {{\n" + "\n".join(body).strip("\n") + "\n}\n")
    return "\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)


def _normalise_jsonld(text: str) -> str:
    doc = json.loads(text)

    def norm(value):
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((norm(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return value

    return json.dumps(norm(doc), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def rebase(graph: Graph, base: str) -> Graph:
    """A copy of ``graph`` with every IRI under the canonical base moved under ``base``."""
    if not base.endswith(("/", "#")):
        raise OutputError(f"base IRI must end with '/' or '#': {base!r}",
                          hint="e.g. --base https://example.org/towncase/")

    def move(term):
        if isinstance(term, URIRef) and str(term).startswith(BASE):
            return URIRef(base + str(term)[len(BASE):])
        return term

    moved = Graph()
    for prefix, namespace in PREFIXES.items():
        moved.bind(prefix, move(URIRef(namespace)), override=True, replace=True)
    for s, p, o in graph:
        moved.add((move(s), move(p), move(o)))
    return moved


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half-written file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror}",
                          hint="check that the folder is writable and the disk not full") from err


def export(ds: Dataset, out_dir: Path, formats: tuple[str, ...] = ("ttl", "nt", "jsonld", "trig", "nq"),
           base: str | None = None) -> list[Written]:
    """Write the dataset to ``out_dir``: every named graph in each graph format, and the whole
    dataset in each dataset format.

    Files: ``ontology.<ext>``, ``concepts.<ext>``, ``<case>.<ext>`` for each case graph, and
    ``towncase.trig`` / ``towncase.nq`` with all named graphs.
    """
    unknown = [f for f in formats if f not in GRAPH_FORMATS and f not in DATASET_FORMATS]
    if unknown:
        raise UnknownNameError("export format", unknown[0], [*GRAPH_FORMATS, *DATASET_FORMATS])
    out_dir = Path(out_dir)
    written: list[Written] = []
    graphs = {g.identifier: g for g in ds.graphs() if len(g)}
    moved = {name: bind_prefixes(rebase(g, base)) if base else bind_prefixes(_plain(g))
             for name, g in graphs.items()}
    for name in sorted(moved, key=str):
        stem = _stem(name)
        for fmt in formats:
            if fmt in GRAPH_FORMATS:
                path = out_dir / f"{stem}.{fmt}"
                write_atomic(path, serialize(moved[name], fmt))
                written.append(Written(path, len(moved[name])))
    whole = Dataset()
    bind_prefixes(whole)
    for name in sorted(moved, key=str):
        target = whole.graph(URIRef(_move_iri(str(name), base)))
        target += moved[name]
    for fmt in formats:
        if fmt in DATASET_FORMATS:
            path = out_dir / f"towncase.{fmt}"
            write_atomic(path, serialize(whole, fmt))
            written.append(Written(path, sum(len(g) for g in moved.values())))
    return written


def _plain(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


def _move_iri(iri: str, base: str | None) -> str:
    return base + iri[len(BASE):] if base and iri.startswith(BASE) else iri


def _stem(name) -> str:
    if name == ONTOLOGY_GRAPH:
        return "ontology"
    if name == CONCEPTS_GRAPH:
        return "concepts"
    return str(name)[len(str(GRAPH)):].replace("/", "-").removeprefix("case-")
