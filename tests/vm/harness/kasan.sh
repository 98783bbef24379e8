#!/bin/bash
# Harness self-test: on a kernel built with KASAN (make check-kasan: Debian's have
# none), a write to a slab object after it was freed must fail the test, with
# KASAN's report, made as the write happens (SLUB's poisoning sees it only when
# the slab is freed, and not at all in a cache without the nets' flags).
# module: debug
# needs: CONFIG_KASAN
# expect: BUG: KASAN: slab-use-after-free
modprobe wgrelay
mount -t debugfs debugfs /sys/kernel/debug
echo uaf >/sys/kernel/debug/wgrelay/fault
