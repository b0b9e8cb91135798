"""The SHACL shapes: well-formed (SHACL-for-SHACL), named, explained, and doing what they say.

Fixtures live in ``tests/fixtures/shapes/{valid,invalid}/``, one small Turtle file per case; adding a
file adds a test. A fixture holds only the triples it is about: it declares no prefixes (the
canonical ones of :data:`towncase.namespaces.PREFIXES` are used) and it is merged with
``tests/fixtures/shapes/base.ttl`` (a source, a quote and the hierarchy China → Diankou, which the
fixture may refer to and never repeats). Each file starts with comment lines:

``# expect: <shape> <path> <severity>``
    a finding that must be in the report: the shape IRI as ``shape:…`` (sh:sourceShape), the
    result path as a CURIE (``^tc:memberOf`` for an inverse path, ``-`` for none) and the severity
    (``Violation`` or ``Warning``). Several lines may be given; presence is asserted, not a count.
``# expect[none]: …`` / ``# expect[rdfs]: …``
    the same, for one inference regime only (RDFS range inference can turn a bad link into a
    typing that another shape rejects).
``# inference: none rdfs``
    the regimes to run. By default a valid fixture runs under both, an invalid one under ``none``
    plus every regime its ``expect[…]`` lines name. RDFS costs ~0.2 s a run, so it is asked for
    where it matters: the issue's cases, class membership, ranges.

A valid fixture must have no Violation under any regime it runs, and no Warning on a node it or the
base describes (other than those it allows with ``# allow: <shape>``). An invalid fixture whose
expectations are all Warnings must still conform: a recommendation never breaks the data.

Each fixture is merged with the part of the shared concept schemes (:func:`towncase.load.concepts`)
it refers to: the concepts it names, with their schemes. The shapes only look one hop into a
concept (its type and scheme), and the full schemes are checked by the shipped-data test, so this
keeps each run small (under 0.1 s of CPU a run without inference, under 1 s with RDFS)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pytest
from artefacts import ROOT
from pyshacl import validate as pyshacl_validate
from pyshacl.entrypoints import meta_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import OWL, RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SKOS, XSD

from towncase import load, reason, resources, validate
from towncase.namespaces import PREFIXES, TC, bind_prefixes, bound_copy

SHAPE = PREFIXES["shape"]
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
BASE = FIXTURES / "base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
MAIN = ROOT / "shapes" / "towncase.shapes.ttl"
RECOMMENDED = ROOT / "shapes" / "towncase-recommended.shapes.ttl"
REGIMES = ("none", "rdfs")
SEVERITIES = {"Violation": SH.Violation, "Warning": SH.Warning}

# Predicates whose values are shapes, and the ones that make a node a shape.
SHAPE_VALUED = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"])
SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Predicates of a shape that are not constraint parameters.
NOT_CONSTRAINTS = {RDF.type, SH.property, SH.path, SH.severity, SH.message, SH.name, SH.description,
                   SH.deactivated, SH.order, SH.group, RDFS.comment, RDFS.label, *TARGETS}


# ---------------------------------------------------------------------------------------------
# fixtures: parsing the header and the graph
# ---------------------------------------------------------------------------------------------

def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        raise ValueError(f"not a known CURIE: {curie!r}")
    return URIRef(PREFIXES[prefix] + local)


@dataclass(frozen=True)
class Expected:
    shape: URIRef
    path: str                      # the CURIE as written ("-" for none, "^p" for an inverse path)
    severity: str

    def __str__(self):
        return f"{self.shape.replace(SHAPE, 'shape:')} {self.path} {self.severity}"


@dataclass
class Fixture:
    path: Path
    expects: dict[str, list[Expected]] = field(default_factory=dict)   # regime ("*" = all) -> …
    regimes: tuple[str, ...] = ()
    allowed: set[URIRef] = field(default_factory=set)

    def expected(self, regime: str) -> list[Expected]:
        return self.expects.get("*", []) + self.expects.get(regime, [])


HEADER = re.compile(r"#\s*(expect(?:\[(\w+)\])?|inference|allow)\s*:\s*(.*)")


@cache
def fixture(path: Path) -> Fixture:
    """The fixture's header: expectations, regimes, allowed warnings."""
    fix = Fixture(path)
    regimes = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        if not match:
            continue
        key, regime, value = match.groups()
        if key == "inference":
            regimes = tuple(value.split())
            assert set(regimes) <= set(REGIMES), f"{path.name}: unknown regime in {line!r}"
        elif key == "allow":
            fix.allowed.add(expand(value.strip()))
        else:
            parts = value.split()
            assert len(parts) == 3, f"{path.name}: want '# expect: <shape> <path> <severity>', got {line!r}"
            shape, result_path, severity = parts
            assert severity in SEVERITIES, f"{path.name}: severity must be Violation or Warning: {line!r}"
            assert regime in (None, *REGIMES), f"{path.name}: unknown regime in {line!r}"
            fix.expects.setdefault(regime or "*", []).append(Expected(expand(shape), result_path, severity))
    if regimes is None:
        named = [r for r in REGIMES if r in fix.expects]
        regimes = REGIMES if path.parent.name == "valid" else tuple(dict.fromkeys(["none", *named]))
    fix.regimes = regimes
    return fix


