#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing wgrelay needs on Debian 12. Idempotent, and fast
# when everything is already present: apt is only run for packages dpkg does not
# report as installed.

set -euo pipefail

PACKAGES=(
	# The two kernels the module is tested against, with headers to build for them.
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# Building the module, relayctl and the unit tests.
	make gcc bc pkg-config kmod dkms shellcheck sparse
	libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libcmocka-dev
	# The user-space fuzzers (tests/fuzz): clang and its libFuzzer and sanitizer runtimes.
	clang libclang-rt-14-dev
	# The VM lab and what runs inside it.
	qemu-system-x86 busybox-static cpio xz-utils
	iproute2 iputils-ping nftables conntrack socat tcpdump iperf3 ethtool
	wireguard-tools wireguard-go
	# The high-availability recipe's floating address (tests/vm/t-recipe-ha.sh).
	keepalived
	# The ingress recipe's tests (docs/recipes): a reverse proxy and a client.
	nginx curl
	# The Debian packages (make deb, tests/deb.sh) and their check.
	debhelper dh-dkms dpkg-dev fakeroot lintian bash-completion man-db
	# The extra lab kernels (scripts/kernels.sh): unstable's kbuild programs run
	# with unstable's libc6, which patchelf points them at.
	patchelf file
	# Benchmark plots.
	gnuplot-nox
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID != 0)); then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# nginx and keepalived are here for their binaries, which the lab copies into
# its guests: their services must not start on this machine (nginx would take
# port 80). A policy-rc.d of our own says so while apt runs, unless the
# machine has one already.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
	printf '#!/bin/sh\n# scripts/deps.sh: no service starts while it installs\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
