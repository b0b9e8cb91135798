"""Nothing lost: atomic writes under failure, Ctrl-C, SIGKILL and a full disk; refused output paths;
exports that keep literals and blank nodes intact."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import weakref
from pathlib import Path

import pytest
from artefacts import ROOT
from click.testing import CliRunner
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from towncase import export, load, resources
from towncase.cli import main
from towncase.errors import InputError, OutputError

EX = "https://example.org/town/"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- atomic writes -------------------------------------------------------------------------------

def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OutputError, match="No space left on device; the previous file is unchanged"):
        export.write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("unnamed", [True, False], ids=["o-tmpfile", "named-temporary"])
def test_ctrl_c_during_a_write_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch, unnamed):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    if not unnamed:
        monkeypatch.setattr(export, "_open_unnamed", lambda folder, mode: None)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export.write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_both_write_paths_write_the_bytes_with_the_usual_permissions(tmp_path, monkeypatch):
    umask = os.umask(0)
    os.umask(umask)
    export.write_atomic(tmp_path / "a.ttl", b"unnamed")
    monkeypatch.setattr(export, "_open_unnamed", lambda folder, mode: None)
    export.write_atomic(tmp_path / "b.ttl", b"named")
    assert (tmp_path / "a.ttl").read_bytes() == b"unnamed" and (tmp_path / "b.ttl").read_bytes() == b"named"
    for name in ("a.ttl", "b.ttl"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    target.chmod(0o640)
    export.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o640


def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    target.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        export.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and target.stat().st_mode & 0o777 == 0o444


def test_a_folder_is_refused_as_an_output_file(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        export.write_atomic(tmp_path, b"new")


def test_a_temporary_file_of_a_killed_writer_is_swept_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.ttl.{dead.stdout.strip()}.0123abcd.tmp"
    stale.write_bytes(b"half")
    mine = tmp_path / f".out.ttl.{os.getpid()}.0123abcd.tmp"  # a live writer's: left alone
    mine.write_bytes(b"busy")
    export.write_atomic(tmp_path / "out.ttl", b"new")
    assert leftovers(tmp_path) == [mine.name]


KILLED_WRITER = textwrap.dedent("""
    import sys
    from towncase import export
    sys.stdout.write("start\\n"); sys.stdout.flush()
    while True:
        export.write_atomic(sys.argv[1], b"x" * (64 * 2**20))
""")


@pytest.mark.slow
def test_sigkill_during_writes_leaves_an_intact_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"start\n"
        time.sleep(1.5)  # several 64 MiB writes: the kill lands in the middle of one
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert target.read_bytes() in (b"old", b"x" * (64 * 2**20))
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_previous_file_intact(tmp_path):
    """A real full file system: a 1 MiB tmpfs (needs root and mount rights; skipped without them)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True, text=True) if shutil.which("mount") else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        target = disk / "out.ttl"
        target.write_bytes(b"old")
        with pytest.raises(OutputError, match="No space left on device"):
            export.write_atomic(target, b"x" * (2 * 2**20))
        assert target.read_bytes() == b"old"
        assert leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# --- refused output paths ------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["ontology", "data", "shapes", "queries"])
def test_outputs_inside_the_artefact_folders_are_refused(folder):
    before = sorted(p for p in (ROOT / folder).rglob("*"))
    result = run("infer", "--regime", "rdfs", "-o", str(ROOT / folder / "closure.ttl"))
    assert result.exit_code == 2 and "the project's own artefact folder" in result.output
    assert "--force" in result.output
    assert sorted(p for p in (ROOT / folder).rglob("*")) == before


def test_infer_over_a_case_file_is_refused():
    places = ROOT / "data" / "diankou-2022" / "places.ttl"
    before = places.read_bytes()
    result = run("infer", "--regime", "rdfs", "-o", str(places))
    assert result.exit_code == 2 and places.read_bytes() == before


