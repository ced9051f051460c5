"""The main-indicator tables of all plans side by side: one line per indicator, one row per plan.

Plans word the same indicator differently ("残疾人基本康复服务覆盖率", "符合条件且有需求的残疾儿童和
持证残疾人基本康复服务覆盖率"). `knowledge/data/indicators.toml` says which wordings are one
indicator, so rows are matched by that data, never by similarity; a row whose wording the file does
not list stays on its own line under its own name. Values are kept exactly as the table prints them
("≥85", ">300", "与GDP增长同步"); a number is read from them only to draw it.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.clause import ClauseView, Kind
from knowledge.datafile import DataError, read_toml
from knowledge.plain import SENTENCE
from knowledge.tokenize import clean_text, to_simplified

FILE_NAME = "indicators.toml"
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER = re.compile(r"^(?P<cmp>[≥≤><]=?)?(?P<num>\d+(?:\.\d+)?)%?$")
_SPACE = re.compile(r"\s+")
_COMPARATOR_WORDS = {
    "≥": "不低于",
    ">=": "不低于",
    ">": "高于",
    "≤": "不高于",
    "<=": "不高于",
    "<": "低于",
}


class IndicatorDataError(DataError):
    """indicators.toml is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """One indicator, however each plan words it."""

    key: str
    name: str  # what planbot calls it: "残疾人基本康复服务覆盖率"
    group: str  # the table's 类别: "收入和就业"
    names: tuple[str, ...]  # the plans' wordings
    words: tuple[str, ...]  # what a person may type for it, longest first


@dataclass(frozen=True, slots=True)
class IndicatorMap:
    definitions: tuple[IndicatorDef, ...]

    def for_name(self, name: str) -> IndicatorDef | None:
        wanted = normalize(name)
        return next((d for d in self.definitions if wanted in {normalize(n) for n in d.names}), None)


def normalize(text: str) -> str:
    """For matching what people type: NFKC, Simplified, no spaces."""
    return folded(to_simplified(clean_text(text)))


