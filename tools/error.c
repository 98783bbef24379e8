// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static char error_buf[1024];

void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_buf, sizeof(error_buf), fmt, ap);
	va_end(ap);
}

const char *last_error(void)
{
	return error_buf;
}

/* Puts context (a file and line, a command) in front of the current message. */
void prefix_error(const char *fmt, ...)
{
	char prefix[512];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	len = strlen(prefix);
	memmove(error_buf + len, error_buf, sizeof(error_buf) - len - 1);
	memcpy(error_buf, prefix, len);
	error_buf[sizeof(error_buf) - 1] = '\0';
}
