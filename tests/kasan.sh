#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kasan.sh [TEST...]   make check-kasan: build a KASAN + lockdep kernel from
#                      Debian's 6.12 source (once), then run the VM tests (TESTS or
#                      the arguments: all by default) and the harness's self-tests
#                      on it through tests/run-all.sh
# kasan.sh prepare     only build it (or find it built); prints its KVER
#
# Debian's kernels have SLUB debugging, page poisoning and KFENCE (the nets
# tests/vm/run.sh boots with) but neither KASAN nor lockdep. This kernel has both:
# Debian's linux-source-6.12 of the lab's newest 6.12 kernel (KASAN_SRC_VERSION
# picks another package version), x86_64 defconfig, kvm_guest.config and
# tests/kasan.config, which builds in what the lab uses and adds the nets. Its
# KVER ends in "-kasan". Everything lives in build/kasan: the source tree (also the
# module's KDIR), and root/, a root of its own (root/boot/vmlinuz-KVER,
# config-KVER, root/lib/modules/KVER) that run.sh boots with KROOT; the machine's
# /boot and /lib/modules are never touched.
#
# The build runs niced, KASAN_JOBS (default 2) at a time; it is redone only when
# tests/kasan.config or the source version changes (then incrementally). A KASAN and
# lockdep kernel is slower than Debian's under TCG: the guests' timeouts are
# multiplied by TIMEOUT_FACTOR (default 3). JOBS, SKIP and the other variables of
# run-all.sh apply; the steps that know only the installed kernels (style, dkms,
# deb, ...) are always skipped. Not part of make check: the kernel takes about half
# an hour to build on two cores.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$TOP/build/kasan
SRC=$DIR/linux-source-6.12
ROOT=$DIR/root
FRAGMENT=$TOP/tests/kasan.config

die() { echo "kasan.sh: $*" >&2; exit 1; }

