"""Scaffolding: a new case folder, ready to fill in, that validates as soon as it is created.

``towncase new-case`` writes ``<data>/<slug>/`` with ``case.ttl`` (the case, its sources and, when
the reference data does not have it, the town), ``sources/`` (a copy of the source text), a
commented ``statements.ttl`` showing every kind of statement once, and ``CHECKLIST.md``. A fact
extraction with ``== S<n> URL (outlet, date; authors)`` blocks gives one ``tc:FactExtraction`` per
block (data/README.md). The town is found in the reference data by its division code when it is
there; otherwise it is minted in the case under its parent place, with a quote from the source.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from . import load
from .errors import InputError
from .export import serialize, write_atomic
from .labels import curie
from .namespaces import PREFIXES, TC, case_graph

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
#: ``== S1  http://…  (outlet, 2015-10-19; authors)`` — the header of one block of a fact extraction.
BLOCK = re.compile(r"^==\s*(S\d+)\s+(\S+)(?:\s*,\s*\S+)*\s*(?:\((.*)\))?\s*(?:\[.*\])?\s*$", re.M)
DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
#: The township-level class a Chinese name's last characters imply.
KINDS = (("街道", TC.Subdistrict), ("镇", TC.Town), ("乡", TC.TownshipLevelDivision))
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class NewCase:
    """What :func:`new_case` wrote: the folder, the files, and the town (reference or minted)."""

    folder: Path
    files: tuple[Path, ...]
    town: URIRef
    town_minted: bool


def _iri(prefix: str, local: str) -> URIRef:
    return URIRef(PREFIXES[prefix] + local)


def new_case(slug: str, name_zh: str, name_en: str, data_dir: Path, *, code: str | None = None,
             parent: str | None = None, source: Path | None = None) -> NewCase:
    """Create the case folder ``data_dir/slug``.

    Args:
        slug: the case's name: lowercase ASCII words joined by ``-``, town + year (``zhili-2019``).
        name_zh, name_en: the town's name in Chinese (镇/街道/乡 included) and in English.
        data_dir: the folder of case folders to create it in (never the shipped data).
        code: the town's NBS division code; a town of the reference data with that code is used.
        parent: the CURIE or IRI of the town's parent place (a county-level division of the
            reference data); found from the code when the reference data has the code's county.
        source: a source text to copy into ``sources/`` (a verbatim article or a fact extraction).

    Raises:
        InputError: a bad slug or code, an existing folder, a parent not in the reference data, a
            town not in the reference data without a source that names it, an unreadable source.
    """
    if not SLUG.fullmatch(slug):
        raise InputError(f"bad case name {slug!r}", hint="lowercase letters, digits and '-', town + year: zhili-2019")
    if code is not None and not re.fullmatch(r"[0-9]{9}", code):
        raise InputError(f"bad division code {code!r}", hint="the 9-digit NBS code of a township, e.g. 330681104")
    if CJK.search(name_en) or not CJK.search(name_zh):
        raise InputError("--name-zh is the Chinese name (e.g. 织里镇) and --name-en the English one (e.g. Zhili)")
    data_dir = Path(data_dir)
    shipped = load.corpus(shipped=True, env=False).roots[0]
    if data_dir.resolve() == shipped.resolve() or shipped.resolve() in data_dir.resolve().parents:
        raise InputError("new cases do not go into the shipped data", file=str(data_dir),
                         hint="give your own folder: --data ~/my-towns")
    folder = data_dir / slug
    if folder.exists():
        raise InputError("the case folder exists already; nothing was written", file=str(folder),
                         hint="choose another case name or remove the folder")
    mine = sorted((data_dir / load.REFERENCE_FOLDER).glob("*.ttl"))  # the data folder's own reference data
    reference = load.reference(load.corpus(env=False)) + load.parse_files(mine)
    text = _read(source) if source is not None else None

    town, minted = _town(reference, name_zh, code, parent, slug)
    graph = Graph()
    case = _iri("case", slug)
    graph.add((case, RDF.type, TC.Case))
    graph.add((case, RDFS.label, Literal(f"{name_zh}案例", lang="zh-Hans")))
    graph.add((case, RDFS.label, Literal(f"{name_en} town case", lang="en")))
    graph.add((case, TC.caseOf, town))
    graph.add((case, TC.caseGraph, case_graph(slug)))
    sources = _sources(graph, slug, name_zh, name_en, source, text) if source is not None and text is not None else []
    for document in sources:
        graph.add((case, DCTERMS.source, document))
    if minted:
        kind = next((cls for suffix, cls in KINDS if name_zh.endswith(suffix)), TC.TownshipLevelDivision)
        graph.add((town, RDF.type, kind))
        graph.add((town, RDFS.label, Literal(name_zh, lang="zh-Hans")))
        graph.add((town, RDFS.label, Literal(name_en, lang="en")))
        graph.add((town, TC.administrativeParent, _parent(reference, code, parent)))
        if code is not None:
            graph.add((town, TC.divisionCode, Literal(code)))
        quote = _quote(graph, slug, name_zh, text, sources)
        graph.add((town, TC.evidence, quote))
        graph.add((case, TC.evidence, quote))

    written = []
    if source is not None:
        copy = folder / "sources" / source.name
        copy.parent.mkdir(parents=True)
        shutil.copyfile(source, copy)
        written.append(copy)
    values = {"case": slug, "town": str(town).rsplit("/", 1)[-1], "town_iri": str(town), "town_curie": curie(town),
              "town_zh": name_zh, "town_en": name_en, "data": str(data_dir),
              "source": str(sources[0]).rsplit("/", 1)[-1] if sources else f"{slug}-source",
              "sources": ", ".join(f"`{p.name}`" for p in written) or "none yet: add one and a tc:SourceDocument"}
    files = {"case.ttl": _header(slug, name_zh) + serialize(graph, "ttl").decode("utf-8"),
             "statements.ttl": _template("statements.ttl", values),
             "CHECKLIST.md": _template("CHECKLIST.md", values)}
    for name, content in files.items():
        write_atomic(folder / name, content.encode("utf-8"))
        written.append(folder / name)
    return NewCase(folder, tuple(written), town, minted)


def _read(source: Path) -> str:
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the source text: {err}", file=str(source),
                         hint="give a UTF-8 text file (save the article as plain text)") from err


def _town(reference: Graph, name_zh: str, code: str | None, parent: str | None, slug: str) -> tuple[URIRef, bool]:
    """The reference town with ``code`` (not minted), else a new IRI under the parent (minted)."""
    if code is not None:
        for town in reference.subjects(TC.divisionCode, Literal(code)):
            if isinstance(town, URIRef):
                return town, False
    base = _parent(reference, code, parent)
    local = re.sub(r"-\d{4}$", "", slug)
    return URIRef(f"{base}-{local}"), True


def _parent(reference: Graph, code: str | None, parent: str | None) -> URIRef:
    if parent is not None:
        from .query import iri  # the one reader of CURIEs and IRIs given by users

        place = iri(parent, "parent")
        if (place, RDF.type, None) not in reference:
            raise InputError(f"the parent place {curie(place)} is not in the reference data",
                             hint="use a county-level place of the reference data (towncase query -e 'SELECT ?p "
                                  "?code WHERE { ?p tc:divisionCode ?code }'), or declare it in a reference/ "
                                  "folder of your data folder, with its own parent up to a province")
        return place
    if code is not None:
        for county in reference.subjects(TC.divisionCode, Literal(code[:6])):
            if isinstance(county, URIRef):
                return county
    raise InputError("the town is not in the reference data, so its parent place is needed",
                     hint="give --parent place:… (its county-level division), or --code with the 9-digit NBS code")


def _sources(graph: Graph, slug: str, name_zh: str, name_en: str, source: Path, text: str) -> list[URIRef]:
    """One tc:FactExtraction per ``== S<n>`` block of an extraction, else one tc:SourceDocument."""
    local = f"sources/{source.name}"
    blocks = list(BLOCK.finditer(text))
    if not blocks:
        document = _iri("source", f"{slug}-source")
        graph.add((document, RDF.type, TC.SourceDocument))
        graph.add((document, RDFS.label, Literal(f"{name_zh}案例来源:{source.name}", lang="zh-Hans")))
        graph.add((document, RDFS.label, Literal(f"Source of the {name_en} case", lang="en")))
        graph.add((document, TC.localCopy, Literal(local)))
        return [document]
    documents = []
    for block in blocks:
        number, url, details = block.group(1), block.group(2), (block.group(3) or "").strip()
        document = _iri("source", f"{slug}-{number.lower()}")
        graph.add((document, RDF.type, TC.FactExtraction))
        graph.add((document, RDFS.label, Literal(f"{name_zh}事实摘录 {number}", lang="zh-Hans")))
        graph.add((document, RDFS.label, Literal(f"{name_en} fact extraction, block {number}", lang="en")))
        if re.match(r"https?://", url):
            graph.add((document, DCTERMS.source, URIRef(url)))
        # the publication's own date stands beside its outlet, before the first ';' (a later date, or
        # one marked ≈, is something else: an event's date, a guess)
        date = DATE.search(re.split(r"[;;]", details)[0])
        if date and "≈" not in details[:date.start()]:
            year, month, day = date.groups()
            value, datatype = ((f"{year}-{month}-{day}", XSD.date) if day else
                               (f"{year}-{month}", XSD.gYearMonth) if month else (year, XSD.gYear))
            graph.add((document, DCTERMS.date, Literal(value, datatype=datatype)))
        if details:
            graph.add((document, DCTERMS.bibliographicCitation,
                       Literal(details, lang="zh-Hans" if CJK.search(details) else "en")))
        graph.add((document, TC.localCopy, Literal(local)))
        documents.append(document)
    return documents


def _quote(graph: Graph, slug: str, name_zh: str, text: str | None, sources: list[URIRef]) -> URIRef:
    """A quote naming the town: the sentence (or extraction line) where its name first appears."""
    short = re.sub(r"(街道|镇|乡)$", "", name_zh)
    found = [i for i in (text.find(name_zh), text.find(short)) if i >= 0] if text else []
    if text is None or not found:
        raise InputError(f"the source does not name {name_zh} (nor {short}), and the reference data does not "
                         "have the town: nothing can be its evidence",
                         hint="give --source with a text that names the town, or --code of a reference town")
    at = min(found)
    start = max(text.rfind(stop, 0, at) for stop in "。!?\n") + 1
    ends = [e for e in (text.find(stop, at) for stop in "。!?\n") if e >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = text[start:end].rstrip("\n")
    quote = _iri("quote", f"{slug}-town")
    graph.add((quote, RDF.type, TC.Quote))
    graph.add((quote, TC.text, Literal(sentence, lang="zh-Hans")))
    blocks = list(BLOCK.finditer(text))
    before = [b for b in blocks if b.start() <= at]
    index = blocks.index(before[-1]) if before else 0
    graph.add((quote, TC.quotedFrom, sources[index]))
    return quote


def _header(slug: str, name_zh: str) -> str:
    return f"# The case {slug} ({name_zh}): the case record, its sources and, if the reference data lacks it, the town.\n"


def _template(name: str, values: dict[str, str]) -> str:
    text = (importlib_resources.files("towncase") / "templates" / name).read_text(encoding="utf-8")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)

