/*
 * tools_out.c - results of the tools: text and structuredContent,
 * errors, S3 failures and the message budget; see tools_impl.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "s3err.h"
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

/* see tools_impl.h */
struct buf *
tools_buf(struct call *c, size_t limit)
{
	struct buf *b;

	if ((b = arena_buf(&c->arena, limit)) == NULL)
		tools_error(c, "InternalError", "out of memory");
	return b;
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

/* ---- S3 errors -------------------------------------------------------- */

/* The endpoint a failure names. */
static const char *
endpoint(const struct call *c)
{
	return c->conn->endpoint ? c->conn->endpoint : c->conn->host;
}

static void
write_s3_error(struct call *c, int rc, const struct s3_error *err)
{
	struct buf m;
	struct s3err x;
	const char *why;

	s3err_map(rc, err, &x);
	why = err->message[0] ? err->message : x.what;
	buf_init(&m, 0);
	switch (rc) {
	case S3_ETIMEOUT:
		buf_addf(&m, "%s (no answer within S3_TIMEOUT, %lld ms). "
		    "Check that %s is up and reachable, or raise S3_TIMEOUT.",
		    why, (long long)c->conn->timeout_ms, endpoint(c));
		break;
	case S3_ENET:
	case S3_ETLS:
		buf_addf(&m, "%s (endpoint %s). %s", why, endpoint(c), x.hint);
		break;
	case S3_EPROTO:
		buf_addf(&m, "the server's reply could not be read: %s", why);
		break;
	case S3_ENOCREDS:
		buf_addf(&m, "%s. %s", why, x.hint);
		break;
	case S3_ECREDS:
		buf_addf(&m, "connection \"%s\": %s", c->conn->name, why);
		break;
	case S3_ENOMEM:
		buf_adds(&m, x.what);
		break;
	case S3_EINVAL:
		buf_adds(&m, why);
		break;
	default:
		if (err->message[0])
			tools_text_safe(&m, err->message, strlen(err->message));
		else
			buf_adds(&m, x.what != NULL ? x.what :
			    "the request failed");
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
		if (x.hint != NULL)
			buf_addf(&m, " Hint: %s", x.hint);
		break;
	}
	tools_error(c, x.code, "%s", m.p ? m.p : "");
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

