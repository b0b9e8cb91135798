"""No network and no surprise files: the audit-hook guard, hostile shapes, and every command run
under an independent audit logger that fails on any outbound attempt."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph

from towncase import load, offline, validate
from towncase.errors import EngineError, InputError, OfflineError

CORPUS = Path(__file__).parent / "bad-inputs"
EX = "https://example.org/town/"


@pytest.fixture
def no_sockets(monkeypatch):
    """Record (and stop) any connection that gets past the guard."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_the_guard_refuses_the_network_files_and_processes(tmp_path, no_sockets):
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    attempts = [
        lambda: urllib.request.urlopen("https://example.org/", timeout=1),
        lambda: socket.getaddrinfo("example.org", 443),
        lambda: open(secret, encoding="utf-8").read(),  # noqa: SIM115 (the open is what is refused)
        lambda: open(tmp_path / "new.txt", "w", encoding="utf-8"),  # noqa: SIM115
        lambda: os.remove(secret),
        lambda: subprocess.run(["true"]),
    ]
    for attempt in attempts:
        with pytest.raises(OfflineError, match="refused"), offline.guard("testing"):
            attempt()
    assert secret.exists() and not (tmp_path / "new.txt").exists()
    assert no_sockets == []


def test_a_refusal_swallowed_by_an_engine_is_raised_again(no_sockets):
    with pytest.raises(OfflineError, match="network access"), offline.guard("testing"), \
            contextlib.suppress(Exception):
        socket.getaddrinfo("example.org", 443)


def test_the_guard_allows_what_the_engines_need(tmp_path):
    allowed = tmp_path / "ok.txt"
    allowed.write_text("ok", encoding="utf-8")
    with offline.guard("testing", readable=[tmp_path]):
        assert allowed.read_text(encoding="utf-8") == "ok"
        import rdflib.plugins.serializers.nt  # noqa: F401 - imports read Python's own files


def test_the_hook_is_inert_outside_a_guard(tmp_path):
    (tmp_path / "free.txt").write_text("free", encoding="utf-8")
    assert (tmp_path / "free.txt").read_text(encoding="utf-8") == "free"


SPARQL_SHAPES = {
    "target": """
        ex:TownShape a sh:NodeShape ;
            sh:target [ a sh:SPARQLTarget ; sh:prefixes ex:prefixes ;
                sh:select "SELECT ?this WHERE { SERVICE <https://query.wikidata.org/sparql> { ?this ?p ?o } }" ] ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    """,
    "constraint": """
        ex:TownShape a sh:NodeShape ; sh:targetClass ex:Town ;
            sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:prefixes ;
                sh:select "SELECT $this WHERE { SERVICE <https://query.wikidata.org/sparql> { $this ?p ?o } }" ] .
    """,
}


def shapes(kind: str) -> Graph:
    return Graph().parse(data=textwrap.dedent(f"""\
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <{EX}> .
        ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "{EX}"^^<http://www.w3.org/2001/XMLSchema#anyURI> ] .
    """) + SPARQL_SHAPES[kind], format="turtle")


def town() -> Graph:
    return Graph().parse(data=f'<{EX}diankou> a <{EX}Town> ; <{EX}name> "店口" .', format="turtle")


@pytest.mark.parametrize("kind", sorted(SPARQL_SHAPES))
def test_shapes_whose_sparql_uses_service_are_refused(kind, no_sockets):
    with pytest.raises(InputError, match="SERVICE"):
        validate.validate(town(), shapes_graph=shapes(kind))
    assert no_sockets == []


@pytest.mark.parametrize("engine", validate.SHACL_ENGINES)
@pytest.mark.parametrize("kind", sorted(SPARQL_SHAPES))
def test_the_guard_stops_service_in_shapes_that_pass_the_static_check(kind, engine, monkeypatch, no_sockets):
    """pySHACL's own SERVICE check misses SHACL-AF targets: the guard is the backstop. pyshacl-turbo
    (Rust, which no audit hook sees) refuses SERVICE in both places itself."""
    monkeypatch.setattr(validate, "check_shapes", lambda graph: None)
    # pySHACL refuses SERVICE in a SPARQL constraint itself (a failure it returns, now an InputError);
    # in a SHACL-AF target it would send the query: the guard refuses the network.
    refusal = {("constraint", "pyshacl"): "must not contain a federated query",
               ("target", "pyshacl"): "refused network access",
               ("constraint", "turbo"): "cannot use SERVICE",
               ("target", "turbo"): "is not supported"}[kind, engine]
    with pytest.raises((InputError, EngineError), match=refusal):
        validate.validate(town(), shapes_graph=shapes(kind), engine=engine)
    assert no_sockets == []


