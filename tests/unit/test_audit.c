/*
 * test_audit.c - audit lines: every field, omission, ids, non-UTF-8 and
 * control characters, truncation at N and N+1, timestamps; the log line;
 * the file: mode 0600, appends, refusals, one write() per record under
 * concurrent appenders, and write errors reported.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "limits.h"
#include "unit.h"

#define NOW	INT64_C(1795428000123)	/* 2026-11-23T10:00:00.123Z */
#define TS	"{\"timestamp\":\"2026-11-23T10:00:00.123Z\""
#define LOG	"{\"level\":"
#define CALL	",\"msg\":\"tool call\""

static struct json_tok	toks[256];

/* One line: valid JSON by the strict reader, '\n' once, at the end. */
static int
line_ok(const char *p, size_t n)
{
	struct json	 j;

	if (n == 0 || p[n - 1] != '\n' || memchr(p, '\n', n - 1) != NULL)
		return 0;
	return json_parse(&j, p, n - 1, toks, 256) > 0;
}

static struct slice
sl(const char *s)
{
	return slice_cstr(s);
}

struct frow {
	const char		*label;
	struct audit_record	 r;
	const char		*want;	/* without TS and without "}\n" */
};

#define SN(s)	{ (s), sizeof(s) - 1 }

static const struct frow frows[] = {
	{ "empty", { .flags = 0 }, "" },
	{ "tool", { .tool = SN("s3_get_object") },
	    ",\"tool\":\"s3_get_object\"" },
	{ "connection", { .connection = SN("default") },
	    ",\"connection\":\"default\"" },
	{ "bucket", { .bucket = SN("logs") }, ",\"bucket\":\"logs\"" },
	{ "key", { .key = SN("a/b.txt") }, ",\"key\":\"a/b.txt\"" },
	{ "dest", { .dest_bucket = SN("b2"), .dest_key = SN("c") },
	    ",\"dest_bucket\":\"b2\",\"dest_key\":\"c\"" },
	{ "empty key", { .key = { "", 0 } }, ",\"key\":\"\"" },
	{ "ok", { .status = AUDIT_STATUS_OK }, ",\"status\":\"ok\"" },
	{ "error", { .status = AUDIT_STATUS_ERROR }, ",\"status\":\"error\"" },
	{ "denied", { .status = AUDIT_STATUS_DENIED },
	    ",\"status\":\"denied\"" },
	{ "invalid", { .status = AUDIT_STATUS_INVALID },
	    ",\"status\":\"invalid\"" },
	{ "bad status", { .status = (enum audit_status)99 }, "" },
	{ "allow", { .decision = AUDIT_DECISION_ALLOW },
	    ",\"decision\":\"allow\"" },
	{ "deny", { .decision = AUDIT_DECISION_DENY },
	    ",\"decision\":\"deny\"" },
	{ "rule", { .rule = "read-logs" }, ",\"rule\":\"read-logs\"" },
	{ "error code", { .error = "NoSuchKey" }, ",\"error\":\"NoSuchKey\"" },
	{ "id number", { .request_id = SN("7") }, ",\"request_id\":7" },
	{ "id negative float", { .request_id = SN("-1.5e+3") },
	    ",\"request_id\":\"-1.5e+3\"" },
	{ "id 1e999 as text", { .request_id = SN("1e999") },
	    ",\"request_id\":\"1e999\"" },
	{ "id 15 digits", { .request_id = SN("-123456789012345") },
	    ",\"request_id\":-123456789012345" },
	{ "id 16 digits as text", { .request_id = SN("1234567890123456") },
	    ",\"request_id\":\"1234567890123456\"" },
	{ "id string", { .request_id = SN("\"abc\"") },
	    ",\"request_id\":\"abc\"" },
	{ "id string escapes", { .request_id = SN("\"a\\\"\\u00e9\\n\"") },
	    ",\"request_id\":\"a\\\"\\u00e9\\n\"" },
	{ "id null", { .request_id = SN("null") }, ",\"request_id\":null" },
	{ "id object", { .request_id = SN("{}") },
	    ",\"request_id_hex\":\"7b7d\"" },
	{ "id leading zero", { .request_id = SN("01") },
	    ",\"request_id_hex\":\"3031\"" },
	{ "id true", { .request_id = SN("true") },
	    ",\"request_id_hex\":\"74727565\"" },
	{ "id open string", { .request_id = SN("\"a") },
	    ",\"request_id_hex\":\"2261\"" },
	{ "id quote inside", { .request_id = SN("\"a\"b\"") },
	    ",\"request_id_hex\":\"2261226222\"" },
	{ "id bad escape", { .request_id = SN("\"\\x\"") },
	    ",\"request_id_hex\":\"225c7822\"" },
	{ "id short \\u", { .request_id = SN("\"\\u12\"") },
	    ",\"request_id_hex\":\"225c75313222\"" },
	{ "id raw newline", { .request_id = SN("\"\n\"") },
	    ",\"request_id_hex\":\"220a22\"" },
	{ "id empty", { .request_id = { "", 0 } }, ",\"request_id_hex\":\"\"" },
	{ "id bare dot", { .request_id = SN("1.") },
	    ",\"request_id_hex\":\"312e\"" },
	{ "s3 request id", { .s3_request_id = SN("4442587FB7D0A2F9") },
	    ",\"s3_request_id\":\"4442587FB7D0A2F9\"" },
	{ "bytes", { .bytes = 1234, .flags = AUDIT_F_BYTES },
	    ",\"bytes\":1234" },
	{ "bytes 0", { .flags = AUDIT_F_BYTES }, ",\"bytes\":0" },
	{ "bytes unset", { .bytes = 99 }, "" },
	{ "bytes max", { .bytes = UINT64_MAX, .flags = AUDIT_F_BYTES },
	    ",\"bytes\":18446744073709551615" },
	{ "content_bytes", { .content_bytes = 5,
	    .flags = AUDIT_F_CONTENT_BYTES }, ",\"content_bytes\":5" },
	{ "duration", { .duration_ms = 42, .flags = AUDIT_F_DURATION },
	    ",\"duration_ms\":42" },
	{ "duration 0", { .flags = AUDIT_F_DURATION }, ",\"duration_ms\":0" },
	{ "duration unset", { .duration_ms = 42 }, "" },
	{ "non-UTF-8 key", { .key = SN("foo\xff") },
	    ",\"key_hex\":\"666f6fff\"" },
	{ "overlong", { .key = SN("\xc0\xaf") }, ",\"key_hex\":\"c0af\"" },
	{ "surrogate", { .bucket = SN("\xed\xa0\x80") },
	    ",\"bucket_hex\":\"eda080\"" },
	{ "non-UTF-8 tool", { .tool = SN("\x80") }, ",\"tool_hex\":\"80\"" },
	{ "non-UTF-8 dest", { .dest_key = SN("\xfe") },
	    ",\"dest_key_hex\":\"fe\"" },
	{ "non-UTF-8 rule", { .rule = "r\xff" }, ",\"rule_hex\":\"72ff\"" },
	{ "controls", { .key = SN("a\nb\t\x01\x1f\x7f\"\\") },
	    ",\"key\":\"a\\nb\\t\\u0001\\u001f\x7f\\\"\\\\\"" },
	{ "NUL in key", { .key = SN("a\0b") }, ",\"key\":\"a\\u0000b\"" },
	{ "U+2028", { .key = SN("\xe2\x80\xa8") }, ",\"key\":\"\\u2028\"" },
	{ "UTF-8 key", { .key = SN("caf\xc3\xa9/\xf0\x9f\x98\x80") },
	    ",\"key\":\"caf\xc3\xa9/\xf0\x9f\x98\x80\"" },
	{ "full", {
	    .tool = SN("s3_copy_object"), .connection = SN("default"),
	    .bucket = SN("src"), .key = SN("a"), .dest_bucket = SN("dst"),
	    .dest_key = SN("b"), .status = AUDIT_STATUS_DENIED,
	    .decision = AUDIT_DECISION_DENY, .rule = "no-dst",
	    .error = "PolicyDenied", .request_id = SN("\"req-1\""),
	    .s3_request_id = SN("X1"), .bytes = 1, .content_bytes = 2,
	    .duration_ms = 3, .flags = AUDIT_F_BYTES | AUDIT_F_CONTENT_BYTES |
	    AUDIT_F_DURATION },
	    ",\"tool\":\"s3_copy_object\",\"connection\":\"default\","
	    "\"bucket\":\"src\",\"key\":\"a\",\"dest_bucket\":\"dst\","
	    "\"dest_key\":\"b\",\"status\":\"denied\",\"decision\":\"deny\","
	    "\"rule\":\"no-dst\",\"error\":\"PolicyDenied\","
	    "\"request_id\":\"req-1\",\"s3_request_id\":\"X1\",\"bytes\":1,"
	    "\"content_bytes\":2,\"duration_ms\":3" },
};

