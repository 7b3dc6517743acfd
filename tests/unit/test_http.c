/*
 * test_http.c - the HTTP response parser fed whole, a byte at a time and
 * split in two at every point; the request writer; and http_exchange()
 * against a forked loopback server (keep-alive, stale sockets, retries,
 * idle timeout, refusal, cancellation).
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "http.h"
#include "limits.h"
#include "loopback.h"
#include "net.h"
#include "unit.h"
#include "util.h"

#define BODY_MAX	256

/* Everything a parse produced, compared across splits. */
struct outcome {
	int	 rc;
	int	 status;
	int	 keepalive;
	size_t	 consumed;
	size_t	 nheaders;
	char	 body[BODY_MAX];
	size_t	 nbody;
	int	 overflow;
	char	 range[64];
	int	 nstatus;
	int	 abort_body;
};

static int
o_status(void *arg, int code)
{
	struct outcome	*o = arg;

	o->nstatus++;
	o->status = code;
	return 0;
}

static int
o_header(void *arg, struct slice name, struct slice value)
{
	struct outcome	*o = arg;

	o->nheaders++;
	if (slice_ieq(name, "content-range") && value.n < sizeof(o->range)) {
		memcpy(o->range, value.p, value.n);
		o->range[value.n] = '\0';
	}
	return 0;
}

static int
o_body(void *arg, const char *p, size_t n)
{
	struct outcome	*o = arg;

	if (o->abort_body)
		return 1;
	if (n > sizeof(o->body) - o->nbody) {
		o->overflow = 1;
		return 0;
	}
	memcpy(o->body + o->nbody, p, n);
	o->nbody += n;
	return 0;
}

static struct http_parser	 parser;

/*
 * Feeds s in pieces: step 0 means two pieces split at cut, otherwise
 * pieces of step bytes.  Calls eof when the input runs out unfinished.
 */
static void
run(const char *s, size_t n, int head, int abort_body, size_t cut,
    size_t step, struct outcome *o)
{
	struct http_callbacks	 cb;
	size_t			 off = 0, k, used;
	int			 r = HTTP_MORE;

	memset(o, 0, sizeof(*o));
	o->abort_body = abort_body;
	cb.status = o_status;
	cb.header = o_header;
	cb.body = o_body;
	cb.arg = o;
	http_parser_init(&parser, head, &cb);
	while (off < n) {
		if (step == 0)
			k = off < cut ? cut - off : n - off;
		else
			k = n - off < step ? n - off : step;
		r = http_parser_feed(&parser, s + off, k, &used);
		off += used;
		if (r != HTTP_MORE)
			break;
		if (used != k) {
			r = -999;	/* MORE must mean all was consumed */
			break;
		}
	}
	if (r == HTTP_MORE)
		r = http_parser_eof(&parser);
	o->rc = r;
	/* Only a finished parse says how much it took. */
	o->consumed = r == HTTP_DONE ? off : 0;
	o->keepalive = r == HTTP_DONE ? http_parser_keepalive(&parser) : -1;
	if (r == HTTP_DONE && o->status != http_parser_status(&parser))
		o->rc = -998;
}

static int
same(const struct outcome *a, const struct outcome *b)
{
	return a->rc == b->rc && a->status == b->status &&
	    a->keepalive == b->keepalive && a->consumed == b->consumed &&
	    a->nheaders == b->nheaders && a->nbody == b->nbody &&
	    memcmp(a->body, b->body, a->nbody) == 0 &&
	    a->overflow == b->overflow && strcmp(a->range, b->range) == 0 &&
	    a->nstatus == b->nstatus;
}

struct pcase {
	const char	*name;
	const char	*in;
	int		 head;
	int		 abort_body;
	int		 rc;
	int		 status;
	const char	*body;
	int		 keepalive;	/* -1: not checked */
	size_t		 extra;		/* bytes left unconsumed */
	const char	*range;
};

#define OK200	"HTTP/1.1 200 OK\r\n"
#define CHUNKED	"Transfer-Encoding: chunked\r\n"

