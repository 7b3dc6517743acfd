/*
 * tools_args.c - the arguments of a tool call: their bounds, parsing and checks; see tools_impl.h.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "tools_impl.h"

/* The longest string argument but content (continuation_token), in bytes. */
#define ARG_STRING_BYTES	4096

/* Bounds as the input schemas of catalog.c state them. */
const struct argdef tools_argdefs[A_COUNT] = {
	[A_BUCKET] = { "bucket", T_STRING, S3_MIN_BUCKET_BYTES,
	    S3_MAX_BUCKET_BYTES },
	[A_KEY] = { "key", T_STRING, 1, S3_MAX_KEY_BYTES },
	[A_PREFIX] = { "prefix", T_STRING, 0, S3_MAX_KEY_BYTES },
	[A_DELIMITER] = { "delimiter", T_STRING, 0, 16 },
	[A_MAX_KEYS] = { "max_keys", T_INTEGER, 1, S3_MAX_LIST_KEYS },
	[A_TOKEN] = { "continuation_token", T_STRING, 1, ARG_STRING_BYTES },
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


struct slice
tools_arg(const struct call *c, enum argid id)
{
	struct slice s = { "", 0 };

	if (id == A_CONTENT && c->a.content != NULL) {
		s.p = c->a.content;
		s.n = c->a.ncontent;
	} else if (id != A_CONTENT && (c->a.have & BIT(id)))
		s = c->a.str[id];
	return s;
}

/*
 * String token t, decoded in dec, as a NUL-terminated copy in the call's
 * arena.  0, or -1 when it does not decode or fit.
 */
static int
decode_copy(struct call *c, const struct json *j, int t, struct buf *dec,
    struct slice *out)
{
	buf_reset(dec);
	if (json_decode(j, t, dec) != 0 ||
	    (out->p = arena_strndup(&c->arena, dec->p, dec->n)) == NULL)
		return -1;
	out->n = dec->n;
	return 0;
}

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

/* "bucket, key, ..." or "no arguments", in the call's arena. */
static const char *
list_taken(struct call *c, unsigned takes)
{
	const char *list = "";
	size_t i;

	for (i = 0; i < A_COUNT && list != NULL; i++)
		if (takes & BIT(i))
			list = arena_printf(&c->arena, "%s%s%s", list,
			    list[0] != '\0' ? ", " : "", tools_argdefs[i].name);
	if (list == NULL)
		return "(out of memory)";
	return list[0] != '\0' ? list : "no arguments";
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
 * metadata: an object of strings, decoded one after another into a
 * buffer of the call.  Names become x-amz-meta-<name>: HTTP
 * token characters only, kept lower case as S3 stores them; values are
 * printable ASCII, which is what a header can carry without encoding.
 */
static int
parse_meta(struct call *c, const struct json *j, int obj)
{
	struct buf *b;
	size_t i, start, total = 0;
	int k;

	if ((b = tools_buf(c, S3_MAX_META_BYTES + 1)) == NULL)
		return -1;
	if (json_type(j, obj) != JSON_OBJECT) {
		tools_error(c, "InvalidArgument", "metadata must be an object "
		    "of strings");
		return -1;
	}
	if ((size_t)json_size(j, obj) > S3_MAX_META_ENTRIES) {
		tools_error(c, "InvalidArgument", "metadata has more than %d "
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
		tools_error(c, "InvalidArgument", "metadata is over 2 KB in all "
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
				tools_error(c, "InvalidArgument", "metadata "
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
	tools_error(c, "InvalidArgument", "metadata names must be 1 to 128 "
	    "letters, digits, '-' or '_'");
	return -1;
badvalue:
	tools_error(c, "InvalidArgument", "metadata values must be strings of "
	    "printable ASCII (S3 sends them as HTTP headers)");
	return -1;
}

/* 0, or -1 after writing an InvalidArgument result. */
int
tools_parse_args(struct call *c, const struct json *j, int obj)
{
	const struct argdef *d;
	struct buf *dec, *body;
	unsigned takes = c->d->takes;
	unsigned needs = c->d->needs;
	struct slice raw;
	size_t i;
	int k, v, rc;

	c->a.have = 0;
	if ((dec = tools_buf(c, ARG_STRING_BYTES + 1)) == NULL)
		return -1;
	for (k = obj >= 0 ? json_child(j, obj) : -1; k >= 0;
	    k = json_next(j, k)) {
		v = k + 1;
		for (i = 0; i < A_COUNT; i++)
			if ((takes & BIT(i)) && json_streq(j, k, tools_argdefs[i].name))
				break;
		if (i == A_COUNT) {
			raw = json_raw(j, k);
			tools_error(c, "InvalidArgument", "unknown argument "
			    "%.*s; %s takes %s", (int)utf8_boundary(raw.p,
			    raw.n > 80 ? 80 : raw.n), raw.p, c->e->name,
			    list_taken(c, takes));
			return -1;
		}
		d = &tools_argdefs[i];
		/* Clients often send null for an optional argument. */
		if (json_type(j, v) == JSON_NULL)
			continue;
		if (d->type == T_BOOLEAN) {
			int bv;

			if (json_bool(j, v, &bv) != 0) {
				tools_error(c, "InvalidArgument", "%s must be true "
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
					tools_error(c, "InvalidArgument", "%s must "
					    "be an integer of at least %lld",
					    d->name, (long long)d->min);
				else
					tools_error(c, "InvalidArgument", "%s must "
					    "be an integer from %lld to %lld",
					    d->name, (long long)d->min,
					    (long long)d->max);
				return -1;
			}
		} else {
			if (json_type(j, v) != JSON_STRING) {
				tools_error(c, "InvalidArgument", "%s must be a "
				    "string", d->name);
				return -1;
			}
			raw = json_raw(j, v);
			if (i == A_CONTENT && memchr(raw.p, '\\', raw.n) == NULL) {
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
			if (i == A_CONTENT) {
				/* Unescaped into a buffer of its own: megabytes. */
				if ((body = tools_buf(c, 0)) == NULL)
					return -1;
				rc = json_decode(j, v, body);
				c->a.content = body->p;
				c->a.ncontent = body->n;
				raw.p = body->p;
				raw.n = body->n;
			} else {
				rc = decode_copy(c, j, v, dec, &c->a.str[i]) != 0 ||
				    c->a.str[i].n < (size_t)d->min ||
				    c->a.str[i].n > (size_t)d->max;
				raw = c->a.str[i];
			}
			if (rc != 0) {
				tools_error(c, "InvalidArgument", "%s must be "
				    "%lld to %lld bytes long", d->name,
				    (long long)d->min, (long long)d->max);
				return -1;
			}
			if (raw.n > 0 && memchr(raw.p, '\0', raw.n)) {
				tools_error(c, "InvalidArgument", "%s must not "
				    "contain a NUL character", d->name);
				return -1;
			}
		}
		c->a.have |= BIT(i);
	}
	for (i = 0; i < A_COUNT; i++) {
		if ((needs & BIT(i)) && !(c->a.have & BIT(i))) {
			tools_error(c, "InvalidArgument", "%s is required",
			    tools_argdefs[i].name);
			return -1;
		}
	}
	for (i = 0; i < A_COUNT; i++) {
		if (i != A_BUCKET && i != A_SOURCE_BUCKET && i != A_DEST_BUCKET)
			continue;
		if ((c->a.have & BIT(i)) && !valid_bucket(c->a.str[i].p,
		    c->a.str[i].n)) {
			tools_error(c, "InvalidArgument", "%s \"%s\" is not a "
			    "bucket name: use letters, digits, '.', '-' and '_'",
			    tools_argdefs[i].name, c->a.str[i].p);
			return -1;
		}
	}
	/* Sent as a header: printable ASCII only, and said so by name. */
	if (c->a.have & BIT(A_CONTENT_TYPE)) {
		struct slice ct = tools_arg(c, A_CONTENT_TYPE);

		for (i = 0; i < ct.n; i++)
			if ((unsigned char)ct.p[i] < 0x20 ||
			    (unsigned char)ct.p[i] > 0x7e) {
				tools_error(c, "InvalidArgument", "content_type "
				    "must be printable ASCII, such as "
				    "text/csv; charset=utf-8");
				return -1;
			}
	}
	if ((c->a.have & BIT(A_METHOD)) &&
	    !slice_ieq(tools_arg(c, A_METHOD), "GET") &&
	    !slice_ieq(tools_arg(c, A_METHOD), "PUT")) {
		tools_error(c, "InvalidArgument", "method must be GET or PUT "
		    "(any case)");
		return -1;
	}
	return 0;
}

