/*
 * tools.c - the read tools; see tools.h.
 *
 * Every handler works in three steps: validate the arguments (an
 * InvalidArgument result names the argument), call S3, then write the
 * result.  Nothing is written before the S3 calls are done, so an error
 * or a cancellation never leaves half a result behind.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "limits.h"
#include "policy.h"
#include "tls.h"
#include "tools.h"
#include "url.h"

/* Base64 is written in pieces of this many input bytes (a multiple of 3). */
#define B64_PIECE	(48u * 1024)
/* Text bodies are written in pieces of about this many bytes. */
#define TEXT_PIECE	(64u * 1024)

enum argid {
	A_BUCKET, A_KEY, A_PREFIX, A_DELIMITER, A_MAX_KEYS, A_TOKEN,
	A_START_AFTER, A_OFFSET, A_LENGTH, A_CONNECTION, A_CONTENT,
	A_IS_BASE64, A_CONTENT_TYPE, A_METADATA, A_IF_NONE_MATCH,
	A_VERSION_ID, A_SOURCE_BUCKET, A_SOURCE_KEY, A_DEST_BUCKET,
	A_DEST_KEY, A_METHOD, A_EXPIRES_IN, A_COUNT
};

enum argtype { T_STRING, T_INTEGER, T_BOOLEAN, T_STRINGMAP };

struct argdef {
	const char	*name;
	enum argtype	 type;
	int64_t		 min;	/* strings: bytes */
	int64_t		 max;
};

/* Bounds as the input schemas of catalog.c state them. */
static const struct argdef argdefs[A_COUNT] = {
	[A_BUCKET] = { "bucket", T_STRING, S3_MIN_BUCKET_BYTES,
	    S3_MAX_BUCKET_BYTES },
	[A_KEY] = { "key", T_STRING, 1, S3_MAX_KEY_BYTES },
	[A_PREFIX] = { "prefix", T_STRING, 0, S3_MAX_KEY_BYTES },
	[A_DELIMITER] = { "delimiter", T_STRING, 0, 16 },
	[A_MAX_KEYS] = { "max_keys", T_INTEGER, 1, S3_MAX_LIST_KEYS },
	[A_TOKEN] = { "continuation_token", T_STRING, 1, 4096 },
	[A_START_AFTER] = { "start_after", T_STRING, 0, S3_MAX_KEY_BYTES },
	[A_OFFSET] = { "offset", T_INTEGER, 0, INT64_MAX },
	[A_LENGTH] = { "length", T_INTEGER, 1, INT64_MAX },
	[A_CONNECTION] = { "connection", T_STRING, 1, CONFIG_NAME_BYTES - 1 },
	/* Bounded by the line limit; MCP_S3_MAX_PUT_SIZE is checked after
	 * decoding, so the refusal can say how large it was. */
	[A_CONTENT] = { "content", T_STRING, 0, INT64_MAX },
	[A_IS_BASE64] = { "is_base64", T_BOOLEAN, 0, 1 },
	[A_CONTENT_TYPE] = { "content_type", T_STRING, 1, 255 },
	[A_METADATA] = { "metadata", T_STRINGMAP, 0, S3_MAX_META_BYTES },
	[A_IF_NONE_MATCH] = { "if_none_match", T_BOOLEAN, 0, 1 },
	[A_VERSION_ID] = { "version_id", T_STRING, 1, 1024 },
	[A_SOURCE_BUCKET] = { "source_bucket", T_STRING, S3_MIN_BUCKET_BYTES,
	    S3_MAX_BUCKET_BYTES },
	[A_SOURCE_KEY] = { "source_key", T_STRING, 1, S3_MAX_KEY_BYTES },
	[A_DEST_BUCKET] = { "dest_bucket", T_STRING, S3_MIN_BUCKET_BYTES,
	    S3_MAX_BUCKET_BYTES },
	[A_DEST_KEY] = { "dest_key", T_STRING, 1, S3_MAX_KEY_BYTES },
	[A_METHOD] = { "method", T_STRING, 1, 16 },
	[A_EXPIRES_IN] = { "expires_in", T_INTEGER, 1, 604800 },
};

#define BIT(a)	(1u << (a))

/* Which arguments each tool takes, and which it requires. */
static const struct {
	unsigned	takes;
	unsigned	needs;
} toolargs[TOOL_COUNT] = {
	[TOOL_LIST_BUCKETS] = { BIT(A_CONNECTION), 0 },
	[TOOL_LIST_OBJECTS] = { BIT(A_BUCKET) | BIT(A_PREFIX) |
	    BIT(A_DELIMITER) | BIT(A_MAX_KEYS) | BIT(A_TOKEN) |
	    BIT(A_START_AFTER) | BIT(A_CONNECTION), BIT(A_BUCKET) },
	[TOOL_GET_OBJECT] = { BIT(A_BUCKET) | BIT(A_KEY) | BIT(A_OFFSET) |
	    BIT(A_LENGTH) | BIT(A_CONNECTION), BIT(A_BUCKET) | BIT(A_KEY) },
	[TOOL_GET_OBJECT_METADATA] = { BIT(A_BUCKET) | BIT(A_KEY) |
	    BIT(A_CONNECTION), BIT(A_BUCKET) | BIT(A_KEY) },
	[TOOL_PUT_OBJECT] = { BIT(A_BUCKET) | BIT(A_KEY) | BIT(A_CONTENT) |
	    BIT(A_IS_BASE64) | BIT(A_CONTENT_TYPE) | BIT(A_METADATA) |
	    BIT(A_IF_NONE_MATCH) | BIT(A_CONNECTION), BIT(A_BUCKET) |
	    BIT(A_KEY) | BIT(A_CONTENT) },
	[TOOL_DELETE_OBJECT] = { BIT(A_BUCKET) | BIT(A_KEY) |
	    BIT(A_VERSION_ID) | BIT(A_CONNECTION), BIT(A_BUCKET) | BIT(A_KEY) },
	[TOOL_COPY_OBJECT] = { BIT(A_SOURCE_BUCKET) | BIT(A_SOURCE_KEY) |
	    BIT(A_DEST_BUCKET) | BIT(A_DEST_KEY) | BIT(A_METADATA) |
	    BIT(A_CONTENT_TYPE) | BIT(A_CONNECTION), BIT(A_SOURCE_BUCKET) |
	    BIT(A_SOURCE_KEY) | BIT(A_DEST_BUCKET) | BIT(A_DEST_KEY) },
	[TOOL_PRESIGN_URL] = { BIT(A_BUCKET) | BIT(A_KEY) | BIT(A_METHOD) |
	    BIT(A_EXPIRES_IN) | BIT(A_CONNECTION), BIT(A_BUCKET) | BIT(A_KEY) },
	[TOOL_LIST_CONNECTIONS] = { 0, 0 },
};

struct args {
	unsigned	 have;
	struct buf	 str[A_COUNT];
	int64_t		 num[A_COUNT];
	/*
	 * content without escapes: its bytes in the call's line, not copied
	 * (the line is the reader's, held for the call, and writable; a put
	 * decodes its base64 there in place).
	 */
	char		*content;
	size_t		 ncontent;
	/* metadata: "name\0value\0" pairs in str[A_METADATA], as slices */
	struct slice	 meta[2 * S3_MAX_META_ENTRIES];
	size_t		 nmeta;
};

/* One call: what a handler needs besides its arguments. */
struct call {
	struct tools			*t;
	const struct catalog_entry	*e;
	const struct config_conn	*conn;
	struct s3_client		*client;
	struct args			 a;
	struct jsonw			*w;
	struct jsonrpc_writer		*out;
	size_t				 room;	/* bytes the result may take */
	struct buf			 sc;	/* structuredContent */
	struct buf			 text;	/* compact text */
	int				 canceled;
	/* For the audit record. */
	char				 code[64];	/* error code, if any */
	int				 denied;
	char				 rule[POLICY_RULE_BYTES];
	char				 s3_request_id[128];
	uint64_t			 bytes;
	int				 has_bytes;
	uint64_t			 content_bytes;
	int				 has_content;
	int				 invalid;	/* bad arguments */
	int				 filter;	/* listing: rules hide keys */
	size_t				 entries;	/* listing: of the page */
};

static struct slice
arg(const struct call *c, enum argid id)
{
	struct slice s = { "", 0 };

	if (id == A_CONTENT && c->a.content != NULL) {
		s.p = c->a.content;
		s.n = c->a.ncontent;
	} else if (c->a.have & BIT(id)) {
		s.p = c->a.str[id].p;
		s.n = c->a.str[id].n;
	}
	return s;
}

/* The content's bytes, to be overwritten in place (see struct args). */
static char *
content_bytes(struct call *c)
{
	return c->a.content != NULL ? c->a.content : c->a.str[A_CONTENT].p;
}

/* Replaces every byte that does not start a valid character with '?'. */
static void
utf8_scrub(char *p, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		for (len = 1; len <= 4 && i + len <= n; len++)
			if (utf8_valid(p + i, len))
				break;
		if (len > 4 || i + len > n) {
			p[i++] = '?';
			continue;
		}
		i += len;
	}
}

/* Writes an isError result: "<code>: <message>". */
static void
write_error(struct call *c, const char *code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void
write_error(struct call *c, const char *code, const char *fmt, ...)
{
	struct buf msg;
	va_list ap;
	char tmp[2048];

	buf_init(&msg, 0);
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(c->code, sizeof(c->code), "%.63s", code);
	buf_adds(&msg, code);
	buf_adds(&msg, ": ");
	/* A message cut to fit must not end inside a character. */
	buf_add(&msg, tmp, utf8_boundary(tmp, strlen(tmp)));

	jsonw_begin_object(c->w);
	jsonw_key(c->w, "content");
	jsonw_begin_array(c->w);
	jsonw_begin_object(c->w);
	jsonw_kstr(c->w, "type", "text");
	/*
	 * Arguments are valid UTF-8; should a quoted piece still be cut
	 * inside a character, its bytes become '?' so the text survives.
	 */
	if (!utf8_valid(msg.p, msg.n))
		utf8_scrub(msg.p, msg.n);
	jsonw_kstring(c->w, "text", msg.p, msg.n);
	jsonw_end_object(c->w);
	jsonw_end_array(c->w);
	jsonw_kbool(c->w, "isError", 1);
	jsonw_end_object(c->w);
	buf_free(&msg);
}

/*
 * Appends s for a text line: control characters as escapes (\n, \t, \r,
 * \xNN for C0 and DEL, \uNNNN for C1 and U+2028/U+2029, the other line
 * breaks), and '"' and '\\' after a backslash, so that nothing from S3
 * can end a quoted value or start a line of its own.
 */
static void
text_safe(struct buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '"' || ch == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)ch);
		} else if (ch == 0xc2 && i + 1 < n &&
		    (unsigned char)p[i + 1] >= 0x80 &&
		    (unsigned char)p[i + 1] <= 0x9f) {
			/* C1 controls, U+0085 (NEL) a line break among them */
			buf_addf(b, "\\u%04x", (unsigned char)p[++i]);
		} else if (ch == 0xe2 && i + 2 < n && p[i + 1] == '\x80' &&
		    (p[i + 2] == '\xa8' || p[i + 2] == '\xa9')) {
			/* U+2028, U+2029: line and paragraph separators */
			buf_addf(b, "\\u%04x", 0x2000 + (unsigned char)p[i + 2] -
			    0x80);
			i += 2;
		} else if (ch == '\n')
			buf_adds(b, "\\n");
		else if (ch == '\t')
			buf_adds(b, "\\t");
		else if (ch == '\r')
			buf_adds(b, "\\r");
		else if (ch < 0x20 || ch == 0x7f)
			buf_addf(b, "\\x%02x", ch);
		else
			buf_addc(b, (char)ch);
	}
}

