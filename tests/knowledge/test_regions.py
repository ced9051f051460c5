"""The gazetteer: which region a question names, the regions above it, and which plans apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import regions
from knowledge.library import Library
from knowledge.plans import load_catalog, plan_text
from knowledge.regions import (
    Gazetteer,
    RegionDataError,
    covered_chain,
    detect,
    load_gazetteer,
    normalize_region,
    read_gazetteer,
)

SHANXI = "山西省"
NINGXIA = "宁夏回族自治区"

# text → (place named, its chain, most specific covered plan region)
DETECT_CASES = [
    # the five covered regions, by full and short name
    ("朔州市残疾人两项补贴标准是多少", "朔州市", ("朔州市", SHANXI), "朔州市"),
    ("朔州 残疾证怎么办", "朔州市", ("朔州市", SHANXI), "朔州市"),
    ("山西省的托养服务有哪些", SHANXI, (SHANXI,), SHANXI),
    ("山西残疾人就业补贴", SHANXI, (SHANXI,), SHANXI),
    ("同心县 职业技能培训人数", "同心县", ("同心县", "吴忠市", NINGXIA), "同心县"),
    ("张掖市康复服务覆盖率", "张掖市", ("张掖市", "甘肃省"), "张掖市"),
    ("张掖 困难重度残疾人家庭无障碍改造", "张掖市", ("张掖市", "甘肃省"), "张掖市"),
    ("茌平区残疾人托养", "茌平区", ("茌平区", "聊城市", "山东省"), "茌平区"),
    ("茌平 盲人按摩", "茌平区", ("茌平区", "聊城市", "山东省"), "茌平区"),
    ("茌平县的残疾人", "茌平区", ("茌平区", "聊城市", "山东省"), "茌平区"),
    # places inside a covered region
    ("我是大同的，能领护理补贴吗", "大同市", ("大同市", SHANXI), SHANXI),
    ("太原市有没有聋儿康复中心", "太原市", ("太原市", SHANXI), SHANXI),
    ("太原有没有专门给聋儿做康复的中心", "太原市", ("太原市", SHANXI), SHANXI),
    ("甘州区的残疾人托养中心在哪", "甘州区", ("甘州区", "张掖市", "甘肃省"), "张掖市"),
    ("应县残联电话", "应县", ("应县", "朔州市", SHANXI), "朔州市"),
    ("朔州应县的残疾人", "应县", ("应县", "朔州市", SHANXI), "朔州市"),
    ("山西省朔州市应县", "应县", ("应县", "朔州市", SHANXI), "朔州市"),
    ("怀仁 残疾人辅助器具", "怀仁市", ("怀仁市", "朔州市", SHANXI), "朔州市"),
    ("韦州镇的残疾人怎么办证", "韦州镇", ("韦州镇", "同心县", "吴忠市", NINGXIA), "同心县"),
    ("博平镇残疾儿童康复", "博平镇", ("博平镇", "茌平区", "聊城市", "山东省"), "茌平区"),
    ("张掖高台", "高台县", ("高台县", "张掖市", "甘肃省"), "张掖市"),
    ("右玉县残疾人就业", "右玉县", ("右玉县", "朔州市", SHANXI), "朔州市"),
    ("大同县", "云州区", ("云州区", "大同市", SHANXI), SHANXI),
    # outside the covered plans
    ("北京的残疾人补贴", "北京市", ("北京市",), None),
    ("广州有什么政策", "广州市", ("广州市", "广东省"), None),
    ("西藏残疾人", "西藏自治区", ("西藏自治区",), None),
    ("盐池县残疾人补贴", "盐池县", ("盐池县", "吴忠市", NINGXIA), None),
    ("青铜峡 残疾证", "青铜峡市", ("青铜峡市", "吴忠市", NINGXIA), None),
    ("吴忠市的规划", "吴忠市", ("吴忠市", NINGXIA), None),
    ("宁夏的残疾人保障", NINGXIA, (NINGXIA,), None),
    ("聊城市有什么政策", "聊城市", ("聊城市", "山东省"), None),
    ("东昌府区残疾人", "东昌府区", ("东昌府区", "聊城市", "山东省"), None),
    ("延边朝鲜族自治州", "延边朝鲜族自治州", ("延边朝鲜族自治州", "吉林省"), None),
    ("吉林的护理补贴", "吉林省", ("吉林省",), None),
    ("海南的残疾人", "海南省", ("海南省",), None),
    # the most specific place wins, whatever the order
    ("我从北京搬到了朔州", "朔州市", ("朔州市", SHANXI), "朔州市"),
    ("我在張掖市甘州區", "甘州区", ("甘州区", "张掖市", "甘肃省"), "张掖市"),
    # a guarded name counts where it stands apart
    ("同心 残疾证怎么办", "同心县", ("同心县", "吴忠市", NINGXIA), "同心县"),
    ("我在同心", "同心县", ("同心县", "吴忠市", NINGXIA), "同心县"),
    ("同心的残疾人两项补贴", "同心县", ("同心县", "吴忠市", NINGXIA), "同心县"),
    ("去应县办残疾证", "应县", ("应县", "朔州市", SHANXI), "朔州市"),
    # Traditional Chinese, without the caller folding it
    ("張掖 殘疾人", "张掖市", ("张掖市", "甘肃省"), "张掖市"),
    ("同心縣殘疾人", "同心县", ("同心县", "吴忠市", NINGXIA), "同心县"),
    ("去應縣", "应县", ("应县", "朔州市", SHANXI), "朔州市"),
    ("台灣的政策", "台湾省", ("台湾省",), None),
]

# ordinary words that contain a place name, and must not name it
NOT_A_PLACE = [
    "同心协力办好残疾人事业",
    "上下同心",
    "相应县级残联",
    "推广安全适用的辅助器具",
    "两份材料大同小异",
    "长治久安",
    "小店经济",
    "中山西路",
    "朝阳区",
    "黄河南岸",
    "残疾人两项补贴怎么申请",
    "",
]

# verbatim sentences from the plans, with no place beyond the plan's own area in them
PLAN_SENTENCES = [
    (
        "shuozhou",
        "习近平总书记强调，“残疾人事业一定要继续推动”，要“促进残疾人全面发展和共同富裕”，"
        "在全面建设社会主义现代化国家新征程中，决不能让残疾人掉队。",
    ),
    (
        "shuozhou",
        "推广安全适用的基本型康复辅助器具，加强新材料、智能型康复辅助器具研发和应用，"
        "增强优质康复辅助器具供给能力，推动康复辅助器具服务提质升级。",
    ),
    ("shuozhou", "到2035年，构筑起与全市基本实现现代化目标相适应的残疾人事业发展体制机制。"),
    (
        "shuozhou",
        "“十四五”时期，要继续加快发展残疾人事业，团结带领广大残疾人积极投身全面建设社会主义现代化国家的"
        "伟大实践，续写新时代中国特色社会主义朔州新篇章，共建共享更加幸福美好的生活。",
    ),
    ("tongxin", "同心县提标扩面残疾人“两项补贴”和最低生活保障。"),
    (
        "tongxin",
        "制定实施新一期同心县残疾人职业技能提升计划，帮助有就业愿意和培训需求的残疾人普遍得到相应的"
        "职业素质培训、就业技能培训、岗位技能培训和创业培训。",
    ),
    (
        "tongxin",
        "开发残疾人灵活就业项目，鼓励残疾人参与网络零售、云客服、直播带货、物流快递、小店经济、自媒体等"
        "新就业形态，支持残疾人从事手工制作等就业创业项目。",
    ),
    (
        "tongxin",
        "支持儿童福利机构增加和完善康复功能，配备相应的康复设备和专业技术人员，与医疗机构加强合作，"
        "提高康复医疗服务能力。",
    ),
    ("tongxin", "大力弘扬人道主义思想和现代残疾人观念，优化理解、尊重、关心、帮助残疾人的社会环境。"),
    ("tongxin", "支持村级乡村振兴项目优先让无劳动力或弱劳动力残疾人家庭参与和受益。"),
    ("zhangye", "投资 1800 万元，新建山丹县残疾人托养服务就业中心。"),
    (
        "zhangye",
        "鼓励互联网平台企业、中介服务机构等帮助残疾人参与网络零售、云客服、直播带货、物流快递、小店经济等"
        "新就业形态。",
    ),
    ("zhangye", "鼓励实施公益性康复辅助器具适配项目，推广安全适用的基本型康复辅助器具。"),
    ("zhangye", "发展农疗康复，支持集农业科技示范与农疗康复为一体的现代农业科技示范园区建设。"),
    ("shanxi", "到2035年,构筑起与全省基本实现现代化目标相适应的残疾人事业发展体制机制。"),
    ("shanxi", "推广安全适用的基本型康复辅助器具,加强新材料、智能型康复辅助器具研发和应用。"),
    (
        "shanxi",
        "(牵头单位:省乡村振兴局,参与单位:省委组织部、省民政厅、省财政厅、省自然资源厅、省住建厅、"
        "省卫健委、省医保局、省残联)",
    ),
    ("chiping", "创建残疾人辅助器具适配服务创新试点区，提升配置服务能力，推广安全适用的基本型辅助器具。"),
    (
        "chiping",
        "到2025年，实现巩固拓展残疾人脱贫攻坚成果同乡村振兴有效衔接，残疾人获得全生命周期服务，"
        "生活品质得到改善，民生福祉达到新水平，为我区实现“鲁西领跑、全省先进”目标贡献力量。",
    ),
    (
        "chiping",
        "深入挖掘残疾人数据价值，加强残疾人数据深度分析和趋势研究，健全数据辅助决策机制，"
        "提升风险防范能力，实现残疾人工作治理能力现代化。",
    ),
]

COVERED_CHAINS = [
    ("朔州市", ("朔州市", SHANXI)),
    ("朔州", ("朔州市", SHANXI)),
    ("应县", ("朔州市", SHANXI)),
    ("大同", (SHANXI,)),
    ("山西", (SHANXI,)),
    ("茌平区", ("茌平区",)),
    ("博平镇", ("茌平区",)),
    ("甘州区", ("张掖市",)),
    ("韦州镇", ("同心县",)),
    ("聊城市", ()),
    ("吴忠", ()),
    ("北京", ()),
    ("不知道", ()),
]

NORMALIZED = [
    ("朔州", "朔州市"),
    ("茌平", "茌平区"),
    ("张掖市", "张掖市"),
    ("甘州", "甘州区"),
    ("  同心  ", "同心县"),
    ("高台", "高台县"),
    ("張掖", "张掖市"),
    ("山西省朔州市", "朔州市"),
    ("宁夏同心", "同心县"),
    ("怀仁县", "怀仁市"),
    ("其他", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "name", "chain", "covered"), DETECT_CASES)
def test_detect_names_the_most_specific_place_with_its_chain(
    text: str, name: str, chain: tuple[str, ...], covered: str | None
) -> None:
    match = detect(text)
    assert match is not None
    assert (match.name, match.chain, match.covered_region) == (name, chain, covered)
    assert text[match.start : match.start + len(match.matched)] == match.matched


@pytest.mark.parametrize("text", NOT_A_PLACE)
def test_ordinary_words_containing_a_place_name_name_no_place(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(("doc_id", "sentence"), PLAN_SENTENCES)
def test_plan_sentences_name_at_most_the_plans_own_area(doc_id: str, sentence: str) -> None:
    meta = load_catalog()[doc_id]
    assert sentence in plan_text(meta)
    match = detect(sentence)
    assert match is None or meta.region in match.chain


@pytest.mark.parametrize("doc_id", list(load_catalog()))
def test_every_place_found_in_a_whole_plan_lies_on_that_plans_own_line(doc_id: str) -> None:
    meta = load_catalog()[doc_id]
    gazetteer = load_gazetteer()
    found = gazetteer.detect_all(plan_text(meta))
    assert any(m.name == meta.region for m in found)
    parents = gazetteer.chain(meta.region)[1:]
    strays = {m.name for m in found if meta.region not in m.chain and m.name not in parents}
    assert strays == set()


@pytest.mark.parametrize(("region", "expected"), COVERED_CHAINS)
def test_covered_chain_lists_the_plans_that_apply_most_specific_first(
    region: str, expected: tuple[str, ...]
) -> None:
    assert covered_chain(region) == expected


@pytest.mark.parametrize(("typed", "expected"), NORMALIZED)
def test_normalize_region_turns_what_a_user_types_into_the_full_name(
    typed: str, expected: str | None
) -> None:
    assert normalize_region(typed) == expected


def test_every_plan_region_sits_in_the_one_hierarchy_and_its_parents_come_from_it() -> None:
    library = Library.load()
    for meta in library.catalog.values():
        assert library.gazetteer.chain(meta.region) == (meta.region, *meta.parents)
        assert library.gazetteer.covered_chain(meta.region)[0] == meta.region
        assert meta.parents or meta.level == "province", f"{meta.region}: the regions above are filled in"


def test_the_data_file_covers_china_and_the_covered_areas_in_full() -> None:
    places = load_gazetteer().places
    by_level: dict[str, list[str]] = {}
    for place in places.values():
        by_level.setdefault(place.level, []).append(place.name)
    assert len(by_level["province"]) == 34
    assert len(by_level["city"]) == 333

    def children(parent: str) -> set[str]:
        return {p.name for p in places.values() if p.parent == parent}

    assert children("朔州市") == {"朔城区", "平鲁区", "山阴县", "应县", "右玉县", "怀仁市"}
    assert children("张掖市") == {"甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"}
    assert children("吴忠市") == {"利通区", "红寺堡区", "盐池县", "同心县", "青铜峡市"}
    assert len(children("同心县")) == 11
    assert len(children("茌平区")) == 14
    assert len(children(SHANXI)) == 11


# ---- the loader, on small files ---------------------------------------------------------------

GOOD = """
[province]
"山西省" = ["山西"]
[city."山西省"]
"朔州市" = ["朔州"]
[county."朔州市"]
"应县" = []
[guarded]
names = ["应县"]
[ordinary_words]
phrases = ["朔州路"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_file_loads_with_guards_phrases_and_covered_regions(tmp_path: Path) -> None:
    gazetteer = read_gazetteer(_write(tmp_path, GOOD), ["朔州市"], traditional=False)
    assert isinstance(gazetteer, Gazetteer)
    assert gazetteer.detect("相应县级") is None
    assert gazetteer.detect("家住朔州路") is None
    match = gazetteer.detect("朔州应县")
    assert match is not None
    assert (match.name, match.covered_region) == ("应县", "朔州市")
    assert gazetteer.detect("山西") is not None
    assert gazetteer.covered_chain("山西") == ()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace('"应县" = []', '"应县" = ["朔州"]'), "'朔州' is used by both"),
        (GOOD.replace('[county."朔州市"]', '[county."大同市"]'), "not a city listed above"),
        (GOOD.replace('names = ["应县"]', 'names = ["代县"]'), "[guarded] '代县'"),
        (GOOD.replace('phrases = ["朔州路"]', 'phrases = ["马路"]'), "[ordinary_words] '马路'"),
        (GOOD.replace('"应县" = []', '"应县" = "应"'), "must be a list"),
        (GOOD.replace('"应县" = []', '"应县" = ["应"]'), "2+ characters"),
        (GOOD + "[villages]\n", "unknown table"),
        (GOOD + "[province\n", "not valid TOML"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, broken: str, message: str
) -> None:
    with pytest.raises(RegionDataError) as caught:
        read_gazetteer(_write(tmp_path, broken), [], traditional=False)
    assert str(caught.value).startswith("regions.toml: ")
    assert message in str(caught.value)


