// SPDX-License-Identifier: GPL-2.0
/*
 * relayctl metrics: the Prometheus text that prometheus.c writes, checked with
 * the strict checker the VM test uses (tests/tools/promcheck.c), and that checker
 * shown to refuse what a collector would refuse or get wrong.
 *
 * `metrics_test --print` writes the synthetic devices' metrics to stdout instead
 * (tests/promtool.sh feeds them to promtool).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "promcheck.h"
#include "prometheus.h"

/* Two relays: one with an awkward but legal interface name, named and unnamed peers. */
static void make_devices(struct wgr_device devs[2])
{
	struct wgr_peer *p;
	int i;

	memset(devs, 0, 2 * sizeof(*devs));
	strcpy(devs[0].ifname, "relay0");
	/* The kernel refuses only '/', ':' and white space in a name. */
	strcpy(devs[1].ifname, "re\"l\\ay");
	for (i = 0; i < __WGRELAY_STAT_MAX; i++) {
		devs[0].stats[i] = 1000 + i;
		devs[1].stats[i] = 2000 + i;
	}
	devs[0].stats[WGRELAY_STAT_TX_PACKETS] = UINT64_MAX;
	devs[0].num_sessions = 4;
	devs[0].max_sessions = 131072;
	devs[0].session_timeout = 180;
	devs[0].binding_timeout = 300;
	devs[0].fanout = 8;
	devs[0].roaming = true;
	devs[0].fast_path = true;

	p = device_add_peer(&devs[0]);
	memset(p->key, 1, WGRELAY_KEY_LEN);
	strcpy(p->name, "home");
	p->rx_packets = 11;
	p->tx_packets = 12;
	p->binding_status = WGRELAY_BINDING_STATUS_LIVE;
	p->num_sessions = 2;
	p->last_seen = 1764626400;
	p->refused[WGRELAY_REFUSED_ALLOWED_PEERS] = 3;
	p->refused[WGRELAY_REFUSED_COLLISION] = UINT64_MAX;
	p = device_add_peer(&devs[0]);
	memset(p->key, 2, WGRELAY_KEY_LEN);	/* no name: the key is its label */
	p->rx_packets = 21;
	p->binding_status = WGRELAY_BINDING_STATUS_STALE;
	p->binding_conflict = 1;
	p = device_add_peer(&devs[1]);
	memset(p->key, 1, WGRELAY_KEY_LEN);	/* the same key on another relay */
	strcpy(p->name, "home");
	p->rx_packets = 31;
}

static char *render(const struct wgr_device *devs, size_t n, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	assert_int_equal(prom_print(f, devs, n), 0);
	fclose(f);
	return text;
}

static void expect_ok(const char *text, size_t len)
{
	char err[512];

	if (prom_check(text, len, err, sizeof(err)))
		fail_msg("checker refused: %s", err);
}

