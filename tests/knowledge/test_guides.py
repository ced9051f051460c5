"""Fact-checks for the benefit guides against the real plan texts, and the guide matcher.

A guide may only say what the clauses it cites say: every number it states (ages, grades,
percentages, counts, years) and every yuan amount must appear in a clause it cites — for a
region's sentence, in that region's clauses.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

import cn2an
import pytest

from knowledge.guides import (
    SUMMARY_MAX_CHARS,
    Guide,
    GuideError,
    glossary_for,
    normalize,
    read_guides,
)
from knowledge.guides import match_guide as match_in
from knowledge.library import DATA_DIR, Library

LIBRARY = Library.load()
GUIDES = list(LIBRARY.guides)
GUIDES_DIR = DATA_DIR / "guides"
GLOSSARY_FILE = DATA_DIR / "glossary.toml"


def match_guide(text: str) -> Guide | None:
    return match_in(text, GUIDES)


def load_guides(directory: Path) -> tuple[Guide, ...]:
    return read_guides(directory, LIBRARY.catalog, LIBRARY.glossary, tuple(LIBRARY.screenings))


GUIDE_IDS = [g.id for g in GUIDES]

# ---- numbers in Chinese policy text ---------------------------------------------------------

_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CN = "零〇一二两三四五六七八九十百千"
# 一、二级 / 三四级 / 三级: each numeral is a disability grade.
_GRADES = re.compile(r"([一二三四](?:[、和或及至到]?[一二三四])*)级")
# 五年, 六个月, 十二年, 一类或二类, 两项: a count before a unit.
_CN_COUNT = re.compile(rf"([{_CN}]+)(?=个月|周岁|岁|年|项|户|名|类|倍|%)")
_YUAN = re.compile(rf"((?:\d+(?:\.\d+)?|[{_CN}]+)[万亿]?)元")


def _plain(text: str) -> str:
    """Full-width → half-width, no spaces: "1000 户" and "１０００户" read as "1000户"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _cn_number(numeral: str) -> str:
    try:
        return str(cn2an.cn2an(numeral, "smart"))
    except ValueError:
        return numeral


def numbers_in(text: str) -> set[str]:
    """The numbers a text states, as "16", "1.5", "2025" or "级3" for a disability grade."""
    text = _plain(text)
    found = {
        f"级{'一二三四'.index(ch) + 1}"
        for m in _GRADES.finditer(text)
        for ch in m.group(1)
        if ch in "一二三四"
    }
    text = _GRADES.sub(" ", text)
    found |= {_cn_number(m.group(1)) for m in _CN_COUNT.finditer(text)}
    found |= {m.group(0) for m in _ARABIC.finditer(text)}
    return found


def yuan_in(text: str) -> set[str]:
    return {m.group(0) for m in _YUAN.finditer(_plain(text))}


def test_numbers_in_reads_grades_counts_and_digits() -> None:
    assert numbers_in("一、二级重度残疾人和三级智力残疾人") == {"级1", "级2", "级3"}
    assert numbers_in("三四级精神、智力残疾人") == {"级3", "级4"}
    assert numbers_in("就业年龄段（16—59周岁）") == {"16", "59"}
    assert numbers_in("五年累计改造 1000 户，比例１．５％") == {"5", "1000", "1.5"}
    assert numbers_in("纳入一类或二类低保，给予6个月的渐退期") == {"1", "2", "6"}
    assert numbers_in("一人一案，一次性补贴") == set()
    assert yuan_in("每人每年购买50元的意外伤害保险") == {"50元"}
    assert yuan_in("多元化投入") == set()


# ---- the plans, parsed ----------------------------------------------------------------------


@cache
def clauses() -> dict:
    from knowledge.parse import clause_index, parse_all

    return clause_index(parse_all())


