/*
 * s3.c - S3 operations (ListBuckets ... CopyObject) and presigned URLs
 * on the request engine of s3req.c; replies read by s3xml.c; see s3.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "s3_impl.h"
#include "s3xml.h"

/* see s3.h */
void
s3_listing_free(struct s3_listing *l)
{
	buf_free(&l->pool);
	free(l->items);
	free(l->prefixes);
	l->items = NULL;
	l->prefixes = NULL;
	l->nitems = l->itemcap = l->nprefixes = l->prefixcap = 0;
}

/* see s3.h */
void
s3_meta_free(struct s3_meta *m)
{
	buf_free(&m->user);
	m->nuser = 0;
}

/*
 * HEAD answers carry no error document.  To name the error precisely
 * (NoSuchBucket or NoSuchKey, AccessDenied or SignatureDoesNotMatch),
 * ask again with a one-byte GET, whose error reply has one.
 */
static int
explain_head(struct s3_client *c, struct slice bucket, struct slice key,
    struct reply *head, struct s3_error *err)
{
	struct s3_req q;
	struct reply r;
	int rc;

	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.bucket = bucket;
	q.key = key;
	q.range = "bytes=0-0";
	s3_reply_init(&r, NULL);
	rc = s3_request(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300) &&
	    r.status == head->status)
		rc = s3_reply_error(&r, err);
	else if (rc != S3_ECANCELED)
		rc = s3_reply_error(head, err);
	buf_free(&r.errbody);
	return rc;
}

/* see s3.h */
int
s3_head_object(struct s3_client *c, struct slice bucket, struct slice key,
    struct s3_meta *m, struct s3_error *err)
{
	struct s3_req q;
	struct reply r;
	int rc;

