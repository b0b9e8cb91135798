"""Export: deterministic serialisations of the dataset, written atomically.

Same input, same bytes: N-Triples/N-Quads lines are sorted, JSON-LD is normalised, TriG is
assembled graph by graph, blank nodes get canonical labels, and no timestamp is written. IRIs
can be rebased from the canonical ``https://w3id.org/towncase/`` to another base for a deployment.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import hashlib
import heapq
import json
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, cast

from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import IdentifiedNode, Node

from . import resources
from .bounded import each_forked
from .errors import OutputError, UnknownNameError, engine_errors
from .namespaces import BASE, CONCEPTS_GRAPH, GRAPH, ONTOLOGY_GRAPH, PREFIXES, bind_prefixes

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
    graph: URIRef | None = None  # the named graph it holds; None for the whole dataset (TriG, N-Quads)


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
    with engine_errors("rdflib's serializer"):
        if fmt in DATASET_FORMATS:
            graphs = graph.graphs() if isinstance(graph, Dataset) else [graph]
            return _dataset_format([(g.identifier, g) for g in graphs if len(g)], fmt, prefixes)
        return Texts(graph, prefixes).file(fmt)


def _dataset_format(named: Sequence[tuple[IdentifiedNode, Graph]], fmt: str, prefixes: dict[str, str]) -> bytes:
    """The graphs, each under its name (a blank node: the default graph), as one TriG or N-Quads file."""
    with DatasetFile(fmt, prefixes) as file:
        for name, graph in sorted(named, key=lambda pair: str(pair[0])):
            file.add(name, graph)
        return b"".join(file.chunks())


class DatasetFile:
    """A TriG or N-Quads file of named graphs written one graph at a time, in order of their names, so that
    only one graph need be in memory: each graph's part goes to temporary files as it is added, and
    :meth:`chunks` gives the file's bytes in the canonical form (TriG: the union of the @prefix lines,
    then a block per graph; N-Quads: every line, sorted, merged from sorted runs). With ``fmt`` ``"ttl"``
    it is the graphs merged into one Turtle file, written as TriG is but without the graphs' names (each
    graph's blank nodes still its own).

    A context manager: the temporary files are gone when it closes.
    """

    #: N-Quads lines held before a sorted run goes to a temporary file (about 40 MB).
    RUN_BYTES = 40 << 20

    def __init__(self, fmt: str, prefixes: dict[str, str], folder: Path | None = None) -> None:
        self.fmt, self.prefixes, self.folder = fmt, prefixes, folder
        self.last: str | None = None
        self.triples = 0
        self.declared: dict[str, None] = {}  # TriG's @prefix lines, in order, once
        self.files = contextlib.ExitStack()
        # TriG's blocks (the temporary files are closed, and so gone, with self.files)
        self.body = self.files.enter_context(tempfile.TemporaryFile(dir=folder))  # noqa: SIM115
        self.runs: list[IO[bytes]] = []  # N-Quads' sorted runs
        self.run: list[bytes] = []
        self.run_bytes = 0

    def __enter__(self) -> DatasetFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.files.close()

    def add(self, name: IdentifiedNode, graph: Graph | Texts) -> None:
        """Add one graph under its name (a blank node: the default graph); names come in sorted order.
        Given as :class:`Texts` (made with this file's prefixes), its serialisations are the ones made for its own files."""
        texts = graph if isinstance(graph, Texts) else Texts(graph, self.prefixes)
        self.add_part(name, len(texts.graph), dataset_part(self.fmt, name, texts))

    def add_part(self, name: IdentifiedNode, triples: int, part: tuple[tuple[str, ...], bytes]) -> None:
        """Add one graph's :func:`dataset_part` (of ``triples`` triples); names come in sorted order."""
        if self.last is not None and str(name) <= self.last:
            raise ValueError(f"graphs must come in order of their names: {name} after {self.last}")
        self.last = str(name)
        self.triples += triples
        declared, body = part
        if self.fmt != "nq":
            self.declared.update(dict.fromkeys(declared))
            self.body.write((b"\n" if self.body.tell() else b"") + body)
            return
        self.run.extend(body.split(b"\n") if body else ())
        self.run_bytes += len(body)
        if self.run_bytes > self.RUN_BYTES:
            self._spill()

    def _spill(self) -> None:
        run = self.files.enter_context(tempfile.TemporaryFile(dir=self.folder))  # noqa: SIM115
        self.runs.append(run)
        run.writelines(line + b"\n" for line in sorted(self.run))
        run.seek(0)
        self.run, self.run_bytes = [], 0

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, in pieces (call once, after the last graph)."""
        if self.fmt != "nq":
            yield ("\n".join(sorted(self.declared)) + "\n\n").encode("utf-8")
            self.body.seek(0)
            yield from iter(lambda: self.body.read(1 << 20), b"")
            return
        if not self.runs:  # all in memory: one sorted list
            yield b"\n".join(sorted(self.run)) + b"\n"
            return
        self._spill()
        yield from heapq.merge(*self.runs)  # each run's lines end in a newline


def dataset_part(fmt: str, name: IdentifiedNode, texts: Texts) -> tuple[tuple[str, ...], bytes]:
    """What a graph adds to a dataset file under its name (a blank node: the default graph): for TriG its
    ``@prefix`` lines and its block; for N-Quads no prefixes and its lines, sorted, without the last line end;
    for Turtle (the graphs merged, see :class:`DatasetFile`) its ``@prefix`` lines and its triples."""
    texts = texts.scoped(_scope(name))
    if fmt == "nq":
        end = " ." if isinstance(name, BNode) else f" <{name}> ."
        return (), b"\n".join(sorted({(line[:-2] + end).encode("utf-8") for line in texts.ntriples}))
    lines = texts.turtle.split("\n")
    header = 0  # the serializer writes its @prefix lines first; later ones may be inside a literal
    while header < len(lines) and lines[header].startswith("@prefix"):
        header += 1
    body = "\n".join(lines[header:]).strip("\n") + "\n"
    if fmt == "trig":
        label = "" if isinstance(name, BNode) else f"<{name}> "  # unnamed: the default graph
        body = f"{label}{{\n{body}}}\n"
    return tuple(lines[:header]), body.encode("utf-8")


#: The graph formats Oxigraph writes for :func:`serialize_inferred` (JSON-LD stays rdflib's, compacted
#: with the project's context).
OXIGRAPH_FORMATS = ("ttl", "nt")


def serialize_inferred(inference, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """What a regime inferred (a :class:`towncase.reason.Inference`) in one of :data:`GRAPH_FORMATS`,
    deterministically, with ``prefixes`` (canonical by default).

    Turtle and N-Triples are written by Oxigraph from the triples in one canonical order (their
    N-Triples text), a hundred times faster than rdflib's writers on a closure of 300,000 triples; the
    same triples give the same bytes whichever store they were inferred from. Oxigraph lower-cases
    language tags; they are written back in BCP 47's case (``@zh-Hans``), as every other output has them.
    JSON-LD, and triples with blank nodes (which need canonical labels), go through :func:`serialize`.

    Raises:
        UnknownNameError: not a graph format.
        EngineError: the serializer failed.
    """
    if fmt not in GRAPH_FORMATS:
        raise UnknownNameError("inference output format", fmt, list(GRAPH_FORMATS))
    if fmt not in OXIGRAPH_FORMATS:
        return serialize(inference.graph, fmt, prefixes)
    import pyoxigraph

    lines = inference.ntriples()
    if b"_:" in lines:  # a blank node (or, rarely, "_:" in a literal: that is written alike)
        return serialize(inference.graph, fmt, prefixes)
    if fmt == "ttl":
        with engine_errors("Oxigraph's serializer"):
            lines = cast(bytes, pyoxigraph.serialize(pyoxigraph.parse(lines, pyoxigraph.RdfFormat.N_TRIPLES),
                                                     format=pyoxigraph.RdfFormat.TURTLE, prefixes=dict(prefixes or PREFIXES)))
    return _BCP47_TAG.sub(_bcp47_tag, lines)


#: A language tag with subtags right after a literal's closing quote; the quote may be an escaped one
#: inside a literal (Oxigraph writes every literal in the short, escaped form, so a quote inside one is
#: \"), which :func:`_bcp47_tag` tells by the backslashes before it. Written to start with the quote,
#: so that the engine scans for it: a look-behind tried at every byte took 1.2 s of 16 at 100 towns.
_BCP47_TAG = re.compile(rb'"@([a-z]+(?:-[a-z0-9]+)+)')


def _bcp47_tag(match: re.Match) -> bytes:
    from .store import bcp47

    text, before = match.string, match.start() - 1
    while before >= 0 and text[before] == 0x5C:  # a backslash
        before -= 1
    if (match.start() - 1 - before) % 2:  # an odd number of them: an escaped quote inside a literal
        return match.group(0)
    return b'"@' + bcp47(match.group(1).decode("ascii")).encode("ascii")


class Texts:
    """One graph's serialisations, each made once when first asked for: an export writes a graph's Turtle
    to its own file and, as a block, to the TriG, and its N-Triples to its own file and, as quads, to the
    N-Quads (rdflib's Turtle writer took half of a case graph's export time).

    The graph is copied with ``prefixes`` bound and its blank nodes (if any) labelled canonically. In a
    dataset format a blank-node label names one node across the whole file, so each graph's labels
    there carry a ``scope`` of their own: two graphs' first blank nodes never share a label.
    """

    def __init__(self, graph: Graph, prefixes: dict[str, str], scope: str = "") -> None:
        self.source, self.prefixes = graph, prefixes
        self.blank = any(isinstance(t, BNode) for triple in graph for t in triple)
        self.graph = bind_prefixes(Graph(), prefixes)
        if not self.blank:
            self.graph += graph
            return
        for s, p, o in to_canonical_graph(graph):
            self.graph.add((_scoped(s, scope), p, _scoped(o, scope)))

    def scoped(self, scope: str) -> Texts:
        """These texts with blank nodes labelled in ``scope``: themselves when the graph has none."""
        return Texts(self.source, self.prefixes, scope) if self.blank else self

    @functools.cached_property
    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    @functools.cached_property
    def ntriples(self) -> list[str]:
        """The N-Triples lines, unsorted, without their line ends."""
        return [line for line in self.graph.serialize(format="nt").split("\n") if line.endswith(" .")]

    def file(self, fmt: str) -> bytes:
        """The graph's file in one of :data:`GRAPH_FORMATS`."""
        if fmt == "jsonld":
            text = self.graph.serialize(format="json-ld", context=dict(self.prefixes), auto_compact=True)
            return _normalise_jsonld(text).encode("utf-8")
        if fmt == "nt":
            return ("\n".join(sorted(set(self.ntriples))) + "\n").encode("utf-8")
        return self.turtle.encode("utf-8")


def _scoped(term, scope: str):
    return BNode(scope + term) if scope and isinstance(term, BNode) else term


def _scope(name: IdentifiedNode) -> str:
    """A blank-node label prefix of a named graph's own (from a digest of its name)."""
    return "g" + hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:8]


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


