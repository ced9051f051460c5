"""The conversation core: one person's input in, plain replies (text, buttons, speech) out.

It knows nothing of Telegram or terminals; `handlers/`, `planbot.console` and `planbot ask` adapt
it, so a behaviour fixed here is fixed everywhere. It is synchronous (search, database and
screening steps are quick); async adapters run it in a worker thread. It never logs message text,
and it stores only what bot.models describes.

In a group chat nothing personal is read, stored or shown: questions are answered from the text
alone, and what belongs to one person (screenings, settings, /privacy, /forget) is offered in the
private chat instead.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import messages as msg
from bot.callbacks import Action, CallbackData, decode, encode
from bot.privacy import (
    SaltError,
    mask_personal_numbers,
    provisional_salt,
    user_id_salt,
    user_key,
)
from bot.replies import MAX_CAPTION, Button, Buttons, Chat, Incoming, Outgoing
from bot.repository import Memory, Profile, Repository, StorageUnavailable, storage_call
from bot.screening_flow import ScreeningFlow
from bot.services import Services
from bot.typed import Control, control_word, is_position, match_choice, numbered
from knowledge.answer import Answer, reference_answer
from knowledge.casework import indicator_table, key_sentence
from knowledge.charts import PANELS_PER_IMAGE, ChartUnavailable, render_png
from knowledge.clause import ClauseView
from knowledge.indicator_table import describe, split_caption, text_table
from knowledge.lookup import Lookup
from knowledge.refs import ClauseRef
from voice.speeds import SPEED_WORDS, STORED_RATE, Speed

if TYPE_CHECKING:
    from voice import VoiceNote

log = logging.getLogger(__name__)

#: The speeds a person can choose, as stored in their settings (voice.speeds.Speed.parse reads them).
MAX_INPUT_CHARS = 2000  # a longer message is answered from its start
QUESTION_ASIDE_CHARS = 6  # a question this long typed mid-screening is answered, not read as an answer
_MASK = re.compile(r"\[[^\[\]]{1,8}已隐去\]")
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
# Control, zero-width and direction characters, replacement characters, lone surrogates (undecodable bytes).
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffd\ud800-\udfff]"
)


def parse_command(text: str) -> tuple[str, str]:
    """'/Clause@planbot shuozhou:box9.2' → ('clause', 'shuozhou:box9.2')."""
    head, _, args = text.strip().partition(" ")
    return head.lstrip("/").split("@", 1)[0].lower(), args.strip()


def clean_input(text: str) -> str:
    """Drop control, zero-width and direction characters; NFC; trim."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


@dataclass(slots=True)
class Turn:
    """One input being handled: what came in, the person's settings, and the replies so far."""

    incoming: Incoming
    profile: Profile
    out: Outgoing
    voice: bool  # whether the replies also go out as a voice note (a setting changed now counts)
    memory: Memory = field(default_factory=Memory)  # the conversation's short memory (private chats only)
    pending_done: bool = False  # the prompt or choice that was pending has been answered or left
    region: str | None = None  # the asker's region, once worked out (Conversation._region_for)
    region_known: bool = False
    offers_region: bool = False  # this turn asks for a region (its choices are regions)
    offer_region: str | None = None  # a region named in passing, offered to be saved
    storage: bool = True  # False while the database cannot be reached: nothing personal is read

    @property
    def user(self) -> str:
        return self.incoming.user

    @property
    def private(self) -> bool:
        return self.incoming.chat is Chat.PRIVATE and self.storage


@dataclass(frozen=True, slots=True)
class Command:
    """One command: its name and description are the menu people see (Telegram and /help)."""

    name: str
    description: str
    run: Callable[[Conversation, Turn, str], None] = field(repr=False)
    admin: bool = False
    private: bool = False  # about the person: only in a private chat


