"""Kivy's start, as the IT person sees it in the journal: no error that is not one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

START = """
import logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
from screens.kivy_env import prepare
prepare(headless=True)
import kivy.input.providers
# as kivy.core.core_select_lib says it on X11 without xclip or xsel
logging.getLogger("kivy").critical(
    "Cutbuffer: Unable to find any valuable Cutbuffer provider. Please enable debug logging"
)
logging.getLogger("kivy").error("Window: a real error still shows")
"""


def test_kivy_start_logs_no_traceback_for_touch_providers_it_does_not_use(
    tmp_path: Path,
) -> None:
    # a fresh interpreter: Kivy probes its providers once, at its first import
    done = subprocess.run(
        [sys.executable, "-c", START],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "is not supported" not in done.stderr
    assert "Cutbuffer" not in done.stderr
    # the filter drops only the providers' noise, not Kivy's errors
    assert "Window: a real error still shows" in done.stderr
