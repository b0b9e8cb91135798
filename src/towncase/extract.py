"""Extraction: the numbers a source text states, proposed as candidate observations on a review sheet a
person edits, and the reviewed rows written into a case as Turtle.

:func:`propose` finds every quantity in a source (a verbatim article, sentence by sentence, or a fact
extraction with ``== S<n>`` blocks, line by line), reads it with :mod:`towncase.quantities`, gives it a
time, a unit and an indicator suggested from the labels of the indicator scheme, and a subject (the
town of the case). :func:`sheet` writes the candidates as a TSV review sheet; :func:`read_sheet` reads it
back after review; :func:`apply` writes the accepted rows into the case folder as a new Turtle file.
Nothing is written without review: a row with no decision is never applied.

Which words are units (家, 个, 平方公里 …) and which words name an indicator (上市公司, 宣讲团 …) is knowledge
of the concept schemes (``skos:hiddenLabel`` in ``units.ttl`` and ``indicators.ttl``), not of this module.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, SKOS

from . import export, load, quantities
from .errors import InputError
from .labels import curie, label_map
from .namespaces import BASE, PREFIXES, TC, bind_prefixes
from .quantities import TimeReading

QUDT_APPLICABLE_UNIT = URIRef(PREFIXES["qudt"] + "applicableUnit")
INDICATOR_SCHEME = URIRef(BASE + "concept/indicator")
UNIT_SCHEME = URIRef(BASE + "concept/unit")
UNIT = {name: URIRef(PREFIXES["unit"] + name) for name in ("CCY_CNY", "NUM", "FRACTION", "UNITLESS")}
DIMENSIONLESS = {UNIT["FRACTION"], UNIT["UNITLESS"]}
COMPARATORS = ("exact", "more-than", "at-least", "about", "less-than", "at-most")
#: How an applied row is known (``tc:basis``): its value as written stands in a quote checked verbatim in
#: the source, so the source states it. An assumed time is an assumption about the time, not the value,
#: and stays recorded as such (``tc:referenceTimeAssumed``, the note), as in the hand-made data.
STATED = URIRef(PREFIXES["basis"] + "stated")

#: The review sheet's columns, in order: the reviewer's four first, then the proposal, then where it is from.
COLUMNS = ("id", "decision", "subject", "indicator", "notes",
           "value_as_written", "value", "unit", "comparator",
           "time", "time_start", "time_assumed", "time_as_written", "time_note",
           "suggested_subject", "suggested_indicator", "suggested_indicator_label",
           "quote", "source", "line", "case")
#: What a reviewer may write in the decision column (English or Chinese), and what it means.
DECISIONS = {"accept": "accept", "接受": "accept", "fix": "fix", "修改": "fix", "reject": "reject", "拒绝": "reject",
             "": "undecided"}
#: The file --apply writes into the case folder (``observations-extracted-2.ttl`` … when it exists).
OUTPUT_STEM = "observations-extracted"

#: Where a clause ends: the indicator a number measures is named in its own clause.
CLAUSE_BREAKS = ",,;;::、。!?!?()()=[]【】"
#: Where a sentence of an article ends (closing quotation marks stay with it).
SENTENCE_END = re.compile(r"[。!?;!?;][”’」』)]*|[::](?=[ \t]*\n)")
#: A counter that does not count here: 3个月 (a duration in months), 3个百分点, 三年级 (a school year).
NOT_COUNTED = {"个": ("月", "百分点", "小时", "工作日"), "年": ("级",)}
#: A numeral right after one of these is an ordinal or vague, not a quantity (第一, 几十, 数百, 每3年).
NOT_A_QUANTITY_AFTER = "第几数每"
#: A fact-extraction block header: ``== S1  URL  (outlet, date; authors)``.
BLOCK_HEADER = re.compile(r"^== *(?P<name>S\d+)[ \t]+(?P<url>\S+)[ \t]*(?P<rest>.*)$", re.M)
UNRELIABLE = re.compile(r"\[[^\]]*low reliability[^\]]*\]", re.I)
URL = re.compile(r"https?://\S+")


# ---------------------------------------------------------------------------------------------
# What the concept schemes know: unit words and indicator labels
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vocabulary:
    """Unit words and indicator labels from the concept schemes.

    Attributes:
        unit_words: a word printed after a number (家, 元, 平方公里 …) → its unit.
        indicator_words: (word, indicator) for every zh label of every indicator.
        indicator_unit: indicator → the unit its observations use.
        broader: indicator → all its broader indicators (transitively).
        concepts: the concept schemes (for labels).
    """

    unit_words: dict[str, URIRef]
    indicator_words: tuple[tuple[str, URIRef], ...]
    indicator_unit: dict[URIRef, URIRef]
    broader: dict[URIRef, frozenset[URIRef]]
    concepts: Graph

    @property
    def money_words(self) -> set[str]:
        """The unit words of money (元, 毛钱 …)."""
        return {w for w, u in self.unit_words.items() if u == UNIT["CCY_CNY"]}

    def pattern(self) -> re.Pattern:
        """A quantity as printed: qualifier, number, 多/余, 万/亿, unit word or %/成/倍/∶, qualifier."""
        return _quantity_pattern(tuple(sorted(self.unit_words, key=lambda w: (-len(w), w))))


def vocabulary(concepts: Graph | None = None) -> Vocabulary:
    """Read the unit words (``skos:hiddenLabel`` of the units scheme) and the indicator labels (pref-, alt-
    and hidden labels in zh) from the concept schemes (the shipped ones by default)."""
    concepts = concepts if concepts is not None else load.concepts()
    unit_words: dict[str, URIRef] = {}
    for unit in sorted(_iris(concepts.subjects(SKOS.inScheme, UNIT_SCHEME))):
        for word in concepts.objects(unit, SKOS.hiddenLabel):
            unit_words[str(word)] = unit
    indicators = sorted(_iris(concepts.subjects(SKOS.inScheme, INDICATOR_SCHEME)))
    words: list[tuple[str, URIRef]] = []
    for indicator in indicators:
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for word in concepts.objects(indicator, prop):
                if isinstance(word, Literal) and (word.language or "").lower().startswith("zh"):
                    words.append((str(word), indicator))
    broader = {i: frozenset(_iris(o for o in concepts.transitive_objects(i, SKOS.broader) if o != i)) for i in indicators}
    units = {i: concepts.value(i, QUDT_APPLICABLE_UNIT) for i in indicators}
    return Vocabulary(unit_words, tuple(sorted(set(words))), {i: u for i, u in units.items() if isinstance(u, URIRef)},
                      broader, concepts)


@lru_cache(maxsize=8)
def _quantity_pattern(unit_words: tuple[str, ...]) -> re.Pattern:
    units = "|".join(map(re.escape, unit_words))
    pre = "|".join(map(re.escape, quantities.PREFIXES))
    suf = "|".join(map(re.escape, quantities.SUFFIXES))
    arabic = quantities.ARABIC
    return re.compile(
        rf"(?P<pre>(?:{pre})(?:占[ \t]*[\u4e00-\u9fff]{{0,3}}[ \t]*)?)?"
        rf"(?:(?P<parts>{quantities.PARTS})"
        rf"|(?P<num>{arabic}|{quantities.CHINESE})(?:多|余)?(?P<mult>万亿|千万|百万|亿|万)?(?:多|余)?"
        rf"(?P<unit>%|‰|成|倍|∶[ \t]*{arabic}|:(?=\d){arabic}|{units})?)"
        rf"(?P<suf>{suf})?")


# ---------------------------------------------------------------------------------------------
# The source: an article (sentences) or a fact extraction (blocks of lines)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """One ``== S<n>`` block of a fact extraction: one published source."""

    name: str
    url: str
    header: str
    date: str | None
    unreliable: bool


@dataclass(frozen=True)
class Passage:
    """A sentence of an article or a line of a fact-extraction block: what a quote is.

    ``start`` and ``end`` are offsets in the source text; ``block`` is ``None`` in an article.
    """

    start: int
    end: int
    block: Block | None


@dataclass(frozen=True)
class Setting:
    """What extraction knows of the source's place in a case.

    Attributes:
        case: the case's name, or ``None`` when extracting outside a case.
        subject: the town of the case (the suggested subject).
        year: the source's year (an article's); a block's year comes from its header.
        sources: block name (``None`` for an article) → the tc:SourceDocument that stands for it.
    """

    case: str | None = None
    subject: URIRef | None = None
    year: str | None = None
    sources: tuple[tuple[str | None, URIRef], ...] = ()

    def source(self, block: Block | None) -> URIRef | None:
        """The source document of a block (or of the article)."""
        return dict(self.sources).get(block.name if block else None)


def blocks(text: str) -> list[tuple[Block, int, int]]:
    """The ``== S<n>`` blocks of a fact extraction with their (start, end) offsets; ``[]`` for an article."""
    found = []
    headers = list(BLOCK_HEADER.finditer(text))
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        date = re.search(r"(?:18|19|20)\d{2}(?:-[01]\d(?:-[0-3]\d)?)?", header.group("rest"))
        block = Block(header.group("name"), header.group("url"), header.group(0).strip(),
                      date.group(0) if date else None, bool(UNRELIABLE.search(header.group("rest"))))
        found.append((block, header.end(), end))
    return found


def passages(text: str) -> list[Passage]:
    """The sentences of an article, or the fact lines of each block of a fact extraction (lines that
    are not comments; the bullet ``- `` left out). Blocks marked unreliable are left out."""
    found = blocks(text)
    if not found:
        return _sentences(text, 0, len(text), None)
    lines = []
    for block, start, end in found:
        if block.unreliable:
            continue
        for line in re.finditer(r"[^\n]+", text[start:end]):
            body = line.group(0).rstrip()
            if not body.strip() or body.lstrip().startswith("#"):
                continue
            lead = re.match(r"\s*(?:[-*•]\s+)?", body)
            assert lead is not None  # the pattern matches the empty string
            bullet = lead.end()
            lines.append(Passage(start + line.start() + bullet, start + line.start() + len(body), block))
    return lines


def _sentences(text: str, start: int, end: int, block: Block | None) -> list[Passage]:
    found, begin = [], start
    for match in SENTENCE_END.finditer(text, start, end):
        found.append((begin, match.end()))
        begin = match.end()
    found.append((begin, end))
    result = []
    for s, e in found:
        chunk = text[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            result.append(Passage(s + lead, s + trail, block))
    return result


# ---------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A number the source states, proposed as an observation.

    ``start``/``end`` locate the value as written in the source text; ``time`` is ``None`` when the
    source's year is needed and not known.
    """

    id: str
    quote: str
    line: int
    start: int
    end: int
    value_as_written: str
    value: Decimal
    unit: URIRef
    comparator: str
    time: TimeReading | None
    time_note: str
    indicator: URIRef | None
    subject: URIRef | None
    source: URIRef | None


