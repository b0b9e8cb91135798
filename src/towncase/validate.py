"""Validation: SHACL shapes over the data, and every check a data author needs, returning a value whose
report stays RDF.

:func:`validate` runs the shapes over one graph. :func:`check` runs everything the project enforces on
a corpus of cases: the shapes over the reference data and over each case on its own (with the
reference data and the concept schemes), every quote verbatim in its source, every value and
comparator against the expression the text prints, and the quality (``*-violation``) queries. Each
finding names the file to edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import cast

from rdflib import RDF, SH, BNode, Graph, Literal, Node, URIRef

from . import load, offline, quantities, resources
from .errors import InputError, UnknownNameError, engine_errors
from .labels import bilingual, curie
from .namespaces import PREFIXES, TC, bind_prefixes, bound_copy
from .reason import REGIMES, ReasonLimits, expand


@dataclass(frozen=True)
class Finding:
    """One problem, with what a data author needs to fix it.

    ``shape`` names what found it: a SHACL shape, or for the other checks ``quote-verbatim``,
    ``value-as-written`` or a quality query's name. ``file`` is the file to edit, where known.
    """

    severity: str          # "Violation", "Warning" or "Info"
    focus: Node
    focus_label: str       # zh-Hans / en labels of the focus node, or "" when it has none
    path: Node | None
    shape: Node | str
    constraint: Node | None
    message: str
    value: Node | None
    file: Path | None = None


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
    files = resources.shape_files()
    if not files:
        raise InputError(f"no *.shapes.ttl file in {resources.artefact_dir('shapes')}",
                         hint="reinstall the package: pip install --force-reinstall towncase")
    graph = bind_prefixes(Graph())
    for path in files:  # each file on its own: one emptied file must not hide behind the others
        shapes = load.parse_file(path)
        try:
            check_shapes(shapes)
        except InputError as err:
            raise InputError(f"{path}: {err.args[0]}", hint=err.hint) from None
        graph += shapes
    return graph


def shapes() -> Graph:
    """All shipped SHACL shapes (violations and recommendations) in one graph."""
    return bound_copy(_shapes())


def validate(data: Graph, *, inference: str = "none", shapes_graph: Graph | None = None,
             ontology: Graph | None = None, limits: ReasonLimits | None = None) -> ValidationResult:
    """Validate ``data`` against the shapes.

    Args:
        data: the triples to check (the concept schemes should be included, as
            :func:`towncase.load.shipped_data` does); left unchanged.
        inference: ``none``, ``rdfs`` or ``owlrl``: what pySHACL infers, with the ontology,
            before it checks.
        shapes_graph: shapes to use instead of the shipped ones.
        ontology: axioms for the inference; the shipped ontology by default.
        limits: time and size limits of the inference (see :func:`towncase.reason.expand`).

    Raises:
        UnknownNameError: the inference regime is not known.
        InputError: the shapes hold no shape, or a SPARQL query in them would reach the network.
        LimitError: the inference reached a limit.
        OfflineError: pySHACL tried to reach the network or a file.
        EngineError: pySHACL failed.
    """
    if inference not in REGIMES:
        raise UnknownNameError("inference regime", inference, list(REGIMES))
    shapes_graph = shapes_graph if shapes_graph is not None else _shapes()
    check_shapes(shapes_graph)
    if inference != "none":
        # What pySHACL would do with ont_graph and inference, but bounded (pySHACL's own run of owlrl
        # has no limit): the ontology mixed into a copy of the data, the closure added to it.
        target = Graph()
        target += data
        target += ontology if ontology is not None else load.ontology()
        expand(target, inference, limits, rdfs_literal_rules=False)
        data = target
    from pyshacl import validate as shacl_validate  # imported by the commands that validate only

    with offline.guard("validating with pySHACL"), engine_errors("pySHACL"):
        conforms, report, text = shacl_validate(data, shacl_graph=shapes_graph, inference="none",
                                                allow_warnings=True, advanced=True)
    if not isinstance(report, Graph):  # pySHACL returns (not raises) a failure, e.g. SERVICE in sh:sparql
        raise InputError(f"pySHACL cannot run these shapes: {report}",
                         hint="fix the shapes (a SPARQL constraint must not use SERVICE)")
    bind_prefixes(report)
    for node in set(report.subjects(RDF.type, SH.ValidationReport)):
        # SHACL §3.6.1: sh:conforms is true only when there is no result at all; pySHACL's
        # allow_warnings says true beside warnings. The exit code still lets warnings pass.
        report.set((node, SH.conforms, Literal(not any(report.objects(node, SH.result)))))
    findings = tuple(sorted(_findings(report, data), key=_order))
    return ValidationResult(conforms=bool(conforms), graph=report, text=text, findings=findings)


#: Where a shapes graph may hold SPARQL (SHACL-SPARQL constraints, SHACL-AF targets, rules, functions).
_SPARQL_TEXT = (SH.select, SH.ask, SH.construct, SH.update)
_SHAPE_CLASSES = (SH.NodeShape, SH.PropertyShape)


def check_shapes(shapes_graph: Graph) -> None:
    """Refuse shapes that cannot check anything or would reach out.

    Raises:
        InputError: the graph declares no shape (an emptied shapes file makes any data
            "conform"), or a SPARQL text in it uses ``SERVICE`` or ``FROM`` (pySHACL checks
            ``SERVICE`` only in ``sh:sparql`` constraints, not in SHACL-AF targets or rules).
    """
    declared = (s for cls in _SHAPE_CLASSES for s in shapes_graph.subjects(RDF.type, cls))
    if next(declared, None) is None and next(shapes_graph.subjects(SH.targetClass, None), None) is None:
        raise InputError("the shapes graph declares no shape: any data would 'conform'",
                         hint="check that the shapes files are not empty or truncated")
    for holder, prop in ((s, p) for p in _SPARQL_TEXT for s in shapes_graph.subjects(p, None)):
        for text in shapes_graph.objects(holder, prop):
            if _NETWORK_KEYWORD.search(_NOT_CODE.sub(" ", str(text))):
                raise InputError(f"the SPARQL of {holder} ({prop.n3(shapes_graph.namespace_manager)}) uses SERVICE, "
                                 "FROM or LOAD, which would reach the network; towncase never does",
                                 hint="run federated checks in a triple store, not here")


#: SPARQL strings, IRIs and comments, which may hold the keywords as plain words.
_NOT_CODE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                       r"|'(?:[^'\\\n]|\\.)*'|<[^<>\s]*>|#[^\n]*")
_NETWORK_KEYWORD = re.compile(r"\b(SERVICE|FROM|LOAD)\b", re.IGNORECASE)


def validate_files(paths: Iterable[Path], *, inference: str = "none",
                   limits: ReasonLimits | None = None) -> ValidationResult:
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
    return validate(load.concepts() + load.reference() + given, inference=inference, limits=limits)


#: The checks :func:`check` runs besides the shapes, by the name a finding gives as its ``shape``.
QUOTE_CHECK, VALUE_CHECK = "quote-verbatim", "value-as-written"


def check(data: load.Corpus | None = None, *, inference: str = "none",
          progress: Callable[[str], None] = lambda message: None,
          limits: ReasonLimits | None = None) -> ValidationResult:
    """Run every check on a corpus: the shapes over the reference data and over each case on its own
    (each with the reference data and the concept schemes), quotes verbatim in their sources, values
    and comparators against the printed expressions, and the quality (``*-violation``) queries.

    ``conforms`` is false when any check finds a Violation; ``graph`` is the SHACL report of the
    reference data and every case merged. Each finding names the file to edit.

    Raises:
        InputError: two cases mint the same entity, or a file does not parse.
    """
    from . import query  # the quality queries; imported here to keep validation's imports small

    data = data or load.corpus()
    load.check_minting(data)
    shared = load.concepts() + load.reference(data)
    parts = [("reference data", shared)]
    parts += [(f"case {case.name}", shared + load.case(case.name, data)) for case in data.cases]
    findings: dict[tuple, Finding] = {}
    conforms, results = True, bind_prefixes(Graph())
    for name, graph in parts:
        progress(f"validating {name} against the SHACL shapes …")
        result = validate(graph, inference=inference, limits=limits)
        conforms &= result.conforms
        results += result.graph
        for finding in result.findings:
            findings.setdefault(_key(finding), finding)
    whole = load.data_graph(data)
    progress("checking quotes and values against the sources …")
    extra = list(_quote_findings(data, whole)) + list(_value_findings(whole))
    progress("running the quality queries …")
    ds = load.dataset(data)
    for stored in query.catalogue().values():
        if stored.name.endswith("-violation"):
            extra += _query_findings(ds, stored, query.run(ds, stored))
    for finding in extra:
        findings.setdefault(_key(finding), finding)
    located = [replace(f, file=load.where(data, f.focus)) if f.file is None else f for f in findings.values()]
    ordered = tuple(sorted(located, key=_order))
    conforms = conforms and not any(f.severity == "Violation" for f in extra)
    return ValidationResult(conforms=conforms, graph=_one_report(results, extra), text="", findings=ordered)


def _one_report(shacl: Graph, extra: list[Finding]) -> Graph:
    """One sh:ValidationReport holding the results of every SHACL run and of the other checks (their
    sh:sourceShape is ``shape:check-<name>``). As SHACL §3.6.1 says, sh:conforms is true only when the
    report holds no result at all, warnings included (the exit code still treats warnings as passing)."""
    report = bind_prefixes(Graph())
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    reports = set(shacl.subjects(RDF.type, SH.ValidationReport))
    for old in reports:
        for result in shacl.objects(old, SH.result):
            report.add((node, SH.result, result))
    for s, p, o in shacl:
        if s not in reports:
            report.add((s, p, o))
    for finding in extra:
        result = BNode()
        report.add((node, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, finding.focus))
        report.add((result, SH.resultSeverity, SH[finding.severity]))
        report.add((result, SH.sourceShape, URIRef(PREFIXES["shape"] + "check-" + str(finding.shape))))
        report.add((result, SH.resultMessage, Literal(finding.message)))
        if finding.path is not None:
            report.add((result, SH.resultPath, finding.path))
        if finding.value is not None:
            report.add((result, SH.value, finding.value))
    report.add((node, SH.conforms, Literal(not any(report.objects(node, SH.result)))))
    return report


def _key(finding: Finding) -> tuple:
    return (finding.severity, finding.focus, finding.path, str(finding.shape), finding.message, finding.value)


def _violation(graph: Graph, focus: Node, check: str, message: str, path: Node | None = None,
               value: Node | None = None, file: Path | None = None) -> Finding:
    return Finding(severity="Violation", focus=focus, focus_label=bilingual(graph, focus), path=path, shape=check,
                   constraint=None, message=message, value=value, file=file)


def _quote_findings(data: load.Corpus, graph: Graph):
    """Every quote's text is an exact substring of the local copy of its source."""
    for quote in sorted(graph.subjects(RDF.type, TC.Quote), key=str):
        text, source = graph.value(quote, TC.text), graph.value(quote, TC.quotedFrom)
        local = graph.value(source, TC.localCopy) if source is not None else None
        if text is None or source is None or local is None:
            continue  # the shapes report a quote without text, source or local copy
        try:
            copy = load.source_text(data, source, str(local))
        except InputError as err:
            yield _violation(graph, quote, QUOTE_CHECK, str(err), TC.quotedFrom, source)
            continue
        if str(text) not in copy:
            yield _violation(graph, quote, QUOTE_CHECK,
                             f"the quote is not verbatim in {local} (copy it exactly, line breaks included; "
                             f"the nearest part of the source starts: {_nearest(str(text), copy)!r})",
                             TC.text, text)


