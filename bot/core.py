"""The conversation core: one person's input in, plain replies (text, buttons, speech) out.

It knows nothing of Telegram or terminals; `handlers/` and `bot.console` adapt it. It is
synchronous (search, database and screening steps are quick); async adapters run it in a
worker thread. It never logs message text, and it stores only what bot.models describes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import messages as msg
from bot.callbacks import CallbackData, decode, encode
from bot.privacy import has_personal_numbers, load_or_create_salt, mask_personal_numbers, user_key
from bot.repository import Profile, Repository
from bot.screening_flow import ScreeningFlow
from bot.services import Services
from knowledge.compose import Answer, compose, tidy
from knowledge.lookup import Lookup
from knowledge.store import ClauseView

if TYPE_CHECKING:
    from voice import VoiceNote

log = logging.getLogger(__name__)

VOICE_RATES = {"slow": 120, "normal": 160, "fast": 210}  # pyttsx3 rates (about words per minute)

MAX_INPUT_CHARS = 2000  # a longer message is answered from its start
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
# Control, zero-width and direction characters, replacement characters, lone surrogates (undecodable bytes).
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffd\ud800-\udfff]"
)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # versioned callback data (bot.callbacks)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person sent: text, a command, a button press, or something that is not text."""

    user: str  # the hashed user key (bot.privacy.user_key)
    text: str = ""
    command: str | None = None
    args: str = ""
    callback: str | None = None
    media: str | None = None  # "voice", "photo", "sticker", "document", "location", …
    is_admin: bool = False