def cited_text(guide: Guide, doc_id: str | None = None) -> str:
    """The text of the clauses a guide cites: all of them, or one region's."""
    index = clauses()
    keys = guide.clause_keys if doc_id is None else guide.clause_keys_for(doc_id)
    return "\n".join(index[key].text for key in keys)


# ---- loading --------------------------------------------------------------------------------


def test_every_guide_file_loads_as_one_guide() -> None:
    files = sorted(p.stem for p in GUIDES_DIR.glob("*.toml"))
    assert files == GUIDE_IDS
    assert len(GUIDES) >= 20


def test_the_issue_topics_each_have_a_guide() -> None:
    topics = [
        "最低生活保障", "单独施保", "困难残疾人生活补贴", "重度残疾人护理补贴", "残疾儿童康复救助",
        "辅助器具适配", "家庭无障碍改造", "托养", "阳光家园", "残疾人之家", "见习补贴", "按比例就业",
        "盲人按摩", "融合教育", "特殊教育", "医疗保险", "养老保险", "免费乘车", "通信资费优惠",
        "法律援助", "残疾人证", "残疾评定", "燃油补贴", "危房改造", "文化体育", "喘息服务",
    ]  # fmt: skip
    for topic in topics:
        assert match_guide(topic) is not None, topic


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_ref_resolves_to_a_clause_of_the_plan(guide: Guide) -> None:
    index = clauses()
    missing = [key for key in guide.clause_keys if key not in index]
    assert not missing, f"{guide.path.name}: refs with no clause: {missing}"


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_cited_clause_mentions_the_guide_topic(guide: Guide) -> None:
    """A ref that points at the wrong clause (an off-by-one box item) shares no word with the guide."""
    index = clauses()
    words = {normalize(t) for t in guide.aliases + guide.keywords}
    words |= {normalize(t) for t, _ in guide.glossary}
    for key in guide.clause_keys:
        text = normalize(index[key].text)
        assert any(w in text for w in words), f"{guide.path.name}: {key} does not mention the topic"


# Plans that use a guide's alias in a sense the guide is not about.
NOT_ABOUT_THE_GUIDE = {
    ("disability_card", "tongxin"): "只提到军人、民警残疾评定标准的衔接和十三五时的鉴定办证",
}


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_plan_that_names_the_benefit_is_cited(guide: Guide) -> None:
    from knowledge.parse import parse_all

    for doc in parse_all():
        if doc.doc_id in guide.doc_ids or (guide.id, doc.doc_id) in NOT_ABOUT_THE_GUIDE:
            continue
        text = normalize("".join(c.text for c in doc.clauses))
        named = [a for a in guide.aliases if normalize(a) in text]
        assert not named, f"{guide.path.name}: {doc.doc_id} names {named} but is not in [sources]"


# ---- fact checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_number_in_the_guide_appears_in_a_clause_it_cites(guide: Guide) -> None:
    backed = numbers_in(cited_text(guide))
    for field in ("title", "summary", "who", "how_to_apply"):
        unbacked = numbers_in(getattr(guide, field)) - backed
        assert not unbacked, (
            f"{guide.path.name}: {field} states {sorted(unbacked)} that no cited clause states"
        )


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_number_in_a_regional_sentence_appears_in_that_regions_clauses(guide: Guide) -> None:
    for doc_id, sentence in guide.regional:
        unbacked = numbers_in(sentence) - numbers_in(cited_text(guide, doc_id))
        assert not unbacked, (
            f"{guide.path.name}: regional.{doc_id} states {sorted(unbacked)} not in its clauses"
        )


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_no_yuan_amount_that_no_cited_clause_states(guide: Guide) -> None:
    everywhere = yuan_in(cited_text(guide))
    for field in ("title", "summary", "who", "how_to_apply"):
        assert yuan_in(getattr(guide, field)) <= everywhere, f"{guide.path.name}: {field}"
    for doc_id, sentence in guide.regional:
        assert yuan_in(sentence) <= yuan_in(cited_text(guide, doc_id)), (
            f"{guide.path.name}: regional.{doc_id}"
        )
    # national_rule describes what the plans leave to other rules, so nothing can back an amount there.
    assert not yuan_in(guide.national_rule), f"{guide.path.name}: national_rule states an amount"