/* A NUL-terminated value from S3, by text_safe(); "-" when empty. */
static void
text_val(struct buf *b, const char *s)
{
	if (s[0] == '\0')
		buf_addc(b, '-');
	else
		text_safe(b, s, strlen(s));
}

/* An ETag without HTTP's quotes around it. */
static void
text_etag(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		text_safe(b, s + 1, n - 2);
	else
		text_val(b, s);
}

/* ---- arguments ------------------------------------------------------ */

static int
valid_bucket(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' &&
		    p[i] != '-' && p[i] != '_')
			return 0;
	return 1;
}

static void
list_taken(struct buf *b, unsigned takes)
{
	size_t i;
	int first = 1;

	for (i = 0; i < A_COUNT; i++) {
		if (!(takes & BIT(i)))
			continue;
		buf_addf(b, "%s%s", first ? "" : ", ", argdefs[i].name);
		first = 0;
	}
	if (first)
		buf_adds(b, "no arguments");
}

/* 1 when two lower-cased metadata names differ at most in '_' / '-'. */
static int
meta_clash(struct slice a, struct slice b)
{
	size_t i;

	if (a.n != b.n)
		return 0;
	for (i = 0; i < a.n; i++)
		if (a.p[i] != b.p[i] && !((a.p[i] == '_' || a.p[i] == '-') &&
		    (b.p[i] == '_' || b.p[i] == '-')))
			return 0;
	return 1;
}

/*
 * metadata: an object of strings.  Names become x-amz-meta-<name>: HTTP
 * token characters only, kept lower case as S3 stores them; values are
 * printable ASCII, which is what a header can carry without encoding.
 */
static int
parse_meta(struct call *c, const struct json *j, int obj)
{
	struct buf *b = &c->a.str[A_METADATA];
	size_t i, start, total = 0;
	int k;

	if (json_type(j, obj) != JSON_OBJECT) {
		write_error(c, "InvalidArgument", "metadata must be an object "
		    "of strings");
		return -1;
	}
	if ((size_t)json_size(j, obj) > S3_MAX_META_ENTRIES) {
		write_error(c, "InvalidArgument", "metadata has more than %d "
		    "entries", S3_MAX_META_ENTRIES);
		return -1;
	}
	for (k = json_child(j, obj); k >= 0; k = json_next(j, k)) {
		start = b->n;
		if (json_decode(j, k, b) != 0 || b->n == start ||
		    b->n - start > 128)
			goto badname;
		for (i = start; i < b->n; i++) {
			if (!isalnum((unsigned char)b->p[i]) && b->p[i] != '-' &&
			    b->p[i] != '_')
				goto badname;
			b->p[i] = (char)tolower((unsigned char)b->p[i]);
		}
		c->a.meta[c->a.nmeta * 2].p = (const char *)(uintptr_t)start;
		c->a.meta[c->a.nmeta * 2].n = b->n - start;
		buf_addc(b, '\0');
		start = b->n;
		if (json_type(j, k + 1) != JSON_STRING ||
		    json_decode(j, k + 1, b) != 0)
			goto badvalue;
		for (i = start; i < b->n; i++)
			if ((unsigned char)b->p[i] < 0x20 ||
			    (unsigned char)b->p[i] > 0x7e)
				goto badvalue;
		c->a.meta[c->a.nmeta * 2 + 1].p = (const char *)(uintptr_t)start;
		c->a.meta[c->a.nmeta * 2 + 1].n = b->n - start;
		total += c->a.meta[c->a.nmeta * 2].n + (b->n - start);
		buf_addc(b, '\0');
		c->a.nmeta++;
	}
	/* S3 allows 2 KB of user metadata in all. */
	if (total > 2048) {
		write_error(c, "InvalidArgument", "metadata is over 2 KB in all "
		    "(names and values)");
		return -1;
	}
	/* The buffer no longer moves: offsets become pointers. */
	for (i = 0; i < 2 * c->a.nmeta; i++)
		c->a.meta[i].p = b->p + (uintptr_t)c->a.meta[i].p;
	/*
	 * x-amz-meta-A and x-amz-meta-a are one header; proxies and some
	 * servers also take '_' for '-'.  Two such names would be signed as
	 * two headers and sent as one: refused here, naming both.
	 */
	for (i = 0; i < c->a.nmeta; i++) {
		size_t m;

		for (m = i + 1; m < c->a.nmeta; m++)
			if (meta_clash(c->a.meta[2 * i], c->a.meta[2 * m])) {
				write_error(c, "InvalidArgument", "metadata "
				    "names \"%.*s\" and \"%.*s\" are the same "
				    "header to S3 (names are not case-sensitive, "
				    "and '_' and '-' count as one); keep one of "
				    "them", (int)c->a.meta[2 * i].n,
				    c->a.meta[2 * i].p,
				    (int)c->a.meta[2 * m].n,
				    c->a.meta[2 * m].p);
				return -1;
			}
	}
	return 0;
badname:
	write_error(c, "InvalidArgument", "metadata names must be 1 to 128 "
	    "letters, digits, '-' or '_'");
	return -1;
badvalue:
	write_error(c, "InvalidArgument", "metadata values must be strings of "
	    "printable ASCII (S3 sends them as HTTP headers)");
	return -1;
}

/* 0, or -1 after writing an InvalidArgument result. */
static int
parse_args(struct call *c, const struct json *j, int obj)
{
	const struct argdef *d;
	struct buf names;
	unsigned takes = toolargs[c->e->id].takes;
	unsigned needs = toolargs[c->e->id].needs;
	struct slice raw;
	size_t i;
	int k, v, rc;

	for (i = 0; i < A_COUNT; i++)
		buf_init(&c->a.str[i], argdefs[i].max == INT64_MAX ? 0 :
		    (size_t)argdefs[i].max + 1);
	c->a.have = 0;
	for (k = obj >= 0 ? json_child(j, obj) : -1; k >= 0;
	    k = json_next(j, k)) {
		v = k + 1;
		for (i = 0; i < A_COUNT; i++)
			if ((takes & BIT(i)) && json_streq(j, k, argdefs[i].name))
				break;
		if (i == A_COUNT) {
			raw = json_raw(j, k);
			buf_init(&names, 0);
			list_taken(&names, takes);
			write_error(c, "InvalidArgument", "unknown argument "
			    "%.*s; %s takes %s", (int)utf8_boundary(raw.p,
			    raw.n > 80 ? 80 : raw.n), raw.p, c->e->name,
			    names.p);
			buf_free(&names);
			return -1;
		}
		d = &argdefs[i];
		/* Clients often send null for an optional argument. */
		if (json_type(j, v) == JSON_NULL)
			continue;
		if (d->type == T_BOOLEAN) {
			int bv;

			if (json_bool(j, v, &bv) != 0) {
				write_error(c, "InvalidArgument", "%s must be true "
				    "or false", d->name);
				return -1;
			}
			c->a.num[i] = bv;
		} else if (d->type == T_STRINGMAP) {
			if (parse_meta(c, j, v) != 0)
				return -1;
		} else if (d->type == T_INTEGER) {
			rc = json_int64(j, v, &c->a.num[i]);
			if (rc != 0 || c->a.num[i] < d->min ||
			    c->a.num[i] > d->max) {
				if (d->max == INT64_MAX)
					write_error(c, "InvalidArgument", "%s must "
					    "be an integer of at least %lld",
					    d->name, (long long)d->min);
				else
					write_error(c, "InvalidArgument", "%s must "
					    "be an integer from %lld to %lld",
					    d->name, (long long)d->min,
					    (long long)d->max);
				return -1;
			}
		} else {
			if (json_type(j, v) != JSON_STRING) {
				write_error(c, "InvalidArgument", "%s must be a "
				    "string", d->name);
				return -1;
			}
			raw = json_raw(j, v);
			if (i == A_CONTENT && raw.n >= 2 &&
			    memchr(raw.p, '\\', raw.n) == NULL) {
				/*
				 * Nothing to unescape: the bytes in the line are
				 * the content (and valid UTF-8 with no NUL, as
				 * the strict parser checked).
				 */
				c->a.content = (char *)(uintptr_t)(raw.p + 1);
				c->a.ncontent = raw.n - 2;
				c->a.have |= BIT(i);
				continue;
			}
			rc = json_decode(j, v, &c->a.str[i]);
			if (rc != 0 || c->a.str[i].n < (size_t)d->min ||
			    c->a.str[i].n > (size_t)d->max) {
				write_error(c, "InvalidArgument", "%s must be "
				    "%lld to %lld bytes long", d->name,
				    (long long)d->min, (long long)d->max);
				return -1;
			}
			if (c->a.str[i].n > 0 &&
			    memchr(c->a.str[i].p, '\0', c->a.str[i].n)) {
				write_error(c, "InvalidArgument", "%s must not "
				    "contain a NUL character", d->name);
				return -1;
			}
		}
		c->a.have |= BIT(i);
	}
	for (i = 0; i < A_COUNT; i++) {
		if ((needs & BIT(i)) && !(c->a.have & BIT(i))) {
			write_error(c, "InvalidArgument", "%s is required",
			    argdefs[i].name);
			return -1;
		}
	}
	for (i = 0; i < A_COUNT; i++) {
		if (i != A_BUCKET && i != A_SOURCE_BUCKET && i != A_DEST_BUCKET)
			continue;
		if ((c->a.have & BIT(i)) && !valid_bucket(c->a.str[i].p,
		    c->a.str[i].n)) {
			write_error(c, "InvalidArgument", "%s \"%s\" is not a "
			    "bucket name: use letters, digits, '.', '-' and '_'",
			    argdefs[i].name, c->a.str[i].p);
			return -1;
		}
	}
	/* Sent as a header: printable ASCII only, and said so by name. */
	if (c->a.have & BIT(A_CONTENT_TYPE)) {
		struct slice ct = arg(c, A_CONTENT_TYPE);

		for (i = 0; i < ct.n; i++)
			if ((unsigned char)ct.p[i] < 0x20 ||
			    (unsigned char)ct.p[i] > 0x7e) {
				write_error(c, "InvalidArgument", "content_type "
				    "must be printable ASCII, such as "
				    "text/csv; charset=utf-8");
				return -1;
			}
	}
	if ((c->a.have & BIT(A_METHOD)) &&
	    !slice_ieq(arg(c, A_METHOD), "GET") &&
	    !slice_ieq(arg(c, A_METHOD), "PUT")) {
		write_error(c, "InvalidArgument", "method must be GET or PUT "
		    "(any case)");
		return -1;
	}
	return 0;
}

