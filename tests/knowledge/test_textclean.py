"""Line-level artefact removal and the line tagging the parser builds on."""

from __future__ import annotations

import pytest

from knowledge.lines import Tag, classify, split_lines
from knowledge.numerals import small_chinese
from knowledge.textclean import (
    bold_name,
    clean_line,
    ends_sentence,
    is_footer,
    is_web_artefact,
    squeeze,
    table_value,
    to_halfwidth,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[bookmark: _Toc5347]一、发展基础", "一、发展基础"),
        ("### **三、保障措施**", "三、保障措施"),
        ("- (一) 认真实施规划", "(一) 认真实施规划"),
        ("  (二)基本原则  ", "(二)基本原则"),
        ("**残疾青年见习补贴** 对符合条件的", "残疾青年见习补贴 对符合条件的"),
    ],
)
def test_clean_line_removes_markdown_and_bookmarks(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_squeeze_drops_spaces_between_chinese_but_keeps_latin_words_apart() -> None:
    assert squeeze("资金 10742.3 万元，比 “十二五” 增长") == "资金10742.3万元，比“十二五”增长"
    assert squeeze("精神障碍患 者及早康复") == "精神障碍患者及早康复"
    assert squeeze("与 GDP增长同步 ") == "与GDP增长同步"
    assert squeeze("3D  printing") == "3D printing"


def test_an_english_and_left_between_chinese_words_reads_as_he() -> None:
    assert squeeze("优惠补贴政策 and 电信业务资费") == "优惠补贴政策和电信业务资费"
    assert squeeze("research and development") == "research and development"


def test_no_plan_clause_keeps_an_english_and(clause_views) -> None:
    assert not [c.id for c in clause_views if " and " in c.text or "and电信" in c.text]


def test_table_values_are_stripped_and_half_width() -> None:
    assert table_value("≥ 97") == "≥97"
    assert table_value("100％") == "100%"
    assert table_value("＞92％") == ">92%"
    assert table_value("——") == table_value("—") == table_value("  ") == ""
    assert to_halfwidth("（%）") == "(%)"


def test_bold_name_only_for_a_leading_bold_run() -> None:
    assert bold_name("**残疾人技能人才奖励** 对参加各类") == "残疾人技能人才奖励"
    assert bold_name("残疾人技能人才奖励 对参加各类") is None
    assert bold_name("**张掖市人民政府") is None


def test_sentence_ends() -> None:
    assert ends_sentence("…制定本规划。")
    assert ends_sentence("…市残联）")
    assert not ends_sentence("…为家")
    assert not ends_sentence("…斗争。（牵头")


@pytest.mark.parametrize(
    "line",
    [
        "索  引 号: 012150SX00100/2022-32907",
        "发文机关: 山西省人民政府",
        "扫一扫在手机打开当前页面",
        "相关解读",
        "公开属性：主动公开",
    ],
)
def test_web_artefacts_are_recognised(line: str) -> None:
    assert is_web_artefact(line)


@pytest.mark.parametrize(
    "line",
    ["抄送：市委办公室，市人大常委会办公室。", "2023年5月6日印发", "山西省人民政府办公厅   2022年4月1日印发"],
)
def test_footers_are_recognised(line: str) -> None:
    assert is_footer(line)
    assert not is_footer("现将《规划》印发给你们，请认真贯彻执行。")


@pytest.mark.parametrize(
    ("line", "tag", "numeral", "head"),
    [
        ("一、发展现状", Tag.H1, "一", "发展现状"),
        (
            "(一) 完善残疾人社会保障制度，让残疾人生活更有保障。",
            Tag.H2,
            "一",
            "完善残疾人社会保障制度，让残疾人生活更有保障",
        ),
        ("（一）强化组织领导。加强党对残疾人工作的领导", Tag.H2, "一", "强化组织领导"),
        ("4． 强化残疾人就业服务。", Tag.NUM, "4", ""),
        ("专栏 8 无障碍重点项目", Tag.BOX, "8", "无障碍重点项目"),
        ("专栏2：残疾人社会保障重点项目", Tag.BOX, "2", "残疾人社会保障重点项目"),
        ("三、四级智力、精神残疾人纳入保障。", Tag.TEXT, "", ""),
        ("1.9万名困难残疾人纳入最低生活保障", Tag.TEXT, "", ""),
    ],
)
def test_classify(line: str, tag: Tag, numeral: str, head: str) -> None:
    para = classify(line)
    assert (para.tag, para.numeral, para.head) == (tag, numeral, head)


def test_heading_with_text_keeps_its_text_and_pure_heading_has_none() -> None:
    assert classify("（一）强化组织领导。加强党的领导。").body == "强化组织领导。加强党的领导。"
    assert classify("（一）完善制度，让生活更有保障。").body == ""


def test_chinese_numerals() -> None:
    assert [small_chinese(n) for n in ("一", "九", "十", "十一", "二十")] == [1, 9, 10, 11, 20]


SMALL_PLAN = """某市人民政府文件

现将《规划》印发给你们，
请认真贯彻执行。

目录
一、总则   1
二、任务   2

为做好工作，制定本规划。这是一段很长的引言，用来结束目录，因为目录中的每一行都很短小而引言不是这样的。

一、总则

总则正文的第一句被分

成了两行。

二、任务

（一）保障

1. 第一项任务。（牵头单位：市民政局；参与单位：市残联）

专栏3 重点项目

1. 项目一。内容在这

专栏3 重点项目

里继续。

2. 第二项任务。

抄送：市委办公室。
"""


def test_split_lines_on_a_small_plan() -> None:
    split = split_lines(SMALL_PLAN)
    assert split.preamble == ["现将《规划》印发给你们，请认真贯彻执行。", split.preamble[1]]
    assert split.preamble[1].startswith("为做好工作")
    tags = [(p.tag, p.numeral) for p in split.body]
    assert tags == [
        (Tag.H1, "一"),
        (Tag.TEXT, ""),
        (Tag.H1, "二"),
        (Tag.H2, "一"),
        (Tag.NUM, "1"),
        (Tag.BOX, "3"),
        (Tag.NUM, "1"),
        (Tag.NUM, "2"),
    ]
    assert split.body[1].body == "总则正文的第一句被分成了两行。"
    assert split.body[6].body == "项目一。内容在这里继续。"  # run on across the repeated box title
    assert all("抄送" not in p.body for p in split.body)
