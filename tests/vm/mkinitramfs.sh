#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUTDIR [OVERLAY]
#
# Build the initramfs the VM lab boots with Debian's kernel KVER, in two parts:
#
#   OUTDIR/base.cpio.gz  busybox, bash, iproute2, nft, wg, wireguard-go, iperf3, ...,
#                        their libraries and the stock kernel modules the lab needs.
#                        Slow to build, so it is cached: rebuilt only when its inputs
#                        (this script, the binaries, the kernel's modules) change.
#   OVERLAY              what changes from one edit to the next: build/KVER/wgrelay.ko
#                        (as /lib/modules/KVER/extra/wgrelay.ko), tools/relayctl and
#                        the tests/ scripts. Rebuilt on every call; it takes a moment.
#                        Default OUTDIR/overlay.cpio; give each concurrent run its own.
#
# The kernel unpacks concatenated cpio archives in order, so the runner boots
# "cat base.cpio.gz overlay.cpio" and files in the overlay win. The base's path
# is printed on standard output.
#
# EXTRA_MODULES and EXTRA_BINARIES (space separated) add stock modules and host
# programs (with their libraries; e.g. /usr/bin/perf for make bench) to the base; WGRELAY_KO picks
# another build of the module (e.g. build/KVER-debug/wgrelay.ko from make module-debug).
# RELAYCTL picks another relayctl (tests/deb.sh: the packaged /usr/sbin/relayctl).
# KROOT is where KVER's modules are, if not in / (an unpacked kernel of
# scripts/kernels.sh: KROOT/lib/modules/KVER).

set -euo pipefail

KVER=${1:?usage: mkinitramfs.sh KVER OUTDIR}
OUT=${2:?usage: mkinitramfs.sh KVER OUTDIR}
OVERLAY=${3:-$OUT/overlay.cpio}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODDIR=/lib/modules/$KVER
IMG_MODDIR=/usr$MODDIR
KROOT=${KROOT:-}
HOST_MODDIR=$KROOT$MODDIR

BINARIES=(
	/usr/bin/bash /usr/sbin/ip /usr/sbin/tc /usr/bin/ss /usr/sbin/bridge
	/usr/sbin/nft /usr/sbin/conntrack /usr/bin/wg /usr/bin/wireguard-go
	/usr/bin/iperf3 /usr/bin/socat /usr/bin/ping /usr/bin/tcpdump /usr/bin/kmod
	/usr/sbin/ethtool # checksums computed in software (t-fastpath)
	/usr/sbin/keepalived # docs/recipes/high-availability.md (t-recipe-ha)
	/usr/bin/wg-quick /usr/sbin/nginx /usr/bin/curl # docs/recipes (t-recipe-*)
)
# relayctl's libraries, so that only relayctl itself has to go in the overlay.
LIBRARIES=(libnl-3.so.200 libnl-genl-3.so.200 libnl-route-3.so.200)
MODULES=(
	veth bridge tun dummy wireguard udp_tunnel ip6_udp_tunnel
	nf_tables nft_chain_nat nft_nat nft_masq nft_ct nf_conntrack_netlink
	nft_reject_inet nft_limit sch_netem virtio_rng
	nft_fib_ipv4 # wg-quick's rules for AllowedIPs = 0.0.0.0/0 (t-recipe-exit)
	br_netfilter # a bridge that runs the IP hooks (t-fastpath-bridge)
)
read -ra extra <<<"${EXTRA_MODULES:-}"
MODULES+=("${extra[@]}")
read -ra extra <<<"${EXTRA_BINARIES:-}"
BINARIES+=("${extra[@]}")

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

[[ -d $HOST_MODDIR/kernel ]] || die "no modules for kernel $KVER in $HOST_MODDIR"
for b in "${BINARIES[@]}" /bin/busybox; do
	[[ -x $b ]] || die "$b is missing (run scripts/deps.sh)"
done
mkdir -p "$OUT"

