"""One front door: `planbot ask`, `planbot chat` and Telegram give the same reply text for the same input.

Each input is asked as a person new to planbot: `ask` gives every line a new person, the console
forgets between inputs (/forget yes), Telegram asks each from a new user. The texts must be equal to
the byte, so a behaviour fixed in the conversation core is fixed everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services import Services
from tests.fakes.bot_api import FakeBotApi
from tests.handlers.conftest import running_planbot, text_of

pytestmark = pytest.mark.e2e

INPUTS = [
    "我爸瘫在床上，家里困难，能领什么钱",
    "残疾人坐公交车要钱吗",
    "茌平残疾青年见习补贴一个月给多少",
    "张掖 困难重度残疾人家庭无障碍改造 每年几户",
    "我是运城的，盲人，想学按摩",
    "同心县 职业技能培训人数 2025年目标",
    "茌平 2018年 残疾人城乡居民基本养老保险参保率",
    "康复哪个部门牵头",
    "北京 残疾人护理补贴咋申请",
    "明天太原下雨不",
    "你好",
    "谢谢",
    "我上个月交的护理补贴申请批下来没有",
    "残疾证几年换一次",
    "孩子三岁了还不会说话，能做康复训练吗",
    "阳光家园是干啥的",
    "朔州 专栏9 第2项",
    "张掖 三（二）4",
    "茌平 指标 11",
    "shuozhou:box2.2",
    "山西 专栏1 第1项",
    "/help",
    "/start",
    "/compare 盲人按摩",
    "/compare 护理补贴",
    "/clause zhangye:box5.3",
    "/clause 朔州 专栏9 第2项",
    "/frobnicate",
    "重新开始",
    "   ",
]


def _planbot(data_dir: Path) -> tuple[str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
    env.update(PLANBOT_DATA_DIR=str(data_dir), PLANBOT_LOG_LEVEL="CRITICAL")
    return str(Path(sys.executable).with_name("planbot")), env


@pytest.fixture(scope="module")
def asked(tmp_path_factory) -> list[str]:
    planbot, env = _planbot(tmp_path_factory.mktemp("ask"))
    done = subprocess.run(
        [planbot, "ask", "--json"],
        input="".join(f"{line}\n" for line in INPUTS),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    replies = [json.loads(line)["reply"] for line in done.stdout.splitlines() if line.strip()]
    assert len(replies) == len(INPUTS)
    return replies


def test_the_console_says_what_planbot_ask_says(asked, tmp_path):
    planbot, env = _planbot(tmp_path)
    script = "".join(f"{line}\n/forget yes\n" for line in INPUTS)
    printed = subprocess.run(
        [planbot, "chat"], input=script, capture_output=True, text=True, env=env, check=True
    ).stdout
    position = 0
    for line, reply in zip(INPUTS, asked, strict=True):
        found = printed.find(reply, position)
        assert found >= 0, f"{line!r}: the console did not print\n{reply}"
        position = found + len(reply)


async def test_telegram_says_what_planbot_ask_says(
    asked, fake_bot_api: FakeBotApi, planbot_services: Services
):
    async with running_planbot(fake_bot_api, planbot_services) as planbot:
        for person, (line, reply) in enumerate(zip(INPUTS, asked, strict=True), start=700_000):
            calls = await planbot.say(person, line)
            sent = "\n\n".join(c.params["text"] for c in calls if c.method == "sendMessage")
            assert sent == reply, f"{line!r}:\nTelegram: {text_of(calls)}\nask: {reply}"
