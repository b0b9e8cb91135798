"""Publishing: the dataset into a triple store, and questions answered by that store.

A store is reached through the two W3C protocols every quad store speaks: the SPARQL 1.1 Graph Store
HTTP Protocol to replace each named graph (``PUT``), and the SPARQL 1.1 Protocol to ask queries.
Nothing else of a store is assumed: the same code publishes to Oxigraph, Virtuoso, Fuseki or
GraphDB, given their URLs (see the README, "Publish to a portal").

The query text a store gets is a stored query with its parameters written in (the protocol has no
way to bind a variable; see :func:`towncase.query.written_in`), and the dataset it is asked over is
stated in the request (``default-graph-uri`` and ``named-graph-uri``, one per named graph of ours),
so a store's own graphs (Virtuoso keeps system graphs in its default graph) never enter an answer.
"""

from __future__ import annotations

import io
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import IdentifiedNode, Node

from . import query as query_stage
from .errors import EndpointError, InputError

#: What towncase asks a store for: results as SPARQL 1.1 JSON, graphs as N-Triples (Turtle accepted).
RESULTS_TYPE = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9, text/plain;q=0.5"
_GRAPH_PARSERS = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle"}
_COUNT = "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph"
#: Where common stores serve the two protocols, for messages.
KNOWN_URLS = ("Oxigraph: /query and /store; Virtuoso: /sparql and /sparql-graph-crud-auth; "
              "Fuseki: /<dataset>/sparql and /<dataset>/data; GraphDB: /repositories/<id> and "
              "/repositories/<id>/rdf-graphs/service")


