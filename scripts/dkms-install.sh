#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-install.sh [VERSION]          register, build and install wgrelay with DKMS
# dkms-install.sh --stage DIR        only copy the DKMS source tree into DIR
#
# The source tree is what dkms.conf expects at its root: Kbuild, module/, include/.
# DKMS then rebuilds the module for every kernel Debian installs (AUTOINSTALL).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# stage DIR: copy the module's sources and dkms.conf into DIR.
stage() {
	mkdir -p "$1"
	cp "$TOP/Kbuild" "$TOP/dkms.conf" "$1/"
	cp -r "$TOP/module" "$TOP/include" "$1/"
	find "$1" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \) -delete
}

conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")

if [[ ${1:-} == --stage ]]; then
	stage "${2:?usage: dkms-install.sh --stage DIR}"
	exit 0
fi

version=${1:-$conf_version}
if [[ $version != "$conf_version" ]]; then
	echo "dkms-install.sh: version $version does not match dkms.conf's $conf_version" >&2
	exit 1
fi

src=/usr/src/wgrelay-$version
if [[ -n $(dkms status -m wgrelay -v "$version") ]]; then
	dkms remove -m wgrelay -v "$version" --all
fi
rm -rf "$src"
stage "$src"
dkms add -m wgrelay -v "$version"
dkms build -m wgrelay -v "$version"
dkms install -m wgrelay -v "$version"
