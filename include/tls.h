/*
 * tls.h - BearSSL TLS client over a net.h socket, and the trust anchors
 * it checks servers against.
 *
 * Trust anchors are loaded once at start, before the process narrows
 * itself; loading is separate from connecting so that no file is opened
 * later.  tls_anchors_from_env() picks the source the way the AWS SDKs
 * and OpenSSL do: AWS_CA_BUNDLE alone when set; else SSL_CERT_FILE and
 * SSL_CERT_DIR together when either is set; else the Mozilla roots
 * compiled in by `make EMBED_ROOTS=1`; else the first existing file of
 * TLS_SYSTEM_BUNDLES.  A connection's own ca_bundle (tls_anchors_load())
 * replaces all of these for that connection.
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
 * tls_strerror() names both; tls_describe() adds what the connection's
 * last failed handshake saw (the certificate's host name, its dates, the
 * alert), kept in its struct tls_conn.  Nothing here prints.
 */
#ifndef MCP_S3_TLS_H
#define MCP_S3_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "bearssl.h"
#include "net.h"

#define TLS_ENOBUNDLE	-20	/* CA file or directory missing or unreadable */
#define TLS_EBUNDLE	-21	/* too large, malformed or without certs */
#define TLS_ENOMEM	-22
#define TLS_EUNTRUSTED	-23	/* certificate not issued by a trusted CA */
#define TLS_EHOSTNAME	-24	/* certificate does not name the host */
#define TLS_EEXPIRED	-25	/* certificate expired */
#define TLS_ECERT	-26	/* certificate malformed or unusable */
#define TLS_EVERSION	-27	/* no common protocol version (TLS 1.3 only?) */
#define TLS_EHANDSHAKE	-28	/* handshake failed (alert, no common suite) */
#define TLS_ECLOSED	-29	/* connection closed without close_notify */
#define TLS_EPROTO	-30	/* TLS protocol error after the handshake */
#define TLS_ENOTYET	-31	/* certificate not yet valid */
#define TLS_ENOSYSTEM	-32	/* no system CA bundle and none built in */
#define TLS_EDIRLIMIT	-33	/* SSL_CERT_DIR has too many files */
#define TLS_EISDIR	-34	/* a directory where a PEM file was expected */

/*
 * Tried in order when no setting names a source: Debian, Ubuntu, Gentoo
 * and Arch; Fedora and RHEL (old and new layout); openSUSE (old and
 * new); Alpine, the BSDs and macOS; FreeBSD's port.
 */
#define TLS_SYSTEM_BUNDLES	{					\
	"/etc/ssl/certs/ca-certificates.crt",				\
	"/etc/pki/tls/certs/ca-bundle.crt",				\
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",		\
	"/etc/ssl/ca-bundle.pem",					\
	"/var/lib/ca-certificates/ca-bundle.pem",			\
	"/etc/pki/tls/cacert.pem",					\
	"/etc/ssl/cert.pem",						\
	"/usr/local/share/certs/ca-root-nss.crt",			\
	NULL								\
}

/*
 * SSL_CERT_DIR: the files read from one directory are the *.pem and
 * *.crt files and OpenSSL's hashed names (8 hex digits, a dot, a number);
 * at most TLS_MAX_DIR_FILES of them, each at most TLS_MAX_BUNDLE_BYTES.
 * Certificates seen twice (a file and its hash link) count once.
 */
#define TLS_MAX_DIR_FILES	2048
#define TLS_MAX_CERT_DIRS	8	/* colon-separated SSL_CERT_DIR entries */

struct tls_anchors;

/* Where tls_anchors_from_env() looks; NULL or "" means unset. */
struct tls_trust_env {
	const char	*aws_ca_bundle;	/* AWS_CA_BUNDLE: one PEM file */
	const char	*ssl_cert_file;	/* SSL_CERT_FILE: one PEM file */
	const char	*ssl_cert_dir;	/* SSL_CERT_DIR: dir[:dir...] */
};

/*
 * Loads the anchors env asks for (order above).  On failure *var names
 * the setting at fault ("AWS_CA_BUNDLE", "SSL_CERT_FILE" or
 * "SSL_CERT_DIR", or NULL for the system search) and *value what it was
 * set to (for SSL_CERT_DIR the one directory that failed, in a static
 * buffer valid until the next call).  On success both are NULL.
 */
int		 tls_anchors_from_env(struct tls_anchors **out,
		    const struct tls_trust_env *, const char **var,
		    const char **value);

/* How many Mozilla roots are compiled in (0: none, the default build). */
size_t		 tls_embedded_roots(void);

/*
 * Loads the CERTIFICATE objects of a PEM bundle (at most TLS_MAX_ANCHORS,
 * the file at most TLS_MAX_BUNDLE_BYTES).  path NULL or "" means the
 * embedded roots when built in, else the system bundles.  Certificates
 * BearSSL cannot decode are skipped; a bundle with none usable is
 * TLS_EBUNDLE.  On success *out is set.
 */
int		 tls_anchors_load(struct tls_anchors **out, const char *path);
size_t		 tls_anchors_count(const struct tls_anchors *);
/*
 * Where the anchors came from, for messages: a file name, "SSL_CERT_DIR
 * DIR", "embedded Mozilla roots"... (valid while the anchors live).
 */
const char	*tls_anchors_path(const struct tls_anchors *);
void		 tls_anchors_free(struct tls_anchors *);

/*
 * Sits between the engine and the minimal X.509 engine to keep what the
 * server's own certificate says (names, dates) for error messages.
 */
struct tls_x509_watch {
	const br_x509_class		*vtable;
	br_x509_minimal_context		*inner;
	br_x509_decoder_context		 dc;
	unsigned			 ncerts;
	int				 have_dates;
	int64_t				 not_before;	/* Unix time */
	int64_t				 not_after;
	br_name_element			 names[2];	/* SAN dNSName, CN */
	char				 dns[128];
	char				 cn[128];
};

/* The sentence about a failed handshake, NUL included; cut to fit. */
#define TLS_REASON_BYTES	512

struct tls_conn {
	br_ssl_client_context		 cc;
	br_x509_minimal_context		 xc;
	struct tls_x509_watch		 xw;
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
	int				 err;		/* last failed handshake */
	char				 reason[TLS_REASON_BYTES];	/* its sentence */
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

/*
 * tls_strerror(e), or, when e is what the last tls_connect() of t
 * returned, a sentence with what that handshake saw: "certificate is for
 * host a.example, not b.example", "certificate of HOST expired at
 * 2026-01-02T00:00:00Z"...  The text lives in t until its next
 * tls_connect(); tls_close() keeps it.
 */
const char	*tls_describe(const struct tls_conn *, int e);

#endif
