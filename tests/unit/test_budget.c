/*
 * test_budget.c - the message budget (MCP_S3_MAX_MESSAGE_SIZE): the largest
 * answer of each tool, built against a fake S3 on 127.0.0.1 that serves the
 * worst cases (1,000 keys of 1,024 bytes, the most user metadata, keys and
 * bodies of characters that escape to six bytes, the longest id), through
 * mcp_serve().  Every line written is at most the budget; an answer one
 * byte over a budget is cut (a window) or refused (SizeLimit), never
 * written; and the 2025-03-26 batch answers are split into lines that fit.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"
#include "loopback.h"
#include "mcp.h"
#include "unit.h"

#define INIT(v) "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"," \
	"\"params\":{\"protocolVersion\":\"" v "\",\"capabilities\":{}," \
	"\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"

#define KEYS		1000
#define TEXT_SIZE	(4u * 1024 * 1024)	/* 24 MiB in JSON */
#define BIN_SIZE	(8u * 1024 * 1024)
#define PNG_SIZE	(400u * 1024)
#define META_N		60
#define META_V		120	/* bytes of one value, all '"' */

static struct lb s3;

/* ---- the fake S3 ---------------------------------------------------------- */

static void
put_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void
meta_headers(struct buf *h)
{
	int i, j;

	for (i = 0; i < META_N; i++) {
		buf_addf(h, "x-amz-meta-k%02d: ", i);
		for (j = 0; j < META_V; j++)
			buf_addc(h, j % 2 ? '"' : '\\');
		buf_adds(h, "\r\n");
	}
}

/* Byte i of the object named by its first letter. */
static char
object_byte(char kind, size_t i)
{
	if (kind == 'x')
		return (char)(i * 7 + 3);
	if (kind == 'p')
		return i < 8 ? "\x89PNG\r\n\x1a\n"[i] : (char)(i & 0x7f);
	return '\x01';	/* text: six bytes each in JSON */
}

static void
serve_listing(int fd, const char *target)
{
	struct buf b, h;
	const char *mk = strstr(target, "max-keys=");
	int n = mk ? atoi(mk + 9) : KEYS, worst = strstr(target, "prefix=w") != NULL;
	int i, j;

	buf_init(&b, 0);
	buf_init(&h, 0);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>"
	    "<EncodingType>url</EncodingType><Name>bucket</Name><KeyCount>");
	buf_addf(&b, "%d</KeyCount><MaxKeys>%d</MaxKeys><IsTruncated>true"
	    "</IsTruncated><NextContinuationToken>", n, n);
	for (j = 0; j < 1024; j++)
		buf_addc(&b, 'T');
	buf_adds(&b, "</NextContinuationToken>");
	for (i = 0; i < n; i++) {
		buf_adds(&b, "<Contents><Key>");
		buf_addf(&b, "%c%04d", worst ? 'w' : 'a', i);
		for (j = 5; j < S3_MAX_KEY_BYTES; j++)
			buf_adds(&b, worst ? "%01" : "k");
		buf_adds(&b, "</Key><LastModified>2026-01-01T00:00:00.000Z"
		    "</LastModified><ETag>&quot;0123456789abcdef0123456789abcdef"
		    "-10000&quot;</ETag><Size>18446744073709551615</Size>"
		    "<StorageClass>DEEP_ARCHIVE</StorageClass></Contents>");
	}
	buf_adds(&b, "</ListBucketResult>");
	buf_addf(&h, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
	    "Content-Length: %zu\r\n\r\n", b.n);
	put_all(fd, h.p, h.n);
	put_all(fd, b.p, b.n);
	buf_free(&b);
	buf_free(&h);
}

