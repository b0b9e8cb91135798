"""Inference: a named regime (``none``, ``rdfs``, ``owlrl``) turns asserted triples into a closure.

The closure is returned as a *separate* graph holding only what was inferred; the asserted data
is never changed and nothing inferred is written into ``data/``.
"""

from __future__ import annotations

from typing import Callable

import owlrl
from rdflib import OWL, RDF, RDFS, Graph, Literal

from .errors import UnknownNameError
from .namespaces import bind_prefixes

REGIMES: dict[str, type | None] = {
    "none": None,
    "rdfs": owlrl.RDFS_Semantics,
    "owlrl": owlrl.OWLRL_Semantics,
}


def _trivial(triple: tuple) -> bool:
    """Triples every resource gets under the regimes, which only bloat a closure."""
    s, p, o = triple
    return (isinstance(s, Literal)
            or (p == OWL.sameAs and s == o)
            or (p == RDF.type and o in (RDFS.Resource, OWL.Thing, RDFS.Literal)))


def infer(data: Graph, regime: str, ontology: Graph | None = None,
          keep: Callable[[tuple], bool] = lambda t: not _trivial(t)) -> Graph:
    """The triples a regime infers from ``data`` (and the ``ontology``), apart from the asserted ones.

    Args:
        data: the asserted triples; left unchanged.
        regime: one of :data:`REGIMES`.
        ontology: the axioms to reason with (usually :func:`towncase.load.ontology`).
        keep: which inferred triples to return; by default all but the trivial ones
            (reflexive ``owl:sameAs``, ``rdf:type rdfs:Resource``/``owl:Thing``, literal subjects).

    Raises:
        UnknownNameError: the regime is not known.
    """
    if regime not in REGIMES:
        raise UnknownNameError("inference regime", regime, list(REGIMES))
    inferred = bind_prefixes(Graph())
    semantics = REGIMES[regime]
    if semantics is None:
        return inferred
    closure = Graph()
    closure += data
    if ontology is not None:
        closure += ontology
    asserted = set(closure)
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    for triple in closure:
        if triple not in asserted and keep(triple):
            inferred.add(triple)
    return inferred
