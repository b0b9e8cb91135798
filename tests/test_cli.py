"""The command line: exit codes, messages a data author can act on, non-destructive outputs."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from artefacts import ROOT
from click.testing import CliRunner
from rdflib import RDF, SH, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD, Namespace

from towncase import load, render, resources, validate
from towncase.cli import main
from towncase.labels import curie
from towncase.namespaces import TC
from towncase.validate import Finding, ValidationResult


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_validate_shipped_case_conforms():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


@pytest.mark.slow
def test_validate_with_rdfs_conforms():
    assert run("validate", "--inference", "rdfs").exit_code == 0


@pytest.mark.slow
def test_validate_turtle_report_is_rdf(tmp_path):
    result = run("validate", "--format", "turtle")
    assert result.exit_code == 0
    report = Graph().parse(data=result.output, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    results = list(report.objects(node, SH.result))
    assert results, "the shipped data has warnings, so the report holds results"
    assert {report.value(r, SH.resultSeverity) for r in results} == {SH.Warning}
    # SHACL 3.6.1: a report with any result does not conform, even if the exit code allows warnings
    assert report.value(node, SH.conforms) == Literal(False)
    assert run("validate", "--format", "turtle").output == result.output, "the same bytes every run"


@pytest.mark.slow
def test_validate_files_turtle_report_says_false_beside_warnings():
    """The same for given files (pySHACL's own report says true beside warnings)."""
    files = sorted(str(p) for p in (ROOT / "data" / "diankou-2022").glob("*.ttl"))
    result = run("validate", *files, "--format", "turtle")
    assert result.exit_code == 0, result.output
    report = Graph().parse(data=result.output, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert {report.value(r, SH.resultSeverity) for r in report.objects(node, SH.result)} == {SH.Warning}
    assert report.value(node, SH.conforms) == Literal(False)


def first(graph, cls):
    return sorted(graph.subjects(RDF.type, cls))[0]


def broken_case(tmp_path: Path, breaking) -> tuple[Path, URIRef]:
    graph = load.case(load.case_names()[0])
    node = breaking(graph)
    path = tmp_path / "broken.ttl"
    path.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    return path, node


def without_unit(graph):
    obs = first(graph, TC.Observation)
    graph.remove((obs, TC.unit, None))
    return obs


def wrong_datatype(graph):
    obs = first(graph, TC.Observation)
    value = graph.value(obs, TC.value)
    graph.set((obs, TC.value, Literal(str(value), datatype=XSD.string)))
    return obs


def without_english_label(graph):
    # A place the case mints (not one of the reference data): any case has some, not every case a village.
    minted = (TC.Village, TC.Community, TC.Zone, TC.Road, TC.Site, TC.HeritageSite, TC.NaturalFeature)
    place = sorted(s for cls in minted for s in graph.subjects(RDF.type, cls))[0]
    for label in list(graph.objects(place, RDFS.label)):
        if label.language == "en":
            graph.remove((place, RDFS.label, label))
    return place


@pytest.mark.slow
@pytest.mark.parametrize("breaking, path, shape", [
    (without_unit, "tc:unit", "shape:Observation-unit"),
    (wrong_datatype, "tc:value", "shape:Observation-value"),
    (without_english_label, "rdfs:label", "shape:Label-en"),
], ids=["observation-without-unit", "wrong-datatype", "missing-english-label"])
def test_broken_copy_fails_naming_node_and_fix(tmp_path, breaking, path, shape):
    broken, node = broken_case(tmp_path, breaking)
    before = broken.read_bytes()
    result = run("validate", str(broken))
    assert result.exit_code == 1, result.output
    violations = [block for block in result.output.split("Violation: ")[1:] if block.startswith(curie(node))]
    assert any(f"path:  {path}\n  check: {shape}\n" in block for block in violations), result.output
    message = next(b for b in violations if f"check: {shape}" in b).split(f"check: {shape}", 1)[1]
    assert len(message.strip()) > 20, "the message must say what to fix"
    assert "does not conform" in result.output
    assert broken.read_bytes() == before, "validate must not modify its input"


def test_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix tc: <https://w3id.org/towncase/ontology#> .\n\n<a> tc:value "unclosed .\n',
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3" in result.output


def test_missing_file_is_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_regime_is_usage_error():
    assert CliRunner().invoke(main, ["infer", "--regime", "owl-full"]).exit_code == 2


@pytest.mark.slow
def test_infer_writes_a_separate_graph_and_leaves_data_alone(tmp_path):
    before = tree_digest(ROOT / "data")
    out = tmp_path / "closure.ttl"
    result = run("infer", "--regime", "rdfs", "-o", str(out))
    assert result.exit_code == 0, result.output
    inferred = load.parse_file(out)
    asserted = load.shipped_data() + load.ontology()
    assert len(inferred) > 0
    assert not any(t in asserted for t in inferred)
    assert tree_digest(ROOT / "data") == before


@pytest.mark.slow
def test_stats_counts_in_both_languages():
    zh, en = run("stats"), run("stats", "--lang", "en")
    assert zh.exit_code == en.exit_code == 0
    assert "定量观测" in zh.output and "quantitative observation" in en.output
    assert "zh-Hans" in en.output
    # facts per case by how they are known: the 10万 / 8万 remark is the Diankou case's reported pair
    reported = [line for line in en.output.splitlines() if line.startswith("Diankou town") and " reported " in line]
    assert len(reported) == 1 and reported[0].split()[-1] == "2"
    assert "编者推断" in zh.output and "原文陈述" in zh.output


@pytest.mark.slow
def test_build_writes_deterministic_exports(tmp_path):
    first_run, second_run = tmp_path / "a", tmp_path / "b"
    env = dict(os.environ)
    for out, seed in ((first_run, "1"), (second_run, "2")):
        env["PYTHONHASHSEED"] = seed
        done = subprocess.run([sys.executable, "-m", "towncase", "build", "--out", str(out)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in first_run.iterdir())
    assert "diankou-2022.ttl" in names and "towncase.trig" in names
    assert not [n for n in names if n.endswith(".tmp")]
    for name in names:
        assert (first_run / name).read_bytes() == (second_run / name).read_bytes(), name
    assert "店口" in done.stdout and "Diankou" in done.stdout


@pytest.mark.slow
def test_build_export_round_trips(tmp_path):
    assert run("build", "--out", str(tmp_path)).exit_code == 0
    ds = load.dataset()
    for name, graph in (("diankou-2022", load.case("diankou-2022")), ("ontology", load.ontology()),
                        ("concepts", load.concepts())):
        for suffix in ("ttl", "nt", "jsonld"):
            assert isomorphic(load.parse_file(tmp_path / f"{name}.{suffix}"), graph), f"{name}.{suffix}"
    for suffix, fmt in (("trig", "trig"), ("nq", "nquads")):
        again = Dataset()
        again.parse(tmp_path / f"towncase.{suffix}", format=fmt)
        for graph in ds.graphs():
            if len(graph):
                assert isomorphic(again.graph(graph.identifier), graph), f"{graph.identifier} in {suffix}"


@pytest.mark.slow
def test_exports_are_readable_by_others(tmp_path):
    """Atomic writes go through mkstemp (0600); published files get the usual permissions."""
    assert run("build", "--out", str(tmp_path), "--format", "ttl").exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


@pytest.mark.slow
def test_build_rebases_iris(tmp_path):
    assert run("build", "--out", str(tmp_path), "--base", "https://example.org/tc/").exit_code == 0
    for path in tmp_path.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "https://w3id.org/towncase/" not in text, path.name
        assert "ns1:" not in text, f"{path.name} lost the canonical prefixes"
    assert "https://example.org/tc/id/place/" in (tmp_path / "diankou-2022.nt").read_text(encoding="utf-8")
    assert "@prefix place: <https://example.org/tc/id/place/>" in (tmp_path / "diankou-2022.ttl").read_text("utf-8")


def test_infer_refuses_an_unknown_output_suffix(tmp_path):
    result = CliRunner().invoke(main, ["infer", "--regime", "rdfs", "-o", str(tmp_path / "closure.nq")])
    assert result.exit_code == 2 and "'nq'" in result.output and "did you mean nt" in result.output
    assert not (tmp_path / "closure.nq").exists()


@pytest.mark.slow
def test_infer_owlrl_reports_consistency():
    result = CliRunner().invoke(main, ["infer", "--regime", "owlrl"])
    assert result.exit_code == 0, result.stderr
    assert "inconsistent" not in result.stderr


@pytest.mark.slow
def test_validate_reads_the_named_graphs_of_a_trig_export(tmp_path):
    assert run("build", "--out", str(tmp_path), "--format", "trig").exit_code == 0
    result = run("validate", str(tmp_path / "towncase.trig"))
    assert result.exit_code == 0, result.output


def commands():
    return sorted(main.commands)


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_with_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output


def test_module_and_console_script_answer_help():
    done = subprocess.run([sys.executable, "-m", "towncase", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "validate" in done.stdout
    script = Path(sys.executable).with_name("towncase")  # installed with the package under test
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "build" in done.stdout


HOSTILE = {
    "bad.rdf": ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<rdf:Description', ":2"),
    "remote-context.jsonld": ('{"@context": "https://schema.org/", "@id": "https://e.org/a", "name": "x"}',
                              "never fetches"),
    "nested-remote-context.jsonld": ('{"@graph": [{"@context": ["https://schema.org/"], "@id": "https://e.org/a"}]}',
                                     "never fetches"),
    "not-json.jsonld": ('{"@id": ', "not JSON"),
    "empty.ttl": ("", "the file is empty"),
    "utf16-bom.ttl": (b"\xff\xfe@prefix", "UTF-16"),
    "unknown.suffix": ("<a> <b> <c> .", "cannot tell the RDF format"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_clear_usage_error(tmp_path, name):
    content, words = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and words in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, words", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
], ids=["service", "from", "from-named"])
def test_queries_that_would_fetch_are_refused(text, words):
    result = CliRunner().invoke(main, ["query", "-e", text])
    assert result.exit_code == 2
    assert words in result.output and "never fetches" in result.output


@pytest.mark.parametrize("name, params, lang", [
    ("town-profile", ["town=place:shaoxing-zhuji-datang"], "en"),  # a town written in, labels in English
    ("indicator-across-towns", ["indicator=indicator:land-area"], "zh"),  # a projected parameter: (<…> AS ?x)
    ("common-prosperity-funds", ["certainty=basis:inferred"], "zh"),  # a parameter read in a subquery
])
def test_queries_sparql_prints_a_text_that_answers_as_the_stored_query(tmp_path, name, params, lang):
    """``towncase queries NAME --sparql`` prints a query with nothing left to bind: run as the user's own
    file, it gives the stored query's rows for those parameters, byte for byte."""
    flags = [arg for param in params for arg in ("--param", param)]
    printed = run("queries", name, "--sparql", "--lang", lang, *flags)
    assert printed.exit_code == 0, printed.output
    path = tmp_path / f"{name}.rq"
    path.write_text(printed.output, encoding="utf-8")
    own = run("query", "--file", str(path), "--format", "tsv")
    stored = run("query", name, "--lang", lang, *flags, "--format", "tsv")
    assert own.exit_code == 0 and stored.exit_code == 0, own.output + stored.output
    assert len(stored.output.splitlines()) > 1  # rows to compare, not only the header
    assert own.output == stored.output


@pytest.mark.parametrize("args, words", [
    (["queries", "--sparql"], "--sparql needs a query NAME"),
    (["queries", "town-profile", "--param", "town=place:shaoxing-zhuji-datang"], "--param is for --sparql"),
    (["queries", "town-profile", "--sparql", "--param", "twn=place:shaoxing-zhuji-datang"], "did you mean town"),
    (["queries", "observations-of-indicator", "--sparql"], "needs --param indicator"),
], ids=["no-name", "param-without-sparql", "unknown-param", "missing-required"])
def test_queries_sparql_refuses_what_it_cannot_print_with_exit_2(args, words):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------------------------------
# The validation report: violations in full, many warnings summarised by check, --details for all

SHAPE = Namespace("https://w3id.org/towncase/shapes#")
PLACE = Namespace("https://w3id.org/towncase/id/place/")


def finding(severity: str, shape: str, n: int, file: Path | None, message: str | None = None) -> Finding:
    return Finding(severity=severity, focus=PLACE[f"p{n}"], focus_label=f"地{n} / Place {n}", path=TC.place,
                   shape=SHAPE[shape], constraint=None, message=message or f"Fix {shape}.", value=None, file=file)


def made(findings: list[Finding]) -> ValidationResult:
    ordered = tuple(sorted(findings, key=validate._order))
    return ValidationResult(conforms=not any(f.severity == "Violation" for f in ordered), report=Graph,
                            text="", findings=ordered)


def many_warnings(root: Path) -> list[Finding]:
    """25 warnings of three checks over two cases (a and b) and the reference data, with a tie of 5 and 5."""
    a, b, ref = root / "a" / "agents.ttl", root / "b" / "agents.ttl", root / "reference" / "places.ttl"
    files = [a, b, root / "b" / "events.ttl", ref]
    found = [finding("Warning", "Z-often", n, files[n % 4]) for n in range(15)]
    found += [finding("Warning", "B-tie", n, a) for n in range(15, 20)]
    found += [finding("Warning", "A-tie", n, ref, "Fix it." if n < 23 else "Fix it, once more.") for n in range(20, 25)]
    return found


SUMMARY_ROW = re.compile(r"^(\d+) +(\d+|-) +(\d+|-) +(\S+)$")


def summary_rows(output: str) -> list[tuple[str, int, str, str]]:
    """(check, warnings, cases, files) of each row of a printed warning summary."""
    return [(m[4], int(m[1]), m[2], m[3]) for line in output.splitlines() if (m := SUMMARY_ROW.match(line))]


def test_few_warnings_are_listed_in_full(tmp_path):
    found = [finding("Warning", "Few", n, tmp_path / "a" / "x.ttl") for n in range(render.WARNINGS_LISTED)]
    text = render.validation_report(made([*found, finding("Violation", "Bad", 99, tmp_path / "a" / "x.ttl")]))
    assert text.count("Warning: place:p") == render.WARNINGS_LISTED and "--details" not in text
    assert not summary_rows(text)
    assert text.splitlines()[-1] == f"不符合 / does not conform: 1 violation(s), {render.WARNINGS_LISTED} warning(s)"
    one_more = render.validation_report(made([*found, finding("Warning", "Few", 98, tmp_path / "a" / "x.ttl")]))
    assert "Warning: " not in one_more and summary_rows(one_more) == [("shape:Few", render.WARNINGS_LISTED + 1, "1", "1")]


def test_many_warnings_are_summarised_per_check_with_counts(tmp_path):
    found = many_warnings(tmp_path)
    text = render.validation_report(made(found))
    assert "Warning: " not in text and "run again with --details" in text
    expected = []
    for check in ("Z-often", "B-tie", "A-tie"):
        mine = [f for f in found if f.shape == SHAPE[check]]
        cases = {f.file.parent.name for f in mine if f.file is not None and f.file.parent.name != "reference"}
        expected.append((f"shape:{check}", len(mine), str(len(cases)), str(len({f.file for f in mine}))))
    expected.sort(key=lambda row: (-row[1], row[0]))  # most first; the tie of 5 by the check's name
    assert summary_rows(text) == expected == [("shape:Z-often", 15, "2", "4"), ("shape:A-tie", 5, "0", "1"),
                                              ("shape:B-tie", 5, "1", "1")]
    lines = text.splitlines()
    message = lines[lines.index(next(line for line in lines if line.endswith("shape:A-tie"))) + 1].strip()
    assert message == "Fix it. (and 1 other message(s))"  # the commoner of its two messages (3 to 2)
    assert lines[-1] == "符合 / conforms: 0 violation(s), 25 warning(s)"


def test_the_summary_is_the_same_whatever_the_order_of_the_findings(tmp_path):
    found = many_warnings(tmp_path)
    shuffled = found[::-1][::2] + found[::-1][1::2]
    assert render.warning_summary(found) == render.warning_summary(shuffled)
    assert render.validation_report(made(found)) == render.validation_report(made(shuffled))


def test_details_lists_every_warning(tmp_path):
    found = many_warnings(tmp_path)
    text = render.validation_report(made(found), details=True)
    blocks = text.split("Warning: ")[1:]
    assert sorted(b.split()[0] for b in blocks) == sorted(curie(f.focus) for f in found)
    assert not summary_rows(text) and "--details" not in text


def test_violations_are_listed_in_full_beside_summarised_warnings(tmp_path):
    bad = [finding("Violation", "Bad", 100 + n, tmp_path / "a" / "agents.ttl", f"Broken {n}.") for n in range(3)]
    text = render.validation_report(made(many_warnings(tmp_path) + bad))
    for f in bad:
        block = f"Violation: {curie(f.focus)}  ({f.focus_label})\n  file:  {f.file}\n  path:  tc:place\n" \
                f"  check: shape:Bad\n  {f.message}\n"
        assert block in text
    assert [row[0] for row in summary_rows(text)] == ["shape:Z-often", "shape:A-tie", "shape:B-tie"]
    assert text.splitlines()[-1] == "不符合 / does not conform: 3 violation(s), 25 warning(s)"


def test_the_summary_fits_a_narrow_terminal_and_cuts_no_message(tmp_path):
    long = "Say where an event happened with tc:place, if the text says it; 在文中写明地点。" * 2
    found = [finding("Warning", "Long", n, tmp_path / "a" / "x.ttl", long) for n in range(30)]
    text = render.validation_report(made(found), max_width=60)
    assert all(render.width(line) <= 60 for line in text.splitlines())
    body = [line.strip() for line in text.splitlines() if line.startswith(" " * 20)]
    assert "".join(body).replace(" ", "") == long.replace(" ", "")


def test_validate_summarises_the_warnings_of_towns_and_details_lists_them(synthetic_towns, monkeypatch):
    monkeypatch.delenv(resources.DATA_ENV, raising=False)
    data = load.corpus([synthetic_towns], shipped=False, env=False)
    result = validate.check(data)
    warnings = result.by_severity("Warning")
    assert result.conforms and len(warnings) > render.WARNINGS_LISTED
    case_of = {path: case.name for case in data.cases for path in case.files}
    expected = []
    for shape in {f.shape for f in warnings}:
        mine = [f for f in warnings if f.shape == shape]
        expected.append((curie(shape), len(mine), str(len({case_of[f.file] for f in mine if f.file in case_of})),
                         str(len({f.file for f in mine}))))
    expected.sort(key=lambda row: (-row[1], row[0]))
    args = ["validate", "--data", str(synthetic_towns), "--no-shipped"]
    summary = run(*args)
    assert summary.exit_code == 0, summary.output
    assert summary_rows(summary.output) == expected
    assert "Warning: " not in summary.output and "--details" in summary.output
    verdict = f"符合 / conforms: 0 violation(s), {len(warnings)} warning(s)"
    assert summary.output.splitlines()[-1] == verdict
    details = run(*args, "--details")
    assert details.exit_code == 0 and details.output.count("\nWarning: ") + details.output.startswith("Warning: ") \
        == len(warnings)
    assert details.output.splitlines()[-1] == verdict and not summary_rows(details.output)
    turtle = Graph().parse(data=run(*args, "--format", "turtle").output, format="turtle")
    assert len(set(turtle.objects(None, SH.result))) == len(result.findings), "the report graph stays complete"


@pytest.mark.parametrize("command", [["validate"], ["build"], ["package"], ["link", "build"]])
def test_every_command_that_prints_a_validation_report_takes_details(command):
    help_text = run(*command, "--help").output
    assert "--details" in help_text and f"over {render.WARNINGS_LISTED} warnings" in " ".join(help_text.split())
