"""The stored query catalogue: the ``queries/*.rq`` files, their ``#+`` headers and typed parameters.

Each ``.rq`` file opens with a grlc-style header of ``#+`` comment lines holding YAML::

    #+ summary: Town profile: the headline indicators
    #+ summary_zh: 城镇概况:主要指标
    #+ params:
    #+   town: {type: iri, class: tc:Town, default: "place:shaoxing-zhuji-diankou"}
    #+   lang: {type: string, default: zh}

so the file stays valid SPARQL 1.1 and runs unchanged in any SPARQL tool. A parameter is the query
variable of the same name (``?town``), typed from the header; ``lang`` is reserved (see
:mod:`towncase.query`). Nothing here imports rdflib: running a stored query on the Oxigraph store reads
its one ``.rq`` file, types its parameters and writes them into its text without it
(tests/test_startup.py); parsing a query with rdflib (:attr:`StoredQuery.prepared`) imports it then.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache as cache_folder
from . import inputs, resources
from .bounded import QueryLimits  # noqa: F401 (part of the query API)
from .errors import InputError, ParameterError, UnknownNameError
from .prefixes import PREFIXES, curie_of

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

#: The types a header may give a parameter.
PARAM_TYPES = ("iri", "string", "langstring", "integer", "decimal", "date")
#: ``--lang`` choice → the language range bound to ``?lang`` …
LANGUAGE_RANGES = {"zh": "zh", "en": "en"}
#: … and the tag an untagged ``langstring`` value gets.
LANGUAGE_TAGS = {"zh": "zh-Hans", "en": "en"}
#: The reserved parameter set by ``--lang`` rather than ``--param``.
LANG_PARAM = "lang"
#: Header keys a query may use (a typo such as ``sumary`` is an error, not a silent omission).
HEADER_KEYS = {"summary", "summary_zh", "description", "description_zh", "tags", "params",
               "same_under_inference"}
PARAM_KEYS = {"type", "default", "required", "description", "class", "scheme", "example"}
#: IRI schemes accepted as written; anything else before a colon must be a canonical prefix.
IRI_SCHEMES = ("http", "https", "urn", "tag", "mailto", "file", "did")

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Param:
    """One parameter of a query, as its header declares it.

    Attributes:
        name: the query variable it binds (without ``?``).
        type: one of :data:`PARAM_TYPES`.
        default: the value used when none is given (as a user would write it), or ``None``.
        required: whether a value must be given (a required parameter has no default).
        description: what it means.
        cls: for an ``iri``, the class (CURIE) its value must be an instance of, or ``None``.
        scheme: for an ``iri``, the SKOS concept scheme its value must be in, or ``None``.
        example: a value to show in listings and to run the query with in tests.
    """

    name: str
    type: str
    default: str | None = None
    required: bool = False
    description: str = ""
    cls: str | None = None
    scheme: str | None = None
    example: str | None = None



@dataclass(frozen=True)
class StoredQuery:
    """One query: its name (the file stem, or ``<-e>`` for an ad-hoc text), header and text."""

    name: str
    path: Path | None
    text: str
    header: dict
    stored: bool = False

    @cached_property
    def params(self) -> dict[str, Param]:
        """``{name: Param}`` from the header, in header order."""
        return _params(self.header.get("params") or {}, self.source)

    @property
    def source(self) -> str:
        """Where the query comes from, for messages."""
        return str(self.path) if self.path else self.name

    @property
    def tags(self) -> list[str]:
        """The header's tags (e.g. ``theme:thriving-industry``)."""
        return [str(t) for t in self.header.get("tags") or []]

    @property
    def same_under_inference(self) -> bool:
        """Whether the answer is the same over the asserted and the RDFS-inferred graph (default yes)."""
        return bool(self.header.get("same_under_inference", True))

    def summary(self, lang: str = "en") -> str:
        """The one-line summary in ``zh`` or ``en``, falling back to the other."""
        return self._bilingual("summary", lang)

    def description(self, lang: str = "en") -> str:
        """The description in ``zh`` or ``en``, falling back to the other."""
        return self._bilingual("description", lang)

    def _bilingual(self, key: str, lang: str) -> str:
        zh, en = str(self.header.get(f"{key}_zh") or ""), str(self.header.get(key) or "")
        return _unfold_cjk((zh or en) if lang == "zh" else (en or zh))

    @cached_property
    def prepared(self) -> Query:
        """The parsed query. Stored queries declare every prefix (so any SPARQL tool runs them);
        the user's own may use the canonical prefixes without declaring them.

        Raises:
            InputError: the text is not a SPARQL 1.1 query (names the line and column).
        """
        from .query import parse  # rdflib's SPARQL parser, imported only when a query is parsed

        return parse(self.text, self.source, init_ns=None if self.stored else PREFIXES)

    @cached_property
    def form(self) -> str:
        """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first of these keywords after the
        prologue, read from the text without parsing it (a text that is no query raises the parser's
        error, :class:`~towncase.errors.InputError`)."""
        match = _FORM.match(_masked(self.text))
        if match is None:
            self.prepared  # noqa: B018 (parsing names the syntax error)
            raise InputError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query", file=self.source)
        return match.group("form").upper()

    @cached_property
    def lang_columns(self) -> frozenset[str]:
        """Variables bound to ``LANG(…)`` (``(LANG(?x) AS ?v)``, ``BIND(LANG(?x) AS ?v)``): language tags
        as strings, which Oxigraph gives lower-cased and :mod:`towncase.store` gives back in BCP 47 case."""
        text, found = _masked(self.text), set()
        for match in _LANG_CALL.finditer(text):
            depth, end = 1, match.end()
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            bound = _AS_VARIABLE.match(text, end)
            if bound:
                found.add(bound.group("name"))
        return frozenset(found)

    @cached_property
    def variables(self) -> frozenset[str]:
        """Every variable the query mentions (patterns, expressions, projections)."""
        from .query import variables

        return frozenset(variables(self.prepared.algebra)[0])

    @cached_property
    def input_variables(self) -> frozenset[str]:
        """Variables the query reads but never binds itself: what a caller must (or may) bind."""
        from .query import variables

        mentioned, bound = variables(self.prepared.algebra)
        return frozenset(mentioned - bound)



_CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"


@cache
def _folded_space() -> re.Pattern:
    """A space YAML folding put between two CJK characters (compiled when first needed: its character
    classes take milliseconds to compile, a tenth of what running one stored query may cost)."""
    return re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}\u201c\u2018])|(?<=[{_CJK}\u201d\u2019]) (?=[{_CJK}])")


def _unfold_cjk(text: str) -> str:
    """Drop the spaces YAML folding (``>-``) puts between two lines of Chinese text."""
    return _folded_space().sub("", text) if " " in text and not text.isascii() else text



def parse_header(text: str, source: str = "<query>", cached: bool = False) -> dict:
    """The YAML held by the leading ``#+`` lines of a query text.

    With ``cached``, a header read before (the same lines, the same towncase) comes from the cache
    folder as JSON: the YAML library alone took a twentieth of a stored query's start-up. A header JSON
    cannot hold exactly (a date, say) is parsed every time.

    Raises:
        InputError: the lines are not YAML, or not a mapping.
        UnknownNameError: a key of the header is not one of :data:`HEADER_KEYS`.
    """
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    yaml_text = "\n".join(lines)
    if not cached:
        return _checked_header(yaml_text, source)
    key = cache_folder.digest([], "query header", *sorted(HEADER_KEYS), yaml_text)
    folder = cache_folder.root() / "headers"
    header = cache_folder.read_json(folder, key)
    if header is None:
        header = _checked_header(yaml_text, source)
        try:
            exact = json.loads(json.dumps(header)) == header
        except (TypeError, ValueError):
            exact = False
        if exact:
            cache_folder.write_json(folder, key, header)
    return header


