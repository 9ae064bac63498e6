"""Lambda packaging without Docker: local bundlers for the code asset and the dependencies layer.

Both assets carry a custom hash computed here from their inputs, so CDK reuses an asset already
in cdk.out and skips the bundlers entirely when bundling is disabled (`aws:cdk:bundling-stacks`
= [] in the infrastructure tests). The layer is also kept in a cache outside cdk.out
(infra/layer_cache.py): pip runs once per change of requirements/lambda.txt.
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

from infra.layer_cache import LAYER_CACHE, LayerBuildError, cached_build

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
    """Builds a layer directory (`python/`) with the pinned Lambda dependencies.

    pip needs the package index the first time; the result is kept in the layer cache under
    the requirements' hash, so later synths (and CI with that folder cached) run offline.
    """

    def __init__(self, requirements: Path, cache_root: Path = LAYER_CACHE) -> None:
        self._requirements = requirements
        self._cache_root = cache_root

    def try_bundle(self, output_dir: str, *_options: object, **_kw: object) -> bool:
        built = cached_build(self._cache_root, dependencies_hash(self._requirements), self._install)
        shutil.copytree(built, Path(output_dir) / "python", dirs_exist_ok=True)
        return True

    def _install(self, target: Path) -> None:
        # pip is quiet and may wait on the network for a while: say what is going on.
        print(
            f"Building the Lambda dependencies layer from {self._requirements.name} "
            f"(once per change; kept in {self._cache_root}) ...",
            file=sys.stderr,
            flush=True,
        )
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            pip_install_command(self._requirements, target),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LayerBuildError(pip_failure(self._requirements, self._cache_root, result.stderr))
        # Console scripts are useless in a layer and were built for this machine's interpreter.
        shutil.rmtree(target / "bin", ignore_errors=True)


def pip_failure(requirements: Path, cache_root: Path, stderr: str) -> str:
    """One line: what the build needs, and pip's own last word on why it failed."""
    errors = [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = next((line for line in reversed(errors) if line.startswith("ERROR")), None)
    reason = reason or (errors[-1] if errors else "no output")
    return (
        f"pip could not install {requirements.name} for {LAMBDA_PLATFORM} (Python "
        f"{LAMBDA_PYTHON_VERSION}); the first synth after a change of {requirements.name} needs "
        f"the package index (or PIP_NO_INDEX=1 PIP_FIND_LINKS=<folder of those wheels>), "
        f"later ones reuse {cache_root}. pip said: {reason}"
    )
