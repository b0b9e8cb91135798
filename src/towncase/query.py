"""Stored SPARQL queries: the catalogue in ``queries/*.rq`` and running a query with bound parameters.

Each ``.rq`` file opens with a grlc-style header of ``#+`` comment lines holding YAML::

    #+ summary: Town profile: the headline indicators
    #+ summary_zh: 城镇概况:主要指标
    #+ tags: [profile]
    #+ params:
    #+   town: {type: iri, default: "https://w3id.org/towncase/id/place/shaoxing-zhuji-diankou"}

Parameters are bound with rdflib's ``initBindings``; no value is ever formatted into SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from . import resources
from .errors import InputError, UnknownNameError


@dataclass(frozen=True)
class StoredQuery:
    """One ``.rq`` file of the catalogue: its name (the file stem), header and text."""

    name: str
    path: Path
    text: str
    header: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        """``{name: {type, default, required, description}}`` from the header."""
        return self.header.get("params") or {}

    def summary(self, lang: str = "en") -> str:
        """The one-line summary in ``zh`` or ``en``, falling back to the other."""
        zh, en = self.header.get("summary_zh", ""), self.header.get("summary", "")
        return (zh or en) if lang == "zh" else (en or zh)


def parse_header(text: str, source: str = "<query>") -> dict:
    """The YAML held by the leading ``#+`` lines of a query text."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as err:
        raise InputError(f"bad #+ header: {err}", file=source,
                         hint="the #+ lines must form YAML, e.g. '#+ summary: …'") from err
    if not isinstance(header, dict):
        raise InputError("the #+ header is not a mapping", file=source)
    return header


def read_query(path: Path) -> StoredQuery:
    """Read one ``.rq`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read query: {err.strerror}", file=str(path)) from err
    return StoredQuery(name=path.stem, path=path, text=text, header=parse_header(text, str(path)))


def catalogue() -> dict[str, StoredQuery]:
    """Every stored query, by name."""
    return {q.name: q for q in map(read_query, resources.query_files())}


def stored(name: str) -> StoredQuery:
    """One stored query by name.

    Raises:
        UnknownNameError: no query of that name (with the close matches).
    """
    queries = catalogue()
    if name not in queries:
        raise UnknownNameError("query", name, list(queries))
    return queries[name]


def run(graph: Graph, query: StoredQuery, bindings: dict | None = None) -> Result:
    """Run a query over a graph or dataset with bound parameters (rdflib terms)."""
    prepared = prepareQuery(query.text)
    return graph.query(prepared, initBindings=bindings or {})
