"""Comparing towns: the cross-case queries on Diankou × Datang (goldens in tests/golden/cross-case/,
each row checked against the source texts), `towncase compare`'s table, and its chart: Chinese glyphs
really in the font used, an image that is not blank, the same SVG bytes every time, missing towns as
missing. Without a CJK font the chart tests skip, except in CI (``TOWNCASE_REQUIRE_FONTS``, set by
``.ci/run``), where they fail."""

from __future__ import annotations

import io
import os
import re
from decimal import Decimal

import pytest
from artefacts import ROOT
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from towncase import compare, export, query, render
from towncase.cli import main
from towncase.namespaces import PREFIXES, TC

GOLDEN = ROOT / "tests" / "golden" / "cross-case"
DIANKOU, DATANG = URIRef(PREFIXES["place"] + "shaoxing-zhuji-diankou"), URIRef(PREFIXES["place"] + "shaoxing-zhuji-datang")
INDICATOR = PREFIXES["indicator"]
#: The cross-case goldens over every shipped case: stem → (query, parameters, lang). Checked by hand:
#: fiscal revenue 4.08亿元 (datang.txt S1, 2015年1月至8月) and 16.8亿元 (diankou-other-sources.txt S3,
#: 2013年); industrial output 288.2亿元 (S1, 2015-01..08), 35.4亿元 (S4, 2023年1-4月 累计总产值) and 801.6亿元
#: (S3, 2013); land area 176.43平方公里 (the 2022 article; S1 2021) and 105.7平方公里 (S3, 2013), none for Datang.
CROSS = {
    "shared-indicators": ("shared-indicators", {}, "zh"),
    "shared-indicators.en": ("shared-indicators", {}, "en"),
    "indicator-by-town.fiscal-revenue": ("indicator-by-town", {"indicator": "indicator:fiscal-revenue"}, "zh"),
    "indicator-by-town.industrial-output.all.en": ("indicator-by-town", {"indicator": "indicator:industrial-output",
                                                                         "values": "all"}, "en"),
    "indicator-by-town.industrial-output": ("indicator-by-town", {"indicator": "indicator:industrial-output"}, "zh"),
    "indicator-by-town.land-area.all": ("indicator-by-town", {"indicator": "indicator:land-area", "values": "all"}, "zh"),
    # Derived ratios: only Diankou has both inputs in one year, Datang has neither a resident population nor
    # a land area of its own (its 2.87 km² is the planned area of the sock art town). Checked by hand:
    # 13.6万 / 105.7平方公里 (S3, 2013) = 1286.66; 约18万 / 176.43平方公里 (S1, 2021, "about") = 1020.23;
    # 16.8亿元 / 13.6万 (S3, 2013) = 12352.94 yuan per resident.
    "derived-ratios": ("derived-ratios", {}, "zh"),
    "derived-ratios.en": ("derived-ratios", {}, "en"),
    "derived-ratios.fiscal-revenue-per-resident": ("derived-ratios", {"indicator": "indicator:fiscal-revenue",
                                                                      "per": "indicator:resident-population"}, "en"),
    # Shared concepts: textiles (Diankou: the company 建培纺织 and a reified claim in claims.ttl; Datang:
    # 中国纺织工业联合会), and the programme types campaign (Datang: 六大专项整治), plan (重构袜业 重塑大唐), project (袜艺小镇, 袜业智库) and scheme
    # (诸暨-阿里巴巴 袜业产业带数字化合作) beside Diankou's; pilot is Datang's (and the reference data's) only,
    # fund, reform and service Diankou's only, socks Datang's only (its own concept, not textiles).
    "shared-programme-types-and-industries": ("shared-programme-types-and-industries", {}, "zh"),
    "shared-programme-types-and-industries.en": ("shared-programme-types-and-industries", {}, "en"),
    # Entities both cases mention: 中国 and 诸暨市 (reference data); 浙江 and 绍兴 only through the
    # reference data's containment, so neither case's graph points at them.
    "entities-in-several-cases": ("entities-in-several-cases", {}, "zh"),
    "entities-in-several-cases.en": ("entities-in-several-cases", {}, "en"),
}


