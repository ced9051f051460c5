"""Personal data handling: user ids become salted hashes, ID-card and phone numbers are masked.

planbot never needs to know who someone is, only to recognise the same person again, so
a Telegram user id is stored as HMAC-SHA256(salt, id). The salt lives in the database
(or PLANBOT_USER_ID_SALT), shared by every worker, never in logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.models import AppMeta
from knowledge.sessions import session_scope

SALT_KEY = "user_id_salt"

# 18-digit resident ID (last may be X), 15-digit old ID, and 11-digit mainland mobile numbers,
# not glued to other digits, also when written in groups. Full-width forms are folded first.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})[- ]?(\d{8})[- ]?(\d{3}[\dXx])(?!\d)|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_personal_numbers(text: str) -> str:
    """Replace ID-card and mobile numbers with a neutral placeholder."""
    if has_personal_numbers(text):
        text = unicodedata.normalize("NFKC", text)  # １３８… and 138－1234 are numbers too
    text = _ID_CARD.sub("[身份证号已隐去]", text)
    return _MOBILE.sub("[手机号已隐去]", text)


def has_personal_numbers(text: str) -> bool:
    folded = unicodedata.normalize("NFKC", text)
    return bool(_ID_CARD.search(folded) or _MOBILE.search(folded))


def user_key(salt: bytes, platform: str, user_id: int | str) -> str:
    return hmac.new(salt, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()


def load_or_create_salt(engine: Engine, configured: str | None = None) -> bytes:
    """The configured salt, else the one stored in the database, else a new one stored there."""
    if configured:
        return configured.encode()
    with session_scope(engine) as session:
        row = session.get(AppMeta, SALT_KEY)
        if row is not None:
            return bytes.fromhex(row.value)
    candidate = secrets.token_hex(32)
    try:
        with session_scope(engine) as session:
            session.add(AppMeta(key=SALT_KEY, value=candidate))
    except IntegrityError:  # another worker stored one first: use theirs
        pass
    with session_scope(engine) as session:
        row = session.get(AppMeta, SALT_KEY)
        assert row is not None
        return bytes.fromhex(row.value)
