#!/bin/bash
# Harness self-test: a read of a kmalloc object after it was freed must fail the
# test. KFENCE (one of the memory-safety nets tests/vm/run.sh boots every test
# with, on kernels that have it) catches it as the read happens: the module
# allocates until KFENCE guards one of its objects.
# module: debug
# needs: CONFIG_KFENCE
# expect: a memory-safety net caught a memory error
modprobe wgrelay
mount -t debugfs debugfs /sys/kernel/debug
echo kfence >/sys/kernel/debug/wgrelay/fault
