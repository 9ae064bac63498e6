"""Lambda packaging without Docker: local bundlers for the code asset and the dependencies layer.

Both assets carry a custom hash computed here from their inputs, so CDK reuses an asset already
in cdk.out (no pip run on a warm synth) and skips the bundlers entirely when bundling is
disabled (`aws:cdk:bundling-stacks` = [] in the infrastructure tests).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import jsii
from aws_cdk import ILocalBundling

# The Lambda runtime the dependencies are built for; boto3 comes with it and is not shipped.
LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_PLATFORM = "manylinux2014_aarch64"

# Only these folders ship as function code,
CODE_FOLDERS = ("shared", "functions")
# less these: the in-memory adapters serve tests, benchmarks and the local memory store only
# (an import-linter contract keeps shipped code from importing them).
NOT_SHIPPED = (Path("shared/adapters/memory"),)
_EXCLUDED_DIRS = frozenset({"__pycache__", "tests", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def pip_install_command(requirements: Path, target: Path) -> list[str]:
    """Install pinned wheels for the Lambda platform, whatever platform synth runs on."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "--platform",
        LAMBDA_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
        "-r",
        str(requirements),
    ]


def code_files(root: Path, folders: Iterable[str] = CODE_FOLDERS) -> list[Path]:
    """Files of the code asset, relative to `root`, in a stable order."""
    files: list[Path] = []
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            relative = path.relative_to(root)
            if (
                path.is_file()
                and not _EXCLUDED_DIRS.intersection(relative.parts[:-1])
                and not path.name.endswith(_EXCLUDED_SUFFIXES)
                and not any(relative.is_relative_to(folder) for folder in NOT_SHIPPED)
            ):
                files.append(relative)
    return sorted(files)


def code_hash(root: Path, files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for relative in files:
        digest.update(relative.as_posix().encode())
        digest.update(b"\0")
        digest.update((root / relative).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def dependencies_hash(requirements: Path) -> str:
    digest = hashlib.sha256()
    # The command is part of the hash: a new platform or Python version rebuilds the layer.
    digest.update(" ".join(pip_install_command(Path("r"), Path("t"))[3:]).encode())
    digest.update(requirements.read_bytes())
    return digest.hexdigest()


@jsii.implements(ILocalBundling)
class CopyCodeBundler:
    """Copies the listed files into the asset directory, keeping their relative paths."""

    def __init__(self, root: Path, files: Iterable[Path]) -> None:
        self._root = root
        self._files = tuple(files)

    # jsii passes the BundlingOptions struct positionally; it is not needed here.
    def try_bundle(self, output_dir: str, *_options: object, **_kw: object) -> bool:
        out = Path(output_dir)
        for relative in self._files:
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self._root / relative, target)
        return True


@jsii.implements(ILocalBundling)
class PipLayerBundler:
    """Builds a layer directory (`python/`) with the pinned Lambda dependencies."""

    def __init__(self, requirements: Path) -> None:
        self._requirements = requirements

    def try_bundle(self, output_dir: str, *_options: object, **_kw: object) -> bool:
        target = Path(output_dir) / "python"
        subprocess.run(pip_install_command(self._requirements, target), check=True)  # noqa: S603
        # Console scripts are useless in a layer and were built for this machine's interpreter.
        shutil.rmtree(target / "bin", ignore_errors=True)
        return True
