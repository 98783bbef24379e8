#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the lab's test scripts, in the manner of WireGuard's tests/netns.sh.
# Source it from a script run by bash (never busybox sh: its applets, including a
# cut-down "ip", would shadow the real tools):
#
#   . "$(dirname "$0")/../lib/common.sh"
#
# Namespaces made with ns_add and processes started with bg are torn down by
# cleanup, which runs on exit. Add more teardown with at_exit "command".

set -eEuo pipefail

NAMESPACES=()
BG_PIDS=()
AT_EXIT=()
TMP=$(mktemp -d /tmp/wgr.XXXXXX)

# n NS CMD...: run CMD inside network namespace NS.
n() { ip netns exec "$1" "${@:2}"; }

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
step() { printf '\n### %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# When "set -e" stops a script, print the failing command and the call chain that
# led to it (innermost first), so that a log says more than "exit status 1".
on_err() {
	local rc=$? i where=
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		where+=" ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
	done
	# In a subshell ("$(...)", "<(...)") the caller decides whether it fails
	# the test: not a FAIL line, which run-all's summary would take for the cause.
	if ((BASH_SUBSHELL > 0)); then
		printf 'failed in a subshell: %s (status %s) at%s\n' "$BASH_COMMAND" "$rc" "$where" >&2
	else
		printf 'FAIL: %s (status %s) at%s\n' "$BASH_COMMAND" "$rc" "$where" >&2
	fi
}
trap on_err ERR

at_exit() { AT_EXIT+=("$1"); }

cleanup() {
	local rc=$? i
	set +eE
	trap - ERR
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${AT_EXIT[i]}" >/dev/null 2>&1
	done
	for i in "${BG_PIDS[@]}"; do
		kill "$i" 2>/dev/null
	done
	for i in "${BG_PIDS[@]}"; do
		wait "$i" 2>/dev/null
	done
	for ((i = ${#NAMESPACES[@]} - 1; i >= 0; i--)); do
		ip netns del "${NAMESPACES[i]}" 2>/dev/null
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

# ns_add NS...: create network namespaces with loopback up; cleanup deletes them.
ns_add() {
	local ns
	for ns; do
		ip netns add "$ns"
		NAMESPACES+=("$ns")
		n "$ns" ip link set lo up
	done
}

# bg NS CMD...: start CMD in NS in the background; cleanup kills it. Sets BG_PID.
bg() {
	# A command that cannot start would end quietly in the background, and a
	# test whose attack never ran could pass: fail now instead.
	command -v "$2" >/dev/null || fail "bg: no command $2"
	# Not through n(): a function would run in a subshell, and killing that would
	# leave the command running. "ip netns exec" execs it, so BG_PID is its PID.
	ip netns exec "$1" "${@:2}" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds; fail after
# SECONDS * 10 tries. A slow CMD (a ping that waits a second for its answer)
# makes that longer than SECONDS of wall time: each wait that succeeded late is
# reported with "wait_for overran", so that the logs show which bounds are
# really longer than they read, before they are made to count wall time.
wait_for() {
	local secs=$1 i start=$SECONDS took
	shift
	for ((i = 0; i < secs * 10; i++)); do
		if "$@" >/dev/null 2>&1; then
			took=$((SECONDS - start))
			if ((took > secs)); then
				printf 'wait_for overran: %s s for a %s s bound at %s: %s\n' \
					"$took" "$secs" "${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}" "$*" >&2
			fi
			return 0
		fi
		sleep 0.1
	done
	fail "timed out after ${secs} s (${i} tries, $((SECONDS - start)) s of wall time) waiting for: $*"
}

# tries N CMD...: run CMD until it succeeds, N times at most, for a check that
# waits on its own (a ping's -W): wait_for, which counts tries, would multiply
# that wait.
tries() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
	done
	fail "$n tries failed: $*"
}

# Assertions: each prints what was expected and what it got.
assert_eq() { # EXPECTED GOT [WHAT]
	[[ $2 == "$1" ]] || fail "${3:-value}: expected '$1', got '$2'"
}
assert_ne() { # UNEXPECTED GOT [WHAT]
	[[ $2 != "$1" ]] || fail "${3:-value}: expected anything but '$1'"
}
assert_match() { # REGEX TEXT [WHAT]
	[[ $2 =~ $1 ]] || fail "${3:-text}: expected a match for /$1/, got: $2"
}
assert_no_match() { # REGEX TEXT [WHAT]
	[[ ! $2 =~ $1 ]] || fail "${3:-text}: expected no match for /$1/, got: $2"
}
assert_empty_file() { # FILE [WHAT]
	[[ ! -s $1 ]] || fail "${2:-$1}: expected nothing, got: $(head -c 200 "$1")"
}
assert_ok() { # CMD...: CMD must succeed
	"$@" || fail "expected success: $* (status $?)"
}
assert_fails() { # CMD...: CMD must fail
	if "$@"; then fail "expected failure: $*"; fi
}

# listening NS tcp|udp PORT: is a socket bound to PORT in NS ("" for this namespace)?
listening() {
	local in=()
	[[ -z $1 ]] || in=(ip netns exec "$1")
	[[ -n $("${in[@]}" ss -Hl --"$2" -n "sport = :$3") ]]
}

# module_loaded NAME: is the module in /proc/modules?
module_loaded() { grep -q "^$1 " /proc/modules; }

# key I: a valid public key made from the number I (42 digits, a last character
# with zero low bits, '='), for peers that are only provisioned, never run.
key() { printf '%042dA=' "$1"; }

# debug_ctl NS DEV CMD [ARG]: a command to the debug build's test knob
# (module/debugfs.c) for relay DEV in NS; prints its result. "ip netns exec"
# mounts a fresh /sys, without debugfs: it is mounted in there.
debug_ctl() {
	n "$1" sh -c "mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
		echo '${*:2}' >/sys/kernel/debug/wgrelay/ctl && cat /sys/kernel/debug/wgrelay/ctl"
}
