"""towncase new-case: a case folder that validates as created, for a town of the reference data or a
new one, from a verbatim article or a fact extraction; and the template of every statement is valid."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS

from conftest import DATA
from towncase import load, scaffold, validate
from towncase.cli import main
from towncase.errors import InputError
from towncase.namespaces import PREFIXES, TC

DATANG_TEXT = DATA / "datang" / "sources" / "datang.txt"

ARTICLE = "织里镇位于太湖南岸。\n全镇工业总产值超500亿元,童装产业发达。\n"


def corpus_of(data):
    return load.corpus([data], shipped=False, env=False)


@pytest.fixture()
def article(tmp_path):
    path = tmp_path / "zhili-article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_a_reference_town_from_a_fact_extraction_validates_as_created(tmp_path):
    data = tmp_path / "towns"
    done = scaffold.new_case("datang-2023", "大唐街道", "Datang", data, code="330681005",
                             source=DATANG_TEXT)
    assert done.town == URIRef(PREFIXES["place"] + "shaoxing-zhuji-datang") and not done.town_minted
    graph = load.case("datang-2023", corpus_of(data))
    blocks = sorted(graph.subjects(RDF.type, TC.FactExtraction))
    headers = re.findall(r"^== (S\d+)", DATANG_TEXT.read_text(encoding="utf-8"), re.M)
    assert len(blocks) == len(headers) == 5, "one source per == S<n> block"
    s1 = URIRef(PREFIXES["source"] + "datang-2023-s1")
    assert str(graph.value(s1, DCTERMS.date)) == "2015-10-19"
    assert str(graph.value(s1, DCTERMS.source)) == "http://zjnews.zjol.com.cn/system/2015/10/19/020877120.shtml"
    s3 = URIRef(PREFIXES["source"] + "datang-2023-s3")
    assert graph.value(s3, DCTERMS.date) is None, "≈2021 is a guess, not the publication date"
    result = validate.check(corpus_of(data))
    assert result.conforms, [f.message for f in result.by_severity("Violation")]
    assert (done.folder / "sources" / "datang.txt").read_bytes() == DATANG_TEXT.read_bytes()


def test_a_new_town_is_minted_under_its_parent_with_a_quote_and_validates(tmp_path, article):
    data = tmp_path / "towns"
    done = scaffold.new_case("zhili-2019", "织里镇", "Zhili", data, parent="place:shaoxing-zhuji", source=article)
    assert done.town_minted and done.town == URIRef(PREFIXES["place"] + "shaoxing-zhuji-zhili")
    graph = load.case("zhili-2019", corpus_of(data))
    assert (done.town, RDF.type, TC.Town) in graph
    assert graph.value(done.town, TC.administrativeParent) == URIRef(PREFIXES["place"] + "shaoxing-zhuji")
    quote = graph.value(done.town, TC.evidence)
    assert str(graph.value(quote, TC.text)) == "织里镇位于太湖南岸。"
    result = validate.check(corpus_of(data))
    assert result.conforms, [f.message for f in result.by_severity("Violation")]


def test_the_template_uncommented_is_a_valid_case(tmp_path, article):
    """statements.ttl shows every kind of statement once: uncommented, it must pass every check."""
    data = tmp_path / "towns"
    done = scaffold.new_case("zhili-2019", "织里镇", "Zhili", data, parent="place:shaoxing-zhuji", source=article)
    lines = (done.folder / "statements.ttl").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# @prefix"))
    turtle = [line[2:] for line in lines[start:] if not line.startswith("# ##")]
    (done.folder / "statements.ttl").write_text("\n".join(turtle) + "\n", encoding="utf-8")
    graph = load.case("zhili-2019", corpus_of(data))
    kinds = set(graph.objects(None, RDF.type))
    assert {TC.Quote, TC.Village, TC.Company, TC.Person, TC.Membership, TC.PopulationGroup, TC.Programme,
            TC.EventSeries, TC.Event, TC.Observation, TC.Designation} <= kinds
    result = validate.check(corpus_of(data))
    assert result.conforms, [(str(f.focus), f.message) for f in result.by_severity("Violation")]


@pytest.mark.parametrize("kwargs, words", [
    ({"slug": "Zhili 2019"}, "bad case name"),
    ({"parent": "place:huzhou-wuxing"}, "not in the reference data"),
    ({"parent": None}, "parent place is needed"),
    ({"name_zh": "大唐镇"}, "does not name 大唐镇"),
    ({"name_en": "织里"}, "--name-zh is the Chinese name"),
    ({"code": "3306"}, "bad division code"),
])
def test_bad_requests_are_input_errors_and_write_nothing(tmp_path, article, kwargs, words):
    data = tmp_path / "towns"
    args = {"slug": "zhili-2019", "name_zh": "织里镇", "name_en": "Zhili", "parent": "place:shaoxing-zhuji",
            "source": article, **kwargs}
    with pytest.raises(InputError, match=words):
        scaffold.new_case(args.pop("slug"), args.pop("name_zh"), args.pop("name_en"), data, **args)
    assert not data.exists() or not any(data.iterdir())


def test_an_existing_folder_is_never_overwritten(tmp_path, article):
    data = tmp_path / "towns"
    (data / "zhili-2019").mkdir(parents=True)
    (data / "zhili-2019" / "mine.ttl").write_text("# my work\n", encoding="utf-8")
    with pytest.raises(InputError, match="exists already"):
        scaffold.new_case("zhili-2019", "织里镇", "Zhili", data, parent="place:shaoxing-zhuji", source=article)
    assert (data / "zhili-2019" / "mine.ttl").read_text(encoding="utf-8") == "# my work\n"


def test_the_shipped_data_is_refused(article, corpus):
    with pytest.raises(InputError, match="shipped data"):
        scaffold.new_case("zhili-2019", "织里镇", "Zhili", corpus.roots[0], parent="place:shaoxing-zhuji",
                          source=article)


def test_the_command_creates_and_reports(tmp_path, article):
    data = tmp_path / "towns"
    result = CliRunner().invoke(main, ["new-case", "zhili-2019", "--name-zh", "织里镇", "--name-en", "Zhili",
                                       "--parent", "place:shaoxing-zhuji", "--source", str(article),
                                       "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "CHECKLIST.md" in result.output and (data / "zhili-2019" / "case.ttl").is_file()
    again = CliRunner().invoke(main, ["new-case", "zhili-2019", "--name-zh", "织里镇", "--name-en", "Zhili",
                                      "--parent", "place:shaoxing-zhuji", "--data", str(data)])
    assert again.exit_code == 2 and "exists already" in again.output