# The kernel build's tools that building the module alone does not need.
build_deps() {
	local pkg missing=()
	for pkg in flex bison bc libelf-dev libssl-dev xz-utils; do
		[[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return
	((EUID == 0)) || die "missing packages: ${missing[*]} (run as root to install them)"
	echo "kasan.sh: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# source_version: the linux-source-6.12 version to build, by default that of the
# newest 6.12 kernel the lab boots, so that this kernel is the same code plus nets.
source_version() {
	local k v
	if [[ -n ${KASAN_SRC_VERSION:-} ]]; then
		echo "$KASAN_SRC_VERSION"
		return
	fi
	k=$("$TOP/tests/vm/kernels.sh" | grep '^6\.12\.' | tail -1)
	[[ -n $k ]] && v=$(dpkg-query -W -f='${Version}' "linux-image-$k" 2>/dev/null) && [[ -n $v ]] && { echo "$v"; return; }
	# No 6.12 kernel installed: whatever apt offers.
	apt-cache policy linux-source-6.12 | awk '$1 == "Candidate:" { print $2 }'
}

# unpack VERSION: Debian's source of VERSION into SRC (the tarball of linux-source-6.12).
unpack() {
	local version=$1 tmp
	[[ -f $SRC/Makefile && $(cat "$DIR/source.version" 2>/dev/null) == "$version" ]] && return
	echo "kasan.sh: downloading and unpacking linux-source-6.12 $version" >&2
	tmp=$(mktemp -d "$DIR/dl.XXXXXX")
	# apt's sandbox user must be able to write the .deb.
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download "linux-source-6.12=$version" >&2) ||
		die "cannot download linux-source-6.12=$version (KASAN_SRC_VERSION picks another; apt-cache madison linux-source-6.12)"
	rm -rf "$SRC" "$DIR/source.version" "$DIR/build.stamp"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
		tar -xO ./usr/src/linux-source-6.12.tar.xz | nice -n 19 tar -xJ -C "$DIR"
	rm -rf "$tmp"
	[[ -f $SRC/Makefile ]] || die "the package held no linux-source-6.12 tree"
	echo "$version" >"$DIR/source.version"
}

# configure: defconfig + kvm_guest.config + tests/kasan.config, and check that
# Kconfig kept every line of ours (a dependency it cannot meet drops an option
# without a word, and a kernel without KASAN would pass every test).
configure() {
	local line opt got bad=()
	make -C "$SRC" -s defconfig >&2
	(cd "$SRC" && scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$FRAGMENT" >/dev/null)
	make -C "$SRC" -s olddefconfig >&2
	while IFS= read -r line; do
		[[ $line =~ ^(CONFIG_[A-Z0-9_]+)= || $line =~ ^#\ (CONFIG_[A-Z0-9_]+)\ is\ not\ set$ ]] || continue
		opt=${BASH_REMATCH[1]}
		got=$(grep -E "^$opt=|^# $opt is not set$" "$SRC/.config" || true)
		# An option Kconfig does not offer at all is as good as "is not set".
		[[ $got == "$line" || (-z $got && $line == "# "*) ]] || bad+=("$line (got: ${got:-nothing})")
	done <"$FRAGMENT"
	((${#bad[@]} == 0)) || die "Kconfig did not keep: ${bad[*]}"
}

prepare() {
	local version stamp kver start mod
	mkdir -p "$DIR"
	build_deps
	version=$(source_version)
	[[ -n $version ]] || die "no linux-source-6.12 version to build (set KASAN_SRC_VERSION)"
	unpack "$version"
	stamp=$( { echo "$version"; cat "$FRAGMENT" "$SRC/kernel/configs/kvm_guest.config"; } | sha256sum | cut -d' ' -f1)
	kver=$(cat "$DIR/kver" 2>/dev/null || true)
	if [[ $(cat "$DIR/build.stamp" 2>/dev/null) == "$stamp" && -f $ROOT/boot/vmlinuz-$kver ]]; then
		echo "$kver"
		return
	fi
	configure
	echo "kasan.sh: building the kernel (nice -n 19, ${KASAN_JOBS:-2} jobs; a log in build/kasan/build.log)" >&2
	start=$(date +%s)
	nice -n 19 make -C "$SRC" -j"${KASAN_JOBS:-2}" bzImage modules >"$DIR/build.log" 2>&1 ||
		{ tail -30 "$DIR/build.log" >&2; die "the kernel build failed (build/kasan/build.log)"; }
	echo "kasan.sh: kernel built in $(($(date +%s) - start)) s" >&2
	kver=$(make -C "$SRC" -s kernelrelease)
	[[ $kver == *-kasan ]] || die "unexpected kernel release '$kver'"
	# Installed into ROOT the way Debian's packages lay a kernel out.
	mod=$ROOT/lib/modules/$kver
	rm -rf "$mod"
	make -C "$SRC" -s INSTALL_MOD_PATH="$ROOT" modules_install >&2
	[[ -f $mod/modules.dep && -f $mod/modules.builtin ]] || die "modules_install made no modules.dep"
	mkdir -p "$ROOT/boot"
	cp "$SRC/arch/x86/boot/bzImage" "$ROOT/boot/vmlinuz-$kver"
	cp "$SRC/.config" "$ROOT/boot/config-$kver"
	cp "$SRC/System.map" "$ROOT/boot/System.map-$kver"
	# make module KDIR=...: the built tree itself.
	ln -sfn "$SRC" "$mod/build"
	echo "$kver" >"$DIR/kver"
	echo "$stamp" >"$DIR/build.stamp"
	echo "$kver"
}

case ${1:-} in
prepare)
	prepare
	;;
*)
	((EUID == 0)) || die "the VM tests need root"
	kver=$(prepare)
	echo "kasan.sh: testing on $kver (timeouts x${TIMEOUT_FACTOR:-3})"
	KVERS=$kver KROOT=$ROOT TIMEOUT_FACTOR=${TIMEOUT_FACTOR:-3} \
		SKIP="deps style unit fuzz extra promtool dkms deb ${SKIP:-}" \
		exec "$TOP/tests/run-all.sh" "$@"
	;;
esac
