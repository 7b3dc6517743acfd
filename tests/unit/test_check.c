/*
 * test_check.c - the output of `mcp-s3 check`: the table (column widths
 * in characters, the error line under a failed row, the closing count by
 * connection), the JSON object, and check_safe_copy.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jsonw.h"
#include "unit.h"

#define OK(n, c)	{ (n), "us-east-1", "http://127.0.0.1:9000", "path", \
	"environment", (c), NULL, 1, 12, NULL, NULL }

static void
test_table_all_ok(void)
{
	static const struct check_row rows[] = {
		OK("default", "ListBuckets"),
		OK("backup", "ListBuckets"),
	};
	static const char want[] =
	    "CONNECTION  REGION     ENDPOINT               ADDRESSING  "
	    "CREDENTIALS  CHECK        RESULT  MS\n"
	    "default     us-east-1  http://127.0.0.1:9000  path        "
	    "environment  ListBuckets  ok      12\n"
	    "backup      us-east-1  http://127.0.0.1:9000  path        "
	    "environment  ListBuckets  ok      12\n"
	    "2 connections passed\n";
	struct buf b;

	buf_init(&b, 0);
	CHECK(check_table(&b, rows, 2) == 0);
	CHECKF(b.p != NULL && strcmp(b.p, want) == 0, b.p ? b.p : "null");
	buf_free(&b);
}

static void
test_table_failures(void)
{
	static const struct check_row rows[] = {
		{ "caf\xc3\xa9", "eu-west-1", "https://s3.eu-west-1.amazonaws.com",
		    "virtual-hosted", "profile:dev", "HeadBucket", "logs", 1, 7,
		    NULL, NULL },
		{ "caf\xc3\xa9", "eu-west-1", "https://s3.eu-west-1.amazonaws.com",
		    "virtual-hosted", "profile:dev", "HeadBucket", "gone", 0, 1234,
		    "NoSuchBucket", "The specified bucket does not exist. "
		    "(HTTP 404, bucket gone)" },
		{ "down", "us-east-1", "http://127.0.0.1:1", "path", "none",
		    "HeadBucket", "logs", 0, 0, "NetworkError",
		    "connection refused (endpoint http://127.0.0.1:1)" },
		{ "down", "us-east-1", "http://127.0.0.1:1", "path", "none",
		    "HeadBucket", "gone", 0, 0, "Skipped",
		    "not tried: the connection failed above" },
	};
	static const char want[] =
	    "CONNECTION  REGION     ENDPOINT                            "
	    "ADDRESSING      CREDENTIALS  CHECK            RESULT  MS\n"
	    "caf\xc3\xa9        eu-west-1  https://s3.eu-west-1.amazonaws.com  "
	    "virtual-hosted  profile:dev  HeadBucket logs  ok      7\n"
	    "caf\xc3\xa9        eu-west-1  https://s3.eu-west-1.amazonaws.com  "
	    "virtual-hosted  profile:dev  HeadBucket gone  FAILED  1234\n"
	    "  NoSuchBucket: The specified bucket does not exist. "
	    "(HTTP 404, bucket gone)\n"
	    "down        us-east-1  http://127.0.0.1:1                  "
	    "path            none         HeadBucket logs  FAILED  0\n"
	    "  NetworkError: connection refused (endpoint "
	    "http://127.0.0.1:1)\n"
	    "down        us-east-1  http://127.0.0.1:1                  "
	    "path            none         HeadBucket gone  FAILED  0\n"
	    "  Skipped: not tried: the connection failed above\n"
	    "2 of 2 connections failed\n";
	struct buf b;

	buf_init(&b, 0);
	CHECK(check_table(&b, rows, 4) == 0);
	CHECKF(b.p != NULL && strcmp(b.p, want) == 0, b.p ? b.p : "null");
	buf_free(&b);

	/* One of two connections failed; one row alone. */
	buf_init(&b, 0);
	CHECK(check_table(&b, rows + 1, 2) == 0);
	CHECK(b.p != NULL && strstr(b.p, "\n2 of 2 connections failed\n"));
	buf_reset(&b);
	CHECK(check_table(&b, rows, 1) == 0);
	CHECK(b.p != NULL && strstr(b.p, "\n1 connection passed\n"));
	buf_reset(&b);
	CHECK(check_table(&b, rows + 1, 1) == 0);
	CHECK(b.p != NULL && strstr(b.p, "\n1 of 1 connection failed\n"));
	buf_free(&b);

	/* No rows: a header and a count, nothing else. */
	buf_init(&b, 0);
	CHECK(check_table(&b, rows, 0) == 0);
	CHECK(b.p != NULL && strstr(b.p, "0 connections passed\n") != NULL);
	buf_free(&b);
}

