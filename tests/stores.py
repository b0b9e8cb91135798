"""Real triple stores for the tests: an Oxigraph server and a Virtuoso 7 server, each started on
loopback with a store in a temporary folder, and stopped afterwards.

Where a store is not installed the tests that need it are skipped with the reason, unless
``TOWNCASE_REQUIRE_STORES`` is set (``.ci/run`` sets it): then a missing store is a failure, so CI
cannot pass without running them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from towncase.publish import Endpoint

INSTALL = {
    "oxigraph": "pip install oxigraph (it comes with the test extras: pip install -e '.[test]')",
    "virtuoso": "apt-get install virtuoso-opensource (Debian's Virtuoso 7)",
}


@dataclass
class Server:
    """A store process the tests started, and how to reach it."""

    name: str
    process: subprocess.Popen
    endpoint: Endpoint
    log: Path

    def stop(self) -> None:
        """Stop the process (politely, then for good)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def unavailable(store: str, why: str) -> None:
    """Skip (or, where CI requires the stores, fail) because ``store`` cannot be run."""
    reason = f"{store} not available: {why}; install it with {INSTALL[store]}"
    if os.environ.get("TOWNCASE_REQUIRE_STORES"):
        pytest.fail(reason + " (TOWNCASE_REQUIRE_STORES is set)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(server: Server, seconds: float = 120) -> Server:
    """Wait until the server answers an ASK over HTTP; fail with its log if it dies or never does."""
    probe = server.endpoint.query_url + "?query=ASK%7B%7D"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.stop()
    log = server.log.read_text(encoding="utf-8", errors="replace")[-3000:] if server.log.exists() else ""
    pytest.fail(f"{server.name} did not come up on {server.endpoint.query_url}:\n{log}", pytrace=False)


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command of this interpreter's environment, else of PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def start_oxigraph(folder: Path) -> Server:
    """``oxigraph serve`` on a free loopback port, with its store in ``folder``."""
    binary = oxigraph_binary()
    if binary is None:
        unavailable("oxigraph", "no oxigraph command")
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "serve", "--location", str(folder / "store"),
                                    "--bind", f"127.0.0.1:{port}", "--timeout-s", "120"],
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    return _wait_until_up(Server("oxigraph", process, Endpoint(f"{base}/query", f"{base}/store"), log))


#: A Virtuoso configuration of its own: database in the temporary folder, loopback ports only, and
#: room for the answers (the Debian default caps a result at 10,000 rows).
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 600
"""
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"  # a new Virtuoso database's administrator


def start_virtuoso(folder: Path) -> Server:
    """``virtuoso-t`` in the foreground on free loopback ports, with a new database in ``folder``.
    Graphs are written through ``/sparql-graph-crud-auth`` with the administrator's login."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        unavailable("virtuoso", "no virtuoso-t command")
    http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=free_port(), http_port=http_port), encoding="utf-8")
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "+configfile", str(ini), "+foreground"], cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    endpoint = Endpoint(f"{base}/sparql", f"{base}/sparql-graph-crud-auth", VIRTUOSO_USER, VIRTUOSO_PASSWORD)
    return _wait_until_up(Server("virtuoso", process, endpoint, folder / "virtuoso.log"))


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