	memset(&q, 0, sizeof(q));
	q.method = "HEAD";
	q.bucket = bucket;
	q.key = key;
	s3_reply_init(&r, m);
	rc = s3_request(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = explain_head(c, bucket, key, &r, err);
	if (rc == 0)
		m->size = m->content_length;
	buf_free(&r.errbody);
	return rc;
}

/* see s3.h */
int
s3_head_bucket(struct s3_client *c, struct slice bucket, struct s3_error *err)
{
	struct s3_req q;
	struct reply r;
	struct slice none = { "", 0 };
	int rc;

	memset(&q, 0, sizeof(q));
	q.method = "HEAD";
	q.bucket = bucket;
	s3_reply_init(&r, NULL);
	rc = s3_request(c, &q, &r, err);
	/* The one-byte GET of explain_head() lists at most a page: a read. */
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = explain_head(c, bucket, none, &r, err);
	buf_free(&r.errbody);
	return rc;
}

struct body_sink {
	struct buf	*body;
	size_t		 start;	/* body->n before the first byte */
	uint64_t	 room;	/* bytes the window may still take */
	s3_body_watch	 watch;
	void		*watch_arg;
};

static int
sink_body(void *arg, const char *p, size_t n)
{
	struct body_sink *s = arg;

	if (n > s->room)
		return 1;
	s->room -= n;
	if (buf_add(s->body, p, n) != 0)
		return 1;
	if (s->watch != NULL)
		s->watch(s->watch_arg, s->body->p + s->start,
		    s->body->n - s->start);
	return 0;
}

/* see s3.h */
int
s3_get_object(struct s3_client *c, struct slice bucket, struct slice key,
    uint64_t offset, uint64_t length, struct buf *body, struct s3_meta *m,
    struct s3_error *err)
{
	return s3_get_object_watched(c, bucket, key, offset, length, body, m,
	    err, NULL, NULL);
}

/* see s3.h */
int
s3_get_object_watched(struct s3_client *c, struct slice bucket,
    struct slice key, uint64_t offset, uint64_t length, struct buf *body,
    struct s3_meta *m, struct s3_error *err, s3_body_watch watch,
    void *watch_arg)
{
	struct body_sink sink;
	struct s3_req q;
	struct reply r;
	char range[64];
	size_t start = body->n;
	int rc;

	if (length == 0 || offset > UINT64_MAX - length) {
		memset(err, 0, sizeof(*err));
		snprintf(err->message, sizeof(err->message),
		    "offset and length out of range");
		return S3_EINVAL;
	}
	snprintf(range, sizeof(range), "bytes=%llu-%llu",
	    (unsigned long long)offset,
	    (unsigned long long)(offset + length - 1));
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.bucket = bucket;
	q.key = key;
	q.range = range;
	s3_reply_init(&r, m);
	sink.body = body;
	sink.start = start;
	sink.room = length;
	sink.watch = watch;
	sink.watch_arg = watch_arg;
	r.sink = sink_body;
	r.sink_arg = &sink;
	/*
	 * The whole window at once: growing by doubling would copy the body
	 * and briefly hold it twice.  Pages the body never reaches are never
	 * touched, so a large window for a small object costs no memory.
	 */
	if (buf_prealloc(body, length) != 0) {
		rc = S3_ENOMEM;
		goto out;
	}
	rc = s3_request(c, &q, &r, err);
	if (rc != 0)
		goto out;
	if (r.status == 206) {
		if (!r.range_total_known) {
			rc = S3_EPROTO;
			snprintf(err->message, sizeof(err->message), "a partial "
			    "answer without a usable Content-Range");
			goto out;
		}
		m->size = r.range_total;
	} else if (r.status == 200) {
		/* The whole object came (the server ignored Range). */
		if (offset > 0) {
			rc = S3_EPROTO;
			snprintf(err->message, sizeof(err->message), "the "
			    "server ignored the Range header");
			goto out;
		}
		m->size = m->content_length;
	} else if (r.status == 416) {
		/* Past the end, or an empty object: its size tells which. */
		buf_free(&r.errbody);
		rc = s3_head_object(c, bucket, key, m, err);
		if (rc == 0 && !(m->size == 0 && offset == 0))
			rc = S3_ERANGE;
		body->n = start;
		return rc;
	} else {
		rc = s3_reply_error(&r, err);
		goto out;
	}
	if (body->n - start != m->content_length && m->content_length != 0) {
		rc = S3_EPROTO;
		snprintf(err->message, sizeof(err->message), "the body "
		    "length does not match Content-Length");
	}
out:
	if (rc != 0)
		body->n = start;
	buf_free(&r.errbody);
	return rc;
}

/* A listing as it streams in: items go straight into the listing. */
struct list_sink {
	struct s3xml		 x;
	struct s3_listing	*l;
	int			 err;
	size_t			 got;		/* body bytes so far */
	int			 too_long;
};

static int
pool_add(struct s3_listing *l, const char *p, size_t n, struct s3_span *sp)
{
	sp->off = l->pool.n;
	sp->len = n;
	if (buf_add(&l->pool, p, n) != 0)
		return -1;
	return 0;
}

static struct s3_item *
new_item(struct s3_listing *l)
{
	struct s3_item *ni;
	size_t cap;

	if (l->nitems == l->itemcap) {
		cap = l->itemcap ? l->itemcap * 2 : 64;
		if (cap > S3_MAX_LIST_KEYS * 2)
			cap = S3_MAX_LIST_KEYS * 2;
		if (cap <= l->itemcap)
			return NULL;	/* more than any page holds */
		if ((ni = realloc(l->items, cap * sizeof(*ni))) == NULL)
			return NULL;
		l->items = ni;
		l->itemcap = cap;
	}
	ni = &l->items[l->nitems++];
	memset(ni, 0, sizeof(*ni));
	return ni;
}

static void
set_date(char out[21], struct slice v)
{
	time_t t;

	if (time_parse(v.p, v.n, &t) == 0)
		time_iso8601(out, t);
	else
		out[0] = '\0';
}

static int
on_bucket(void *arg, const struct s3xml_bucket *b)
{
	struct list_sink *s = arg;
	struct s3_item *it;
	struct s3_span sp;

	/* A bucket name reaches JSON as is: one that is not UTF-8 (no real
	 * S3 has one) is counted and left out. */
	if (!utf8_valid(b->name.p, b->name.n)) {
		s->l->skipped++;
		return 0;
	}
	if ((it = new_item(s->l)) == NULL ||
	    pool_add(s->l, b->name.p, b->name.n, &sp) != 0)
		return 1;
	it->off = sp.off;
	it->len = sp.len;
	set_date(it->date, b->creation_date);
	return 0;
}

/* Keeps the page's greatest entry (keys and prefixes come sorted, but
 * as two lists). */
static void
note_last(struct s3_listing *l, struct s3_span sp, int prefix)
{
	if (l->has_last && slice_cmp((struct slice){ S3_POOL(l, sp), sp.len },
	    (struct slice){ S3_POOL(l, l->last), l->last.len }) <= 0)
		return;
	l->last = sp;
	l->has_last = 1;
	l->last_prefix = prefix;
}

static int
on_object(void *arg, const struct s3xml_object *o)
{
	struct list_sink *s = arg;
	struct s3_item *it;
	struct s3_span sp;

	/* Keys reach JSON; a key that is not UTF-8 is kept, flagged, for
	 * the listing's position only, and never shown. */
	if ((it = new_item(s->l)) == NULL ||
	    pool_add(s->l, o->key.p, o->key.n, &sp) != 0)
		return 1;
	it->off = sp.off;
	it->len = sp.len;
	if (!utf8_valid(o->key.p, o->key.n)) {
		it->invalid = 1;
		s->l->skipped++;
	}
	note_last(s->l, sp, 0);
	it->size = o->size;
	set_date(it->date, o->last_modified);
	s3_copy_field(it->etag, sizeof(it->etag), o->etag);
	s3_copy_field(it->storage_class, sizeof(it->storage_class),
	    o->storage_class);
	return 0;
}

static int
on_prefix(void *arg, struct slice p)
{
	struct list_sink *s = arg;
	struct s3_listing *l = s->l;
	struct s3_span *np;
	size_t cap;

	if (!utf8_valid(p.p, p.n)) {
		struct s3_span sp;

		l->skipped++;
		if (pool_add(l, p.p, p.n, &sp) != 0)
			return 1;
		note_last(l, sp, 1);
		return 0;
	}
	if (l->nprefixes == l->prefixcap) {
		cap = l->prefixcap ? l->prefixcap * 2 : 16;
		if (cap > S3_MAX_LIST_KEYS * 2)
			return 1;
		if ((np = realloc(l->prefixes, cap * sizeof(*np))) == NULL)
			return 1;
		l->prefixes = np;
		l->prefixcap = cap;
	}
	if (pool_add(l, p.p, p.n, &l->prefixes[l->nprefixes]) != 0)
		return 1;
	note_last(l, l->prefixes[l->nprefixes++], 1);
	return 0;
}

static const struct s3xml_handler list_handler = {
	on_bucket, on_object, on_prefix
};

static int
sink_xml(void *arg, const char *p, size_t n)
{
	struct list_sink *s = arg;

	/* A listing that never ends stops at the limit, not at OOM. */
	if (n > HTTP_MAX_XML_BODY - s->got) {
		s->too_long = 1;
		return 1;
	}
	s->got += n;
	s->err = s3xml_feed(&s->x, p, n);
	return s->err != 0;
}

/* Runs a listing request; the reply streams into l. */
static int
list_run(struct s3_client *c, const struct s3_req *q, int expect,
    unsigned flags, struct s3_listing *l, struct s3_error *err)
{
	struct list_sink *s;
	struct reply r;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return S3_ENOMEM;
	s->l = l;
	s3xml_init(&s->x, expect, flags, &list_handler, s);
	s3_reply_init(&r, NULL);
	r.sink = sink_xml;
	r.sink_arg = s;
	rc = s3_request(c, q, &r, err);
	if (rc == S3_EPROTO && (s->too_long ||
	    l->nitems >= S3_MAX_LIST_KEYS * 2))
		snprintf(err->message, sizeof(err->message), "the listing is "
		    "too large: more than %u bytes or %u entries, past what "
		    "one page may hold", HTTP_MAX_XML_BODY,
		    (unsigned)S3_MAX_LIST_KEYS * 2);
	else if (rc == S3_EPROTO && s->err != 0)
		snprintf(err->message, sizeof(err->message), "the listing is "
		    "not valid: %s", s3xml_strerror(s->err));
	if (rc != 0)
		goto out;
	if (r.status < 200 || r.status >= 300) {
		rc = s3_reply_error(&r, err);
		goto out;
	}
	if ((s->err = s3xml_finish(&s->x)) != 0 || s->x.doc != expect) {
		rc = S3_EPROTO;
		snprintf(err->message, sizeof(err->message), "the listing is "
		    "not valid: %s", s->err ? s3xml_strerror(s->err) :
		    "unexpected document");
		goto out;
	}
	if (expect == S3XML_LIST) {
		l->is_truncated = s->x.list.is_truncated;
		if (s->x.list.present & S3XML_L_NEXT_TOKEN) {
			l->has_next = 1;
			if (pool_add(l, s->x.list.next_token,
			    strlen(s->x.list.next_token), &l->next_token) != 0)
				rc = S3_ENOMEM;
		}
	}
out:
	buf_free(&r.errbody);
	free(s);
	return rc;
}

/* see s3.h */
int
s3_list_buckets(struct s3_client *c, struct s3_listing *l,
    struct s3_error *err)
{
	struct s3_req q;