def turtle_by_content(graph: Graph, prefixes: dict[str, str] | None = None) -> bytes:
    """Turtle of a graph whose blank nodes nest without cycles (a SHACL report: its results, their paths and
    details), the same bytes every run, in time linear in the graph.

    Each blank node is labelled by a digest of what it describes (its predicates and objects, a nested blank
    node by its own digest), so the writer sorts them alike in every run; blank nodes that describe the same
    are told apart by a number (they print alike). rdflib's canonical labelling, which :func:`serialize` uses,
    took over ten minutes for a report of 67,000 triples; it is still used when the blank nodes form a cycle.
    """
    described: dict[BNode, list[tuple]] = {}
    for s, p, o in graph:
        if isinstance(s, BNode):
            described.setdefault(s, []).append((p, o))
    digests: dict[BNode, str] = {}
    for start in described:
        if start in digests:
            continue
        pending, path = [(start, False)], set()  # depth first; a node is digested after what it holds
        while pending:
            node, ready = pending.pop()
            if ready:
                path.discard(node)
                text = "\n".join(sorted(f"{p.n3()} {'_:' + digests[o] if isinstance(o, BNode) else o.n3()}"
                                        for p, o in described.get(node, ())))
                digests[node] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
                continue
            if node in digests:
                continue
            if node in path:  # a cycle: no digest of content can start it
                return serialize(graph, "ttl", prefixes)
            path.add(node)
            pending.append((node, True))
            pending.extend((o, False) for _, o in described.get(node, ()) if isinstance(o, BNode) and o not in digests)
    for node in {o for o in graph.objects() if isinstance(o, BNode)} - digests.keys():  # describes nothing
        digests[node] = hashlib.sha256(b"").hexdigest()[:20]
    seen: dict[str, int] = {}
    labels: dict[Node, Node] = {}
    for node, digest in sorted(digests.items(), key=lambda item: item[1]):
        seen[digest] = seen.get(digest, 0) + 1
        labels[node] = BNode(f"b{digest}" if seen[digest] == 1 else f"b{digest}n{seen[digest]}")
    copy = bind_prefixes(Graph(), prefixes or PREFIXES)
    for s, p, o in graph:
        copy.add((labels.get(s, s), p, labels.get(o, o)))
    with engine_errors("rdflib's serializer"):
        return copy.serialize(format="turtle", encoding="utf-8")


