// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: relayctl's reading of the kernel's netlink replies (tools/netlink.c,
 * show.c, showconf.c, state.c), through libnl's real receive loop. libnl's socket
 * calls are wrapped (-Wl,--wrap, as in tests/unit/dump_test.c): nothing is sent,
 * and each read of the socket returns the next chunk of the input. The sequence
 * number check is turned off (the fuzzer cannot guess the numbers), nothing else.
 *
 * Input: one byte picks the command, then chunks of a 2-byte little-endian length
 * and that many bytes, each what one recvmsg() would return (any number of
 * netlink messages: replies, NLMSG_DONE, NLMSG_ERROR with extack). After the last
 * chunk the socket fails with an error. Commands and what must hold:
 *  - show lo [peers|sessions|stats] [--json]: with --json and success, the output
 *    is one valid JSON value in UTF-8;
 *  - showconf lo: on success, and if the reply keeps the uapi's promises, its
 *    text reads back through setconf's parser into the same configuration;
 *  - save: the state file written from any dump reads back to the same entries;
 *  - restore and flush: the reply and ACK paths.
 * Every command ends in success or in a negative errno with a message.
 */
#include <errno.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"
#include "netlink.h"
#include "relayctl.h"
#include "state.h"

#define FAMILY 42

static const uint8_t *in;
static size_t in_len;
static unsigned int reads;

/* One recvmsg(): the next chunk, in a buffer of its size, which libnl frees. */
static int fuzz_recv(struct nl_sock *sk, struct sockaddr_nl *nla, unsigned char **buf,
		     struct ucred **creds)
{
	size_t n;

	(void)sk;
	(void)creds;
	memset(nla, 0, sizeof(*nla));
	nla->nl_family = AF_NETLINK;
	*buf = NULL;
	if (in_len < 2 || ++reads > 64)
		return -NLE_AGAIN;
	n = in[0] | in[1] << 8;
	in += 2;
	in_len -= 2;
	if (n > in_len)
		n = in_len;
	if (!n)
		return 0;
	*buf = malloc(n);
	memcpy(*buf, in, n);
	in += n;
	in_len -= n;
	return (int)n;
}

static int seq_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* nlctx_open() sets the error callback on every context: the hook to take it over. */
int __real_nl_cb_err(struct nl_cb *cb, enum nl_cb_kind kind, nl_recvmsg_err_cb_t func, void *arg);
int __wrap_nl_cb_err(struct nl_cb *cb, enum nl_cb_kind kind, nl_recvmsg_err_cb_t func, void *arg);
int __wrap_genl_connect(struct nl_sock *sk);
int __wrap_genl_ctrl_resolve(struct nl_sock *sk, const char *name);
int __wrap_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg);

int __wrap_nl_cb_err(struct nl_cb *cb, enum nl_cb_kind kind, nl_recvmsg_err_cb_t func, void *arg)
{
	nl_cb_overwrite_recv(cb, fuzz_recv);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_ok, NULL);
	return __real_nl_cb_err(cb, kind, func, arg);
}

int __wrap_genl_connect(struct nl_sock *sk)
{
	(void)sk;
	return 0;
}

int __wrap_genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	(void)name;
	return FAMILY;
}

int __wrap_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
	(void)sk;
	return (int)nlmsg_hdr(msg)->nlmsg_len;
}

/* What every failing command returns: a negative errno. */
static bool is_errno(int ret)
{
	return ret < 0 && ret >= -4095;
}