	memset(&q, 0, sizeof(q));
	q.method = "GET";
	return list_run(c, &q, S3XML_BUCKETS, 0, l, err);
}

/* see s3.h */
int
s3_list_objects(struct s3_client *c, const struct s3_list_params *p,
    struct s3_listing *l, struct s3_error *err)
{
	struct url_param qp[7];
	struct s3_req q;
	char maxkeys[16];
	size_t n = 0;

	snprintf(maxkeys, sizeof(maxkeys), "%u", p->max_keys);
	qp[n].name = SLICE_LIT("list-type");
	qp[n++].value = SLICE_LIT("2");
	/* Keys come back percent-encoded: any key survives XML 1.0. */
	qp[n].name = SLICE_LIT("encoding-type");
	qp[n++].value = SLICE_LIT("url");
	qp[n].name = SLICE_LIT("max-keys");
	qp[n++].value = slice_cstr(maxkeys);
	if (p->prefix.n > 0) {
		qp[n].name = SLICE_LIT("prefix");
		qp[n++].value = p->prefix;
	}
	if (p->delimiter.n > 0) {
		qp[n].name = SLICE_LIT("delimiter");
		qp[n++].value = p->delimiter;
	}
	if (p->token.n > 0) {
		qp[n].name = SLICE_LIT("continuation-token");
		qp[n++].value = p->token;
	}
	if (p->start_after.n > 0) {
		qp[n].name = SLICE_LIT("start-after");
		qp[n++].value = p->start_after;
	}
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.bucket = p->bucket;
	q.params = qp;
	q.nparams = n;
	return list_run(c, &q, S3XML_LIST, S3XML_URL, l, err);
}

/* ---- writes ----------------------------------------------------------- */

static void
written_from(struct s3_written *w, const struct s3_meta *m)
{
	s3_copy_str(w->etag, sizeof(w->etag), m->etag);
	s3_copy_str(w->version_id, sizeof(w->version_id), m->version_id);
	s3_copy_str(w->last_modified, sizeof(w->last_modified), m->last_modified);
}

/*
 * Adds Content-Type and x-amz-meta-* headers; names live in store.
 * Returns the number of headers added, or -1 if too many.
 */
static int
put_headers(struct slice_pair *h, size_t cap, const struct s3_put_opts *o,
    struct buf *store, size_t *offs)
{
	size_t n = 0, i;