static void
free_args(struct args *a)
{
	size_t i;

	for (i = 0; i < A_COUNT; i++)
		buf_free(&a->str[i]);
}

/* ---- S3 errors -------------------------------------------------------- */

static const struct {
	const char	*code;
	const char	*hint;
} hints[] = {
	{ "NoSuchKey", "Check the key with s3_list_objects: keys are "
	    "case-sensitive and include the whole path." },
	{ "NoSuchBucket", "Check the bucket name with s3_list_buckets." },
	{ "NoSuchVersion", "Check the version id (it is exact and "
	    "case-sensitive); s3_get_object_metadata shows the current "
	    "one." },
	{ "AccessDenied", "These credentials may not read this bucket or "
	    "key; try another prefix or ask for access." },
	{ "SignatureDoesNotMatch", "The secret key does not match the access "
	    "key id (check AWS_SECRET_ACCESS_KEY), or the clock is off." },
	{ "InvalidAccessKeyId", "The access key id is unknown to the server; "
	    "check AWS_ACCESS_KEY_ID." },
	{ "PermanentRedirect", "The bucket is in another region; set "
	    "AWS_REGION to it." },
	{ "AuthorizationHeaderMalformed", "The region does not match the "
	    "bucket's; set AWS_REGION to the bucket's region." },
	{ "SlowDown", "The server asks to slow down; retry in a moment." },
	{ "ServiceUnavailable", "The server is busy; retry in a moment." },
	{ "InternalError", "The server failed; retry in a moment." },
	{ "RequestTimeTooSkewed", "The local clock is off; fix the system "
	    "time." },
	{ "ExpiredToken", "The session token expired; refresh the "
	    "credentials." },
	{ "InvalidToken", "The session token is invalid; check "
	    "AWS_SESSION_TOKEN." },
};

/* A code for a reply with no error document (HEAD, or an empty body). */
static const char *
status_code(int status)
{
	switch (status) {
	case 301:
		return "PermanentRedirect";
	case 400:
		return "BadRequest";
	case 403:
		return "AccessDenied";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 412:
		return "PreconditionFailed";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	default:
		return status >= 500 ? "InternalError" : "BadRequest";
	}
}

/* 1 when S3's error code looks like one (letters, digits, '.'), so it
 * may stand first in the text and in the audit record. */
static int
plain_code(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return i > 0 && i < 64;
}

static void
write_s3_error(struct call *c, int rc, const struct s3_error *err)
{
	struct buf m;
	const char *code, *hint = NULL;
	size_t i;
	long secs = (long)(c->conn->timeout_ms / 1000);

	buf_init(&m, 0);
	switch (rc) {
	case S3_ETIMEOUT:
		code = "Timeout";
		buf_addf(&m, "%s (no answer within S3_TIMEOUT, %lld ms). "
		    "Check that %s is up and reachable, or raise S3_TIMEOUT.",
		    err->message[0] ? err->message : "the request timed out",
		    (long long)c->conn->timeout_ms, c->conn->endpoint ?
		    c->conn->endpoint : c->conn->host);
		(void)secs;
		break;
	case S3_ENET:
		code = "NetworkError";
		buf_addf(&m, "%s (endpoint %s). Check S3_ENDPOINT and that "
		    "the server is running and reachable.", err->message[0] ?
		    err->message : "the connection failed", c->conn->endpoint ?
		    c->conn->endpoint : c->conn->host);
		break;
	case S3_ETLS:
		code = "TLSError";
		buf_addf(&m, "%s (endpoint %s). The server's certificate must "
		    "be valid for its host name and signed by a CA in the "
		    "bundle (ca_bundle, AWS_CA_BUNDLE, SSL_CERT_FILE or "
		    "SSL_CERT_DIR).", err->message[0] ?
		    err->message : "the TLS handshake failed", c->conn->endpoint ?
		    c->conn->endpoint : c->conn->host);
		break;
	case S3_EPROTO:
		code = "BadResponse";
		buf_addf(&m, "the server's reply could not be read: %s",
		    err->message[0] ? err->message : "malformed reply");
		break;
	case S3_ENOCREDS:
		code = "NoCredentials";
		buf_addf(&m, "%s. Set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, a profile, or another source of the "
		    "credential chain (docs/configuration.md).", err->message[0] ?
		    err->message : "no credentials are configured");
		break;
	case S3_ECREDS:
		code = "CredentialsError";
		buf_addf(&m, "connection \"%s\": %s", c->conn->name,
		    err->message[0] ? err->message : "the credential source "
		    "failed");
		break;
	case S3_ENOMEM:
		code = "InternalError";
		buf_adds(&m, "out of memory");
		break;
	case S3_EINVAL:
		code = "InvalidArgument";
		buf_adds(&m, err->message[0] ? err->message :
		    "this bucket or key cannot be addressed");
		break;
	default:
		code = err->code[0] && plain_code(err->code) ? err->code :
		    status_code(err->status);
		if (err->message[0])
			text_safe(&m, err->message, strlen(err->message));
		else if (strcmp(code, "NoSuchKey") == 0)
			buf_adds(&m, "The specified key does not exist.");
		else if (strcmp(code, "NoSuchBucket") == 0)
			buf_adds(&m, "The specified bucket does not exist.");
		else
			buf_addf(&m, "the request failed");
		if (m.n > 0 && m.p[m.n - 1] != '.')
			buf_addc(&m, '.');
		buf_addf(&m, " (HTTP %d", err->status);
		if (c->a.have & BIT(A_BUCKET)) {
			buf_adds(&m, ", s3://");
			buf_add(&m, c->a.str[A_BUCKET].p, c->a.str[A_BUCKET].n);
			buf_addc(&m, '/');
			if (c->a.have & BIT(A_KEY))
				text_safe(&m, c->a.str[A_KEY].p, c->a.str[A_KEY].n);
		}
		if (err->request_id[0]) {
			buf_adds(&m, ", request id ");
			text_safe(&m, err->request_id, strlen(err->request_id));
		}
		buf_adds(&m, ")");
		if (err->region[0]) {
			buf_adds(&m, " The bucket is in region ");
			text_safe(&m, err->region, strlen(err->region));
			buf_addc(&m, '.');
		}
		for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
			if (strcmp(code, hints[i].code) == 0)
				hint = hints[i].hint;
		if (hint != NULL)
			buf_addf(&m, " Hint: %s", hint);
		break;
	}
	write_error(c, code, "%s", m.p ? m.p : "");
	buf_free(&m);
}

/* A failed S3 call: an error result, or nothing when it was cancelled. */
static void
s3_fail(struct call *c, int rc, const struct s3_error *err)
{
	snprintf(c->s3_request_id, sizeof(c->s3_request_id), "%.127s",
	    err->request_id);
	if (rc == S3_ECANCELED) {
		c->canceled = 1;
		snprintf(c->code, sizeof(c->code), "Cancelled");
	} else
		write_s3_error(c, rc, err);
}

/* ---- result writing ---------------------------------------------------- */

/* Starts a success result: {"content":[ <the text block> */
static void
begin_result(struct call *c)
{
	jsonw_begin_object(c->w);
	jsonw_key(c->w, "content");
	jsonw_begin_array(c->w);
	jsonw_begin_object(c->w);
	jsonw_kstr(c->w, "type", "text");
	if (c->t->cfg->text_format == CONFIG_TEXT_JSON)
		jsonw_kstring(c->w, "text", c->sc.p, c->sc.n);
	else
		jsonw_kstring(c->w, "text", c->text.p, c->text.n);
	jsonw_end_object(c->w);
}

/* Ends it: ], "structuredContent": {...} } */
static void
end_result(struct call *c)
{
	jsonw_end_array(c->w);
	jsonw_kraw(c->w, "structuredContent", c->sc.p, c->sc.n);
	jsonw_end_object(c->w);
}

/*
 * Writes a result built in c->sc and c->text.  Nothing of it is written
 * out before it ends, so one that passes the room left in the message is
 * taken back and refused instead: never written, never cut.
 */
static void
write_result(struct call *c)
{
	struct jsonw saved = *c->w;
	size_t mark = c->out->out.n, sent = c->out->sent, size, fit;
	uint64_t asked;

	begin_result(c);
	end_result(c);
	size = c->out->out.n - mark;
	/* (Nothing here writes out; were it so, what went is not taken back.) */
	if (c->out->sent != sent || size <= c->room)
		return;
	c->out->out.n = mark;
	*c->w = saved;
	if (c->e->id == TOOL_LIST_OBJECTS) {
		/* Entries scale the answer; a tenth is kept for the rest. */
		asked = c->entries;
		fit = (size_t)(asked * (c->room - c->room / 10) / size);
		write_error(c, "SizeLimit", "this page of the listing would "
		    "take %zu bytes, more than the %zu bytes left of the "
		    "message budget (MCP_S3_MAX_MESSAGE_SIZE=%zu). Ask for "
		    "fewer keys: max_keys %zu fits.", size, c->room,
		    c->t->cfg->max_message, fit > 0 ? fit : 1);
	} else
		write_error(c, "SizeLimit", "the answer would take %zu bytes, "
		    "more than the %zu bytes left of the message budget "
		    "(MCP_S3_MAX_MESSAGE_SIZE=%zu); raise it, or call the "
		    "tool alone rather than in a batch.", size, c->room,
		    c->t->cfg->max_message);
}

/* Writes n bytes of p as a JSON string, in pieces, draining as it goes. */
static void
write_long_string(struct call *c, const char *p, size_t n, int b64)
{
	struct buf piece;
	size_t off, len;

	jsonw_string_begin(c->w);
	buf_init(&piece, 0);
	for (off = 0; off < n; off += len) {
		if (b64) {
			len = n - off > B64_PIECE ? B64_PIECE : n - off;
			buf_reset(&piece);
			/* Out of memory: the writer's sticky error ends it. */
			if (base64_encode(&piece, p + off, len) != 0) {
				jsonw_string_part(c->w, "\xff", 1);
				break;
			}
			jsonw_string_part(c->w, piece.p, piece.n);
		} else {
			len = n - off > TEXT_PIECE ? TEXT_PIECE : n - off;
			/* Pieces end on characters: the body is valid UTF-8. */
			if (off + len < n)
				len = utf8_boundary(p + off, len);
			if (len == 0)
				len = n - off;
			/* Checked (as it came in, or with utf8_valid) as text. */
			jsonw_string_part_utf8(c->w, p + off, len);
		}
		if (jsonrpc_writer_drain(c->out) == 0)
			jsonw_rebase(c->w);
	}
	jsonw_string_end(c->w);
	buf_free(&piece);
}

