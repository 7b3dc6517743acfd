/*
 * http.c - HTTP/1.1 client: response parser, request writer, kept-alive
 * connection with deadlines, cancellation and retries.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "limits.h"
#include "net.h"
#include "tls.h"
#include "util.h"

/* Parser states. */
enum {
	S_STATUS,		/* collecting the status line */
	S_HEADER,		/* collecting a header line */
	S_BODY_LENGTH,		/* Content-Length body, remaining bytes left */
	S_BODY_CLOSE,		/* body runs until the peer closes */
	S_CHUNK_SIZE0,		/* chunk-size line, no digit yet */
	S_CHUNK_SIZE,		/* chunk-size digits */
	S_CHUNK_BWS,		/* blanks after the digits */
	S_CHUNK_EXT,		/* chunk extensions, ignored */
	S_CHUNK_SIZE_LF,	/* CR seen after the chunk-size line */
	S_CHUNK_DATA,		/* chunk data, remaining bytes left */
	S_CHUNK_DATA_CR,	/* CRLF expected after chunk data */
	S_CHUNK_DATA_LF,	/* LF expected after chunk data */
	S_TRAILER,		/* trailer lines, skipped */
	S_DONE
};

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
fail(struct http_parser *p, int err)
{
	p->err = err;
	return err;
}

/* True if the comma-separated list s holds token (case-insensitive). */
static int
list_has(struct slice s, const char *token)
{
	struct slice	 item;
	size_t		 i, start;

	for (start = 0, i = 0; i <= s.n; i++) {
		if (i < s.n && s.p[i] != ',')
			continue;
		item.p = s.p + start;
		item.n = i - start;
		if (slice_ieq(slice_trim(item), token))
			return 1;
		start = i + 1;
	}
	return 0;
}

/* see http.h */
void
http_parser_init(struct http_parser *p, int head_request,
    const struct http_callbacks *cb)
{
	memset(p, 0, offsetof(struct http_parser, line));
	p->cb = cb;
	p->head_request = head_request;
	p->state = S_STATUS;
}

static int
status_line(struct http_parser *p, const char *s, size_t n)
{
	int	 code;

	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    s[7] < '0' || s[7] > '9' || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9' || (n > 12 && s[12] != ' '))
		return fail(p, HTTP_EPROTO);
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	/* We never ask to switch protocols; anything after 101 is not HTTP. */
	if (code == 101)
		return fail(p, HTTP_EPROTO);
	p->minor = s[7] - '0';
	p->status = code;
	p->nheaders = 0;
	p->state = S_HEADER;
	if (code >= 200 && p->cb != NULL && p->cb->status != NULL &&
	    p->cb->status(p->cb->arg, code) != 0)
		return fail(p, HTTP_EABORTED);
	return 0;
}

/* The blank line: choose how the body is framed. */
static int
end_of_head(struct http_parser *p)
{
	if (p->status < 200) {
		/* An interim 1xx response: the real one follows. */
		p->state = S_STATUS;
		p->status = 0;
		p->nheaders = 0;
		p->close = p->chunked = p->has_length = p->te_seen = 0;
		p->length = 0;
		return 0;
	}
	if (p->te_seen && p->has_length)
		return fail(p, HTTP_ELENGTH);	/* a smuggling pattern */
	if (p->head_request || p->status == 204 || p->status == 304) {
		p->state = S_DONE;
		return 0;
	}
	if (p->chunked) {
		p->state = S_CHUNK_SIZE0;
		p->line_len = 0;
		p->remaining = 0;
	} else if (p->has_length) {
		p->remaining = p->length;
		p->state = p->length == 0 ? S_DONE : S_BODY_LENGTH;
	} else {
		p->close = 1;
		p->state = S_BODY_CLOSE;
	}
	return 0;
}

