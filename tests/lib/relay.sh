#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wgrelay on the lab's vps. Source after common.sh and cgnat.sh.

RELAY_PORT=51820
RELAY_EP=$VPS4:$RELAY_PORT
# A tcpdump filter for WireGuard handshake messages of 148 bytes (initiations)
# that carry mac2 (udp[140..155]): the relay's stamp with a target's cookie.
MAC2_SET='(udp[140:4] != 0 or udp[144:4] != 0 or udp[148:4] != 0 or udp[152:4] != 0)'

# relay_conf FILE NAME...: a relay config with one [Peer] per NAME (its WG_PUB key).
# Extra "[Relay]" lines come from RELAY_SETTINGS, extra lines for a peer NAME from
# RELAY_PEER_EXTRA[NAME].
declare -gA RELAY_PEER_EXTRA=()
relay_conf() {
	local file=$1 name
	shift
	{
		printf '[Relay]\nListenPort = %s\n' "$RELAY_PORT"
		[[ -z ${RELAY_SETTINGS:-} ]] || printf '%s\n' "$RELAY_SETTINGS"
		for name; do
			printf '\n[Peer]\nPublicKey = %s\nName = %s\n' "${WG_PUB[$name]}" "$name"
			[[ -z ${RELAY_PEER_EXTRA[$name]:-} ]] || printf '%s\n' "${RELAY_PEER_EXTRA[$name]}"
		done
	} >"$file"
}

# public_server_up: the laptop (behind the hotel's NAT) and a server at the
# public address $SERVER4 (in its own namespace, set up by the caller), which
# the relay has at a static endpoint; the two are peered through the relay.
public_server_up() {
	wg_keys laptop server
	RELAY_PEER_EXTRA[server]="Endpoint = $SERVER4:$WG_PORT"
	relay_up laptop server
	wg_up server "$WG_PORT"
	wg_up laptop
	wg_mesh_peer laptop server "$RELAY_EP"
	wg_peer server laptop "${WG_ADDR[laptop]}/32"
}

# load_wg NS ADDR PORT PEER: from NS, flood PEER's WireGuard at ADDR:PORT with
# initiations (in the background, 20,000 a second, for an hour at most) until it
# answers one with a cookie reply: it is then under WireGuard's own load.
load_wg() {
	bg "$1" wgr-forge initiation "$2" "$3" 3600000 20000 "${WG_PUB[$4]}"
	wait_for 60 n "$1" wgr-forge cookieprobe "$2" "$3" "${WG_PUB[$4]}"
}

# wg_readd NS PEER: NS's WireGuard forgets PEER and learns it again, through the
# relay: its next packet to PEER starts a new handshake, with no cookie from before.
wg_readd() {
	n "$1" wg set "${WG_IF[$1]}" peer "${WG_PUB[$2]}" remove
	wg_mesh_peer "$1" "$2" "$RELAY_EP"
}

# relay_up NAME...: relay0 on the vps, provisioned with the peers NAME... by relayctl.
relay_up() {
	wg_keys_missing "$@"
	relay_conf "$TMP/relay0.conf" "$@"
	n vps relayctl up "$TMP/relay0.conf"
}

# wg_keys_missing NAME...: keys for the names that have none yet.
wg_keys_missing() {
	local name
	for name; do
		[[ -n ${WG_KEY[$name]:-} ]] || wg_keys "$name"
	done
}

# relay_stat NAME: one of relay0's counters or settings, from sysfs.
relay_stat() { n vps cat "/sys/class/net/relay0/wgrelay/$1"; }

# relay_counts NAME...: relay0's counters NAME..., as "name=value " each.
relay_counts() {
	local c
	for c; do
		printf '%s=%s ' "$c" "$(relay_stat0 "$c")"
	done
}

# relay_sessions: the session table from procfs, without its header.
relay_sessions() { n vps tail -n +2 /proc/net/wgrelay; }

# ping_ok NS ADDR [COUNT]: NS reaches ADDR; prints ping's summary.
ping_ok() {
	n "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" | tail -2
}

