"""How a simulated charger's firmware updates and diagnostics uploads go: the failure knobs
and step timings campaigns are tested with (simulator/README.md, "Firmware and uploads").

A charger draws one outcome per job from its own random stream (seeded by the charger id and
`seed`, so a run is repeatable); the probabilities of the firmware outcomes are taken in the
order of the fields below and must add up to at most 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Literal

FirmwareOutcome = Literal[
    "installed",
    "download_failed",
    "install_failed",
    "invalid_signature",
    "never_reports",
    "old_version",
]
UploadOutcome = Literal["uploaded", "upload_failed", "never_reports"]

_FIRMWARE_FAULTS: tuple[FirmwareOutcome, ...] = (
    "download_failed",
    "install_failed",
    "invalid_signature",
    "never_reports",
    "old_version",
)


@dataclass(frozen=True)
class JobFaults:
    """Probabilities (0..1) of each way a job fails, and its timings.

    download_failed: the download "fails" (DownloadFailed), whatever the server says.
    install_failed: downloaded (and verified), then InstallationFailed.
    invalid_signature: a signed update reports InvalidSignature after Downloaded (an
        unsigned one installs normally: there is nothing to verify).
    never_reports: the update is accepted and then nothing is ever reported (a timeout).
    old_version: reports Installed and reboots, but boots with the old version.
    upload_failed: a diagnostics/log upload reports UploadFailed without uploading.
    step_s: pause before each status report (None: the charger's `device.job_step_s`).
    reboot_s: how long the charger stays offline when it reboots into new firmware.
    """

    download_failed: float = 0.0
    install_failed: float = 0.0
    invalid_signature: float = 0.0
    never_reports: float = 0.0
    old_version: float = 0.0
    upload_failed: float = 0.0
    step_s: float | None = None
    reboot_s: float = 0.0
    seed: int = 0

    def problems(self) -> list[str]:
        found = []
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in ("step_s", "seed") or value is None:
                continue
            if field.name == "reboot_s":
                if value < 0:
                    found.append("reboot_s must be >= 0")
            elif not 0.0 <= value <= 1.0:
                found.append(f"{field.name} must be a probability between 0 and 1")
        if self.step_s is not None and self.step_s < 0:
            found.append("step_s must be >= 0 (or None)")
        if sum(getattr(self, name) for name in _FIRMWARE_FAULTS) > 1.0 + 1e-9:
            found.append("the firmware failure probabilities add up to more than 1")
        return found

    def rng(self, charge_point_id: str) -> random.Random:
        """The charger's own stream of outcomes (repeatable for a given seed)."""
        return random.Random(f"{self.seed}:{charge_point_id}")

    def firmware_outcome(self, rng: random.Random) -> FirmwareOutcome:
        draw = rng.random()
        for name in _FIRMWARE_FAULTS:
            probability = getattr(self, name)
            if draw < probability:
                return name
            draw -= probability
        return "installed"

    def upload_outcome(self, rng: random.Random) -> UploadOutcome:
        return "upload_failed" if rng.random() < self.upload_failed else "uploaded"


NO_FAULTS = JobFaults()


def always(outcome: FirmwareOutcome | Literal["upload_failed"], **timings: float) -> JobFaults:
    """Faults that make every job end in `outcome` (tests pick which chargers fail)."""
    if outcome == "installed":
        return JobFaults(**timings)  # type: ignore[arg-type]
    return JobFaults(**{outcome: 1.0}, **timings)  # type: ignore[arg-type]
