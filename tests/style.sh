#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh [KVER...]: what "make style" runs, and "make check" counts. Prints one
# PASS/FAIL line per check and exits non-zero on any complaint:
#  - the module builds with W=1 and sparse (C=2) without a single diagnostic, for
#    every given kernel (default: every installed one with headers);
#  - the kernel's checkpatch.pl over the module, when one is available
#    (CHECKPATCH=path, else one in a kernel tree or headers package);
#  - shellcheck over every shell script in scripts/, tests/, .ci/ and bench/.

set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
rc=0
pass() { echo "PASS: style: $*"; }
failed() { echo "FAIL: style: $*"; rc=1; }

kvers=("$@")
if ((${#kvers[@]} == 0)); then
	for d in /lib/modules/*/build; do
		[[ -e $d/Makefile ]] && kvers+=("$(basename "$(dirname "$d")")")
	done
fi
if ! command -v sparse >/dev/null; then
	failed "sparse is not installed (make deps)"
else
	for k in "${kvers[@]}"; do
		tmp=$(mktemp -d)
		mkdir -p "$tmp/module" "$tmp/include/uapi/linux"
		cp Kbuild "$tmp/" && cp module/*.[ch] "$tmp/module/" &&
			cp include/uapi/linux/wgrelay.h "$tmp/include/uapi/linux/"
		# What the compiler or sparse says is a finding; kbuild's own chatter is not.
		out=$(make -C "/lib/modules/$k/build" M="$tmp" W=1 C=2 modules 2>&1 |
			grep -Ev '^make|^  [A-Z]+ |Skipping BTF generation|^$')
		if [[ -z $out && -f $tmp/wgrelay.ko ]]; then
			pass "W=1 and sparse clean for $k"
		else
			printf '%s\n' "$out"
			failed "diagnostics building for $k"
		fi
		rm -rf "$tmp"
	done
fi

checkpatch=${CHECKPATCH:-$(ls /usr/src/linux-*/scripts/checkpatch.pl /lib/modules/*/build/scripts/checkpatch.pl 2>/dev/null | head -1)}
if [[ -x $checkpatch ]]; then
	if "$checkpatch" --no-tree --terse --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f module/*.c module/*.h include/uapi/linux/*.h; then
		pass "checkpatch"
	else
		failed "checkpatch"
	fi
else
	echo "style.sh: no checkpatch.pl found (set CHECKPATCH=); skipping it" >&2
fi

if command -v shellcheck >/dev/null; then
	# The scripts in the tree (git's list where there is one: not work in progress).
	if git rev-parse --git-dir >/dev/null 2>&1; then
		mapfile -t scripts < <(git ls-files -z scripts tests .ci bench debian |
			xargs -0 grep -lE '^#!/bin/(ba)?sh' 2>/dev/null)
	else
		mapfile -t scripts < <(grep -rlE '^#!/bin/(ba)?sh' scripts tests .ci bench debian 2>/dev/null |
			grep -v '/out/')
	fi
	# The tests source their libraries by computed paths shellcheck cannot follow
	# (SC1091), so it cannot see which variables those set and use (SC2034, SC2154).
	# The bash completion has no #! line: it is sourced by bash (SC2034: it sets
	# COMPREPLY and _init_completion's variables for bash-completion).
	if shellcheck -S warning -x -e SC1091,SC2034,SC2154 "${scripts[@]}" &&
		shellcheck -S warning -s bash -e SC2034 tools/completion/relayctl.bash; then
		pass "shellcheck (${#scripts[@]} scripts and the bash completion)"
	else
		failed "shellcheck"
	fi
else
	failed "shellcheck is not installed (make deps)"
fi
exit "$rc"
