"""deploy/install.sh end to end in a staging root (`--root`): install, upgrade, roll back,
uninstall and purge; and every unit in deploy/ through `systemd-analyze verify`."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import i18n
from tests.test_deploy import _unit

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
INSTALL = DEPLOY / "install.sh"
APP = "opt/obshtina-kiosk"
# what every unit of the kiosk sets, as kiosk-sync.service does
HARDENING = {
    "User": "kiosk",
    "Group": "kiosk",
    "Environment": "KIOSK_CONFIG=/etc/kiosk/kiosk.toml",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once from a clean copy of this tree (no stale build/)."""
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "var", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("obshtina_kiosk-*.whl"))


def _install(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIOSK_CONFIG")}
    return subprocess.run(
        ["bash", str(INSTALL), "--root", str(root), *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _releases(root: Path) -> list[str]:
    return sorted(p.name for p in (root / APP / "releases").iterdir())


def _current(root: Path) -> str:
    return Path(os.readlink(root / APP / "current")).name


def test_install_upgrade_rollback_uninstall_purge(tmp_path: Path, wheel: Path) -> None:
    root = tmp_path / "root"
    offline = ["--wheel", wheel, "--python-from", sys.executable]

    # GIVEN a bare root WHEN the installer runs THEN the program, config, secrets and units are there
    out = _ok(_install(root, "--site-id", "test-site", *offline))
    assert "not installed: installing" in out
    (first,) = _releases(root)
    assert _current(root) == first
    kiosk = root / APP / "current" / "venv" / "bin" / "kiosk"
    where = subprocess.run(
        [kiosk.parent / "python", "-c", "import kiosk; print(kiosk.__file__)"],
        env={"PATH": os.environ["PATH"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).resolve().is_relative_to(root / APP / "releases" / first), (
        "the release runs its own copy of the code"
    )
    # ... with its catalogues compiled from its own .po files, readable by user kiosk: the
    # release's code reads them without Babel (the installer runs in this checkout, whose
    # python would import the checkout's code)
    (site_packages,) = (root / APP / "releases" / first).glob("venv/lib/*/site-packages")
    release_caches = sorted(site_packages.glob("**/locale/__pycache__/*.mo"))
    assert {".".join(p.relative_to(site_packages).parts[:-3]) for p in release_caches} == set(
        i18n.PACKAGES
    )
    for mo in release_caches:
        assert mo.stat().st_mode & 0o777 == (mo.parent.parent / "bg.po").stat().st_mode & 0o777
    loaded = subprocess.run(
        [
            kiosk.parent / "python",
            "-I",
            "-c",
            "import sys; from kiosk.i18n import PACKAGES, translations\n"
            "print(all(translations('bg', p).gettext('') for p in PACKAGES), 'babel' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.split() == ["True", "False"]
    etc = root / "etc" / "kiosk"
    config = (etc / "kiosk.toml").read_text(encoding="utf-8")
    assert 'id = "test-site"' in config
    assert 'data_dir = "/var/lib/kiosk"' in config
    assert 'secret = "file:/etc/kiosk/web-secret"' in config
    for name in ("admin-pin", "web-secret", "central-url"):
        assert (etc / name).stat().st_mode & 0o777 == 0o600, name
    assert len((etc / "web-secret").read_text().strip()) == 64
    database = root / "var" / "lib" / "kiosk" / "kiosk.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    for unit in (
        "kiosk-app.service",
        "kiosk-web.service",
        "kiosk-sync.timer",
        "kiosk-sync-day.timer",
    ):
        assert (root / "etc" / "systemd" / "system" / unit).read_bytes() == (
            DEPLOY / unit
        ).read_bytes()
    assert (root / "etc" / "udev" / "rules.d" / "70-kiosk-printer.rules").exists()
    assert (root / "etc" / "pam.d" / "kiosk-app").exists()
    recorded = (root / "kiosk-install.recorded").read_text()
    assert "useradd --system --user-group --home-dir /var/lib/kiosk" in recorded
    assert "chown kiosk:kiosk /etc/kiosk/web-secret" in recorded
    assert (
        "systemctl enable kiosk-app.service kiosk-web.service kiosk-sync.timer kiosk-sync-day.timer"
        in recorded
    )
    assert "apt-get install -y -q --no-install-recommends python3 python3-venv" in recorded

    # WHEN it runs again THEN it upgrades: a new version dir, a backup first, the old one kept
    secret = (etc / "web-secret").read_text()
    (root / "kiosk-install.recorded").unlink()
    out = _ok(_install(root, "--site-id", "other-site", *offline))
    assert "is installed" in out and "upgrading" in out
    assert "kiosk.toml exists: kept as it is" in out
    assert (etc / "kiosk.toml").read_text(encoding="utf-8") == config
    assert (etc / "web-secret").read_text() == secret
    old, new = _releases(root)
    assert (old, _current(root)) == (first, new)
    (backup,) = (root / "var" / "lib" / "kiosk" / "backups").glob("*.sqlite")  # and its check
    assert backup.name.endswith(f"-before-{new}.sqlite")
    assert backup.stat().st_mode & 0o077 == 0
    with sqlite3.connect(backup) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    recorded = (root / "kiosk-install.recorded").read_text().splitlines()
    stop = recorded.index("systemctl stop kiosk-web.service kiosk-app.service")
    assert stop < recorded.index(f"chown kiosk:kiosk /var/lib/kiosk/backups/{backup.name}")
    assert recorded[-1] == "systemctl restart kiosk-web.service kiosk-app.service"

    # WHEN rolled back THEN the previous version is current, on a database it knows
    out = _ok(_install(root, "--rollback"))
    assert _current(root) == first
    assert _releases(root) == [first, new]
    with sqlite3.connect(database) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert f"revision {revision}, code expects {revision}" in out
    assert "does not know" not in out

    # GIVEN the newer version current again and a schema the older one does not know
    (root / APP / "current").unlink()
    (root / APP / "current").symlink_to(f"releases/{new}")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE alembic_version SET version_num = 'newer'")
    # WHEN rolled back THEN the output says which backup to restore, and how
    out = _ok(_install(root, "--rollback"))
    assert _current(root) == first
    assert "does not know its schema" in out
    assert (
        f"sqlite3 /var/lib/kiosk/kiosk.sqlite \".restore '/var/lib/kiosk/backups/{backup.name}'\""
        in out
    )
    with sqlite3.connect(database) as db:
        db.execute("UPDATE alembic_version SET version_num = ?", (revision,))

    # ... and there is nothing before the first
    failed = _install(root, "--rollback")
    assert failed.returncode != 0
    assert "FAILED" in failed.stderr and "to fix: nothing to roll back to" in failed.stderr
    assert _current(root) == first

    # WHEN uninstalled THEN the program is gone, the config and the data stay
    _ok(_install(root, "--uninstall"))
    assert not (root / APP).exists()
    assert not (root / "etc" / "systemd" / "system" / "kiosk-app.service").exists()
    assert not (root / "etc" / "udev" / "rules.d" / "70-kiosk-printer.rules").exists()
    assert (etc / "kiosk.toml").read_text(encoding="utf-8") == config
    assert database.exists() and backup.exists()
    assert "systemctl disable kiosk-app.service" in (root / "kiosk-install.recorded").read_text()

    # WHEN purged THEN the config, the data and the user go too
    _ok(_install(root, "--uninstall", "--purge"))
    assert not etc.exists()
    assert not (root / "var" / "lib" / "kiosk").exists()
    assert (root / "kiosk-install.recorded").read_text().splitlines()[-1] == "userdel kiosk"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "there is no /etc/kiosk/kiosk.toml yet and no --site-id"),
        (("--site-id", "Tvarditsa"), 'the site id "Tvarditsa" is not valid'),
        (("--purge",), "--purge goes with --uninstall"),
    ],
)
def test_a_refusal_says_what_and_how_to_fix_before_changing_anything(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = _install(tmp_path / "root", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "root" / "opt").exists()


@pytest.mark.parametrize(
    "service", ["kiosk-app.service", "kiosk-web.service", "kiosk-central-web.service"]
)
def test_the_app_and_the_web_restart_and_are_hardened(service: str) -> None:
    unit = _unit(service)["Service"]
    assert {key: unit[key] for key in HARDENING} == HARDENING
    assert unit["Restart"] == "on-failure"
    assert unit["StandardOutput"] == unit["StandardError"] == "journal"
    assert unit["ReadWritePaths"].split()[0] == "/var/lib/kiosk"
    argv = shlex.split(unit["ExecStart"])
    if service == "kiosk-app.service":
        # cage, full screen on tty1, runs the app; the app keeps the watchdog fed
        assert argv[0] == "/usr/bin/cage"
        argv = argv[argv.index("--") + 1 :]
        assert (unit["Type"], unit["NotifyAccess"]) == ("notify", "all")
        assert unit["WatchdogSec"]
    assert argv[0] == "/opt/obshtina-kiosk/current/venv/bin/kiosk"
    # a misspelt command would exit with 2
    subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *argv[1:], "--help"], check=True, capture_output=True
    )


def _system_units() -> Path | None:
    for where in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")):
        if (where / "sysinit.target").exists():
            return where
    return None


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None or _system_units() is None,
    reason="systemd-analyze is not installed (.ci/run installs systemd)",
)
def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # GIVEN a root with systemd's own units and every program our units start
    root = tmp_path / "root"
    shutil.copytree(_system_units(), root / "usr" / "lib" / "systemd" / "system", symlinks=True)
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    names = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
    for name in names:
        shutil.copy(DEPLOY / name, units / name)
        if name.endswith(".service"):
            program = root / shlex.split(_unit(name)["Service"]["ExecStart"])[0].lstrip("/")
            program.parent.mkdir(parents=True, exist_ok=True)
            program.write_text("#!/bin/sh\n")
            program.chmod(0o755)
    # WHEN systemd checks them THEN it has nothing to say, not even a warning
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", *names],
        cwd=units,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_the_installer_passes_shellcheck() -> None:
    result = subprocess.run(["shellcheck", str(INSTALL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
