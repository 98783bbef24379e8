#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn of every lifetime under traffic (issue 9, item 5), in one boot and one lab:
# the four parts share the relay, the pair and the attacker, which take a third of
# a run to set up.
#
# relay0 on the vps has 1,003 peers (1,000 provisioned only, so that a dump takes
# many messages and a handshake scan many steps; home, the laptop, and mallory, an
# insider with a static endpoint at the attacker's port 4444). Throughout:
#
#  - home and the laptop (stock WireGuard behind their NATs) talk through it: the
#    laptop pings home five times a second;
#  - the attacker, on another prefix, sends initiations and responses whose mac1 is
#    valid for each of the 1,000 provisioned peers in turn (each one queued for a
#    scan of every peer), data on random indices and garbage;
#  - mallory makes confirmed pairs of its own (wgr-forge fill): handshakes through
#    the relay all the time, in the names of provisioned peers.
#
# 1. Concurrency: for CHURN_SECONDS (default 20), loops pinned to each vCPU race
#    relayctl set (settings; a peer removed and added back), relayctl flush, ip
#    link set down/up and the laptop forgetting home (a fresh handshake) on vCPU 0
#    against peer and session dumps, /proc and sysfs reads and relayctl save on
#    vCPU 1, while home pings the laptop too. Then the device must be as the last
#    set left it, and the pair must talk.
# 2. Devices: CHURN_CYCLES (default 100) times, relayctl down (save what was
#    learned, delete the device) and up (create, 1,003 peers in one setconf,
#    restore); the laptop's ping must get through every new device (the restored
#    session carries it, no new handshake).
# 3. The module: CHURN_UNLOADS (default 50) times, relayctl save and rmmod with the
#    device up and the pair talking, modprobe, up; the module and the device must
#    be gone in between, and the pair must talk again. Every fifth time, a reader
#    that stopped in the middle of a dump of relay0 (wgr-nlstall) is open first:
#    rmmod must refuse (the dump holds the module), leaving the relay and the pair
#    as they were, until the reader is killed.
# 4. Namespaces: CHURN_NETNS (default 3) times, a namespace with a relay of its own
#    (1,003 peers, sessions that mallory made in it) and two readers stalled in
#    dumps of it is deleted; the readers are killed after (the namespace lives on
#    until their sockets close).
#
# Leaks: with no relay device and no dump left, the module's objects (every object
# of wgr_pair, and every kmalloc() by allocating site: tests/lib/leak.sh) and its
# refcount must be back to what they were before the first part: after every
# delete and every unload (wgr_pair and the refcount, which are cheap to read),
# and fully at the end of every part. The harness then checks the kernel log (a
# refused rmmod must say nothing there).
#
# slub-owners: kmalloc-*
# cpu: heavy
# timeout: 900

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"
. "$(dirname "$0")/../lib/leak.sh"

SECS=${CHURN_SECONDS:-20} CYCLES=${CHURN_CYCLES:-100} UNLOADS=${CHURN_UNLOADS:-50}
NETNS=${CHURN_NETNS:-3} NPEERS=1000
ATTACKER4=198.51.100.66 MALLORY_PORT=4444 RELAY2_4=203.0.113.9
export WGRELAY_STATE_DIR=$TMP/state

cgnat_setup
off_prefix_host attacker "$ATTACKER4"
wg_keys home laptop mallory
keys=()
for ((i = 1; i <= NPEERS; i++)); do
	printf -v k '%042dA=' "$i"
	keys+=("$k")
done
# provisioned FILE: a relay config with home, the laptop, mallory and NPEERS more.
# The session table's bound keeps what every down saves and up restores small
# (a full table evicts, which churns too).
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
RELAY_SETTINGS="MaxSessions = 100"
provisioned() {
	relay_conf "$1" home laptop mallory
	for ((i = 1; i <= NPEERS; i++)); do
		printf '\n[Peer]\nPublicKey = %s\nName = p%d\n' "${keys[i - 1]}" "$i"
	done >>"$1"
}
provisioned "$TMP/relay0.conf"

modprobe wgrelay
leak_setup

