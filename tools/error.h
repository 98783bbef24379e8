/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_ERROR_H
#define RELAYCTL_ERROR_H

/*
 * The pure parts of relayctl (config parser, argument parser, encodings) do not
 * print: they leave one message here and return an error, so the caller decides
 * how to present it and the unit tests can check what it says.
 */
void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void prefix_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *last_error(void);

#endif
