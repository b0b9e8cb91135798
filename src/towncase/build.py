"""The main job: load the cases, validate them and their links, count what they hold, write the exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import export, link, load, stats, store, validate
from .stats import CaseSummary, Stats


@dataclass(frozen=True)
class Build:
    """What :func:`build` did: the validation, the counts and the files written
    (none when the data or its links do not conform). ``links`` is the validation of the linkset
    graph (towncase link build), None when the data did not conform and the links were not built."""

    validation: validate.ValidationResult
    stats: Stats
    cases: list[CaseSummary]
    written: list[export.Written] = field(default_factory=list)
    links: validate.ValidationResult | None = None


def build(out_dir: Path, formats: tuple[str, ...] = export.DEFAULT_FORMATS, base: str | None = None,
          progress: Callable[[str], None] = lambda message: None, data: load.Corpus | None = None,
          force: bool = False) -> Build:
    """Validate the cases (every check of :func:`towncase.validate.check`) and, when they conform,
    compile and validate their links (:func:`towncase.link.build`) and, when those conform too, export
    them to ``out_dir``: the links as their own named graph ``graph/links`` (``links.<ext>``, and a graph of
    ``towncase.trig``/``.nq``), apart from the asserted data and never run through inference.

    Args:
        out_dir: the folder for the export files (created if needed).
        formats: export formats (see :data:`towncase.export.FORMATS`).
        base: rebase the canonical IRIs under this base.
        progress: called with a short message before each step (the CLI prints them).
        data: the cases to build (the shipped ones and ``TOWNCASE_DATA`` by default).
        force: write even inside the project's artefact folders or a data folder (see
            :func:`towncase.export.check_output`).

    Raises:
        OutputError: ``out_dir`` is refused, or ``base`` is not a usable base IRI (both checked
            before any work).
    """
    data = data or load.corpus()
    export.check_output(out_dir, data.roots, force=force)
    if base is not None:
        export.check_base(base)
    result = validate.check(data, progress=progress)
    # Counted by the stored queries on the Oxigraph store (cached across runs): on rdflib's engine,
    # case-overview passed the query time limit at 100 towns and the build stopped there (exit 4).
    progress("counting what the cases hold …")
    counted = store.open_store(data, "oxigraph")
    done = Build(validation=result, stats=stats.stats(counted), cases=stats.case_summaries(counted))
    if not result.conforms:
        return done
    progress("compiling and validating the links …")
    links = link.build(data, counted)
    if not links.validation.conforms:
        return replace(done, links=links.validation)
    progress(f"writing exports to {out_dir}/ …")
    # One graph at a time, each part parsed by rdflib, so the export holds one graph, not every case.
    written = export.export_graphs([*load.readers(data), (link.LINKS_GRAPH, lambda: links.graph)], out_dir, formats,
                                   base, progress=progress)
    return replace(done, written=written, links=links.validation)