static int
header_line(struct http_parser *p, const char *s, size_t n)
{
	struct slice	 name, value;
	uint64_t	 len;
	size_t		 i;

	if (n == 0)
		return end_of_head(p);
	if (s[0] == ' ' || s[0] == '\t')
		return fail(p, HTTP_EPROTO);	/* obs-fold, RFC 9112 5.2 */
	for (i = 0; i < n && s[i] != ':'; i++)
		if (!is_tchar((unsigned char)s[i]))
			return fail(p, HTTP_EPROTO);
	if (i == 0 || i == n)
		return fail(p, HTTP_EPROTO);
	if (++p->nheaders > HTTP_MAX_HEADERS)
		return fail(p, HTTP_ELIMIT);
	name.p = s;
	name.n = i;
	value.p = s + i + 1;
	value.n = n - i - 1;
	value = slice_trim(value);
	if (p->status < 200)
		return 0;	/* 1xx headers say nothing about the final response */

	if (slice_ieq(name, "content-length")) {
		if (parse_u64(value.p, value.n, &len) != 0)
			return fail(p, HTTP_ELENGTH);
		if (p->has_length && len != p->length)
			return fail(p, HTTP_ELENGTH);
		p->has_length = 1;
		p->length = len;
	} else if (slice_ieq(name, "transfer-encoding")) {
		/* Only a lone "chunked" is supported; no coding is asked for. */
		if (p->te_seen || !slice_ieq(value, "chunked"))
			return fail(p, HTTP_ELENGTH);
		p->te_seen = 1;
		p->chunked = 1;
	} else if (slice_ieq(name, "connection")) {
		if (list_has(value, "close"))
			p->close = 1;
	}
	if (p->cb != NULL && p->cb->header != NULL &&
	    p->cb->header(p->cb->arg, name, value) != 0)
		return fail(p, HTTP_EABORTED);
	return 0;
}

/* A whole status or header line is in p->line (LF removed). */
static int
head_line(struct http_parser *p)
{
	size_t	 n = p->line_len, i;

	if (n > 0 && p->line[n - 1] == '\r')
		n--;
	if (n > HTTP_MAX_LINE_BYTES)
		return fail(p, HTTP_ELIMIT);
	for (i = 0; i < n; i++)
		if (is_ctl((unsigned char)p->line[i]))
			return fail(p, HTTP_EPROTO);
	p->line_len = 0;
	if (p->state == S_STATUS)
		return status_line(p, p->line, n);
	return header_line(p, p->line, n);
}

/* Collects head bytes up to a line end; returns bytes taken or error. */
static int
feed_head(struct http_parser *p, const char *s, size_t n, size_t *took)
{
	const char	*nl;
	size_t		 k, room;

	nl = memchr(s, '\n', n);
	k = nl != NULL ? (size_t)(nl - s) : n;
	/* Both limits count the CR but not the LF... */
	if (k > HTTP_MAX_HEAD_BYTES - p->head_bytes)
		return fail(p, HTTP_ELIMIT);
	room = sizeof(p->line) - p->line_len;
	if (k > room)
		return fail(p, HTTP_ELIMIT);
	memcpy(p->line + p->line_len, s, k);
	p->line_len += k;
	p->head_bytes += k;
	*took = k;
	if (nl == NULL)
		return 0;
	/* ...and the LF once seen. */
	if (p->head_bytes == HTTP_MAX_HEAD_BYTES)
		return fail(p, HTTP_ELIMIT);
	p->head_bytes++;
	*took = k + 1;
	return head_line(p);
}

static int
deliver(struct http_parser *p, const char *s, size_t n)
{
	if (n > 0 && p->cb != NULL && p->cb->body != NULL &&
	    p->cb->body(p->cb->arg, s, n) != 0)
		return fail(p, HTTP_EABORTED);
	return 0;
}

