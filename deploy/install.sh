#!/usr/bin/env bash
# the names ls lists here are this script's own (<UTC time>-<version>), without spaces
# shellcheck disable=SC2012
# Install, upgrade, roll back or remove obshtina-kiosk on a Debian 12 or 13 lobby PC.
# See README, "Install on a lobby PC". Run as root from a checkout or an unpacked release:
#
#   sudo deploy/install.sh --site-id tvarditsa-ociu     # first run: install; later runs: upgrade
#   sudo deploy/install.sh --rollback                   # back to the previous version
#   sudo deploy/install.sh --uninstall [--purge]        # remove; --purge also the config and data
#
# --root DIR stages everything into DIR as if it were / (the test suite's mode): what needs a
# running system (apt, useradd, chown, systemctl, udevadm) is recorded in
# DIR/kiosk-install.recorded instead of run.
set -Eeuo pipefail

usage() {
	cat <<'EOF'
usage: install.sh [--site-id ID] [--wheel FILE] [--python-from PYTHON] [--root DIR] [--no-apt]
       install.sh --rollback [--root DIR]
       install.sh --uninstall [--purge] [--root DIR]

  (no action)          install, or upgrade what is installed
  --site-id ID         the site id written into a new /etc/kiosk/kiosk.toml (asked when not
                       given; an existing config is never overwritten)
  --wheel FILE         install this wheel of obshtina-kiosk (default: build one from the
                       source tree this script is in)
  --python-from PY     make the virtualenv from interpreter PY, reaching PY's libraries, and
                       install the wheel alone (--no-deps --no-index): nothing is downloaded
  --root DIR           stage into DIR as if it were /; system commands are recorded, not run
  --no-apt             do not install the Debian packages
  --rollback           make the previous version current again and restart
  --uninstall          remove the program, its units and rules; keep /etc/kiosk, /var/lib/kiosk
  --purge              with --uninstall: also remove /etc/kiosk, /var/lib/kiosk and user kiosk
EOF
}

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARGS=("$@")
ACTION=install
SITE_ID=""
WHEEL=""
PYTHON_FROM=""
ROOT=""
APT=1
PURGE=0

while [ $# -gt 0 ]; do
	case "$1" in
	--site-id) SITE_ID=${2:?--site-id needs a value}; shift 2 ;;
	--wheel) WHEEL=$(realpath "${2:?--wheel needs a file}"); shift 2 ;;
	--python-from) PYTHON_FROM=${2:?--python-from needs an interpreter}; shift 2 ;;
	--root) ROOT=$(realpath -m "${2:?--root needs a directory}"); shift 2 ;;
	--no-apt) APT=0; shift ;;
	--rollback) ACTION=rollback; shift ;;
	--uninstall) ACTION=uninstall; shift ;;
	--purge) PURGE=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done
if [ "$PURGE" = 1 ] && [ "$ACTION" != uninstall ]; then
	echo "install.sh: --purge goes with --uninstall" >&2
	exit 2
fi

# Paths as the running system sees them; $ROOT prefixes them only where files are written.
APP=/opt/obshtina-kiosk
ETC=/etc/kiosk
DATA=/var/lib/kiosk
UNITS=(kiosk-app.service kiosk-web.service kiosk-sync.service kiosk-sync.timer
	kiosk-sync-day.service kiosk-sync-day.timer
	kiosk-retention.service kiosk-retention.timer kiosk-backup.service kiosk-backup.timer
	kiosk-public-feed.service)
ENABLE=(kiosk-app.service kiosk-web.service kiosk-sync.timer kiosk-sync-day.timer kiosk-retention.timer
	kiosk-backup.timer)
RESTART=(kiosk-web.service kiosk-app.service)
UNIT_DIR=/etc/systemd/system
UDEV_RULE=/etc/udev/rules.d/70-kiosk-printer.rules
PAM_FILE=/etc/pam.d/kiosk-app
KEEP_RELEASES=3
# Debian 12 names; on Debian 13 apt picks the renamed ones (libasound2t64 …) that provide them.
PACKAGES=(python3 python3-venv ca-certificates sqlite3
	libmtdev1 libgl1 libgl1-mesa-dri libegl1 libgles2 libx11-6 libxext6 libxrender1 libasound2
	espeak-ng alsa-utils fonts-dejavu-core
	cage xwayland dbus libpam-systemd udev)

