"""Inference: a named regime (``none``, ``rdfs``, ``owlrl``) turns asserted triples into a closure.

The closure is returned as a *separate* graph holding only what was inferred; the asserted data
is never changed and nothing inferred is written into ``data/``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
    """Triples every resource gets under the regimes, which only bloat a closure."""
    s, p, o = triple
    return (isinstance(s, Literal)
            or (p == OWL.sameAs and s == o)
            or (p == RDF.type and o in (RDFS.Resource, OWL.Thing, RDFS.Literal)))


@dataclass(frozen=True)
class Inference:
    """What a regime gives: the inferred triples (never the asserted ones) and the contradictions
    it found, as owlrl words them (only OWL RL finds any)."""

    graph: Graph
    inconsistencies: list[str]


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
        limits = limits or ReasonLimits()
        found = rdfs_closure(itertools.chain(data, ontology if ontology is not None else ()))
        if len(found) + len(data) > limits.max_triples:
            raise LimitError(f"rdfs reasoning stopped: the closure passed {limits.max_triples:,} triples",
                             "triples", hint="reason over less data, or raise the limit (--max-triples N)")
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


def run_store(source, regime: str, limits: ReasonLimits | None = None) -> Inference:
    """:func:`run` over every named graph of a store (:mod:`towncase.store`), the ontology's among them:
    RDFS straight from the store's triples, OWL RL through an rdflib graph of them."""
    if regime == "rdfs":
        data = _Triples(source.triples())
        return run(data, regime, limits=limits)
    graph = Graph()
    for triple in source.triples():
        graph.add(triple)
    return run(graph, regime, limits=limits)


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


def closure_dataset(ds: Dataset, regime: str) -> Dataset:
    """A new dataset: the named graphs of ``ds`` and, in :func:`inferred_graph`, what ``regime``
    infers from them (the ``graph/ontology`` graph gives the axioms). ``ds`` is left unchanged.

    Queries over it see asserted and inferred triples together (the default graph is the union);
    ``GRAPH`` keeps them apart.

    Raises:
        UnknownNameError: the regime is not known.
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
        named += infer(data, regime, ontology)
    return closure


# ---------------------------------------------------------------------------------------------
# RDFS in linear time: the schema closed once, then applied to each instance triple
# ---------------------------------------------------------------------------------------------

_SCHEMA = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)


def rdfs_closure(triples: Iterable[tuple]) -> set[tuple]:
    """What the RDFS entailment rules (rdf1, rdfs2, 3, 5–11, 12, 13) add to ``triples``, without the
    trivial triples (:func:`_trivial`): what ``run(…, "rdfs")`` returns, in time linear in the data.

    owlrl applies every rule to every triple until nothing changes, so its time grows with the data
    times the rounds. Here the schema (sub-class and sub-property hierarchies, domains, ranges) is
    closed first, as it is small, and each instance triple is then expanded once: its super-properties
    (rdfs7), the domains and ranges of those (rdfs2, rdfs3) and the super-classes of every type
    (rdfs9). The few schema triples the instance data could add (a property typed
    ``rdfs:ContainerMembershipProperty``, a class typed ``rdfs:Class``) are added in a second pass
    until nothing changes. A test checks the result equals owlrl's on the shipped cases.
    """
    asserted = set(triples)
    found: set[tuple] = set()
    schema_seen = -1
    while True:
        every = asserted | found
        schema = [t for t in every if t[1] in _SCHEMA or (t[1] == RDF.type and t[2] in _META)]
        if len(schema) == schema_seen:
            break
        schema_seen = len(schema)
        found |= _expand(every, _Schema(every, schema))
    return {t for t in found - asserted if not _trivial(t)}


_META = (RDF.Property, RDFS.Class, RDFS.ContainerMembershipProperty, RDFS.Datatype)


class _Schema:
    """The closed schema: each property's super-properties and each class's super-classes (over one
    or more edges), and the domains and ranges."""

    def __init__(self, every: set[tuple], schema: list[tuple]) -> None:
        sub_property: dict = {}
        sub_class: dict = {}
        self.domains: dict = {}
        self.ranges: dict = {}
        used = {p for _, p, _ in every}
        typed_properties, self.classes = set(), set()
        for s, p, o in schema:
            if p == RDFS.subPropertyOf:
                sub_property.setdefault(s, set()).add(o)
            elif p == RDFS.subClassOf:
                sub_class.setdefault(s, set()).add(o)
            elif p == RDFS.domain:
                self.domains.setdefault(s, set()).add(o)
            elif p == RDFS.range:
                self.ranges.setdefault(s, set()).add(o)
            elif o == RDF.Property:
                typed_properties.add(s)
            elif o == RDFS.Class:
                self.classes.add(s)
            elif o == RDFS.ContainerMembershipProperty:
                sub_property.setdefault(s, set()).add(RDFS.member)  # rdfs12
            elif o == RDFS.Datatype:
                sub_class.setdefault(s, set()).add(RDFS.Literal)  # rdfs13
        self.super_properties = _transitive(sub_property)
        self.super_classes = _transitive(sub_class)
        # rdf1 types every predicate (and, through rdfs7, its super-properties) rdf:Property; rdfs6 then
        # makes each its own sub-property.
        self.properties = typed_properties | used | {q for p in used for q in self.super_properties.get(p, ())}

    def up_properties(self, p) -> set:
        return self.super_properties.get(p, set()) | {p}

    def up_classes(self, c) -> set:
        return self.super_classes.get(c, set()) | {c}


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


def _expand(every: set[tuple], schema: _Schema) -> set[tuple]:
    found: set[tuple] = set()
    add = found.add
    for s, p, o in every:
        for q in schema.up_properties(p):
            if q != p:
                add((s, q, o))  # rdfs7
            add((q, RDF.type, RDF.Property))  # rdf1
            for domain in schema.domains.get(q, ()):
                for c in schema.up_classes(domain):
                    add((s, RDF.type, c))  # rdfs2 (and rdfs9)
            for range_ in schema.ranges.get(q, ()):
                for c in schema.up_classes(range_):
                    add((o, RDF.type, c))  # rdfs3 (and rdfs9)
            if q == RDF.type:
                for c in schema.up_classes(o):
                    add((s, RDF.type, c))  # rdfs9
    for p, ups in schema.super_properties.items():
        found.update((p, RDFS.subPropertyOf, q) for q in ups)  # rdfs5
    found.update((p, RDFS.subPropertyOf, p) for p in schema.properties)  # rdfs6
    for c, ups in schema.super_classes.items():
        found.update((c, RDFS.subClassOf, d) for d in ups)  # rdfs11
    for c in schema.classes:
        add((c, RDFS.subClassOf, c))  # rdfs10
        add((c, RDFS.subClassOf, RDFS.Resource))  # rdfs8
    return found
