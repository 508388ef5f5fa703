"""Start-up of the touchscreen app: process start to the attract screen's first frame.

Measured in fresh processes against a bare Kivy app (one Label) in the same run, on the
same off-screen window size, with the CPU seconds each spent until its first frame and
its peak memory (max RSS) then.
Target: at most 3x the bare app's time and at most 250 MiB.

    .venv/bin/python bench/ui_start.py [--runs 5]
    .venv/bin/python bench/ui_start.py --against 353f9e6 [--runs 7]

With --against, the kiosk at that commit (its whole tree, its own database) starts in the
same run, each run alternating the two and the bare app, so a busy moment of the machine
falls on both alike; the medians and their ratios (time, CPU, peak memory) are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Run:
    """One start: wall seconds to the first frame, CPU seconds (user and system) the process
    spent until then, and its peak memory."""

    seconds: float
    cpu_s: float
    peak_mib: float


def measure(kind: str, data_dir: str, script: Path = Path(__file__)) -> Run:
    """Start one app in a fresh process and stop it at its first frame.

    The process is killed once it says FRAME, so its CPU time (from the kernel, as
    os.wait4 reports it) covers the start only, also for an older commit's script, which
    reports nothing but its peak memory.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(script), "--child", kind, "--data-dir", data_dir],
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
    proc.kill()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = -signal.SIGKILL  # reaped here: Popen must not wait for it again
    proc.stdout.close()
    return Run(elapsed, usage.ru_utime + usage.ru_stime, peak_mib)


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
    parser.add_argument("--against", metavar="COMMIT", help="also start the kiosk of COMMIT")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data_dir)
        return
    if args.against:
        against(args.against, args.runs)
        return
    data_dir = tempfile.mkdtemp(prefix="bench-ui-")
    prepare_database(data_dir)
    results: dict[str, list[Run]] = {"bare": [], "kiosk": []}
    measure("bare", data_dir)  # warm the disk cache for both, as a kiosk after boot has it
    measure("kiosk", data_dir)
    for _ in range(args.runs):
        for kind in results:
            results[kind].append(measure(kind, data_dir))
    med = {k: _medians(v) for k, v in results.items()}
    peaks = {k: max(r.peak_mib for r in v) for k, v in results.items()}
    ratio = med["kiosk"].seconds / med["bare"].seconds
    print(f"window {SIZE[0]}x{SIZE[1]} off-screen, median of {args.runs} runs")
    for kind, label in (("bare", "bare Kivy app  "), ("kiosk", "kiosk (attract)")):
        print(
            f"{label} first frame {med[kind].seconds:.2f} s   CPU {med[kind].cpu_s:.2f} s"
            f"   peak {peaks[kind]:.0f} MiB"
        )
    print(f"ratio {ratio:.2f}x (target <= 3x), peak {peaks['kiosk']:.0f} MiB (target <= 250 MiB)")


def _medians(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu_s for r in runs),
        statistics.median(r.peak_mib for r in runs),
    )


def against(commit: str, runs: int) -> None:
    """This kiosk and the one of `commit`, alternated in one run, with the bare app."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _at_commit import tree_at

    work = Path(tempfile.mkdtemp(prefix="bench-ui-against-"))
    base = tree_at(commit, work) / "bench" / "ui_start.py"
    here_dir, base_dir = str(work / "here"), str(work / "base")
    prepare_database(here_dir)
    # the base's own code makes its database, at its own migrations
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ui_start; ui_start.prepare_database(sys.argv[1])",
            base_dir,
        ],
        cwd=base.parent,
        check=True,
    )
    plan = {
        "bare": lambda: measure("bare", here_dir),
        commit: lambda: measure("kiosk", base_dir, base),
        "now": lambda: measure("kiosk", here_dir),
    }
    for run in plan.values():  # warm the disk cache, as a kiosk after boot has it
        run()
    results: dict[str, list[Run]] = {k: [] for k in plan}
    for i in range(runs):
        # alternate which kiosk starts first, so neither always follows the other
        order = ("bare", commit, "now") if i % 2 == 0 else ("bare", "now", commit)
        for name in order:
            results[name].append(plan[name]())
    med = {k: _medians(v) for k, v in results.items()}
    bare = med["bare"]
    print(f"window {SIZE[0]}x{SIZE[1]} off-screen, median of {runs} alternating runs")
    for name, m in med.items():
        each = " ".join(f"{r.seconds:.2f}/{r.cpu_s:.2f}" for r in results[name])
        print(
            f"{name:>10}  first frame {m.seconds:.2f} s ({m.seconds / bare.seconds:.2f}x bare)"
            f"  CPU {m.cpu_s:.2f} s ({m.cpu_s / bare.cpu_s:.2f}x bare)  peak {m.peak_mib:.0f} MiB"
            f"   runs (s/CPU s): {each}"
        )
    now, then = med["now"], med[commit]
    print(
        f"now / {commit}: time {now.seconds / then.seconds:.3f}x,"
        f" CPU {now.cpu_s / then.cpu_s:.3f}x,"
        f" peak {now.peak_mib / then.peak_mib:.3f}x ({now.peak_mib - then.peak_mib:+.1f} MiB)"
    )


if __name__ == "__main__":
    main()
