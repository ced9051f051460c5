"""Whatever a person sends — buttons, commands, nonsense, emoji, a page of text — the screening
answers with a question, a result or a goodbye, and its state stays storable."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.screening import State
from tests.knowledge.screening_support import LIBRARY, NAMES, answer, start

WORDS = [
    "返回上一步", "重新开始", "退出", "/back", "restart", "是", "否", "不知道", "没有", "嗯", "对的",
    "十六岁", "三级", "1", "2", "3", "9", "0", "-1", "智力", "低保边缘", "朔州", "大同", "北京", "应县", "",
    "region:shuozhou", "age:16", "consent:keep", "consent:maybe", "unsure", "age:a16_24", "😀👍", "\u200b",
    "跳过", "算了", "上一步", "继续，但不保存", "有", "第二个", "五保户", "轮椅",
]  # fmt: skip

inputs = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.text(min_size=300, max_size=3000),
    st.from_regex(r"[a-z_]{1,25}:[a-z0-9_]{1,10}", fullmatch=True),
    st.integers(-(10**9), 10**9).map(str),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), data=st.data())
def test_any_sequence_of_inputs_ends_in_a_question_a_result_or_a_goodbye(
    name: str, data: st.DataObject
) -> None:
    state, prompt = start(name, {})
    for _ in range(data.draw(st.integers(1, 14), label="turns")):
        if prompt.options and data.draw(st.booleans(), label="tap"):
            raw = data.draw(st.sampled_from([o.id for o in prompt.options + prompt.controls]), label="button")
        else:
            raw = data.draw(inputs, label="typed")
        state, prompt = answer(state, raw)
        assert prompt.kind in ("question", "consent", "result", "ended")
        assert prompt.text
        if prompt.kind in ("question", "consent"):
            assert state.pending is not None and state.status == "asking"
            assert prompt.options or prompt.fact == "age"
        if prompt.kind == "result":
            assert prompt.result is not None and state.status == "done"
        stored = json.loads(json.dumps(state.to_dict(), ensure_ascii=False))
        assert State.from_dict(stored, LIBRARY) == state
        assert len(state.history) <= 8


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(NAMES), junk=st.lists(st.text(max_size=50), max_size=10))
def test_junk_never_changes_what_is_known(name: str, junk: list[str]) -> None:
    """Unreadable text re-asks: the facts only change when an answer was understood."""
    state, prompt = start(name, {})
    for raw in junk:
        before = dict(state.facts)
        state, prompt = answer(state, raw)
        if prompt.notice.startswith("抱歉"):
            assert state.facts == before
