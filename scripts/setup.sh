#!/usr/bin/env bash
# Set planbot up on a fresh machine: system packages, then .venv with the project and its dev tools.
# Idempotent and quick when nothing changed (a stamp records the pyproject.toml it installed).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
# libopus: voice notes are encoded through it directly (fast); without it soundfile's slower path is used
compgen -G '/usr/lib/*/libopus.so.0' >/dev/null || compgen -G '/usr/lib/libopus.so.0' >/dev/null || missing+=(libopus0)
# a CJK font, so that the indicator charts' Chinese labels are not boxes (knowledge/charts.py picks it up)
compgen -G '/usr/share/fonts/truetype/wqy/wqy-*.tt[cf]' >/dev/null \
    || compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK-*.tt[cf]' >/dev/null \
    || missing+=(fonts-wqy-microhei)
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "planbot setup: please install these system packages: ${missing[*]}" >&2
        exit 1
    fi
    echo "planbot setup: installing ${missing[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=.venv/.planbot-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "planbot setup: installing Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" >"$stamp"
fi