static const struct pcase pcases[] = {
	{ "content-length", OK200 "Content-Length: 5\r\n\r\nhello", 0, 0,
	    HTTP_DONE, 200, "hello", 1, 0, NULL },
	{ "content-length zero", OK200 "Content-Length: 0\r\n\r\n", 0, 0,
	    HTTP_DONE, 200, "", 1, 0, NULL },
	{ "bytes past the body", OK200 "Content-Length: 2\r\n\r\nokHTTP/1.1",
	    0, 0, HTTP_DONE, 200, "ok", 1, 8, NULL },
	{ "reason phrase absent", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	    0, 0, HTTP_DONE, 200, "", 1, 0, NULL },
	{ "bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", 0, 0,
	    HTTP_DONE, 200, "x", 1, 0, NULL },
	{ "connection close", OK200 "Connection: keep-alive, Close\r\n"
	    "Content-Length: 1\r\n\r\nx", 0, 0, HTTP_DONE, 200, "x", 0, 0,
	    NULL },
	{ "HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0,
	    HTTP_DONE, 200, "x", 0, 0, NULL },
	{ "truncated body", OK200 "Content-Length: 5\r\n\r\nhel", 0, 0,
	    HTTP_ETRUNCATED, 200, "hel", -1, 0, NULL },
	{ "truncated head", OK200 "Content-Le", 0, 0, HTTP_ETRUNCATED, 200,
	    "", -1, 0, NULL },
	{ "empty input", "", 0, 0, HTTP_ETRUNCATED, 0, "", -1, 0, NULL },
	{ "chunked", OK200 CHUNKED "\r\n5\r\nhello\r\n6\r\n world\r\n"
	    "0\r\n\r\n", 0, 0, HTTP_DONE, 200, "hello world", 1, 0, NULL },
	{ "chunk extensions", OK200 CHUNKED "\r\n5;a=b;c=\"d\"\r\nhello\r\n"
	    "3 ;x\r\nabc\r\n0;last\r\n\r\n", 0, 0, HTTP_DONE, 200,
	    "helloabc", 1, 0, NULL },
	{ "chunk trailers", OK200 CHUNKED "\r\n2\r\nab\r\n0\r\n"
	    "X-Checksum: 1\r\nY: 2\r\n\r\n", 0, 0, HTTP_DONE, 200, "ab", 1, 0,
	    NULL },
	{ "chunk hex cases", OK200 CHUNKED "\r\nA\r\n0123456789\r\n"
	    "b\r\nabcdefghijk\r\n00\r\n\r\n", 0, 0, HTTP_DONE, 200,
	    "0123456789abcdefghijk", 1, 0, NULL },
	{ "chunk size largest", OK200 CHUNKED "\r\nFFFFFFFFFFFFFFFF\r\nab", 0,
	    0, HTTP_ETRUNCATED, 200, "ab", -1, 0, NULL },
	{ "chunk size overflow", OK200 CHUNKED "\r\n10000000000000000\r\n",
	    0, 0, HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "chunk size not hex", OK200 CHUNKED "\r\nzz\r\n", 0, 0,
	    HTTP_EPROTO, 200, "", -1, 0, NULL },
	{ "chunk size empty", OK200 CHUNKED "\r\n\r\nab\r\n0\r\n\r\n", 0, 0,
	    HTTP_EPROTO, 200, "", -1, 0, NULL },
	{ "chunk size then junk", OK200 CHUNKED "\r\n5 x\r\nhello\r\n", 0, 0,
	    HTTP_EPROTO, 200, "", -1, 0, NULL },
	{ "chunk data too long", OK200 CHUNKED "\r\n2\r\nabc\r\n0\r\n\r\n",
	    0, 0, HTTP_EPROTO, 200, "ab", -1, 0, NULL },
	{ "chunk CR without LF", OK200 CHUNKED "\r\n2\r\nab\rx", 0, 0,
	    HTTP_EPROTO, 200, "ab", -1, 0, NULL },
	{ "missing final CRLF", OK200 CHUNKED "\r\n2\r\nab\r\n0\r\n", 0, 0,
	    HTTP_ETRUNCATED, 200, "ab", -1, 0, NULL },
	{ "chunked, no last chunk", OK200 CHUNKED "\r\n2\r\nab\r\n", 0, 0,
	    HTTP_ETRUNCATED, 200, "ab", -1, 0, NULL },
	{ "read until close", OK200 "Server: x\r\n\r\nall of it", 0, 0,
	    HTTP_DONE, 200, "all of it", 0, 0, NULL },
	{ "HEAD", OK200 "Content-Length: 100\r\n\r\n", 1, 0, HTTP_DONE, 200,
	    "", 1, 0, NULL },
	{ "HEAD chunked", OK200 CHUNKED "\r\n", 1, 0, HTTP_DONE, 200, "", 1,
	    0, NULL },
	{ "204", "HTTP/1.1 204 No Content\r\nX: y\r\n\r\n", 0, 0, HTTP_DONE,
	    204, "", 1, 0, NULL },
	{ "304 with length", "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 10\r\n\r\n", 0, 0, HTTP_DONE, 304, "", 1, 0,
	    NULL },
	{ "416 with Content-Range", "HTTP/1.1 416 Range Not Satisfiable\r\n"
	    "Content-Range: bytes */1234\r\nContent-Length: 7\r\n\r\n<Error>",
	    0, 0, HTTP_DONE, 416, "<Error>", 1, 0, "bytes */1234" },
	{ "100 continue first", "HTTP/1.1 100 Continue\r\nX: 1\r\n\r\n"
	    OK200 "Content-Length: 1\r\n\r\nz", 0, 0, HTTP_DONE, 200, "z", 1,
	    0, NULL },
	{ "101 refused", "HTTP/1.1 101 Switching\r\n\r\n", 0, 0, HTTP_EPROTO,
	    0, "", -1, 0, NULL },
	{ "duplicate length, same", OK200 "Content-Length: 2\r\n"
	    "content-length: 2\r\n\r\nab", 0, 0, HTTP_DONE, 200, "ab", 1, 0,
	    NULL },
	{ "duplicate length, differs", OK200 "Content-Length: 2\r\n"
	    "Content-Length: 3\r\n\r\nabc", 0, 0, HTTP_ELENGTH, 200, "", -1, 0,
	    NULL },
	{ "length not a number", OK200 "Content-Length: 5a\r\n\r\n", 0, 0,
	    HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "length negative", OK200 "Content-Length: -1\r\n\r\n", 0, 0,
	    HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "length list", OK200 "Content-Length: 2, 2\r\n\r\nab", 0, 0,
	    HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "length overflow", OK200 "Content-Length: 18446744073709551616\r\n"
	    "\r\n", 0, 0, HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "length and chunked", OK200 "Content-Length: 2\r\n" CHUNKED
	    "\r\n2\r\nab\r\n0\r\n\r\n", 0, 0, HTTP_ELENGTH, 200, "", -1, 0,
	    NULL },
	{ "gzip coding", OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n", 0,
	    0, HTTP_ELENGTH, 200, "", -1, 0, NULL },
	{ "obs-fold", OK200 "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", 0, 0,
	    HTTP_EPROTO, 200, "", -1, 0, NULL },
	{ "blank before colon", OK200 "Content-Length : 1\r\n\r\nx", 0, 0,
	    HTTP_EPROTO, 200, "", -1, 0, NULL },
	{ "no colon", OK200 "Content-Length\r\n\r\n", 0, 0, HTTP_EPROTO, 200,
	    "", -1, 0, NULL },
	{ "empty name", OK200 ": x\r\n\r\n", 0, 0, HTTP_EPROTO, 200, "", -1,
	    0, NULL },
	{ "control in value", OK200 "X: a\001b\r\n\r\n", 0, 0, HTTP_EPROTO,
	    200, "", -1, 0, NULL },
	{ "CR inside a line", OK200 "X: a\rb\r\n\r\n", 0, 0, HTTP_EPROTO,
	    200, "", -1, 0, NULL },
	{ "HTTP/2", "HTTP/2 200 OK\r\n\r\n", 0, 0, HTTP_EPROTO, 0, "", -1, 0,
	    NULL },
	{ "status four digits", "HTTP/1.1 2000 OK\r\n\r\n", 0, 0,
	    HTTP_EPROTO, 0, "", -1, 0, NULL },
	{ "status two digits", "HTTP/1.1 20 OK\r\n\r\n", 0, 0, HTTP_EPROTO,
	    0, "", -1, 0, NULL },
	{ "status 600", "HTTP/1.1 600 X\r\n\r\n", 0, 0, HTTP_EPROTO, 0, "",
	    -1, 0, NULL },
	{ "status glued reason", "HTTP/1.1 200OK\r\n\r\n", 0, 0, HTTP_EPROTO,
	    0, "", -1, 0, NULL },
	{ "lowercase http", "http/1.1 200 OK\r\n\r\n", 0, 0, HTTP_EPROTO, 0,
	    "", -1, 0, NULL },
	{ "garbage", "\x16\x03\x01\x02\x01\xfc\x03\x03\n", 0, 0,
	    HTTP_EPROTO, 0, "", -1, 0, NULL },
	{ "empty status line", "\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 0,
	    HTTP_EPROTO, 0, "", -1, 0, NULL },
	{ "sink aborts", OK200 "Content-Length: 3\r\n\r\nabc", 0, 1,
	    HTTP_EABORTED, 200, "", -1, 0, NULL },
};

