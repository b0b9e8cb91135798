"""The command line: exit codes, messages a data author can act on, non-destructive outputs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from artefacts import ROOT
from click.testing import CliRunner
from rdflib import RDF, SH, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD

from towncase import load
from towncase.cli import main
from towncase.labels import curie
from towncase.namespaces import TC


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