# ---- what each step says, and what a failure says ----

STEP=""
HINT=""
STOPPED=0
PARTIAL=""
step() {
	STEP=$1
	HINT=${2:-}
	echo "==> $STEP"
}
say() { echo "    $*"; }
failed() {
	local code=$?
	trap - ERR
	echo "install.sh: FAILED (exit $code) while: $STEP" >&2
	[ -n "$HINT" ] && echo "install.sh: to fix: $HINT" >&2
	if [ -n "$PARTIAL" ]; then
		echo "install.sh: removing the half-made $PARTIAL" >&2
		rm -rf "$PARTIAL"
	fi
	if [ "$STOPPED" = 1 ]; then
		echo "install.sh: starting the version that ran before again" >&2
		manager start "${RESTART[@]}" || true
	fi
	exit "$code"
}
trap failed ERR
die() {
	echo "install.sh: $1" >&2
	[ -n "${2:-}" ] && echo "install.sh: to fix: $2" >&2
	exit 1
}

# ---- what needs a running system: run it, or record it when staging ----

RECORD=""
[ -n "$ROOT" ] && RECORD="$ROOT/kiosk-install.recorded"
system() {
	if [ -n "$RECORD" ]; then
		say "recorded: $*"
		echo "$*" >>"$RECORD"
	else
		say "run: $*"
		"$@"
	fi
}
# systemctl that needs the service manager (start, stop, daemon-reload): skipped where systemd
# is not running (a chroot, a container without systemd, a PC being prepared offline); enable
# and disable only write symlinks, so they also work there.
systemd_running() { [ -z "$RECORD" ] && [ -d /run/systemd/system ]; }
manager() {
	if [ -z "$RECORD" ] && ! systemd_running; then
		say "skipped (systemd is not running here, e.g. a chroot): systemctl $*"
		return 0
	fi
	system systemctl "$@"
}

# Run a kiosk command of a release as user kiosk, on the installed config. Staging runs it as
# the caller, on a copy of the config whose absolute paths point into $ROOT.
kiosk_as_user() {
	local release=$1
	shift
	if [ -n "$RECORD" ]; then
		local staged
		staged=$(mktemp --suffix=.toml)
		sed -e "s#\"$DATA\"#\"$ROOT$DATA\"#" -e "s#\"file:$ETC/#\"file:$ROOT$ETC/#" \
			"$ROOT$ETC/kiosk.toml" >"$staged"
		say "run: kiosk $* (as $(id -un), on $staged)"
		local status=0
		KIOSK_CONFIG=$staged "$release/venv/bin/kiosk" "$@" || status=$?
		rm -f "$staged"
		return "$status"
	else
		say "run: kiosk $* (as kiosk)"
		runuser -u kiosk -- env KIOSK_CONFIG=$ETC/kiosk.toml "$release/venv/bin/kiosk" "$@"
	fi
}

preflight() {
	step "checking this machine"
	if [ ! -f "$SRC/kiosk.toml.example" ] || [ ! -f "$SRC/deploy/kiosk-app.service" ]; then
		die "$SRC is not a release of obshtina-kiosk (no kiosk.toml.example, no deploy/)" \
			"run deploy/install.sh inside an unpacked release or a checkout, not a copy of the script alone"
	fi
	if [ -z "$ROOT" ]; then
		[ "$(id -u)" = 0 ] || die "run me as root" "sudo $0 ${ARGS[*]}"
		if [ -r /etc/os-release ]; then
			# shellcheck disable=SC1091
			. /etc/os-release
			say "system: ${PRETTY_NAME:-unknown}"
			[ "${ID:-}" = debian ] || say "warning: made for Debian 12 or 13, this is ${ID:-unknown}"
		fi
		if ! systemd_running; then
			say "systemd is not running here: units are installed and enabled, not started"
		fi
	else
		mkdir -p "$ROOT"
		say "staging into $ROOT (apt, useradd, chown, systemctl, udevadm are recorded in $RECORD)"
	fi
}

# ---- install / upgrade ----

install_packages() {
	step "installing the Debian packages" \
		"check the network and /etc/apt/sources.list, run 'apt-get update', then run me again (or --no-apt if they are installed)"
	if [ "$APT" = 0 ]; then
		say "skipped (--no-apt)"
		return
	fi
	say "${PACKAGES[*]}"
	system env DEBIAN_FRONTEND=noninteractive apt-get update -q
	system env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
}