static void
test_format_rows(void)
{
	struct buf	 b, want;
	size_t		 i;
	int		 rc;

	buf_init(&b, 0);
	buf_init(&want, 0);
	for (i = 0; i < sizeof(frows) / sizeof(frows[0]); i++) {
		buf_reset(&b);
		buf_reset(&want);
		buf_adds(&want, TS);
		buf_adds(&want, frows[i].want);
		buf_adds(&want, "}\n");
		rc = audit_format(&b, &frows[i].r, NOW);
		CHECKF(rc == 0, frows[i].label);
		CHECKF(b.n == want.n && memcmp(b.p, want.p, b.n) == 0,
		    frows[i].label);
		if (b.n != want.n || memcmp(b.p, want.p, b.n) != 0)
			fprintf(stderr, "  got  %s  want %s", b.p, want.p);
		CHECKF(line_ok(b.p, b.n), frows[i].label);
	}
	buf_free(&b);
	buf_free(&want);
}

struct trow {
	int64_t		 ms;
	const char	*ts;
};

static const struct trow trows[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 5, "1970-01-01T00:00:00.005Z" },
	{ 999, "1970-01-01T00:00:00.999Z" },
	{ 1000, "1970-01-01T00:00:01.000Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
	{ NOW, "2026-11-23T10:00:00.123Z" },
	{ INT64_C(951782400050), "2000-02-29T00:00:00.050Z" },
	{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
};

static void
test_timestamps(void)
{
	struct audit_record	 r;
	struct buf		 b;
	char			 want[64];
	size_t			 i;

	memset(&r, 0, sizeof(r));
	buf_init(&b, 0);
	for (i = 0; i < sizeof(trows) / sizeof(trows[0]); i++) {
		buf_reset(&b);
		snprintf(want, sizeof(want), "{\"timestamp\":\"%s\"}\n",
		    trows[i].ts);
		CHECKF(audit_format(&b, &r, trows[i].ms) == 0, trows[i].ts);
		CHECKF(strcmp(b.p, want) == 0, trows[i].ts);
	}
	buf_free(&b);
}

/* Keys at S3's limit, at the field limit N and N+1, and past it. */
static void
test_long_fields(void)
{
	struct audit_record	 r;
	struct buf		 b, want;
	char			*k;
	size_t			 n = AUDIT_MAX_FIELD_BYTES + 10;

	k = malloc(n);
	memset(k, 'a', n);
	buf_init(&b, 0);
	buf_init(&want, 0);
	memset(&r, 0, sizeof(r));

	/* 1,024 bytes: S3's own limit, written whole. */
	r.key.p = k;
	r.key.n = S3_MAX_KEY_BYTES;
	CHECK(audit_format(&b, &r, NOW) == 0);
	buf_adds(&want, TS ",\"key\":\"");
	buf_add(&want, k, S3_MAX_KEY_BYTES);
	buf_adds(&want, "\"}\n");
	CHECK(b.n == want.n && memcmp(b.p, want.p, b.n) == 0);
	CHECK(line_ok(b.p, b.n));

	/* N bytes: whole, no _truncated. */
	buf_reset(&b);
	r.key.n = AUDIT_MAX_FIELD_BYTES;
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(strstr(b.p, "key_truncated") == NULL);
	CHECK(b.n == strlen(TS ",\"key\":\"\"}\n") + AUDIT_MAX_FIELD_BYTES);

	/* N + 1 bytes: cut to N, the length said. */
	buf_reset(&b);
	r.key.n = AUDIT_MAX_FIELD_BYTES + 1;
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(strstr(b.p, ",\"key_truncated\":2049}\n") != NULL);
	CHECK(b.n == strlen(TS ",\"key\":\"\",\"key_truncated\":2049}\n") +
	    AUDIT_MAX_FIELD_BYTES);
	CHECK(line_ok(b.p, b.n));

	/* A two-byte character across the cut: cut before it. */
	buf_reset(&b);
	k[AUDIT_MAX_FIELD_BYTES - 1] = '\xc3';
	k[AUDIT_MAX_FIELD_BYTES] = '\xa9';
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(strstr(b.p, "a\",\"key_truncated\":2049}\n") != NULL);
	CHECK(b.n == strlen(TS ",\"key\":\"\",\"key_truncated\":2049}\n") +
	    AUDIT_MAX_FIELD_BYTES - 1);
	CHECK(line_ok(b.p, b.n));

	/* Not UTF-8 and too long: hex of the first N bytes. */
	buf_reset(&b);
	k[0] = '\xff';
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(strncmp(b.p, TS ",\"key_hex\":\"ff6161", strlen(TS) + 18) == 0);
	CHECK(strstr(b.p, "\",\"key_truncated\":2049}\n") != NULL);
	CHECK(b.n == strlen(TS ",\"key_hex\":\"\",\"key_truncated\":2049}\n") +
	    2 * AUDIT_MAX_FIELD_BYTES);
	CHECK(line_ok(b.p, b.n));

	/* A huge id (a hostile client's) still gives a bounded record. */
	buf_reset(&b);
	memset(&r, 0, sizeof(r));
	memset(k, '1', n);
	r.request_id.p = k;
	r.request_id.n = n;
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(strstr(b.p, "\"request_id_hex\":\"313131") != NULL);
	CHECK(strstr(b.p, ",\"request_id_truncated\":2058}\n") != NULL);
	CHECK(line_ok(b.p, b.n));

	/* The worst case: every string field at the limit, all escaped. */
	buf_reset(&b);
	memset(k, '\x01', n);
	r.tool.p = r.connection.p = r.bucket.p = r.key.p = k;
	r.dest_bucket.p = r.dest_key.p = r.s3_request_id.p = k;
	r.tool.n = r.connection.n = r.bucket.n = r.key.n = n;
	r.dest_bucket.n = r.dest_key.n = r.s3_request_id.n = n;
	k[n - 1] = '\0';
	r.rule = r.error = k;
	buf_free(&b);
	buf_init(&b, AUDIT_MAX_LINE_BYTES);
	CHECK(audit_format(&b, &r, NOW) == 0);
	/* Nine escaped six bytes a byte, the id (still set) as hex. */
	CHECK(b.n > 9 * 6 * AUDIT_MAX_FIELD_BYTES + 2 * AUDIT_MAX_FIELD_BYTES);
	CHECK(b.n < AUDIT_MAX_LINE_BYTES);
	CHECK(line_ok(b.p, b.n));

	free(k);
	buf_free(&b);
	buf_free(&want);
}

/* The buffer's limit: an error, and the buffer as it was. */
static void
test_limit(void)
{
	struct audit_record	 r;
	struct buf		 b;
	size_t			 need;

	memset(&r, 0, sizeof(r));
	r.key = sl("abc");
	need = strlen(TS ",\"key\":\"abc\"}\n");

	buf_init(&b, 0);
	buf_adds(&b, "x");
	CHECK(audit_format(&b, &r, NOW) == 0);
	CHECK(b.n == 1 + need && b.p[0] == 'x');
	buf_free(&b);

	buf_init(&b, 1 + need);
	buf_adds(&b, "x");
	CHECK(audit_format(&b, &r, NOW) == 0);
	buf_free(&b);

	buf_init(&b, need);		/* one byte short: the '\n' */
	buf_adds(&b, "x");
	CHECK(audit_format(&b, &r, NOW) == AUDIT_ELIMIT);
	CHECK(b.n == 1 && strcmp(b.p, "x") == 0);
	buf_free(&b);

	buf_init(&b, 10);
	CHECK(audit_format(&b, &r, NOW) == AUDIT_ELIMIT);
	CHECK(b.n == 0);
	buf_free(&b);

	CHECK(audit_format(NULL, &r, NOW) == AUDIT_EINVAL);
	buf_init(&b, 0);
	CHECK(audit_format(&b, NULL, NOW) == AUDIT_EINVAL);
	buf_free(&b);
}

struct lrow {
	const char		*label;
	struct audit_record	 r;
	const char		*want;
};

static const struct lrow lrows[] = {
	{ "empty", { .flags = 0 },
	    "{\"level\":\"info\",\"msg\":\"tool call\"}\n" },
	{ "ok", { .tool = SN("s3_get_object"), .status = AUDIT_STATUS_OK,
	    .duration_ms = 42, .flags = AUDIT_F_DURATION,
	    .key = SN("secret-looking-key"), .bytes = 9 },
	    LOG "\"info\"" CALL ",\"tool\":\"s3_get_object\","
	    "\"status\":\"ok\",\"duration_ms\":42}\n" },
	{ "denied", { .tool = SN("s3_put_object"),
	    .status = AUDIT_STATUS_DENIED, .error = "ReadOnly" },
	    LOG "\"warn\"" CALL ",\"tool\":\"s3_put_object\","
	    "\"status\":\"denied\",\"error\":\"ReadOnly\"}\n" },
	{ "invalid", { .tool = SN("nope\xff"), .status = AUDIT_STATUS_INVALID,
	    .error = "InvalidArgument" },
	    LOG "\"warn\"" CALL ",\"tool_hex\":\"6e6f7065ff\","
	    "\"status\":\"invalid\",\"error\":\"InvalidArgument\"}\n" },
	{ "error", { .tool = SN("s3_get_object"), .status = AUDIT_STATUS_ERROR,
	    .error = "NoSuchKey", .duration_ms = 7, .flags = AUDIT_F_DURATION },
	    LOG "\"error\"" CALL ",\"tool\":\"s3_get_object\","
	    "\"status\":\"error\",\"duration_ms\":7,"
	    "\"error\":\"NoSuchKey\"}\n" },
};

static ssize_t
read_all(int fd, char *p, size_t cap)
{
	size_t	 n = 0;
	ssize_t	 r;

	while (n < cap && (r = read(fd, p + n, cap - n)) > 0)
		n += (size_t)r;
	return (ssize_t)n;
}

static void
test_log_line(void)
{
	struct buf	 b;
	char		 got[512];
	size_t		 i;
	ssize_t		 n;
	int		 p[2];

	buf_init(&b, 0);
	for (i = 0; i < sizeof(lrows) / sizeof(lrows[0]); i++) {
		buf_reset(&b);
		CHECKF(audit_format_log_line(&b, &lrows[i].r) == 0,
		    lrows[i].label);
		CHECKF(strcmp(b.p, lrows[i].want) == 0, lrows[i].label);
		if (strcmp(b.p, lrows[i].want) != 0)
			fprintf(stderr, "  got  %s  want %s", b.p,
			    lrows[i].want);
		CHECKF(line_ok(b.p, b.n), lrows[i].label);

		/* The same bytes through a descriptor. */
		if (pipe(p) != 0) {
			CHECK(0);
			break;
		}
		CHECKF(audit_log_line(p[1], &lrows[i].r) == 0, lrows[i].label);
		close(p[1]);
		n = read_all(p[0], got, sizeof(got) - 1);
		close(p[0]);
		got[n < 0 ? 0 : n] = '\0';
		CHECKF(strcmp(got, lrows[i].want) == 0, lrows[i].label);
	}
	buf_free(&b);
	CHECK(audit_log_line(1, NULL) == AUDIT_EINVAL);
	CHECK(audit_log_line(-1, &lrows[0].r) == AUDIT_EWRITE);
}

static char	 dir[64];

static void
path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static char *
slurp(const char *path, size_t *n)
{
	struct stat	 st;
	char		*p;
	int		 fd;
	ssize_t		 r;

	*n = 0;
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (p = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		close(fd);
		return NULL;
	}
	r = read_all(fd, p, (size_t)st.st_size);
	close(fd);
	*n = r < 0 ? 0 : (size_t)r;
	p[*n] = '\0';
	return p;
}

static void
test_file_create_append(void)
{
	struct audit_record	 r;
	struct audit		*a = NULL;
	struct stat		 st;
	char			 path[128], err[256], *s, *nl;
	size_t			 n;

	path_in(path, sizeof(path), "audit.log");
	memset(&r, 0, sizeof(r));
	r.tool = sl("s3_list_buckets");
	r.status = AUDIT_STATUS_OK;
	r.request_id = sl("1");

	CHECK(audit_open(&a, path, err, sizeof(err)) == 0 && a != NULL);
	CHECK(err[0] == '\0');
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0600);
	CHECK(audit_write(a, &r) == 0);
	audit_close(a);

	/* A second open appends; the mode it had stays. */
	r.request_id = sl("2");
	CHECK(audit_open(&a, path, err, sizeof(err)) == 0);
	CHECK(audit_write(a, &r) == 0);
	audit_close(a);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);

	s = slurp(path, &n);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	nl = memchr(s, '\n', n);
	CHECK(nl != NULL && line_ok(s, (size_t)(nl - s) + 1));
	CHECK(nl != NULL && line_ok(nl + 1, n - (size_t)(nl + 1 - s)));
	CHECK(strstr(s, ",\"tool\":\"s3_list_buckets\",\"status\":\"ok\","
	    "\"request_id\":1}\n{\"timestamp\":\"") != NULL);
	CHECK(n > 4 && strcmp(s + n - 16, "\"request_id\":2}\n") == 0);
	/* Stamped with the real clock: 20YY-MM-DDTHH:MM:SS.mmmZ. */
	CHECK(strncmp(s, "{\"timestamp\":\"20", 16) == 0 && s[24] == 'T' &&
	    s[33] == '.' && s[37] == 'Z' && s[38] == '"');
	free(s);

	/* Readable by others is accepted; writable is not. */
	CHECK(chmod(path, 0644) == 0);
	CHECK(audit_open(&a, path, err, sizeof(err)) == 0);
	audit_close(a);
}

