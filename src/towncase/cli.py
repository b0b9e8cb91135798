"""The ``towncase`` command: a thin click layer over the library.

Exit codes: 0 ok / conforms, 1 does not conform, 2 usage or input error, 3 an engine failed at run
time, 4 a limit was reached, 130 interrupted (Ctrl-C). ``--debug`` shows tracebacks and the engines'
own warnings and logging, which are otherwise kept off stderr.
"""

from __future__ import annotations

import logging
import shutil
import sys
import traceback
import warnings
from functools import wraps
from pathlib import Path

import click

from . import __version__, bounded, render, resources, store
from . import catalogue as query_stage
from .errors import EngineError, LimitError, TowncaseError

# Each command imports the stages it uses when it runs (pySHACL, owlrl and the exporters take most of
# a second to import, and `towncase query` on the Oxigraph store needs none of them, rdflib included):
# see tests/test_startup.py. So the choices below are written out; a test checks they are the stages' own.

EXIT_OK, EXIT_NONCONFORMING, EXIT_USAGE, EXIT_ENGINE, EXIT_LIMIT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
REGIMES = click.Choice(["none", "rdfs", "owlrl"])  # towncase.reason.REGIMES
EXPORT_FORMATS = ["ttl", "nt", "jsonld", "trig", "nq"]  # towncase.export.FORMATS
#: Loggers of the engines; they log tracebacks of errors towncase already reports cleanly.
ENGINE_LOGGERS = ("rdflib", "pyshacl", "owlrl", "matplotlib", "matplotlib.font_manager")


