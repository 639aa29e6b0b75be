"""A throwaway Virtuoso 7 on 127.0.0.1 for the remote-backend tests.

Follows ``../shared/notes/virtuoso.md``: Debian's ``virtuoso-opensource``
(``make virtuoso`` installs it as root), an ini derived from the package's
with both ports bound to loopback on free ports, a temporary database
directory, the DBA password changed before use (Digest auth on
``/sparql-auth`` and ``/sparql-graph-crud-auth``), and a shutdown through
``isql-vt -K`` then the process id.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

PACKAGE_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def missing() -> str | None:
    """Why Virtuoso cannot be started here, or ``None``."""
    for binary in ("virtuoso-t", "isql-vt"):
        if shutil.which(binary) is None:
            return (
                f"{binary} not found: install Debian's virtuoso-opensource "
                "(`make virtuoso`, as root)"
            )
    if not PACKAGE_INI.is_file():
        return f"{PACKAGE_INI} not found (Debian's virtuoso-opensource package)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Virtuoso:
    """One Virtuoso instance in ``root`` (database, ini, logs)."""

    def __init__(
        self,
        root: Path,
        *,
        password: str = "ccai-test-secret",  # noqa: S107 (a throwaway loopback instance)
        max_rows: int = 200_000,
        buffers: int | None = None,
    ) -> None:
        self.root = root
        self.password = password
        self.max_rows = max_rows
        self.buffers = buffers  # NumberOfBuffers (8 KiB pages); None: the Debian ini's 10,000
        self.http_port = _free_port()
        self.sql_port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def _ini(self) -> str:
        text = PACKAGE_INI.read_text(encoding="utf-8")
        db = self.root / "db"
        text = text.replace("/var/lib/virtuoso-opensource-7/db", str(db))
        text = re.sub(
            r"(?m)^ServerPort\s*=\s*1111.*$", f"ServerPort = 127.0.0.1:{self.sql_port}", text
        )
        text = re.sub(
            r"(?m)^ServerPort\s*=\s*8890.*$", f"ServerPort = 127.0.0.1:{self.http_port}", text
        )
        text = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = {self.root / 'data'}", text)
        text = re.sub(r"(?m)^DefaultHost\s*=.*$", f"DefaultHost = 127.0.0.1:{self.http_port}", text)
        text = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", f"ResultSetMaxRows = {self.max_rows}", text)
        # ORDER BY … LIMIT n is refused past MaxSortedTopRows (10,000 unless set: SR353)
        text = text.replace(
            "[Parameters]\n", f"[Parameters]\nMaxSortedTopRows = {self.max_rows}\n", 1
        )
        if self.buffers is not None:
            text = re.sub(r"(?m)^NumberOfBuffers\s*=.*$", f"NumberOfBuffers = {self.buffers}", text)
            dirty = self.buffers * 3 // 4
            text = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*$", f"MaxDirtyBuffers = {dirty}", text)
        return text

    def start(self, timeout: float = 90.0) -> Virtuoso:
        (self.root / "db").mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        ini = self.root / "virtuoso.ini"
        ini.write_text(self._ini(), encoding="utf-8")
        log = (self.root / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            ["virtuoso-t", "+configfile", str(ini), "+foreground"],
            cwd=self.root / "db",
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Virtuoso did not start: see {self.root}/db/virtuoso.log")
            time.sleep(0.2)
        try:
            try:  # a database kept from before (bench.remote --reuse) has its password set
                self.isql("checkpoint;")
            except RuntimeError:
                self.isql(
                    f"USER_SET_PASSWORD('dba', '{self.password}'); checkpoint;", password="dba"
                )
        except BaseException:
            self.stop()
            raise
        return self

    def update(self, text: str) -> None:
        """A SPARQL UPDATE through the authenticated endpoint, as ``dba`` (behind ccai)."""
        httpx.post(
            self.url + "/sparql-auth",
            content=text.encode(),
            headers={"Content-Type": "application/sparql-update"},
            auth=httpx.DigestAuth("dba", self.password),
            timeout=30,
        ).raise_for_status()

    def isql(self, statements: str, *, password: str | None = None) -> str:
        out = subprocess.run(
            [
                "isql-vt",
                f"127.0.0.1:{self.sql_port}",
                "dba",
                password or self.password,
                f"exec={statements}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        text = out.stdout + out.stderr
        if "*** Error" in text:  # isql-vt exits 0 when a statement fails
            raise RuntimeError(text)
        return text

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", self.password, "-K"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
