/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_PROMETHEUS_H
#define RELAYCTL_PROMETHEUS_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

int prom_print(FILE *f, const struct wgr_device *devs, size_t n);
void prom_label_value(FILE *f, const char *s);

#endif
