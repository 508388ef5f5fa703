"""Running the app in this process without `App.run()`: for screenshots, tests and the benchmark.

The window is real (SDL2 with OpenGL, off-screen when there is no display); frames are
advanced by hand, so a caller decides when the next one is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def start(app: Any) -> Any:
    """Build the app into the window and draw its first frame."""
    from kivy.base import EventLoop

    app._run_prepare()
    EventLoop.start()
    pump(3)
    return app


def pump(frames: int = 2) -> None:
    """Advance the clock and draw, `frames` times; an error goes to Kivy's ExceptionManager
    first, as in `App.run()`'s loop."""
    from kivy.base import EventLoop, ExceptionManager

    for _ in range(frames):
        try:
            EventLoop.idle()
        except BaseException as exc:
            if ExceptionManager.handle_exception(exc) == ExceptionManager.RAISE:
                raise


def resize(width: int, height: int) -> None:
    from kivy.core.window import Window

    Window.size = (width, height)
    pump(3)


def capture(app: Any, path: Path) -> Path:
    """Save what the window shows now as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pump(3)
    app.root.export_to_png(str(path))
    return path


def stop(app: Any) -> None:
    from kivy.base import EventLoop

    app.stop()
    EventLoop.close()
