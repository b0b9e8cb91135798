"""The Chinese quantity and time reader: each rule against expectations written by hand from the rule
(data/README.md § Quantities), not from the reader's output."""

from __future__ import annotations

from decimal import Decimal

import pytest

from towncase import quantities
from towncase.quantities import TimeReading


@pytest.mark.parametrize("written, expected", [
    # plain numbers and counters
    ("6家", "6"), ("105家", "105"), ("1个", "1"), ("18.7平方公里", "18.7"), ("1,000元", "1000"),
    ("12家", "12"),  # full-width digits
    # 万 / 亿 and their compounds
    ("3.2万人", "32000"), ("10万", "100000"), ("超250亿元", "25000000000"), ("470多万元", "4700000"),
    ("200多亿双", "20000000000"), ("1.2万亿元", "1200000000000"), ("超千万元", "10000000"),
    ("3百万", "3000000"),
    # Chinese numerals
    ("四轮", "4"), ("十六节", "16"), ("三百六十五名", "365"), ("一百零五家", "105"), ("两条", "2"), ("逾百家", "100"),
    ("近一万家", "10000"), ("一万二千人", "12000"), ("三亿五千万元", "350000000"),
    # shares: per cent, per mille, 百分之 / 千分之, 几分之几, 成
    ("超45%", "0.45"), ("19.64%", "0.1964"), ("70%以上", "0.7"), ("超200%", "2"), ("5‰", "0.005"),
    ("千分之五", "0.005"), ("百分之二十", "0.2"), ("万分之三", "0.0003"), ("四分之一", "0.25"),
    ("三分之二", "0.6667"), ("三分之一", "0.3333"), ("约占 全国三分之二", "0.6667"),
    ("三成", "0.3"), ("七成以上", "0.7"),
    # ratios and multiples
    ("1.59∶1", "1.59"), ("2:1", "2"), ("3∶2", "1.5"), ("3倍", "3"),
    # money below a yuan
    ("一毛钱", "0.1"), ("5毛", "0.5"),
])
def test_value(written, expected):
    assert quantities.value(written) == Decimal(expected)


def test_a_non_terminating_fraction_is_rounded_and_a_terminating_one_is_exact():
    assert str(quantities.value("三分之二")) == "0.6667"
    assert str(quantities.value("八分之一")) == "0.125"


def test_no_number_is_an_error():
    with pytest.raises(ValueError, match="no number"):
        quantities.value("若干家")


@pytest.mark.parametrize("written, expected", [
    ("6家", "exact"), ("四轮", "exact"), ("一毛钱", "exact"),
    ("超250亿元", "more-than"), ("超过5家", "more-than"), ("逾百家", "more-than"), ("3500多家", "more-than"),
    ("10余条", "more-than"), ("70%以上", "more-than"), ("突破20亿元", "more-than"),
    ("约18万", "about"), ("近一万家", "about"), ("100家左右", "about"),
    ("至少3个", "at-least"), ("不少于3个", "at-least"), ("不低于5%", "at-least"),
    ("不超过3个", "at-most"), ("5%以内", "at-most"), ("100人以下", "at-most"),
    ("不到10家", "less-than"), ("不足一成", "less-than"), ("低于5%", "less-than"),
])
def test_comparator(written, expected):
    assert quantities.comparator(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("45%", "share"), ("千分之五", "share"), ("三分之二", "share"), ("三成", "share"), ("5‰", "share"),
    ("1.59∶1", "ratio"), ("3倍", "ratio"),
    ("6家", None), ("超250亿元", None), ("一毛钱", None), ("成立5家", None),
])
def test_proportion(written, expected):
    assert quantities.proportion(written) == expected


@pytest.mark.parametrize("numeral, expected", [
    ("四", 4), ("十", 10), ("十六", 16), ("二十", 20), ("三百六十五", 365), ("一百零五", 105),
    ("两千", 2000), ("一万二千", 12000), ("千万", 10_000_000), ("三亿五千万", 350_000_000), ("一万亿", 10 ** 12),
])
def test_chinese_integer(numeral, expected):
    assert quantities.chinese_integer(numeral) == expected


@pytest.mark.parametrize("written, expected", [
    # as precise as the text
    ("2020年", TimeReading("2020")),
    ("2010年12月", TimeReading("2010-12")),
    ("2019年11月18日", TimeReading("2019-11-18")),
    ("2015-10-19", TimeReading("2015-10-19")),
    # relative to the source's year (2022 here): the wording is kept and the reading is an assumption
    ("今年7月", TimeReading("2022-07", as_written="今年7月", relative=True, assumed=True)),
    ("今年", TimeReading("2022", as_written="今年", relative=True, assumed=True)),
    ("去年", TimeReading("2021", as_written="去年", relative=True, assumed=True)),
    # only a bound: no time, an inclusive upper bound, the wording kept
    ("2011年前", TimeReading(None, as_written="2011年前", not_after="2011")),
    ("2011年以前", TimeReading(None, as_written="2011年以前", not_after="2011")),
    ("2011年之前", TimeReading(None, as_written="2011年之前", not_after="2011")),
    ("2011年7月前", TimeReading(None, as_written="2011年7月前", not_after="2011-07")),
    ("2011年以后", TimeReading(None, as_written="2011年以后", not_before="2011")),
    ("2011年后", TimeReading(None, as_written="2011年后", not_before="2011")),
    ("2023年一季度之后", TimeReading(None, as_written="2023年一季度之后", not_before="2023-01")),
    # a time that is a point: as of 2020, the end of 2020
    ("截至2020年", TimeReading("2020", as_written="截至2020年")),
    ("2020年底", TimeReading("2020", as_written="2020年底")),
    # periods: the end is the time, the start kept
    ("2015年1月至8月", TimeReading("2015-08", start="2015-01", as_written="2015年1月至8月")),
    ("2023年1-4月", TimeReading("2023-04", start="2023-01", as_written="2023年1-4月")),
    ("2015年11月至2016年2月", TimeReading("2016-02", start="2015-11", as_written="2015年11月至2016年2月")),
    ("2023年一季度", TimeReading("2023-03", start="2023-01", as_written="2023年一季度")),
    ("2023年第四季度", TimeReading("2023-12", start="2023-10", as_written="2023年第四季度")),
    ("今年上半年", TimeReading("2022-06", start="2022-01", as_written="今年上半年", relative=True, assumed=True)),
    # no time of its own (as of writing): the source's time, assumed, the wording kept
    ("截至目前", TimeReading("2022", assumed=True, as_written="截至目前")),
    ("如今", TimeReading("2022", assumed=True, as_written="如今")),
    ("2011年以来", TimeReading("2022", assumed=True, as_written="2011年以来")),
    ("2012年起", TimeReading("2022", assumed=True, as_written="2012年起")),
])
def test_reference_time(written, expected):
    assert quantities.reference_time(written, "2022") == expected


def test_a_relative_time_without_the_source_year_is_an_error():
    with pytest.raises(ValueError, match="source's year"):
        quantities.reference_time("今年7月", None)


def test_what_is_not_a_time_expression_is_an_error():
    with pytest.raises(ValueError, match="not a time expression"):
        quantities.reference_time("10多年", "2022")


@pytest.mark.parametrize("text, found", [
    ("今年7月,基金联盟成立", "今年7月"),
    ("2011年前的侠父村破败", "2011年前"),
    ("2015年1月至8月: 生产各类袜子", "2015年1月至8月"),
    ("截至目前,全镇公立学校", "截至目前"),
])
def test_time_expressions_are_found_in_text(text, found):
    assert quantities.TIME.search(text).group(0) == found