@lru_cache(maxsize=1)
def concepts() -> Graph:
    return load.concepts()


def with_concepts(data: Graph) -> Graph:
    """``data`` plus, from the shared schemes, the concepts it names and every concept scheme."""
    schemes = concepts()
    named = {t for triple in data for t in triple if isinstance(t, URIRef)}
    named |= set(schemes.subjects(RDF.type, SKOS.ConceptScheme))
    graph = bind_prefixes(Graph())
    graph += data
    for node in named:
        for p, o in schemes.predicate_objects(node):
            graph.add((node, p, o))
    return graph


# Every prefix directive on one line, joined to the file's first line: line numbers in a parse
# error stay those of the file.
PREFIX_LINE = "".join(f"@prefix {prefix}: <{namespace}> . " for prefix, namespace in PREFIXES.items())


@cache
def own_data(path: Path) -> Graph:
    """The triples a fixture file itself holds, read with the canonical prefixes, literals as written."""
    with load.literals_as_written():
        return Graph().parse(data=PREFIX_LINE + path.read_text(encoding="utf-8"), format="turtle")


@cache
def fixture_data(path: Path) -> Graph:
    """A fixture's triples merged with the shared base."""
    return own_data(BASE) + own_data(path)


def run(path: Path, regime: str) -> validate.ValidationResult:
    return validate.validate(with_concepts(fixture_data(path)), inference=regime)


def params(paths):
    """(fixture, regime) pairs; a regime a fixture says nothing particular about is there to show the
    verdict does not change under it: that run is in the full suite only (slow), not the fast lane."""
    return [pytest.param(p, r, id=f"{p.name}-{r}",
                         marks=[pytest.mark.slow] if r != "none" and r not in fixture(p).expects else [])
            for p in paths for r in fixture(p).regimes]


# ---------------------------------------------------------------------------------------------
# matching findings
# ---------------------------------------------------------------------------------------------

def path_text(result: validate.ValidationResult, node) -> str:
    """A result path as the fixtures write it: a CURIE, ``^``CURIE, or ``-``."""
    if node is None:
        return "-"
    if isinstance(node, BNode):
        inverse = result.graph.value(node, SH.inversePath)
        return "^" + curie(inverse) if inverse is not None else f"<complex path {node}>"
    return curie(node)


def curie(node) -> str:
    text = str(node)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def found(result: validate.ValidationResult) -> set[tuple[URIRef, str, str]]:
    return {(f.shape, path_text(result, f.path), f.severity) for f in result.findings}


def describe(result: validate.ValidationResult) -> str:
    return "\n".join(f"  {f.severity} {curie(f.shape)} {path_text(result, f.path)} on {curie(f.focus)}: {f.message}"
                     for f in result.findings) or "  (no findings)"


# ---------------------------------------------------------------------------------------------
# the fixture tests
# ---------------------------------------------------------------------------------------------

def test_there_are_fixtures():
    assert VALID and INVALID
    for path in INVALID:
        fix = fixture(path)
        assert fix.expects, f"{path.name} declares no '# expect:' line"
        unrun = set(fix.expects) - {"*", *fix.regimes}
        assert not unrun, f"{path.name} expects something under {unrun} but does not run it"
    for path in VALID:
        assert not fixture(path).expects, f"{path.name}: a valid fixture expects nothing (use '# allow:')"


