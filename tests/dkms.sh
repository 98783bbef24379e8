#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh KVER...: build the module with DKMS, as a VPS would, for each kernel,
# in a throwaway source and DKMS tree so that the machine is left as it was.
# A kernel of scripts/kernels.sh (not installed, unpacked in build/kernels/root)
# is built against its unpacked headers (--kernelsourcedir).
# Prints one PASS:/FAIL: line per kernel; exits non-zero if any build failed.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
# dkms.conf is where the version is written; the Makefile reads it from there, and
# the Debian packages' version (debian/changelog) must be the same.
deb_version=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trees=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" --installtree "$tmp/install")
# No signing: it would create a key pair under /var/lib/dkms.
export sign_file=/nonexistent

rc=0
if [[ $version != "$deb_version" ]]; then
	echo "FAIL: dkms.conf's version '$version' differs from debian/changelog's '$deb_version'"
	rc=1
fi
"$TOP/scripts/dkms-install.sh" --stage "$tmp/src/wgrelay-$version"
mkdir -p "$tmp/dkms" "$tmp/install"
dkms add -m wgrelay -v "$version" "${trees[@]}" >"$tmp/add.log" 2>&1 || { cat "$tmp/add.log"; rc=1; }

for kver in "$@"; do
	log=$tmp/build-$kver.log
	extra=()
	kdir=$("$TOP/scripts/kernels.sh" kdir "$kver")
	if [[ ! -e /lib/modules/$kver/build && -d $kdir ]]; then
		extra=(--kernelsourcedir "$kdir")
	fi
	start=$(date +%s)
	if PATH=$("$TOP/scripts/kernels.sh" bin):$PATH \
		dkms build -m wgrelay -v "$version" -k "$kver" "${extra[@]}" "${trees[@]}" >"$log" 2>&1 &&
		ko=$(find "$tmp/dkms/wgrelay/$version/$kver" -name 'wgrelay.ko*' | awk 'NR == 1') && [[ -n $ko ]]; then
		echo "PASS: $kver dkms build (${ko#"$tmp"/}, $(($(date +%s) - start)) s)"
	else
		cat "$log"
		find "$tmp/dkms/wgrelay/$version/build" -name make.log -exec tail -30 {} \; 2>/dev/null
		echo "FAIL: $kver dkms build"
		rc=1
	fi
done
exit "$rc"
