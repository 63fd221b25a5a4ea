/*
 * Multicast sockets for the Berkeley group: one bound to the group's
 * address and port with SO_REUSEADDR (so that several daemons on a host
 * can be one group), one unicast socket that sends to the group and to
 * peers. Both are handed to udp_adopt.
 */
#ifndef TSYNC_MCAST_H
#define TSYNC_MCAST_H

#include <stdint.h>
#include <sys/socket.h>

/* The group's sockaddr for family, address (network order) and port. */
void mcast_group_addr(struct sockaddr_storage *ss, int family, const uint8_t *group,
		      uint16_t port, unsigned ifindex);
/* The interface's index, 0 for "" (the kernel's choice); -ENODEV. */
int mcast_ifindex(const char *ifname, unsigned *ifindex);
/* A socket bound to the group's port that has joined the group on
 * ifindex. Returns the fd or a negative errno. */
int mcast_open_member(const struct sockaddr_storage *group, unsigned ifindex);
/* A socket on a free port that sends to the group through ifindex with
 * this TTL (hop limit), looping back to members on this host; bound to
 * the interface's IPv4 address when it has one, so that peers see an
 * address they can answer. Returns the fd or a negative errno. */
int mcast_open_sender(int family, const char *ifname, unsigned ifindex, int ttl);

#endif
