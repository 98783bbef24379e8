#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One partner's roam does not outweigh a peer's data with its others (pass 8,
# I4). Home talks to the laptop and to an insider, a provisioned peer behind a
# NAT of its own. Home's mapping changes: its sessions roam to the new port,
# which the relay records as where home roamed out of its binding; from there
# home's initiations are vouched for (pass 7, H4). Then the insider sends ONE
# data message on its own index in its session with home (it chose the index,
# and the relay's /proc/net/wgrelay gives home's counter on it), from another
# port of its host, with the counter as far ahead as a roam may jump: to the
# relay, home has roamed there in that session (pass 5, F7, which a roam in
# one's own session always allows), and home's own data there is dropped.
#
# Before (684afd5) the newest roam owned the roam entry: the insider's datagram
# took it, home's new port was no longer vouched for, and once home's binding
# went stale (60 s after its last data from the old port) it followed the roam
# to the insider's port. Now a roam out of the endpoint home still talks from
# with another partner (its data with the laptop there in the last minute) is
# contested and moves nothing (roams_contested), and the binding follows home.
#
# Variants: "after" forges once both of home's sessions have roamed; "window"
# forges in between, when home's session with the laptop has roamed and its
# session with the insider has not (pass 8 review: the first fix, fb85194,
# measured the forged roam only against home's binding, which no other session
# held any more, and the insider won): the laptop's session at the new port,
# where the first contested roam went, holds the insider's roam elsewhere.
#
# variants: after window
# kernels: one
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

# Below the range WireGuard draws its own port from (32768-60999).
INSIDERNAT4=203.0.113.20 OTHER_PORT=20000
cgnat_setup
ns_add insidernat insider
public insidernat wan0 "$INSIDERNAT4"
behind insidernat 10.9.0.1 10.9.0.0/24 insider eth0 10.9.0.2
WG_ADDR[insider]=172.31.0.3
wg_keys home laptop insider
relay_up home laptop insider
wg_up home
wg_up laptop
wg_up insider
wg_mesh_peer home laptop "$RELAY_EP"
wg_mesh_peer laptop home "$RELAY_EP"
wg_mesh_peer home insider "$RELAY_EP"
wg_mesh_peer insider home "$RELAY_EP"

step "home talks to the laptop and to the insider"
pair_works home laptop
pair_works home insider
old_ep=$(binding_ep home)
log "home at $old_ep, laptop at $(binding_ep laptop)"

VARIANT=${1:-after}
# session_of's counter is the relay's latest of home's on the insider's index:
# fresh traffic first, from where home is then.
insider_session() {
	n home ping -q -c 2 -i 0.3 "${WG_ADDR[insider]}" >/dev/null
	read -r idx counter < <(session_of insider home)
	[[ -n ${idx:-} ]] || fail "no confirmed session of the insider with home in /proc/net/wgrelay"
	log "the insider's index $idx, home's counter on it $counter"
}

if [[ $VARIANT == window ]]; then
	insider_session
	step "home's mapping changes; only its session with the laptop has roamed yet"
	n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 7))
	n home ping -q -c 3 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null ||
		fail "home's pings to the laptop after the remap were lost"
else
	step "home's mapping changes; both its sessions roam to the new port"
	n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 7))
	n home ping -q -c 3 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null ||
		fail "home's pings to the laptop after the remap were lost"
	n home ping -q -c 3 -i 0.3 "${WG_ADDR[insider]}" >/dev/null ||
		fail "home's pings to the insider after the remap were lost"
	insider_session
fi
log "home's binding: $(binding_line home); roams_contested $(relay_stat0 roams_contested)"
relay_sessions

step "the insider roams home, in their session, to another port of its own"
c0=$(relay_stat0 roams_contested) r0=$(relay_stat roams)
# As far ahead as a roam may jump (2^32): home's own data in this session is
# below it from now on, so it never roams the session back (pass 5, F7).
n insider wgr-forge onedata "$VPS4" "$RELAY_PORT" "$OTHER_PORT" "$idx" "$((counter + (1 << 32)))"
sleep 1
log "roams $r0 -> $(relay_stat roams), roams_contested $c0 -> $(relay_stat0 roams_contested)"
relay_sessions
(($(relay_stat roams) > r0)) || fail "the insider's datagram did not roam its session (the attack was not made)"
if [[ $VARIANT == window ]]; then
	# Home's data to the insider now comes from the new port, below the
	# insider's counter: dropped, so that session never roams there.
	n home ping -q -c 2 -i 0.3 -W 1 "${WG_ADDR[insider]}" >/dev/null || true
fi

step "home's binding goes stale and follows its roam"
# Home's keepalives (every 25 s) and pings keep its data with both partners
# flowing from the new port; nothing comes from the old one.
deadline=$((SECONDS + 100))
while [[ $(binding_ep home) == "$old_ep" ]] && ((SECONDS < deadline)); do
	n home ping -q -c 1 -W 1 "${WG_ADDR[laptop]}" >/dev/null 2>&1 || true
	sleep 4
done
now_ep=$(binding_ep home)
log "home's binding: $(binding_line home); $(trust_counters)"
relay_sessions
[[ $now_ep != "$old_ep" ]] || fail "home's binding did not follow in 100 s"
[[ $now_ep != "$INSIDERNAT4":* ]] || fail "home's binding followed the insider's forged roam to $now_ep"
assert_match "^$CGNAT4:[0-9]+$" "$now_ep" "home's binding after the remap"
(($(relay_stat0 roams_contested) > c0)) || fail "the insider's roam was not counted as contested"
