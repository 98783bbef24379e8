#!/bin/bash
# Harness self-test: a test that passes but leaves a warning in the kernel log
# must fail. (Writing to /dev/kmsg stands in for a real WARN(); the check reads the
# log as text either way.)
# expect: the kernel log has warnings
echo "WARNING: CPU: 0 PID: 1 at harness/warning.sh: planted by the harness self-test" >/dev/kmsg
