// SPDX-License-Identifier: GPL-2.0
/*
 * A strict checker of the Prometheus text exposition format (0.0.4) as
 * node_exporter's textfile collector takes it, for relayctl metrics. Stricter
 * than promtool where promtool lets through what a collector then refuses or
 * silently merges: every family needs # HELP and # TYPE before its samples,
 * once each; a family's samples are together; no series twice; no timestamps
 * (the textfile collector rejects them). Only the two types relayctl writes are
 * taken: counter (named *_total, never negative) and gauge (not named *_total).
 * Escapes are those of the format: \\ and \n in HELP, \\ \" and \n in label values.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promcheck.h"

struct family {
	char *name;
	bool help, type, counter;
};

struct series {
	char *key;		/* name and sorted labels, one canonical string */
	unsigned int line;
};

struct checker {
	struct family *fams;
	size_t n_fams;
	struct series *series;
	size_t n_series, cap_series;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "line %u: ", c->line);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool name_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_' || ch == ':';
}

static bool name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == ':';
}

/* Length of the metric name at @s, 0 if there is none. */
static size_t metric_name_len(const char *s)
{
	size_t i = 0;

	if (!name_start(s[0]))
		return 0;
	while (name_char(s[i]))
		i++;
	return i;
}

static struct family *find_family(struct checker *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->n_fams; i++)
		if (strlen(c->fams[i].name) == len && !memcmp(c->fams[i].name, name, len))
			return &c->fams[i];
	return NULL;
}

/*
 * The family a HELP, TYPE or sample line names: the one being read (the last
 * added), or a new one. A family that was left for another one is over: its
 * lines must be together.
 */
static struct family *enter_family(struct checker *c, const char *name, size_t len)
{
	struct family *f = find_family(c, name, len), *grown;

	if (f && c->n_fams && f == &c->fams[c->n_fams - 1])
		return f;	/* the family being read (families are added in order) */
	if (f) {
		fail(c, "family %s appears again after other families (its lines must be together)",
		     f->name);
		return NULL;
	}
	grown = realloc(c->fams, (c->n_fams + 1) * sizeof(*c->fams));
	if (!grown) {
		fail(c, "out of memory");
		return NULL;
	}
	c->fams = grown;
	f = &c->fams[c->n_fams++];
	memset(f, 0, sizeof(*f));
	f->name = strndup(name, len);
	if (!f->name) {
		c->n_fams--;
		fail(c, "out of memory");
		return NULL;
	}
	return f;
}

static bool ends_with_total(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && !strcmp(name + n - 6, "_total");
}

/* "# HELP name text" or "# TYPE name type" (@s after "# HELP " or "# TYPE "). */
static int meta_line(struct checker *c, const char *s, bool help)
{
	size_t len = metric_name_len(s);
	struct family *f;
	const char *p;

	if (!len || (s[len] != ' ' && s[len] != '\0'))
		return fail(c, "invalid metric name in # %s", help ? "HELP" : "TYPE");
	f = enter_family(c, s, len);
	if (!f)
		return -1;
	if (help ? f->help : f->type)
		return fail(c, "second # %s for %s", help ? "HELP" : "TYPE", f->name);
	p = s + len;
	if (help) {
		f->help = true;
		if (*p != ' ' || !p[1])
			return fail(c, "# HELP %s has no text", f->name);
		for (p++; *p; p++)
			if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
				return fail(c, "invalid escape '\\%c' in # HELP %s (\\\\ and \\n only)",
					    p[1] ? p[1] : ' ', f->name);
			else if (*p == '\\')
				p++;
		return 0;
	}
	f->type = true;
	if (!strcmp(p, " counter")) {
		f->counter = true;
		if (!ends_with_total(f->name))
			return fail(c, "counter %s is not named *_total", f->name);
	} else if (!strcmp(p, " gauge")) {
		if (ends_with_total(f->name))
			return fail(c, "gauge %s is named *_total, as only counters are", f->name);
	} else {
		return fail(c, "# TYPE %s: '%s' is not counter or gauge", f->name, p[0] ? p + 1 : p);
	}
	return 0;
}

