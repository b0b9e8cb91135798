"""Bounded work: hostile queries and runaway reasoning stop with a message and their exit code;
engine errors and Ctrl-C get codes of their own."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import OWL, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from towncase import bounded, errors, query, reason, validate
from towncase.cli import main
from towncase.errors import EngineError, LimitError

EX = "https://example.org/town/"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a"


def long_list(items: int) -> Graph:
    graph = Graph()
    head = BNode()
    Collection(graph, head, [Literal(i) for i in range(items)])
    graph.add((URIRef(f"{EX}diankou"), URIRef(f"{EX}items"), head))
    return graph


def test_a_cartesian_product_is_stopped_at_the_time_limit():
    started = time.monotonic()
    result = CliRunner().invoke(main, ["query", "--timeout", "2", "-e", CARTESIAN])
    assert result.exit_code == 4, result.output
    assert "stopped after 2 s, the time limit" in result.output
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_a_catastrophic_regular_expression_is_stopped():
    graph = Graph()
    graph.add((URIRef(f"{EX}diankou"), URIRef(f"{EX}name"), Literal("a" * 40 + "!")))
    text = 'SELECT ?s WHERE { ?s ?p ?o FILTER regex(?o, "^(a+)+$") }'
    with pytest.raises(LimitError, match="time limit") as caught:
        query.run(graph, query.from_text(text), limits=query.QueryLimits(timeout=2))
    assert caught.value.limit == "timeout"


@pytest.mark.parametrize("path", ["rdf:rest*/rdf:first", "(!rdf:type|^!rdf:type)*"])
@pytest.mark.slow
def test_a_long_list_walked_by_a_path_answers_without_recursion_error(path):
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}diankou> <{EX}items>/{path} ?x }}"
    rows = list(query.run(long_list(2000), query.from_text(text)))
    assert int(rows[0][0]) >= 2000


def test_the_result_cap_cuts_the_answer_and_says_so():
    answer = query.run(long_list(50), query.from_text("SELECT * WHERE { ?s ?p ?o }"),
                       limits=query.QueryLimits(max_rows=7))
    assert answer.truncated and len(list(answer)) == 7
    result = CliRunner().invoke(main, ["query", "--max-rows", "3", "-e", "SELECT * WHERE { ?s ?p ?o }"])
    assert result.exit_code == 4 and "cut at 3 rows" in result.output


def test_an_answer_under_the_cap_is_complete():
    answer = query.run(long_list(5), query.from_text("SELECT * WHERE { ?s ?p ?o }"))
    assert not answer.truncated and len(list(answer)) == 11


def test_a_huge_query_text_is_refused_before_parsing():
    values = " ".join(f'"v{i}"' for i in range(20_000))
    with pytest.raises(LimitError, match="longer than"):
        query.from_text(f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}").prepared  # noqa: B018 (reading it prepares the query)


def test_an_engine_error_while_rows_are_produced_exits_3():
    result = CliRunner().invoke(main, ["query", "--store", "rdflib", "-e", "SELECT (SUM(?o) AS ?x) WHERE { ?s ?p ?o }"])
    assert result.exit_code == 3, result.output
    assert "SPARQL engine failed" in result.output and "Traceback" not in result.output
    with pytest.raises(EngineError):
        query.run(long_list(3), query.from_text("SELECT (SUM(?o) AS ?x) WHERE { ?s ?p ?o }"))


def test_debug_shows_the_traceback():
    result = CliRunner().invoke(main, ["--debug", "query", "--store", "rdflib", "-e", "SELECT (SUM(?o) AS ?x) WHERE { ?s ?p ?o }"])
    assert result.exit_code == 3 and "Traceback" in result.output


@pytest.mark.slow
def test_ctrl_c_exits_130_and_stops_the_worker():
    # Ctrl-C as in a terminal, however the tests were started: a job that a script sends to the background
    # (`pytest &`) inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt
    command = subprocess.Popen([sys.executable, "-m", "towncase", "query", "--timeout", "120", "-e", CARTESIAN],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(6)  # loaded, and the worker is busy
        workers = children(command.pid)
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=60)
        time.sleep(0.5)  # a killed worker may take a moment to go
        leftover = [pid for pid in workers if running(pid)]
    finally:  # whatever failed, the query must not go on running under the rest of the suite
        for pid in [command.pid, *children(command.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert workers, "the query had not started its worker after 6 s"
    assert command.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert leftover == []


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    assert found.returncode in (0, 1), found.stderr  # 1: none
    return [int(child) for child in found.stdout.split()]


def running(pid: int) -> bool:
    """The process exists and is not a zombie (exited, not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def pairwise_same_as(individuals: int) -> Graph:
    graph = Graph()
    for i in range(individuals):
        graph.add((URIRef(f"{EX}p/{i}"), OWL.sameAs, URIRef(f"{EX}p/{i + 1}")))
    return graph


@pytest.mark.slow
def test_runaway_same_as_stops_at_the_time_limit():
    started = time.monotonic()
    with pytest.raises(LimitError, match="time limit"):
        reason.run(pairwise_same_as(2000), "owlrl", limits=reason.ReasonLimits(timeout=3))
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_reasoning_stops_at_the_triple_limit():
    with pytest.raises(LimitError, match="passed 5,000 triples") as caught:
        reason.run(pairwise_same_as(300), "owlrl", limits=reason.ReasonLimits(max_triples=5_000))
    assert caught.value.limit == "triples"


def test_infer_and_validate_report_a_limit_with_exit_4(tmp_path):
    case = tmp_path / "cases" / "same-as-2024"
    case.mkdir(parents=True)
    data = case / "same-as.ttl"
    pairwise_same_as(400).serialize(data, format="turtle")
    for command in (["infer", "--regime", "owlrl", "--no-shipped", "--data", str(tmp_path / "cases")],
                    ["validate", "--inference", "owlrl", str(data)]):
        result = CliRunner().invoke(main, [*command, "--max-triples", "5000"])
        assert result.exit_code == 4, result.output
        assert "stopped: the closure passed 5,000 triples" in result.output


TYPED_ERRORS = [
    errors.TowncaseError("plain", "a hint"),
    errors.InputError("no such file", file="cases/x/a.ttl", line=3, column=9, hint="check the path"),
    errors.RDFSyntaxError("bad IRI", file="a.ttl", line=2),
    errors.OfflineError("SERVICE refused", hint="no network"),
    errors.UnknownNameError("query", "case-overveiw", ["case-overview", "stats"]),
    errors.ParameterError("missing town", "give --param town=…"),
    errors.OutputError("read-only"),
    errors.EngineError("rdflib failed"),
    errors.LimitError("too long", "timeout", "allow more time"),
    errors.EndpointError("store is down", "start it"),
]


@pytest.mark.parametrize("error", TYPED_ERRORS, ids=lambda e: type(e).__name__)
def test_a_typed_error_pickles_whole(error):
    """What a worker process raises reaches the parent as the same error: type, message, hint, attributes."""
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error) and back.args == error.args
    assert vars(back) == vars(error) and vars(error)  # the attributes (hint, file, limit …) came along


