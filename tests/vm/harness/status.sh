#!/bin/bash
# Harness self-test: a failing command must fail the test (bash -e), with its status.
# expect: exit status 3
false || (exit 3)
echo "not reached: the guest does not run tests with set -e"