	if (o->content_type.n > 0) {
		h[n].name = SLICE_LIT("Content-Type");
		h[n++].value = o->content_type;
	}
	if (o->nmeta > S3_MAX_META_ENTRIES || n + o->nmeta > cap)
		return -1;
	/* Names first into one buffer (it may move), slices after. */
	for (i = 0; i < o->nmeta; i++) {
		offs[i] = store->n;
		if (buf_adds(store, "x-amz-meta-") != 0 ||
		    buf_add(store, o->meta[2 * i].p, o->meta[2 * i].n) != 0)
			return -1;
	}
	for (i = 0; i < o->nmeta; i++) {
		h[n].name.p = store->p + offs[i];
		h[n].name.n = 11 + o->meta[2 * i].n;
		h[n++].value = o->meta[2 * i + 1];
	}
	if (o->if_none_match) {
		h[n].name = SLICE_LIT("If-None-Match");
		h[n++].value = SLICE_LIT("*");
	}
	return (int)n;
}

/* see s3.h */
int
s3_put_object(struct s3_client *c, struct slice bucket, struct slice key,
    const void *body, size_t len, const struct s3_put_opts *o,
    struct s3_written *w, struct s3_error *err)
{
	struct slice_pair h[MAX_EXTRA];
	size_t offs[S3_MAX_META_ENTRIES];
	struct s3_meta m;
	struct s3_req q;
	struct reply r;
	struct buf names;
	char hash[65];
	int n, rc;

