// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings (module/bind.c) with a clock the test sets: that a live binding does
 * not move, and when a peer counts as proven where it talks from (helper-86,
 * helper-87, helper-88). The module's own code runs; the endpoint index is a
 * list (kshim/linux/rhashtable.h), and one thread needs no locks.
 *
 * The proof is what a pair route's stamps ask for (relay.c, route_vouches()):
 * a peer proven at an endpoint it does not receive at hands a spoofer its
 * network's share of a loaded target's cookies. Each test below is a way a
 * proof could outlive, or be given to, the wrong holder.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "kshim/wgr_bind_env.h"

unsigned long jiffies = 100000;

bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	return a->addr.sa_family == b->addr.sa_family && a->addr.sa_family == AF_INET &&
	       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
	       a->addr4.sin_port == b->addr4.sin_port;
}

u32 wgr_endpoint_hash(const struct wgr_endpoint *ep, const siphash_key_t *key)
{
	return (u32)siphash(&ep->addr4, sizeof(ep->addr4), key);
}

u64 wgr_jiffies_to_unix(unsigned long then)
{
	return then / HZ;
}

void wgr_event(struct wgr_device *wgr, enum wgrelay_event_type type, const struct wgr_peer *peer,
	       const struct wgr_peer *partner, const struct wgr_endpoint *ep)
{
	if (wgr->n_events < ARRAY_SIZE(wgr->events))
		wgr->events[wgr->n_events++] = type;
}

#define PEERS 3

static struct wgr_device relay;
static struct wgr_peer peers[PEERS];

static struct wgr_endpoint ep(u8 host, u16 port)
{
	struct wgr_endpoint e = { 0 };

	e.addr4.sin_family = AF_INET;
	e.addr4.sin_addr.s_addr = htonl(0xcb007100 | host);
	e.addr4.sin_port = htons(port);
	return e;
}

static void advance(unsigned int seconds)
{
	jiffies += seconds * HZ;
}

static enum wgrelay_event_type last_event(void)
{
	return relay.n_events ? relay.events[relay.n_events - 1] : WGRELAY_EVENT_LOST;
}

static int setup(void **state)
{
	int i;

	(void)state;
	memset(&relay, 0, sizeof(relay));
	memset(peers, 0, sizeof(peers));
	jiffies = 100000;
	relay.cfg.session_timeout = WGRELAY_DEFAULT_SESSION_TIMEOUT;
	relay.cfg.binding_timeout = WGRELAY_DEFAULT_BINDING_TIMEOUT;
	INIT_LIST_HEAD(&relay.peers.list);
	wgr_bind_key_init();
	assert_int_equal(wgr_bindings_init(&relay.bindings), 0);
	for (i = 0; i < PEERS; i++) {
		peers[i].wgr = &relay;
		wgr_bind_peer_init(&peers[i]);
		list_add_tail(&peers[i].list, &relay.peers.list);
	}
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < PEERS; i++)
		wgr_bindings_forget_peer(&relay, &peers[i]);
	assert_int_equal(relay.bindings.by_ep.ht.nelems, 0);
	wgr_bindings_destroy(&relay.bindings);
	return 0;
}

/* A confirmed handshake puts @peer at @at, and its data comes from there. */
static void bind_live(struct wgr_peer *peer, const struct wgr_endpoint *at)
{
	wgr_bind_confirmed(&relay, peer, at);
	wgr_bind_seen(peer, at);
	assert_true(wgr_bind_live_at(peer, at));
}

/* Data from @at, one second on (wgr_bind_seen() stores once a jiffy). */
static void data_from(struct wgr_peer *peer, const struct wgr_endpoint *at, unsigned int seconds)
{
	while (seconds--) {
		advance(1);
		wgr_bind_seen(peer, at);
	}
}

/* A second on, @peer's data in one of its sessions comes from @to, not @from. */
static void roam(struct wgr_peer *peer, const struct wgr_endpoint *from,
		 const struct wgr_endpoint *to)
{
	advance(1);
	wgr_bind_roamed(&relay, peer, from, to, NULL);
	assert_true(wgr_bind_roam_live(peer, to));
}

