"""A parsed SPARQL query back to SPARQL text, with parameters substituted as typed terms: how a bound
query reaches an engine that has no ``initBindings`` (the embedded Oxigraph store).

rdflib binds a parameter by pre-binding its variable everywhere in the query (``initBindings``).
Oxigraph's own substitution (SEP-0007) refuses a variable that is not projected and does not reach
into sub-queries, and rdflib's ``translateAlgebra`` loses filters, aggregates and paths (tried on the
catalogue: 28 of 36 queries came back wrong). So towncase writes the text itself, from rdflib's
algebra: each parameter's variable is replaced by its term wherever the query reads it (patterns,
expressions, sub-queries, ``EXISTS``), a projected parameter is bound with ``BIND``, and every term
is written by :func:`term` from an rdflib term that :func:`towncase.query.bind` typed and checked.
No value is ever formatted into the query text the user wrote, and no text of a value can end the
term it is written as (IRIs with a character SPARQL forbids are refused, literals are escaped).

Every operator of the SPARQL 1.1 algebra becomes a group of its own, so the text means what the
algebra means (SPARQL 1.1 §18.2 translates each group back to the same operator). A test runs every
stored query through here and compares the answers with rdflib's.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from .errors import EngineError, ParameterError

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
#: Keys of a builtin call's arguments, in the order SPARQL writes them (REGEX: text, pattern, flags;
#: REPLACE: arg, pattern, replacement, flags; SUBSTR: arg, start, length).
_ARGUMENT_KEYS = ("arg", "arg1", "arg2", "arg3", "text", "start", "length", "pattern", "replacement", "flags")
_AGGREGATES = {"Aggregate_Count": "COUNT", "Aggregate_Sum": "SUM", "Aggregate_Min": "MIN", "Aggregate_Max": "MAX",
               "Aggregate_Avg": "AVG", "Aggregate_Sample": "SAMPLE", "Aggregate_GroupConcat": "GROUP_CONCAT"}
_BINARY = {"ConditionalAndExpression": "&&", "ConditionalOrExpression": "||"}
_MODIFIERS = ("Slice", "Distinct", "Reduced", "Project", "OrderBy")


def term(node: Node) -> str:
    """One RDF term in SPARQL syntax.

    Raises:
        ParameterError: an IRI that holds a character SPARQL forbids in IRIs.
    """
    if isinstance(node, URIRef):
        bad = _IRI_FORBIDDEN.search(str(node))
        if bad:
            raise ParameterError(f"{str(node)!r} is not an IRI: it holds {bad.group()!r}",
                                 hint="an IRI has no spaces, quotes, <>, {}, |, ^, ` or \\")
        return f"<{node}>"
    if isinstance(node, Literal):
        text = '"' + (str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                      .replace("\r", "\\r")) + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^{term(node.datatype)}"
        return text
    if isinstance(node, Variable):
        return "?" + str(node)
    if isinstance(node, BNode):  # a blank node of a pattern is a variable no answer shows
        return "?__bnode_" + re.sub(r"\W", "_", str(node))
    raise EngineError(f"cannot write {node!r} as SPARQL")


def text(query: Query, bindings: Mapping[str, Node] | None = None) -> str:
    """The SPARQL text of ``query`` with each of ``bindings`` (variable name → typed term) in place of
    its variable, meaning what rdflib's ``initBindings`` mean.

    Raises:
        ParameterError: a bound term cannot be written (see :func:`term`), or a parameter is the target
            of the query's own ``BIND``/``VALUES``.
        EngineError: the query holds an operator this writer does not know.
    """
    return _Writer({Variable(k): v for k, v in (bindings or {}).items()}).query(query.algebra)


class _Writer:
    def __init__(self, bound: dict[Variable, Node]) -> None:
        self.bound = bound

    # -- query forms ------------------------------------------------------------------------------

    def query(self, node: CompValue) -> str:
        if node.name == "SelectQuery":
            return self.select(node.p)
        if node.name == "AskQuery":
            return f"ASK {{ {self.pattern(node.p)} }}"
        if node.name == "ConstructQuery":
            template = " ".join(f"{self.value(s)} {self.value(p)} {self._template_object(o)} ."
                                for s, p, o in node.template or [])
            return f"CONSTRUCT {{ {template} }} WHERE {{ {self.pattern(node.p)} }}"
        if node.name == "DescribeQuery":
            described = " ".join(self.value(v) for v in node.PV)
            where = f" WHERE {{ {self.pattern(node.p)} }}" if node.p is not None else ""
            return f"DESCRIBE {described}{where}"
        raise EngineError(f"cannot write a {node.name} as SPARQL")

    def _template_object(self, node: Node) -> str:
        return f"_:{node}" if isinstance(node, BNode) else self.value(node)

    def select(self, node: CompValue) -> str:
        """A solution sequence (``Slice``/``Distinct``/``Project``/``OrderBy`` over a pattern) as SELECT."""
        slice_, distinct, projected, order = None, "", None, None
        while isinstance(node, CompValue) and node.name in _MODIFIERS:
            if node.name == "Slice":
                slice_ = node
            elif node.name in ("Distinct", "Reduced"):
                distinct = "DISTINCT " if node.name == "Distinct" else "REDUCED "
            elif node.name == "Project":
                projected = list(node.PV)
            else:
                order = node.expr
            node = node.p
        body = self.pattern(node)
        extended = self._extended(node)
        for var in projected or []:
            if var in self.bound and var not in extended:  # a projected parameter keeps its column
                body = f"{{ {body} }} BIND({self.value(self.bound[var])} AS {term(var)})"
        head = " ".join(term(v) for v in projected) if projected else "*"
        out = f"SELECT {distinct}{head} WHERE {{ {body} }}"
        if order:
            out += " ORDER BY " + " ".join(self._order(c) for c in order)
        if slice_ is not None:
            if slice_.length is not None:
                out += f" LIMIT {int(slice_.length)}"
            if slice_.start:
                out += f" OFFSET {int(slice_.start)}"
        return out

    def _order(self, condition) -> str:
        if isinstance(condition, CompValue) and condition.name == "OrderCondition":
            return f"{condition.order or 'ASC'}({self.expr(condition.expr)})"
        return f"ASC({self.expr(condition)})"

    @staticmethod
    def _extended(node) -> set[Variable]:
        """Variables bound by the ``Extend`` chain at the top of a pattern (select expressions)."""
        found = set()
        while isinstance(node, CompValue) and node.name in ("Extend", "Filter"):
            if node.name == "Extend":
                found.add(node.var)
            node = node.p
        return found

    # -- patterns ---------------------------------------------------------------------------------

    def pattern(self, node) -> str:
        name = node.name
        if name == "BGP":
            return " ".join(f"{self.value(s)} {self.path(p)} {self.value(o)} ." for s, p, o in node.triples)
        if name == "Join":
            return f"{{ {self.pattern(node.p1)} }} {{ {self.pattern(node.p2)} }}"
        if name == "LeftJoin":
            condition = "" if _true(node.expr) else f" FILTER({self.expr(node.expr)})"
            return f"{{ {self.pattern(node.p1)} }} OPTIONAL {{ {{ {self.pattern(node.p2)} }}{condition} }}"
        if name == "Filter":
            return f"{{ {self.pattern(node.p)} }} FILTER({self.expr(node.expr)})"
        if name == "Union":
            return f"{{ {self.pattern(node.p1)} }} UNION {{ {self.pattern(node.p2)} }}"
        if name == "Minus":
            return f"{{ {self.pattern(node.p1)} }} MINUS {{ {self.pattern(node.p2)} }}"
        if name == "Graph":
            return f"GRAPH {self.value(node.term)} {{ {self.pattern(node.p)} }}"
        if name == "Extend":
            if node.var in self.bound:
                raise ParameterError(f"?{node.var} is a parameter and the target of BIND … AS ?{node.var}",
                                     hint="a query must not bind its own parameter")
            return f"{{ {self.pattern(node.p)} }} BIND({self.expr(node.expr)} AS {term(node.var)})"
        if name == "ToMultiSet":
            return self.pattern(node.p)
        if name == "values":
            return self.values(node.res)
        if name == "AggregateJoin":
            return self.aggregate(node)
        if name in _MODIFIERS:
            return f"{{ {self.select(node)} }}"
        if name == "ServiceGraphPattern":
            raise EngineError("SERVICE is never run by towncase")
        raise EngineError(f"cannot write the SPARQL operator {name}")

    def values(self, rows: list[dict]) -> str:
        variables = sorted({v for row in rows for v in row}, key=str)
        clash = [v for v in variables if v in self.bound]
        if clash:
            raise ParameterError(f"?{clash[0]} is a parameter and a column of the query's own VALUES",
                                 hint="a query must not list values for its own parameter")
        data = " ".join("(" + " ".join(self.value(row[v]) if row.get(v) is not None else "UNDEF"
                                       for v in variables) + ")" for row in rows)
        return f"VALUES ({' '.join(term(v) for v in variables)}) {{ {data} }}"

    def aggregate(self, node: CompValue) -> str:
        """``AggregateJoin`` over ``Group``: a sub-query whose columns are the aggregates (rdflib names them
        ``?__agg_1__`` …; the ``Extend`` above gives them the names the query uses)."""
        group = node.p
        columns = []
        for agg in node.A:
            function = _AGGREGATES.get(agg.name)
            if function is None:
                raise EngineError(f"cannot write the aggregate {agg.name}")
            distinct = "DISTINCT " if agg.distinct == "DISTINCT" else ""
            argument = "*" if agg.vars == "*" else self.expr(agg.vars)
            separator = agg.separator
            extra = f" ; SEPARATOR={term(Literal(separator))}" if separator is not None else ""
            columns.append(f"({function}({distinct}{argument}{extra}) AS {term(agg.res)})")
        out = f"SELECT {' '.join(columns)} WHERE {{ {self.pattern(group.p)} }}"
        if group.expr:
            out += " GROUP BY " + " ".join(self.value(e) if isinstance(e, Variable) and e not in self.bound
                                           else f"({self.expr(e)})" for e in group.expr)
        return f"{{ {out} }}"

    def path(self, node) -> str:
        if isinstance(node, SequencePath):
            return "(" + "/".join(self.path(a) for a in node.args) + ")"
        if isinstance(node, AlternativePath):
            return "(" + "|".join(self.path(a) for a in node.args) + ")"
        if isinstance(node, MulPath):
            return f"({self.path(node.path)}){node.mod}"
        if isinstance(node, InvPath):
            return f"^({self.path(node.arg)})"
        if isinstance(node, NegatedPath):
            return "!(" + "|".join(self.path(a) for a in node.args) + ")"
        return self.value(node)

    def value(self, node) -> str:
        """A term of a pattern or expression: a parameter's variable is its bound term."""
        if isinstance(node, Variable) and node in self.bound:
            return term(self.bound[node])
        return term(node)

    # -- expressions ------------------------------------------------------------------------------

    def expr(self, node) -> str:
        if not isinstance(node, CompValue):
            if isinstance(node, (list, tuple)):
                return ", ".join(self.expr(n) for n in node)
            return self.value(node)
        name = node.name
        if name in _BINARY:
            parts = [node.expr, *list(node.other or [])]
            return "(" + f" {_BINARY[name]} ".join(self.expr(p) for p in parts) + ")"
        if name == "RelationalExpression":
            if node.op in ("IN", "NOT IN"):
                return f"({self.expr(node.expr)} {node.op} ({self.expr(list(node.other))}))"
            return f"({self.expr(node.expr)} {node.op} {self.expr(node.other)})"
        if name in ("AdditiveExpression", "MultiplicativeExpression"):
            out = self.expr(node.expr)
            for op, other in zip(node.op, node.other, strict=False):
                out += f" {op} {self.expr(other)}"
            return f"({out})"
        if name == "UnaryNot":
            return f"(!{self.expr(node.expr)})"
        if name == "UnaryMinus":
            return f"(-{self.expr(node.expr)})"
        if name == "UnaryPlus":
            return f"(+{self.expr(node.expr)})"
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = node.graph
            if graph.name == "GroupGraphPatternSub":  # a select expression keeps the parse tree,
                graph = translateGroupGraphPattern(pickle.loads(pickle.dumps(graph)))  # which translating changes
            keyword = "EXISTS" if name == "Builtin_EXISTS" else "NOT EXISTS"
            return f"{keyword} {{ {self.pattern(graph)} }}"
        if name == "Function":
            distinct = "DISTINCT " if node.distinct == "DISTINCT" else ""
            return f"{term(node.iri)}({distinct}{self.expr(list(node.expr or []))})"
        if name == "Builtin_BOUND" and node.arg in self.bound:
            return "true"
        if name.startswith("Builtin_"):
            args = []
            for key in _ARGUMENT_KEYS:
                # not node.get(key): CompValue.get gives the key itself when it is absent
                value = node[key] if key in node else None  # noqa: SIM401
                if value is None:
                    continue
                args += list(value) if isinstance(value, (list, tuple)) else [value]
            return f"{name[len('Builtin_'):].upper()}({', '.join(self.expr(a) for a in args)})"
        raise EngineError(f"cannot write the SPARQL expression {name}")


def _true(expr) -> bool:
    return expr is None or (isinstance(expr, CompValue) and expr.name == "TrueFilter")
