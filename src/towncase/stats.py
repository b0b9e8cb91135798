"""Statistics of a graph: triples per named graph, entities per class, observations per indicator,
labels per language. The counting is done by stored queries of the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, RDFS, Dataset

from . import query
from .labels import label
from .namespaces import TC


@dataclass(frozen=True)
class Stats:
    """Counts that describe a dataset; labelled rows are ``(label, count)`` in the chosen language."""

    triples: int
    graphs: tuple[tuple[str, int], ...]
    entities: tuple[tuple[str, int], ...]
    observations: tuple[tuple[str, int], ...]
    labels: tuple[tuple[str, int], ...]


def stats(ds: Dataset, lang: str = "zh") -> Stats:
    """Count what ``ds`` holds; class and indicator names are given in ``lang`` (``zh``/``en``)."""
    def counted(name: str) -> tuple[tuple[str, int], ...]:
        return tuple((label(ds, key, lang), int(n)) for key, n in query.run(ds, query.stored(name)))

    graphs = tuple(sorted((str(g.identifier), len(g)) for g in ds.graphs() if len(g)))
    return Stats(
        triples=sum(n for _, n in graphs),
        graphs=graphs,
        entities=counted("entities-per-class"),
        observations=counted("observations-per-indicator"),
        labels=counted("labels-per-language"),
    )


@dataclass(frozen=True)
class CaseSummary:
    """What one case's named graph holds."""

    case: str              # the case IRI
    label_zh: str
    label_en: str
    triples: int
    entities: int          # resources typed with any class
    observations: int
    outcomes: int          # qualitative outcomes
    programmes: int
    quotes: int


def case_summaries(ds: Dataset) -> list[CaseSummary]:
    """One summary per case graph of ``ds`` (a graph holding a ``tc:Case``), in IRI order."""
    summaries = []
    for graph in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        for case in sorted(graph.subjects(RDF.type, TC.Case)):
            typed = set(graph.subjects(RDF.type, None))

            def count(cls, closure=False):
                members = set(graph.subjects(RDF.type, cls))
                if closure:
                    for sub in ds.transitive_subjects(RDFS.subClassOf, cls):
                        members |= set(graph.subjects(RDF.type, sub))
                return len(members)

            summaries.append(CaseSummary(
                case=str(case), label_zh=label(ds, case, "zh"), label_en=label(ds, case, "en"),
                triples=len(graph), entities=len(typed), observations=count(TC.Observation),
                outcomes=count(TC.QualitativeOutcome, closure=True), programmes=count(TC.Programme),
                quotes=count(TC.Quote)))
    return summaries
