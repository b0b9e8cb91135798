"""The built wheel carries the artefacts, and the package finds them there (not in the checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from artefacts import ROOT

ARTEFACTS = ["ontology/towncase.ttl", "ontology/schemes/indicators.ttl", "data/diankou-2022/observations.ttl",
             "data/diankou-2022/sources/diankou-2022-common-prosperity-case.txt", "data/reference/places.ttl",
             "data/reference/sources/reference-facts.txt", "queries/entities-per-class.rq", "catalog/towncase.dcat.ttl"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-isolation: hatchling comes with the test extras, so building needs no download.
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("towncase-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_artefacts(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for artefact in ARTEFACTS:
        assert f"towncase/{artefact}" in names, artefact
    assert any(n.startswith("towncase/shapes/") and n.endswith(".shapes.ttl") for n in names)
    assert "towncase/py.typed" in names, "type checkers of code that imports towncase read its annotations"


@pytest.mark.slow
def test_installed_package_reads_artefacts_from_itself(wheel, tmp_path):
    """Unpacked alone (no checkout beside it), the package loads, validates and queries."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import towncase.resources as r, towncase.load as l, towncase.validate as v\n"
        "root = r.artefact_root()\n"
        f"assert str(root).startswith({str(site)!r}), root\n"
        "assert v.check().conforms\n"
        "print(len(l.dataset()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
