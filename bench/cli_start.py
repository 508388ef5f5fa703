"""Start-up cost of the `kiosk` command: `kiosk --help` and a nightly `kiosk sync` with nothing
to push, against a bare `python -c "import sqlalchemy, psycopg"` in the same run.

Each is a fresh process, timed from its start to its exit (median of --runs), with the CPU
seconds it used (user + system: on a shared machine the steadier figure, as waiting for a
core does not count) and its own peak resident memory (VmHWM at exit: a fresh process's
own, where ru_maxrss would inherit the size of this bench, which spawned it). The sync runs against a real PostgreSQL
(pgserver) where the site is registered and has already pushed everything. Target: both
within 2× the bare import's time and memory.

    .venv/bin/python bench/cli_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK = "PEAK_KIB"

# Each child reports VmHWM on stderr as it exits, whatever the command's exit code.
REPORT = (
    "import re, sys\n"
    "def _peak():\n"
    "    status = open('/proc/self/status').read()\n"
    f"    print('{PEAK}', re.search(r'^VmHWM:\\s+(\\d+) kB', status, re.M)[1], file=sys.stderr)\n"
)
CHILDREN = {
    "bare": REPORT + "import sqlalchemy, psycopg\n_peak()\n",
    "kiosk": (
        REPORT + "from kiosk.cli import main\n"
        "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "_peak()\nsys.exit(code)\n"
    ),
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from process start to exit, its CPU seconds, and its peak MiB."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILDREN[kind], *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {' '.join(argv)}: exit {proc.returncode}\n{proc.stderr}")
    if argv[-1:] == ["sync"] and "0 records pushed" not in proc.stdout:
        raise SystemExit(f"the sync was not empty: {proc.stdout}")
    peak = int(re.search(rf"^{PEAK} (\d+)$", proc.stderr, re.M)[1])
    return elapsed, cpu, peak / 1024


def prepare_site(work: Path) -> tuple[Path, dict[str, str]]:
    """A registered site that has pushed everything: its kiosk.toml and the environment."""
    import pgserver
    from sqlalchemy import create_engine

    from kiosk.config import load_config
    from kiosk.db import Database
    from sync.schema import init_central
    from sync.sites import add_site
    from tests.support import fresh_pg_url

    work.chmod(0o755)  # postgres runs as its own user
    server = pgserver.get_server(work / "pgdata", cleanup_mode="delete")
    admin = fresh_pg_url(server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(admin)
    with engine.begin() as conn:
        init_central(conn)
        login = add_site(conn, site_id="bench-site")
    engine.dispose()
    base, _, query = admin.partition("?")
    database = base.rsplit("/", 1)[1]
    central = f"postgresql://{login.role}:{login.password}@/{database}?{query}"
    config = work / "kiosk.toml"
    config.write_text(
        f'[site]\nid = "bench-site"\n[paths]\ndata_dir = "{work / "var"}"\n'
        '[sync]\ncentral_url = "env:BENCH_CENTRAL_URL"\nsslmode = "disable"\n',
        encoding="utf-8",
    )
    db = Database(load_config(config).database_url)
    db.upgrade()
    db.dispose()
    env = {**os.environ, "BENCH_CENTRAL_URL": central, "PYTHONPATH": str(ROOT)}
    measure("kiosk", ["--config", str(config), "sync"], env)  # the site's first sync
    return config, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="kiosk-cli-bench-"))
    config, env = prepare_site(work)
    cases = {
        "python -c 'import sqlalchemy, psycopg'": ("bare", []),
        "kiosk --help": ("kiosk", ["--help"]),
        "kiosk sync (nothing to push)": ("kiosk", ["--config", str(config), "sync"]),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved, so a noisy moment costs every case alike
        for name, (kind, argv) in cases.items():
            results[name].append(measure(kind, argv, env))
    medians = {
        name: [statistics.median(run[i] for run in runs) for i in range(3)]
        for name, runs in results.items()
    }
    base = medians[next(iter(cases))]
    print(f"median of {args.runs} fresh processes each; ratios against the first line")
    for name, (wall, cpu, mib) in medians.items():
        print(
            f"{name:38} wall {wall:6.3f} s {wall / base[0]:4.2f}×  "
            f"cpu {cpu:6.3f} s {cpu / base[1]:4.2f}×  peak {mib:5.1f} MiB {mib / base[2]:4.2f}×"
        )
    print("target: kiosk --help and the empty sync within 2× the bare import, time and memory")


if __name__ == "__main__":
    main()
