#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation fuzzing of the relay's port while a real pair talks through it. Seeds
# are the pair's own messages of all four types, captured at the relay as the
# pair comes up; tests/tools/wgr-pktfuzz.c mutates them (bit flips, sizes around
# every boundary, type and reserved bytes, index and counter edges with the
# pair's live indices, valid mac1 over a corrupted rest, splices) and sends
# FUZZ_DATAGRAMS (default 1,000,000) of them at FUZZ_PPS at most, from an
# attacker on the Internet, over IPv4 and IPv6, the largest fragmented by its
# kernel and one in a hundred as fragment sets built by hand (tiny, duplicated,
# overlapping, incomplete; some with a wrong UDP checksum).
#
# Pass: the kernel does not complain (run.sh), the pair's ping gets through
# during and after, and every datagram is accounted for:
#  - the relay: received = relayed + the sum of its drop reasons, where relayed
#    is what it sent (tx_packets) less the discovery copies among them (each
#    forwarded initiation has its target's binding here, as the bindings are live);
#    the sum of drop reasons is also the device's rx_dropped;
#  - the relay received every datagram UDP delivered in the vps (/proc/net/snmp,
#    snmp6: InDatagrams), and nothing else receives UDP there, and those its
#    fast path took before UDP (fast_packets: the pair's data);
#  - every datagram the attacker sent whole, and every fragment set built to
#    reassemble, was delivered (UDP's count less the pair's, which nftables
#    counts in the vps's input chain, where the fast path's never come); the sets with a wrong checksum are UDP's InCsumErrors;
#    the sets built never to reassemble never reached UDP: each is one of the
#    kernel's ReasmFails (an overlap, or the timeout of an incomplete set), and
#    the others are its ReasmOKs. These four hold give or take one fragment set
#    in a thousand: the kernel is free to evict fragment queues when they fill
#    the memory it allows them, and a set the attacker's own kernel fragmented
#    can share its 16-bit IPv4 ID with a raw set in flight (CI saw one set too
#    few delivered, and one ReasmFail too few, in two runs). The relay's counts
#    above are exact whatever the kernel delivered.
#
# FUZZ_DATAGRAMS and FUZZ_PPS come from the host's environment (tests/vm/run.sh
# passes FUZZ_* on).
#
# cpu: heavy
# timeout: 900

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

FUZZ_DATAGRAMS=${FUZZ_DATAGRAMS:-1000000}
FUZZ_PPS=${FUZZ_PPS:-10000}
ATTACKER4=203.0.113.66 ATTACKER6=2001:db8::66
DROPS=(rx_invalid hs_ratelimited hs_unknown_target hs_unsolicited hs_denied rx_no_session
	hs_cookies hs_no_route sessions_full loop_drops hs_collisions ttl_drops)

cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4" "$ATTACKER6"
wg_keys home laptop
relay_up home laptop

step "seeds: the pair's own messages, captured at the relay as it comes up"
bg vps tcpdump -i eth0 -U -n -Z root -w "$TMP/seed.pcap" "udp port $RELAY_PORT"
capture_pid=$BG_PID
wait_for 10 test -s "$TMP/seed.pcap"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
ping_ok laptop "${WG_ADDR[home]}" 3