	memset(w, 0, sizeof(*w));
	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	buf_init(&names, 0);
	memset(&q, 0, sizeof(q));
	if ((n = put_headers(h, MAX_EXTRA, o, &names, offs)) < 0) {
		memset(err, 0, sizeof(*err));
		s3_copy_str(err->message, sizeof(err->message), "too much metadata");
		rc = S3_EINVAL;
		goto out;
	}
	sigv4_payload_hash(hash, body, len);
	q.method = "PUT";
	q.bucket = bucket;
	q.key = key;
	q.extra = h;
	q.nextra = (size_t)n;
	q.body = body != NULL ? body : "";
	q.body_len = len;
	q.payload_hash = hash;
	q.not_idempotent = o->if_none_match;
	s3_reply_init(&r, &m);
	rc = s3_request(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_reply_error(&r, err);
	if (rc == 0)
		written_from(w, &m);
	buf_free(&r.errbody);
out:
	buf_free(&names);
	s3_meta_free(&m);
	return rc;
}

/* see s3.h */
int
s3_delete_object(struct s3_client *c, struct slice bucket, struct slice key,
    struct slice version, struct s3_written *w, struct s3_error *err)
{
	struct url_param qp[1];
	struct s3_meta m;
	struct s3_req q;
	struct reply r;
	int rc;

