#!/bin/bash
# Harness self-test: a write one byte past the end of a slab object must fail the
# test. SLUB's red zone (slub_debug, one of the memory-safety nets tests/vm/run.sh
# boots every test with) catches it when the module frees the object.
# module: debug
# expect: a memory-safety net caught a memory error
modprobe wgrelay
mount -t debugfs debugfs /sys/kernel/debug
echo redzone >/sys/kernel/debug/wgrelay/fault
