/*
 * http.h - HTTP/1.1 client: an incremental response parser, a request
 * writer, and a kept-alive connection that runs one exchange at a time
 * with deadlines, cancellation and retries.
 *
 * Errors: 0 on success or a negative code.  http functions return HTTP_E*
 * (range -40..-59) or pass NET_E* (net.h, -1..-19) and TLS_E* (tls.h,
 * -20..-39) up unchanged, so a timeout, a reset, a refusal, a failed
 * resolution and each TLS reason stay distinct.  http_strerror() names
 * all three families, http_conn_strerror() adds what a connection's
 * failed handshake saw; http_error_class() sorts a code into what the
 * MCP edge reports (Timeout, NetworkError, TLSError, ...).  Nothing
 * prints.
 *
 * Memory: the parser and the request writer never allocate; the parser
 * keeps its state, including one line buffer, in struct http_parser.
 * Slices handed to callbacks point into the caller's input or the
 * parser's line buffer and are valid only during the call.  struct
 * http_conn is opaque and heap-allocated (http_conn_new/http_conn_free).
 */
#ifndef MCP_S3_HTTP_H
#define MCP_S3_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "net.h"
#include "tls.h"
#include "util.h"

#define HTTP_EPROTO	-40	/* malformed response */
#define HTTP_ELIMIT	-41	/* response head past a limit in limits.h */
#define HTTP_ELENGTH	-42	/* bad, conflicting or unsupported framing */
#define HTTP_ETRUNCATED	-43	/* connection ended inside the response */
#define HTTP_EABORTED	-44	/* a caller callback returned nonzero */
#define HTTP_EINVAL	-45	/* request cannot be written as given */
#define HTTP_ENOMEM	-46
#define HTTP_ETLSCLOSED	-47	/* the peer closed during the TLS handshake */

/*
 * Body bytes of a response that will be retried (a 503, say) read and
 * dropped to keep the socket; past this the socket is closed instead.
 */
#define HTTP_MAX_DISCARD_BYTES	(64u * 1024)

/* Results of http_parser_feed() besides errors. */
#define HTTP_DONE	0	/* the response is complete */
#define HTTP_MORE	1	/* all input consumed; feed more (or EOF) */

/*
 * Callbacks for one response; any may be NULL.  status runs once, before
 * any header; header runs once per field, name as received (compare it
 * case-insensitively), value with surrounding blanks removed; body runs
 * with each run of body bytes (chunk framing removed).  A nonzero return
 * stops parsing with HTTP_EABORTED.
 */
struct http_callbacks {
	int	(*status)(void *arg, int code);
	int	(*header)(void *arg, struct slice name, struct slice value);
	int	(*body)(void *arg, const char *p, size_t n);
	void	 *arg;
};

/* Response parser state; fields are private. */
struct http_parser {
	const struct http_callbacks	*cb;
	int		 state;
	int		 err;		/* sticky once set */
	int		 head_request;
	int		 status;
	int		 minor;		/* HTTP/1.minor */
	int		 close;		/* Connection: close seen */
	int		 chunked;
	int		 has_length;
	int		 te_seen;
	uint64_t	 length;	/* Content-Length */
	uint64_t	 remaining;	/* of this body or chunk */
	size_t		 head_bytes;
	size_t		 nheaders;
	size_t		 line_len;
	char		 line[HTTP_MAX_LINE_BYTES + 1];
};

/*
 * Prepares p for one response.  head_request: the request was HEAD, so
 * there is no body whatever the headers say.
 */
void	http_parser_init(struct http_parser *, int head_request,
	    const struct http_callbacks *);

/*
 * Feeds n bytes (any split of the stream).  Returns HTTP_MORE when all n
 * were consumed and the response is not complete, HTTP_DONE when it is
 * (*used says how many bytes it took; the rest are not part of it, and
 * feeding more gives HTTP_DONE with *used 0), or a negative error, which
 * every later call repeats.
 */
int	http_parser_feed(struct http_parser *, const char *, size_t n,
	    size_t *used);

/*
 * Tells the parser the peer closed.  HTTP_DONE when that ends a
 * read-until-close body (or the response was already complete),
 * HTTP_ETRUNCATED otherwise.
 */
int	http_parser_eof(struct http_parser *);

/* After HTTP_DONE: 1 if the connection may carry another request. */
int	http_parser_keepalive(const struct http_parser *);
/* The status code, 0 before the status line was read. */
int	http_parser_status(const struct http_parser *);

/*
 * One request.  target is the origin-form request-target, already
 * percent-encoded ("/bucket/key?list-type=2").  A Host header is added
 * unless headers has one (see http_conn_host); a header's name and value
 * must hold no CR, LF or NUL.  body NULL means no body
 * and no Content-Length; any other body (even empty) is sent with
 * Content-Length.  idempotent allows retries (GET, HEAD, PUT, DELETE).
 */
struct http_request {
	const char			*method;
	struct slice			 target;
	const struct slice_pair		*headers;
	size_t				 nheaders;
	const void			*body;
	size_t				 body_len;
	int				 idempotent;
};

