#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh PART [ARGS...]: run one part of the benchmark (bench/guest/PART.sh, which
# bench/run.sh copies into the guest as /usr/bin/bench-PART.sh). Not a test: make
# bench runs it, make check does not.
#
# timeout: 600

exec bash -e ${BENCH_TRACE:+-x} "/usr/bin/bench-$1.sh" "${@:2}"
