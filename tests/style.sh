#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: what "make style" runs. The kernel's checkpatch.pl over the module
# (CHECKPATCH=path, else the one in a kernel tree or headers package if there is
# one), and shellcheck over our shell scripts. Exits non-zero on any complaint.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
rc=0

checkpatch=${CHECKPATCH:-$(ls /usr/src/linux-*/scripts/checkpatch.pl /lib/modules/*/build/scripts/checkpatch.pl 2>/dev/null | head -1)}
if [[ -x $checkpatch ]]; then
	"$checkpatch" --no-tree --terse --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f module/*.c module/*.h include/uapi/linux/*.h || rc=1
else
	echo "style.sh: no checkpatch.pl found (set CHECKPATCH=); skipping the module" >&2
fi

if command -v shellcheck >/dev/null; then
	mapfile -t scripts < <(grep -rlE '^#!/bin/(ba)?sh' scripts tests .ci bench 2>/dev/null | grep -v '/out/')
	# The tests source their libraries by computed paths shellcheck cannot follow
	# (SC1091), so it cannot see which variables those set and use (SC2034, SC2154).
	shellcheck -S warning -x -e SC1091,SC2034,SC2154 "${scripts[@]}" || rc=1
else
	echo "style.sh: shellcheck is not installed; skipping the shell scripts" >&2
	rc=1
fi
exit "$rc"
