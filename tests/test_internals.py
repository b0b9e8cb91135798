"""The rdflib, pyoxigraph and owlrl internals towncase leans on, pinned: each test fails if a
release renames what the code looks for, instead of letting a check pass without checking."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql.parserutils import CompValue

from towncase import query, reason
from towncase.errors import InputError


def names(node: object, found: set[str]) -> set[str]:
    if isinstance(node, CompValue):
        found.add(node.name)
        for value in node.values():
            names(value, found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            names(item, found)
    return found


def test_the_algebra_node_names_query_walks_for_still_exist():
    text = """SELECT ?s (COUNT(?o) AS ?n) WHERE {
        VALUES ?s { <https://example.org/a> } GRAPH ?g { ?s ?p ?o } BIND(1 AS ?one)
        FILTER EXISTS { ?s ?p ?o } } GROUP BY ?s"""
    found = names(query.from_text(text).prepared.algebra, set())
    assert {"BGP", "Extend", "Graph", "values", "Builtin_EXISTS"} <= found
    assert any(name.startswith("Aggregate_") for name in found)


def test_variables_are_found_through_the_algebra():
    q = query.from_text("SELECT ?town WHERE { ?town a ?class . FILTER(?class = ?wanted) }")
    assert {"town", "class", "wanted"} <= q.variables and q.input_variables == {"wanted"}


def test_service_is_still_found_in_the_algebra():
    with pytest.raises(InputError, match=r"SERVICE <https://example\.org/sparql>"):
        query.from_text("SELECT * WHERE { OPTIONAL { SERVICE <https://example.org/sparql> { ?s ?p ?o } } }").prepared  # noqa: B018 (reading it prepares the query)


def test_owlrl_still_routes_rules_and_new_triples_through_the_methods_we_bound():
    import owlrl

    for semantics in (owlrl.RDFS_Semantics, owlrl.OWLRL_Semantics):
        assert callable(semantics.rules) and callable(semantics.store_triple)
    assert reason.ReasonLimits().max_triples > 0