def rebased_prefixes(base: str | None) -> dict[str, str]:
    """The canonical prefix map with every towncase namespace moved under ``base``."""
    return {prefix: _move(namespace, base) for prefix, namespace in PREFIXES.items()}


def rebase(graph: Graph, base: str) -> Graph:
    """A copy of ``graph`` with every IRI (and IRI-valued string) under the canonical base moved
    under ``base``, and the canonical prefixes bound to the moved namespaces.

    Raises:
        OutputError: ``base`` is not an absolute ``http(s)`` IRI ending with ``/`` or ``#``.
    """
    check_base(base)

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


_BASE = re.compile(r"https?://[^/?#\x00-\x20<>\"{}|^`\\]+(/[^\x00-\x20<>\"{}|^`\\]*)?")


def check_base(base: str) -> None:
    """A base IRI for a published export: absolute ``http`` or ``https`` with a host, no character
    an IRI forbids, ending with ``/`` or ``#`` (``file:``, ``javascript:``, relative IRIs are refused).

    Raises:
        OutputError: it is not.
    """
    hint = "e.g. --base https://example.org/towncase/"
    if not _BASE.fullmatch(base):
        raise OutputError(f"base IRI {base!r} is not an absolute http(s) IRI with a host and no spaces, "
                          "quotes, <>, {}, |, ^, ` or \\", hint=hint)
    if not base.endswith(("/", "#")):
        raise OutputError(f"base IRI must end with '/' or '#': {base!r}", hint=hint)


