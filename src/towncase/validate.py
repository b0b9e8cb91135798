"""Validation: SHACL shapes over the data, returning a value whose report stays RDF."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from pyshacl import validate as shacl_validate
from rdflib import SH, Graph, Node

from . import load, resources
from .errors import InputError, UnknownNameError
from .labels import bilingual
from .namespaces import bind_prefixes, bound_copy
from .reason import REGIMES


@dataclass(frozen=True)
class Finding:
    """One result of a SHACL report, with what a data author needs to fix it."""

    severity: str          # "Violation", "Warning" or "Info"
    focus: Node
    focus_label: str       # zh-Hans / en labels of the focus node, or "" when it has none
    path: Node | None
    shape: Node
    constraint: Node | None
    message: str
    value: Node | None


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of :func:`validate`: ``conforms`` is false only when a Violation was found."""

    conforms: bool
    graph: Graph
    text: str
    findings: tuple[Finding, ...]

    def by_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity."""
        return [f for f in self.findings if f.severity == severity]


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return load.parse_files(resources.shape_files())


def shapes() -> Graph:
    """All shipped SHACL shapes (violations and recommendations) in one graph."""
    return bound_copy(_shapes())


def validate(data: Graph, *, inference: str = "none", shapes_graph: Graph | None = None,
             ontology: Graph | None = None) -> ValidationResult:
    """Validate ``data`` against the shapes.

    Args:
        data: the triples to check (the concept schemes should be included, as
            :func:`towncase.load.shipped_data` does); left unchanged.
        inference: ``none``, ``rdfs`` or ``owlrl``: what pySHACL infers, with the ontology,
            before it checks.
        shapes_graph: shapes to use instead of the shipped ones.
        ontology: axioms for the inference; the shipped ontology by default.

    Raises:
        UnknownNameError: the inference regime is not known.
    """
    if inference not in REGIMES:
        raise UnknownNameError("inference regime", inference, list(REGIMES))
    conforms, report, text = shacl_validate(
        data,
        shacl_graph=shapes_graph if shapes_graph is not None else _shapes(),
        ont_graph=(ontology if ontology is not None else load.ontology()) if inference != "none" else None,
        inference=inference,
        allow_warnings=True,
        advanced=True,
    )
    bind_prefixes(report)
    findings = tuple(sorted(_findings(report, data), key=_order))
    return ValidationResult(conforms=bool(conforms), graph=report, text=text, findings=findings)


def validate_files(paths: Iterable[Path], *, inference: str = "none") -> ValidationResult:
    """Validate RDF files (or folders of them), together with the shared concept schemes.

    Raises:
        InputError: a file is missing, unreadable or holds no triples.
        RDFSyntaxError: a file does not parse (names the file and line).
    """
    paths = list(paths)
    given = load.parse_files(paths)
    if not len(given):
        raise InputError(f"no triples in {', '.join(map(str, paths))}: nothing to validate",
                         hint="give the Turtle (or other RDF) files of a case")
    return validate(load.concepts() + given, inference=inference)


def _findings(report: Graph, data: Graph):
    # Top-level results only: pySHACL nests the results of a failing sh:node under sh:detail.
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        yield Finding(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus=focus,
            focus_label=bilingual(data, focus),
            path=report.value(result, SH.resultPath),
            shape=report.value(result, SH.sourceShape),
            constraint=report.value(result, SH.sourceConstraintComponent),
            message=str(report.value(result, SH.resultMessage) or ""),
            value=report.value(result, SH.value),
        )


def _order(finding: Finding):
    rank = {"Violation": 0, "Warning": 1, "Info": 2}.get(finding.severity, 3)
    return (rank, str(finding.focus), str(finding.path), str(finding.shape), finding.message)

