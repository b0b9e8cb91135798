"""Reading Chinese quantity expressions: the value in base units and the comparator a qualifier implies.

It reads what a text prints (``超250亿元``, ``3.2万人``, ``千分之五``, ``一毛钱``) and returns the value in the
project's base units and the comparator slug the qualifier implies, so that validation can compare
them with an observation's ``tc:value`` and ``tc:comparator`` without trusting the data author, and
extraction can propose observations from a source text.
"""

from __future__ import annotations

import re
from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
MULTIPLIERS = [("千万", Decimal(10) ** 7), ("百万", Decimal(10) ** 6), ("亿", Decimal(10) ** 8),
               ("万", Decimal(10) ** 4)]
MORE_THAN = ("超", "逾", "多", "余", "以上")
ABOUT = ("约", "近", "左右")
AT_LEAST = ("至少", "不少于", "不低于")
LESS_THAN = ("不到", "不足")


def chinese_integer(text: str) -> int:
    """``四`` → 4, ``十六`` → 16, ``三百六十五`` → 365."""
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = DIGITS[char]
        elif char in SMALL_UNITS:
            total += (current or 1) * SMALL_UNITS[char]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def comparator(written: str) -> str:
    """The comparator slug the qualifiers of ``written`` imply."""
    if any(w in written for w in AT_LEAST):
        return "at-least"
    if any(w in written for w in LESS_THAN):
        return "less-than"
    if any(w in written for w in MORE_THAN):
        return "more-than"
    if any(w in written for w in ABOUT):
        return "about"
    return "exact"


def value(written: str) -> Decimal:
    """The value of ``written`` in base units (yuan, counts, fractions, km², years …)."""
    text = written.replace(",", "").replace(",", "").strip()
    per_mille = re.search(r"千分之([一二两三四五六七八九十\d.]+)", text)
    if per_mille:
        return _number(per_mille.group(1)) / 1000
    per_cent = re.search(r"百分之([一二两三四五六七八九十\d.]+)", text) or re.search(r"([\d.]+)\s*%", text)
    if per_cent:
        return _number(per_cent.group(1)) / 100
    if "毛" in text:  # 一毛钱: one jiao, a tenth of a yuan
        return _number(re.search(r"([一二两三四五六七八九\d.]+)毛", text).group(1)) / 10
    match = re.search(r"([\d.]+|[零〇一二两三四五六七八九十百千]+)(?:多|余)?(千万|百万|亿|万)?", text)
    if not match:
        raise ValueError(f"no number in {written!r}")
    number = _number(match.group(1))
    multiplier = dict(MULTIPLIERS).get(match.group(2) or "", Decimal(1))
    return number * multiplier


def _number(text: str) -> Decimal:
    if re.fullmatch(r"[\d.]+", text):
        return Decimal(text)
    return Decimal(chinese_integer(text))
