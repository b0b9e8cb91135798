"""Shared fixtures: the artefact folders (anchored on this file) and the parsed graphs, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from towncase import load

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"


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
