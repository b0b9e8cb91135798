"""Comparing towns: indicators side by side, as a table and as a chart (matplotlib).

:func:`compare` asks the stored query ``indicators-of-town`` (parameters bound) for the latest value of
each indicator in each town, once per town (read from the town, so the other towns of the graph cost
nothing); a town without the indicator is *missing*, never zero. :func:`chart`
draws one panel of bars per indicator (a bar per town), labelled with the value as the text prints it
(超…, 约…), its comparator (a hatched bar is not an exact value) and its year; a missing town gets a
labelled gap. Chinese labels need a CJK font: :func:`cjk_font` finds one installed on the machine
(Noto Sans CJK, Source Han Sans, WenQuanYi …) through matplotlib's font manager. The SVG is the same
bytes for the same input (fixed hash salt, no date); glyphs are drawn as paths, so a viewer needs no font.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from . import query, store
from .errors import InputError, OutputError, UnknownNameError
from .labels import label
from .namespaces import TC

#: Families of CJK fonts, best first (matched as a prefix of the family name).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Source Han Sans", "Noto Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing", "Droid Sans Fallback")
CHART_FORMATS = ("svg", "png")
MISSING = {"zh": "缺失", "en": "missing"}
QUERY = "indicators-of-town"


@dataclass(frozen=True)
class Value:
    """The latest value of one indicator in one town, as the data holds it."""

    value: Literal
    unit: str
    comparator: URIRef | None
    comparator_label: str
    time: str
    start: str
    as_written: str
    assumed: bool

    @property
    def exact(self) -> bool:
        return self.comparator is None or str(self.comparator).endswith("/exact")


@dataclass(frozen=True)
class Comparison:
    """Indicators × towns; ``values[(indicator, town)]`` holds the latest values (several when two
    sources give the same latest time); a pair without values is missing."""

    towns: tuple[URIRef, ...]
    indicators: tuple[URIRef, ...]
    town_labels: dict[URIRef, str]
    indicator_labels: dict[URIRef, str]
    values: dict[tuple[URIRef, URIRef], tuple[Value, ...]]
    lang: str


def compare(source, towns: list[URIRef], indicators: list[URIRef] | None = None, lang: str = "zh") -> Comparison:
    """The latest value of each indicator in each town.

    Args:
        source: a store (:func:`towncase.store.open_store`) or an rdflib dataset.
        towns: the towns, in the order to show them.
        indicators: the indicators; by default those that at least two of the towns have.
        lang: ``zh`` or ``en`` for the labels.

    Raises:
        UnknownNameError: a town is not a town of the data, or an indicator not in the indicators scheme.
    """
    if not towns:
        raise InputError("name at least one town", hint="e.g. towncase compare place:shaoxing-zhuji-diankou place:shaoxing-zhuji-datang")
    source = store.of(source)
    view = source.view
    known = set(view.objects(None, TC.caseOf))
    for town in towns:
        if town not in known:
            raise UnknownNameError("town", _curie(town), sorted(_curie(URIRef(str(t))) for t in known))
    for indicator in indicators or ():  # checked as indicator-by-town checks its parameter
        query.bind(view, query.stored("indicator-by-town"), {"indicator": str(indicator)}, lang)
    rows = {town: _rows(source, town, lang) for town in dict.fromkeys(towns)}
    if indicators is None:
        having = [{URIRef(str(row.indicator)) for row in found} for found in rows.values()]
        indicators = sorted(i for i in set().union(*having) if sum(i in h for h in having) >= 2)
    wanted = set(indicators)
    values: dict[tuple[URIRef, URIRef], list[Value]] = {}
    for town, found in rows.items():
        for row in found:
            indicator = URIRef(str(row.indicator))
            if indicator in wanted:
                values.setdefault((indicator, town), []).append(Value(
                    row.value, str(row.unitLabel or ""), row.comparator, str(row.comparatorLabel or ""),
                    str(row.referenceTime), str(row.startDate or ""), str(row.asWritten or ""),
                    bool(row.timeAssumed and row.timeAssumed.toPython() is True)))
    return Comparison(tuple(towns), tuple(indicators), {t: label(view, t, lang) for t in towns},
                      {i: label(view, i, lang) for i in indicators}, {k: tuple(v) for k, v in values.items()}, lang)


def _rows(source, town: URIRef, lang: str) -> list[Any]:
    """The rows of :data:`QUERY` for the town, read by column name."""
    return list(query.answer(source, query.stored(QUERY), {"town": str(town)}, lang))


def _curie(iri: URIRef) -> str:
    from .labels import curie
    return curie(iri)


def when(v: Value) -> str:
    """The time of a value as shown: ``2015-01–2015-08`` for a period, else the reference time."""
    return f"{v.start}–{v.time}" if v.start else v.time


def number(value: Literal, grouped: bool = False) -> str:
    """A value in base units as a reader writes it: ``1680000000`` (or ``1,680,000,000`` grouped), not
    the ``1680000000.0`` of the decimal's lexical form; never in exponent notation."""
    amount = Decimal(str(value))
    amount = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    return format(amount, ",f" if grouped else "f")