@pytest.mark.parametrize("stem", sorted(CROSS))
def test_cross_case_answer_matches_reviewed_golden(stem, dataset, update_goldens):
    name, params, lang = CROSS[stem]
    result = query.answer(dataset, query.stored(name), params, lang)
    lines = render.sparql_tsv([str(v) for v in result.vars], list(result)).splitlines()
    path = GOLDEN / f"{stem}.tsv"
    if update_goldens:
        export.write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    assert path.is_file(), f"no golden {path.name}: run pytest --update-goldens and review it"
    assert path.read_text(encoding="utf-8").splitlines() == lines  # both queries ORDER BY their rows


def test_every_cross_case_golden_has_a_test():
    assert {p.stem for p in GOLDEN.glob("*.tsv")} == set(CROSS)


@pytest.fixture(scope="module")
def diankou_datang(dataset):
    return compare.compare(dataset, [DIANKOU, DATANG], [URIRef(INDICATOR + "land-area"),
                                                        URIRef(INDICATOR + "fiscal-revenue")], "zh")


@pytest.mark.parametrize("params", [{}, {"values": "all"}, {"certainty": "basis:stated"}], ids=["latest", "all", "stated"])
def test_indicators_of_town_gives_the_rows_of_indicator_by_town_for_the_town(dataset, params):
    """What compare reads per town is what indicator-by-town (its goldens checked by hand above) gives for that
    town, indicator by indicator."""
    columns = ("value", "unit", "unitLabel", "comparator", "comparatorLabel", "startDate", "referenceTime",
               "timeAssumed", "asWritten", "basisLabel", "observation")
    by_town: dict[URIRef, set[tuple]] = {DIANKOU: set(), DATANG: set()}
    for indicator in sorted(set(dataset.objects(None, TC.indicator))):
        for row in query.answer(dataset, query.stored("indicator-by-town"), {"indicator": str(indicator), **params}):
            if row.town in by_town:
                by_town[row.town].add((indicator, *(row[c] for c in columns)))
    for town, expected in by_town.items():
        got = {(row.indicator, *(row[c] for c in columns))
               for row in query.answer(dataset, query.stored("indicators-of-town"), {"town": str(town), **params})}
        assert got == expected and len(expected) > 20


def test_compare_finds_the_shared_indicators_by_default(dataset):
    found = compare.compare(dataset, [DIANKOU, DATANG])
    assert found.indicators == (URIRef(INDICATOR + "fiscal-revenue"), URIRef(INDICATOR + "industrial-output"))


def test_compare_shows_a_missing_town_as_missing_not_zero(diankou_datang):
    rows = compare.rows(diankou_datang)
    assert ["面积", "大唐街道", "缺失", "", "", "", ""] in rows
    assert ["面积", "店口镇", "176.43平方公里", "176.43", "平方公里", "等于", "2022*"] in rows
    assert ["财政收入", "大唐街道", "4.08亿元", "408000000", "元(人民币)", "等于", "2015-08"] in rows


def test_a_reader_sees_values_in_base_units_grouped_and_a_csv_plain(diankou_datang):
    """4.08亿元 is 408,000,000 yuan: no ``.0`` of a decimal's lexical form, no exponent, digits grouped by
    thousands in the table and the Markdown, plain in the CSV that a spreadsheet reads."""
    assert ["财政收入", "大唐街道", "4.08亿元", "408,000,000", "元(人民币)", "等于", "2015-08"] in compare.rows(
        diankou_datang, grouped=True)
    assert [compare.number(Literal(v, datatype=XSD.decimal), grouped=True) for v in ("1.68E9", "176.430", "0.5")] == [
        "1,680,000,000", "176.43", "0.5"]


