"""Settings: every one is documented in the README and .env.example; the token stays secret."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_the_readme_and_env_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = f"PLANBOT_{name.upper()}"
        assert f"`{variable}`" in readme, variable
        assert variable in example, variable


def test_admin_ids_are_read_from_a_comma_separated_list_and_the_token_is_secret(monkeypatch):
    monkeypatch.setenv("PLANBOT_ADMIN_IDS", "12, 34")
    monkeypatch.setenv("PLANBOT_TELEGRAM_TOKEN", "123:SECRET")
    settings = Settings(_env_file=None)
    assert settings.admin_ids == frozenset({12, 34})
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings.model_dump())
