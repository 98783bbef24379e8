#!/bin/bash
# Harness self-test: a guest kernel panic must fail the test, not hang it.
# expect: guest kernel panic
echo c >/proc/sysrq-trigger
