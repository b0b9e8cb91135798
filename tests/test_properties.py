"""Property-based tests (hypothesis): the load front end never fails with anything but a typed
error, and every export format gives back the graph it was given, whatever the literals hold
(line breaks, @prefix lines, quotes, braces, backslashes, characters of every Unicode plane)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from towncase import export, load
from towncase.errors import TowncaseError

EX = "https://example.org/town/"
#: Every Unicode character but lone surrogates (no UTF-8 file can hold them; the front end refuses them).
CHARACTERS = st.characters(blacklist_categories=("Cs",))
AWKWARD = ["\n", "\r\n", "\r", "@prefix evil: <https://evil.example/> .", "\n@prefix x: <https://x.example/> .\n",
           '"', '"""', "'", "'''", "\\", "}", "{", "<", ">", "#", "\t", "\u2028", "\U0001F600", "\U000E0001",
           "\U0010FFFD", "店口"]
TEXT = st.lists(st.one_of(st.text(CHARACTERS, max_size=20), st.sampled_from(AWKWARD)), max_size=8).map("".join)
LANGUAGE = st.sampled_from([None, "zh-Hans", "en", "zh-Hant-TW"])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def a_graph(texts: list[str], languages: list[str | None], identifier: str = "graph/a") -> Graph:
    graph = Graph(identifier=URIRef(EX + identifier))
    for i, (text, lang) in enumerate(zip(texts, languages, strict=False)):
        subject = BNode() if i % 3 == 2 else URIRef(f"{EX}thing/{i}")
        graph.add((subject, URIRef(f"{EX}note"), Literal(text, lang=lang)))
    return graph


def parse_export(data: bytes, suffix: str) -> Graph:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{suffix}"
        path.write_bytes(data)
        return load.parse_file(path)


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=4), st.lists(LANGUAGE, min_size=4, max_size=4))
def test_graph_exports_round_trip_through_the_front_end(texts, languages):
    graph = a_graph(texts, languages)
    for fmt in export.GRAPH_FORMATS:
        again = parse_export(export.serialize(graph, fmt), fmt)
        assert isomorphic(again, graph), fmt


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=3), st.lists(TEXT, min_size=1, max_size=3),
       st.lists(LANGUAGE, min_size=3, max_size=3))
def test_dataset_exports_round_trip_graph_by_graph(first, second, languages):
    ds = Dataset()
    graphs = [a_graph(first, languages, "graph/diankou"), a_graph(second, languages, "graph/datang")]
    for graph in graphs:
        named = ds.graph(graph.identifier)
        named += graph
    for fmt, parser in (("trig", "trig"), ("nq", "nquads")):
        again = Dataset()
        again.parse(data=export.serialize(ds, fmt).decode("utf-8"), format=parser)
        for graph in graphs:
            assert isomorphic(again.graph(graph.identifier), graph), fmt
        blank = {t for s, p, o, _ in again.quads((None, None, None, None)) for t in (s, o) if isinstance(t, BNode)}
        assert len(blank) == sum(1 for g in graphs for s in set(g.subjects()) if isinstance(s, BNode)), fmt


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["ttl", "nt", "trig", "nq", "jsonld", "rdf"]))
def test_the_front_end_takes_any_bytes_without_an_untyped_error(data, suffix):
    with contextlib.suppress(TowncaseError):
        parse_export(data, suffix)


@SETTINGS
@given(st.lists(st.one_of(st.text(st.sampled_from('<>"{}[]()@^_:.;,#\\ \n\'abc-1é店'), max_size=30),
                          st.sampled_from(["@prefix ex: <https://example.org/> .", "ex:a ex:b ex:c .", "_:b0",
                                           '"x"@zh-Hans', "<https://example.org/a>", '"""', "PREFIX ex:"])),
                max_size=10).map(" ".join),
       st.sampled_from(["ttl", "trig", "nt", "jsonld"]))
def test_the_front_end_takes_any_near_rdf_text_without_an_untyped_error(text, suffix):
    try:
        graph = parse_export(text.encode("utf-8"), suffix)
    except TowncaseError:
        return
    for fmt in export.GRAPH_FORMATS:  # what was accepted can be exported
        export.serialize(graph, fmt)
