"""A PostgreSQL server of a test's own, to stop and start again (the suite's shared one must stay up).

Uses the server binaries scripts/postgres.sh installs (Debian's postgresql package); `available()` is
False without them. As root, the server runs as the postgres user, as PostgreSQL insists.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.fakes.fixtures import free_port


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found else None


def available() -> bool:
    return _bindir() is not None and (os.geteuid() != 0 or shutil.which("su") is not None)


class PrivatePostgres:
    """initdb in a temporary directory; `start()`, `stop()` (fast shutdown), `close()` removes it all."""

    def __init__(self) -> None:
        bindir = _bindir()
        assert bindir is not None, "no PostgreSQL server binaries (scripts/postgres.sh installs them)"
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="planbot-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(f"{bindir}/initdb -D {self.root}/data -A trust -U postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: str) -> None:
        argv = (
            ["su", "postgres", "-s", "/bin/bash", "-c", command]
            if os.geteuid() == 0
            else ["bash", "-c", command]
        )
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(f'{self.bindir}/pg_ctl -D {self.root}/data -l {self.root}/log -w -o "{options}" start')

    def stop(self) -> None:
        self._run(f"{self.bindir}/pg_ctl -D {self.root}/data -m fast -w stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