def test_build_into_a_case_folder_is_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(load, "dataset", lambda: pytest.fail("build did work before refusing the folder"))
    result = run("build", "--out", str(ROOT / "data" / "diankou-2022"))
    assert result.exit_code == 2 and "artefact folder" in result.output


def test_protected_folders_cover_the_checkout():
    assert {p.name for p in resources.protected_dirs()} == {"ontology", "data", "shapes", "queries", "catalog"}


def a_case(tmp_path: Path, text: str) -> Path:
    """A data folder holding one case folder with one Turtle file."""
    folder = tmp_path / "cases" / "testtown-2024"
    folder.mkdir(parents=True)
    (folder / "places.ttl").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / "cases"


def test_an_output_inside_a_data_folder_is_refused_unless_forced(tmp_path):
    cases = a_case(tmp_path, f"<{EX}diankou> a <https://w3id.org/towncase/ontology#Town> .\n")
    data = cases / "testtown-2024" / "places.ttl"
    before = data.read_bytes()
    refused = run("infer", "--regime", "rdfs", "--no-shipped", "--data", str(cases), "-o", str(data))
    assert refused.exit_code == 2 and "an input folder" in refused.output and data.read_bytes() == before
    forced = run("infer", "--regime", "rdfs", "--no-shipped", "--data", str(cases), "--force", "-o", str(data))
    assert forced.exit_code == 0, forced.output
    inferred = load.parse_file(data)  # writing over an input works: it was read in full first
    assert (URIRef(f"{EX}diankou"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("https://w3id.org/towncase/ontology#Place")) in inferred


def test_outputs_inside_an_input_folder_are_refused(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    with pytest.raises(OutputError, match="an input folder"):
        export.check_output(cases / "diankou" / "out.ttl", [cases])
    export.check_output(tmp_path / "out.ttl", [cases])  # beside it is fine


# --- nothing written when the data does not conform; infer exits 1 on a contradiction ----------------

@pytest.mark.slow
def test_nothing_is_written_when_the_data_does_not_conform(tmp_path):
    cases = a_case(tmp_path, """\
        @prefix tc: <https://w3id.org/towncase/ontology#> .
        <https://w3id.org/towncase/id/place/testtown> a tc:Town .
    """)
    out = tmp_path / "export"
    result = run("build", "--data", str(cases), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert not out.exists()


@pytest.mark.slow
def test_infer_owlrl_exits_1_on_a_contradiction(tmp_path):
    cases = a_case(tmp_path, f"""\
        @prefix tc: <https://w3id.org/towncase/ontology#> .
        <{EX}diankou> a tc:Place, tc:Agent .
    """)
    result = run("infer", "--regime", "owlrl", "--no-shipped", "--data", str(cases))
    assert result.exit_code == 1
    assert "inconsistent" in result.output and "diankou" in result.output


# --- exports keep what they are given ------------------------------------------------------------

def test_a_literal_with_a_prefix_line_survives_the_trig_export():
    graph = Graph(identifier=URIRef(f"{EX}graph"))
    text = "first line\n@prefix evil: <https://evil.example/> .\nlast line"
    graph.add((URIRef(f"{EX}diankou"), URIRef(f"{EX}note"), Literal(text)))
    again = Dataset()
    again.parse(data=export.serialize(graph, "trig").decode("utf-8"), format="trig")
    assert isomorphic(again.graph(URIRef(f"{EX}graph")), graph)
    assert "evil" not in [prefix for prefix, _ in again.namespaces()]


@pytest.mark.parametrize("fmt, parser", [("nq", "nquads"), ("trig", "trig")])
def test_blank_nodes_of_two_graphs_stay_apart_in_dataset_exports(fmt, parser):
    ds = Dataset()
    for name in ("diankou", "datang"):
        ds.graph(URIRef(f"{EX}graph/{name}")).add((BNode(), URIRef(f"{EX}name"), Literal(name)))
    again = Dataset()
    again.parse(data=export.serialize(ds, fmt).decode("utf-8"), format=parser)
    subjects = {s for s, _, _, _ in again.quads((None, None, None, None))}
    assert len(subjects) == 2


@pytest.mark.parametrize("suffix, text", [
    ("jsonld", '{"@id": "_:b0", "https://example.org/town/name": "x"}'),
    ("nq", '_:b0 <https://example.org/town/name> "x" .\n'),
    ("trig", '{ _:b0 <https://example.org/town/name> "x" . }\n'),
    ("nt", '_:b0 <https://example.org/town/name> "x" .\n'),
    ("ttl", '_:b0 <https://example.org/town/name> "x" .\n'),
    ("rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:t="https://example.org/town/">'
            '<rdf:Description rdf:nodeID="b0"><t:name>x</t:name></rdf:Description></rdf:RDF>'),
])
def test_blank_nodes_of_two_files_never_merge(tmp_path, suffix, text):
    for name in ("a", "b"):
        (tmp_path / f"{name}.{suffix}").write_text(text, "utf-8")
    files = sorted(tmp_path.iterdir())
    assert len(set(load.parse_files(files).subjects())) == 2
    merged = Graph()
    for path in files:  # graphs parsed on their own and merged later (as load's cache does)
        merged += load.parse_file(path)
    assert len(set(merged.subjects())) == 2


def nested_blank_nodes(order: int) -> Graph:
    """Results with nested blank nodes (a path list, a detail), two of them alike, added in one of two orders."""
    ex = lambda local: URIRef(f"{EX}{local}")  # noqa: E731
    triples = []
    report = BNode()
    for focus, note in (("diankou", "a"), ("datang", "b"), ("datang", "b")):  # the last two describe the same
        result, path, rest, detail = BNode(), BNode(), BNode(), BNode()
        triples += [(report, ex("result"), result), (result, ex("focus"), ex(focus)), (result, ex("path"), path),
                    (path, RDF.first, ex("p")), (path, RDF.rest, rest), (rest, RDF.first, ex("q")),
                    (rest, RDF.rest, RDF.nil), (result, ex("detail"), detail), (detail, ex("note"), Literal(note, lang="en")),
                    (result, ex("value"), BNode())]  # a blank node that describes nothing
    graph = Graph()
    for triple in triples if order == 0 else reversed(triples):
        graph.add(triple)
    return graph


def test_turtle_by_content_is_the_same_graph_and_the_same_bytes_whatever_the_blank_node_ids():
    first, second = nested_blank_nodes(0), nested_blank_nodes(1)
    assert not {n for n in first.all_nodes() if isinstance(n, BNode)} & set(second.all_nodes())  # fresh ids
    text = export.turtle_by_content(first)
    assert text == export.turtle_by_content(second)
    again = Graph().parse(data=text.decode("utf-8"), format="turtle")
    assert isomorphic(again, first) and len(again) == len(first) == 30


def test_turtle_by_content_of_blank_nodes_in_a_cycle_is_still_the_same_graph_and_bytes():
    def cycle(order: int) -> Graph:
        a, b = BNode(), BNode()
        triples = [(a, URIRef(f"{EX}next"), b), (b, URIRef(f"{EX}next"), a), (a, URIRef(f"{EX}name"), Literal("a"))]
        graph = Graph()
        for triple in triples if order == 0 else reversed(triples):
            graph.add(triple)
        return graph
    text = export.turtle_by_content(cycle(0))
    assert text == export.turtle_by_content(cycle(1))
    assert isomorphic(Graph().parse(data=text.decode("utf-8"), format="turtle"), cycle(0))


def test_the_shipped_validation_report_in_turtle_by_content_is_the_same_graph(checked):
    again = Graph().parse(data=export.turtle_by_content(checked.graph).decode("utf-8"), format="turtle")
    assert isomorphic(again, checked.graph) and len(again) > 100


def test_a_single_graph_serialises_in_the_dataset_formats():
    graph = Graph()
    graph.add((URIRef(f"{EX}diankou"), URIRef(f"{EX}name"), Literal("店口")))
    for fmt, parser in (("trig", "trig"), ("nq", "nquads")):
        again = Dataset()
        again.parse(data=export.serialize(graph, fmt).decode("utf-8"), format=parser)
        assert len(again) == 1, fmt


@pytest.mark.parametrize("base", ["https://ex.org/a b/", "not-an-iri/", "file:///etc/", "javascript:alert(1)/",
                                  "https://example.org/towncase", "https:///towncase/", "http://ex.org/<x>/"])
def test_a_bad_base_is_refused_before_any_work(base, tmp_path, monkeypatch):
    monkeypatch.setattr(load, "dataset", lambda: pytest.fail("build did work before checking --base"))
    result = run("build", "--out", str(tmp_path / "out"), "--base", base)
    assert result.exit_code == 2 and "base IRI" in result.output
    assert not (tmp_path / "out").exists()


# --- an export: every file staged before any replaces an old one ------------------------------------

def open_under(folder: Path) -> list[str]:
    """What this process holds open inside `folder`. A count of all its descriptors would not do:
    the collector may close other tests' files at any moment (it did in a CI run: 30 before, 21 after)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own descriptor, closed by now
            if (target := os.readlink(f"/proc/self/fd/{fd}")).startswith(f"{folder}/"):
                held.append(target)
    return held


@pytest.mark.parametrize("unnamed", [True, False], ids=["o-tmpfile", "named-temporary"])
def test_an_export_failing_midway_leaves_every_old_file_and_no_temporary_file(tmp_path, monkeypatch, dataset, unnamed):
    out = tmp_path / "export"
    export.export(dataset, out, ("nt",))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    if not unnamed:
        monkeypatch.setattr(export, "_open_unnamed", lambda folder, mode: None)
    real, calls = export.stage, []

    def fails_on_the_third_file(path, data, unnamed=True):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data, unnamed)

    monkeypatch.setattr(export, "stage", fails_on_the_third_file)
    with pytest.raises(OSError):
        export.export(dataset, out, ("nt",), base="https://example.org/elsewhere/")  # every file differs
    assert len(calls) == 3 and open_under(out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(out) == []


def test_an_export_beyond_the_open_file_budget_stages_named_files_and_writes_the_same_bytes(tmp_path, monkeypatch,
                                                                                          dataset):
    export.export(dataset, tmp_path / "held", ("nt",))
    monkeypatch.setattr(export, "_unnamed_budget", lambda files: 2)
    named = []
    real_stage = export.stage

    def stage(path, data, unnamed=True):
        named.append(not unnamed)
        return real_stage(path, data, unnamed)

    monkeypatch.setattr(export, "stage", stage)
    export.export(dataset, tmp_path / "named", ("nt",))
    assert named[:2] == [False, False] and all(named[2:]) and len(named) > 2
    assert ({p.name: p.read_bytes() for p in (tmp_path / "held").iterdir()}
            == {p.name: p.read_bytes() for p in (tmp_path / "named").iterdir()})
    assert leftovers(tmp_path / "named") == []


# --- an export holds one graph at a time -------------------------------------------------------------

def test_an_export_reads_each_graph_only_after_letting_go_of_the_one_before(tmp_path, dataset):
    read, alive = [], []

    def reader(graph):
        def read_it():
            gc.collect()
            alive.append([ref() is not None for ref in read])  # the graphs read before this one, still held?
            copy = Graph(identifier=graph.identifier)
            copy += graph
            read.append(weakref.ref(copy))
            return copy
        return read_it

    written = export.export_graphs([(g.identifier, reader(g)) for g in dataset.graphs() if len(g)], tmp_path,
                                   export.DEFAULT_FORMATS)
    assert len(read) == len(alive) > 3 and not any(any(held) for held in alive)
    # the same files, the same bytes, as from the dataset held whole
    whole = export.export(dataset, tmp_path / "whole", export.DEFAULT_FORMATS)
    assert [w.path.name for w in written] == [w.path.name for w in whole]
    assert all(w.path.read_bytes() == v.path.read_bytes() for w, v in zip(written, whole, strict=True))


# --- many graphs are serialised in worker processes -------------------------------------------------

def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def pid_noting_reader(graph: Graph, pids: Path):
    def read_it():
        with pids.open("a") as noted:
            noted.write(f"{os.getpid()}\n")
        return graph
    return read_it


@pytest.mark.parametrize("base", [None, "https://example.org/elsewhere/"])
def test_an_export_in_worker_processes_writes_the_same_bytes_as_one_here(tmp_path, monkeypatch, dataset, base):
    graphs = [g for g in dataset.graphs() if len(g)]
    here = export.export_graphs([(g.identifier, pid_noting_reader(g, tmp_path / "here.pids")) for g in graphs],
                                tmp_path / "here", export.DEFAULT_FORMATS, base)
    monkeypatch.setattr(export, "POOL_FROM", 1)
    workers = export.export_graphs([(g.identifier, pid_noting_reader(g, tmp_path / "workers.pids")) for g in graphs],
                                   tmp_path / "workers", export.DEFAULT_FORMATS, base)
    assert set((tmp_path / "here.pids").read_text().split()) == {str(os.getpid())}
    assert str(os.getpid()) not in (tmp_path / "workers.pids").read_text().split()  # every graph read by a worker
    assert here == [export.Written(tmp_path / "here" / w.path.name, w.triples, w.graph) for w in workers]
    assert files_of(tmp_path / "here") == files_of(tmp_path / "workers") and len(here) > 3 * len(graphs)


def test_an_error_in_an_export_worker_arrives_whole_and_no_file_changes(tmp_path, monkeypatch, dataset):
    out = tmp_path / "export"
    export.export(dataset, out, ("nt", "nq"))
    before = files_of(out)
    graphs = sorted((g for g in dataset.graphs() if len(g)), key=lambda g: str(g.identifier))

    def unreadable():
        raise InputError("does not parse", file="cases/x/places.ttl", line=7, hint="mend it")

    monkeypatch.setattr(export, "POOL_FROM", 1)
    readers = [(g.identifier, lambda g=g: g) for g in graphs]
    readers[1] = (graphs[1].identifier, unreadable)
    with pytest.raises(InputError) as caught:
        export.export_graphs(readers, out, ("nt", "nq"), base="https://example.org/elsewhere/")
    assert (caught.value.file, caught.value.line, caught.value.hint) == ("cases/x/places.ttl", 7, "mend it")
    assert str(caught.value).startswith("cases/x/places.ttl:7: does not parse")
    assert files_of(out) == before and leftovers(out) == []


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_a_dataset_file_spilt_into_sorted_runs_is_the_same_bytes_as_one_sorted_in_memory(tmp_path, monkeypatch,
                                                                                        dataset, fmt):
    named = sorted(((g.identifier, g) for g in dataset.graphs() if len(g)), key=lambda pair: str(pair[0]))
    in_memory = export._dataset_format(named, fmt, export.PREFIXES)
    spills = []
    monkeypatch.setattr(export.DatasetFile, "RUN_BYTES", 1)  # a sorted run of its own for every graph
    real = export.DatasetFile._spill
    monkeypatch.setattr(export.DatasetFile, "_spill", lambda self: (spills.append(len(self.run)), real(self)))
    assert export._dataset_format(named, fmt, export.PREFIXES) == in_memory
    assert len(spills) == (len(named) + 1 if fmt == "nq" else 0)  # and the last, at the end
    if fmt == "nq":  # every graph's triples once, the lines sorted as a whole (not run by run)
        lines = in_memory.decode("utf-8").splitlines()
        assert lines == sorted(lines) and len(lines) == len(set(lines)) == sum(len(g) for _, g in named)


def test_a_dataset_file_refuses_graphs_out_of_order():
    with export.DatasetFile("nq", export.PREFIXES) as file:
        file.add(URIRef(f"{EX}graph/b"), Graph())
        with pytest.raises(ValueError, match="order"):
            file.add(URIRef(f"{EX}graph/a"), Graph())
