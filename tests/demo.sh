#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: what "make demo" runs. Installs what is missing, builds the module and
# relayctl for the demo's kernel, boots the lab VM and walks through the CGNAT
# problem and the relay (tests/demo/lab.sh) step by step.
#
# DEMO_KVER picks the kernel (default: the oldest installed with headers, 6.1).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"

scripts/deps.sh
kver=${DEMO_KVER:-$(tests/vm/kernels.sh | awk 'NR == 1')}
[[ -n $kver ]] || { echo "demo.sh: no kernel with image and headers installed" >&2; exit 1; }

make --no-print-directory module KVER="$kver" || { rm -f "build/$kver/wgrelay.ko"; echo "demo.sh: the module does not build" >&2; }
make --no-print-directory tool || echo "demo.sh: relayctl does not build; going on without it" >&2

echo "Booting the lab VM (kernel $kver, QEMU TCG)..."
exec tests/vm/run.sh "$kver" demo/lab.sh