def folded(text: str) -> str:
    """For matching the plans' own text, already Simplified: NFKC, lower case, no spaces (cheap)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).lower())


def read_indicator_map(path: Path) -> IndicatorMap:
    where = path.name
    raw = read_toml(path, IndicatorDataError, where)
    entries = raw.get("indicator")
    if not isinstance(entries, list) or not entries:
        raise IndicatorDataError(f"{where}: needs [[indicator]] entries")
    definitions: list[IndicatorDef] = []
    seen_names: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        at = f"{where}: indicator {n}"
        if not isinstance(entry, dict):
            raise IndicatorDataError(f"{at}: must be a table")
        unknown = set(entry) - {"key", "name", "group", "names", "words"}
        if unknown:
            raise IndicatorDataError(f"{at}: unknown field(s) {sorted(unknown)}")
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise IndicatorDataError(f"{at}: field 'key' must be lower case letters, digits and _")
        at = f"{where}: indicator {key!r}"
        if any(d.key == key for d in definitions):
            raise IndicatorDataError(f"{at}: the key is used twice")
        text: dict[str, str] = {}
        for field in ("name", "group"):
            value = entry.get(field)
            if not isinstance(value, str) or not value.strip():
                raise IndicatorDataError(f"{at}: field {field!r} must be a non-empty string")
            text[field] = value.strip()
        lists: dict[str, list[str]] = {}
        for field in ("names", "words"):
            value = entry.get(field)
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                raise IndicatorDataError(f"{at}: field {field!r} must be a non-empty list of strings")
            lists[field] = value
        for name in lists["names"]:
            if normalize(name) in seen_names:
                raise IndicatorDataError(
                    f"{at}: field 'names': {name!r} is already listed under {seen_names[normalize(name)]!r}"
                )
            seen_names[normalize(name)] = key
        words = tuple(sorted(dict.fromkeys(normalize(w) for w in lists["words"]), key=len, reverse=True))
        definitions.append(IndicatorDef(key, text["name"], text["group"], tuple(lists["names"]), words))
    return IndicatorMap(tuple(definitions))


@dataclass(frozen=True, slots=True)
class Value:
    """One cell of an indicator table, as printed, with the unit of its row."""

    raw: str  # "≥85", "100%", "与GDP增长同步", "" (not stated)
    unit: str  # "%", "人", "户", "人/次", ""

    @property
    def stated(self) -> bool:
        return bool(self.raw)

    @property
    def _parts(self) -> tuple[str, float, str] | None:
        m = _NUMBER.match(self.raw.replace(" ", "").replace("％", "%"))  # some cells print their unit
        if not m:
            return None
        return m.group("cmp") or "", float(m.group("num")), m.group("num")

    @property
    def number(self) -> float | None:
        """The number to draw, if the cell holds one ("≥85" → 85.0); None for words or nothing."""
        parts = self._parts
        return parts[1] if parts else None

    @property
    def label(self) -> str:
        """Short, for a chart: "≥85%", "1234户", "与GDP增长同步", "未列明"."""
        parts = self._parts
        if not self.stated:
            return "未列明"
        if parts is None:
            return self.raw
        comparator, _, digits = parts
        return f"{comparator}{digits}{self.unit}"

    @property
    def words(self) -> str:
        """In plain words, for a sentence: "不低于85%", "1234户", "“与GDP增长同步”", "未列明"."""
        parts = self._parts
        if not self.stated:
            return "未列明"
        if parts is None:
            return f"“{self.raw}”"
        comparator, _, digits = parts
        return f"{_COMPARATOR_WORDS.get(comparator, comparator)}{digits}{self.unit}"


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One plan's row of one indicator."""

    clause: ClauseView
    definition: IndicatorDef

    @property
    def region(self) -> str:
        return self.clause.region

    @property
    def plan(self) -> str:
        return self.clause.doc_short_title

    @property
    def wording(self) -> str:
        """The indicator as this plan's table words it."""
        return self.clause.indicator.name if self.clause.indicator else self.definition.name

    @property
    def unit(self) -> str:
        return self.clause.indicator.unit if self.clause.indicator else ""

    @property
    def attribute(self) -> str:
        return self.clause.indicator.attribute if self.clause.indicator else ""

    def value(self, year: int) -> Value:
        """The cell for 2020 or 2025 (an empty Value for a year the table has no column for)."""
        ind = self.clause.indicator
        raw = ""
        if ind is not None and year == 2020:
            raw = ind.value_2020
        elif ind is not None and year == 2025:
            raw = ind.target_2025
        return Value(raw, self.unit)

    @property
    def value_2020(self) -> Value:
        return self.value(2020)

    @property
    def target_2025(self) -> Value:
        return self.value(2025)

    def sentence(self) -> str:
        """This row in words: "朔州市规划的主要指标“…”：2025年目标是不低于85%（约束性指标）。"."""
        values = []
        if self.value_2020.stated:
            values.append(f"2020年是{self.value_2020.words}")
        values.append(
            f"2025年目标是{self.target_2025.words}" if self.target_2025.stated else "2025年目标未列明"
        )
        attribute = f"（{self.attribute}指标）" if self.attribute else ""
        return f"{self.plan}的主要指标“{self.wording}”：{'，'.join(values)}{attribute}。"


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    """One indicator across the plans that have it, in plan order."""

    definition: IndicatorDef
    rows: tuple[PlanRow, ...]

    @property
    def unit(self) -> str:
        """The unit when every plan uses the same one, else ""."""
        units = {r.unit for r in self.rows}
        return units.pop() if len(units) == 1 else ""

    @property
    def title(self) -> str:
        return self.definition.name + (f"（{self.unit}）" if self.unit else "")

    def row_for(self, region: str) -> PlanRow | None:
        return next((r for r in self.rows if r.region == region), None)


@dataclass(frozen=True, slots=True)
class TextFigure:
    """A figure the plan's text gives for an indicator its table leaves blank (同心县's 专栏6)."""

    key: str  # the indicator
    region: str
    where: str  # "同心县规划（征求意见稿）专栏6 第2项"
    sentence: str


