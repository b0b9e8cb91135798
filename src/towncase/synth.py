"""Synthetic towns: N case folders shaped like a real case, for measuring towncase at scale.

Each synthetic case is the shipped template case (``diankou-2022``) with its town replaced by a made-up
town under a real county of the shared reference data, every entity the template mints given an IRI of
its own under ``…/synthetic-<n>-…``, the names of the town replaced in every label, quote and source
text alike (so every quote stays verbatim in its source), and the same statements as the template: the
same distribution of observations, programmes, outcomes and quotes. The town's and the case's labels
say ``合成`` / ``synthetic`` and every IRI says ``synthetic``, so a synthetic case never passes for
real data; the shipped reference data gains nothing (a synthetic case mints its own town).

The same ``seed`` gives the same bytes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from . import export, load
from .errors import InputError
from .namespaces import TC, bind_prefixes, case_graph

#: The shipped case every synthetic case is made from.
TEMPLATE = "diankou-2022"
#: The template's town, and the names of it that its texts use (longest first).
TEMPLATE_TOWN = URIRef(load.ENTITY_BASE + "place/shaoxing-zhuji-diankou")
TEMPLATE_NAMES = {"zh": ("店口镇", "店口"), "en": ("Diankou", "diankou")}
#: The classes of the reference data a synthetic town may be placed under.
COUNTY_CLASSES = (TC.CountyLevelCity, TC.District, TC.CountyLevelDivision)
#: Syllables of made-up town names: (Chinese character, pinyin).
SYLLABLES = (("青", "qing"), ("石", "shi"), ("桥", "qiao"), ("溪", "xi"), ("山", "shan"), ("湖", "hu"),
             ("江", "jiang"), ("塘", "tang"), ("岭", "ling"), ("源", "yuan"), ("安", "an"), ("丰", "feng"),
             ("平", "ping"), ("新", "xin"), ("和", "he"), ("兴", "xing"), ("宁", "ning"), ("福", "fu"),
             ("云", "yun"), ("梅", "mei"), ("竹", "zhu"), ("松", "song"), ("柳", "liu"), ("枫", "feng"),
             ("泉", "quan"), ("坪", "ping"), ("埠", "bu"), ("港", "gang"), ("浦", "pu"), ("田", "tian"))
SYNTHETIC_ZH, SYNTHETIC_EN = "(合成)", " (synthetic)"


@dataclass(frozen=True)
class Town:
    """One synthetic town: its case folder name, names, IRI and the county it lies in."""

    slug: str
    zh: str
    en: str
    iri: URIRef
    county: URIRef


def synthesise(towns: int, out: Path, seed: int = 0, data: load.Corpus | None = None,
               progress: Callable[[str], None] = lambda message: None) -> list[Town]:
    """Write ``towns`` synthetic case folders into ``out`` (a folder of case folders).

    Raises:
        InputError: ``towns`` is not positive, or the template case or the reference counties are missing.
        OutputError: ``out`` is inside towncase's own folders or a shipped data folder.
    """
    if towns < 1:
        raise InputError(f"--towns {towns}: give at least one town", hint="e.g. --towns 100")
    data = data or load.corpus(env=False)
    export.check_output(out, data.roots)
    template = data.case(TEMPLATE)
    reference = load.reference(data)
    counties = sorted({c for cls in COUNTY_CLASSES for c in reference.subjects(RDF.type, cls) if isinstance(c, URIRef)},
                      key=str)
    if not counties:
        raise InputError("the reference data holds no county-level place to put synthetic towns under",
                         hint="restore data/reference/places.ttl")
    files = {path.name: load.parsed(path) for path in template.files}
    minted = set().union(*(load.minted(graph) for graph in files.values())) | {TEMPLATE_TOWN}
    sources = sorted((template.path / "sources").glob("*.txt"))
    # Every file but case.ttl is the same for every town up to its names: renamed and written once for
    # a placeholder town, then only its names are replaced in the text (the Turtle writer is the cost).
    marked = _Renamer(PLACEHOLDER, minted)
    texts = {marked.text(name): export.serialize(marked.graph(graph), "ttl").decode("utf-8")
             for name, graph in files.items() if name != "case.ttl"}
    texts.update({f"sources/{marked.text(s.name)}": marked.text(s.read_text(encoding="utf-8")) for s in sources})
    rng = random.Random(seed)
    made = []
    for number in range(1, towns + 1):
        town = _town(number, rng, counties)
        progress(f"synthetic town {number:,} of {towns:,}: {town.zh} ({town.en}) …")
        folder = Path(out) / town.slug
        rename, named = _Renamer(town, minted), _Renamer(town, minted, names=PLACEHOLDER)
        case = rename.graph(files["case.ttl"]) + _town_triples(town, rename)  # the town is minted with its case
        export.write_atomic(folder / "case.ttl", export.serialize(case, "ttl"))
        for name, text in sorted(texts.items()):
            export.write_atomic(folder / named.text(name), named.text(text).encode("utf-8"))
        made.append(town)
    return made


def _town(number: int, rng: random.Random, counties: list[URIRef]) -> Town:
    first, second = rng.sample(SYLLABLES, 2)
    slug = f"synthetic-{number:04d}"
    en = (first[1] + second[1]).capitalize()
    return Town(slug=slug, zh=first[0] + second[0] + "镇", en=en,
                iri=URIRef(f"{load.ENTITY_BASE}place/{slug}-{en.lower()}"), county=rng.choice(counties))


#: A town whose names are nowhere in the template (Unicode private-use characters, made-up words): the
#: files written for it become any town's by replacing these names.
PLACEHOLDER = Town(slug="synthslugmark", zh="\ue000\ue001镇", en="Synthenmark",
                   iri=URIRef(f"{load.ENTITY_BASE}place/synthslugmark-synthenmark"), county=TEMPLATE_TOWN)


class _Renamer:
    """The names and IRIs of the template (or of ``names``, a town standing in for it) → a synthetic town's."""

    def __init__(self, town: Town, minted: set[URIRef], names: Town | None = None) -> None:
        self.town, self.minted = town, minted
        if names is None:
            zh_full, zh_short = TEMPLATE_NAMES["zh"]
            en_name, en_slug = TEMPLATE_NAMES["en"]
            old_slug = TEMPLATE
        else:
            zh_full, zh_short, en_name, en_slug = names.zh, names.zh.removesuffix("镇"), names.en, names.en.lower()
            old_slug = names.slug
        short = town.zh.removesuffix("镇")
        self.pairs = [(old_slug, town.slug), (zh_full, town.zh), (zh_short, short), (en_name, town.en),
                      (en_slug, town.en.lower())]
        self.pattern = re.compile("|".join(re.escape(old) for old, _ in self.pairs))
        self.lookup = dict(self.pairs)

    def text(self, value: str) -> str:
        return self.pattern.sub(lambda m: self.lookup[m.group()], value)

    def term(self, node):
        if node == TEMPLATE_TOWN:
            return self.town.iri
        if node == case_graph(TEMPLATE):
            return case_graph(self.town.slug)
        if isinstance(node, URIRef) and node in self.minted:
            namespace, _, local = str(node).rpartition("/")
            local = self.text(local)
            return URIRef(f"{namespace}/{local if local.startswith(self.town.slug) else self.town.slug + '-' + local}")
        if isinstance(node, Literal) and node.datatype in (None, XSD.string):
            return Literal(self.text(str(node)), lang=node.language, datatype=node.datatype)
        return node

    def graph(self, graph: Graph) -> Graph:
        renamed = bind_prefixes(Graph())
        for s, p, o in graph:
            renamed.add((self.term(s), p, self.term(o)))
        for case in renamed.subjects(RDF.type, TC.Case):
            for label in [x for x in renamed.objects(case, RDFS.label) if isinstance(x, Literal)]:
                renamed.remove((case, RDFS.label, label))
                marker = SYNTHETIC_ZH if (label.language or "").startswith("zh") else SYNTHETIC_EN
                renamed.add((case, RDFS.label, Literal(str(label) + marker, lang=label.language)))
        return renamed


def _town_triples(town: Town, rename: _Renamer) -> Graph:
    """The synthetic town itself (the template's town lives in the reference data, not in its case)."""
    graph = bind_prefixes(Graph())
    graph.add((town.iri, RDF.type, TC.Town))
    graph.add((town.iri, RDFS.label, Literal(town.zh + SYNTHETIC_ZH, lang="zh-Hans")))
    graph.add((town.iri, RDFS.label, Literal(town.en + SYNTHETIC_EN, lang="en")))
    graph.add((town.iri, TC.administrativeParent, town.county))
    graph.add((town.iri, TC.evidence, rename.term(URIRef(load.ENTITY_BASE + f"quote/{TEMPLATE}-case-town"))))
    return graph
