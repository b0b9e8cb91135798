"""Shared fixtures: the artefact folders (anchored on this file) and the parsed graphs, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from towncase import load

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current results instead of comparing "
                          "(review the diff against the source text before committing)")


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    """True only when pytest runs with --update-goldens: goldens are never regenerated silently."""
    return request.config.getoption("--update-goldens")


@pytest.fixture(scope="session")
def dataset():
    """All shipped named graphs (ontology, concepts, cases); do not mutate."""
    return load.dataset()


@pytest.fixture(scope="session")
def shipped_data():
    """The shipped cases plus the concept schemes, as one graph; do not mutate."""
    return load.shipped_data()


@pytest.fixture(scope="session")
def ontology():
    """The OWL ontology; do not mutate."""
    return load.ontology()