/* One byte of chunk framing (everything but the data itself). */
static int
chunk_byte(struct http_parser *p, unsigned char c)
{
	int	 v;

	switch (p->state) {
	case S_CHUNK_SIZE0:
	case S_CHUNK_SIZE:
	case S_CHUNK_BWS:
	case S_CHUNK_EXT:
	case S_CHUNK_SIZE_LF:
		if (c == '\n')
			break;
		/* The bound counts the line without its CRLF. */
		if (c != '\r' && ++p->line_len > HTTP_MAX_CHUNK_LINE)
			return fail(p, HTTP_ELIMIT);
		v = hex_digit(c);
		if (p->state == S_CHUNK_SIZE_LF ||
		    (p->state == S_CHUNK_SIZE0 && v < 0))
			return fail(p, HTTP_EPROTO);
		if (p->state == S_CHUNK_EXT) {
			if (c == '\r')
				p->state = S_CHUNK_SIZE_LF;
			return is_ctl(c) && c != '\r' ?
			    fail(p, HTTP_EPROTO) : 0;
		}
		if (v >= 0 && p->state != S_CHUNK_BWS) {
			if (p->remaining > (UINT64_MAX >> 4))
				return fail(p, HTTP_ELENGTH);
			p->remaining = (p->remaining << 4) | (uint64_t)v;
			p->state = S_CHUNK_SIZE;
		} else if (c == ' ' || c == '\t')
			p->state = S_CHUNK_BWS;
		else if (c == ';')
			p->state = S_CHUNK_EXT;
		else if (c == '\r')
			p->state = S_CHUNK_SIZE_LF;
		else
			return fail(p, HTTP_EPROTO);
		return 0;
	case S_CHUNK_DATA_CR:
		if (c == '\r') {
			p->state = S_CHUNK_DATA_LF;
			return 0;
		}
		/* FALLTHROUGH */
	case S_CHUNK_DATA_LF:
		if (c != '\n')
			return fail(p, HTTP_EPROTO);
		p->state = S_CHUNK_SIZE0;
		p->line_len = 0;
		p->remaining = 0;
		return 0;
	case S_TRAILER:
		if (++p->head_bytes > HTTP_MAX_HEAD_BYTES)
			return fail(p, HTTP_ELIMIT);
		if (c == '\n') {
			if (p->line_len == 0)
				p->state = S_DONE;
			p->line_len = 0;
		} else if (c != '\r' && ++p->line_len > HTTP_MAX_LINE_BYTES)
			return fail(p, HTTP_ELIMIT);
		return 0;
	default:
		return fail(p, HTTP_EPROTO);
	}
	/* The LF ending a chunk-size line. */
	if (p->state == S_CHUNK_SIZE0)
		return fail(p, HTTP_EPROTO);
	p->line_len = 0;
	if (p->remaining == 0) {
		p->state = S_TRAILER;
		p->head_bytes = 0;
	} else
		p->state = S_CHUNK_DATA;
	return 0;
}

/* see http.h */
int
http_parser_feed(struct http_parser *p, const char *s, size_t n,
    size_t *used)
{
	size_t	 i = 0, k;
	int	 r;

	*used = 0;
	if (p->err != 0)
		return p->err;
	while (i < n && p->state != S_DONE) {
		switch (p->state) {
		case S_STATUS:
		case S_HEADER:
			if ((r = feed_head(p, s + i, n - i, &k)) != 0)
				return r;
			i += k;
			break;
		case S_BODY_LENGTH:
		case S_CHUNK_DATA:
			k = n - i;
			if (k > p->remaining)
				k = (size_t)p->remaining;
			if ((r = deliver(p, s + i, k)) != 0)
				return r;
			i += k;
			p->remaining -= k;
			if (p->remaining == 0)
				p->state = p->state == S_CHUNK_DATA ?
				    S_CHUNK_DATA_CR : S_DONE;
			break;
		case S_BODY_CLOSE:
			if ((r = deliver(p, s + i, n - i)) != 0)
				return r;
			i = n;
			break;
		default:
			if ((r = chunk_byte(p, (unsigned char)s[i])) != 0)
				return r;
			i++;
			break;
		}
	}
	*used = i;
	return p->state == S_DONE ? HTTP_DONE : HTTP_MORE;
}

/* see http.h */
int
http_parser_eof(struct http_parser *p)
{
	if (p->err != 0)
		return p->err;
	if (p->state == S_BODY_CLOSE)
		p->state = S_DONE;
	if (p->state == S_DONE)
		return HTTP_DONE;
	return fail(p, HTTP_ETRUNCATED);
}

/* see http.h */
int
http_parser_keepalive(const struct http_parser *p)
{
	return p->err == 0 && p->state == S_DONE && p->minor >= 1 &&
	    !p->close;
}

/* see http.h */
int
http_parser_status(const struct http_parser *p)
{
	return p->status >= 200 ? p->status : 0;
}

