"""Inference that scales: the linear RDFS closure (the schema closed once, applied to each instance
triple) gives exactly what owlrl gives."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace

from towncase import reason

EX = Namespace("https://example.org/")


def test_linear_rdfs_equals_owlrl_on_the_shipped_cases(shipped_data, ontology):
    linear = reason.run(shipped_data, "rdfs", ontology)
    owlrl = reason.run(shipped_data, "rdfs", ontology, linear=False)
    assert len(linear.graph) > 1000
    assert set(linear.graph) == set(owlrl.graph)


def _corner_cases() -> Graph:
    g = Graph()
    g.add((EX.p, RDFS.subPropertyOf, EX.q))
    g.add((EX.q, RDFS.subPropertyOf, EX.r))
    g.add((EX.r, RDFS.domain, EX.A))
    g.add((EX.q, RDFS.range, EX.B))
    g.add((EX.A, RDFS.subClassOf, EX.C))
    g.add((EX.C, RDFS.subClassOf, EX.A))  # a cycle
    g.add((EX.x, EX.p, EX.y))
    g.add((EX.x, EX.p, Literal("a literal")))
    g.add((EX.D, RDF.type, RDFS.Class))
    g.add((EX.m, RDF.type, RDFS.ContainerMembershipProperty))
    g.add((EX.bag, EX.m, EX.item))
    g.add((EX.dt, RDF.type, RDFS.Datatype))
    g.add((EX.unused, RDF.type, RDF.Property))
    g.add((EX.t, RDFS.subPropertyOf, RDF.type))  # a sub-property of rdf:type
    g.add((EX.z, EX.t, EX.A))
    return g


@pytest.mark.parametrize("drop", [None, RDFS.domain, RDFS.subClassOf, RDF.type])
def test_linear_rdfs_equals_owlrl_on_the_rules_corner_cases(drop):
    g = _corner_cases()
    if drop is not None:
        g.remove((None, drop, None))
    assert set(reason.run(g, "rdfs").graph) == set(reason.run(g, "rdfs", linear=False).graph)


def test_the_comparison_is_not_blind():
    g = _corner_cases()
    linear = set(reason.run(g, "rdfs").graph)
    assert (EX.x, RDF.type, EX.C) in linear and (EX.x, EX.r, EX.y) in linear and (EX.item, RDF.type, EX.A) not in linear
    g.add((EX.extra, EX.p, EX.y))
    assert set(reason.run(g, "rdfs").graph) != linear