def _checked_header(yaml_text: str, source: str) -> dict:
    import yaml

    try:
        # libyaml's reader where it is built in (it skips the pure-Python reader's checks), else pure Python
        header = yaml.load(yaml_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as err:
        raise InputError(f"bad #+ header: {err}", file=source,
                         hint="the #+ lines must form YAML, e.g. '#+ summary: …'") from err
    if not isinstance(header, dict):
        raise InputError("the #+ header is not a mapping", file=source)
    unknown = sorted(set(header) - HEADER_KEYS)
    if unknown:
        raise UnknownNameError(f"#+ header key in {source}:", unknown[0], sorted(HEADER_KEYS))
    return header


def _params(raw: object, source: str) -> dict[str, Param]:
    if not isinstance(raw, dict):
        raise InputError("#+ params must be a mapping of name → {type, default, …}", file=source)
    params = {}
    for name, spec in raw.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise InputError(f"#+ params: {name} must be a mapping", file=source)
        unknown = sorted(set(spec) - PARAM_KEYS)
        if unknown:
            raise UnknownNameError(f"key of parameter {name!r} in {source}:", unknown[0], sorted(PARAM_KEYS))
        kind = spec.get("type", "string")
        if kind not in PARAM_TYPES:
            raise UnknownNameError(f"parameter type in {source}:", str(kind), list(PARAM_TYPES))
        default = spec.get("default")
        required = bool(spec.get("required", False))
        if required and default is not None:
            raise InputError(f"#+ params: {name} is required, so it cannot have a default", file=source)
        params[str(name)] = Param(
            name=str(name), type=kind, default=None if default is None else str(default), required=required,
            description=str(spec.get("description") or ""), cls=spec.get("class"), scheme=spec.get("scheme"),
            example=None if spec.get("example") is None else str(spec["example"]))
        if (params[str(name)].cls or params[str(name)].scheme) and kind != "iri":
            raise InputError(f"#+ params: {name} has a class or scheme, so its type must be iri", file=source)
    return params


def read_query(path: Path, stored: bool = False) -> StoredQuery:
    """Read one ``.rq`` file: the user's own, or (``stored``) one of the catalogue."""
    path = Path(path)
    text = inputs.read_text(path, what="SPARQL")  # a regular UTF-8 file: a FIFO or folder is refused
    return StoredQuery(name=path.stem, path=path, text=text, header=parse_header(text, str(path), cached=stored),
                       stored=stored)


def from_text(text: str, name: str = "<-e>") -> StoredQuery:
    """An ad-hoc query given as text (it may carry a ``#+`` header of its own)."""
    return StoredQuery(name=name, path=None, text=text, header=parse_header(text, name))


def catalogue() -> dict[str, StoredQuery]:
    """Every stored query, by name, in name order (read and parsed once per process)."""
    return dict(_catalogue())


@lru_cache(maxsize=1)
def _catalogue() -> tuple[tuple[str, StoredQuery], ...]:
    return tuple((path.stem, read_query(path, stored=True))
                 for path in sorted(resources.query_files(), key=lambda p: p.stem))


def stored(name: str) -> StoredQuery:
    """One stored query by name (only its own ``.rq`` file is read, once per process).

    Raises:
        UnknownNameError: no query of that name (with the close matches).
    """
    if _catalogue.cache_info().currsize:  # the catalogue is already read
        queries = catalogue()
        if name in queries:
            return queries[name]
    files = {path.stem: path for path in resources.query_files()}
    if name not in files:
        raise UnknownNameError("query", name, sorted(files))
    return _stored(files[name])


@cache
def _stored(path: Path) -> StoredQuery:
    return read_query(path, stored=True)


def choose(name: str | None = None, file: Path | None = None, text: str | None = None) -> StoredQuery:
    """Exactly one of a stored query's name, a ``.rq`` file or a query text.

    Raises:
        ParameterError: none or more than one was given.
    """
    given = [x for x in (name, file, text) if x is not None]
    if len(given) != 1:
        raise ParameterError("give one query: a stored query NAME, --file Q.rq or -e 'SPARQL'",
                             hint="towncase queries lists the stored ones")
    if name is not None:
        return stored(name)
    if file is not None:
        return read_query(file)
    assert text is not None  # exactly one of the three was given
    return from_text(text)


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["town=place:…", …]`` → ``{"town": "place:…"}``; a value may contain ``=``.

    Raises:
        ParameterError: an item without ``=``, an empty name, or a name given twice.
    """
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"--param {pair!r} is not KEY=VALUE", hint="e.g. --param town=place:shaoxing-zhuji-diankou")
        if key in values:
            raise ParameterError(f"--param {key} is given twice")
        values[key] = value
    return values



@dataclass(frozen=True)
class Value:
    """A parameter value, typed and checked, as either engine's term will be made from it.

    Attributes:
        iri: the IRI, for an IRI (else ``None``).
        text: a literal's lexical form (as rdflib writes it: ``+05`` → ``5``).
        datatype: a literal's datatype IRI, or ``None`` for a plain string.
        language: a literal's language tag, or ``None``.
    """

    iri: str | None = None
    text: str = ""
    datatype: str | None = None
    language: str | None = None


def typed(query: StoredQuery, values: Mapping[str, str] | None = None, lang: str = "zh") -> dict[str, Value]:
    """The typed values of a query's parameters: the given values, else the header defaults.

    A query's parameters are typed by its header. The user's own query (``-e``, ``--file``) may
    also bind variables it does not declare, and gets ``?lang`` bound if it reads it: a value written
    ``<…>``, ``http(s)://…`` or with a canonical prefix (``place:…``) is an IRI, anything else a plain
    string. Whether an IRI is of its parameter's class is checked against the data by
    :func:`check_members`.

    Args:
        query: the query.
        values: parameter name → value as the user wrote it.
        lang: ``zh`` or ``en``; bound to ``?lang`` when the query declares it.

    Raises:
        UnknownNameError: an unknown parameter (with the close matches), or ``lang`` not ``zh``/``en``.
        ParameterError: a missing required parameter, or a value of the wrong type.
    """
    values = dict(values or {})
    if lang not in LANGUAGE_RANGES:
        raise UnknownNameError("language", lang, list(LANGUAGE_RANGES))
    if LANG_PARAM in values:
        raise ParameterError("the label language is chosen with --lang zh|en, not --param lang=…")
    declared = query.params
    bindings: dict[str, Value] = {}
    for name, value in values.items():
        if name in declared:
            bindings[name] = convert(declared[name], value, lang)
        elif not query.stored and name in query.variables:
            bindings[name] = _untyped(name, value)
        else:
            known = [p for p in declared if p != LANG_PARAM] or sorted(query.input_variables - {LANG_PARAM})
            raise UnknownNameError(f"parameter of query {query.name}:", name, known)
    if LANG_PARAM not in declared and not query.stored and LANG_PARAM in query.input_variables:
        bindings[LANG_PARAM] = Value(text=LANGUAGE_RANGES[lang])
    for name, param in declared.items():
        if name == LANG_PARAM:
            bindings[name] = Value(text=LANGUAGE_RANGES[lang])
        elif name not in bindings and param.required:
            example = f"{name}={param.example}" if param.example else f"{name}=…"
            raise ParameterError(f"query {query.name} needs --param {name} ({param.type})",
                                 hint=f"e.g. --param {example}")
        elif name not in bindings and param.default is not None:
            bindings[name] = convert(param, param.default, lang)
    return bindings


def convert(param: Param, value: str, lang: str = "zh") -> Value:
    """One value, as written by a user, to the typed value its parameter type says.

    Raises:
        ParameterError: the value is not of the type (e.g. not an IRI, not an integer).
        UnknownNameError: an IRI written with a prefix that is not canonical.
    """
    kind = param.type
    if kind == "iri":
        return Value(iri=iri_text(value, param.name))
    if kind == "string":
        return Value(text=value)
    if kind == "langstring":
        text, at, tag = value.rpartition("@")
        if at and text and _LANG_TAG.fullmatch(tag):
            return Value(text=text, language=tag)
        return Value(text=value, language=LANGUAGE_TAGS.get(lang, "zh-Hans"))
    if kind == "integer":
        if not _INTEGER.fullmatch(value.strip()):
            raise ParameterError(f"--param {param.name}={value!r} is not an integer", hint="e.g. 2022")
        return Value(text=str(int(value)), datatype=XSD + "integer")
    if kind == "decimal":
        try:
            if not _DECIMAL.fullmatch(value.strip()):
                raise InvalidOperation
            return Value(text=str(Decimal(value.strip())), datatype=XSD + "decimal")
        except InvalidOperation:
            raise ParameterError(f"--param {param.name}={value!r} is not a decimal number", hint="e.g. 0.45") from None
    if kind == "date":
        try:
            if not _DATE.fullmatch(value.strip()):
                raise ValueError
            date.fromisoformat(value.strip())
        except ValueError:
            raise ParameterError(f"--param {param.name}={value!r} is not a date",
                                 hint="write it YYYY-MM-DD, e.g. 2022-07-01") from None
        return Value(text=value.strip(), datatype=XSD + "date")
    raise UnknownNameError("parameter type", kind, list(PARAM_TYPES))  # header checks make this unreachable


def iri_text(value: str, name: str = "iri") -> str:
    """An IRI from ``<…>``, a full ``http(s)://…`` / ``urn:…`` IRI, or a canonical CURIE (``place:…``).

    Raises:
        ParameterError: not an IRI, or it holds a character SPARQL forbids in IRIs (space, ``<>"{}|^`\\``).
        UnknownNameError: a CURIE whose prefix is not canonical (with the close matches).
    """
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if not colon or not prefix:
        raise ParameterError(f"--param {name}={value!r} is not an IRI",
                             hint="write a CURIE such as place:shaoxing-zhuji-diankou or a full https:// IRI")
    if prefix in PREFIXES:
        text = PREFIXES[prefix] + local
    elif prefix.lower() not in IRI_SCHEMES:
        raise UnknownNameError(f"prefix in --param {name}:", prefix, list(PREFIXES))
    bad = _IRI_FORBIDDEN.search(text)
    if bad:
        raise ParameterError(f"--param {name}={value!r} is not an IRI: it holds {bad.group()!r}",
                             hint=_IRI_HINT)
    return text


def _untyped(name: str, value: str) -> Value:
    text = value.strip()
    prefix = text.partition(":")[0]
    if (text.startswith("<") and text.endswith(">")) or (":" in text and (prefix in PREFIXES
                                                                          or prefix.lower() in IRI_SCHEMES)):
        return Value(iri=iri_text(text, name))
    return Value(text=value)


def check_members(query: StoredQuery, values: Mapping[str, Value], subjects: Callable[[str, str], Iterable[str]],
                  holds: Callable[[str, str, str], bool]) -> None:
    """Check that each IRI value of a parameter with a ``class`` is an instance of it (or of a
    subclass, transitively) and of a parameter with a ``scheme`` is a concept of it, in the data.

    Args:
        query: the query whose parameters the values are for.
        values: the typed values (see :func:`typed`).
        subjects: ``subjects(predicate, object)``: the IRIs that have that object (the data's).
        holds: ``holds(subject, predicate, object)``: whether the data has the triple.

    Raises:
        UnknownNameError: a value that is not (with the close matches among the members).
    """
    for name, param in query.params.items():
        value = values.get(name)
        if value is None or value.iri is None:
            continue
        if param.cls:
            classes = [iri_text(param.cls, f"{param.name} class")]  # the class itself first
            for cls in classes:
                classes += [c for c in sorted(subjects(_RDFS + "subClassOf", cls)) if c not in classes]
            if not any(holds(value.iri, _RDF + "type", c) for c in classes):
                members = {s for c in classes for s in subjects(_RDF + "type", c)}
                _not_a_member(param, value.iri, f"an instance of {curie_of(classes[0])}", members)
        if param.scheme:
            scheme = iri_text(param.scheme, f"{param.name} scheme")
            if not holds(value.iri, _SKOS + "inScheme", scheme):
                _not_a_member(param, value.iri, f"a concept of {curie_of(scheme)}", set(subjects(_SKOS + "inScheme", scheme)))


def _not_a_member(param: Param, value: str, relation: str, members: set[str]) -> None:
    raise UnknownNameError(f"value for --param {param.name} (it must be {relation})",
                           curie_of(value), sorted(curie_of(m) for m in members))


#: A SPARQL variable (``?town`` or ``$town``), its name in the group ``name``.
_VARIABLE = r"[?$](?P<name>[\w\u00b7\u0300-\u036f\u203f\u2040]+)"
#: What a message about a character SPARQL forbids in an IRI suggests.
_IRI_HINT = "an IRI has no spaces, quotes, <>, {}, |, ^, ` or \\"

#: The tokens of a SPARQL text in which a ``?`` or ``$`` is not a variable (comments, strings, IRIs),
#: and variables.
_SPARQL_TOKENS = re.compile(
    r"(?P<comment>#[^\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<variable>" + _VARIABLE + ")")


def written_in(query: StoredQuery, bindings: Mapping[str, Any]) -> str:
    """The query text with each bound parameter written in place of its variable, for an engine
    reached over the SPARQL 1.1 Protocol, which has no way to bind a variable.

    Each value is the N-Triples form of an already typed and checked term (see :func:`typed`), an
    rdflib term's ``n3()`` or a pyoxigraph term's ``str()``:
    an IRI holds none of the characters SPARQL forbids (:func:`iri` refuses them) and a literal's
    quotes, backslashes and line breaks are escaped, so a value never ends the term it is written as.
    Comments, strings and IRIs of the text are left as they are.

    Where the grammar wants a variable, the term is written so that the column stays and the answer
    is the bound query's (as rdflib gives it):

    - projected by a ``SELECT`` (the query's or a subquery's), ``?town`` becomes ``(<…> AS ?town)``;
    - in ``GROUP BY``, ``?town`` becomes ``(<…> AS ?town)``: still a key (a constant one, so the groups
      are the same; dropped, the last key would leave one group where no row gives none), which the
      projection, ``HAVING`` and ``ORDER BY`` then read as the variable (the bare ``(<…>)`` is SPARQL
      too, but rdflib cannot evaluate it);
    - in ``ORDER BY``, ``?town`` becomes ``(<…>)``, a constant key: the order is the same;
    - ``SELECT *`` keeps the column through a ``BIND(<…> AS ?town)`` at the end of its ``WHERE``
      group, if the group mentions it (written away, the variable would leave the ``*``);
    - where a subquery of the group (not one inside ``MINUS`` or ``EXISTS``) gives ``?town`` as above,
      the variable is in scope, so the ``SELECT``, ``GROUP BY`` and ``ORDER BY`` around it keep it;
    - ``BOUND(?town)`` becomes ``true``: the variable is bound wherever it is read.

    Elsewhere, expressions included (``FILTER``, ``BIND``, ``(… AS ?x)``, ``HAVING``, ``ASC(…)``), the
    term is written as it is. A query that assigns the variable itself (``… AS ?town``, ``VALUES ?town``)
    is refused: its own value would be written away, where binding it makes the query an error.

    Raises:
        ParameterError: a bound variable is the target of ``AS`` or a variable of ``VALUES``; a bound IRI
            holds a character SPARQL forbids (a term made without :func:`typed`).
    """
    written = {name: _sparql_term(name, term) for name, term in bindings.items()}
    if not written:
        return query.text
    masked = _masked(query.text)
    shapes, inserts = _written_shapes(masked, set(written), query.source)
    edits = [(offset, offset, "".join(shape.format(written.get(name, "")) for name, shape in added))
             for offset, added in inserts.items()]
    tested = {m.start("variable"): m for m in _BOUND.finditer(masked) if m.group("name") in written}
    edits += [(m.start(), m.end(), "true") for m in tested.values()]
    for match in _SPARQL_TOKENS.finditer(query.text):
        name = match.group("name")
        if name is not None and name in written and match.start() not in tested:
            edits.append((match.start(), match.end(), shapes.get(match.start(), "{}").format(written[name])))
    text, out, at = query.text, [], 0
    for start, end, new in sorted(edits):
        out += [text[at:start], new]
        at = end
    return "".join(out) + text[at:]


def _sparql_term(name: str, term: Any) -> str:
    """A bound term (rdflib's or pyoxigraph's) as SPARQL writes it.

    Raises:
        ParameterError: an IRI that holds a character SPARQL forbids in IRIs (a term made without
            :func:`typed`, which refuses them).
    """
    try:
        text = term.n3() if hasattr(term, "n3") else str(term)
    except Exception as err:  # rdflib refuses, with a bare Exception, an IRI it cannot write
        raise ParameterError(f"?{name} cannot be written in the query: {err}",
                             hint=_IRI_HINT) from err
    bad = _IRI_FORBIDDEN.search(text[1:-1]) if text.startswith("<") else None
    if bad:
        raise ParameterError(f"?{name}: {text!r} is not an IRI: it holds {bad.group()!r}",
                             hint=_IRI_HINT)
    return text


#: What says where a variable of a masked query text (see :func:`_masked`) stands: the variables, the
#: keywords that open a projection, a group, a solution modifier or an assignment, and brackets.
_STRUCTURE = re.compile(
    r"(?P<variable>" + _VARIABLE + ")"
    r"|(?<![\w:?$\-])(?P<keyword>SELECT|DISTINCT|REDUCED|WHERE|FROM|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET"
    r"|VALUES|AS|MINUS|EXISTS)(?![\w:\-])"
    r"|(?P<bracket>[{}()*])", re.IGNORECASE)
_MODIFIERS = ("GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET", "VALUES")
#: ``BOUND(?x)`` in a masked query text: its argument must be a variable, so a bound one is written ``true``.
_BOUND = re.compile(r"(?<![\w:?$\-])BOUND\s*\(\s*(?P<variable>" + _VARIABLE + r")\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class _Select:
    """One ``SELECT`` of a text, by token index: its keyword, the braces around it, its projection,
    its ``WHERE`` group and the bare variables of its ``GROUP BY`` and ``ORDER BY``."""

    at: int
    braces: tuple[int, ...]  # the open braces around it, outermost first
    projected: tuple[tuple[str, int], ...]  # (name, token) of each variable projected as it is
    star: bool
    where: tuple[int, int]  # the tokens of the WHERE group's open and close braces
    end: int  # the token after its last modifier
    conditions: tuple[tuple[str, str, int], ...]  # ("GROUP BY" | "ORDER BY", name, token)


def _written_shapes(masked: str, bound: set[str], source: str
                    ) -> tuple[dict[int, str], dict[int, list[tuple[str, str]]]]:
    """For :func:`written_in`: the shape (``{}`` standing for the term) of each bound variable not to be
    written as the bare term, by offset, and what to insert (variable name, shape) by offset.

    Raises:
        ParameterError: a bound variable is the target of ``AS`` or a variable of ``VALUES``.
    """
    tokens = [("?" if m.group("variable") else " ".join(m.group("keyword").upper().split()) if m.group("keyword")
               else m.group("bracket"), m.group("name") or "", m.start()) for m in _STRUCTURE.finditer(masked)]
    closing: dict[int, int] = {}
    stack: list[int] = []
    starts: list[tuple[int, tuple[int, ...]]] = []
    for i, (kind, name, _) in enumerate(tokens):
        if kind == "{":
            stack.append(i)
        elif kind == "}" and stack:
            closing[stack.pop()] = i
        elif kind == "SELECT":
            starts.append((i, tuple(stack)))
        elif kind == "?" and name in bound and i and tokens[i - 1][0] == "AS":
            raise ParameterError(f"{source} assigns ?{name} itself (… AS ?{name}), so it cannot be given a value",
                                 hint=f"leave ?{name} unbound, or bind a copy of it under another name")
        elif kind == "VALUES":
            for later, later_name, _ in tokens[i + 1:next((j for j in range(i + 1, len(tokens))
                                                           if tokens[j][0] == "{"), len(tokens))]:
                if later == "?" and later_name in bound:
                    raise ParameterError(f"{source} lists ?{later_name} in VALUES, so it cannot be given a value",
                                         hint=f"leave ?{later_name} unbound")
    # a SELECT without a group after it is no query: the engine names the error
    selects = [s for s in (_select(tokens, at, braces, closing) for at, braces in starts) if s.where[0] < s.where[1]]
    opaque = {i for i in closing if i and tokens[i - 1][0] in ("MINUS", "EXISTS")}

    def children(select: _Select) -> list[_Select]:  # the subqueries directly in its WHERE group
        start, end = select.where
        return [s for s in selects if start < s.at < end
                and not any(start < o.at < s.at and o.where[0] < s.at < o.where[1] for o in selects)]

    def kept(select: _Select) -> set[str]:  # the bound variables its subqueries give it, as written
        return set().union(*(gives(s) for s in children(select)  # those in MINUS or EXISTS give it nothing
                             if not any(b in opaque for b in s.braces if b > select.where[0])))

    def mentioned(select: _Select) -> set[str]:  # outside its subqueries (as rdflib reads SELECT *)
        inner = [range(s.at, s.end) for s in children(select)]
        return {name for i, (kind, name, _) in enumerate(tokens[:select.where[1]]) if i > select.where[0]
                and kind == "?" and name in bound and not any(i in span for span in inner)}

    def gives(select: _Select) -> set[str]:  # the bound variables among its columns, as written
        return {n for n, _ in select.projected if n in bound} | (mentioned(select) | kept(select) if select.star
                                                               else set())

    shapes: dict[int, str] = {}
    inserts: dict[int, list[tuple[str, str]]] = {}
    for select in selects:
        start, end = select.where
        inherited = kept(select)
        grouped = {name for clause, name, _ in select.conditions if clause == "GROUP BY"}
        for name, i in select.projected:
            if name in bound:
                shapes[tokens[i][2]] = f"?{name}" if name in inherited | grouped else f"({{}} AS ?{name})"
        for clause, name, i in select.conditions:
            if name in bound:
                shapes[tokens[i][2]] = (f"?{name}" if name in inherited else f"({{}} AS ?{name})" if clause == "GROUP BY"
                                        else "({})")
        added = ([(name, f" BIND({{}} AS ?{name}) ") for name in sorted(mentioned(select) - inherited)]
                 if select.star else [])
        if added and tokens[start + 1][0] == "SELECT":  # a group of one subquery takes no BIND: a group around it
            inserts[tokens[start][2] + 1] = [("", " {{")]
            added.insert(0, ("", "}} "))
        if added:
            inserts.setdefault(tokens[end][2], []).extend(added)
    return shapes, inserts


def _select(tokens: list[tuple[str, str, int]], at: int, braces: tuple[int, ...], closing: dict[int, int]) -> _Select:
    """The :class:`_Select` whose keyword is token ``at``."""
    i, depth, star = at + 1, 0, False
    projected: list[tuple[str, int]] = []
    while i < len(tokens) and tokens[i][0] in ("DISTINCT", "REDUCED"):
        i += 1
    while i < len(tokens) and not (depth == 0 and tokens[i][0] in ("{", "WHERE", "FROM")):
        kind, name, _ = tokens[i]
        depth += {"(": 1, ")": -1}.get(kind, 0)
        if depth == 0 and kind == "?" and tokens[i - 1][0] != "AS":
            projected.append((name, i))
        star = star or (depth == 0 and kind == "*")
        i += 1
    while i < len(tokens) and tokens[i][0] != "{":
        i += 1
    where = (i, closing.get(i, i))
    end = closing.get(braces[-1], len(tokens)) if braces else len(tokens)  # the close of the group around it
    clause, conditions = "", []
    depth = 0
    for j in range(where[1] + 1, end):
        kind, name, _ = tokens[j]
        clause = kind if kind in _MODIFIERS else clause
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(kind, 0)
        if depth == 0 and kind == "?" and clause in ("GROUP BY", "ORDER BY"):
            conditions.append((clause, name, j))
    return _Select(at, braces, tuple(projected), star, where, end, tuple(conditions))


@dataclass(frozen=True)
class Ordering:
    """A ``SELECT`` text split at its own ``ORDER BY`` (see :func:`ordering`).

    Attributes:
        unordered: the text before its ``ORDER BY``: the same rows, in no order.
        prologue: its ``PREFIX`` and ``BASE`` declarations, which the conditions may need.
        conditions: what follows ``ORDER BY``, as written (comments included).
        cut: its ``LIMIT`` and ``OFFSET``, as written, or nothing.
        variables: the variables the conditions read.
    """

    unordered: str
    prologue: str
    conditions: str
    cut: str
    variables: frozenset[str]


#: An aggregate in a condition reads the group, not the row: such an order stays with the engine.
_AGGREGATE = re.compile(r"(?<![\w:?$\-])(?:COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.IGNORECASE)


@lru_cache(maxsize=256)  # validation asks it of the same checks for every case
def ordering(text: str) -> Ordering | None:
    """The outermost ``ORDER BY`` of a ``SELECT`` text, where its conditions read nothing but the values
    of the row's variables: then ordering the rows the text gives without it, by the same conditions,
    gives the same answer (up to the order of rows the conditions call equal, which SPARQL leaves open).

    ``None`` for another form, a text without ``ORDER BY``, and conditions that read the data (``EXISTS``)
    or the group (an aggregate), or a ``VALUES`` clause after them.
    """
    masked = _masked(text)
    form = _FORM.match(masked)
    if form is None or form.group("form").upper() != "SELECT":
        return None
    depth, order = 0, None
    tokens = list(_STRUCTURE.finditer(masked))
    for i, match in enumerate(tokens):
        bracket = match.group("bracket")
        depth += {"{": 1, "}": -1}.get(bracket or "", 0)
        if depth == 0 and " ".join((match.group("keyword") or "").upper().split()) == "ORDER BY":
            order = i
    if order is None:
        return None
    after = tokens[order + 1:]
    cut = next((m.start() for m in after if (m.group("keyword") or "").upper() in ("LIMIT", "OFFSET")), len(text))
    start, end = tokens[order].end(), cut
    if (any(m.group("bracket") == "{" or (m.group("keyword") or "").upper() in ("VALUES", "EXISTS") for m in after)
            or _AGGREGATE.search(masked, start, end)):
        return None
    return Ordering(unordered=text[:tokens[order].start()], prologue=text[:form.start("form")],
                    conditions=text[start:end], cut=text[cut:],
                    variables=frozenset(m.group("name") for m in after if m.group("variable") and m.start() < end))


def _masked(text: str) -> str:
    """The text with its comments, strings and IRIs blanked out (same length), so that keywords and
    parentheses in them are not read as SPARQL."""
    return _SPARQL_TOKENS.sub(lambda m: m.group(0) if m.group("variable") else " " * len(m.group(0)), text)


#: The prologue (PREFIX and BASE declarations, their IRIs blanked out) and the query form after it.
_FORM = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s*)\s*)*(?P<form>SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
                   re.IGNORECASE)
_LANG_CALL = re.compile(r"\(\s*LANG\s*\(", re.IGNORECASE)
_AS_VARIABLE = re.compile(r"\s*AS\s+" + _VARIABLE + r"\s*\)", re.IGNORECASE)
