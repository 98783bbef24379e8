#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compat.sh [KVER...]: compile-check the module (W=1, modpost against the tree's
# exports) against every kernel tree there is: the installed kernels' headers,
# the extra lab kernels and the compile-only trees of scripts/kernels.sh (make
# kernels; scripts/kernels.sh prepare-compat). A warning in the module's own
# sources fails the tree, as an error does. Prints one PASS:/FAIL: line per tree.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1

kvers=("$@")
if ((${#kvers[@]} == 0)); then
	mapfile -t kvers < <(
		for d in /lib/modules/*/build; do
			[[ -e $d/Makefile ]] && basename "$(dirname "$d")"
		done
		scripts/kernels.sh list
		scripts/kernels.sh list-compat
	)
fi

rc=0
for kver in "${kvers[@]}"; do
	kdir=/lib/modules/$kver/build
	[[ -e $kdir/Makefile ]] || kdir=$(scripts/kernels.sh kdir "$kver")
	build=build/compat/$kver
	log=$TOP/$build.log
	mkdir -p build/compat
	rm -rf "$build"
	start=$(date +%s)
	if PATH=$(scripts/kernels.sh bin):$PATH make --no-print-directory module \
		KVER="$kver" KDIR="$kdir" BUILD="$build" W=1 >"$log" 2>&1 &&
		! grep -E "^$TOP/$build/(module|include)/.*: (warning|error):" "$log"; then
		echo "PASS: compat: $kver ($(($(date +%s) - start)) s)"
	else
		grep -E '(warning|error):' "$log" | grep -v 'counted_by' | tail -20
		echo "FAIL: compat: $kver (log: ${log#"$TOP"/})"
		rc=1
	fi
done
exit "$rc"