/*
 * Appends the request head (request line, Host unless given, caller
 * headers, Content-Length, blank line) to out; the body is not copied.
 * host may be NULL when headers has a Host.  HTTP_EINVAL for a method or
 * header name that is not a token, a target or value holding a control
 * character (or, in the target, a blank), no Host at all, or a caller
 * Content-Length or Transfer-Encoding (the writer owns framing);
 * HTTP_ENOMEM/HTTP_ELIMIT when out cannot grow.
 */
int	http_write_request(struct buf *out, const char *host,
	    const struct http_request *);

struct http_conn;

/*
 * A lazily opened connection to scheme://host:port.  tls: 1 for https,
 * which needs anchors (kept by pointer; they must outlive the conn).
 * host is copied: a name or an IP literal (IPv6 without brackets).
 */
int	http_conn_new(struct http_conn **out, int tls, const char *host,
	    uint16_t port, const struct tls_anchors *);
void	http_conn_free(struct http_conn *);

/*
 * Deadlines in milliseconds: connect_ms bounds connecting plus the TLS
 * handshake; idle_ms bounds each wait for the socket while sending or
 * receiving, and the arrival of a whole response head (see
 * http_exchange).  <= 0 means no limit.  Both default to 30000.
 */
void	http_conn_timeouts(struct http_conn *, int64_t connect_ms,
	    int64_t idle_ms);

/* Cancellation watch for every wait, as in net.h (copied); NULL or fd
 * -1 removes it. */
void	http_conn_watch(struct http_conn *, const struct net_watch *);

/*
 * The Host header value the writer sends: host, or host:port when port
 * is not the scheme's default; IPv6 literals in brackets.  Sign exactly
 * this.  Valid while the conn lives.
 */
const char *http_conn_host(const struct http_conn *);

/* Drops the socket; the next exchange connects again. */
void	http_conn_close(struct http_conn *);

/* What http_exchange() did, for logs and tests. */
struct http_result {
	int	status;		/* final status delivered, 0 if none */
	int	attempts;	/* requests sent, retries included */
	int	reused;		/* the final attempt ran on a kept-alive socket */
	int	reconnects;	/* stale kept-alive sockets replaced */
};

/*
 * Sends req and parses the response into cb.  Returns 0 once a whole
 * response was delivered, whatever its status (an S3 error document
 * reaches cb->body like any body; cb->status runs first so the caller
 * can route it), else a negative error.
 *
 * The socket is opened on first use and kept while the server allows.
 * A kept-alive socket found closed, or that ends or resets before the
 * first response byte, is replaced once transparently (the server most
 * likely closed it while idle); for a request that is not idempotent
 * only if the request did not go out whole, since a peer that read it
 * and then reset may have acted on it.  This replacement is on top of
 * the HTTP_MAX_ATTEMPTS below and counts in res->attempts.
 *
 * When req->idempotent, failed attempts are retried, at most
 * HTTP_MAX_ATTEMPTS in all (besides a stale-socket replacement), after
 * a full-jitter backoff (a random wait up to HTTP_BACKOFF_BASE_MS
 * doubled per retry, capped at HTTP_BACKOFF_CAP_MS, cancellable through
 * the watch): on a reset or a response cut short before its status
 * line, on a refusal once this conn has connected before, and on status
 * 500, 502, 503 (SlowDown included) and 504.  A response that will be
 * retried is read and dropped without reaching cb (at most
 * HTTP_MAX_DISCARD_BYTES of its body; a longer one closes the socket);
 * the last attempt's response is delivered as is.  res->attempts says
 * how many were made.  Nothing is retried once cb->status ran, nor
 * after a timeout, a cancel, a TLS failure or a failed resolution.
 *
 * Deadlines: besides idle_ms per wait, the whole response head must
 * arrive within idle_ms of the request being sent, so a peer trickling
 * its head a byte at a time times out (NET_ETIMEOUT) like a silent one.
 *
 * The request is sent unchanged on each attempt: a SigV4 signature stays
 * valid for minutes, far longer than the retries take.
 */
int	http_exchange(struct http_conn *, const struct http_request *,
	    const struct http_callbacks *, struct http_result *);

/* What the MCP edge reports for an error code. */
enum http_class {
	HTTP_CLASS_OK,		/* 0 */
	HTTP_CLASS_TIMEOUT,	/* NET_ETIMEOUT */
	HTTP_CLASS_CANCELED,	/* NET_ECANCELED */
	HTTP_CLASS_NETWORK,	/* other NET_E*, TLS_ECLOSED, HTTP_ETRUNCATED */
	HTTP_CLASS_TLS,		/* other TLS_E*, HTTP_ETLSCLOSED */
	HTTP_CLASS_PROTOCOL,	/* HTTP_EPROTO, HTTP_ELIMIT, HTTP_ELENGTH */
	HTTP_CLASS_LOCAL	/* HTTP_EABORTED, HTTP_EINVAL, HTTP_ENOMEM... */
};

enum http_class	 http_error_class(int);
const char	*http_strerror(int);
/*
 * http_strerror(e), or for a TLS failure of this connection's last
 * handshake what it saw (tls_describe): the certificate's host name, its
 * dates, the server's alert.  Valid until the conn connects again or is
 * freed; http_conn_close() keeps it.
 */
const char	*http_conn_strerror(const struct http_conn *, int e);

#endif
