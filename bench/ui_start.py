"""Start-up of the touchscreen app: process start to the attract screen's first frame.

Measured in fresh processes against a bare Kivy app (one Label) in the same run, on the
same off-screen window size, with the peak memory (max RSS) of each at its first frame.
Target: at most 3x the bare app's time and at most 250 MiB.

    .venv/bin/python bench/ui_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1080, 1920)


def child(kind: str, data_dir: str) -> None:
    """Run in a fresh process: draw the first frame, then report the peak memory."""
    sys.path.insert(0, str(ROOT))
    from screens import kivy_env

    kivy_env.prepare(kivy_home=Path(data_dir) / f"kivy-{kind}")
    kivy_env.configure(size=SIZE, fullscreen=False)
    from screens import headless

    if kind == "bare":
        from kivy.app import App
        from kivy.uix.label import Label

        class Bare(App):
            def build(self) -> Label:
                return Label(text="Община Твърдица")

        app = Bare()
    else:
        from kiosk.config import parse_config
        from kiosk.db import Database
        from screens.app import KioskApp

        cfg = parse_config(
            {"paths": {"data_dir": data_dir}}, base_dir=Path(data_dir), source="bench"
        )
        app = KioskApp(kiosk_config=cfg, db=Database(cfg.database_url))
    headless.start(app)  # builds the root and draws the first frame
    if kind == "kiosk":
        assert app.root.manager.current == "attract"
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"FRAME {peak_kib}", flush=True)


def measure(kind: str, data_dir: str) -> tuple[float, float]:
    """Seconds from starting the process to its first frame, and its peak MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, "--data-dir", data_dir],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("FRAME "):
            elapsed = time.perf_counter() - start
            peak_mib = int(line.split()[1]) / 1024
            break
    else:
        raise SystemExit(f"{kind}: the app drew no frame (exit code {proc.wait()})")
    proc.wait()
    return elapsed, peak_mib


def prepare_database(data_dir: str) -> None:
    """A site database as a kiosk has it on a normal start: migrated, catalogue loaded."""
    sys.path.insert(0, str(ROOT))
    from kiosk.catalog import ensure_catalog
    from kiosk.config import parse_config
    from kiosk.db import Database
    from kiosk.queue import apply_queue_config

    cfg = parse_config({"paths": {"data_dir": data_dir}}, base_dir=Path(data_dir), source="bench")
    db = Database(cfg.database_url)
    db.upgrade()
    ensure_catalog(db)
    apply_queue_config(db, cfg)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=("bare", "kiosk"))
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data_dir)
        return
    data_dir = tempfile.mkdtemp(prefix="bench-ui-")
    prepare_database(data_dir)
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "kiosk": []}
    measure("bare", data_dir)  # warm the disk cache for both, as a kiosk after boot has it
    measure("kiosk", data_dir)
    for _ in range(args.runs):
        for kind in results:
            results[kind].append(measure(kind, data_dir))
    times = {k: statistics.median(t for t, _ in v) for k, v in results.items()}
    peaks = {k: max(m for _, m in v) for k, v in results.items()}
    ratio = times["kiosk"] / times["bare"]
    print(f"window {SIZE[0]}x{SIZE[1]} off-screen, median of {args.runs} runs")
    print(f"bare Kivy app   first frame {times['bare']:.2f} s   peak {peaks['bare']:.0f} MiB")
    print(f"kiosk (attract) first frame {times['kiosk']:.2f} s   peak {peaks['kiosk']:.0f} MiB")
    print(f"ratio {ratio:.2f}x (target <= 3x), peak {peaks['kiosk']:.0f} MiB (target <= 250 MiB)")


if __name__ == "__main__":
    main()
