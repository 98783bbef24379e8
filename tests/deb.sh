#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh [KVER...]: the Debian packages, used as a user would.
#
#  1. make deb (build/deb/: wgrelay-dkms and relayctl; lintian errors and warnings fail)
#  2. apt install ./wgrelay-dkms_V_all.deb ./relayctl_V_ARCH.deb
#  3. DKMS built and installed the module for every kernel here that has headers
#     (tests/vm/kernels.sh), and relayctl, its man page, units, completion and
#     /etc/wgrelay (mode 0700) are in place
#  4. for each KVER (default: the newest kernel here, whose module DKMS compresses):
#     the lab boots that very module (the one DKMS installed under /lib/modules/KVER)
#     and the packaged relayctl, and runs tests/vm/t-relay.sh
#  5. apt purge both, and nothing of them is left: no DKMS tree, no sources, no
#     module, no files, no unit, no /etc/wgrelay, no /var/lib/wgrelay
#
# Prints one PASS:/FAIL: line per check; exits non-zero if any failed. Refuses to
# run where wgrelay is already installed (by the packages or make dkms-install):
# that is the machine's, not the test's, to remove. Needs root.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
arch=$(dpkg --print-architecture)
DEB_DKMS=build/deb/wgrelay-dkms_${version}_all.deb
DEB_TOOL=build/deb/relayctl_${version}_$arch.deb
tmp=$(mktemp -d)

