/*
 * The kernel's random generator, for request nonces.
 */
#include <stdlib.h>
#include <sys/random.h>

#include "nonce.h"

ntp_ts_t nonce_new(void)
{
	ntp_ts_t n = 0;

	while (n == 0)
		if (getrandom(&n, sizeof(n), 0) != sizeof(n))
			abort(); /* the kernel's generator does not fail for 8 bytes */
	return n;
}
