"""Screenings inside the conversation: where their state lives, how prompts become replies.

The engine (knowledge.screening) is pure; this module keeps its state. With the person's
consent ("keep") the state is in the database, so it survives restarts and any worker can
continue it, and it is deleted after `SCREENING_RETENTION` (bot.repository) or by /forget.
Without consent ("no_keep") it lives only in this process's memory and is gone on restart.
Before the consent question the state holds only answers that are not sensitive (the region,
in some screenings an age: knowledge/data/facts.toml marks the rest) and is kept like a setting.

A person who comes back long after stopping mid-screening has their new message answered
as a question (nothing is lost) and is offered to continue.

Every engine call gets `services.library` as it is now, so a /reload takes effect on the next
turn. Replies that hold a person's answers are marked personal (their voice notes are never
cached), and a question's voice note reads the question and then its numbered options.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from bot.callbacks import Action, encode
from bot.replies import Button, Buttons, Outgoing
from bot.repository import (
    CONVERSATION_MEMORY,
    SCREENING_RETENTION,
    UNANSWERED_RETENTION,
    Profile,
    Repository,
    StaleState,
)
from bot.services import Services
from knowledge import screening as engine
from knowledge.facts import OTHER_PLACE
from knowledge.library import Library
from knowledge.screening import CONSENT_KEEP_DAYS, Prompt, State
from voice.speeds import SPEED_WORDS, Speed

log = logging.getLogger(__name__)

IDLE_RESUME = dt.timedelta(hours=6)  # after this long, a message is a new question, not an answer
NO_KEEP = "no_keep"


class MemoryStore:
    """Screenings kept only in this process (no consent to store them), each until MEMORY_TTL after its
    last answer: entries are dropped as soon as any is looked at past that, not at some later sweep.
    Values are (state, when it last changed); callers hold ScreeningFlow's lock."""

    def __init__(
        self, ttl: dt.timedelta = IDLE_RESUME, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.ttl = ttl
        self._clock = clock or _now
        self._entries: dict[str, tuple[dict, dt.datetime]] = {}

    def _expire(self) -> None:
        """Drop entries older than the TTL; the dict is in order of last change, oldest first."""
        cutoff = self._clock() - self.ttl
        while self._entries:
            user, (_, changed) = next(iter(self._entries.items()))
            if changed >= cutoff:
                return
            del self._entries[user]

    def get(self, user: str) -> tuple[dict, dt.datetime] | None:
        self._expire()
        return self._entries.get(user)

    def __setitem__(self, user: str, value: tuple[dict, dt.datetime]) -> None:
        self._expire()
        self._entries.pop(user, None)  # to the end: the order stays that of last change
        self._entries[user] = value

    def pop(self, user: str, default: None = None) -> tuple[dict, dt.datetime] | None:
        self._expire()
        return self._entries.pop(user, default)

    def __contains__(self, user: object) -> bool:
        self._expire()
        return user in self._entries

    def __len__(self) -> int:
        self._expire()
        return len(self._entries)


class ScreeningFlow:
    def __init__(self, repository: Repository, services: Services) -> None:
        self.repository = repository
        self.services = services
        self._memory = MemoryStore()
        self._lock = threading.Lock()

    @property
    def library(self) -> Library:
        """The data library in use now (a /reload swaps it)."""
        return self.services.library

    # -- catalogue ---------------------------------------------------------------------------------

    @property
    def _titles(self) -> dict[str, str]:
        return {s["name"]: s["title"] for s in engine.list_screenings(self.library)}

    def exists(self, name: str) -> bool:
        return name in self.library.screenings

    def title(self, name: str) -> str:
        return self.library.screenings[name].title

    def menu(self) -> Buttons:
        return tuple((Button(title, encode(Action.SCREEN, name)),) for name, title in self._titles.items())

    # -- state -------------------------------------------------------------------------------------

    def _load(self, user: str) -> tuple[State | None, int | None, dt.datetime | None]:
        """The stored state, its version (None when in memory or absent) and when it last changed."""
        with self._lock:
            kept = self._memory.get(user)
        if kept is not None:
            return self._state(kept[0]), None, kept[1]
        stored = self.repository.screening(user)
        if stored is None:
            return None, None, None
        return self._state(stored.state), stored.version, stored.updated_at

    def _state(self, data: dict) -> State | None:
        try:
            return State.from_dict(data, self.library)
        except ValueError:  # an older engine's state, or damaged: start afresh
            log.info("discarding a screening state this engine cannot read")
            return None

    def _save(self, user: str, state: State, version: int | None) -> None:
        data = state.to_dict()
        if state.consent == NO_KEEP:
            if version is not None:
                self.repository.drop_screening(user)
            with self._lock:
                self._memory[user] = (data, _now())
            return
        with self._lock:
            self._memory.pop(user, None)
        try:
            self.repository.save_screening(user, data, expected_version=version)
        except StaleState:
            # Another worker answered for this person in between: theirs wins, this answer is
            # re-asked from their state on the next message rather than overwriting it.
            log.info("screening state changed concurrently; keeping the newer one")
            raise

    def active(self, user: str) -> bool:
        """A question (or the consent question) is waiting for this person's answer."""
        state, _, updated = self._load(user)
        return state is not None and state.status == "asking" and updated is not None and not _idle(updated)

    def asked_at(self, user: str) -> dt.datetime | None:
        """When the screening waiting for an answer last asked (None when none waits)."""
        state, _, updated = self._load(user)
        return updated if state is not None and state.status == "asking" else None

    def wants(self, user: str, text: str) -> bool:
        """Whether typed text belongs to the screening: any answer while a question waits, and a control
        word (返回上一步, 重新开始, 退出…) right after a result too, so "返回上一步" reopens the last question
        instead of being searched for."""
        if self.active(user):
            return True
        if engine.control_word(text) is None:
            return False
        state, _, updated = self._load(user)
        return state is not None and state.status == "done" and updated is not None and not _idle(updated)

    def paused(self, user: str) -> State | None:
        """An unfinished screening the person left long ago, if any."""
        state, _, updated = self._load(user)
        if state is not None and state.status == "asking" and updated is not None and _idle(updated):
            return state
        return None

    # -- turns -------------------------------------------------------------------------------------

    def start(self, user: str, name: str, profile: Profile, out: Outgoing) -> None:
        previous, version, _ = self._load(user)
        if previous is not None and previous.screening == name and previous.status == "asking":
            state, prompt = engine.answer(self.library, previous, "", clauses=self.services.clauses_by_id)
            prompt = _with_notice(prompt, "我们接着上次的自测继续。")
        else:
            facts = dict(previous.facts) if previous is not None else {}
            region = None
            if "region" not in facts and profile.region:
                region = self.library.region(profile.region)
            consent = previous.consent if previous is not None else None
            learned_in = previous.screening if previous is not None else None
            state, prompt = engine.start(
                self.library, name, facts, region=region, consent=consent, learned_in=learned_in
            )
        self._commit(user, state, version, prompt, out)

    def answer(self, user: str, text: str, out: Outgoing) -> None:
        state, version, _ = self._load(user)
        if state is None:
            out.add("这次自测已经结束了。发送 /screen 可以重新开始。")
            return
        state, prompt = engine.answer(self.library, state, text, clauses=self.services.clauses_by_id)
        self._commit(user, state, version, prompt, out)

    def press(self, user: str, arg: str, out: Outgoing) -> None:
        """A button press: "<screening>.<step>.<option id>", checked against the current question."""
        name, _, rest = arg.partition(".")
        step, _, option = rest.partition(".")
        state, version, _ = self._load(user)
        if state is None or state.screening != name or state.status != "asking" or step != str(_step(state)):
            out.add("这个按钮对应的问题已经过去了。")
            if state is not None and state.status == "asking":
                current, prompt = engine.answer(self.library, state, "", clauses=self.services.clauses_by_id)
                self._render(prompt, current, out)
            return
        state, prompt = engine.answer(self.library, state, option, clauses=self.services.clauses_by_id)
        self._commit(user, state, version, prompt, out)

    def place(self, user: str) -> str | None:
        """The place the person gave in their screening (its 户籍 answer), if they gave one."""
        state, _, _ = self._load(user)
        value = state.facts.get("region") if state is not None else None
        return value if isinstance(value, str) and value != OTHER_PLACE else None

    def last(self, user: str) -> str | None:
        """The screening the person did or is doing last (for 重新开始 after a result), if any."""
        state, _, _ = self._load(user)
        return state.screening if state is not None else None

    def restart(self, user: str, name: str, profile: Profile, out: Outgoing) -> None:
        """Start `name` again from its first question (the answers given before are dropped)."""
        _, version, _ = self._load(user)
        if version is not None:
            self.repository.drop_screening(user)
        with self._lock:
            self._memory.pop(user, None)
        self.start(user, name, profile, out)

    def quit(self, user: str, out: Outgoing) -> None:
        state, version, _ = self._load(user)
        if state is None:
            return
        state, prompt = engine.answer(self.library, state, "退出")
        self._commit(user, state, version, prompt, out)

    def _commit(self, user: str, state: State, version: int | None, prompt: Prompt, out: Outgoing) -> None:
        try:
            self._save(user, state, version)
        except StaleState:
            out.add("您的回答刚刚在另一处更新过，我们以最新的为准。")
            latest, _, _ = self._load(user)
            if latest is not None and latest.status == "asking":
                latest, prompt = engine.answer(self.library, latest, "", clauses=self.services.clauses_by_id)
                self._render(prompt, latest, out)
            return
        self._render(prompt, state, out)

    def _render(self, prompt: Prompt, state: State, out: Outgoing) -> None:
        out.personal = True  # a question, a result or a goodbye: each follows the person's own answers
        rows: list[tuple[Button, ...]] = []
        step = _step(state)

        def press(option_id: str) -> str:
            return encode(Action.ANSWER, f"{state.screening}.{step}.{option_id}")

        for option in prompt.options:
            rows.append((Button(option.label, press(option.id)),))
        if prompt.kind in ("question", "consent"):
            controls = tuple(Button(c.label, press(c.id)) for c in prompt.controls)
            rows.append(controls)
            heading = f"（第{prompt.step}题，大约共{prompt.total_hint}题）"
            out.add(f"{heading}\n{prompt.text}", tuple(rows))
            options = prompt.options if prompt.numbered else ()
            out.say(
                ("note", prompt.notice),
                ("question", prompt.question or prompt.text),
                *(("option", option.label) for option in options),
            )
            return
        out.add(prompt.text)
        out.say(("answer", prompt.text))
        if prompt.result is not None:
            out.add(f"可以转发给工作人员的摘要：\n{prompt.result.summary}")
            others = [(n, t) for n, t in self._titles.items() if n != state.screening][:3]
            out.add(
                "还想看看其他项目吗？",
                tuple((Button(title, encode(Action.SCREEN, name)),) for name, title in others),
            )

    # -- privacy -----------------------------------------------------------------------------------

    def forget(self, user: str) -> None:
        with self._lock:
            self._memory.pop(user, None)
        self.repository.drop_screening(user)

    def privacy_report(self, user: str) -> str:
        stored = self.repository.stored_about(user)
        lines = ["为您保存的信息如下："]
        profile = stored["profile"]
        if profile:
            lines.append(
                f"设置：地区 {profile['region'] or '未设置'}，语音回复{'开' if profile['voice'] else '关'}，"
                f"语速{SPEED_WORDS[Speed.parse(profile['voice_rate'])]}。设置会一直保存，直到您发送 /forget。"
            )
        screening_row = stored["screening"]
        if screening_row:
            state = self._state(screening_row["state"])
            facts = state.facts if state else {}
            vocabulary = self.library.facts
            shown = "；".join(
                f"{vocabulary[k].label}：{vocabulary[k].display(v)}"
                for k, v in facts.items()
                if k in vocabulary
            )
            expires = screening_row["updated_at"] + SCREENING_RETENTION
            lines.append(
                f"自测回答：{shown or '还没有回答'}。最后一次更新后保存{SCREENING_RETENTION.days}天，"
                f"将在 {expires:%Y-%m-%d} 前自动删除。"
            )
        with self._lock:
            in_memory = user in self._memory
        if in_memory:
            lines.append(
                "您选择了不保存自测回答：它们只在本次运行中临时使用，不写入数据库，"
                f"最后一次回答{IDLE_RESUME.seconds // 3600}小时后删除。"
            )
        if stored.get("context_region"):
            minutes = CONVERSATION_MEMORY.seconds // 60
            lines.append(
                f"对话中提到的地区：{stored['context_region']}，用来回答接下来的问题；{minutes}分钟不说话就忘掉。"
            )
        if len(lines) == 1:
            lines = ["目前没有保存您的任何信息。"]
        lines.append(
            f"您在私聊里问的、规划没能回答的问题，会去掉身份证号、手机号和姓名后匿名保存{UNANSWERED_RETENTION.days}天，"
            "和您的账号没有关联，用来改进回答；其他问题不保存。"
            "我不保存您的姓名和 Telegram 账号，只保存账号的加密摘要，用来找到您的设置。"
            f"同意保存的自测回答保存{CONSENT_KEEP_DAYS}天。发送 /forget 可以随时全部删除。"
        )
        return "\n".join(lines)


def _step(state: State) -> int:
    return len(state.history) + 1


def _idle(updated: dt.datetime) -> bool:
    return _now() - updated > IDLE_RESUME


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _with_notice(prompt: Prompt, notice: str) -> Prompt:
    return replace(prompt, text=f"{notice}\n\n{prompt.text}", notice=f"{notice}{prompt.notice}")