# The image is merged-/usr: /lib, /lib64, /bin and /sbin are symlinks into /usr.
# Files are stored under their /usr path, because an archive entry for "lib" itself
# (a directory) would replace the base's symlink when the overlay is unpacked.
usr_path() {
	case $1 in
	/lib/* | /lib64/* | /bin/* | /sbin/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}

# copy_with_libs ROOT FILE [DEST]: copy FILE to ROOT/DEST (default: its own path)
# and every library ldd says it needs (ldd lists them recursively).
copy_with_libs() {
	local root=$1 f=$2 dest lib
	dest=$(usr_path "${3:-$2}")
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		dest=$(usr_path "$lib")
		[[ -e $root$dest ]] || { mkdir -p "$root$(dirname "$dest")"; cp -L "$lib" "$root$dest"; }
	done
}

# modprobe --show-depends prints the chain in load order: "insmod PATH" or "builtin NAME".
module_files() {
	local m deps
	for m in "${MODULES[@]}"; do
		deps=$(modprobe ${KROOT:+-d "$KROOT"} -S "$KVER" --show-depends "$m") || die "module $m not found for $KVER"
		awk '$1 == "insmod" { print $2 }' <<<"$deps"
	done | sort -u
}

make_cpio() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet); }

build_base() {
	local root=$1 f rel applet lib
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,dev,proc,sys,run,tmp,etc,root,var}
	ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
	ln -s ../run "$root/var/run"

	# busybox first, so that the real tools copied next replace its applets.
	cp /bin/busybox "$root/usr/bin/busybox"
	for applet in $(/bin/busybox --list-full); do
		rel=usr/${applet#usr/}
		[[ -e $root/$rel || -L $root/$rel ]] || ln -s /usr/bin/busybox "$root/$rel"
	done
	for f in "${BINARIES[@]}"; do
		rm -f "$root$f"
		copy_with_libs "$root" "$f"
	done
	for applet in insmod rmmod modprobe depmod lsmod modinfo; do
		rm -f "$root/usr/sbin/$applet" "$root/usr/bin/$applet"
		ln -s /usr/bin/kmod "$root/usr/sbin/$applet"
	done
	for lib in "${LIBRARIES[@]}"; do
		# No early "exit" in awk: under pipefail, ldconfig dying of SIGPIPE would
		# fail the assignment and end the script without a word.
		f=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !f { f = $NF } END { print f }')
		[[ -n $f ]] || die "library $lib not found (run scripts/deps.sh)"
		copy_with_libs "$root" "$f"
	done

	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/false\ntcpdump:x:101:101::/:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\ntcpdump:x:101:\n' >"$root/etc/group"
	cp /etc/protocols /etc/services "$root/etc/"
	echo 'hosts: files' >"$root/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"

	# Modules, decompressed (6.12 ships .ko.xz); depmod runs in the guest at boot,
	# once the overlay has added wgrelay.ko.
	mkdir -p "$root$MODDIR"
	cp "$HOST_MODDIR"/modules.{order,builtin,builtin.modinfo} "$root$MODDIR/"
	for f in $(module_files); do
		rel=${f#"$HOST_MODDIR"/}
		mkdir -p "$root$MODDIR/$(dirname "$rel")"
		case $f in
		*.xz) xz -dc "$f" >"$root$MODDIR/${rel%.xz}" ;;
		*.zst) zstd -qdc "$f" >"$root$MODDIR/${rel%.zst}" ;;
		*) cp "$f" "$root$MODDIR/$rel" ;;
		esac
	done
	cp "$TOP/tests/vm/init" "$root/init"
	chmod 0755 "$root/init"
}

# The cache key: everything the base is made of.
base_key() {
	{
		echo "$KVER ${MODULES[*]} ${LIBRARIES[*]}"
		sha256sum "${BASH_SOURCE[0]}" "$TOP/tests/vm/init"
		stat -L -c '%n %s %Y' "${BINARIES[@]}" /bin/busybox "$HOST_MODDIR/modules.dep"
	} | sha256sum | cut -d' ' -f1
}

key=$(base_key)
# A base with extras has a name of its own, so that a run with them (make bench)
# and one without (make check) do not rebuild each other's.
base=$OUT/base.cpio.gz
if [[ -n ${EXTRA_MODULES:-}${EXTRA_BINARIES:-} ]]; then
	base=$OUT/base-$(printf '%s|%s' "${EXTRA_MODULES:-}" "${EXTRA_BINARIES:-}" | sha256sum | cut -c1-12).cpio.gz
fi
# Runs for the same kernel may start together: one builds, the others wait for it.
exec 9>"$OUT/base.lock"
flock 9
if [[ ! -s $base || $(cat "$base.key" 2>/dev/null) != "$key" ]]; then
	echo "mkinitramfs.sh: building the base initramfs for $KVER" >&2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	build_base "$tmp/root"
	make_cpio "$tmp/root" | gzip -1 >"$tmp/base.cpio.gz"
	# The kernel only looks for an uncompressed archive (the overlay) at a 4-byte
	# aligned offset; it skips the zero padding.
	truncate -s %512 "$tmp/base.cpio.gz"
	mv "$tmp/base.cpio.gz" "$base"
	echo "$key" >"$base.key"
	rm -rf "$tmp"
	trap - EXIT
fi
exec 9>&-

# The overlay: our module, relayctl and the tests, as they are right now.
ov=$(mktemp -d)
trap 'rm -rf "$ov"' EXIT
ko=${WGRELAY_KO:-$TOP/build/$KVER/wgrelay.ko}
if [[ -f $ko ]]; then
	mkdir -p "$ov$IMG_MODDIR/extra"
	# Without DWARF it is a tenth of the size; oops traces use kallsyms, not DWARF.
	strip --strip-debug -o "$ov$IMG_MODDIR/extra/wgrelay.ko" "$ko"
fi
relayctl=${RELAYCTL:-$TOP/tools/relayctl}
if [[ -x $relayctl ]]; then
	copy_with_libs "$ov" "$relayctl" /usr/sbin/relayctl
fi
# Helper binaries built on the host (tests/tools, bench/), if they were built.
for f in "$TOP"/build/tools/* "$TOP"/build/bench/*; do
	[[ -f $f ]] || continue
	mkdir -p "$ov/usr/bin"
	cp "$f" "$ov/usr/bin/"
done
mkdir -p "$ov/tests"
cp -r "$TOP/tests/lib" "$TOP/tests/vm" "$TOP/tests/demo" "$ov/tests/"
make_cpio "$ov" >"$OVERLAY"
# The caller boots "cat BASE OVERLAY": tell it which base.
echo "$base"