# stall NS: a reader in NS that stops after the first message of a dump of relay0's
# peers and holds it until unstall kills it. Sets STALL_PID.
stall() {
	local out=$TMP/stall.$RANDOM
	bg "$1" wgr-nlstall relay0 device 1 >"$out"
	STALL_PID=$BG_PID
	wait_for 10 grep -q "stalled after 1 messages" "$out"
}
unstall() { # PID: the reader must still be there, stalled
	kill "$1" || fail "the stalled reader $1 had gone"
	wait "$1" || true
}
# The laptop's ping gets through relay0 (as it is now) within 30 s.
talks() { wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"; }

step "home and the laptop talk through relay0 ($((NPEERS + 3)) peers), under attack"
n vps relayctl up "$TMP/relay0.conf"
assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
bg laptop ping -q -c 1000000 -i 0.2 -W 1 "${WG_ADDR[home]}"
# Rates that keep every path busy without taking all of the guest's CPU: each
# initiation or response is a scan of 1,003 peers' mac1.
bg attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" 10000000 2 "${keys[@]}"
bg attacker wgr-forge response "$VPS4" "$RELAY_PORT" 10000000 2 "${keys[@]}"
bg attacker wgr-forge data "$VPS4" "$RELAY_PORT" 10000000 20
bg attacker wgr-forge garbage "$VPS4" "$RELAY_PORT" 10000000 10
bg attacker wgr-forge fill "$VPS4" "$RELAY_PORT" 3600 10 "$MALLORY_PORT" 8 \
	"${WG_PUB[mallory]}" "${keys[@]:0:8}"
fill_pid=$BG_PID
sessions_over() { (($(relay_stat sessions) > $1)); }
wait_for 30 sessions_over 1
# Between the parts relay0 is down, and the module's objects at their baseline.
n vps relayctl down relay0 >/dev/null
settle "the first relayctl down" cheap

part_concurrent() {
	step "1. $SECS s of set, flush, dumps, down/up on both vCPUs, with the pair talking"
	(($(nproc) >= 2)) || fail "the guest has $(nproc) CPU: the loops need two"
	n vps relayctl up "$TMP/relay0.conf" >/dev/null
	talks
	bg home ping -q -c 1000000 -i 0.1 -W 1 "${WG_ADDR[laptop]}"
	home_ping=$BG_PID

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
	set_settings() {
		n vps relayctl set relay0 session-timeout $((120 + RANDOM % 120)) \
			max-sessions $((50 + RANDOM % 100)) discovery-fanout $((1 + RANDOM % 8))
	}
	peer_out_in() {
		local p=${keys[RANDOM % NPEERS]}
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
	forget_home() { # the laptop's WireGuard starts over with home: a fresh handshake
		n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[home]}" remove
		wg_mesh_peer laptop home "$RELAY_EP"
		sleep 3
	}
	dump_peers() { n vps relayctl show relay0; }
	dump_sessions() { n vps relayctl show relay0 sessions; }
	read_files() {
		n vps cat /proc/net/wgrelay /sys/class/net/relay0/wgrelay/sessions \
			/sys/class/net/relay0/statistics/rx_packets
	}
	save_state() { n vps relayctl save relay0; }

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
	kill "$home_ping"
	for l in "${loops[@]}"; do
		name=${l%:*}
		runs=$(cat "$TMP/$name.runs")
		log "$name (vCPU ${l#*:}): $runs runs, $(cat "$TMP/$name.failed") failed"
		((runs >= 1)) || fail "$name never ran"
	done
	measure churn_concurrent_seconds "$SECS"

	n vps ip link set relay0 up
	n vps relayctl set relay0 session-timeout 180 max-sessions 100 discovery-fanout 3
	assert_eq 180 "$(relay_stat session_timeout)" "session_timeout"
	assert_eq 100 "$(relay_stat max_sessions)" "max_sessions"
	assert_eq 3 "$(relay_stat discovery_fanout)" "discovery_fanout"
	assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers"
	pair_works laptop home
	log "$(relay_stat sessions) sessions; $(trust_counters)"
	n vps relayctl down relay0 >/dev/null
	settle "the concurrent part and relayctl down"
}

part_cycles() {
	step "2. $CYCLES cycles of down (save, delete) and up (create, 1,003 peers, restore)"
	start=$SECONDS max_sessions=0
	for ((c = 1; c <= CYCLES; c++)); do
		# Every saved session goes back: relayctl sent hundreds of them in messages
		# too small for them once, and restored none.
		out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
		assert_no_match "not restored" "$out" "relayctl up in cycle $c"
		talks
		if ((c % 10 == 0)); then
			assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers in cycle $c"
			s=$(relay_stat sessions)
			((s > max_sessions)) && max_sessions=$s
			log "cycle $c: $s sessions"
		fi
		# relayctl down fails if the device is not deleted.
		n vps relayctl down relay0 >/dev/null
		settle "cycle $c" cheap
	done
	settle "$CYCLES cycles"
	took=$((SECONDS - start))
	log "$CYCLES cycles in $took s; at most $max_sessions sessions at a delete"
	measure churn_cycles "$CYCLES"
	measure churn_cycles_seconds "$took"
	((CYCLES < 10 || max_sessions >= 4)) || fail "the cycles never had more sessions than the pair's own: $max_sessions"
}

part_unloads() {
	step "3. $UNLOADS unloads with the pair talking"
	n vps relayctl up "$TMP/relay0.conf" >/dev/null
	talks
	start=$SECONDS refused=0
	for ((u = 1; u <= UNLOADS; u++)); do
		if ((u % 5 == 1)); then
			stall vps
			pid=$STALL_PID
			refcnt=$(cat /sys/module/wgrelay/refcnt)
			((refcnt >= 1)) || fail "the module's refcnt is $refcnt with a dump open: it ended already"
			if rmmod wgrelay 2>"$TMP/rmmod.err"; then
				fail "rmmod went ahead with a dump open (refcnt was $refcnt)"
			fi
			assert_match "in use" "$(cat "$TMP/rmmod.err")" "rmmod with a dump open"
			assert_ok module_loaded wgrelay
			talks
			unstall "$pid"
			refused=$((refused + 1))
		fi
		n vps relayctl save relay0 >/dev/null
		rmmod wgrelay
		assert_fails module_loaded wgrelay
		modprobe wgrelay
		# A new module, with no device and nothing held.
		settle "unload $u" cheap
		out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
		assert_no_match "not restored" "$out" "relayctl up after unload $u"
		talks
	done
	n vps relayctl down relay0 >/dev/null
	settle "$UNLOADS unloads"
	took=$((SECONDS - start))
	log "$UNLOADS unloads in $took s, $refused refused while a dump was open"
	measure churn_unloads "$UNLOADS"
	measure churn_unloads_seconds "$took"
}

part_namespaces() {
	step "4. $NETNS namespaces deleted with live sessions and dumps open"
	# Mallory's port is the namespaces' now.
	kill "$fill_pid"
	wait "$fill_pid" || true
	n attacker ip route add "$RELAY2_4/32" dev eth0
	start=$SECONDS
	for ((k = 1; k <= NETNS; k++)); do
		ns=relayns$k
		ip netns add "$ns"
		n "$ns" ip link set lo up
		link inet "$ns" "$ns" eth0
		n inet ip link set "$ns" master br0
		n "$ns" ip addr add "$RELAY2_4/24" dev eth0
		n "$ns" ip route add "$ATTACKER4/32" dev eth0
		mkdir -p "$TMP/$ns"
		WGRELAY_STATE_DIR=$TMP/$ns n "$ns" relayctl up "$TMP/relay0.conf"
		# The address is the last namespace's, the MAC address a new one.
		n attacker ip neigh flush dev eth0
		out=$(n attacker wgr-forge fill "$RELAY2_4" "$RELAY_PORT" 1 100 "$MALLORY_PORT" 8 \
			"${WG_PUB[mallory]}" "${keys[k]}" "${keys[k + 1]}")
		sessions=$(n "$ns" cat /sys/class/net/relay0/wgrelay/sessions)
		((sessions > 0)) || fail "no session in $ns ($out)"
		stall "$ns"
		pid1=$STALL_PID
		stall "$ns"
		pid2=$STALL_PID
		refcnt=$(cat /sys/module/wgrelay/refcnt)
		((refcnt >= 2)) || fail "the module's refcnt is $refcnt with two dumps open: one ended already"
		ip netns del "$ns"
		unstall "$pid1"
		unstall "$pid2"
		settle "deleting $ns with $sessions sessions" cheap
	done
	settle "$NETNS namespaces"
	took=$((SECONDS - start))
	log "$NETNS namespaces in $took s"
	measure churn_netns_seconds "$took"
}

# A part whose number is 0 is left out (CHURN_CYCLES=0: no device cycles).
if ((SECS > 0)); then
	part_concurrent
fi
if ((CYCLES > 0)); then
	part_cycles
fi
if ((UNLOADS > 0)); then
	part_unloads
fi
if ((NETNS > 0)); then
	part_namespaces
fi

step "the vps's relay again, and the pair"
out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
assert_no_match "not restored" "$out" "relayctl up"
pair_works laptop home
log "at the end: $(module_objects) objects of the module; $(slab_line); $(mem_line)"
