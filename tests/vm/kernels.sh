#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh: the installed kernels the lab can use, oldest first, one a line:
# those with an image in /boot to boot and headers in /lib/modules/KVER/build to
# build the module against.

for d in /lib/modules/*/build; do
	k=$(basename "$(dirname "$d")")
	[[ -e $d/Makefile && -f /boot/vmlinuz-$k ]] && echo "$k"
done | sort -V