@dataclass(frozen=True, slots=True)
class Selection:
    """What one chart or table shows: some indicators, for the regions asked about."""

    topic: str  # what was asked for ("无障碍"), "" for every indicator
    lines: tuple[IndicatorLine, ...]
    regions: tuple[str, ...]  # the regions shown, in catalogue order
    all_regions: tuple[str, ...]  # every region with a plan, in catalogue order (fixes each one's colour)
    without_table: tuple[str, ...]  # short titles of the plans asked about that have no indicator table
    group: str = ""  # set when the topic named a 类别 of the tables rather than an indicator
    note: str = ""  # about the region asked for, when its plan is not here
    part: tuple[int, int] = (1, 1)  # this page of how many (see `pages`)
    in_text: tuple[TextFigure, ...] = ()  # what the plans' text says where the table leaves a target blank

    @property
    def heading(self) -> str:
        if self.group:
            heading = f"主要指标对比：“{self.group}”类"
        else:
            heading = f"主要指标对比：{self.topic}" if self.topic else "主要指标对比"
        page, pages = self.part
        return f"{heading}（第{page}张，共{pages}张）" if pages > 1 else heading

    def rows(self) -> list[PlanRow]:
        return [row for line in self.lines for row in line.rows if row.region in self.regions]

    def pages(self, size: int) -> list[Selection]:
        """The selection cut into pages of at most `size` indicators (a chat app shrinks a tall picture
        until it cannot be read); the plans without a table are named on the last page."""
        chunks = [self.lines[i : i + size] for i in range(0, len(self.lines), size)] or [()]
        return [
            replace(
                self,
                lines=chunk,
                without_table=self.without_table if n == len(chunks) else (),
                note=self.note if n == 1 else "",
                part=(n, len(chunks)),
                in_text=tuple(f for f in self.in_text if any(f.key == line.definition.key for line in chunk)),
            )
            for n, chunk in enumerate(chunks, 1)
        ]