# assert_stat_ge NAME MIN: relay0's counter NAME is at least MIN.
assert_stat_ge() {
	local v
	v=$(relay_stat "$1")
	((v >= $2)) || fail "counter $1: expected at least $2, got $v"
}

# show_relay: what an operator sees.
show_relay() {
	n vps relayctl show relay0
	echo
	n vps relayctl show relay0 sessions
}

# stat_is NAME VALUE: relay0's counter NAME equals VALUE now (for wait_for).
stat_is() { [[ $(relay_stat "$1") == "$2" ]]; }

# no_confirmed_binding: no peer of relay0 has a confirmed (live or stale) binding
# (for wait_for).
no_confirmed_binding() { ! n vps relayctl show relay0 | grep -qE "binding: .*\((live|stale)"; }

# --- More hosts for multi-peer scenarios ---------------------------------------------

# behind_nat NAT NS NET: host NS on a LAN of its own (NET.0/24, NS at NET.2) behind
# the NAT box NAT, masqueraded to NAT's public address like NAT's other LAN.
behind_nat() {
	local nat=$1 ns=$2 net=$3
	ns_add "$ns"
	link "$nat" "l-$ns" "$ns" eth0
	n "$nat" ip addr add "$net.1/24" dev "l-$ns"
	n "$ns" ip addr add "$net.2/24" dev eth0
	n "$ns" ip route add default via "$net.1"
	n "$nat" nft add rule ip nat postrouting oifname wan0 ip saddr "$net.0/24" masquerade
	n "$nat" nft add rule inet filter forward iifname "l-$ns" oifname wan0 accept
}

# off_prefix_host NS ADDR4: host NS on the Internet's bridge with an IPv4 address
# of another /24 than the lab's 203.0.113.0/24, so that the relay counts it
# under a prefix of its own (module/quota.c); the vps reaches it on the link.
off_prefix_host() {
	ns_add "$1"
	link inet "$1" "$1" eth0
	n inet ip link set "$1" master br0
	n "$1" ip addr add "$2/24" dev eth0
	n "$1" ip route add "$VPS4/32" dev eth0
	n vps ip route add "$2/32" dev eth0
}

# ipv6_only NS ADDR6: host NS on the Internet with nothing but an IPv6 address.
ipv6_only() {
	ns_add "$1"
	link inet "$1" "$1" eth0
	n inet ip link set "$1" master br0
	n "$1" ip -6 addr add "$2/64" dev eth0 nodad
	n "$1" ip -6 route add default via "$INET6"
}

# wg_mesh_peer NS PEER ENDPOINT: NS talks to PEER through ENDPOINT with keepalives.
wg_mesh_peer() { wg_peer "$1" "$2" "${WG_ADDR[$2]}/32" "$3"; }

# pair_works A B: A and B ping each other over WireGuard (retrying for a handshake).
pair_works() {
	wait_for 40 n "$1" ping -c 1 -W 1 "${WG_ADDR[$2]}"
	ping_back "$2" "$1"
}

# ping_back A B: A reaches B on the session they have: three pings of two
# seconds each, one at a time (a TCG guest under load can stall past one
# ping's wait), well inside the 15 s after which A's WireGuard would make a
# new handshake and hide a broken path.
ping_back() { tries 3 n "$1" ping -c 1 -W 2 "${WG_ADDR[$2]}"; }

# --- Trust model v2 (tests/vm/t-trust-*.sh) ------------------------------------------

# peer_json NAME: peer NAME's object in "relayctl show relay0 --json", on one line
# (one snapshot of it; the guest has no jq).
peer_json() {
	n vps relayctl show relay0 --json | tr -d '\n' | sed 's/{"public_key"/\n&/g' |
		grep -F "\"name\":\"$1\"" | head -1
}

# binding_ep NAME: peer NAME's binding endpoint ("(none)" without one). Both the
# "binding_endpoint" field of trust model v1's relayctl and a "binding" string
# are understood.
binding_ep() {
	local ep
	ep=$(peer_json "$1" |
		grep -o '"binding\(_endpoint\)\?":\("[^"]*"\|null\)' | head -1 |
		sed 's/^[^:]*://; s/"//g')
	[[ -n $ep && $ep != null ]] && echo "$ep" || echo "(none)"
}