@dataclass(frozen=True)
class Proposal:
    """What :func:`propose` found: the candidates, the case, and remarks for the person (blocks left out …)."""

    candidates: tuple[Candidate, ...]
    case: str | None
    remarks: tuple[str, ...]


def propose(text: str, setting: Setting = Setting(), vocab: Vocabulary | None = None) -> Proposal:
    """Every quantity the source states, as candidate observations in the order of the text.

    Args:
        text: the source text (an article, or a fact extraction with ``== S<n>`` blocks).
        setting: the case, its town, the source's year and the source documents.
        vocab: unit words and indicator labels (read from the shipped schemes by default).
    """
    vocab = vocab or vocabulary()
    pattern = vocab.pattern()
    remarks = [f"block {b.name} left out: marked unreliable ({b.header})" for b, _, _ in blocks(text) if b.unreliable]
    if setting.case is None:
        remarks.append("no case: subject and source are left empty (give --case)")
    candidates: list[Candidate] = []
    for passage in passages(text):
        for found in _quantities_in(text, passage, pattern, vocab):
            start, end, written = found
            candidates.append(_candidate(text, passage, start, end, written, setting, vocab, len(candidates) + 1))
    return Proposal(tuple(candidates), setting.case, tuple(remarks))


def _masked(segment: str) -> str:
    """The passage with time expressions and URLs blanked out (same length), so their digits are not read
    as quantities."""
    for pattern in (quantities.TIME, URL):
        segment = pattern.sub(lambda m: "\0" * len(m.group(0)), segment)
    return segment