/* A JSON checker (RFC 8259), just strict enough to refuse what show must not print. */
static const char *json_value(const char *p, int depth);

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_skip_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;	/* and the end of the text */
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (!p[i] || !strchr("0123456789abcdefABCDEF", p[i]))
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *json_members(const char *p, char close, int depth)
{
	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = json_skip_string(ws(p));
			if (!p)
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	p = ws(p);
	switch (*p) {
	case '{':
		return json_members(p, '}', depth);
	case '[':
		return json_members(p, ']', depth);
	case '"':
		return json_skip_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

static void check_json(const struct capture *c)
{
	const char *end = json_value(c->buf, 0);

	if (!end || *ws(end) || strlen(c->buf) != c->len || !utf8_is_valid(c->buf, c->len))
		fprintf(fuzz_stderr(), "show --json printed invalid JSON:\n%s\n", c->buf);
	CHECK(end && !*ws(end));
	CHECK(strlen(c->buf) == c->len && utf8_is_valid(c->buf, c->len));
}

static void run_show(int mode)
{
	static const char *const views[] = { NULL, "peers", "sessions", "stats" };
	char *argv[5] = { "show", "lo" };
	bool json = mode & 1;
	struct capture out;
	FILE *saved = stdout;
	int argc = 2, ret;

	if (views[mode / 2])
		argv[argc++] = (char *)views[mode / 2];
	if (json)
		argv[argc++] = "--json";
	capture_start(&out);
	stdout = out.f;
	ret = show_main(argc, argv);
	stdout = saved;
	capture_end(&out);
	VERBOSE("show %s%s: %d (%s)\n%s", views[mode / 2] ? views[mode / 2] : "",
		json ? " --json" : "", ret, ret ? last_error() : "", out.buf);
	if (!ret && json)
		check_json(&out);
	free(out.buf);
}

/*
 * What the uapi promises of a GET_DEVICE reply (include/uapi/linux/wgrelay.h and
 * the module's checks): settings within their ranges, valid and unique names,
 * unique keys, at most WGRELAY_MAX_ALLOWED_PEERS distinct allowed peers,
 * endpoints with a port. relayctl shows what the kernel says; only of a reply
 * that keeps the promise must showconf's text be one setconf takes.
 */
static bool as_promised(const struct wgr_device *dev)
{
	size_t i, j, k;

	if (!dev->listen_port || !dev->session_timeout || !dev->binding_timeout ||
	    dev->session_timeout > WGRELAY_MAX_TIMEOUT || dev->binding_timeout > WGRELAY_MAX_TIMEOUT ||
	    !dev->max_sessions || dev->max_sessions > WGRELAY_MAX_SESSIONS_LIMIT ||
	    dev->fanout > WGRELAY_MAX_FANOUT)
		return false;
	for (i = 0; i < dev->n_peers; i++) {
		const struct wgr_peer *p = &dev->peers[i];

		if ((p->name[0] && !name_is_valid(p->name)) ||
		    p->n_allowed > WGRELAY_MAX_ALLOWED_PEERS ||
		    (p->endpoint.sa.sa_family == AF_INET && !p->endpoint.in.sin_port) ||
		    (p->endpoint.sa.sa_family == AF_INET6 && !p->endpoint.in6.sin6_port))
			return false;
		/* One peer per key and per name, each allowed key once. */
		for (j = 0; j < i; j++)
			if (!memcmp(p->key, dev->peers[j].key, WGRELAY_KEY_LEN) ||
			    (p->name[0] && !strcmp(p->name, dev->peers[j].name)))
				return false;
		for (j = 0; j < p->n_allowed; j++)
			for (k = 0; k < j; k++)
				if (!memcmp(p->allowed[j], p->allowed[k], WGRELAY_KEY_LEN))
					return false;
	}
	return true;
}

/* showconf: showconf_main()'s steps, with the device kept for the check. */
static void run_showconf(void)
{
	struct wgr_device dev = { 0 }, back = { 0 };
	struct capture out, again;
	struct nlctx ctx;
	int ret;

	CHECK(nlctx_open(&ctx, NETLINK_GENERIC) == 0);
	ret = wgr_get_device(&ctx, "lo", &dev);
	nlctx_close(&ctx);
	VERBOSE("showconf: %d (%s)\n", ret, ret ? last_error() : "");
	if (ret)
		goto out;
	capture_start(&out);
	CHECK(config_print(out.f, &dev) == 0);
	capture_end(&out);
	VERBOSE("%s", out.buf);
	if (as_promised(&dev)) {
		/* What setconf would read from showconf's output. */
		ret = config_parse(&back, out.buf, out.len, "showconf");
		if (!ret)
			ret = resolve_allowed(&back, NULL);
		if (ret)
			fprintf(fuzz_stderr(), "showconf's output does not read back: %s\n%s",
				last_error(), out.buf);
		CHECK(ret == 0);
		config_roundtrip(&back, "showconf");
		/* showconf's text is canonical: printing what setconf read gives it again. */
		capture_start(&again);
		CHECK(config_print(again.f, &back) == 0);
		capture_end(&again);
		if (again.len != out.len || memcmp(again.buf, out.buf, out.len))
			fprintf(fuzz_stderr(), "showconf:\n%s\nread back and printed:\n%s", out.buf,
				again.buf);
		CHECK(again.len == out.len && !memcmp(again.buf, out.buf, out.len));
		free(again.buf);
	}
	free(out.buf);
out:
	device_free(&dev);
	device_free(&back);
}

static void run_save(void)
{
	struct session_list sessions = { 0 };
	struct relay_state st = { 0 }, back;
	struct wgr_device dev = { 0 };
	struct capture out;
	struct nlctx ctx;
	int ret;

	CHECK(nlctx_open(&ctx, NETLINK_GENERIC) == 0);
	ret = wgr_get_device(&ctx, "lo", &dev);
	if (!ret)
		ret = wgr_get_sessions(&ctx, "lo", &sessions);
	if (ret) {
		VERBOSE("save: %s\n", last_error());
		CHECK(last_error()[0] && is_errno(ret));
		goto out;
	}
	CHECK(state_from_dump(&st, &dev, &sessions, 1700000000) == 0);
	VERBOSE("save: %zu pairs, %zu bindings\n", st.n_pairs, st.n_bindings);
	capture_start(&out);
	CHECK(state_print(out.f, &st) == 0);
	capture_end(&out);
	ret = state_parse(&back, out.buf, out.len, "saved");
	if (ret)
		fprintf(fuzz_stderr(), "save wrote a state file restore refuses: %s\n%s",
			last_error(), out.buf);
	CHECK(ret == 0);
	CHECK(back.n_pairs == st.n_pairs && back.n_bindings == st.n_bindings);
	state_free(&back);
	free(out.buf);
out:
	state_free(&st);
	free(sessions.items);
	device_free(&dev);
	nlctx_close(&ctx);
}

static void run_restore(void)
{
	struct relay_state st = { 0 };
	struct state_binding b = { .key = { 1 }, .last_seen = 1 };
	struct restore_result res;
	struct nlctx ctx;
	int ret;

	b.ep.in.sin_family = AF_INET;
	b.ep.in.sin_port = htons(51820);
	st.bindings = &b;
	st.n_bindings = 1;
	CHECK(nlctx_open(&ctx, NETLINK_GENERIC) == 0);
	set_error("%s", "");
	ret = wgr_restore(&ctx, "lo", &st, NULL, NULL, &res);
	if (ret) {
		VERBOSE("restore: %s\n", last_error());
		CHECK(last_error()[0] && is_errno(ret));
	} else {
		VERBOSE("restore: %u pairs, %u bindings\n", res.count[WGRELAY_RESTORED_A_PAIRS],
			res.count[WGRELAY_RESTORED_A_BINDINGS]);
	}
	nlctx_close(&ctx);
}

static void run_flush(void)
{
	struct nlctx ctx;
	int ret;

	CHECK(nlctx_open(&ctx, NETLINK_GENERIC) == 0);
	set_error("%s", "");
	ret = wgr_flush(&ctx, "lo", WGRELAY_FLUSH_SESSIONS);
	if (ret) {
		VERBOSE("flush: %s\n", last_error());
		CHECK(last_error()[0] && is_errno(ret));
	} else {
		VERBOSE("flush: done\n");
	}
	nlctx_close(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	FILE *saved = stderr;
	int mode;

	if (!size)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	mode = data[0] % 12;
	in = data + 1;
	in_len = size - 1;
	reads = 0;
	stderr = devnull;	/* relayctl's own error messages */
	if (mode < 8)
		run_show(mode);
	else if (mode == 8)
		run_showconf();
	else if (mode == 9)
		run_save();
	else if (mode == 10)
		run_restore();
	else
		run_flush();
	stderr = saved;
	return 0;
}