def exit_code(err: BaseException) -> int:
    """The documented exit code for an error that ends a command."""
    if isinstance(err, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(err, LimitError):
        return EXIT_LIMIT
    if isinstance(err, EngineError) or not isinstance(err, TowncaseError):
        return EXIT_ENGINE
    return EXIT_USAGE


def _errors_to_exit(func):
    """Run a command with the engines' warnings and logging kept off stderr (unless ``--debug``),
    and turn any error into one message on stderr and its exit code (see :func:`exit_code`)."""
    @wraps(func)
    def wrapper(*args, **kwargs):
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            with _quiet_engines(not debug):
                return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as err:
            if debug:
                traceback.print_exc()
            if isinstance(err, TowncaseError):
                click.echo(f"error: {err}", err=True)
            else:
                click.echo(f"error: internal error: {type(err).__name__}: {err}\n  hint: run again with "
                           "--debug for the traceback and report it", err=True)
            sys.exit(exit_code(err))
    return wrapper


class _quiet_engines:
    """Silence the engines' warnings and logging for the duration (restored afterwards)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.warnings = warnings.catch_warnings()
        self.saved: list[tuple[logging.Logger, bool]] = []

    def __enter__(self) -> None:
        self.warnings.__enter__()
        if self.quiet:
            warnings.simplefilter("ignore")
            for name in ENGINE_LOGGERS:
                logger = logging.getLogger(name)
                self.saved.append((logger, logger.disabled))
                logger.disabled = True
        else:
            logging.basicConfig(level=logging.WARNING)

    def __exit__(self, *exc) -> None:
        for logger, disabled in self.saved:
            logger.disabled = disabled
        self.warnings.__exit__(*exc)


def _reasoning_limits(func):
    """``--timeout`` and ``--max-triples`` for a command that reasons, given to it as ``limits``."""
    @click.option("--timeout", type=click.FloatRange(min=0.1), default=bounded.ReasonLimits.timeout,
                  show_default=True, help="Stop reasoning after this many seconds (exit 4).")
    @click.option("--max-triples", type=click.IntRange(min=1), default=bounded.ReasonLimits.max_triples,
                  show_default=True, help="Stop reasoning when the closure passes this many triples (exit 4).")
    @wraps(func)
    def wrapper(*args, timeout: float, max_triples: int, **kwargs):
        return func(*args, limits=bounded.ReasonLimits(timeout=timeout, max_triples=max_triples), **kwargs)
    return wrapper


def _progress(message: str) -> None:
    """Progress on stderr, for a person watching a terminal only (never in a pipe or a log)."""
    if sys.stderr.isatty():
        click.echo(message, err=True)


def _data_options(func):
    """``--data DIR`` (repeatable) and ``--no-shipped``: which town cases a command reads. The
    command receives them as one ``data`` argument, a :class:`towncase.resources.Corpus`."""
    @click.option("--data", "data_dirs", multiple=True, metavar="DIR",
                  type=click.Path(path_type=Path, file_okay=False),
                  help=f"A folder of case folders, or one case folder, read beside the shipped cases "
                       f"(repeatable; also ${resources.DATA_ENV}, a path list).")
    @click.option("--no-shipped", is_flag=True, default=False,
                  help="Leave out the cases shipped with towncase (the shared reference data stays).")
    @wraps(func)
    def wrapper(*args, data_dirs: tuple[Path, ...], no_shipped: bool, **kwargs):
        try:
            data = resources.corpus(data_dirs, shipped=not no_shipped)
        except TowncaseError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_USAGE)
        return func(*args, data=data, **kwargs)
    return wrapper


def _details_option(func):
    """``--details``: list every warning of a validation report, however many (given as ``details``)."""
    return click.option("--details", is_flag=True, default=False,
                        help=f"List every warning in full (node, file, path, check, message). Without it, over "
                             f"{render.WARNINGS_LISTED} warnings are summarised, one row per check; violations "
                             "are always listed in full.")(func)


def _report(result, details: bool) -> str:
    """A validation result for people, fitting the terminal (see :func:`towncase.render.validation_report`)."""
    return render.validation_report(result, details, _width())


def _store_option(func):
    """``--store auto|rdflib|oxigraph``: the engine that holds the cases (see towncase.store)."""
    return click.option("--store", "store_kind", type=click.Choice(list(store.STORES)), default="auto",
                        show_default=True,
                        help="The engine that holds the cases: Oxigraph on disk, cached across runs (auto), or "
                             "rdflib in memory, every file parsed again.")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="towncase")
@click.option("--debug", is_flag=True, help="Show tracebacks and the engines' warnings and logging.")
def main(debug: bool) -> None:
    """towncase: a knowledge graph of Chinese town-development cases (城镇发展案例知识图谱).

    \b
    Examples:
      towncase build                       # validate, summarise and export the shipped cases
      towncase validate                    # check the shipped data against the SHACL shapes
      towncase validate my-town/*.ttl      # check your own files
      towncase infer --regime rdfs -o closure.ttl
      towncase stats --lang en

    Exit codes: 0 ok, 1 does not conform, 2 usage or input error, 3 an engine failed,
    4 a limit was reached, 130 interrupted.
    """


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--inference", type=REGIMES, default="none", show_default=True,
              help="What to infer with the ontology before checking.")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle"]), default="text",
              show_default=True, help="text for people, turtle for the SHACL report graph.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes that check cases at once (default: one per CPU).")
@click.option("--shacl", "engine", type=click.Choice(["turbo", "pyshacl"]), default="turbo", show_default=True,
              help="The SHACL engine: pyshacl-turbo (the same report, faster) or pySHACL.")
@_details_option
@_reasoning_limits
@_data_options
@_errors_to_exit
def validate(files: tuple[Path, ...], inference: str, fmt: str, data, limits: bounded.ReasonLimits,
             jobs: int | None, engine: str, details: bool) -> None:
    """Check the town cases: everything the project enforces (with FILES: those files' shapes only).

    Without FILES, every case (shipped, --data, $TOWNCASE_DATA) is checked on its own together with
    the shared reference data and concept schemes: the SHACL shapes, every quote verbatim in its
    source, every value and comparator against the expression the text prints, and the quality
    queries (towncase queries | grep violation), which also see one case at a time: a case must
    stand on its own. With FILES, those RDF files are checked against
    the shapes, with the reference data and concept schemes.

    Cases are checked in parallel, and a case whose files (and the shapes, ontology, reference data
    and sources) have not changed since the last run is not checked again: its findings come from
    the cache (TOWNCASE_CACHE). Exit 0 when it conforms (warnings allowed), 1 when a violation is
    found, 2 on a usage or input error. Each finding names the file to edit, the node and its labels, the path, what
    found it and what to fix.

    Violations are always listed in full. Warnings (recommendations, which never fail the data) are
    too when there are at most 20; more are summarised, one row per check with its message and how
    many warnings, cases and files it has, most first; --details lists every one. --format turtle
    always holds every result.

    \b
    Examples:
      towncase validate
      towncase validate --data ~/my-towns --no-shipped
      towncase validate --data ~/my-towns --details     # every warning in full
      towncase validate --inference rdfs
      towncase validate data/diankou-2022/observations.ttl --format turtle > report.ttl
    """
    from . import validate as validate_stage

    result = (validate_stage.validate_files(files, inference=inference, limits=limits, engine=engine) if files
              else validate_stage.check(data, inference=inference, progress=_progress, limits=limits,
                                        jobs=jobs, engine=engine))
    if fmt == "turtle":  # blank nodes labelled by what they describe: the same bytes every run
        from . import export as export_stage

        click.echo(export_stage.turtle_by_content(result.graph).decode("utf-8"), nl=False)
    else:
        click.echo(_report(result, details))
    sys.exit(EXIT_OK if result.conforms else EXIT_NONCONFORMING)


@main.command()
@click.option("--regime", type=REGIMES, required=True, help="rdfs or owlrl (none infers nothing).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the inferred triples here (.ttl, .nt or .jsonld); default Turtle on stdout.")
@click.option("--force", is_flag=True, help="Write even inside a data folder or the project's own folders.")
@_reasoning_limits
@_store_option
@_data_options
@_errors_to_exit
def infer(regime: str, output: Path | None, data, force: bool, limits: bounded.ReasonLimits, store_kind: str) -> None:
    """Write what a regime infers from the cases and ontology, as a separate graph.

    Only the inferred triples are written, never the asserted ones, and never into data/.
    With owlrl, a contradiction OWL 2 RL finds (e.g. a resource typed with two disjoint
    classes) is reported on stderr and the exit code is 1.

    \b
    Examples:
      towncase infer --regime rdfs -o rdfs-closure.ttl
      towncase infer --regime owlrl | head
      towncase infer --regime rdfs --data ~/my-towns -o my-closure.ttl
    """
    from . import export as export_stage
    from . import reason

    fmt = export_stage.format_for(output) if output else "ttl"
    if output:
        export_stage.check_output(output, data.roots, force=force)
    source = store.open_store(data, store_kind, _progress)
    if regime != "none":
        _progress(f"computing the {regime} closure of {sum(source.graph_sizes().values()):,} triples …")
    inference = reason.run_store(source, regime, limits=limits)
    out = export_stage.serialize_inferred(inference, fmt)
    if output:
        export_stage.write_atomic(output, out)
        click.echo(f"{len(inference)} inferred triples → {output}", err=True)
    else:
        click.echo(out.decode("utf-8"), nl=False)
    for problem in inference.inconsistencies:
        click.echo(f"inconsistent: {problem}", err=True)
    sys.exit(EXIT_NONCONFORMING if inference.inconsistencies else EXIT_OK)


@main.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of class and indicator names.")
@_store_option
@_data_options
@_errors_to_exit
def stats(lang: str, data, store_kind: str) -> None:
    """Count triples, entities per class, observations per indicator and labels per language.

    \b
    Examples:
      towncase stats
      towncase stats --lang en --data ~/my-towns
    """
    from . import stats as stats_stage

    click.echo(render.stats_report(stats_stage.stats(store.open_store(data, store_kind, _progress)), lang))


@main.command()
@click.argument("name", required=False)
@click.option("--lang", type=click.Choice(list(query_stage.LANGUAGE_RANGES)), default="zh", show_default=True,
              help="Language of the summaries (with --sparql: of the labels).")
@click.option("--sparql", is_flag=True,
              help="Print only NAME's SPARQL text, with its parameters written in, to run elsewhere.")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="With --sparql: a parameter value (repeatable); the header's default otherwise.")
@_errors_to_exit
def queries(name: str | None, lang: str, sparql: bool, params: tuple[str, ...]) -> None:
    """List the stored queries (name, summary, parameters), or show one in full.

    With --sparql, print only the query's text with each parameter's value written in, as towncase
    sends it to a triple store: paste it into another SPARQL tool, or read the plan Oxigraph makes of
    it (queries/README.md, "Writing a query that stays fast").

    \b
    Examples:
      towncase queries
      towncase queries --lang en
      towncase queries town-profile
      towncase queries town-profile --sparql --param town=place:shaoxing-zhuji-datang --lang en
    """
    if params and not sparql:
        raise click.UsageError("--param is for --sparql: towncase queries NAME --sparql --param KEY=VALUE")
    if sparql:
        if not name:
            raise click.UsageError("--sparql needs a query NAME: towncase queries NAME --sparql")
        from . import query as rdflib_query  # rdflib writes the terms; only this option needs it

        click.echo(rdflib_query.runnable_text(query_stage.stored(name), query_stage.parse_assignments(params), lang),
                   nl=False)
    elif name:
        click.echo(render.query_help(query_stage.stored(name), lang, _width()), nl=False)
    else:
        click.echo(render.catalogue(query_stage.catalogue().values(), lang, _width()), nl=False)


@main.command("query")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (repeatable); towncase queries NAME lists them.")
@click.option("--lang", type=click.Choice(list(query_stage.LANGUAGE_RANGES)), default="zh", show_default=True,
              help="Label language (falling back to the other).")
@click.option("--format", "fmt", type=click.Choice(render.FORMATS), default="table", show_default=True,
              help="Rows: table, csv, tsv, json (SPARQL 1.1 JSON), markdown. Graphs: turtle, jsonld.")
@click.option("--inference", type=REGIMES, default="none", show_default=True,
              help="Query the asserted graph, or add what a regime infers.")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None, help="Run your own .rq file.")
@click.option("-e", "--expression", "text", default=None, help="Run this SPARQL query text.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=bounded.QueryLimits.timeout,
              show_default=True, help="Stop the query after this many seconds (exit 4).")
@click.option("--max-rows", type=click.IntRange(min=1), default=bounded.QueryLimits.max_rows,
              show_default=True, help="Keep at most this many rows (or triples); a cut answer exits 4.")
@click.option("--max-triples", type=click.IntRange(min=1), default=bounded.ReasonLimits.max_triples,
              show_default=True, help="With --inference: stop reasoning when the closure passes this many "
                                      "triples (exit 4).")
@_store_option
@_data_options
@_errors_to_exit
def query_command(name: str | None, params: tuple[str, ...], lang: str, fmt: str, inference: str,
                  file: Path | None, text: str | None, data, timeout: float, max_rows: int, max_triples: int,
                  store_kind: str) -> None:
    """Run a stored query by NAME (or your own with --file / -e) over the shipped cases.

    Parameter values are bound, never pasted into the query; a bad value, a missing required
    parameter or an unknown name exits with 2. A query runs in a worker process that is stopped at
    --timeout; an answer longer than --max-rows is cut; both exit with 4 and say so. Your own queries may use the canonical prefixes
    (tc:, place:, indicator: …) without declaring them.

    With --inference rdfs on the Oxigraph store, the closure is computed once (within --timeout
    and --max-triples) and kept in the cache beside the store; later queries open it at once.

    \b
    Examples:
      towncase query town-profile --lang en
      towncase query indicator-across-towns --param indicator=indicator:land-area --format csv
      towncase query provenance --param entity=observation:diankou-2022-diankou-gdp
      towncase query -e 'SELECT ?town WHERE { ?town a tc:Town }' --format json
      towncase query town-profile --data ~/my-towns --param town=place:huzhou-wuxing-zhili
    """
    chosen = query_stage.choose(name, file, text)
    answer = store.answer(store.open_store(data, store_kind, _progress), chosen, query_stage.parse_assignments(params),
                          lang, inference, bounded.QueryLimits(timeout=timeout, max_rows=max_rows),
                          bounded.ReasonLimits(timeout=timeout, max_triples=max_triples), _progress)
    click.echo(render.result(answer, fmt, lang, _width()), nl=False)
    if answer.truncated:
        click.echo(f"the answer was cut at {answer.limit:,} rows (--max-rows); narrow the query or raise "
                   "the limit", err=True)
        sys.exit(EXIT_LIMIT)


@main.command("extract")
@click.argument("source", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--case", "case", default=None, metavar="SLUG",
              help="The case the source belongs to (its town is the suggested subject, its year dates "
                   "今年 …); default: the case folder the source is in.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the review sheet here (default: stdout).")
@click.option("--apply", "review", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="REVIEW.tsv", help="Write the accepted and fixed rows of a reviewed sheet into the case.")
@_data_options
@_errors_to_exit
def extract_command(source: Path | None, case: str | None, output: Path | None, review: Path | None, data) -> None:
    """Propose observations from a source text as a review sheet; with --apply, write the reviewed rows.

    SOURCE is a verbatim article (read sentence by sentence) or a fact extraction with `== S<n>`
    blocks (read line by line; blocks marked low reliability are left out). Every number it states
    becomes a row: the verbatim quote, the value as written and in base units, unit, comparator,
    time, a suggested indicator and subject. Nothing goes into the case until a person has decided
    each row: --apply writes only rows whose decision is accept or fix, into a new file
    observations-extracted.ttl of the case folder (never over an existing file), and refuses the
    whole sheet, naming each row, if an accepted row lacks a subject or indicator or does not match
    its source.

    \b
    The sheet: tab-separated UTF-8 text with a header row, one row per candidate
    (in a cell, \\n is a line break). Columns, in order:
      id                    c001, c002 … in the order of the text
      decision              yours: accept, fix or reject (接受, 修改, 拒绝); empty = undecided
      subject, indicator    yours: a CURIE (place:…, indicator:…); empty = the suggested one
      notes                 yours: an editorial note ("中文 | English" for both languages)
      value_as_written      the expression as printed (超250亿元)
      value, unit           in base units (25000000000, unit:CCY_CNY)
      comparator            exact, more-than, at-least, about, less-than, at-most
      time, time_start      reference time (2022, 2022-07, 2022-07-01); start of a period; a bound
                            the text gives instead of a time: ../2011 (2011年前), 2011/.. (以后)
      time_assumed          true where the text gives no time or a relative one (the source's year)
      time_as_written       the wording of a bound, period or relative date (2011年前, 今年7月)
      time_note             how the time was read ("中文 | English")
      suggested_subject     the town of the case
      suggested_indicator   the indicator whose label stands nearest the number
      suggested_indicator_label  its labels (zh / en)
      quote, source, line   the sentence or line around the number, its tc:SourceDocument, line
      case                  the case the rows go into
    To fix a row, edit its value, unit, comparator or time cells and write fix.

    \b
    Examples:
      towncase extract data/diankou-2022/sources/diankou-2022-common-prosperity-case.txt -o review.tsv
      towncase extract ~/my-towns/datang/sources/datang.txt --data ~/my-towns -o datang-review.tsv
      towncase extract --apply review.tsv --case diankou-2022
      towncase extract --apply datang-review.tsv --data ~/my-towns && towncase validate --data ~/my-towns
    """
    from . import export as export_stage
    from . import extract as extract_stage

    if (source is None) == (review is None):
        raise click.UsageError("give either SOURCE (to propose) or --apply REVIEW.tsv (to apply), not both")
    if review is not None:
        done = extract_stage.apply(extract_stage.read_sheet(review), review, case, data)
        click.echo(render.extract_applied(done))
        return
    assert source is not None  # one of the two, checked above
    proposal = extract_stage.propose_file(source, case, data)
    for remark in proposal.remarks:
        click.echo(f"note: {remark}", err=True)
    out = extract_stage.sheet(proposal)
    if output:
        export_stage.write_atomic(output, out)
        click.echo(render.extract_proposed(proposal, output), err=True)
    else:
        click.echo(out.decode("utf-8-sig"), nl=False)


def _width() -> int:
    """Terminal columns (COLUMNS, else the terminal, else 80)."""
    return shutil.get_terminal_size((80, 24)).columns


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("towncase-export"),
              show_default=True, help="Folder for the export files.")
@click.option("--base", default=None, help="Rebase the canonical https://w3id.org/towncase/ IRIs.")
@click.option("--format", "formats", multiple=True,
              type=click.Choice(EXPORT_FORMATS),
              help="Formats to write (repeatable); default ttl, nt, jsonld, trig, nq.")
@click.option("--force", is_flag=True, help="Write even inside a data folder or the project's own folders.")
@_details_option
@_data_options
@_errors_to_exit
def build(out_dir: Path, base: str | None, formats: tuple[str, ...], data, force: bool, details: bool) -> None:
    """The main job: validate the cases and their links, print a bilingual summary, write the exports.

    The links (towncase link build) are their own named graph, graph/links (links.ttl …).
    Nothing is written when the data or the links do not conform (exit 1): the validation report is
    printed instead, as towncase validate prints it (over 20 warnings summarised by check unless
    --details).

    \b
    Examples:
      towncase build
      towncase build --out public/ --base https://example.org/towncase/ --format ttl --format trig
      towncase build --data ~/my-towns --out my-export/
    """
    from . import build as build_stage
    from . import export as export_stage

    done = build_stage.build(out_dir, formats or export_stage.DEFAULT_FORMATS, base, progress=_progress, data=data,
                             force=force)
    click.echo(render.build_summary(done, __version__))
    for failed in (v for v in (done.validation, done.links) if v is not None and not v.conforms):
        click.echo(_report(failed, details))
        sys.exit(EXIT_NONCONFORMING)


@main.command("new-case")
@click.argument("slug")
@click.option("--name-zh", required=True, help="The town's Chinese name, 镇/街道/乡 included (织里镇).")
@click.option("--name-en", required=True, help="The town's English name (Zhili).")
@click.option("--code", default=None, help="The town's 9-digit NBS division code; a town of the reference data "
                                          "with that code is used, else its county gives the parent.")
@click.option("--parent", default=None, metavar="PLACE", help="The parent place (CURIE or IRI) in the reference "
                                                              "data, e.g. place:shaoxing-zhuji.")
@click.option("--source", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="A source text to copy into the case: an article, or a fact extraction with == S<n> blocks.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="The folder of case folders to create the case in.")
@_errors_to_exit
def new_case(slug: str, name_zh: str, name_en: str, code: str | None, parent: str | None, source: Path | None,
             data_dir: Path) -> None:
    """Create a case folder for a town, ready to fill in; it validates as created.

    Writes DATA/SLUG/ with case.ttl (the case, one source per == S<n> block of a fact extraction,
    and the town itself unless the reference data has it), sources/ (a copy of --source), a
    commented statements.ttl showing every kind of statement once, and CHECKLIST.md. Nothing is
    overwritten: an existing folder is an error (exit 2).

    \b
    Examples:
      towncase new-case dianfeng-2024 --name-zh 店峰镇 --name-en Dianfeng \\
          --parent place:shaoxing-zhuji --source article.txt --data ~/my-towns
      towncase new-case datang-2023 --name-zh 大唐街道 --name-en Datang --code 330681005 --data ~/my-towns
      towncase validate --data ~/my-towns
    """
    from . import scaffold

    done = scaffold.new_case(slug, name_zh, name_en, data_dir, code=code, parent=parent, source=source)
    town = "minted in the case" if done.town_minted else "from the reference data"
    click.echo(f"created {done.folder}/ — town {done.town} ({town})")
    for path in done.files:
        click.echo(f"  {path}")
    click.echo(f"next: read {done.folder / 'CHECKLIST.md'}, then: towncase validate --data {data_dir}")


# --- publish: the dataset into a triple store (Graph Store HTTP Protocol) -------------------------
from .errors import EndpointError  # noqa: E402  (a block of its own, so branches adding commands do not collide)

EXIT_STORE = 5  # 3 and 4 are an engine failure and a limit (see exit_code)


@main.command()
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query URL (checks the upload).")
@click.option("--graph-store", metavar="URL", default=None,
              help="The store's Graph Store Protocol URL; default: the endpoint URL.")
@click.option("--user", default=None, help="User name for the store (HTTP Basic or Digest).")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A file whose first line is the password (never give a password on the command line).")
@click.option("--package", "package_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Publish a package written by towncase package (checked against its SHA256SUMS) "
                   "instead of the cases read now.")
@_data_options
@_errors_to_exit
def publish(endpoint: str, graph_store: str | None, user: str | None, password_file: Path | None,
            package_dir: Path | None, data: resources.Corpus) -> None:
    """Upload the dataset to a triple store, replacing each of its named graphs, and check it.

    One named graph per case, the ontology, the concept schemes and the shared reference data (and
    links where the dataset has them) are each replaced with PUT (SPARQL 1.1 Graph Store HTTP Protocol);
    then a SPARQL query at --endpoint checks the store holds every triple. Other graphs of the
    store are left alone. Exit 5 when the store is down, refuses the login or fails the check.

    \b
    Examples:
      towncase publish --endpoint http://localhost:7878/query --graph-store http://localhost:7878/store
      towncase publish --package release/ --endpoint http://localhost:7878/query \\
          --graph-store http://localhost:7878/store
      towncase publish --endpoint http://localhost:8890/sparql \\
          --graph-store http://localhost:8890/sparql-graph-crud-auth --user dba --password-file dba.txt
    """
    from . import load
    from . import package as package_stage
    from . import publish as publish_stage

    password = _password(password_file) if password_file else None
    if password is not None and user is None:
        raise click.UsageError("--password-file needs --user")
    target = publish_stage.Endpoint(endpoint, graph_store, user, password)
    # One graph in memory at a time, everything checked before the first upload: a package's TriG by
    # package.graphs, the cases by the store (every file parses, each entity is minted by one graph).
    if package_dir:
        graphs = package_stage.graphs(package_dir)
    else:
        store.open_store(data, "oxigraph", _progress)
        graphs = ((name, read()) for name, read in load.readers(data))
    try:
        done = publish_stage.publish(graphs, target, progress=_progress)
    except EndpointError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_STORE)
    click.echo(render.published(done, target.store_url))


def _password(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise click.UsageError(f"cannot read the password file {path}: {err}") from err
    return lines[0] if lines else ""


# --- package: a release folder with its DCAT-AP / VoID description ---------------------------------


@main.command("package")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("towncase-package"),
              show_default=True, help="The package folder (replaced only when the new package is complete).")
@click.option("--base", default=None, help="Rebase the canonical https://w3id.org/towncase/ IRIs.")
@click.option("--download-url", default=None, metavar="URL",
              help="Where the package's files will be served; default <base>release/<version>/.")
@click.option("--sparql-endpoint", default=None, metavar="URL",
              help="The SPARQL endpoint that serves the dataset, for the DCAT-AP / VoID description.")
@_details_option
@_data_options
@_errors_to_exit
def package_command(out_dir: Path, base: str | None, download_url: str | None, sparql_endpoint: str | None,
                    data: resources.Corpus, details: bool) -> None:
    """Write a release package: the data in every format, ontology, schemes, shapes, the query
    catalogue (.rq and RDF), HTML documentation, a DCAT-AP 3.0.1 + VoID description and SHA256SUMS.

    The data and the links (towncase link build) are validated first; nothing is written when they
    do not conform (exit 1), and the report is printed as towncase validate prints it (over 20
    warnings summarised by check unless --details). The links are the named graph graph/links,
    described as void:Linksets.

    \b
    Examples:
      towncase package --out release/
      towncase package --out release/ --base https://example.org/towncase/ \\
          --sparql-endpoint https://example.org/sparql
      (cd release && sha256sum -c SHA256SUMS)
    """
    from . import link as link_stage
    from . import load
    from . import package as package_stage
    from . import validate as validate_stage

    result = validate_stage.check(data, progress=_progress)
    if not result.conforms:
        click.echo(_report(result, details))
        sys.exit(EXIT_NONCONFORMING)
    _progress("compiling and validating the links …")
    links = link_stage.build(data)
    if not links.validation.conforms:
        click.echo(_report(links.validation, details))
        sys.exit(EXIT_NONCONFORMING)
    # One graph at a time, as towncase build writes them: the package never holds the whole dataset.
    graphs = [*load.readers(data), (link_stage.LINKS_GRAPH, lambda: links.graph)]
    done = package_stage.package(graphs, out_dir, base, download_url, sparql_endpoint, progress=_progress)
    click.echo(render.packaged(done))


# --- link: SSSOM-curated links between cases and out to other datasets -----------------------------


@main.group("link")
def link_group() -> None:
    """Links between cases and to other datasets, curated in SSSOM files (data/links/*.sssom.tsv).

    \b
    Examples:
      towncase link suggest diankou-2022 datang -o candidates.sssom.tsv
      towncase link build -o links.ttl
      towncase link check
    """


@link_group.command("build")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the linkset graph here (.ttl, .nt or .jsonld).")
@click.option("--force", is_flag=True, help="Write even inside a data folder or the project's own folders.")
@_details_option
@_data_options
@_errors_to_exit
def link_build(output: Path | None, force: bool, data: resources.Corpus, details: bool) -> None:
    """Compile the reviewed SSSOM files into the linkset graph and validate it.

    Every links/*.sssom.tsv of the data folders (shipped, --data, $TOWNCASE_DATA) is read strictly
    (a malformed file exits 2 naming the file and row), compiled into the link triples, one owl:Axiom
    per mapping (justification, confidence, labels) and a void:Linkset per file and predicate, then
    checked with shapes/links/links.shapes.ttl beside the data: both ends exist (or lie in an
    allow-listed external dataset), predicate allowed, confidence in [0, 1], owl:sameAs within one
    kind of thing, never both exact and narrower. Exit 1 when a link does not conform, with the report
    as towncase validate prints it (over 20 warnings summarised by check unless --details).

    \b
    Examples:
      towncase link build
      towncase link build -o links.ttl --data ~/my-towns
    """
    from . import export as export_stage
    from . import link as link_stage

    if output:
        export_stage.check_output(output, data.roots, force=force)
    built = link_stage.build(data)
    if output and built.validation.conforms:
        export_stage.write_atomic(output, export_stage.serialize(built.graph, export_stage.format_for(output)))
    click.echo(render.links_built(built))
    if not built.validation.conforms:
        click.echo(_report(built.validation, details))
        sys.exit(EXIT_NONCONFORMING)


@link_group.command("check")
@_data_options
@_errors_to_exit
def link_check(data: resources.Corpus) -> None:
    """Report the links whose subject or object vanished from the data (exit 1 if any).

    \b
    Examples:
      towncase link check
      towncase link check --data ~/my-towns
    """
    from . import link as link_stage

    vanished = link_stage.check(data)
    click.echo(render.links_vanished(vanished))
    sys.exit(EXIT_NONCONFORMING if vanished else EXIT_OK)


@link_group.command("suggest")
@click.argument("case_a")
@click.argument("case_b")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the candidates as an SSSOM/TSV file for review (default: the table only).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the table.")
@click.option("--force", is_flag=True, help="Write even inside a data folder or the project's own folders.")
@_data_options
@_errors_to_exit
def link_suggest(case_a: str, case_b: str, output: Path | None, lang: str, force: bool, data: resources.Corpus) -> None:
    """Propose links between two cases, for a person to review.

    Candidates: entities each case mints that share an NBS division code or a normalised label (zh or
    en) and are of the same kind, each with a confidence and a SEMAPV justification. Also listed: what
    both cases already share under one IRI (places and programmes of the reference data, concepts),
    which needs no link. Review the -o file (keep, edit or delete rows; set mapping_justification to
    semapv:ManualMappingCuration), move it into a links/ folder, then run towncase link build.

    \b
    Examples:
      towncase link suggest diankou-2022 datang
      towncase link suggest diankou-2022 datang -o diankou-datang.sssom.tsv
    """
    from dataclasses import replace

    from . import export as export_stage
    from . import link as link_stage
    from . import load

    if output:
        export_stage.check_output(output, data.roots, force=force)
    # Only the two cases (with the ontology, schemes and reference data): a case stands on its own, and
    # reading every other town made suggesting linear in the corpus (47 s at 100 towns).
    pair = replace(data, cases=tuple(data.case(name) for name in dict.fromkeys((case_a, case_b))))
    found = link_stage.suggest(load.dataset(pair), case_a, case_b)
    if output:
        export_stage.write_atomic(output, link_stage.sssom_tsv(found))
    click.echo(render.links_suggested(found, lang, _width()))


# --- compare: towns side by side, as a table and a chart -------------------------------------------


@main.command("compare")
@click.argument("towns", nargs=-1, required=True)
@click.option("-i", "--indicator", "indicators", multiple=True, metavar="INDICATOR",
              help="An indicator to compare (repeatable); default: those two or more of the towns have.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Label language.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "markdown"]), default="table", show_default=True,
              help="How to print the table.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also draw the chart here (.svg or .png).")
@click.option("--force", is_flag=True, help="Write even inside a data folder or the project's own folders.")
@_store_option
@_data_options
@_errors_to_exit
def compare_command(towns: tuple[str, ...], indicators: tuple[str, ...], lang: str, fmt: str, output: Path | None,
                    force: bool, data: resources.Corpus, store_kind: str) -> None:
    """Put towns side by side: the latest value of each indicator in each town, and a chart.

    A value is shown as the text prints it (超…, 约…) with its comparator and year (* where the year is
    assumed); a town without the indicator is shown as missing, never as zero. The chart has a panel
    per indicator and a bar per town; a hatched bar is not an exact value. Chinese labels use a CJK
    font installed on the machine (Noto Sans CJK, Source Han Sans or WenQuanYi).

    \b
    Examples:
      towncase compare place:shaoxing-zhuji-diankou place:shaoxing-zhuji-datang
      towncase compare place:shaoxing-zhuji-diankou place:shaoxing-zhuji-datang \\
          -i indicator:fiscal-revenue -i indicator:land-area --lang en -o chart.svg
    """
    from . import compare as compare_stage
    from . import export as export_stage
    from . import query as query_engine

    if output:
        export_stage.check_output(output, data.roots, force=force)
    done = compare_stage.compare(store.open_store(data, store_kind, _progress), [query_engine.iri(t, "town") for t in towns],
                                 [query_engine.iri(i, "indicator") for i in indicators] or None, lang)
    if output:
        export_stage.write_atomic(output, compare_stage.chart(done, output.suffix.lstrip(".").lower()))
    click.echo(render.comparison(done, fmt, _width()), nl=False)


# --- synth: synthetic towns for measuring at scale ----------------------------------------------
@main.command()
@click.option("--towns", type=click.IntRange(min=1), required=True, help="How many synthetic towns to write.")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="The folder of case folders to write them into.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed writes the same bytes.")
@_errors_to_exit
def synth(towns: int, out_dir: Path, seed: int) -> None:
    """Write synthetic town cases, shaped like the shipped ones, for measuring towncase at scale.

    Each is the shipped Diankou case with a made-up town (under a real county of the reference data),
    IRIs of its own under .../synthetic-NNNN-..., and the same statements; quotes stay verbatim in a
    generated source text, so they validate. Labels and IRIs say synthetic: never mix them with real data.

    \b
    Examples:
      towncase synth --towns 100 -o /tmp/towns
      towncase validate --data /tmp/towns --no-shipped
      towncase query indicator-across-towns --data /tmp/towns --store oxigraph
    """
    from . import synth as synth_stage

    made = synth_stage.synthesise(towns, out_dir, seed, progress=_progress)
    click.echo(f"{len(made):,} synthetic towns → {out_dir}/")
