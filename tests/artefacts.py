"""The artefact files tests parametrize over, with the file name as the test id."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def files(pattern: str) -> list[Path]:
    """Files under the project root matching a glob, sorted."""
    return sorted(ROOT.glob(pattern))


def ids(paths: list[Path]) -> list[str]:
    """Test ids: the path relative to the project root."""
    return [str(p.relative_to(ROOT)) for p in paths]


DATA_FILES = files("data/*/*.ttl")
TURTLE_FILES = files("ontology/**/*.ttl") + files("shapes/*.ttl") + DATA_FILES
QUERY_FILES = files("queries/*.rq")
