// SPDX-License-Identifier: GPL-2.0
/*
 * Shared by the relayctl fuzz targets. getaddrinfo() is wrapped (-Wl,--wrap) to
 * numeric hosts only: a fuzzer must not send DNS queries, and a name that does
 * not resolve fails the same way as one that is not an address.
 */
#include <netdb.h>
#include <string.h>

#include "fuzz.h"

static FILE *saved_stderr;

FILE *fuzz_stderr(void)
{
	return saved_stderr ? saved_stderr : stderr;
}

__attribute__((constructor)) static void keep_stderr(void)
{
	saved_stderr = stderr;
}

void capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	if (!c->f)
		abort();
}

void capture_end(struct capture *c)
{
	if (fclose(c->f))
		abort();
	c->f = NULL;
}

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h = { 0 };

	if (hints)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

#include "config.h"
#include "error.h"

static void print_device(const struct wgr_device *dev, struct capture *c)
{
	capture_start(c);
	CHECK(config_print(c->f, dev) == 0);
	capture_end(c);
}

static bool same_peer(const struct wgr_peer *a, const struct wgr_peer *b)
{
	return !memcmp(a->key, b->key, WGRELAY_KEY_LEN) && !strcmp(a->name, b->name) &&
	       endpoint_equal(&a->endpoint, &b->endpoint) && a->n_allowed == b->n_allowed;
}

void config_roundtrip(const struct wgr_device *dev, const char *what)
{
	struct wgr_device back = { 0 };
	struct capture one, two;
	size_t i, n = 0;
	int ret;

	print_device(dev, &one);
	ret = config_parse(&back, one.buf, one.len, "printed");
	if (!ret)
		ret = resolve_allowed(&back, NULL);
	if (ret)
		fprintf(fuzz_stderr(), "%s: its printed config does not read back: %s\n%s", what,
			last_error(), one.buf);
	CHECK(ret == 0);
	print_device(&back, &two);
	if (one.len != two.len || memcmp(one.buf, two.buf, one.len))
		fprintf(fuzz_stderr(), "%s: printed twice differently:\n%s\n--\n%s", what, one.buf,
			two.buf);
	CHECK(one.len == two.len && !memcmp(one.buf, two.buf, one.len));

	/* The same values, not only the same text. */
	CHECK(back.set == dev->set);
	CHECK(!(dev->set & DEV_HAS_LISTEN_PORT) || back.listen_port == dev->listen_port);
	CHECK(!(dev->set & DEV_HAS_SESSION_TIMEOUT) || back.session_timeout == dev->session_timeout);
	CHECK(!(dev->set & DEV_HAS_BINDING_TIMEOUT) || back.binding_timeout == dev->binding_timeout);
	CHECK(!(dev->set & DEV_HAS_MAX_SESSIONS) || back.max_sessions == dev->max_sessions);
	CHECK(!(dev->set & DEV_HAS_FANOUT) || back.fanout == dev->fanout);
	CHECK(!(dev->set & DEV_HAS_ROAMING) || back.roaming == dev->roaming);
	for (i = 0; i < dev->n_peers; i++) {
		const struct wgr_peer *p = &dev->peers[i], *q;

		if (p->remove)
			continue;
		n++;
		q = device_find_peer(&back, p->key);
		CHECK(q && same_peer(p, q));
	}
	CHECK(back.n_peers == n);
	free(one.buf);
	free(two.buf);
	device_free(&back);
}
