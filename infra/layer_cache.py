"""A folder of built Lambda dependencies per key, so pip (and the package index) runs once.

The key is `bundling.dependencies_hash`: the bytes of requirements/lambda.txt and the pip
command, which names the target platform and Python version. cdk.out is wiped by `make clean`
and starts empty in CI; this cache (git-ignored, under .cache/) is what lets every later synth
run offline.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from infra.stack_settings import PROJECT_ROOT

LAYER_CACHE = PROJECT_ROOT / ".cache" / "lambda-layers"


class LayerBuildError(RuntimeError):
    """The dependencies could not be built; the message is one line a person can act on."""

    # jsii hands an error raised inside a bundler back to Python as text only: this prefix is
    # how the CDK entry point finds the line again (`failure_line` in app.py).
    PREFIX = "Lambda dependencies layer: "

    def __init__(self, detail: str) -> None:
        super().__init__(self.PREFIX + detail)


def cached_build(cache_root: Path, key: str, build: Callable[[Path], None]) -> Path:
    """The folder built for `key`, calling `build(empty_folder)` only when none is cached.

    The build goes to a scratch folder that is renamed into place when it succeeded: an
    interrupted or failed build leaves nothing that a later synth would take for complete.
    """
    entry = cache_root / key
    if entry.is_dir():
        return entry
    cache_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".building-{key[:12]}-", dir=cache_root))
    try:
        build(scratch)
        try:
            scratch.rename(entry)
        except OSError:
            # Another synth finished the same build first; its folder is just as good.
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return entry


def layer_build_failure(text: str) -> str | None:
    """The LayerBuildError line inside an error's text (as jsii relays it), if there is one."""
    start = text.find(LayerBuildError.PREFIX)
    if start < 0:
        return None
    return text[start:].splitlines()[0].strip()
