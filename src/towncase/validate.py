"""Validation: SHACL shapes over the data, and every check a data author needs, returning a value whose
report stays RDF.

:func:`validate` runs the shapes over one graph. :func:`check` runs everything the project enforces on
a corpus of cases: the shapes over the reference data and over each case on its own (with the
reference data and the concept schemes), every quote verbatim in its source, every value and
comparator against the expression the text prints, and the quality (``*-violation``) queries. Each
finding names the file to edit.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import cast

from rdflib import RDF, SH, BNode, Graph, Literal, Node, URIRef

from . import cache, load, offline, quantities, resources
from .bounded import each_forked
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
    """The outcome of :func:`validate`: ``conforms`` is false only when a Violation was found.

    ``report`` makes the SHACL report graph (:attr:`graph`) when it is first asked for: over
    thousands of cases it is large, and only ``validate --format turtle`` reads it."""

    conforms: bool
    report: Callable[[], Graph] = field(repr=False)
    text: str
    findings: tuple[Finding, ...]

    @cached_property
    def graph(self) -> Graph:
        """The SHACL validation report (one ``sh:ValidationReport``) as RDF."""
        return self.report()

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
             ontology: Graph | None = None, limits: ReasonLimits | None = None,
             engine: str = "turbo") -> ValidationResult:
    """Validate ``data`` against the shapes.

    Args:
        data: the triples to check (the concept schemes should be included, as
            :func:`towncase.load.shipped_data` does); left unchanged.
        inference: ``none``, ``rdfs`` or ``owlrl``: what pySHACL infers, with the ontology,
            before it checks.
        shapes_graph: shapes to use instead of the shipped ones.
        ontology: axioms for the inference; the shipped ontology by default.
        limits: time and size limits of the inference (see :func:`towncase.reason.expand`).
        engine: one of :data:`SHACL_ENGINES`. With inference, pySHACL always: owlrl's closure holds
            triples with a literal subject (generalised RDF), which pyshacl-turbo refuses.

    Raises:
        UnknownNameError: the inference regime or the engine is not known.
        InputError: the shapes hold no shape, or a SPARQL query in them would reach the network.
        LimitError: the inference reached a limit.
        OfflineError: pySHACL tried to reach the network or a file.
        EngineError: pySHACL failed.
    """
    if inference not in REGIMES:
        raise UnknownNameError("inference regime", inference, list(REGIMES))
    shapes_graph = shapes_graph if shapes_graph is not None else _shapes()
    check_shapes(shapes_graph)
    if engine not in SHACL_ENGINES:
        raise UnknownNameError("SHACL engine", engine, list(SHACL_ENGINES))
    if inference != "none":
        engine = "pyshacl"  # owlrl's closure holds literal subjects (generalised RDF): turbo refuses them
        # What pySHACL would do with ont_graph and inference, but bounded (pySHACL's own run of owlrl
        # has no limit): the ontology mixed into a copy of the data, the closure added to it.
        target = Graph()
        target += data
        target += ontology if ontology is not None else load.ontology()
        expand(target, inference, limits, rdfs_literal_rules=False)
        data = target
    conforms, report, text = _shacl(data, shapes_graph, engine)
    findings = tuple(sorted(_findings(report, data), key=_order))
    return ValidationResult(conforms=conforms, report=lambda: report, text=text, findings=findings)


def _shacl(data, shapes_graph: Graph, engine: str) -> tuple[bool, Graph, str]:
    """SHACL over ``data`` (an rdflib graph, or for pyshacl-turbo a pyoxigraph store, which it reads
    without rdflib): (conforms, report, text).

    With the shipped shapes, pyshacl-turbo reuses the shapes it compiled once per process. ``engine`` is
    one of :data:`SHACL_ENGINES` (the callers check it)."""
    if engine == "turbo":  # imported by the commands that validate only
        from pyshacl_turbo import validate as shacl_validate
    else:
        from pyshacl import validate as shacl_validate

    name = "pyshacl-turbo" if engine == "turbo" else "pySHACL"
    # the shipped shapes are read (and compiled) before the guard, which allows no file outside the engines
    compiled = _compiled_shapes() if engine == "turbo" and shapes_graph is _shapes() else None
    with offline.guard(f"validating with {name}"), engine_errors(name):
        if compiled is not None:
            conforms, report, text = compiled.validate(data, allow_warnings=True)
        else:
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
    return bool(conforms), report, text


@lru_cache(maxsize=1)
def _compiled_shapes():
    """The shipped shapes compiled by pyshacl-turbo once per process (the workers inherit them)."""
    from pyshacl_turbo import compile_shapes

    return compile_shapes(_shapes(), advanced=True)


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
                   limits: ReasonLimits | None = None, engine: str = "turbo") -> ValidationResult:
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
    return validate(load.concepts() + load.reference() + given, inference=inference, limits=limits, engine=engine)


#: The checks :func:`check` runs besides the shapes, by the name a finding gives as its ``shape``.
QUOTE_CHECK, VALUE_CHECK = "quote-verbatim", "value-as-written"


def check(data: load.Corpus | None = None, *, inference: str = "none",
          progress: Callable[[str], None] = lambda message: None,
          limits: ReasonLimits | None = None, jobs: int | None = None, engine: str = "turbo") -> ValidationResult:
    """Run every check on a corpus: the shapes over the reference data and over each case on its own
    (each with the reference data and the concept schemes), quotes verbatim in their sources, values
    and comparators against the printed expressions, and the quality (``*-violation``) queries, which
    likewise see one case with the ontology, the concept schemes and the reference data (a case must
    stand on its own). No entity may be minted by two cases (:func:`towncase.load.check_minting`).

    ``conforms`` is false when any check finds a Violation; ``graph`` is the SHACL report of the
    reference data and every case merged, with the other checks' findings. Each finding names the
    file to edit.

    The cases are checked in ``jobs`` worker processes (one per CPU by default), each case parsed once
    by Oxigraph's strict parser into a store of its own; what a case's checks found is kept in the
    cache (:mod:`towncase.cache`) under the hash of every file they read (the shapes, queries, ontology,
    schemes, reference data and sources, and the case's files and sources), so only the cases that
    changed are checked again.

    Raises:
        InputError: two cases mint the same entity, or a file does not parse.
        UnknownNameError: the inference regime or the engine is not known.
    """
    data = data or load.corpus()
    if inference not in REGIMES:
        raise UnknownNameError("inference regime", inference, list(REGIMES))
    if engine not in SHACL_ENGINES:
        raise UnknownNameError("SHACL engine", engine, list(SHACL_ENGINES))
    progress("loading the shared data …")
    _shapes()  # parsed and checked once, before the workers start (they inherit them)
    if engine == "turbo":
        _compiled_shapes()
    for path in _shared_files(data):
        load.strict_parsed(path)
    shared_files = [("shapes", resources.shape_files()), ("queries", resources.query_files()),
                    ("ontology", [resources.ontology_file()]), ("schemes", resources.scheme_files()),
                    ("reference", data.reference_files),
                    ("reference sources", [p for folder in data.reference for p in _sources(folder)])]
    # A part names its files (findings, minted entities): the same contents elsewhere (another clone or
    # install sharing the cache) are another entry.
    salt = (f"validation {inference} {engine}", _PART_FORMAT, *(str(folder) for folder in data.reference))
    progress("validating the reference data …")
    reference_part = _cached_part(data, None, shared_files, salt, inference, engine, limits)
    parts: dict[str | None, _Part] = {None: reference_part}
    todo: dict[load.CaseFolder, str] = {}
    memo = _memo_folder(data)
    shared = cache.digest(shared_files, memo=memo)  # once: each case's key holds it, not its files again
    for case in data.cases:
        key = cache.digest([("case " + str(case.path), case.files), ("sources", _sources(case.path))],
                           *salt, f"shared {shared}", memo=memo)
        found = _read_part(data, key)
        if found is None:
            todo[case] = key
        else:
            parts[case.name] = found
    if todo:
        progress(f"validating {len(todo):,} of {len(data.cases):,} cases …")
        shared_keys = frozenset(_key(f) for f in reference_part.findings)
        for case, part in _run_parts(data, list(todo), inference, engine, limits, shared_keys, jobs, progress):
            with contextlib.suppress(InputError):
                cache.write_json(_cache_folder(data), todo[case], _part_json(part))
            parts[case.name] = part
    minted = {Path(path): iris for part in parts.values() for path, iris in part.minted.items()}
    load.check_minting(data, minted.__getitem__)
    findings: dict[tuple, Finding] = {}
    for part in parts.values():
        for finding in part.findings:
            findings.setdefault(_key(finding), finding)
    ordered = tuple(sorted(findings.values(), key=_order))
    conforms = all(part.conforms for part in parts.values())
    reports = [part.report for part in parts.values()]
    return ValidationResult(conforms=conforms, report=lambda: _one_report(reports, ordered), text="", findings=ordered)


#: The SHACL engines: pyshacl-turbo (Rust; the same report as pySHACL on the shipped cases and every
#: shape fixture, several times faster: tests/test_shacl_engines.py) and pySHACL itself.
SHACL_ENGINES = ("turbo", "pyshacl")

#: The most rows of one quality query kept for one case (the case fails long before).
QUALITY_ROWS = 100_000

#: The shape of a cached part; a change of :class:`_Part` changes it, so older entries are not read.
_PART_FORMAT = "part 2: minted, quality queries"


@dataclass(frozen=True)
class _Part:
    """What the checks found in one part (the reference data, or one case with it): its verdict, its
    SHACL report as N-Triples, every finding (shapes, quotes, values, quality queries), each naming its
    file, and the entities each of its files mints."""

    conforms: bool
    report: str
    findings: tuple[Finding, ...]
    minted: dict[str, list[str]]


def _sources(folder: Path) -> list[Path]:
    return sorted((folder / "sources").glob("*")) if (folder / "sources").is_dir() else []


def _cache_folder(data: load.Corpus) -> Path:
    return cache.root(data.roots) / "validation"


def _memo_folder(data: load.Corpus) -> Path | None:
    try:
        return cache.root(data.roots)
    except InputError:  # the cache is not used (see _read_part)
        return None


def _read_part(data: load.Corpus, key: str) -> _Part | None:
    try:
        found = cache.read_json(_cache_folder(data), key)
    except InputError:
        return None
    if found is None:
        return None
    return _Part(found["conforms"], found["report"], tuple(_finding_from_json(f) for f in found["findings"]),
                 found["minted"])


def _cached_part(data, case, shared_files, salt, inference, engine, limits) -> _Part:
    key = cache.digest(shared_files, *salt, memo=_memo_folder(data))
    part = _read_part(data, key)
    if part is None:
        part = _check_part(data, case, inference, engine, limits, frozenset())
        with contextlib.suppress(InputError):
            cache.write_json(_cache_folder(data), key, _part_json(part))
    return part


def _run_parts(data, cases, inference, engine, limits, shared_keys, jobs, progress):
    """(case, part) for each case, checked in worker processes (forked, so the parsed shapes and
    shared data are inherited), or here when there is one case or no ``fork``."""
    def check(index: int) -> _Part:
        return _check_part(data, cases[index], inference, engine, limits, shared_keys)

    with contextlib.closing(each_forked(check, len(cases), jobs or os.cpu_count() or 1, "validation")) as parts:
        for number, (case, part) in enumerate(zip(cases, parts, strict=True), 1):
            yield case, part
            _progress_every(progress, number, len(cases))


def _progress_every(progress: Callable[[str], None], number: int, total: int) -> None:
    if number % 10 == 0 or number == total:
        progress(f"  {number:,} of {total:,} cases validated …")


def _shared_files(data: load.Corpus, case: load.CaseFolder | None = None) -> list[Path]:
    """What a part's checks see besides its own files: the concept schemes, and for a case the
    reference data."""
    return [*resources.scheme_files(), *(data.reference_files if case is not None else ())]


def _check_part(data: load.Corpus, case: load.CaseFolder | None, inference: str, engine: str,
                limits: ReasonLimits | None, shared_keys: frozenset) -> _Part:
    """Every check of one part: the reference data (``case`` is ``None``), or one case with the reference
    data, leaving out what the reference data alone already gave (``shared_keys``).

    The part's files are parsed once, by Oxigraph's strict parser, into an in-memory Oxigraph store:
    pyshacl-turbo reads that store (pySHACL, and any inference, an rdflib graph of it), the quote and
    value checks and the labels read it, and the quality queries run in it with the ontology added."""
    import pyoxigraph

    from . import catalogue
    from .store import OxigraphView, bcp47, oxigraph_rows, rdflib_term

    own = replace(data, cases=() if case is None else (case,))
    own_files = data.reference_files if case is None else case.files
    own_triples = {path: load.strict_parsed(path) for path in own_files}
    checked = [t for path in _shared_files(data, case) for t in load.strict_parsed(path)]
    checked += [t for triples in own_triples.values() for t in triples]
    store = pyoxigraph.Store()
    store.bulk_extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in checked)
    view = OxigraphView(store)
    where = load.Locator([(path, own_triples.get(path) or load.strict_parsed(path)) for path in own.files])
    if inference == "none" and engine == "turbo":
        # Oxigraph keeps an ill-formed literal as written and a well-formed one in canonical form
        # ("05"^^xsd:integer as "5"), so every check of the lexical space gives the same verdict; it
        # lower-cases language tags, given back in BCP 47 case here.
        conforms, report, _ = _shacl(store, _shapes(), engine)
        for s, p, o in [t for t in report if isinstance(t[2], Literal) and t[2].language]:
            report.remove((s, p, o))
            report.add((s, p, Literal(str(o), lang=bcp47(cast(str, cast(Literal, o).language)))))
    else:
        graph = Graph()
        with load.literals_as_written():
            for t in checked:
                graph.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
        result = validate(graph, inference=inference, limits=limits, engine=engine)
        conforms, report = result.conforms, result.graph
    part_report = bind_prefixes(Graph())
    node = BNode()
    part_report.add((node, RDF.type, SH.ValidationReport))
    checked_findings = []
    for result_node in report.objects(None, SH.result):
        finding = _finding(report, result_node, view)
        if _key(finding) not in shared_keys:
            checked_findings.append(finding)
            part_report.add((node, SH.result, result_node))
            for triple in _described(report, result_node):
                part_report.add(triple)
    subjects = {rdflib_term(t.subject) for triples in own_triples.values() for t in triples}
    extra = list(_quote_findings(own, view, subjects, where)) + list(_value_findings(view, subjects))
    store.bulk_extend(pyoxigraph.Quad(t.subject, t.predicate, t.object)
                      for t in load.strict_parsed(resources.ontology_file()))
    for stored in catalogue.catalogue().values():
        if stored.name.endswith("-violation"):
            _, names, rows, _, _ = oxigraph_rows(store, stored.text, stored.form, [], stored.lang_columns, QUALITY_ROWS)
            extra += [f for f in _query_findings(view, stored, names, rows) if _key(f) not in shared_keys]
    located = [replace(f, file=where(f.focus)) for f in checked_findings + extra]
    conforms = conforms or not any(f.severity == "Violation" for f in checked_findings)
    minted = {str(path): sorted(load.minted_iris(triples)) for path, triples in own_triples.items()}
    return _Part(conforms=conforms and not any(f.severity == "Violation" for f in extra),
                 report=part_report.serialize(format="nt"), findings=tuple(located), minted=minted)


def _described(graph: Graph, node) -> set[tuple]:
    """The triples about ``node`` and, recursively, about the blank nodes it points to."""
    found, todo = set(), [node]
    while todo:
        current = todo.pop()
        for s, p, o in graph.triples((current, None, None)):
            if (s, p, o) not in found:
                found.add((s, p, o))
                if isinstance(o, BNode):
                    todo.append(o)
    return found


def _one_report(reports: list[str], findings: Iterable[Finding]) -> Graph:
    """One sh:ValidationReport holding the results of every part's SHACL run (``reports``, N-Triples)
    and the findings of the other checks (their sh:sourceShape is ``shape:check-<name>``). As SHACL §3.6.1
    says, sh:conforms is true only when the report holds no result at all, warnings included (the exit
    code still treats warnings as passing)."""
    shacl = Graph()
    for text in reports:
        shacl.parse(data=text, format="nt")
    report = bind_prefixes(Graph())
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    reports_nodes = set(shacl.subjects(RDF.type, SH.ValidationReport))
    for old in reports_nodes:
        for result in shacl.objects(old, SH.result):
            report.add((node, SH.result, result))
    for s, p, o in shacl:
        if s not in reports_nodes:
            report.add((s, p, o))
    for finding in (f for f in findings if isinstance(f.shape, str) and not isinstance(f.shape, Node)):
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


def _quote_findings(data: load.Corpus, graph, among: set | None = None,
                    where: Callable[[Node], Path | None] | None = None):
    """Every quote's text (of those ``among`` the given nodes, or all) is an exact substring of the local
    copy of its source (found next to the file that types the source: ``where``, by default
    :func:`towncase.load.where`)."""
    for quote in sorted((q for q in graph.subjects(RDF.type, TC.Quote) if among is None or q in among), key=str):
        text, source = graph.value(quote, TC.text), graph.value(quote, TC.quotedFrom)
        local = graph.value(source, TC.localCopy) if source is not None else None
        if text is None or source is None or local is None:
            continue  # the shapes report a quote without text, source or local copy
        try:
            copy = load.source_text(data, source, str(local), where(source) if where else None)
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


def _value_findings(graph, among: set | None = None):
    """An observation's value and comparator (of those ``among`` the given nodes, or all) follow from its
    value as written, which stands in one of its quotes."""
    for obs in sorted((o for o in graph.subjects(RDF.type, TC.Observation) if among is None or o in among), key=str):
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


def _query_findings(view, stored, names: list[str], rows: list[tuple]) -> list[Finding]:
    """A quality query's rows (pyoxigraph terms): the first column is the focus, the others its details."""
    from .store import rdflib_term

    found = []
    for row in rows:
        values = [None if v is None else rdflib_term(v) for v in row]
        focus = cast(Node, values[0])  # the focus column is always bound
        details = ", ".join(f"{n}={curie(v)}" for n, v in zip(names[1:], values[1:], strict=True) if v is not None)
        message = stored.summary("en") + (f" ({details})" if details else "")
        found.append(Finding(severity="Violation", focus=focus, focus_label=bilingual(view, focus), path=None,
                             shape=stored.name, constraint=None, message=message, value=None))
    return found


def _findings(report: Graph, data: Graph):
    # Top-level results only: pySHACL nests the results of a failing sh:node under sh:detail.
    for result in report.objects(None, SH.result):
        yield _finding(report, result, data)


def _finding(report: Graph, result: Node, data) -> Finding:
    # SHACL §3.6.2: every result has exactly one sh:focusNode and one sh:sourceShape
    focus = cast(Node, report.value(result, SH.focusNode))
    severity = report.value(result, SH.resultSeverity)
    return Finding(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        focus=focus,
        focus_label=bilingual(data, focus),
        path=report.value(result, SH.resultPath),
        shape=cast(Node, report.value(result, SH.sourceShape)),
        constraint=report.value(result, SH.sourceConstraintComponent),
        message=str(report.value(result, SH.resultMessage) or ""),
        value=report.value(result, SH.value),
    )


def _part_json(part: _Part) -> dict:
    return {"conforms": part.conforms, "report": part.report, "minted": part.minted,
            "findings": [{"severity": f.severity, "focus": _term_json(f.focus), "focus_label": f.focus_label,
                          "path": _term_json(f.path), "constraint": _term_json(f.constraint),
                          "shape": f.shape if isinstance(f.shape, str) and not isinstance(f.shape, Node)
                          else _term_json(f.shape), "message": f.message, "value": _term_json(f.value),
                          "file": None if f.file is None else str(f.file)} for f in part.findings]}


def _finding_from_json(found: dict) -> Finding:
    shape = found["shape"]
    return Finding(severity=found["severity"], focus=cast(Node, _term_from_json(found["focus"])),
                   focus_label=found["focus_label"], path=_term_from_json(found["path"]),
                   shape=shape if isinstance(shape, str) else cast(Node, _term_from_json(shape)),
                   constraint=_term_from_json(found["constraint"]), message=found["message"],
                   value=_term_from_json(found["value"]), file=None if found["file"] is None else _path(found["file"]))


@lru_cache(maxsize=65536)
def _path(text: str) -> Path:
    """A file's path of the cache's JSON, made once per process: a case's warnings name its few files again and
    again (84,000 warnings of 1,000 towns: 3.4 of the 9.7 s a validation read from the cache took)."""
    return Path(text)


def _term_json(node: Node | None) -> list | None:
    """An RDF term as JSON (kind, value, language, datatype): the cache never holds code."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return ["iri", str(node)]
    if isinstance(node, BNode):
        return ["blank", str(node)]
    literal = cast(Literal, node)
    return ["literal", str(literal), literal.language, None if literal.datatype is None else str(literal.datatype)]


def _term_from_json(value: list | None) -> Node | None:
    return None if value is None else _term_from_tuple(tuple(value))


@lru_cache(maxsize=65536)
def _term_from_tuple(value: tuple) -> Node:
    """A term of the cache's JSON, made once per process: thousands of towns repeat the same shapes,
    paths and constraints (and rdflib checks every IRI it makes)."""
    if value[0] == "iri":
        return URIRef(value[1])
    if value[0] == "blank":
        return BNode(value[1])
    return Literal(value[1], lang=value[2], datatype=None if value[3] is None else URIRef(value[3]))


def _order(finding: Finding):
    rank = {"Violation": 0, "Warning": 1, "Info": 2}.get(finding.severity, 3)
    return (rank, str(finding.file or ""), str(finding.focus), str(finding.path), str(finding.shape), finding.message)