# binding_proven NAME: true if peer NAME proved, with the relay's mac2, that it
# receives where it talks from (relayctl's binding_proven).
binding_proven() { peer_json "$1" | grep -q '"binding_proven":true'; }

# binding_line NAME: the "binding:" line of peer NAME in relayctl show (for logs).
binding_line() {
	n vps relayctl show relay0 | awk -v n="$1" '$1 == "name:" { f = ($2 == n) }
		f && $1 == "binding:" { $1 = ""; print substr($0, 2); exit }'
}

# relay_stat0 NAME: like relay_stat, but 0 for a counter this build does not have,
# so that a test fails on behaviour, not on a missing file.
relay_stat0() { n vps cat "/sys/class/net/relay0/wgrelay/$1" 2>/dev/null || echo 0; }

# trust_counters: the counters trust model v2 added, and some it relies on.
trust_counters() {
	local s
	for s in bindings_kept hs_pair_routed hs_collisions ttl_drops loop_drops confirms \
		roams hs_ratelimited hs_unsolicited discovery_fwd; do
		printf '%s=%s ' "$s" "$(relay_stat0 $s)"
	done
	echo
}

# session_of OWNER COUNTERPART: "INDEX COUNTER" of OWNER's most recently active
# confirmed session with COUNTERPART, from /proc/net/wgrelay (index in hex, as
# printed there); nothing if there is none.
session_of() {
	relay_sessions | awk -v o="${WG_PUB[$1]}" -v c="${WG_PUB[$2]}" '
		$3 == o && $4 == c && $6 == "confirmed" && (best == "" || $7 < idle) {
			idle = $7; best = $2 " " $8 }
		END { if (best != "") print best }'
}