static void
serve_object(int fd, const char *method, const char *target, const char *head)
{
	struct buf h, body;
	const char *key = strchr(target + 1, '/'), *r;
	unsigned long long a = 0, z, size;
	char kind;
	size_t i;

	kind = key != NULL ? key[1] : 't';
	size = kind == 'p' ? PNG_SIZE : kind == 'x' ? BIN_SIZE : TEXT_SIZE;
	buf_init(&h, 0);
	buf_init(&body, 0);
	if (kind == 'e') {
		buf_adds(&body, "<?xml version=\"1.0\"?><Error><Code>AccessDenied"
		    "</Code><Message>");
		for (i = 0; i < 3000; i++)
			buf_adds(&body, "&quot;");
		buf_adds(&body, "</Message><RequestId>");
		for (i = 0; i < 200; i++)
			buf_addc(&body, 'R');
		buf_adds(&body, "</RequestId></Error>");
		buf_addf(&h, "HTTP/1.1 403 Forbidden\r\nContent-Type: "
		    "application/xml\r\nContent-Length: %zu\r\n\r\n", body.n);
		goto send;
	}
	z = size - 1;
	if ((r = strstr(head, "\nRange: bytes=")) != NULL ||
	    (r = strstr(head, "\nrange: bytes=")) != NULL) {
		a = strtoull(r + 14, NULL, 10);
		z = strtoull(strchr(r + 14, '-') + 1, NULL, 10);
		if (z >= size)
			z = size - 1;
	}
	if (strcmp(method, "GET") == 0)
		for (i = a; i <= z; i++)
			buf_addc(&body, object_byte(kind, i));
	buf_addf(&h, "HTTP/1.1 %s\r\nContent-Type: %s\r\nETag: \""
	    "0123456789abcdef0123456789abcdef-10000\"\r\nLast-Modified: Thu, "
	    "01 Jan 2026 00:00:00 GMT\r\n", strcmp(method, "GET") == 0 ?
	    "206 Partial Content" : "200 OK", kind == 'x' ?
	    "application/octet-stream" : kind == 'p' ? "image/png" :
	    "text/plain; charset=\\\"utf-8\\\"; x=\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"");
	meta_headers(&h);
	if (strcmp(method, "GET") == 0)
		buf_addf(&h, "Content-Range: bytes %llu-%llu/%llu\r\n"
		    "Content-Length: %zu\r\n\r\n", a, z, size, body.n);
	else
		buf_addf(&h, "Content-Length: %llu\r\n\r\n", size);
send:
	put_all(fd, h.p, h.n);
	put_all(fd, body.p, body.n);
	buf_free(&h);
	buf_free(&body);
}

/* One connection: requests until the peer closes it. */
static void
serve_conn(int fd, unsigned conn, void *arg)
{
	static struct lb_req r;

	(void)conn;
	(void)arg;
	while (lb_read_request(fd, &r)) {
		if (strstr(r.target, "list-type=2") != NULL)
			serve_listing(fd, r.target);
		else
			serve_object(fd, r.method, r.target, r.raw);
	}
	lb_req_free(&r);
}

static void
start_s3(void)
{
	if (lb_start(&s3, serve_conn, NULL) != 0) {
		perror("fake S3");
		exit(1);
	}
}

/* ---- sessions --------------------------------------------------------------- */

static char ep[64], budget[32];
static const char *fmt = "compact";

static const char *
envget(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "S3_ENDPOINT") == 0)
		return ep;
	if (strcmp(name, "AWS_ACCESS_KEY_ID") == 0)
		return "AKIDTEST";
	if (strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0)
		return "SECRETMARKER";
	if (strcmp(name, "S3_TIMEOUT") == 0)
		return "10s";
	if (strcmp(name, "MCP_S3_MAX_MESSAGE_SIZE") == 0)
		return budget;
	if (strcmp(name, "MCP_S3_TEXT_FORMAT") == 0)
		return fmt;
	if (strcmp(name, "AWS_CONFIG_FILE") == 0 ||
	    strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
		return "/nonexistent";
	if (strcmp(name, "AWS_EC2_METADATA_DISABLED") == 0)
		return "true";
	return NULL;
}

struct out {
	char	*p;
	size_t	 n;
	size_t	 lines, longest;
};