/* @peer's stale binding follows it to @to, and its data from there makes it live. */
static void follows_to(struct wgr_peer *peer, const struct wgr_endpoint *to)
{
	enum wgrelay_binding_status status;
	struct wgr_endpoint at;

	assert_true(wgr_bind_route(&relay, peer, &at, &status));
	assert_true(wgr_endpoint_eq(&at, to));
	wgr_bind_seen(peer, to);
	assert_true(wgr_bind_live_at(peer, to));
}

/* The rule the rest stand on: a live binding does not move; a stale one follows. */
static void test_live_binding_stays(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), b = ep(2, 40000);
	struct wgr_peer *laptop = &peers[0];
	enum wgrelay_binding_status status;
	struct wgr_endpoint to;

	(void)state;
	bind_live(laptop, &a);
	assert_int_equal(last_event(), WGRELAY_EVENT_BOUND);
	advance(1);
	wgr_bind_confirmed(&relay, laptop, &b);
	assert_int_equal(last_event(), WGRELAY_EVENT_ALTERNATE);
	assert_true(wgr_bind_route(&relay, laptop, &to, &status));
	assert_int_equal(status, WGRELAY_BINDING_STATUS_LIVE);
	assert_true(wgr_endpoint_eq(&to, &a));
	assert_int_equal(laptop->bindings_kept, 1);

	/* Silent for a minute: stale, and it goes where it was confirmed since. */
	advance(WGRELAY_BINDING_STALE);
	assert_true(wgr_bind_route(&relay, laptop, &to, &status));
	assert_true(wgr_endpoint_eq(&to, &b));
	assert_int_equal(last_event(), WGRELAY_EVENT_REBOUND);
	assert_int_equal(relay.stats[WGRELAY_STAT_BINDINGS_FOLLOWED], 1);
}

/* A proof names the endpoint it was made from, and only where the peer talks. */
static void test_prove_where_it_talks(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), b = ep(2, 40000);
	struct wgr_peer *laptop = &peers[0];
	struct wgr_peer_info info = { 0 };

	(void)state;
	/* Nowhere to prove: no binding yet. */
	wgr_bind_prove(laptop, &a);
	assert_false(wgr_bind_proven(laptop, &a));

	bind_live(laptop, &a);
	assert_false(wgr_bind_proven(laptop, &a));
	/* Not where it talks: nothing. */
	wgr_bind_prove(laptop, &b);
	assert_false(wgr_bind_proven(laptop, &b));
	assert_false(wgr_bind_proven(laptop, &a));

	wgr_bind_prove(laptop, &a);
	assert_true(wgr_bind_proven(laptop, &a));
	assert_false(wgr_bind_proven(laptop, &b));
	wgr_bind_read(&relay, laptop, &info);
	assert_true(info.bind_proven);
}

/*
 * helper-87's first finding ("gone" in t-trust-stampdrain): a stale binding
 * confirmed again at the same endpoint is anyone's, and so is not proven.
 */
static void test_stale_binding_confirmed_again(void **state)
{
	struct wgr_endpoint a = ep(1, 51820);
	struct wgr_peer *gone = &peers[0];

	(void)state;
	bind_live(gone, &a);
	wgr_bind_prove(gone, &a);
	assert_true(wgr_bind_proven(gone, &a));

	advance(WGRELAY_BINDING_STALE + 1);
	assert_false(wgr_bind_proven(gone, &a));
	/* A blind spoofer's staging confirms it there again. */
	wgr_bind_confirmed(&relay, gone, &a);
	assert_true(wgr_bind_live_at(gone, &a));
	assert_false(wgr_bind_proven(gone, &a));
}

/*
 * helper-88's first finding ("gone2"): a binding kept live by someone else's
 * data loses its proof after WGR_PROOF_LIFE; only the peer's mac2 renews it,
 * and not more than once in half a life.
 */
static void test_proof_life(void **state)
{
	struct wgr_endpoint a = ep(1, 51820);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	wgr_bind_set_proof_life(&relay.bindings, 10);
	bind_live(laptop, &a);
	wgr_bind_prove(laptop, &a);
	data_from(laptop, &a, 4);
	/* Within half its life: not renewed. */
	wgr_bind_prove(laptop, &a);
	data_from(laptop, &a, 2);
	/* Past half of it: renewed from now (six seconds in). */
	wgr_bind_prove(laptop, &a);
	data_from(laptop, &a, 9);
	assert_true(wgr_bind_proven(laptop, &a));
	data_from(laptop, &a, 1);
	assert_false(wgr_bind_proven(laptop, &a));
	assert_true(wgr_bind_live_at(laptop, &a));

	/* The peer's next mac2 proves it again. */
	wgr_bind_prove(laptop, &a);
	data_from(laptop, &a, 9);
	assert_true(wgr_bind_proven(laptop, &a));
}

