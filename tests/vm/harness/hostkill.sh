#!/bin/bash
# Harness self-test: a guest that stops answering (here: init waits forever, because
# the guest-side timeout's watcher process is stopped) must be killed by the host.
# expect: timed out after
# timeout: 10
kill -STOP "$(pidof timeout)"
sleep 1000
