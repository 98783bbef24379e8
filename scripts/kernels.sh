#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh prepare         download and unpack the extra kernels of the VM lab
# kernels.sh prepare-compat  download and unpack the compile-only header trees
# kernels.sh list            print the prepared extra kernels, one KVER a line
# kernels.sh list-compat     print the prepared compile-only trees, one KVER a line
# kernels.sh kdir KVER       print the headers directory to build the module against
# kernels.sh bin             print the directory to put first in PATH for those builds
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
# COMPAT_KERNELS (default "jammy noble") are headers only, for make compat: Ubuntu
# 22.04's 5.15 and 24.04's 6.8 (their release pockets: 5.15.0-25, 6.8.0-31),
# unpacked into build/kernels/compat; Ubuntu's archive key comes from Debian's
# ubuntu-keyring package (unstable's), never from the network at large.
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
COMPAT=$DIR/compat
BIN=$DIR/bin
EXTRA_KERNELS=${EXTRA_KERNELS-cloud unstable}
COMPAT_KERNELS=${COMPAT_KERNELS-jammy noble}

die() { echo "kernels.sh: $*" >&2; exit 1; }

# apt_setup NAME URI SUITE KEYRING: an apt state of NAME's own, kept apart from the
# machine's, for SUITE at URI; its options in APT.
APT=()
apt_setup() {
	local d=$DIR/apt/$1
	APT=(-o "Dir::Etc::sourcelist=$d/$1.sources" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o APT::Get::List-Cleanup=0)
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	cat >"$d/$1.sources" <<-EOF
		Types: deb
		URIs: $2
		Suites: $3
		Components: main
		Architectures: amd64
		Signed-By: $4
	EOF
	apt-get "${APT[@]}" -q update >/dev/null
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

# download DEST APT_OPTS... -- PACKAGE...: PACKAGEs' .deb files into DEST (emptied).
download() {
	local dest=$1 opts=()
	shift
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	rm -rf "$dest"
	mkdir -p "$dest"
	# apt's sandbox user cannot write into a root-only build directory.
	chmod 0755 "$dest"
	(cd "$dest" && apt-get "${opts[@]}" -q download "$@" >/dev/null 2>&1) ||
		(cd "$dest" && apt-get "${opts[@]}" -q download "$@")
}

# runnable HDRS APT_OPTS...: make the kbuild programs and the compiler that the
# headers in HDRS name run here.
runnable() {
	local hdrs=$1 kbuild libc f cc
	shift
	kbuild=$(readlink -f "$hdrs/scripts/..")
	libc=$DIR/libc-$(basename "$hdrs")
	# Every kbuild program that asks for more of the C library than this one has.
	# (Their output in a variable, not piped to grep -q: with pipefail, a grep
	# that quits at its first match kills ldd with SIGPIPE, the pipe fails,
	# and a program that needs patching was skipped: modpost.real-lsb-64,
	# whose first line of ldd is the one that says so.)
	find "$kbuild" -type f -perm -u+x -print0 | while IFS= read -r -d '' f; do
		[[ $(file -b "$f") == ELF*dynamically\ linked* ]] || continue
		[[ $(ldd "$f" 2>&1 || true) == *"not found"* ]] || continue
		if [[ ! -d $libc ]]; then
			download "$DIR/debs" "$@" -- libc6
			dpkg-deb -x "$DIR"/debs/libc6_*.deb "$libc"
			rm -rf "$DIR/debs"
		fi
		patchelf --set-interpreter "$libc/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
			--set-rpath "$libc/usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" "$f"
	done
	# (ldd would still judge them by this machine's loader: run them instead.)
	# Debian's modpost is a wrapper that runs modpost.real-*: each of those too.
	for f in "$kbuild"/scripts/mod/modpost* "$kbuild"/tools/objtool/objtool; do
		[[ -x $f ]] || continue
		if [[ $("$f" --help 2>&1 || true) == *GLIBC_* ]]; then
			die "$hdrs: ${f#"$kbuild"/} cannot run here, even with its suite's libc6"
		fi
	done
	# A pahole older than the kernel's cannot make the module's BTF against the
	# headers' vmlinux (newer flags): without vmlinux, kbuild skips BTF, as for a
	# kernel whose headers ship none. The module loads without it.
	local want have
	want=$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$hdrs/.config")
	have=$(pahole --version 2>/dev/null | tr -dc 0-9)
	if [[ -f $hdrs/vmlinux ]] && ((${have:-0} < ${want:-0})); then
		mv "$hdrs/vmlinux" "$hdrs/vmlinux.for-pahole-$want"
	fi
	# The compiler the headers name: CC = ...(CROSS_COMPILE)gcc-16 in Debian's
	# .kernelvariables (CROSS_COMPILE is x86_64-linux-gnu- there), CC =
	# $(CROSS_COMPILE)gcc-13 in Ubuntu's Makefile (CROSS_COMPILE empty).
	cc=$(cat "$hdrs/Makefile" "$hdrs/.kernelvariables" 2>/dev/null |
		sed -n 's/^CC[[:space:]]*=.*(CROSS_COMPILE)\(gcc-[0-9]*\)$/\1/p' | tail -1 || true)
	[[ -n $cc ]] || return 0
	for cc in "$cc" "x86_64-linux-gnu-$cc"; do
		command -v "$cc" >/dev/null && continue
		[[ -x $BIN/$cc ]] && continue
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
	done
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
	download "$DIR/debs" "${opts[@]}" -- "$@"
	mkdir -p "$ROOT"
	for deb in "$DIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$ROOT"
	done
	rm -rf "$DIR/debs"
	fix_up "$kver"
	runnable "$ROOT/usr/src/linux-headers-$kver" "${opts[@]}"
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
	apt_setup unstable http://deb.debian.org/debian unstable /usr/share/keyrings/debian-archive-keyring.gpg
	img=$(depends "${APT[@]}" -- linux-image-amd64 'linux-image-[0-9].*-amd64')
	kver=${img#linux-image-}
	# Since 7.x the image is split: linux-binary (vmlinuz), linux-modules, linux-base
	# (config); ask for whichever of them the package depends on.
	local pkgs=("$img") p deps
	deps=$(apt-cache "${APT[@]}" depends "$img")
	for p in linux-binary linux-modules linux-base; do
		if grep -qxF "  Depends: $p-$kver" <<<"$deps"; then
			pkgs+=("$p-$kver")
		fi
	done
	pkgs+=("linux-headers-$kver"
		"$(depends "${APT[@]}" -- "linux-headers-$kver" 'linux-headers-.*-common')"
		"$(depends "${APT[@]}" -- "linux-headers-$kver" 'linux-kbuild-.*')")
	unpack "$kver" "${APT[@]}" -- "${pkgs[@]}"
}

# prepare_ubuntu SUITE: the generic headers of Ubuntu SUITE's release kernel, in COMPAT.
prepare_ubuntu() {
	local suite=$1 kr=$DIR/ubuntu-keyring hdr kver
	if [[ ! -f $kr/usr/share/keyrings/ubuntu-archive-keyring.gpg ]]; then
		apt_setup unstable http://deb.debian.org/debian unstable /usr/share/keyrings/debian-archive-keyring.gpg
		download "$DIR/debs" "${APT[@]}" -- ubuntu-keyring
		dpkg-deb -x "$DIR"/debs/ubuntu-keyring_*.deb "$kr"
		rm -rf "$DIR/debs"
	fi
	apt_setup "ubuntu-$suite" http://archive.ubuntu.com/ubuntu "$suite" \
		"$kr/usr/share/keyrings/ubuntu-archive-keyring.gpg"
	hdr=$(depends "${APT[@]}" -- linux-headers-generic 'linux-headers-[0-9].*-generic')
	kver=${hdr#linux-headers-}
	if [[ -f $DIR/compat-$kver.done ]]; then
		echo "kernels.sh: $kver (headers) is already prepared"
		return
	fi
	download "$DIR/debs" "${APT[@]}" -- "$hdr" \
		"$(depends "${APT[@]}" -- "$hdr" 'linux-headers-[0-9][^ ]*[0-9]')"
	mkdir -p "$COMPAT"
	for deb in "$DIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$COMPAT"
	done
	rm -rf "$DIR/debs"
	[[ -e $COMPAT/usr/src/$hdr/scripts/Makefile.build ]] || die "$kver: the headers are incomplete"
	runnable "$COMPAT/usr/src/$hdr" "${APT[@]}"
	touch "$DIR/compat-$kver.done"
	echo "kernels.sh: prepared $kver (headers)"
}

case ${1:-} in
prepare-compat)
	((EUID == 0)) || die "prepare-compat needs root (apt-get download)"
	for k in $COMPAT_KERNELS; do
		case $k in
		jammy | noble) prepare_ubuntu "$k" ;;
		*) die "unknown tree '$k' in COMPAT_KERNELS (jammy, noble)" ;;
		esac
	done
	;;
list-compat)
	for f in "$DIR"/compat-*.done; do
		[[ -e $f ]] && basename "$f" .done | sed 's/^compat-//'
	done | sort -V
	;;
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
		[[ -e $f && $f != */compat-* ]] && basename "$f" .done
	done | sort -V
	;;
kdir)
	kver=${2:?usage: kernels.sh kdir KVER}
	if [[ -f $DIR/compat-$kver.done ]]; then
		echo "$COMPAT/usr/src/linux-headers-$kver"
	else
		echo "$ROOT/usr/src/linux-headers-$kver"
	fi
	;;
bin)
	echo "$BIN"
	;;
*)
	sed -n '4,9s/^# //p' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
