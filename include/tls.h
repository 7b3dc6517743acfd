/*
 * tls.h - BearSSL TLS client over a net.h socket, and the trust anchors
 * it checks servers against.
 *
 * Trust anchors are loaded once at start, before the process narrows
 * itself, from one PEM bundle: the caller's path (AWS_CA_BUNDLE, else
 * SSL_CERT_FILE), else the first existing file of TLS_SYSTEM_BUNDLES.
 * Loading is separate from connecting so that no file is opened later.
 *
 * Verification is always on: the chain must lead to a loaded anchor, be
 * valid now (by the system clock), and the certificate must name the host
 * given to tls_connect(), which is also sent as SNI.  BearSSL matches DNS
 * names only, so an IP-literal endpoint over https fails with
 * TLS_EHOSTNAME even when the certificate has an IP SAN; use a name.
 * Only TLS 1.2 is offered (BearSSL has no 1.3; 1.0 and 1.1 are
 * deprecated): a server that insists on TLS 1.3 fails with TLS_EVERSION.
 *
 * Memory: struct tls_anchors is opaque, owned by the caller after
 * tls_anchors_load() and freed with tls_anchors_free(); it must outlive
 * every struct tls_conn using it.  struct tls_conn is caller-allocated
 * (about 40 KB: the engine buffer is inside); its fields are private.
 * The socket passed to tls_connect() belongs to the tls_conn from then on
 * and is closed by tls_close().
 *
 * Errors: negative TLS_E* codes in the range -20..-39, or a NET_E* code
 * from net.h passed through unchanged (timeout, reset, cancel...).
 * tls_strerror() names both.  Nothing here prints.
 */
#ifndef MCP_S3_TLS_H
#define MCP_S3_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "bearssl.h"
#include "net.h"

#define TLS_ENOBUNDLE	-20	/* no CA bundle file found or readable */
#define TLS_EBUNDLE	-21	/* bundle too large, malformed or without certs */
#define TLS_ENOMEM	-22
#define TLS_EUNTRUSTED	-23	/* certificate not issued by a trusted CA */
#define TLS_EHOSTNAME	-24	/* certificate does not name the host */
#define TLS_EEXPIRED	-25	/* certificate expired or not yet valid */
#define TLS_ECERT	-26	/* certificate malformed or unusable */
#define TLS_EVERSION	-27	/* no common protocol version (TLS 1.3 only?) */
#define TLS_EHANDSHAKE	-28	/* handshake failed (alert, no common suite) */
#define TLS_ECLOSED	-29	/* connection closed without close_notify */
#define TLS_EPROTO	-30	/* TLS protocol error after the handshake */

/* Tried in order when the caller gives no path. */
#define TLS_SYSTEM_BUNDLES	{					\
	"/etc/ssl/certs/ca-certificates.crt",				\
	"/etc/pki/tls/certs/ca-bundle.crt",				\
	"/etc/ssl/ca-bundle.pem",					\
	"/etc/pki/tls/cacert.pem",					\
	"/etc/ssl/cert.pem",						\
	NULL								\
}

struct tls_anchors;

/*
 * Loads the CERTIFICATE objects of a PEM bundle (at most TLS_MAX_ANCHORS,
 * the file at most TLS_MAX_BUNDLE_BYTES).  path NULL or "" means the
 * system bundles.  Certificates BearSSL cannot decode are skipped; a
 * bundle with none usable is TLS_EBUNDLE.  On success *out is set.
 */
int		 tls_anchors_load(struct tls_anchors **out, const char *path);
size_t		 tls_anchors_count(const struct tls_anchors *);
/* The file the anchors came from (valid while the anchors live). */
const char	*tls_anchors_path(const struct tls_anchors *);
void		 tls_anchors_free(struct tls_anchors *);

struct tls_conn {
	br_ssl_client_context		 cc;
	br_x509_minimal_context		 xc;
	br_ssl_session_parameters	 session;
	int				 have_session;
	char				 session_host[256];
	int				 fd;
	int				 net_err;	/* last net.h error */
	int				 eof;		/* raw EOF seen */
	int				 established;	/* handshake done */
	int64_t				 deadline;	/* absolute ms, or 0 */
	int64_t				 idle_ms;	/* per wait, or 0 */
	const struct net_watch		*watch;
	unsigned char			 iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* Once per struct tls_conn; anchors must stay alive. */
void		 tls_init(struct tls_conn *, const struct tls_anchors *);

/*
 * Runs the handshake on connected socket fd (now owned by the tls_conn)
 * for host, within timeout_ms in all.  A session from an earlier
 * connection to the same host is offered for resumption.
 */
int		 tls_connect(struct tls_conn *, int fd, const char *host,
		    int64_t timeout_ms, const struct net_watch *);

/*
 * Reads at most n decrypted bytes, waiting up to timeout_ms per socket
 * wait.  Returns the count (> 0), 0 after the peer's close_notify, or a
 * negative error (TLS_ECLOSED when the socket ended without one).
 */
int		 tls_read(struct tls_conn *, void *, size_t n,
		    int64_t timeout_ms, const struct net_watch *);

/*
 * Encrypts all n bytes; full records are sent as they fill, the rest
 * waits for tls_flush().  0 or a negative error.
 */
int		 tls_write(struct tls_conn *, const void *, size_t n,
		    int64_t timeout_ms, const struct net_watch *);
/* Sends whatever tls_write() left buffered; 0 or a negative error. */
int		 tls_flush(struct tls_conn *, int64_t timeout_ms,
		    const struct net_watch *);

/* The socket, or -1 when not connected. */
int		 tls_fd(const struct tls_conn *);

/* Closes the socket without waiting for the peer; keeps the session. */
void		 tls_close(struct tls_conn *);

const char	*tls_strerror(int);

#endif
