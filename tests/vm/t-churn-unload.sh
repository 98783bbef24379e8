#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module unloads and namespace deletions under traffic (issue 9, item 5).
#
# Home and the laptop (stock WireGuard behind their NATs) talk through relay0 on
# the vps, which also has 1,000 provisioned peers (so that a dump of it takes
# many messages); the laptop pings home five times a second throughout.
# CHURN_UNLOADS (default 50) times: relayctl save, then rmmod with the device up
# and the pair talking (every tenth time, relayctl down first, and the module's
# objects must be back to their baseline before the rmmod); the module and the
# device must be gone; modprobe, relayctl up restores the sessions, and the pair
# must talk again. Every fifth time, a reader that stopped in the middle of a
# dump of relay0 (wgr-nlstall) is open first: rmmod must refuse (the dump holds
# the module), leaving the relay and the pair as they were, until the reader is
# killed.
#
# Then CHURN_NETNS (default 10) times: a namespace with a relay of its own, 1,000
# peers and confirmed sessions that an insider made in it (wgr-forge fill), and
# two readers stalled in dumps of its peers, is deleted; the readers are killed
# after (the namespace lives on until their sockets close); every object of the module must be freed again (while the
# pair keeps talking on the vps's relay, which has no part in the count: it is
# down for it).
#
# The leak counts are those of tests/lib/leak.sh; the harness then checks the
# kernel log (a refused or waiting rmmod must say nothing there).
#
# slub-owners: kmalloc-*
# timeout: 900

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"
. "$(dirname "$0")/../lib/leak.sh"

UNLOADS=${CHURN_UNLOADS:-50} NETNS=${CHURN_NETNS:-10} NPEERS=1000
ATTACKER4=198.51.100.66 MALLORY_PORT=4444 RELAY2_4=203.0.113.9
export WGRELAY_STATE_DIR=$TMP/state

cgnat_setup
off_prefix_host attacker "$ATTACKER4"
wg_keys home laptop mallory
# provisioned FILE NAME...: a relay config with NAME... and NPEERS more peers.
provisioned() {
	local file=$1 i
	shift
	relay_conf "$file" "$@"
	for ((i = 1; i <= NPEERS; i++)); do
		printf '\n[Peer]\nPublicKey = %s\nName = p%d\n' "$(key "$i")" "$i"
	done >>"$file"
}
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
provisioned "$TMP/relay0.conf" home laptop mallory

modprobe wgrelay
leak_setup
coresize=$(cat /sys/module/wgrelay/coresize)

# stall NS DUMP: a reader in NS that stops after the first message of a dump of
# relay0 (DUMP: device or sessions) and holds it until unstall kills it. Sets
# STALL_PID.
stall() {
	local out=$TMP/stall.$RANDOM
	bg "$1" wgr-nlstall relay0 "$2" 1 >"$out"
	STALL_PID=$BG_PID
	wait_for 10 grep -q "stalled after 1 messages" "$out"
}
unstall() { # PID: the reader must still be there, stalled
	kill "$1" || fail "the stalled reader $1 had gone"
	wait "$1" || true
}

step "home and the laptop talk through relay0 ($((NPEERS + 3)) peers)"
n vps relayctl up "$TMP/relay0.conf"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
bg laptop ping -q -c 100000 -i 0.2 -W 1 "${WG_ADDR[home]}"

step "$UNLOADS unloads with the pair talking"
start=$SECONDS refused=0
for ((u = 1; u <= UNLOADS; u++)); do
	if ((u % 5 == 1)); then
		stall vps device
		pid=$STALL_PID
		refcnt=$(cat /sys/module/wgrelay/refcnt)
		((refcnt >= 1)) || fail "the module's refcnt is $refcnt with a dump open: it ended already"
		if rmmod wgrelay 2>"$TMP/rmmod.err"; then
			fail "rmmod went ahead with a dump open (refcnt was $refcnt)"
		fi
		assert_match "in use" "$(cat "$TMP/rmmod.err")" "rmmod with a dump open"
		assert_ok module_loaded wgrelay
		n laptop ping -c 1 -W 2 "${WG_ADDR[home]}" >/dev/null
		unstall "$pid"
		refused=$((refused + 1))
	fi
	n vps relayctl save relay0 >/dev/null
	if ((u % 10 == 0)); then
		n vps relayctl down relay0 >/dev/null
		settle "relayctl down before unload $u"
	fi
	rmmod wgrelay
	assert_fails module_loaded wgrelay
	assert_fails n vps ip link show relay0
	modprobe wgrelay
	assert_eq "$coresize" "$(cat /sys/module/wgrelay/coresize)" "coresize after reload $u"
	out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
	assert_no_match "not restored" "$out" "relayctl up after unload $u"
	wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
	((u % 10)) || log "unload $u: the pair talks again; $(mem_line)"
done
took=$((SECONDS - start))
log "$UNLOADS unloads in $took s, $refused refused while a dump was open"
measure churn_unloads "$UNLOADS"
measure churn_unloads_seconds "$took"

step "$NETNS namespaces deleted with live sessions and dumps open"
# The vps's relay goes down for the count; the pair stops meanwhile.
n vps relayctl down relay0 >/dev/null
settle "the vps's relay went down"
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
	provisioned "$TMP/$ns/relay0.conf" home laptop mallory
	WGRELAY_STATE_DIR=$TMP/$ns n "$ns" relayctl up "$TMP/$ns/relay0.conf"
	# The address is the last namespace's, the MAC address a new one.
	n attacker ip neigh flush dev eth0
	out=$(n attacker wgr-forge fill "$RELAY2_4" "$RELAY_PORT" 2 100 "$MALLORY_PORT" 8 \
		"${WG_PUB[mallory]}" "$(key $((k + 1)))" "$(key $((k + 2)))")
	sessions=$(n "$ns" cat /sys/class/net/relay0/wgrelay/sessions)
	((sessions > 0)) || fail "no session in $ns ($out)"
	stall "$ns" device
	pid1=$STALL_PID
	stall "$ns" device
	pid2=$STALL_PID
	refcnt=$(cat /sys/module/wgrelay/refcnt)
	((refcnt >= 2)) || fail "the module's refcnt is $refcnt with two dumps open: one ended already"
	ip netns del "$ns"
	unstall "$pid1"
	unstall "$pid2"
	settle "deleting $ns with $sessions sessions"
done
took=$((SECONDS - start))
log "$NETNS namespaces in $took s"
measure churn_netns_seconds "$took"

step "the vps's relay again, and the pair"
out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
assert_no_match "not restored" "$out" "relayctl up"
pair_works laptop home
log "at the end: $(module_objects) objects of the module; $(slab_line); $(mem_line)"