def rows(c: Comparison, grouped: bool = False) -> list[list[str]]:
    """The comparison as table rows: indicator, town, value as written, value in base units (digits
    ``grouped`` by thousands for a reader, plain for a CSV) with its unit, comparator, time; a missing
    town is a row that says so."""
    out = []
    for indicator in c.indicators:
        for town in c.towns:
            found = c.values.get((indicator, town))
            if not found:
                out.append([c.indicator_labels[indicator], c.town_labels[town], MISSING[c.lang], "", "", "", ""])
                continue
            for v in found:
                out.append([c.indicator_labels[indicator], c.town_labels[town], v.as_written, number(v.value, grouped), v.unit,
                            v.comparator_label, when(v) + ("*" if v.assumed else "")])
    return out


HEADERS = {"zh": ["指标", "城镇", "原文", "数值", "单位", "比较", "时间"],
           "en": ["indicator", "town", "as written", "value", "unit", "comparator", "time"]}


def cjk_font() -> Path | None:
    """The file of an installed CJK font (see :data:`CJK_FAMILIES`), or ``None``.

    Matplotlib keeps the list of fonts it found on its first run (in its cache folder): a font installed
    since, as the error of :func:`chart` asks, is not in it. When the list has no CJK font, the system's
    font files it does not know are added to it, and looked at again.
    """
    from matplotlib import font_manager

    found = _cjk_font_of(font_manager.fontManager.ttflist)
    if found is None:
        known = {font.fname for font in font_manager.fontManager.ttflist}
        for path in sorted(set(font_manager.findSystemFonts()) - known):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file matplotlib cannot read: not a font for us
                continue
        found = _cjk_font_of(font_manager.fontManager.ttflist)
    return found


def _cjk_font_of(fonts: list) -> Path | None:
    fonts = sorted(fonts, key=lambda f: (f.name, f.fname))
    for family in CJK_FAMILIES:
        for font in fonts:
            if font.name.startswith(family):
                return Path(font.fname)
    return None


def chart(c: Comparison, fmt: str = "svg") -> bytes:
    """The comparison as a chart: a panel per indicator, a bar per town.

    Raises:
        UnknownNameError: ``fmt`` is not svg or png.
        OutputError: Chinese labels are asked for and no CJK font is installed.
    """
    if fmt not in CHART_FORMATS:
        raise UnknownNameError("chart format", fmt, list(CHART_FORMATS))
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = cjk_font()
    if font is None and c.lang == "zh":
        raise OutputError("no CJK font is installed, so Chinese labels would be drawn as empty boxes",
                          hint="install one (Debian: apt-get install fonts-noto-cjk), or use --lang en")
    style: dict = {"svg.hashsalt": "towncase", "svg.fonttype": "path", "font.size": 9}
    if font is not None:
        properties = font_manager.FontProperties(fname=str(font))
        font_manager.fontManager.addfont(str(font))
        style["font.family"] = [properties.get_name(), "DejaVu Sans"]
        style["font.weight"] = properties.get_weight()
    with matplotlib.rc_context(style):
        count = max(len(c.indicators), 1)
        fig, axes = plt.subplots(1, count, figsize=(3.2 * count + 0.8, 3.6), squeeze=False)
        for ax, indicator in zip(axes[0], c.indicators, strict=False):
            _panel(ax, c, indicator)
        if not c.indicators:
            axes[0][0].text(0.5, 0.5, MISSING[c.lang], ha="center", va="center")
            axes[0][0].set_axis_off()
        note = ("斜线:非确数(超过、约等);* 时间为推定" if c.lang == "zh"
                else "hatched: not an exact value (more than, about …); * time assumed")
        fig.text(0.01, 0.01, note, fontsize=7)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        out = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(out, format=fmt, metadata=metadata, dpi=120)
        plt.close(fig)
    return out.getvalue()


def _panel(ax, c: Comparison, indicator: URIRef) -> None:
    positions = range(len(c.towns))
    top = max((float(v.value) for (i, _), vs in c.values.items() if i == indicator for v in vs), default=1.0) or 1.0
    unit = ""
    for x, town in zip(positions, c.towns, strict=True):
        found = c.values.get((indicator, town))
        if not found:
            ax.bar(x, top, width=0.6, fill=False, edgecolor="0.6", linestyle="--", linewidth=0.8)
            ax.text(x, top * 0.5, MISSING[c.lang], ha="center", va="center", color="0.4")
            continue
        v = found[-1]
        unit = v.unit
        ax.bar(x, float(v.value), width=0.6, color=f"C{x % 10}", hatch=None if v.exact else "//",
               edgecolor="black", linewidth=0.5)
        ax.text(x, float(v.value), f"{v.as_written}\n({when(v)}{'*' if v.assumed else ''})",
                ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(positions), [c.town_labels[t] for t in c.towns])
    ax.set_title(c.indicator_labels[indicator])
    ax.set_ylabel(unit)
    ax.set_ylim(0, top * 1.3)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
