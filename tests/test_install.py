"""Installed as users install it (a wheel, non-editable, into a fresh venv), nianbao keeps
its settings: portals, crawl settings, and Datasette's metadata and canned queries."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the project's wheel; its dependencies come from the test venv."""
    work = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist",
                    str(ROOT)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("nianbao-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    site = subprocess.run([venv / "bin" / "python", "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    return venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NIANBAO_SETTINGS")}
    return subprocess.run([venv / "bin" / "nianbao", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=env)


def test_the_wheel_carries_its_settings(installed, tmp_path):
    config = run(installed, "config", cwd=tmp_path)
    assert config.returncode == 0, config.stderr
    lines = config.stdout.splitlines()
    assert len(lines) == 3 and all("(packaged defaults)" in line for line in lines)
    assert all(str(installed) in line for line in lines)
    portals = run(installed, "portals", cwd=tmp_path)
    assert "pingtan" in portals.stdout and "福建省平潭综合实验区" in portals.stdout
    probe = subprocess.run([installed / "bin" / "python", "-c",
                            "from nianbao.config import Settings; import json;"
                            "print(json.dumps(Settings().crawl()))"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout)["DOWNLOAD_DELAY"] == 2.0
    imported = subprocess.run([installed / "bin" / "python", "-c",
                               "import nianbao.parsers, nianbao.crawler, nianbao.archive;"
                               "print(nianbao.parsers.__file__)"],
                              cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(installed) in imported.stdout


def test_installed_demo_and_serve_with_canned_queries(installed, tmp_path):
    demo = run(installed, "demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([installed / "bin" / "nianbao", "serve", "--port", str(port)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                database = json.load(urllib.request.urlopen(base + "/nianbao.json", timeout=2))
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("nianbao serve did not answer")
        names = {q["name"] for q in database["queries"]}
        assert {"requests_by_body_year", "search_short"} <= names
        metadata = json.load(urllib.request.urlopen(base + "/-/metadata.json", timeout=2))
        assert metadata["title"].startswith("nianbao")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    with socket.socket() as s:  # stopping `nianbao serve` stopped Datasette: the port is free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