/* Runs the lines of in (one message each) with the budget b. */
static int
session(const char *in, size_t b, struct out *o)
{
	struct config cfg;
	char err[512], pin[] = "/tmp/mcp-budget-in-XXXXXX";
	char pout[] = "/tmp/mcp-budget-out-XXXXXX";
	FILE *f;
	long len;
	size_t i, start;
	int fi, fo;

	snprintf(budget, sizeof(budget), "%zu", b);
	if ((fi = mkstemp(pin)) < 0 || (fo = mkstemp(pout)) < 0)
		return -1;
	unlink(pin);
	unlink(pout);
	put_all(fi, in, strlen(in));
	lseek(fi, 0, SEEK_SET);
	if (config_load(&cfg, envget, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	CHECK(mcp_serve(&cfg, fi, fo, err, sizeof(err)) == 0);
	config_free(&cfg);
	f = fdopen(fo, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	o->p = calloc(1, (size_t)len + 1);
	o->n = fread(o->p, 1, (size_t)len, f);
	fclose(f);
	close(fi);
	o->lines = o->longest = 0;
	for (i = start = 0; i < o->n; i++)
		if (o->p[i] == '\n') {
			o->lines++;
			if (i + 1 - start > o->longest)
				o->longest = i + 1 - start;
			start = i + 1;
		}
	return 0;
}

/* The messages: initialize, then the call with the longest id. */
static char *
with_init(const char *version, const char *body)
{
	struct buf b;

	buf_init(&b, 0);
	buf_addf(&b, INIT("%s") "\n%s\n", version, body);
	return b.p;
}

static void
longest_id(struct buf *b)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < JSONRPC_MAX_ID_BYTES - 2; i++)
		buf_addc(b, 'i');
	buf_addc(b, '"');
}

/* A tools/call line with the longest id (or id n when n > 0). */
static void
call_line(struct buf *b, int n, const char *tool, const char *args)
{
	buf_adds(b, "{\"jsonrpc\":\"2.0\",\"id\":");
	if (n > 0)
		buf_addf(b, "%d", n);
	else
		longest_id(b);
	buf_addf(b, ",\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
	    "\"arguments\":%s}}", tool, args);
}

/* The arguments naming the worst key: 1,024 bytes of U+0001 after kind. */
static void
worst_key_args(struct buf *b, char kind, const char *more)
{
	int i;

	buf_addf(b, "{\"bucket\":\"bucket\",\"key\":\"%c", kind);
	for (i = 1; i < S3_MAX_KEY_BYTES; i++)
		buf_adds(b, "\\u0001");
	buf_addf(b, "\"%s}", more);
}

static struct out
run_call(const char *version, const char *tool, const char *args, size_t b)
{
	struct buf l;
	struct out o;
	char *in;

	buf_init(&l, 0);
	call_line(&l, 0, tool, args);
	in = with_init(version, l.p);
	memset(&o, 0, sizeof(o));
	CHECK(session(in, b, &o) == 0);
	free(in);
	buf_free(&l);
	return o;
}

static int
has(const struct out *o, const char *s)
{
	return o->p != NULL && strstr(o->p, s) != NULL;
}

/* ---- the cases ---------------------------------------------------------------- */

/*
 * Windows: text of characters that escape to six bytes and binary, with
 * the longest key, the most metadata and the longest id, at the smallest
 * budget and at 8 MiB: cut to within a character (six bytes) or a base64
 * quantum of the budget, never over.
 */
static void
test_windows(void)
{
	static const size_t budgets[] = { MCP_MIN_MESSAGE_BYTES,
	    MCP_MIN_MESSAGE_BYTES + 1, 8u * 1024 * 1024 };
	struct buf a;
	struct out o;
	size_t i, k;
	const char kinds[] = { 't', 'x' };

	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
			buf_init(&a, 0);
			worst_key_args(&a, kinds[k], ",\"length\":8388608");
			o = run_call("2025-11-25", "s3_get_object", a.p, budgets[i]);
			CHECKF(o.longest <= budgets[i], kinds[k] == 't' ? "text" : "binary");
			CHECKF(o.longest + 64 > budgets[i], kinds[k] == 't' ? "text cut close" : "binary cut close");
			CHECK(has(&o, "\"truncated\":true") && has(&o, "shortened to fit"));
			CHECK(!has(&o, "\"isError\":true"));
			free(o.p);
			buf_free(&a);
		}
	/* In JSON text format the summary is structuredContent, escaped again. */
	fmt = "json";
	buf_init(&a, 0);
	worst_key_args(&a, 't', ",\"length\":8388608");
	o = run_call("2025-11-25", "s3_get_object", a.p, MCP_MIN_MESSAGE_BYTES);
	CHECK(o.longest <= MCP_MIN_MESSAGE_BYTES && o.longest + 64 > MCP_MIN_MESSAGE_BYTES);
	CHECK(has(&o, "\\\"truncated\\\":true"));
	free(o.p);
	buf_free(&a);
	fmt = "compact";
}