def test_the_fact_check_catches_a_number_the_plan_does_not_state() -> None:
    guide = next(g for g in GUIDES if g.id == "home_accessibility")
    assert "1234" in numbers_in(cited_text(guide, "shuozhou"))
    assert "1235" not in numbers_in(cited_text(guide, "shuozhou"))
    assert "1234" not in numbers_in(cited_text(guide, "zhangye"))


def test_the_12385_hotline_is_only_named_where_a_plan_names_it() -> None:
    for guide in GUIDES:
        for doc_id, sentence in guide.regional:
            if "12385" in sentence:
                assert "12385" in cited_text(guide, doc_id), f"{guide.path.name}: regional.{doc_id}"
        for field in ("summary", "who", "how_to_apply", "national_rule"):
            assert "12385" not in getattr(guide, field), (
                f"{guide.path.name}: {field} (not every plan names it)"
            )


# ---- plain language -------------------------------------------------------------------------

SLOGANS = (
    "习近平",
    "总书记",
    "高质量发展",
    "新时代",
    "中国特色社会主义",
    "决策部署",
    "重要指示",
    "新征程",
    "共同富裕",
)
DEPARTMENT_LIST = re.compile(r"(?:局|委|厅|办)、|牵头单位|参与单位|责任单位|牵头部门|参与部门")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_MARKUP = re.compile(r"\*\*|`|#|->|→|=>|~")
_NUMBER_RANGE_DASH = re.compile(r"\d[-—–－]\d")  # read aloud as "dash"; write 16到59


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_plain_text_has_no_slogans_department_lists_or_markup(guide: Guide) -> None:
    for text in guide.plain_texts:
        assert not [s for s in SLOGANS if s in text], f"{guide.path.name}: slogan in {text!r}"
        assert not DEPARTMENT_LIST.search(text), f"{guide.path.name}: department list in {text!r}"
        assert not _EMOJI.search(text), f"{guide.path.name}: emoji in {text!r}"
        assert not _MARKUP.search(text), f"{guide.path.name}: markup a screen reader reads aloud in {text!r}"
        assert not _NUMBER_RANGE_DASH.search(text), f"{guide.path.name}: write ranges with 到: {text!r}"
        assert "你" not in text, f"{guide.path.name}: use 您, not 你: {text!r}"


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_summary_is_short_and_a_regional_line_is_one_sentence(guide: Guide) -> None:
    assert len(guide.summary) <= SUMMARY_MAX_CHARS
    assert guide.summary.endswith("。")
    for doc_id, sentence in guide.regional:
        assert sentence.count("。") == 1 and sentence.endswith("。"), f"{guide.path.name}: regional.{doc_id}"
        assert len(guide.summary) + len(sentence) <= 260, f"{guide.path.name}: regional.{doc_id} too long"


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_draft_plan_sentences_say_they_come_from_a_draft(guide: Guide) -> None:
    sentence = guide.regional_for("tongxin")
    if sentence:
        assert sentence.startswith("同心县（征求意见稿）："), guide.path.name


def test_glossary_explanations_are_plain_and_state_no_numbers() -> None:
    entries = dict(LIBRARY.glossary)
    assert {"低保", "两项补贴", "托养", "辅助器具", "跨省通办", "残疾人之家", "阳光家园", "喘息服务"} <= set(
        entries
    )
    assert {"融合教育", "按比例就业", "辅助性就业", "单独施保", "残疾评定", "无障碍改造", "康复救助"} <= set(
        entries
    )
    for term, text in entries.items():
        assert not re.search(r"\d", text), f"{GLOSSARY_FILE.name}: {term} states a number"
        assert not [s for s in SLOGANS if s in text], f"{GLOSSARY_FILE.name}: {term}"
        assert text.endswith("。") and len(text) <= 60, f"{GLOSSARY_FILE.name}: {term}"


