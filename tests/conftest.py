"""Shared fixtures: the artefact folders (anchored on this file) and the expensive results (the parsed
dataset, one validation of every case, one RDFS and one OWL RL closure), each computed once per session."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from towncase import cache, load, reason, validate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
#: The project's shared material (source texts, standards), beside the checkout: ../shared, or higher up
#: for a checkout in a sub-folder (a git worktree). Tests that need it skip, saying so, where it is absent.
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "sources").is_dir()), ROOT.parent / "shared")


#: The fast lane (``pytest -m "not slow"``) runs each parametrized test on its first FAST_CASES parameter
#: sets only; the others are marked slow, and the full suite (CI) runs them all.
FAST_CASES = 1


@pytest.hookimpl(tryfirst=True)  # before the -m selection reads the marks
def pytest_collection_modifyitems(config, items):
    cases: Counter = Counter()
    for item in items:
        if getattr(item, "callspec", None) is not None:
            cases[item.path, item.originalname] += 1
            if cases[item.path, item.originalname] > FAST_CASES:
                item.add_marker(pytest.mark.slow)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current results instead of comparing "
                          "(review the diff against the source text before committing)")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """A cache folder of the test session's own (TOWNCASE_CACHE), never the developer's, inherited by
    the commands the tests start."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(tmp_path_factory.mktemp("towncase-cache")))
        yield


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    """True only when pytest runs with --update-goldens: goldens are never regenerated silently."""
    return request.config.getoption("--update-goldens")


@pytest.fixture(scope="session")
def corpus() -> load.Corpus:
    """The shipped reference data and cases (TOWNCASE_DATA ignored, so a developer's own folders
    never change a test)."""
    return load.corpus(env=False)


@pytest.fixture(scope="session")
def dataset(corpus):
    """All shipped named graphs (ontology, concepts, reference, cases); do not mutate."""
    return load.dataset(corpus)


@pytest.fixture(scope="session")
def shipped_data(corpus):
    """The concept schemes, the reference data and the shipped cases, as one graph; do not mutate."""
    return load.data_graph(corpus)


@pytest.fixture(scope="session")
def ontology():
    """The OWL ontology; do not mutate."""
    return load.ontology()


@pytest.fixture(scope="session")
def checked(corpus) -> validate.ValidationResult:
    """``towncase validate`` of the shipped cases: every check, run once."""
    return validate.check(corpus)


@pytest.fixture(scope="session")
def rdfs_dataset(dataset):
    """The dataset with its RDFS closure in a graph of its own; do not mutate."""
    return reason.closure_dataset(dataset, "rdfs")


@pytest.fixture(scope="session")
def owlrl(shipped_data, ontology) -> reason.Inference:
    """What OWL 2 RL infers from the shipped data, once."""
    return reason.run(shipped_data, "owlrl", ontology)


@pytest.fixture(scope="session")
def synthetic_towns(tmp_path_factory) -> Path:
    """Two synthetic towns (``towncase synth --towns 2 --seed 7``), written once; do not change."""
    from towncase import synth

    out = tmp_path_factory.mktemp("towns")
    synth.synthesise(2, out, seed=7)
    return out


@pytest.fixture(scope="session")
def case_datasets(corpus):
    """``{case: dataset}``: each shipped case alone with the ontology, concepts and reference data —
    what a per-case golden is computed over, so adding a case changes no other case's goldens."""
    return {folder.name: load.dataset(replace(corpus, cases=(folder,))) for folder in corpus.cases}