def _move(iri: str, base: str | None) -> str:
    return base + iri[len(BASE):] if base and iri.startswith(BASE) else iri


def check_output(path: Path, inputs: Iterable[Path] = (), force: bool = False) -> None:
    """Refuse an output path that would overwrite what towncase reads, unless ``force``.

    Refused: a path inside (or equal to) one of the project's artefact folders (``ontology/``,
    ``data/``, ``shapes/``, ``queries/`` of the installed package and of a source checkout), inside a
    folder of ``inputs`` (e.g. the user's case folders), or equal to a file of ``inputs``.

    Args:
        path: the output file or folder.
        inputs: the files and folders the command reads.
        force: write anyway (the user said ``--force``).

    Raises:
        OutputError: the path is refused.
    """
    if force:
        return
    target = Path(path).resolve()
    folders = [(folder, "the project's own artefact folder") for folder in resources.protected_dirs()]
    for given in inputs:
        given = Path(given)
        if given.is_dir():
            folders.append((given, "an input folder"))
        elif target == given.resolve():
            raise OutputError(f"{path} is an input of this command; writing there would replace it",
                              hint="write somewhere else, or add --force if you really mean to replace it")
    for folder, what in folders:
        folder = folder.resolve()
        if target == folder or folder in target.parents:
            raise OutputError(f"{path} is inside {folder}, {what}; writing there would change what "
                              "towncase reads", hint="write somewhere else (e.g. towncase-export/), "
                                                     "or add --force if you really mean it")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is always either the old file or the new one.

    The bytes go to a temporary file in the same folder, are flushed to disk, and replace ``path``
    by a rename. On Linux the temporary file has no name until it is complete (``O_TMPFILE``), so
    even a ``SIGKILL`` leaves nothing behind; elsewhere, a named temporary file is removed on any
    error or Ctrl-C, and one left by a killed process is removed by the next write. A new file gets
    the usual permissions (``0666`` less the umask), a replaced file keeps its own; a read-only file
    is refused, never silently replaced.

    Raises:
        OutputError: the path is a folder or read-only, or the write failed (e.g. the disk is full);
            the previous file is left as it was.
    """
    commit([stage(path, data)])


@dataclass
class Staged:
    """A file written in full beside its ``path`` but not yet in its place (see :func:`stage`): an
    unnamed file still open (``fd``), or a named temporary file (``tmp``)."""

    path: Path
    fd: int | None = None
    tmp: Path | None = None


def stage(path: Path, data: bytes | Iterable[bytes], unnamed: bool = True) -> Staged:
    """Write ``data`` (bytes, or its pieces) to a temporary file beside ``path``, synced to disk, for :func:`commit` to rename
    into place (with others: an export stages every file before the first replaces an old one).
    ``unnamed=False`` (or a system without ``O_TMPFILE``) writes a named temporary file, which holds no
    file descriptor until the commit.

    Raises:
        OutputError: as :func:`write_atomic`; nothing is left behind.
    """
    path = Path(path)
    mode = _mode_for(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale(path)
        fd = _open_unnamed(path.parent, mode) if unnamed else None
        if fd is not None:
            try:
                _write_all(fd, data, mode)
            except BaseException:
                os.close(fd)
                raise
            return Staged(path, fd=fd)
        tmp = _temp_name(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                _write_all(fd, data, mode)
            finally:
                os.close(fd)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return Staged(path, tmp=tmp)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror}; the previous file is unchanged",
                          hint="check that the folder is writable and the disk not full") from err


def commit(staged: list[Staged]) -> None:
    """Rename staged files into place, in order, and make the renames durable; whatever happens, no
    temporary file of theirs is left behind.

    Raises:
        OutputError: a rename failed; the files before it are in place, the others unchanged.
    """
    try:
        for file in staged:
            if file.fd is not None:  # named only now, and renamed at once
                tmp = _temp_name(file.path)
                try:
                    _link(file.fd, tmp)
                finally:
                    os.close(file.fd)
                    file.fd = None
                file.tmp = tmp
            if file.tmp is not None:
                os.replace(file.tmp, file.path)
                file.tmp = None
        for folder in sorted({file.path.parent for file in staged}):
            _sync_folder(folder)
    except OSError as err:
        raise OutputError(f"{err.filename or 'an output file'}: cannot write: {err.strerror}",
                          hint="check that the folder is writable and the disk not full") from err
    finally:
        discard(staged)


def discard(staged: list[Staged]) -> None:
    """Drop staged files that were not committed (their old files stay as they were)."""
    for file in staged:
        if file.fd is not None:
            os.close(file.fd)
            file.fd = None
        if file.tmp is not None:
            _unlink_quietly(file.tmp)
            file.tmp = None


def _mode_for(path: Path) -> int:
    """The permissions ``path`` gets: its own if it exists, else ``0666`` less the umask.

    Raises:
        OutputError: the path is a folder or read-only, or cannot be examined.
    """
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror}", hint="check the path") from err
    if stat.S_ISDIR(existing.st_mode):
        raise OutputError(f"{path} is a folder", hint="give a file name")
    if not existing.st_mode & 0o222:
        raise OutputError(f"{path} is read-only; towncase does not replace it",
                          hint="remove it, make it writable (chmod u+w), or write somewhere else")
    return stat.S_IMODE(existing.st_mode)


def _open_unnamed(folder: Path, mode: int) -> int | None:
    """An ``O_TMPFILE`` (Linux) in ``folder``, to be named once complete; None where the system or the
    file system cannot (checked once per file system, before any byte is written)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    device = os.stat(folder).st_dev
    if device not in _UNNAMED_WORKS:
        _UNNAMED_WORKS[device] = _try_unnamed(folder, flag)
    if not _UNNAMED_WORKS[device]:
        return None
    return os.open(folder, flag | os.O_WRONLY, mode)


