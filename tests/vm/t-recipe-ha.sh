#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recipe: high availability (docs/recipes/high-availability.md). Two relays, the
# lab's vps (203.0.113.1) and vps2 (203.0.113.11), each with its own relay0 and
# the same peers, share one floating address, 203.0.113.10, that keepalived
# (VRRP, Debian's package, its config as the recipe gives it) holds on whichever
# is master. home (behind CGNAT) and the laptop (behind the hotel's NAT) have that
# address as their Endpoint and nothing else. The master's relay dies (its device
# is deleted, as a crash or an rmmod would); keepalived, which tracks relay0, gives
# the address up and the backup takes it. Measured: how long the pair's pings stay
# unanswered, first with a backup that knows nothing (the pair is back when
# WireGuard's own handshake retries get through: "# ha-recovery-seconds"), then,
# failing back, with the state the other relay saved shipped to it and restored
# by keepalived's notify_master (the pair goes on with no new handshake:
# "# ha-recovery-seconds-with-state"). The NAT boxes' mappings do not change when
# the address moves: the backup sees the peers at the very endpoints the master
# saw, which is why the shipped state is valid there.
#
# kernels: newest
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

VIP=203.0.113.10 VPS2=203.0.113.11
HA_EP=$VIP:$RELAY_PORT
RELAYS=(vps vps2)
declare -A ADDR=([vps]=$VPS4 [vps2]=$VPS2) OTHER=([vps]=vps2 [vps2]=vps)

# The bound on a recovery without state, for a pair that is talking when the relay
# dies (both peers sent data just before): WireGuard's protocol, not a speed.
# VRRP's takeover (3 adverts of 1 s and a skew under 1 s), then each peer's first
# initiation, KEEPALIVE_TIMEOUT + REKEY_TIMEOUT = 15 s after its first unanswered
# data, then the relay's cookie reply and up to two retries REKEY_TIMEOUT (5 s and
# a third of a second's jitter) apart: 4 + 15 + 3 * 5.33 = 35 s; 60 s leaves the
# margin of a PersistentKeepalive (25 s). It does not hold for a pair one of whose
# peers has sent no data since the death (keepalives only): that peer starts no
# handshake until its keys are REJECT_AFTER_TIME (180 s) old, and the backup cannot
# tell where it is (193 s measured once); a shipped state's bindings can.
COLD_BOUND=60

# rn NS CMD...: CMD in relay namespace NS, with a state directory of its own (the
# two relays' "disks" are one file system here).
rn() { n "$1" env WGRELAY_STATE_DIR="$TMP/$1.state" "${@:2}"; }

# ka_conf NS PRIORITY: keepalived's config for relay NS, as the recipe has it.
ka_conf() {
	cat <<-EOT
		global_defs {
			router_id $1
			script_user root
		}
		vrrp_instance relay {
			state BACKUP
			nopreempt
			interface eth0
			virtual_router_id 51
			priority $2
			advert_int 1
			unicast_src_ip ${ADDR[$1]}
			unicast_peer {
				${ADDR[${OTHER[$1]}]}
			}
			virtual_ipaddress {
				$VIP/24 dev eth0
			}
			track_interface {
				relay0
			}
			notify_master "/usr/sbin/relayctl restore relay0 $TMP/$1.shipped"
		}
	EOT
}

# ka_up NS PRIORITY: keepalived for NS in the foreground (in the background here),
# logging to $TMP/NS.ka.
ka_up() {
	ka_conf "$1" "$2" >"$TMP/$1.ka.conf"
	bg "$1" keepalived -n -l -D -G -P -f "$TMP/$1.ka.conf" -p "$TMP/$1.ka.pid" \
		-r "$TMP/$1.ka.vrrp.pid" >"$TMP/$1.ka" 2>&1
}

# ka_state NS: the VRRP state keepalived in NS entered last (MASTER, BACKUP, FAULT).
ka_state() { sed -n 's/.*(relay) Entering \([A-Z]*\) STATE.*/\1/p' "$TMP/$1.ka" | tail -1; }
ka_in() { [[ $(ka_state "$1") == "$2" ]]; }

# holds_vip NS: the floating address is on NS's eth0.
holds_vip() { n "$1" ip -4 -o addr show dev eth0 | grep -qF " $VIP/"; }

# endpoints NS: the peers' endpoints in NS's confirmed sessions, sorted.
endpoints() {
	n "$1" tail -n +2 /proc/net/wgrelay | awk '$6 == "confirmed" { print $5 }' | sort -u | xargs
}

# handshakes: both peers' latest handshakes with each other.
handshakes() {
	n laptop wg show "${WG_IF[laptop]}" latest-handshakes | awk '{ print $2 }'
	n home wg show "${WG_IF[home]}" latest-handshakes | awk '{ print $2 }'
}

