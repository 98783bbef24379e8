#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Control operations racing the data path (issue 9, item 5). Home and the laptop
# (stock WireGuard behind their NATs) talk through relay0 (1,003 peers: 1,000
# provisioned only, and mallory, an insider with a static endpoint at the
# attacker's port 4444), both pinging the other ten times a second, while
# mallory makes confirmed pairs of its own (wgr-forge fill: handshakes through
# the relay all the time) and the laptop's WireGuard forgets home every few
# seconds (a fresh handshake each time). For CHURN_SECONDS (default 60), loops
# pinned to each of the two vCPUs run at once:
#
#   vCPU 0: relayctl set (settings, a peer removed and added back), relayctl
#           flush (sessions, bindings, all), ip link set relay0 down and up
#   vCPU 1: relayctl show (a dump of the 1,003 peers), relayctl show sessions
#           (a dump of the sessions), /proc/net/wgrelay, sysfs counters,
#           relayctl save
#
# What must hold: no complaint in the kernel log (the harness checks it), every
# loop ran, the device is configured as the last set left it, and once the loops
# stop the pair talks again; after relayctl down, the module's own objects are
# back to what they were before (tests/lib/leak.sh).
#
# slub-owners: kmalloc-*
# timeout: 600

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"
. "$(dirname "$0")/../lib/leak.sh"

SECS=${CHURN_SECONDS:-60} NPEERS=1000
ATTACKER4=198.51.100.66 MALLORY_PORT=4444
export WGRELAY_STATE_DIR=$TMP/state

cgnat_setup
off_prefix_host attacker "$ATTACKER4"
wg_keys home laptop mallory
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
relay_conf "$TMP/relay0.conf" home laptop mallory
for ((i = 1; i <= NPEERS; i++)); do
	printf '\n[Peer]\nPublicKey = %s\nName = p%d\n' "$(key "$i")" "$i"
done >>"$TMP/relay0.conf"
(($(nproc) >= 2)) || fail "the guest has $(nproc) CPU: the loops need two"

modprobe wgrelay
leak_setup

step "home and the laptop talk through relay0 ($((NPEERS + 3)) peers)"
n vps relayctl up "$TMP/relay0.conf"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
bg laptop ping -q -c 100000 -i 0.1 -W 1 "${WG_ADDR[home]}"
bg home ping -q -c 100000 -i 0.1 -W 1 "${WG_ADDR[laptop]}"
bg attacker wgr-forge fill "$VPS4" "$RELAY_PORT" $((SECS + 10)) 50 "$MALLORY_PORT" 8 \
	"${WG_PUB[mallory]}" "$(key 1)" "$(key 2)" "$(key 3)" "$(key 4)"
fill_pid=$BG_PID

# loop NAME CPU CMD...: run CMD over and over on CPU until $TMP/stop exists (and
# for at most SECS + 30 s), counting the runs in $TMP/NAME.runs; failures of CMD
# are expected (the device may be down) and counted in $TMP/NAME.failed.
loop() {
	local name=$1 cpu=$2 end=$((SECONDS + SECS + 30)) runs=0 failed=0
	shift 2
	# What this subshell starts runs on CPU too.
	taskset -pc "$cpu" "$BASHPID" >/dev/null
	while [[ ! -e $TMP/stop ]] && ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 || failed=$((failed + 1))
		runs=$((runs + 1))
	done
	echo "$runs" >"$TMP/$name.runs"
	echo "$failed" >"$TMP/$name.failed"
}

# The control operations, each a shell function run by loop.
set_settings() {
	local t=$((120 + RANDOM % 120))
	n vps relayctl set relay0 session-timeout "$t" max-sessions $((1000 + RANDOM % 1000)) \
		discovery-fanout $((1 + RANDOM % 8))
}
peer_out_in() {
	local p
	p=$(key $((1 + RANDOM % NPEERS)))
	n vps relayctl set relay0 peer "$p" remove
	n vps relayctl set relay0 peer "$p"
}
flush_some() {
	local what=(sessions bindings all)
	n vps relayctl flush relay0 "${what[RANDOM % 3]}"
	sleep 0.5
}
down_up() {
	n vps ip link set relay0 down
	sleep 0.2
	n vps ip link set relay0 up
	sleep 1
}
dump_peers() { n vps relayctl show relay0 >/dev/null; }
dump_sessions() { n vps relayctl show relay0 sessions >/dev/null; }
read_files() {
	n vps cat /proc/net/wgrelay /sys/class/net/relay0/wgrelay/sessions \
		/sys/class/net/relay0/statistics/rx_packets >/dev/null
}
save_state() { n vps relayctl save relay0; }
forget_home() { # the laptop's WireGuard starts over with home: a fresh handshake
	n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[home]}" remove
	wg_mesh_peer laptop home "$RELAY_EP"
	sleep 3
}

step "$SECS s of set, flush, dumps, down/up on both vCPUs, with the pair talking"
loops=(set_settings:0 peer_out_in:0 flush_some:0 down_up:0 forget_home:0
	dump_peers:1 dump_sessions:1 read_files:1 save_state:1)
pids=()
for l in "${loops[@]}"; do
	loop "${l%:*}" "${l#*:}" "${l%:*}" &
	pids+=($!)
done
sleep "$SECS"
touch "$TMP/stop"
for p in "${pids[@]}"; do
	wait "$p"
done
wait "$fill_pid" || true
for l in "${loops[@]}"; do
	name=${l%:*}
	runs=$(cat "$TMP/$name.runs")
	log "$name (vCPU ${l#*:}): $runs runs, $(cat "$TMP/$name.failed") failed"
	((runs >= 1)) || fail "$name never ran"
done
measure churn_concurrent_seconds "$SECS"

step "the loops stopped: the relay is whole, and the pair talks again"
n vps ip link set relay0 up
n vps relayctl set relay0 session-timeout 180 max-sessions 4000 discovery-fanout 3
assert_eq 180 "$(relay_stat session_timeout)" "session_timeout"
assert_eq 4000 "$(relay_stat max_sessions)" "max_sessions"
assert_eq 3 "$(relay_stat discovery_fanout)" "discovery_fanout"
assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers"
pair_works laptop home
n vps relayctl show relay0 sessions >/dev/null
log "$(relay_stat sessions) sessions; $(trust_counters)"

step "relayctl down: the module's objects back to the baseline"
n vps relayctl down relay0 >/dev/null
settle "relayctl down"
log "at the end: $(module_objects) objects of the module; $(slab_line); $(mem_line)"