SEED_TYPES=(01:148:initiation 02:92:response 03:64:cookie-reply 04:data)
# seeds_extract: the UDP payloads captured so far, one hex line each, in
# $TMP/seeds. tcpdump -x prints each IP packet in hex; the UDP payload follows
# the IPv4 header (IHL words) and the UDP header.
seeds_extract() {
	tcpdump -r "$TMP/seed.pcap" -x -nn 2>/dev/null | awk '
		/^[0-9]/ { if (hex != "") print hex; hex = ""; next }
		{ for (i = 2; i <= NF; i++) hex = hex $i }
		END { if (hex != "") print hex }' | while read -r hex; do
		ihl=$((16#${hex:1:1} * 4))
		echo "${hex:$(((ihl + 8) * 2))}"
	done >"$TMP/seeds"
}
# seeds_count TYPE LEN: how many captured messages are of TYPE (and LEN bytes, or
# at least 32 if LEN is 0).
seeds_count() {
	awk -v t="$1" -v l="$2" 'substr($0, 1, 2) == t &&
		(l == 0 ? length($0) >= 64 : length($0) == 2 * l)' "$TMP/seeds" | wc -l
}
# seeds_complete: every type is in the capture file yet.
seeds_complete() {
	local t type len what
	seeds_extract
	for t in "${SEED_TYPES[@]}"; do
		IFS=: read -r type len what <<<"$t"
		[[ -z $what ]] && len=0
		(($(seeds_count "$type" "$len") > 0)) || return 1
	done
}
# tcpdump under TCG writes well behind the kernel's capture (53 datagrams
# matched, 5 written when it was killed at once on 6.1): wait until the file
# has every type before stopping it, then judge what it holds.
for ((i = 0; i < 100; i++)); do
	seeds_complete && break
	sleep 0.2
done
kill "$capture_pid"
wait "$capture_pid" 2>/dev/null || true
seeds_extract
for t in "${SEED_TYPES[@]}"; do
	IFS=: read -r type len what <<<"$t"
	[[ -z $what ]] && what=$len len=
	got=$(seeds_count "$type" "${len:-0}")
	log "seeds: $got $what"
	((got > 0)) || fail "no $what among the captured messages"
done

# The pair's live receiver indices: edge values for the fuzzer.
live=()
for idx in $(relay_sessions | awk '$6 == "confirmed" { print $2 }'); do
	live+=(-i "$idx")
done
((${#live[@]} >= 4)) || fail "expected two confirmed sessions: $(relay_sessions)"

# Kernel-side accounting in the vps: the pair's datagrams to the relay (never
# fragments: the tunnels' MTU keeps them under the links'), counted by nftables.
n vps nft -f - <<-EOT
	table inet fuzzacct {
		chain input {
			type filter hook input priority filter; policy accept;
			ip saddr { $CGNAT4, $HOTEL4 } udp dport $RELAY_PORT counter
		}
	}
EOT
# Incomplete fragment sets expire in 2 s, not 30, so that the count settles soon.
n vps sysctl -qw net.ipv4.ipfrag_time=2 net.ipv6.ip6frag_time=2

# snapshot FILE: every counter this test accounts with, as NAME=VALUE lines.
snapshot() {
	{
		n vps relayctl show relay0 --json | tr -d '\n' | grep -o '"stats":{[^}]*}' |
			head -1 | sed 's/"stats":{//; s/}//' | tr ',' '\n' | tr -d '"' | tr : =
		echo "rx_dropped=$(n vps cat /sys/class/net/relay0/statistics/rx_dropped)"
		n vps nft list chain inet fuzzacct input | awk '/counter packets/ {
			for (i = 1; i < NF; i++) if ($i == "packets") print "pair=" $(i + 1) }'
		# /proc/net/snmp and netstat: a line of names, then a line of values.
		n vps cat /proc/net/snmp /proc/net/netstat | awk '
			$1 == last { for (i = 2; i <= NF; i++) print substr($1, 1, length($1) - 1) "." h[i] "=" $i; next }
			{ last = $1; for (i = 2; i <= NF; i++) h[i] = $i }'
		n vps cat /proc/net/snmp6 | awk '{ print $1 "=" $2 }'
	} >"$1"
}

# quiet_snapshot FILE: a snapshot that two reads in a row agree on (nothing in
# flight between the counters).
quiet_snapshot() {
	local i
	snapshot "$1"
	for ((i = 0; i < 30; i++)); do
		snapshot "$1.again"
		if cmp -s "$1" "$1.again"; then
			return 0
		fi
		mv "$1.again" "$1"
		sleep 1
	done
	fail "the counters never held still for a snapshot"
}

# delta NAME: NAME's value in $TMP/after less in $TMP/before.
delta() {
	local a b
	a=$(awk -F= -v k="$1" '$1 == k { print $2 }' "$TMP/after")
	b=$(awk -F= -v k="$1" '$1 == k { print $2 }' "$TMP/before")
	[[ -n $a && -n $b ]] || fail "no counter $1"
	echo $((a - b))
}

step "$FUZZ_DATAGRAMS fuzzed datagrams at most $FUZZ_PPS a second, while the pair pings"
quiet_snapshot "$TMP/before"
bg laptop ping -n -i 0.5 -W 2 -c 1000000 "${WG_ADDR[home]}" >"$TMP/ping" 2>&1
ping_pid=$BG_PID
start=$SECONDS
n attacker wgr-pktfuzz -n "$FUZZ_DATAGRAMS" -r "$FUZZ_PPS" -4 "$VPS4" -6 "$VPS6" \
	-p "$RELAY_PORT" -k "${WG_PUB[home]}" -k "${WG_PUB[laptop]}" "${live[@]}" \
	-a "$ATTACKER4" -A "$ATTACKER6" "$TMP/seeds" | tee "$TMP/fuzz"
took=$((SECONDS - start))
# Let the incomplete fragment sets expire, then stop the ping.
sleep 3
kill -INT "$ping_pid"
wait "$ping_pid" || true
measure fuzz_seconds "$took"

step "the pair still works"
ping_ok laptop "${WG_ADDR[home]}" 5
ping_ok home "${WG_ADDR[laptop]}" 5

result=$(grep '^pktfuzz: sent=' "$TMP/fuzz") || fail "the fuzzer printed no result"
declare -A F=()
for kv in ${result#pktfuzz: }; do
	F[${kv%%=*}]=${kv#*=}
done
# The ping during the fuzzing: every reply came (a lost one would be a relay that
# dropped or misdirected a real datagram under fuzzing; TCG may delay, not drop).
# Stopping it may cut the last one off in flight: every earlier one must have come.
transmitted=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMP/ping")
[[ -n $transmitted ]] || fail "no ping summary: $(tail -3 "$TMP/ping")"
missing=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$TMP/ping" | sort -n -u |
	awk -v n="$transmitted" '{ got[$1] = 1 } END { for (i = 1; i < n; i++) if (!got[i]) printf "%d ", i }')
log "the pair's ping during fuzzing: $transmitted sent, no reply to: ${missing:-none}"
((transmitted > 1)) || fail "the pair's ping sent $transmitted during fuzzing"
[[ -z $missing ]] || fail "the pair's ping during fuzzing got no reply to icmp_seq $missing"

step "every datagram is accounted for"
quiet_snapshot "$TMP/after"
rx=$(delta rx_packets) tx=$(delta tx_packets) disc=$(delta discovery_fwd) fast=$(delta fast_packets)
drops=0
for s in "${DROPS[@]}"; do
	d=$(delta "$s")
	printf '  %-18s %s\n' "$s" "$d"
	drops=$((drops + d))
done
for s in rx_packets tx_packets fast_packets discovery_fwd hs_initiations hs_responses \
	cookies_sent tx_errors confirms roams; do
	printf '  %-18s %s\n' "$s" "$(delta "$s")"
done
udp_in=$(($(delta Udp.InDatagrams) + $(delta Udp6InDatagrams)))
csum=$(($(delta Udp.InCsumErrors) + $(delta Udp6InCsumErrors)))
reasm_ok=$(($(delta Ip.ReasmOKs) + $(delta Ip6ReasmOKs)))
reasm_fail=$(($(delta Ip.ReasmFails) + $(delta Ip6ReasmFails)))
pair=$(delta pair)
log "relay: received $rx = relayed $((tx - disc)) + dropped $drops ($disc discovery copies apart)"
log "vps UDP delivered $udp_in ($pair from the pair), $csum with a bad checksum;" \
	"reassembled $reasm_ok; reassembly failures $reasm_fail (IPv4 $(delta Ip.ReasmFails):" \
	"$(delta IpExt.ReasmOverlaps) overlaps, $(delta Ip.ReasmTimeout) timeouts;" \
	"IPv6 $(delta Ip6ReasmFails): $(delta Ip6ReasmTimeout) timeouts)"
measure fuzz_datagrams "${F[sent]}"

assert_eq 0 "$(delta tx_errors)" "tx_errors"
assert_eq "$drops" "$(delta rx_dropped)" "the drop reasons summed here, against the device's rx_dropped"
assert_eq "$rx" "$((tx - disc + drops))" "received, against relayed + dropped"
assert_eq "$((udp_in + fast))" "$rx" \
	"datagrams UDP delivered in the vps and taken by the fast path, against the relay's received"
# The kernel's side of the fragment sets, within a few in a thousand (above).
sets=$((F[big4] + F[big6] + F[raw_ok] + F[raw_csum] + F[raw_fail]))
slack=$((sets / 1000 + 1))
# near WANT GOT WHAT: GOT is WANT give or take slack.
near() {
	(($2 >= $1 - slack && $2 <= $1 + slack)) ||
		fail "$3: expected $1 (give or take $slack of $sets fragment sets), got $2"
}
near "$((F[udp4] + F[udp6] + F[raw_ok]))" "$((udp_in - pair))" \
	"datagrams the attacker sent whole or to reassemble, against those UDP delivered"
near "${F[raw_csum]}" "$csum" "fragment sets with a wrong checksum, against UDP's InCsumErrors"
near "$((F[big4] + F[big6] + F[raw_ok] + F[raw_csum]))" "$reasm_ok" \
	"datagrams the attacker's kernel fragmented and fragment sets built to reassemble, against ReasmOKs"
near "${F[raw_fail]}" "$reasm_fail" \
	"fragment sets built never to reassemble, against ReasmFails (overlaps and timeouts)"
((F[sent] + F[send_errors] == FUZZ_DATAGRAMS)) || fail "the fuzzer's counts do not add up: $result"
((F[send_errors] * 100 <= FUZZ_DATAGRAMS)) || fail "the attacker's stack refused ${F[send_errors]} datagrams"
