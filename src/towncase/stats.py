"""Statistics of a graph: triples per named graph, entities per class, observations per indicator,
labels per language, facts per case by how they are known, and what each case holds. The counting is done by stored queries of the
catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from . import query, store
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
    bases: tuple[BasisCount, ...] = ()


@dataclass(frozen=True)
class BasisCount:
    """How many facts (observations, outcomes, memberships, claims) of one case are known one way."""

    case: Count            # the case (key, zh and en names); its count is the number of its facts known this way
    basis: Count | None    # the basis concept (same count), or None for the facts that do not say


def stats(ds) -> Stats:
    """Count what ``ds`` (a dataset or a store) holds (each stored query runs once; rows carry zh and
    en names)."""
    source = store.of(ds)

    def named(key, n) -> Count:
        return Count(str(key), label(source.view, key, "zh"), label(source.view, key, "en"), int(n))

    def counted(name: str) -> tuple[Count, ...]:
        return tuple(named(key, n) for key, n in query.select_rows(query.answer(source, query.stored(name))))

    graphs = tuple(sorted((str(g), n) for g, n in source.graph_sizes().items()))
    return Stats(
        triples=sum(n for _, n in graphs),
        graphs=graphs,
        entities=counted("entities-per-class"),
        observations=counted("observations-per-indicator"),
        labels=counted("labels-per-language"),
        bases=tuple(BasisCount(named(case, n), None if basis is None else named(basis, n))
                    for case, basis, n in query.select_rows(query.answer(source, query.stored("facts-by-basis")))),
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


def case_summaries(ds) -> list[CaseSummary]:
    """One summary per case of ``ds`` (a dataset or a store; its named graph's counts), by the stored
    query ``case-overview``."""
    source = store.of(ds)
    summaries = []
    for row in query.select_rows(query.answer(source, query.stored("case-overview"))):
        summaries.append(CaseSummary(
            case=str(row.case), label_zh=label(source.view, row.case, "zh"),
            label_en=label(source.view, row.case, "en"),
            triples=int(row.triples),
            entities=int(row.entities), observations=int(row.observations), outcomes=int(row.outcomes),
            programmes=int(row.programmes), quotes=int(row.quotes)))
    return summaries