def _quantities_in(text: str, passage: Passage, pattern: re.Pattern, vocab: Vocabulary):
    segment = text[passage.start:passage.end]
    masked = _masked(segment)
    money = vocab.money_words
    for match in pattern.finditer(masked):
        number = match.group("num")
        unit = match.group("unit")
        if not (match.group("parts") or match.group("mult") or unit):
            continue  # a bare number (观察1, 110中心, a code) is not a quantity
        first = match.start("parts") if match.group("parts") else match.start("num")
        before = masked[first - 1] if first else ""
        if not match.group("pre") and before and (before in NOT_A_QUANTITY_AFTER
                                                  or (re.match(r"[A-Za-z0-9._/\-]", before) and number
                                                      and number[0].isdigit())):
            continue
        if number == "一" and not match.group("mult") and unit not in money | {"成", "倍"}:
            continue  # 一个, 一张, 一位 … are articles, not counts
        after = masked[match.end("unit"):] if unit else ""
        if unit in NOT_COUNTED and after.startswith(NOT_COUNTED[unit]):
            continue
        yield passage.start + match.start(), passage.start + match.end(), match.group(0)


def _candidate(text: str, passage: Passage, start: int, end: int, written: str, setting: Setting,
               vocab: Vocabulary, number: int) -> Candidate:
    value = quantities.value(written)
    unit = _unit(written, value, vocab)
    indicator = _indicator(text, passage, start, end, unit, value, vocab)
    if indicator is not None and vocab.indicator_unit.get(indicator) in DIMENSIONLESS and unit in DIMENSIONLESS:
        unit = vocab.indicator_unit[indicator]  # a growth rate is a ratio, a share a fraction
    time, note = _time(text, passage, start, setting)
    return Candidate(
        id=f"c{number:03d}", quote=text[passage.start:passage.end], line=text.count("\n", 0, start) + 1,
        start=start, end=end, value_as_written=written, value=value, unit=unit,
        comparator=quantities.comparator(written), time=time, time_note=note, indicator=indicator,
        subject=setting.subject, source=setting.source(passage.block))


def _unit(written: str, value: Decimal, vocab: Vocabulary) -> URIRef:
    kind = quantities.proportion(written)
    if kind == "share":
        return UNIT["FRACTION"] if value <= 1 else UNIT["UNITLESS"]
    if kind == "ratio":
        return UNIT["UNITLESS"]
    for word in sorted(vocab.unit_words, key=len, reverse=True):
        if word in written:
            return vocab.unit_words[word]
    return UNIT["NUM"]  # 10万 (people): a count


def _compatible(indicator_unit: URIRef | None, unit: URIRef, value: Decimal) -> bool:
    if indicator_unit == unit:
        return True
    if indicator_unit in DIMENSIONLESS and unit in DIMENSIONLESS:
        return not (indicator_unit == UNIT["FRACTION"] and value > 1)
    return False


def _indicator(text: str, passage: Passage, start: int, end: int, unit: URIRef, value: Decimal,
               vocab: Vocabulary) -> URIRef | None:
    """The indicator whose label stands nearest the number in its clause (a narrower one before its
    broader one); else the only indicator measured in the number's unit, if there is one."""
    left_from = max((text.rfind(c, passage.start, start) for c in CLAUSE_BREAKS), default=-1)
    left = text[max(left_from + 1, passage.start):start]
    rights = [i for i in (text.find(c, end, passage.end) for c in CLAUSE_BREAKS) if i >= 0]
    right = text[end:min(rights, default=passage.end)]
    written = text[start:end]
    # After a counter comes what is counted, and its last word is the head (105家高新技术企业, 一万家生产企业):
    # a label inside the words right after the number counts from their end.
    head = re.match(r"[\u4e00-\u9fff“”\"]*", right)
    assert head is not None  # the pattern matches the empty string
    phrase = len(head.group(0))
    nearest: dict[URIRef, tuple[int, int]] = {}
    for word, indicator in vocab.indicator_words:
        if not _compatible(vocab.indicator_unit.get(indicator), unit, value):
            continue
        distances = [len(left) - (m.start() + len(word)) for m in re.finditer(re.escape(word), left)]
        distances += [0] if word in written else []
        distances += [phrase - m.end() if m.end() <= phrase else m.start()
                      for m in re.finditer(re.escape(word), right)]
        if distances:
            rank = (min(distances), -len(word))
            nearest[indicator] = min(rank, nearest.get(indicator, rank))
    for indicator in list(nearest):
        for broader in vocab.broader.get(indicator, ()):
            nearest.pop(broader, None)
    if nearest:
        return min(nearest, key=lambda i: (nearest[i], str(i)))
    same_unit = [i for i, u in vocab.indicator_unit.items() if u == unit]
    return same_unit[0] if len(same_unit) == 1 else None


