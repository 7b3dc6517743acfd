/*
 * mcp.c - the MCP server loop; see mcp.h.
 */
/* ppoll(): Linux, the BSDs and musl declare it for _GNU_SOURCE. */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "catalog.h"
#include "json.h"
#include "jsonrpc.h"
#include "jsonw.h"
#include "limits.h"
#include "mcp.h"
#include "server.h"
#include "tools.h"

#ifndef MCP_S3_VERSION
#define MCP_S3_VERSION	"dev"
#endif


/* Only 2025-03-26 has JSON-RPC batches. */
#define BATCH_VERSION	"2025-03-26"
/* What follows a tool's result in its line: '}' closing the response, '\n'. */
#define RESPONSE_TAIL	2
/* In a batch, a tool call starts a new line when less than this part of the
 * budget (1/N) is left in the open one. */
#define BATCH_FRESH_PART	2
/* Tokens of a cancellation notice scanned while a call runs. */
#define SCAN_TOKENS	64

const char *const mcp_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

/*
 * The stateless revision: a request that names it in its _meta is served
 * on its own, before or without initialize.
 */
#define MODERN_VERSION	"2026-07-28"
#define META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define META_CAPS	"io.modelcontextprotocol/clientCapabilities"
#define META_SERVER	"io.modelcontextprotocol/serverInfo"
/* UnsupportedProtocolVersionError (2026-07-28). */
#define MCP_UNSUPPORTED_VERSION	(-32022)
/* A requested version longer than this is not echoed but refused. */
#define MCP_MAX_VERSION_BYTES	64
/*
 * Cache hints of the lists (2026-07-28): what this process lists never
 * changes while it runs, but it depends on its settings, so no cache
 * shared between users should keep it.
 */
#define MCP_LIST_TTL_MS		3600000
#define MCP_CACHE_SCOPE		"private"

static const char instructions[] =
    "mcp-s3 gives access to Amazon S3 or S3-compatible storage (read-only "
    "unless the server enables writes). "
    "Find buckets with s3_list_buckets, browse a bucket with "
    "s3_list_objects (prefix, delimiter \"/\", and continuation_token to "
    "page), check an object with s3_get_object_metadata, and read it with "
    "s3_get_object one window at a time (offset, length; follow "
    "next_offset while truncated is true); for objects too large to read "
    "here, s3_presign_url makes a download URL. Errors start with a stable "
    "code such as NoSuchKey or AccessDenied, followed by what to do.";

static volatile sig_atomic_t stopping;

/* Tokens held at first; a longer message grows the array for itself. */
#define MCP_FIRST_TOKENS	512
/* Room kept between messages; more was grown for one and is given back. */
#define MCP_KEEP_TOKENS		2048

