#!/bin/bash
# Harness self-test: a test that never ends must be killed and fail.
# expect: killed after
# timeout: 10
sleep 1000
