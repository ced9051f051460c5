"""Charts in Telegram: /indicators sends the PNG as a photo captioned in words, through the real
python-telegram-bot client and the fake Bot API (which checks sendPhoto as Telegram would)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from telegram.error import BadRequest

from knowledge.charts import render_png
from knowledge.indicator_table import describe
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import application_builder
from tests.handlers.conftest import Planbot, text_of

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("topic", ["无障碍", "康复"])
async def test_indicators_arrive_as_a_photo_whose_caption_says_every_region_and_value(
    planbot: Planbot, user_id: int, topic: str
) -> None:
    replies = await planbot.say(user_id, f"/indicators {topic}")
    assert [c.method for c in replies] == ["sendPhoto"], "the caption holds the words: no second message"
    [photo] = replies
    filename, content, content_type = photo.files["photo"]
    assert filename == "chart.png" and content_type == "image/png" and content.startswith(PNG)
    selection = planbot.conversation.lookup.indicators(topic)
    assert content == render_png(selection), "the very chart drawn for these rows"
    image = Image.open(io.BytesIO(content))
    image.load()
    [size] = photo.result["photo"]
    assert (size["width"], size["height"]) == image.size
    caption = photo.params["caption"]
    assert caption == describe(selection)
    for row in selection.rows():
        assert row.region in caption and row.target_2025.words in caption
    assert photo.result["caption"] == caption


async def test_the_whole_table_comes_as_three_photos(planbot: Planbot, user_id: int) -> None:
    replies = await planbot.say(user_id, "/indicators")
    assert [c.method for c in replies] == ["sendPhoto"] * 3
    assert all(
        c.params["caption"].startswith(f"主要指标对比（第{n}张，共3张）") for n, c in enumerate(replies, 1)
    )


async def test_compare_in_telegram_says_which_plan_is_silent(planbot: Planbot, user_id: int) -> None:
    replies = await planbot.say(user_id, "/compare 盲人按摩")
    assert text_of(replies).endswith("茌平区规划没有写到这一点。")


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBotApi:
    return request.getfixturevalue("fake_bot_api")


async def test_the_fake_refuses_photos_telegram_would_refuse(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    async with app:
        with pytest.raises(BadRequest, match="caption is too long"):
            await app.bot.send_photo(1, render_png_stub(), caption="字" * 1025)
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await app.bot.send_photo(1, b"not a picture", filename="x.png")
        with pytest.raises(BadRequest, match=r"(?i)dimensions"):
            await app.bot.send_photo(1, render_png_stub(width=10, height=400), filename="x.png")
        sent = await app.bot.send_photo(1, render_png_stub(), caption="图")
    assert sent.caption == "图" and sent.photo[0].width == 64 and sent.photo[0].height == 32


def render_png_stub(width: int = 64, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()
