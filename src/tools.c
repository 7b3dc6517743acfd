/*
 * tools.c - the table of tools, dispatch and the gate; see tools.h and,
 * for how the files of the tools divide the work, tools_impl.h.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "limits.h"
#include "tools_impl.h"

#define KEY_ARGS	(BIT(A_BUCKET) | BIT(A_KEY))

/*
 * The tools: handler, the arguments each takes and requires (their
 * bounds are tools_argdefs[]; catalog.c's schemas state the same, which
 * test_catalog proves), what they name and what they do.
 */
const struct tool_def tools_table[TOOL_COUNT] = {
	[TOOL_LIST_BUCKETS] = { tools_list_buckets, BIT(A_CONNECTION), 0,
	    SCOPE_NONE, 0 },
	[TOOL_LIST_OBJECTS] = { tools_list_objects, BIT(A_BUCKET) |
	    BIT(A_PREFIX) | BIT(A_DELIMITER) | BIT(A_MAX_KEYS) |
	    BIT(A_TOKEN) | BIT(A_START_AFTER) | BIT(A_CONNECTION),
	    BIT(A_BUCKET), SCOPE_LISTING, 0 },
	[TOOL_GET_OBJECT] = { tools_get_object, KEY_ARGS | BIT(A_OFFSET) |
	    BIT(A_LENGTH) | BIT(A_CONNECTION), KEY_ARGS, SCOPE_KEY,
	    TOOL_BYTES_OUT },
	[TOOL_GET_OBJECT_METADATA] = { tools_get_object_metadata, KEY_ARGS |
	    BIT(A_CONNECTION), KEY_ARGS, SCOPE_KEY, 0 },
	[TOOL_PUT_OBJECT] = { tools_put_object, KEY_ARGS | BIT(A_CONTENT) |
	    BIT(A_IS_BASE64) | BIT(A_CONTENT_TYPE) | BIT(A_METADATA) |
	    BIT(A_IF_NONE_MATCH) | BIT(A_CONNECTION), KEY_ARGS |
	    BIT(A_CONTENT), SCOPE_KEY, TOOL_WRITES | TOOL_BYTES_IN },
	[TOOL_DELETE_OBJECT] = { tools_delete_object, KEY_ARGS |
	    BIT(A_VERSION_ID) | BIT(A_CONNECTION), KEY_ARGS, SCOPE_KEY,
	    TOOL_WRITES },
	[TOOL_COPY_OBJECT] = { tools_copy_object, BIT(A_SOURCE_BUCKET) |
	    BIT(A_SOURCE_KEY) | BIT(A_DEST_BUCKET) | BIT(A_DEST_KEY) |
	    BIT(A_METADATA) | BIT(A_CONTENT_TYPE) | BIT(A_CONNECTION),
	    BIT(A_SOURCE_BUCKET) | BIT(A_SOURCE_KEY) | BIT(A_DEST_BUCKET) |
	    BIT(A_DEST_KEY), SCOPE_COPY, TOOL_WRITES },
	[TOOL_PRESIGN_URL] = { tools_presign_url, KEY_ARGS | BIT(A_METHOD) |
	    BIT(A_EXPIRES_IN) | BIT(A_CONNECTION), KEY_ARGS, SCOPE_KEY,
	    TOOL_PUT_WRITES },
	[TOOL_LIST_CONNECTIONS] = { tools_list_connections, 0, 0, SCOPE_NONE,
	    0 },
};

/* see tools.h */
const char *
tools_listed(const struct catalog_entry *e, const struct config *cfg)
{
	/* Read-only mode: write tools are absent, not just refused. */
	if (cfg->readonly && (tools_table[e->id].flags & TOOL_WRITES))
		return NULL;
	if (cfg->readonly && e->json_ro != NULL)
		return e->json_ro;
	return e->json;
}

/* A refusal before any I/O: an isError result and the audit's decision. */
static int
deny(struct call *c, const char *code, const char *rule, const char *msg)
{
	c->denied = 1;
	snprintf(c->rule, sizeof(c->rule), "%s", rule);
	tools_error(c, code, "%s", msg);
	return -1;
}

