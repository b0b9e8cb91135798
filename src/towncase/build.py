"""The main job: load the cases, validate them, count what they hold, write the exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import export, load, stats, validate
from .stats import CaseSummary, Stats


@dataclass(frozen=True)
class Build:
    """What :func:`build` did: the validation, the counts and the files written
    (none when the data does not conform)."""

    validation: validate.ValidationResult
    stats: Stats
    cases: list[CaseSummary]
    written: list[export.Written] = field(default_factory=list)


def build(out_dir: Path, formats: tuple[str, ...] = export.DEFAULT_FORMATS, base: str | None = None,
          progress: Callable[[str], None] = lambda message: None, data: load.Corpus | None = None,
          force: bool = False) -> Build:
    """Validate the cases (every check of :func:`towncase.validate.check`) and, when they conform,
    export them to ``out_dir``.

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
    export.check_output(out_dir, (data or load.corpus()).roots, force=force)
    if base is not None:
        export.check_base(base)
    progress("loading ontology, concept schemes, reference data and cases …")
    ds = load.dataset(data)
    result = validate.check(data, progress=progress)
    done = Build(validation=result, stats=stats.stats(ds), cases=stats.case_summaries(ds))
    if not result.conforms:
        return done
    progress(f"writing exports to {out_dir}/ …")
    written = export.export(ds, out_dir, formats, base)
    return Build(done.validation, done.stats, done.cases, written)
