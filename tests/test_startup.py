"""Start-up: a command imports only what it uses, and one stored query reads one .rq file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from towncase import query

#: What `towncase query` must not import: the validator, the reasoner, the scaffold, the builder.
NOT_FOR_A_QUERY = ("pyshacl", "pyshacl_turbo", "owlrl", "towncase.validate", "towncase.build", "towncase.scaffold")

PROBE = """
import json, sys
from click.testing import CliRunner
from towncase.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(sys.modules)}))
"""


def loaded(*args: str, cache: str | None = None) -> tuple[int, set[str]]:
    env = dict(os.environ, **({"TOWNCASE_CACHE": cache} if cache else {}))
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=env)
    report = json.loads(done.stdout.splitlines()[-1])
    return report["exit"], set(report["modules"])


def test_a_stored_query_imports_neither_the_validator_nor_the_reasoner():
    code, modules = loaded("query", "place-hierarchy", "--store", "rdflib")
    assert code == 0
    assert not [m for m in NOT_FOR_A_QUERY if m in modules]


def test_the_probe_sees_what_validate_imports(tmp_path):
    """The probe is not blind: validating does import the SHACL engine (with a cache of its own: a
    validation cached by an earlier test would rightly import none)."""
    code, modules = loaded("validate", "--help")
    assert code == 0
    _, after = loaded("stats", "--store", "rdflib")
    assert "pyshacl_turbo" not in after
    code, modules = loaded("validate", cache=str(tmp_path))
    assert code == 0 and "pyshacl_turbo" in modules


READS = """
import json
from towncase import query
read = []
original = query.read_query
query.read_query = lambda path, stored=False: read.append(path.name) or original(path, stored)
query.stored("place-hierarchy")
query.stored("place-hierarchy")
print(json.dumps(read))
"""


def test_one_stored_query_reads_one_file_once():
    done = subprocess.run([sys.executable, "-c", READS], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ["place-hierarchy.rq"]
    assert len(query.catalogue()) > 1  # the catalogue is still there for those who list it