struct mcp {
	const struct config	*cfg;
	struct server		*srv;
	struct jsonrpc_reader	 rd;
	struct jsonrpc_writer	 wr;
	struct json_tok		*tok;
	size_t			 ntok;		/* up to JSON_MAX_TOKENS */
	int			 initialized;	/* initialize answered */
	const char		*version;	/* negotiated */
	struct buf		 call_id;	/* raw id of the call in flight */
	struct slice		 resp_id;	/* raw id being answered */
	int			 cancelled;
	int			 in_batch;
	int			 batch_first;
};

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* see mcp.h */
void
mcp_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read must return so the loop can end. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Opens the envelope of the response to id: {"jsonrpc":"2.0","id":... */
static void
envelope(struct mcp *m, struct jsonw *w, struct slice id)
{
	m->resp_id = id;
	jsonw_init(w, &m->wr.out);
	jsonw_begin_object(w);
	jsonw_kstr(w, "jsonrpc", "2.0");
	jsonw_key(w, "id");
	if (id.p != NULL)
		jsonw_raw(w, id.p, id.n);
	else
		jsonw_null(w);
}

/* Starts a response: the separator inside a batch, then the envelope. */
static void
begin_response(struct mcp *m, struct jsonw *w, struct slice id)
{
	if (m->in_batch) {
		if (m->batch_first)
			buf_addc(&m->wr.out, '[');
		else
			buf_addc(&m->wr.out, ',');
		m->batch_first = 0;
	}
	envelope(m, w, id);
}

/* Ends an envelope with "error":{"code":...,"message":...}}. */
static void
error_member(struct jsonw *w, int code, const char *msg)
{
	jsonw_key(w, "error");
	jsonw_begin_object(w);
	jsonw_kint(w, "code", code);
	jsonw_kstr(w, "message", msg);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

static int
end_message(struct mcp *m, struct jsonw *w)
{
	char msg[160];
	int err;

	/*
	 * A writer that failed has cut its output back (to after a batch's
	 * separator): put an error to the same id in its place rather than
	 * an empty line or a dangling comma.
	 */
	if ((err = jsonw_error(w)) != 0) {
		snprintf(msg, sizeof(msg), "Internal error: the answer could "
		    "not be written (%s); the server goes on",
		    jsonw_strerror(err));
		envelope(m, w, m->resp_id);
		error_member(w, JSONRPC_INTERNAL_ERROR, msg);
	}
	if (m->in_batch)
		return 0;
	return jsonrpc_writer_end(&m->wr);
}

static int
send_error(struct mcp *m, struct slice id, int code, const char *msg)
{
	struct jsonw w;

	begin_response(m, &w, id);
	error_member(&w, code, msg);
	return end_message(m, &w);
}

/* "capabilities":{...}, the same in both eras. */
static void
capabilities(struct jsonw *w)
{
	jsonw_key(w, "capabilities");
	jsonw_begin_object(w);
	jsonw_key(w, "tools");
	jsonw_begin_object(w);
	jsonw_kbool(w, "listChanged", 0);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

/* The Implementation object: initialize's serverInfo, discover's _meta. */
static void
server_info(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	jsonw_begin_object(w);
	jsonw_kstr(w, "name", "mcp-s3");
	jsonw_kstr(w, "title", "S3 (mcp-s3)");
	jsonw_kstr(w, "version", MCP_S3_VERSION);
	jsonw_end_object(w);
}

/*
 * Opens a response's result object; a modern one starts with its
 * resultType, and a list (cacheable) with the cache hints too.
 */
static void
begin_result(struct mcp *m, struct jsonw *w, struct slice id, int modern,
    int cacheable)
{
	begin_response(m, w, id);
	jsonw_key(w, "result");
	jsonw_begin_object(w);
	if (modern)
		jsonw_kstr(w, "resultType", "complete");
	if (modern && cacheable) {
		jsonw_kint(w, "ttlMs", MCP_LIST_TTL_MS);
		jsonw_kstr(w, "cacheScope", MCP_CACHE_SCOPE);
	}
}

/* Ends what begin_result opened: the result, then the envelope. */
static int
end_result(struct mcp *m, struct jsonw *w)
{
	jsonw_end_object(w);
	jsonw_end_object(w);
	return end_message(m, w);
}

static void
version_list(struct jsonw *w, const char *key)
{
	size_t i;

	jsonw_key(w, key);
	jsonw_begin_array(w);
	jsonw_str(w, MODERN_VERSION);
	for (i = 0; mcp_versions[i] != NULL; i++)
		jsonw_str(w, mcp_versions[i]);
	jsonw_end_array(w);
}

/*
 * server/discover, in either era and at any time: it changes nothing, so
 * a client that then sends initialize gets the legacy handshake as ever.
 */
static int
do_discover(struct mcp *m, struct slice id)
{
	struct jsonw w;

	begin_result(m, &w, id, 1, 1);
	version_list(&w, "supportedVersions");
	capabilities(&w);
	jsonw_kstr(&w, "instructions", instructions);
	jsonw_key(&w, "_meta");
	jsonw_begin_object(&w);
	server_info(&w, META_SERVER);
	jsonw_end_object(&w);
	return end_result(m, &w);
}

static int
send_unsupported(struct mcp *m, struct slice id, struct slice requested)
{
	struct jsonw w;

	begin_response(m, &w, id);
	jsonw_key(&w, "error");
	jsonw_begin_object(&w);
	jsonw_kint(&w, "code", MCP_UNSUPPORTED_VERSION);
	jsonw_kstr(&w, "message", "Unsupported protocol version: this "
	    "server speaks " MODERN_VERSION " per request, and 2025-11-25, "
	    "2025-06-18, 2025-03-26 and 2024-11-05 after initialize");
	jsonw_key(&w, "data");
	jsonw_begin_object(&w);
	version_list(&w, "supported");
	jsonw_key(&w, "requested");
	jsonw_raw(&w, requested.p, requested.n);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return end_message(m, &w);
}

/*
 * The era of request t: 1 when its params._meta names a protocol version
 * (2026-07-28: served on its own), 0 when not (legacy: it needs
 * initialize).  A modern request this server cannot serve is answered
 * here, and -1 returned with *rc the result of writing that answer:
 * another version (UnsupportedProtocolVersionError), or no client
 * capabilities, which every modern request but server/discover carries.
 */
static int
request_era(struct mcp *m, const struct json *j, struct slice id,
    int params, int *rc)
{
	struct slice v;
	int meta, vt;

	meta = params >= 0 ? json_find(j, params, "_meta") : JSON_ENOTFOUND;
	if (json_type(j, meta) != JSON_OBJECT)
		return 0;
	if ((vt = json_find(j, meta, META_VERSION)) < 0)
		return 0;
	*rc = 0;
	v = json_raw(j, vt);
	if (json_type(j, vt) != JSON_STRING)
		*rc = send_error(m, id, JSONRPC_INVALID_PARAMS, "Invalid "
		    "params: _meta " META_VERSION " must be a string");
	else if (v.n > MCP_MAX_VERSION_BYTES)
		*rc = send_error(m, id, JSONRPC_INVALID_PARAMS, "Invalid "
		    "params: _meta " META_VERSION " is longer than any "
		    "protocol version");
	else if (!json_streq(j, vt, MODERN_VERSION))
		*rc = send_unsupported(m, id, v);
	else if (json_type(j, json_find(j, meta, META_CAPS)) != JSON_OBJECT)
		*rc = send_error(m, id, JSONRPC_INVALID_PARAMS, "Invalid "
		    "params: a " MODERN_VERSION " request needs _meta "
		    META_CAPS " (an object)");
	else
		return 1;
	return -1;
}

static const char *
pick_version(const struct json *j, int params)
{
	int v;
	size_t i;

	v = json_find(j, params, "protocolVersion");
	for (i = 0; mcp_versions[i] != NULL; i++)
		if (json_streq(j, v, mcp_versions[i]))
			return mcp_versions[i];
	return mcp_versions[0];
}

static int
do_initialize(struct mcp *m, const struct json *j, struct slice id,
    int params)
{
	struct jsonw w;

	if (m->initialized)
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: initialize was already done");
	if (m->in_batch)
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: initialize must not be in a batch");
	if (params < 0 || json_type(j, json_find(j, params,
	    "protocolVersion")) != JSON_STRING)
		return send_error(m, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: initialize needs params.protocolVersion "
		    "(a string)");
	m->version = pick_version(j, params);
	m->initialized = 1;

	begin_result(m, &w, id, 0, 0);
	jsonw_kstr(&w, "protocolVersion", m->version);
	capabilities(&w);
	server_info(&w, "serverInfo");
	jsonw_kstr(&w, "instructions", instructions);
	return end_result(m, &w);
}

static int
do_tools_list(struct mcp *m, const struct json *j, struct slice id,
    int params, int modern)
{
	struct jsonw w;
	size_t i;
	int c;

	c = params >= 0 ? json_find(j, params, "cursor") : JSON_ENOTFOUND;
	if (c >= 0 && json_type(j, c) != JSON_NULL)
		return send_error(m, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: unknown cursor; tools/list has one page");

	begin_result(m, &w, id, modern, 1);
	jsonw_key(&w, "tools");
	jsonw_begin_array(&w);
	for (i = 0; i < TOOL_COUNT; i++) {
		const char *t = tools_listed(&catalog[i], m->cfg);

		if (t != NULL)
			jsonw_raw(&w, t, strlen(t));
	}
	jsonw_end_array(&w);
	return end_result(m, &w);
}

static int
do_tools_call(struct mcp *m, const struct json *j, struct slice id,
    int params, int modern)
{
	const struct catalog_entry *e;
	struct tools_request req;
	struct jsonw w;
	struct slice name;
	char msg[256];
	size_t mark, used;
	int nt, args, rc;

	nt = params >= 0 ? json_find(j, params, "name") : JSON_ENOTFOUND;
	if (json_type(j, nt) != JSON_STRING)
		return send_error(m, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: tools/call needs params.name (a string)");
	name = json_raw(j, nt);
	e = NULL;
	if (name.n >= 2)
		e = catalog_find(name.p + 1, name.n - 2);
	if (e == NULL || !json_streq(j, nt, e->name)) {
		/* Quoted as sent, cut on a character so it stays UTF-8. */
		snprintf(msg, sizeof(msg), "Invalid params: unknown tool %.*s; "
		    "see tools/list", (int)utf8_boundary(name.p, name.n > 80 ?
		    80 : name.n), name.p);
		return send_error(m, id, JSONRPC_INVALID_PARAMS, msg);
	}
	args = json_find(j, params, "arguments");
	if (args >= 0 && json_type(j, args) == JSON_NULL)
		args = JSON_ENOTFOUND;
	if (args >= 0 && json_type(j, args) != JSON_OBJECT)
		return send_error(m, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: params.arguments must be an object");

	buf_reset(&m->call_id);
	buf_add(&m->call_id, id.p, id.n);
	m->cancelled = 0;
	mark = m->wr.out.n;
	begin_response(m, &w, id);
	jsonw_key(&w, "result");
	/* What the result may take: the rest of the line but its end. */
	used = jsonrpc_writer_line(&m->wr) + RESPONSE_TAIL + (m->in_batch ? 1 : 0);
	req.id = id;
	req.room = used < m->cfg->max_message ? m->cfg->max_message - used : 0;
	req.flags = modern ? TOOLS_MODERN : 0;
	rc = tools_call(m->srv, e, j, args, &req, &w, &m->wr);
	buf_reset(&m->call_id);
	if (rc == TOOLS_ECANCELED) {
		/* A cancelled request gets no response at all. */
		m->wr.out.n = mark;
		if (mark == 0 && m->in_batch)
			m->batch_first = 1;
		return 0;
	}
	jsonw_end_object(&w);
	return end_message(m, &w);
}

/*
 * 1 when a number's text is an integer within +-2^53, which every JSON
 * reader (a JavaScript client's in particular) holds exactly and writes
 * back the same: 1e999 would come back as null, 2^60 as another number.
 */
static int
id_integer(struct slice s)
{
	static const char max[] = "9007199254740992";
	size_t i = s.n > 0 && s.p[0] == '-', d;

	d = s.n - i;
	if (d == 0 || d > sizeof(max) - 1)
		return 0;
	for (; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
	return d < sizeof(max) - 1 ||
	    memcmp(s.p + s.n - d, max, d) <= 0;
}

/*
 * One JSON-RPC message, token t of j.  Writes at most one response;
 * returns nonzero only when writing failed.
 */
static int
handle(struct mcp *m, const struct json *j, int t)
{
	struct slice id = { NULL, 0 };
	enum json_type it;
	int idt, mt, params, modern, rc;

	if (json_type(j, t) != JSON_OBJECT)
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: a message must be a JSON object");
	idt = json_find(j, t, "id");
	if (idt >= 0) {
		it = json_type(j, idt);
		if (it == JSON_STRING)
			id = json_raw(j, idt);
		else if (it == JSON_NUMBER && id_integer(json_raw(j, idt)))
			id = json_raw(j, idt);
		else if (it == JSON_NUMBER)
			return send_error(m, id, JSONRPC_INVALID_REQUEST,
			    "Invalid Request: a numeric id must be an integer "
			    "from -2^53 to 2^53 (written without a fraction or "
			    "an exponent)");
		else
			return send_error(m, id, JSONRPC_INVALID_REQUEST,
			    "Invalid Request: id must be a string or a number");
		/* Echoed in the answer, which must fit the message budget. */
		if (id.n > JSONRPC_MAX_ID_BYTES) {
			id.p = NULL;
			id.n = 0;
			return send_error(m, id, JSONRPC_INVALID_REQUEST,
			    "Invalid Request: the id is longer than 131072 "
			    "bytes");
		}
	}
	mt = json_find(j, t, "method");
	if (mt < 0 && idt >= 0 && (json_find(j, t, "result") >= 0 ||
	    json_find(j, t, "error") >= 0))
		return 0;	/* a response; we send no requests */
	if (!json_streq(j, json_find(j, t, "jsonrpc"), "2.0"))
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: jsonrpc must be \"2.0\"");
	if (json_type(j, mt) != JSON_STRING)
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: method must be a string");
	params = json_find(j, t, "params");
	if (params >= 0 && json_type(j, params) != JSON_OBJECT) {
		if (idt < 0)
			return 0;
		return send_error(m, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: params must be an object");
	}

	if (idt < 0) {
		/* Notifications: initialized, cancelled (handled while the
		 * call runs; here it names a finished one), the rest ignored. */
		return 0;
	}
	if (json_streq(j, mt, "server/discover"))
		return do_discover(m, id);
	if ((modern = request_era(m, j, id, params, &rc)) < 0)
		return rc;
	if (json_streq(j, mt, "ping")) {
		struct jsonw w;

		begin_result(m, &w, id, modern, 0);
		return end_result(m, &w);
	}
	if (json_streq(j, mt, "initialize"))
		return do_initialize(m, j, id, params);
	if (!m->initialized && !modern)
		return send_error(m, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: the server is not initialized; send "
		    "initialize first (or name protocol version "
		    MODERN_VERSION " in _meta)");
	if (json_streq(j, mt, "tools/list"))
		return do_tools_list(m, j, id, params, modern);
	if (json_streq(j, mt, "tools/call"))
		return do_tools_call(m, j, id, params, modern);
	return send_error(m, id, JSONRPC_METHOD_NOT_FOUND,
	    "Method not found");
}

static int
is_call(const struct json *j, int t)
{
	return json_type(j, t) == JSON_OBJECT &&
	    json_streq(j, json_find(j, t, "method"), "tools/call");
}

/* Does the message, or an element of the batch, call a tool? */
static int
has_call(const struct json *j)
{
	int t;

	if (json_type(j, 0) != JSON_ARRAY)
		return is_call(j, 0);
	for (t = json_child(j, 0); t >= 0; t = json_next(j, t))
		if (is_call(j, t))
			return 1;
	return 0;
}

/*
 * After a long message: gives back its tokens, so that a server that once
 * took a 16 MiB call does not keep that memory (the reader gives back its
 * buffer itself).
 */
static void
trim(struct mcp *m)
{
	struct json_tok *t;

	if (m->ntok > MCP_KEEP_TOKENS &&
	    (t = realloc(m->tok, MCP_FIRST_TOKENS * sizeof(*t))) != NULL) {
		m->tok = t;
		m->ntok = MCP_FIRST_TOKENS;
	}
}

/*
 * A batch's answer is one JSON array a line, and a line must fit the
 * message budget: when the answers do not, the array is ended and the rest
 * go in the next line's array (each answer is matched by its id).
 */
static int
batch_new_line(struct mcp *m)
{
	buf_addc(&m->wr.out, ']');
	m->batch_first = 1;
	return jsonrpc_writer_end(&m->wr);
}

/* Moves the answer that starts at out[mark] (",{...}") to a new line. */
static int
batch_move(struct mcp *m, size_t mark)
{
	struct buf tail;
	int rc;

	buf_init(&tail, 0);
	if (buf_add(&tail, m->wr.out.p + mark + 1, m->wr.out.n - mark - 1) != 0) {
		buf_free(&tail);
		return JSONRPC_EIO;
	}
	m->wr.out.n = mark;
	if ((rc = batch_new_line(m)) == 0) {
		buf_addc(&m->wr.out, '[');
		if (buf_add(&m->wr.out, tail.p, tail.n) != 0)
			rc = JSONRPC_EIO;
		m->batch_first = 0;
	}
	buf_free(&tail);
	return rc;
}

static int
handle_line(struct mcp *m, const char *p, size_t n)
{
	struct slice none = { NULL, 0 };
	struct json j;
	char msg[160];
	size_t mark, sent;
	int rc, t, any, first;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r'))
		n--;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n == 0)
		return 0;
	rc = json_parse(&j, p, n, m->tok, m->ntok);
	if (rc == JSON_ETOKENS && m->ntok < JSON_MAX_TOKENS) {
		/* Each token takes a byte at least: one retry suffices. */
		size_t want = n + 1 < JSON_MAX_TOKENS ? n + 1 : JSON_MAX_TOKENS;
		struct json_tok *t2 = realloc(m->tok, want * sizeof(*t2));

		if (t2 == NULL)
			return send_error(m, none, JSONRPC_INTERNAL_ERROR,
			    "out of memory");
		m->tok = t2;
		m->ntok = want;
		rc = json_parse(&j, p, n, m->tok, m->ntok);
	}
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "Parse error: %s",
		    json_strerror(rc));
		return send_error(m, none, JSONRPC_PARSE_ERROR, msg);
	}
	/*
	 * While a tool call waits on the network, stdin is read on: the
	 * reader keeps a line that holds a call where it is (no copy, even
	 * of a 100 MB put), so its tokens and id stay valid; mcp_serve
	 * releases it once the line is answered.
	 */
	if (has_call(&j))
		jsonrpc_hold(&m->rd);
	if (json_type(&j, 0) != JSON_ARRAY)
		return handle(m, &j, 0);

	if (m->version == NULL || strcmp(m->version, BATCH_VERSION) != 0)
		return send_error(m, none, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: batches are only accepted with protocol "
		    "version " BATCH_VERSION);
	if (json_size(&j, 0) == 0)
		return send_error(m, none, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: empty batch");
	m->in_batch = 1;
	m->batch_first = 1;
	rc = 0;
	for (t = json_child(&j, 0); t >= 0 && rc == 0; t = json_next(&j, t)) {
		/* A tool's result is written out as it grows: give it room. */
		if (!m->batch_first && is_call(&j, t) &&
		    jsonrpc_writer_line(&m->wr) + 1 + RESPONSE_TAIL >
		    m->cfg->max_message - m->cfg->max_message / BATCH_FRESH_PART &&
		    (rc = batch_new_line(m)) != 0)
			break;
		first = m->batch_first;
		mark = m->wr.out.n;
		sent = m->wr.sent;
		rc = handle(m, &j, t);
		/* An answer still whole in the buffer that passes the budget
		 * moves to a line of its own. */
		if (rc == 0 && !first && m->wr.sent == sent &&
		    jsonrpc_writer_line(&m->wr) + 1 + 1 > m->cfg->max_message)
			rc = batch_move(m, mark);
	}
	any = !m->batch_first;
	m->in_batch = 0;
	if (any) {
		buf_addc(&m->wr.out, ']');
		return jsonrpc_writer_end(&m->wr);
	}
	return rc;
}

/* While a call runs: is this queued line a cancellation of it? */
static int
scan_cancel(void *arg, const char *p, size_t n)
{
	struct json_tok tok[SCAN_TOKENS];
	struct mcp *m = arg;
	struct json j;
	struct slice rid;
	int params;

	if (json_parse(&j, p, n, tok, SCAN_TOKENS) < 0 ||
	    json_type(&j, 0) != JSON_OBJECT ||
	    !json_streq(&j, json_find(&j, 0, "method"),
	    "notifications/cancelled"))
		return 0;
	params = json_find(&j, 0, "params");
	rid = json_raw(&j, json_find(&j, params, "requestId"));
	if (rid.p != NULL && rid.n == m->call_id.n &&
	    memcmp(rid.p, m->call_id.p, rid.n) == 0) {
		m->cancelled = 1;
		return 1;
	}
	return 0;
}

/* Called by the network layer when stdin has input during a call. */
static int
on_input(void *arg)
{
	struct mcp *m = arg;
	int rc;

	rc = jsonrpc_fill(&m->rd);
	if (rc == JSONRPC_EINTR)
		return stopping;
	if (rc == 0) {
		/*
		 * End of input: the requests already sent still get their
		 * answers, so stop watching instead of cancelling.
		 */
		jsonrpc_scan(&m->rd, scan_cancel, m);
		server_watch(m->srv, NULL);
		return m->cancelled;
	}
	/* A flood of 16 MiB during one call: nobody waits for this answer. */
	if (rc < 0)
		return 1;
	return jsonrpc_scan(&m->rd, scan_cancel, m);
}

/*
 * Waits for input while no line is waiting, and drives the timer of a
 * sealed audit log (see audit.h): no longer than the seal is due, and it
 * seals when it is (a failed seal moves its own deadline an interval on,
 * so this never spins).  SIGTERM and SIGINT stay blocked except inside
 * ppoll(), so that one arriving between the check of `stopping' and the
 * wait is not lost (the wait would otherwise last until the next input).
 */
static void
wait_input(struct mcp *m, int in)
{
	struct pollfd	 pfd;
	struct timespec	 ts, *tp;
	sigset_t	 block, old;
	int64_t		 w;
	int		 r;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	/* What a long message grew is given back while the server waits. */
	jsonrpc_idle(&m->rd);
	while (!jsonrpc_ready(&m->rd)) {
		if ((w = audit_seal_wait_ms(m->srv->audit, time_now_ms())) == 0) {
			(void)audit_seal_pending(m->srv->audit);
			continue;
		}
		tp = NULL;
		if (w > 0) {
			ts.tv_sec = (time_t)(w / 1000);
			ts.tv_nsec = (long)(w % 1000) * 1000000;
			tp = &ts;
		}
		if (sigprocmask(SIG_BLOCK, &block, &old) != 0)
			return;
		if (stopping) {
			(void)sigprocmask(SIG_SETMASK, &old, NULL);
			return;
		}
		pfd.fd = in;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = ppoll(&pfd, 1, tp, &old);
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		/* Input, end of input, an error or a signal: go and read. */
		if (r != 0)
			return;
	}
}

/* see mcp.h */
int
mcp_serve(struct config *cfg, int in, int out, char *err, size_t errlen)
{
	struct server srv;
	int rc;

	if (server_open(&srv, cfg, 0, err, errlen) != 0) {
		server_close(&srv);
		return 1;
	}
	rc = mcp_run(&srv, in, out, err, errlen);
	server_close(&srv);
	return rc;
}

/* see mcp.h */
int
mcp_run(struct server *srv, int in, int out, char *err, size_t errlen)
{
	const struct config *cfg = srv->cfg;
	struct mcp m;
	struct net_watch w;
	struct slice line;
	int rc, ret = 0;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.srv = srv;
	jsonrpc_reader_init(&m.rd, in, cfg->line_limit > 0 ?
	    cfg->line_limit : MAX_LINE_BYTES);
	jsonrpc_writer_init(&m.wr, out);
	buf_init(&m.call_id, 256);
	/* Most messages need a few dozen tokens; handle_line grows it. */
	m.ntok = MCP_FIRST_TOKENS;
	m.tok = calloc(m.ntok, sizeof(*m.tok));
	if (m.tok == NULL) {
		snprintf(err, errlen, "out of memory");
		ret = 1;
		goto out;
	}
	w.fd = in;
	w.on_watch = on_input;
	w.arg = &m;
	server_watch(srv, &w);
	fprintf(stderr, "mcp-s3 %s: serving MCP on stdio, %s; connection "
	    "%s (%s, region %s)\n", MCP_S3_VERSION, cfg->readonly ?
	    "read-only" : "writes enabled",
	    cfg->conns[cfg->default_conn].name,
	    cfg->conns[cfg->default_conn].endpoint ?
	    cfg->conns[cfg->default_conn].endpoint : "AWS",
	    s3_client_region(&srv->clients[cfg->default_conn]));

	while (!stopping) {
		wait_input(&m, in);
		if (stopping)
			break;
		rc = jsonrpc_next(&m.rd, &line);
		if (rc == JSONRPC_EOF)
			break;
		if (rc == JSONRPC_EINTR)
			continue;
		if (rc == JSONRPC_ETOOLONG) {
			char msg[128];

			snprintf(msg, sizeof(msg), "Parse error: the message "
			    "is longer than %zu bytes", m.rd.limit);
			rc = send_error(&m, (struct slice){ NULL, 0 },
			    JSONRPC_PARSE_ERROR, msg);
		} else if (rc < 0) {
			snprintf(err, errlen, "reading stdin failed");
			ret = 1;
			break;
		} else {
			rc = handle_line(&m, line.p, line.n);
			jsonrpc_release(&m.rd);
			trim(&m);
		}
		if (rc != 0) {
			snprintf(err, errlen, "writing stdout failed");
			ret = 1;
			break;
		}
	}
out:
	server_watch(srv, NULL);
	free(m.tok);
	buf_free(&m.call_id);
	jsonrpc_writer_free(&m.wr);
	jsonrpc_reader_free(&m.rd);
	return ret;
}