static int
token_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
value_ok(struct slice v)
{
	size_t	 i;

	for (i = 0; i < v.n; i++)
		if (is_ctl((unsigned char)v.p[i]))
			return 0;
	return 1;
}

/* see http.h */
int
http_write_request(struct buf *out, const char *host,
    const struct http_request *req)
{
	const struct slice_pair	*h;
	size_t				 i;
	int				 has_host = 0, r;

	if (req->method == NULL || !token_ok(req->method, strlen(req->method)))
		return HTTP_EINVAL;
	if (req->target.n == 0 || (req->target.p[0] != '/' &&
	    !(req->target.n == 1 && req->target.p[0] == '*')))
		return HTTP_EINVAL;
	for (i = 0; i < req->target.n; i++)
		if ((unsigned char)req->target.p[i] <= ' ' ||
		    req->target.p[i] == 0x7f)
			return HTTP_EINVAL;
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (!token_ok(h->name.p, h->name.n) || !value_ok(h->value))
			return HTTP_EINVAL;
		if (slice_ieq(h->name, "content-length") ||
		    slice_ieq(h->name, "transfer-encoding"))
			return HTTP_EINVAL;
		if (slice_ieq(h->name, "host"))
			has_host = 1;
	}
	if (!has_host && (host == NULL || !value_ok(slice_cstr(host))))
		return HTTP_EINVAL;

	r = buf_adds(out, req->method);
	if (r == 0)
		r = buf_addc(out, ' ');
	if (r == 0)
		r = buf_add(out, req->target.p, req->target.n);
	if (r == 0)
		r = buf_adds(out, " HTTP/1.1\r\n");
	if (r == 0 && !has_host)
		r = buf_addf(out, "Host: %s\r\n", host);
	for (i = 0; r == 0 && i < req->nheaders; i++) {
		h = &req->headers[i];
		r = buf_add(out, h->name.p, h->name.n);
		if (r == 0)
			r = buf_adds(out, ": ");
		if (r == 0)
			r = buf_add(out, h->value.p, h->value.n);
		if (r == 0)
			r = buf_adds(out, "\r\n");
	}
	if (r == 0 && req->body != NULL) {
		r = buf_adds(out, "Content-Length: ");
		if (r == 0)
			r = buf_add_u64(out, req->body_len);
		if (r == 0)
			r = buf_adds(out, "\r\n");
	}
	if (r == 0)
		r = buf_adds(out, "\r\n");
	if (r == UTIL_ELIMIT)
		return HTTP_ELIMIT;
	return r != 0 ? HTTP_ENOMEM : 0;
}

struct http_conn {
	int			 tls;
	uint16_t		 port;
	char			 host[256];
	char			 host_value[256 + 8];
	const struct tls_anchors *anchors;
	int64_t			 connect_ms;
	int64_t			 idle_ms;
	struct net_watch	 watch;
	int			 fd;		/* plain http socket */
	int			 open;
	int			 ever_connected;
	uint64_t		 rng;
	struct buf		 head;
	struct http_parser	 parser;
	char			 rbuf[HTTP_READ_BUF_BYTES];
	struct tls_conn		 tc;
};

/* see http.h */
int
http_conn_new(struct http_conn **out, int tls, const char *host,
    uint16_t port, const struct tls_anchors *anchors)
{
	struct http_conn	*c;
	size_t			 n;
	int			 v6;

	*out = NULL;
	if (host == NULL || (n = strlen(host)) == 0 || n >= sizeof(c->host) ||
	    (tls && anchors == NULL) || port == 0 ||
	    !value_ok(slice_cstr(host)) || strpbrk(host, " /[]") != NULL)
		return HTTP_EINVAL;
	if ((c = malloc(sizeof(*c))) == NULL)
		return HTTP_ENOMEM;
	memset(c, 0, offsetof(struct http_conn, parser));
	c->tls = tls != 0;
	c->port = port;
	memcpy(c->host, host, n + 1);
	v6 = strchr(host, ':') != NULL;
	if (port == (c->tls ? 443 : 80))
		snprintf(c->host_value, sizeof(c->host_value), v6 ? "[%s]" :
		    "%s", host);
	else
		snprintf(c->host_value, sizeof(c->host_value), v6 ? "[%s]:%u" :
		    "%s:%u", host, (unsigned)port);
	c->anchors = anchors;
	c->connect_ms = 30000;
	c->idle_ms = 30000;
	c->watch.fd = -1;
	c->fd = -1;
	/* Jitter needs spread between processes, not secrecy. */
	c->rng = (uint64_t)time_now_ms() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 1;
	buf_init(&c->head, HTTP_MAX_HEAD_BYTES);
	if (c->tls)
		tls_init(&c->tc, anchors);
	else
		c->tc.fd = -1;
	*out = c;
	return 0;
}

