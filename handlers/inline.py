"""Inline mode for case workers: `@bot 护理补贴 朔州` lists matching clauses to paste into a chat."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.error import TelegramError

from bot.core import clause_text
from handlers.context import PlanbotContext
from handlers.delivery import with_retries

log = logging.getLogger(__name__)

MAX_RESULTS = 10


async def on_inline_query(update: Update, context: PlanbotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=5, is_personal=False)
        return
    searcher = context.conversation.services.searcher
    outcome = await asyncio.to_thread(searcher.search, text, k=MAX_RESULTS)
    results = [
        InlineQueryResultArticle(
            id=str(i),
            title=r.clause.label[:64],
            description=r.clause.text[:120],
            input_message_content=InputTextMessageContent(clause_text(r.clause)[:4096]),
        )
        for i, r in enumerate(outcome.results)
    ]
    try:
        await with_retries(
            lambda: query.answer(results, cache_time=60, is_personal=False), "answerInlineQuery"
        )
    except TelegramError as error:  # the query expires after a while: nothing else to do
        log.warning("inline results were not delivered (%s)", type(error).__name__)
