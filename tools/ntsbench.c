/*
 * ntsbench: the cost of NTS on a server (tsyncd or chronyd) on loopback.
 * NTS-KE handshakes back to back for a while, then NTS-protected requests
 * (one cookie replayed: both servers are stateless) with a bounded window,
 * then plain requests the same way; for each, the rate and the server's
 * CPU time per answer, read from /proc/PID/stat.
 *   ntsbench HOST KEPORT CAFILE SERVER_PID [SECONDS]
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntske_client.h"
#include "tsync/ntp_pkt.h"
#include "tsync/nts_ntp.h"

#define WINDOW 32

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime + stime of pid, in seconds. */
static double cpu_of(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		perror(path);
		exit(1);
	}
	fclose(f);
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void handshakes(const char *host, int port, const char *ca, int pid, double secs,
		       struct ntske_client_result *keep)
{
	char err[256];
	int n = 0;
	double c0 = cpu_of(pid), t0 = now();
	while (now() - t0 < secs) {
		if (ntske_client_fetch(host, (uint16_t)port, ca, 5000, keep, err, sizeof(err)) < 0) {
			fprintf(stderr, "ntsbench: %s\n", err);
			exit(1);
		}
		n++;
	}
	double dt = now() - t0, cpu = cpu_of(pid) - c0;
	printf("nts-ke: %d handshakes in %.2f s: %.0f/s, server CPU %.0f us each\n", n, dt, n / dt,
	       cpu / n * 1e6);
}

/* Send requests of len bytes from pkt, WINDOW in flight, for secs. */
static void blast(int fd, const uint8_t *pkt, size_t len, int pid, double secs, const char *what)
{
	uint8_t buf[2048];
	long sent = 0, got = 0;
	double c0 = cpu_of(pid), t0 = now();
	while (now() - t0 < secs) {
		while (sent - got < WINDOW && send(fd, pkt, len, 0) == (ssize_t)len)
			sent++;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) <= 0) {
			got = sent; /* lost ones: open the window again */
			continue;
		}
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			got++;
	}
	double dt = now() - t0, cpu = cpu_of(pid) - c0;
	printf("%s: %ld requests of %zu bytes in %.2f s: %.0f/s, server CPU %.2f us per reply\n",
	       what, sent, len, dt, sent / dt, cpu / (double)sent * 1e6);
}

static int ntp_socket(const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		exit(1);
	int fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		perror("ntp socket");
		exit(1);
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	static struct ntske_client_result ke;
	if (argc < 5) {
		fprintf(stderr, "usage: ntsbench HOST KEPORT CAFILE SERVER_PID [SECONDS]\n");
		return 2;
	}
	int pid = atoi(argv[4]);
	double secs = argc > 5 ? atof(argv[5]) : 3.0;
	handshakes(argv[1], atoi(argv[2]), argv[3], pid, secs, &ke);
	int fd = ntp_socket(ke.server[0] ? ke.server : argv[1], ke.port ? ke.port : NTP_PORT);
	uint8_t uid[NTS_UID_MIN] = { 1 }, nonce[NTS_NONCE_LEN] = { 2 }, pkt[NTS_REPLY_MAX];
	struct ntp_pkt hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .xmt = 0x123456789abcdefULL };
	size_t len = nts_client_request(&hdr, uid, sizeof(uid), ke.cookies.cookie[0],
					ke.cookies.len[0], 0, ke.c2s, nonce, pkt, sizeof(pkt));
	blast(fd, pkt, len, pid, secs, "nts ntp");
	blast(fd, pkt, NTP_PKT_LEN, pid, secs, "plain ntp");
	return 0;
}