	memset(w, 0, sizeof(*w));
	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	memset(&q, 0, sizeof(q));
	q.method = "DELETE";
	q.bucket = bucket;
	q.key = key;
	if (version.n > 0) {
		qp[0].name = SLICE_LIT("versionId");
		qp[0].value = version;
		q.params = qp;
		q.nparams = 1;
		/*
		 * S3 answers 204 to the delete of a version that never
		 * existed: one HEAD of it first, so that "deleted" is true.
		 * 405 is a delete marker (deleting it is allowed); a HEAD
		 * we may not make (403) leaves the answer to the DELETE.
		 */
		q.method = "HEAD";
		s3_reply_init(&r, &m);
		rc = s3_request(c, &q, &r, err);
		buf_free(&r.errbody);
		if (rc != 0)
			goto out;
		if (r.status == 404) {
			memset(err, 0, sizeof(*err));
			err->status = 404;
			s3_copy_str(err->code, sizeof(err->code), "NoSuchVersion");
			s3_copy_str(err->message, sizeof(err->message), "that "
			    "version of the object does not exist, so nothing "
			    "was deleted");
			s3_copy_str(err->request_id, sizeof(err->request_id),
			    r.request_id);
			rc = S3_ERESPONSE;
			goto out;
		}
		s3_meta_free(&m);
		memset(&m, 0, sizeof(m));
		buf_init(&m.user, S3_MAX_META_BYTES);
		q.method = "DELETE";
	}
	s3_reply_init(&r, &m);
	rc = s3_request(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_reply_error(&r, err);
	if (rc == 0) {
		written_from(w, &m);
		w->delete_marker = r.delete_marker;
	}
	buf_free(&r.errbody);
out:
	s3_meta_free(&m);
	return rc;
}

struct copy_sink {
	struct s3xml	x;
	int		err;
	size_t		got;	/* body bytes so far */
};

static int
sink_copy(void *arg, const char *p, size_t n)
{
	struct copy_sink *s = arg;

	/* S3 pads a long copy with blanks; an endless pad stops here. */
	if (n > HTTP_MAX_XML_BODY - s->got)
		return 1;
	s->got += n;
	s->err = s3xml_feed(&s->x, p, n);
	return s->err != 0;
}

/* see s3.h */
int
s3_copy_object(struct s3_client *c, struct slice sb, struct slice sk,
    struct slice db, struct slice dk, const struct s3_put_opts *replace,
    struct s3_written *w, struct s3_error *err)
{
	struct slice_pair h[MAX_EXTRA];
	size_t offs[S3_MAX_META_ENTRIES];
	struct copy_sink *cs;
	struct s3_meta m;
	struct s3_req q;
	struct reply r;
	struct buf src, names;
	size_t n = 0;
	int k, rc;
	time_t t;

	memset(w, 0, sizeof(*w));
	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	buf_init(&src, 0);
	buf_init(&names, 0);
	memset(&q, 0, sizeof(q));
	memset(err, 0, sizeof(*err));
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return S3_ENOMEM;
	/* The source is URL-encoded, as S3 requires and SDKs forget. */
	buf_addc(&src, '/');
	url_encode(&src, sb.p, sb.n);
	buf_addc(&src, '/');
	if (url_encode_path(&src, sk.p, sk.n) != 0) {
		rc = S3_ENOMEM;
		goto out;
	}
	h[n].name = SLICE_LIT("x-amz-copy-source");
	h[n].value.p = src.p;
	h[n++].value.n = src.n;
	if (replace != NULL) {
		h[n].name = SLICE_LIT("x-amz-metadata-directive");
		h[n++].value = SLICE_LIT("REPLACE");
		if ((k = put_headers(h + n, MAX_EXTRA - n, replace, &names,
		    offs)) < 0) {
			s3_copy_str(err->message, sizeof(err->message),
			    "too much metadata");
			rc = S3_EINVAL;
			goto out;
		}
		n += (size_t)k;
	}
	q.method = "PUT";
	q.bucket = db;
	q.key = dk;
	q.extra = h;
	q.nextra = n;
	s3xml_init(&cs->x, S3XML_COPY, 0, NULL, NULL);
	s3_reply_init(&r, &m);
	r.sink = sink_copy;
	r.sink_arg = cs;
	rc = s3_request(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_reply_error(&r, err);
	else if (rc == 0) {
		/* A copy can fail after a 200: the body then is an Error. */
		if (s3xml_finish(&cs->x) != 0) {
			rc = S3_EPROTO;
			s3_copy_str(err->message, sizeof(err->message),
			    "the copy result is not valid XML");
		} else if (cs->x.doc == S3XML_ERROR) {
			err->status = r.status;
			s3_copy_str(err->code, sizeof(err->code), cs->x.error.code);
			s3_copy_str(err->message, sizeof(err->message),
			    cs->x.error.message);
			s3_copy_str(err->request_id, sizeof(err->request_id),
			    cs->x.error.request_id[0] ? cs->x.error.request_id :
			    r.request_id);
			rc = S3_ERESPONSE;
		} else {
			written_from(w, &m);
			s3_copy_str(w->etag, sizeof(w->etag), cs->x.copy.etag);
			if (time_parse(cs->x.copy.last_modified,
			    strlen(cs->x.copy.last_modified), &t) == 0)
				time_iso8601(w->last_modified, t);
		}
	}
	buf_free(&r.errbody);
out:
	free(cs);
	buf_free(&src);
	buf_free(&names);
	s3_meta_free(&m);
	return rc;
}

/* see s3.h */
int
s3_presign(struct s3_client *c, const char *method, struct slice bucket,
    struct slice key, uint32_t expires, time_t now, const char *base,
    struct buf *url, struct s3_error *err)
{
	const struct config_conn *k = c->conn;
	struct s3_impl *im = c->impl;
	struct creds ck;
	struct sigv4_creds cr;
	struct sigv4_request sr;
	struct buf host, path, query;
	const char *scheme, *h, *region;
	char awshost[CONFIG_HOST_BYTES];
	size_t hl;
	int rc, vhost;