/* Whole, byte by byte, and at every split point (sampled when long). */
static void
check_splits(const char *label, const char *s, size_t n, int head,
    int abort_body, const struct outcome *want)
{
	struct outcome	 got;
	size_t		 cut, stride;
	int		 bad = 0;

	run(s, n, head, abort_body, 0, 1, &got);
	CHECKF(same(&got, want), label);
	stride = n > 4096 ? 61 : 1;
	for (cut = 0; cut <= n; cut += stride) {
		run(s, n, head, abort_body, cut, 0, &got);
		if (!same(&got, want) && bad++ == 0)
			fprintf(stderr, "split at %zu differs\n", cut);
	}
	/* Near the end, where limits bite, every point. */
	for (cut = n > 300 ? n - 300 : 0; cut <= n; cut++) {
		run(s, n, head, abort_body, cut, 0, &got);
		if (!same(&got, want) && bad++ == 0)
			fprintf(stderr, "split at %zu differs\n", cut);
	}
	CHECKF(bad == 0, label);
}

static void
test_parser_table(void)
{
	const struct pcase	*c;
	struct outcome		 whole;
	size_t			 i, n;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		c = &pcases[i];
		n = strlen(c->in);
		run(c->in, n, c->head, c->abort_body, n, 0, &whole);
		CHECKF(whole.rc == c->rc, c->name);
		CHECKF(whole.status == c->status, c->name);
		CHECKF(whole.nbody == strlen(c->body) &&
		    memcmp(whole.body, c->body, whole.nbody) == 0, c->name);
		if (c->keepalive >= 0)
			CHECKF(whole.keepalive == c->keepalive, c->name);
		if (c->rc == HTTP_DONE)
			CHECKF(whole.consumed == n - c->extra, c->name);
		if (c->range != NULL)
			CHECKF(strcmp(whole.range, c->range) == 0, c->name);
		if (whole.rc != c->rc)
			fprintf(stderr, "  %s: rc %d\n", c->name, whole.rc);
		check_splits(c->name, c->in, n, c->head, c->abort_body, &whole);
	}
}