/*
 * helper-87's second finding: where two peers talk from one endpoint (a ghost
 * staged at the laptop's), a mac2 from there proves neither; the relay cannot
 * tell whose retry it was.
 */
static void test_no_proof_where_two_talk(void **state)
{
	struct wgr_endpoint a = ep(1, 51820);
	struct wgr_peer *laptop = &peers[0], *ghost = &peers[1];

	(void)state;
	bind_live(laptop, &a);
	bind_live(ghost, &a);
	wgr_bind_prove(laptop, &a);
	wgr_bind_prove(ghost, &a);
	assert_false(wgr_bind_proven(laptop, &a));
	assert_false(wgr_bind_proven(ghost, &a));

	/* The ghost goes stale while the laptop talks: the laptop's proof is its own. */
	data_from(laptop, &a, WGRELAY_BINDING_STALE + 1);
	assert_false(wgr_bind_live_at(ghost, &a));
	wgr_bind_prove(laptop, &a);
	assert_true(wgr_bind_proven(laptop, &a));
	assert_false(wgr_bind_proven(ghost, &a));
}

/*
 * A roam out of a live binding (a CGNAT remap, or a partner's staged roam, G6)
 * is proven on its own: its proof is not the binding's, and goes when the roam
 * moves on.
 */
static void test_roam_proof_is_its_own(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), r = ep(1, 40001), r2 = ep(1, 40002);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	bind_live(laptop, &a);
	wgr_bind_prove(laptop, &a);
	roam(laptop, &a, &r);
	assert_false(wgr_bind_proven(laptop, &r));
	wgr_bind_prove(laptop, &r);
	assert_true(wgr_bind_proven(laptop, &r));
	/* The binding's proof stands beside it. */
	assert_true(wgr_bind_proven(laptop, &a));

	/* The roam moves on: its new endpoint is not proven. */
	roam(laptop, &r, &r2);
	assert_false(wgr_bind_proven(laptop, &r2));
	assert_false(wgr_bind_proven(laptop, &r));
}

/* The operator's word on an endpoint, given and taken back, leaves no old proof. */
static void test_static_endpoint_clears(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), s = ep(9, 51820);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	bind_live(laptop, &a);
	wgr_bind_prove(laptop, &a);
	assert_true(wgr_bind_proven(laptop, &a));
	wgr_bind_set_static(laptop, &s);
	assert_true(wgr_bind_proven(laptop, &s));
	assert_false(wgr_bind_proven(laptop, &a));
	wgr_bind_set_static(laptop, NULL);
	assert_true(wgr_bind_live_at(laptop, &a));
	assert_false(wgr_bind_proven(laptop, &a));
}

/*
 * A stale binding that follows its peer's roam takes the roam's proof, and
 * what is left of its life: the peer received there, then. A proof older than
 * its life does not come back fresh at the binding.
 */
static void test_follow_carries_proof(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), r = ep(1, 40001);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	wgr_bind_set_proof_life(&relay.bindings, 60);
	bind_live(laptop, &a);
	roam(laptop, &a, &r);
	data_from(laptop, &r, 20);
	wgr_bind_prove(laptop, &r);
	/* Its binding goes stale; the roam follows, forty seconds into its proof. */
	data_from(laptop, &r, WGRELAY_BINDING_STALE - 20);
	follows_to(laptop, &r);
	assert_true(wgr_bind_proven(laptop, &r));
	data_from(laptop, &r, 19);
	assert_true(wgr_bind_proven(laptop, &r));
	data_from(laptop, &r, 1);
	assert_false(wgr_bind_proven(laptop, &r));
}