#: Ends a time note that asks the reviewer for the time: an instruction, dropped once the row is applied
#: (a row is applied only with a time).
FILL_IN = "fill in the time"


def _time(text: str, passage: Passage, start: int, setting: Setting) -> tuple[TimeReading | None, str]:
    """The time of a number: the last time expression before it in its sentence or line, else the
    source's own time (assumed); with a note ``zh | en`` where the reading needs saying."""
    block = passage.block
    year = (block.date[:4] if block.date else None) if block else setting.year
    own = "本块日期的年份" if block else "来源的年份"
    own_en = "the block's year" if block else "the source's year"
    before = list(quantities.TIME.finditer(text, passage.start, start))
    if not before:
        if year is None:
            return None, f"原文未给时间,{own}未知:请填写时间 | the text gives no time and {own_en} is unknown: {FILL_IN}"
        return quantities.source_time(year), ""
    written = before[-1].group(0)
    try:
        time = quantities.reference_time(written, year)
    except ValueError:
        return None, (f"“{written}”须按{own}读,而{own}未知:请填写时间 | “{written}” is read with {own_en}, "
                      f"which is unknown: {FILL_IN}")
    if time.not_after:
        relative = (f";其中的年份按{own}{year}年读,这是假定" if time.relative else "",
                    f"; its year is read with {own_en}, {year}, an assumption" if time.relative else "")
        return time, (f"原文“{written}”只给出界限,没有时间:记为不晚于{time.not_after}(tc:notAfter,含界),不记参考时间,"
                      f"按年份查询时不落在{time.not_after}{relative[0]} | “{written}” gives only a bound, no time: "
                      f"not after {time.not_after} (tc:notAfter, inclusive) and no reference time, so a query by year "
                      f"does not place it in {time.not_after}{relative[1]}")
    if time.relative:
        return time, (f"“{written}”按{own}{year}年读:这一读法是假定,以 tc:referenceTimeAssumed 标明 | “{written}” is "
                      f"read with {own_en}, {year}: the reading is an assumption, flagged with tc:referenceTimeAssumed")
    if time.start:
        return time, (f"“{written}”是一个时期:参考时间取其末,起始时间取其始 | “{written}” is a period: the reference "
                      f"time is its end, tc:startDate its start")
    if time.assumed and _as_of_writing(written):
        return time, (f"“{written}”即成文之时,原文未给日期:参考时间取{own}{year}年,为推定 | “{written}” is the time of "
                      f"writing and gives no date: the reference time is {own_en}, {year}, assumed")
    if time.assumed:
        return time, (f"“{written}”是截至来源时间的累计:参考时间取{own} | “{written}” runs up to the source's time: "
                      f"the reference time is {own_en}")
    if time.as_written:
        return time, (f"参考时间取原文“{written}”给出的时间 | the reference time is the one “{written}” gives")
    return time, ""


def _as_of_writing(written: str) -> bool:
    """Whether a time expression is the source's own time (截至目前, 如今), not a year of its own."""
    match = quantities.TIME.fullmatch(written)
    return bool(match and match.group("now"))


# ---------------------------------------------------------------------------------------------
# The review sheet
# ---------------------------------------------------------------------------------------------

def setting_for(source: Path, case: load.CaseFolder | None, data: load.Corpus) -> Setting:
    """Where a source stands in a case: the case's town, the source's year and the source documents
    whose local copy is this text (an article's, or one per block of a fact extraction)."""
    if case is None:
        return Setting()
    graph = load.case(case.name, data)
    case_node = next(iter(sorted(graph.subjects(RDF.type, TC.Case), key=str)), None)
    subject = graph.value(case_node, TC.caseOf) if case_node is not None else None
    text = source.read_bytes()
    sources, year = [], None
    for doc in sorted(_iris(graph.subjects(TC.localCopy, None))):
        copy = case.path / str(graph.value(doc, TC.localCopy))
        if not copy.is_file() or copy.read_bytes() != text:
            continue
        published = graph.value(doc, DCTERMS.source)
        block = next((b.name for b, _, _ in blocks(text.decode("utf-8")) if published is not None
                      and b.url == str(published)), None)
        sources.append((block, doc))
        issued = graph.value(doc, DCTERMS.issued) or graph.value(doc, DCTERMS.date)
        if block is None and issued is not None:
            year = str(issued)[:4]
    if year is None and case_node is not None and graph.value(case_node, DCTERMS.issued) is not None:
        year = str(graph.value(case_node, DCTERMS.issued))[:4]
    return Setting(case.name, subject if isinstance(subject, URIRef) else None, year, tuple(sources))