class IndicatorTable:
    """Every indicator row of a set of clauses, matched into lines by an IndicatorMap."""

    def __init__(
        self, clauses: Iterable[ClauseView], mapping: IndicatorMap, plan_order: Sequence[str] = ()
    ) -> None:
        """`plan_order`: doc ids in catalogue order (plans and regions are listed in it; others after)."""
        self.mapping = mapping
        clauses = in_plan_order(clauses, plan_order)
        self.all_regions = tuple(dict.fromkeys(c.region for c in clauses))
        self.plans: dict[str, tuple[str, str]] = {}  # doc_id → (short title, region), in order
        for clause in clauses:
            self.plans.setdefault(clause.doc_id, (clause.doc_short_title, clause.region))
        rows: dict[str, list[PlanRow]] = {}
        definitions: dict[str, IndicatorDef] = {d.key: d for d in mapping.definitions}
        self.unmapped: list[ClauseView] = []
        for clause in clauses:
            if clause.kind is not Kind.INDICATOR or clause.indicator is None:
                continue
            definition = mapping.for_name(clause.indicator.name)
            if definition is None:
                self.unmapped.append(clause)
                name = clause.indicator.name
                definition = IndicatorDef(
                    clause.id, name, clause.indicator.category, (name,), (normalize(name),)
                )
                definitions[definition.key] = definition
            rows.setdefault(definition.key, []).append(PlanRow(clause, definition))
        order = [d.key for d in mapping.definitions] + [k for k in rows if k not in mapping.definitions]
        self.lines = tuple(
            IndicatorLine(definitions[key], tuple(rows[key])) for key in dict.fromkeys(order) if key in rows
        )
        self.with_table = frozenset(c.doc_id for c in clauses if c.kind is Kind.INDICATOR)
        self._text: dict[str, list[ClauseView]] = {}  # doc_id → the clauses that may state a figure
        self._figures: dict[str, tuple[ClauseView, str] | None] = {}  # row clause id → figure_in_text
        for clause in clauses:
            if clause.kind not in (Kind.INDICATOR, Kind.PREAMBLE) and not clause.about_the_past:
                self._text.setdefault(clause.doc_id, []).append(clause)

    @classmethod
    def load(
        cls, clauses: Iterable[ClauseView], data_dir: Path, plan_order: Sequence[str] = ()
    ) -> IndicatorTable:
        return cls(clauses, read_indicator_map(data_dir / FILE_NAME), plan_order)

    def figure_in_text(self, row: PlanRow) -> tuple[ClauseView, str] | None:
        """The first sentence of the plan's text (not its table, not its review of the past) that
        names the indicator and a figure in its unit: (the clause, the sentence). Counts only
        ("户", "人"): a percentage in the text is too often about something else."""
        unit = row.unit.split("/")[0]
        if not unit or unit == "%":
            return None
        if row.clause.id in self._figures:
            return self._figures[row.clause.id]
        words = [w for w in row.definition.words if len(w) >= 3] or list(row.definition.words)
        figure = re.compile(rf"[0-9][0-9,.]*\s*(?:多)?{re.escape(unit)}")
        found = None
        for clause in self._text.get(row.clause.doc_id, ()):
            if not any(w in folded(clause.text) for w in words):
                continue
            for sentence in SENTENCE.findall(clause.text):
                if any(w in folded(sentence) for w in words) and figure.search(sentence):
                    found = clause, sentence.strip()
                    break
            if found:
                break
        self._figures[row.clause.id] = found
        return found

    # -- finding indicators ---------------------------------------------------------------------------

    def named_in(self, text: str) -> list[IndicatorLine]:
        """The indicators a question names by their words; when several do, those named by the longest
        word ("辅助器具" beats "康复" in "康复辅助器具适配率"). Whole wordings of a table count too."""
        wanted = normalize(text)
        best: dict[str, int] = {}
        for line in self.lines:
            definition = line.definition
            lengths = [len(w) for w in definition.words if w in wanted]
            lengths += [len(normalize(n)) for n in definition.names if normalize(n) in wanted]
            if lengths:
                best[definition.key] = max(lengths)
        if not best:
            return []
        longest = max(best.values())
        return [line for line in self.lines if best.get(line.definition.key) == longest]

    def about(self, topic: str) -> tuple[list[IndicatorLine], str]:
        """The lines a chart topic is about, and the 类别 when the topic named one instead.

        A topic matches an indicator when one of its words is in the topic or the topic is part of
        its name or a plan's wording ("补贴" → both subsidy coverages); else a 类别 it is part of
        ("就业" → "收入和就业")."""
        wanted = normalize(topic)
        if not wanted:
            return list(self.lines), ""
        found = [
            line
            for line in self.lines
            if any(w in wanted for w in line.definition.words)
            or any(wanted in normalize(n) for n in (line.definition.name, *line.definition.names))
        ]
        if found:
            return found, ""
        groups = [g for g in dict.fromkeys(line.definition.group for line in self.lines) if g]
        group = next((g for g in groups if _names_group(wanted, g)), "")
        return [line for line in self.lines if line.definition.group == group], group

    def select(self, topic: str = "", regions: Sequence[str] | None = None, *, note: str = "") -> Selection:
        """The lines about `topic` for `regions` (every region when None), regions in catalogue order."""
        lines, group = self.about(topic)
        asked = self.all_regions if regions is None else tuple(r for r in self.all_regions if r in regions)
        with_rows = {row.region for line in self.lines for row in line.rows}
        shown = tuple(r for r in asked if r in with_rows)
        without = tuple(
            title for title, region in self.plans.values() if region in asked and region not in with_rows
        )
        kept = tuple(
            IndicatorLine(line.definition, tuple(r for r in line.rows if r.region in shown))
            for line in lines
            if any(r.region in shown for r in line.rows)
        )
        in_text = []
        for line in kept:
            for row in line.rows:
                found = None if row.target_2025.stated else self.figure_in_text(row)
                if found is not None:
                    where = row.plan + found[0].label.removeprefix(row.plan).strip()
                    in_text.append(TextFigure(line.definition.key, row.region, where, found[1]))
        return Selection(
            topic.strip(), kept, shown, self.all_regions, without, group, note, in_text=tuple(in_text)
        )