#: file system (device) → whether an ``O_TMPFILE`` can be created and given a name there.
_UNNAMED_WORKS: dict[int, bool] = {}


def _try_unnamed(folder: Path, flag: int) -> bool:
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False
    probe = folder / f".towncase-probe.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        _link(fd, probe)
    except OSError:
        return False
    finally:
        os.close(fd)
    _unlink_quietly(probe)
    return True


def _link(fd: int, name: Path) -> None:
    """Give the unnamed file ``fd`` a name: through ``/proc/self/fd`` (any user), else ``linkat``
    with ``AT_EMPTY_PATH`` (which some kernels and sandboxes need; it takes CAP_DAC_READ_SEARCH)."""
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return
    except OSError as err:
        first = err
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_empty_path = -100, 0x1000
    if libc.linkat(fd, b"", at_fdcwd, os.fsencode(name), at_empty_path) != 0:
        raise first


def _write_all(fd: int, data: bytes | Iterable[bytes], mode: int) -> None:
    for piece in [data] if isinstance(data, bytes) else data:
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view):]
    os.fchmod(fd, mode)
    os.fsync(fd)


def _temp_name(path: Path) -> Path:
    """``.<name>.<pid>.<random>.tmp`` beside ``path``: the pid tells a later write whether its
    writer is gone."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _sweep_stale(path: Path) -> None:
    """Remove temporary files of ``path`` left by a writer that was killed (its process is gone)."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            _unlink_quietly(tmp)