def propose_file(source: Path, case: str | None = None, data: load.Corpus | None = None) -> Proposal:
    """:func:`propose` for a source file, in a case given by name or found from the file's folder
    (``<case>/sources/<file>``).

    Raises:
        InputError: the file cannot be read as UTF-8 text, or holds no text.
        UnknownNameError: no case of that name.
    """
    data = data or load.corpus()
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the source text: {err}", file=str(source),
                         hint="give a UTF-8 text file: an article, or a fact extraction with == S<n> blocks") from err
    if not text.strip():
        raise InputError("the source text is empty", file=str(source), hint="give the article or extraction text")
    folder = data.case(case) if case else _case_of(Path(source), data)
    return propose(text, setting_for(Path(source), folder, data))


def _case_of(source: Path, data: load.Corpus) -> load.CaseFolder | None:
    resolved = source.resolve()
    for folder in data.cases:
        if resolved.is_relative_to(folder.path.resolve()):
            return folder
    return None


def sheet(proposal: Proposal, vocab: Vocabulary | None = None) -> bytes:
    """The candidates as a review sheet: TSV, UTF-8 with a byte-order mark (so spreadsheets read the
    Chinese right), a header row of :data:`COLUMNS`, one row per candidate; line breaks and tabs
    inside a cell written ``\\n`` and ``\\t``."""
    vocab = vocab or vocabulary()
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in proposal.candidates:
        labels = label_map(vocab.concepts, c.indicator) if c.indicator is not None else {}
        time = c.time
        row = {
            "value_as_written": c.value_as_written, "value": _plain(c.value), "unit": curie(c.unit),
            "comparator": c.comparator, "time": time_cell(time) if time else "",
            "time_start": (time.start or "") if time else "",
            "time_assumed": ("true" if time.assumed else "false") if time else "",
            "time_as_written": (time.as_written or "") if time else "", "time_note": c.time_note,
            "suggested_subject": curie(c.subject) if c.subject is not None else "",
            "suggested_indicator": curie(c.indicator) if c.indicator is not None else "",
            "suggested_indicator_label": " / ".join(v for v in (labels.get("zh"), labels.get("en")) if v),
            "quote": c.quote, "source": curie(c.source) if c.source is not None else "", "line": str(c.line),
            "case": proposal.case or "", "id": c.id,
        }
        writer.writerow([_escape(row.get(column, "")) for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def time_cell(time: TimeReading) -> str:
    """The time column of the sheet: the reference time (``2022``, ``2022-07``), or, where the text gives
    only bounds, an interval with an open end as ISO 8601-2 writes it: ``../2011`` (not after 2011, the
    tc:notAfter of 2011年前), ``2011/..`` (not before 2011), ``2019/2021`` (both)."""
    if time.value is not None:
        return time.value
    return f"{time.not_before or '..'}/{time.not_after or '..'}"


def _read_time_cell(cell: str) -> tuple[str | None, str | None, str | None] | None:
    """(reference time, not before, not after) of a time cell; ``None`` when it is neither a time nor bounds."""
    if _time_type(cell) is not None:
        return cell, None, None
    low, slash, high = cell.partition("/")
    bounds = [None if b == ".." else b for b in (low, high)]
    if not slash or bounds == [None, None] or any(b is not None and _time_type(b) is None for b in bounds):
        return None
    return None, bounds[0], bounds[1]


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 25000000000, 0.45, 32000."""
    text = format(value.normalize(), "f")
    return text


def _escape(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(cell: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), cell)


@dataclass(frozen=True)
class ReviewRow:
    """One row of a review sheet as read back: its line in the file and its cells by column."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    @property
    def decision(self) -> str:
        """``accept``, ``fix``, ``reject``, ``undecided``, or what the reviewer wrote when it is none of these."""
        written = self["decision"].strip()
        return DECISIONS.get(written.lower(), written)


def read_sheet(path: Path) -> list[ReviewRow]:
    """Read a review sheet back: UTF-8 (with or without a byte-order mark) or UTF-16 (as spreadsheets
    save “Unicode text”), tab-separated (or comma-separated, as “CSV UTF-8”), with the header row.

    Raises:
        InputError: the file cannot be read, or a column is missing (naming it).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"cannot read the review sheet: {err.strerror}", file=str(path)) from err
    try:
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 or UTF-16 text: {err}", file=str(path),
                         hint="save the sheet as UTF-8 (tab-separated text or CSV UTF-8)") from err
    header = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header or "," not in header else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise InputError("the review sheet is empty", file=str(path), hint="give the sheet towncase extract wrote")
    names = [name.strip() for name in rows[0]]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(f"the review sheet has no column {', '.join(missing)}", file=str(path), line=1,
                         hint="keep the header row towncase extract wrote (columns may be reordered, not renamed)")
    return [ReviewRow(number, {name: _unescape(cell).strip() for name, cell in zip(names, row, strict=False)})
            for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]


# ---------------------------------------------------------------------------------------------
# Applying a reviewed sheet
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    """What :func:`apply` did: the file written (``None`` when nothing was), and how many rows were
    applied (accepted or fixed), already in the case, rejected and left undecided."""

    written: Path | None
    applied: int
    already: int
    rejected: int
    undecided: int


def apply(rows: list[ReviewRow], sheet_path: Path, case: str | None = None,
          data: load.Corpus | None = None) -> Applied:
    """Write the accepted and fixed rows of a review sheet into their case as a new Turtle file
    (observations and their quotes), atomically, never over an existing file.

    Every applied row is checked first, as ``towncase validate`` would: subject and indicator given and
    known, source a document of the case, quote verbatim in it, value and comparator as the value as
    written reads, unit the indicator's, time well-formed. One bad row and nothing is written.

    Raises:
        InputError: a row cannot be applied (every such row is named), or no case is given.
        UnknownNameError: no case of that name.
    """
    data = data or load.corpus()
    named = {r["case"] for r in rows if r["case"]}
    if case is None and len(named) > 1:
        raise InputError(f"the sheet names several cases ({', '.join(sorted(named))})", file=str(sheet_path),
                         hint="give --case, or apply one case's rows at a time")
    case = case or next(iter(named), None)
    if case is None:
        raise InputError("no case to apply the sheet to", file=str(sheet_path),
                         hint="give --case SLUG (the case folder the observations go into)")
    folder = data.case(case)
    chosen = [r for r in rows if r.decision in ("accept", "fix")]
    context = _Context(folder, data)
    problems = [f"{sheet_path}:{r.line} (row {r['id'] or r.line}): {problem}"
                for r in rows for problem in _problems(r, context, case)]
    if problems:
        raise InputError("cannot apply these rows (nothing was written):\n  " + "\n  ".join(problems),
                         hint="fix the rows (or set their decision to reject) and run --apply again")
    graph, already = _observations(chosen, context, case)
    written = None
    if len(graph):
        written = _free_name(folder.path)
        header = (f"# Observations proposed by `towncase extract` and reviewed in {Path(sheet_path).name}, "
                  f"with the quotes they rest on.\n")
        export.write_atomic(written, header.encode("utf-8") + export.serialize(graph, "ttl"))
    return Applied(written, len(chosen) - already, already,
                   sum(r.decision == "reject" for r in rows), sum(r.decision == "undecided" for r in rows))


class _Context:
    """What checking and minting need of a case: its graph, the reference data, the schemes."""

    def __init__(self, folder: load.CaseFolder, data: load.Corpus):
        self.folder, self.data = folder, data
        self.case_graph = load.case(folder.name, data)
        self.known = self.case_graph + load.reference(data)
        self.vocab = vocabulary()
        self.units = set(self.vocab.concepts.subjects(SKOS.inScheme, UNIT_SCHEME))


def _problems(row: ReviewRow, context: _Context, case: str) -> list[str]:
    """What keeps a row from being applied (nothing for a rejected or undecided row)."""
    if row.decision not in ("accept", "fix", "reject", "undecided"):
        return [f"decision {row['decision']!r} is not accept, fix or reject (or 接受, 修改, 拒绝; empty: undecided)"]
    if row.decision not in ("accept", "fix"):
        return []
    problems = []
    if row["case"] and row["case"] != case:
        problems.append(f"the row is for case {row['case']!r}, not {case!r}")
    subject = _iri(row["subject"] or row["suggested_subject"])
    indicator = _iri(row["indicator"] or row["suggested_indicator"])
    source = _iri(row["source"])
    if subject is None:
        problems.append("no subject: write the place, organisation, group or programme in the subject column "
                        "(e.g. place:shaoxing-zhuji-diankou)")
    elif (subject, RDF.type, None) not in context.known:
        problems.append(f"subject {row['subject'] or row['suggested_subject']} is described neither in case "
                        f"{case} nor in the reference data (towncase query find-entities helps find it)")
    if indicator is None:
        problems.append("no indicator: write a concept of the indicator scheme in the indicator column "
                        "(towncase query -e lists them; ontology/schemes/indicators.ttl)")
    elif indicator not in context.vocab.indicator_unit:
        problems.append(f"indicator {row['indicator'] or row['suggested_indicator']} is not a concept of the "
                        "indicator scheme (ontology/schemes/indicators.ttl)")
    problems += _quote_problems(row, source, context)
    problems += _value_problems(row, indicator, context)
    problems += _time_problems(row)
    return problems


def _iris(nodes: Iterable[Node | None]) -> list[URIRef]:
    """The IRIs among ``nodes`` (concepts of a scheme are IRIs; a blank node cannot be named in a sheet)."""
    return [node for node in nodes if isinstance(node, URIRef)]


def _iri(text: str) -> URIRef | None:
    """A CURIE of a canonical prefix (or a full IRI) as an IRI; ``None`` for an empty cell."""
    text = text.strip().strip("<>")
    if not text:
        return None
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    return URIRef(text)


def _quote_problems(row: ReviewRow, source: URIRef | None, context: _Context) -> list[str]:
    if source is None:
        return ["no source: the source column names the case's tc:SourceDocument whose copy holds the quote "
                "(run extract with --case so it is filled in)"]
    local = context.case_graph.value(source, TC.localCopy)
    if local is None or (source, RDF.type, None) not in context.case_graph:
        return [f"source {row['source']} is not a source document of case {context.folder.name} with a tc:localCopy"]
    try:
        copy = load.source_text(context.data, source, str(local))
    except InputError as err:
        return [str(err)]
    quote = row["quote"]
    if not quote or quote not in copy:
        return [f"the quote is not verbatim in {local}: keep it exactly as the source prints it"]
    if row["value_as_written"] not in quote:
        return [f"the value as written {row['value_as_written']!r} is not in the quote"]
    return []


def _value_problems(row: ReviewRow, indicator: URIRef | None, context: _Context) -> list[str]:
    written = row["value_as_written"]
    try:
        expected = quantities.value(written)
    except ValueError:
        return [f"cannot read a number in the value as written {written!r}"]
    problems = []
    try:
        value = Decimal(row["value"])
    except InvalidOperation:
        return [f"value {row['value']!r} is not a number"]
    if value != expected:
        problems.append(f"value {row['value']} does not match {written!r}, which reads as {_plain(expected)} "
                        "(data/README.md § Quantities)")
    if row["comparator"] not in COMPARATORS:
        problems.append(f"comparator {row['comparator']!r} is not one of {', '.join(COMPARATORS)}")
    elif row["comparator"] != quantities.comparator(written):
        problems.append(f"comparator {row['comparator']} does not match {written!r}, which reads as "
                        f"{quantities.comparator(written)}")
    unit = _iri(row["unit"])
    if unit not in context.units:
        problems.append(f"unit {row['unit']!r} is not a unit of the units scheme (unit:NUM, unit:CCY_CNY, "
                        "unit:FRACTION, unit:UNITLESS, unit:KiloM2, unit:YR …)")
    elif indicator in context.vocab.indicator_unit and context.vocab.indicator_unit[indicator] != unit:
        problems.append(f"unit {row['unit']} is not the unit of {curie(indicator)} "
                        f"({curie(context.vocab.indicator_unit[indicator])}): choose another indicator or unit")
    elif unit == UNIT["NUM"] and value != value.to_integral_value():
        problems.append(f"a count (unit:NUM) is a whole number, not {row['value']}")
    return problems


def _time_problems(row: ReviewRow) -> list[str]:
    problems = []
    read = _read_time_cell(row["time"])
    if not row["time"]:
        problems.append("no time: write the reference time (2022, 2022-07 or 2022-07-01), or the bounds where "
                        "the text gives only bounds (../2011 for 2011年前)")
    elif read is None:
        problems.append(f"time {row['time']!r} is not a year (2022), a month (2022-07) or a date (2022-07-01), "
                        "nor bounds (../2011 not after 2011, 2011/.. not before 2011, 2019/2021 both)")
    elif read[1] and read[2] and read[1] > read[2]:
        problems.append(f"time {row['time']!r}: the lower bound is after the upper one")
    elif read[0] is None and row["time_start"]:
        problems.append(f"time_start {row['time_start']!r} with the bounds {row['time']!r}: a period has a reference "
                        "time (its end) and a start; bounds have neither")
    elif read[0] is None and not (row["time_as_written"] or row["time_assumed"] == "true"):
        problems.append(f"the bounds {row['time']!r} need the wording they come from in time_as_written (2011年前), "
                        "or time_assumed true and a note where the bound is reasoned")
    if row["time_start"] and _time_type(row["time_start"]) is None:
        problems.append(f"time_start {row['time_start']!r} is not a year, a month or a date")
    if row["time_assumed"] not in ("true", "false"):
        problems.append(f"time_assumed {row['time_assumed']!r} is not true or false")
    return problems


def _time_type(text: str) -> URIRef | None:
    for pattern, datatype in ((r"\d{4}", XSD.gYear), (r"\d{4}-(0[1-9]|1[0-2])", XSD.gYearMonth),
                              (r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", XSD.date)):
        if re.fullmatch(pattern, text):
            return datatype
    return None


def _filled(text: str) -> URIRef:
    """The IRI of a cell the sheet's checks found filled in."""
    iri = _iri(text)
    assert iri is not None, "a row with an empty cell is refused before it is applied"
    return iri


def _local(iri: URIRef) -> str:
    """The last part of an IRI path, as a slug part: place:shaoxing-zhuji-diankou → shaoxing-zhuji-diankou."""
    return re.split(r"[/#]", str(iri))[-1]


def _observations(rows: list[ReviewRow], context: _Context, case: str) -> tuple[Graph, int]:
    """The observations and quotes of the applied rows; and how many rows were already in the case."""
    graph = bind_prefixes(Graph())
    case_graph = context.case_graph
    existing = {(case_graph.value(o, TC.subject), case_graph.value(o, TC.indicator),
                 str(case_graph.value(o, TC.valueAsWritten)), _time_cell_of(case_graph, o))
                for o in case_graph.subjects(RDF.type, TC.Observation)}
    quotes = {(str(case_graph.value(q, TC.text)), case_graph.value(q, TC.quotedFrom)): q
              for q in sorted(case_graph.subjects(RDF.type, TC.Quote), key=str)}
    taken = set(context.known.subjects())
    times: dict[str, set[str]] = {}
    already = 0
    for row in rows:
        subject = _filled(row["subject"] or row["suggested_subject"])
        indicator = _filled(row["indicator"] or row["suggested_indicator"])
        source = _filled(row["source"])
        key = (subject, indicator, row["value_as_written"], row["time"])
        if key in existing:
            already += 1
            continue
        existing.add(key)
        slug = f"{case}-{_local(subject)}-{_local(indicator)}"
        if slug not in times:
            first = URIRef(PREFIXES["observation"] + slug)
            times[slug] = {_time_cell_of(case_graph, first)} if first in taken else set()
        # case + subject + indicator; a second time gets its time, a second value at one time a number
        by_time = [] if row["time"] in times[slug] else [_time_suffix(row["time"])]
        observation, apart = _mint("observation", slug, by_time, row["value_as_written"], taken)
        times[slug].add(row["time"])
        quote = quotes.get((row["quote"], source))
        if quote is None:
            quote, _ = _mint("quote", slug, [], "", taken)
            quotes[(row["quote"], source)] = quote
            graph.add((quote, RDF.type, TC.Quote))
            graph.add((quote, TC.text, Literal(row["quote"], lang="zh-Hans")))
            graph.add((quote, TC.quotedFrom, source))
        _describe(graph, observation, apart, row, subject, indicator, quote, context)
    return graph, already


def _time_cell_of(graph: Graph, observation: Node) -> str:
    """An observation's time as the sheet's time column writes it (:func:`time_cell`)."""
    value = graph.value(observation, TC.referenceTime)
    if value is not None:
        return str(value)
    low, high = graph.value(observation, TC.notBefore), graph.value(observation, TC.notAfter)
    return f"{low if low is not None else '..'}/{high if high is not None else '..'}"


def _time_suffix(cell: str) -> tuple[str, str]:
    """(IRI suffix, label gloss) for a time cell: ``2022-07`` as it is; bounds ``../2011`` as
    ``not-after-2011`` (≤2011, a gloss for both languages), ``2011/..`` as ``not-before-2011`` (≥2011),
    ``2019/2021`` as ``2019-to-2021`` (2019–2021)."""
    reference, low, high = _read_time_cell(cell) or (cell, None, None)
    if reference is not None:
        return reference, reference
    if low and high:
        return f"{low}-to-{high}", f"{low}–{high}"
    return (f"not-after-{high}", f"≤{high}") if high else (f"not-before-{low}", f"≥{low}")


def _mint(kind: str, slug: str, suffixes: list[tuple[str, str]], numbered: str, taken: set) -> tuple[URIRef, str]:
    """A new IRI ``kind:slug`` or, while it is taken, ``slug-<suffix>`` and then ``slug-2``, ``slug-3`` …;
    with what tells it apart in a label (the suffix's gloss, or ``numbered`` for a number; "" for the slug)."""
    options = [(slug, "")] + [(f"{slug}-{s}", gloss) for s, gloss in suffixes]
    options += [(f"{slug}-{n}", numbered) for n in range(2, 1000)]
    for local, apart in options:
        iri = URIRef(PREFIXES[kind] + local)
        if iri not in taken:
            taken.add(iri)
            return iri, apart
    raise InputError(f"no free IRI for {kind}:{slug}", hint="apply the sheet in smaller parts")


def _describe(graph: Graph, observation: URIRef, apart: str, row: ReviewRow, subject: URIRef,
              indicator: URIRef, quote: Node, context: _Context) -> None:
    value = Decimal(row["value"])
    unit = _filled(row["unit"])
    subject_labels = label_map(context.known, subject)
    indicator_labels = label_map(context.vocab.concepts, indicator)
    suffix = f"({apart})" if apart else ""
    zh = f"{subject_labels.get('zh', curie(subject))}{indicator_labels.get('zh', curie(indicator))}{suffix}"
    en = f"{indicator_labels.get('en', curie(indicator))} of {subject_labels.get('en', curie(subject))}"
    graph.add((observation, RDF.type, TC.Observation))
    graph.add((observation, TC.basis, STATED))
    graph.add((observation, RDFS.label, Literal(zh, lang="zh-Hans")))
    graph.add((observation, RDFS.label, Literal(en + (f" {suffix}" if suffix else ""), lang="en")))
    graph.add((observation, TC.subject, subject))
    graph.add((observation, TC.indicator, indicator))
    graph.add((observation, TC.value, Literal(int(value)) if unit == UNIT["NUM"]
               else Literal(value, datatype=XSD.decimal)))
    graph.add((observation, TC.unit, unit))
    graph.add((observation, TC.comparator, URIRef(PREFIXES["cmp"] + row["comparator"])))
    graph.add((observation, TC.valueAsWritten, Literal(row["value_as_written"], lang="zh-Hans")))
    reference, low, high = _read_time_cell(row["time"]) or (None, None, None)
    for prop, time in ((TC.referenceTime, reference), (TC.notBefore, low), (TC.notAfter, high)):
        if time is not None:
            graph.add((observation, prop, Literal(time, datatype=_time_type(time))))
    graph.add((observation, TC.referenceTimeAssumed, Literal(row["time_assumed"] == "true")))
    if row["time_start"]:
        graph.add((observation, TC.startDate, Literal(row["time_start"], datatype=_time_type(row["time_start"]))))
    if row["time_as_written"]:
        graph.add((observation, TC.dateAsWritten, Literal(row["time_as_written"], lang="zh-Hans")))
    graph.add((observation, TC.evidence, quote))
    for note in (row["time_note"], row["notes"]):
        if note.endswith(FILL_IN):
            continue  # it asked the reviewer for the time, who gave one
        for text, language in _note(note):
            graph.add((observation, SKOS.editorialNote, Literal(text, lang=language)))


def _note(cell: str) -> list[tuple[str, str]]:
    """A note cell as editorial notes: ``中文 | English`` is one note in each language; a cell without
    `` | `` is Chinese when it holds Chinese characters, else English."""
    parts = [p.strip() for p in cell.split(" | ")]
    if len(parts) == 2 and all(parts):
        return [(parts[0], "zh-Hans"), (parts[1], "en")]
    cell = cell.strip()
    if not cell:
        return []
    return [(cell, "zh-Hans" if re.search(r"[\u4e00-\u9fff]", cell) else "en")]


def _free_name(folder: Path) -> Path:
    """``observations-extracted.ttl`` in the case folder, or the first ``-N`` name not taken."""
    path = folder / f"{OUTPUT_STEM}.ttl"
    number = 2
    while path.exists():
        path = folder / f"{OUTPUT_STEM}-{number}.ttl"
        number += 1
    return path
