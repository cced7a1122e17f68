#!/bin/sh
# Installs (or removes) Nexus as a system service: the binary, a `nexus` system user, a config
# that is never overwritten, and the hardened systemd unit next to this script.
# Safe to run again: an upgrade is the same command with the new binary.
set -eu

usage() {
	cat <<'EOF'
Usage: install.sh [--prefix DIR] [--binary PATH] [--uninstall] [--no-systemd]

Installs the Nexus binary as DIR/usr/local/bin/nexus, creates the `nexus` system user,
writes DIR/etc/nexus/nexus.toml with `nexus config init` unless it exists, installs
DIR/etc/systemd/system/nexus.service, and enables and (re)starts the service when systemd
is running and DIR is /.

Options:
  --prefix DIR    install under DIR instead of / (no user is created, systemd is not touched)
  --binary PATH   the nexus binary to install (default: ./nexus, else nexus-<os>-<arch>
                  next to this script, else dist/nexus of this checkout)
  --uninstall     remove the binary and the unit; the config and the user are kept
  --no-systemd    do not install the unit or call systemctl
  -h, --help      show this help
EOF
}

say() { printf 'nexus-install: %s\n' "$*"; }
die() {
	printf 'nexus-install: error: %s\n' "$*" >&2
	exit 1
}
usage_error() {
	printf 'nexus-install: %s\n\n' "$*" >&2
	usage >&2
	exit 2
}

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
prefix=/
binary=
uninstall=no
systemd=yes

while [ $# -gt 0 ]; do
	case $1 in
	--prefix | --binary)
		if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
		if [ "$1" = --prefix ]; then prefix=$2; else binary=$2; fi
		shift 2
		;;
	--prefix=*) prefix=${1#*=} && shift ;;
	--binary=*) binary=${1#*=} && shift ;;
	--uninstall) uninstall=yes && shift ;;
	--no-systemd) systemd=no && shift ;;
	-h | --help)
		usage
		exit 0
		;;
	*) usage_error "unknown argument: $1" ;;
	esac
done

case $prefix in
/*) ;;
*) prefix=$(pwd)/$prefix ;;
esac
root=${prefix%/} # "" for /, so paths read /usr/local/bin/nexus rather than //usr/...
real=no
[ -z "$root" ] && real=yes

bin_path=$root/usr/local/bin/nexus
config_dir=$root/etc/nexus
config_path=$config_dir/nexus.toml
unit_path=$root/etc/systemd/system/nexus.service
unit_source=$script_dir/nexus.service

# systemctl only for the real system, and only when systemd is PID 1 (not in most containers).
systemd_running() {
	[ "$real" = yes ] && [ "$systemd" = yes ] && [ -d /run/systemd/system ] &&
		command -v systemctl >/dev/null 2>&1
}

if [ "$real" = yes ] && [ "$(id -u)" -ne 0 ]; then
	die "installing into / needs root: run it with sudo (or use --prefix DIR)"
fi

# --- uninstall ------------------------------------------------------------------------------
if [ "$uninstall" = yes ]; then
	if [ "$systemd" = yes ]; then
		if systemd_running; then
			systemctl disable --now nexus.service >/dev/null 2>&1 || true
			say "stopped and disabled nexus.service"
		fi
		if [ -e "$unit_path" ]; then
			rm -f "$unit_path"
			say "removed $unit_path"
			if systemd_running; then systemctl daemon-reload; fi
		else
			say "no unit at $unit_path (already removed)"
		fi
	fi
	if [ -e "$bin_path" ]; then
		rm -f "$bin_path"
		say "removed $bin_path"
	else
		say "no binary at $bin_path (already removed)"
	fi
	if [ -e "$config_path" ]; then
		say "kept the config $config_path (delete it yourself if you no longer need it)"
	fi
	if [ "$real" = yes ] && id nexus >/dev/null 2>&1; then
		say "kept the system user nexus (remove it with: userdel nexus)"
	fi
	say "uninstalled"
	exit 0
fi

# --- install --------------------------------------------------------------------------------
# The release file for this machine, as downloaded next to install.sh from a release page.
release_name() {
	case $(uname -s) in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unknown ;; esac
	case $(uname -m) in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=unknown ;; esac
	echo "nexus-$os-$arch"
}

if [ -z "$binary" ]; then
	for candidate in ./nexus "$script_dir/$(release_name)" "$script_dir/../dist/nexus"; do
		if [ -f "$candidate" ]; then
			binary=$candidate
			break
		fi
	done
	[ -n "$binary" ] || die "no binary found (./nexus, $(release_name) or dist/nexus): pass --binary PATH"
fi
[ -f "$binary" ] || die "binary not found: $binary"
[ -x "$binary" ] || die "binary is not executable: $binary (chmod +x it first)"
version=$("$binary" --version 2>/dev/null) || die "$binary --version failed: is it a nexus binary for this platform?"
if [ "$systemd" = yes ] && [ ! -f "$unit_source" ]; then
	die "unit file not found: $unit_source (keep nexus.service next to install.sh, or use --no-systemd)"
fi

# Binary: copy next to the target and rename, so a running service keeps its old file and the
# swap is atomic (cp over a running executable fails with "Text file busy").
mkdir -p "$(dirname "$bin_path")"
if [ -f "$bin_path" ] && cmp -s "$binary" "$bin_path"; then
	say "$bin_path is already $version"
else
	cp "$binary" "$bin_path.new"
	chmod 0755 "$bin_path.new"
	mv -f "$bin_path.new" "$bin_path"
	say "installed $bin_path ($version)"
fi

# User: a system account with no home and no shell; the service runs as it.
if [ "$real" = yes ]; then
	if id nexus >/dev/null 2>&1; then
		say "system user nexus exists"
	elif command -v useradd >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "Nexus LLM gateway" nexus
		say "created system user nexus"
	elif command -v adduser >/dev/null 2>&1; then # BusyBox/Alpine
		adduser -S -D -H -h /nonexistent -s /sbin/nologin -g "Nexus LLM gateway" nexus
		say "created system user nexus"
	else
		die "cannot create the nexus user: neither useradd nor adduser is available"
	fi
else
	say "skipped creating system user nexus (only done when installing into /)"
fi

# Config: written once by the binary itself, so it always matches this version's defaults.
mkdir -p "$config_dir"
if [ -e "$config_path" ]; then
	say "kept the existing config $config_path"
else
	"$binary" config init -o "$config_path" >/dev/null 2>&1 ||
		die "$binary config init -o $config_path failed"
	say "wrote $config_path"
fi
# Readable by the service (it may hold an admin_token), not by everyone.
if [ "$real" = yes ]; then
	chown root:nexus "$config_path"
	chmod 0640 "$config_path"
fi

# Unit.
if [ "$systemd" = no ]; then
	say "skipped the systemd unit (--no-systemd)"
else
	mkdir -p "$(dirname "$unit_path")"
	if [ -f "$unit_path" ] && cmp -s "$unit_source" "$unit_path"; then
		say "$unit_path is up to date"
	else
		cp "$unit_source" "$unit_path"
		chmod 0644 "$unit_path"
		say "installed $unit_path"
	fi
	if systemd_running; then
		systemctl daemon-reload
		systemctl enable nexus.service >/dev/null 2>&1
		# restart, not start: after an upgrade the new binary must be the one running.
		systemctl restart nexus.service
		say "enabled and started nexus.service; follow it with: journalctl -u nexus -f"
	elif [ "$real" = yes ]; then
		say "systemd is not running here; start Nexus with: systemctl enable --now nexus"
	else
		say "not starting anything under --prefix $prefix"
	fi
fi
say "done: $version"