@dataclass(slots=True)
class Outgoing:
    replies: list[Reply] = field(default_factory=list)
    speech: str = ""  # what a voice note should say, "" for none
    voice_rate: int = VOICE_RATES["normal"]
    answered: bool = True  # False when the plans did not answer a question

    def add(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.replies.append(Reply(text, buttons))


def parse_command(text: str) -> tuple[str, str]:
    """'/Clause@planbot shuozhou:box9.2' → ('clause', 'shuozhou:box9.2')."""
    head, _, args = text.strip().partition(" ")
    return head.lstrip("/").split("@", 1)[0].lower(), args.strip()


def clean_input(text: str) -> str:
    """Drop control, zero-width and direction characters; NFC; trim."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


class Conversation:
    """Routes input to answers, lookups, screenings and settings."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.repository = Repository(services.engine)
        self.lookup = Lookup(services.searcher)
        self.screenings = ScreeningFlow(self.repository, services)
        salt = services.settings.user_id_salt
        self._salt = load_or_create_salt(services.engine, salt.get_secret_value() if salt else None)

    def user_key(self, platform: str, user_id: int | str) -> str:
        return user_key(self._salt, platform, user_id)

    # -- entry point -------------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Outgoing:
        profile = self.repository.profile(incoming.user)
        out = Outgoing(voice_rate=profile.voice_rate)
        try:
            if incoming.callback is not None:
                self._on_callback(incoming, profile, out)
            elif incoming.command is not None:
                self._on_command(incoming, profile, out)
            elif incoming.media is not None:
                out.add(msg.VOICE_INPUT if incoming.media == "voice" else msg.NOT_TEXT)
            else:
                self._on_text(incoming, profile, out)
        except Exception:
            log.exception("conversation failed (%s)", _describe(incoming))
            out = Outgoing(voice_rate=profile.voice_rate)
            out.add(msg.ERROR)
        if profile.voice and out.replies and not out.speech:
            out.speech = "\n".join(r.text for r in out.replies)
        if not profile.voice:
            out.speech = ""
        return out

    def voice_note(self, outgoing: Outgoing) -> VoiceNote | None:
        """Synthesise the outgoing speech (blocking); None if speech is unavailable right now."""
        return self.services.speak(outgoing.speech, rate=outgoing.voice_rate)

    async def avoice_note(self, outgoing: Outgoing) -> VoiceNote | None:
        """The same without blocking the event loop."""
        return await self.services.aspeak(outgoing.speech, rate=outgoing.voice_rate)

    # -- text --------------------------------------------------------------------------------------

    def _on_text(self, incoming: Incoming, profile: Profile, out: Outgoing) -> None:
        text = clean_input(incoming.text)
        if has_personal_numbers(text):
            text = mask_personal_numbers(text)
            out.add(msg.PERSONAL_NUMBERS)
        if not _WORDLIKE.search(text):
            out.add(msg.EMPTY_INPUT)
            return
        if len(text) > MAX_INPUT_CHARS:
            text = text[:MAX_INPUT_CHARS]
            out.add(msg.TOO_LONG)
        if self.screenings.active(incoming.user):
            self.screenings.answer(incoming.user, text, profile, out)
            return
        if self._pending_region(incoming.user, text, out):
            return
        if self._reference(text, profile, out):
            return
        self._answer(text, profile, out)
        paused = self.screenings.paused(incoming.user)
        if paused is not None:
            title = self.screenings.title(paused.screening)
            out.add(
                f"另外，您上次的“{title}”自测还没做完，想接着做可以点下面的按钮。",
                ((Button("继续自测", encode("s", paused.screening)),),),
            )

    def _answer(self, text: str, profile: Profile, out: Outgoing) -> None:
        outcome = self.services.searcher.search(text, k=5, region=profile.region)
        answer = compose(outcome)
        if not answer.in_scope:
            self.repository.log_unanswered(mask_personal_numbers(text))
            out.answered = False
        out.add(answer.render(), self._answer_buttons(answer))
        out.speech = _speech_of(answer)

    def _answer_buttons(self, answer: Answer) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = []
        originals = [
            Button(f"原文：{c.plan} {c.number or ''}".strip(), encode("c", c.clause_id))
            for c in answer.citations
        ]
        if originals:
            rows.append(tuple(originals[:2]))
        if answer.screening and self.screenings.exists(answer.screening):
            title = self.screenings.title(answer.screening)
            rows.append((Button(f"自测：我能申请{title}吗", encode("s", answer.screening)),))
        more = [
            Button(f"相关条款 {i}", encode("c", clause_id)) for i, clause_id in enumerate(answer.more[:2], 1)
        ]
        if more:
            rows.append(tuple(more))
        return tuple(rows)

    def _reference(self, text: str, profile: Profile, out: Outgoing) -> bool:
        result = self.lookup.resolve(text, profile.region)
        if result is None:
            return False
        if not result.clauses and not result.missing:
            return False
        for sentence in result.missing:
            out.add(sentence)
        for clause in result.clauses[:3]:
            out.add(clause_text(clause))
        if len(result.clauses) > 3:
            buttons = tuple(
                (Button(f"{c.doc_short_title} {c.number}", encode("c", c.id)),) for c in result.clauses[3:8]
            )
            out.add(f"还有 {len(result.clauses) - 3} 条，点下面的按钮查看：", buttons)
        return True

    # -- commands ----------------------------------------------------------------------------------

    def _on_command(self, incoming: Incoming, profile: Profile, out: Outgoing) -> None:
        name, args = incoming.command or "", clean_input(incoming.args)
        command = next((c for c in msg.COMMANDS if c.name == name), None)
        if command is None or (command.admin and not incoming.is_admin):
            out.add(msg.HELP)
            return
        getattr(self, f"_cmd_{name}")(incoming, args, profile, out)

    def _cmd_start(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if args.startswith("clause_"):
            clause = self.services.clause_from_link(args.removeprefix("clause_"))
            out.add(clause_text(clause) if clause else msg.STALE_BUTTON)
            return
        if args.startswith("screen_") and self.screenings.exists(args.removeprefix("screen_")):
            self.screenings.start(incoming.user, args.removeprefix("screen_"), profile, out)
            return
        out.add(msg.WELCOME)

    def _cmd_help(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        out.add(msg.HELP)

    def _cmd_region(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if args:
            self._set_region(incoming.user, args, out)
            return
        current = f"现在设置的地区是：{profile.region}。" if profile.region else "您还没有设置地区。"
        buttons = tuple((Button(region, encode("r", region)),) for region in self.services.covered_regions())
        self.repository.save_profile(incoming.user, pending="region")
        out.add(f"{current}{msg.REGION_ASK}", (*buttons, (Button("清除地区设置", encode("r", "-")),)))

    def _pending_region(self, user: str, text: str, out: Outgoing) -> bool:
        if self.repository.pending(user) != "region":
            return False
        self.repository.save_profile(user, pending=None)
        self._set_region(user, text, out)
        return True

    def _set_region(self, user: str, text: str, out: Outgoing) -> None:
        if text in {"-", "清除", "无"}:
            self.repository.save_profile(user, region=None, pending=None)
            out.add("已清除地区设置。")
            return
        region = self.services.gazetteer.normalize_region(text)
        if region is None:
            out.add(f"没有认出“{text[:20]}”这个地区。请输入市、县或区的名字，比如“朔州”“甘州区”。")
            return
        self.repository.save_profile(user, region=region, pending=None)
        chain = self.services.gazetteer.covered_chain(region)
        if chain:
            out.add(f"好的，已设置为{region}。回答时会先找{'、'.join(chain)}的规划。")
        else:
            out.add(f"好的，已设置为{region}。{region}的规划暂未收录，我会给您其他地区的类似规定，仅供参考。")

    def _cmd_voice(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        choice = args or ("off" if profile.voice else "on")
        self._set_voice(incoming.user, choice, out)
        out.add(
            "语速可以选：",
            (tuple(Button(label, encode("v", key)) for key, label in _VOICE_CHOICES if key in VOICE_RATES),),
        )

    def _set_voice(self, user: str, choice: str, out: Outgoing) -> None:
        choice = _VOICE_WORDS.get(choice, choice)
        if choice == "off":
            self.repository.save_profile(user, voice=False)
            out.add("语音回复已关闭。")
        elif choice == "on":
            self.repository.save_profile(user, voice=True)
            out.add("语音回复已打开：每条文字回复后面会再发一条语音。发送 /voice off 可以关闭。")
        elif choice in VOICE_RATES:
            self.repository.save_profile(user, voice=True, voice_rate=VOICE_RATES[choice])
            out.add(f"好的，语速已调为{dict(_VOICE_CHOICES)[choice]}，语音回复已打开。")
        else:
            out.add("请发送 /voice on 打开语音，/voice off 关闭，或者 /voice slow、/voice fast 调语速。")

    def _cmd_screen(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if args and self.screenings.exists(args):
            self.screenings.start(incoming.user, args, profile, out)
            return
        out.add("想看看哪一项？点一下开始，一般只需回答几个问题：", self.screenings.menu())

    def _cmd_clause(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if not args:
            out.add(
                "请在 /clause 后面写上编号，比如：/clause shuozhou:box9.2，或者直接输入“朔州 专栏9 第2项”。"
            )
            return
        clause = self.services.clauses_by_id.get(args.strip())
        if clause is not None:
            out.add(clause_text(clause))
        elif not self._reference(args, profile, out):
            out.add(
                f"没有找到编号“{args[:40]}”。编号的样子是 shuozhou:box9.2，也可以输入“朔州 专栏9 第2项”。"
            )

    def _cmd_compare(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if not args:
            out.add("请在 /compare 后面写上想比较的事，比如：/compare 护理补贴")
            return
        rows = self.lookup.compare(args)
        if not rows:
            out.add(f"各地规划里都没有找到关于“{args[:30]}”的规定。")
            return
        lines = [f"各地规划对“{args[:30]}”的规定："]
        for _doc_id, clauses in rows:
            clause = clauses[0]
            lines.append(
                f"{clause.doc_short_title}（{clause.number or clause.path_text}）：{_snippet(clause)}"
            )
        buttons = tuple((Button(f"原文：{cs[0].doc_short_title}", encode("c", cs[0].id)),) for _, cs in rows)
        out.add("\n".join(lines), buttons)

    def _cmd_privacy(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        out.add(self.screenings.privacy_report(incoming.user))

    def _cmd_forget(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        if args in {"yes", "确定", "是"}:
            self._forget(incoming.user, out)
            return
        out.add(
            msg.FORGET_CONFIRM,
            ((Button("确定删除", encode("f", "yes")), Button("不删除", encode("f", "no"))),),
        )

    def _forget(self, user: str, out: Outgoing) -> None:
        self.screenings.forget(user)
        self.repository.forget(user)
        out.add(msg.FORGOTTEN)

    def _cmd_cancel(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        had_pending = self.repository.pending(incoming.user) is not None
        if self.screenings.active(incoming.user):
            self.screenings.quit(incoming.user, out)
        elif had_pending:
            self.repository.save_profile(incoming.user, pending=None)
            out.add(msg.CANCELLED)
        else:
            out.add(msg.NOTHING_TO_CANCEL)

    def _cmd_reload(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        written = self.services.reload()
        self.lookup = Lookup(self.services.searcher)
        out.add(f"已重新载入规划：{'、'.join(written) if written else '没有变化'}。")

    def _cmd_unanswered(self, incoming: Incoming, args: str, profile: Profile, out: Outgoing) -> None:
        rows = self.repository.unanswered(limit=20)
        if not rows:
            out.add("还没有记录到没能回答的问题。")
            return
        out.add("没能回答的问题（匿名，按次数）：\n" + "\n".join(f"{n} 次：{text}" for text, n, _ in rows))

    # -- buttons -----------------------------------------------------------------------------------

    def _on_callback(self, incoming: Incoming, profile: Profile, out: Outgoing) -> None:
        data = decode(incoming.callback or "")
        if data is None:
            out.add(msg.STALE_BUTTON)
            return
        self._dispatch_callback(incoming, data, profile, out)

    def _dispatch_callback(
        self, incoming: Incoming, data: CallbackData, profile: Profile, out: Outgoing
    ) -> None:
        user = incoming.user
        if data.action == "c":
            clause = self.services.clauses_by_id.get(data.arg)
            out.add(clause_text(clause) if clause else msg.STALE_BUTTON)
        elif data.action == "s" and self.screenings.exists(data.arg):
            self.screenings.start(user, data.arg, profile, out)
        elif data.action == "a":
            self.screenings.press(user, data.arg, profile, out)
        elif data.action == "r":
            self._set_region(user, data.arg, out)
        elif data.action == "v":
            self._set_voice(user, data.arg, out)
        elif data.action == "f":
            if data.arg == "yes":
                self._forget(user, out)
            else:
                out.add(msg.FORGET_KEPT)
        else:
            out.add(msg.STALE_BUTTON)


_VOICE_CHOICES = (("slow", "慢"), ("normal", "正常"), ("fast", "快"), ("off", "关闭语音"))
_VOICE_WORDS = {
    "开": "on",
    "打开": "on",
    "关": "off",
    "关闭": "off",
    "慢": "slow",
    "快": "fast",
    "正常": "normal",
}


def clause_text(clause: ClauseView) -> str:
    """A clause's original text with its citation, for the 原文 button and /clause."""
    header = f"{clause.doc_title}（{clause.region}）\n{clause.path_text} {clause.number}".rstrip()
    if clause.box:
        header += f"\n{clause.box}"
    body = clause.text
    departments = ""
    if clause.lead_departments:
        departments = f"\n牵头单位：{'、'.join(clause.lead_departments)}"
        if clause.participating_departments:
            departments += f"\n参与单位：{'、'.join(clause.participating_departments)}"
    return f"{header}\n\n{body}{departments}\n\n编号：{clause.id}"


def _snippet(clause: ClauseView, limit: int = 90) -> str:
    text = tidy(clause.text)
    return text if len(text) <= limit else text[:limit] + "……"


def _speech_of(answer: Answer) -> str:
    """What a voice note says: the answer and where it comes from, not the glossary or ids."""
    parts = [p for p in (answer.note, answer.main) if p]
    if answer.citations:
        parts.append("依据：" + "；".join(c.label for c in answer.citations))
    if answer.next_step:
        parts.append(answer.next_step)
    return "\n".join(parts)


def _describe(incoming: Incoming) -> str:
    """For logs: what kind of input failed, never its text."""
    if incoming.callback is not None:
        return "button"
    if incoming.command is not None:
        return f"command /{incoming.command}"
    return incoming.media or f"text of {len(incoming.text)} chars"
