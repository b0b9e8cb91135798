"""The corpus of bad inputs in tests/bad-inputs/, run through the command line: each is refused with
its documented exit code and a message that names the file (and the line, where the manifest says)."""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph

from towncase.cli import main

CORPUS = Path(__file__).parent / "bad-inputs"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
NEGATIVE = sorted((CORPUS / "turtle-negative").glob("*.ttl"))


def refuse(args: list[str], path: Path, code: int, fragment: str) -> None:
    result = CliRunner().invoke(main, [a.replace("{file}", str(path)) for a in args])
    assert result.exit_code == code, result.output
    assert fragment in result.output, result.output
    assert str(path) in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(MANIFEST["cases"]))
def test_bad_input_is_refused_clearly(name):
    case = MANIFEST["cases"][name]
    refuse(case.get("args", ["validate", "{file}"]), CORPUS / name, case["exit"], case["message"])


def test_every_corpus_file_is_in_the_manifest():
    files = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "manifest.yaml"}
    assert files == set(MANIFEST["cases"])


@pytest.mark.parametrize("path", NEGATIVE, ids=[p.stem for p in NEGATIVE])
def test_turtle_negative_syntax_is_refused_with_a_line(path):
    spec = MANIFEST["turtle-negative"]
    refuse(spec["args"], path, spec["exit"], spec["message"])
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert re.match(rf"error: {re.escape(str(path))}:\d+(:\d+)?: ", result.output), result.output


def test_the_turtle_negative_suite_is_complete():
    assert len(NEGATIVE) == 94  # the W3C RDF 1.1 Turtle suite has 94 negative syntax tests


def test_the_record_of_what_rdflib_alone_accepts_is_true():
    accepted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            for path in NEGATIVE:
                try:
                    Graph().parse(path, format="turtle")
                except Exception:
                    continue
                accepted.append(path.stem)
        finally:
            logging.disable(logging.NOTSET)
    assert accepted == MANIFEST["turtle-negative"]["rdflib-alone-accepts"]


@pytest.mark.parametrize("suffix, text", [
    ("nt", '<https://example.org/town/diankou> <https://example.org/town/name> "店口" .\n'),
    ("ttl", '<https://example.org/town/diankou> <https://example.org/town/name> "店口" .\n'),
    ("jsonld", '{"@id": "https://example.org/town/diankou", "https://example.org/town/name": "店口"}\n'),
    ("rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:t="https://example.org/town/">'
            '<rdf:Description rdf:about="https://example.org/town/diankou"><t:name>店口</t:name>'
            '</rdf:Description></rdf:RDF>\n'),
    ("rq", "SELECT ?town WHERE { ?town a tc:Town }\n"),
])
def test_a_utf8_byte_order_mark_is_accepted_in_every_format(tmp_path, suffix, text):
    path = tmp_path / f"bom.{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    args = ["query", "--file", str(path)] if suffix == "rq" else ["validate", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


def test_a_fifo_a_folder_and_an_unreadable_file_are_refused_without_blocking(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)
    refuse(["validate", "{file}"], fifo, 2, "is not a regular file")
    refuse(["query", "--file", "{file}"], fifo, 2, "is not a regular file")
    folder = tmp_path / "folder.rq"
    folder.mkdir()
    refuse(["query", "--file", "{file}"], folder, 2, "is a folder")
    locked = tmp_path / "locked.ttl"
    locked.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n", "utf-8")
    real_open = os.open

    def denied(path, *args, **kwargs):  # chmod 000 means nothing to root, so the refusal is simulated
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    refuse(["validate", "{file}"], locked, 2, "permission denied")
