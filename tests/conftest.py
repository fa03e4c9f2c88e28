"""Shared fixtures: ../shared material, loopback portals, the CLI in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
PINGTAN = SHARED / "corpus" / "pingtan"
REQUIRE_ALL = os.environ.get("NIANBAO_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip when something outside the project is missing — or fail, in CI."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required test cannot run: {reason} (NIANBAO_REQUIRE_ALL=1)")
    pytest.skip(reason)


def report_cells(db, report_id: int) -> dict[tuple[str, str, str], float | None]:
    """{(table, row_key, col_key): value} of one report in an archive database."""
    return {(c["table"], c["row_key"], c["col_key"]): c["value"]
            for c in db["cells"].rows_where("report_id = ?", [report_id])}


@pytest.fixture
def shared() -> Path:
    need(SEEDS.is_dir() and PINGTAN.is_dir(),
         f"../shared not found at {SHARED} (seeds and corpus); set NIANBAO_SHARED")
    return SHARED


def nianbao(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the ``nianbao`` CLI in its own process, as a user would."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "nianbao", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run_cli(tmp_path):
    def run(*args: str, timeout: float = 180):
        return nianbao(*args, cwd=tmp_path, timeout=timeout)
    return run


@contextmanager
def serving(work: Path) -> Iterator[str]:
    """``nianbao serve`` on the archive in ``work/data``, on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--port", str(port)],
                            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Archive the demo portal, then serve it with ``nianbao serve`` on loopback."""
    work = tmp_path_factory.mktemp("serve")
    assert nianbao("demo", cwd=work).returncode == 0
    with serving(work) as base:
        yield base
