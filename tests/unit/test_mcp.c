/*
 * test_mcp.c - the MCP loop without a network: sessions of JSON-RPC lines
 * run through mcp_serve() over real file descriptors, each answer checked
 * by the pieces it must (and must not) contain.  Tools that would reach
 * S3 point at a closed port or have no credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mcp.h"
#include "unit.h"

#define INIT(v) "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"," \
	"\"params\":{\"protocolVersion\":\"" v "\",\"capabilities\":{}," \
	"\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"
#define CALL(id, tool, args) "{\"jsonrpc\":\"2.0\",\"id\":" #id "," \
	"\"method\":\"tools/call\",\"params\":{\"name\":\"" tool "\"," \
	"\"arguments\":" args "}}"

struct exchange {
	const char	*in;		/* one line, or NULL to end */
	const char	*want;		/* in the answer; NULL: no answer */
	const char	*not;		/* must not be in the answer */
};

static const char *env_creds[] = {
	"S3_ENDPOINT=http://127.0.0.1:1", "AWS_ACCESS_KEY_ID=AKIDTEST",
	"AWS_SECRET_ACCESS_KEY=SECRETMARKER", "S3_TIMEOUT=2s",
	"MCP_S3_MAX_GET_SIZE=1000", "MCP_S3_READ_SIZE=100", NULL
};

