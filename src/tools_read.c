/*
 * tools_read.c - the read tools: connections, buckets, listings, metadata and object windows; see tools_impl.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "tools_impl.h"
#include "url.h"

/* ---- the tools ----------------------------------------------------------- */

void
tools_list_connections(struct call *c)
{
	const struct config *cfg = c->srv->cfg;
	const struct config_conn *k;
	struct jsonw sw;
	size_t i;

	tools_sc_begin(c, &sw);
	jsonw_key(&sw, "connections");
	jsonw_begin_array(&sw);
	buf_addf(&c->text, "%zu connection%s:\n", cfg->nconns,
	    cfg->nconns == 1 ? "" : "s");
	for (i = 0; i < cfg->nconns; i++) {
		k = &cfg->conns[i];
		jsonw_begin_object(&sw);
		jsonw_kstr(&sw, "name", k->name);
		jsonw_kstr(&sw, "region", s3_client_region(&c->srv->clients[i]));
		if (k->endpoint != NULL)
			jsonw_kstr(&sw, "endpoint", k->endpoint);
		jsonw_kbool(&sw, "path_style", k->path_style);
		jsonw_kbool(&sw, "default", i == cfg->default_conn);
		jsonw_kstr(&sw, "credentials",
		    s3_client_creds_source(&c->srv->clients[i]));
		if (k->presign_base != NULL)
			jsonw_kstr(&sw, "presign_endpoint", k->presign_base);
		jsonw_end_object(&sw);
		buf_addf(&c->text, "%s%s  region %s  %s  %s-style  credentials: "
		    "%s\n", k->name, i == cfg->default_conn ? " (default)" : "",
		    s3_client_region(&c->srv->clients[i]), k->endpoint ?
		    k->endpoint : "AWS", k->path_style ? "path" :
		    "virtual-hosted", s3_client_creds_source(&c->srv->clients[i]));
	}
	jsonw_end_array(&sw);
	jsonw_kstr(&sw, "default_connection",
	    cfg->conns[cfg->default_conn].name);
	jsonw_kuint(&sw, "count", cfg->nconns);
	jsonw_end_object(&sw);
	tools_write_result(c);
}

void
tools_list_buckets(struct call *c)
{
	const char *const *names;
	struct s3_listing l;
	struct s3_error err;
	struct jsonw sw;
	size_t i, nb;
	int rc;

	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	nb = policy_buckets(&c->srv->cfg->rules, &names);
	if (nb > 0) {
		/* The configured buckets: no s3:ListAllMyBuckets needed. */
		tools_sc_begin(c, &sw);
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
		tools_write_result(c);
		return;
	}
	if ((rc = s3_list_buckets(c->client, &l, &err)) != 0) {
		tools_s3_fail(c, rc, &err);
		s3_listing_free(&l);
		return;
	}
	/* Under rules, a bucket where no key can be visible is not named. */
	if (policy_active(&c->srv->cfg->rules)) {
		struct slice name, none = { "", 0 };

		for (i = nb = 0; i < l.nitems; i++) {
			name.p = S3_POOL(&l, l.items[i]);
			name.n = l.items[i].len;
			if (policy_list_rules(&c->srv->cfg->rules, name, none) !=
			    POLICY_LIST_NONE)
				l.items[nb++] = l.items[i];
		}
		l.nitems = nb;
	}
	tools_sc_begin(c, &sw);
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
		tools_text_safe(&c->text, S3_POOL(&l, l.items[i]), l.items[i].len);
		buf_addc(&c->text, '\n');
	}
	jsonw_end_array(&sw);
	jsonw_kuint(&sw, "count", l.nitems);
	jsonw_end_object(&sw);
	tools_write_result(c);
	s3_listing_free(&l);
}

/* listing_fetch_fn for a connection's client. */
static int
fetch_page(void *arg, const struct s3_list_params *p, struct s3_listing *l,
    struct s3_error *err)
{
	return s3_list_objects(arg, p, l, err);
}