class Conversation:
    """Routes input to answers, lookups, screenings and settings."""

    def __init__(self, services: Services, *, log_unanswered: bool = True) -> None:
        self.services = services
        self.repository = Repository(lambda: services.engine)
        self.screenings = ScreeningFlow(self.repository, services)
        self.log_unanswered = log_unanswered
        self._salt_lock = threading.Lock()
        self._salt_refused = False
        try:
            self._salt, self._salt_checked = _checked_salt(services.settings, services.engine), True
        except StorageUnavailable as error:  # start anyway: answers need no database
            self._salt, self._salt_checked = provisional_salt(services.settings), False
            log.warning(
                "starting without storage, %s: questions, clauses and /help are answered from the "
                "index; saving is refused until the database is reachable again",
                error,
            )

    def user_key(self, platform: str, user_id: int | str) -> str:
        return user_key(self._salt, platform, user_id)

    def answering(self, user: str) -> bool:
        """Whether a screening question waits for this person's typed answer (the console reads numbers
        as answers then); False while storage cannot be reached, when no screening goes on."""
        try:
            self._check_salt()
            return self.screenings.active(user)
        except StorageUnavailable:
            return False

    def _check_salt(self) -> None:
        """Storage is used only once the database has confirmed the salt people are keyed by (started
        without it, planbot keys them by a provisional salt). StorageUnavailable until then."""
        if self._salt_checked:
            return
        with self._salt_lock:
            if self._salt_checked:
                return
            if self._salt_refused:
                raise StorageUnavailable("the user-id salt does not match the database's")
            try:
                salt = _checked_salt(self.services.settings, self.services.engine, new=self._salt)
            except SaltError as error:
                self._salt_refused = True
                log.error("storage stays off: %s", error)
                raise StorageUnavailable("the user-id salt does not match the database's") from None
            if salt != self._salt:  # the database kept an older salt: keys made so far would be wrong
                self._salt_refused = True
                log.error("storage stays off until planbot is restarted: the database holds an older salt")
                raise StorageUnavailable("the user-id salt does not match the database's")
            self._salt_checked = True
        log.info("the database is reachable again: saving works")

    def help_text(self, turn: Turn) -> str:
        plans = [meta.short_title for meta in self.services.library.catalog.values()]
        return help_text(plans, admin=turn.incoming.is_admin)

    @property
    def lookup(self) -> Lookup:
        return Lookup(self.services.searcher)

    # -- entry point -------------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Outgoing:
        private = incoming.chat is Chat.PRIVATE
        profile, memory, storage = Profile(), Memory(), True
        if private:
            try:
                self._check_salt()
                profile = self.repository.profile(incoming.user)
                memory = self.repository.memory(incoming.user)
            except StorageUnavailable as error:  # answer without it, as in a group, and say what waits
                log.warning("storage unavailable, answering without it: %s", error)
                storage = False
        turn = Turn(incoming, profile, Outgoing(speed=_speed(profile.voice_rate)), profile.voice, memory)
        turn.storage = storage
        if not storage and incoming.text:
            turn.out.add(msg.STORAGE_DOWN)
        try:
            if incoming.callback is not None:
                self._on_callback(turn)
            elif incoming.command is not None:
                self._on_command(turn)
            elif incoming.media is not None:
                turn.out.add(msg.VOICE_INPUT if incoming.media == "voice" else msg.NOT_TEXT)
            else:
                self._on_text(turn)
        except StorageUnavailable as error:
            log.warning("storage unavailable (%s): %s", _describe(incoming), error)
            turn.out = Outgoing(speed=_speed(profile.voice_rate))
            turn.out.add(msg.STORAGE_DOWN)
        except Exception:
            log.exception("conversation failed (%s)", _describe(incoming))
            turn.out = Outgoing(speed=_speed(profile.voice_rate))
            turn.out.add(msg.ERROR)
        out = turn.out
        if turn.private:
            try:
                self._remember_choices(turn)
            except StorageUnavailable as error:  # the reply stands; a typed answer to it is not read
                log.warning("storage unavailable, choices not kept: %s", error)
        if turn.voice and out.replies and not out.speech:
            out.say(*(("answer", r.text) for r in out.replies))
        if not turn.voice:
            out.speech = ()
        return out

    def voice_note(self, outgoing: Outgoing) -> VoiceNote | None:
        """Synthesise the outgoing speech (blocking); None if speech is unavailable right now."""
        return self.services.speak(outgoing.speech, speed=outgoing.speed, private=outgoing.personal)

    async def avoice_note(self, outgoing: Outgoing) -> VoiceNote | None:
        """The same without blocking the event loop."""
        return await self.services.aspeak(outgoing.speech, speed=outgoing.speed, private=outgoing.personal)

    # -- text --------------------------------------------------------------------------------------

    def _on_text(self, turn: Turn) -> None:
        raw = clean_input(turn.incoming.text)
        out = turn.out
        text = mask_personal_numbers(raw)
        if text != raw:
            out.add(msg.PERSONAL_NUMBERS)
        if not _WORDLIKE.search(text):
            out.add(msg.EMPTY_INPUT)
            return
        if len(text) > MAX_INPUT_CHARS:
            text = text[:MAX_INPUT_CHARS]
            out.add(msg.TOO_LONG)
        if turn.private:
            if self._choice_is_latest(turn) and self._typed_choice(turn, text):
                return
            if self.screenings.wants(turn.user, text):
                if self._question_aside(turn, text):
                    return
                self.screenings.answer(turn.user, text, out)
                out.personal = True
                return
            if self._typed_choice(turn, text):
                return
        if (control := control_word(text)) is not None:
            self._control(turn, control)
            return
        if is_position(text):  # "2" with no choice open: not a question about the number 2
            out.add(msg.NO_CHOICE_PENDING)
            return
        if self._reference(turn, text):
            return
        self._answer(turn, text)
        paused = self.screenings.paused(turn.user) if turn.private else None
        if paused is not None:
            title = self.screenings.title(paused.screening)
            out.offer(
                f"另外，您上次的“{title}”自测还没做完，想接着做可以点下面的按钮，或者回复“继续自测”。",
                ((Button("继续自测", encode(Action.SCREEN, paused.screening)),),),
            )

    def _region_for(self, turn: Turn) -> str | None:
        """The asker's region: one a script gives, else one named earlier in this conversation, else the
        one they saved (/region), else the place they gave in a screening. Worked out once a turn."""
        if not turn.region_known:
            region = turn.incoming.region or turn.memory.context_region or turn.profile.region
            if region is None and turn.private:
                region = self.screenings.place(turn.user)
            turn.region, turn.region_known = region, True
        return turn.region

    # -- the conversation's short memory: typed answers, control words, context -----------------------

    def _typed_choice(self, turn: Turn, text: str) -> bool:
        """A typed answer to the prompt or the buttons last offered; True when it was one."""
        memory = turn.memory
        if memory.pending is None:
            return False
        data = match_choice(text, memory.choices, yes=_yes_of(memory.choices), no=_no_of(memory.choices))
        if data is not None:
            turn.pending_done = True
            callback = decode(data)
            if callback is not None:
                _BUTTONS[callback.action](self, turn, callback)
                return True
        turn.pending_done = True  # whatever happens next, the prompt is over
        if memory.pending == "region" and not _looks_like_question(text):
            self._set_region(turn, text)
            return True
        return False

    def _choice_is_latest(self, turn: Turn) -> bool:
        """Whether the choice the core offered came after the screening's question (e.g. /region mid-way)."""
        if turn.memory.pending is None:
            return False
        asked = self.screenings.asked_at(turn.user)
        offered = turn.memory.updated_at
        return asked is None or (offered is not None and offered > asked)

    def _question_aside(self, turn: Turn, text: str) -> bool:
        """A clear question typed in the middle of a screening is answered; the screening waits."""
        if len(text) < QUESTION_ASIDE_CHARS or not _QUESTION.search(text) or control_word(text):
            return False
        self._answer(turn, text)
        turn.out.add(msg.SCREENING_WAITS)
        return True

    def _remember_choices(self, turn: Turn) -> None:
        """Keep the choices this turn offered for a typed answer; forget a prompt that is over."""
        offered = turn.out.offered
        if offered:
            pending = "region" if turn.offers_region else "choice"
            self.repository.remember(turn.user, pending=pending, choices=offered)
        elif turn.memory.pending is not None and turn.pending_done:
            self.repository.remember(turn.user, pending=None)

    def _control(self, turn: Turn, control: Control) -> None:
        """重新开始, 上一步, 退出, 帮助 outside a screening: do what they say, or say why there is nothing
        to do."""
        out = turn.out
        if control is Control.HELP:
            out.add(self.help_text(turn))
            return
        last = self.screenings.last(turn.user) if turn.private else None
        if control is Control.RESTART and last is not None:
            self.screenings.restart(turn.user, last, turn.profile, out)
            out.personal = True
        elif control is Control.RESTART:
            out.add(msg.NOTHING_TO_RESTART)
        elif control is Control.BACK:
            out.add(msg.NOTHING_TO_GO_BACK_TO if last is None else msg.SCREENING_OVER)
        else:
            out.add(msg.NOTHING_TO_CANCEL)

    def _keep_context(self, turn: Turn, answer: Answer) -> None:
        """Remember a region named in a question for the follow-ups, and offer once to save it."""
        if not turn.private or answer.region is None or answer.region == turn.memory.context_region:
            return
        named = answer.region != (turn.incoming.region or turn.profile.region)
        if not named:
            return
        self.repository.remember(turn.user, context_region=answer.region)
        region = self.services.library.region(answer.region)
        if region is not None and region.covered and answer.region != turn.profile.region and not answer.kind:
            turn.offer_region = answer.region  # not under a reply about the weather or a greeting

    def _answer(self, turn: Turn, text: str) -> None:
        # The masks stand for numbers the person should not have sent; they say nothing about the question.
        asked = _MASK.sub(" ", text)
        answer = self.services.answerer.answer(asked, region=self._region_for(turn))
        self._keep_context(turn, answer)
        if not answer.in_scope and answer.kind is None:
            if self.log_unanswered and turn.private:  # a group's talk is not ours to keep
                self.repository.log_unanswered(text)  # masked already (_on_text, _on_command)
            turn.out.answered = False
        turn.out.answer = answer
        turn.out.add(answer.render(), self._answer_buttons(answer, turn))
        turn.out.say(*_speech_of(answer))

    def _answer_buttons(self, answer: Answer, turn: Turn) -> Buttons:
        rows: list[tuple[Button, ...]] = []
        if turn.offer_region:
            rows.append(
                (Button(f"以后都按{turn.offer_region}回答", encode(Action.REGION, turn.offer_region)),)
            )
        originals = [Button(f"原文：{c.label}", encode(Action.CLAUSE, c.clause_id)) for c in answer.citations]
        if originals:
            rows.append(tuple(originals[:2]))
        if answer.screening and self.screenings.exists(answer.screening):
            title = self.screenings.title(answer.screening)
            rows.append((Button(f"自测：我能申请{title}吗", encode(Action.SCREEN, answer.screening)),))
        more = [self.services.clauses_by_id.get(clause_id) for clause_id in answer.more[:2]]
        related = [Button(f"相关：{c.label}", encode(Action.CLAUSE, c.id)) for c in more if c is not None]
        if related:
            rows.append(tuple(related))
        return tuple(rows)

    def _reference(self, turn: Turn, text: str) -> bool:
        """A typed clause reference ("朔州 专栏9 第2项", "shuozhou:box9.2"): the clauses' original text."""
        result = self.lookup.resolve(text, self._region_for(turn))
        if result is None or (not result.clauses and not result.missing):
            return False
        out = turn.out
        for sentence in result.missing:
            out.add(sentence)
        for clause in result.clauses[:3]:
            out.add(clause_text(clause))
        if len(result.clauses) > 3:
            buttons = tuple((Button(c.label, encode(Action.CLAUSE, c.id)),) for c in result.clauses[3:8])
            out.add(f"还有 {len(result.clauses) - 3} 条，点下面的按钮查看：", buttons)
        out.answer = reference_answer(result.clauses, result.missing)
        out.answered = bool(result.clauses)
        return True

    # -- commands ----------------------------------------------------------------------------------

    def _on_command(self, turn: Turn) -> None:
        name, raw = turn.incoming.command or "", clean_input(turn.incoming.args)
        args = mask_personal_numbers(raw)  # "/region 13812345678" is echoed and searched, never kept
        if args != raw:
            turn.out.add(msg.PERSONAL_NUMBERS)
        command = COMMANDS_BY_NAME.get(name)
        if command is None or (command.admin and not turn.incoming.is_admin):
            turn.out.add(self.help_text(turn))
            return
        if command.private and not turn.private:
            self._private_only(turn, f"cmd_{name}")
            return
        turn.pending_done = True  # a command ends whatever prompt was pending
        command.run(self, turn, args)

    def _private_only(self, turn: Turn, payload: str) -> None:
        if not turn.storage:
            turn.out.add(msg.STORAGE_DOWN)
            return
        turn.out.add(msg.PRIVATE_ONLY, ((Button("到私聊里继续", link=payload),),))

    def _cmd_start(self, turn: Turn, args: str) -> None:
        out = turn.out
        if args.startswith("clause_"):
            ref = ClauseRef.from_link(args.removeprefix("clause_"))
            clause = self.services.clauses_by_id.get(ref.key) if ref else None
            out.add(clause_text(clause) if clause else msg.STALE_BUTTON)
            return
        if args.startswith("screen_") and self.screenings.exists(args.removeprefix("screen_")):
            self.screenings.start(turn.user, args.removeprefix("screen_"), turn.profile, out)
            out.personal = True
            return
        command = COMMANDS_BY_NAME.get(args.removeprefix("cmd_")) if args.startswith("cmd_") else None
        if command is not None and command.name != "start" and not command.admin:
            command.run(self, turn, "")
            return
        out.add(msg.WELCOME)

    def _cmd_help(self, turn: Turn, args: str) -> None:
        turn.out.add(self.help_text(turn))

    def _cmd_region(self, turn: Turn, args: str) -> None:
        if args:
            self._set_region(turn, args)
            return
        region = turn.profile.region
        current = f"现在设置的地区是：{region}。" if region else "您还没有设置地区。"
        buttons = tuple(
            (Button(region, encode(Action.REGION, region)),) for region in self.services.covered_regions()
        )
        turn.offers_region = True
        labels = [*self.services.covered_regions(), "清除地区设置"]
        turn.out.offer(
            f"{current}{msg.REGION_ASK}\n{numbered(labels)}",
            (*buttons, (Button("清除地区设置", encode(Action.REGION, "-")),)),
        )

    def _set_region(self, turn: Turn, text: str) -> None:
        out = turn.out
        if text in {"-", "清除", "无"}:
            self.repository.save_profile(turn.user, region=None)
            self.repository.remember(turn.user, pending=None, context_region=None)
            out.add("已清除地区设置。")
            return
        region = self.services.library.region(text)
        if region is None:
            out.add(f"没有认出“{text[:20]}”这个地区。请输入市、县或区的名字，比如“朔州”“甘州区”。")
            return
        self.repository.save_profile(turn.user, region=region.name)
        self.repository.remember(turn.user, pending=None, context_region=None)
        if region.covered:
            out.add(f"好的，已设置为{region.name}。回答时会先找{'、'.join(region.chain)}的规划。")
        else:
            out.add(
                f"好的，已设置为{region.name}。{region.name}的规划暂未收录，我会给您其他地区的类似规定，仅供参考。"
            )

    def _cmd_voice(self, turn: Turn, args: str) -> None:
        choice = args or ("off" if turn.profile.voice else "on")
        self._set_voice(turn, choice)
        turn.out.offer(
            f"语速可以选，点按钮或者回复数字：\n{numbered([label for _, label in _VOICE_CHOICES])}",
            (tuple(Button(label, encode(Action.VOICE, key)) for key, label in _VOICE_CHOICES),),
        )

    def _set_voice(self, turn: Turn, choice: str) -> None:
        choice = _VOICE_WORDS.get(choice, choice)
        out = turn.out
        if choice == "off":
            self.repository.save_profile(turn.user, voice=False)
            turn.voice = False
            out.add("语音回复已关闭。")
        elif choice == "on":
            self.repository.save_profile(turn.user, voice=True)
            turn.voice = True
            out.add("语音回复已打开：每条文字回复后面会再发一条语音。发送 /voice off 可以关闭。")
        elif choice in STORED_RATE:
            self.repository.save_profile(turn.user, voice=True, voice_rate=STORED_RATE[Speed(choice)])
            turn.voice = True
            out.speed = choice
            out.add(f"好的，语速已调为{dict(_VOICE_CHOICES)[choice]}，语音回复已打开。")
        else:
            out.add("请发送 /voice on 打开语音，/voice off 关闭，或者 /voice slow、/voice fast 调语速。")

    def _cmd_screen(self, turn: Turn, args: str) -> None:
        turn.out.personal = True
        if args and self.screenings.exists(args):
            self.screenings.start(turn.user, args, turn.profile, turn.out)
            return
        menu = self.screenings.menu()
        labels = [row[0].label for row in menu]
        turn.out.offer(
            f"想看看哪一项？点按钮或者回复数字、名称，一般只需回答几个问题：\n{numbered(labels)}", menu
        )

    def _cmd_clause(self, turn: Turn, args: str) -> None:
        if not args:
            turn.out.add(
                "请在 /clause 后面写上编号，比如：/clause shuozhou:box9.2，或者直接输入“朔州 专栏9 第2项”。"
            )
            return
        if not self._reference(turn, args):
            turn.out.add(
                f"没有找到编号“{args[:40]}”。编号的样子是 shuozhou:box9.2，也可以输入“朔州 专栏9 第2项”。"
            )
            turn.out.answered = False

    def _cmd_compare(self, turn: Turn, args: str) -> None:
        """Each plan's clause on the topic, or that the plan does not write about it."""
        out = turn.out
        if not args:
            out.add("请在 /compare 后面写上想比较的事，比如：/compare 护理补贴")
            return
        rows = self.lookup.compare(args)
        found = [row.clauses[0] for row in rows if row.clauses]
        if not found:
            out.add(f"各地规划里都没有找到关于“{args[:30]}”的规定。")
            return
        lines = [f"各地规划对“{args[:30]}”的规定："]
        for row in rows:
            clause = row.clauses[0] if row.clauses else None
            searcher = self.services.searcher
            lines.append(f"{clause.label}：{key_sentence(clause, args, searcher)}" if clause else row.silent)
        buttons = tuple((Button(f"原文：{c.label}", encode(Action.CLAUSE, c.id)),) for c in found)
        out.add("\n".join(lines), buttons)

    def _cmd_indicators(self, turn: Turn, args: str) -> None:
        """The indicator tables on a topic, side by side: a chart (a picture with its words as the
        caption) per four indicators; a text table where no picture can be drawn."""
        out = turn.out
        selection = self.lookup.indicators(args)
        if not selection.lines:
            if not selection.regions:  # the plans of the region asked for have no indicator table
                out.add("".join(f"{plan}没有主要指标表。" for plan in selection.without_table))
                return
            names = "、".join(line.definition.name for line in indicator_table(self.services.searcher).lines)
            example = "比如：/indicators 康复 茌平"
            out.add(f"主要指标表里没有“{selection.topic[:30]}”。可以查的有：{names}。{example}")
            return
        for page in selection.pages(PANELS_PER_IMAGE):
            words = describe(page)
            caption, rest = split_caption(words, MAX_CAPTION)
            try:
                out.add_image(render_png(page), caption, text_table(page))
            except ChartUnavailable:
                log.warning("no CJK font: indicators sent as text")
                out.add(text_table(page))
                rest = ""
            if rest:
                out.add(rest)
            out.say(("answer", words))

    def _cmd_privacy(self, turn: Turn, args: str) -> None:
        turn.out.personal = True
        turn.out.add(self.screenings.privacy_report(turn.user))

    def _cmd_forget(self, turn: Turn, args: str) -> None:
        if args in {"yes", "确定", "是"}:
            self._forget(turn)
            return
        turn.out.offer(
            f"{msg.FORGET_CONFIRM}\n{numbered(['确定删除', '不删除'])}",
            (
                (
                    Button("确定删除", encode(Action.FORGET, "yes")),
                    Button("不删除", encode(Action.FORGET, "no")),
                ),
            ),
        )

    def _forget(self, turn: Turn) -> None:
        self.screenings.forget(turn.user)
        self.repository.forget(turn.user)
        turn.voice = False
        turn.out.add(msg.FORGOTTEN)

    def _cmd_cancel(self, turn: Turn, args: str) -> None:
        if self.screenings.active(turn.user):
            self.screenings.quit(turn.user, turn.out)
        elif turn.memory.pending is not None:
            turn.out.add(msg.CANCELLED)
        else:
            turn.out.add(msg.NOTHING_TO_CANCEL)

    def _cmd_reload(self, turn: Turn, args: str) -> None:
        _swapped, sentence = self.services.reload()
        turn.out.add(sentence)

    def _cmd_unanswered(self, turn: Turn, args: str) -> None:
        rows = self.repository.unanswered(limit=20)
        if not rows:
            turn.out.add("还没有记录到没能回答的问题。")
            return
        listed = "\n".join(f"{n} 次：{text}" for text, n, _ in rows)
        turn.out.add(f"没能回答的问题（匿名，按次数）：\n{listed}")

    # -- buttons -----------------------------------------------------------------------------------

    def _on_callback(self, turn: Turn) -> None:
        turn.pending_done = True  # a button press answers, or leaves, whatever was pending
        data = decode(turn.incoming.callback or "")
        if data is None:
            turn.out.add(msg.STALE_BUTTON)
            return
        if data.action is not Action.CLAUSE and not turn.private:
            self._private_only(turn, "cmd_help")
            return
        _BUTTONS[data.action](self, turn, data)

    def _press_clause(self, turn: Turn, data: CallbackData) -> None:
        clause = self.services.clauses_by_id.get(data.arg)
        turn.out.add(clause_text(clause) if clause else msg.STALE_BUTTON)
        turn.out.keep_buttons = True  # the person may want the other original too

    def _press_screen(self, turn: Turn, data: CallbackData) -> None:
        turn.out.personal = True
        if self.screenings.exists(data.arg):
            self.screenings.start(turn.user, data.arg, turn.profile, turn.out)
        else:
            turn.out.add(msg.STALE_BUTTON)

    def _press_answer(self, turn: Turn, data: CallbackData) -> None:
        turn.out.personal = True
        self.screenings.press(turn.user, data.arg, turn.out)

    def _press_region(self, turn: Turn, data: CallbackData) -> None:
        self._set_region(turn, data.arg)

    def _press_voice(self, turn: Turn, data: CallbackData) -> None:
        self._set_voice(turn, data.arg)

    def _press_forget(self, turn: Turn, data: CallbackData) -> None:
        if data.arg == "yes":
            self._forget(turn)
        else:
            turn.out.add(msg.FORGET_KEPT)


