"""Personal data handling: user ids become salted hashes, ID-card and phone numbers are masked.

planbot never needs to know who someone is, only to recognise the same person again, so a Telegram
user id is stored as HMAC-SHA256(salt, id). The salt never sits beside the hashes: it comes from
PLANBOT_USER_ID_SALT or from a key file readable by its owner only (PLANBOT_USER_ID_SALT_FILE, made at
first start). Whoever holds the database alone cannot recompute anyone's key. The database keeps only
a check value (an HMAC of a constant), so a worker started with a different salt refuses to start
instead of silently failing to recognise everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db import exclusive, scrub
from bot.models import AppMeta
from knowledge.sessions import session_scope
from voice.keyfile import write_secret

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

LEGACY_SALT_KEY = "user_id_salt"  # where planbot before the key file kept the salt (app_meta)
SALT_CHECK_KEY = "user_id_salt_check"
SALT_BYTES = 32

# -- user keys ---------------------------------------------------------------------------------------


def user_key(salt: bytes, platform: str, user_id: int | str) -> str:
    return hmac.new(salt, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()


class SaltError(RuntimeError):
    """The salt cannot be used with this database; the message says what to do."""


def user_id_salt(settings: Settings, engine: Engine, *, new: bytes | None = None) -> bytes:
    """The salt for user keys, from the environment or the key file; never from the database.
    A key file that must be made holds `new` (by default, random bytes).

    A salt that an older planbot generated and kept in the database (app_meta) is moved into the key
    file, so every stored key stays valid, and then deleted from the database, its pages zeroed. It is
    moved rather than replaced because a new salt could only be reached from the old keys by keeping
    the old salt inside the new derivation (HMAC is one-way; the user ids are not stored)."""
    path = settings.resolved_user_id_salt_file
    configured = settings.user_id_salt.get_secret_value().encode() if settings.user_id_salt else None
    with exclusive(engine):  # workers starting together agree on one check value
        legacy = _meta(engine, LEGACY_SALT_KEY)
        if legacy is not None:
            salt = _adopt_legacy_salt(bytes.fromhex(legacy), path, configured)
        elif configured is not None:
            salt = configured
        elif path.exists() or _meta(engine, SALT_CHECK_KEY) is None:
            salt = _load_or_create_key(path, new)
        else:
            raise SaltError(
                f"this database has people's keys made with a salt this worker does not have: copy the "
                f"key file of the first worker to {path} (or set the same PLANBOT_USER_ID_SALT)"
            )
        _check(engine, salt, drop_legacy=legacy is not None)
    if legacy is not None:
        scrub(engine)
        log.info("moved the user-id salt out of the database into %s", path)
    return salt


def provisional_salt(settings: Settings) -> bytes:
    """The salt to key people by while the database cannot be reached: the configured one, the key
    file's, or new random bytes. A new one is not written: only the database can tell whether an
    older salt must be used instead, so `user_id_salt(..., new=)` writes it once the database is back."""
    if settings.user_id_salt is not None:
        return settings.user_id_salt.get_secret_value().encode()
    path = settings.resolved_user_id_salt_file
    return _load_key(path) if path.exists() else secrets.token_bytes(SALT_BYTES)


def salt_check(salt: bytes) -> str:
    return hmac.new(salt, b"planbot user-id salt check", hashlib.sha256).hexdigest()


def _adopt_legacy_salt(legacy: bytes, path: Path, configured: bytes | None) -> bytes:
    if configured is not None and configured != legacy:
        raise SaltError(
            "the database holds the user-id salt planbot generated before PLANBOT_USER_ID_SALT was set; "
            "unset PLANBOT_USER_ID_SALT for one start so that salt moves to the key file"
        )
    if path.exists():
        if path.read_bytes() != legacy:
            raise SaltError(f"{path} differs from the salt stored in the database; keep one of them")
    else:
        write_secret(path, legacy)
    return legacy


def _meta(engine: Engine, key: str) -> str | None:
    with session_scope(engine) as session:
        row = session.get(AppMeta, key)
        return None if row is None else row.value


def _check(engine: Engine, salt: bytes, *, drop_legacy: bool) -> None:
    """Store the salt's check value, or compare with the stored one; drop the legacy salt in the
    same transaction, so that a crash leaves either both or neither."""
    expected = salt_check(salt)
    try:
        with session_scope(engine) as session:
            row = session.get(AppMeta, SALT_CHECK_KEY)
            if row is None:
                session.add(AppMeta(key=SALT_CHECK_KEY, value=expected))
            elif not hmac.compare_digest(row.value, expected):
                raise SaltError(
                    "PLANBOT_USER_ID_SALT or the key file differs from the salt this database was used "
                    "with; every worker must share one salt (see README, Settings)"
                )
            if drop_legacy:
                session.execute(delete(AppMeta).where(col(AppMeta.key) == LEGACY_SALT_KEY))
    except IntegrityError:  # another process stored a check value first: compare with it
        _check(engine, salt, drop_legacy=drop_legacy)


def _load_or_create_key(path: Path, new: bytes | None = None) -> bytes:
    if not path.exists():
        write_secret(path, new or secrets.token_bytes(SALT_BYTES))  # another process's, if it won
    return _load_key(path)


def _load_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 16:
        raise SaltError(f"{path} holds {len(key)} bytes; a salt needs at least 16 (32 are made)")
    return key


# -- personal numbers --------------------------------------------------------------------------------

ID_CARD = "[身份证号已隐去]"
MOBILE = "[手机号已隐去]"
NUMBER = "[号码已隐去]"

#: Chinese numerals people type digit by digit ("一三八…", "幺三八…"), and their financial forms.
_CHINESE_DIGITS = {
    **dict.fromkeys("〇零洞", "0"),
    **dict.fromkeys("一幺壹", "1"),
    **dict.fromkeys("二两贰", "2"),
    **dict.fromkeys("三叁", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
_SEPARATORS = " -.·_/"  # after folding: full-width forms, ideographic and no-break spaces are these
_GROUPS = re.compile(rf"\+?[0-9]+(?:[{re.escape(_SEPARATORS)}][0-9]+)*[Xx]?")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_LONG_NUMBER = 11  # a run of this many digits or more, unbroken, is somebody's number (a card, an account)


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    placeholder: str


def _fold(char: str) -> str:
    """One character as the number scanner sees it: digits ASCII, separators plain; same length."""
    if char in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[char]
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        return char
    if folded.isspace() or folded in "‐‑‒–—―－﹣・･":
        return " " if folded.isspace() else "-"
    return folded if folded.isascii() else char


def find_personal_numbers(text: str) -> list[Found]:
    """Where ID-card numbers, mobile numbers and other long numbers are in `text`, however written:
    full-width, Chinese numerals, in groups of any size joined by one space, dash, dot or slash."""
    shadow = "".join(_fold(c) for c in text)
    found: list[Found] = []
    for run in _GROUPS.finditer(shadow):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run.group())]
        found += _classify(shadow, groups)
    return found


def _classify(shadow: str, groups: list[tuple[int, int]]) -> list[Found]:
    """Numbers made of consecutive groups, longest first from each group on."""
    found: list[Found] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            digits = "".join(shadow[a:b] for a, b in groups[i : j + 1])
            end = groups[j][1]
            kind = _kind(digits, single=i == j)
            if kind is None and digits[-1] in "Xx":  # an X only ends an ID-card number
                kind, end = _kind(digits[:-1], single=i == j), end - 1
            if kind is not None:
                found.append(Found(groups[i][0], end, kind))
                i = j + 1
                break
        else:
            i += 1
    return found


def _kind(digits: str, *, single: bool) -> str | None:
    plain = digits.upper()
    if re.fullmatch(r"[0-9]{17}[0-9X]|[0-9]{15}", plain):
        return ID_CARD
    if re.fullmatch(r"(?:86)?1[3-9][0-9]{9}", plain):
        return MOBILE
    if single and plain.isdigit() and len(plain) >= _LONG_NUMBER:
        return NUMBER
    return None


def mask_personal_numbers(text: str) -> str:
    """Replace ID-card, mobile and other long numbers with a neutral placeholder (a "+86" goes too)."""
    pieces: list[str] = []
    last = 0
    for found in find_personal_numbers(text):
        start = found.start - 1 if found.start and text[found.start - 1] in "+＋" else found.start
        pieces += [text[last:start], found.placeholder]
        last = found.end
    return "".join(pieces) + text[last:]


def has_personal_numbers(text: str) -> bool:
    return bool(find_personal_numbers(text))


# -- names -------------------------------------------------------------------------------------------

NAME = "[姓名已隐去]"
_NAME_CUES = re.compile(
    r"(?:我叫|他叫|她叫|名叫|叫做|姓名(?:是|为)?[:：]?|名字(?:是|叫)[:：]?|本人[:：])\s*"
    r"(?!什么|啥|谁|多少|哪)([\u4e00-\u9fff]{2,4}?)(?=[，。,.!！？?；;、\s的和是在有]|$)"
)
#: The hundred commonest surnames (about 85% of people): "王先生", "李阿姨", "张建国女士".
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_TITLED = re.compile(
    rf"[{_SURNAMES}][\u4e00-\u9fff]{{0,2}}?(?=(?:先生|女士|小姐|大爷|大妈|阿姨|奶奶|爷爷|师傅|老师))"
)


def strip_names(text: str) -> str:
    """Remove the personal names a person gives ("我叫张三"; "王先生"): for the anonymous log."""
    text = _NAME_CUES.sub(lambda m: m.group(0).replace(m.group(1), NAME), text)
    return _TITLED.sub(NAME, text)


def anonymise(text: str) -> str:
    """Text with personal numbers and names removed: what the anonymous log may keep."""
    return strip_names(mask_personal_numbers(text))
