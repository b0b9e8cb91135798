"""Many town cases side by side: a programme two towns share keeps each town's outcomes with that town,
and a case folder outside the repository is found, validated and queried beside the shipped ones."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from towncase import cache, load, query, scaffold, store, validate
from towncase.cli import main
from towncase.namespaces import PREFIXES

DATANG = URIRef(PREFIXES["place"] + "shaoxing-zhuji-datang")
DIANKOU = URIRef(PREFIXES["place"] + "shaoxing-zhuji-diankou")
PILOT = URIRef(PREFIXES["programme"] + "zhejiang-small-city-pilot")
THEIR_OUTCOME = URIRef(PREFIXES["outcome"] + "pilot-town-2020-pilot-result")
THEIR_CASE = URIRef(PREFIXES["case"] + "pilot-town-2020")

SOURCE = "大唐街道列入小城市培育试点,试点成效显著。\n"
FACTS = """@prefix tc: <https://w3id.org/towncase/ontology#> .
@prefix place: <https://w3id.org/towncase/id/place/> .
@prefix programme: <https://w3id.org/towncase/id/programme/> .
@prefix outcome: <https://w3id.org/towncase/id/outcome/> .
@prefix quote: <https://w3id.org/towncase/id/quote/> .
@prefix source: <https://w3id.org/towncase/id/source/> .
@prefix theme: <https://w3id.org/towncase/concept/theme/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

quote:pilot-town-2020-pilot a tc:Quote ;
    tc:text "大唐街道列入小城市培育试点,试点成效显著。"@zh-Hans ;
    tc:quotedFrom source:pilot-town-2020-source .

programme:zhejiang-small-city-pilot tc:appliesTo place:shaoxing-zhuji-datang ;
    tc:theme theme:beautiful-town ;
    tc:evidence quote:pilot-town-2020-pilot .

outcome:pilot-town-2020-pilot-result a tc:ImprovementClaim ;
    rdfs:label "大唐街道试点成效显著"@zh-Hans , "The pilot worked well in Datang"@en ;
    tc:statement "大唐街道的小城市培育试点成效显著。"@zh-Hans , "The small-city pilot worked well in Datang."@en ;
    tc:subject place:shaoxing-zhuji-datang ;
    tc:viaProgramme programme:zhejiang-small-city-pilot ;
    tc:theme theme:beautiful-town ;
    tc:evidence quote:pilot-town-2020-pilot .
"""


@pytest.fixture(scope="module")
def two_towns(tmp_path_factory):
    """The shipped cases and, in a folder outside the repository, a case of another town that points
    at the same provincial pilot as Diankou."""
    data = tmp_path_factory.mktemp("towns")
    article = data.parent / "pilot-town.txt"
    article.write_text(SOURCE, encoding="utf-8")
    done = scaffold.new_case("pilot-town-2020", "大唐街道", "Datang", data, code="330681005", source=article)
    (done.folder / "facts.ttl").write_text(FACTS, encoding="utf-8")
    return data, load.corpus([data], env=False)


@pytest.mark.slow
def test_the_outside_case_passes_every_check_beside_the_shipped_ones(two_towns):
    _, data = two_towns
    assert "pilot-town-2020" in data.names and len(data.names) >= 2
    result = validate.check(data)
    assert result.conforms, [f.message for f in result.by_severity("Violation")]


@pytest.mark.parametrize("town, own, other", [
    (DIANKOU, None, THEIR_OUTCOME),
    (DATANG, THEIR_OUTCOME, None),
])
@pytest.mark.slow
def test_a_shared_programme_keeps_each_towns_outcomes_with_that_town(two_towns, town, own, other):
    _, data = two_towns
    ds = load.dataset(data)
    rows = list(query.answer(ds, query.stored("policies-by-theme"), {"town": str(town)}))
    pilot_outcomes = {r.outcome for r in rows if r.programme == PILOT and r.outcome is not None}
    if own is not None:
        assert own in pilot_outcomes
    if other is not None:
        assert other not in pilot_outcomes
    diankou_outcomes = {o for o in pilot_outcomes if "diankou" in str(o)}
    assert bool(diankou_outcomes) == (town == DIANKOU), pilot_outcomes


@pytest.mark.slow
def test_the_command_line_finds_the_outside_case_by_option_and_by_environment(two_towns):
    folder, _ = two_towns
    args = ["query", "town-profile", "--param", f"town={DATANG}", "--format", "csv"]
    by_option = CliRunner().invoke(main, [*args, "--data", str(folder)])
    by_environment = CliRunner().invoke(main, args, env={load.DATA_ENV: str(folder)})
    assert by_option.exit_code == by_environment.exit_code == 0, by_option.output
    assert by_option.output == by_environment.output
    listed = CliRunner().invoke(main, ["query", "case-overview", "--format", "csv", "--data", str(folder)])
    assert "pilot-town-2020" in listed.output and "diankou-2022" in listed.output
    alone = CliRunner().invoke(main, ["query", "case-overview", "--format", "csv", "--data", str(folder),
                                      "--no-shipped"])
    assert "pilot-town-2020" in alone.output and "diankou-2022" not in alone.output


@pytest.mark.parametrize("kind", ["rdflib", "oxigraph"])
@pytest.mark.slow
def test_case_overview_counts_0_of_a_kind_the_case_graph_holds_none_of(two_towns, kind, tmp_path, monkeypatch):
    """The outside case's graph holds one quote and one improvement claim (an outcome by subclass) and no
    observation; its programme is typed in the shared reference data, not in the case's graph (FACTS)."""
    _, data = two_towns
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))  # an Oxigraph store of this test's own
    result = query.answer(store.open_store(data, kind), query.stored("case-overview"))
    counts = {row.case: [row[v].toPython() for v in ("observations", "outcomes", "programmes", "quotes")]
              for row in result}
    assert counts[THEIR_CASE] == [0, 1, 0, 1]