#: The command table: the menu people see, in this order (Telegram's command list and /help).
COMMANDS: tuple[Command, ...] = (
    Command("start", "开始使用，看看我能做什么", Conversation._cmd_start),
    Command("help", "怎么提问，有哪些功能", Conversation._cmd_help),
    Command("region", "设置我所在的地区", Conversation._cmd_region, private=True),
    Command("voice", "语音回复：开、关、语速", Conversation._cmd_voice, private=True),
    Command("screen", "自测：看看我可能符合哪些补贴", Conversation._cmd_screen, private=True),
    Command("clause", "按编号查看规划原文", Conversation._cmd_clause),
    Command("compare", "比较各地规划对同一件事的规定", Conversation._cmd_compare),
    Command("indicators", "各地主要指标对比图，如 /indicators 康复", Conversation._cmd_indicators),
    Command("privacy", "看看保存了我的哪些信息", Conversation._cmd_privacy, private=True),
    Command("forget", "删除保存的我的全部信息", Conversation._cmd_forget, private=True),
    Command("cancel", "退出当前的自测或操作", Conversation._cmd_cancel, private=True),
    Command("reload", "管理员：重新载入数据和规划", Conversation._cmd_reload, admin=True),
    Command("unanswered", "管理员：查看没能回答的问题", Conversation._cmd_unanswered, admin=True),
)
COMMANDS_BY_NAME = {c.name: c for c in COMMANDS}
PUBLIC_COMMANDS = tuple(c for c in COMMANDS if not c.admin)

