"""`python -m local` with a port that is taken: one clear line and a non-zero exit, at once."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield int(holder.getsockname()[1])


@pytest.mark.parametrize(
    ("flag", "other_flag", "name"),
    [("--moto-port", "--port", "moto port"), ("--port", "--moto-port", "gateway port")],
)
def test_a_taken_port_exits_at_once_with_one_clear_line(taken_port, flag, other_flag, name):
    # Before the fix moto's start() waited forever here: the timeout is the assertion.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "local",
            flag,
            str(taken_port),
            other_flag,
            "0",
            "--no-demo",
            "--no-stripe",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "already in use" in line.lower()]
    expected = (
        f"cannot start: [Errno {errno.EADDRINUSE}] {name} {taken_port} on 127.0.0.1: "
        f"Address already in use (choose another with {flag})"
    )
    assert errors == [expected], result.stderr
    assert "Traceback" not in result.stderr
    assert "Local CSMS platform is up" not in result.stdout