/* Opens the structuredContent writer. */
static void
sc_begin(struct call *c, struct jsonw *sw)
{
	jsonw_init(sw, &c->sc);
	jsonw_begin_object(sw);
}

/* ---- the tools ----------------------------------------------------------- */

static void
tool_list_connections(struct call *c)
{
	const struct config *cfg = c->t->cfg;
	const struct config_conn *k;
	struct jsonw sw;
	size_t i;

	sc_begin(c, &sw);
	jsonw_key(&sw, "connections");
	jsonw_begin_array(&sw);
	buf_addf(&c->text, "%zu connection%s:\n", cfg->nconns,
	    cfg->nconns == 1 ? "" : "s");
	for (i = 0; i < cfg->nconns; i++) {
		k = &cfg->conns[i];
		jsonw_begin_object(&sw);
		jsonw_kstr(&sw, "name", k->name);
		jsonw_kstr(&sw, "region", s3_client_region(&c->t->clients[i]));
		if (k->endpoint != NULL)
			jsonw_kstr(&sw, "endpoint", k->endpoint);
		jsonw_kbool(&sw, "path_style", k->path_style);
		jsonw_kbool(&sw, "default", i == cfg->default_conn);
		jsonw_kstr(&sw, "credentials",
		    s3_client_creds_source(&c->t->clients[i]));
		if (k->presign_base != NULL)
			jsonw_kstr(&sw, "presign_endpoint", k->presign_base);
		jsonw_end_object(&sw);
		buf_addf(&c->text, "%s%s  region %s  %s  %s-style  credentials: "
		    "%s\n", k->name, i == cfg->default_conn ? " (default)" : "",
		    s3_client_region(&c->t->clients[i]), k->endpoint ?
		    k->endpoint : "AWS", k->path_style ? "path" :
		    "virtual-hosted", s3_client_creds_source(&c->t->clients[i]));
	}
	jsonw_end_array(&sw);
	jsonw_kstr(&sw, "default_connection",
	    cfg->conns[cfg->default_conn].name);
	jsonw_kuint(&sw, "count", cfg->nconns);
	jsonw_end_object(&sw);
	write_result(c);
}

static void
tool_list_buckets(struct call *c)
{
	const char *const *names;
	struct s3_listing l;
	struct s3_error err;
	struct jsonw sw;
	size_t i, nb;
	int rc;

	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	nb = policy_buckets(&c->t->cfg->rules, &names);
	if (nb > 0) {
		/* The configured buckets: no s3:ListAllMyBuckets needed. */
		sc_begin(c, &sw);
		jsonw_key(&sw, "buckets");
		jsonw_begin_array(&sw);
		buf_addf(&c->text, "%zu bucket%s (MCP_S3_ALLOWED_BUCKETS):\n", nb,
		    nb == 1 ? "" : "s");
		for (i = 0; i < nb; i++) {
			jsonw_begin_object(&sw);
			jsonw_kstr(&sw, "name", names[i]);
			jsonw_end_object(&sw);
			buf_addf(&c->text, "%s\n", names[i]);
		}
		jsonw_end_array(&sw);
		jsonw_kuint(&sw, "count", nb);
		jsonw_end_object(&sw);
		write_result(c);
		return;
	}
	if ((rc = s3_list_buckets(c->client, &l, &err)) != 0) {
		s3_fail(c, rc, &err);
		s3_listing_free(&l);
		return;
	}
	/* Under rules, a bucket where no key can be visible is not named. */
	if (policy_active(&c->t->cfg->rules)) {
		struct slice name, none = { "", 0 };

		for (i = nb = 0; i < l.nitems; i++) {
			name.p = S3_POOL(&l, l.items[i]);
			name.n = l.items[i].len;
			if (policy_list_rules(&c->t->cfg->rules, name, none) !=
			    POLICY_LIST_NONE)
				l.items[nb++] = l.items[i];
		}
		l.nitems = nb;
	}
	sc_begin(c, &sw);
	jsonw_key(&sw, "buckets");
	jsonw_begin_array(&sw);
	buf_addf(&c->text, "%zu bucket%s:\n", l.nitems,
	    l.nitems == 1 ? "" : "s");
	for (i = 0; i < l.nitems; i++) {
		jsonw_begin_object(&sw);
		jsonw_kstring(&sw, "name", S3_POOL(&l, l.items[i]),
		    l.items[i].len);
		if (l.items[i].date[0])
			jsonw_kstr(&sw, "creation_date", l.items[i].date);
		jsonw_end_object(&sw);
		buf_addf(&c->text, "%-20s  ", l.items[i].date[0] ?
		    l.items[i].date : "-");
		text_safe(&c->text, S3_POOL(&l, l.items[i]), l.items[i].len);
		buf_addc(&c->text, '\n');
	}
	jsonw_end_array(&sw);
	jsonw_kuint(&sw, "count", l.nitems);
	jsonw_end_object(&sw);
	write_result(c);
	s3_listing_free(&l);
}

/* listing_fetch_fn for a connection's client. */
static int
fetch_page(void *arg, const struct s3_list_params *p, struct s3_listing *l,
    struct s3_error *err)
{
	return s3_list_objects(arg, p, l, err);
}

static void
tool_list_objects(struct call *c)
{
	struct s3_list_params p;
	struct listing_req q;
	struct s3_listing l;
	struct s3_error err;
	struct jsonw sw;
	const struct s3_item *it;
	size_t i, shown;
	int rc, ruled = policy_active(&c->t->cfg->rules);

	memset(&p, 0, sizeof(p));
	p.bucket = arg(c, A_BUCKET);
	p.prefix = arg(c, A_PREFIX);
	p.delimiter = arg(c, A_DELIMITER);
	p.token = arg(c, A_TOKEN);
	p.start_after = arg(c, A_START_AFTER);
	p.max_keys = (c->a.have & BIT(A_MAX_KEYS)) ?
	    (unsigned)c->a.num[A_MAX_KEYS] : S3_MAX_LIST_KEYS;

	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	if (ruled) {
		/* Under access rules the walk is ours, and so are tokens. */
		memset(&q, 0, sizeof(q));
		q.rules = &c->t->cfg->rules;
		q.connection = slice_cstr(c->conn->name);
		q.bucket = p.bucket;
		q.prefix = p.prefix;
		q.delimiter = p.delimiter;
		q.start_after = p.start_after;
		q.token = p.token;
		q.max_keys = p.max_keys;
		rc = listing_run(&c->t->list_key, &q, fetch_page, c->client,
		    &l, &err);
		if (rc == LISTING_ETOKEN) {
			c->invalid = 1;
			write_error(c, "InvalidArgument", "continuation_token "
			    "was not issued by this server for this listing. "
			    "Hint: pass the next_continuation_token of the "
			    "previous page unchanged, with the same bucket, "
			    "prefix, delimiter and connection; tokens do not "
			    "survive a restart of the server, so start the "
			    "listing again without one.");
			s3_listing_free(&l);
			return;
		}
	} else
		rc = s3_list_objects(c->client, &p, &l, &err);
	if (rc != 0) {
		s3_fail(c, rc, &err);
		s3_listing_free(&l);
		return;
	}

	/* Keys that are not UTF-8 are counted, never written. */
	for (i = shown = 0; i < l.nitems; i++)
		if (!l.items[i].invalid)
			shown++;
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", p.bucket.p, p.bucket.n);
	if (p.prefix.n > 0)
		jsonw_kstring(&sw, "prefix", p.prefix.p, p.prefix.n);
	if (p.delimiter.n > 0)
		jsonw_kstring(&sw, "delimiter", p.delimiter.p, p.delimiter.n);
	jsonw_key(&sw, "objects");
	jsonw_begin_array(&sw);
	buf_adds(&c->text, "s3://");
	buf_add(&c->text, p.bucket.p, p.bucket.n);
	buf_addc(&c->text, '/');
	text_safe(&c->text, p.prefix.p, p.prefix.n);
	buf_addf(&c->text, ": %zu object%s, %zu common prefix%s%s\n",
	    shown, shown == 1 ? "" : "s", l.nprefixes,
	    l.nprefixes == 1 ? "" : "es", l.is_truncated ? " (more follow)" :
	    "");
	for (i = 0; i < l.nitems; i++) {
		it = &l.items[i];
		if (it->invalid)
			continue;
		jsonw_begin_object(&sw);
		jsonw_kstring(&sw, "key", S3_POOL(&l, *it), it->len);
		jsonw_kuint(&sw, "size", it->size);
		if (it->date[0])
			jsonw_kstr(&sw, "last_modified", it->date);
		if (it->etag[0])
			jsonw_kstr(&sw, "etag", it->etag);
		if (it->storage_class[0])
			jsonw_kstr(&sw, "storage_class", it->storage_class);
		jsonw_end_object(&sw);
		buf_addf(&c->text, "%-20s %12llu  ", it->date[0] ? it->date :
		    "-", (unsigned long long)it->size);
		text_safe(&c->text, S3_POOL(&l, *it), it->len);
		buf_addc(&c->text, '\n');
	}
	jsonw_end_array(&sw);
	jsonw_key(&sw, "common_prefixes");
	jsonw_begin_array(&sw);
	for (i = 0; i < l.nprefixes; i++) {
		jsonw_string(&sw, S3_POOL(&l, l.prefixes[i]),
		    l.prefixes[i].len);
		buf_adds(&c->text, "PRE ");
		text_safe(&c->text, S3_POOL(&l, l.prefixes[i]),
		    l.prefixes[i].len);
		buf_addc(&c->text, '\n');
	}
	jsonw_end_array(&sw);
	jsonw_kuint(&sw, "count", shown);
	jsonw_kbool(&sw, "is_truncated", l.is_truncated);
	if (c->filter)
		buf_adds(&c->text, "Access rules are on: keys hidden by them "
		    "are neither listed nor counted.\n");
	if (l.skipped > 0)
		buf_addf(&c->text, "%zu key%s in this page %s not valid UTF-8 "
		    "and cannot be shown.\n", l.skipped, l.skipped == 1 ? "" :
		    "s", l.skipped == 1 ? "is" : "are");
	if (l.is_truncated && l.has_next) {
		jsonw_kstring(&sw, "next_continuation_token",
		    S3_POOL(&l, l.next_token), l.next_token.len);
		buf_adds(&c->text, "More follows: call s3_list_objects again "
		    "with continuation_token \"");
		text_safe(&c->text, S3_POOL(&l, l.next_token),
		    l.next_token.len);
		buf_adds(&c->text, "\".\n");
	} else if (l.is_truncated)
		buf_adds(&c->text, "More follows, but S3 gave no continuation "
		    "token: call again with start_after set to the last key "
		    "shown.\n");
	else
		buf_adds(&c->text, "End of listing.\n");
	jsonw_end_object(&sw);
	c->entries = l.nitems + l.nprefixes;
	write_result(c);
	s3_listing_free(&l);
}