create_user() {
	step "creating the system user kiosk" "see the message above from useradd or usermod"
	if [ -n "$RECORD" ] || ! getent passwd kiosk >/dev/null; then
		# the home is the data directory: Kivy and fontconfig write their caches under it
		system useradd --system --user-group --home-dir "$DATA" --no-create-home \
			--shell /usr/sbin/nologin --comment "obshtina-kiosk" kiosk
	else
		say "user kiosk exists"
	fi
	# sound, the GPU, the touchscreen, serial ports
	local groups=() group
	for group in audio video render input dialout; do
		if [ -n "$RECORD" ] || getent group "$group" >/dev/null; then groups+=("$group"); fi
	done
	system usermod --append --groups "$(
		IFS=,
		echo "${groups[*]}"
	)" kiosk
}

make_dirs() {
	step "creating $APP, $ETC and $DATA" "check the free space and that / is writable (df -h /)"
	install -d -m 0755 "$ROOT$APP" "$ROOT$APP/releases"
	install -d -m 0750 "$ROOT$ETC"
	install -d -m 0750 "$ROOT$DATA" "$ROOT$DATA/backups"
	system chown root:kiosk "$ETC"
	system chown kiosk:kiosk "$DATA" "$DATA/backups"
}

build_wheel() {
	step "building the wheel of obshtina-kiosk from $SRC" \
		"this needs python3-venv (the Debian packages above) and the network, for pip to fetch setuptools; or give --wheel FILE"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	# a clean copy: setuptools builds in the tree and would pick up a stale build/ directory
	tar -C "$SRC" --exclude=.venv --exclude=build --exclude=var --exclude='*.egg-info' \
		--exclude=__pycache__ --exclude=.git -cf - . | (mkdir "$WORK/src" && tar -C "$WORK/src" -xf -)
	local pip=("${PYTHON_FROM:-}" -m pip)
	if [ -z "$PYTHON_FROM" ]; then
		# Debian's python3 has no pip: a throwaway virtualenv brings its own
		python3 -m venv "$WORK/build-venv"
		pip=("$WORK/build-venv/bin/pip")
	fi
	# setuptools' warnings only matter when the build fails
	"${pip[@]}" wheel --quiet --no-deps --wheel-dir "$WORK" "$WORK/src" >"$WORK/build.log" 2>&1 ||
		{ cat "$WORK/build.log" >&2 && false; }
	WHEEL=$(ls "$WORK"/obshtina_kiosk-*.whl)
	say "built $(basename "$WHEEL")"
}