@pytest.mark.parametrize("path", [BASE, *VALID, *INVALID], ids=lambda p: p.name)
def test_fixture_shows_only_what_it_tests(path):
    """No prefix block (the canonical prefixes are used) and no triple of the base repeated."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(@prefix|PREFIX)\b", text, re.MULTILINE | re.IGNORECASE), \
        f"{path.name} declares prefixes: drop them, the canonical ones of towncase.namespaces are used"
    if path != BASE:
        repeated = set(own_data(path)) & set(own_data(BASE))
        assert not repeated, f"{path.name} repeats {len(repeated)} triple(s) of base.ttl: drop them"


def test_the_base_is_valid_and_draws_no_warning():
    for regime in REGIMES:
        result = validate.validate(with_concepts(own_data(BASE)), inference=regime)
        assert not result.findings, f"base.ttl ({regime}):\n{describe(result)}"


@pytest.mark.parametrize(("path", "regime"), params(VALID))
def test_valid_fixture_conforms(path, regime):
    result = run(path, regime)
    violations = result.by_severity("Violation")
    assert result.conforms and not violations, f"{path.name} ({regime}) should conform:\n{describe(result)}"
    own = set(fixture_data(path).subjects())
    warnings = [f for f in result.by_severity("Warning") if f.focus in own and f.shape not in fixture(path).allowed]
    assert not warnings, f"{path.name} ({regime}) has warnings:\n" + "\n".join(
        f"  {curie(f.shape)} on {curie(f.focus)}: {f.message}" for f in warnings)


@pytest.mark.parametrize(("path", "regime"), params(INVALID))
def test_invalid_fixture_fires_what_it_declares(path, regime):
    expected = fixture(path).expected(regime)
    assert expected, f"{path.name} declares nothing for {regime}"
    result = run(path, regime)
    got = found(result)
    for exp in expected:
        assert (exp.shape, exp.path, exp.severity) in got, \
            f"{path.name} ({regime}): expected {exp}; the report has:\n{describe(result)}"
    if all(exp.severity == "Warning" for exp in expected):
        assert result.conforms, f"{path.name} ({regime}) expects only warnings but does not conform:\n{describe(result)}"
    else:
        assert not result.conforms


def test_the_issue_cases_are_covered():
    """Wrong datatype, missing label, observation without unit: each under none and rdfs."""
    for name in ("observation-value-wrong-datatype", "place-without-zh-hans-label", "observation-without-unit"):
        path = FIXTURES / "invalid" / f"{name}.ttl"
        assert path.is_file(), name
        assert set(fixture(path).regimes) == set(REGIMES), name


# Classes that must never be used alone (each has a shape saying so): no valid fixture has one.
ABSTRACT = {TC.Place, TC.AdministrativeArea, TC.Agent, TC.Outcome}


def test_valid_fixtures_show_every_class(ontology):
    """Between them the valid fixtures hold an instance of every concrete class of the ontology."""
    typed = {o for path in VALID for o in fixture_data(path).objects(None, RDF.type)}
    missing = (tc_classes(ontology) - ABSTRACT) - typed
    assert not missing, f"no valid fixture shows {sorted(map(curie, missing))}"
    assert {SKOS.Concept, SKOS.ConceptScheme} <= typed
    assert not ABSTRACT & typed


def test_every_fixture_expectation_names_a_shipped_shape():
    shapes = validate.shapes()
    for path in INVALID:
        for exps in fixture(path).expects.values():
            for exp in exps:
                assert (exp.shape, None, None) in shapes, f"{path.name}: no shape {exp}"
                if exp.path != "-":
                    expand(exp.path.lstrip("^"))


# ---------------------------------------------------------------------------------------------
# the shapes themselves
# ---------------------------------------------------------------------------------------------

@cache
def shapes_file(path: Path) -> Graph:
    return load.parse_file(path)


def shape_nodes(graph: Graph) -> set:
    """Every node of the graph that is used or declared as a shape."""
    nodes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    nodes |= set(graph.subjects(SH.path, None))
    for predicate in TARGETS:
        nodes |= set(graph.subjects(predicate, None))
    for predicate in SHAPE_VALUED:
        nodes |= set(graph.objects(None, predicate))
    for predicate in SHAPE_LISTS:
        for head in graph.objects(None, predicate):
            nodes |= set(Collection(graph, head))
    return nodes


def constrains(graph: Graph, node) -> bool:
    """The shape has constraint parameters of its own (not only property shapes and targets)."""
    return any(p not in NOT_CONSTRAINTS for p in graph.predicates(node, None))


def reportable_shapes(graph: Graph) -> set:
    """Shapes that can be the sh:sourceShape of a top-level result: targeted shapes with constraints
    of their own, and the property shapes of targeted shapes."""
    targeted = {s for p in TARGETS for s in graph.subjects(p, None)}
    return ({s for s in targeted if constrains(graph, s)}
            | {ps for s in targeted for ps in graph.objects(s, SH.property)})


def test_shapes_files_are_the_two_expected():
    assert sorted(p.name for p in resources.shape_files()) == [
        "towncase-recommended.shapes.ttl", "towncase.shapes.ttl"]


@pytest.mark.parametrize("path", [MAIN, RECOMMENDED], ids=lambda p: p.name)
def test_every_shape_has_an_iri_and_its_constraints_one_english_message(path):
    graph = shapes_file(path)
    nodes = shape_nodes(graph)
    assert nodes
    for node in nodes:
        assert isinstance(node, URIRef) and str(node).startswith(SHAPE), \
            f"{path.name}: shape {node!r} is not an IRI in shape: (no blank-node shapes)"
        kinds = set(graph.objects(node, RDF.type)) & {SH.NodeShape, SH.PropertyShape}
        assert len(kinds) == 1, f"{curie(node)} must be typed sh:NodeShape or sh:PropertyShape"
        assert (SH.PropertyShape in kinds) == ((node, SH.path, None) in graph), \
            f"{curie(node)}: property shapes, and only they, have sh:path"
        messages = list(graph.objects(node, SH.message))
        # One message per shape: SHACL copies every message of a shape into each of its results,
        # and towncase.validate keeps one, so a second message would make Finding.message arbitrary.
        # A node shape with no constraint of its own (only sh:property) reports nothing itself.
        if not constrains(graph, node):
            assert len(messages) <= 1, f"{curie(node)} has {len(messages)} sh:message"
            continue
        assert len(messages) == 1, f"{curie(node)} has {len(messages)} sh:message, want exactly one"
        assert isinstance(messages[0], Literal) and messages[0].language == "en" and len(messages[0]) > 10, \
            f"{curie(node)}: sh:message must be an English sentence (@en)"


def test_no_shape_is_defined_in_both_files():
    main, recommended = ({n for n in shape_nodes(shapes_file(p)) if (n, RDF.type, None) in shapes_file(p)}
                         for p in (MAIN, RECOMMENDED))
    assert main and recommended
    assert not main & recommended, f"defined in both files: {sorted(map(curie, main & recommended))}"


def test_violations_live_in_the_main_file_and_warnings_in_the_recommended_file():
    """Every shape that reports is a Violation in the main file and a Warning in the recommended one.

    Helper shapes (reached only through sh:or, sh:not, sh:node, sh:qualifiedValueShape) carry no
    severity at all: with allow_warnings pySHACL treats a failing nested shape of severity Warning as
    conforming, which would silently switch the check off.
    """
    for path, severity in ((MAIN, None), (RECOMMENDED, SH.Warning)):
        graph = shapes_file(path)
        targeted = {s for p in TARGETS for s in graph.subjects(p, None)}
        top = targeted | {ps for s in targeted for ps in graph.objects(s, SH.property)}
        for node in shape_nodes(graph):
            got = set(graph.objects(node, SH.severity))
            if node in top:
                want = {severity} if severity else set()
                assert got <= {SH.Violation} if severity is None else got == want, \
                    f"{path.name}: {curie(node)} has severity {sorted(map(curie, got))}"
            else:
                assert not got, f"{path.name}: helper {curie(node)} must not carry sh:severity"
    # the files stand alone: every shape a file uses is defined in it
    for path in (MAIN, RECOMMENDED):
        graph = shapes_file(path)
        assert not {n for n in shape_nodes(graph) if (n, RDF.type, None) not in graph}, path.name


def test_every_reportable_shape_has_an_invalid_fixture():
    declared = {exp.shape for path in INVALID for exps in fixture(path).expects.values() for exp in exps}
    for path in (MAIN, RECOMMENDED):
        missing = sorted(curie(s) for s in reportable_shapes(shapes_file(path)) - declared)
        assert not missing, f"{path.name}: no invalid fixture expects {missing}"


def test_severity_of_expectations_matches_the_file():
    main = shape_nodes(shapes_file(MAIN))
    for path in INVALID:
        for exps in fixture(path).expects.values():
            for exp in exps:
                assert (exp.severity == "Violation") == (exp.shape in main), f"{path.name}: {exp}"


# --- SHACL-for-SHACL ---

@pytest.mark.slow
@pytest.mark.parametrize("path", [MAIN, RECOMMENDED], ids=lambda p: p.name)
def test_shapes_file_passes_shacl_for_shacl(path):
    """pySHACL's meta_validate: the shapes graph as data against the W3C shacl-shacl shapes. It is
    what ``meta_shacl=True`` runs before a validation (both routes are shown below to refuse a broken
    shape); the union of the two files is not checked again: no shape is defined in both (tested
    above), and at ~5 s a run SHACL-for-SHACL is the slowest test of the module."""
    conforms, _, text = meta_validate(shapes_file(path))
    assert conforms, text


def test_shacl_for_shacl_rejects_a_broken_shape():
    """The check has teeth: an ill-formed shape is refused by both routes."""
    broken = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix shape: <https://w3id.org/towncase/shapes#> .
        shape:Broken a sh:PropertyShape ; sh:path ( ) ; sh:minCount "one" ; sh:message "broken"@en .
    """, format="turtle")
    conforms, _, _ = meta_validate(broken)
    assert not conforms
    with pytest.raises(ReportableRuntimeError):
        pyshacl_validate(Graph(), shacl_graph=broken, meta_shacl=True)


