"""A screening answered entirely by typing in Telegram, through the fake Bot API (issue 14, screenings).

Each question lists its options by number; a typed number, label or word answers it; "3" at an
age question is three years old; the consent question takes its own label; control words work.
"""

from __future__ import annotations

import pytest

from tests.handlers.conftest import Planbot, text_of

pytestmark = pytest.mark.e2e


async def test_a_child_rehabilitation_screening_typed_from_start_to_end(
    planbot: Planbot, user_id: int
) -> None:
    first = text_of(await planbot.say(user_id, "/screen child_rehab"))
    assert "1. 山西省朔州市" in first and "6. 其他地区" in first
    assert "孩子今年几周岁" in text_of(await planbot.say(user_id, "1"))
    consent = text_of(await planbot.say(user_id, "3"))
    assert "1. 继续，保存30天" in consent and "2. 继续，但不保存" in consent
    household = text_of(await planbot.say(user_id, "继续，但不保存"))
    assert "孩子家里目前属于哪一种" in household and "5. 都不是" in household
    back = text_of(await planbot.say(user_id, "上一步"))
    assert "回到上一步" in back and "敏感个人信息" in back
    await planbot.say(user_id, "2")
    await planbot.say(user_id, "五保户")
    result = text_of(await planbot.say(user_id, "有"))
    assert "残疾儿童康复救助：可能符合" in result
    assert "年龄：3岁" in result and "家庭情况：特困人员（五保）" in result
    assert planbot.fake.count("answerCallbackQuery") == 0, "nothing was pressed"
