#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The relay device as the rest of the system sees it: sysfs, /proc/net/wgrelay and
# who may read them, `ip -s link`, IP packets routed into it (dropped and counted),
# two relays on one port, a relay that must stay in its namespace, and namespaces
# deleted with live relays inside. relayctl itself is t-relayctl.sh.
#
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"

ns_add r other
r() { n r "$@"; }
nobody() { r su -s /usr/bin/bash nobody -c "$(printf '%q ' "$@")"; }

SYS=/sys/class/net/relay0/wgrelay
sys() { r cat "$SYS/$1"; }

# link_stat DEV rx|tx FIELD: a counter of DEV from `ip -s -j link` (no jq here).
link_stat() {
	r ip -s -j link show "$1" | grep -o "\"$2\":{[^}]*}" | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# send_garbage NS ADDR PORT N: N datagrams that are no WireGuard message.
send_garbage() {
	local i
	for ((i = 0; i < $4; i++)); do
		echo "not wireguard $i" | n "$1" socat -u - "UDP-SENDTO:$2:$3"
	done
}

step "sysfs: every setting and counter, read only"
r ip link add relay0 type wgrelay
# No IPv6 on the device: nothing but the test's own packets is routed into it.
r sysctl -qw net.ipv6.conf.relay0.disable_ipv6=1
r relayctl set relay0 listen-port 4100 session-timeout 61 binding-timeout 62 max-sessions 63 \
	discovery-fanout 4 roaming off fast-path off peer "$(key 1)" name a peer "$(key 2)" name b
r ls "$SYS" | tee "$TMP/files"
# Nine settings and sizes, and one file per counter of the uapi's list.
assert_eq $((9 + $(r relayctl show relay0 stats | wc -l))) "$(wc -l <"$TMP/files")" "files in $SYS"
assert_eq 51 "$(wc -l <"$TMP/files")" "files in $SYS (42 counters)"
for f in $(cat "$TMP/files"); do
	v=$(sys "$f")
	assert_match '^[0-9]+$' "$v" "$SYS/$f"
	assert_eq "-r--r--r--" "$(r stat -c %A "$SYS/$f")" "mode of $SYS/$f"
	assert_fails r sh -c "echo 1 >$SYS/$f" 2>/dev/null
done
assert_eq "4100 61 62 63 4 0 0 2 0" "$(for f in listen_port session_timeout binding_timeout \
	max_sessions discovery_fanout roaming fast_path peers sessions; do sys $f; done | xargs)" "settings in sysfs"
# Every counter relayctl shows has its file, with the same value.
r relayctl show relay0 stats | while read -r name value; do
	assert_eq "$value" "$(sys "$name")" "sysfs $name"
done
# Counters and settings are no secret: anyone may read them.
assert_eq 4100 "$(nobody cat "$SYS/listen_port")" "listen_port read by nobody"

step "/proc/net/wgrelay: root only"
r cat /proc/net/wgrelay | tee "$TMP/proc"
assert_eq "device index owner counterpart endpoint state idle counter packets bytes" \
	"$(cat "$TMP/proc")" "/proc/net/wgrelay without sessions"
assert_eq "-r--------" "$(r stat -c %A /proc/net/wgrelay)" "mode of /proc/net/wgrelay"
if err=$(nobody cat /proc/net/wgrelay 2>&1); then
	fail "nobody read /proc/net/wgrelay: $err"
fi
assert_match "Permission denied" "$err" "nobody reading /proc/net/wgrelay"
# Each namespace has its own file, listing its own relays only.
assert_eq 1 "$(n other cat /proc/net/wgrelay | wc -l)" "lines of another namespace's file"

step "ip -s link: datagrams received, IP packets routed into relay0 dropped and counted"
r ip link set relay0 up
wait_for 5 listening r udp 4100
r ip addr add 10.77.0.1/24 dev relay0
send_garbage r 127.0.0.1 4100 5
send_garbage r "[::1]" 4100 2
wait_for 5 test "$(sys rx_invalid)" = 7
assert_fails r ping -c 3 -i 0.2 -W 1 -q 10.77.0.2
r ip -s link show relay0
assert_eq 3 "$(sys dev_xmit_drops)" "dev_xmit_drops in sysfs"
assert_eq 3 "$(link_stat relay0 tx dropped)" "TX dropped in ip -s link"
assert_eq 0 "$(link_stat relay0 tx packets)" "TX packets in ip -s link"
assert_eq 7 "$(sys rx_packets)" "rx_packets in sysfs"
assert_eq 7 "$(link_stat relay0 rx packets)" "RX packets in ip -s link"
assert_eq 7 "$(link_stat relay0 rx dropped)" "RX dropped in ip -s link"
assert_eq "$(sys rx_bytes)" "$(link_stat relay0 rx bytes)" "RX bytes"
r relayctl show relay0 stats | grep -q '^dev_xmit_drops	3$'

step "two relays cannot share a port"
r ip link add relay1 type wgrelay
r relayctl set relay1 listen-port 4100
if err=$(r ip link set relay1 up 2>&1); then
	fail "relay1 came up on relay0's port"
fi
assert_match "Address already in use" "$err" "ip link set relay1 up"
assert_fails r sh -c "ip link show relay1 | grep -q ',UP'"
r ip link show relay0 | grep -q ',UP'
listening r udp 4100
# Setting the port a relay already has is no change, up or not.
r relayctl set relay0 listen-port 4100 session-timeout 99
assert_eq 99 "$(sys session_timeout)" "session_timeout"
# Moving the port of a relay that is up: the new one must be free, the old one is let go.
r ip link set relay1 down
r relayctl set relay1 listen-port 4101
r ip link set relay1 up
if err=$(r relayctl set relay1 listen-port 4100 2>&1); then
	fail "relay1 moved to relay0's port"
fi
assert_match "Address already in use: wgrelay: listen port is already in use" "$err" "set listen-port"
assert_eq 4101 "$(r cat /sys/class/net/relay1/wgrelay/listen_port)" "relay1's port after the failed set"
listening r udp 4101
r relayctl set relay0 listen-port 4102
wait_for 5 listening r udp 4102
assert_fails listening r udp 4100
r relayctl set relay1 listen-port 4100
wait_for 5 listening r udp 4100
assert_fails listening r udp 4101
# Another namespace has ports of its own.
n other ip link add relay0 type wgrelay
n other relayctl set relay0 listen-port 4100
n other ip link set relay0 up
listening other udp 4100

step "a relay stays in its namespace"
if err=$(r ip link set relay0 netns other 2>&1); then
	fail "relay0 moved to another namespace"
fi
log "ip link set relay0 netns other: $err"
r ip link show relay0 | grep -q ',UP'
assert_eq 2 "$(r relayctl show relay0 peers | wc -l)" "relay0's peers after the refused move"
n other ip link show relay0 | grep -q ',UP'	# the other namespace's own relay0, untouched
listening r udp 4102

step "deleting a namespace with live relays inside"
for round in 1 2 3; do
	ip netns add doomed
	n doomed ip link set lo up
	n doomed ip link add relay0 type wgrelay
	n doomed ip link add relay1 type wgrelay
	{
		echo "[Relay]"
		echo "ListenPort = 4200"
		for ((i = 1; i <= 500; i++)); do
			printf '[Peer]\nPublicKey = %042dA=\nName = p%d\n' "$i" "$i"
		done
	} >"$TMP/doomed.conf"
	n doomed relayctl setconf relay0 "$TMP/doomed.conf"
	n doomed relayctl set relay1 listen-port 4201 peer "$(key 1)"
	n doomed ip link set relay0 up
	n doomed ip link set relay1 up
	n doomed ip addr add 10.78.0.1/24 dev relay0
	send_garbage doomed 127.0.0.1 4200 3
	wait_for 5 test "$(n doomed cat /sys/class/net/relay0/wgrelay/rx_invalid)" = 3
	# A reader of /proc/net/wgrelay and a sender into the device while it goes:
	# inside before the namespace is deleted, so they keep it alive until they end.
	rm -f "$TMP/reader" "$TMP/sender"
	n doomed bash -c 'touch "$1"; for i in $(seq 50); do cat /proc/net/wgrelay; done' \
		- "$TMP/reader" >/dev/null &
	reader=$!
	n doomed bash -c 'touch "$1"; exec ping -q -c 20 -i 0.01 10.78.0.2' \
		- "$TMP/sender" >/dev/null 2>&1 &
	sender=$!
	wait_for 10 test -e "$TMP/reader" -a -e "$TMP/sender"
	ip netns del doomed
	wait "$reader" || fail "reading /proc/net/wgrelay in a namespace being deleted failed"
	wait "$sender" || true	# nothing answers
done
# The namespaces die in the background. Removing the module waits for that
# (rtnl_link_unregister() waits for namespaces being cleaned up) and then for every
# relay to be freed: a reference left behind would hang it here.
for ns in r other; do
	ip netns del "$ns"
done
NAMESPACES=()
timeout 60 rmmod wgrelay || fail "rmmod wgrelay failed or hung (status $?)"
assert_fails module_loaded wgrelay
if dmesg | grep -E 'unregister_netdevice: waiting|WARNING:|BUG:|Call Trace'; then
	fail "the kernel log has complaints"
fi
# And it comes back as new.
modprobe wgrelay
ns_add again
n again ip link add relay0 type wgrelay
n again ip link set relay0 up
wait_for 5 listening again udp 51820

step "registration failing after the device is set up (its index is taken where it goes)"
ns_add taken
n taken ip link add d0 index 4242 type dummy
assert_fails ip link add relay9 netns taken index 4242 type wgrelay
assert_fails n taken ip link show relay9
n again ip link add relay9 index 4242 type wgrelay
n again ip link del relay9
log "device: all good"
