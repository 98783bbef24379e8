#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Return routability with WireGuard's own cookie (trust model v2). Two stock peers
# behind NAT, neither yet known to a fresh relay, find each other: each first
# initiation gets the relay's cookie reply (sealed on the target's behalf), each
# retry carries mac2 made from it, and only a source that proved it receives at
# its address becomes a discovery candidate. Run with kernel WireGuard and with
# wireguard-go (which keeps the last cookie rather than the first). Prints how
# long the pair took to connect.
#
# Then reflection: an attacker spoofs initiations "from" a victim, from many
# ports, at 500 a second. The victim is never made a discovery candidate (it
# never carries mac2), so no copy of anyone's initiation goes to it; what the
# relay sends it is cookie replies, each smaller than its cause, at most 100 a
# second in all.
#
# variants: kernel go
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

impl=${1:-kernel}
VICTIM4=203.0.113.77 ATTACKER4=203.0.113.66
cgnat_setup
ns_add victim attacker
public victim eth0 "$VICTIM4"
public attacker eth0 "$ATTACKER4"
# The attacker's spoofed datagrams must leave its namespace and reach the vps.
n inet sysctl -qw net.ipv4.conf.all.rp_filter=0
n vps sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
if [[ $impl == go ]]; then
	WG_IMPL[home]=go WG_IMPL[laptop]=go
fi
wg_keys home laptop ghost
relay_up home laptop ghost

step "a fresh pair ($impl WireGuard) connects through return routability"
start=${EPOCHREALTIME/./}
wg_peers "$RELAY_EP" "$RELAY_EP"
wait_for 60 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
took=$(((${EPOCHREALTIME/./} - start) / 1000))
log "the pair connected $took ms after both peers came up"
n vps relayctl show relay0 stats | grep -E 'cookies_sent|hs_mac2|discovery_fwd|confirms'
assert_stat_ge cookies_sent 2
assert_stat_ge hs_mac2 1
assert_stat_ge discovery_fwd 1
assert_stat_ge confirms 1
ping_ok home "${WG_ADDR[laptop]}" 3

step "reflection: initiations spoofed from a victim, from 50 ports, 500 a second"
n victim nft -f - <<-EOT
	table inet count {
		chain input {
			type filter hook input priority 0; policy accept;
			udp sport $RELAY_PORT udp length 72 counter
			udp sport $RELAY_PORT udp length 156 counter
			udp sport $RELAY_PORT counter
		}
	}
EOT
spoofers=()
t0=${EPOCHREALTIME/./}
for port in $(seq 20001 20050); do
	# For ghost, who has no endpoint: each would be copied to every candidate.
	n attacker wgr-forge spoof "$VICTIM4" "$port" "$VPS4" "$RELAY_PORT" initiation 20 \
		"${WG_PUB[ghost]}" &
	spoofers+=($!)
done
# Meanwhile others keep initiating to ghost: none of it may go to the victim.
n attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" 20 10 "${WG_PUB[ghost]}"
wait "${spoofers[@]}"
secs=$(((${EPOCHREALTIME/./} - t0) / 1000000 + 1))
sleep 1
counts=$(n victim nft list chain inet count input | grep -o 'packets [0-9]*' | awk '{ print $2 }' | tr '\n' ' ')
read -r cookies copies total <<<"$counts"
log "the victim received $cookies cookie replies, $copies copies of initiations, $total datagrams in all"
n vps relayctl show relay0 stats | grep -E 'cookies_sent|hs_ratelimited|discovery_fwd'
assert_eq 0 "$copies" "copies of initiations sent to the spoofed victim"
assert_eq "$cookies" "$total" "everything the victim received is a cookie reply"
# 1,000 spoofed initiations over $secs s: at most 100 cookies a second (and a burst
# of 20) may go to one address.
log "the spoofing took $secs s (rounded up)"
((cookies <= 100 * secs + 20)) || fail "the victim received $cookies cookie replies in $secs s"
((cookies >= 1)) || fail "no cookie reply reached the victim (the spoofing did not work)"
log "reflection toward the victim: $((cookies * 64)) bytes for $((1000 * 148)) sent by the attacker"
