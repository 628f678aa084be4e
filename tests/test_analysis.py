"""The README's question answered in one query over the DuckDB file of a pipeline run on the sample corpus."""

import re

import dagster as dg
import duckdb
import pytest

from assets.settings import OgiSettings
from orchestration.run import materialize_year
from tests.conftest import ROOT
from tests.test_publishers import FIELDS, SEEDS


@pytest.fixture(scope="module")
def seed_years(tmp_path_factory):
    """The years of the seeds in the sample (2017, 2020, 2021), with the shipped waivers."""
    root = tmp_path_factory.mktemp("data")
    settings = OgiSettings(storage_root=str(root), sources=str(ROOT / "sources.yaml"),
                           waivers=str(ROOT / "waivers.yaml"), publishers=str(root / "none.yaml"), workers=1)
    instance = dg.DagsterInstance.ephemeral()
    assert all(materialize_year(y, settings, instance).published for y in ("2017", "2020", "2021"))
    return root


def _readme_query() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"<!-- query: [^>]*-->\n```sql\n(.*?)```", readme, re.S).group(1)


def test_the_readme_question_is_one_query(seed_years):
    """The README's query with the sample's year and province. By hand (seeds' truth file, t3
    total column): 宿松县人民政府 2020 received 19 applications and refused 2 (不予公开, third
    party); 滁州市南谯区经济和信息化局 (a county-level department) received none."""
    query = _readme_query()
    assert "year = 2023 AND province = '江苏省'" in query
    query = query.replace("year = 2023", "year = 2020").replace("'江苏省'", "'安徽省'")
    with duckdb.connect(str(seed_years / "ogi.duckdb"), read_only=True) as con:
        assert con.sql(query).fetchall() == [(1, 19, 2, 0)]
        everyone = query.replace(" AND kind = 'people_government'", "")
        assert con.sql(everyone).fetchall() == [(2, 19, 2, 0)]
        assert con.sql(query.replace("'安徽省'", "'江西省'")).fetchall() == [(0, None, None, 0)]  # 铜鼓: an office


def test_every_seed_publisher_is_placed_in_the_published_data(seed_years):
    with duckdb.connect(str(seed_years / "ogi.duckdb"), read_only=True) as con:
        found = con.sql(f"select names, {', '.join(FIELDS)} from publishers").fetchall()
        assert con.sql("select count(*) from documents d left join publishers p using (publisher_id) "
                       "where p.publisher_id is null").fetchall() == [(0,)]
    assert {names[0]: tuple(rest) for names, *rest in found} == SEEDS