# --- the shapes follow the ontology ---

def subclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return set(ontology.transitive_subjects(RDFS.subClassOf, cls))


def tc_classes(ontology: Graph) -> set[URIRef]:
    return {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(TC))}


# The class-list helper shapes and the classes they must hold (kept in step with the ontology).
CLASS_LISTS = {
    "PlaceClasses": lambda o: subclasses(o, TC.Place),
    "AdministrativeAreaClasses": lambda o: subclasses(o, TC.AdministrativeArea),
    "SpecificAdministrativeAreaClasses": lambda o: subclasses(o, TC.AdministrativeArea) - {TC.AdministrativeArea},
    "OrganizationClasses": lambda o: subclasses(o, TC.Organization),
    "AgentClasses": lambda o: subclasses(o, TC.Agent),
    "SpecificAgentClasses": lambda o: subclasses(o, TC.Agent) - {TC.Agent},
    "OutcomeClasses": lambda o: subclasses(o, TC.Outcome),
    "QualitativeOutcomeClasses": lambda o: subclasses(o, TC.QualitativeOutcome),
    "SpecificOutcomeClasses": lambda o: subclasses(o, TC.Outcome) - {TC.Outcome},
    "SourceDocumentClasses": lambda o: subclasses(o, TC.SourceDocument),
    "SubjectClasses": lambda o: subclasses(o, TC.Place) | subclasses(o, TC.Agent) | {TC.PopulationGroup, TC.Programme},
    "SpecificPlaceClasses": lambda o: subclasses(o, TC.Place) - {TC.Place, TC.AdministrativeArea},
    "CountyLevelClasses": lambda o: subclasses(o, TC.CountyLevelDivision),
    "TownshipLevelClasses": lambda o: subclasses(o, TC.TownshipLevelDivision),
    "TowncaseClasses": tc_classes,
}


