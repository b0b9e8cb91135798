"""Inference: a named regime (``none``, ``rdfs``, ``owlrl``) turns asserted triples into a closure.

The closure is returned as a *separate* graph holding only what was inferred; the asserted data
is never changed and nothing inferred is written into ``data/``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef

from . import offline
from .bounded import ReasonLimits  # declared without rdflib, for the command line
from .errors import LimitError, UnknownNameError, engine_errors
from .namespaces import GRAPH, ONTOLOGY_GRAPH, bind_prefixes

#: Regime name → owlrl's closure class for it (owlrl is imported only when a closure is computed).
REGIMES: dict[str, str | None] = {
    "none": None,
    "rdfs": "RDFS_Semantics",
    "owlrl": "OWLRL_Semantics",
}


def _trivial(triple: tuple) -> bool:
    """Triples every resource gets under the regimes, which only bloat a closure: a literal subject, a
    reflexive ``owl:sameAs``, a type of ``rdfs:Resource``, ``owl:Thing`` or ``rdfs:Literal``."""
    return RDFLIB_TERMS.trivial(triple)


@dataclass(frozen=True)
class Inference:
    """What a regime gives: the inferred triples (never the asserted ones) and the contradictions
    it found, as owlrl words them (only OWL RL finds any).

    Attributes:
        found: the inferred triples: an rdflib graph, or (the RDFS closure of an Oxigraph store) their
            N-Triples as :meth:`ntriples` gives them, turned into an rdflib graph only when :attr:`graph`
            is read.
        inconsistencies: the contradictions.
    """

    found: Graph | bytes
    inconsistencies: list[str]

    @cached_property
    def graph(self) -> Graph:
        """The inferred triples as an rdflib graph (the project's prefixes bound)."""
        if isinstance(self.found, Graph):
            return self.found
        import pyoxigraph

        from .store import rdflib_term

        graph = bind_prefixes(Graph())
        # Parsed by Oxigraph, which keeps the blank nodes' labels (its store's loader gives new ones).
        for quad in pyoxigraph.parse(self.found, pyoxigraph.RdfFormat.N_TRIPLES):
            graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
        return graph

    def __len__(self) -> int:
        return len(self.found) if isinstance(self.found, Graph) else self.found.count(b"\n")

    def ntriples(self) -> bytes:
        """The inferred triples as Oxigraph writes them in N-Triples, one line each, in one canonical order
        (the lines sorted), language tags as Oxigraph keeps them (lower case)."""
        if isinstance(self.found, bytes):
            return self.found
        from .store import oxigraph_term

        return _ntriples(tuple(oxigraph_term(t) for t in triple) for triple in self.found)


def _ntriples(triples: Iterable[tuple]) -> bytes:
    """Triples of pyoxigraph terms as :meth:`Inference.ntriples` gives them: written by Oxigraph and
    sorted as lines of bytes (making and sorting each triple's ``str()`` took 2.4 s at 100 towns)."""
    import pyoxigraph

    written = pyoxigraph.serialize((pyoxigraph.Triple(*triple) for triple in triples),
                                   format=pyoxigraph.RdfFormat.N_TRIPLES)
    lines = cast(bytes, written).splitlines(keepends=True)
    lines.sort()
    return b"".join(lines)


#: How owlrl marks a contradiction it finds (e.g. a member of two disjoint classes).
OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
_OWLRL_ERROR_TEXT = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


def expand(graph: Graph, regime: str, limits: ReasonLimits | None = None, rdfs_literal_rules: bool = True) -> None:
    """Add what ``regime`` infers to ``graph`` itself (asserted and inferred together), within ``limits``.

    Args:
        graph: the triples to reason over (changed in place).
        regime: one of :data:`REGIMES`.
        limits: time and size limits (the defaults of :class:`ReasonLimits` when none are given).
        rdfs_literal_rules: whether RDFS runs owlrl's one-time rules on literals (pySHACL turns them
            off for validation; :mod:`towncase.validate` does the same).

    Raises:
        UnknownNameError: the regime is not known.
        LimitError: the time or size limit was reached.
        EngineError: owlrl failed.
    """
    if regime not in REGIMES:
        raise UnknownNameError("inference regime", regime, list(REGIMES))
    if REGIMES[regime] is None:
        return
    import owlrl

    semantics: type = getattr(owlrl, str(REGIMES[regime]))
    if regime == "rdfs" and not rdfs_literal_rules:
        class _RDFSWithoutLiteralRules(owlrl.RDFS_Semantics):
            """RDFS as pySHACL runs it for validation: without the one-time rules that add literal proxies."""

            def one_time_rules(self) -> None:
                pass

        semantics = _RDFSWithoutLiteralRules
    bounded = _bounded(semantics, limits or ReasonLimits(), regime)
    with offline.guard(f"reasoning ({regime})"), engine_errors("owlrl"):
        owlrl.DeductiveClosure(bounded, axiomatic_triples=False, datatype_axioms=False).expand(graph)


def _bounded(semantics: type, limits: ReasonLimits, regime: str) -> type:
    """A subclass of an owlrl closure class that stops at ``limits``: owlrl offers no hook, but every
    rule application goes through ``rules`` and every new triple through ``store_triple``."""
    deadline = time.monotonic() + limits.timeout
    every = 4096

    class Bounded(semantics):
        _steps = 0

        def rules(self, t, cycle_num):
            self._step()
            super().rules(t, cycle_num)

        def store_triple(self, t):
            super().store_triple(t)
            self._step()

        def _step(self) -> None:
            Bounded._steps += 1
            if Bounded._steps % every:
                return
            if time.monotonic() > deadline:
                raise LimitError(f"{regime} reasoning stopped after {limits.timeout:g} s, the time limit", "timeout",
                                 hint="reason over less data, or allow more time (--timeout SECONDS)")
            if len(self.graph) + len(self.added_triples) > limits.max_triples:
                raise LimitError(f"{regime} reasoning stopped: the closure passed {limits.max_triples:,} triples",
                                 "triples", hint="look for a runaway owl:sameAs or a transitive property over much "
                                                 "data, or raise the limit (--max-triples N)")

    return Bounded


def run(data: Graph | _Triples, regime: str, ontology: Graph | None = None,
        keep: Callable[[tuple], bool] | None = None, limits: ReasonLimits | None = None,
        linear: bool = True) -> Inference:
    """Reason over ``data`` (and the ``ontology``) once; ``data`` is left unchanged.

    Args:
        data: the asserted triples.
        regime: one of :data:`REGIMES`.
        ontology: the axioms to reason with (usually :func:`towncase.load.ontology`).
        keep: which inferred triples to return; by default (``None``) all but the trivial ones
            (reflexive ``owl:sameAs``, ``rdf:type rdfs:Resource``/``owl:Thing``, literal subjects).
        limits: time and size limits of the closure (see :func:`expand`).
        linear: for ``rdfs`` with the default ``keep``, compute the closure with :func:`rdfs_closure`
            (the same triples, in time linear in the data) instead of owlrl.

    Raises:
        UnknownNameError: the regime is not known.
        LimitError: the closure reached a limit.
    """
    if regime not in REGIMES:
        raise UnknownNameError("inference regime", regime, list(REGIMES))
    inferred = bind_prefixes(Graph())
    if REGIMES[regime] is None:
        return Inference(inferred, [])
    if regime == "rdfs" and linear and keep is None:
        found = _linear_rdfs(itertools.chain(data, ontology if ontology is not None else ()), len(data),
                             RDFLIB_TERMS, limits)
        for triple in found:
            inferred.add(triple)
        return Inference(inferred, [])
    closure = Graph()
    closure += data
    if ontology is not None:
        closure += ontology
    asserted = set(closure)
    expand(closure, regime, limits)
    errors = set(closure.subjects(RDF.type, OWLRL_ERROR))
    below: dict = {}
    for triple in closure:
        if (triple not in asserted and triple[0] not in errors and (keep(triple) if keep else not _trivial(triple))
                and not _conflated(triple, asserted, closure, below)):
            inferred.add(triple)
    messages = sorted(str(text) for error in errors for text in closure.objects(error, _OWLRL_ERROR_TEXT))
    return Inference(inferred, messages)


def _linear_rdfs(triples: Iterable[tuple], asserted: int, terms: Terms, limits: ReasonLimits | None) -> set[tuple]:
    """:func:`rdfs_closure` within ``limits``, ``asserted`` the number of asserted triples.

    Raises:
        LimitError: the time or size limit was reached.
    """
    limits = limits or ReasonLimits()
    found = rdfs_closure(triples, terms, limits.timeout)
    if len(found) + asserted > limits.max_triples:
        raise LimitError(f"rdfs reasoning stopped: the closure passed {limits.max_triples:,} triples",
                         "triples", hint="reason over less data, or raise the limit (--max-triples N)")
    return found


def run_store(source, regime: str, limits: ReasonLimits | None = None) -> Inference:
    """:func:`run` over every named graph of a store (:mod:`towncase.store`), the ontology's among them:
    RDFS straight from the store's triples (an Oxigraph store's as numbers, :func:`_numbered_rdfs`),
    OWL RL through an rdflib graph of them.

    Raises:
        UnknownNameError: the regime is not known.
        LimitError: the closure reached a limit.
    """
    if regime == "rdfs" and source.kind == "oxigraph":
        return Inference(_numbered_rdfs(source.encoded(), sum(source.graph_sizes().values()), limits or ReasonLimits()),
                         [])
    if regime == "rdfs":
        data = _Triples(source.triples())
        return run(data, regime, limits=limits)
    graph = Graph()
    for triple in source.triples():
        graph.add(triple)
    return run(graph, regime, limits=limits)


def _numbered_rdfs(table, asserted: int, limits: ReasonLimits) -> bytes:
    """:func:`rdfs_closure` of a store's triples as numbers (:class:`towncase.store.Encoded`), as
    :meth:`Inference.ntriples` gives it. No Python object is made per triple read: at 1,000 towns, reading
    the triples out of Oxigraph as terms took a third of the closure, and the closure over tuples of terms
    another third.

    The schema is closed in Python, as :func:`rdfs_closure` does, over its triples alone (a few hundred).
    If the instance triples cannot add to it (no super-property, domain, range or super-class gives a
    schema triple, and nothing but ``rdf:type`` types), each instance triple expands on its own, and the
    expansion is done a predicate at a time over arrays: the pairs each super-property gets (rdfs7), the
    resources each class gets (rdfs2, 3, 9), less the asserted triples. Otherwise :func:`rdfs_closure`
    runs over every triple, as tuples of numbers. The size limit counts the ``asserted`` triples of the
    store (a triple in two named graphs twice) and those inferred.

    Raises:
        LimitError: the time or size limit was reached.
    """
    import numpy

    clock = _Clock(limits.timeout)
    names = list(table.terms)
    number = {name: i for i, name in enumerate(names)}

    def named(iri: str) -> int:
        """The number of an IRI of the vocabulary: after the data's terms if the data does not use it."""
        name = f"<{iri}>".encode()
        if name not in number:
            number[name] = len(names)
            names.append(name)
        return number[name]

    terms = Terms.of(named, lambda i: bool(literal[i]))
    # which terms are literals, by number: made once Terms.of has numbered the vocabulary (IRIs) after the data's
    literal = numpy.fromiter((name.startswith(b'"') for name in names), bool, len(names))
    codes = table.codes
    predicates, objects = codes[:, 1], codes[:, 2]
    is_schema = numpy.isin(predicates, list(terms.schema)) | (
        (predicates == terms.type) & numpy.isin(objects, list(terms.meta)))
    schema = set(map(tuple, codes[is_schema].tolist()))
    used = set(numpy.unique(predicates).tolist())
    found, closed = _closure(schema, terms, clock, used)
    if not _expands_alone(closed, terms, used):
        found = _closure(set(map(tuple, clock.watch(codes.tolist()))), terms, clock, used)[0]
        inferred = numpy.array(list(found), numpy.int64).reshape(-1, 3)
    else:
        inferred = _expanded(codes, found, closed, terms, len(names), literal, clock)
    if len(inferred) + asserted > limits.max_triples:
        raise LimitError(f"rdfs reasoning stopped: the closure passed {limits.max_triples:,} triples",
                         "triples", hint="reason over less data, or raise the limit (--max-triples N)")
    return _written(inferred, names)


def _written(triples, names: list[bytes]) -> bytes:
    """The N-Triples lines of the numbered ``triples`` (an array of rows of three numbers), sorted as lines of
    bytes. They are sorted as numbers, by each term's rank among the terms used sorted as bytes: the same
    order, since a term that begins another (``_:b1``, ``_:b12``; ``"a"``, ``"a"@en``) is followed in its
    line by a space, and no term goes on with a byte below it. No line is an object until it is written,
    a block at a time."""
    import io

    import numpy

    used = numpy.zeros(len(names), bool)
    used[triples.ravel()] = True
    rank = numpy.zeros(len(names), numpy.int64)
    rank[sorted(numpy.flatnonzero(used).tolist(), key=names.__getitem__)] = numpy.arange(numpy.count_nonzero(used))
    ranked = rank[triples]
    triples = triples[numpy.lexsort((ranked[:, 2], ranked[:, 1], ranked[:, 0]))]
    written = io.BytesIO()  # its value is the bytes written, not a copy
    for start in range(0, len(triples), _BLOCK):
        block = triples[start:start + _BLOCK]
        written.write(b"".join([b" ".join((names[s], names[p], names[o], b".\n"))
                                for s, p, o in zip(*(column.tolist() for column in block.T), strict=True)]))
    return written.getvalue()


#: How many lines :func:`_written` makes at a time.
_BLOCK = 65536


def _expands_alone(closed: _Schema, terms: Terms, used: set) -> bool:
    """Whether expanding the instance triples with the ``closed`` schema adds nothing to the schema, so that
    each expands on its own (:func:`_expanded`): no predicate used has a schema property above it or a
    domain or range that is a class of schema (``rdfs:Class``, …), no class is under one, only ``rdf:type``
    types, ``rdf:type`` has no super-property, domain or range (a type made would entail more), and
    ``rdf:type`` is used (else the first type made would add it to the predicates used)."""
    for p in used:
        supers, subject_classes, object_classes, types = closed.plan(p, terms)
        if supers & terms.schema or (subject_classes | object_classes) & terms.meta or (types and p != terms.type):
            return False
    return (terms.type in used and not any(closed.plan(terms.type, terms)[:3])
            and not any(ups & terms.meta for ups in closed.super_classes.values()))


def _expanded(codes, schema_level: set[tuple], closed: _Schema, terms: Terms, size: int, literal, clock: _Clock):
    """What the ``closed`` schema gives from the triples numbered in ``codes`` (rdfs2, 3, 7, 9) and what it
    gives alone (``schema_level``), less the asserted triples, as rows of three numbers: the subjects each
    class gets and the pairs each property gets, gathered as arrays a predicate at a time, each made unique
    and the asserted ones taken out once. Terms are numbered below ``size``; ``literal`` tells, by number,
    which are literals."""
    import numpy

    subjects, predicates, objects = codes[:, 0], codes[:, 1], codes[:, 2]
    order = numpy.argsort(predicates, kind="stable")
    by_predicate = predicates[order]
    base = numpy.int64(size)  # a pair of terms is one number: subject × base + object

    def rows(p: int):
        return order[numpy.searchsorted(by_predicate, p, "left"):numpy.searchsorted(by_predicate, p, "right")]

    typed: dict[int, list] = {}  # class → arrays of the resources it gets
    paired: dict[int, list] = {}  # property → arrays of the pairs it gets
    for s, p, o in schema_level:
        if p == terms.type:
            typed.setdefault(o, []).append(numpy.array([s]))
        else:
            paired.setdefault(p, []).append(numpy.array([s * base + o]))
    for p in sorted(closed.used):
        supers, subject_classes, object_classes, types = closed.plan(p, terms)
        subject_classes, object_classes = subject_classes - terms.everything, object_classes - terms.everything
        if not (supers or subject_classes or object_classes or types):
            continue
        clock.check()
        taken = rows(p)
        s, o = subjects[taken], objects[taken]
        for q in supers:  # rdfs7
            pairs = s.astype(numpy.int64) * base + o
            paired.setdefault(q, []).append(pairs[s != o] if q == terms.same_as else pairs)
        if subject_classes:  # rdfs2 (and rdfs9)
            each = numpy.unique(s)
            for c in subject_classes:
                typed.setdefault(c, []).append(each)
        if object_classes:  # rdfs3 (and rdfs9); a literal subject is trivial
            each = numpy.unique(o[~literal[o]])
            for c in object_classes:
                typed.setdefault(c, []).append(each)
        if types:  # rdfs9 (only rdf:type types: _expands_alone)
            for c in numpy.unique(o).tolist():
                members = s[o == c]
                for d in closed.up_classes(c) - {c} - terms.everything:
                    typed.setdefault(d, []).append(members)
    found = [numpy.empty((0, 3), numpy.int64)]
    typing = rows(terms.type)
    typed_subjects, typed_classes = subjects[typing], objects[typing]
    for c, parts in typed.items():
        clock.check()
        new = numpy.setdiff1d(numpy.concatenate(parts), typed_subjects[typed_classes == c])
        found.append(numpy.column_stack((new, numpy.full_like(new, terms.type), numpy.full_like(new, c))))
    for p, parts in paired.items():
        clock.check()
        taken = rows(p)
        new = numpy.setdiff1d(numpy.concatenate(parts), subjects[taken].astype(numpy.int64) * base + objects[taken])
        s, o = numpy.divmod(new, base)
        found.append(numpy.column_stack((s, numpy.full_like(s, p), o)))
    return numpy.concatenate(found).astype(numpy.int64)


class _Triples(list):
    """Triples as :func:`run` reads them for the linear closure: iterated once, and counted."""

    def __init__(self, triples) -> None:
        super().__init__(set(triples))


def infer(data: Graph, regime: str, ontology: Graph | None = None) -> Graph:
    """The triples a regime infers from ``data`` and the ``ontology``, apart from the asserted ones."""
    return run(data, regime, ontology).graph


def inconsistencies(data: Graph, ontology: Graph) -> list[str]:
    """The contradictions OWL 2 RL finds in ``data`` with the ``ontology`` (e.g. a resource typed
    with two disjoint classes); empty when the data is consistent."""
    return run(data, "owlrl", ontology).inconsistencies


def _conflated(triple: tuple, asserted: set, closure: Graph, below: dict) -> bool:
    """A literal-valued triple no rule entails: owlrl stands literals in for each other when their
    Python values are equal, so ``"true"^^xsd:boolean`` comes back as ``1`` and ``"fraction"`` as a
    label. The only rules that give a literal-valued triple copy the very literal from an asserted
    triple of a subproperty (rdfs7, prp-spo1, prp-eqp) or of a same-as subject (eq-rep-s).

    ``below`` caches each property's subproperties and equivalents."""
    s, p, o = triple
    if not isinstance(o, Literal):
        return False
    if p not in below:
        below[p] = ({p} | set(closure.subjects(RDFS.subPropertyOf, p))
                    | set(closure.subjects(OWL.equivalentProperty, p)) | set(closure.objects(p, OWL.equivalentProperty)))
    subjects = {s} | set(closure.objects(s, OWL.sameAs)) | set(closure.subjects(OWL.sameAs, s))
    return not any((subject, prop, o) in asserted for subject in subjects for prop in below[p])


def inferred_graph(regime: str) -> URIRef:
    """The named graph that holds what a regime inferred, e.g. ``graph/inferred/rdfs``."""
    return GRAPH["inferred/" + regime]


def closure_dataset(ds: Dataset, regime: str, limits: ReasonLimits | None = None) -> Dataset:
    """A new dataset: the named graphs of ``ds`` and, in :func:`inferred_graph`, what ``regime``
    infers from them (the ``graph/ontology`` graph gives the axioms) within ``limits``. ``ds`` is left
    unchanged.

    Queries over it see asserted and inferred triples together (the default graph is the union);
    ``GRAPH`` keeps them apart.

    Raises:
        UnknownNameError: the regime is not known.
        LimitError: the closure reached a limit.
    """
    if regime not in REGIMES:
        raise UnknownNameError("inference regime", regime, list(REGIMES))
    closure = Dataset(default_union=True)
    bind_prefixes(closure)
    data, ontology = Graph(), Graph()
    for graph in ds.graphs():
        if len(graph) and graph.identifier != inferred_graph(regime):
            named = closure.graph(graph.identifier)
            named += graph
            if graph.identifier == ONTOLOGY_GRAPH:
                ontology += graph
            else:
                data += graph
    if REGIMES[regime] is not None:
        named = closure.graph(inferred_graph(regime))
        named += run(data, regime, ontology, limits=limits).graph
    return closure


# ---------------------------------------------------------------------------------------------
# RDFS in linear time: the schema closed once, then applied to each instance triple
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The terms the RDFS rules name, as rdflib's terms (:data:`RDFLIB_TERMS`) or as the numbers of a
    store's terms (:func:`_numbered_rdfs`), so that :func:`rdfs_closure` runs on either."""

    is_literal: Callable[[Any], bool]
    type: Any
    property: Any
    class_: Any
    container_membership_property: Any
    datatype: Any
    resource: Any
    thing: Any
    literal_class: Any
    member: Any
    sub_class_of: Any
    sub_property_of: Any
    domain: Any
    range: Any
    same_as: Any

    @classmethod
    def of(cls, iri: Callable[[str], Any], is_literal: Callable[[Any], bool]) -> Terms:
        """The terms made by ``iri`` from each IRI string, ``is_literal`` telling a literal."""
        return cls(is_literal, *(iri(str(t)) for t in (
            RDF.type, RDF.Property, RDFS.Class, RDFS.ContainerMembershipProperty, RDFS.Datatype, RDFS.Resource,
            OWL.Thing, RDFS.Literal, RDFS.member, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
            OWL.sameAs)))

    @cached_property
    def schema(self) -> frozenset:
        """The properties of schema triples."""
        return frozenset((self.sub_class_of, self.sub_property_of, self.domain, self.range))

    @cached_property
    def meta(self) -> frozenset:
        """The classes whose members are schema (a triple typing something with one is a schema triple)."""
        return frozenset((self.property, self.class_, self.container_membership_property, self.datatype))

    @cached_property
    def everything(self) -> frozenset:
        """The classes every resource (or literal) belongs to: typing with them is trivial."""
        return frozenset((self.resource, self.thing, self.literal_class))

    def trivial(self, triple: tuple) -> bool:
        """:func:`_trivial` in these terms."""
        s, p, o = triple
        return self.is_literal(s) or (p == self.same_as and s == o) or (p == self.type and o in self.everything)


RDFLIB_TERMS = Terms.of(URIRef, lambda term: isinstance(term, Literal))


def rdfs_closure(triples: Iterable[tuple], terms: Terms = RDFLIB_TERMS, timeout: float | None = None,
                 used: Iterable = ()) -> set[tuple]:
    """What the RDFS entailment rules (rdf1, rdfs2, 3, 5–11, 12, 13) add to ``triples``, without the
    trivial triples (:func:`_trivial`): what ``run(…, "rdfs")`` returns, in time linear in the data.

    owlrl applies every rule to every triple until nothing changes, so its time grows with the data
    times the rounds. Here the schema (sub-class and sub-property hierarchies, domains, ranges) is
    closed first, as it is small, and each instance triple is then expanded once: its super-properties
    (rdfs7), the domains and ranges of those (rdfs2, rdfs3) and the super-classes of every type
    (rdfs9). The few schema triples the instance data could add (a property typed
    ``rdfs:ContainerMembershipProperty``, a class typed ``rdfs:Class``) are added in a second pass
    until nothing changes. A test checks the result equals owlrl's on the shipped cases.

    Args:
        triples: the asserted triples, as rdflib terms or as the terms of ``terms``.
        terms: the RDFS vocabulary in the same library's terms as ``triples``.
        timeout: seconds after which the closure stops (no limit when ``None``).
        used: predicates of asserted triples left out of ``triples`` (see :func:`_oxigraph_rdfs`).

    Raises:
        LimitError: the time limit was reached.
    """
    return _closure(set(triples), terms, _Clock(timeout), set(used))[0]


def _closure(asserted: set[tuple], terms: Terms, clock: _Clock, used: set) -> tuple[set[tuple], _Schema]:
    """:func:`rdfs_closure`, and the closed schema it ended with."""
    every = set(asserted)  # the asserted triples and all found so far
    new = asserted  # what the last round added to ``every`` (in the first, everything)
    new_schema_level: set[tuple] = set()  # of those, what the schema alone gave (rdf1, rdfs5, 6, 8, 10, 11)
    schema: list[tuple] = []
    before: _Schema | None = None
    while True:
        added = [t for t in new if t[1] in terms.schema or (t[1] == terms.type and t[2] in terms.meta)]
        if before is not None and not added:
            break  # the schema is closed: the triples the last round added are not expanded again
        schema += added
        used = used | {p for _, p, _ in new}
        closed = _Schema(used, schema, terms)
        todo: Iterable[tuple] = new
        if before is not None:
            # Semi-naive evaluation, the result that of expanding every triple again. A triple expanded in an
            # earlier round gives the same again unless the schema changed what its predicate (or, for
            # rdf:type and its sub-properties, its object class) entails: those are expanded again. A triple
            # an instance triple gave (rdfs2, 3, 7, 9) gives nothing that instance triple does not (the
            # hierarchies are closed), unless rdf:type itself has a super-property, domain or range: only
            # what the schema alone gave is new to expand.
            if not any(closed.plan(terms.type, terms)[:3]):
                todo = new_schema_level
            predicates, classes = closed.changed_since(before, terms)
            if predicates or classes:
                todo = itertools.chain(todo, (t for t in every if t[1] in predicates
                                              or (t[2] in classes and closed.plan(t[1], terms)[3])))
        found = _expand(todo, closed, terms, clock)
        new_schema_level = _schema_level(closed, terms) - every
        new = (found - every) | new_schema_level
        every |= new
        before = closed
    assert before is not None  # the first round always runs
    return {t for t in every - asserted if not terms.trivial(t)}, before


class _Schema:
    """The closed schema: each property's super-properties and each class's super-classes (over one
    or more edges), and the domains and ranges."""

    def __init__(self, used: set, schema: list[tuple], terms: Terms) -> None:
        sub_property: dict = {}
        sub_class: dict = {}
        self.domains: dict = {}
        self.ranges: dict = {}
        typed_properties, self.classes = set(), set()
        for s, p, o in schema:
            if p == terms.sub_property_of:
                sub_property.setdefault(s, set()).add(o)
            elif p == terms.sub_class_of:
                sub_class.setdefault(s, set()).add(o)
            elif p == terms.domain:
                self.domains.setdefault(s, set()).add(o)
            elif p == terms.range:
                self.ranges.setdefault(s, set()).add(o)
            elif o == terms.property:
                typed_properties.add(s)
            elif o == terms.class_:
                self.classes.add(s)
            elif o == terms.container_membership_property:
                sub_property.setdefault(s, set()).add(terms.member)  # rdfs12
            elif o == terms.datatype:
                sub_class.setdefault(s, set()).add(terms.literal_class)  # rdfs13
        self.super_properties = _transitive(sub_property)
        self.super_classes = _transitive(sub_class)
        # rdf1 types every predicate (and, through rdfs7, its super-properties) rdf:Property; rdfs6 then
        # makes each its own sub-property.
        self.used = used
        self.properties = typed_properties | used | {q for p in used for q in self.super_properties.get(p, ())}
        self._up_classes: dict = {}
        self._plans: dict = {}

    def up_properties(self, p) -> set:
        return self.super_properties.get(p, set()) | {p}

    def up_classes(self, c) -> set:
        """``c`` and its super-classes (remembered: instance triples ask for the same few classes)."""
        ups = self._up_classes.get(c)
        if ups is None:
            ups = self._up_classes[c] = self.super_classes.get(c, set()) | {c}
        return ups

    def plan(self, p, terms: Terms) -> tuple[frozenset, frozenset, frozenset, bool]:
        """What a triple with predicate ``p`` entails: its other super-properties (rdfs7), the classes of
        its subject (rdfs2 and rdfs9) and of its object (rdfs3 and rdfs9), and whether it types its
        subject with its object (``p`` is ``rdf:type`` or under it: rdfs9)."""
        plan = self._plans.get(p)
        if plan is None:
            ups = self.up_properties(p)
            subject_classes = {c for q in ups for domain in self.domains.get(q, ()) for c in self.up_classes(domain)}
            object_classes = {c for q in ups for range_ in self.ranges.get(q, ()) for c in self.up_classes(range_)}
            plan = self._plans[p] = (frozenset(q for q in ups if q != p), frozenset(subject_classes),
                                     frozenset(object_classes), terms.type in ups)
        return plan

    def changed_since(self, before: _Schema, terms: Terms) -> tuple[set, set]:
        """The predicates whose :meth:`plan` differs from ``before``'s (among those it planned), and the
        classes whose super-classes differ."""
        predicates = {p for p, plan in before._plans.items() if self.plan(p, terms) != plan}
        classes = {c for c in self.super_classes.keys() | before.super_classes.keys()
                   if self.super_classes.get(c) != before.super_classes.get(c)}
        return predicates, classes


def _transitive(edges: dict) -> dict:
    """node → every node reachable from it over one or more ``edges``."""
    closed = {}
    for start in edges:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closed[start] = seen
    return closed


class _Clock:
    """The time limit of a closure, looked at every :attr:`EVERY` instance triples expanded."""

    EVERY = 65536

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def watch(self, items: Iterable) -> Iterator:
        """``items``, looking at the clock every :attr:`EVERY` of them (taken a batch at a time: counting
        each in Python cost a fifth of reading a store's triples)."""
        items = iter(items)
        while batch := list(itertools.islice(items, self.EVERY)):
            self.check()
            yield from batch

    def check(self) -> None:
        """Raise :class:`LimitError` when the time is up."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitError(f"rdfs reasoning stopped after {self.timeout:g} s, the time limit", "timeout",
                             hint="reason over less data, or allow more time (--timeout SECONDS)")


def _expand(triples: Iterable[tuple], schema: _Schema, terms: Terms, clock: _Clock) -> set[tuple]:
    """What the closed ``schema`` gives from ``triples`` (rdfs2, 3, 7, 9)."""
    found: set[tuple] = set()
    add = found.add
    rdf_type = terms.type
    plans: dict = {}  # predicate → schema.plan(predicate), looked up once per predicate
    up_classes = schema.up_classes
    for done, (s, p, o) in enumerate(triples):
        if not done % clock.EVERY:
            clock.check()
        plan = plans.get(p)
        if plan is None:
            plan = plans[p] = schema.plan(p, terms)
        supers, subject_classes, object_classes, types = plan
        for q in supers:
            add((s, q, o))  # rdfs7
        for c in subject_classes:
            add((s, rdf_type, c))  # rdfs2 (and rdfs9)
        for c in object_classes:
            add((o, rdf_type, c))  # rdfs3 (and rdfs9)
        if types:
            for c in up_classes(o):
                add((s, rdf_type, c))  # rdfs9
    return found


def _schema_level(schema: _Schema, terms: Terms) -> set[tuple]:
    """What the closed ``schema`` gives alone (rdf1 for the predicates used, rdfs5, 6, 8, 10, 11)."""
    found: set[tuple] = set()
    rdf_type = terms.type
    for p in schema.used:
        found.update((q, rdf_type, terms.property) for q in schema.up_properties(p))  # rdf1
    for p, ups in schema.super_properties.items():
        found.update((p, terms.sub_property_of, q) for q in ups)  # rdfs5
    found.update((p, terms.sub_property_of, p) for p in schema.properties)  # rdfs6
    for c, ups in schema.super_classes.items():
        found.update((c, terms.sub_class_of, d) for d in ups)  # rdfs11
    for c in schema.classes:
        found.add((c, terms.sub_class_of, c))  # rdfs10
        found.add((c, terms.sub_class_of, terms.resource))  # rdfs8
    return found
