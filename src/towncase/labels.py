"""Bilingual labels of nodes: the Chinese-first, English-too names users read."""

from __future__ import annotations

from rdflib import RDFS, Graph, Literal, Node, URIRef
from rdflib.namespace import SKOS

from .prefixes import curie_of

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label)


def label_map(graph: Graph, node: Node | None) -> dict[str, str]:
    """``{"zh": …, "en": …}``: a node's labels by language (any ``zh-*`` tag counts as zh)."""
    labels: dict[str, str] = {}
    if node is None:
        return labels
    for prop in LABEL_PROPERTIES:
        for label in sorted(graph.objects(node, prop), key=str):
            if isinstance(label, Literal):
                lang = (label.language or "").lower()
                labels.setdefault("zh" if lang.startswith("zh") else lang, str(label))
    return labels


def label(graph: Graph, node: Node | None, lang: str = "zh") -> str:
    """The node's label in ``lang`` (``zh`` or ``en``), falling back to the other, then to its CURIE."""
    labels = label_map(graph, node)
    other = "en" if lang == "zh" else "zh"
    return labels.get(lang) or labels.get(other) or curie(node)


def bilingual(graph: Graph, node: Node | None) -> str:
    """``"中文 / English"``, or ``""`` when the node has no label."""
    labels = label_map(graph, node)
    return " / ".join(v for v in (labels.get("zh"), labels.get("en")) if v)


def curie(node: Node | None) -> str:
    """``prefix:local`` for an IRI in a canonical namespace, else the IRI or literal as text."""
    if node is None:
        return ""
    return curie_of(str(node)) if isinstance(node, URIRef) else str(node)