static const char *
envget(const char *name, void *arg)
{
	const char **e = arg;
	size_t n = strlen(name);

	for (; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Runs one session; returns the output (malloc'd) or NULL. */
static char *
session(const struct exchange *x, const char **env)
{
	struct config cfg;
	char err[256], path_in[] = "/tmp/mcp-test-in-XXXXXX";
	char path_out[] = "/tmp/mcp-test-out-XXXXXX";
	char *out;
	long len;
	FILE *f;
	int in, fo;

	if ((in = mkstemp(path_in)) < 0 || (fo = mkstemp(path_out)) < 0)
		return NULL;
	for (; x->in != NULL; x++) {
		if (write(in, x->in, strlen(x->in)) < 0 || write(in, "\n", 1) < 0)
			return NULL;
	}
	lseek(in, 0, SEEK_SET);
	if (config_load(&cfg, envget, env, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return NULL;
	}
	CHECK(mcp_serve(&cfg, in, fo, err, sizeof(err)) == 0);
	config_free(&cfg);
	f = fdopen(fo, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	out = calloc(1, (size_t)len + 1);
	if (fread(out, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	fclose(f);
	close(in);
	unlink(path_in);
	unlink(path_out);
	return out;
}

/* Checks answers in order: one output line per exchange with a want. */
static void
check(const char *label, const struct exchange *x, const char **env)
{
	char *out, *line, *save = NULL;
	int n = 0;

	out = session(x, env);
	CHECKF(out != NULL, label);
	if (out == NULL)
		return;
	CHECKF(strstr(out, "SECRETMARKER") == NULL, label);
	line = strtok_r(out, "\n", &save);
	for (; x->in != NULL; x++, n++) {
		if (x->want == NULL)
			continue;
		CHECKF(line != NULL, x->in);
		if (line == NULL)
			break;
		if (strstr(line, x->want) == NULL)
			fprintf(stderr, "[%s] #%d want %s\n  got %s\n", label, n,
			    x->want, line);
		CHECKF(strstr(line, x->want) != NULL, x->in);
		if (x->not != NULL)
			CHECKF(strstr(line, x->not) == NULL, x->in);
		line = strtok_r(NULL, "\n", &save);
	}
	CHECKF(line == NULL, label);	/* no answer too many */
	free(out);
}

static const struct exchange lifecycle[] = {
	{ "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/list\"}",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{}}", NULL },
	{ INIT("2025-06-18"), "\"protocolVersion\":\"2025-06-18\"", "logging" },
	{ INIT("2025-06-18"), "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
	    NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
	    "\"name\":\"s3_list_buckets\"", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\","
	    "\"params\":{\"cursor\":\"x\"}}", "\"code\":-32602", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}",
	    "\"code\":-32601", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"whatever\"}", NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":[]}",
	    "\"code\":-32602", NULL },
	{ NULL, NULL, NULL }
};

static const struct exchange framing[] = {
	{ INIT("1999-01-01"), "\"protocolVersion\":\"2025-11-25\"", NULL },
	{ "tru", "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700",
	    NULL },
	{ "01", "\"code\":-32700", NULL },
	{ "{}{}", "\"code\":-32700", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}",
	    "\"code\":-32700", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"\tx\",\"method\":\"ping\"}",
	    "\"code\":-32700", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\x28\",\"method\":\"ping\"}",
	    "\"code\":-32700", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"ping\"}",
	    "\"code\":-32700", NULL },
	{ "[]", "\"code\":-32600", NULL },
	{ "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}",
	    "\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":42}", "\"code\":-32600",
	    NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1.5e3,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1e999,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"ping\"}",
	    "\"id\":null,\"error\":{\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":9007199254740992,\"method\":\"ping\"}",
	    "\"id\":9007199254740992,\"result\":{}", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":-9007199254740992,\"method\":\"ping\"}",
	    "\"id\":-9007199254740992,\"result\":{}", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"ping\"}",
	    "\"id\":null,\"error\":{\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":10000000000000000,\"method\":\"ping\"}",
	    "\"id\":null,\"error\":{\"code\":-32600", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":-0,\"method\":\"ping\"}",
	    "\"id\":-0,\"result\":{}", NULL },
	{ "\"just a string\"", "\"code\":-32600", NULL },
	{ "   ", NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}", NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}\r",
	    "\"id\":10,\"result\":{}", NULL },
	{ NULL, NULL, NULL }
};

static const struct exchange batches[] = {
	{ INIT("2025-03-26"), "\"protocolVersion\":\"2025-03-26\"", NULL },
	{ "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"n\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"}]",
	    "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},{\"jsonrpc\":\"2.0\","
	    "\"id\":2,\"error\":{\"code\":-32601", NULL },
	{ "[{\"jsonrpc\":\"2.0\",\"method\":\"n\"}]", NULL, NULL },
	{ "[]", "\"code\":-32600", NULL },
	{ "[1]", "[{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600",
	    NULL },
	{ "[" INIT("2025-03-26") "]", "[{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"error\":{\"code\":-32600", NULL },
	{ NULL, NULL, NULL }
};

static const struct exchange calls[] = {
	{ INIT("2025-11-25"), "\"protocolVersion\":\"2025-11-25\"", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\"}",
	    "\"code\":-32602", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
	    "\"params\":{\"name\":7}}", "\"code\":-32602", NULL },
	{ CALL(4, "s3_nope", "{}"), "\"code\":-32602", NULL },
	{ CALL(5, "s3_list_objects", "[]"), "\"code\":-32602", NULL },
	{ CALL(6, "s3_list_objects", "{}"), "\"text\":\"InvalidArgument: "
	    "bucket is required\"}],\"isError\":true}", "structuredContent" },
	{ CALL(7, "s3_list_objects", "{\"bucket\":\"abc\",\"max_keys\":0}"),
	    "InvalidArgument: max_keys must be an integer from 1 to 1000",
	    NULL },
	{ CALL(8, "s3_list_objects", "{\"bucket\":\"abc\",\"max_keys\":1001}"),
	    "InvalidArgument: max_keys", NULL },
	{ CALL(9, "s3_list_objects", "{\"bucket\":\"abc\",\"max_keys\":\"5\"}"),
	    "InvalidArgument: max_keys", NULL },
	{ CALL(10, "s3_list_objects", "{\"bucket\":\"abc\",\"colour\":1}"),
	    "InvalidArgument: unknown argument \\\"colour\\\"", NULL },
	{ CALL(11, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"offset\":-1}"), "InvalidArgument: offset", NULL },
	{ CALL(12, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"length\":0}"), "InvalidArgument: length", NULL },
	{ CALL(13, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"length\":1001}"), "SizeLimit: length 1001 is over the limit "
	    "of 1000 bytes", NULL },
	{ CALL(14, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"\"}"),
	    "InvalidArgument: key", NULL },
	{ CALL(15, "s3_get_object", "{\"bucket\":\"a/c\",\"key\":\"k\"}"),
	    "InvalidArgument: bucket", NULL },
	{ CALL(16, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"k\\u0000\"}"),
	    "InvalidArgument: key must not contain a NUL", NULL },
	{ CALL(17, "s3_list_buckets", "{\"connection\":\"other\"}"),
	    "ConnectionNotFound: no connection named \\\"other\\\"; known "
	    "connections: default", NULL },
	{ CALL(18, "s3_list_buckets", "{}"), "NetworkError: connection refused",
	    NULL },
	{ CALL(19, "s3_list_connections", "{}"), "\"structuredContent\":{"
	    "\"connections\":[{\"name\":\"default\",\"region\":\"us-east-1\","
	    "\"endpoint\":\"http://127.0.0.1:1\",\"path_style\":true,"
	    "\"default\":true,\"credentials\":\"static\"}],"
	    "\"default_connection\":\"default\",\"count\":1}", "AKIDTEST" },
	{ CALL(20, "s3_list_connections", "{\"x\":1}"), "InvalidArgument: "
	    "unknown argument \\\"x\\\"; s3_list_connections takes no "
	    "arguments", NULL },
	{ CALL(21, "s3_list_objects", "{\"bucket\":\"abc\",\"prefix\":null}"),
	    "NetworkError", NULL },
	{ NULL, NULL, NULL }
};

static const struct exchange readonly[] = {
	{ INIT("2025-11-25"), "\"protocolVersion\"", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
	    "\"name\":\"s3_presign_url\"", "s3_put_object" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
	    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":true}}",
	    "s3_delete_object" },
	{ CALL(4, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"x\"}"), "ReadOnly: s3_put_object changes the "
	    "bucket", NULL },
	{ CALL(5, "s3_delete_object", "{\"bucket\":\"abc\",\"key\":\"k\"}"),
	    "ReadOnly: s3_delete_object", NULL },
	{ CALL(6, "s3_copy_object", "{\"source_bucket\":\"abc\","
	    "\"source_key\":\"k\",\"dest_bucket\":\"abc\",\"dest_key\":\"j\"}"),
	    "ReadOnly: s3_copy_object", NULL },
	{ CALL(7, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"method\":\"pUt\"}"), "ReadOnly: a presigned PUT URL", NULL },
	{ CALL(8, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"a b/c\","
	    "\"method\":\"get\",\"expires_in\":60}"),
	    "\"url\":\"http://127.0.0.1:1/abc/a%20b/c?X-Amz-Algorithm="
	    "AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F", "SECRETMARKER" },
	{ CALL(9, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"method\":\"POST\"}"), "InvalidArgument: method must be GET "
	    "or PUT", NULL },
	{ CALL(10, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"expires_in\":604801}"), "InvalidArgument: expires_in", NULL },
	{ CALL(11, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"expires_in\":0}"), "InvalidArgument: expires_in", NULL },
	{ NULL, NULL, NULL }
};

static const char *env_writes[] = {
	"S3_ENDPOINT=http://127.0.0.1:1", "AWS_ACCESS_KEY_ID=AKIDTEST",
	"AWS_SECRET_ACCESS_KEY=SECRETMARKER", "MCP_S3_EXT_READONLY=false",
	"MCP_S3_MAX_PUT_SIZE=4", "MCP_S3_DENIED_PREFIXES=secret/,s3://abc/priv/",
	"S3_PRESIGN_ENDPOINT=https://public.example:9000", NULL
};

static const struct exchange writes[] = {
	{ INIT("2025-11-25"), "\"protocolVersion\"", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
	    "\"name\":\"s3_put_object\"", NULL },
	{ CALL(3, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"12345\"}"), "SizeLimit: the content has 5 bytes",
	    NULL },
	{ CALL(4, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"MTIzNDU=\",\"is_base64\":true}"),
	    "SizeLimit: the content has 5 bytes", NULL },
	{ CALL(5, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"MTI-NDU=\",\"is_base64\":true}"),
	    "InvalidArgument: content is not valid base64", NULL },
	{ CALL(6, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"1\",\"metadata\":{\"a b\":\"x\"}}"),
	    "InvalidArgument: metadata names", NULL },
	{ CALL(7, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"k\","
	    "\"content\":\"1\",\"metadata\":{\"a\":\"\u00e9\"}}"),
	    "InvalidArgument: metadata values", NULL },
	{ CALL(8, "s3_put_object", "{\"bucket\":\"abc\",\"key\":\"secret/k\","
	    "\"content\":\"1\"}"), "PolicyDenied: s3://abc/secret/k is "
	    "refused by the access rules", NULL },
	{ CALL(9, "s3_copy_object", "{\"source_bucket\":\"abc\","
	    "\"source_key\":\"ok\",\"dest_bucket\":\"abc\","
	    "\"dest_key\":\"priv/x\"}"), "PolicyDenied: s3://abc/priv/x", NULL },
	{ CALL(10, "s3_copy_object", "{\"source_bucket\":\"abc\","
	    "\"source_key\":\"secret/x\",\"dest_bucket\":\"abc\","
	    "\"dest_key\":\"ok\"}"), "PolicyDenied: s3://abc/secret/x", NULL },
	{ CALL(11, "s3_presign_url", "{\"bucket\":\"abc\",\"key\":\"secret/"
	    "x\"}"), "PolicyDenied", NULL },
	{ CALL(12, "s3_get_object", "{\"bucket\":\"abc\",\"key\":\"a/../"
	    "secret/x\"}"), "PolicyDenied", NULL },
	{ CALL(13, "s3_list_objects", "{\"bucket\":\"abc\",\"prefix\":"
	    "\"secret/sub\"}"), "PolicyDenied", NULL },
	{ CALL(14, "s3_presign_url", "{\"bucket\":\"other\",\"key\":\"priv/x\","
	    "\"method\":\"PUT\"}"), "\"url\":\"https://public.example:9000/"
	    "other/priv/x?X-Amz-Algorithm=", "SECRETMARKER" },
	{ CALL(15, "s3_get_object_metadata", "{\"bucket\":\"abc\",\"key\":"
	    "\"priv/y\"}"), "PolicyDenied", NULL },
	{ NULL, NULL, NULL }
};

static const char *env_nocreds[] = { "S3_ENDPOINT=http://127.0.0.1:1", NULL };

static const struct exchange nocreds[] = {
	{ INIT("2024-11-05"), "\"protocolVersion\":\"2024-11-05\"", NULL },
	{ CALL(2, "s3_list_buckets", "{}"), "NoCredentials: no credentials",
	    NULL },
	{ NULL, NULL, NULL }
};

int
main(void)
{
	check("lifecycle", lifecycle, env_creds);
	check("framing", framing, env_creds);
	check("batches", batches, env_creds);
	check("calls", calls, env_creds);
	check("nocreds", nocreds, env_nocreds);
	check("readonly", readonly, env_creds);
	check("writes", writes, env_writes);
	return unit_done("test_mcp");
}
