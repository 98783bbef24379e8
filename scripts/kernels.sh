#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh prepare       download and unpack the extra kernels of the VM lab
# kernels.sh list          print the prepared extra kernels, one KVER a line
# kernels.sh kdir KVER     print the headers directory to build the module against
# kernels.sh bin           print the directory to put first in PATH for those builds
#
# The extra kernels are never installed: their .deb files (image, modules, headers,
# the headers' common part and kbuild) are unpacked with dpkg-deb -x into one root,
# build/kernels/root, so that they neither touch /boot nor make the machine's
# bootloader, DKMS or tests/vm/kernels.sh see them. tests/vm/run.sh boots one with
# KROOT=build/kernels/root. EXTRA_KERNELS picks them (default "cloud unstable"):
#
#   cloud     the cloud-amd64 flavour of Debian 12's 6.1, what Debian's VPS images boot
#   unstable  the newest amd64 kernel of Debian's unstable suite, read through a
#             sources list of this script's own (the machine's apt setup is untouched)
#
# Re-running prepare only downloads what changed; a kernel that is already unpacked
# is kept. The newest ABI of each is taken, never a pinned one.
#
# unstable's headers want a newer compiler and C library than Debian 12 has. Its
# kbuild programs (fixdep, modpost, objtool...) are run with unstable's own libc6,
# unpacked beside them (patchelf points them at it); its compiler (gcc-16) is
# stood in for by Debian 12's gcc-12 through a wrapper in build/kernels/bin, which
# turns the one flag gcc-12 lacks, -fmin-function-alignment=N, into
# -falign-functions=N, what the kernel itself passes to compilers without it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$TOP/build/kernels
ROOT=$DIR/root
BIN=$DIR/bin
EXTRA_KERNELS=${EXTRA_KERNELS-cloud unstable}

die() { echo "kernels.sh: $*" >&2; exit 1; }

# The unstable suite's own apt state, kept apart from the machine's.
SID_APT=(-o "Dir::Etc::sourcelist=$DIR/apt/unstable.sources" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$DIR/apt/lists" -o "Dir::Cache=$DIR/apt/cache"
	-o APT::Get::List-Cleanup=0)

sid_apt_setup() {
	mkdir -p "$DIR/apt/lists/partial" "$DIR/apt/cache/archives/partial"
	cat >"$DIR/apt/unstable.sources" <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: unstable
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt-get "${SID_APT[@]}" -q update >/dev/null
}

# depends APT_OPTS... -- PACKAGE PATTERN: the first dependency of PACKAGE that
# matches the extended regular expression PATTERN.
depends() {
	local opts=() pkg pat list
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	pkg=$2 pat=$3
	# The whole list first: grep -m1 ending a pipe early would kill apt-cache.
	list=$(apt-cache "${opts[@]}" depends "$pkg" | sed -n 's/^ *Depends: //p')
	grep -E -m1 "^$pat\$" <<<"$list" || die "$pkg depends on nothing like $pat"
}

# runnable KVER APT_OPTS...: make KVER's kbuild programs and compiler run here.
runnable() {
	local kver=$1 kbuild libc f cc
	shift
	kbuild=$(readlink -f "$ROOT/usr/src/linux-headers-$kver/scripts/..")
	libc=$DIR/libc-$kver
	# Every kbuild program that asks for more of the C library than this one has.
	find "$kbuild" -type f -perm -u+x -print0 | while IFS= read -r -d '' f; do
		file -b "$f" | grep -q '^ELF.*dynamically linked' || continue
		ldd "$f" 2>&1 | grep -q 'not found' || continue
		if [[ ! -d $libc ]]; then
			rm -rf "$DIR/debs"
			mkdir -p "$DIR/debs"
			chmod 0755 "$DIR/debs"
			(cd "$DIR/debs" && apt-get "$@" -q download libc6 >/dev/null 2>&1) ||
				(cd "$DIR/debs" && apt-get "$@" -q download libc6)
			dpkg-deb -x "$DIR"/debs/libc6_*.deb "$libc"
			rm -rf "$DIR/debs"
		fi
		patchelf --set-interpreter "$libc/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
			--set-rpath "$libc/usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" "$f"
	done
	# (ldd would still judge them by this machine's loader: run them instead.)
	for f in scripts/mod/modpost tools/objtool/objtool; do
		if "$kbuild/$f" --help 2>&1 | grep -q 'GLIBC_'; then
			die "$kver: $f cannot run here, even with its suite's libc6"
		fi
	done
	# A pahole older than the kernel's cannot make the module's BTF against the
	# headers' vmlinux (newer flags): without vmlinux, kbuild skips BTF, as for a
	# kernel whose headers ship none. The module loads without it.
	local want have
	want=$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$ROOT/usr/src/linux-headers-$kver/.config")
	have=$(pahole --version 2>/dev/null | tr -dc 0-9)
	if [[ -f $ROOT/usr/src/linux-headers-$kver/vmlinux ]] && ((${have:-0} < ${want:-0})); then
		mv "$ROOT/usr/src/linux-headers-$kver/vmlinux" "$ROOT/usr/src/linux-headers-$kver/vmlinux.for-pahole-$want"
	fi
	# The compiler the headers name (CC = ... gcc-16 in .kernelvariables).
	cc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\(gcc-[0-9]*\)$/\1/p' "$ROOT/usr/src/linux-headers-$kver/.kernelvariables")
	cc=x86_64-linux-gnu-${cc:-gcc}
	if ! command -v "$cc" >/dev/null && [[ ! -x $BIN/$cc ]]; then
		mkdir -p "$BIN"
		cat >"$BIN/$cc" <<-'EOF'
			#!/bin/bash
			# Written by scripts/kernels.sh: Debian 12's gcc in place of a newer one.
			args=()
			for a in "$@"; do
				case $a in
				-fmin-function-alignment=*) args+=("-falign-functions=${a#*=}") ;;
				*) args+=("$a") ;;
				esac
			done
			exec gcc-12 "${args[@]}"
		EOF
		chmod 0755 "$BIN/$cc"
	fi
}

