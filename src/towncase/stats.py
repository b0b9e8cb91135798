"""Statistics of a graph: triples per named graph, entities per class, observations per indicator,
labels per language. The counting is done by stored queries of the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset

from . import query
from .labels import label


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
