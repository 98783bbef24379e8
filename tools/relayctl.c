// SPDX-License-Identifier: GPL-2.0
/*
 * relayctl: configure and inspect wgrelay devices. One file per subcommand,
 * each with a *_main(argc, argv) where argv[0] is the subcommand's name.
 */
#include <stdarg.h>
#include <string.h>

#include "error.h"
#include "relayctl.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

const char *prog_name = "relayctl";

static const struct {
	const char *name;
	int (*main)(int argc, char *argv[]);
	const char *what;
} commands[] = {
	{ "show", show_main, "Shows relay devices, their peers, sessions and counters" },
	{ "showconf", showconf_main, "Prints a device's configuration in config file form" },
	{ "set", set_main, "Changes device settings and peers" },
	{ "setconf", setconf_main, "Replaces a device's configuration with a config file" },
	{ "addconf", setconf_main, "Adds and updates the peers and settings of a config file" },
	{ "syncconf", setconf_main, "Makes a device equal a config file, sparing unchanged peers" },
	{ "flush", flush_main, "Forgets learned sessions and/or bindings" },
	{ "up", up_main, "Creates a device, applies its config file and brings it up" },
	{ "down", down_main, "Saves a device's learned state, then deletes the device" },
	{ "save", save_main, "Saves learned sessions and bindings to a state file" },
	{ "restore", restore_main, "Puts saved sessions and bindings (stale) back" },
	{ "peer-config", peerconfig_main, "Prints the [Peer] sections of a peer's wg-quick config" },
	{ "diagnose", diagnose_main, "Says why each peer is or is not connected to each partner" },
	{ "metrics", metrics_main, "Prints counters in the Prometheus text format" },
	{ "monitor", monitor_main, "Prints bindings, sessions and refusals as they happen" },
};

void print_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s <cmd> [<args>]\n\n"
		"  %s [show [DEV | all] [peers | sessions | stats]] [--json]\n"
		"  %s set DEV [listen-port P] [session-timeout S] [binding-timeout S]\n"
		"                [max-sessions N] [discovery-fanout K] [roaming on|off]\n"
		"                [fast-path on|off] [replace-peers]\n"
		"                [peer PUBKEY [name NAME] [endpoint HOST:PORT] [allowed-peers A,B,..] [remove]]...\n"
		"  %s setconf DEV FILE | addconf DEV FILE | syncconf DEV FILE\n"
		"  %s showconf DEV\n"
		"  %s flush DEV [sessions | bindings | all]\n"
		"  %s up {DEV | FILE}\n"
		"  %s down DEV\n"
		"  %s save DEV [FILE] [--json] | restore DEV [FILE] [--json]\n"
		"  %s peer-config DEV PEER --endpoint HOST:PORT [--json]\n"
		"  %s diagnose DEV [PEER] [--json]\n"
		"  %s metrics [DEV | all] [--output FILE]\n"
		"  %s monitor [DEV] [--json]\n"
		"  %s help | version\n\n"
		"Commands:\n",
		prog_name, prog_name, prog_name, prog_name, prog_name, prog_name, prog_name,
		prog_name, prog_name, prog_name, prog_name, prog_name, prog_name, prog_name);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\nWith no command, '%s' is '%s show'. See relayctl(8).\n", prog_name, prog_name);
}

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
}

int report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", last_error());
	return 1;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	print_usage(stderr);
	return 1;
}

int main(int argc, char *argv[])
{
	static char *show_argv[] = { "show", NULL };
	size_t i;

	if (argc == 1)
		return show_main(1, show_argv);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version") ||
	    !strcmp(argv[1], "-v")) {
		printf("%s %s\n", prog_name, VERSION);
		return 0;
	}
	/* `relayctl --json` is `relayctl show --json`. */
	if (!strcmp(argv[1], "--json"))
		return show_main(argc, argv);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	return usage_error("invalid command '%s'", argv[1]);
}