# mac2_crowd SECONDS PPS PORTS PEER PER NET...: the crowd's host (elsewhere
# crowd PER NET...) initiates for PEER with the relay's mac2 from PER addresses
# in each /24 NET, PORTS ports an address, PPS a second an address, for SECONDS;
# each such initiation for an offline peer asks for discovery. Returns once
# every address has the relay's cookie on every port. Sets CROWD (the PIDs).
mac2_crowd() {
	local seconds=$1 pps=$2 ports=$3 peer=$4 per=$5 net i n
	shift 5
	n=$((per * $#))
	CROWD=()
	for net; do
		for ((i = 1; i <= per; i++)); do
			bg crowd wgr-forge mac2for "$VPS4" "$RELAY_PORT" "$seconds" "$pps" "$ports" \
				"${WG_PUB[$peer]}" "$net.$i" >"$TMP/crowd-$net.$i"
			CROWD+=("$BG_PID")
		done
	done
	wait_for 60 eval '(($(cat "$TMP"/crowd-* | grep -c "$ports of $ports ports have") == n))'
}

# squat_pair SECONDS: the relay forgets everything, and the crowd's host
# (elsewhere crowd ...) takes home's and the laptop's bindings for SECONDS
# (wgr-forge hold, with ghost as the bait): the pair can meet again only by
# discovery. Returns once both bindings are the squatter's.
squat_pair() {
	n vps relayctl flush relay0 all
	bg crowd wgr-forge hold "$VPS4" "$RELAY_PORT" "$1" "${WG_PUB[ghost]}" "${WG_PUB[home]}" \
		"${WG_PUB[laptop]}" >"$TMP/hold"
	wait_for 30 eval '[[ $(binding_ep home) == 198.18.*:* && $(binding_ep laptop) == 198.18.*:* ]]'
	log "home's binding: $(binding_line home); laptop's: $(binding_line laptop)"
}

# meet_again: the laptop and home both send until the laptop's ping is answered,
# home 2.5 s later: its retries come between the laptop's, so that the
# attacker's candidates made meanwhile are fresher than the one each peer's
# walk looks for (together, each may find the other first). Sets TOOK, the
# seconds from the first send, and prints the relay's discovery counters.
meet_again() {
	local start=$SECONDS
	ping_record laptop "${WG_ADDR[home]}" 80 "$TMP/ping-laptop"
	sleep 2.5
	ping_record home "${WG_ADDR[laptop]}" 80 "$TMP/ping-home"
	wait_for 75 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
	TOOK=$((SECONDS - start))
	n vps relayctl show relay0 stats | grep -E 'discovery|cookies_sent|hs_mac2|confirms|hs_no_route'
}

# crowd_end: fail if a CROWD process stopped before now (the test saw no
# attack for all its length), else stop them all.
crowd_end() {
	local b
	for b in "${CROWD[@]}"; do
		kill -0 "$b" 2>/dev/null || fail "the attacker stopped before the pair met: the test saw no attack"
	done
	kill "${CROWD[@]}" 2>/dev/null || true
	wait "${CROWD[@]}" 2>/dev/null || true
}

# ping_record NS ADDR COUNT FILE: in the background, NS pings ADDR once a second,
# COUNT times, into FILE. Sets BG_PID.
ping_record() {
	bg "$1" ping -n -i 1 -W 1 -c "$3" "$2" >"$4" 2>&1
}

# ping_report FILE COUNT [MAX_MS]: "RECEIVED MAX_GAP" of a ping_record: replies
# received within MAX_MS (default 4000: WireGuard holds packets while it
# handshakes, at least 5 s when a try is lost, and a reply 14 s late is an
# outage; a loaded TCG guest can hold a reply two seconds), and the longest run of
# consecutive sequence numbers without one.
ping_report() {
	sed -n 's/.*icmp_seq=\([0-9]*\) .*time=\([0-9.]*\) ms.*/\1 \2/p' "$1" |
		awk -v max="${3:-4000}" '$2 + 0 <= max { print $1 }' | sort -n -u |
		awk -v count="$2" '{ got++; if ($1 - last - 1 > gap) gap = $1 - last - 1; last = $1 }
			END { if (count - last > gap) gap = count - last; print got + 0, gap + 0 }'
}

# watch_bindings SECONDS PEER...: for SECONDS, every 5 s, compare each PEER's
# binding endpoint with BOUND[PEER]; log the first move of each, and keep the
# lines in MOVED.
declare -gA BOUND=()
watch_bindings() {
	local secs=$1 start=$SECONDS p ep
	local -A seen=()
	shift
	MOVED=()
	while ((SECONDS - start < secs)); do
		for p; do
			ep=$(binding_ep "$p")
			if [[ $ep != "${BOUND[$p]}" && -z ${seen[$p]:-} ]]; then
				seen[$p]=1
				MOVED+=("$p's binding moved from ${BOUND[$p]} to $ep after $((SECONDS - start)) s: $(binding_line "$p")")
				log "${MOVED[-1]}"
			fi
		done
		sleep 5
	done
}

# --- Recovery times (tests/vm/t-trust-remap.sh, t-trust-move.sh) ---------------------
#
# Times are the guest's wall clock in seconds since the epoch, with microseconds:
# ping -D dates each reply, tcpdump -tt each datagram the relay receives.

# capture_relay_rx: record every datagram that reaches the relay's port, dated,
# into $TMP/relay-rx (for first_datagram and last_datagram).
capture_relay_rx() {
	bg vps tcpdump -i eth0 -n -l -tt -Z root "udp dst port $RELAY_PORT" \
		>"$TMP/relay-rx" 2>"$TMP/relay-rx.err"
	wait_for 10 grep -q "listening on" "$TMP/relay-rx.err"
}

# first_datagram ADDR AFTER [NOT_PORT]: "TIME ADDR:PORT" of the first datagram the
# relay received from ADDR (from any port but NOT_PORT) after the time AFTER.
first_datagram() {
	awk -v ip="$1" -v t="$2" -v not="${3:-}" '$1 + 0 > t + 0 && $2 == "IP" {
		n = split($3, a, "."); port = a[n]
		if (a[1] "." a[2] "." a[3] "." a[4] == ip && port != not) {
			print $1, ip ":" port; exit } }' "$TMP/relay-rx"
}

# count_initiations NS: count NS's WireGuard initiations to the relay from now on,
# from zero (an nftables counter on NS's way out; a UDP length of 156: WireGuard's
# 148 bytes). A handshake's tries are what the relay decides; how long they take is
# what the guest's CPU and the host's load decide.
count_initiations() {
	n "$1" nft -f - <<-EOT
		add table inet count
		delete table inet count
		table inet count {
			chain out {
				type filter hook output priority 0;
				udp dport $RELAY_PORT udp length 156 counter
			}
		}
	EOT
}

# nft_packets NS FAMILY TABLE CHAIN: the packets the counter in CHAIN counted ("?"
# if nftables says nothing that reads as a count).
nft_packets() {
	local got
	got=$(n "$1" nft list chain "$2" "$3" "$4" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	echo "${got:-?}"
}

# initiations NS: how many initiations NS has sent since count_initiations.
initiations() { nft_packets "$1" inet count out; }

# handshake_tries NS PEER LIMIT: NS pings PEER until it answers, LIMIT s at most,
# and prints "TRIES MS": the initiations NS sent since count_initiations (run it
# before whatever starts the handshake) and the milliseconds the answer took, "-"
# if none came.
handshake_tries() {
	local start=${EPOCHREALTIME/./} took=-
	while (((${EPOCHREALTIME/./} - start) / 1000000 < $3)); do
		if n "$1" ping -c 1 -W 1 "${WG_ADDR[$2]}" >/dev/null 2>&1; then
			took=$(((${EPOCHREALTIME/./} - start) / 1000))
			break
		fi
	done
	echo "$(initiations "$1") $took"
}

# count_relay_initiations FROM TO: from now on, count on the vps the initiations
# (UDP length 156) that reach it from FROM (IPv4 ADDR:PORT) and those the relay
# sends on to TO: what the relay decided of a peer's tries, whatever a busy guest
# lost on the way to it or back.
count_relay_initiations() {
	n vps nft -f - <<-EOT
		add table ip relaycount
		delete table ip relaycount
		table ip relaycount {
			chain in {
				type filter hook prerouting priority -300;
				ip saddr ${1%:*} udp sport ${1##*:} udp dport $RELAY_PORT udp length 156 counter
			}
			chain out {
				type filter hook output priority 0;
				ip daddr ${2%:*} udp dport ${2##*:} udp sport $RELAY_PORT udp length 156 counter
			}
		}
	EOT
}

# relay_initiations: "ARRIVED SENT_ON" since count_relay_initiations.
relay_initiations() { echo "$(nft_packets vps ip relaycount in) $(nft_packets vps ip relaycount out)"; }

# handshake_ok TRIES MS MAX: did handshake_tries see an answer after one try and
# MAX at most? (None counted is a counter that missed them.)
handshake_ok() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= $3)); }

# handshake_said TRIES MS LIMIT: handshake_tries' finding, in words.
handshake_said() {
	if [[ $2 == - ]]; then
		echo "no answer in $3 s, $1 initiations sent"
	else
		echo "answered after $2 ms, $1 initiations sent"
	fi
}

# now: the time now, as ping and tcpdump date things.
now() { echo "${EPOCHREALTIME}"; }

# ping_dated NS ADDR FILE: in the background, NS pings ADDR once a second (for at
# most ten minutes), each reply dated. Sets BG_PID.
ping_dated() {
	bg "$1" ping -D -n -i 1 -W 1 -c 600 "$2" >"$3" 2>&1
}

# first_reply AFTER FILE...: the time of the earliest reply that one of the
# ping_dated FILEs got after the time AFTER; nothing if none has come yet.
first_reply() {
	local after=$1
	shift
	awk -v t="$after" '/icmp_seq=.* time=/ {
		ts = substr($1, 2, length($1) - 2) + 0
		if (ts > t + 0 && (best == "" || ts < best)) best = ts }
		END { if (best != "") printf "%.6f\n", best }' "$@"
}