def _nearest(text: str, copy: str) -> str:
    """The start of the longest prefix of ``text`` found in ``copy``, to show where a quote drifts."""
    low, high = 0, len(text)
    while low < high:  # binary search on the prefix length
        middle = (low + high + 1) // 2
        if text[:middle] in copy:
            low = middle
        else:
            high = middle - 1
    if not low:
        return ""
    start = copy.index(text[:low])
    return copy[start:start + low + 10]


def _value_findings(graph: Graph):
    """An observation's value and comparator follow from its value as written, which stands in one
    of its quotes."""
    for obs in sorted(graph.subjects(RDF.type, TC.Observation), key=str):
        written, value = graph.value(obs, TC.valueAsWritten), graph.value(obs, TC.value)
        comparator = graph.value(obs, TC.comparator)
        if written is None or value is None:
            continue  # the shapes report an incomplete observation
        quoted = [str(graph.value(q, TC.text)) for q in graph.objects(obs, TC.evidence)]
        if not any(str(written) in q for q in quoted):
            yield _violation(graph, obs, VALUE_CHECK, f"the value as written {str(written)!r} is in none of the "
                             "observation's evidence quotes", TC.valueAsWritten, written)
        try:
            expected = quantities.value(str(written))
        except ValueError:
            yield _violation(graph, obs, VALUE_CHECK, f"cannot read a number in {str(written)!r}",
                             TC.valueAsWritten, written)
            continue
        try:
            actual = Decimal(str(value.toPython())) if isinstance(value, Literal) else None
        except InvalidOperation:
            actual = None
        if actual != expected:
            yield _violation(graph, obs, VALUE_CHECK, f"tc:value {value} does not match {str(written)!r}, which "
                             f"reads as {expected} in base units (data/README.md: quantities)", TC.value, value)
        slug = quantities.comparator(str(written))
        if comparator is not None and not str(comparator).endswith("/" + slug):
            yield _violation(graph, obs, VALUE_CHECK, f"tc:comparator {curie(comparator)} does not match "
                             f"{str(written)!r}, which reads as cmp:{slug}", TC.comparator, comparator)


