// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-json: does stdin hold exactly one JSON text (RFC 8259), optionally with
 * surrounding whitespace? Exit 0 if so; else 1, with where it broke on stderr.
 * The guest has no jq or python: relayctl's --json outputs are checked with this.
 * Strict: no trailing commas, no comments, control characters escaped, escapes
 * and numbers as the RFC spells them. Nesting is bounded.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT	(16 << 20)
#define MAX_DEPTH	64

static const char *buf, *pos, *end;

static bool fail(const char *what)
{
	fprintf(stderr, "wgr-json: %s at byte %zu\n", what, (size_t)(pos - buf));
	return false;
}

static void ws(void)
{
	while (pos < end && (*pos == ' ' || *pos == '\t' || *pos == '\n' || *pos == '\r'))
		pos++;
}

static bool lit(const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - pos) < n || memcmp(pos, word, n))
		return fail("invalid literal");
	pos += n;
	return true;
}

static bool string(void)
{
	int i;

	pos++;	/* the opening quote */
	while (pos < end && *pos != '"') {
		unsigned char c = *pos;

		if (c < 0x20)
			return fail("unescaped control character in string");
		if (c != '\\') {
			pos++;
			continue;
		}
		if (++pos == end)
			break;
		if (*pos == 'u') {
			for (i = 1; i <= 4; i++)
				if (pos + i >= end || !isxdigit((unsigned char)pos[i]))
					return fail("invalid \\u escape");
			pos += 5;
		} else if (strchr("\"\\/bfnrt", *pos) && *pos) {
			pos++;
		} else {
			return fail("invalid escape");
		}
	}
	if (pos == end)
		return fail("unterminated string");
	pos++;
	return true;
}

static bool digits(void)
{
	if (pos == end || !isdigit((unsigned char)*pos))
		return fail("digit expected");
	while (pos < end && isdigit((unsigned char)*pos))
		pos++;
	return true;
}

static bool number(void)
{
	if (*pos == '-')
		pos++;
	if (pos < end && *pos == '0')
		pos++;
	else if (!digits())
		return false;
	if (pos < end && *pos == '.') {
		pos++;
		if (!digits())
			return false;
	}
	if (pos < end && (*pos == 'e' || *pos == 'E')) {
		pos++;
		if (pos < end && (*pos == '+' || *pos == '-'))
			pos++;
		if (!digits())
			return false;
	}
	return true;
}

static bool value(int depth);

/* An object or array: members separated by commas, none after the last. */
static bool container(int depth, char close, bool object)
{
	pos++;
	ws();
	if (pos < end && *pos == close) {
		pos++;
		return true;
	}
	for (;;) {
		if (object) {
			if (pos == end || *pos != '"')
				return fail("member name expected");
			if (!string())
				return false;
			ws();
			if (pos == end || *pos != ':')
				return fail("':' expected");
			pos++;
		}
		if (!value(depth + 1))
			return false;
		ws();
		if (pos < end && *pos == ',') {
			pos++;
			ws();
			continue;
		}
		if (pos < end && *pos == close) {
			pos++;
			return true;
		}
		return fail(object ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static bool value(int depth)
{
	if (depth > MAX_DEPTH)
		return fail("nested too deep");
	ws();
	if (pos == end)
		return fail("value expected");
	switch (*pos) {
	case '{':
		return container(depth, '}', true);
	case '[':
		return container(depth, ']', false);
	case '"':
		return string();
	case 't':
		return lit("true");
	case 'f':
		return lit("false");
	case 'n':
		return lit("null");
	default:
		if (*pos == '-' || isdigit((unsigned char)*pos))
			return number();
		return fail("value expected");
	}
}

int main(void)
{
	static char data[MAX_INPUT];
	size_t len = fread(data, 1, sizeof(data), stdin);

	if (ferror(stdin) || len == sizeof(data)) {
		fprintf(stderr, "wgr-json: could not read stdin, or over %d bytes\n", MAX_INPUT);
		return 1;
	}
	buf = pos = data;
	end = data + len;
	if (!value(0))
		return 1;
	ws();
	if (pos != end) {
		fail("trailing data");
		return 1;
	}
	return 0;
}