struct rrow {
	const char	*label;
	mode_t		 mode;
	int		 ok;
};

static const struct rrow rrows[] = {
	{ "0600", 0600, 1 },
	{ "0400 (root may still write)", 0400, 1 },
	{ "0640", 0640, 1 },
	{ "0620 group-writable", 0620, 0 },
	{ "0602 world-writable", 0602, 0 },
	{ "0666", 0666, 0 },
	{ "0777", 0777, 0 },
};

static void
test_file_refused(void)
{
	struct audit	*a;
	char		 path[128], link[128], err[256], small[16];
	size_t		 i;
	int		 fd, rc;

	path_in(path, sizeof(path), "modes.log");
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	for (i = 0; i < sizeof(rrows) / sizeof(rrows[0]); i++) {
		if (geteuid() != 0 && (rrows[i].mode & 0200) == 0)
			continue;
		CHECKF(chmod(path, rrows[i].mode) == 0, rrows[i].label);
		a = (struct audit *)&rc;
		rc = audit_open(&a, path, err, sizeof(err));
		if (rrows[i].ok) {
			CHECKF(rc == 0 && a != NULL, rrows[i].label);
			audit_close(a);
		} else {
			CHECKF(rc == AUDIT_EREFUSED && a == NULL,
			    rrows[i].label);
			CHECKF(strstr(err, path) != NULL &&
			    strstr(err, "writable by group or others") != NULL,
			    rrows[i].label);
		}
	}
	CHECK(chmod(path, 0666) == 0);
	rc = audit_open(&a, path, err, sizeof(err));
	CHECK(strstr(err, "(mode 0666)") != NULL);

	/* The message is cut to the room given, and NUL-terminated. */
	memset(small, 'z', sizeof(small));
	CHECK(audit_open(&a, path, small, sizeof(small)) == AUDIT_EREFUSED);
	CHECK(strlen(small) == sizeof(small) - 1);
	CHECK(audit_open(&a, path, NULL, 0) == AUDIT_EREFUSED);
	CHECK(chmod(path, 0600) == 0);

	/* A directory. */
	rc = audit_open(&a, dir, err, sizeof(err));
	CHECK(rc == AUDIT_EREFUSED && a == NULL);
	CHECK(strstr(err, "directory") != NULL);

	/* A symbolic link, even to an acceptable file. */
	path_in(link, sizeof(link), "link.log");
	CHECK(symlink(path, link) == 0);
	rc = audit_open(&a, link, err, sizeof(err));
	CHECK(rc == AUDIT_EREFUSED && a == NULL);
	CHECK(strstr(err, "symbolic link") != NULL);

	/* A FIFO, refused without waiting for a reader. */
	path_in(link, sizeof(link), "fifo");
	CHECK(mkfifo(link, 0600) == 0);
	rc = audit_open(&a, link, err, sizeof(err));
	CHECK(rc == AUDIT_EREFUSED && a == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);

	/* A device. */
	rc = audit_open(&a, "/dev/null", err, sizeof(err));
	CHECK(rc == AUDIT_EREFUSED && a == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);

	/* Another user's file (only root can make one to test). */
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0);
		rc = audit_open(&a, path, err, sizeof(err));
		CHECK(rc == AUDIT_EREFUSED && a == NULL);
		CHECK(strstr(err, "owned by uid 65534") != NULL);
		CHECK(chown(path, 0, 0) == 0);
	}

	/* A directory that is not there. */
	path_in(link, sizeof(link), "no/such.log");
	rc = audit_open(&a, link, err, sizeof(err));
	CHECK(rc == AUDIT_EOPEN && a == NULL);
	CHECK(strstr(err, link) != NULL && strstr(err, "cannot open") != NULL);

	CHECK(audit_open(NULL, path, err, sizeof(err)) == AUDIT_EINVAL);
}