	memset(err, 0, sizeof(*err));
	if ((rc = s3_get_creds(c, &ck, err)) != 0)
		return rc;
	/* A bucket known to be elsewhere is signed for its region. */
	if ((region = s3region_cache_get(&im->regions, bucket)) == NULL)
		region = im->region;
	buf_init(&host, 0);
	buf_init(&path, 0);
	buf_init(&query, 0);
	if (base != NULL) {
		scheme = strncmp(base, "https://", 8) == 0 ? "https" : "http";
		h = base + strlen(scheme) + 3;
		hl = strcspn(h, "/");
	} else if (!k->custom_endpoint && strcmp(region, im->region) != 0) {
		scheme = "https";
		snprintf(awshost, sizeof(awshost), "s3.%s.amazonaws.com",
		    region);
		h = awshost;
		hl = strlen(h);
	} else {
		scheme = k->tls ? "https" : "http";
		h = http_conn_host(im->http);
		hl = strlen(h);
	}
	vhost = s3_virtual_hosted(k, bucket);
	if (vhost) {
		buf_add(&host, bucket.p, bucket.n);
		buf_addc(&host, '.');
	}
	buf_add(&host, h, hl);
	buf_addc(&path, '/');
	if (!vhost) {
		buf_add(&path, bucket.p, bucket.n);
		buf_addc(&path, '/');
	}
	url_encode_path(&path, key.p, key.n);
	if (host.p == NULL || path.p == NULL) {
		rc = S3_ENOMEM;
		goto out;
	}
	cr.access_key = ck.access_key;
	cr.secret = ck.secret_key;
	cr.token = ck.session_token;
	memset(&sr, 0, sizeof(sr));
	sr.method = method;
	sr.host.p = host.p;
	sr.host.n = host.n;
	sr.uri.p = path.p;
	sr.uri.n = path.n;
	sr.query = SLICE_LIT("");
	sr.region = region;
	sr.service = "s3";
	sr.when = now;
	if ((rc = sigv4_presign(&im->sig, &cr, &sr, expires,
	    &query)) != 0) {
		snprintf(err->message, sizeof(err->message), "cannot presign: "
		    "%s", sigv4_strerror(rc));
		rc = rc == SIGV4_ENOMEM ? S3_ENOMEM : S3_EINVAL;
		goto out;
	}
	buf_adds(url, scheme);
	buf_adds(url, "://");
	buf_add(url, host.p, host.n);
	buf_add(url, path.p, path.n);
	buf_addc(url, '?');
	rc = buf_add(url, query.p, query.n) != 0 ? S3_ENOMEM : 0;
out:
	buf_free(&host);
	buf_free(&path);
	buf_free(&query);
	return rc;
}