def test_compare_command_prints_the_table_in_english(tmp_path):
    result = CliRunner().invoke(main, ["compare", "place:shaoxing-zhuji-diankou", "place:shaoxing-zhuji-datang",
                                       "-i", "indicator:land-area", "--lang", "en", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "indicator,town,as written,value,unit,comparator,time",
        "land area,Diankou,176.43平方公里,176.43,square kilometre,exactly,2022*",
        "land area,Datang Subdistrict,missing,,,,",
    ]


def test_compare_refuses_a_place_that_is_no_case_town():
    result = CliRunner().invoke(main, ["compare", "place:zhejiang"])
    assert result.exit_code == 2 and "unknown town" in result.output


# --- the chart -----------------------------------------------------------------------------------

def font_or_skip():
    font = compare.cjk_font()
    if font is None:
        reason = "no CJK font installed (Debian: apt-get install fonts-noto-cjk)"
        if os.environ.get("TOWNCASE_REQUIRE_FONTS"):
            pytest.fail(reason + " (TOWNCASE_REQUIRE_FONTS is set)", pytrace=False)
        pytest.skip(reason)
    return font


def test_a_cjk_font_installed_after_matplotlib_listed_its_fonts_is_found(monkeypatch):
    """Matplotlib keeps its first list of fonts in a cache: a font installed later, as the error asks, is
    still found (here the list is made to lack every CJK font)."""
    from matplotlib import font_manager

    font = font_or_skip()
    fonts = font_manager.fontManager.ttflist
    cjk_files = {f.fname for f in fonts if any(f.name.startswith(family) for family in compare.CJK_FAMILIES)}
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [f for f in fonts if f.fname not in cjk_files])
    assert compare.cjk_font() == font


def test_the_font_used_has_every_chinese_glyph_of_the_chart(diankou_datang):
    from fontTools.ttLib import TTFont

    font = font_or_skip()
    svg = compare.chart(diankou_datang, "svg").decode("utf-8")
    texts = "".join(compare.rows(diankou_datang)[i][j] for i in range(4) for j in range(7)) + "斜线非确数超过约等时间为推定缺失"
    chinese = {c for c in texts if re.match(r"[\u3000-\u9fff\uff00-\uffef]", c)}
    assert len(chinese) > 10
    cmap = TTFont(str(font), fontNumber=0).getBestCmap()
    assert not {c for c in chinese if ord(c) not in cmap}, "glyphs the CJK font lacks (tofu)"
    # the glyphs are drawn as paths named for the font: the CJK font, not a fallback, drew them
    family = TTFont(str(font), fontNumber=0)["name"].getDebugName(1).replace(" ", "")
    assert family.lower() in re.sub(r"[^a-z]", "", svg.lower()) or "glyph" in svg.lower()


def test_the_png_is_not_blank(diankou_datang):
    from PIL import Image

    font_or_skip()
    image = Image.open(io.BytesIO(compare.chart(diankou_datang, "png"))).convert("L")
    low, high = image.getextrema()
    assert high - low > 200
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height


def test_the_svg_is_the_same_bytes_every_time(diankou_datang):
    font_or_skip()
    first = compare.chart(diankou_datang, "svg")
    assert first == compare.chart(diankou_datang, "svg")
    assert b"<dc:date>" not in first


def test_the_missing_town_and_the_years_are_labelled_in_the_chart(dataset):
    """In English the labels are SVG text paths too, so the chart is read through matplotlib's own
    record of what it drew: the texts of the figure."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt

    found = compare.compare(dataset, [DIANKOU, DATANG], [URIRef(INDICATOR + "land-area")], "en")
    drawn = []
    original = plt.Figure.savefig

    def record(fig, *args, **kwargs):
        drawn.extend(t.get_text() for ax in fig.axes for t in ax.texts + ax.get_xticklabels())
        return original(fig, *args, **kwargs)

    plt.Figure.savefig = record
    try:
        compare.chart(found, "svg")
    finally:
        plt.Figure.savefig = original
    assert "missing" in drawn and "Datang Subdistrict" in drawn and "Diankou" in drawn
    assert "176.43平方公里\n(2022*)" in drawn


# --- derived ratios on a synthetic case: the shipped towns have one pair only (Diankou), Datang none --------

SYNTHETIC = """
@prefix tc: <https://w3id.org/towncase/ontology#> .
@prefix place: <https://w3id.org/towncase/id/place/> .
@prefix obs: <https://w3id.org/towncase/id/observation/> .
@prefix indicator: <https://w3id.org/towncase/concept/indicator/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix cmp: <https://w3id.org/towncase/concept/comparator/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