def test_glossary_for_finds_terms_in_order_and_prefers_the_longer_term() -> None:
    found = glossary_for("低保边缘家庭的残疾人也能领两项补贴吗？可以跨省通办。", LIBRARY.glossary)
    assert [term for term, _ in found] == ["低保边缘家庭", "两项补贴", "跨省通办"]
    assert glossary_for("今天天气不错", LIBRARY.glossary) == []


# ---- matching -------------------------------------------------------------------------------

# Everyday phrasings, written for this test, and the guide each one is about.
PHRASINGS = [
    ("我家里很困难，能不能吃低保？", "dibao"),
    ("重度残疾人能不能单独申请低保", "dibao"),
    ("我老伴瘫痪在床好几年了，有没有护理方面的补贴", "nursing_subsidy"),
    ("孩子生活不能自理，需要人照顾，能领什么钱", "nursing_subsidy"),
    ("两项补贴是什么，怎么申请", "living_subsidy"),
    ("困难残疾人的生活补贴一个月多少钱", "living_subsidy"),
    ("我儿子三岁了还不会说话，医生说是自闭症，康复训练贵不贵", "child_rehab"),
    ("脑瘫孩子做康复有没有救助", "child_rehab"),
    ("想给我爸申请一个轮椅", "assistive_devices"),
    ("助听器可以免费配吗", "assistive_devices"),
    ("家里卫生间想装扶手，政府管不管", "home_accessibility"),
    ("无障碍改造需要什么条件", "home_accessibility"),
    ("我哥智力残疾，白天家里没人照顾，有托养的地方吗", "care_services"),
    ("阳光家园是干什么的", "care_services"),
    ("村里的残疾人之家能提供什么服务", "disability_home"),
    ("我是残疾人，想找工作，有人帮忙吗", "employment"),
    ("残疾大学生毕业了参加见习有补贴吗", "employment"),
    ("单位不招残疾人要交残疾人就业保障金吗", "employment"),
    ("盲人想学推拿按摩去哪里学", "blind_massage"),
    ("孩子有残疾，能上普通学校吗", "education"),
    ("残疾学生上大学有没有资助", "education"),
    ("残疾人的医保和养老保险政府给交吗", "insurance"),
    ("看病报销不了多少，还能申请医疗救助吗", "insurance"),
    ("残疾人坐公交车免费吗", "transport"),
    ("残疾人手机话费能便宜点吗", "telecom"),
    ("老板拖欠工资不给，我想找个律师", "legal_aid"),
    ("残疾证怎么办，去哪里评残", "disability_card"),
    ("开机动轮椅车有燃油补贴吗", "fuel_driving"),
    ("残疾人能考驾照开车吗", "fuel_driving"),
    ("农村的房子漏雨成了危房，能帮忙修吗", "housing"),
    ("有没有适合残疾人的健身活动", "culture_sports"),
    ("天天照顾瘫痪的孩子，压力大，快撑不住了", "respite"),
    ("什么是喘息服务", "respite"),
]


@pytest.mark.parametrize(("question", "expected"), PHRASINGS)
def test_match_guide_picks_the_guide_an_everyday_question_is_about(question: str, expected: str) -> None:
    guide = match_guide(question)
    assert guide is not None and guide.id == expected, f"{question} → {guide.id if guide else None}"


@pytest.mark.parametrize(
    "question",
    [
        "女儿五岁，耳朵听不见，做训练的钱医保能报吗",  # the child and the training are apart
        "小孩做了人工耳蜗手术，以后的康复谁出钱",
        "宝宝发育慢，去康复中心要花很多钱",
    ],
)
def test_words_that_only_point_together_match_apart(question: str) -> None:
    guide = match_guide(question)
    assert guide is not None and guide.id == "child_rehab", f"{question} → {guide.id if guide else None}"