# unpack KVER APT_OPTS... -- PACKAGE...: download PACKAGEs and unpack them into ROOT.
unpack() {
	local kver=$1 opts=() deb
	shift
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	if [[ -f $DIR/$kver.done ]]; then
		echo "kernels.sh: $kver is already prepared"
		return
	fi
	rm -rf "$DIR/debs"
	mkdir -p "$DIR/debs" "$ROOT"
	# apt's sandbox user cannot write into a root-only build directory.
	chmod 0755 "$DIR/debs"
	(cd "$DIR/debs" && apt-get "${opts[@]}" -q download "$@" >/dev/null 2>&1) ||
		(cd "$DIR/debs" && apt-get "${opts[@]}" -q download "$@")
	for deb in "$DIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$ROOT"
	done
	rm -rf "$DIR/debs"
	fix_up "$kver"
	runnable "$kver" "${opts[@]}"
	touch "$DIR/$kver.done"
	echo "kernels.sh: prepared $kver"
}

# fix_up KVER: make the unpacked kernel look installed, inside ROOT.
fix_up() {
	local kver=$1 mod
	# Newer packages put everything under /usr/lib/modules/KVER (merged /usr) and the
	# image and config there too; the lab looks in ROOT/lib/modules and ROOT/boot.
	if [[ -d $ROOT/usr/lib/modules/$kver && ! -e $ROOT/lib/modules/$kver ]]; then
		mkdir -p "$ROOT/lib/modules"
		ln -s "../../usr/lib/modules/$kver" "$ROOT/lib/modules/$kver"
	fi
	mod=$ROOT/lib/modules/$kver
	mkdir -p "$ROOT/boot"
	[[ -e $ROOT/boot/vmlinuz-$kver ]] || ln -s "../lib/modules/$kver/vmlinuz" "$ROOT/boot/vmlinuz-$kver"
	[[ -e $ROOT/boot/config-$kver ]] || ln -s "../lib/modules/$kver/config" "$ROOT/boot/config-$kver"
	[[ -f $ROOT/boot/vmlinuz-$kver && -f $ROOT/boot/config-$kver ]] || die "$kver: no image or config unpacked"
	# The headers' Makefiles name each other by absolute path: point them into ROOT.
	sed -i "s| /usr/src/| $ROOT/usr/src/|g; s|=/usr/src/|=$ROOT/usr/src/|g" \
		"$ROOT/usr/src/linux-headers-$kver/Makefile"
	[[ -e $ROOT/usr/src/linux-headers-$kver/scripts/Makefile.build ]] || die "$kver: kbuild's scripts are missing"
	# modules.dep for modprobe -d ROOT (tests/vm/mkinitramfs.sh); dpkg's postinst
	# would have made it.
	depmod -b "$ROOT" "$kver"
	[[ -f $mod/modules.dep ]] || die "$kver: depmod made no modules.dep"
}

prepare_cloud() {
	local kver img hdr
	img=$(depends -- linux-image-cloud-amd64 'linux-image-[0-9].*-cloud-amd64')
	hdr=$(depends -- "linux-headers-${img#linux-image-}" 'linux-headers-.*-common')
	kver=${img#linux-image-}
	unpack "$kver" -- "$img" "linux-headers-$kver" "$hdr" \
		"$(depends -- "linux-headers-$kver" 'linux-kbuild-.*')"
}

prepare_unstable() {
	local kver img
	sid_apt_setup
	img=$(depends "${SID_APT[@]}" -- linux-image-amd64 'linux-image-[0-9].*-amd64')
	kver=${img#linux-image-}
	# Since 7.x the image is split: linux-binary (vmlinuz), linux-modules, linux-base
	# (config); ask for whichever of them the package depends on.
	local pkgs=("$img") p deps
	deps=$(apt-cache "${SID_APT[@]}" depends "$img")
	for p in linux-binary linux-modules linux-base; do
		if grep -qxF "  Depends: $p-$kver" <<<"$deps"; then
			pkgs+=("$p-$kver")
		fi
	done
	pkgs+=("linux-headers-$kver"
		"$(depends "${SID_APT[@]}" -- "linux-headers-$kver" 'linux-headers-.*-common')"
		"$(depends "${SID_APT[@]}" -- "linux-headers-$kver" 'linux-kbuild-.*')")
	unpack "$kver" "${SID_APT[@]}" -- "${pkgs[@]}"
}

case ${1:-} in
prepare)
	((EUID == 0)) || die "prepare needs root (apt-get download, depmod)"
	for k in $EXTRA_KERNELS; do
		case $k in
		cloud) prepare_cloud ;;
		unstable) prepare_unstable ;;
		*) die "unknown kernel '$k' in EXTRA_KERNELS (cloud, unstable)" ;;
		esac
	done
	;;
list)
	for f in "$DIR"/*.done; do
		[[ -e $f ]] && basename "$f" .done
	done | sort -V
	;;
kdir)
	echo "$ROOT/usr/src/linux-headers-${2:?usage: kernels.sh kdir KVER}"
	;;
bin)
	echo "$BIN"
	;;
*)
	sed -n '4,6s/^# //p' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