rc=0
pass() { echo "PASS: deb: $*"; }
fail() { echo "FAIL: deb: $*"; rc=1; }
check() { # WHAT COMMAND...: PASS or FAIL as COMMAND succeeds
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

known() { dpkg-query -W "$1" >/dev/null 2>&1; }

# What the packages leave behind, if anything: one line each.
leftovers() {
	local p
	for p in wgrelay-dkms relayctl; do
		known "$p" && echo "package $p ($(dpkg-query -W -f='${db:Status-Abbrev}' "$p"))"
	done
	[[ -n $(dkms status -m wgrelay 2>/dev/null) ]] && echo "dkms status: $(dkms status -m wgrelay)"
	ls -d /var/lib/dkms/wgrelay /usr/src/wgrelay-* /etc/wgrelay /var/lib/wgrelay \
		/usr/sbin/relayctl /usr/share/man/man8/relayctl.8.gz \
		/usr/share/bash-completion/completions/relayctl \
		/{usr/,}lib/systemd/system/wgrelay{,-save}@.{service,timer} \
		/{usr/,}lib/systemd/system/wgrelay-metrics.{service,timer} \
		/var/lib/prometheus/node-exporter/wgrelay.prom 2>/dev/null
	find /lib/modules/*/ -name 'wgrelay.ko*' 2>/dev/null
}

# The machine's DKMS signing key, made by the first DKMS build if it had none: a
# test leaves the machine as it found it.
mok_existed=0
[[ -e /var/lib/dkms/mok.key ]] && mok_existed=1
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	if known wgrelay-dkms || known relayctl; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q wgrelay-dkms relayctl >/dev/null 2>&1
	fi
	((mok_existed)) || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	rm -rf "$tmp"
}

if ((EUID != 0)); then
	echo "FAIL: deb: needs root (apt install)"
	exit 1
fi
before=$(leftovers)
if [[ -n $before ]]; then
	echo "$before"
	echo "FAIL: deb: wgrelay is already on this machine (above); remove it first"
	exit 1
fi
trap cleanup EXIT

# 1. Build.
start=$(date +%s)
if make --no-print-directory deb >"$tmp/build.log" 2>&1 && [[ -f $DEB_DKMS && -f $DEB_TOOL ]]; then
	pass "make deb and lintian ($(($(date +%s) - start)) s)"
else
	tail -40 "$tmp/build.log"
	fail "make deb and lintian"
	exit 1
fi
check "the packages' version is dkms.conf's $version" \
	test "$(dpkg-deb -f "$DEB_DKMS" Version) $(dpkg-deb -f "$DEB_TOOL" Version)" == "$version $version"

# 2. Install, as README says.
start=$(date +%s)
if DEBIAN_FRONTEND=noninteractive apt install -y -q "./$DEB_DKMS" "./$DEB_TOOL" >"$tmp/install.log" 2>&1; then
	pass "apt install ./${DEB_DKMS#build/deb/} ./${DEB_TOOL#build/deb/} ($(($(date +%s) - start)) s)"
else
	cat "$tmp/install.log"
	fail "apt install"
	exit 1
fi

# 3. DKMS built the module for every kernel with headers; the tool's files are there.
declare -A ko_of=()
for k in $(tests/vm/kernels.sh); do
	ko=$(modinfo -k "$k" -F filename wgrelay 2>/dev/null)
	magic=$(modinfo -k "$k" -F vermagic wgrelay 2>/dev/null)
	if [[ $(dkms status -m wgrelay -v "$version" -k "$k" 2>/dev/null) == *": installed"* &&
		$ko == /lib/modules/$k/updates/dkms/wgrelay.ko* && $magic == "$k "* ]]; then
		pass "$k: DKMS installed $ko"
		ko_of[$k]=$ko
	else
		dkms status -m wgrelay
		find /var/lib/dkms/wgrelay -name make.log -exec tail -20 {} \; 2>/dev/null
		fail "$k: DKMS did not build and install the module (modinfo: '$ko', '$magic')"
	fi
done
check "relayctl version is $version" test "$(/usr/sbin/relayctl version 2>&1)" == "relayctl $version"
check "relayctl(8) is installed" test -n "$(man -w relayctl 2>/dev/null)"
check "wgrelay@.service, wgrelay-save@.service and .timer are installed" \
	test -f /lib/systemd/system/wgrelay@.service -a -f /lib/systemd/system/wgrelay-save@.service \
	-a -f /lib/systemd/system/wgrelay-save@.timer
check "wgrelay-metrics.service and .timer are installed, not enabled" \
	test -f /lib/systemd/system/wgrelay-metrics.service -a -f /lib/systemd/system/wgrelay-metrics.timer \
	-a ! -e /etc/systemd/system/timers.target.wants/wgrelay-metrics.timer
check "/etc/wgrelay is root's alone (0700 root:root)" \
	test "$(stat -c '%a %U:%G' /etc/wgrelay)" == "700 root:root"
# The completion offers the commands (bash-completion's loader, as a login shell has it).
completion=$(bash -c '. /usr/share/bash-completion/bash_completion
	. /usr/share/bash-completion/completions/relayctl
	COMP_WORDS=(relayctl sy); COMP_CWORD=1; COMP_LINE="relayctl sy"; COMP_POINT=${#COMP_LINE}
	_relayctl relayctl sy relayctl; echo "${COMPREPLY[*]}"' 2>&1)
check "bash completes 'relayctl sy' to syncconf (got '$completion')" test "$completion" == syncconf

# 4. The module DKMS built, booted in the lab with the packaged relayctl.
kvers=("$@")
((${#kvers[@]})) || kvers=("$(tests/vm/kernels.sh | tail -1)")
for k in "${kvers[@]}"; do
	ko=${ko_of[$k]:-}
	if [[ -z $ko ]]; then
		fail "$k: t-relay with the DKMS module: no module to boot"
		continue
	fi
	case $ko in
	*.xz) xz -dc "$ko" >"$tmp/wgrelay-$k.ko" ;;
	*.zst) zstd -qdc "$ko" >"$tmp/wgrelay-$k.ko" ;;
	*) cp "$ko" "$tmp/wgrelay-$k.ko" ;;
	esac
	if WGRELAY_KO=$tmp/wgrelay-$k.ko RELAYCTL=/usr/sbin/relayctl LOGDIR=$TOP/tests/out/deb/$k \
		tests/vm/run.sh "$k" t-relay.sh >"$tmp/vm.log" 2>&1; then
		pass "$k: t-relay with the module DKMS installed and the packaged relayctl ($(tail -1 "$tmp/vm.log" | grep -o '([0-9]* s)'))"
	else
		tail -60 "$tmp/vm.log"
		fail "$k: t-relay with the module DKMS installed (log: tests/out/deb/$k/)"
	fi
done

# 5. Purge, and nothing is left. A saved state, as wgrelay-save@.timer leaves one.
mkdir -p /var/lib/wgrelay && chmod 0700 /var/lib/wgrelay
echo saved >/var/lib/wgrelay/relay0.state
if DEBIAN_FRONTEND=noninteractive apt purge -y -q wgrelay-dkms relayctl >"$tmp/purge.log" 2>&1; then
	pass "apt purge wgrelay-dkms relayctl"
else
	cat "$tmp/purge.log"
	fail "apt purge"
fi
after=$(leftovers)
if [[ -z $after ]]; then
	pass "nothing of wgrelay is left after the purge"
else
	echo "$after"
	fail "left after the purge (above)"
fi
exit "$rc"
