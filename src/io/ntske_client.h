/*
 * One NTS-KE exchange as a client (RFC 8915 §4), blocking under a
 * deadline: TCP, TLS 1.3 with ALPN "ntske/1", the server's certificate
 * verified for the host name, the request, the response to its End of
 * Message, and the two keys exported. For `tsync query --nts`.
 */
#ifndef TSYNC_NTSKE_CLIENT_H
#define TSYNC_NTSKE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/nts_ntp.h"

struct ntske_client_result {
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];
	struct nts_new_cookies cookies;
	char server[NTS_KE_SERVER_MAX + 1]; /* the NTP server named; "": the NTS-KE host */
	uint16_t port;                      /* the NTP port named; 0: 123 */
};

/* The session's two keys as RFC 8915 §5.1 exports them (label and
 * context), for AEAD_AES_SIV_CMAC_256. session: a gnutls_session_t after
 * its handshake; the server's NTS-KE uses it too. */
bool ntske_export_keys(void *session, uint8_t c2s[NTS_KEY_LEN], uint8_t s2c[NTS_KEY_LEN]);

/* Ask host:port. cafile: the certificates to trust (PEM), NULL for the
 * system's store. Returns 0, or a negative errno with one line in err. */
int ntske_client_fetch(const char *host, uint16_t port, const char *cafile, int timeout_ms,
		       struct ntske_client_result *r, char *err, size_t errlen);
/* The same, connecting to addr (an address the caller resolved host to,
 * or a name) but verifying the certificate for host, which is also the
 * TLS server name: each address of a pool gets its own NTS-KE, so that
 * its cookies are its own. cancel: a file descriptor that, once
 * readable, ends the exchange at once with -ECANCELED (tsyncd stopping);
 * -1: none. */
int ntske_client_fetch_at(const char *host, const char *addr, uint16_t port, const char *cafile,
			  int timeout_ms, int cancel, struct ntske_client_result *r, char *err,
			  size_t errlen);

#endif
