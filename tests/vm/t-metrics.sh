#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl metrics, as node_exporter's textfile collector reads it: home and the
# laptop (stock WireGuard, both behind NAT) talk through the relay, and the
# Prometheus text moves as predicted: a ping's datagrams in the relayed counters,
# each peer's counters equal to what `relayctl show --json` and sysfs say, the
# bindings live. Every output passes the strict format checker (wgr-promcheck),
# with a second relay whose name needs escaping; --output replaces its file
# atomically and leaves it alone on failure. The outputs are logged between
# "--- metrics" lines, for promtool on the host (tests/promtool.sh).
#
# kernels: newest
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

PINGS=20

# load ARRAY TEXT: ARRAY[series] = value for every sample of TEXT. Lookups are
# then ${ARRAY[series]-missing}, in bash alone: the guest forks slowly.
load() {
	local -n _m=$1
	local line
	_m=()
	while IFS= read -r line; do
		[[ -z $line || $line == '#'* ]] || _m[${line% *}]=${line##* }
	done <<<"$2"
}
declare -A M M0 M1 A B

# metrics_ok ARGS...: relayctl metrics ARGS on the vps, checked, logged, printed.
metrics_ok() {
	local out
	out=$(n vps relayctl metrics "$@")
	echo "--- metrics $* begin" >&2
	printf '%s\n' "$out" >&2
	echo "--- metrics $* end" >&2
	wgr-promcheck <<<"$out" >&2 || fail "relayctl metrics $* is not well-formed (above)"
	printf '%s\n' "$out"
}

# json_peer_field NAME FIELD JSON: FIELD of the peer named NAME in show --json.
json_peer_field() {
	local re="\"name\":\"$1\"[^}]*\"$2\":([0-9]+)"
	[[ $3 =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

# between LOW X HIGH WHAT: counters read at three moments, in order.
between() {
	[[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] ||
		fail "$4: not numbers: '$1' '$2' '$3'"
	(($1 <= $2 && $2 <= $3)) || fail "$4: $2 is not between the metrics' $1 and $3"
}

cgnat_setup
wg_keys home laptop phone

step "a relay with three peers, the phone without a name; nothing has happened yet"
relay_up home laptop
n vps relayctl set relay0 peer "${WG_PUB[phone]}"
m=$(metrics_ok relay0)
load M "$m"
assert_eq 3 ${M['wgrelay_peers{device="relay0"}']-missing} "wgrelay_peers"
assert_eq 3 ${M['wgrelay_bindings{device="relay0",status="none"}']-missing} "bindings none"
assert_eq 0 ${M['wgrelay_tx_packets_total{device="relay0"}']-missing} "tx_packets before traffic"
# An unnamed peer is labelled with its key.
k="wgrelay_peer_rx_packets_total{device=\"relay0\",peer=\"${WG_PUB[phone]}\"}"
assert_eq 0 "${M[$k]-missing}" \
	"the unnamed peer's rx_packets"
k="wgrelay_peer_binding{device=\"relay0\",peer=\"${WG_PUB[phone]}\",status=\"none\"}"
assert_eq 1 "${M[$k]-missing}" \
	"the unnamed peer's binding status"
# Every device counter the kernel has, by its sysfs name.
for name in $(n vps ls /sys/class/net/relay0/wgrelay/); do
	case $name in
	listen_port | session_timeout | binding_timeout | max_sessions | discovery_fanout | roaming | \
		fast_path | peers | sessions) continue ;;
	esac
	k="wgrelay_${name}_total{device=\"relay0\"}"
	[[ ${M[$k]-missing} != missing ]] ||
		fail "sysfs counter $name has no wgrelay_${name}_total"
done

k="wgrelay_fast_path{device=\"relay0\"}"
assert_eq 1 "${M[$k]-missing}" "the fast path's gauge"

step "home and the laptop connect through the relay"
wg_peers "$RELAY_EP" "$RELAY_EP"
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
log "connected"
m0=$(metrics_ok relay0)
load M0 "$m0"
n laptop ping -q -c "$PINGS" -i 0.2 -W 2 "${WG_ADDR[home]}" | tail -2
# A late last reply may still be on its way through the relay (t-fastpath's relayed()).
sleep 1
m1=$(metrics_ok all)
load M1 "$m1"
m1_head=$(head -30 <<<"$m1")
log "relayctl metrics all, its first 30 lines:"
printf '%s\n' "$m1_head"

delta() { echo $((${M1[$1]-missing} - ${M0[$1]-missing})); }
# Each echo request and reply crosses the relay once: at least 2 * PINGS relayed.
d=$(delta 'wgrelay_tx_packets_total{device="relay0"}')
log "relayed $d datagrams during $PINGS pings"
((d >= 2 * PINGS)) || fail "wgrelay_tx_packets_total rose by $d, expected at least $((2 * PINGS))"
d=$(delta 'wgrelay_rx_packets_total{device="relay0"}')
((d >= 2 * PINGS)) || fail "wgrelay_rx_packets_total rose by $d, expected at least $((2 * PINGS))"
for p in laptop home; do
	for c in rx_packets tx_packets; do
		d=$(delta "wgrelay_peer_${c}_total{device=\"relay0\",peer=\"$p\"}")
		((d >= PINGS)) || fail "$p's wgrelay_peer_${c}_total rose by $d, expected at least $PINGS"
	done
	d=$(delta "wgrelay_peer_rx_bytes_total{device=\"relay0\",peer=\"$p\"}")
	# A ping through WireGuard is a 128-byte transport message at least.
	((d >= PINGS * 128)) || fail "$p's wgrelay_peer_rx_bytes_total rose by $d"
	k="wgrelay_peer_binding{device=\"relay0\",peer=\"$p\",status=\"live\"}"
	assert_eq 1 "${M1[$k]-missing}" \
		"$p's binding live"
	k="wgrelay_peer_binding{device=\"relay0\",peer=\"$p\",status=\"none\"}"
	assert_eq 0 "${M1[$k]-missing}" \
		"$p's binding not none"
done
assert_eq 2 ${M1['wgrelay_bindings{device="relay0",status="live"}']-missing} "bindings live"
assert_eq 1 ${M1['wgrelay_bindings{device="relay0",status="none"}']-missing} "bindings none"
((${M1['wgrelay_confirms_total{device="relay0"}']-missing} >= 1)) || fail "no confirm counted"
((${M1['wgrelay_hs_initiations_total{device="relay0"}']-missing} >= 1)) || fail "no initiation counted"
assert_eq 0 ${M1['wgrelay_rx_invalid_total{device="relay0"}']-missing} "rx_invalid"

step "every value equals what show --json and sysfs say (counters only rise: read between two outputs)"
a=$(metrics_ok relay0)
load A "$a"
json=$(n vps relayctl show relay0 --json)
sysfs=()
for c in rx_packets tx_packets rx_bytes tx_bytes hs_initiations hs_responses confirms sessions_created; do
	sysfs+=("$c $(relay_stat "$c")")
done
b=$(metrics_ok relay0)
load B "$b"
for p in home laptop; do
	for c in rx_packets rx_bytes tx_packets tx_bytes handshakes bindings_kept; do
		key="wgrelay_peer_${c}_total{device=\"relay0\",peer=\"$p\"}"
		between "${A[$key]-missing}" "$(json_peer_field "$p" "$c" "$json")" "${B[$key]-missing}" \
			"$p's $c"
	done
	for r in allowed-peers address-ceiling no-route sessions-full collision; do
		key="wgrelay_peer_refused_total{device=\"relay0\",peer=\"$p\",reason=\"$r\"}"
		between "${A[$key]-missing}" "$(json_peer_field "$p" "${r//-/_}" "$json")" \
			"${B[$key]-missing}" "$p's $r refusals"
	done
	# The kernel derives it from jiffies at each read (now - age, in whole
	# seconds: wgr_jiffies_to_unix()), so two reads may round a second apart.
	key="wgrelay_peer_last_seen_timestamp_seconds{device=\"relay0\",peer=\"$p\"}"
	between $((${A[$key]-missing} - 1)) "$(json_peer_field "$p" last_seen "$json")" \
		$((${B[$key]-missing} + 1)) "$p's last_seen (give or take the second it is rounded to)"
done
for s in "${sysfs[@]}"; do
	key="wgrelay_${s% *}_total{device=\"relay0\"}"
	between "${A[$key]-missing}" "${s#* }" "${B[$key]-missing}" "sysfs ${s% *}"
done
log "per-peer and device values agree with show --json and sysfs"

step "a second relay whose name needs escaping: one family each, both relays in it"
weird='re"l\ay'
n vps ip link add "$weird" type wgrelay
n vps relayctl set "$weird" listen-port 51999 peer "${WG_PUB[home]}" name home
m=$(metrics_ok all)
load M "$m"
assert_eq 1 ${M['wgrelay_peers{device="re\"l\\ay"}']-missing} "the escaped device's peers"
assert_eq 0 ${M['wgrelay_peer_rx_packets_total{device="re\"l\\ay",peer="home"}']-missing} \
	"the escaped device's peer"
[[ ${M['wgrelay_peers{device="relay0"}']-missing} == 3 ]] || fail "relay0 missing from metrics all"
assert_eq 1 "$(grep -c '^# TYPE wgrelay_peers gauge$' <<<"$m")" "one TYPE line for two relays"
m=$(metrics_ok "$weird")
load M "$m"
assert_eq 1 "$(grep -c '^wgrelay_peers{' <<<"$m")" "metrics DEV: that relay alone"
n vps ip link del "$weird"

step "--output: the collector's file, replaced atomically, kept when relayctl fails"
dir=$TMP/node-exporter
mkdir -p "$dir"
n vps relayctl metrics all --output "$dir/wgrelay.prom"
wgr-promcheck "$dir/wgrelay.prom"
assert_eq 644 "$(stat -c %a "$dir/wgrelay.prom")" "the file's mode"
assert_eq "" "$(find "$dir" -name 'wgrelay.prom.*')" "temporary files left"
before=$(cat "$dir/wgrelay.prom")
assert_fails n vps relayctl metrics nosuchrelay --output "$dir/wgrelay.prom"
assert_eq "$before" "$(cat "$dir/wgrelay.prom")" "the file after a failed run"
assert_fails n vps relayctl metrics all --output "$TMP/nosuchdir/wgrelay.prom"
assert_eq "" "$(find "$dir" -name 'wgrelay.prom.*')" "temporary files left after failures"
