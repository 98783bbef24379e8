#!/bin/bash
# Harness self-test: a write to a slab object after it was freed must fail the
# test. SLUB's poisoning (slub_debug, one of the memory-safety nets
# tests/vm/run.sh boots every test with) catches it when the module frees the slab.
# module: debug
# expect: a memory-safety net caught a memory error
modprobe wgrelay
mount -t debugfs debugfs /sys/kernel/debug
echo uaf >/sys/kernel/debug/wgrelay/fault
