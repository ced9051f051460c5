"""Why a voice note could not be made. Callers catch VoiceUnavailable and send the text alone."""

from __future__ import annotations


class VoiceUnavailable(RuntimeError):
    """No voice note this time: synthesis failed, hung or had nothing to say. The text still goes out."""


class EspeakMissing(VoiceUnavailable):
    """espeak-ng is not installed; the message names the Debian package to install."""