place:a a tc:Town ; rdfs:label "甲镇"@zh-Hans , "Jia"@en .
place:b a tc:Subdistrict ; rdfs:label "乙街道"@zh-Hans , "Yi"@en .
obs:a-people-2020 a tc:Observation ; tc:subject place:a ; tc:indicator indicator:resident-population ;
    tc:value 50000 ; tc:unit unit:NUM ; tc:comparator cmp:about ; tc:referenceTime "2020"^^xsd:gYear .
obs:a-area-2020 a tc:Observation ; tc:subject place:a ; tc:indicator indicator:land-area ;
    tc:value 25.0 ; tc:unit unit:KiloM2 ; tc:comparator cmp:exact ; tc:referenceTime "2020"^^xsd:gYear .
obs:a-area-2019 a tc:Observation ; tc:subject place:a ; tc:indicator indicator:land-area ;
    tc:value 24.0 ; tc:unit unit:KiloM2 ; tc:comparator cmp:exact ; tc:referenceTime "2019"^^xsd:gYear .
obs:a-revenue-2020 a tc:Observation ; tc:subject place:a ; tc:indicator indicator:fiscal-revenue ;
    tc:value 30000000.0 ; tc:unit unit:CCY_CNY ; tc:comparator cmp:exact ; tc:referenceTime "2020-06"^^xsd:gYearMonth .
obs:b-people-2020 a tc:Observation ; tc:subject place:b ; tc:indicator indicator:resident-population ;
    tc:value 7 ; tc:unit unit:NUM ; tc:comparator cmp:exact ; tc:referenceTime "2020"^^xsd:gYear .
obs:b-area-2020 a tc:Observation ; tc:subject place:b ; tc:indicator indicator:land-area ;
    tc:value 0 ; tc:unit unit:KiloM2 ; tc:comparator cmp:exact ; tc:referenceTime "2020"^^xsd:gYear .
"""


@pytest.fixture(scope="module")
def synthetic():
    """The ontology and concept schemes, and one synthetic case graph (in the test, not in data/)."""
    from rdflib import Dataset

    from towncase import load
    from towncase.namespaces import CONCEPTS_GRAPH, GRAPH, ONTOLOGY_GRAPH

    ds = Dataset(default_union=True)
    ds.graph(ONTOLOGY_GRAPH).__iadd__(load.ontology())
    ds.graph(CONCEPTS_GRAPH).__iadd__(load.concepts())
    ds.graph(GRAPH["case/synthetic"]).parse(data=SYNTHETIC, format="turtle")
    return ds


def derived(ds, indicator: str, per: str, lang: str = "en") -> list[tuple]:
    result = query.answer(ds, query.stored("derived-ratios"), {"indicator": indicator, "per": per}, lang)
    return [(str(r.town).rsplit("/", 1)[1], Decimal(str(r.ratio)), str(r.year), str(r.referenceTime), str(r.perReferenceTime),
             str(r.comparator).rsplit("/", 1)[1], str(r.derived)) for r in result]


def test_density_pairs_only_the_same_year_and_skips_a_zero_area(synthetic):
    # 50000 / 25.0 = 2000 (2020); the 2019 area has no population of 2019; Yi's area is 0: no ratio
    assert derived(synthetic, "indicator:resident-population", "indicator:land-area") == [
        ("a", Decimal(2000), "2020", "2020", "2020", "about", "derived: computed here, stated by no source")]


def test_per_resident_combines_a_period_with_its_year_and_says_so(synthetic):
    # 30000000.0 / 50000 = 600 yuan per resident; the revenue's 2020-06 (a period) and the population's 2020 shown
    rows = derived(synthetic, "indicator:fiscal-revenue", "indicator:resident-population", "zh")
    assert rows == [("a", Decimal(600), "2020", "2020-06", "2020", "exact", "派生:由本查询算出,非来源所述")]


def test_a_denominator_other_than_residents_or_area_gives_no_ratio(synthetic):
    assert derived(synthetic, "indicator:fiscal-revenue", "indicator:industrial-output") == []