/* Writes the fields HeadObject and GetObject share. */
static void
meta_fields(struct jsonw *sw, const struct s3_meta *m)
{
	const char *p, *end;
	size_t nl;

	if (m->content_type[0])
		jsonw_kstr(sw, "content_type", m->content_type);
	if (m->last_modified[0])
		jsonw_kstr(sw, "last_modified", m->last_modified);
	if (m->etag[0])
		jsonw_kstr(sw, "etag", m->etag);
	jsonw_key(sw, "metadata");
	jsonw_begin_object(sw);
	p = m->user.p;
	end = p ? p + m->user.n : p;
	while (p != NULL && p < end) {
		nl = strlen(p);
		jsonw_keyn(sw, p, nl);
		p += nl + 1;
		nl = strlen(p);
		jsonw_string(sw, p, nl);
		p += nl + 1;
	}
	jsonw_end_object(sw);
}

static void
tool_get_object_metadata(struct call *c)
{
	struct s3_meta m;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = arg(c, A_BUCKET), k = arg(c, A_KEY);
	int rc;

	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	if ((rc = s3_head_object(c->client, b, k, &m, &err)) != 0) {
		s3_fail(c, rc, &err);
		s3_meta_free(&m);
		return;
	}
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kuint(&sw, "size", m.size);
	jsonw_kuint(&sw, "content_length", m.size);
	meta_fields(&sw, &m);
	if (m.storage_class[0])
		jsonw_kstr(&sw, "storage_class", m.storage_class);
	if (m.version_id[0])
		jsonw_kstr(&sw, "version_id", m.version_id);
	if (m.cache_control[0])
		jsonw_kstr(&sw, "cache_control", m.cache_control);
	if (m.content_encoding[0])
		jsonw_kstr(&sw, "content_encoding", m.content_encoding);
	if (m.content_disposition[0])
		jsonw_kstr(&sw, "content_disposition", m.content_disposition);
	jsonw_end_object(&sw);

	buf_adds(&c->text, "s3://");
	buf_add(&c->text, b.p, b.n);
	buf_addc(&c->text, '/');
	text_safe(&c->text, k.p, k.n);
	buf_addf(&c->text, "\nsize: %llu bytes\ncontent type: ",
	    (unsigned long long)m.size);
	text_val(&c->text, m.content_type);
	buf_adds(&c->text, "\nlast modified: ");
	text_val(&c->text, m.last_modified);
	buf_adds(&c->text, "\netag: ");
	text_etag(&c->text, m.etag);
	buf_addc(&c->text, '\n');
	if (m.storage_class[0]) {
		buf_adds(&c->text, "storage class: ");
		text_val(&c->text, m.storage_class);
		buf_addc(&c->text, '\n');
	}
	if (m.version_id[0]) {
		buf_adds(&c->text, "version id: ");
		text_val(&c->text, m.version_id);
		buf_addc(&c->text, '\n');
	}
	if (m.nuser > 0) {
		const char *p = m.user.p, *end = m.user.p + m.user.n;

		buf_adds(&c->text, "metadata:\n");
		while (p < end) {
			buf_adds(&c->text, "  ");
			text_val(&c->text, p);
			buf_adds(&c->text, ": ");
			p += strlen(p) + 1;
			text_safe(&c->text, p, strlen(p));
			buf_addc(&c->text, '\n');
			p += strlen(p) + 1;
		}
	}
	write_result(c);
	s3_meta_free(&m);
}

enum kind { K_TEXT, K_IMAGE, K_BINARY };

/* The MIME type of an image we return as an image block, or NULL. */
static const char *
image_type(const char *ctype, const unsigned char *p, size_t n)
{
	static const char *const types[] = {
		"image/png", "image/jpeg", "image/gif", "image/webp"
	};
	size_t i, tl;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		tl = strlen(types[i]);
		if (strncmp(ctype, types[i], tl) == 0 &&
		    (ctype[tl] == '\0' || ctype[tl] == ';'))
			return types[i];
	}
	/* An untyped upload: trust the magic bytes. */
	if (ctype[0] != '\0' && strcmp(ctype, "application/octet-stream") != 0 &&
	    strcmp(ctype, "binary/octet-stream") != 0)
		return NULL;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return types[0];
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return types[1];
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return types[2];
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return types[3];
	return NULL;
}

/* 1: text by type, 0: binary by type, -1: untyped, look at the bytes. */
static int
text_by_type(const char *ctype)
{
	static const char *const textual[] = {
		"text/", "application/json", "application/xml",
		"application/javascript", "application/ecmascript",
		"application/x-yaml", "application/yaml", "application/toml",
		"application/x-sh", "application/x-csh", "application/sql",
		"application/x-ndjson", "application/csv",
		"application/x-www-form-urlencoded", "image/svg+xml",
	};
	const char *semi;
	size_t i, n;

	if (ctype[0] == '\0' || strcmp(ctype, "application/octet-stream") == 0 ||
	    strcmp(ctype, "binary/octet-stream") == 0)
		return -1;
	for (i = 0; i < sizeof(textual) / sizeof(textual[0]); i++)
		if (strncmp(ctype, textual[i], strlen(textual[i])) == 0)
			return 1;
	semi = strchr(ctype, ';');
	n = semi ? (size_t)(semi - ctype) : strlen(ctype);
	if ((n > 5 && memcmp(ctype + n - 5, "+json", 5) == 0) ||
	    (n > 4 && memcmp(ctype + n - 4, "+xml", 4) == 0))
		return 1;
	return 0;
}

/* The object named in structuredContent and in the summary line. */
static void
text_object(struct buf *t, struct slice b, struct slice k)
{
	buf_adds(t, "s3://");
	buf_add(t, b.p, b.n);
	buf_addc(t, '/');
	text_safe(t, k.p, k.n);
}

/* Where a scan of a text body stood: whole characters, escaped size. */
struct text_mark {
	size_t	pos;
	size_t	esc;
};

/*
 * A body scanned as text while it comes in (an s3_body_watch): UTF-8
 * checked and escaped sizes counted while the network is still busy, with
 * a mark about every TEXT_SCAN_STEP bytes for window_fit.
 */
struct text_scan {
	size_t		 done;		/* bytes of whole, valid characters */
	size_t		 esc;		/* their escaped size */
	int		 stopped;	/* a byte past done is not text */
	struct buf	 marks;		/* struct text_mark, pos ascending */
};

static void
text_scan_watch(void *arg, const char *body, size_t n)
{
	struct text_scan *t = arg;
	struct text_mark mk, last;

	if (t->stopped || n < t->done)
		return;
	t->done += jsonw_text_scan(body + t->done, n - t->done, &t->esc);
	/* Up to 3 bytes may be a character cut off: wait for the rest. */
	if (n - t->done >= 4)
		t->stopped = 1;
	last.pos = 0;
	if (t->marks.n >= sizeof(last))
		memcpy(&last, t->marks.p + t->marks.n - sizeof(last),
		    sizeof(last));
	if (t->done - last.pos >= TEXT_SCAN_STEP) {
		mk.pos = t->done;
		mk.esc = t->esc;
		/* Without memory there is one mark fewer: a longer fit. */
		(void)buf_add(&t->marks, &mk, sizeof(mk));
	}
}

/*
 * jsonw_escaped_fit of the first len bytes of body, from the last mark of
 * the scan that is within len and room, so only the rest is read again.
 */
static size_t
text_scan_fit(const struct text_scan *t, const char *body, size_t len,
    size_t room, size_t *used)
{
	struct text_mark mk, at;
	size_t lo = 0, hi, mid, cut;

	at.pos = at.esc = 0;
	hi = t->marks.n / sizeof(mk);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&mk, t->marks.p + mid * sizeof(mk), sizeof(mk));
		if (mk.pos <= len && mk.esc <= room) {
			at = mk;
			lo = mid + 1;
		} else
			hi = mid;
	}
	cut = jsonw_escaped_fit(body + at.pos, len - at.pos, room - at.esc,
	    used);
	*used += at.esc;
	return at.pos + cut;
}

/* One window of s3_get_object, as it is described and written. */
struct window {
	struct slice		 b, k;
	const struct s3_meta	*m;
	const char		*body;
	uint64_t		 offset;
	size_t			 len;		/* bytes of body returned */
	enum kind		 kind;
	const char		*img;		/* K_IMAGE: its MIME type */
	const struct buf	*uri;		/* s3://bucket/key, encoded */
	int			 shortened;	/* cut to fit the budget */
	const struct text_scan	*scan;		/* K_TEXT: how it came in */
};

/* Builds structuredContent and the summary line of window x. */
static void
window_describe(struct call *c, const struct window *x)
{
	const struct s3_meta *m = x->m;
	struct jsonw sw;
	uint64_t next = x->offset + x->len;
	int truncated = next < m->size;

	buf_reset(&c->sc);
	buf_reset(&c->text);
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", x->b.p, x->b.n);
	jsonw_kstring(&sw, "key", x->k.p, x->k.n);
	jsonw_kuint(&sw, "size", m->size);
	meta_fields(&sw, m);
	jsonw_kuint(&sw, "offset", x->offset);
	jsonw_kuint(&sw, "length", x->len);
	jsonw_kbool(&sw, "truncated", truncated);
	if (truncated)
		jsonw_kuint(&sw, "next_offset", next);
	jsonw_kbool(&sw, "is_base64", x->kind != K_TEXT);
	jsonw_end_object(&sw);

	text_object(&c->text, x->b, x->k);
	buf_adds(&c->text, " (");
	if (m->content_type[0])
		text_val(&c->text, m->content_type);
	else
		buf_adds(&c->text, "no content type");
	buf_addf(&c->text, ", %llu bytes", (unsigned long long)m->size);
	if (x->kind == K_IMAGE)
		buf_adds(&c->text, "): the whole image follows.");
	else if (x->len == m->size)
		buf_addf(&c->text, "): all of it follows%s.", x->kind == K_TEXT ?
		    " as text" : ", base64-encoded");
	else
		buf_addf(&c->text, "): bytes %llu to %llu follow%s.",
		    (unsigned long long)x->offset,
		    (unsigned long long)(x->len ? next - 1 : x->offset),
		    x->kind == K_TEXT ? " as text" : ", base64-encoded");
	if (x->shortened)
		buf_addf(&c->text, " The window was shortened to fit the "
		    "message budget of %zu bytes (MCP_S3_MAX_MESSAGE_SIZE).",
		    c->t->cfg->max_message);
	if (truncated)
		buf_addf(&c->text, " More follows: call again with offset "
		    "%llu.", (unsigned long long)next);
}