#define WRITERS		4
#define PER_WRITER	250

/*
 * Several processes append records of about 1 KiB through their own
 * opens: with one write() per record, every line comes out whole.
 */
static void
test_concurrent(void)
{
	struct audit_record	 r;
	struct audit		*a;
	char			 path[128], key[1000], id[32], *s, *p, *nl;
	int			 seen[WRITERS][PER_WRITER];
	size_t			 n, lines = 0, bad = 0;
	pid_t			 pid[WRITERS];
	int			 i, j, st, w, k;

	path_in(path, sizeof(path), "many.log");
	memset(key, 'k', sizeof(key));
	for (i = 0; i < WRITERS; i++) {
		if ((pid[i] = fork()) == 0) {
			if (audit_open(&a, path, NULL, 0) != 0)
				_exit(2);
			memset(&r, 0, sizeof(r));
			key[0] = (char)('0' + i);
			r.key.p = key;
			r.key.n = sizeof(key);
			r.tool = sl("s3_put_object");
			for (j = 0; j < PER_WRITER; j++) {
				snprintf(id, sizeof(id), "%d", i * 1000 + j);
				r.request_id = sl(id);
				if (audit_write(a, &r) != 0)
					_exit(3);
			}
			audit_close(a);
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++)
		CHECK(pid[i] > 0 && waitpid(pid[i], &st, 0) == pid[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0);

	memset(seen, 0, sizeof(seen));
	s = slurp(path, &n);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	for (p = s; p < s + n; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(s + n - p))) == NULL) {
			bad++;
			break;
		}
		lines++;
		if (!line_ok(p, (size_t)(nl - p) + 1) ||
		    (p = strstr(p, "\"request_id\":")) == NULL ||
		    sscanf(p, "\"request_id\":%d", &k) != 1) {
			bad++;
			continue;
		}
		w = k / 1000;
		if (w >= 0 && w < WRITERS && k % 1000 < PER_WRITER)
			seen[w][k % 1000]++;
	}
	CHECK(bad == 0);
	CHECK(lines == WRITERS * PER_WRITER);
	k = 0;
	for (i = 0; i < WRITERS; i++)
		for (j = 0; j < PER_WRITER; j++)
			k += seen[i][j] == 1;
	CHECK(k == WRITERS * PER_WRITER);
	free(s);
}