/* A head of exactly `total` bytes in `nh` headers (nh >= 1). */
static size_t
make_head(char *out, size_t total, size_t nh)
{
	static const char	 st[] = OK200;
	static const char	 cl[] = "Content-Length: 1\r\n";
	size_t			 n, fixed, each, last, i, k, len;

	fixed = strlen(st) + strlen(cl) + 2;
	each = (total - fixed) / nh;
	last = total - fixed - each * (nh - 1);
	n = 0;
	memcpy(out, st, strlen(st));
	n += strlen(st);
	memcpy(out + n, cl, strlen(cl));
	n += strlen(cl);
	for (i = 0; i < nh; i++) {
		len = i + 1 == nh ? last : each;	/* "X:" value CRLF */
		out[n++] = 'X';
		out[n++] = ':';
		for (k = 0; k < len - 4; k++)
			out[n++] = 'v';
		out[n++] = '\r';
		out[n++] = '\n';
	}
	memcpy(out + n, "\r\nb", 3);
	return n + 3;
}

static void
limit_case(const char *label, const char *s, size_t n, int want)
{
	struct outcome	 o;

	run(s, n, 0, 0, n, 0, &o);
	CHECKF(o.rc == want, label);
	if (o.rc != want)
		fprintf(stderr, "  %s: rc %d\n", label, o.rc);
	check_splits(label, s, n, 0, 0, &o);
}

static void
test_parser_limits(void)
{
	static char	 big[HTTP_MAX_HEAD_BYTES + 4096];
	size_t		 n, i, hl;

	/* Whole head at N and N+1 bytes (the blank line included). */
	n = make_head(big, HTTP_MAX_HEAD_BYTES, 10);
	CHECK(n == HTTP_MAX_HEAD_BYTES + 1);
	limit_case("head at N", big, n, HTTP_DONE);
	n = make_head(big, HTTP_MAX_HEAD_BYTES + 1, 10);
	limit_case("head at N+1", big, n, HTTP_ELIMIT);

	/* Headers: 1 Content-Length + (N - 1) others, then one more. */
	n = make_head(big, 4000, HTTP_MAX_HEADERS - 1);
	limit_case("headers at N", big, n, HTTP_DONE);
	n = make_head(big, 4000, HTTP_MAX_HEADERS);
	limit_case("headers at N+1", big, n, HTTP_ELIMIT);

	/* One line of N bytes (without CRLF), then N+1. */
	hl = strlen(OK200) + strlen("Content-Length: 1\r\n");
	n = make_head(big, hl + HTTP_MAX_LINE_BYTES + 2 + 2, 1);
	limit_case("line at N", big, n, HTTP_DONE);
	n = make_head(big, hl + HTTP_MAX_LINE_BYTES + 3 + 2, 1);
	limit_case("line at N+1", big, n, HTTP_ELIMIT);

	/* Chunk-size line of N bytes, then N+1. */
	for (i = 0; i < 2; i++) {
		n = 0;
		memcpy(big, OK200 CHUNKED "\r\n1;", strlen(OK200 CHUNKED) + 4);
		n = strlen(OK200 CHUNKED) + 4;
		memset(big + n, 'e', HTTP_MAX_CHUNK_LINE - 2 + i);
		n += HTTP_MAX_CHUNK_LINE - 2 + i;
		memcpy(big + n, "\r\nx\r\n0\r\n\r\n", 10);
		n += 10;
		limit_case(i == 0 ? "chunk line at N" : "chunk line at N+1",
		    big, n, i == 0 ? HTTP_DONE : HTTP_ELIMIT);
	}
}