def test_class_lists_hold_each_class_and_all_its_subclasses(ontology):
    shapes = validate.shapes()
    for name, want in CLASS_LISTS.items():
        node = URIRef(SHAPE + name)
        head = shapes.value(node, SH["in"])
        assert head is not None, f"shape:{name} has no sh:in"
        assert set(Collection(shapes, head)) == want(ontology), f"shape:{name} is out of step with the ontology"


def test_targets_include_every_subclass(ontology):
    """Without inference a tc:Town is not a tc:Place: a shape targeting a class targets its subclasses too."""
    shapes = validate.shapes()
    for shape in set(shapes.subjects(SH.targetClass, None)):
        targets = set(shapes.objects(shape, SH.targetClass))
        for cls in targets & tc_classes(ontology):
            missing = subclasses(ontology, cls) - targets
            assert not missing, f"{curie(shape)} targets {curie(cls)} but not {sorted(map(curie, missing))}"


def test_every_class_of_the_ontology_is_targeted_by_a_violation_shape(ontology):
    targeted = set(shapes_file(MAIN).objects(None, SH.targetClass))
    missing = tc_classes(ontology) - targeted
    assert not missing, f"no shape targets {sorted(map(curie, missing))}"


def test_every_tc_term_the_shapes_use_is_declared(ontology):
    declared = set(ontology.subjects())
    for triple in validate.shapes():
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(str(TC)):
                assert term in declared, f"the shapes use {curie(term)}, which the ontology does not declare"