/* An image: written whole at a budget of its answer's size, refused at one byte less. */
static void
test_image(void)
{
	struct out o;
	size_t n;
	const char *args = "{\"bucket\":\"bucket\",\"key\":\"p.png\"}";

	o = run_call("2025-11-25", "s3_get_object", args, 8u * 1024 * 1024);
	CHECK(has(&o, "\"type\":\"image\""));
	n = o.longest;
	free(o.p);
	CHECK(n > MCP_MIN_MESSAGE_BYTES);
	o = run_call("2025-11-25", "s3_get_object", args, n);
	CHECK(o.longest == n && has(&o, "\"type\":\"image\""));
	free(o.p);
	o = run_call("2025-11-25", "s3_get_object", args, n - 1);
	CHECK(o.longest <= n - 1 && !has(&o, "\"type\":\"image\""));
	CHECK(has(&o, "SizeLimit") && has(&o, "s3_presign_url") &&
	    has(&o, "MCP_S3_MAX_MESSAGE_SIZE"));
	free(o.p);
}

/*
 * Listings: 1,000 keys of 1,024 bytes fit 8 MiB; the worst keys (U+0001,
 * 11 to 13 bytes each in the answer) do not and are refused; any listing
 * is written at a budget of exactly its size and refused one byte below.
 */
static void
test_listing(void)
{
	struct out o;
	size_t n, f;
	const char *fmts[] = { "compact", "json" };

	for (f = 0; f < 2; f++) {
		fmt = fmts[f];
		o = run_call("2025-11-25", "s3_list_objects",
		    "{\"bucket\":\"bucket\",\"prefix\":\"a\"}", 8u * 1024 * 1024);
		CHECKF(has(&o, "\"count\":1000") && !has(&o, "SizeLimit"), fmt);
		n = o.longest;
		free(o.p);
		CHECKF(n > 2u * 1024 * 1024 && n <= 8u * 1024 * 1024, fmt);
		o = run_call("2025-11-25", "s3_list_objects",
		    "{\"bucket\":\"bucket\",\"prefix\":\"a\"}", n);
		CHECKF(o.longest == n && has(&o, "\"count\":1000"), fmt);
		free(o.p);
		o = run_call("2025-11-25", "s3_list_objects",
		    "{\"bucket\":\"bucket\",\"prefix\":\"a\"}", n - 1);
		CHECKF(o.longest < n - 1 && has(&o, "SizeLimit") &&
		    has(&o, "max_keys") && !has(&o, "\"count\":1000"), fmt);
		free(o.p);
		o = run_call("2025-11-25", "s3_list_objects",
		    "{\"bucket\":\"bucket\",\"prefix\":\"w\"}", 8u * 1024 * 1024);
		CHECKF(o.longest <= 8u * 1024 * 1024 && has(&o, "SizeLimit") &&
		    has(&o, "max_keys"), fmt);
		free(o.p);
		/* The max_keys it names fits. */
		o = run_call("2025-11-25", "s3_list_objects",
		    "{\"bucket\":\"bucket\",\"prefix\":\"w\",\"max_keys\":500}",
		    8u * 1024 * 1024);
		CHECKF(has(&o, "\"count\":500") && o.longest <= 8u * 1024 * 1024, fmt);
		free(o.p);
	}
	fmt = "compact";
}

/* Metadata, errors, tools/list: the largest fit the smallest budget. */
static void
test_small_answers(void)
{
	struct buf a;
	struct out o;

	buf_init(&a, 0);
	worst_key_args(&a, 't', "");
	o = run_call("2025-11-25", "s3_get_object_metadata", a.p,
	    MCP_MIN_MESSAGE_BYTES);
	CHECK(has(&o, "\"k59\"") && !has(&o, "isError") &&
	    o.longest <= MCP_MIN_MESSAGE_BYTES);
	free(o.p);
	buf_free(&a);
	fmt = "json";
	buf_init(&a, 0);
	worst_key_args(&a, 't', ",\"length\":1");
	o = run_call("2025-11-25", "s3_get_object", a.p, MCP_MIN_MESSAGE_BYTES);
	CHECK(!has(&o, "isError") && o.longest <= MCP_MIN_MESSAGE_BYTES);
	free(o.p);
	buf_free(&a);
	fmt = "compact";
	buf_init(&a, 0);
	worst_key_args(&a, 'e', "");
	o = run_call("2025-11-25", "s3_get_object", a.p, MCP_MIN_MESSAGE_BYTES);
	CHECK(has(&o, "AccessDenied") && o.longest <= MCP_MIN_MESSAGE_BYTES);
	free(o.p);
	buf_free(&a);
}