/* see http.h */
void
http_conn_close(struct http_conn *c)
{
	if (c == NULL)
		return;
	if (c->tls)
		tls_close(&c->tc);
	net_close(c->fd);
	c->fd = -1;
	c->open = 0;
}

/* see http.h */
void
http_conn_free(struct http_conn *c)
{
	if (c == NULL)
		return;
	http_conn_close(c);
	buf_free(&c->head);
	/* The engine holds session keys. */
	wipe(&c->tc, sizeof(c->tc));
	free(c);
}

/* see http.h */
void
http_conn_timeouts(struct http_conn *c, int64_t connect_ms, int64_t idle_ms)
{
	c->connect_ms = connect_ms;
	c->idle_ms = idle_ms;
}

/* see http.h */
void
http_conn_watch(struct http_conn *c, const struct net_watch *w)
{
	net_watch_set(&c->watch, w);
}

/* see http.h */
const char *
http_conn_host(const struct http_conn *c)
{
	return c->host_value;
}

static int
conn_open(struct http_conn *c)
{
	int64_t	 start = time_now_ms(), left;
	int	 fd, r;

	if ((r = net_connect(c->host, c->port, c->connect_ms, &c->watch,
	    &fd)) != 0)
		return r;
	c->ever_connected = 1;
	if (c->tls) {
		/* The handshake shares the connect deadline. */
		left = 0;
		if (c->connect_ms > 0 &&
		    (left = c->connect_ms - (time_now_ms() - start)) <= 0) {
			net_close(fd);
			return NET_ETIMEOUT;
		}
		/*
		 * A close inside the handshake is the server refusing TLS
		 * (or not speaking it), not a network fault.
		 */
		if ((r = tls_connect(&c->tc, fd, c->host, left,
		    &c->watch)) != 0)
			return r == TLS_ECLOSED ? HTTP_ETLSCLOSED : r;
	} else
		c->fd = fd;
	c->open = 1;
	return 0;
}

static int
conn_fd(const struct http_conn *c)
{
	return c->tls ? tls_fd(&c->tc) : c->fd;
}

static int
conn_send(struct http_conn *c, const void *p, size_t n)
{
	if (c->tls)
		return tls_write(&c->tc, p, n, c->idle_ms, &c->watch);
	return net_write(c->fd, p, n, c->idle_ms, &c->watch);
}

static int
conn_recv(struct http_conn *c, void *p, size_t n, int64_t wait_ms)
{
	if (c->tls)
		return tls_read(&c->tc, p, n, wait_ms, &c->watch);
	return net_read(c->fd, p, n, wait_ms, &c->watch);
}

/* True once the parser is past the response head (in or after the body). */
static int
in_body(const struct http_parser *p)
{
	return p->state != S_STATUS && p->state != S_HEADER;
}

/* One exchange's view of the caller's callbacks. */
struct exchange {
	const struct http_callbacks	*user;
	struct http_callbacks		 cb;
	int				 may_retry;
	int				 discard;	/* this response is retried */
	int				 delivered;	/* user saw the status */
	int				 status;
	int				 sent;		/* the request went out whole */
	uint64_t			 dropped;	/* body bytes of a discard */
	int				 overflow;	/* a discard ran too long */
};

static int
retry_status(int code)
{
	return code == 500 || code == 502 || code == 503 || code == 504;
}