def test_shape_prefix_is_canonical():
    assert PREFIXES["shape"] == "https://w3id.org/towncase/shapes#"


# ---------------------------------------------------------------------------------------------
# findings carry what a data author needs
# ---------------------------------------------------------------------------------------------

def test_a_finding_names_shape_path_focus_and_says_what_to_do():
    result = run(FIXTURES / "invalid" / "observation-without-unit.ttl", "none")
    [finding] = [f for f in result.findings if f.shape == URIRef(SHAPE + "Observation-unit")]
    assert finding.severity == "Violation"
    assert finding.path == TC.unit
    assert finding.focus == URIRef("https://w3id.org/towncase/id/observation/diankou-2022-diankou-gdp")
    assert finding.focus_label == "店口镇地区生产总值 / Gross domestic product of Diankou"
    assert "unit:CCY_CNY" in finding.message and "data/README.md" in finding.message


# ---------------------------------------------------------------------------------------------
# the shipped data
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("inference", REGIMES)
def test_shipped_data_conforms_to_the_shapes(shipped_data, inference):
    result = validate.validate(shipped_data, inference=inference)
    assert result.conforms, "the shipped data has violations:\n" + describe(
        validate.ValidationResult(result.conforms, lambda: result.graph, result.text, tuple(result.by_severity("Violation"))))


# ---------------------------------------------------------------------------------------------
# every literal well-formed for its datatype
# ---------------------------------------------------------------------------------------------

# One lexical form per datatype that is NOT in the datatype's lexical space, though close to it.
# Plain and language-tagged strings have no such form (every string is in their lexical space).
ILL_FORMED = {
    XSD.gYear: "20x2",
    XSD.gYearMonth: "2022-13",
    XSD.date: "2022-02-30",
    XSD.integer: "1_000",
    XSD.decimal: "2.5e10",
    XSD.boolean: "yes",
}
STRING_TYPES = {None, XSD.string, RDF.langString}


def test_every_typed_literal_of_the_shipped_data_is_checked_for_its_lexical_form(shipped_data):
    """For every property and datatype of the shipped data's literals, one literal is replaced by an
    ill-formed one of the same datatype (all in one copy, each on a subject of its own): each must
    give a Violation naming that subject, property and value."""
    corrupted = bound_copy(shipped_data)
    planted, subjects = [], set()
    pairs = sorted({(p, o.datatype) for _, p, o in shipped_data
                    if isinstance(o, Literal) and o.datatype not in STRING_TYPES})
    assert pairs, "the shipped data has no typed literal"
    for predicate, datatype in pairs:
        assert datatype in ILL_FORMED, \
            f"the data uses {curie(datatype)} (on {curie(predicate)}): add an ill-formed example here and a literal helper shape"
        s, o = min((s, o) for s, o in shipped_data.subject_objects(predicate)
                   if isinstance(o, Literal) and o.datatype == datatype and s not in subjects)
        bad = Literal(ILL_FORMED[datatype], datatype=datatype, normalize=False)
        corrupted.remove((s, predicate, o))
        corrupted.add((s, predicate, bad))
        planted.append((s, predicate, bad))
        subjects.add(s)
    result = validate.validate(corrupted)
    violations = {(f.focus, f.path, f.value) for f in result.by_severity("Violation")}
    missed = [f"{curie(s)} {curie(p)} {o.n3()}" for s, p, o in planted if (s, p, o) not in violations]
    assert not missed, "ill-formed literals that no shape rejects:\n  " + "\n  ".join(missed)


