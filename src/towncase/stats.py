"""Statistics of a graph: triples per named graph, entities per class, observations per indicator,
labels per language, and what each case holds. The counting is done by stored queries of the
catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, Literal

from . import query
from .labels import label


@dataclass(frozen=True)
class Count:
    """One counted row: what was counted (a class, indicator or language tag), its names, the count."""

    key: str
    zh: str
    en: str
    count: int

    def name(self, lang: str) -> str:
        """The name in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Stats:
    """Counts that describe a dataset, each row named in Chinese and English."""

    triples: int
    graphs: tuple[tuple[str, int], ...]
    entities: tuple[Count, ...]
    observations: tuple[Count, ...]
    labels: tuple[Count, ...]


def stats(ds: Dataset) -> Stats:
    """Count what ``ds`` holds (each stored query runs once; rows carry zh and en names)."""
    def counted(name: str) -> tuple[Count, ...]:
        return tuple(Count(str(key), label(ds, key, "zh"), label(ds, key, "en"), int(n))
                     for key, n in query.select_rows(query.run(ds, query.stored(name))))

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
    """One summary per case of ``ds`` (its named graph's counts), by the stored query ``case-overview``."""
    overview = query.stored("case-overview")
    summaries = []
    for row in query.select_rows(query.run(ds, overview, {"lang": Literal("zh")})):
        summaries.append(CaseSummary(
            case=str(row.case), label_zh=label(ds, row.case, "zh"), label_en=label(ds, row.case, "en"),
            triples=int(row.triples),
            entities=int(row.entities), observations=int(row.observations), outcomes=int(row.outcomes),
            programmes=int(row.programmes), quotes=int(row.quotes)))
    return summaries