static void
test_write_errors(void)
{
	struct audit_record	 r;
	struct audit		*a;
	struct stat		 st;
	struct rlimit		 rl;
	char			 path[128], *s;
	size_t			 n;
	pid_t			 pid;
	int			 fd, status, rc;

	memset(&r, 0, sizeof(r));
	r.tool = sl("s3_get_object");
	r.key = sl("a key long enough to pass the size limit set below");

	/* /dev/full: ENOSPC, reported, errno kept. */
	fd = open("/dev/full", O_WRONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(audit_open_fd(&a, fd) == 0);
		errno = 0;
		CHECK(audit_write(a, &r) == AUDIT_EWRITE);
		CHECK(errno == ENOSPC);
		CHECK(audit_log_line(fd, &r) == AUDIT_EWRITE);
		audit_close(a);
		/* audit_close left the caller's descriptor open. */
		CHECK(fcntl(fd, F_GETFD) >= 0);
		close(fd);
	}

	/* A closed descriptor. */
	CHECK(audit_open_fd(&a, 1000) == 0);
	CHECK(audit_write(a, &r) == AUDIT_EWRITE && errno == EBADF);
	audit_close(a);
	CHECK(audit_open_fd(&a, -1) == AUDIT_EINVAL);

	/* A short write: the file size limit cuts the line. */
	path_in(path, sizeof(path), "short.log");
	pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = 40;
		rl.rlim_max = RLIM_INFINITY;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(9);
		if (audit_open(&a, path, NULL, 0) != 0)
			_exit(8);
		rc = audit_write(a, &r);
		audit_close(a);
		_exit(rc == AUDIT_ESHORT ? 0 : 7);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 40);
	s = slurp(path, &n);
	CHECK(s != NULL && n == 40 && strncmp(s, "{\"timestamp\":", 13) == 0);
	free(s);

	/* Appending after the damage still gives a whole line. */
	CHECK(audit_open(&a, path, NULL, 0) == 0);
	CHECK(audit_write(a, &r) == 0);
	audit_close(a);

	CHECK(audit_write(NULL, &r) == AUDIT_EINVAL);
}

/* NULL path: stderr, borrowed, never closed. */
static void
test_stderr(void)
{
	struct audit	*a = NULL;
	char		 err[64];

	CHECK(audit_open(&a, NULL, err, sizeof(err)) == 0 && a != NULL);
	CHECK(audit_write(a, NULL) == AUDIT_EINVAL);
	audit_close(a);
	CHECK(fcntl(2, F_GETFD) >= 0);
	audit_close(NULL);
}

static void
test_strerror(void)
{
	int	 e;

	for (e = 0; e >= AUDIT_ELIMIT - 1; e--)
		CHECK(audit_strerror(e) != NULL &&
		    audit_strerror(e)[0] != '\0');
	CHECK(strcmp(audit_strerror(AUDIT_EREFUSED),
	    "the audit file is unsafe to use") == 0);
}

/*
 * The sealed log.  Known answers for the key schedule were computed with
 * Python's hmac and hashlib: K0 = 00..1f, R = a0..af.
 */
static const uint8_t	 K0[AUDIT_KEY_BYTES] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
};
static const uint8_t	 RUN[AUDIT_RUN_BYTES] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf
};

static int
hex_is(const uint8_t *p, size_t n, const char *want)
{
	char	 h[2 * 64 + 1];

	hex_encode(h, p, n);
	return strcmp(h, want) == 0;
}

static void
test_key_schedule(void)
{
	uint8_t	 k[AUDIT_KEY_BYTES], old[AUDIT_KEY_BYTES];
	uint8_t	 mac[AUDIT_MAC_BYTES];

	audit_key_run(k, K0, RUN);
	CHECK(hex_is(k, sizeof(k), "5c38ab22b782272be7f8192217ff2a23"
	    "cfd3628b08ed8d582796cf0308031843"));
	memcpy(old, k, sizeof(k));
	audit_key_evolve(k);
	CHECK(hex_is(k, sizeof(k), "a8c2ee8f12070013cae73187ac60549b"
	    "56c9f77d832b0e3f2d8b061f9e34993e"));
	/* Evolution is in place: the buffer no longer holds K(R,0). */
	CHECK(memcmp(k, old, sizeof(k)) != 0);
	audit_mac(mac, k, "abc", 3);
	CHECK(hex_is(mac, sizeof(mac), "284cd5e336365d4e227bc649a815d26a"
	    "b54ec49457124dd1b9d76931769ac17b"));
}

#define MAXL	40	/* lines of a test log */
#define LINEB	2048

struct tlog {
	char	 l[MAXL][LINEB];	/* lines without '\n' */
	size_t	 n;
};

/* Splits a file's text into t; 0 if anything does not fit. */
static int
tlog_read(struct tlog *t, const char *path)
{
	char	*s, *p, *nl;
	size_t	 n;

	t->n = 0;
	if ((s = slurp(path, &n)) == NULL)
		return 0;
	for (p = s; p < s + n; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(s + n - p))) == NULL ||
		    t->n == MAXL || (size_t)(nl - p) >= LINEB) {
			free(s);
			return 0;
		}
		memcpy(t->l[t->n], p, (size_t)(nl - p));
		t->l[t->n++][nl - p] = '\0';
	}
	free(s);
	return 1;
}

/*
 * Writes lines [0, n) of t to path, then `part` bytes of line n (a cut
 * inside it), and runs audit_verify on the file.
 */
static int
tlog_verify(const struct tlog *t, size_t n, size_t part, char *msg,
    size_t cap)
{
	char	 path[128];
	size_t	 i;
	int	 fd, rc;

	path_in(path, sizeof(path), "tamper.log");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	for (i = 0; i < n && i < t->n; i++)
		if (write(fd, t->l[i], strlen(t->l[i])) < 0 ||
		    write(fd, "\n", 1) != 1)
			return -1;
	if (part > 0 && n < t->n && write(fd, t->l[n], part) < 0)
		return -1;
	close(fd);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	rc = audit_verify(fd, K0, msg, cap);
	close(fd);
	return rc;
}

