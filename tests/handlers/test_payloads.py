"""What the outbox writes down for an Outgoing: JSON that gives back the same messages, no audio."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

from bot.replies import Button, Outgoing
from handlers.delivery import payloads
from handlers.render import MAX_MESSAGE


def test_text_pieces_buttons_pictures_and_speech_survive_json() -> None:
    out = Outgoing(speed="slow", personal=True)
    out.add("第一句。" * 1500, ((Button("原文", "1|c|shuozhou:box9.2"),),))  # longer than one message
    out.replies.append(
        SimpleNamespace(text="表格", buttons=(), image=b"\x89PNG-bytes", image_caption="图：护理补贴")
    )
    out.add("最后一条", ((Button("到私聊里继续", link="cmd_privacy"),),))
    out.say(("answer", "第一句。"))
    written = json.loads(json.dumps(payloads(out, "planbot_test_bot"), ensure_ascii=False))

    texts = [p for p in written if "text" in p]
    assert len(texts) == 3 and all(len(p["text"]) <= MAX_MESSAGE for p in texts)
    assert texts[0]["markup"] is None, "a long reply's buttons go under its last piece"
    assert texts[1]["markup"]["inline_keyboard"][0][0]["callback_data"] == "1|c|shuozhou:box9.2"
    assert texts[2]["markup"]["inline_keyboard"][0][0]["url"].endswith("?start=cmd_privacy")
    [picture] = [p for p in written if "photo" in p]
    assert base64.b64decode(picture["photo"]) == b"\x89PNG-bytes" and picture["caption"] == "图：护理补贴"
    assert written[-1] == {"speech": [["answer", "第一句。"]], "speed": "slow", "personal": True}
    assert written[2] is picture, "in the order of the replies"