def process_alive(pid: int) -> bool:
    """Whether a process of that id exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where a folder can be opened and synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def export(ds: Dataset, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
           base: str | None = None) -> list[Written]:
    """Write the dataset to ``out_dir``: every named graph in each graph format, and the whole
    dataset in each dataset format (see :func:`export_graphs`)."""
    return export_graphs(readers(ds), out_dir, formats, base)


def readers(ds: Dataset) -> list[tuple[IdentifiedNode, Callable[[], Graph]]]:
    """(name, reader) for each named graph of ``ds``, as :func:`export_graphs` takes them."""
    return [(g.identifier, functools.partial(_itself, g)) for g in ds.graphs()]


def _itself(graph: Graph) -> Graph:
    return graph


class Survey(Protocol):
    """What a caller of :func:`export_graphs` learns from each graph while the export holds it (its
    statistics, say), so that nothing need read the graphs again."""

    def look(self, name: IdentifiedNode, graph: Graph) -> object:
        """What to keep of one non-empty graph (its name and triples as read, not rebased); called where the
        graph is serialised, perhaps a worker process, so what it returns must pickle."""

    def take(self, name: IdentifiedNode, found: object) -> None:
        """Keep what :meth:`look` found in the graph ``name``; called here, in order of the graphs' names."""