static void expect_refused(const char *text, const char *why)
{
	char err[512];

	if (!prom_check(text, strlen(text), err, sizeof(err)))
		fail_msg("checker took:\n%s", text);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static size_t count(const char *text, const char *s)
{
	size_t n = 0;
	const char *p;

	for (p = text; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

static void test_output_is_well_formed(void **state)
{
	struct wgr_device devs[2];
	size_t len;
	char *text;

	(void)state;
	make_devices(devs);
	text = render(devs, 2, &len);
	expect_ok(text, len);

	/* Escaped label values; an unnamed peer goes by its key. */
	assert_true(has_line(text, "wgrelay_peer_rx_packets_total{device=\"relay0\",peer=\"home\"} 11"));
	assert_true(has_line(text, "wgrelay_peer_rx_packets_total{device=\"relay0\",peer=\"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"} 21"));
	assert_true(has_line(text, "wgrelay_peer_rx_packets_total{device=\"re\\\"l\\\\ay\",peer=\"home\"} 31"));
	/* Every device counter, by its relayctl name, 64 bits whole. */
	assert_true(has_line(text, "wgrelay_tx_packets_total{device=\"relay0\"} 18446744073709551615"));
	assert_true(has_line(text, "wgrelay_rx_packets_total{device=\"re\\\"l\\\\ay\"} 2000"));
	assert_int_equal(count(text, "# TYPE wgrelay_") - count(text, "# TYPE wgrelay_peer_"),
			 __WGRELAY_STAT_MAX + 10);
	assert_true(has_line(text, "wgrelay_sessions_evicted_total{device=\"relay0\"} 1031"));
	/* Gauges. */
	assert_true(has_line(text, "wgrelay_peers{device=\"relay0\"} 2"));
	assert_true(has_line(text, "wgrelay_sessions{device=\"relay0\"} 4"));
	assert_true(has_line(text, "wgrelay_binding_conflicts{device=\"relay0\"} 1"));
	assert_true(has_line(text, "wgrelay_fast_path{device=\"relay0\"} 1"));
	assert_true(has_line(text, "wgrelay_fast_path{device=\"re\\\"l\\\\ay\"} 0"));
	assert_true(has_line(text, "wgrelay_bindings{device=\"relay0\",status=\"live\"} 1"));
	assert_true(has_line(text, "wgrelay_bindings{device=\"relay0\",status=\"stale\"} 1"));
	assert_true(has_line(text, "wgrelay_bindings{device=\"re\\\"l\\\\ay\",status=\"none\"} 1"));
	assert_true(has_line(text, "wgrelay_peer_binding{device=\"relay0\",peer=\"home\",status=\"live\"} 1"));
	assert_true(has_line(text, "wgrelay_peer_binding{device=\"relay0\",peer=\"home\",status=\"stale\"} 0"));
	/* Refusals by reason: only those that can name a peer, zero or not. */
	assert_true(has_line(text, "wgrelay_peer_refused_total{device=\"relay0\",peer=\"home\",reason=\"allowed-peers\"} 3"));
	assert_true(has_line(text, "wgrelay_peer_refused_total{device=\"relay0\",peer=\"home\",reason=\"collision\"} 18446744073709551615"));
	assert_true(has_line(text, "wgrelay_peer_refused_total{device=\"relay0\",peer=\"home\",reason=\"no-route\"} 0"));
	assert_int_equal(count(text, "wgrelay_peer_refused_total{device=\"relay0\",peer=\"home\","), 5);
	assert_int_equal(count(text, "reason=\"rate-limit\""), 0);
	assert_true(has_line(text, "wgrelay_peer_last_seen_timestamp_seconds{device=\"relay0\",peer=\"home\"} 1764626400"));
	assert_true(has_line(text, "# TYPE wgrelay_peer_sessions gauge"));
	assert_true(has_line(text, "# TYPE wgrelay_hs_denied_total counter"));
	/* One HELP per family, even with two devices. */
	assert_int_equal(count(text, "# HELP wgrelay_rx_packets_total "), 1);
	free(text);
	device_free(&devs[0]);
	device_free(&devs[1]);
}

static void test_no_devices(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = render(NULL, 0, &len);
	expect_ok(text, len);
	assert_int_equal(count(text, "{"), 0);
	free(text);
}

#define H(name, type) "# HELP " name " h\n# TYPE " name " " type "\n"

static void test_checker_refuses(void **state)
{
	(void)state;
	expect_ok(H("a_total", "counter") "a_total{d=\"x\\\\ \\\" \\n\"} 1\n" H("b", "gauge") "b -1.5e3\nb{x=\"\"} NaN\n",
		  strlen(H("a_total", "counter") "a_total{d=\"x\\\\ \\\" \\n\"} 1\n" H("b", "gauge") "b -1.5e3\nb{x=\"\"} NaN\n"));
	expect_refused("# HELP a_total h\na_total 1\n", "before its # TYPE");
	expect_refused("# TYPE a_total counter\na_total 1\n", "before its # HELP");
	expect_refused("# TYPE b gauge\n", "has no # HELP");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"} 1\n" H("a_total", "counter") "a_total{d=\"y\"} 1\n",
		       "second # HELP");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"} 1\n" H("b", "gauge") "b 1\na_total{d=\"y\"} 2\n",
		       "appears again");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\",e=\"1\"} 1\na_total{e=\"1\",d=\"x\"} 2\n",
		       "the same series as line 3");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\\q\"} 1\n", "invalid escape");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\\\"} 1\n", "unterminated");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"y\"} 1\n", "expected , or }");
	expect_refused(H("a_total", "counter") "a_total{d=x} 1\n", "expected =\"");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"} abc\n", "not a number");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"} 1 1764626400000\n", "timestamp");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\"} -1\n", "counter a_total has the value -1");
	expect_refused(H("a", "counter") "a 1\n", "not named *_total");
	expect_refused(H("a_total", "gauge") "a_total 1\n", "as only counters are");
	expect_refused(H("a_total", "summary") "a_total 1\n", "not counter or gauge");
	expect_refused(H("a_total", "counter") "a_total{d=\"x\",d=\"y\"} 1\n", "twice");
	expect_refused(H("a_total", "counter") "a_total{__name__=\"x\"} 1\n", "reserved");
	expect_refused(H("a_total", "counter") "a_total 1", "no line feed");
	expect_refused(H("a_total", "counter") "a_total\t1\n", "tab");
	expect_refused("# HELP a_total bad \\x escape\n# TYPE a_total counter\n", "invalid escape");
	expect_refused("# HELP 1a h\n", "invalid metric name");
	expect_refused(H("a_total", "counter") "a_total 1\n# TYPE a_total counter\n", "second # TYPE");
}