/*
 * Writes the result of window x; with dry set, its body is left out
 * (the content block is still written), so that the rest can be measured.
 */
static void
window_write(struct call *c, const struct window *x, int dry)
{
	size_t n = dry ? 0 : x->len;

	begin_result(c);
	if (x->len > 0 || x->kind == K_IMAGE) {
		jsonw_begin_object(c->w);
		if (x->kind == K_TEXT) {
			jsonw_kstr(c->w, "type", "text");
			jsonw_key(c->w, "text");
			write_long_string(c, x->body, n, 0);
		} else if (x->kind == K_IMAGE) {
			jsonw_kstr(c->w, "type", "image");
			jsonw_key(c->w, "data");
			write_long_string(c, x->body, n, 1);
			jsonw_kstr(c->w, "mimeType", x->img);
		} else {
			jsonw_kstr(c->w, "type", "resource");
			jsonw_key(c->w, "resource");
			jsonw_begin_object(c->w);
			jsonw_kstring(c->w, "uri", x->uri->p, x->uri->n);
			jsonw_kstr(c->w, "mimeType", x->m->content_type[0] ?
			    x->m->content_type : "application/octet-stream");
			jsonw_key(c->w, "blob");
			write_long_string(c, x->body, n, 1);
			jsonw_end_object(c->w);
		}
		jsonw_end_object(c->w);
	}
	end_result(c);
}

/*
 * Measures the answer of window x without its body: written, then taken
 * back (nothing is written out while the body is absent).
 */
static size_t
window_overhead(struct call *c, const struct window *x)
{
	struct jsonw saved = *c->w;
	size_t mark = c->out->out.n, over;

	window_describe(c, x);
	window_write(c, x, 1);
	over = c->out->out.n - mark;
	c->out->out.n = mark;
	*c->w = saved;
	return over;
}

/*
 * Cuts window x until its answer fits the room left in the message:
 * binary to what base64 allows, text by its escaped length on a
 * character.  The first measure is taken as if shortened (the longest
 * summary), so that one pass over the text usually settles it; every
 * answer is measured again before it is accepted.  An image is whole or
 * refused.  Returns 0, or -1 with the refusal written.
 */
static int
window_fit(struct call *c, struct window *x)
{
	size_t over, body, cut, left;

	x->shortened = x->kind != K_IMAGE;
	for (;;) {
		over = window_overhead(c, x);
		left = over < c->room ? c->room - over : 0;
		if (x->kind == K_TEXT)
			cut = text_scan_fit(x->scan, x->body, x->len, left,
			    &body);
		else {
			body = (x->len + 2) / 3 * 4;
			cut = body <= left ? x->len : left / 4 * 3;
		}
		if (cut == x->len) {
			if (!x->shortened)
				return 0;
			/* It all fits: measured again without the note. */
			x->shortened = 0;
			if (window_overhead(c, x) + body <= c->room)
				return 0;
			x->shortened = 1;
			cut = x->len - (x->kind == K_TEXT ? 0 : 1);
			if (x->kind == K_TEXT)
				cut = utf8_boundary(x->body, x->len - 1);
		}
		if (x->kind == K_IMAGE) {
			write_error(c, "SizeLimit", "the image has %llu bytes, "
			    "%zu bytes as base64: more than fits in one answer "
			    "under the message budget of %zu bytes "
			    "(MCP_S3_MAX_MESSAGE_SIZE), and an image is "
			    "returned whole or not at all. Fetch it outside the "
			    "conversation with a presigned URL (s3_presign_url), "
			    "or raise MCP_S3_MAX_MESSAGE_SIZE.",
			    (unsigned long long)x->m->size, body,
			    c->t->cfg->max_message);
			return -1;
		}
		if (cut == 0) {
			write_error(c, "SizeLimit", "not one character of the "
			    "object fits in the %zu bytes left of the message "
			    "budget of %zu bytes (MCP_S3_MAX_MESSAGE_SIZE); "
			    "call it alone, not in a batch, or raise the budget.",
			    c->room, c->t->cfg->max_message);
			return -1;
		}
		x->len = cut;
		/* The digits of length and next_offset only shrink: check. */
		if (window_overhead(c, x) + (x->kind == K_TEXT ? body :
		    (x->len + 2) / 3 * 4) <= c->room)
			return 0;
	}
}

static void
tool_get_object(struct call *c)
{
	const char *img;
	struct s3_meta m, m2;
	struct s3_error err;
	struct window x;
	struct text_scan scan;
	struct buf body, uri;
	struct slice b = arg(c, A_BUCKET), k = arg(c, A_KEY);
	uint64_t offset, length, max = c->t->cfg->max_get_size, len;
	enum kind kind;
	char sizes[64];
	int rc, truncated, bytype;

	offset = (c->a.have & BIT(A_OFFSET)) ? (uint64_t)c->a.num[A_OFFSET] : 0;
	length = (c->a.have & BIT(A_LENGTH)) ? (uint64_t)c->a.num[A_LENGTH] :
	    c->t->cfg->read_size;
	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	buf_init(&body, 0);
	buf_init(&uri, 0);
	memset(&scan, 0, sizeof(scan));
	buf_init(&scan.marks, 0);

	if (length > max) {
		/* Say how large the object is, when S3 tells, so the model
		 * can plan its windows. */
		rc = s3_head_object(c->client, b, k, &m, &err);
		if (rc == S3_ECANCELED) {
			c->canceled = 1;
			goto out;
		}
		if (rc == 0)
			snprintf(sizes, sizeof(sizes), "; the object has %llu "
			    "bytes", (unsigned long long)m.size);
		else
			sizes[0] = '\0';
		write_error(c, "SizeLimit", "length %llu is over the limit of "
		    "%llu bytes one call may return (MCP_S3_MAX_GET_SIZE)%s. "
		    "Read it in windows of at most %llu bytes with offset and "
		    "length, following next_offset, or fetch it outside the "
		    "conversation with a presigned URL.",
		    (unsigned long long)length, (unsigned long long)max, sizes,
		    (unsigned long long)max);
		goto out;
	}

	/*
	 * Every byte of the body takes a byte of the answer at least: no
	 * more than the room left in the message is worth fetching.
	 */
	if (length > c->room)
		length = c->room > 0 ? c->room : 1;
	if ((rc = s3_get_object_watched(c->client, b, k, offset, length,
	    &body, &m, &err, text_scan_watch, &scan)) != 0) {
		if (rc == S3_ERANGE)
			write_error(c, "InvalidArgument", "offset %llu is at or "
			    "past the end of the object, which has %llu bytes",
			    (unsigned long long)offset,
			    (unsigned long long)m.size);
		else
			s3_fail(c, rc, &err);
		goto out;
	}

	kind = K_BINARY;
	len = body.n;
	img = offset == 0 ? image_type(m.content_type,
	    (const unsigned char *)body.p, body.n) : NULL;
	if (img != NULL) {
		if (m.size > max) {
			write_error(c, "SizeLimit", "the image has %llu bytes, "
			    "over the limit of %llu bytes one call may return "
			    "(MCP_S3_MAX_GET_SIZE); an image is returned whole "
			    "or not at all. Raise MCP_S3_MAX_GET_SIZE or fetch "
			    "it with a presigned URL.",
			    (unsigned long long)m.size,
			    (unsigned long long)max);
			goto out;
		}
		if (body.n < m.size) {
			/* The rest of the image, in a second ranged GET. */
			memset(&m2, 0, sizeof(m2));
			buf_init(&m2.user, S3_MAX_META_BYTES);
			rc = s3_get_object(c->client, b, k, body.n,
			    m.size - body.n, &body, &m2, &err);
			s3_meta_free(&m2);
			if (rc != 0) {
				s3_fail(c, rc, &err);
				goto out;
			}
		}
		len = body.n;
		kind = K_IMAGE;
	} else {
		bytype = text_by_type(m.content_type);
		truncated = offset + body.n < m.size;
		len = truncated ? utf8_boundary(body.p, body.n) : body.n;
		/* The scan as it came in settles it, or the checks of old. */
		if (bytype != 0 && (len > 0 || body.n == 0) &&
		    (scan.done == len || (memchr(body.p, '\0', len) == NULL &&
		    utf8_valid(body.p, len))))
			kind = K_TEXT;
		else
			len = body.n;
	}
	/* A default binary window is READ_SIZE characters of base64. */
	if (kind == K_BINARY && !(c->a.have & BIT(A_LENGTH)) &&
	    len > c->t->cfg->read_size / 4 * 3)
		len = c->t->cfg->read_size < 4 ? 1 :
		    c->t->cfg->read_size / 4 * 3;

	memset(&x, 0, sizeof(x));
	x.b = b;
	x.k = k;
	x.m = &m;
	x.body = body.p;
	x.len = len;
	x.offset = offset;
	x.kind = kind;
	x.img = img;
	buf_adds(&uri, "s3://");
	url_encode(&uri, b.p, b.n);
	buf_addc(&uri, '/');
	url_encode_path(&uri, k.p, k.n);
	x.uri = &uri;
	x.scan = &scan;
	if (window_fit(c, &x) != 0)
		goto out;
	c->bytes = x.len;
	c->has_bytes = 1;
	window_write(c, &x, 0);
out:
	buf_free(&scan.marks);
	buf_free(&uri);
	buf_free(&body);
	s3_meta_free(&m);
}

