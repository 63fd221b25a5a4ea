/*
 * reflector: the cheapest NTP "server" there is, the floor of
 * tools/bench.sh -R. Blocking recvmmsg, then one sendmmsg of 48-byte
 * replies (mode 4, the request's transmit timestamp echoed); no clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define PKT 48

static struct mmsghdr rx[BATCH], tx[BATCH];
static struct iovec rx_iov[BATCH], tx_iov[BATCH];
static struct sockaddr_storage from[BATCH];
static unsigned char rx_buf[BATCH][PKT], tx_buf[BATCH][PKT];

static void init(void)
{
	for (int k = 0; k < BATCH; k++) {
		rx_iov[k] = (struct iovec){ .iov_base = rx_buf[k], .iov_len = PKT };
		rx[k].msg_hdr = (struct msghdr){ .msg_name = &from[k], .msg_iov = &rx_iov[k], .msg_iovlen = 1 };
		tx_iov[k] = (struct iovec){ .iov_base = tx_buf[k], .iov_len = PKT };
		/* A reply goes back to where its request came from: same address slot. */
		tx[k].msg_hdr = (struct msghdr){ .msg_name = &from[k], .msg_iov = &tx_iov[k], .msg_iovlen = 1 };
		/* LI 0, version 4, mode 4; stratum 8; the rest zero but for the
		 * timestamps copied in per reply. */
		tx_buf[k][0] = 0x24;
		tx_buf[k][1] = 8;
	}
}

/* Origin = the request's transmit timestamp; receive and transmit the same
 * value, so that a client's sanity checks (non-zero transmit) pass. */
static int answer(int n)
{
	int m = 0;
	for (int k = 0; k < n; k++) {
		if (rx[k].msg_len < PKT || (rx_buf[k][0] & 7) != 3)
			continue;
		if (m != k) { /* keep replies and addresses in step: move the address */
			memcpy(&from[m], &from[k], sizeof(from[m]));
		}
		memcpy(tx_buf[m] + 24, rx_buf[k] + 40, 8);
		memcpy(tx_buf[m] + 32, rx_buf[k] + 40, 8);
		memcpy(tx_buf[m] + 40, rx_buf[k] + 40, 8);
		tx[m].msg_hdr.msg_namelen = rx[k].msg_hdr.msg_namelen;
		m++;
	}
	return m;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: reflector IPV4 PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("reflector");
		return 1;
	}
	init();
	for (;;) {
		for (int k = 0; k < BATCH; k++)
			rx[k].msg_hdr.msg_namelen = sizeof(from[k]);
		int n = recvmmsg(fd, rx, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("reflector: recvmmsg");
			return 1;
		}
		int m = answer(n);
		for (int i = 0; i < m;) {
			int r = sendmmsg(fd, tx + i, (unsigned)(m - i), 0);
			i += r > 0 ? r : 1; /* skip a datagram the kernel refuses */
		}
	}
}