/* The real output, each broken in one way a careless change might: refused. */
static void test_checker_refuses_broken_output(void **state)
{
	static const struct {
		const char *find, *replace, *why;
	} cuts[] = {
		{ "# TYPE wgrelay_rx_bytes_total counter\n", "", "before its # TYPE" },
		{ "# HELP wgrelay_peer_sessions Live", "# HELP wgrelay_peer_sessionz Live", "before its # HELP" },
		{ "device=\"re\\\"l\\\\ay\"} 2000", "device=\"re\"l\\ay\"} 2000", "expected , or }" },
		{ "peer=\"home\"} 11\n", "peer=\"home\"} 11\nwgrelay_peer_rx_packets_total{peer=\"home\",device=\"relay0\"} 1\n",
		  "the same series" },
		{ "# TYPE wgrelay_rx_bytes_total counter\n",
		  "# TYPE wgrelay_rx_bytes_total counter\nwgrelay_peers{device=\"x\"} 1\n", "appears again" },
		{ "{device=\"relay0\"} 1031", "{device=\"relay0\"} 1,031", "not a number" },
	};
	struct wgr_device devs[2];
	size_t len, i;
	char *text;

	(void)state;
	make_devices(devs);
	text = render(devs, 2, &len);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const char *at = strstr(text, cuts[i].find);
		char *broken;

		if (!at)
			fail_msg("output lacks '%s'", cuts[i].find);
		broken = malloc(len + strlen(cuts[i].replace) + 1);
		assert_non_null(broken);
		sprintf(broken, "%.*s%s%s", (int)(at - text), text, cuts[i].replace,
			at + strlen(cuts[i].find));
		expect_refused(broken, cuts[i].why);
		free(broken);
	}
	free(text);
	device_free(&devs[0]);
	device_free(&devs[1]);
}

int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_is_well_formed),
		cmocka_unit_test(test_no_devices),
		cmocka_unit_test(test_checker_refuses),
		cmocka_unit_test(test_checker_refuses_broken_output),
	};

	if (argc == 2 && !strcmp(argv[1], "--print")) {
		struct wgr_device devs[2];

		make_devices(devs);
		return prom_print(stdout, devs, 2) ? 1 : 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