#: What each kind of button does.
_BUTTONS: dict[Action, Callable[[Conversation, Turn, CallbackData], None]] = {
    Action.CLAUSE: Conversation._press_clause,
    Action.SCREEN: Conversation._press_screen,
    Action.ANSWER: Conversation._press_answer,
    Action.REGION: Conversation._press_region,
    Action.VOICE: Conversation._press_voice,
    Action.FORGET: Conversation._press_forget,
}


def help_text(plans: list[str], *, admin: bool = False) -> str:
    """/help: how to ask, the plans covered (`plans`: their short titles) and the command menu."""
    commands = COMMANDS if admin else PUBLIC_COMMANDS
    return "\n".join(
        [
            msg.HELP_INTRO.format(count=_count(len(plans)), plans="、".join(plans)),
            "常用命令：",
            *(f"/{c.name}：{c.description}" for c in commands),
            msg.HELP_REFERENCES,
            msg.DISCLAIMER,
        ]
    )


def _count(n: int) -> str:
    return "零一两三四五六七八九十"[n] if n <= 10 else str(n)


_VOICE_CHOICES = (*((speed.value, word) for speed, word in SPEED_WORDS.items()), ("off", "关闭语音"))
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
    header = f"{clause.doc_title}（{clause.region}）\n{clause.label}"
    if clause.box:
        header += f"\n{clause.box}"
    departments = ""
    if clause.lead_departments:
        departments = f"\n牵头单位：{'、'.join(clause.lead_departments)}"
        if clause.participating_departments:
            departments += f"\n参与单位：{'、'.join(clause.participating_departments)}"
    return f"{header}\n\n{clause.text}{departments}\n\n编号：{clause.id}"


