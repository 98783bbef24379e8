/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_H
#define RELAYCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern const char *prog_name;

/* Prints "relayctl: WHAT: <last_error()>" to stderr; returns the exit status 1. */
int report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_usage(FILE *f);
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int show_main(int argc, char *argv[]);
int showconf_main(int argc, char *argv[]);
int set_main(int argc, char *argv[]);
int setconf_main(int argc, char *argv[]);
int flush_main(int argc, char *argv[]);
int up_main(int argc, char *argv[]);
int down_main(int argc, char *argv[]);
int save_main(int argc, char *argv[]);
int restore_main(int argc, char *argv[]);
int peerconfig_main(int argc, char *argv[]);
int diagnose_main(int argc, char *argv[]);

/* show.c's output helpers, for the commands that print what show prints. */
union wgr_sockaddr;
void json_string(const char *s);
void json_key_string(const char *key, const char *value, bool comma);
void json_key_b64(const char *key, const uint8_t *k, bool comma);
void json_key_endpoint(const char *key, const union wgr_sockaddr *ep);
void print_ago(uint64_t when);
struct wgr_device;
struct wgr_session;
void json_session(const struct wgr_device *dev, const struct wgr_session *s);
int metrics_main(int argc, char *argv[]);
int monitor_main(int argc, char *argv[]);

struct relay_state;

int state_save(const char *ifname, const char *path, struct relay_state *st);
int state_restore(const char *ifname, const char *path, bool fresh_only, bool json);



#include "config.h"

struct nlctx;

enum conf_mode { CONF_SET, CONF_ADD, CONF_SYNC };

int apply_config(struct nlctx *ctx, const char *ifname, struct wgr_device *conf,
		 enum conf_mode mode);
#endif