static void test_follow_drops_expired_proof(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), r = ep(1, 40001);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	wgr_bind_set_proof_life(&relay.bindings, 10);
	bind_live(laptop, &a);
	roam(laptop, &a, &r);
	wgr_bind_prove(laptop, &r);
	assert_true(wgr_bind_proven(laptop, &r));
	/*
	 * Whoever keeps the roam live now (a partner's staged session, G6)
	 * never proved there; the proof runs out before the binding follows.
	 */
	data_from(laptop, &r, WGRELAY_BINDING_STALE);
	assert_false(wgr_bind_proven(laptop, &r));
	follows_to(laptop, &r);
	assert_false(wgr_bind_proven(laptop, &r));
}

/* A roam never proven gives the binding that follows it no proof. */
static void test_follow_unproven_roam(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), r = ep(1, 40001);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	bind_live(laptop, &a);
	wgr_bind_prove(laptop, &a);
	roam(laptop, &a, &r);
	data_from(laptop, &r, WGRELAY_BINDING_STALE);
	follows_to(laptop, &r);
	assert_false(wgr_bind_proven(laptop, &r));
}

/*
 * A roam proven at one endpoint that moved on to another: the binding that
 * follows it there has no proof (the proof stayed with the endpoint it named).
 */
static void test_follow_moved_roam(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), r = ep(1, 40001), r2 = ep(1, 40002);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	bind_live(laptop, &a);
	roam(laptop, &a, &r);
	wgr_bind_prove(laptop, &r);
	assert_true(wgr_bind_proven(laptop, &r));
	roam(laptop, &r, &r2);
	data_from(laptop, &r2, WGRELAY_BINDING_STALE);
	follows_to(laptop, &r2);
	assert_false(wgr_bind_proven(laptop, &r2));
}

/*
 * The sweep clears a proof past its life: on a 32-bit kernel, jiffies wraps,
 * and a proof left set would look fresh again 2^32 jiffies after it was made
 * (time_before() then sees it as made "just now"). The host's long is 64-bit,
 * so the test looks at the flag the sweep clears.
 */
static void test_gc_clears_old_proofs(void **state)
{
	struct wgr_endpoint a = ep(1, 51820);
	struct wgr_peer *laptop = &peers[0];

	(void)state;
	wgr_bind_set_proof_life(&relay.bindings, 10);
	bind_live(laptop, &a);
	wgr_bind_prove(laptop, &a);
	data_from(laptop, &a, 9);
	wgr_bindings_gc(&relay);
	assert_true(laptop->at[WGR_AT_BINDING].proven);
	data_from(laptop, &a, 1);
	wgr_bindings_gc(&relay);
	assert_false(laptop->at[WGR_AT_BINDING].proven);
	assert_false(wgr_bind_proven(laptop, &a));
}

/*
 * The peers bound at an endpoint, for a retry's budgets (relay.c, retrier()):
 * all of them, a ghost staged there after the laptop as well as the laptop,
 * which wgr_bind_owner()'s newest one hid (helper-93); and not a peer that
 * only roamed there (a roam is anyone's to stage: helper-91, M-B).
 */
static void test_bound_at_all(void **state)
{
	struct wgr_endpoint a = ep(1, 51820), b = ep(1, 40001);
	struct wgr_peer *laptop = &peers[0], *ghost = &peers[1], *roamer = &peers[2];
	struct wgr_peer *out[4];
	enum wgr_bind_at at;
	unsigned int n;

	(void)state;
	bind_live(laptop, &a);
	advance(1);
	bind_live(ghost, &a);		/* staged: spoofed initiation and data "from" a */
	bind_live(roamer, &b);
	roam(roamer, &b, &a);
	assert_ptr_equal(wgr_bind_owner(&relay, &a, &at), ghost);
	n = wgr_bind_bound_at(&relay, &a, out, ARRAY_SIZE(out));
	assert_int_equal(n, 2);
	assert_true(out[0] == laptop || out[1] == laptop);
	assert_true(out[0] == ghost || out[1] == ghost);
	/* Room for one: the newest. */
	assert_int_equal(wgr_bind_bound_at(&relay, &a, out, 1), 1);
	assert_ptr_equal(out[0], ghost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_binding_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prove_where_it_talks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_binding_confirmed_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proof_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_proof_where_two_talk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roam_proof_is_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_endpoint_clears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_carries_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_drops_expired_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_unproven_roam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_moved_roam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_clears_old_proofs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_at_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