/* A float as the format has it (Go's ParseFloat): digits, '.', exponent, Inf, NaN. */
static int parse_value(const char *s, double *v)
{
	const char *p = s;
	bool digits = false;

	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return 0;
	}
	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, "Inf")) {
		*v = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits = true;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -1;
	*v = strtod(s, NULL);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_LABELS 32

/* name{label="value",...} value */
static int sample_line(struct checker *c, const char *s)
{
	char *labels[MAX_LABELS], *key = NULL, *k;
	size_t len = metric_name_len(s), n = 0, i, klen;
	const char *p = s + len;
	struct family *f;
	double v;
	int ret = -1;

	if (!len)
		return fail(c, "a sample line must start with a metric name");
	f = enter_family(c, s, len);
	if (!f)
		return -1;
	if (!f->help || !f->type)
		return fail(c, "sample of %s before its # %s", f->name, f->help ? "TYPE" : "HELP");
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t nl = 0;
			char *out;

			if (n == MAX_LABELS) {
				fail(c, "more than %d labels", MAX_LABELS);
				goto out;
			}
			if (!isalpha((unsigned char)*p) && *p != '_') {
				fail(c, "invalid label name in %s", f->name);
				goto out;
			}
			while (isalnum((unsigned char)p[nl]) || p[nl] == '_')
				nl++;
			if (nl >= 2 && p[0] == '_' && p[1] == '_') {
				fail(c, "label names starting with __ are reserved (%.*s)", (int)nl, p);
				goto out;
			}
			if (p[nl] != '=' || p[nl + 1] != '"') {
				fail(c, "label %.*s of %s: expected =\"", (int)nl, p, f->name);
				goto out;
			}
			labels[n] = malloc(strlen(p) + 1);
			if (!labels[n]) {
				fail(c, "out of memory");
				goto out;
			}
			out = labels[n++];
			memcpy(out, p, nl + 1);		/* name= */
			out += nl + 1;
			for (p += nl + 2; *p != '"'; p++) {
				if (!*p) {
					fail(c, "unterminated label value in %s", f->name);
					goto out;
				}
				if (*p == '\\') {
					p++;
					if (*p != '\\' && *p != '"' && *p != 'n') {
						fail(c, "invalid escape '\\%c' in a label value of %s (\\\\ \\\" and \\n only)",
						     *p ? *p : ' ', f->name);
						goto out;
					}
					*out++ = '\\';
				}
				*out++ = *p;
			}
			*out = '\0';
			p++;
			for (i = 0; i + 1 < n; i++)
				if (!strncmp(labels[i], labels[n - 1], nl + 1)) {
					fail(c, "label %.*s twice in one sample of %s", (int)nl,
					     labels[n - 1], f->name);
					goto out;
				}
			if (*p == ',' && p[1] != '}')
				p++;
			else if (*p != '}') {
				fail(c, "expected , or } after a label of %s", f->name);
				goto out;
			}
		}
		p++;
	}
	if (*p != ' ') {
		fail(c, "expected one space and the value after the series of %s", f->name);
		goto out;
	}
	p++;
	if (strchr(p, ' ')) {
		fail(c, "a timestamp (or junk) after the value of %s: the textfile collector refuses timestamps",
		     f->name);
		goto out;
	}
	if (parse_value(p, &v)) {
		fail(c, "value '%s' of %s is not a number", p, f->name);
		goto out;
	}
	if (f->counter && (isnan(v) || v < 0)) {
		fail(c, "counter %s has the value %s", f->name, p);
		goto out;
	}
	/* The series' identity: its name and its labels in order. */
	qsort(labels, n, sizeof(*labels), cmp_str);
	klen = len + 1;
	for (i = 0; i < n; i++)
		klen += strlen(labels[i]) + 1;
	key = malloc(klen + 1);
	if (!key) {
		fail(c, "out of memory");
		goto out;
	}
	k = key + sprintf(key, "%s{", f->name);
	for (i = 0; i < n; i++)
		k += sprintf(k, "%s%c", labels[i], 0x1f);
	if (c->n_series == c->cap_series) {
		size_t cap = c->cap_series ? 2 * c->cap_series : 256;
		struct series *grown = realloc(c->series, cap * sizeof(*grown));

		if (!grown) {
			fail(c, "out of memory");
			goto out;
		}
		c->series = grown;
		c->cap_series = cap;
	}
	c->series[c->n_series].key = key;
	c->series[c->n_series++].line = c->line;
	key = NULL;
	ret = 0;
out:
	free(key);
	for (i = 0; i < n; i++)
		free(labels[i]);
	return ret;
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r ? r : (x->line > y->line) - (x->line < y->line);
}

static int check_line(struct checker *c, const char *s)
{
	if (!*s)
		return 0;
	if (!strncmp(s, "# HELP ", 7))
		return meta_line(c, s + 7, true);
	if (!strncmp(s, "# TYPE ", 7))
		return meta_line(c, s + 7, false);
	if (s[0] == '#')
		return 0;	/* a comment */
	return sample_line(c, s);
}

/**
 * prom_check - is @text strictly well-formed exposition for a textfile collector?
 * @text: the metrics
 * @len: their length in bytes
 * @err: where the first problem is described ("line N: ...")
 * @errlen: its size
 * Return: 0 if it is, -1 if not.
 */
int prom_check(const char *text, size_t len, char *err, size_t errlen)
{
	struct checker c = { .err = err, .errlen = errlen };
	size_t pos = 0, i;
	char *line = NULL;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if (memchr(text, '\0', len)) {
		c.line = 0;
		return fail(&c, "NUL byte in the text");
	}
	if (len && text[len - 1] != '\n') {
		c.line = 0;
		return fail(&c, "the last line has no line feed");
	}
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl - (text + pos);

		c.line++;
		line = strndup(text + pos, ll);
		if (!line)
			ret = fail(&c, "out of memory");
		else if (memchr(line, '\r', ll) || memchr(line, '\t', ll))
			ret = fail(&c, "carriage return or tab in a line");
		else
			ret = check_line(&c, line);
		free(line);
		pos += ll + 1;
	}
	for (i = 0; !ret && i < c.n_fams; i++) {
		if (!c.fams[i].help || !c.fams[i].type) {
			c.line = 0;
			ret = fail(&c, "family %s has no # %s", c.fams[i].name,
				   c.fams[i].help ? "TYPE" : "HELP");
		}
	}
	if (!ret && c.n_series > 1) {
		qsort(c.series, c.n_series, sizeof(*c.series), cmp_series);
		for (i = 1; i < c.n_series; i++)
			if (!strcmp(c.series[i - 1].key, c.series[i].key)) {
				c.line = c.series[i].line;
				ret = fail(&c, "the same series as line %u",
					   c.series[i - 1].line);
				break;
			}
	}
	for (i = 0; i < c.n_series; i++)
		free(c.series[i].key);
	free(c.series);
	for (i = 0; i < c.n_fams; i++)
		free(c.fams[i].name);
	free(c.fams);
	return ret;
}