@dataclass(frozen=True)
class Endpoint:
    """A triple store: its SPARQL query URL, its Graph Store Protocol URL and a login.

    Attributes:
        query_url: where SPARQL queries go (the SPARQL 1.1 Protocol).
        graph_store_url: where graphs are replaced (the Graph Store HTTP Protocol); the query URL
            when ``None`` (Fuseki serves both at the dataset's URL).
        user: the user name for HTTP Basic or Digest authentication, or ``None``.
        password: the password (read from a file by the CLI, never given on a command line).
        timeout: seconds to wait for an answer.
    """

    query_url: str
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 120.0
    _openers: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def store_url(self) -> str:
        """The Graph Store Protocol URL in use."""
        return self.graph_store_url or self.query_url

    def put_graph(self, name: URIRef, graph: Graph) -> None:
        """Replace the named graph ``name`` in the store by ``graph`` (``PUT``, N-Triples).

        Raises:
            EndpointError: the store is down, refuses the login, or answers with an error.
        """
        url = _with_query(self.store_url, {"graph": str(name)})
        body = graph.serialize(format="nt", encoding="utf-8")
        self._send(urllib.request.Request(url, data=body, method="PUT",
                                          headers={"Content-Type": "application/n-triples"}), "upload to")

    def triples(self, names: Iterable[URIRef]) -> dict[URIRef, int]:
        """How many triples the store holds in each of the named graphs ``names`` (0 for none)."""
        names = list(names)
        result = self._ask(_COUNT, "SELECT", named=names)
        counts = {URIRef(str(row[0])): int(str(row[1])) for row in query_stage.select_rows(result)}
        return {name: counts.get(name, 0) for name in names}

    def answer(self, query: query_stage.StoredQuery, bindings: Mapping[str, Node] | None = None,
               graphs: Iterable[URIRef] = ()) -> Result:
        """Ask the store a query, with ``bindings`` written in, over the union of ``graphs`` (as the
        default graph) and those graphs by name.

        Raises:
            EndpointError: the store is down, refuses the query, or answers with an error.
        """
        graphs = list(graphs)
        return self._ask(query_stage.written_in(query, bindings or {}), query.form, default=graphs, named=graphs)

    def _ask(self, text: str, form: str, default: Iterable[URIRef] = (), named: Iterable[URIRef] = ()) -> Result:
        fields = [("query", text)]
        fields += [("default-graph-uri", str(g)) for g in default]
        fields += [("named-graph-uri", str(g)) for g in named]
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        request = urllib.request.Request(
            self.query_url, data=urllib.parse.urlencode(fields).encode("ascii"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": GRAPH_TYPES if graph_form else RESULTS_TYPE})
        content_type, body = self._send(request, "query")
        try:
            if graph_form:
                result = Result(form)
                result.graph = Graph().parse(data=body.decode("utf-8"),
                                             format=_GRAPH_PARSERS.get(content_type, "turtle"))
                return result
            return Result.parse(io.BytesIO(body), format="json")
        except Exception as err:  # the parsers raise many types; all mean the answer is not what we asked for
            raise EndpointError(f"{self.query_url}: the answer ({content_type}) does not parse: "
                                f"{type(err).__name__}: {err}",
                                hint="check that the URL is a SPARQL endpoint (" + KNOWN_URLS + ")") from err

    def _send(self, request: urllib.request.Request, doing: str) -> tuple[str, bytes]:
        url = request.full_url.split("?", 1)[0]
        try:
            with self._opener().open(request, timeout=self.timeout) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as err:
            raise self._refused(err, url, doing) from None
        except urllib.error.URLError as err:
            raise _unreachable(err.reason, url, self.timeout) from None
        except (TimeoutError, ConnectionError) as err:
            raise _unreachable(err, url, self.timeout) from None

    def _opener(self) -> urllib.request.OpenerDirector:
        if self.user is None:
            return urllib.request.build_opener()
        if self._openers.get("auth") is None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {self.query_url, self.store_url}:
                passwords.add_password(None, url, self.user, self.password or "")
            self._openers["auth"] = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                                                _PreemptiveDigest(passwords))
        return self._openers["auth"]

    def check_login(self) -> None:
        """Ask the graph store for a graph that does not exist, so that access is checked (and a
        Digest challenge learnt) before any graph is sent: a server that refuses a large upload
        closes the connection before it has read it (Virtuoso does), which would read as a broken
        pipe rather than a refused login.

        Raises:
            EndpointError: the login is refused, or the store cannot be reached.
        """
        url = _with_query(self.store_url, {"graph": "urn:towncase:login-check"})
        try:
            self._send(urllib.request.Request(url, method="GET", headers={"Accept": "application/n-triples"}),
                       "login check at")
        except EndpointError as err:
            if "(HTTP 404)" not in str(err):
                raise

    def _refused(self, err: urllib.error.HTTPError, url: str, doing: str) -> EndpointError:
        try:
            detail = err.read(2000).decode("utf-8", "replace").strip().splitlines()
        except OSError:
            detail = []
        said = f": {detail[0][:300]}" if detail else ""
        if err.code in (401, 403):
            who = f"the login of {self.user!r}" if self.user else "access without a login"
            return EndpointError(f"{url}: the server refused {who} (HTTP {err.code})",
                                 hint="check --user and --password-file; the user needs the right to "
                                      "write graphs (Virtuoso: use /sparql-graph-crud-auth, user dba)")
        if err.code == 404:
            return EndpointError(f"{url}: no such endpoint (HTTP 404){said}",
                                 hint=f"check the URL ({KNOWN_URLS})")
        if err.code == 405:
            return EndpointError(f"{url}: this URL does not accept the {doing} (HTTP 405, method not allowed)",
                                 hint=f"give the store's Graph Store Protocol URL with --graph-store ({KNOWN_URLS})")
        return EndpointError(f"{url}: the {doing} failed: HTTP {err.code} {err.reason}{said}",
                             hint="the server's own message is above; check its log")


class _PreemptiveDigest(urllib.request.HTTPDigestAuthHandler):
    """HTTP Digest that, once it has a server's challenge, sends the answer with every later request
    instead of waiting for a 401 (after which a large body would have to be sent twice)."""

    def __init__(self, passwords) -> None:
        super().__init__(passwords)
        self._challenge: dict | None = None

    def retry_http_digest_auth(self, req, auth):
        _, challenge = auth.split(" ", 1)
        self._challenge = urllib.request.parse_keqv_list([part for part in urllib.request.parse_http_list(challenge) if part])
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        if self._challenge is not None and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self._challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req

    https_request = http_request


def _unreachable(reason: object, url: str, timeout: float) -> EndpointError:
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(reason, ConnectionRefusedError):
        return EndpointError(f"{url}: nothing answers at {host} (connection refused)",
                             hint="is the server running, and on that port?")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return EndpointError(f"{url}: no answer within {timeout:g} s", hint="is the server overloaded or stuck?")
    if isinstance(reason, (BrokenPipeError, ConnectionResetError)):
        return EndpointError(f"{url}: the server closed the connection while the data was sent",
                             hint="it may refuse the login or the size of the upload: check --user, "
                                  "--password-file and the server's log")
    if isinstance(reason, socket.gaierror):
        return EndpointError(f"{url}: unknown host {host}", hint="check the host name in the URL")
    return EndpointError(f"{url}: cannot reach the server: {reason}", hint="check the URL and that the server runs")


def _with_query(url: str, fields: Mapping[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(fields)


@dataclass(frozen=True)
class Published:
    """One named graph that :func:`publish` replaced, and the triples the store now holds in it."""

    graph: URIRef
    triples: int


def publish(graphs: Iterable[tuple[IdentifiedNode, Graph]], endpoint: Endpoint,
            progress: Callable[[str], None] = lambda message: None) -> list[Published]:
    """Replace each non-empty named graph in the store, one at a time as ``graphs`` gives them (a dataset's:
    ``[(g.identifier, g) for g in ds.graphs()]``; a package's: :func:`towncase.package.graphs`), then check
    the store holds them. Graphs of the store not among ``graphs`` are left alone.

    Raises:
        InputError: a graph named by a blank node (the protocol names graphs by IRI): the upload stops there.
        EndpointError: the store is down, refuses the login or a graph, or holds a different number
            of triples in a graph after the upload than was sent.
    """
    endpoint.check_login()
    sent: dict[URIRef, int] = {}
    for name, graph in graphs:
        if not len(graph):
            continue
        if not isinstance(name, URIRef):
            raise InputError(f"a graph named by the blank node {name.n3()} cannot be uploaded: the "
                             "Graph Store Protocol names graphs by IRI", hint="name every graph of the data by an IRI")
        progress(f"PUT <{name}> ({len(graph)} triples) → {endpoint.store_url}")
        endpoint.put_graph(name, graph)
        sent[name] = len(graph)
    held = endpoint.triples(sent)
    for name, triples in sent.items():
        if held[name] != triples:
            raise EndpointError(f"{endpoint.query_url}: after the upload the store holds {held[name]} "
                                f"triples in <{name}>, not {triples}",
                                hint="check the store's log; --endpoint must query the store --graph-store wrote to")
    return [Published(name, held[name]) for name in sorted(sent, key=str)]
