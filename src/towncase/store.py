"""The store: the one seam that loading and querying go through, with two engines behind it.

- ``rdflib``: the in-memory rdflib :class:`~rdflib.Dataset` of :func:`towncase.load.dataset`, every
  file parsed by rdflib on every run; what packaging, publishing, comparing and link suggestions read,
  and a second engine on request.
- ``oxigraph``: an embedded on-disk Oxigraph store (pyoxigraph), loaded once from the files by
  Oxigraph's own strict parser and kept in the cache (:mod:`towncase.cache`) under the hash of every
  input file, so the next run opens it in a fraction of a second; any change to any file is a new
  key, so it is never stale.
- ``auto`` (the default): ``oxigraph``. Even the first run on the small shipped data (building the
  store) is faster than rdflib's parse, and the two print the same (numbers in canonical form on both,
  :func:`towncase.render.canonical_number`).

Both answer every stored query with the same rows (a test runs the whole catalogue on both). Two
differences are Oxigraph's and are undone on the way out: it keeps language tags lower-cased (towncase
gives them back in BCP 47's recommended case, ``zh-Hans``), and it keeps numbers in canonical form
(``176.430`` comes back as ``176.43``: the same value), the form towncase prints from rdflib too.
Parameters are bound as typed terms on both: rdflib's ``initBindings``; on Oxigraph, the query's own
text (a stored query's or the user's) with each typed term written in place of its variable
(:func:`towncase.query.written_in`, as for a store reached over the SPARQL Protocol).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import bounded, cache, catalogue, resources
from .errors import UnknownNameError, engine_errors
from .prefixes import PREFIXES

if TYPE_CHECKING:
    from rdflib import Dataset, Graph, URIRef
    from rdflib.term import Node

    from .load import Corpus

# rdflib is imported where rdflib is used: a stored query on a built Oxigraph store needs none
# (:func:`answer`, tests/test_startup.py).

STORES = ("auto", "rdflib", "oxigraph")
#: The file in an Oxigraph cache entry that records the triples per named graph.
SIZES_FILE = "towncase-graphs.json"
#: The files in an Oxigraph cache entry that hold its triples as numbers (:class:`Encoded`).
TERMS_FILE, CODES_FILE = "towncase-terms.nt", "towncase-triples.npy"
#: The version of what an Oxigraph cache entry holds, in its key: a new one builds every entry again.
ENTRY_FORMAT = "2"  # 2: the triples as numbers beside the store


def choose(kind: str) -> str:
    """The engine ``kind`` (``auto``, ``rdflib`` or ``oxigraph``) means: ``auto`` is Oxigraph.

    Raises:
        UnknownNameError: not a known store.
    """
    if kind not in STORES:
        raise UnknownNameError("store", kind, list(STORES))
    return "oxigraph" if kind == "auto" else kind


def open_store(data: Corpus | None = None, kind: str = "auto", progress: Callable[[str], None] | None = None) -> Store:
    """The corpus in the store ``kind`` names (see :func:`choose`); ``progress`` is told when an Oxigraph
    store is built (not when it is reopened from the cache).

    Raises:
        InputError: a file is missing or does not parse, or an entity is minted by two graphs.
        UnknownNameError: not a known store.
    """
    data = data or resources.corpus()
    if choose(kind) == "rdflib":
        from . import load

        return RdflibStore(load.dataset(data))
    return OxigraphStore.load(data, progress)


def of(source: Graph | Store) -> Store:
    """A store for ``source``: itself, or an rdflib graph or dataset behind the seam."""
    return source if isinstance(source, Store) else RdflibStore(cast("Dataset", source))  # a Graph queries alike


class Store:
    """What loading gives and querying reads.

    Attributes:
        kind: ``rdflib`` or ``oxigraph``.
        view: the graph API (``objects``, ``subjects``, ``transitive_subjects``, ``in``) over the union
            of the named graphs, for look-ups (labels, a parameter's class).
    """

    kind: str = ""

    @property
    def view(self) -> Any:
        """The graph API over the union of the named graphs (see the class docstring)."""
        raise NotImplementedError  # every store below implements it

    def answer(self, query, bindings: Mapping[str, Node], limits):
        """Run a query (:class:`towncase.query.StoredQuery`) with typed bindings, bounded by ``limits``
        (:class:`towncase.query.QueryLimits`); a :class:`towncase.query.BoundedResult`."""
        raise NotImplementedError  # every store below implements it

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph."""
        raise NotImplementedError

    def dataset(self) -> Dataset:
        """The named graphs as an rdflib dataset (for the stages that need rdflib: reasoning, export)."""
        raise NotImplementedError

    def triples(self) -> Iterator[tuple]:
        """Every triple of every named graph (a triple in two graphs comes twice)."""
        raise NotImplementedError

    def select(self, text: str) -> Iterator[tuple]:
        """The rows of one of towncase's own SELECT queries (no parameters, no limits; it names its
        graphs with ``GRAPH``), as tuples of rdflib terms in the order of its columns."""
        raise NotImplementedError

    def closure(self, regime: str, limits: bounded.ReasonLimits | None = None,
                progress: Callable[[str], None] | None = None) -> Store:
        """A store of the same named graphs and, in :func:`towncase.reason.inferred_graph`, what ``regime``
        infers from them (:func:`towncase.reason.closure_dataset`); this store itself for ``none``.
        ``progress`` is told when the closure is computed.

        Raises:
            UnknownNameError: the regime is not known.
            LimitError: the closure reached a limit.
        """
        if regime == "none":
            return self
        from . import reason

        if progress:
            progress(f"computing the {regime} closure …")
        return RdflibStore(reason.closure_dataset(self.dataset(), regime, limits))


@dataclass
class RdflibStore(Store):
    """An rdflib dataset (its default graph the union of the named graphs)."""

    ds: Dataset
    kind: str = "rdflib"

    @property
    def view(self) -> Dataset:
        return self.ds

    def answer(self, query, bindings, limits):
        from . import query as query_stage

        return query_stage.run(self.ds, query, bindings, limits)

    def graph_sizes(self) -> dict[URIRef, int]:
        return {cast("URIRef", g.identifier): len(g) for g in self.ds.graphs() if len(g)}

    def dataset(self) -> Dataset:
        return self.ds

    def triples(self) -> Iterator[tuple]:
        for graph in self.ds.graphs():
            yield from graph

    def select(self, text: str) -> Iterator[tuple]:
        with engine_errors("rdflib's SPARQL engine"):
            yield from (tuple(cast("Iterable", row)) for row in self.ds.query(text))


@dataclass
class OxigraphStore(Store):
    """An Oxigraph store holding one named graph per part (ontology, concepts, reference, each case)."""

    store: Any  # pyoxigraph.Store
    sizes: dict[str, int] = field(default_factory=dict)
    path: Path | None = None
    kind: str = "oxigraph"
    table: Encoded | None = field(default=None, repr=False, compare=False)

    @property
    def view(self) -> OxigraphView:
        return OxigraphView(self.store)

    @classmethod
    def load(cls, data: Corpus, progress: Callable[[str], None] | None = None) -> OxigraphStore:
        """The corpus from the cache, or parsed into a new cache entry (in memory when the cache
        folder cannot be written); ``progress`` is told when it is parsed.

        Raises:
            InputError: a file is missing or does not parse, or an entity is minted by two graphs.
        """
        import pyoxigraph

        parts = resources.parts(data)
        root = cache.root(data.roots)
        key = cache.digest(parts, "pyoxigraph", pyoxigraph.__version__, ENTRY_FORMAT, memo=root)

        def loading() -> None:
            if progress:
                progress(f"loading {sum(len(files) for _, files in parts):,} files into the Oxigraph store …")

        def build(folder: Path) -> None:
            loading()
            _build(pyoxigraph.Store(str(folder)), folder, data)

        try:
            entry = cache.folder_entry(root / "stores", key, build)
        except OSError:
            loading()
            memory = pyoxigraph.Store()
            sizes, encoded = _fill(memory, data)
            return cls(memory, sizes, table=encoded)
        sizes = json.loads((entry / SIZES_FILE).read_text(encoding="utf-8"))
        return cls(pyoxigraph.Store.read_only(str(entry)), sizes, entry)

    def encoded(self) -> Encoded:
        """The store's triples as numbers (:class:`Encoded`): kept beside a store the cache built, read out
        of any other store, or where what is kept cannot be read (at 22 µs a triple)."""
        if self.table is None and self.path is not None:
            self.table = Encoded.read(self.path)
        if self.table is None:
            self.table = Encoded.of(self.store)
        return self.table

    def answer(self, query, bindings, limits):
        from . import query as query_stage

        # Every query keeps its own text, each parameter written in place of its variable (see :meth:`rows`).
        if query.stored:
            got = self.rows(query, bindings, limits)
        else:  # the columns of SELECT * in order of first appearance, as on rdflib (towncase.query.from_text)
            names = [str(v) for v in query.prepared.algebra.get("PV") or []] if query.form == "SELECT" else []
            got = self._run(query, catalogue.written_in(query, bindings), names, limits)
        rows = [tuple(None if t is None else rdflib_term(t) for t in row) for row in got.rows]
        return query_stage.result(got.form, got.names, rows, got.ask, got.truncated, got.limit)

    def rows(self, query: catalogue.StoredQuery, bindings: Mapping[str, Any], limits: bounded.QueryLimits) -> Answer:
        """A stored query's answer as pyoxigraph terms, with typed ``bindings`` (rdflib or pyoxigraph
        terms) written in place of their variables, bounded by ``limits``.

        The query keeps its own text, each parameter written in place of its variable (as for a store
        reached over the SPARQL Protocol, :func:`towncase.catalogue.written_in`): Oxigraph's optimiser
        then sees the groups as written (a text written back from rdflib's algebra nests every operator
        in a group of its own, which took minutes where this takes a second; at 1,000 towns a copy of
        ``entities-in-several-cases`` run as one's own file, ``lang`` bound, gave no answer in 400 s that way, 40 s so).
        """
        return self._run(query, catalogue.written_in(query, bindings), [], limits)

    def _run(self, query: catalogue.StoredQuery, text: str, names: list[str], limits: bounded.QueryLimits) -> Answer:
        form, names, rows, ask, truncated = bounded.run(
            oxigraph_rows, (self.store, text, query.form, names, query.lang_columns, limits.max_rows), limits,
            doing=f"query {query.name}")
        return Answer(form, names, rows, ask, truncated, limits.max_rows)

    def bind(self, query: catalogue.StoredQuery, values: Mapping[str, str] | None, lang: str) -> dict[str, Any]:
        """Typed pyoxigraph terms for a query's parameters (:func:`towncase.catalogue.typed`), each IRI
        of a parameter with a class or scheme checked against the store."""
        import pyoxigraph

        typed = catalogue.typed(query, values, lang)

        def quads(s, p, o):
            return self.store.quads_for_pattern(*(None if t is None else pyoxigraph.NamedNode(t) for t in (s, p, o)))

        catalogue.check_members(query, typed, lambda p, o: {q.subject.value for q in quads(None, p, o)
                                                           if isinstance(q.subject, pyoxigraph.NamedNode)},
                                lambda s, p, o: next(iter(quads(s, p, o)), None) is not None)
        return {name: oxigraph_value(value) for name, value in typed.items()}

    def graph_sizes(self) -> dict[URIRef, int]:
        from rdflib import URIRef

        return {URIRef(k): v for k, v in self.sizes.items()}

    def dataset(self) -> Dataset:
        from rdflib import Dataset, URIRef

        ds = Dataset(default_union=True)
        for quad in self.store:
            ds.graph(URIRef(quad.graph_name.value)).add((rdflib_term(quad.subject), rdflib_term(quad.predicate),
                                                        rdflib_term(quad.object)))
        return ds

    def triples(self) -> Iterator[tuple]:
        for quad in self.store:
            yield rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)

    def select(self, text: str) -> Iterator[tuple]:
        with engine_errors("Oxigraph's SPARQL engine"):
            rows = self.store.query(text)
            yield from (tuple(rdflib_term(term) for term in row) for row in rows)

    def closure(self, regime: str, limits: bounded.ReasonLimits | None = None,
                progress: Callable[[str], None] | None = None) -> Store:
        """The RDFS closure (:meth:`Store.closure`) as an Oxigraph store of its own in the cache, made once
        per store and regime: a copy of this store's entry (by hard links, though Oxigraph's compaction
        after the load rewrites most of them: at 1,000 towns the entry takes 1.9 GB, 0.19 GB of it shared
        with the store's 0.7 GB) with the inferred graph added. At 100 towns the rdflib dataset it replaces
        took 2.1 GB and 85 s for every query; OWL RL, and a store outside the cache, still go through it.
        """
        if regime != "rdfs" or self.path is None:
            return super().closure(regime, limits, progress)
        import pyoxigraph

        def close(folder: Path) -> None:
            if progress:
                progress(f"computing the {regime} closure of {sum(self.sizes.values()):,} triples (once: it is kept "
                         "in the cache) …")
            self._close(folder, regime, limits)

        try:
            entry = cache.folder_entry(self.path.parent.with_name("closures"), cache.digest((), self.path.name, regime),
                                       close)
        except OSError:
            return super().closure(regime, limits, progress)
        sizes = json.loads((entry / SIZES_FILE).read_text(encoding="utf-8"))
        return OxigraphStore(pyoxigraph.Store.read_only(str(entry)), sizes, entry)

    def _close(self, folder: Path, regime: str, limits: bounded.ReasonLimits | None) -> None:
        """Fill ``folder`` with a copy of this store and what ``regime`` infers from it (see :meth:`closure`)."""
        import pyoxigraph

        from . import reason

        lines = reason.run_store(self, regime, limits).ntriples()  # written by Oxigraph, never rdflib terms
        graph = pyoxigraph.NamedNode(str(reason.inferred_graph(regime)))
        count = lines.count(b"\n")
        sizes = {**self.sizes, graph.value: count} if count else self.sizes
        with engine_errors("Oxigraph"):
            self.store.backup(str(folder))
            closed = pyoxigraph.Store(str(folder))
            if b"_:" in lines:  # a blank node: Oxigraph's parser keeps its label, the store's loader would not
                closed.bulk_extend(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph)
                                   for quad in pyoxigraph.parse(lines, pyoxigraph.RdfFormat.N_TRIPLES))
            else:  # lines Oxigraph wrote: not checked again
                closed.bulk_load(lines, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
        _compact(closed)
        (folder / SIZES_FILE).write_text(json.dumps(sizes, sort_keys=True), encoding="utf-8")
        del closed

def _build(store, folder: Path, data: Corpus) -> None:
    sizes, encoded = _fill(store, data)
    _compact(store)
    (folder / SIZES_FILE).write_text(json.dumps(sizes, sort_keys=True), encoding="utf-8")
    encoded.write(folder)
    del store


def _compact(store) -> None:
    """Compact a store just bulk-loaded (RocksDB's full compaction, pyoxigraph's ``optimize``) and write it out.

    Oxigraph's bulk loader sorts a million quads at a time and adds each batch's sorted files beside the
    earlier ones, so that every look-up reads through one file per batch: the more towns, the slower each
    look-up. At 1,000 towns (four batches) it adds 9 s wall (7 CPU s) to the first load, once, and makes the
    queries that read the whole store 2.3–3.7× faster (``basis-violation`` 4.2 → 1.8 s, ``shared-indicators``
    4.0 → 1.1 s), for 1.3 GB on disk instead of 0.94; at 100 towns (one batch) it takes 0.02 s and changes
    nothing.
    """
    with engine_errors("Oxigraph"):
        store.optimize()
        store.flush()


def _fill(store, data: Corpus) -> tuple[dict[str, int], Encoded]:
    """Parse every file of the corpus with Oxigraph's strict parser into ``store`` (each part its named
    graph), checking what :func:`towncase.load.parse_file` checks, and which graph mints which entity;
    the triples per graph, and the triples as numbers (numbered as they are parsed: 2 µs a triple, where
    reading them back out of the store would take 22).

    Raises:
        InputError: a file is missing, not UTF-8 or does not parse, or an entity is minted twice.
    """
    import pyoxigraph

    from . import load

    minted: dict[Path, set[str]] = {}
    numbering = _Numbering()

    def quads():
        for name, files in load.parts(data):
            graph = pyoxigraph.NamedNode(str(name))
            for path in files:
                triples = load.strict_triples(path)
                minted[path] = load.minted_iris(triples)
                numbering.add(triples)
                yield from (pyoxigraph.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    with engine_errors("Oxigraph"):
        # One bulk load, written straight to sorted files (no write-ahead log): the entry is renamed
        # into place only once complete, so it needs no transaction.
        store.bulk_extend(quads())
    load.check_minting(data, minted.__getitem__)
    count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {row["g"].value: int(row["n"].value) for row in store.query(count)}, numbering.encoded()


@dataclass(frozen=True)
class Encoded:
    """A store's triples as numbers, for the RDFS closure (:func:`towncase.reason.run_store`), which then
    makes no Python term per triple: reading them from Oxigraph costs 17–22 µs a triple, most of it
    decoding each term. The numbers are kept beside a store the cache builds.

    Attributes:
        terms: term ``i`` as the store gives it back, in N-Triples (typed literals in canonical form).
        codes: one row per triple of each named graph (a triple in two graphs twice): the numbers of
            its subject, predicate and object (a numpy array of ``int32``, shape ``(n, 3)``).
    """

    terms: list[bytes]
    codes: Any

    @classmethod
    def of(cls, triples: Iterable) -> Encoded:
        """pyoxigraph triples (or quads, their graphs left out) as numbers."""
        numbering = _Numbering()
        numbering.add(triples)
        return numbering.encoded()

    @classmethod
    def read(cls, folder: Path) -> Encoded | None:
        """The numbers kept in ``folder``; ``None`` if there are none, or if they are not whole (three
        columns of ``int32``, each a number of a term)."""
        import numpy

        try:
            terms = (folder / TERMS_FILE).read_bytes().split(b"\n")
            codes = numpy.load(folder / CODES_FILE, allow_pickle=False)
        except (OSError, ValueError):
            return None
        terms = terms if terms != [b""] else []
        whole = codes.dtype == numpy.int32 and codes.ndim == 2 and codes.shape[1] == 3
        if not whole or (codes.size and (codes.min() < 0 or codes.max() >= len(terms))):
            return None
        return cls(terms, codes)

    def write(self, folder: Path) -> None:
        import numpy

        (folder / TERMS_FILE).write_bytes(b"\n".join(self.terms))  # a term in N-Triples has no line break
        numpy.save(folder / CODES_FILE, self.codes)


class _Numbering:
    """Numbers for the terms of triples (pyoxigraph terms), as they come."""

    def __init__(self) -> None:
        import array

        self.numbers: dict = {}
        self.codes = array.array("i")

    def add(self, triples: Iterable) -> None:
        """Number pyoxigraph triples (or quads, their graphs left out)."""
        numbers, codes = self.numbers, self.codes
        number = numbers.setdefault
        for triple in triples:
            codes.append(number(triple.subject, len(numbers)))
            codes.append(number(triple.predicate, len(numbers)))
            codes.append(number(triple.object, len(numbers)))

    def encoded(self) -> Encoded:
        """The triples as numbers, each term as the store writes it: Oxigraph keeps the typed literals it
        knows by value, and gives back ``10`` for a parsed ``10.0``. Each typed literal is put through a store
        in memory to get that form, and terms that become one get one number."""
        import numpy
        import pyoxigraph

        terms = list(self.numbers)
        written = [str(term) for term in terms]
        typed = pyoxigraph.Store()
        kept = pyoxigraph.NamedNode("urn:towncase:kept")
        typed.extend(pyoxigraph.Quad(pyoxigraph.NamedNode(f"urn:towncase:term:{i}"), kept, term)
                     for i, term in enumerate(terms)
                     if isinstance(term, pyoxigraph.Literal) and term.language is None and term.datatype.value != XSD_STRING)
        for quad in typed:
            written[int(quad.subject.value.rsplit(":", 1)[1])] = str(quad.object)
        numbers: dict[str, int] = {}
        renumbered = numpy.fromiter((numbers.setdefault(text, len(numbers)) for text in written), numpy.int32,
                                    len(written))
        codes = numpy.frombuffer(self.codes, numpy.int32).reshape(-1, 3)
        return Encoded([text.encode("utf-8") for text in numbers], renumbered[codes])


def oxigraph_rows(store, text: str, form: str, names: list[str], tags: frozenset[str], max_rows: int):
    """(form, columns, rows or triples, ASK answer, cut?) from Oxigraph, as pyoxigraph terms; the
    columns bound to ``LANG(…)`` in BCP 47 case. A ``SELECT`` is ordered as :func:`_select_rows` says."""
    from . import offline

    with offline.guard("running a query in Oxigraph"), engine_errors("Oxigraph's SPARQL engine"):
        if form == "SELECT":
            return ("SELECT", *_select_rows(store, text, names, tags, max_rows))
        answer = store.query(text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
        if form == "ASK":
            return "ASK", [], [], bool(answer), False
        rows: list[tuple] = []
        for triple in answer:
            if len(rows) == max_rows:
                return form, [], rows, None, True
            rows.append((triple.subject, triple.predicate, triple.object))
        return form, [], rows, None, False


def _select_rows(store, text: str, names: list[str], tags: frozenset[str], max_rows: int
                 ) -> tuple[list[str], list[tuple], None, bool]:
    """A ``SELECT``'s (columns, rows, no ASK answer, cut?).

    Its rows are found by the store and ordered in memory where :func:`towncase.catalogue.ordering` can
    split its ``ORDER BY`` off and every variable the conditions read is a column of the answer. Oxigraph
    0.5 compares the terms of an on-disk store while it sorts, reading each one's text from the store
    at every comparison (``spareval``'s ``order_by``, decoding once per row since Oxigraph's commit
    5507799d of 2026-08-12, not yet released): at 100 towns, 44,407 IRIs found in 1.1 CPU s took 7.7 s to
    order. The same conditions over the found rows' values in an in-memory store (:func:`_order`) give
    Oxigraph's own order; rows that they call equal keep the order they came in. More rows than
    ``max_rows``, a blank node among the values, or conditions that read more than the row: the store
    orders them itself.
    """
    import itertools

    order = catalogue.ordering(text)
    if order is not None:
        answer = store.query(order.unordered, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
        keys = sorted(order.variables)
        if set(keys) <= {v.value for v in answer.variables}:
            found = list(itertools.islice(answer, max_rows + 1))
            arrival = (_order(order, keys, [tuple(solution[key] for key in keys) for solution in found])
                       if len(found) <= max_rows else None)
            if arrival is not None:
                names = names or [v.value for v in answer.variables]
                return names, [_row(found[i], names, tags) for i in arrival], None, False
    answer = store.query(text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
    names = names or [v.value for v in answer.variables]
    rows: list[tuple] = []
    for solution in answer:
        if len(rows) == max_rows:
            return names, rows, None, True
        rows.append(_row(solution, names, tags))
    return names, rows, None, False


def _order(order: catalogue.Ordering, keys: list[str], values: list[tuple]) -> list[int] | None:
    """The places of ``values`` (of the variables ``keys``, ``None`` where unbound) in the order that
    ``order``'s conditions give them, by Oxigraph in memory, or ``None`` if a value is a blank node or
    a triple, which a query cannot write, or the conditions are no SPARQL."""
    import pyoxigraph

    if not values:
        return []
    if any(isinstance(term, (pyoxigraph.BlankNode, pyoxigraph.Triple)) for row in values for term in row):
        return None
    place = "place"
    while place in keys:
        place = "_" + place
    table = "\n".join(f"({' '.join('UNDEF' if term is None else str(term) for term in row)} {i})"
                      for i, row in enumerate(values))
    text = (f"{order.prologue}SELECT ?{place} WHERE {{ VALUES ({' '.join('?' + key for key in keys)} ?{place}) {{\n"
            f"{table}\n}} }}\nORDER BY {order.conditions}\n?{place}\n{order.cut}")
    try:
        ordered = cast("pyoxigraph.QuerySolutions", pyoxigraph.Store().query(text, prefixes=dict(PREFIXES)))
    except SyntaxError:  # in the conditions: the store's own text names the place in the query's
        return None
    return [int(solution[0].value) for solution in ordered]


def _row(solution, names: list[str], tags: frozenset[str]) -> tuple:
    return tuple(_tag_cell(solution[name]) if name in tags else solution[name] for name in names)


def _tag_cell(term):
    import pyoxigraph

    return pyoxigraph.Literal(bcp47(term.value)) if isinstance(term, pyoxigraph.Literal) else term


@dataclass
class Answer:
    """An answer as Oxigraph gives it, for printing: the form (``SELECT``, ``ASK``, ``CONSTRUCT``,
    ``DESCRIBE``), the columns, the rows (or triples) of pyoxigraph terms (``None`` where unbound),
    the ASK answer, and whether it was cut (at ``limit`` rows). :mod:`towncase.render` prints it as it
    prints rdflib's answers."""

    form: str
    names: list[str]
    rows: list[tuple]
    ask: bool | None = None
    truncated: bool = False
    limit: int = 0


def answer(source: Store, query: catalogue.StoredQuery, values: Mapping[str, str] | None = None, lang: str = "zh",
           inference: str = "none", limits: bounded.QueryLimits | None = None,
           reason_limits: bounded.ReasonLimits | None = None, progress: Callable[[str], None] | None = None):
    """Answer a query for printing: a stored query on the Oxigraph store (or its RDFS closure,
    :meth:`OxigraphStore.closure`) as an :class:`Answer` without rdflib; anything else as
    :func:`towncase.query.answer` gives it (an rdflib result). ``reason_limits`` bound the closure, and
    ``progress`` is told when it is computed.

    Raises:
        UnknownNameError, ParameterError: see :func:`towncase.catalogue.typed` (and a value not of its
            parameter's class).
        LimitError, EngineError: see :func:`towncase.query.run`; or the closure reached a limit.
    """
    limits = limits or bounded.QueryLimits()
    source = source.closure(inference, reason_limits, progress)
    if isinstance(source, OxigraphStore) and query.stored:
        return source.rows(query, source.bind(query, values, lang), limits)
    from . import query as query_stage

    return query_stage.answer(source, query, values, lang, limits=limits)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def oxigraph_value(value: catalogue.Value):
    """A typed parameter value as a pyoxigraph term."""
    import pyoxigraph

    if value.iri is not None:
        return pyoxigraph.NamedNode(value.iri)
    if value.language is not None:
        return pyoxigraph.Literal(value.text, language=value.language)
    return pyoxigraph.Literal(value.text, datatype=None if value.datatype is None else pyoxigraph.NamedNode(value.datatype))


def rdflib_term(term) -> Node:
    """A pyoxigraph term as the rdflib term rdflib would give (plain literals untyped, language tags
    in BCP 47 case)."""
    import pyoxigraph
    import rdflib  # not "from rdflib import …": called per term, that took a fifth of reading 200,000 rows

    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=bcp47(term.language))
    datatype = term.datatype.value
    return (rdflib.Literal(term.value) if datatype == XSD_STRING
            else rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype)))


def oxigraph_term(node: Node):
    """An rdflib term as a pyoxigraph term."""
    import pyoxigraph
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return pyoxigraph.NamedNode(str(node))
    if isinstance(node, BNode):
        return pyoxigraph.BlankNode(str(node))
    if not isinstance(node, Literal):
        raise TypeError(f"not an RDF term: {node!r}")
    if node.language:
        return pyoxigraph.Literal(str(node), language=node.language)
    if node.datatype is not None:
        return pyoxigraph.Literal(str(node), datatype=pyoxigraph.NamedNode(str(node.datatype)))
    return pyoxigraph.Literal(str(node))


def bcp47(tag: str) -> str:
    """A language tag in the case BCP 47 recommends (§2.1.1): the language lower-case, a script in title
    case, a region upper-case (``zh-hans-cn`` → ``zh-Hans-CN``). Oxigraph keeps tags lower-cased."""
    first, *rest = tag.split("-")
    return "-".join([first.lower()] + [part.title() if len(part) == 4 and part.isalpha()
                                       else part.upper() if len(part) == 2 and part.isalpha()
                                       else part.lower() for part in rest])


class OxigraphView:
    """The part of rdflib's graph API that look-ups use (labels, a parameter's class or scheme), over
    the union of an Oxigraph store's named graphs."""

    def __init__(self, store) -> None:
        self.store = store

    def _quads(self, s, p, o) -> Iterator:
        from rdflib import Literal

        if isinstance(s, Literal) or isinstance(p, Literal):
            return iter(())  # no triple has a literal subject or predicate
        return self.store.quads_for_pattern(*(None if t is None else oxigraph_term(t) for t in (s, p, o)))

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        return _distinct(rdflib_term(q.object) for q in self._quads(subject, predicate, None))

    def subjects(self, predicate: Node, obj: Node) -> Iterator[Node]:
        return _distinct(rdflib_term(q.subject) for q in self._quads(None, predicate, obj))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of ``subject`` and ``predicate`` (as rdflib's ``Graph.value``), or ``None``."""
        return next(self.objects(subject, predicate), None)

    def transitive_subjects(self, predicate: Node, obj: Node) -> Iterator[Node]:
        seen, todo = {obj}, [obj]
        yield obj
        while todo:
            for node in self.subjects(predicate, todo.pop()):
                if node not in seen:
                    seen.add(node)
                    todo.append(node)
                    yield node

    def __contains__(self, triple) -> bool:
        return next(iter(self._quads(*triple)), None) is not None


def _distinct(nodes: Iterator[Node]) -> Iterator[Node]:
    """Each node once (a triple may stand in several named graphs)."""
    seen = set()
    for node in nodes:
        if node not in seen:
            seen.add(node)
            yield node
