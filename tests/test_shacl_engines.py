"""pyshacl-turbo gives the same SHACL report as pySHACL: on every shipped case (with the reference data
and concept schemes, as towncase validate checks it) and on every shape fixture, result by result."""

from __future__ import annotations

import pytest
from rdflib import SH, BNode, Graph
from test_shapes import INVALID, VALID, fixture_data, with_concepts

from towncase import load, validate

RESULT_PARTS = (SH.focusNode, SH.resultPath, SH.resultSeverity, SH.sourceShape, SH.sourceConstraintComponent,
                SH.value, SH.resultMessage)


def results(report: Graph) -> list[tuple]:
    """Every top-level result as its parts (a blank-node path or shape as the triples that describe it)."""
    def part(node):
        if isinstance(node, BNode):
            return tuple(sorted((str(p), str(o)) for p, o in report.predicate_objects(node)))
        return None if node is None else str(node)

    return sorted((tuple(part(report.value(r, p)) for p in RESULT_PARTS) for r in report.objects(None, SH.result)),
                  key=repr)


def both(graph: Graph) -> tuple[validate.ValidationResult, validate.ValidationResult]:
    return (validate.validate(graph, engine="pyshacl"), validate.validate(graph, engine="turbo"))


@pytest.mark.parametrize("case", load.corpus(env=False).names)
@pytest.mark.slow
def test_the_same_report_on_a_shipped_case(corpus, case):
    graph = load.concepts() + load.reference(corpus) + load.case(case, corpus)
    reference, fast = both(graph)
    assert fast.conforms == reference.conforms
    assert results(fast.graph) == results(reference.graph) and results(reference.graph)
    assert fast.findings == reference.findings


@pytest.mark.parametrize("path", VALID + INVALID, ids=[p.name for p in VALID + INVALID])
def test_the_same_report_on_a_shape_fixture(path):
    reference, fast = both(with_concepts(fixture_data(path)))
    assert (fast.conforms, results(fast.graph)) == (reference.conforms, results(reference.graph))
