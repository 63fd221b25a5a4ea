/*
 * The Berkeley group's sockets: membership, outgoing interface, TTL and
 * loopback set with the plain socket API, since libuv's multicast calls
 * cannot bind to the group address or choose an interface by index.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "mcast.h"

void mcast_group_addr(struct sockaddr_storage *ss, int family, const uint8_t *group,
		      uint16_t port, unsigned ifindex)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, group, 16);
		a->sin6_scope_id = ifindex;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, group, 4);
	}
}

int mcast_ifindex(const char *ifname, unsigned *ifindex)
{
	*ifindex = 0;
	if (ifname[0] == '\0')
		return 0;
	*ifindex = if_nametoindex(ifname);
	return *ifindex == 0 ? -ENODEV : 0;
}

static socklen_t sa_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static int fail_close(int fd)
{
	int err = -errno;
	close(fd);
	return err;
}

static int join(int fd, const struct sockaddr_storage *group, unsigned ifindex)
{
	if (group->ss_family == AF_INET6) {
		struct ipv6_mreq mr = { .ipv6mr_interface = ifindex };
		mr.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)group)->sin6_addr;
		return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr));
	}
	struct ip_mreqn mr = { .imr_ifindex = (int)ifindex };
	mr.imr_multiaddr = ((const struct sockaddr_in *)group)->sin_addr;
	return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

int mcast_open_member(const struct sockaddr_storage *group, unsigned ifindex)
{
	const int on = 1;
	int fd = socket(group->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bound to the group itself: unicast to the port never lands here. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (group->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    bind(fd, (const struct sockaddr *)group, sa_len(group->ss_family)) < 0 ||
	    join(fd, group, ifindex) < 0)
		return fail_close(fd);
	return fd;
}

/* The interface's first IPv4 address, if it has one. */
static void if_ipv4(const char *ifname, struct sockaddr_in *a)
{
	struct ifaddrs *list;
	if (ifname[0] == '\0' || getifaddrs(&list) < 0)
		return;
	for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, ifname) == 0) {
			a->sin_addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			break;
		}
	}
	freeifaddrs(list);
}

static int sender_options(int fd, int family, unsigned ifindex, int ttl)
{
	const int on = 1;
	if (family == AF_INET6)
		return (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
			setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
			setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &on, sizeof(on)) < 0 ||
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ? -1 : 0;
	struct ip_mreqn mr = { .imr_ifindex = (int)ifindex };
	unsigned char t = (unsigned char)ttl, loop = 1;
	return (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof(t)) < 0 ||
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) < 0) ? -1 : 0;
}

int mcast_open_sender(int family, const char *ifname, unsigned ifindex, int ttl)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET)
		if_ipv4(ifname, (struct sockaddr_in *)&ss);
	if (sender_options(fd, family, ifindex, ttl) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sa_len(family)) < 0)
		return fail_close(fd);
	return fd;
}
