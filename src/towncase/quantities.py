"""Reading Chinese quantity and time expressions: the value in base units, the comparator a qualifier
implies, and the reference time a date expression gives.

It reads what a text prints (``超250亿元``, ``3.2万人``, ``千分之五``, ``三分之二``, ``1.59∶1``, ``一毛钱``) and
returns the value in the project's base units and the comparator slug the qualifier implies, so that
validation can compare them with an observation's ``tc:value`` and ``tc:comparator`` without trusting
the data author, and extraction can propose observations from a source text. It reads time
expressions (``今年7月``, ``2011年前``, ``2015年1月至8月``, ``截至目前``) into a reference time.

The grammar lives here; which words are units (家, 个, 平方公里 …) is knowledge of the units scheme
(``ontology/schemes/units.ttl``), read by :mod:`towncase.extract`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10 ** 4, "亿": 10 ** 8}
MULTIPLIERS = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
               "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}

#: Qualifiers by the comparator they imply, checked in this order (不低于 before 低于, 不超过 before 超 …).
COMPARATORS = (
    ("at-least", ("至少", "不少于", "不低于")),
    ("at-most", ("不超过", "不高于", "以内", "以下")),
    ("less-than", ("不到", "不足", "低于")),
    ("more-than", ("超", "逾", "突破", "高于", "多", "余", "以上")),
    ("about", ("约", "近", "左右", "接近")),
)
#: Qualifiers printed before the number (超250亿元), and after it (70%以上; 多/余 also stand inside: 3500多家).
PREFIXES = ("不少于", "不低于", "不超过", "不高于", "至少", "不到", "不足", "低于", "高于", "超过", "突破", "接近",
            "将近", "大约", "超", "逾", "约", "近")
SUFFIXES = ("以上", "以下", "以内", "左右", "多", "余")

#: Number patterns, shared with extraction: Arabic (1,000 / 3.2), Chinese numerals (三百六十五, 一万二千).
ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
CHINESE = r"[一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*"
#: 几分之几 (三分之二), 百分之 / 千分之 / 万分之 (百分之二十, 千分之五): the whole in group 1, the part in group 2.
_WHOLE = rf"({ARABIC}|[一二两三四五六七八九十百千万]+)"
_PART = rf"({ARABIC}|[零〇一二两三四五六七八九十百]+)"
PARTS = rf"{_WHOLE}分之{_PART}"
#: Non-terminating fractions (三分之二) are rounded to this many decimal places: 0.6667.
FRACTION_PLACES = 4
#: Areas are normalised to km² (unit:KiloM2): 平方米 (m²) is divided by this; 平方公里 and 平方千米 stay.
SQUARE_METRES_PER_KM2 = Decimal(10) ** 6

_FULL_WIDTH = str.maketrans("0123456789.%,:", "0123456789.%,:")


def normalise(written: str) -> str:
    """Full-width digits and signs as ASCII, thousands separators and surrounding space removed."""
    text = written.translate(_FULL_WIDTH).strip()
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def chinese_integer(text: str) -> int:
    """``四`` → 4, ``十六`` → 16, ``三百六十五`` → 365, ``一万二千`` → 12000, ``千万`` → 10000000."""
    total, section, number = 0, 0, 0
    for char in text:
        if char in DIGITS:
            number = DIGITS[char]
        elif char in SMALL_UNITS:
            section += (number or 1) * SMALL_UNITS[char]
            number = 0
        elif char == "万":
            total += (section + number or 1) * LARGE_UNITS[char]
            section, number = 0, 0
        elif char == "亿":
            total = (total + section + number or 1) * LARGE_UNITS[char]
            section, number = 0, 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + number


def comparator(written: str) -> str:
    """The comparator slug the qualifiers of ``written`` imply (``exact`` when there is none)."""
    for slug, words in COMPARATORS:
        if any(w in written for w in words):
            return slug
    return "exact"


def proportion(written: str) -> str | None:
    """What kind of dimensionless number ``written`` is: ``"share"`` (45%, 千分之五, 三分之二, 三成), ``"ratio"``
    (1.59∶1, 3倍), or ``None`` for an amount or a count."""
    text = normalise(written)
    if re.search(r"分之|%|‰", text) or re.search(rf"(?:{ARABIC}|[一二两三四五六七八九十])成", text):
        return "share"
    if re.search(rf"{ARABIC}\s*[∶:]\s*{ARABIC}", text) or "倍" in text:
        return "ratio"
    return None


def value(written: str) -> Decimal:
    """The value of ``written`` in base units (yuan, counts, fractions, ratios, km², years …).

    Shares are fractions (``45%`` → 0.45, ``千分之五`` → 0.005, ``三成`` → 0.3, ``三分之二`` → 0.6667, rounded to
    :data:`FRACTION_PLACES` places when it does not terminate); ``1.59∶1`` → 1.59; ``3倍`` → 3; ``万``/``亿``
    multiply (``3.2万`` → 32000, ``超千万元`` → 10000000); ``一毛钱`` → 0.1 (yuan); areas in km², so
    ``2.5万平方米`` → 0.025.

    Raises:
        ValueError: no number in ``written``.
    """
    text = normalise(written)
    parts = re.search(PARTS, text)
    if parts:
        return _fraction(Fraction(_number(parts.group(2))) / Fraction(_number(parts.group(1))))
    per_cent = re.search(rf"({ARABIC})\s*%", text)
    if per_cent:
        return _number(per_cent.group(1)) / 100
    per_mille = re.search(rf"({ARABIC})\s*‰", text)
    if per_mille:
        return _number(per_mille.group(1)) / 1000
    tenths = re.search(rf"({ARABIC}|[一二两三四五六七八九十])成", text)
    if tenths:
        return _number(tenths.group(1)) / 10
    ratio = re.search(rf"({ARABIC})\s*[∶:]\s*({ARABIC})", text)
    if ratio:
        return _fraction(Fraction(_number(ratio.group(1))) / Fraction(_number(ratio.group(2))))
    jiao = re.search(rf"({ARABIC}|[一二两三四五六七八九十]+)毛", text)
    if jiao:  # 一毛钱: one jiao, a tenth of a yuan
        return _number(jiao.group(1)) / 10
    match = re.search(rf"({ARABIC}|{CHINESE})(?:多|余)?(万亿|千万|百万|亿|万)?", text)
    if not match:
        raise ValueError(f"no number in {written!r}")
    amount = _number(match.group(1)) * MULTIPLIERS.get(match.group(2) or "", Decimal(1))
    if "平方米" in text:  # 2.5万平方米 → 0.025 km²
        return amount / SQUARE_METRES_PER_KM2
    return amount


def _number(text: str) -> Decimal:
    if re.fullmatch(ARABIC, text):
        return Decimal(text.replace(",", ""))
    return Decimal(chinese_integer(text))


def _fraction(exact: Fraction) -> Decimal:
    """A fraction as a Decimal: exact when it terminates (1/4 → 0.25), else rounded (2/3 → 0.6667)."""
    denominator = exact.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
    if denominator == 1:
        return quotient.normalize() if quotient == quotient.to_integral() else quotient
    return quotient.quantize(Decimal(1).scaleb(-FRACTION_PLACES), rounding=ROUND_HALF_EVEN)


# ---------------------------------------------------------------------------------------------
# Time expressions
# ---------------------------------------------------------------------------------------------

_MONTH = r"(?:1[0-2]|0?[1-9])"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_QUARTER = "(?:第)?(?P<quarter>[一二三四1-4])季度"
_HALF = "(?P<half>上|下)半年"
_YEAR = r"(?:(?P<year>(?:18|19|20)\d{2})年|(?P<relative>今年|去年|前年|本年))"
_WITHIN = (rf"(?:(?P<from>{_MONTH})月?(?:至|到|-|—|–|~)(?:(?P<to_year>(?:18|19|20)\d{{2}})年)?(?P<to>{_MONTH})月"
           rf"|{_QUARTER}|{_HALF}|(?P<month>{_MONTH})月(?:(?P<day>{_DAY})日)?)")
#: The ends of a time expression that make it an upper bound, not a time (2011年前: before 2011).
BEFORE = ("以前", "之前", "前")
#: The ends that make it a lower bound (2011年以后: after 2011).
AFTER = ("以后", "之后", "后")
#: A time expression: 截至2020年, 2011年前, 今年7月, 2015年1月至8月, 2023年一季度, 2015-10-19, 截至目前 …
TIME = re.compile(
    rf"(?P<asof>截至|截止到?)?(?:{_YEAR}{_WITHIN}?(?P<bound>{'|'.join(BEFORE + AFTER)}|以来|起|底|末|初)?"
    rf"|(?P<iso>(?:18|19|20)\d{{2}}-(?:1[0-2]|0[1-9])(?:-(?:3[01]|[12]\d|0[1-9]))?)"
    rf"|(?P<now>目前为止|目前|如今|现有|当前|现在|迄今))"
)


@dataclass(frozen=True)
class TimeReading:
    """The time a time expression gives: a reference time, or only bounds (data/README.md § Quantities).

    Attributes:
        value: the reference time's lexical form, as precise as the text: ``2022`` (xsd:gYear), ``2022-07``
            (xsd:gYearMonth) or ``2022-07-01`` (xsd:date); for a period, its end. ``None`` for a bound.
        start: the start of a period (``2015年1月至8月`` → ``2015-01``), else ``None``.
        assumed: true where the time is not read from the text but supplied: the source's own time for
            a figure the text gives no time (截至目前), or the source's year for 今年 and 去年.
        as_written: the wording, kept where the value alone does not say it (a bound, a period, a
            relative year, the source's own time); ``None`` otherwise.
        relative: the year was read from the source's year (今年, 去年, a bare month).
        not_before, not_after: the inclusive bounds where the text gives only a bound (``2011年前`` → not
            after ``2011``: the text does not say whether 2011 is excluded, the inclusive bound is certainly
            true), in the lexical forms of ``value``; then ``value`` is ``None``.
    """

    value: str | None
    start: str | None = None
    assumed: bool = False
    as_written: str | None = None
    relative: bool = False
    not_before: str | None = None
    not_after: str | None = None


def source_time(year: str) -> TimeReading:
    """The reading of a figure the text gives no time for: the source's year, assumed."""
    return TimeReading(value=year, assumed=True)


def reference_time(written: str, year: str | None) -> TimeReading:
    """Read one time expression (a whole match of :data:`TIME`), with ``year`` the source's year for
    relative expressions (今年7月 → ``{year}-07``) and for those that give no time (截至目前).

    Raises:
        ValueError: ``written`` is not a time expression, or it needs the source's year and ``year`` is None.
    """
    match = TIME.fullmatch(written.translate(_FULL_WIDTH).strip())
    if not match:
        raise ValueError(f"not a time expression: {written!r}")
    parts = match.groupdict()
    if parts["now"]:  # 截至目前, 如今: as of writing, the source's own time
        if year is None:
            raise ValueError(f"{written!r} is the source's own time, and the source's year is not known")
        return TimeReading(value=year, assumed=True, as_written=written)
    if parts["iso"]:
        return TimeReading(value=parts["iso"])
    relative = parts["relative"] is not None
    if relative:
        if year is None:
            raise ValueError(f"{written!r} is relative to the source's year, which is not known")
        shift = {"今年": 0, "本年": 0, "去年": 1, "前年": 2}[parts["relative"]]
        base = str(int(year) - shift)
    else:
        base = parts["year"]
    if parts["bound"] in ("以来", "起"):  # a total since then (2011年以来, 自2012年起): the source's own time
        if year is None:
            raise ValueError(f"{written!r} runs up to the source's time, and the source's year is not known")
        return TimeReading(value=year, assumed=True, as_written=written)
    start, end = _within(base, parts)
    if parts["bound"] in BEFORE:  # 2011年前: no time, only a bound; the end of what it names is the bound
        return TimeReading(value=None, as_written=written, relative=relative, assumed=relative, not_after=end)
    if parts["bound"] in AFTER:  # 2011年以后: the start of what it names
        return TimeReading(value=None, as_written=written, relative=relative, assumed=relative,
                           not_before=start or end)
    keep = written if (relative or start or parts["bound"] or parts["asof"]) else None
    return TimeReading(value=end, start=start, as_written=keep, relative=relative, assumed=relative)


def _within(base: str, parts: dict) -> tuple[str | None, str]:
    """(start, end) of the part of year ``base`` an expression names."""
    if parts["from"]:
        end_year = parts["to_year"] or base
        return f"{base}-{int(parts['from']):02d}", f"{end_year}-{int(parts['to']):02d}"
    if parts["quarter"]:
        quarter = "一二三四".find(parts["quarter"]) + 1 or int(parts["quarter"])
        return f"{base}-{3 * quarter - 2:02d}", f"{base}-{3 * quarter:02d}"
    if parts["half"]:
        return (f"{base}-01", f"{base}-06") if parts["half"] == "上" else (f"{base}-07", f"{base}-12")
    if parts["month"]:
        month = f"{base}-{int(parts['month']):02d}"
        return None, f"{month}-{int(parts['day']):02d}" if parts["day"] else month
    return None, base
