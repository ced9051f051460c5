"""Fixtures for the voice tests: a real VoiceService on real espeak-ng (skipped where it is missing)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from voice.service import VoiceService

SECRET = b"tests-only voice cache secret 32"


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoiceService]:
    """One service for tests that only speak; tests that stop or kill the worker make their own."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    with VoiceService(tmp_path_factory.mktemp("voice-cache"), cache_secret=SECRET) as service:
        yield service


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator:
    """A factory for private services, all closed at the end of the test."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    made: list[VoiceService] = []

    def _make(**options) -> VoiceService:
        options.setdefault("cache_secret", SECRET)
        service = VoiceService(tmp_path / f"cache{len(made)}", **options)
        made.append(service)
        return service

    yield _make
    for service in made:
        service.close()