static void
tool_put_object(struct call *c)
{
	struct s3_put_opts o;
	struct s3_written wr;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = arg(c, A_BUCKET), k = arg(c, A_KEY);
	struct slice content = arg(c, A_CONTENT);
	const char *body;
	size_t len;
	int b64 = (c->a.have & BIT(A_IS_BASE64)) && c->a.num[A_IS_BASE64];
	int rc;

	c->content_bytes = content.n;
	c->has_content = 1;
	body = content.p;
	len = content.n;
	/*
	 * Decoded where it lies (in the call's line, or in its unescaped
	 * copy), so a large put holds the line and nothing else: no copy
	 * without the white space, no buffer of decoded bytes.
	 */
	if (b64 && content.n > 0 &&
	    base64_decode_inplace(content_bytes(c), content.n, &len) != 0) {
		write_error(c, "InvalidArgument", "content is not valid "
		    "base64 (standard alphabet A-Z a-z 0-9 + /, with = "
		    "padding)");
		return;
	}
	if (len > c->t->cfg->max_put_size) {
		write_error(c, "SizeLimit", "the content has %zu bytes, over "
		    "the limit of %llu bytes one call may write "
		    "(MCP_S3_MAX_PUT_SIZE); nothing was sent. Upload it with a "
		    "presigned PUT URL instead.", len,
		    (unsigned long long)c->t->cfg->max_put_size);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.content_type = arg(c, A_CONTENT_TYPE);
	if (o.content_type.n == 0)
		o.content_type = b64 ? SLICE_LIT("application/octet-stream") :
		    SLICE_LIT("text/plain; charset=utf-8");
	o.meta = c->a.meta;
	o.nmeta = c->a.nmeta;
	o.if_none_match = (c->a.have & BIT(A_IF_NONE_MATCH)) &&
	    c->a.num[A_IF_NONE_MATCH];
	rc = s3_put_object(c->client, b, k, body, len, &o, &wr, &err);
	if (rc != 0) {
		s3_fail(c, rc, &err);
		return;
	}
	c->bytes = len;
	c->has_bytes = 1;
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kuint(&sw, "size", len);
	if (wr.etag[0])
		jsonw_kstr(&sw, "etag", wr.etag);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Wrote ");
	text_object(&c->text, b, k);
	buf_addf(&c->text, " (%zu bytes, ", len);
	text_safe(&c->text, o.content_type.p, o.content_type.n);
	buf_addc(&c->text, ')');
	if (wr.etag[0]) {
		buf_adds(&c->text, ", ETag ");
		text_etag(&c->text, wr.etag);
	}
	buf_addc(&c->text, '.');
	write_result(c);
}

static void
tool_delete_object(struct call *c)
{
	struct s3_written wr;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = arg(c, A_BUCKET), k = arg(c, A_KEY);
	int rc;

	rc = s3_delete_object(c->client, b, k, arg(c, A_VERSION_ID), &wr,
	    &err);
	if (rc != 0) {
		s3_fail(c, rc, &err);
		return;
	}
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kbool(&sw, "deleted", 1);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	if (wr.delete_marker)
		jsonw_kbool(&sw, "delete_marker", 1);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Deleted ");
	text_object(&c->text, b, k);
	if (wr.version_id[0]) {
		buf_adds(&c->text, " (version ");
		text_val(&c->text, wr.version_id);
		buf_addc(&c->text, ')');
	}
	buf_adds(&c->text, wr.delete_marker ? "; the bucket keeps versions, "
	    "so a delete marker now hides it." : ".");
	write_result(c);
}

static void
tool_copy_object(struct call *c)
{
	struct s3_put_opts o, *replace = NULL;
	struct s3_written wr;
	struct s3_error err;
	struct s3_meta m;
	struct jsonw sw;
	struct slice sb = arg(c, A_SOURCE_BUCKET), sk = arg(c, A_SOURCE_KEY);
	struct slice db = arg(c, A_DEST_BUCKET), dk = arg(c, A_DEST_KEY);
	int rc;

	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	memset(&o, 0, sizeof(o));
	if (c->a.have & (BIT(A_METADATA) | BIT(A_CONTENT_TYPE))) {
		replace = &o;
		o.meta = c->a.meta;
		o.nmeta = c->a.nmeta;
		o.content_type = arg(c, A_CONTENT_TYPE);
		/* REPLACE drops the content type unless it is sent again. */
		if (o.content_type.n == 0) {
			rc = s3_head_object(c->client, sb, sk, &m, &err);
			if (rc != 0) {
				s3_fail(c, rc, &err);
				goto out;
			}
			o.content_type = slice_cstr(m.content_type);
		}
	}
	rc = s3_copy_object(c->client, sb, sk, db, dk, replace, &wr, &err);
	if (rc != 0) {
		s3_fail(c, rc, &err);
		goto out;
	}
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "source_bucket", sb.p, sb.n);
	jsonw_kstring(&sw, "source_key", sk.p, sk.n);
	jsonw_kstring(&sw, "dest_bucket", db.p, db.n);
	jsonw_kstring(&sw, "dest_key", dk.p, dk.n);
	if (wr.etag[0])
		jsonw_kstr(&sw, "etag", wr.etag);
	if (wr.last_modified[0])
		jsonw_kstr(&sw, "last_modified", wr.last_modified);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Copied ");
	text_object(&c->text, sb, sk);
	buf_adds(&c->text, " to ");
	text_object(&c->text, db, dk);
	buf_adds(&c->text, replace ? " with new metadata." : ".");
	write_result(c);
out:
	s3_meta_free(&m);
}

static void
tool_presign_url(struct call *c)
{
	struct s3_error err;
	struct jsonw sw;
	struct buf url;
	struct slice b = arg(c, A_BUCKET), k = arg(c, A_KEY);
	const char *method = "GET";
	char when[21];
	uint32_t expires = 3600;
	time_t now;
	int rc;

	if ((c->a.have & BIT(A_METHOD)) && slice_ieq(arg(c, A_METHOD), "PUT"))
		method = "PUT";
	if (c->a.have & BIT(A_EXPIRES_IN))
		expires = (uint32_t)c->a.num[A_EXPIRES_IN];
	buf_init(&url, 0);
	now = time(NULL);
	rc = s3_presign(c->client, method, b, k, expires, now,
	    c->conn->presign_base, &url, &err);
	if (rc != 0) {
		s3_fail(c, rc, &err);
		goto out;
	}
	/* UTC, whatever TZ says: a URL expires at one instant. */
	time_iso8601(when, now + (time_t)expires);
	sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kstring(&sw, "url", url.p, url.n);
	jsonw_kstr(&sw, "method", method);
	jsonw_kuint(&sw, "expires_in_seconds", expires);
	jsonw_kstr(&sw, "expires_at", when);
	jsonw_end_object(&sw);
	buf_addf(&c->text, "%s URL for ", method);
	text_object(&c->text, b, k);
	buf_addf(&c->text, ", valid until %s (%u s):\n", when,
	    (unsigned)expires);
	buf_add(&c->text, url.p, url.n);
	if (c->conn->session_token != NULL)
		buf_adds(&c->text, "\nIt was signed with temporary credentials "
		    "and stops working when they expire.");
	write_result(c);
out:
	buf_free(&url);
}

/* A refusal before any I/O: an isError result and the audit's decision. */
static int
deny(struct call *c, const char *code, const char *rule, const char *msg)
{
	c->denied = 1;
	snprintf(c->rule, sizeof(c->rule), "%s", rule);
	write_error(c, code, "%s", msg);
	return -1;
}

static int
deny_policy(struct call *c, struct slice b, struct slice k,
    const struct policy_decision *d)
{
	struct buf m;
	int rc;

	buf_init(&m, 0);
	buf_adds(&m, "s3://");
	buf_add(&m, b.p, b.n);
	buf_addc(&m, '/');
	text_safe(&m, k.p, k.n);
	buf_addf(&m, " is refused by the access rules: %s. Hint: stay "
	    "inside the allowed prefixes; the rules are set by "
	    "MCP_S3_ALLOWED_PREFIXES, MCP_S3_DENIED_PREFIXES and "
	    "MCP_S3_ALLOWED_BUCKETS.", d->rule);
	rc = deny(c, "PolicyDenied", d->rule, m.p ? m.p : "refused");
	buf_free(&m);
	return rc;
}

/*
 * The rate limits, before any I/O: the byte budget first (a call it
 * refuses takes no call token), then one call token.  A put needs its
 * content's bytes now; a read needs a budget not in debt, and is charged
 * what it returned afterwards (tools_call).
 */
static int
throttle(struct call *c)
{
	struct tools *t = c->t;
	int64_t now = time_now_ms(), w = 0;
	double need = 0;
	char msg[512];
	int moves;

	moves = c->e->id == TOOL_GET_OBJECT || c->e->id == TOOL_PUT_OBJECT;
	if (t->bytes.on && moves) {
		if (c->e->id == TOOL_PUT_OBJECT) {
			struct slice ct = arg(c, A_CONTENT);
			int b64 = (c->a.have & BIT(A_IS_BASE64)) &&
			    c->a.num[A_IS_BASE64];

			need = b64 ? (double)(ct.n / 4 * 3) : (double)ct.n;
		} else
			need = 1;
		if ((w = rate_wait(&t->bytes, need, now)) < 0) {
			snprintf(msg, sizeof(msg), "the content has %.0f "
			    "bytes, more than MCP_S3_BYTE_LIMIT=%s lets pass "
			    "in one period; it can never be written under "
			    "this limit", need, t->bytes.spec);
			return deny(c, "Throttled", "byte limit", msg);
		}
		if (w > 0) {
			snprintf(msg, sizeof(msg), "the byte budget "
			    "MCP_S3_BYTE_LIMIT=%s is used up; retry after "
			    "%lld ms (retry_after_ms=%lld)", t->bytes.spec,
			    (long long)w, (long long)w);
			return deny(c, "Throttled", "byte limit", msg);
		}
	}
	if ((w = rate_take(&t->calls, 1, now)) > 0) {
		snprintf(msg, sizeof(msg), "too many tool calls: "
		    "MCP_S3_RATE_LIMIT=%s; retry after %lld ms "
		    "(retry_after_ms=%lld)", t->calls.spec, (long long)w,
		    (long long)w);
		return deny(c, "Throttled", "rate limit", msg);
	}
	if (c->e->id == TOOL_PUT_OBJECT)
		rate_charge(&t->bytes, need, now);
	return 0;
}