/*
 * Re-links line i after line i - 1 and signs it with k, as an attacker
 * holding k would: prev is the 64 hex digits before ","mac", the mac the
 * last 64 before "}.  k moves on, as the attacker's copy would.
 */
static void
reforge(struct tlog *t, size_t i, uint8_t k[AUDIT_KEY_BYTES])
{
	uint8_t	 mac[AUDIT_MAC_BYTES];
	char	*l = t->l[i];
	size_t	 n = strlen(l);

	if (i > 0)
		memcpy(l + n - 139, t->l[i - 1] + strlen(t->l[i - 1]) - 66,
		    64);
	audit_mac(mac, k, l, n - 74);
	hex_encode(l + n - 66, mac, sizeof(mac));
	l[n - 2] = '"';
	audit_key_evolve(k);
}

/*
 * 11 lines: start (seq 0), records 1 2, seal 3 (count), records 4 5 6,
 * seal 7, records 8 9, seal 10 (shutdown).
 */
static int
make_sealed(const char *name, struct tlog *t, const uint8_t *run,
    uint64_t offset)
{
	struct audit_record	 r;
	struct audit		*a = NULL;
	char			 path[128], id[16];
	int			 fd, i, ok = 1;

	path_in(path, sizeof(path), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0)
		return 0;
	if (audit_open_fd_sealed(&a, fd, K0, run, offset, 3, 0) != 0) {
		close(fd);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.tool = sl("s3_get_object");
	r.bucket = sl("logs");
	r.status = AUDIT_STATUS_DENIED;
	r.decision = AUDIT_DECISION_DENY;
	r.error = "ReadOnly";
	for (i = 1; i <= 7; i++) {
		snprintf(id, sizeof(id), "%d", i);
		r.request_id = sl(id);
		r.key = sl(id);
		ok &= audit_write(a, &r) == 0;
	}
	audit_close(a);
	close(fd);
	return ok && tlog_read(t, path);
}

static struct tlog	 good, bad;

/* A tampering of the good log and what verify must say about it. */
enum top { T_NONE, T_EDIT, T_DELETE, T_SWAP, T_INSERT, T_CUT, T_CUTMID };

struct tamper {
	const char	*label;
	enum top	 op;
	size_t		 i, j;
	int		 rc;
	const char	*want;	/* the start of msg */
};

static const struct tamper tampers[] = {
	{ "intact", T_NONE, 0, 0, 0,
	    "ok: 11 records, 3 seals, last seal at seq 10 (shutdown" },
	{ "edited", T_EDIT, 4, 0, 1, "line 5 (seq 4): MAC mismatch" },
	{ "edited start", T_EDIT, 0, 0, 1, "line 1 (seq 0): MAC mismatch" },
	{ "edited seal", T_EDIT, 10, 0, 1, "line 11 (seq 10): MAC mismatch" },
	{ "deleted", T_DELETE, 5, 0, 1,
	    "line 6 (seq 6): sequence gap: seq 5..5 missing" },
	{ "deleted seal", T_DELETE, 3, 0, 1,
	    "line 4 (seq 4): sequence gap: seq 3..3 missing" },
	{ "deleted start", T_DELETE, 0, 0, 1,
	    "line 1 (seq 1): a record of run a0a1a2a3 whose start" },
	{ "swapped", T_SWAP, 4, 5, 1, "line 5 (seq 5): records out of order: "
	    "seq 4 was expected here and comes later, at line 6" },
	{ "swapped apart", T_SWAP, 1, 8, 1, "line 2 (seq 8): records out of "
	    "order: seq 1 was expected here and comes later, at line 9" },
	{ "inserted", T_INSERT, 4, 0, 1, "line 5 (seq 4): inserted record" },
	{ "cut at a record", T_CUT, 9, 0, 1, "unsealed tail: records 8..8 "
	    "after the last seal (seq 7), or the log was truncated" },
	{ "cut after start", T_CUT, 1, 0, 1, "unsealed tail: records 0..0" },
	{ "cut at a seal", T_CUT, 8, 0, 0, "ok: 8 records, 2 seals, last seal "
	    "at seq 7 (count" },
	{ "cut mid-line", T_CUTMID, 9, 40, 1,
	    "line 10: incomplete last line" },
	{ "cut to nothing", T_CUT, 0, 0, 1, "the log is empty" },
};

static void
test_sealed_tamper(void)
{
	const struct tamper	*t;
	uint8_t			 k[AUDIT_KEY_BYTES];
	char			 msg[512], tmp[LINEB], *p;
	size_t			 i, n, part;

	CHECK(make_sealed("sealed.log", &good, RUN, 0));
	CHECK(good.n == 11);
	if (good.n != 11)
		return;
	for (i = 0; i < good.n; i++)
		CHECKF(line_ok(tmp, (size_t)snprintf(tmp, sizeof(tmp), "%s\n",
		    good.l[i])), good.l[i]);
	CHECK(strstr(good.l[0], "\"event\":\"start\",\"offset\":0,"
	    "\"run\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"seq\":0,\"prev\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000"
	    "\",\"mac\":\"") != NULL);
	CHECK(strstr(good.l[3], "\"event\":\"seal\",\"reason\":\"count\","
	    "\"records\":3,") != NULL);
	CHECK(strstr(good.l[10], "\"reason\":\"shutdown\",\"records\":2,") !=
	    NULL);
	/* The existing fields come first, unchanged. */
	p = ",\"tool\":\"s3_get_object\",\"bucket\":\"logs\",\"key\":\"1\","
	    "\"status\":\"denied\",\"decision\":\"deny\",\"error\":\"ReadOnly\","
	    "\"request_id\":1,\"run\":";
	CHECK(strncmp(good.l[1], "{\"timestamp\":\"", 14) == 0 &&
	    strncmp(good.l[1] + 39, p, strlen(p)) == 0);

	for (t = tampers; t < tampers + sizeof(tampers) / sizeof(tampers[0]);
	    t++) {
		bad = good;
		n = bad.n;
		part = 0;
		switch (t->op) {
		case T_NONE:
			break;
		case T_EDIT:
			/* One field's value: a digit of the timestamp. */
			p = strstr(bad.l[t->i], "T");
			*(p + 1) = *(p + 1) == '1' ? '2' : '1';
			break;
		case T_DELETE:
			memmove(bad.l[t->i], bad.l[t->i + 1],
			    (bad.n - t->i - 1) * LINEB);
			n = --bad.n;
			break;
		case T_SWAP:
			memcpy(tmp, bad.l[t->i], LINEB);
			memcpy(bad.l[t->i], bad.l[t->j], LINEB);
			memcpy(bad.l[t->j], tmp, LINEB);
			break;
		case T_INSERT:
			/*
			 * A forged seq 4 before the real one, linked right and
			 * signed with the newest key the attacker could hold.
			 */
			memmove(bad.l[t->i + 1], bad.l[t->i],
			    (bad.n - t->i) * LINEB);
			n = ++bad.n;
			p = strstr(bad.l[t->i], "\"key\":\"");
			p[7] = 'X';
			audit_key_run(k, K0, RUN);
			for (i = 0; i < 10; i++)
				audit_key_evolve(k);
			reforge(&bad, t->i, k);
			break;
		case T_CUT:
			n = t->i;
			break;
		case T_CUTMID:
			n = t->i;
			part = t->j;
			break;
		}
		CHECKF(tlog_verify(&bad, n, part, msg, sizeof(msg)) == t->rc,
		    t->label);
		CHECKF(strncmp(msg, t->want, strlen(t->want)) == 0, t->label);
		if (strncmp(msg, t->want, strlen(t->want)) != 0)
			fprintf(stderr, "  got: %s\n", msg);
	}
}

/*
 * Forward security: whoever read K(R,n) from the running process cannot
 * rewrite record k < n, even re-chaining every record after it.
 */
static void
test_forward_secure(void)
{
	uint8_t	 k[AUDIT_KEY_BYTES];
	char	 msg[512], want[128], *p;
	size_t	 n, kk, i;

	for (n = 1; n <= 10; n++)
		for (kk = 0; kk < n; kk++) {
			bad = good;
			audit_key_run(k, K0, RUN);
			for (i = 0; i < n; i++)
				audit_key_evolve(k);
			p = strstr(bad.l[kk], "\"timestamp\":\"2") + 13;
			*p = '1';
			for (i = kk; i < bad.n; i++)
				reforge(&bad, i, k);
			CHECK(tlog_verify(&bad, bad.n, 0, msg,
			    sizeof(msg)) == 1);
			snprintf(want, sizeof(want), "line %zu (seq %zu): MAC "
			    "mismatch", kk + 1, kk);
			CHECKF(strncmp(msg, want, strlen(want)) == 0, msg);
		}
	/* The same rewrite with the true keys verifies: reforge is right. */
	bad = good;
	audit_key_run(k, K0, RUN);
	for (i = 0; i < bad.n; i++)
		reforge(&bad, i, k);
	CHECK(tlog_verify(&bad, bad.n, 0, msg, sizeof(msg)) == 0);
}

/*
 * Two runs in one file (the second with K0's first bytes as its run id);
 * deleting the first, or a line before the second.
 */
static void
test_runs(void)
{
	struct tlog	 two;
	char		 path[128], msg[512];
	struct stat	 st;
	size_t		 i;

	path_in(path, sizeof(path), "two.log");
	CHECK(make_sealed("two.log", &two, RUN, 0));
	CHECK(stat(path, &st) == 0);
	CHECK(make_sealed("two.log", &two, K0, (uint64_t)st.st_size));
	CHECK(two.n == 22);
	CHECK(tlog_verify(&two, two.n, 0, msg, sizeof(msg)) == 0);
	CHECK(strncmp(msg, "ok: 22 records, 6 seals", 23) == 0);
	/* The second run alone: its start says where it began. */
	bad.n = 0;
	for (i = 11; i < two.n; i++)
		memcpy(bad.l[bad.n++], two.l[i], LINEB);
	CHECK(tlog_verify(&bad, bad.n, 0, msg, sizeof(msg)) == 1);
	CHECKF(strncmp(msg, "line 1 (seq 0): the run started at byte", 39) ==
	    0, msg);
	CHECK(strstr(msg, "records before it were deleted") != NULL);
	/* A line of the first run gone: the second run's offset is off. */
	bad = two;
	memmove(bad.l[10], bad.l[11], 11 * LINEB);
	bad.n--;
	CHECK(tlog_verify(&bad, bad.n, 0, msg, sizeof(msg)) == 1);
	CHECKF(strncmp(msg, "line 11 (seq 0): the run started at byte", 40) ==
	    0, msg);
	/* An unsealed line among sealed ones. */
	bad = good;
	memmove(bad.l[3], bad.l[2], 9 * LINEB);
	bad.n++;
	snprintf(bad.l[2], LINEB, "{\"timestamp\":\"2026-11-23T10:00:00.123Z"
	    "\",\"tool\":\"s3_list_buckets\"}");
	CHECK(tlog_verify(&bad, bad.n, 0, msg, sizeof(msg)) == 1);
	CHECKF(strncmp(msg, "line 3: malformed record: no \"mac\"", 34) == 0,
	    msg);
	/* A line that is not JSON. */
	bad = good;
	snprintf(bad.l[1], LINEB, "garbage");
	CHECK(tlog_verify(&bad, bad.n, 0, msg, sizeof(msg)) == 1);
	CHECKF(strncmp(msg, "line 2: malformed record: not a JSON", 36) == 0,
	    msg);
	/* The wrong key: the very first record fails. */
	{
		uint8_t	 other[AUDIT_KEY_BYTES];
		int	 fd;

		memset(other, 7, sizeof(other));
		path_in(path, sizeof(path), "sealed.log");
		fd = open(path, O_RDONLY);
		CHECK(audit_verify(fd, other, msg, sizeof(msg)) == 1);
		close(fd);
		CHECKF(strncmp(msg, "line 1 (seq 0): MAC mismatch", 28) == 0,
		    msg);
		CHECK(audit_verify(-1, K0, msg, sizeof(msg)) == 2);
	}
}

/* The key file: format, permissions, wiping; errors never show key bytes. */
struct krow {
	const char	*label;
	const char	*text;
	unsigned	 mode;
	int		 ok;
	const char	*want;	/* in err */
};

#define KHEX	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"

static const struct krow krows[] = {
	{ "hex", KHEX, 0600, 1, NULL },
	{ "hex newline", KHEX "\n", 0600, 1, NULL },
	{ "upper case", "000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191A1B1C1D1E1F", 0400, 1, NULL },
	{ "two newlines", KHEX "\n\n", 0600, 0, "more than 65" },
	{ "short", "0001", 0600, 0, "too few" },
	{ "empty", "", 0600, 0, "too few" },
	{ "long", KHEX "00", 0600, 0, "more than 65" },
	{ "not hex", "zz0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", 0600, 0, "byte 1 is not" },
	{ "readable by group", KHEX, 0640, 0, "open to group or others" },
	{ "readable by all", KHEX, 0644, 0, "(mode 0644)" },
};

static void
test_key_file(void)
{
	const struct krow	*k;
	uint8_t			 key[AUDIT_KEY_BYTES], s[AUDIT_KEY_BYTES];
	struct audit_sealing	 sealing;
	struct audit		*a;
	char			 path[128], link[128], err[512];
	int			 fd;

	path_in(path, sizeof(path), "key");
	for (k = krows; k < krows + sizeof(krows) / sizeof(krows[0]); k++) {
		unlink(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0 && write(fd, k->text, strlen(k->text)) ==
		    (ssize_t)strlen(k->text));
		close(fd);
		CHECK(chmod(path, k->mode) == 0);
		memset(key, 0xee, sizeof(key));
		CHECKF((audit_key_load(key, path, "MCP_S3_AUDIT_KEY_FILE", err,
		    sizeof(err)) == 0) == k->ok, k->label);
		if (k->ok)
			CHECKF(memcmp(key, K0, sizeof(key)) == 0, k->label);
		else {
			CHECKF(strncmp(err, "MCP_S3_AUDIT_KEY_FILE: ", 23) == 0,
			    k->label);
			CHECKF(strstr(err, k->want) != NULL, err);
			CHECKF(strstr(err, "0102030405") == NULL, k->label);
		}
	}
	path_in(link, sizeof(link), "key.link");
	unlink(link);
	CHECK(symlink(path, link) == 0);
	CHECK(audit_key_load(key, link, "--key", err, sizeof(err)) ==
	    AUDIT_EKEY);
	CHECK(strstr(err, "symbolic link") != NULL);
	unlink(link);
	CHECK(audit_key_load(key, dir, "--key", err, sizeof(err)) ==
	    AUDIT_EKEY);
	CHECK(audit_key_load(key, "/nonexistent/k", "--key", err,
	    sizeof(err)) == AUDIT_EKEY);
	CHECK(strncmp(err, "--key: /nonexistent/k: ", 23) == 0);
	unlink(path);

	/* audit_open_sealed wipes the caller's K0, opened or not. */
	memcpy(s, K0, sizeof(s));
	memset(key, 0, sizeof(key));
	sealing.key = s;
	sealing.records = 10;
	sealing.seconds = 0;
	path_in(path, sizeof(path), "wipe.log");
	CHECK(audit_open_sealed(&a, path, &sealing, err, sizeof(err)) == 0);
	CHECK(memcmp(s, key, sizeof(s)) == 0);
	/* A second sealer of the same file is refused (by a child: locks
	 * are per process). */
	{
		pid_t	 pid;
		int	 st;

		if ((pid = fork()) == 0) {
			struct audit	*b;
			uint8_t		 s2[AUDIT_KEY_BYTES];

			memcpy(s2, K0, sizeof(s2));
			sealing.key = s2;
			_exit(audit_open_sealed(&b, path, &sealing, err,
			    sizeof(err)) == AUDIT_EREFUSED &&
			    strstr(err, "another process") != NULL ? 0 : 1);
		}
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	audit_close(a);
	memcpy(s, K0, sizeof(s));
	sealing.key = s;
	CHECK(audit_open_sealed(&a, NULL, &sealing, err, sizeof(err)) ==
	    AUDIT_EINVAL);
	CHECK(strstr(err, "MCP_S3_AUDIT_FILE") != NULL);
	CHECK(memcmp(s, key, sizeof(s)) == 0);
	unlink(path);
}

/* The seal timer: a seal `seconds` after a record, with nothing else. */
static void
test_seal_timer(void)
{
	struct audit_record	 r;
	struct audit		*a = NULL;
	struct tlog		 t;
	char			 path[128], msg[512];
	int			 fd;

	path_in(path, sizeof(path), "timer.log");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	CHECK(audit_open_fd_sealed(&a, fd, K0, RUN, 0, 100, 1) == 0);
	memset(&r, 0, sizeof(r));
	r.tool = sl("s3_list_buckets");
	CHECK(audit_write(a, &r) == 0);
	/* Due a second after the first pending record (the start). */
	CHECK(audit_seal_wait_ms(NULL, 0) == -1);
	CHECK(audit_seal_wait_ms(a, time_now_ms()) > 900);
	CHECK(audit_seal_wait_ms(a, time_now_ms() + 1000) == 0);
	nanosleep(&(struct timespec){ 1, 100000000 }, NULL);
	CHECK(audit_seal_wait_ms(a, time_now_ms()) == 0);
	/* The event loop seals then (mcp.c), the log staying open. */
	CHECK(audit_seal_pending(a) == 0);
	CHECK(audit_seal_wait_ms(a, time_now_ms()) == -1);
	CHECK(tlog_read(&t, path) && t.n == 3);
	CHECK(t.n == 3 && strstr(t.l[2], "\"reason\":\"timer\",\"records\":2")
	    != NULL);
	CHECK(tlog_verify(&t, t.n, 0, msg, sizeof(msg)) == 0);
	CHECK(audit_write(a, &r) == 0);
	CHECK(audit_seal_pending(a) == 0);
	CHECK(audit_seal_pending(a) == 0);	/* nothing pending: no seal */
	audit_close(a);				/* nothing pending: no seal */
	close(fd);
	CHECK(tlog_read(&t, path) && t.n == 5);
	CHECK(tlog_verify(&t, t.n, 0, msg, sizeof(msg)) == 0);
	CHECKF(strncmp(msg, "ok: 5 records, 2 seals, last seal at seq 4 "
	    "(timer", 46) == 0, msg);
	unlink(path);
}

/*
 * A record that never reached the file leaves no gap: the chain moves on
 * only once a line is written.  A start record that cannot be written
 * fails the open.
 */
static void
test_sealed_write_errors(void)
{
	struct audit_record	 r;
	struct audit		*a = NULL;
	struct tlog		 t;
	char			 path[128], msg[512];
	int			 fd, full, saved;

	full = open("/dev/full", O_WRONLY);
	CHECK(full >= 0);
	CHECK(audit_open_fd_sealed(&a, full, K0, RUN, 0, 100, 0) ==
	    AUDIT_EWRITE);
	CHECK(a == NULL);
	path_in(path, sizeof(path), "werr.log");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	CHECK(audit_open_fd_sealed(&a, fd, K0, RUN, 0, 100, 0) == 0);
	memset(&r, 0, sizeof(r));
	r.tool = sl("s3_list_buckets");
	CHECK(audit_write(a, &r) == 0);
	saved = dup(fd);
	CHECK(dup2(full, fd) == fd);
	CHECK(audit_write(a, &r) == AUDIT_EWRITE);
	CHECK(dup2(saved, fd) == fd);
	CHECK(audit_write(a, &r) == 0);
	audit_close(a);
	close(saved);
	close(full);
	close(fd);
	CHECK(tlog_read(&t, path) && t.n == 4);
	CHECK(tlog_verify(&t, t.n, 0, msg, sizeof(msg)) == 0);
	CHECKF(strncmp(msg, "ok: 4 records, 1 seals, last seal at seq 3", 42) ==
	    0, msg);
	unlink(path);
}

static void
cleanup(void)
{
	const char	*names[] = { "audit.log", "modes.log", "link.log",
	    "fifo", "many.log", "short.log", "sealed.log", "tamper.log",
	    "two.log" };
	char		 path[128];
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/test_audit.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_format_rows();
	test_timestamps();
	test_long_fields();
	test_limit();
	test_log_line();
	test_file_create_append();
	test_file_refused();
	test_concurrent();
	test_write_errors();
	test_stderr();
	test_strerror();
	test_key_schedule();
	test_sealed_tamper();
	test_forward_secure();
	test_runs();
	test_key_file();
	test_seal_timer();
	test_sealed_write_errors();
	cleanup();
	return unit_done("test_audit");
}
