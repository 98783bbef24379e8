#!/bin/bash
# Harness self-test: on a kernel built with KASAN (make check-kasan: Debian's have
# none), a write one byte past the end of a slab object must fail the test, with
# KASAN's report, made as the write happens (SLUB's red zone sees it only when the
# object is freed, and not at all in a cache without the nets' flags). Not the
# write after free: that one lands on the link KASAN's quarantine keeps in the
# freed object, and the kernel then dies in kmem_cache_destroy().
# module: debug
# needs: CONFIG_KASAN
# expect: BUG: KASAN: slab-out-of-bounds
modprobe wgrelay
mount -t debugfs debugfs /sys/kernel/debug
echo redzone >/sys/kernel/debug/wgrelay/fault
