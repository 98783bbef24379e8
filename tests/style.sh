#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh [KVER...]: the module must build with W=1 and pass sparse (C=2) without a
# single diagnostic, for every given kernel (default: every installed one with
# headers). What "make style" runs; "make check" runs it too. Prints PASS/FAIL lines.

set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kvers=("$@")
if ((${#kvers[@]} == 0)); then
	for d in /lib/modules/*/build; do
		[[ -e $d/Makefile ]] && kvers+=("$(basename "$(dirname "$d")")")
	done
fi
command -v sparse >/dev/null || { echo "FAIL: style: sparse is not installed (make deps)"; exit 1; }

rc=0
for k in "${kvers[@]}"; do
	tmp=$(mktemp -d)
	mkdir -p "$tmp/module" "$tmp/include/uapi/linux"
	cp "$TOP/Kbuild" "$tmp/" && cp "$TOP"/module/*.[ch] "$tmp/module/" &&
		cp "$TOP/include/uapi/linux/wgrelay.h" "$tmp/include/uapi/linux/"
	# Everything the compiler or sparse says is a finding; kbuild's own chatter is not.
	out=$(make -C "/lib/modules/$k/build" M="$tmp" W=1 C=2 modules 2>&1 |
		grep -Ev '^make|^  [A-Z]+ |Skipping BTF generation|^$')
	if [[ -z $out && -f $tmp/wgrelay.ko ]]; then
		echo "PASS: style: W=1 and sparse clean for $k"
	else
		printf '%s\n' "$out"
		echo "FAIL: style: diagnostics building for $k"
		rc=1
	fi
	rm -rf "$tmp"
done
exit $rc