static void
test_writer(void)
{
	static const struct slice_pair	 hs[] = {
		{ { "x-amz-date", 10 }, { "20240102T030405Z", 16 } },
		{ { "Range", 5 }, { "bytes=0-9", 9 } },
	};
	struct slice_pair	 bad;
	struct http_request	 req;
	struct buf		 b;

	buf_init(&b, 0);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.target = SLICE_LIT("/b/k%20x?list-type=2");
	req.headers = hs;
	req.nheaders = 2;
	CHECK(http_write_request(&b, "s3.example.com:9000", &req) == 0);
	CHECK(b.n == strlen("GET /b/k%20x?list-type=2 HTTP/1.1\r\n"
	    "Host: s3.example.com:9000\r\nx-amz-date: 20240102T030405Z\r\n"
	    "Range: bytes=0-9\r\n\r\n") && memcmp(b.p, "GET /b/k%20x?"
	    "list-type=2 HTTP/1.1\r\nHost: s3.example.com:9000\r\nx-amz-date:"
	    " 20240102T030405Z\r\nRange: bytes=0-9\r\n\r\n", b.n) == 0);

	buf_reset(&b);
	req.method = "PUT";
	req.target = SLICE_LIT("/b/k");
	req.nheaders = 0;
	req.body = "";
	req.body_len = 0;
	CHECK(http_write_request(&b, "h", &req) == 0);
	CHECK(b.n > 0 && strstr(b.p, "Content-Length: 0\r\n\r\n") != NULL);

	req.body = NULL;
	req.method = "G T";
	CHECK(http_write_request(&b, "h", &req) == HTTP_EINVAL);
	req.method = "GET";
	req.target = SLICE_LIT("/a b");
	CHECK(http_write_request(&b, "h", &req) == HTTP_EINVAL);
	req.target = SLICE_LIT("/a\r\nX: y");
	CHECK(http_write_request(&b, "h", &req) == HTTP_EINVAL);
	req.target = SLICE_LIT("/a");
	CHECK(http_write_request(&b, NULL, &req) == HTTP_EINVAL);
	CHECK(http_write_request(&b, "h\r\nX: y", &req) == HTTP_EINVAL);
	bad.name = SLICE_LIT("X");
	bad.value = SLICE_LIT("a\r\nInjected: 1");
	req.headers = &bad;
	req.nheaders = 1;
	CHECK(http_write_request(&b, "h", &req) == HTTP_EINVAL);
	bad.name = SLICE_LIT("Content-Length");
	bad.value = SLICE_LIT("5");
	CHECK(http_write_request(&b, "h", &req) == HTTP_EINVAL);
	bad.name = SLICE_LIT("Host");
	bad.value = SLICE_LIT("signed.example");
	buf_reset(&b);
	CHECK(http_write_request(&b, NULL, &req) == 0);
	CHECK(strstr(b.p, "Host: signed.example\r\n") != NULL &&
	    strstr(b.p, "Host: signed.example\r\n") == strstr(b.p, "Host"));
	buf_free(&b);
}

