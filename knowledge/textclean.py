"""Removing the conversion artefacts of the plan texts, one line at a time.

The texts are conversions of Word/PDF/web releases: markdown marks, ``[bookmark: _Toc…]``
anchors, web-page headers and footers, stray spaces between Chinese characters and full-width
digits, an English "and". These helpers know nothing of headings or items; ``knowledge.parse`` does.
"""

from __future__ import annotations

import re

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_MD_BULLET = re.compile(r"^[-*]\s+")
_BOLD = re.compile(r"\*\*")
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_ENGLISH_AND = re.compile(rf"(?<=[{_CJK}])\s+and\s+(?=[{_CJK}])")  # 张掖: "优惠补贴政策 and 电信业务"
_NOT_STATED = re.compile(r"^[—–\-]+$")

#: Lines of the web page around a published document (山西省's portal, 张掖's release notes).
_WEB_ARTEFACT = re.compile(
    r"^(索\s*引\s*号|主题分类|发文机关|成文日期|标\s*题|发文字号|发布日期|是否有效|主\s*题\s*词|公开属性)\s*[:：]"
    r"|^(中国政府网|相关解读|扫一扫|附件\s*[:：]?$)"
)
#: The release footer that closes a document: copy-to list, release office and date.
_FOOTER = re.compile(r"^(抄送|公开属性|附件)\s*[:：]|印发$|^相关解读|^扫一扫")
_TOC_TITLE = re.compile(r"^目\s*录$")

#: What may end a line without the sentence running on to the next one.
SENTENCE_END = "。！？；：）)”!?;:"


def clean_line(raw: str) -> str:
    """A raw line without bookmarks, markdown marks or outer whitespace (inner spaces kept)."""
    line = _BOOKMARK.sub("", raw).strip()
    line = _MD_HEADING.sub("", line)
    line = _MD_BULLET.sub("", line)
    return _BOLD.sub("", line).strip()


def bold_name(raw: str) -> str | None:
    """The bold lead-in of a "**name** text" box item, if the line starts with one."""
    m = re.match(r"^\s*\*\*(.+?)\*\*\s*\S", raw)
    return m.group(1).strip() if m else None


def squeeze(text: str) -> str:
    """Drop the spaces a conversion left between Chinese characters (and an English "and" it left
    between two Chinese words, read as 和); collapse the rest."""
    text = _ENGLISH_AND.sub("和", text)
    return _SPACES.sub(" ", _SPACE_NEAR_CJK.sub("", text)).strip()


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms to ASCII ("＞95％" → ">95%"); Chinese punctuation is left alone."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


def table_value(cell: str) -> str:
    """An indicator cell as printed but stripped: "≥ 97" → "≥97", "100％" → "100%", "——" → ""."""
    value = re.sub(r"\s+", "", to_halfwidth(cell))
    return "" if _NOT_STATED.match(value) else value


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(tuple(SENTENCE_END))


def is_web_artefact(line: str) -> bool:
    return bool(_WEB_ARTEFACT.match(line))


def is_footer(line: str) -> bool:
    return bool(_FOOTER.search(line))


def is_toc_title(line: str) -> bool:
    return bool(_TOC_TITLE.match(line))
