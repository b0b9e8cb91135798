"""Validation that scales: each case checked on its own in worker processes, and only the cases whose
files changed checked again (the cache key is the hash of every file a case's checks read)."""

from __future__ import annotations

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


def test_workers_find_what_one_process_finds(towns, monkeypatch, tmp_path):
    serial = validate.check(towns, jobs=1)
    monkeypatch.setenv("TOWNCASE_CACHE", str(tmp_path / "fresh-cache"))
    parallel = validate.check(towns, jobs=2)
    assert parallel.findings == serial.findings and parallel.conforms == serial.conforms
    assert len(parallel.graph) == len(serial.graph)
