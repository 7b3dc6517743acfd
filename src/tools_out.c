/*
 * tools_out.c - results of the tools: text and structuredContent,
 * errors, S3 failures and the message budget; see tools_impl.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "tls.h"
#include "tools_impl.h"

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

/*
 * Opens a CallToolResult up to its first text block's "text" member:
 * {["resultType":"complete",]"content":[{"type":"text",
 */
static void
open_result(struct call *c)
{
	jsonw_begin_object(c->w);
	if (c->flags & TOOLS_MODERN)
		jsonw_kstr(c->w, "resultType", "complete");
	jsonw_key(c->w, "content");
	jsonw_begin_array(c->w);
	jsonw_begin_object(c->w);
	jsonw_kstr(c->w, "type", "text");
}

/* Writes an isError result: "<code>: <message>". */
void
tools_error(struct call *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	char tmp[2048], *msg;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(c->code, sizeof(c->code), "%.63s", code);
	/* A message cut to fit must not end inside a character. */
	msg = arena_printf(&c->arena, "%s: %.*s", code,
	    (int)utf8_boundary(tmp, strlen(tmp)), tmp);
	if (msg == NULL)
		msg = tmp;
	n = strlen(msg);

	open_result(c);
	/*
	 * Arguments are valid UTF-8; should a quoted piece still be cut
	 * inside a character, its bytes become '?' so the text survives.
	 */
	if (!utf8_valid(msg, n))
		utf8_scrub(msg, n);
	jsonw_kstring(c->w, "text", msg, n);
	jsonw_end_object(c->w);
	jsonw_end_array(c->w);
	jsonw_kbool(c->w, "isError", 1);
	jsonw_end_object(c->w);
}

/*
 * Appends s for a text line: control characters as escapes (\n, \t, \r,
 * \xNN for C0 and DEL, \uNNNN for C1 and U+2028/U+2029, the other line
 * breaks), and '"' and '\\' after a backslash, so that nothing from S3
 * can end a quoted value or start a line of its own.
 */
void
tools_text_safe(struct buf *b, const char *p, size_t n)
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

/* A NUL-terminated value from S3, by tools_text_safe(); "-" when empty. */
void
tools_text_val(struct buf *b, const char *s)
{
	if (s[0] == '\0')
		buf_addc(b, '-');
	else
		tools_text_safe(b, s, strlen(s));
}

/* An ETag without HTTP's quotes around it. */
void
tools_text_etag(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		tools_text_safe(b, s + 1, n - 2);
	else
		tools_text_val(b, s);
}

/* ---- arguments ------------------------------------------------------ */

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
			tools_text_safe(&m, err->message, strlen(err->message));
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
				tools_text_safe(&m, c->a.str[A_KEY].p, c->a.str[A_KEY].n);
		}
		if (err->request_id[0]) {
			buf_adds(&m, ", request id ");
			tools_text_safe(&m, err->request_id, strlen(err->request_id));
		}
		buf_adds(&m, ")");
		if (err->region[0]) {
			buf_adds(&m, " The bucket is in region ");
			tools_text_safe(&m, err->region, strlen(err->region));
			buf_addc(&m, '.');
		}
		for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
			if (strcmp(code, hints[i].code) == 0)
				hint = hints[i].hint;
		if (hint != NULL)
			buf_addf(&m, " Hint: %s", hint);
		break;
	}
	tools_error(c, code, "%s", m.p ? m.p : "");
	buf_free(&m);
}

/* A failed S3 call: an error result, or nothing when it was cancelled. */
void
tools_s3_fail(struct call *c, int rc, const struct s3_error *err)
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
void
tools_begin_result(struct call *c)
{
	open_result(c);
	if (c->srv->cfg->text_format == CONFIG_TEXT_JSON)
		jsonw_kstring(c->w, "text", c->sc.p, c->sc.n);
	else
		jsonw_kstring(c->w, "text", c->text.p, c->text.n);
	jsonw_end_object(c->w);
}

/* Ends it: ], "structuredContent": {...} } */
void
tools_end_result(struct call *c)
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
void
tools_write_result(struct call *c)
{
	struct jsonw saved = *c->w;
	size_t mark = c->out->out.n, sent = c->out->sent, size, fit;
	uint64_t asked;

	tools_begin_result(c);
	tools_end_result(c);
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
		tools_error(c, "SizeLimit", "this page of the listing would "
		    "take %zu bytes, more than the %zu bytes left of the "
		    "message budget (MCP_S3_MAX_MESSAGE_SIZE=%zu). Ask for "
		    "fewer keys: max_keys %zu fits.", size, c->room,
		    c->srv->cfg->max_message, fit > 0 ? fit : 1);
	} else
		tools_error(c, "SizeLimit", "the answer would take %zu bytes, "
		    "more than the %zu bytes left of the message budget "
		    "(MCP_S3_MAX_MESSAGE_SIZE=%zu); raise it, or call the "
		    "tool alone rather than in a batch.", size, c->room,
		    c->srv->cfg->max_message);
}

/* Writes n bytes of p as a JSON string, in pieces, draining as it goes. */
void
tools_long_string(struct call *c, const char *p, size_t n, int b64)
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
void
tools_sc_begin(struct call *c, struct jsonw *sw)
{
	jsonw_init(sw, &c->sc);
	jsonw_begin_object(sw);
}

/* The object named in structuredContent and in the summary line. */
void
tools_text_object(struct buf *t, struct slice b, struct slice k)
{
	buf_adds(t, "s3://");
	buf_add(t, b.p, b.n);
	buf_addc(t, '/');
	tools_text_safe(t, k.p, k.n);
}

