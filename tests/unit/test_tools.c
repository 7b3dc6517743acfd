/*
 * test_tools.c - tools_call() on a server (server.h) whose connection is a
 * scripted loopback S3 (loopback.h): bad arguments (missing, wrong type,
 * out of bounds, unknown) are InvalidArgument naming the argument, with no
 * request sent; read-only mode refuses the write tools and a presigned
 * PUT without I/O; the access rules refuse without I/O; and an
 * s3_get_object answer has the shape docs/tools.md gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "json.h"
#include "jsonrpc.h"
#include "jsonw.h"
#include "loopback.h"
#include "server.h"
#include "tools.h"
#include "unit.h"
#include "util.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXTOK	512

static char		 endpoint[64];
static const char	*readonly = "true";
static const char	*allowed;	/* MCP_S3_ALLOWED_PREFIXES */
static struct lb	 s3;
static struct config	 cfg;
static struct server	 srv;

/* The result of the last call: its text and parse. */
static struct buf	 res;
static struct json	 rj;
static struct json_tok	 rtok[MAXTOK];

static const char *
env(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "S3_ENDPOINT") == 0)
		return endpoint;
	if (strcmp(name, "MCP_S3_EXT_READONLY") == 0)
		return readonly;
	if (strcmp(name, "MCP_S3_ALLOWED_PREFIXES") == 0)
		return allowed;
	if (strcmp(name, "S3_TIMEOUT") == 0)
		return "2s";
	if (strcmp(name, "MCP_S3_SANDBOX") == 0)
		return "off";
	return lb_s3_env(name);
}

