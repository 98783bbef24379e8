#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module and device lifecycle: explicit load, autoload by "ip link add", many
# devices, a device in a namespace that is deleted, unload with devices still
# present, reload. The guest's init then checks dmesg and that the module unloads.
#
# The argument is the link kind (default wgrelay); "wireguard" exercises the same
# steps on the stock module, to check the harness itself.
#
# timeout: 180

. "$(dirname "$0")/../lib/common.sh"

kind=${1:-wgrelay}
mod=$kind

count_links() { # [NS]: number of devices of our kind
	ip ${1:+-n "$1"} -o link show type "$kind" | wc -l
}
unload() {
	local i
	for ((i = 0; i < 50; i++)); do
		rmmod "$mod" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "rmmod $mod still fails after 10 s: $(rmmod "$mod" 2>&1), refcnt $(cat /sys/module/"$mod"/refcnt)"
}

step "explicit load and unload"
modprobe "$mod"
assert_ok module_loaded "$mod"
unload
assert_fails module_loaded "$mod"

step "ip link add autoloads the module"
ip link add relay0 type "$kind"
assert_ok module_loaded "$mod"
ip -d link show relay0 | tee "$TMP/link"
assert_match "$kind" "$(cat "$TMP/link")" "ip -d link show relay0"
if [[ $kind == wgrelay ]]; then
	# DESIGN 3: up opens the sockets on the listen port (default 51820), down closes them.
	ip link set relay0 up
	wait_for 5 listening "" udp 51820
	ip link set relay0 down
	assert_fails listening "" udp 51820
fi
ip link del relay0
assert_eq 0 "$(count_links)" "devices after ip link del"

step "50 devices"
for i in $(seq 1 50); do
	ip link add "relay$i" type "$kind"
done
assert_eq 50 "$(count_links)" "devices created"
# Only one: all would listen on the default port, and a second one up is EADDRINUSE.
ip link set relay1 up
for i in $(seq 1 50); do
	ip link del "relay$i"
done
assert_eq 0 "$(count_links)" "devices after deleting them all"

step "a device in a namespace that is deleted"
ns_add relayns
ip -n relayns link add relay0 type "$kind"
ip -n relayns link set relay0 up
assert_eq 1 "$(count_links relayns)" "devices in relayns"
ip netns del relayns
unload
modprobe "$mod"

step "unload with devices present removes them"
ns_add relayns2
for i in 1 2 3 4 5; do
	ip link add "relay$i" type "$kind"
done
ip link set relay1 up
ip -n relayns2 link add relay0 type "$kind"
ip -n relayns2 link set relay0 up
assert_eq 5 "$(count_links)" "devices before rmmod"
unload
assert_fails module_loaded "$mod"
assert_eq 0 "$(count_links)" "devices after rmmod"
assert_eq 0 "$(count_links relayns2)" "devices in relayns2 after rmmod"

step "reload and use again"
modprobe "$mod"
ip link add relay0 type "$kind"
ip link set relay0 up
ip link del relay0
unload
log "lifecycle of $kind done"