static int
x_status(void *arg, int code)
{
	struct exchange	*x = arg;

	x->status = code;
	if (x->may_retry && retry_status(code)) {
		x->discard = 1;
		return 0;
	}
	x->delivered = 1;
	if (x->user != NULL && x->user->status != NULL)
		return x->user->status(x->user->arg, code);
	return 0;
}

static int
x_header(void *arg, struct slice name, struct slice value)
{
	struct exchange	*x = arg;

	if (x->discard || x->user == NULL || x->user->header == NULL)
		return 0;
	return x->user->header(x->user->arg, name, value);
}

static int
x_body(void *arg, const char *p, size_t n)
{
	struct exchange	*x = arg;

	if (x->discard) {
		/* Read to keep the socket, but not forever. */
		if (n > HTTP_MAX_DISCARD_BYTES - x->dropped) {
			x->overflow = 1;
			return 1;
		}
		x->dropped += n;
		return 0;
	}
	if (x->user == NULL || x->user->body == NULL)
		return 0;
	return x->user->body(x->user->arg, p, n);
}

/*
 * Sends the request on the open connection and reads the response.
 * *got counts response bytes, so a stale socket can be told from a
 * failure after the server started answering.  Each wait is bounded by
 * idle_ms, and the whole head by idle_ms from the end of the request:
 * a peer that trickles its head (slowloris) cannot hold the exchange.
 */
static int
send_and_receive(struct http_conn *c, const struct http_request *req,
    struct exchange *x, size_t *got)
{
	int64_t	 head_deadline = 0, wait;
	size_t	 used;
	int	 n, r;

	*got = 0;
	x->sent = 0;
	r = conn_send(c, c->head.p, c->head.n);
	if (r == 0 && req->body != NULL && req->body_len > 0)
		r = conn_send(c, req->body, req->body_len);
	if (r == 0 && c->tls)
		r = tls_flush(&c->tc, c->idle_ms, &c->watch);
	if (r != 0)
		return r;
	x->sent = 1;

	http_parser_init(&c->parser, strcmp(req->method, "HEAD") == 0,
	    &x->cb);
	if (c->idle_ms > 0)
		head_deadline = time_now_ms() + c->idle_ms;
	for (;;) {
		if (head_deadline == 0 || in_body(&c->parser))
			wait = c->idle_ms;
		else if ((wait = head_deadline - time_now_ms()) <= 0)
			return NET_ETIMEOUT;
		n = conn_recv(c, c->rbuf, sizeof(c->rbuf), wait);
		if (n < 0)
			return n;
		if (n == 0) {
			if ((r = http_parser_eof(&c->parser)) != HTTP_DONE)
				return r;
			http_conn_close(c);
			return 0;
		}
		*got += (size_t)n;
		r = http_parser_feed(&c->parser, c->rbuf, (size_t)n, &used);
		if (r < 0)
			return r;
		if (r == HTTP_DONE) {
			/* Bytes past the response: the stream is out of step. */
			if (used < (size_t)n || !http_parser_keepalive(&c->parser))
				http_conn_close(c);
			return 0;
		}
	}
}

/* A reused socket that failed this way never carried our request. */
static int
stale_error(int r)
{
	return r == NET_ERESET || r == TLS_ECLOSED || r == HTTP_ETRUNCATED;
}

/*
 * One attempt, replacing a stale kept-alive socket once.  A request that
 * is not idempotent is sent again only if it never went out whole: a
 * peer that read it and then reset may have acted on it.
 */
static int
attempt(struct http_conn *c, const struct http_request *req,
    struct exchange *x, struct http_result *res)
{
	size_t	 got;
	int	 reused, r;

	if (c->open && !net_idle_ok(conn_fd(c))) {
		http_conn_close(c);
		res->reconnects++;
	}
	reused = c->open;
	for (;;) {
		if (!c->open && (r = conn_open(c)) != 0)
			return r;
		res->attempts++;
		res->reused = reused;
		x->discard = x->delivered = x->overflow = 0;
		x->status = 0;
		x->dropped = 0;
		r = send_and_receive(c, req, x, &got);
		if (r == 0)
			return 0;
		http_conn_close(c);
		if (!reused || got > 0 || !stale_error(r) ||
		    (!req->idempotent && x->sent))
			return r;
		reused = 0;
		res->reconnects++;
	}
}