static void
test_json(void)
{
	static const struct check_row rows[] = {
		OK("default", "ListBuckets"),
		{ "b", "r", "e", "path", "connection", "HeadBucket", "x", 1, 3,
		    NULL, NULL },
		{ "b", "r", "e", "path", "connection", "HeadBucket", "y", 0, 4,
		    "AccessDenied", "Access \"denied\"." },
	};
	static const char want[] =
	    "{\"ok\":false,\"passed\":1,\"failed\":1,\"connections\":["
	    "{\"name\":\"default\",\"region\":\"us-east-1\",\"endpoint\":"
	    "\"http://127.0.0.1:9000\",\"addressing\":\"path\","
	    "\"credentials\":\"environment\",\"ok\":true,\"ms\":12,"
	    "\"checks\":[{\"call\":\"ListBuckets\",\"ok\":true,\"ms\":12}]},"
	    "{\"name\":\"b\",\"region\":\"r\",\"endpoint\":\"e\","
	    "\"addressing\":\"path\",\"credentials\":\"connection\","
	    "\"ok\":false,\"ms\":7,\"checks\":["
	    "{\"call\":\"HeadBucket\",\"bucket\":\"x\",\"ok\":true,\"ms\":3},"
	    "{\"call\":\"HeadBucket\",\"bucket\":\"y\",\"ok\":false,\"ms\":4,"
	    "\"code\":\"AccessDenied\",\"message\":\"Access \\\"denied\\\".\"}"
	    "]}]}\n";
	struct buf b;

	buf_init(&b, 0);
	CHECK(check_json(&b, rows, 3) == 0);
	CHECKF(b.p != NULL && strcmp(b.p, want) == 0, b.p ? b.p : "null");
	buf_reset(&b);
	CHECK(check_json(&b, rows, 1) == 0);
	CHECK(b.p != NULL && strncmp(b.p, "{\"ok\":true,\"passed\":1,"
	    "\"failed\":0,", 30) == 0);
	buf_free(&b);
}

struct scase {
	const char	*in;
	size_t		 n;
	size_t		 cap;
	const char	*out;
};

#define SC(s, cap, o)	{ (s), sizeof(s) - 1, (cap), (o) }

static const struct scase scases[] = {
	SC("plain", 64, "plain"),
	SC("a\nb\rc\td\x7f" "e", 64, "a b c d e"),
	SC("\x1b[31mred", 64, " [31mred"),
	SC("caf\xc3\xa9", 64, "caf\xc3\xa9"),
	SC("bad\xff\xc3\xa9", 64, "bad???"),
	SC("caf\xc3\xa9", 5, "caf"),		/* no half character */
	SC("caf\xc3\xa9", 6, "caf\xc3\xa9"),
	SC("abcdef", 4, "abc"),
	SC("abc", 1, ""),
	SC("", 8, ""),
};

static void
test_safe_copy(void)
{
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		memset(out, 'Z', sizeof(out));
		check_safe_copy(out, scases[i].cap, scases[i].in, scases[i].n);
		CHECKF(strcmp(out, scases[i].out) == 0, scases[i].out);
	}
	check_safe_copy(out, sizeof(out), NULL, 5);
	CHECK(out[0] == '\0');
}

int
main(void)
{
	test_table_all_ok();
	test_table_failures();
	test_json();
	test_safe_copy();
	return unit_done("test_check");
}