def _speech_of(answer: Answer) -> list[tuple[str, str]]:
    """What a voice note says: the answer, each citation in words, the next step; not the glossary."""
    parts = [("note", answer.note), ("answer", answer.main)]
    parts += [("citation", c.spoken) for c in answer.citations]
    parts.append(("step", answer.next_step))
    return [(role, text) for role, text in parts if text]


def _speed(stored_rate: int) -> str:
    """The speed name for a stored rate."""
    return Speed.parse(stored_rate).value


def _yes_of(choices: tuple[tuple[str, str], ...]) -> str:
    """The "yes" of a yes/no choice (/forget's confirmation), "" for other choices."""
    return next((data for _, data in choices if data == encode(Action.FORGET, "yes")), "")


def _no_of(choices: tuple[tuple[str, str], ...]) -> str:
    return next((data for _, data in choices if data == encode(Action.FORGET, "no")), "")


_QUESTION = re.compile(r"[？?]|吗|呢|怎么|咋|啥|什么|哪|谁|能不能|有没有|可以|能否|是不是|多少|几")


def _looks_like_question(text: str) -> bool:
    """A message that asks something rather than names a place: it is answered, not taken as a region."""
    return len(text) > 12 or bool(_QUESTION.search(text))


def _describe(incoming: Incoming) -> str:
    """For logs: what kind of input failed, never its text."""
    if incoming.callback is not None:
        return "button"
    if incoming.command is not None:
        return f"command /{incoming.command}"
    return incoming.media or f"text of {len(incoming.text)} chars"


#: The salt the database confirms (bot.privacy.user_id_salt), StorageUnavailable when it is unreachable.
_checked_salt = storage_call(user_id_salt)
