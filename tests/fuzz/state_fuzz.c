// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: relayctl's state file parser (tools/state.c: state_parse(), the
 * reader behind `relayctl restore` and `up`). The input is a state file. A refused
 * file's message names the file and line; an accepted one holds only what the
 * format allows, and state_print() writes it back as a file that parses to the
 * same entries and prints the same bytes (what save then restore relies on).
 */
#include <string.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"
#include "state.h"

static bool same_ep(const union wgr_sockaddr *a, const struct wgr_local *la,
		    const union wgr_sockaddr *b, const struct wgr_local *lb)
{
	return endpoint_equal(a, b) && la->len == lb->len && !memcmp(la->addr, lb->addr, la->len);
}

static void check_entries(const struct relay_state *st)
{
	size_t i;
	int h;

	for (i = 0; i < st->n_pairs; i++) {
		const struct state_pair *p = &st->pairs[i];

		CHECK(memcmp(p->key[0], p->key[1], WGRELAY_KEY_LEN));
		for (h = 0; h < 2; h++) {
			CHECK(endpoint_len(&p->ep[h]));
			CHECK(p->local[h].len == 0 ||
			      p->local[h].len == (p->ep[h].sa.sa_family == AF_INET ? 4 : 16));
		}
	}
	for (i = 0; i < st->n_bindings; i++) {
		const struct state_binding *b = &st->bindings[i];

		CHECK(endpoint_len(&b->ep));
		CHECK(b->local.len == 0 || b->local.len == (b->ep.sa.sa_family == AF_INET ? 4 : 16));
	}
}

/* Prints @st, reads it back and checks the two agree; returns the text. */
static char *print_and_reread(const struct relay_state *st, size_t *len)
{
	struct relay_state back;
	struct capture c;
	size_t i;
	int h, ret;

	capture_start(&c);
	CHECK(state_print(c.f, st) == 0);
	capture_end(&c);
	ret = state_parse(&back, c.buf, c.len, "printed");
	if (ret)
		fprintf(fuzz_stderr(), "state: printed file does not read back: %s\n%s",
			last_error(), c.buf);
	CHECK(ret == 0);
	CHECK(back.saved == st->saved);
	CHECK(back.n_pairs == st->n_pairs && back.n_bindings == st->n_bindings);
	for (i = 0; i < st->n_pairs; i++) {
		const struct state_pair *p = &st->pairs[i], *q = &back.pairs[i];

		CHECK(!memcmp(p->key, q->key, sizeof(p->key)));
		CHECK(!memcmp(p->index, q->index, sizeof(p->index)));
		CHECK(!memcmp(p->counter, q->counter, sizeof(p->counter)));
		CHECK(p->last_seen == q->last_seen && p->leaked == q->leaked);
		for (h = 0; h < 2; h++)
			CHECK(same_ep(&p->ep[h], &p->local[h], &q->ep[h], &q->local[h]));
	}
	for (i = 0; i < st->n_bindings; i++) {
		const struct state_binding *b = &st->bindings[i], *d = &back.bindings[i];

		CHECK(!memcmp(b->key, d->key, sizeof(b->key)) && b->last_seen == d->last_seen);
		CHECK(same_ep(&b->ep, &b->local, &d->ep, &d->local));
	}
	state_free(&back);
	*len = c.len;
	return c.buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_state st, back;
	char *one, *two;
	size_t n1, n2;

	if (state_parse(&st, (const char *)data, size, "fuzz.state")) {
		VERBOSE("refused: %s\n", last_error());
		CHECK(!strncmp(last_error(), "fuzz.state:", 11));
		CHECK(!st.pairs && !st.bindings && !st.n_pairs && !st.n_bindings);
		return 0;
	}
	VERBOSE("accepted: %zu pairs, %zu bindings\n", st.n_pairs, st.n_bindings);
	check_entries(&st);
	one = print_and_reread(&st, &n1);
	CHECK(state_parse(&back, one, n1, "printed") == 0);
	two = print_and_reread(&back, &n2);
	CHECK(n1 == n2 && !memcmp(one, two, n1));
	free(one);
	free(two);
	state_free(&back);
	state_free(&st);
	return 0;
}