def test_a_covered_region_missing_from_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegionDataError, match="张掖市"):
        read_gazetteer(_write(tmp_path, GOOD), ["张掖市"], traditional=False)


def test_traditional_variants_are_kept_in_the_cache_and_read_back_the_same(tmp_path, monkeypatch):
    names = ["张掖市", "甘州区", "朔州市", "茌平区", "同心县", "山西省"]
    converted = regions.traditional_variants(names)
    assert converted["张掖市"] == ("張掖市",)
    assert regions.traditional_variants(names, tmp_path) == converted
    assert len(list(tmp_path.glob("variants-*.json"))) == 1

    def refuse(_names):
        raise AssertionError("converted again instead of read from the cache")

    monkeypatch.setattr(regions, "_convert_variants", refuse)
    assert regions.traditional_variants(names, tmp_path) == converted
    with pytest.raises(AssertionError):
        regions.traditional_variants([*names, "高台县"], tmp_path)  # other names: another key


def test_a_damaged_variant_cache_is_converted_again(tmp_path):
    names = ["张掖市", "甘州区"]
    regions.traditional_variants(names, tmp_path)
    (cached,) = tmp_path.glob("variants-*.json")
    cached.write_text("{not json", encoding="utf-8")
    assert regions.traditional_variants(names, tmp_path) == regions.traditional_variants(names)
    assert json.loads(cached.read_text(encoding="utf-8"))["张掖市"] == ["張掖市"]
