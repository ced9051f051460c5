"""Plan text → ``ParsedDocument``: which paragraph is a section, goal, principle, item or box item.

Stable references (``ref``) are cited by other data files as ``"<doc_id>:<ref>"``:

* ITEM: the number path of its headings and its own number, 三、（一）2. → ``"3.1.2"``; an
  unnumbered titled item (山西省) takes its ordinal within its section.
* SECTION / GOAL / PRINCIPLE: the section's number path plus ``".p<k>"`` (k-th paragraph
  of that section, 1-based), e.g. ``"2.2.p1"``; preamble paragraphs are ``"pre.p<k>"``.
* BOX_ITEM: ``"box<n>.<k>"``, n the 专栏 number, k the item's ordinal across the whole box
  (sub-groups included); box text that is not an item is ``"box<n>.p<k>"``.
* INDICATOR: ``"ind<number>"``, the row's printed number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.clause import Indicator, Kind, ParsedClause, ParsedDocument
from knowledge.departments import parse_departments
from knowledge.lines import Para, Tag, split_lines
from knowledge.numerals import small_chinese
from knowledge.plans import PlanMeta, load_catalog, plan_text
from knowledge.textclean import squeeze

#: An item's title is its first sentence when that sentence is this short.
TITLE_MAX = 40
#: Where a numbered paragraph could continue both a box and the task list around it, it is a
#: task when it is this many times longer than the longest box item: box items are short notes.
_TASK_LENGTH_RATIO = 2
_COMMAS = re.compile(r"[，,；;]")


@dataclass(slots=True)
class _Box:
    number: str
    title: str
    group: str = ""  # "二、服务类"
    group_numeral: int = 0
    count: int = 0  # items so far, across groups
    paragraphs: int = 0
    expected: int = 1  # the next item number within the current group
    in_group: int = 0  # unnumbered items so far in the current group
    numbered: bool = False
    named: int = 0  # "name + text" items so far
    longest: int = 0

    @property
    def label(self) -> str:
        return f"专栏{self.number} {self.title}".strip()


@dataclass(slots=True)
class _State:
    doc_id: str
    clauses: list[ParsedClause] = field(default_factory=list)
    raw: dict[int, str] = field(default_factory=dict)  # seq → uncleaned text, grown by run-ons
    h1: tuple[int, str] | None = None
    h2: tuple[int, str] | None = None
    next_item: int = 1
    numbered_in_section: bool = False
    paragraphs: dict[tuple[int, ...], int] = field(default_factory=dict)
    titled: dict[tuple[int, ...], int] = field(default_factory=dict)
    box: _Box | None = None
    last: ParsedClause | None = None  # the clause a continuation paragraph belongs to

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(h[1] for h in (self.h1, self.h2) if h)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(h[0] for h in (self.h1, self.h2) if h)

    @property
    def section_title(self) -> str:
        return (self.h2 or self.h1 or (0, ""))[1]

    def next_paragraph_ref(self) -> str:
        key = self.numbers
        self.paragraphs[key] = self.paragraphs.get(key, 0) + 1
        return ".".join(map(str, key)) + f".p{self.paragraphs[key]}"

    def emit(
        self,
        kind: Kind,
        ref: str,
        number: str,
        title: str,
        body: str,
        *,
        path: tuple[str, ...] | None = None,
        box: str = "",
        indicator: Indicator | None = None,
    ) -> ParsedClause:
        """Append a clause; its text is cleaned once all run-on paragraphs have been added."""
        clause = ParsedClause(
            doc_id=self.doc_id,
            seq=len(self.clauses),
            kind=kind,
            ref=ref,
            path=self.path if path is None else path,
            number=number,
            title=title,
            text="",
            box=box,
            indicator=indicator,
        )
        self.clauses.append(clause)
        self.raw[clause.seq] = body
        self.last = clause
        return clause


def _title(body: str, *, allow_commas: bool) -> str:
    first, dot, _ = squeeze(body).partition("。")
    if not dot or len(first) > TITLE_MAX or (not allow_commas and _COMMAS.search(first)):
        return ""
    return first


def _paragraph_kind(state: _State, body: str) -> Kind:
    if state.section_title.endswith("目标"):
        return Kind.GOAL
    if state.section_title.endswith("基本原则") and squeeze(body).startswith("坚持"):
        return Kind.PRINCIPLE
    return Kind.SECTION


def _heading(state: _State, para: Para) -> None:
    state.box = None
    state.next_item, state.numbered_in_section = 1, False
    number = small_chinese(para.numeral) or 0
    if para.tag is Tag.H1:
        state.h1, state.h2 = (number, f"{para.numeral}、{squeeze(para.head)}"), None
        state.last = None
        return
    state.h2 = (number, f"（{para.numeral}）{squeeze(para.head)}")
    state.last = None
    if para.body:
        kind = _paragraph_kind(state, para.body.partition("。")[2])
        state.emit(kind, state.next_paragraph_ref(), f"（{para.numeral}）", squeeze(para.head), para.body)


def _box_item(state: _State, box: _Box, body: str, printed: int | None, title: str) -> None:
    box.count += 1
    box.in_group += 1
    where = f"{box.group} " if box.group else ""
    ordinal = printed if printed is not None else box.in_group
    box.longest = max(box.longest, len(squeeze(body)))
    path = state.path + ((box.group,) if box.group else ())
    state.emit(
        Kind.BOX_ITEM,
        f"box{box.number}.{box.count}",
        f"专栏{box.number} {where}第{ordinal}项",
        title,
        body,
        path=path,
        box=box.label,
    )


def _in_box(state: _State, box: _Box, para: Para) -> bool:
    """Handle a paragraph inside an open box; False when it closes the box instead."""
    if para.tag is Tag.H1 and small_chinese(para.numeral) == box.group_numeral + 1:
        box.group, box.group_numeral = f"{para.numeral}、{squeeze(para.head)}", box.group_numeral + 1
        box.expected, box.in_group = 1, 0
        state.last = None
        return True
    if para.tag is Tag.NUM:
        printed = int(para.numeral)
        if box.named:
            return False
        fits_box, fits_list = printed == box.expected, printed == state.next_item
        if fits_box and fits_list:
            long = len(squeeze(para.body)) > _TASK_LENGTH_RATIO * box.longest
            fits_box = not (long or any(parse_departments(para.body)))
        elif not fits_box and not fits_list:
            fits_box = printed > box.expected
        if not fits_box:
            return False
        box.numbered, box.expected = True, printed + 1
        _box_item(state, box, para.body, printed, _title(para.body, allow_commas=True))
        return True
    if para.tag is not Tag.TEXT:
        return False
    if not box.numbered and para.name:
        box.named += 1
        rest = para.body.strip()[len(para.name) :].strip()
        _box_item(state, box, f"{para.name}：{rest}", None, squeeze(para.name))
        return True
    if state.last is not None and state.last.box == box.label:
        state.raw[state.last.seq] += para.body
        return True
    box.paragraphs += 1
    path = state.path + ((box.group,) if box.group else ())
    state.emit(
        Kind.BOX_ITEM, f"box{box.number}.p{box.paragraphs}", "", "", para.body, path=path, box=box.label
    )
    return True


def _indicator_text(row: Indicator) -> str:
    name = f"{row.name}（{row.unit}）" if row.unit else row.name
    parts = [f"{row.category}：{name}" if row.category else name]
    if row.value_2020:
        parts.append(f"2020年{row.value_2020}")
    parts.append(f"2025年目标{row.target_2025 or '未列明'}")
    if row.attribute:
        parts.append(f"{row.attribute}指标")
    return "，".join(parts) + "。"


def _table(state: _State, para: Para) -> None:
    box = f"专栏{para.numeral} {squeeze(para.head)}"
    for row in para.rows:
        state.emit(
            Kind.INDICATOR,
            f"ind{row.number}",
            f"指标{row.number}",
            row.name,
            _indicator_text(row),
            box=box,
            indicator=row,
        )
    state.last = None


def _numbered(state: _State, para: Para) -> None:
    printed = int(para.numeral)
    if state.section_title.endswith("目标"):
        title = _title(para.body, allow_commas=False)
        state.emit(Kind.GOAL, state.next_paragraph_ref(), f"{printed}.", title, para.body)
        return
    state.next_item, state.numbered_in_section = printed + 1, True
    ref = ".".join(map(str, (*state.numbers, printed)))
    state.emit(Kind.ITEM, ref, f"{printed}.", _title(para.body, allow_commas=True), para.body)


def _text(state: _State, para: Para) -> None:
    kind = _paragraph_kind(state, para.body)
    if kind is Kind.SECTION and state.h2 and not state.numbered_in_section:
        title = _title(para.body, allow_commas=False)
        if title and squeeze(para.body) != f"{title}。":
            key = state.numbers
            state.titled[key] = state.titled.get(key, 0) + 1
            ref = ".".join(map(str, (*key, state.titled[key])))
            state.emit(Kind.ITEM, ref, "", title, para.body)
            return
    if kind is Kind.SECTION and state.last is not None and state.last.kind is Kind.ITEM:
        state.raw[state.last.seq] += para.body  # an item's text resumed after a page break
        return
    title = "" if kind is Kind.SECTION else _title(para.body, allow_commas=False)
    state.emit(kind, state.next_paragraph_ref(), "", title.lstrip("—"), para.body)


def _finish(state: _State) -> None:
    seen: set[str] = set()
    for clause in state.clauses:
        if clause.ref in seen:
            raise ValueError(f"{clause.doc_id}: duplicate ref {clause.ref!r} (clause {clause.seq})")
        seen.add(clause.ref)
        if clause.kind is not Kind.INDICATOR:
            clause.text = squeeze(state.raw[clause.seq])
        else:
            clause.text = state.raw[clause.seq]
        clause.lead_departments, clause.participating_departments = parse_departments(clause.text)


def parse_plan(meta: PlanMeta, text: str) -> ParsedDocument:
    """Cut one plan's text into clauses in document order (see the module docstring for refs)."""
    split = split_lines(text)
    state = _State(meta.doc_id)
    for k, paragraph in enumerate(split.preamble, start=1):
        state.emit(Kind.PREAMBLE, f"pre.p{k}", "", "", paragraph, path=())
    for para in split.body:
        if state.box is not None and _in_box(state, state.box, para):
            continue
        state.box = None
        if para.tag in (Tag.H1, Tag.H2):
            _heading(state, para)
        elif para.tag is Tag.BOX:
            state.box, state.last = _Box(para.numeral, squeeze(para.head)), None
        elif para.tag is Tag.TABLE:
            _table(state, para)
        elif para.tag is Tag.NUM:
            _numbered(state, para)
        else:
            _text(state, para)
    _finish(state)
    return ParsedDocument(doc_id=meta.doc_id, title=meta.title, clauses=state.clauses)


def parse_all() -> list[ParsedDocument]:
    """Every plan of the packaged catalog, in catalog order."""
    return [parse_plan(meta, plan_text(meta)) for meta in load_catalog().values()]


def clause_index(docs: list[ParsedDocument]) -> dict[str, ParsedClause]:
    """Clauses keyed by the citation other data files use: ``"<doc_id>:<ref>"``."""
    return {f"{clause.doc_id}:{clause.ref}": clause for doc in docs for clause in doc.clauses}