/* Checks before any I/O: read-only mode, then the access rules. */
static int
gate(struct call *c)
{
	const struct config *cfg = c->t->cfg;
	const struct policy_rules *r = &cfg->rules;
	struct policy_decision d;
	struct slice b, k;
	char msg[512];
	int rc;

	if (cfg->readonly && c->e->write) {
		snprintf(msg, sizeof(msg), "%s changes the bucket, and this "
		    "server is read-only. To allow writes, start it with "
		    "MCP_S3_EXT_READONLY=false.", c->e->name);
		return deny(c, "ReadOnly", "read-only mode", msg);
	}
	if (cfg->readonly && c->e->id == TOOL_PRESIGN_URL &&
	    (c->a.have & BIT(A_METHOD)) && slice_ieq(arg(c, A_METHOD), "PUT"))
		return deny(c, "ReadOnly", "read-only mode", "a presigned PUT "
		    "URL grants write access, and this server is read-only. "
		    "Presign GET to download, or start the server with "
		    "MCP_S3_EXT_READONLY=false to allow writes.");
	if (!policy_active(r))
		return 0;
	switch (c->e->id) {
	case TOOL_GET_OBJECT:
	case TOOL_GET_OBJECT_METADATA:
	case TOOL_PUT_OBJECT:
	case TOOL_DELETE_OBJECT:
	case TOOL_PRESIGN_URL:
		b = arg(c, A_BUCKET);
		k = arg(c, A_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		break;
	case TOOL_COPY_OBJECT:
		b = arg(c, A_SOURCE_BUCKET);
		k = arg(c, A_SOURCE_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		b = arg(c, A_DEST_BUCKET);
		k = arg(c, A_DEST_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		break;
	case TOOL_LIST_OBJECTS:
		b = arg(c, A_BUCKET);
		k = arg(c, A_PREFIX);
		rc = policy_list(r, b, k, &d);
		if (rc == POLICY_LIST_NONE)
			return deny_policy(c, b, k, &d);
		c->filter = rc == POLICY_LIST_FILTER;
		break;
	default:
		return 0;
	}
	snprintf(c->rule, sizeof(c->rule), "%s", d.rule);
	return 0;
}

/* One audit record (and log line) for the call, whatever its end. */
static void
record(struct call *c, struct slice request_id, int64_t t0)
{
	struct audit_record r;
	const struct tools *t = c->t;
	int rc;

	if (t->audit == NULL && !t->cfg->logging)
		return;
	memset(&r, 0, sizeof(r));
	r.tool = slice_cstr(c->e->name);
	r.connection = slice_cstr(c->conn->name);
	if (c->a.have & BIT(A_BUCKET))
		r.bucket = arg(c, A_BUCKET);
	else if (c->a.have & BIT(A_SOURCE_BUCKET))
		r.bucket = arg(c, A_SOURCE_BUCKET);
	if (c->a.have & BIT(A_KEY))
		r.key = arg(c, A_KEY);
	else if (c->a.have & BIT(A_SOURCE_KEY))
		r.key = arg(c, A_SOURCE_KEY);
	else if (c->a.have & BIT(A_PREFIX))
		r.key = arg(c, A_PREFIX);
	if (c->a.have & BIT(A_DEST_BUCKET))
		r.dest_bucket = arg(c, A_DEST_BUCKET);
	if (c->a.have & BIT(A_DEST_KEY))
		r.dest_key = arg(c, A_DEST_KEY);
	if (c->invalid)
		r.status = AUDIT_STATUS_INVALID;
	else if (c->denied)
		r.status = AUDIT_STATUS_DENIED;
	else if (c->code[0] != '\0')
		r.status = AUDIT_STATUS_ERROR;
	else
		r.status = AUDIT_STATUS_OK;
	if (!c->invalid)
		r.decision = c->denied ? AUDIT_DECISION_DENY :
		    AUDIT_DECISION_ALLOW;
	if (c->rule[0] != '\0')
		r.rule = c->rule;
	if (c->code[0] != '\0')
		r.error = c->code;
	r.request_id = request_id;
	if (c->s3_request_id[0] != '\0')
		r.s3_request_id = slice_cstr(c->s3_request_id);
	if (c->has_bytes) {
		r.bytes = c->bytes;
		r.flags |= AUDIT_F_BYTES;
	}
	if (c->has_content) {
		r.content_bytes = c->content_bytes;
		r.flags |= AUDIT_F_CONTENT_BYTES;
	}
	r.duration_ms = time_now_ms() - t0;
	r.flags |= AUDIT_F_DURATION;
	if (t->audit != NULL && (rc = audit_write(t->audit, &r)) != 0 &&
	    !t->audit_failed) {
		/* Said once; the calls go on. */
		fprintf(stderr, "mcp-s3: writing the audit record failed: %s\n",
		    audit_strerror(rc));
		((struct tools *)t)->audit_failed = 1;
	}
	if (t->cfg->logging)
		(void)audit_log_line(2, &r);
}

/* ---- entry points ----------------------------------------------------- */

/* see tools.h */
int
tools_init(struct tools *t, const struct config *cfg, char *err,
    size_t errlen)
{
	struct s3_error se;
	size_t i;
	struct tls_trust_env trust;
	const char *var, *val;
	int need_tls = 0, rc;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	if (listing_key_init(&t->list_key) != 0) {
		snprintf(err, errlen, "cannot draw the key that seals listing "
		    "tokens: no random bytes (getrandom, /dev/urandom)");
		return -1;
	}
	t->calls = cfg->rate_calls;
	t->bytes = cfg->rate_bytes;
	rate_start(&t->calls, time_now_ms());
	rate_start(&t->bytes, time_now_ms());
	for (i = 0; i < cfg->nconns; i++)
		need_tls |= cfg->conns[i].tls && cfg->conns[i].ca_bundle == NULL;
	if (need_tls) {
		memset(&trust, 0, sizeof(trust));
		if (cfg->ca_bundle_var != NULL &&
		    strcmp(cfg->ca_bundle_var, "AWS_CA_BUNDLE") == 0)
			trust.aws_ca_bundle = cfg->ca_bundle;
		else
			trust.ssl_cert_file = cfg->ca_bundle;
		trust.ssl_cert_dir = cfg->ssl_cert_dir;
		rc = tls_anchors_from_env(&t->anchors, &trust, &var, &val);
		if (rc != 0 && var != NULL) {
			snprintf(err, errlen, "%s: cannot load trusted CA "
			    "certificates from %s: %s", var, val,
			    tls_strerror(rc));
			return -1;
		} else if (rc != 0) {
			snprintf(err, errlen, "https: cannot load trusted CA "
			    "certificates: %s", tls_strerror(rc));
			return -1;
		}
	}
	/* A connection with its own ca_bundle trusts only that. */
	for (i = 0; i < cfg->nconns; i++) {
		t->conn_anchors[i] = t->anchors;
		if (!cfg->conns[i].tls || cfg->conns[i].ca_bundle == NULL)
			continue;
		rc = tls_anchors_load(&t->own_anchors[i],
		    cfg->conns[i].ca_bundle);
		if (rc != 0) {
			snprintf(err, errlen, "S3_ADDITIONAL_CONNECTIONS: "
			    "connection \"%s\": cannot load ca_bundle %s: %s",
			    cfg->conns[i].name, cfg->conns[i].ca_bundle,
			    tls_strerror(rc));
			return -1;
		}
		t->conn_anchors[i] = t->own_anchors[i];
	}
	/* A sealed log wipes K0 (config's own, non-const object) once open. */
	if (cfg->audit && audit_open_sealed(&t->audit, cfg->audit_file,
	    &(struct audit_sealing){ cfg->audit_keyed ?
	    (uint8_t *)cfg->audit_key : NULL, cfg->audit_seal_records,
	    cfg->audit_seal_seconds }, err, errlen) != 0)
		return -1;
	for (i = 0; i < cfg->nconns; i++) {
		if (s3_client_open(&t->clients[i], &cfg->conns[i],
		    t->conn_anchors[i], cfg->get, cfg->get_arg, &se) != 0) {
			snprintf(err, errlen, "%s", se.message[0] ? se.message :
			    "out of memory");
			return -1;
		}
	}
	return 0;
}

/* see tools.h */
void
tools_free(struct tools *t)
{
	size_t i;

	for (i = 0; i < t->cfg->nconns; i++)
		s3_client_free(&t->clients[i]);
	listing_key_wipe(&t->list_key);
	tls_anchors_free(t->anchors);
	t->anchors = NULL;
	for (i = 0; i < CONFIG_MAX_CONNS; i++) {
		tls_anchors_free(t->own_anchors[i]);
		t->own_anchors[i] = NULL;
	}
	if (t->audit != NULL)
		audit_close(t->audit);
	t->audit = NULL;
}

/* see tools.h */
void
tools_watch(struct tools *t, int fd, int (*on_input)(void *), void *arg)
{
	size_t i;

	for (i = 0; i < t->cfg->nconns; i++)
		s3_client_watch(&t->clients[i], fd, on_input, arg);
}

/* see tools.h */
int
tools_call(struct tools *t, const struct catalog_entry *e,
    const struct json *j, int args, struct slice request_id, size_t room,
    struct jsonw *w, struct jsonrpc_writer *out)
{
	struct call c;
	struct slice cn;
	size_t i;
	int64_t t0 = time_now_ms();

	memset(&c, 0, sizeof(c));
	c.t = t;
	c.e = e;
	c.w = w;
	c.out = out;
	c.room = room;
	buf_init(&c.sc, 0);
	buf_init(&c.text, 0);
	c.conn = &t->cfg->conns[t->cfg->default_conn];
	if (parse_args(&c, j, args) != 0) {
		c.invalid = 1;
		goto done;
	}
	cn = arg(&c, A_CONNECTION);
	c.conn = config_conn_find(t->cfg, cn.p, cn.n);
	if (c.conn == NULL) {
		struct buf names;

		buf_init(&names, 0);
		for (i = 0; i < t->cfg->nconns; i++)
			buf_addf(&names, "%s%s", i ? ", " : "",
			    t->cfg->conns[i].name);
		c.conn = &t->cfg->conns[t->cfg->default_conn];
		write_error(&c, "ConnectionNotFound", "no connection named "
		    "\"%s\"; known connections: %s", c.a.str[A_CONNECTION].p,
		    names.p);
		buf_free(&names);
		c.invalid = 1;
		goto done;
	}
	c.client = &t->clients[c.conn - t->cfg->conns];
	if (throttle(&c) != 0 || gate(&c) != 0)
		goto done;

	switch (e->id) {
	case TOOL_LIST_BUCKETS:
		tool_list_buckets(&c);
		break;
	case TOOL_LIST_OBJECTS:
		tool_list_objects(&c);
		break;
	case TOOL_GET_OBJECT:
		tool_get_object(&c);
		break;
	case TOOL_GET_OBJECT_METADATA:
		tool_get_object_metadata(&c);
		break;
	case TOOL_PUT_OBJECT:
		tool_put_object(&c);
		break;
	case TOOL_DELETE_OBJECT:
		tool_delete_object(&c);
		break;
	case TOOL_COPY_OBJECT:
		tool_copy_object(&c);
		break;
	case TOOL_PRESIGN_URL:
		tool_presign_url(&c);
		break;
	case TOOL_LIST_CONNECTIONS:
		tool_list_connections(&c);
		break;
	default:
		write_error(&c, "InternalError", "tool not implemented");
		break;
	}
done:
	/*
	 * An answer the writer refused (it should never happen: every
	 * string is made UTF-8 first) reaches the client as an error with
	 * the call's id (mcp.c), and the audit says so.
	 */
	if (jsonw_error(w) != 0 && !c.canceled)
		snprintf(c.code, sizeof(c.code), "InternalError");
	if (e->id == TOOL_GET_OBJECT && c.has_bytes)
		rate_charge(&t->bytes, (double)c.bytes, time_now_ms());
	record(&c, request_id, t0);
	free_args(&c.a);
	buf_free(&c.sc);
	buf_free(&c.text);
	return c.canceled ? TOOLS_ECANCELED : 0;
}
