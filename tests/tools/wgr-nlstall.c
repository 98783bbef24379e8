// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-nlstall: a netlink reader that stops reading in the middle of a dump, for
 * the lab only. It asks the relay for a dump and reads only the first messages,
 * so that the dump stays open in the kernel (its state, and what that state
 * holds) until the process is killed.
 *
 *   wgr-nlstall IFNAME device|sessions NREAD
 *
 * Sends one WGRELAY_CMD_GET_DEVICE (device) or WGRELAY_CMD_GET_SESSIONS
 * (sessions) dump request for IFNAME, reads NREAD netlink messages of the
 * reply (0: none), then prints "stalled after N messages" and waits, reading
 * nothing more, until it is killed. Exits 1
 * if the dump ended (NLMSG_DONE or an error) before NREAD messages were read:
 * then nothing is left open, and the test meant to leave a dump open is wrong.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/wgrelay.h>

#define NLA_ALIGNED(len) (((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))

struct request {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char attrs[64];
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Appends attribute TYPE with LEN bytes of DATA to REQ. */
static void put_attr(struct request *req, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)req + NLMSG_ALIGN(req->nlh.nlmsg_len));

	if (NLMSG_ALIGN(req->nlh.nlmsg_len) + NLA_ALIGNED(NLA_HDRLEN + len) > sizeof(*req)) {
		fprintf(stderr, "wgr-nlstall: attribute too long\n");
		exit(2);
	}
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	req->nlh.nlmsg_len = NLMSG_ALIGN(req->nlh.nlmsg_len) + NLA_ALIGNED(nla->nla_len);
}

static void send_req(int fd, struct request *req)
{
	if (send(fd, req, req->nlh.nlmsg_len, 0) < 0)
		die("send");
}

/* The generic netlink family id of "wgrelay", asked of the controller. */
static uint16_t family_id(int fd, char *buf, size_t size)
{
	struct request req = {
		.nlh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL,
			 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	struct nlmsghdr *nlh;
	ssize_t len;

	put_attr(&req, CTRL_ATTR_FAMILY_NAME, WGRELAY_GENL_NAME, sizeof(WGRELAY_GENL_NAME));
	send_req(fd, &req);
	len = recv(fd, buf, size, 0);
	if (len < 0)
		die("recv");
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		struct nlattr *nla;
		int rem;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			fprintf(stderr, "wgr-nlstall: no generic netlink family %s\n", WGRELAY_GENL_NAME);
			exit(2);
		}
		nla = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
		rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		while (rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN && nla->nla_len <= rem) {
			if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
				return *(uint16_t *)((char *)nla + NLA_HDRLEN);
			rem -= NLA_ALIGNED(nla->nla_len);
			nla = (struct nlattr *)((char *)nla + NLA_ALIGNED(nla->nla_len));
		}
	}
	fprintf(stderr, "wgr-nlstall: the controller did not name the family's id\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct request req = {
		.nlh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 2 },
		.genl = { .version = WGRELAY_GENL_VERSION },
	};
	long want, got = 0;
	char *end;
	int fd;

	if (argc != 4 || (strcmp(argv[2], "device") && strcmp(argv[2], "sessions"))) {
		fprintf(stderr, "usage: wgr-nlstall IFNAME device|sessions NREAD\n");
		return 2;
	}
	want = strtol(argv[3], &end, 10);
	if (*end || want < 0) {
		fprintf(stderr, "wgr-nlstall: NREAD must be a number\n");
		return 2;
	}
	/*
	 * The family is asked for on a socket of its own: the dump's socket then
	 * has never been read with a large buffer, and the kernel fills its
	 * messages to a page or two (rather than 32 KiB), so that even a small
	 * dump spans several of them.
	 */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	req.nlh.nlmsg_type = family_id(fd, buf, sizeof(buf));
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	req.genl.cmd = strcmp(argv[2], "device") ? WGRELAY_CMD_GET_SESSIONS : WGRELAY_CMD_GET_DEVICE;
	put_attr(&req, WGRELAY_A_IFNAME, argv[1], strlen(argv[1]) + 1);
	send_req(fd, &req);

	/* One recv() returns one skb of the dump: count messages, not reads. */
	while (got < want) {
		ssize_t len = recv(fd, buf, 8192, 0);
		struct nlmsghdr *nlh;

		if (len < 0)
			die("recv");
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				fprintf(stderr, "wgr-nlstall: the dump ended after %ld messages\n", got);
				return 1;
			}
			got++;
		}
	}
	printf("stalled after %ld messages\n", got);
	fflush(stdout);
	/* Hold the socket, unread, until killed. */
	for (;;)
		pause();
}