def test_every_literal_helper_pairs_datatype_and_lexical_pattern():
    """The helpers the value shapes use for typed literals check the lexical form, not only the IRI."""
    shapes = shapes_file(MAIN)
    for datatype in ILL_FORMED:
        helpers = [s for s in shapes.subjects(SH.datatype, datatype) if (s, SH.path, None) not in shapes]
        assert helpers, f"no literal helper shape for {curie(datatype)}"
        for helper in helpers:
            assert (helper, SH.pattern, None) in shapes, f"{curie(helper)} checks {curie(datatype)} without sh:pattern"


def test_no_shape_compares_values():
    """pySHACL's sh:minInclusive & co. raise on "NaN"^^xsd:decimal instead of reporting it, which would
    turn an ill-formed value into a crash; bounds are written as patterns instead."""
    comparisons = (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive)
    for path in (MAIN, RECOMMENDED):
        used = [(curie(s), curie(p)) for p in comparisons for s in shapes_file(path).subjects(p, None)]
        assert not used, f"{path.name}: {used}"


def test_a_file_reaches_validation_with_its_literals_as_written(tmp_path):
    """load keeps lexical forms: rdflib alone would have read "1_000"^^xsd:integer as "1000"."""
    data = tmp_path / "case.ttl"
    data.write_text(PREFIX_LINE + '\nplace:x tc:date "2022-07-15T09:30:00"^^xsd:date .\n', encoding="utf-8")
    assert str(next(load.parse_file(data).objects(None, TC.date))) == "2022-07-15T09:30:00"
    result = validate.validate_files([data])
    assert ("Violation", TC.date) in {(f.severity, f.path) for f in result.findings}


# ---------------------------------------------------------------------------------------------
# no resource escapes the shapes by losing its rdf:type
# ---------------------------------------------------------------------------------------------

MINTED = PREFIXES["place"].rsplit("place/", 1)[0]           # https://w3id.org/towncase/id/
TYPED_SHAPE = URIRef(SHAPE + "TypedResource")

# Properties the shapes give a class although the ontology gives them no rdfs:domain (the ontology's
# domains are the rest): a qualitative outcome's statement, and the SKOS properties of concepts and
# schemes (SKOS is not loaded; in towncase only concepts are in schemes).
SHAPE_DOMAINS = {
    TC.statement: TC.QualitativeOutcome,
    SKOS.inScheme: SKOS.Concept,
    SKOS.topConceptOf: SKOS.Concept,
    SKOS.broader: SKOS.Concept,
    SKOS.hasTopConcept: SKOS.ConceptScheme,
    # the reified-statement terms: in the data only a tc:Claim describes a triple
    RDF.subject: TC.Claim,
    RDF.predicate: TC.Claim,
    RDF.object: TC.Claim,
}


def class_specific(ontology: Graph) -> dict[URIRef, URIRef]:
    """Property → the class whose instances alone may have it."""
    return {**dict(ontology.subject_objects(RDFS.domain)), **SHAPE_DOMAINS}


def with_subclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return subclasses(ontology, cls) | {cls}


def type_check(graph: Graph, shape) -> set[URIRef] | None:
    """The classes a property shape on rdf:type accepts (sh:hasValue, or a qualified sh:in list), else None."""
    if (shape, SH.path, RDF.type) not in graph:
        return None
    value = graph.value(shape, SH.hasValue)
    if value is not None:
        return {value}
    qualified = graph.value(shape, SH.qualifiedValueShape)
    if qualified is not None and graph.value(shape, SH.qualifiedMinCount) is not None:
        return set(Collection(graph, graph.value(qualified, SH["in"])))
    return None


