"""Golden tests of the parser on the five real plan texts.

The expected numbers were counted by hand in the texts (box items per 专栏, items per
section; 茌平's own table of contents lists its items per section).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from knowledge.clause import Kind, ParsedClause, ParsedDocument
from knowledge.parse import clause_index, parse_all, parse_plan
from knowledge.plans import load_catalog, plan_text

DOC_IDS = ["shuozhou", "tongxin", "zhangye", "shanxi", "chiping"]


@pytest.fixture(scope="module")
def docs() -> dict[str, ParsedDocument]:
    return {doc.doc_id: doc for doc in parse_all()}


@pytest.fixture(scope="module")
def index(docs: dict[str, ParsedDocument]) -> dict[str, ParsedClause]:
    return clause_index(list(docs.values()))


def _of(doc: ParsedDocument, kind: Kind) -> list[ParsedClause]:
    return [c for c in doc.clauses if c.kind is kind]


# --- invariants on every plan -------------------------------------------------------------


def test_parse_all_follows_the_catalog(docs: dict[str, ParsedDocument]) -> None:
    assert list(docs) == DOC_IDS
    assert docs["shanxi"].title == "山西省“十四五”残疾人保障和发展规划"


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_refs_are_unique_and_seq_follows_document_order(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    clauses = docs[doc_id].clauses
    refs = [c.ref for c in clauses]
    assert len(refs) == len(set(refs)), [r for r, n in Counter(refs).items() if n > 1]
    assert [c.seq for c in clauses] == list(range(len(clauses)))
    assert all(c.doc_id == doc_id for c in clauses)


REF_SHAPES = {
    Kind.PREAMBLE: r"pre\.p\d+",
    Kind.SECTION: r"\d+(\.\d+)?\.p\d+",
    Kind.GOAL: r"\d+(\.\d+)?\.p\d+",
    Kind.PRINCIPLE: r"\d+(\.\d+)?\.p\d+",
    Kind.ITEM: r"\d+(\.\d+){1,2}",
    Kind.BOX_ITEM: r"box\d+\.p?\d+",
    Kind.INDICATOR: r"ind\d+",
}


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_refs_have_the_documented_shape(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    for clause in docs[doc_id].clauses:
        assert re.fullmatch(REF_SHAPES[clause.kind], clause.ref), (clause.kind, clause.ref)


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_no_artefact_survives_in_clause_text(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    for clause in docs[doc_id].clauses:
        for artefact in (
            "[bookmark",
            "_Toc",
            "**",
            "#",
            "索引号",
            "扫一扫",
            "相关解读",
            "发文机关",
            "公开属性",
            "抄送",
        ):
            assert artefact not in clause.text, (clause.ref, artefact)
        assert "\n" not in clause.text and "\t" not in clause.text, clause.ref
        assert clause.text == clause.text.strip() and clause.text, clause.ref


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_only_preamble_clauses_lack_a_path(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    for clause in docs[doc_id].clauses:
        assert bool(clause.path) == (clause.kind is not Kind.PREAMBLE), clause.ref
        assert all("。" not in heading and heading for heading in clause.path), clause.path


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_paths_carry_normalised_numbers(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    for clause in docs[doc_id].clauses:
        if clause.kind is Kind.PREAMBLE:
            continue
        assert re.match(r"^[一二三四五六七八九十]+、\S", clause.path[0]), clause.path
        if len(clause.path) > 1 and not clause.box:
            assert re.match(r"^（[一二三四五六七八九十]+）\S", clause.path[1]), clause.path
        assert not any(" " in heading for heading in clause.path), clause.path


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_the_preamble_comes_first_and_is_the_notice_and_introduction(
    docs: dict[str, ParsedDocument], doc_id: str
) -> None:
    kinds = [c.kind for c in docs[doc_id].clauses]
    n = kinds.count(Kind.PREAMBLE)
    assert kinds[:n] == [Kind.PREAMBLE] * n
    assert docs[doc_id].clauses[n - 1].text.endswith(("制定本规划。", "编制本规划。"))


def test_the_tongxin_draft_has_only_its_introduction_as_preamble(docs: dict[str, ParsedDocument]) -> None:
    (preamble,) = _of(docs["tongxin"], Kind.PREAMBLE)
    assert preamble.ref == "pre.p1"
    assert preamble.text.startswith("为深入贯彻习近平总书记")
    assert "征求意见稿" not in preamble.text


def test_parsing_is_deterministic() -> None:
    meta = load_catalog()["zhangye"]
    first, second = parse_plan(meta, plan_text(meta)), parse_plan(meta, plan_text(meta))
    assert first == second


# --- items and sections -------------------------------------------------------------------

ITEMS_PER_SECTION = {
    "shuozhou": {"3.1": 5, "3.2": 5, "3.3": 8, "3.4": 5, "3.5": 2, "3.6": 0},
    "tongxin": {"3.1": 3, "3.2": 4, "3.3": 4, "3.4": 3, "3.5": 4, "3.6": 1, "3.7": 3, "3.8": 3},
    "zhangye": {"3.1": 8, "3.2": 5, "3.3": 11, "3.4": 9},
    "shanxi": {"3.1": 5, "3.2": 5, "3.3": 8, "3.4": 5, "3.5": 2, "3.6": 0},
    "chiping": {"2.1": 6, "2.2": 4, "2.3": 10, "2.4": 3, "2.5": 9},
}


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_item_counts_per_task_section(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    counts = Counter(c.ref.rsplit(".", 1)[0] for c in _of(docs[doc_id], Kind.ITEM))
    assert dict(counts) == {k: v for k, v in ITEMS_PER_SECTION[doc_id].items() if v}
    for section, n in ITEMS_PER_SECTION[doc_id].items():
        refs = [c.ref for c in _of(docs[doc_id], Kind.ITEM) if c.ref.rsplit(".", 1)[0] == section]
        assert refs == [f"{section}.{k}" for k in range(1, n + 1)]


def test_a_numbered_item_keeps_its_number_title_and_departments(index: dict[str, ParsedClause]) -> None:
    item = index["shuozhou:3.1.1"]
    assert item.kind is Kind.ITEM
    assert item.number == "1."
    assert item.title == "巩固拓展残疾人脱贫攻坚成果"
    assert item.path == ("三、主要任务", "（一）提高残疾人民生保障水平")
    assert item.text.startswith("巩固拓展残疾人脱贫攻坚成果。脱贫攻坚目标任务完成后")
    assert item.lead_departments == ("市乡村振兴局",)
    assert "市民政局" in item.participating_departments
    assert len(item.participating_departments) == 8


def test_full_width_item_numbers_are_normalised(index: dict[str, ParsedClause]) -> None:
    assert index["tongxin:3.1.1"].number == "1."
    assert index["tongxin:3.1.1"].title == "优化残疾人帮扶政策"


def test_unnumbered_shanxi_items_are_titled_by_their_first_sentence(docs: dict[str, ParsedDocument]) -> None:
    item = clause_index([docs["shanxi"]])["shanxi:3.1.2"]
    assert item.kind is Kind.ITEM and item.number == ""
    assert item.title == "完善残疾人社会救助和社会保障体系"
    assert item.lead_departments[:2] == ("省民政厅", "省人社厅")  # 责任单位, half-width punctuation
    assert item.participating_departments == ()
    first = clause_index([docs["shanxi"]])["shanxi:3.1.1"]
    assert first.title == "巩固拓展残疾人脱贫攻坚成果"
    assert first.participating_departments[0] == "省委组织部"


def test_a_section_without_titled_paragraphs_is_section_text(index: dict[str, ParsedClause]) -> None:
    for key in ("shanxi:3.6.p1", "shuozhou:3.6.p1"):
        clause = index[key]
        assert clause.kind is Kind.SECTION
        assert clause.text.startswith("加强残疾人服务从业人员职业能力建设")
        assert "省残联" in clause.lead_departments or "市残联" in clause.lead_departments


def test_shanxi_table_of_contents_yields_no_clause(docs: dict[str, ParsedDocument]) -> None:
    text = plan_text(load_catalog()["shanxi"])
    toc = text[text.index("目录") : text.index("为深入贯彻")]
    entries = [re.sub(r"\s+\d+$", "", line.strip()) for line in toc.splitlines()[1:] if line.strip()]
    assert len(entries) == 18
    for clause in docs["shanxi"].clauses:
        assert not re.search(r"\S\s+\d{1,2}$", clause.text), clause.text
        assert clause.text not in entries
        assert not clause.text.startswith("目录")
    level1 = [c.path[0] for c in docs["shanxi"].clauses if c.path]
    assert level1.count("一、发展现状") == 2  # the two real paragraphs, not the TOC entry


def test_chiping_table_of_contents_is_skipped_and_its_headings_parsed_for_real(
    docs: dict[str, ParsedDocument],
) -> None:
    doc = docs["chiping"]
    assert [c.kind for c in doc.clauses[:2]] == [Kind.PREAMBLE, Kind.PREAMBLE]
    assert doc.clauses[2].ref == "1.1.p1"
    titles = {c.text for c in doc.clauses}
    assert "巩固拓展残疾人脱贫攻坚成果同乡村振兴有效衔接" not in titles  # a TOC line
    item = clause_index([doc])["chiping:2.1.1"]
    assert item.path[1] == "（一）完善残疾人社会保障制度，为残疾人提供更加稳定更加高水平的民生保障"
    assert item.lead_departments == ("区乡村振兴局",)


def test_a_page_break_inside_a_paragraph_is_rejoined(index: dict[str, ParsedClause]) -> None:
    assert "中国特色社会主义制度的显著优势" in index["shuozhou:1.p1"].text
    assert "坚持对残疾人格外关心、格外关注，解决好残疾人" in index["shuozhou:2.2.p2"].text
    assert "落实从学前到研究生教育全覆盖的学生资助政策" in index["shuozhou:3.3.4"].text
    assert "农村残疾人家庭主要成员重度残疾" in index["zhangye:3.1.1"].text
    assert "《伤残抚恤管理办法》" in index["zhangye:3.1.7"].text


def test_a_department_parenthesis_broken_off_is_reattached(index: dict[str, ParsedClause]) -> None:
    own_line = index["shuozhou:3.3.1"]  # "(牵头单位：…)" stands on its own line
    assert own_line.lead_departments == ("市残联",)
    assert "市妇联" in own_line.participating_departments
    split_word = index["shuozhou:4.4.p1"]  # "（牵头" / "单位：市残联；…" across a page break
    assert split_word.lead_departments == ("市残联",)
    assert split_word.participating_departments == ("市委组织部", "市民政局", "市财政局", "市人社局")
    assert index["chiping:2.2.1"].lead_departments == ("区人力资源和社会保障局",)


def test_a_paragraph_resumed_after_a_page_break_stays_with_its_item(index: dict[str, ParsedClause]) -> None:
    assert "将残疾人保障法等相关法律法规宣传教育纳入全市" in index["zhangye:3.4.1"].text
    assert "zhangye:3.4.1.p1" not in index


def test_responsibility_units_count_as_lead(index: dict[str, ParsedClause]) -> None:
    clause = index["shuozhou:3.1.2"]
    assert clause.lead_departments[0] == "市民政局"
    assert "朔州银保监分局" in clause.lead_departments
    assert clause.participating_departments == ()


DEPARTMENT_CLAUSES = {"shuozhou": 30, "tongxin": 0, "zhangye": 0, "shanxi": 30, "chiping": 36}


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_every_stated_department_list_is_parsed(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    with_departments = [c for c in docs[doc_id].clauses if c.lead_departments]
    mentions = [c for c in docs[doc_id].clauses if re.search(r"(牵头|责任)\s*(单位|部门)", c.text)]
    assert len(with_departments) == len(mentions) == DEPARTMENT_CLAUSES[doc_id]


# --- goals and principles -----------------------------------------------------------------


def test_goals_and_principles(docs: dict[str, ParsedDocument], index: dict[str, ParsedClause]) -> None:
    goals = _of(docs["shuozhou"], Kind.GOAL)
    assert [g.ref for g in goals] == [f"2.3.p{k}" for k in range(1, 7)]
    assert goals[1].text.startswith("——残疾人社会保障得到新提高。")
    assert goals[1].title == "残疾人社会保障得到新提高"
    principles = _of(docs["shanxi"], Kind.PRINCIPLE)
    assert [p.title for p in principles] == [
        "坚持党的全面领导",
        "坚持以人民为中心",
        "坚持兜底保障",
        "坚持协调发展",
    ]
    assert len(_of(docs["tongxin"], Kind.GOAL)) == 8
    assert index["tongxin:2.3.p2"].title == "社会保障实现新提升"
    assert index["chiping:1.2.p1"].kind is Kind.PRINCIPLE
    assert [index[f"chiping:1.3.p{k}"].number for k in range(1, 6)] == ["（三）", "1.", "2.", "3.", "4."]
    assert index["zhangye:2.2.p2"].kind is Kind.GOAL


def test_a_heading_with_text_is_one_clause_titled_by_the_heading(index: dict[str, ParsedClause]) -> None:
    clause = index["shuozhou:4.1.p1"]
    assert clause.kind is Kind.SECTION
    assert (clause.number, clause.title) == ("（一）", "强化组织领导")
    assert clause.path == ("四、保障措施", "（一）强化组织领导")
    assert "确保习近平总书记关于残疾人事业" in clause.text  # rejoined across the line break


# --- boxes ---------------------------------------------------------------------------------

BOX_ITEMS = {
    "shuozhou": {2: 8, 3: 7, 4: 6, 5: 6, 6: 7, 7: 8, 8: 6, 9: 6},
    "tongxin": {2: 3, 3: 8, 4: 7, 5: 8, 6: 5},
    "zhangye": {2: 10, 3: 8, 4: 8, 5: 5, 6: 6, 7: 8, 8: 8, 9: 8},
    "shanxi": {},
    "chiping": {2: 7, 3: 6, 4: 4, 5: 5, 6: 4, 7: 6, 8: 12, 9: 4},
}


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_box_item_counts_per_box(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    items = [c for c in _of(docs[doc_id], Kind.BOX_ITEM) if ".p" not in c.ref]
    counts = Counter(int(c.ref[3:].split(".")[0]) for c in items)
    assert dict(counts) == BOX_ITEMS[doc_id]
    for box, n in BOX_ITEMS[doc_id].items():
        assert [c.ref for c in items if c.ref.startswith(f"box{box}.")] == [
            f"box{box}.{k}" for k in range(1, n + 1)
        ]


def test_box_item_split_by_page_break_is_rejoined(index: dict[str, ParsedClause]) -> None:
    item = index["shuozhou:box5.3"]
    assert "为家庭照护者提供技能培训" in item.text
    assert "专栏" not in item.text
    assert item.box == "专栏5 残疾人健康和康复重点项目"
    assert item.number == "专栏5 第3项"
    assert item.path == ("三、主要任务", "（三）完善残疾人关爱服务体系")
    assert "支持普通职业院校招收具有接受普通教育能力的残疾学生" in index["shuozhou:box6.3"].text
    assert "培养残疾人特殊艺术人才和师资" in index["shuozhou:box7.4"].text
    assert index["shuozhou:box4.5"].title == "残疾人辅助性就业项目"


def test_box_sub_groups_restart_numbering_but_not_the_ref(index: dict[str, ParsedClause]) -> None:
    first_service = index["zhangye:box2.6"]
    assert first_service.number == "专栏2 二、服务类 第1项"
    assert first_service.path[-1] == "二、服务类"
    assert first_service.title == "万名残疾人家庭走访探视行动"
    assert index["zhangye:box2.5"].path[-1] == "一、资金类"
    assert index["tongxin:box5.7"].number == "专栏5 三、残疾人体育 第1项"


def test_a_task_item_after_a_box_is_not_swallowed_by_it(index: dict[str, ParsedClause]) -> None:
    # 3. and 6. continue both the box's numbering and the task list; the long task wins.
    assert index["zhangye:3.2.3"].title == "提升残疾人职业素质和就业创业能力"
    assert index["zhangye:3.3.6"].title == "健全残疾人教育体系"
    assert "为残疾学生参加各级各类考试提供合理便利" in index["zhangye:3.3.6"].text
    assert index["shuozhou:3.2.3"].title == "提升残疾人职业技能"


def test_box_text_that_is_not_an_item(index: dict[str, ParsedClause]) -> None:
    clause = index["zhangye:box8.p1"]
    assert clause.kind is Kind.BOX_ITEM
    assert clause.text.startswith("市、县区“两会”和政府新闻发布会")
    assert clause.path[-1] == "三、无障碍服务"
    assert clause.title == ""


def test_name_and_text_box_items(index: dict[str, ParsedClause]) -> None:
    item = index["chiping:box2.2"]
    assert item.title == "最低生活保障"
    assert item.text.startswith("最低生活保障：将符合条件的残疾人家庭")
    assert item.number == "专栏2 第2项"
    assert index["chiping:box3.1"].title == "残疾人自主创业灵活就业补贴"  # a bold name
    assert index["chiping:box5.4"].title == "脑瘫儿童康复救助专项行动"  # a plain name after bold ones
    assert "能为残疾儿童提供医康教融合" in index["chiping:box5.3"].text


def test_chiping_nursing_subsidy_extension_is_found(docs: dict[str, ParsedDocument]) -> None:
    hits = [
        c for c in docs["chiping"].clauses if "护理补贴覆盖至有护理需求的三、四级智力、精神残疾人" in c.text
    ]
    assert [c.ref for c in hits] == ["box2.3"]


# --- indicators ----------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ["shuozhou", "tongxin", "zhangye", "chiping"])
def test_indicator_tables_have_eleven_rows_in_order(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    rows = _of(docs[doc_id], Kind.INDICATOR)
    assert [c.ref for c in rows] == [f"ind{k}" for k in range(1, 12)]
    assert all(c.indicator and c.indicator.attribute in ("约束性", "预期性") for c in rows)
    assert all(c.box.startswith("专栏1 ") for c in rows)


def test_tongxin_one_cell_per_line_table(index: dict[str, ParsedClause]) -> None:
    training = index["tongxin:ind2"].indicator
    assert training is not None
    assert (training.name, training.unit, training.target_2025, training.attribute) == (
        "城乡残疾人职业技能培训人数",
        "人",
        "1140",
        "预期性",
    )
    assert training.value_2020 == ""
    income = index["tongxin:ind1"].indicator
    assert income is not None and income.target_2025 == "与GDP增长同步"
    assert income.category == "收入和就业"
    assert index["tongxin:ind4"].indicator.target_2025 == "100%"  # type: ignore[union-attr]
    assert index["tongxin:ind6"].indicator.target_2025 == ">92%"  # type: ignore[union-attr]
    missing = index["tongxin:ind11"].indicator
    assert missing is not None and (missing.unit, missing.target_2025, missing.attribute) == (
        "户",
        "",
        "约束性",
    )
    assert index["tongxin:ind9"].indicator.category == "社会保障和基本公共服务"  # type: ignore[union-attr]


def test_tab_separated_tables_carry_the_category_down(index: dict[str, ParsedClause]) -> None:
    row = index["shuozhou:ind8"].indicator
    assert row is not None
    assert (row.target_2025, row.category, row.unit) == ("≥97", "社会保障和公共服务", "%")
    assert index["shuozhou:ind2"].indicator.category == "收入和就业"  # type: ignore[union-attr]
    zhangye = index["zhangye:ind7"].indicator
    assert zhangye is not None and (zhangye.value_2020, zhangye.target_2025) == (">95", ">95")
    assert index["zhangye:ind1"].indicator.value_2020 == ""  # type: ignore[union-attr]
    chiping = index["chiping:ind9"].indicator
    assert chiping is not None and (chiping.unit, chiping.value_2020, chiping.target_2025) == (
        "人/次",
        "",
        ">300",
    )
    assert chiping.category == ""


def test_indicator_clause_reads_as_a_sentence(index: dict[str, ParsedClause]) -> None:
    clause = index["shuozhou:ind11"]
    assert clause.number == "指标11"
    assert clause.title == "困难重度残疾人家庭无障碍改造数"
    assert "1234" in clause.text and "约束性" in clause.text
    assert clause.path == ("二、总体要求", "（三）主要目标")


def test_clause_index_is_keyed_by_doc_and_ref(docs: dict[str, ParsedDocument]) -> None:
    index = clause_index(list(docs.values()))
    assert len(index) == sum(len(d.clauses) for d in docs.values())
    assert index["shuozhou:3.1.1"].doc_id == "shuozhou"
    assert index["shanxi:3.1.1"].doc_id == "shanxi"