make_release() {
	local version stamp name n=1
	version=$(basename "$WHEEL" | cut -d- -f2)
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	name="$stamp-$version"
	while [ -e "$ROOT$APP/releases/$name" ]; do
		n=$((n + 1))
		name="$stamp.$n-$version"
	done
	RELEASE="$ROOT$APP/releases/$name"
	step "installing version $version into $APP/releases/$name" \
		"see pip's message above; nothing current was changed, the running version is untouched"
	local python=${PYTHON_FROM:-/usr/bin/python3}
	PARTIAL=$RELEASE
	[ -n "$PYTHON_FROM" ] || say "pip fetches the libraries (Kivy, FastAPI, matplotlib …): a few minutes on a first install"
	if [ -n "$PYTHON_FROM" ]; then
		"$python" -m venv --without-pip "$RELEASE/venv"
		"$python" -m pip --python "$RELEASE/venv/bin/python" install --quiet --no-deps --no-index "$WHEEL"
		# PY's site-packages after the venv's own, once the wheel is in (pip would otherwise
		# see PY's copy as installed); a venv's --system-site-packages would reach its base
		# interpreter's, not PY's when PY is itself a venv's python
		local site
		site=$("$RELEASE/venv/bin/python" -I -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
		"$python" -c 'import site; print("\n".join(site.getsitepackages()))' >"$site/python-from.pth"
	else
		"$python" -m venv "$RELEASE/venv"
		"$RELEASE/venv/bin/pip" install --quiet "$WHEEL"
	fi
	# the release keeps its own units, rules and example, so a rollback restores those too
	mkdir -p "$RELEASE/deploy"
	cp "$SRC"/deploy/*.service "$SRC"/deploy/*.timer "$SRC"/deploy/*.rules "$SRC"/deploy/*.pam \
		"$SRC"/kiosk.toml.example "$RELEASE/deploy/"
	"$RELEASE/venv/bin/kiosk" --help >/dev/null
	# the compiled catalogues beside the .po files (kiosk/i18n.py): the services may not write
	# there, and each start would compile them again; -I, or a python started in a checkout
	# would import and compile the checkout's code instead of the release's
	"$RELEASE/venv/bin/python" -I -c 'from kiosk.i18n import compile_catalogues; compile_catalogues()'
	PARTIAL=""
	say "kiosk $version installed"
}

# Set KEY inside [TABLE] of a TOML file, keeping the line's comment; fails if KEY is not there.
toml_set() {
	local file=$1 table=$2 key=$3 value=$4
	awk -v table="[$table]" -v key="$key" -v value="$value" '
		/^\[/ { section = $1 }
		section == table && $1 == key && $2 == "=" && !done {
			comment = index($0, "#") ? substr($0, index($0, "#")) : ""
			line = key " = " value
			if (comment != "") line = sprintf("%-38s %s", line, comment)
			print line; done = 1; next
		}
		{ print }
		END { exit done ? 0 : 1 }
	' "$file" >"$file.new" || die "kiosk.toml.example has no $key in [$table]" \
		"the installer and the example disagree: report it, or edit $ETC/kiosk.toml by hand"
	mv "$file.new" "$file"
}

secret_file() {
	local name=$1 content=$2
	if [ -e "$ROOT$ETC/$name" ]; then
		say "$ETC/$name kept"
		return
	fi
	(umask 077 && printf '%s\n' "$content" >"$ROOT$ETC/$name")
	chmod 0600 "$ROOT$ETC/$name"
	system chown kiosk:kiosk "$ETC/$name"
	say "$ETC/$name written (mode 0600, owner kiosk)"
}

write_config() {
	step "writing the configuration $ETC/kiosk.toml" "check that $ETC is writable"
	local config="$ROOT$ETC/kiosk.toml"
	if [ -e "$config" ]; then
		say "$ETC/kiosk.toml exists: kept as it is"
		[ -z "$SITE_ID" ] || say "(--site-id $SITE_ID ignored: the site id is in the existing file)"
	else
		cp "$SRC/kiosk.toml.example" "$config.tmp"
		toml_set "$config.tmp" site id "\"$SITE_ID\""
		toml_set "$config.tmp" paths data_dir "\"$DATA\""
		toml_set "$config.tmp" printer url "\"/dev/kiosk-printer\""
		toml_set "$config.tmp" printer device "\"/dev/kiosk-printer\""
		toml_set "$config.tmp" ui admin_pin "\"file:$ETC/admin-pin\""
		toml_set "$config.tmp" web secret "\"file:$ETC/web-secret\""
		toml_set "$config.tmp" sync central_url "\"file:$ETC/central-url\""
		chmod 0640 "$config.tmp"
		mv "$config.tmp" "$config"
		system chown root:kiosk "$ETC/kiosk.toml"
		say "$ETC/kiosk.toml written for site $SITE_ID from kiosk.toml.example (mode 0640)"
	fi
	local pin
	pin=$(printf '%06d' "$(shuf -i 0-999999 -n 1 --random-source=/dev/urandom)")
	if [ ! -e "$ROOT$ETC/admin-pin" ]; then
		say "the staff PIN of the touchscreen is $pin (change it in $ETC/admin-pin)"
	fi
	secret_file admin-pin "$pin"
	secret_file web-secret "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
	# empty until the centre gives this site its URL: `kiosk central add-site` (README, "Nightly sync")
	secret_file central-url ""
}

check_config() {
	step "checking the configuration with the new version" \
		"edit $ETC/kiosk.toml at the key named above, then run me again; the running version is untouched"
	kiosk_as_user "$RELEASE" config check
}

database_file() {
	# the site database is a SQLite file unless database.url names PostgreSQL
	if grep -Eq '^url = "postgres' "$ROOT$ETC/kiosk.toml"; then
		return 1
	fi
	echo "$DATA/kiosk.sqlite"
}

upgrade_database() {
	local upgrading=$1 db
	if db=$(database_file); then
		if [ "$upgrading" = 1 ] && [ -s "$ROOT$db" ]; then
			step "backing up the site database before the upgrade" \
				"check the free space in $DATA (df -h $DATA); nothing was changed"
			# `kiosk backup`: SQLite's online backup, checked and renamed into place; the label
			# keeps it apart from the daily rotation (the newest three such copies are kept)
			local out backup
			out=$(kiosk_as_user "$RELEASE" --json backup --label "before-$(basename "$RELEASE")")
			backup=$(sed -n 's/^  "path": "\(.*\)",$/\1/p' <<<"$out")
			backup=${backup#"$ROOT"}
			system chown kiosk:kiosk "$backup"
			say "$backup (integrity $(sed -n 's/^  "integrity": "\(.*\)",$/\1/p' <<<"$out"))"
		fi
	else
		say "the site database is PostgreSQL: back it up with pg_dump before upgrades, the installer does not"
	fi
	step "creating or migrating the site database (kiosk db upgrade)" \
		"see the message above; $APP/current is still the previous version (restarted), and the copy taken just before is in $DATA/backups"
	kiosk_as_user "$RELEASE" db upgrade
}

switch_current() {
	local target=$1
	step "making $APP/current point to releases/$(basename "$target")"
	# a new link renamed over the old one: never a moment without `current`
	ln -sfn "releases/$(basename "$target")" "$ROOT$APP/current.new"
	mv -T "$ROOT$APP/current.new" "$ROOT$APP/current"
}

install_system_files() {
	local from=$1
	step "installing the units, the udev rule and the lobby session's PAM file" \
		"check $UNIT_DIR and /etc/udev/rules.d are writable"
	install -d "$ROOT$UNIT_DIR" "$ROOT$(dirname "$UDEV_RULE")" "$ROOT$(dirname "$PAM_FILE")"
	local unit
	for unit in "${UNITS[@]}"; do
		install -m 0644 "$from/$unit" "$ROOT$UNIT_DIR/$unit"
		say "$UNIT_DIR/$unit"
	done
	install -m 0644 "$from/70-kiosk-printer.rules" "$ROOT$UDEV_RULE"
	say "$UDEV_RULE (the printer at /dev/kiosk-printer)"
	install -m 0644 "$from/kiosk-app.pam" "$ROOT$PAM_FILE"
	say "$PAM_FILE"
	if [ -n "$RECORD" ] || [ -d /run/udev ]; then
		system udevadm control --reload
		system udevadm trigger --action=add --subsystem-match=usbmisc --subsystem-match=usb --subsystem-match=tty
	else
		say "skipped (udev is not running here): udevadm control --reload; the rule applies from the next boot"
	fi
}

start_services() {
	step "enabling and (re)starting the services" \
		"see 'systemctl status kiosk-app kiosk-web' and 'journalctl -b -u kiosk-app -u kiosk-web'"
	manager daemon-reload
	system systemctl enable "${ENABLE[@]}"
	manager restart "${RESTART[@]}"
}

stop_services() {
	step "stopping the kiosk for the change" "see 'systemctl status kiosk-app kiosk-web'"
	manager stop "${RESTART[@]}"
	STOPPED=1
}

prune_releases() {
	step "keeping the newest $KEEP_RELEASES versions"
	local current old
	current=$(readlink "$ROOT$APP/current")
	for old in $(ls -1 "$ROOT$APP/releases" | sort -r | tail -n +$((KEEP_RELEASES + 1))); do
		[ "releases/$old" = "$current" ] && continue
		rm -rf "$ROOT$APP/releases/${old:?}"
		say "removed releases/$old"
	done
}

# Before anything is changed: the site id a new config needs, asked when not given.
ask_site_id() {
	[ ! -e "$ROOT$ETC/kiosk.toml" ] || return 0
	local hint="a site id is 2-40 lowercase Latin letters, digits or dashes, unique in the municipality: --site-id tvarditsa-ociu"
	if [ -z "$SITE_ID" ]; then
		[ -t 0 ] || die "there is no $ETC/kiosk.toml yet and no --site-id to write one" "$hint"
		read -rp "site id of this PC (unique in the municipality, e.g. tvarditsa-ociu): " SITE_ID
	fi
	[[ "$SITE_ID" =~ ^[a-z0-9][a-z0-9-]{1,39}$ ]] || die "the site id \"$SITE_ID\" is not valid" "$hint"
}

do_install() {
	local upgrading=0
	[ -L "$ROOT$APP/current" ] && upgrading=1
	if [ "$upgrading" = 1 ]; then
		echo "obshtina-kiosk is installed ($(readlink "$ROOT$APP/current")): upgrading"
	else
		echo "obshtina-kiosk is not installed: installing"
	fi
	preflight
	ask_site_id
	install_packages
	create_user
	make_dirs
	[ -n "$WHEEL" ] || build_wheel
	make_release
	write_config
	check_config
	[ "$upgrading" = 0 ] || stop_services
	upgrade_database "$upgrading"
	switch_current "$RELEASE"
	STOPPED=0
	install_system_files "$RELEASE/deploy"
	start_services
	prune_releases
	echo
	echo "Done: $APP/current is $(readlink "$ROOT$APP/current")."
	if [ "$upgrading" = 1 ]; then
		echo "To go back: $0 --rollback"
	else
		cat <<EOF
Next:
  - the central server's URL for this site (from 'kiosk central add-site'): into $ETC/central-url
  - the printer: set [printer] connection in $ETC/kiosk.toml (the device is /dev/kiosk-printer)
  - reboot: the PC starts into the touchscreen; the staff web is on port 8080 (web.port)
  - logs: journalctl -u kiosk-app -u kiosk-web
EOF
	fi
}

# ---- roll back ----

do_rollback() {
	preflight
	step "finding the previous version" "nothing to roll back to: the current version is the oldest one installed (ls $APP/releases)"
	[ -L "$ROOT$APP/current" ] || die "obshtina-kiosk is not installed" "install it first"
	local current previous
	current=$(basename "$(readlink "$ROOT$APP/current")")
	previous=$(ls -1 "$ROOT$APP/releases" | sort | awk -v cur="$current" '$0 == cur { print prev } { prev = $0 }')
	[ -n "$previous" ] || false
	say "$current -> $previous"
	stop_services
	switch_current "$ROOT$APP/releases/$previous"
	STOPPED=0
	install_system_files "$ROOT$APP/releases/$previous/deploy"
	start_services
	step "checking the database against $previous (kiosk db status)"
	local fits=1 backup
	kiosk_as_user "$ROOT$APP/releases/$previous" db status || fits=0
	echo
	echo "Done: $APP/current is releases/$previous."
	[ "$fits" = 0 ] || return 0
	backup=$(ls -1 "$ROOT$DATA/backups" 2>/dev/null |
		awk -v end="-before-$current.sqlite" 'substr($0, length($0) - length(end) + 1) == end' | tail -n 1)
	echo "The database stays as $current left it, and $previous does not know its schema."
	if [ -n "$backup" ]; then
		cat <<EOF
Restore the copy taken before that upgrade (tickets issued since are lost):
  systemctl stop kiosk-app kiosk-web
  sqlite3 $DATA/kiosk.sqlite ".restore '$DATA/backups/$backup'"
  systemctl start kiosk-web kiosk-app
EOF
	else
		echo "No copy taken before that upgrade is in $DATA/backups: restore one of your own backups."
	fi
}

# ---- remove ----

do_uninstall() {
	preflight
	step "stopping and disabling the units"
	local unit present=()
	for unit in "${UNITS[@]}"; do
		[ -e "$ROOT$UNIT_DIR/$unit" ] && present+=("$unit")
	done
	if [ ${#present[@]} -gt 0 ]; then
		manager stop "${present[@]}"
		system systemctl disable "${present[@]}"
	fi
	step "removing the units, the udev rule, the PAM file and $APP"
	for unit in "${UNITS[@]}"; do
		rm -f "$ROOT$UNIT_DIR/$unit"
	done
	rm -f "$ROOT$UDEV_RULE" "$ROOT$PAM_FILE"
	rm -rf "$ROOT$APP"
	[ -n "$RECORD" ] || [ ! -d /run/udev ] || system udevadm control --reload
	manager daemon-reload
	if [ "$PURGE" = 1 ]; then
		step "removing the configuration, the data and user kiosk (--purge)"
		rm -rf "$ROOT$ETC" "$ROOT$DATA"
		if [ -n "$RECORD" ] || getent passwd kiosk >/dev/null; then
			system userdel kiosk
		fi
		echo "Done: obshtina-kiosk and its data are removed."
	else
		echo "Done: obshtina-kiosk is removed; its configuration $ETC and data $DATA are kept"
		echo "(a new install uses them; '$0 --uninstall --purge' removes them too)."
	fi
}

case "$ACTION" in
install) do_install ;;
rollback) do_rollback ;;
uninstall) do_uninstall ;;
esac
