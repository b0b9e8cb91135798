"""Validation that scales: each case checked on its own in worker processes, and only the cases whose
files changed checked again (the cache key is the hash of every file a case's checks read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from towncase import load, synth, validate

pytestmark = pytest.mark.slow  # three towns validated again and again (each check runs every quality query)


@pytest.fixture()
def towns(tmp_path):
    synth.synthesise(2, tmp_path / "towns", seed=3)
    return load.corpus([tmp_path / "towns"], shipped=False, env=False)


def checked_cases(monkeypatch) -> list:
    seen = []
    original = validate._check_part

    def counting(data, case, *args):
        seen.append(None if case is None else case.name)
        return original(data, case, *args)

    monkeypatch.setattr(validate, "_check_part", counting)
    return seen


def test_only_the_changed_case_is_validated_again_and_the_answer_is_the_same(towns, monkeypatch):
    first = validate.check(towns, jobs=1)
    assert first.conforms
    seen = checked_cases(monkeypatch)
    again = validate.check(towns, jobs=1)
    assert seen == [] and again.findings == first.findings and again.conforms
    edited = towns.cases[1].path / "observations.ttl"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("tc:value 4 ;", "tc:value 5 ;", 1) if "tc:value 4 ;" in text
                      else text.replace("tc:unit", "tc:unitX", 1), encoding="utf-8")
    broken = validate.check(towns, jobs=1)
    assert seen == [towns.cases[1].name]
    assert not broken.conforms
    assert {f.file for f in broken.by_severity("Violation")} <= {edited, None} | set(towns.cases[1].files)


def test_every_case_is_validated_again_when_a_file_they_share_changes(towns, monkeypatch, tmp_path):
    """Each case's key holds the hash of the files every case reads (shapes, queries, ontology, reference
    data), worked out once per run: an edit to one of them is seen by every case."""
    import shutil

    from towncase import resources

    copies = [Path(shutil.copy(path, tmp_path)) for path in resources.query_files()]
    monkeypatch.setattr(resources, "query_files", lambda: copies)
    validate.check(towns, jobs=1)
    seen = checked_cases(monkeypatch)
    validate.check(towns, jobs=1)
    assert seen == []
    with copies[0].open("a", encoding="utf-8") as edited:
        edited.write("# edited\n")
    validate.check(towns, jobs=1)
    assert sorted(seen, key=str) == sorted([None, *(case.name for case in towns.cases)], key=str)


def test_workers_find_what_one_process_finds(towns, monkeypatch, tmp_path):
    serial = validate.check(towns, jobs=1)
    monkeypatch.setenv("TOWNCASE_CACHE", str(tmp_path / "fresh-cache"))
    parallel = validate.check(towns, jobs=2)
    assert parallel.findings == serial.findings and parallel.conforms == serial.conforms
    assert len(parallel.graph) == len(serial.graph)


def noting_check(data, case, *args):
    """A stand-in for a case's checks, run in a worker: notes that it began, then takes a while."""
    import time

    with open(data, "a", encoding="utf-8") as noted:
        noted.write(f"{case}\n")
    time.sleep(0.2)
    return case


def test_a_stopped_validation_drops_the_cases_its_workers_had_not_begun(tmp_path, monkeypatch):
    """An error or Ctrl-C while the first results are read: the cases not yet begun are dropped, not
    checked first (on 1,000 towns that was minutes before the error or Ctrl-C took effect)."""
    began = tmp_path / "began.txt"
    monkeypatch.setattr(validate, "_check_part", noting_check)  # forked workers see it; pickled by name
    parts = validate._run_parts(str(began), list(range(40)), "none", "turbo", None, frozenset(), 2, lambda m: None)
    assert next(parts) == (0, 0)
    parts.close()  # as a KeyboardInterrupt or an error in the caller does
    begun = began.read_text(encoding="utf-8").split()
    assert 1 <= len(begun) <= 10, begun  # two running, a few queued for the workers; not the 40