static int
start(const struct lb_step *steps, size_t n)
{
	char	 err[512];

	if (lb_start_script(&s3, steps, n) != 0)
		return -1;
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u",
	    (unsigned)s3.port);
	if (config_load(&cfg, env, NULL, err, sizeof(err)) != 0 ||
	    server_open(&srv, &cfg, SERVER_NO_AUDIT, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static void
stop(void)
{
	server_close(&srv);
	config_free(&cfg);
	lb_stop(&s3);
}

/*
 * Calls tool with the arguments args (a JSON object, or NULL for none);
 * the CallToolResult is parsed into rj.  0, or -1.
 */
static int
call(const char *tool, const char *args)
{
	static struct json_tok	 atok[MAXTOK];
	const struct catalog_entry *e = catalog_find(tool, strlen(tool));
	struct jsonrpc_writer	 wr;
	struct tools_request	 req;
	struct json		 aj;
	struct jsonw		 w;
	char			*line = NULL;
	int			 rc;

	if (e == NULL)
		return -1;
	if (args != NULL) {
		/* The argument text is writable, as the reader's line is. */
		if ((line = strdup(args)) == NULL || json_parse(&aj, line,
		    strlen(line), atok, MAXTOK) < 0) {
			free(line);
			return -1;
		}
	}
	jsonrpc_writer_init(&wr, -1);
	jsonw_init(&w, &wr.out);
	req.id = SLICE_LIT("7");
	req.room = 1024 * 1024;
	req.flags = 0;
	rc = tools_call(&srv, e, args != NULL ? &aj : NULL, args != NULL ? 0 :
	    -1, &req, &w, &wr);
	buf_reset(&res);
	if (rc == 0 && jsonw_finish(&w) == 0 && wr.out.n > 0)
		buf_add(&res, wr.out.p, wr.out.n);
	jsonrpc_writer_free(&wr);
	free(line);
	if (rc != 0 || res.p == NULL || json_parse(&rj, res.p, res.n, rtok,
	    MAXTOK) < 0)
		return -1;
	return 0;
}

/* Text block i of the result, NUL-terminated in a static buffer. */
static const char *
text(int i)
{
	static struct buf	 t;
	int			 c, k;

	buf_reset(&t);
	c = json_find(&rj, 0, "content");
	for (k = json_child(&rj, c); k >= 0 && i > 0; k = json_next(&rj, k))
		i--;
	if (k < 0 || json_decode(&rj, json_find(&rj, k, "text"), &t) != 0 ||
	    t.p == NULL)
		return "";
	return t.p;
}

static int
is_error(void)
{
	return json_type(&rj, json_find(&rj, 0, "isError")) == JSON_TRUE;
}

/* The call failed with code, its text naming what. */
static int
failed(const char *code, const char *what)
{
	const char	*t = text(0);
	size_t		 n = strlen(code);

	if (!is_error() || strncmp(t, code, n) != 0 || t[n] != ':' ||
	    json_find(&rj, 0, "structuredContent") >= 0)
		return 0;
	return what == NULL || strstr(t, what) != NULL;
}

static const struct {
	const char	*tool;
	const char	*args;
	const char	*says;	/* in the text after "InvalidArgument:" */
} bad[] = {
	{ "s3_get_object", "{\"bucket\":\"bkt\"}", "key is required" },
	{ "s3_get_object", NULL, "bucket is required" },
	{ "s3_get_object", "{\"key\":\"k\"}", "bucket is required" },
	{ "s3_get_object", "{\"bucket\":7,\"key\":\"k\"}",
	    "bucket must be a string" },
	{ "s3_get_object", "{\"bucket\":\"ab\",\"key\":\"k\"}",
	    "bucket must be 3 to 63 bytes long" },
	{ "s3_get_object", "{\"bucket\":\"a/bc\",\"key\":\"k\"}",
	    "bucket \"a/bc\" is not a bucket name" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"\"}",
	    "key must be 1 to 1024 bytes long" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"offset\":-1}",
	    "offset must be an integer of at least 0" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"length\":0}",
	    "length must be an integer of at least 1" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"length\":1.5}", "length must be an integer" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"offset\":\"3\"}", "offset must be an integer" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"range\":1}",
	    "unknown argument \"range\"" },
	{ "s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"connection\":\"\"}", "connection must be 1 to 63 bytes long" },
	{ "s3_list_objects", "{\"bucket\":\"bkt\",\"max_keys\":0}",
	    "max_keys must be an integer from 1 to 1000" },
	{ "s3_list_objects", "{\"bucket\":\"bkt\",\"max_keys\":1001}",
	    "max_keys must be an integer from 1 to 1000" },
	{ "s3_list_objects", "{\"bucket\":\"bkt\",\"delimiter\":"
	    "\"12345678901234567\"}", "delimiter must be 0 to 16 bytes long" },
	{ "s3_list_objects", "{\"bucket\":\"bkt\",\"continuation_token\":"
	    "\"\"}", "continuation_token must be 1 to 4096 bytes long" },
	{ "s3_list_buckets", "{\"bucket\":\"bkt\"}",
	    "s3_list_buckets takes connection" },
	{ "s3_list_connections", "{\"x\":1}", "takes no arguments" },
	{ "s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"k\"}",
	    "content is required" },
	{ "s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"content\":"
	    "\"\",\"is_base64\":\"yes\"}", "is_base64 must be true or false" },
	{ "s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"content\":"
	    "\"\",\"metadata\":[]}", "metadata must be an object" },
	{ "s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"content\":"
	    "\"\",\"content_type\":\"a\\nb\"}",
	    "content_type must be printable ASCII" },
	{ "s3_copy_object", "{\"source_bucket\":\"src\",\"source_key\":\"k\","
	    "\"dest_bucket\":\"dst\"}", "dest_key is required" },
	{ "s3_presign_url", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"method\":\"POST\"}", "method must be GET or PUT" },
	{ "s3_presign_url", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"expires_in\":604801}",
	    "expires_in must be an integer from 1 to 604800" },
};

static void
test_invalid(void)
{
	static const struct lb_step steps[] = {
		{ 500, NULL, NULL, 0, 0, 0, 0 },
	};
	size_t	 i;

	readonly = "false";
	CHECK(start(steps, N(steps)) == 0);
	for (i = 0; i < N(bad); i++) {
		CHECKF(call(bad[i].tool, bad[i].args) == 0, bad[i].says);
		CHECKF(failed("InvalidArgument", bad[i].says), text(0));
	}
	/* A connection that does not exist names those that do. */
	CHECK(call("s3_list_buckets", "{\"connection\":\"nope\"}") == 0);
	CHECKF(failed("ConnectionNotFound", "known connections: default"),
	    text(0));
	/* Not one request reached S3. */
	CHECK(lb_count(&s3) == 0);
	stop();
	readonly = "true";
}

static void
test_readonly(void)
{
	static const struct lb_step steps[] = {
		{ 500, NULL, NULL, 0, 0, 0, 0 },
	};
	static const char *const writes[][2] = {
		{ "s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"k\","
		    "\"content\":\"x\"}" },
		{ "s3_delete_object", "{\"bucket\":\"bkt\",\"key\":\"k\"}" },
		{ "s3_copy_object", "{\"source_bucket\":\"src\",\"source_key\":"
		    "\"k\",\"dest_bucket\":\"dst\",\"dest_key\":\"k\"}" },
	};
	size_t	 i;

	CHECK(start(steps, N(steps)) == 0);
	for (i = 0; i < N(writes); i++) {
		CHECK(call(writes[i][0], writes[i][1]) == 0);
		CHECKF(failed("ReadOnly", "MCP_S3_EXT_READONLY=false"),
		    text(0));
		CHECKF(strstr(text(0), writes[i][0]) != NULL, text(0));
	}
	CHECK(call("s3_presign_url", "{\"bucket\":\"bkt\",\"key\":\"k\","
	    "\"method\":\"put\"}") == 0);
	CHECKF(failed("ReadOnly", "presigned PUT"), text(0));
	/* A presigned GET needs no I/O either, and is allowed. */
	CHECK(call("s3_presign_url", "{\"bucket\":\"bkt\",\"key\":\"a b\"}") ==
	    0);
	CHECK(!is_error() && json_find(&rj, 0, "structuredContent") >= 0);
	CHECK(lb_count(&s3) == 0);
	stop();
}

static void
test_rules(void)
{
	static const struct lb_step steps[] = {
		{ 500, NULL, NULL, 0, 0, 0, 0 },
	};

	allowed = "s3://bkt/public/";
	readonly = "false";
	CHECK(start(steps, N(steps)) == 0);
	CHECK(call("s3_get_object", "{\"bucket\":\"bkt\",\"key\":"
	    "\"private/x\"}") == 0);
	CHECKF(failed("PolicyDenied", "refused by the access rules"), text(0));
	CHECK(call("s3_get_object_metadata", "{\"bucket\":\"other\",\"key\":"
	    "\"public/x\"}") == 0);
	CHECK(failed("PolicyDenied", NULL));
	CHECK(call("s3_put_object", "{\"bucket\":\"bkt\",\"key\":\"x\","
	    "\"content\":\"x\"}") == 0);
	CHECK(failed("PolicyDenied", NULL));
	/* A copy is checked at both ends. */
	CHECK(call("s3_copy_object", "{\"source_bucket\":\"bkt\",\"source_key\":"
	    "\"public/a\",\"dest_bucket\":\"bkt\",\"dest_key\":\"b\"}") == 0);
	CHECK(failed("PolicyDenied", NULL));
	CHECK(call("s3_copy_object", "{\"source_bucket\":\"bkt\",\"source_key\":"
	    "\"a\",\"dest_bucket\":\"bkt\",\"dest_key\":\"public/b\"}") == 0);
	CHECK(failed("PolicyDenied", NULL));
	CHECK(call("s3_list_objects", "{\"bucket\":\"other\"}") == 0);
	CHECK(failed("PolicyDenied", NULL));
	CHECK(call("s3_presign_url", "{\"bucket\":\"bkt\",\"key\":\"x\"}") ==
	    0);
	CHECK(failed("PolicyDenied", NULL));
	CHECK(lb_count(&s3) == 0);
	stop();
	allowed = NULL;
	readonly = "true";
}

static void
test_get_object(void)
{
	static const struct lb_step steps[] = {
		{ 206, "Content-Range: bytes 0-10/30\r\nContent-Type: text/plain"
		    "\r\nETag: \"abc\"\r\nLast-Modified: Thu, 01 Jan 2026 "
		    "00:00:00 GMT\r\nx-amz-meta-owner: ann\r\n", "hello world",
		    0, 0, 0, 0 },
		{ 404, NULL, "<Error><Code>NoSuchKey</Code><Message>The "
		    "specified key does not exist.</Message><RequestId>R1"
		    "</RequestId></Error>", 0, 0, 0, 0 },
	};
	struct lb_req	 r;
	int		 sc, t;
	int64_t		 v;

	CHECK(start(steps, N(steps)) == 0);
	CHECK(call("s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"docs/a b\","
	    "\"length\":11}") == 0);
	CHECK(!is_error());
	/* content[0] the summary, content[1] the body itself. */
	CHECK(strcmp(text(1), "hello world") == 0);
	CHECKF(strstr(text(0), "11") != NULL, text(0));
	sc = json_find(&rj, 0, "structuredContent");
	CHECK(json_type(&rj, sc) == JSON_OBJECT);
	CHECK(json_streq(&rj, json_find(&rj, sc, "bucket"), "bkt"));
	CHECK(json_streq(&rj, json_find(&rj, sc, "key"), "docs/a b"));
	CHECK(json_int64(&rj, json_find(&rj, sc, "size"), &v) == 0 && v == 30);
	CHECK(json_int64(&rj, json_find(&rj, sc, "offset"), &v) == 0 &&
	    v == 0);
	CHECK(json_int64(&rj, json_find(&rj, sc, "length"), &v) == 0 &&
	    v == 11);
	CHECK(json_type(&rj, json_find(&rj, sc, "truncated")) == JSON_TRUE);
	CHECK(json_int64(&rj, json_find(&rj, sc, "next_offset"), &v) == 0 &&
	    v == 11);
	CHECK(json_type(&rj, json_find(&rj, sc, "is_base64")) == JSON_FALSE);
	CHECK(json_streq(&rj, json_find(&rj, sc, "content_type"),
	    "text/plain"));
	CHECK(json_streq(&rj, json_find(&rj, sc, "etag"), "\"abc\""));
	CHECK(json_streq(&rj, json_find(&rj, sc, "last_modified"),
	    "2026-01-01T00:00:00Z"));
	t = json_find(&rj, sc, "metadata");
	CHECK(json_streq(&rj, json_find(&rj, t, "owner"), "ann"));
	/* The body travels once, in content. */
	CHECK(json_find(&rj, sc, "body") < 0 && json_find(&rj, sc, "text") < 0);
	memset(&r, 0, sizeof(r));
	CHECK(lb_request(&s3, 0, &r) == 0);
	CHECK(strcmp(r.target, "/bkt/docs/a%20b") == 0);
	CHECK(lb_header(&r, "Range") != NULL &&
	    strcmp(lb_header(&r, "Range"), "bytes=0-10") == 0);
	lb_req_free(&r);

	/* An S3 error: its code first, then what happened. */
	CHECK(call("s3_get_object", "{\"bucket\":\"bkt\",\"key\":\"gone\"}") ==
	    0);
	CHECKF(failed("NoSuchKey", "404"), text(0));
	CHECK(lb_count(&s3) == 2);
	stop();
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	buf_init(&res, 0);
	test_invalid();
	test_readonly();
	test_rules();
	test_get_object();
	buf_free(&res);
	return unit_done("test_tools");
}
