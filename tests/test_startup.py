"""Start-up: a command imports only what it uses, and one stored query reads one .rq file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from towncase import catalogue, query, resources

#: What `towncase query` must not import: the validator, the reasoner, the scaffold, the builder.
NOT_FOR_A_QUERY = ("pyshacl", "pyshacl_turbo", "owlrl", "towncase.validate", "towncase.build", "towncase.scaffold")
#: … and, for a stored query on a built Oxigraph store, no rdflib (nor what the exports and links bring).
NOT_ON_OXIGRAPH = ("rdflib", "pyparsing", "curies", "pydantic", "matplotlib", "towncase.load", "towncase.query",
                   "towncase.export", "towncase.link", *NOT_FOR_A_QUERY)
#: … nor what cost tens of milliseconds of start-up for one constant, one table and one header: the installed
#: packages' metadata (towncase's version is towncase.__version__), a character-width package (towncase.render)
#: and, once the query's header is in the cache, the YAML library.
NOT_AT_START = ("importlib.metadata", "wcwidth", "yaml")

PROBE = """
import json, sys
from click.testing import CliRunner
from towncase.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(sys.modules)}))
"""


def loaded(*args: str, cache: str | None = None) -> tuple[int, set[str]]:
    env = dict(os.environ, **({"TOWNCASE_CACHE": cache} if cache else {}))
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=env)
    report = json.loads(done.stdout.splitlines()[-1])
    return report["exit"], set(report["modules"])


def test_a_stored_query_imports_neither_the_validator_nor_the_reasoner():
    code, modules = loaded("query", "place-hierarchy", "--store", "rdflib")
    assert code == 0
    assert not [m for m in NOT_FOR_A_QUERY if m in modules]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_stored_query_on_the_oxigraph_store_imports_no_rdflib(tmp_path, fmt):
    args = ("query", "indicator-across-towns", "--param", "indicator=indicator:land-area", "--store", "oxigraph",
            "--format", fmt)
    code, _ = loaded(*args, cache=str(tmp_path))  # builds the store (which parses with rdflib's help)
    assert code == 0
    code, modules = loaded(*args, cache=str(tmp_path))
    assert code == 0
    assert not [m for m in NOT_ON_OXIGRAPH + NOT_AT_START if m in modules]
    assert "pyoxigraph" in modules  # the probe is not blind: the query ran in Oxigraph


@pytest.mark.slow
def test_the_probe_sees_rdflib_where_a_query_needs_it(tmp_path):
    """The user's own query is parsed with rdflib (to refuse SERVICE, to bind its variables), and the
    rdflib store is rdflib."""
    code, modules = loaded("query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", "oxigraph",
                           cache=str(tmp_path))
    assert code == 0 and "rdflib" in modules
    code, modules = loaded("query", "place-hierarchy", "--store", "rdflib")
    assert code == 0 and "rdflib" in modules


def test_a_stored_query_header_comes_from_the_cache_as_yaml_reads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TOWNCASE_CACHE", str(tmp_path))
    files = resources.query_files()
    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed = catalogue.parse_header(text, str(path))
        assert catalogue.parse_header(text, str(path), cached=True) == parsed  # read, and written
        assert catalogue.parse_header(text, str(path), cached=True) == parsed  # from the cache
    assert len(list((tmp_path / "headers").glob("*.json"))) == len(files)
    # an edited header is another entry, never the old one
    for summary in ("first", "edited", "first"):
        text = f"#+ summary: {summary}\nSELECT * WHERE {{}}"
        assert catalogue.parse_header(text, summary, cached=True)["summary"] == summary
    # what JSON cannot hold as it is (a date) is parsed each time, never cached as a string
    dated = "#+ summary: s\n#+ params:\n#+   since: {type: date, default: 2022-01-01}\nSELECT * WHERE {}"
    for _ in range(2):
        assert catalogue.parse_header(dated, "dated", cached=True)["params"]["since"]["default"] == date(2022, 1, 1)
    assert len(list((tmp_path / "headers").glob("*.json"))) == len(files) + 2


def test_the_version_is_the_installed_one():
    """towncase.__version__ (read at start-up instead of the package metadata) is what pip installed."""
    from importlib.metadata import version

    import towncase

    assert towncase.__version__ == version("towncase")


def test_the_command_line_lists_the_stages_own_choices():
    """The command line writes out the regimes and export formats (importing their stages would import
    rdflib at every start); they must stay the stages' own."""
    from towncase import cli, export, reason

    assert list(cli.REGIMES.choices) == list(reason.REGIMES)
    assert list(export.FORMATS) == cli.EXPORT_FORMATS


@pytest.mark.slow
def test_the_probe_sees_what_validate_imports(tmp_path):
    """The probe is not blind: validating does import the SHACL engine (with a cache of its own: a
    validation cached by an earlier test would rightly import none)."""
    code, modules = loaded("validate", "--help")
    assert code == 0
    _, after = loaded("stats", "--store", "rdflib")
    assert "pyshacl_turbo" not in after
    code, modules = loaded("validate", cache=str(tmp_path))
    assert code == 0 and "pyshacl_turbo" in modules


READS = """
import json
from towncase import catalogue
read = []
original = catalogue.read_query
catalogue.read_query = lambda path, stored=False: read.append(path.name) or original(path, stored)
catalogue.stored("place-hierarchy")
catalogue.stored("place-hierarchy")
print(json.dumps(read))
"""


def test_one_stored_query_reads_one_file_once():
    done = subprocess.run([sys.executable, "-c", READS], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ["place-hierarchy.rq"]
    assert len(query.catalogue()) == len(catalogue.catalogue()) > 1  # the catalogue is still there for those who list it


@pytest.mark.slow
def test_the_query_form_and_language_columns_are_read_from_the_text_as_rdflib_parses_them():
    """What the Oxigraph path reads from the text without rdflib (the form, the columns bound to
    LANG(…)) is what rdflib's algebra says, for every stored query and a few of one's own."""
    from rdflib.plugins.sparql.parserutils import CompValue

    def lang_columns(node) -> set[str]:
        if isinstance(node, CompValue):
            own = {str(node.var)} if node.name == "Extend" and getattr(node.expr, "name", None) == "Builtin_LANG" else set()
            return own.union(*(lang_columns(v) for k, v in node.items() if k != "_vars"))
        if isinstance(node, (list, tuple)):
            return set().union(*(lang_columns(v) for v in node))
        return set()

    own = ["PREFIX select: <https://x.org/> # SELECT\nASK { ?s ?p '(LANG(?o) AS ?x)' }",
           "select (lang(?o) as ?t) ?s where { ?s ?p ?o BIND(LANG( STR(?o) ) AS $u) }",
           "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(LANGMATCHES(LANG(?o), 'en')) }"]
    queries = [*query.catalogue().values(), *(query.from_text(t) for t in own)]
    assert {"t", "u"} <= set().union(*(q.lang_columns for q in queries))  # not vacuous
    for q in queries:
        assert q.form == q.prepared.algebra.name.removesuffix("Query").upper(), q.name
        assert q.lang_columns == lang_columns(q.prepared.algebra), q.name