def _names_group(topic: str, group: str) -> bool:
    """Whether a topic names a 类别: part of it ("就业" in "收入和就业"), or holds one of its parts
    ("就业人数" holds "就业")."""
    parts = [normalize(p) for p in re.split(r"和|与|及|、", group) if len(p) >= 2]
    return (len(topic) >= 2 and topic in normalize(group)) or any(p in topic for p in parts)


def in_plan_order(clauses: Iterable[ClauseView], plan_order: Sequence[str]) -> list[ClauseView]:
    """The clauses plan by plan in `plan_order` (plans it does not name last), each plan's in order."""
    rank = {doc_id: i for i, doc_id in enumerate(plan_order)}
    return sorted(clauses, key=lambda c: (rank.get(c.doc_id, len(rank)), c.doc_id, c.seq))


# -- words ---------------------------------------------------------------------------------------------


def describe(selection: Selection) -> str:
    """The selection in sentences, for a screen reader: every region and every value, nothing else."""
    sentences = [selection.note] if selection.note else []
    sentences += [f"{selection.heading}。"] if selection.lines else []
    for line in selection.lines:
        parts = []
        for region in selection.regions:
            row = line.row_for(region)
            if row is None:
                parts.append(f"{region}没有这项指标")
                continue
            said = [f"2020年{row.value_2020.words}"] if row.value_2020.stated else []
            said.append(f"2025年目标{row.target_2025.words}")
            attribute = f"（{row.attribute}）" if row.attribute else ""
            parts.append(f"{region}{'，'.join(said)}{attribute}")
        sentences.append(f"{line.definition.name}：{'；'.join(parts)}。")
    sentences += [_in_text_sentence(figure) for figure in selection.in_text]
    sentences += [f"{plan}没有主要指标表。" for plan in selection.without_table]
    return "".join(sentences)


def _in_text_sentence(figure: TextFigure) -> str:
    return f"{figure.region}的表中未列明这一项，{figure.where}写的是：{figure.sentence.rstrip('。；')}。"


def text_table(selection: Selection) -> str:
    """The selection as lines a terminal or a chat shows: one block per indicator, one line per region."""
    blocks = [selection.note, selection.heading] if selection.note else [selection.heading]
    width = max((display_width(r) for r in selection.regions), default=0)
    for line in selection.lines:
        lines = [line.title]
        for region in selection.regions:
            row = line.row_for(region)
            name = pad(region, width)
            if row is None:
                lines.append(f"  {name}  没有这项指标")
                continue
            first = f"2020年 {row.value_2020.label}" if row.value_2020.stated else "2020年 —"
            text = f"  {name}  {first}  →  2025年 {row.target_2025.label}"
            if row.attribute:
                text += f"  {row.attribute}"
            if normalize(row.wording) != normalize(line.definition.name):
                text += f"  （表中写作“{row.wording}”）"
            lines.append(text)
        blocks.append("\n".join(lines))
    blocks += [_in_text_sentence(figure) for figure in selection.in_text]
    blocks += [f"{plan}没有主要指标表。" for plan in selection.without_table]
    return "\n\n".join(blocks)


def split_caption(text: str, limit: int) -> tuple[str, str]:
    """(the sentences that fit in `limit` characters, the rest), cut after a sentence."""
    if len(text) <= limit:
        return text, ""
    cut = max(text.rfind(end, 0, limit) for end in "。；") + 1
    cut = cut if cut > 0 else limit
    return text[:cut], text[cut:]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


# -- one table per searcher ------------------------------------------------------------------------------

_TABLES: weakref.WeakKeyDictionary[object, IndicatorTable] = weakref.WeakKeyDictionary()


def table_for(
    owner: object, clauses: Iterable[ClauseView], data_dir: Path, plan_order: Sequence[str] = ()
) -> IndicatorTable:
    """The table of `clauses`, built once per `owner` (a Searcher: a reload brings a new one)."""
    table = _TABLES.get(owner)
    if table is None:
        table = _TABLES[owner] = IndicatorTable.load(clauses, data_dir, plan_order)
    return table
