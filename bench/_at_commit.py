"""A module as it was at an earlier commit, loaded beside today's: a bench's baseline in the
same run, on the same machine, measured by the same script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def tree_at(commit: str, into: Path) -> Path:
    """The whole source tree of `commit`, written under `into` (no git worktree is made)."""
    tree = into / f"tree-{commit[:12]}"
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def module_at(commit: str, path: str, name: str) -> ModuleType:
    """`path` (e.g. kiosk/queue.py) of `commit`, imported as a module called `name`."""
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / f"{name}.py"
        file.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, file)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    return module