# fail_over FROM FILE: the laptop pings home every 0.2 s (into FILE), so both send
# data; the relay on FROM dies; wait for the other relay to hold the address and
# for home's answers to come back. Sets RECOVERY: seconds from the death to the
# first answer to a ping sent after it (an answer already on its way when the
# relay died does not count: its ping is the last one before the death's).
fail_over() {
	local from=$1 to=${OTHER[$1]} file=$2 t0 last answered
	bg laptop ping -D -n -i 0.2 -W 1 -c 3000 "${WG_ADDR[home]}" >"$file" 2>&1
	wait_for 10 replied_after "$(now)" "$file"
	n "$from" ip link del relay0
	t0=$(now)
	wait_for 15 holds_vip "$to"
	log "$to holds $VIP $(seconds "$t0" "$(now)") s after $from's relay died; $from is $(ka_state "$from")"
	assert_fails holds_vip "$from"
	last=$(last_seq "$t0" "$file")
	wait_for $((COLD_BOUND + 10)) eval '[[ -n $(first_after "$last" "$file") ]]'
	answered=$(first_after "$last" "$file")
	RECOVERY=$(seconds "$t0" "$answered")
	log "home answered again $RECOVERY s after $from's relay died"
	kill "$BG_PID"
}

# last_seq T FILE: the highest icmp_seq FILE had an answer to by the time T.
last_seq() {
	awk -v t="$1" '/icmp_seq=.* time=/ { ts = substr($1, 2, length($1) - 2) + 0
		seq = $0; sub(/.*icmp_seq=/, "", seq); sub(/ .*/, "", seq)
		if (ts <= t + 0 && seq + 0 > max) max = seq + 0 } END { print max + 0 }' "$2"
}

# first_after SEQ FILE: the time of the first answer in FILE to a ping after SEQ + 1.
first_after() {
	awk -v s="$1" '/icmp_seq=.* time=/ { ts = substr($1, 2, length($1) - 2) + 0
		seq = $0; sub(/.*icmp_seq=/, "", seq); sub(/ .*/, "", seq)
		if (seq + 0 > s + 1 && (best == "" || ts < best)) best = ts }
		END { if (best != "") printf "%.6f\n", best }' "$2"
}

cgnat_setup
ns_add vps2
public vps2 eth0 "$VPS2"
wg_keys home laptop
relay_conf "$TMP/relay0.conf" home laptop

step "both relays up with the same peers; keepalived on each (vps first: master)"
log "the lab is built"
for r in "${RELAYS[@]}"; do
	rn "$r" relayctl up "$TMP/relay0.conf"
done
ka_up vps 150
wait_for 15 holds_vip vps
ka_up vps2 100
wait_for 15 ka_in vps2 BACKUP
assert_eq MASTER "$(ka_state vps)" "keepalived on vps"
assert_fails holds_vip vps2

log "vps is master"
step "home and the laptop reach each other through the floating address"
wg_peers "$HA_EP" "$HA_EP"
pair_works laptop home
show_relay
before=$(endpoints vps)
log "vps has the peers at: $before"
assert_match "^$CGNAT4:[0-9]+ $HOTEL4:[0-9]+\$" "$before" "endpoints on vps"
assert_eq "0" "$(n vps2 cat /sys/class/net/relay0/wgrelay/tx_packets)" "vps2's relayed datagrams"

step "vps's relay dies; vps2 knows nothing of the pair"
fail_over vps "$TMP/ping1"
COLD=$RECOVERY
n vps2 relayctl show relay0
n vps2 relayctl show relay0 sessions
echo "# ha-recovery-seconds: $COLD"
measure ha_recovery "$COLD"
# The NAT mappings did not move with the address: vps2 has the peers where vps had them.
assert_eq "$before" "$(endpoints vps2)" "endpoints on vps2"
assert_le "$COLD" "$COLD_BOUND" "recovery without state (a bound of WireGuard's timers)"
pair_works home laptop

step "vps's relay is back (empty): keepalived there leaves FAULT, does not preempt"
rn vps relayctl up "$TMP/relay0.conf"
wait_for 15 ka_in vps BACKUP
sleep 3
assert_ok holds_vip vps2
assert_fails holds_vip vps

step "vps2 ships its state to vps (save, copy); then vps2's relay dies"
rn vps2 relayctl save relay0 "$TMP/vps.shipped"
grep -c '^session ' "$TMP/vps.shipped"
hs=$(handshakes | xargs)
fail_over vps2 "$TMP/ping2"
WARM=$RECOVERY
echo "# ha-recovery-seconds-with-state: $WARM"
measure ha_recovery_with_state "$WARM"
grep -F "restore" "$TMP/vps.ka" || true
show_relay
# The pair went on in the session it had: the restored state carried it.
assert_eq "$hs" "$(handshakes | xargs)" "the peers' latest handshakes"
assert_eq "$before" "$(endpoints vps)" "endpoints on vps"
log "recovery: $COLD s without state, $WARM s with the state shipped"