# replied_after AFTER FILE...: has one of the FILEs got a reply after AFTER (for wait_for)?
replied_after() { [[ -n $(first_reply "$@") ]]; }

# seconds FROM TO: TO - FROM, in seconds with three decimals.
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }

# measure NAME SECONDS: a measurement, in the form notes quote.
measure() { printf 'MEASURE %s %s\n' "$1" "$2"; }

# assert_le SECONDS MAX WHAT: SECONDS (a decimal) is at most MAX.
assert_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }' ||
		fail "$3: expected at most $2 s, got $1 s"
}

# assert_ge SECONDS MIN WHAT: SECONDS (a decimal) is at least MIN.
assert_ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }' ||
		fail "$3: expected at least $2 s, got $1 s"
}

# max_gap AFTER FILE: the longest run of consecutive pings of a ping_dated FILE that
# got no reply, among those answered after AFTER and the ones lost between them.
max_gap() {
	awk -v t="$1" '/icmp_seq=.* time=/ {
		ts = substr($1, 2, length($1) - 2) + 0
		if (ts <= t + 0) next
		seq = $0; sub(/.*icmp_seq=/, "", seq); sub(/ .*/, "", seq); seq += 0
		if (last != "" && seq - last - 1 > gap) gap = seq - last - 1
		last = seq }
		END { print gap + 0 }' "$2"
}

