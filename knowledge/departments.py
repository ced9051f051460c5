"""Who is responsible: the lead and participating departments a task names.

Plans end a task with a parenthesis such as "（牵头单位：市乡村振兴局；参与单位：市委组织部、…）",
"（责任单位：…）" or "(牵头部门:…;参与部门:…)". 责任单位 is counted as lead: it names the units
answerable for the task. Both half- and full-width punctuation occur.
"""

from __future__ import annotations

import re

_LEAD = r"牵头单位|牵头部门|责任单位|责任部门|主责单位|主责部门"
_PART = r"参与单位|参与部门|配合单位|配合部门|协办单位"
_DEPARTMENTS = re.compile(
    rf"[（(]\s*(?:{_LEAD})\s*[:：](?P<lead>[^；;（()）]*?)"
    rf"(?:[；;，,]\s*(?:{_PART})\s*[:：](?P<part>[^（()）]*?))?\s*[)）]"
)
_SEPARATORS = re.compile(r"[、，,；;]")


def _names(field: str | None) -> tuple[str, ...]:
    if not field:
        return ()
    return tuple(name.strip() for name in _SEPARATORS.split(field) if name.strip())


def parse_departments(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(lead, participating) departments named in the text, each in order and without repeats."""
    lead: list[str] = []
    part: list[str] = []
    for m in _DEPARTMENTS.finditer(text):
        lead += [n for n in _names(m.group("lead")) if n not in lead]
        part += [n for n in _names(m.group("part")) if n not in part]
    return tuple(lead), tuple(part)