static uint64_t
next_random(struct http_conn *c)
{
	/* xorshift64: enough to spread retries, nothing more. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static int
retry_error(const struct http_conn *c, int r)
{
	if (r == NET_EREFUSED)
		return c->ever_connected;
	return r == NET_ERESET || r == TLS_ECLOSED || r == HTTP_ETRUNCATED;
}

/* see http.h */
int
http_exchange(struct http_conn *c, const struct http_request *req,
    const struct http_callbacks *cb, struct http_result *res)
{
	struct http_result	 local;
	struct exchange		 x;
	int64_t			 cap;
	int			 i, n, r;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	buf_reset(&c->head);
	if ((r = http_write_request(&c->head, c->host_value, req)) != 0)
		return r;
	memset(&x, 0, sizeof(x));
	x.user = cb;
	x.cb.status = x_status;
	x.cb.header = x_header;
	x.cb.body = x_body;
	x.cb.arg = &x;
	for (n = 1;; n++) {
		x.may_retry = req->idempotent && n < HTTP_MAX_ATTEMPTS;
		r = attempt(c, req, &x, res);
		if (r == 0 && !x.discard) {
			res->status = x.status;
			return 0;
		}
		/* A retried response too long to drain: the socket is closed. */
		if (r == HTTP_EABORTED && x.overflow)
			r = 0;
		if (r != 0 && (!x.may_retry || x.delivered ||
		    !retry_error(c, r)))
			return r;
		/* Full jitter: uniform in [0, min(cap, base * 2^(n-1))]. */
		cap = HTTP_BACKOFF_BASE_MS;
		for (i = 1; i < n && cap < HTTP_BACKOFF_CAP_MS; i++)
			cap *= 2;
		if (cap > HTTP_BACKOFF_CAP_MS)
			cap = HTTP_BACKOFF_CAP_MS;
		if ((r = net_sleep((int64_t)(next_random(c) %
		    (uint64_t)(cap + 1)), &c->watch)) != 0)
			return r;
	}
}

/* see http.h */
enum http_class
http_error_class(int e)
{
	if (e == 0)
		return HTTP_CLASS_OK;
	if (e == NET_ETIMEOUT)
		return HTTP_CLASS_TIMEOUT;
	if (e == NET_ECANCELED)
		return HTTP_CLASS_CANCELED;
	if (e == TLS_ECLOSED || e == HTTP_ETRUNCATED || (e <= -1 && e >= -19))
		return HTTP_CLASS_NETWORK;
	if (e == TLS_ENOMEM)
		return HTTP_CLASS_LOCAL;
	if ((e <= -20 && e >= -39) || e == HTTP_ETLSCLOSED)
		return HTTP_CLASS_TLS;
	if (e == HTTP_EPROTO || e == HTTP_ELIMIT || e == HTTP_ELENGTH)
		return HTTP_CLASS_PROTOCOL;
	return HTTP_CLASS_LOCAL;
}

/* see http.h */
const char *
http_strerror(int e)
{
	switch (e) {
	case 0:
		return "success";
	case HTTP_EPROTO:
		return "malformed HTTP response";
	case HTTP_ELIMIT:
		return "HTTP response head too large";
	case HTTP_ELENGTH:
		return "bad or unsupported HTTP body framing";
	case HTTP_ETRUNCATED:
		return "connection closed before the response was complete";
	case HTTP_EABORTED:
		return "response handling stopped";
	case HTTP_EINVAL:
		return "request cannot be sent as given";
	case HTTP_ENOMEM:
		return "out of memory";
	case HTTP_ETLSCLOSED:
		return "the server closed the connection during the TLS "
		    "handshake (is it speaking TLS on this port?)";
	default:
		return tls_strerror(e);	/* which falls back to net */
	}
}

/* see http.h */
const char *
http_conn_strerror(const struct http_conn *c, int e)
{
	/* HTTP_ETLSCLOSED is this layer's: the handshake saw nothing. */
	if (c->tls && http_error_class(e) == HTTP_CLASS_TLS &&
	    e != HTTP_ETLSCLOSED)
		return tls_describe(&c->tc, e);
	return http_strerror(e);
}