def raises_input_error() -> None:
    raise errors.InputError("does not parse", file="cases/x/places.ttl", line=7, hint="mend it")


def test_a_typed_error_in_a_bounded_worker_arrives_with_its_attributes():
    with pytest.raises(errors.InputError) as caught:
        bounded.run(raises_input_error, (), bounded.Limits(), "reading")
    assert (caught.value.file, caught.value.line, caught.value.hint) == ("cases/x/places.ttl", 7, "mend it")


# --- work shared out over forked workers ---------------------------------------------------------------

def test_forked_work_comes_back_in_order_from_the_processes_asked_for():
    here = os.getpid()
    answers = list(bounded.each_forked(lambda index: (index, os.getpid()), 5, 2, "counting"))
    assert [index for index, _ in answers] == [0, 1, 2, 3, 4]
    assert here not in {pid for _, pid in answers}
    alone = list(bounded.each_forked(lambda index: (index, os.getpid()), 3, 1, "counting"))
    assert alone == [(0, here), (1, here), (2, here)]


def test_without_fork_every_forked_call_runs_here(monkeypatch):
    monkeypatch.setattr(bounded.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    here = os.getpid()
    assert not bounded.forks()
    assert list(bounded.each_forked(lambda index: (index, os.getpid()), 3, 2, "counting")) == [
        (0, here), (1, here), (2, here)]


def dies_in_a_worker(parent: int) -> None:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer does


def test_a_forked_worker_that_dies_is_an_engine_error():
    parent = os.getpid()
    with pytest.raises(EngineError, match="counting: a worker process died") as caught:
        list(bounded.each_forked(lambda index: dies_in_a_worker(parent), 3, 2, "counting"))
    assert "memory" in caught.value.hint


def test_validate_reports_a_dead_worker_with_exit_3(monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(validate, "_read_part", lambda data, key: None)  # nothing cached: every case checked
    checked_here = validate._check_part  # the reference data, checked before the cases

    def check(*args):
        dies_in_a_worker(parent)
        return checked_here(*args)

    monkeypatch.setattr(validate, "_check_part", check)
    result = CliRunner().invoke(main, ["validate", "--jobs", "2"])
    assert result.exit_code == 3, result.output
    assert "validation: a worker process died" in result.output and "Traceback" not in result.output