def test_an_emptied_shapes_file_is_refused(tmp_path):
    empty = tmp_path / "towncase.shapes.ttl"
    empty.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="declares no shape"):
        validate.validate(town(), shapes_graph=load.parse_file(empty))


def test_the_shipped_shapes_files_each_declare_shapes(monkeypatch, tmp_path):
    emptied = tmp_path / "towncase.shapes.ttl"
    emptied.write_text("# emptied\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n", encoding="utf-8")
    real = validate.resources.shape_files()
    monkeypatch.setattr(validate.resources, "shape_files", lambda: [emptied, *real[1:]])
    validate._shapes.cache_clear()
    try:
        with pytest.raises(InputError, match="declares no shape"):
            validate.shapes()
    finally:
        monkeypatch.undo()
        validate._shapes.cache_clear()


def test_an_empty_ontology_is_refused(monkeypatch, tmp_path):
    empty = tmp_path / "towncase.ttl"
    empty.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n", encoding="utf-8")
    monkeypatch.setattr(load.resources, "ontology_file", lambda: empty)
    with pytest.raises(InputError, match="declares no owl:Ontology"):
        load.ontology()


# --- every command, under an independent logger of network events --------------------------------

LOGGER = textwrap.dedent("""
    import os, sys
    _log = os.environ["AUDIT_LOG"]
    _watched = ("socket.", "urllib.", "http.client.", "ftplib.", "smtplib.")
    def _record(event, args):
        if event.startswith(_watched):
            with open(_log, "a", encoding="utf-8") as out:
                out.write(event + "\\n")
    sys.addaudithook(_record)
""")

OWL_IMPORTS = f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{EX}ontology> a owl:Ontology ; owl:imports <https://schema.org/version/latest/schemaorg-current-https.ttl> .
"""

COMMANDS = {
    "build": ["build", "--out", "{tmp}/export"],
    "validate": ["validate"],
    "validate-owlrl": ["validate", "--inference", "owlrl"],
    "infer": ["infer", "--regime", "rdfs", "-o", "{tmp}/closure.ttl"],
    "stats": ["stats"],
    "queries": ["queries"],
    "query": ["query", "town-profile", "--inference", "rdfs"],
    "query-service": ["query", "--file", str(CORPUS / "service.rq")],
    "query-from-file": ["query", "-e", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"],
    "validate-owl-imports": ["validate", "{tmp}/imports.ttl"],
    "validate-remote-context": ["validate", str(CORPUS / "remote-context.jsonld")],
    "validate-file-context": ["validate", str(CORPUS / "file-context.jsonld")],
    "validate-external-entity": ["validate", str(CORPUS / "external-entity.rdf")],
    "validate-parameter-entity": ["validate", str(CORPUS / "external-parameter-entity.rdf")],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_command_attempts_an_outbound_connection(name, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(LOGGER, encoding="utf-8")
    (tmp_path / "imports.ttl").write_text(OWL_IMPORTS, encoding="utf-8")
    log = tmp_path / "audit.log"
    env = {**os.environ, "AUDIT_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[name]]
    done = subprocess.run([sys.executable, "-m", "towncase", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr
    events = log.read_text(encoding="utf-8").split() if log.exists() else []
    assert events == [], json.dumps(events[:5])


def test_own_shapes_validate_in_a_process_that_has_not_read_the_shipped_ones():
    """pyshacl-turbo checks whether it was given the shipped shapes; reading them for that check must
    happen before the guard (which refuses the shapes files), not in it: run alone, `link check`'s
    shapes failed so."""
    validate._compiled_shapes.cache_clear()
    validate._shapes.cache_clear()
    shapes = Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{EX}shape> a sh:NodeShape ; sh:targetClass <{EX}Town> ;
            sh:property [ sh:path <{EX}name> ; sh:minCount 1 ; sh:message "a town has a name" ] .""")
    data = Graph().parse(format="turtle", data=f"<{EX}t> a <{EX}Town> .")
    result = validate.validate(data, shapes_graph=shapes)
    assert not result.conforms and [f.message for f in result.findings] == ["a town has a name"]