static void
test_classes(void)
{
	CHECK(http_error_class(0) == HTTP_CLASS_OK);
	CHECK(http_error_class(NET_ETIMEOUT) == HTTP_CLASS_TIMEOUT);
	CHECK(http_error_class(NET_ECANCELED) == HTTP_CLASS_CANCELED);
	CHECK(http_error_class(NET_EREFUSED) == HTTP_CLASS_NETWORK);
	CHECK(http_error_class(NET_ERESOLVE) == HTTP_CLASS_NETWORK);
	CHECK(http_error_class(HTTP_ETRUNCATED) == HTTP_CLASS_NETWORK);
	CHECK(http_error_class(TLS_ECLOSED) == HTTP_CLASS_NETWORK);
	CHECK(http_error_class(HTTP_ETLSCLOSED) == HTTP_CLASS_TLS);
	CHECK(strstr(http_strerror(HTTP_ETLSCLOSED), "TLS handshake") != NULL);
	CHECK(http_error_class(TLS_EUNTRUSTED) == HTTP_CLASS_TLS);
	CHECK(http_error_class(TLS_EHOSTNAME) == HTTP_CLASS_TLS);
	CHECK(http_error_class(HTTP_EPROTO) == HTTP_CLASS_PROTOCOL);
	CHECK(http_error_class(HTTP_EABORTED) == HTTP_CLASS_LOCAL);
	CHECK(strstr(http_strerror(TLS_EHOSTNAME), "host name") != NULL);
	CHECK(strstr(http_strerror(NET_EREFUSED), "refused") != NULL);
	CHECK(strstr(http_strerror(HTTP_ELIMIT), "too large") != NULL);
}

/* --- loopback server --------------------------------------------------- */

enum mode {
	M_KEEP,		/* answer every request, keep the socket */
	M_ONE,		/* answer one request per socket, then close */
	M_STALE,	/* answer one; read the next, then close unanswered */
	M_ALT503,	/* odd requests get 503 SlowDown, even ones 200 */
	M_ALWAYS503,
	M_STALL,	/* read the request, never answer */
	M_TRICKLE,	/* a 200 head, one byte every 50 ms */
	M_ENDLESS503,	/* a 503 whose body never ends */
	M_SHUT		/* read what comes first (a ClientHello), close */
};

static uint16_t	 srv_port;

static void
reply(int fd, int status, const char *body)
{
	char	 b[512];
	int	 n;

	n = snprintf(b, sizeof(b), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
	    "\r\n%s", status, strlen(body), body);
	(void)lb_send(fd, b, (size_t)n);
}

/* One connection (the conn-th) served in mode *arg. */
static void
serve(int c, unsigned conns, void *arg)
{
	static struct lb_req	 r;
	static int		 reqs;
	enum mode		 m = *(enum mode *)arg;
	char			 body[64];
	int			 per;

	if (m == M_SHUT) {
		char	 hello[8192];

		/* All of it: unread bytes would make close() a reset. */
		(void)read(c, hello, sizeof(hello));
		(void)net_sleep(20, NULL);
		(void)recv(c, hello, sizeof(hello), MSG_DONTWAIT);
		return;
	}
	for (per = 0; lb_read_request(c, &r); per++) {
		reqs++;
		if (m == M_STALE && per == 1)
			break;
		if (m == M_STALL) {
			pause();
			break;
		}
		if (m == M_TRICKLE) {
			const char *h = "HTTP/1.1 200 OK\r\nX-Slow: "
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
			    "Content-Length: 0\r\n\r\n";

			for (; *h != '\0'; h++) {
				if (write(c, h, 1) != 1)
					break;
				(void)net_sleep(50, NULL);
			}
			break;
		}
		if (m == M_ENDLESS503) {
			static const char	 head[] =
			    "HTTP/1.1 503 X\r\nConnection: close\r\n\r\n";
			char			 junk[4096];

			memset(junk, ' ', sizeof(junk));
			if (write(c, head, sizeof(head) - 1) < 0)
				break;
			/*
			 * 4 MB/s until the client hangs up (or 64 MiB):
			 * draining it all would take 16 s.
			 */
			for (per = 0; per < 16384; per++) {
				if (write(c, junk, sizeof(junk)) < 0)
					break;
				(void)net_sleep(1, NULL);
			}
			break;
		}
		snprintf(body, sizeof(body), "c%ur%d", conns, per + 1);
		if ((m == M_ALT503 && reqs % 2 == 1) ||
		    m == M_ALWAYS503)
			reply(c, 503, "<Error><Code>SlowDown</Code>"
			    "</Error>");
		else
			reply(c, 200, body);
		if (m == M_ONE)
			break;
	}
	lb_req_free(&r);
}

static struct lb	 srv;
static enum mode	 srv_mode;

static pid_t
server_start(enum mode m)
{
	srv_mode = m;
	if (lb_start(&srv, serve, &srv_mode) != 0)
		return -1;
	srv_port = srv.port;
	return srv.pid;
}

static void
server_stop(pid_t pid)
{
	if (pid > 0)
		lb_stop(&srv);
}