static int
deny_policy(struct call *c, struct slice b, struct slice k,
    const struct policy_decision *d)
{
	struct buf *m = arena_buf(&c->arena, 0);

	if (m != NULL) {
		tools_text_object(m, b, k);
		buf_addf(m, " is refused by the access rules: %s. Hint: stay "
		    "inside the allowed prefixes; the rules are set by "
		    "MCP_S3_ALLOWED_PREFIXES, MCP_S3_DENIED_PREFIXES and "
		    "MCP_S3_ALLOWED_BUCKETS.", d->rule);
	}
	return deny(c, "PolicyDenied", d->rule, m && m->p ? m->p : "refused");
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
	struct server *t = c->srv;
	int64_t now = time_now_ms(), w = 0;
	double need = 0;
	char msg[512];
	unsigned f = c->d->flags;

	if (t->bytes.on && (f & (TOOL_BYTES_IN | TOOL_BYTES_OUT))) {
		if (f & TOOL_BYTES_IN) {
			struct slice ct = tools_arg(c, A_CONTENT);
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
	if (f & TOOL_BYTES_IN)
		rate_charge(&t->bytes, need, now);
	return 0;
}

/* Checks before any I/O: read-only mode, then the access rules. */
static int
gate(struct call *c)
{
	const struct config *cfg = c->srv->cfg;
	const struct policy_rules *r = &cfg->rules;
	struct policy_decision d;
	struct slice b, k;
	char msg[512];
	int rc;

	if (cfg->readonly && (c->d->flags & TOOL_WRITES)) {
		snprintf(msg, sizeof(msg), "%s changes the bucket, and this "
		    "server is read-only. To allow writes, start it with "
		    "MCP_S3_EXT_READONLY=false.", c->e->name);
		return deny(c, "ReadOnly", "read-only mode", msg);
	}
	if (cfg->readonly && (c->d->flags & TOOL_PUT_WRITES) &&
	    (c->a.have & BIT(A_METHOD)) && slice_ieq(tools_arg(c, A_METHOD), "PUT"))
		return deny(c, "ReadOnly", "read-only mode", "a presigned PUT "
		    "URL grants write access, and this server is read-only. "
		    "Presign GET to download, or start the server with "
		    "MCP_S3_EXT_READONLY=false to allow writes.");
	if (!policy_active(r))
		return 0;
	switch (c->d->scope) {
	case SCOPE_KEY:
		b = tools_arg(c, A_BUCKET);
		k = tools_arg(c, A_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		break;
	case SCOPE_COPY:
		b = tools_arg(c, A_SOURCE_BUCKET);
		k = tools_arg(c, A_SOURCE_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		b = tools_arg(c, A_DEST_BUCKET);
		k = tools_arg(c, A_DEST_KEY);
		if (policy_key(r, b, k, &d) != 0)
			return deny_policy(c, b, k, &d);
		break;
	case SCOPE_LISTING:
		b = tools_arg(c, A_BUCKET);
		k = tools_arg(c, A_PREFIX);
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

/*
 * The arguments that fill the audit record's bucket, key, dest_bucket and
 * dest_key, by scope (A_COUNT: none).
 */
static const enum argid named[][4] = {
	[SCOPE_NONE] = { A_COUNT, A_COUNT, A_COUNT, A_COUNT },
	[SCOPE_KEY] = { A_BUCKET, A_KEY, A_COUNT, A_COUNT },
	[SCOPE_COPY] = { A_SOURCE_BUCKET, A_SOURCE_KEY, A_DEST_BUCKET,
	    A_DEST_KEY },
	[SCOPE_LISTING] = { A_BUCKET, A_PREFIX, A_COUNT, A_COUNT },
};

/* One audit record (and log line) for the call, whatever its end. */
static void
record(struct call *c, struct slice request_id, int64_t t0)
{
	struct audit_record r;
	struct server *t = c->srv;
	struct slice *slot[4] = { &r.bucket, &r.key, &r.dest_bucket,
	    &r.dest_key };
	enum argid a;
	size_t i;
	int rc;

	if (t->audit == NULL && !t->cfg->logging)
		return;
	memset(&r, 0, sizeof(r));
	r.tool = slice_cstr(c->e->name);
	r.connection = slice_cstr(c->conn->name);
	for (i = 0; i < 4; i++) {
		a = named[c->d->scope][i];
		if (a != A_COUNT && (c->a.have & BIT(a)))
			*slot[i] = tools_arg(c, a);
	}
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
		t->audit_failed = 1;
	}
	if (t->cfg->logging)
		(void)audit_log_line(2, &r);
}

/* see tools.h */
int
tools_call(struct server *t, const struct catalog_entry *e,
    const struct json *j, int args, const struct tools_request *req,
    struct jsonw *w, struct jsonrpc_writer *out)
{
	struct call c;
	struct slice cn;
	const char *names;
	size_t i;
	int64_t t0 = time_now_ms();

	memset(&c, 0, sizeof(c));
	c.srv = t;
	c.e = e;
	c.d = &tools_table[e->id];
	c.w = w;
	c.out = out;
	c.room = req->room;
	c.flags = req->flags;
	arena_init(&c.arena, TOOLS_CALL_ARENA_BYTES);
	buf_init(&c.sc, 0);
	buf_init(&c.text, 0);
	c.conn = &t->cfg->conns[t->cfg->default_conn];
	if (tools_parse_args(&c, j, args) != 0) {
		c.invalid = 1;
		goto done;
	}
	cn = tools_arg(&c, A_CONNECTION);
	c.conn = config_conn_find(t->cfg, cn.p, cn.n);
	if (c.conn == NULL) {
		names = "";
		for (i = 0; i < t->cfg->nconns && names != NULL; i++)
			names = arena_printf(&c.arena, "%s%s%s", names,
			    i ? ", " : "", t->cfg->conns[i].name);
		c.conn = &t->cfg->conns[t->cfg->default_conn];
		tools_error(&c, "ConnectionNotFound", "no connection named "
		    "\"%s\"; known connections: %s", c.a.str[A_CONNECTION].p,
		    names != NULL ? names : "(out of memory)");
		c.invalid = 1;
		goto done;
	}
	c.client = &t->clients[c.conn - t->cfg->conns];
	if (throttle(&c) != 0 || gate(&c) != 0)
		goto done;

	c.d->run(&c);
done:
	/*
	 * An answer the writer refused (it should never happen: every
	 * string is made UTF-8 first) reaches the client as an error with
	 * the call's id (mcp.c), and the audit says so.
	 */
	if (jsonw_error(w) != 0 && !c.canceled)
		snprintf(c.code, sizeof(c.code), "InternalError");
	if ((c.d->flags & TOOL_BYTES_OUT) && c.has_bytes)
		rate_charge(&t->bytes, (double)c.bytes, time_now_ms());
	record(&c, req->id, t0);
	arena_free(&c.arena);
	buf_free(&c.sc);
	buf_free(&c.text);
	return c.canceled ? TOOLS_ECANCELED : 0;
}