void
tools_list_objects(struct call *c)
{
	struct s3_list_params p;
	struct listing_req q;
	struct s3_listing l;
	struct s3_error err;
	struct jsonw sw;
	const struct s3_item *it;
	size_t i, shown;
	int rc, ruled = policy_active(&c->srv->cfg->rules);

	memset(&p, 0, sizeof(p));
	p.bucket = tools_arg(c, A_BUCKET);
	p.prefix = tools_arg(c, A_PREFIX);
	p.delimiter = tools_arg(c, A_DELIMITER);
	p.token = tools_arg(c, A_TOKEN);
	p.start_after = tools_arg(c, A_START_AFTER);
	p.max_keys = (c->a.have & BIT(A_MAX_KEYS)) ?
	    (unsigned)c->a.num[A_MAX_KEYS] : S3_MAX_LIST_KEYS;

	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	if (ruled) {
		/* Under access rules the walk is ours, and so are tokens. */
		memset(&q, 0, sizeof(q));
		q.rules = &c->srv->cfg->rules;
		q.connection = slice_cstr(c->conn->name);
		q.bucket = p.bucket;
		q.prefix = p.prefix;
		q.delimiter = p.delimiter;
		q.start_after = p.start_after;
		q.token = p.token;
		q.max_keys = p.max_keys;
		rc = listing_run(&c->srv->list_key, &q, fetch_page, c->client,
		    &l, &err);
		if (rc == LISTING_ETOKEN) {
			c->invalid = 1;
			tools_error(c, "InvalidArgument", "continuation_token "
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
		tools_s3_fail(c, rc, &err);
		s3_listing_free(&l);
		return;
	}

	/* Keys that are not UTF-8 are counted, never written. */
	for (i = shown = 0; i < l.nitems; i++)
		if (!l.items[i].invalid)
			shown++;
	tools_sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", p.bucket.p, p.bucket.n);
	if (p.prefix.n > 0)
		jsonw_kstring(&sw, "prefix", p.prefix.p, p.prefix.n);
	if (p.delimiter.n > 0)
		jsonw_kstring(&sw, "delimiter", p.delimiter.p, p.delimiter.n);
	jsonw_key(&sw, "objects");
	jsonw_begin_array(&sw);
	tools_text_object(&c->text, p.bucket, p.prefix);
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
		tools_text_safe(&c->text, S3_POOL(&l, *it), it->len);
		buf_addc(&c->text, '\n');
	}
	jsonw_end_array(&sw);
	jsonw_key(&sw, "common_prefixes");
	jsonw_begin_array(&sw);
	for (i = 0; i < l.nprefixes; i++) {
		jsonw_string(&sw, S3_POOL(&l, l.prefixes[i]),
		    l.prefixes[i].len);
		buf_adds(&c->text, "PRE ");
		tools_text_safe(&c->text, S3_POOL(&l, l.prefixes[i]),
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
		tools_text_safe(&c->text, S3_POOL(&l, l.next_token),
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
	tools_write_result(c);
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

void
tools_get_object_metadata(struct call *c)
{
	struct s3_meta m;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = tools_arg(c, A_BUCKET), k = tools_arg(c, A_KEY);
	int rc;

	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	if ((rc = s3_head_object(c->client, b, k, &m, &err)) != 0) {
		tools_s3_fail(c, rc, &err);
		s3_meta_free(&m);
		return;
	}
	tools_sc_begin(c, &sw);
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

	tools_text_object(&c->text, b, k);
	buf_addf(&c->text, "\nsize: %llu bytes\ncontent type: ",
	    (unsigned long long)m.size);
	tools_text_val(&c->text, m.content_type);
	buf_adds(&c->text, "\nlast modified: ");
	tools_text_val(&c->text, m.last_modified);
	buf_adds(&c->text, "\netag: ");
	tools_text_etag(&c->text, m.etag);
	buf_addc(&c->text, '\n');
	if (m.storage_class[0]) {
		buf_adds(&c->text, "storage class: ");
		tools_text_val(&c->text, m.storage_class);
		buf_addc(&c->text, '\n');
	}
	if (m.version_id[0]) {
		buf_adds(&c->text, "version id: ");
		tools_text_val(&c->text, m.version_id);
		buf_addc(&c->text, '\n');
	}
	if (m.nuser > 0) {
		const char *p = m.user.p, *end = m.user.p + m.user.n;

		buf_adds(&c->text, "metadata:\n");
		while (p < end) {
			buf_adds(&c->text, "  ");
			tools_text_val(&c->text, p);
			buf_adds(&c->text, ": ");
			p += strlen(p) + 1;
			tools_text_safe(&c->text, p, strlen(p));
			buf_addc(&c->text, '\n');
			p += strlen(p) + 1;
		}
	}
	tools_write_result(c);
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
	struct buf	*marks;		/* struct text_mark, pos ascending */
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
	if (t->marks->n >= sizeof(last))
		memcpy(&last, t->marks->p + t->marks->n - sizeof(last),
		    sizeof(last));
	if (t->done - last.pos >= TEXT_SCAN_STEP) {
		mk.pos = t->done;
		mk.esc = t->esc;
		/* Without memory there is one mark fewer: a longer fit. */
		(void)buf_add(t->marks, &mk, sizeof(mk));
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
	hi = t->marks->n / sizeof(mk);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&mk, t->marks->p + mid * sizeof(mk), sizeof(mk));
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
	tools_sc_begin(c, &sw);
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

	tools_text_object(&c->text, x->b, x->k);
	buf_adds(&c->text, " (");
	if (m->content_type[0])
		tools_text_val(&c->text, m->content_type);
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
		    c->srv->cfg->max_message);
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

	tools_begin_result(c);
	if (x->len > 0 || x->kind == K_IMAGE) {
		jsonw_begin_object(c->w);
		if (x->kind == K_TEXT) {
			jsonw_kstr(c->w, "type", "text");
			jsonw_key(c->w, "text");
			tools_long_string(c, x->body, n, 0);
		} else if (x->kind == K_IMAGE) {
			jsonw_kstr(c->w, "type", "image");
			jsonw_key(c->w, "data");
			tools_long_string(c, x->body, n, 1);
			jsonw_kstr(c->w, "mimeType", x->img);
		} else {
			jsonw_kstr(c->w, "type", "resource");
			jsonw_key(c->w, "resource");
			jsonw_begin_object(c->w);
			jsonw_kstring(c->w, "uri", x->uri->p, x->uri->n);
			jsonw_kstr(c->w, "mimeType", x->m->content_type[0] ?
			    x->m->content_type : "application/octet-stream");
			jsonw_key(c->w, "blob");
			tools_long_string(c, x->body, n, 1);
			jsonw_end_object(c->w);
		}
		jsonw_end_object(c->w);
	}
	tools_end_result(c);
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
			tools_error(c, "SizeLimit", "the image has %llu bytes, "
			    "%zu bytes as base64: more than fits in one answer "
			    "under the message budget of %zu bytes "
			    "(MCP_S3_MAX_MESSAGE_SIZE), and an image is "
			    "returned whole or not at all. Fetch it outside the "
			    "conversation with a presigned URL (s3_presign_url), "
			    "or raise MCP_S3_MAX_MESSAGE_SIZE.",
			    (unsigned long long)x->m->size, body,
			    c->srv->cfg->max_message);
			return -1;
		}
		if (cut == 0) {
			tools_error(c, "SizeLimit", "not one character of the "
			    "object fits in the %zu bytes left of the message "
			    "budget of %zu bytes (MCP_S3_MAX_MESSAGE_SIZE); "
			    "call it alone, not in a batch, or raise the budget.",
			    c->room, c->srv->cfg->max_message);
			return -1;
		}
		x->len = cut;
		/* The digits of length and next_offset only shrink: check. */
		if (window_overhead(c, x) + (x->kind == K_TEXT ? body :
		    (x->len + 2) / 3 * 4) <= c->room)
			return 0;
	}
}

void
tools_get_object(struct call *c)
{
	const char *img;
	struct s3_meta m, m2;
	struct s3_error err;
	struct window x;
	struct text_scan scan;
	struct buf *body, *uri;
	struct slice b = tools_arg(c, A_BUCKET), k = tools_arg(c, A_KEY);
	uint64_t offset, length, max = c->srv->cfg->max_get_size, len;
	enum kind kind;
	char sizes[64];
	int rc, truncated, bytype;

	offset = (c->a.have & BIT(A_OFFSET)) ? (uint64_t)c->a.num[A_OFFSET] : 0;
	length = (c->a.have & BIT(A_LENGTH)) ? (uint64_t)c->a.num[A_LENGTH] :
	    c->srv->cfg->read_size;
	memset(&scan, 0, sizeof(scan));
	if ((body = tools_buf(c, 0)) == NULL || (uri = tools_buf(c, 0)) == NULL ||
	    (scan.marks = tools_buf(c, 0)) == NULL)
		return;
	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);

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
		tools_error(c, "SizeLimit", "length %llu is over the limit of "
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
	    body, &m, &err, text_scan_watch, &scan)) != 0) {
		if (rc == S3_ERANGE)
			tools_error(c, "InvalidArgument", "offset %llu is at or "
			    "past the end of the object, which has %llu bytes",
			    (unsigned long long)offset,
			    (unsigned long long)m.size);
		else
			tools_s3_fail(c, rc, &err);
		goto out;
	}

	kind = K_BINARY;
	img = offset == 0 ? image_type(m.content_type,
	    (const unsigned char *)body->p, body->n) : NULL;
	if (img != NULL) {
		if (m.size > max) {
			tools_error(c, "SizeLimit", "the image has %llu bytes, "
			    "over the limit of %llu bytes one call may return "
			    "(MCP_S3_MAX_GET_SIZE); an image is returned whole "
			    "or not at all. Raise MCP_S3_MAX_GET_SIZE or fetch "
			    "it with a presigned URL.",
			    (unsigned long long)m.size,
			    (unsigned long long)max);
			goto out;
		}
		if (body->n < m.size) {
			/* The rest of the image, in a second ranged GET. */
			memset(&m2, 0, sizeof(m2));
			buf_init(&m2.user, S3_MAX_META_BYTES);
			rc = s3_get_object(c->client, b, k, body->n,
			    m.size - body->n, body, &m2, &err);
			s3_meta_free(&m2);
			if (rc != 0) {
				tools_s3_fail(c, rc, &err);
				goto out;
			}
		}
		len = body->n;
		kind = K_IMAGE;
	} else {
		bytype = text_by_type(m.content_type);
		truncated = offset + body->n < m.size;
		len = truncated ? utf8_boundary(body->p, body->n) : body->n;
		/* The scan as it came in settles it, or the checks of old. */
		if (bytype != 0 && (len > 0 || body->n == 0) &&
		    (scan.done == len || (memchr(body->p, '\0', len) == NULL &&
		    utf8_valid(body->p, len))))
			kind = K_TEXT;
		else
			len = body->n;
	}
	/* A default binary window is READ_SIZE characters of base64. */
	if (kind == K_BINARY && !(c->a.have & BIT(A_LENGTH)) &&
	    len > c->srv->cfg->read_size / 4 * 3)
		len = c->srv->cfg->read_size < 4 ? 1 :
		    c->srv->cfg->read_size / 4 * 3;

	memset(&x, 0, sizeof(x));
	x.b = b;
	x.k = k;
	x.m = &m;
	x.body = body->p;
	x.len = len;
	x.offset = offset;
	x.kind = kind;
	x.img = img;
	buf_adds(uri, "s3://");
	url_encode(uri, b.p, b.n);
	buf_addc(uri, '/');
	url_encode_path(uri, k.p, k.n);
	x.uri = uri;
	x.scan = &scan;
	if (window_fit(c, &x) != 0)
		goto out;
	c->bytes = x.len;
	c->has_bytes = 1;
	window_write(c, &x, 0);
out:
	s3_meta_free(&m);
}

