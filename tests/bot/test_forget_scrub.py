"""After /forget nothing about the person is left in the SQLite file or its write-ahead log, while the
bot is still running: deleted rows are zeroed (secure_delete) and the log is emptied (checkpoint)."""

from __future__ import annotations

from pathlib import Path

from bot import messages
from bot.core import Conversation
from bot.services import Services
from tests.bot.conftest import press, say
from tests.support import settings_for


def test_forget_leaves_no_trace_in_the_database_file_or_its_log(tmp_path: Path) -> None:
    services = Services.open(settings_for(tmp_path / "data"))
    try:
        conversation = Conversation(services)
        user = conversation.user_key("telegram", 5_550_001)
        say(conversation, user, "/region 张掖")
        say(conversation, user, "/screen nursing_subsidy")
        say(conversation, user, "1")  # 户籍
        say(conversation, user, "1")  # 同意保存
        say(conversation, user, "1")  # 有残疾人证
        report = say(conversation, user, "/privacy").text
        assert "张掖" in report and "残疾人证" in report
        path = Path(services.settings.resolved_database_url.split("///", 1)[1])
        wal = path.with_name(path.name + "-wal")

        def raw() -> bytes:
            return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

        assert user.encode() in raw() and b"has_certificate" in raw()
        assert messages.FORGOTTEN in press(conversation, user, "1|f|yes").text
        assert user.encode() not in raw(), "the key is in neither the file nor the log"
        assert b"has_certificate" not in raw(), "nor the screening answers"
    finally:
        services.close()