def export_graphs(graphs: Iterable[tuple[IdentifiedNode, Callable[[], Graph]]], out_dir: Path,
                  formats: tuple[str, ...] = DEFAULT_FORMATS, base: str | None = None,
                  progress: Callable[[str], None] = lambda message: None,
                  survey: Survey | None = None) -> list[Written]:
    """Write named graphs to ``out_dir``: each in each graph format, and all of them in each dataset format.
    Each graph is read (its function called) when its turn comes and let go before the next, so an
    export holds one graph in memory, not the dataset (one per worker process when there are
    :data:`POOL_FROM` graphs or more); empty graphs are left out. A ``survey`` looks at each graph meanwhile.

    Files: ``ontology.<ext>``, ``concepts.<ext>``, ``<case>.<ext>`` for each case graph, and
    ``towncase.trig`` / ``towncase.nq`` with all named graphs; the list of them in order of the graphs'
    names, then the dataset files. ``progress`` is called at every tenth graph and the last.

    Raises:
        UnknownNameError: a format is not one of :data:`FORMATS`.
        OutputError: ``base`` is not a usable base IRI, or a file cannot be written (none is changed then).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UnknownNameError("export format", unknown[0], list(FORMATS))
    out_dir = Path(out_dir)
    if base is not None:
        check_base(base)
    prefixes = rebased_prefixes(base)
    # In order of the names as written (TriG's blocks follow it); the files are listed by the names read.
    named = sorted(((URIRef(_move(str(name), base)), name, read) for name, read in graphs), key=lambda t: str(t[0]))
    held = _unnamed_budget(len(named) * len(formats))
    # One file at a time is serialised and staged beside its place; none replaces an old file before
    # all are staged, so a failure leaves the folder as it was, never half old and half new.
    files: list[tuple[str, Written, Staged]] = []  # (the name read, what, where)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        whole = {fmt: DatasetFile(fmt, prefixes, out_dir) for fmt in formats if fmt in DATASET_FORMATS}
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot write: {err.strerror}", hint="check that the folder is writable") from err
    each = _serialised(named, formats, prefixes, base, survey)  # closed in the end: its workers stop
    try:
        for number, ((moved, name, _), done) in enumerate(zip(named, each, strict=True), 1):
            if number % 10 == 0 or number == len(named):
                progress(f"  writing graph {number:,} of {len(named):,} …")
            if done is None:  # an empty graph
                continue
            if survey is not None:
                survey.take(name, done.found)
            for fmt, data in done.files.items():
                written = Written(out_dir / f"{_stem(name)}.{fmt}", done.triples, moved)
                files.append((str(name), written, stage(written.path, data, unnamed=len(files) < held)))
            for fmt, part in done.parts.items():
                whole[fmt].add_part(moved, done.triples, part)
            del done
        files.sort(key=lambda file: file[0])  # stable: each graph's formats stay in order
        for fmt, writer in whole.items():
            written = Written(out_dir / f"towncase.{fmt}", writer.triples)
            files.append(("", written, stage(written.path, writer.chunks(), unnamed=len(files) < held)))
    except BaseException:
        discard([file for _, _, file in files])
        raise
    finally:
        each.close()
        for writer in whole.values():
            writer.close()
    commit([file for _, _, file in files])
    return [done for _, done, _ in files]


@dataclass(frozen=True)
class Serialised:
    """One graph, serialised for an export: its own files and its parts of the dataset files."""

    triples: int
    files: dict[str, bytes]  # graph format → the graph's file
    parts: dict[str, tuple[tuple[str, ...], bytes]]  # dataset format → its :func:`dataset_part`
    found: object = None  # what a :class:`Survey` looked for in it


def serialised(moved: IdentifiedNode, read: Callable[[], Graph], formats: tuple[str, ...], prefixes: dict[str, str],
               base: str | None, look: Callable[[Graph], object] | None = None) -> Serialised | None:
    """The graph ``read`` gives, named ``moved`` (its name rebased), in ``formats``, and what ``look`` finds in
    it as read; None when it is empty."""
    graph = read()
    if not len(graph):
        return None
    found = look(graph) if look is not None else None
    graph = rebase(graph, base) if base else graph
    with engine_errors("rdflib's serializer"):
        texts = Texts(graph, prefixes)
        return Serialised(len(graph), {fmt: texts.file(fmt) for fmt in formats if fmt in GRAPH_FORMATS},
                          {fmt: dataset_part(fmt, moved, texts) for fmt in formats if fmt in DATASET_FORMATS},
                          found)


#: From this many graphs on, an export serialises them in worker processes, one per core (rdflib's
#: writers take about 0.6 CPU s for a case graph); fewer are serialised in this process, where starting
#: the workers would cost more than it saves.
POOL_FROM = 8


def _serialised(named: list[tuple[URIRef, IdentifiedNode, Callable[[], Graph]]], formats: tuple[str, ...],
                prefixes: dict[str, str], base: str | None,
                survey: Survey | None = None) -> Generator[Serialised | None, None, None]:
    """:func:`serialised` for each graph, in order: here, or in worker processes forked after ``named`` is
    made, so that its readers (closures, partials) are inherited rather than pickled; a worker's error is
    raised here, and the graphs not yet begun are then dropped."""
    jobs = (os.cpu_count() or 1) if len(named) >= POOL_FROM else 1
    yield from each_forked(functools.partial(_serialised_of, named, formats, prefixes, base, survey), len(named), jobs,
                           "the export")


def _serialised_of(named: list[tuple[URIRef, IdentifiedNode, Callable[[], Graph]]], formats: tuple[str, ...],
                   prefixes: dict[str, str], base: str | None, survey: Survey | None, index: int) -> Serialised | None:
    moved, name, read = named[index]
    look = functools.partial(survey.look, name) if survey is not None else None
    return serialised(moved, read, formats, prefixes, base, look)


def _unnamed_budget(files: int) -> int:
    """How many staged files may stay open unnamed (``O_TMPFILE``) until the commit: the soft limit on open
    files is raised towards the hard one as far as ``files`` need; the rest are staged as named temporary
    files (which a ``SIGKILL`` can leave behind, for the next write to sweep)."""
    try:
        import resource
    except ImportError:
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = files + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return files if soft == resource.RLIM_INFINITY else max(0, min(files, soft - 256))


def _stem(name) -> str:
    if name == ONTOLOGY_GRAPH:
        return "ontology"
    if name == CONCEPTS_GRAPH:
        return "concepts"
    return str(name)[len(str(GRAPH)):].replace("/", "-").removeprefix("case-")