@pytest.mark.parametrize("question", ["孩子上学的事情", "康复中心在哪"])
def test_one_word_of_a_together_group_alone_does_not_point_to_it(question: str) -> None:
    guide = match_guide(question)
    assert guide is None or guide.id != "child_rehab"


@pytest.mark.parametrize("question", ["明天天气怎么样", "护照在哪里办", "最近股票行情如何", "你好", ""])
def test_match_guide_returns_none_for_off_topic_text(question: str) -> None:
    assert match_guide(question) is None


def test_match_guide_reads_full_width_and_traditional_characters() -> None:
    assert match_guide("殘疾人護理補貼怎麼申請").id == "nursing_subsidy"
    assert match_guide("ＡＢＣ 低 保 怎么办").id == "dibao"


def test_every_guide_can_be_reached_by_its_own_first_alias() -> None:
    for guide in GUIDES:
        assert match_guide(f"请问{guide.aliases[0]}怎么申请？") is guide


# ---- validation -----------------------------------------------------------------------------

VALID = """
id = "demo"
title = "示例"
aliases = ["示例补贴"]
summary = "示例。"
who = "示例。"
how_to_apply = "示例。"
[sources]
shuozhou = ["3.1.4"]
"""


def _write(directory: Path, text: str, name: str = "demo.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_guide_file_loads(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    (guide,) = load_guides(tmp_path)
    assert guide.clause_keys == ("shuozhou:3.1.4",)
    assert guide.refs_for("zhangye") == ()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.replace('shuozhou = ["3.1.4"]', 'suzhou = ["3.1.4"]'), "sources.suzhou"),
        (lambda s: s.replace('["3.1.4"]', '["row 17"]'), "sources.shuozhou"),
        (lambda s: s.replace('summary = "示例。"', f'summary = "{"长" * 151}"'), "summary"),
        (lambda s: s.replace('who = "示例。"\n', ""), "who"),
        (lambda s: s.replace('id = "demo"', 'id = "other"'), "id"),
        (lambda s: s + '\n[regional]\nzhangye = "张掖市：示例。"\n', "regional.zhangye"),
        (lambda s: s.replace("[sources]", 'screening = "astrology"\n[sources]'), "screening"),
        (lambda s: s.replace("[sources]", 'glossary = ["不存在的词"]\n[sources]'), "glossary"),
        (lambda s: s.replace("[sources]", 'sumary = "typo"\n[sources]'), "sumary"),
        (lambda s: s.replace("[sources]", 'together = [["孩子", "小孩"]]\n[sources]'), "together"),
        (lambda s: s.replace("[sources]", 'together = [["孩子"], ["娃"]]\n[sources]'), "together"),
    ],
)
def test_a_bad_guide_file_names_the_file_and_the_field(tmp_path: Path, change, field: str) -> None:
    _write(tmp_path, change(VALID))
    with pytest.raises(GuideError) as info:
        load_guides(tmp_path)
    assert "demo.toml" in str(info.value) and f"'{field}'" in str(info.value)


def test_a_term_claimed_by_two_guides_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    _write(tmp_path, VALID.replace('id = "demo"', 'id = "twin"'), "twin.toml")
    with pytest.raises(GuideError, match=r"also a term of demo\.toml"):
        load_guides(tmp_path)


def test_toml_syntax_errors_name_the_file(tmp_path: Path) -> None:
    _write(tmp_path, VALID + "\nbroken = [\n")
    with pytest.raises(GuideError, match=r"demo\.toml: not valid TOML"):
        load_guides(tmp_path)


def test_guide_files_are_data_a_policy_worker_can_read() -> None:
    """Each file parses as plain TOML on its own, without the loader."""
    for path in GUIDES_DIR.glob("*.toml"):
        with path.open("rb") as fh:
            assert tomllib.load(fh)["id"] == path.stem