# binding_leaves PEER FROM SINCE LIMIT: wait until PEER's binding is no longer FROM,
# polling every second, for at most LIMIT s after the time SINCE; print how many
# seconds after SINCE it was first seen elsewhere, and log where it went.
binding_leaves() {
	local ep
	while :; do
		ep=$(binding_ep "$1")
		if [[ $ep != "$2" ]]; then
			log "$1's binding left $2: $(binding_line "$1")" >&2
			seconds "$3" "$(now)"
			return 0
		fi
		if awk -v a="$3" -v b="$(now)" -v l="$4" 'BEGIN { exit !(b - a > l) }'; then
			fail "$1's binding still at $2 $4 s later: $(binding_line "$1")"
		fi
		sleep 1
	done
}

# recovery NAME ADDR SINCE NOT_PORT FILE...: a peer's NAT mapping changed at the time
# SINCE; from now on it sends from ADDR (from a port other than NOT_PORT, if given).
# Waits for its first datagram there and for a reply in one of the ping_dated FILEs
# after that; prints "MEASURE NAME" (from that first datagram to the first reply)
# and "MEASURE NAME_outage" (from SINCE). Sets NEW_EP (its endpoint now), FIRST (the
# first datagram's time) and RECOVERY (the first of the two measurements).
recovery() {
	local name=$1 addr=$2 since=$3 not=$4 first answered
	shift 4
	wait_for 40 eval '[[ -n $(first_datagram "$addr" "$since" "$not") ]]'
	first=$(first_datagram "$addr" "$since" "$not")
	FIRST=${first% *} NEW_EP=${first#* }
	log "its first datagram from $NEW_EP reached the relay $(seconds "$since" "$FIRST") s after the change"
	wait_for 40 replied_after "$FIRST" "$@"
	answered=$(first_reply "$FIRST" "$@")
	RECOVERY=$(seconds "$FIRST" "$answered")
	measure "$name" "$RECOVERY"
	measure "${name}_outage" "$(seconds "$since" "$answered")"
}

# handshakes_seen FROM TO: log the handshake messages the relay received between the
# times FROM and TO, each with its time after FROM (WireGuard's message lengths:
# 148 an initiation, 92 a response).
handshakes_seen() {
	awk -v a="$1" -v b="$2" '$1 + 0 >= a + 0 && $1 + 0 <= b + 0 && $2 == "IP" {
		kind = $NF == 148 ? "initiation" : $NF == 92 ? "response" : ""
		if (kind != "") printf "  +%.3f s  %s from %s\n", $1 - a, kind, $3 }' "$TMP/relay-rx"
}