static int
get(struct http_conn *c, const char *method, int idempotent,
    struct outcome *o, struct http_result *res)
{
	struct http_callbacks	 cb;
	struct http_request	 req;

	memset(o, 0, sizeof(*o));
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.target = SLICE_LIT("/bucket/key");
	req.idempotent = idempotent;
	cb.status = o_status;
	cb.header = o_header;
	cb.body = o_body;
	cb.arg = o;
	o->rc = http_exchange(c, &req, &cb, res);
	return o->rc;
}

static int
body_is(const struct outcome *o, const char *s)
{
	return o->nbody == strlen(s) && memcmp(o->body, s, o->nbody) == 0;
}

static int
cancel_now(void *arg)
{
	char	 ch;

	(void)arg;
	return read(*(int *)arg, &ch, 1) >= 0;
}

static void
test_exchange(void)
{
	struct http_conn	*c;
	struct http_result	 res;
	struct outcome		 o;
	struct net_watch	 w;
	int64_t			 t0;
	struct tls_anchors	*anchors;
	pid_t			 pid;
	int			 i, pfd[2];

	/* Keep-alive: three requests, one socket. */
	pid = server_start(M_KEEP);
	CHECK(pid > 0);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	for (i = 1; i <= 3; i++) {
		char	 want[16];

		snprintf(want, sizeof(want), "c1r%d", i);
		CHECK(get(c, "GET", 1, &o, &res) == 0);
		CHECK(o.status == 200 && body_is(&o, want));
		CHECK(res.reused == (i > 1) && res.attempts == 1);
	}
	{
		char	 want[32];

		snprintf(want, sizeof(want), "127.0.0.1:%u", (unsigned)srv_port);
		CHECK(strcmp(http_conn_host(c), want) == 0);
	}
	http_conn_free(c);
	server_stop(pid);

	/* The server closes after each answer: noticed before sending. */
	pid = server_start(M_ONE);
	CHECK(http_conn_new(&c, 0, "localhost", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	CHECK(get(c, "GET", 1, &o, &res) == 0 && body_is(&o, "c1r1"));
	(void)net_sleep(50, NULL);
	CHECK(get(c, "GET", 0, &o, &res) == 0 && body_is(&o, "c2r1"));
	CHECK(res.reconnects == 1 && res.attempts == 1 && !res.reused);
	http_conn_free(c);
	server_stop(pid);

	/*
	 * The close races the request: it is sent, then the socket ends.
	 * Sent again when idempotent; a POST is not, as the peer read it.
	 */
	pid = server_start(M_STALE);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	CHECK(get(c, "GET", 1, &o, &res) == 0 && body_is(&o, "c1r1"));
	CHECK(get(c, "GET", 1, &o, &res) == 0 && body_is(&o, "c2r1"));
	CHECK(res.reconnects == 1 && res.attempts == 2);
	CHECK(get(c, "POST", 0, &o, &res) == HTTP_ETRUNCATED);
	CHECK(res.attempts == 1 && res.reused && o.nstatus == 0);
	http_conn_free(c);
	server_stop(pid);

	/* A head trickled a byte at a time: the head deadline fires. */
	pid = server_start(M_TRICKLE);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 300);
	t0 = time_now_ms();
	CHECK(get(c, "GET", 1, &o, &res) == NET_ETIMEOUT);
	t0 = time_now_ms() - t0;
	CHECK(t0 >= 290 && t0 < 1000);
	CHECK(res.attempts == 1 && o.nstatus == 0);
	/* The same head with room to arrive is fine. */
	http_conn_timeouts(c, 2000, 10000);
	CHECK(get(c, "GET", 1, &o, &res) == 0 && o.status == 200);
	http_conn_free(c);
	server_stop(pid);

	/*
	 * Endless 503 bodies: each retried one is dropped after
	 * HTTP_MAX_DISCARD_BYTES and its socket closed; the last reaches the
	 * caller, who stops it.
	 */
	pid = server_start(M_ENDLESS503);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	memset(&o, 0, sizeof(o));
	o.abort_body = 1;
	{
		struct http_callbacks	 cb = { o_status, o_header, o_body, &o };
		struct http_request	 req;

		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.target = SLICE_LIT("/bucket/key");
		req.idempotent = 1;
		t0 = time_now_ms();
		CHECK(http_exchange(c, &req, &cb, &res) == HTTP_EABORTED);
		CHECK(time_now_ms() - t0 < 3 * HTTP_BACKOFF_CAP_MS);
	}
	CHECK(res.attempts == HTTP_MAX_ATTEMPTS);
	CHECK(o.nstatus == 1 && o.status == 503);
	http_conn_free(c);
	server_stop(pid);

	/* 503 then 200: retried when idempotent, delivered when not. */
	pid = server_start(M_ALT503);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	CHECK(get(c, "GET", 1, &o, &res) == 0);
	CHECK(o.status == 200 && o.nstatus == 1 && res.attempts == 2);
	CHECK(res.status == 200 && body_is(&o, "c1r2"));
	CHECK(get(c, "POST", 0, &o, &res) == 0);
	CHECK(o.status == 503 && res.attempts == 1);
	CHECK(o.nbody > 0 && strstr(o.body, "SlowDown") != NULL);
	http_conn_free(c);
	server_stop(pid);

	/* Always 503: every attempt used, the last answer delivered. */
	pid = server_start(M_ALWAYS503);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 2000);
	t0 = time_now_ms();
	CHECK(get(c, "HEAD", 1, &o, &res) == 0);
	CHECK(o.status == 503 && o.nstatus == 1 && o.nbody == 0);
	CHECK(res.attempts == HTTP_MAX_ATTEMPTS);
	CHECK(time_now_ms() - t0 < 3 * HTTP_BACKOFF_CAP_MS);
	http_conn_free(c);
	server_stop(pid);

	/* A stalled server: the idle deadline fires, on time. */
	pid = server_start(M_STALL);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	http_conn_timeouts(c, 2000, 300);
	t0 = time_now_ms();
	CHECK(get(c, "GET", 1, &o, &res) == NET_ETIMEOUT);
	t0 = time_now_ms() - t0;
	CHECK(t0 >= 290 && t0 < 1000);
	CHECK(res.attempts == 1);

	/* The watch fires: canceled, well before the deadline. */
	CHECK(pipe(pfd) == 0);
	http_conn_timeouts(c, 2000, 5000);
	w.fd = pfd[0];
	w.on_watch = cancel_now;
	w.arg = &pfd[0];
	http_conn_watch(c, &w);
	CHECK(write(pfd[1], "x", 1) == 1);
	t0 = time_now_ms();
	CHECK(get(c, "GET", 1, &o, &res) == NET_ECANCELED);
	CHECK(time_now_ms() - t0 < 1000);
	close(pfd[0]);
	close(pfd[1]);
	http_conn_free(c);
	server_stop(pid);

	/* A close during the TLS handshake: a TLS failure, not retried. */
	if (tls_anchors_load(&anchors, NULL) == 0) {
		pid = server_start(M_SHUT);
		CHECK(http_conn_new(&c, 1, "localhost", srv_port,
		    anchors) == 0);
		http_conn_timeouts(c, 2000, 2000);
		CHECK(get(c, "GET", 1, &o, &res) == HTTP_ETLSCLOSED);
		if (o.rc != HTTP_ETLSCLOSED)
			printf("# got %d (%s)\n", o.rc, http_strerror(o.rc));
		CHECK(res.attempts == 0 && o.nstatus == 0);
		http_conn_free(c);
		server_stop(pid);
		tls_anchors_free(anchors);
	} else
		printf("# no system CA bundle: TLS close case skipped\n");

	/* A closed port: refused at once, not retried. */
	srv_port = lb_dead_port();
	CHECK(srv_port != 0);
	CHECK(http_conn_new(&c, 0, "127.0.0.1", srv_port, NULL) == 0);
	t0 = time_now_ms();
	CHECK(get(c, "GET", 1, &o, &res) == NET_EREFUSED);
	CHECK(time_now_ms() - t0 < HTTP_BACKOFF_BASE_MS);
	CHECK(o.nstatus == 0);
	http_conn_free(c);

	/* Resolution failure is its own error. */
	CHECK(http_conn_new(&c, 0, "nonexistent.invalid", 80, NULL) == 0);
	CHECK(get(c, "GET", 1, &o, &res) == NET_ERESOLVE);
	http_conn_free(c);

	/* Host values: default ports dropped, IPv6 bracketed. */
	CHECK(http_conn_new(&c, 0, "::1", 80, NULL) == 0);
	CHECK(strcmp(http_conn_host(c), "[::1]") == 0);
	http_conn_free(c);
	CHECK(http_conn_new(&c, 0, "h", 8080, NULL) == 0);
	CHECK(strcmp(http_conn_host(c), "h:8080") == 0);
	http_conn_free(c);
	CHECK(http_conn_new(&c, 1, "h", 443, NULL) == HTTP_EINVAL);
}

int
main(void)
{
	test_parser_table();
	test_parser_limits();
	test_writer();
	test_classes();
	test_exchange();
	return unit_done("test_http");
}
