"""The local platform as its own process (`python -m local --no-demo` on free ports).

A benchmark's simulated chargers run in the benchmark's process; the platform gets its own
interpreter (and core), so what is measured is the platform, not the two sharing one lock,
and its peak memory (VmHWM) and CPU time can be read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Printed by `python -m local` once it serves.
READY_LINE = "Press Ctrl-C to stop."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM in kB from /proc (Linux only; {} elsewhere)."""
    values: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


class PlatformProcess:
    """`python -m local` on free ports; its output goes to a file (a full pipe would stall it)."""

    def __init__(self, start_timeout_s: float, store: str = "memory") -> None:
        self.port = _free_port()
        self.moto_port = _free_port()
        self.store = store
        self._timeout = start_timeout_s
        self._log = tempfile.NamedTemporaryFile("w+", prefix="local-platform-", suffix=".log")  # noqa: SIM115
        # A benchmark's platform starts empty and keeps nothing (never `.local/state`).
        self._state = tempfile.TemporaryDirectory(prefix="local-platform-state-")
        self.process: subprocess.Popen[str] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def moto_endpoint(self) -> str:
        """Where the platform's AWS (moto) answers: its state machines' histories, say."""
        return f"http://127.0.0.1:{self.moto_port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "local",
            "--port",
            str(self.port),
            "--moto-port",
            str(self.moto_port),
            "--no-demo",
            "--store",
            self.store,
            "--log-level",
            "WARNING",
            *(["--state-dir", self._state.name, "--fresh"] if self.store == "moto" else []),
        ]

    def __enter__(self) -> PlatformProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            self.command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + self._timeout
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"local platform did not start:\n{self.log_tail()}")
            time.sleep(0.1)
        return self

    def _ready(self) -> bool:
        # The banner comes once resources exist and the handlers are loaded.
        self._log.flush()
        return READY_LINE in Path(self._log.name).read_text(errors="replace")

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        return "\n".join(Path(self._log.name).read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self._log.close()
        self._state.cleanup()
