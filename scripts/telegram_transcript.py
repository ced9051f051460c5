"""Print a conversation with planbot on Telegram, as the test harness captures it.

planbot (`build_application`, its real handlers) polls the fake Bot API on 127.0.0.1 and a scripted
person talks to it: a question, the 原文 button, a screening by buttons, odd input, a screening by
typing only, a follow-up that keeps the region of the message before, /privacy and /forget. Each
turn prints what the person did and every message planbot sent back, with its buttons.
Nothing reaches the internet; a fresh SQLite file in a temporary directory is used and removed.

    .venv/bin/python scripts/telegram_transcript.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bot.services import Services
from tests.fakes.bot_api import Call, FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN
from tests.handlers.conftest import Planbot, running_planbot
from tests.support import settings_for

PERSON = 424_242


def show(action: str, calls: list[Call]) -> None:
    print(f"\n>>> {action}")
    for call in calls:
        if call.method == "sendVoice":
            print("<<< [voice note]")
            continue
        print("<<< " + call.params["text"].replace("\n", "\n    "))
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            print("    " + "  ".join(f"[{b['text']}]" for b in row))


def button(calls: list[Call], label: str) -> str:
    """The callback data of the latest message's first button whose text contains `label`."""
    for call in reversed(calls):
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if label in b["text"] and "callback_data" in b:
                    return b["callback_data"]
    raise LookupError(f"no button {label!r}")


async def converse(bot: Planbot) -> None:
    async def say(text: str) -> list[Call]:
        calls = await bot.say(PERSON, text)
        show(text, calls)
        return calls

    async def press(calls: list[Call], label: str) -> list[Call]:
        pressed = await bot.press(PERSON, button(calls, label))
        show(f"[按 {label}]", pressed)
        return pressed

    await say("/start")
    answer = await say("我爸瘫在床上，家里困难，能领什么钱")
    await press(answer, "原文")
    step = await say("/screen nursing_subsidy")
    for label in ("朔州市", "继续，保存", "有残疾人证", "一级", "需要"):
        step = await press(step, label)
    await say("/frobnicate")
    # a screening answered by typing only: words, a step back, a number, a question on the way
    typed_answers = ("三岁", "上一步", "3", "孩子做康复训练要自己花钱吗？", "低保边缘家庭", "有")
    for typed in ("/screen child_rehab", *typed_answers):
        await say(typed)
    # the region of one message answers the next
    await say("张掖 重度残疾人护理补贴谁能领")
    await say("那困难残疾人生活补贴呢")
    calls = await bot.exchange(PERSON, lambda: bot.fake.push_sticker(PERSON))
    show("[a sticker]", calls)
    await say("/privacy")
    confirm = await say("/forget")
    await press(confirm, "确定删除")
    await say("/privacy")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="planbot-transcript-") as tmp:
        services = Services.open(settings_for(Path(tmp), telegram_token=SecretStr(TEST_TOKEN)))
        try:
            with FakeBotApi() as fake:
                async with running_planbot(fake, services) as bot:
                    await converse(bot)
        finally:
            services.close()


if __name__ == "__main__":
    asyncio.run(main())