def _query_findings(ds, stored, result) -> list[Finding]:
    """A quality query's rows: the first column is the focus, the others its details."""
    found = []
    names = [str(v) for v in result.vars]
    for row in result:
        values = [row[i] for i in range(len(names))]
        focus = values[0]
        details = ", ".join(f"{n}={curie(v)}" for n, v in zip(names[1:], values[1:], strict=True) if v is not None)
        message = stored.summary("en") + (f" ({details})" if details else "")
        found.append(Finding(severity="Violation", focus=focus, focus_label=bilingual(ds, focus), path=None,
                             shape=stored.name, constraint=None, message=message, value=None))
    return found


def _findings(report: Graph, data: Graph):
    # Top-level results only: pySHACL nests the results of a failing sh:node under sh:detail.
    for result in report.objects(None, SH.result):
        # SHACL §3.6.2: every result has exactly one sh:focusNode and one sh:sourceShape
        focus = cast(Node, report.value(result, SH.focusNode))
        severity = report.value(result, SH.resultSeverity)
        yield Finding(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus=focus,
            focus_label=bilingual(data, focus),
            path=report.value(result, SH.resultPath),
            shape=cast(Node, report.value(result, SH.sourceShape)),
            constraint=report.value(result, SH.sourceConstraintComponent),
            message=str(report.value(result, SH.resultMessage) or ""),
            value=report.value(result, SH.value),
        )


def _order(finding: Finding):
    rank = {"Violation": 0, "Warning": 1, "Info": 2}.get(finding.severity, 3)
    return (rank, str(finding.file or ""), str(finding.focus), str(finding.path), str(finding.shape), finding.message)