def test_class_specific_properties_bring_every_shape_of_their_class(ontology):
    """A resource that has tc:indicator is an observation, typed or not: every violation shape that
    targets a property's class also targets the property's subjects."""
    main = shapes_file(MAIN)
    for prop, cls in sorted(class_specific(ontology).items()):
        shapes = set(main.subjects(SH.targetClass, cls))
        assert shapes, f"no violation shape targets {curie(cls)}, the class of {curie(prop)}"
        for shape in sorted(shapes):
            assert (shape, SH.targetSubjectsOf, prop) in main, \
                f"{curie(shape)} targets {curie(cls)} but not the subjects of {curie(prop)}"


def test_class_specific_properties_check_the_type_of_their_subjects(ontology):
    """…and one of those shapes says the subject must be of that class (or a subclass)."""
    main = shapes_file(MAIN)
    for prop, cls in sorted(class_specific(ontology).items()):
        accepted = [type_check(main, ps) for shape in main.subjects(SH.targetSubjectsOf, prop)
                    for ps in main.objects(shape, SH.property)]
        assert any(classes and classes <= with_subclasses(ontology, cls) for classes in accepted), \
            f"no shape checks that a subject of {curie(prop)} is a {curie(cls)}"


def test_every_property_makes_an_untyped_subject_a_violation(ontology, shipped_data):
    """Every property of the ontology, and every one the shipped data uses on a minted resource, is
    either class-specific or a target of shape:TypedResource (not both: the lists stay apart)."""
    main = shapes_file(MAIN)
    specific = set(class_specific(ontology))
    generic = set(main.objects(TYPED_SHAPE, SH.targetSubjectsOf))
    assert not specific & generic, f"both class-specific and generic: {sorted(map(curie, specific & generic))}"
    declared = {p for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in ontology.subjects(RDF.type, t)}
    used = {p for s, p in shipped_data.subject_predicates() if str(s).startswith(MINTED)} - {RDF.type}
    missing = (declared | used) - specific - generic
    assert not missing, f"no shape sees an untyped subject of {sorted(map(curie, missing))}"


def test_removing_the_type_of_a_resource_of_any_class_is_a_violation_naming_it(shipped_data):
    """For every class of the shipped data (cases and concept schemes), one resource of that class loses
    every rdf:type (all in one copy, a different resource per class): each must be the focus of a
    Violation on its rdf:type."""
    stripped = bound_copy(shipped_data)
    chosen = {}
    for cls in sorted(set(shipped_data.objects(None, RDF.type))):
        resource = min(set(shipped_data.subjects(RDF.type, cls)) - set(chosen.values()))
        chosen[cls] = resource
        stripped.remove((resource, RDF.type, None))
    assert TC.Observation in chosen and SKOS.Concept in chosen
    result = validate.validate(stripped)
    named = {f.focus for f in result.by_severity("Violation") if f.path == RDF.type}
    escaped = [f"{curie(cls)}: {curie(r)}" for cls, r in chosen.items() if r not in named]
    assert not escaped, "untyped resources no violation names:\n  " + "\n  ".join(escaped)


@pytest.mark.slow
def test_literal_verdicts_do_not_depend_on_an_owl_rl_closure_having_run():
    """owlrl replaces rdflib's lexical converters for the whole process the first time it computes a
    closure, and its converters are stricter (no time zone on a year, no year 0000 …), which pySHACL's
    sh:datatype then follows: the helpers accept only what both read alike. Placed last: the switch
    cannot be undone (the full suite flips it early anyway, in its OWL RL fixture)."""
    paths = [FIXTURES / "valid" / "literals-well-formed.ttl", *sorted((FIXTURES / "invalid").glob("literal-*.ttl"))]

    def verdicts():
        out = {}
        for path in paths:
            own_data.cache_clear()
            fixture_data.cache_clear()                 # literals are judged when they are made
            out[path.name] = validate.validate(with_concepts(fixture_data(path))).conforms
        return out

    before = verdicts()
    reason.infer(Graph(), "owlrl", Graph())
    assert verdicts() == before
    assert before[paths[0].name] and not any(before[p.name] for p in paths[1:])
