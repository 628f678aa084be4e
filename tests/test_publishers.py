"""Publishers placed in the administrative divisions: the seeds by hand, ambiguity, overrides, the command."""

import json

import pytest

from ogi.publishers import Publishers, PublishersError, load_overrides, match, publisher_id, publisher_rows
from orchestration.cli import main

# Checked by hand against the 2023 division list (民政部 行政区划代码) for each seed's publisher:
# (level, kind, province, prefecture, county, township, code, parent government)
SEEDS = {
    "宿松县人民政府": ("county", "people_government", "安徽省", "安庆市", "宿松县", None, "340826", "安徽省安庆市人民政府"),
    "永康市芝英镇人民政府": ("township", "people_government", "浙江省", "金华市", "永康市", "芝英镇", "330784",
                       "浙江省金华市永康市人民政府"),
    "滁州市南谯区经济和信息化局": ("county", "department", "安徽省", "滁州市", "南谯区", None, "341103",
                          "安徽省滁州市南谯区人民政府"),
    "师宗县人民政府": ("county", "people_government", "云南省", "曲靖市", "师宗县", None, "530323", "云南省曲靖市人民政府"),
    "铜鼓县人民政府办公室": ("county", "government_office", "江西省", "宜春市", "铜鼓县", None, "360926",
                       "江西省宜春市铜鼓县人民政府"),
}
FIELDS = ("level", "kind", "province", "prefecture", "county", "township", "division_code", "parent_name")


def test_every_seed_publisher_is_placed_as_checked_by_hand(shared_corpus):
    names = {json.loads(line)["publisher"] for line in (shared_corpus / "corpus" / "seeds" / "truth.jsonl").open(encoding="utf-8")}
    assert names == set(SEEDS)
    for name, expected in SEEDS.items():
        placed = match(name)
        assert tuple(getattr(placed, f) for f in FIELDS) == expected, name
        assert placed.placement == "matched" and placed.parent_id == publisher_id(expected[-1])


def test_one_publisher_printed_two_ways_is_one_publisher():
    assert match("安徽省宿松县人民政府").publisher_id == match("宿松县人民政府").publisher_id
    assert match("宿松县政府").canonical_name == "安徽省安庆市宿松县人民政府"
    assert match("宿松县政府办").publisher_id == match("宿松县人民政府办公室").publisher_id
    rows = publisher_rows([("宿松县人民政府", 2020), ("安徽省宿松县人民政府", 2021), ("示例县人民政府", 2022)],
                          Publishers({}))
    assert [(r["names"], r["documents"], r["first_year"], r["last_year"]) for r in rows] == [
        (["安徽省宿松县人民政府", "宿松县人民政府"], 2, 2020, 2021), (["示例县人民政府"], 1, 2022, 2022)]


def test_levels_from_the_top_down():
    assert (match("江苏省人民政府").level, match("江苏省人民政府").parent_name) == ("province", "国务院")
    assert (match("南京市人民政府").level, match("南京市人民政府").division_code) == ("prefecture", "320100")
    street = match("江苏省南京市玄武区梅园新村街道办事处")
    assert (street.level, street.kind, street.division_code, street.township) == ("street", "other", "320102",
                                                                                  "梅园新村街道")
    central = match("中华人民共和国教育部")
    assert (central.level, central.kind, central.division_code, central.parent_name) == (
        "central", "department", None, "国务院")
    direct = match("仙桃市人民政府")  # a county governed by its province: no prefecture
    assert (direct.province, direct.prefecture, direct.county, direct.parent_name) == (
        "湖北省", None, "仙桃市", "湖北省人民政府")
    district = match("北京市朝阳区人民政府")
    assert (district.level, district.division_code, district.parent_name) == ("county", "110105", "北京市人民政府")


def test_unknown_and_ambiguous_stay_unplaced():
    for name in ("示例县人民政府", "朝阳区人民政府", "国家税务总局宿松县税务局", "鼓楼区政府"):
        placed = match(name)
        assert placed.placement == "unplaced" and placed.division_code is None and placed.level is None, name
        assert placed.canonical_name == name
    assert "110105" in match("朝阳区人民政府").note and "220104" in match("朝阳区人民政府").note
    assert match("示例县人民政府").kind == "people_government"
    # 城乡 in a department's name is not a township
    assert match("宿松县住房和城乡建设局").level == "county"


def test_reviewed_overrides_win(tmp_path):
    path = tmp_path / "publishers.yaml"
    path.write_text("publishers:\n"
                    "  - {name: 朝阳区人民政府, division_code: '110105', reason: the report's address is in Beijing}\n"
                    "  - {name: 示例县人民政府, level: county, reason: a made-up county of the sample}\n",
                    encoding="utf-8")
    publishers = Publishers(path)
    beijing = publishers.place("朝阳区人民政府")
    assert (beijing.placement, beijing.level, beijing.province, beijing.county, beijing.parent_name) == (
        "override", "county", "北京市", "朝阳区", "北京市人民政府")
    made_up = publishers.place("示例县人民政府")
    assert (made_up.placement, made_up.level, made_up.division_code, made_up.province) == (
        "override", "county", None, None)
    assert publishers.place("宿松县人民政府").placement == "matched"


@pytest.mark.parametrize("entry, message", [
    ("{name: 示例县人民政府}", "needs name and reason"),
    ("{name: 示例县人民政府, reason: x, division_code: '999999'}", "not in the division table"),
    ("{name: 示例县人民政府, reason: x, level: city}", "level must be one of"),
    ("{name: 示例县人民政府, reason: x, colour: red}", "unknown keys"),
])
def test_a_bad_overrides_file_is_one_clear_error(tmp_path, entry, message):
    path = tmp_path / "publishers.yaml"
    path.write_text(f"publishers:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(PublishersError, match=message):
        load_overrides(path)


def test_ogi_publishers_lists_the_unplaced(tmp_path, capsys):
    from ogi.store.parquet import SCHEMAS, write_partition

    for year, name in ((2020, "宿松县人民政府"), (2021, "示例县人民政府")):
        with write_partition(str(tmp_path), "documents", year, staging=False) as add:
            add([dict.fromkeys(SCHEMAS["documents"].names) | {"doc_id": str(year), "publisher": name}])
    assert main(["publishers", "--root", str(tmp_path), "--publishers", str(tmp_path / "none.yaml")]) == 0
    out = capsys.readouterr().out
    assert "2 publishers in the published documents, 1 not placed" in out
    assert "示例县人民政府" in out and "no administrative division" in out and "宿松县" not in out
    assert main(["publishers", "--all", "--root", str(tmp_path), "--publishers", str(tmp_path / "none.yaml")]) == 0
    assert "matched: county 340826 安徽省/安庆市/宿松县" in capsys.readouterr().out