/*
 * A 2025-03-26 batch of the largest answers at the smallest budget: every
 * line fits, all 12 answers are there, in more than one line.
 */
static void
test_batch(void)
{
	struct buf l, a;
	struct out o;
	char *in;
	int i;

	buf_init(&l, 0);
	buf_addc(&l, '[');
	for (i = 0; i < 4; i++) {
		buf_init(&a, 0);
		worst_key_args(&a, i % 2 ? 'x' : 't', ",\"length\":8388608");
		if (i)
			buf_addc(&l, ',');
		call_line(&l, 10 + i, "s3_get_object", a.p);
		buf_free(&a);
		buf_addf(&l, ",{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		    "\"tools/list\"}", 20 + i);
		buf_addf(&l, ",{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		    "\"ping\"}", 30 + i);
	}
	buf_addc(&l, ']');
	in = with_init("2025-03-26", l.p);
	memset(&o, 0, sizeof(o));
	CHECK(session(in, MCP_MIN_MESSAGE_BYTES, &o) == 0);
	CHECK(o.longest <= MCP_MIN_MESSAGE_BYTES);
	CHECK(o.lines >= 1 + 4);
	for (i = 0; i < 4; i++) {
		char id[32];

		snprintf(id, sizeof(id), "\"id\":%d,", 10 + i);
		CHECK(has(&o, id));
		snprintf(id, sizeof(id), "\"id\":%d,", 20 + i);
		CHECK(has(&o, id));
		snprintf(id, sizeof(id), "\"id\":%d,", 30 + i);
		CHECK(has(&o, id));
	}
	CHECK(!has(&o, "isError\":true"));
	free(o.p);
	free(in);
	buf_free(&l);
}

/* The bounds of the setting and of the id, at N and N+1. */
static void
test_bounds(void)
{
	struct config cfg;
	char err[512];
	struct buf l;
	struct out o;
	char *in;
	size_t i;

	snprintf(budget, sizeof(budget), "%u", MCP_MIN_MESSAGE_BYTES);
	CHECK(config_load(&cfg, envget, NULL, err, sizeof(err)) == 0);
	CHECK(cfg.max_message == MCP_MIN_MESSAGE_BYTES);
	config_free(&cfg);
	snprintf(budget, sizeof(budget), "%u", MCP_MIN_MESSAGE_BYTES - 1);
	CHECK(config_load(&cfg, envget, NULL, err, sizeof(err)) != 0);
	CHECK(strstr(err, "MCP_S3_MAX_MESSAGE_SIZE") != NULL);

	buf_init(&l, 0);
	buf_adds(&l, "{\"jsonrpc\":\"2.0\",\"id\":");
	longest_id(&l);
	buf_adds(&l, ",\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":\"");
	/* One byte more: the id error, with id null. */
	for (i = 0; i < JSONRPC_MAX_ID_BYTES - 1; i++)
		buf_addc(&l, 'j');
	buf_adds(&l, "\",\"method\":\"ping\"}");
	in = with_init("2025-11-25", l.p);
	CHECK(session(in, MCP_MIN_MESSAGE_BYTES, &o) == 0);
	CHECK(o.lines == 3 && has(&o, "iiii\",\"result\":{}"));
	CHECK(has(&o, "\"id\":null,\"error\":{\"code\":-32600"));
	free(o.p);
	free(in);
	buf_free(&l);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	start_s3();
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%u", (unsigned)s3.port);
	test_bounds();
	test_windows();
	test_image();
	test_listing();
	test_small_answers();
	test_batch();
	lb_stop(&s3);
	return unit_done("test_budget");
}
