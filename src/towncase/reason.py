"""Inference: a named regime (``none``, ``rdfs``, ``owlrl``) turns asserted triples into a closure.

The closure is returned as a *separate* graph holding only what was inferred; the asserted data
is never changed and nothing inferred is written into ``data/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef

from . import offline
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


@dataclass(frozen=True)
class ReasonLimits:
    """When a closure is stopped: after ``timeout`` seconds, or when the graph (asserted and inferred)
    would hold more than ``max_triples`` triples (2,000 resources pairwise ``owl:sameAs`` give four
    million)."""

    timeout: float = 120.0
    max_triples: int = 1_000_000


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

    semantics = getattr(owlrl, REGIMES[regime])
    if regime == "rdfs" and not rdfs_literal_rules:
        class _RDFSWithoutLiteralRules(semantics):
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


def run(data: Graph, regime: str, ontology: Graph | None = None,
        keep: Callable[[tuple], bool] = lambda t: not _trivial(t), limits: ReasonLimits | None = None) -> Inference:
    """Reason over ``data`` (and the ``ontology``) once; ``data`` is left unchanged.

    Args:
        data: the asserted triples.
        regime: one of :data:`REGIMES`.
        ontology: the axioms to reason with (usually :func:`towncase.load.ontology`).
        keep: which inferred triples to return; by default all but the trivial ones
            (reflexive ``owl:sameAs``, ``rdf:type rdfs:Resource``/``owl:Thing``, literal subjects).
        limits: time and size limits of the closure (see :func:`expand`).

    Raises:
        UnknownNameError: the regime is not known.
        LimitError: the closure reached a limit.
    """
    if regime not in REGIMES:
        raise UnknownNameError("inference regime", regime, list(REGIMES))
    inferred = bind_prefixes(Graph())
    if REGIMES[regime] is None:
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
        if (triple not in asserted and triple[0] not in errors and keep(triple)
                and not _conflated(triple, asserted, closure, below)):
            inferred.add(triple)
    found = sorted(str(text) for error in errors for text in closure.objects(error, _OWLRL_ERROR_TEXT))
    return Inference(inferred, found)


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
