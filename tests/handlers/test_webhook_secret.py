"""A webhook that cannot be forged: updates without the secret are refused, and no secret, no start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from bot.models import UserProfile
from bot.services import Services
from planbot.telegram_app import WebhookSecretMissing, require_webhook_secret
from tests.fakes import updates
from tests.fakes.bot_api import FakeBotApi, post_webhook_update
from tests.fakes.fixtures import TEST_TOKEN, free_port
from tests.handlers.conftest import running_planbot
from tests.support import settings_for

pytestmark = pytest.mark.e2e

SECRET = "a-webhook-secret-of-24-chars"
PLANBOT = Path(sys.executable).with_name("planbot")


def profile(engine, key: str) -> UserProfile | None:
    with Session(engine) as session:
        return session.get(UserProfile, key)


async def test_a_forged_forget_without_the_secret_is_refused_and_deletes_nothing(
    fake_bot_api: FakeBotApi, planbot_services: Services, user_id: int
) -> None:
    async with running_planbot(
        fake_bot_api, planbot_services, webhook_port=free_port(), secret_token=SECRET
    ) as bot:
        assert bot.webhook_url is not None
        set_region = updates.command_update(user_id, "region", "朔州", update_id=91_001)
        assert (
            await post_webhook_update(bot.webhook_url, set_region, secret_token=SECRET)
        ).status_code == 200
        await bot.wait_handled(91_001)
        key = bot.conversation.user_key("telegram", user_id)
        assert (await asyncio.to_thread(profile, planbot_services.engine, key)).region == "朔州市"

        forged = updates.command_update(user_id, "forget", "yes", update_id=91_002)
        for secret in (None, "", "wrong-secret-of-enough-length", SECRET.upper()):
            response = await post_webhook_update(bot.webhook_url, forged, secret_token=secret)
            assert response.status_code == 403, secret
        await asyncio.sleep(0.3)  # had any of them been queued, it would be handled by now
    assert 91_002 not in bot.handled
    assert (await asyncio.to_thread(profile, planbot_services.engine, key)).region == "朔州市"
    assert len(fake_bot_api.texts_to(user_id)) == 1, "only the region was answered"


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", "has spaces in it, sixteen+", "秘密秘密秘密秘密秘密秘密秘密秘密", "x" * 15],
    ids=["unset", "empty", "short", "spaces", "not ascii", "15 chars"],
)
def test_webhook_mode_refuses_a_missing_or_malformed_secret(
    tmp_path: Path, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(
        tmp_path,
        telegram_token=SecretStr(TEST_TOKEN),
        webhook_url="https://bot.example.org/hook",
        webhook_secret=None if secret is None else SecretStr(secret),
    )
    with pytest.raises(WebhookSecretMissing):
        require_webhook_secret(settings)
    assert "PLANBOT_WEBHOOK_SECRET" in caplog.text
    if secret:
        assert secret not in caplog.text


def test_a_proper_secret_is_accepted(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, webhook_url="https://x/hook", webhook_secret=SecretStr(SECRET))
    assert require_webhook_secret(settings) == SECRET


def test_planbot_run_without_a_secret_does_not_start_and_says_why(tmp_path: Path) -> None:
    with FakeBotApi() as fake:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")},
            "PLANBOT_TELEGRAM_TOKEN": TEST_TOKEN,
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
            "PLANBOT_TELEGRAM_API_URL": fake.base_url,
            "PLANBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "PLANBOT_WEBHOOK_PORT": str(port),
        }
        done = subprocess.run(
            [str(PLANBOT), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2
        assert "PLANBOT_WEBHOOK_SECRET" in done.stderr and "not starting" in done.stderr
        assert "Traceback" not in done.stderr
        assert fake.sent == [], "not even getMe: nothing was started"
        assert not (tmp_path / "data").exists(), "nothing was opened or created"
