/*
 * s3.c - S3 operations over http.c, signed by sigv4.c, replies read by
 * s3xml.c; see s3.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearssl.h"
#include "creds.h"
#include "http.h"
#include "limits.h"
#include "s3.h"
#include "s3region.h"
#include "s3xml.h"
#include "sigv4.h"
#include "url.h"

/* Error documents are small; more than this is not one. */
#define ERROR_BODY_MAX	(64u * 1024)
/* Extra signed headers of one request: metadata and a few more. */
#define MAX_EXTRA	(S3_MAX_META_ENTRIES + 8)
#define MAX_HEADERS	(MAX_EXTRA + 8)

struct s3_impl {
	struct http_conn	*http;		/* the connection's endpoint */
	struct http_conn	*alt;		/* AWS, another region; NULL */
	char			 alt_region[S3REGION_BYTES];
	struct sigv4_ctx	 sig;
	struct creds_chain	*chain;
	unsigned		 gen;		/* creds generation of sig */
	char			 region[S3REGION_BYTES];
	struct s3region_cache	 regions;
};

/* What one exchange collects besides the body. */
struct reply {
	int			 status;
	struct s3_meta		*meta;		/* NULL: headers not wanted */
	int			 has_range;
	uint64_t		 range_total;	/* from Content-Range */
	int			 range_total_known;
	char			 request_id[128];
	char			 region[32];
	int			 delete_marker;
	/* Where a 2xx body goes. */
	int			(*sink)(void *arg, const char *, size_t);
	void			*sink_arg;
	struct buf		 errbody;	/* a non-2xx body */
	int			 attempts;	/* requests sent, retries included */
	size_t			 ignored;	/* 2xx body bytes with no sink */
};

/*
 * Header values and XML text are shown to the model and written as
 * JSON: whatever bytes S3 sent, the copy is UTF-8 without control bytes
 * (utf8_sanitize), cut on a character.
 */
static void
copy_field(char *dst, size_t cap, struct slice v)
{
	(void)utf8_sanitize(dst, cap, v.p, v.n);
}

/* Copies a C string the same way. */
static void
copy_str(char *dst, size_t cap, const char *src)
{
	(void)utf8_sanitize(dst, cap, src, strlen(src));
}

static int
slice_prefix_ieq(struct slice s, const char *pfx)
{
	size_t n = strlen(pfx);

	return s.n >= n && slice_ieq((struct slice){ s.p, n }, pfx);
}

/* "bytes 0-99/1234" or "bytes * /1234" -> total */
static int
parse_content_range(struct slice v, uint64_t *total)
{
	const char *slash;

	if (!slice_prefix_ieq(v, "bytes "))
		return -1;
	slash = memchr(v.p, '/', v.n);
	if (slash == NULL || slash + 1 >= v.p + v.n || slash[1] == '*')
		return -1;
	return parse_u64(slash + 1, (size_t)(v.p + v.n - slash - 1), total);
}

static int
on_status(void *arg, int code)
{
	struct reply *r = arg;

	r->status = code;
	return 0;
}

static int
on_header(void *arg, struct slice name, struct slice v)
{
	struct reply *r = arg;
	struct s3_meta *m = r->meta;
	struct slice mn;
	time_t t;
	size_t i;

	if (slice_ieq(name, "x-amz-request-id"))
		copy_field(r->request_id, sizeof(r->request_id), v);
	else if (slice_ieq(name, "x-amz-bucket-region"))
		copy_field(r->region, sizeof(r->region), v);
	else if (slice_ieq(name, "x-amz-delete-marker"))
		r->delete_marker = slice_ieq(v, "true");
	else if (slice_ieq(name, "content-range")) {
		r->has_range = 1;
		if (parse_content_range(v, &r->range_total) == 0)
			r->range_total_known = 1;
	}
	if (m == NULL)
		return 0;
	if (slice_ieq(name, "content-length"))
		(void)parse_u64(v.p, v.n, &m->content_length);
	else if (slice_ieq(name, "content-type"))
		copy_field(m->content_type, sizeof(m->content_type), v);
	else if (slice_ieq(name, "etag"))
		copy_field(m->etag, sizeof(m->etag), v);
	else if (slice_ieq(name, "last-modified")) {
		if (time_parse(v.p, v.n, &t) == 0)
			time_iso8601(m->last_modified, t);
	} else if (slice_ieq(name, "x-amz-storage-class"))
		copy_field(m->storage_class, sizeof(m->storage_class), v);
	else if (slice_ieq(name, "x-amz-version-id"))
		copy_field(m->version_id, sizeof(m->version_id), v);
	else if (slice_ieq(name, "cache-control"))
		copy_field(m->cache_control, sizeof(m->cache_control), v);
	else if (slice_ieq(name, "content-encoding"))
		copy_field(m->content_encoding, sizeof(m->content_encoding), v);
	else if (slice_ieq(name, "content-disposition"))
		copy_field(m->content_disposition,
		    sizeof(m->content_disposition), v);
	else if (slice_prefix_ieq(name, "x-amz-meta-") &&
	    m->nuser < S3_MAX_META_ENTRIES) {
		mn.p = name.p + 11;
		mn.n = name.n - 11;
		/*
		 * Names and values reach JSON: made UTF-8 without control
		 * bytes (a value with a NUL would end the pair early).
		 */
		char val[S3_MAX_META_BYTES], nm[256];
		size_t vn, nn;

		if (mn.n == 0)
			return 0;
		nn = utf8_sanitize(nm, sizeof(nm), mn.p, mn.n);
		vn = utf8_sanitize(val, sizeof(val), v.p, v.n);
		for (i = 0; i < nn; i++)
			nm[i] = (char)tolower((unsigned char)nm[i]);
		if (buf_add(&m->user, nm, nn) != 0 ||
		    buf_addc(&m->user, '\0') != 0 ||
		    buf_add(&m->user, val, vn) != 0 ||
		    buf_addc(&m->user, '\0') != 0)
			return 0;
		m->nuser++;
	}
	return 0;
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct reply *r = arg;

	if (r->status >= 200 && r->status < 300) {
		if (r->sink != NULL)
			return r->sink(r->sink_arg, p, n);
		/* A body nobody asked for: a little is fine, endless is not. */
		if (n > ERROR_BODY_MAX - r->ignored)
			return 1;
		r->ignored += n;
		return 0;
	}
	/*
	 * Keep what fits of an error document; it is never large, and one
	 * that goes on is not read further (s3_do_once keeps what came).
	 */
	if (n > ERROR_BODY_MAX - r->errbody.n) {
		(void)buf_add(&r->errbody, p, ERROR_BODY_MAX - r->errbody.n);
		return 1;
	}
	return buf_add(&r->errbody, p, n) != 0;
}

/* Turns an exchange failure of hc into an S3_E* with a reason. */
static int
net_failure(const struct http_conn *hc, int rc, struct s3_error *err)
{
	/* A failed handshake says what it saw. */
	copy_str(err->message, sizeof(err->message),
	    http_conn_strerror(hc, rc));
	switch (http_error_class(rc)) {
	case HTTP_CLASS_TIMEOUT:
		return S3_ETIMEOUT;
	case HTTP_CLASS_CANCELED:
		return S3_ECANCELED;
	case HTTP_CLASS_TLS:
		return S3_ETLS;
	case HTTP_CLASS_PROTOCOL:
		return S3_EPROTO;
	case HTTP_CLASS_NETWORK:
		return S3_ENET;
	default:
		return rc == HTTP_ENOMEM ? S3_ENOMEM : S3_EPROTO;
	}
}

/* Ends err->message with how many attempts a retried request made. */
static void
note_attempts(struct s3_error *err, int attempts)
{
	size_t n = strlen(err->message);
	int dot = n > 0 && err->message[n - 1] == '.';

	if (attempts > 1)
		snprintf(err->message + n, sizeof(err->message) - n,
		    "%s after %d attempts", n == 0 ? "gave up" : dot ?
		    " Gave up" : "; gave up", attempts);
}

/* Fills err from a non-2xx reply (its error document, if any). */
static int
s3_failure(struct reply *r, struct s3_error *err)
{
	struct s3xml *x;
	const struct s3xml_error *xe;

	err->status = r->status;
	copy_str(err->request_id, sizeof(err->request_id), r->request_id);
	copy_str(err->region, sizeof(err->region), r->region);
	if (r->status >= 300 && r->status < 400) {
		/* Unless its document says more: redirects are not followed. */
		copy_str(err->code, sizeof(err->code), r->status == 301 ?
		    "PermanentRedirect" : "Redirect");
		copy_str(err->message, sizeof(err->message), "the server "
		    "redirected the request, which is not followed: requests "
		    "go to, and are signed for, the configured endpoint only");
	}
	if (r->errbody.n == 0 || (x = malloc(sizeof(*x))) == NULL) {
		note_attempts(err, r->attempts);
		return S3_ERESPONSE;
	}
	s3xml_init(x, S3XML_ERROR, 0, NULL, NULL);
	xe = &x->error;
	if (s3xml_feed(x, r->errbody.p, r->errbody.n) == 0 &&
	    s3xml_finish(x) == 0 && x->doc == S3XML_ERROR) {
		copy_str(err->code, sizeof(err->code), xe->code);
		copy_str(err->message, sizeof(err->message), xe->message);
		if (xe->request_id[0])
			copy_str(err->request_id, sizeof(err->request_id),
			    xe->request_id);
		if (xe->region[0])
			copy_str(err->region, sizeof(err->region), xe->region);
	}
	free(x);
	note_attempts(err, r->attempts);
	return S3_ERESPONSE;
}

/*
 * Whether bucket goes in the host name: not with path style, and not for
 * names that cannot be one (dots break TLS host names; '_' and upper case
 * are not DNS).
 */
static int
virtual_hosted(const struct config_conn *k, struct slice bucket)
{
	size_t i;

	if (k->path_style)
		return 0;
	for (i = 0; i < bucket.n; i++)
		if (bucket.p[i] == '.' || bucket.p[i] == '_' ||
		    isupper((unsigned char)bucket.p[i]))
			return 0;
	return 1;
}

/* The part of a request s3.c varies; the rest is derived. */
struct s3_req {
	const char		*method;
	struct slice		 bucket;	/* empty: service level */
	struct slice		 key;		/* empty: bucket level */
	struct url_param	*params;
	size_t			 nparams;
	const char		*range;		/* "bytes=a-b" or NULL */
	/* Headers to send and sign besides the ones s3_do adds. */
	const struct slice_pair *extra;
	size_t			 nextra;
	/* A body (NULL: none) and its hex SHA-256. */
	const void		*body;
	size_t			 body_len;
	const char		*payload_hash;
	int			 not_idempotent;
};

/*
 * Credentials from the chain; a change of keys wipes the signing-key
 * cache.  0, or S3_ENOCREDS / S3_ECREDS / S3_ECANCELED with the reason.
 */
static int
get_creds(struct s3_client *c, struct creds *out, struct s3_error *err)
{
	struct s3_impl *im = c->impl;
	struct creds_error ce;
	int rc;

	creds_chain_watch(im->chain, c->watch_fd, c->on_watch, c->watch_arg);
	rc = creds_get(im->chain, out, creds_wall_ms(), &ce);
	if (rc != 0) {
		copy_str(err->message, sizeof(err->message), ce.message);
		wipe(&ce, sizeof(ce));
		if (rc == CREDS_ECANCELED)
			return S3_ECANCELED;
		return rc == CREDS_ENONE ? S3_ENOCREDS : rc == CREDS_ENOMEM ?
		    S3_ENOMEM : S3_ECREDS;
	}
	if (out->generation != im->gen) {
		sigv4_ctx_wipe(&im->sig);
		im->gen = out->generation;
	}
	return 0;
}

/*
 * The HTTP connection for requests signed for region: the connection's
 * own, except on AWS for another region, whose endpoint
 * s3.REGION.amazonaws.com gets a second kept-alive connection.
 */
static int
region_conn(struct s3_client *c, const char *region, struct http_conn **out,
    struct s3_error *err)
{
	struct s3_impl *im = c->impl;
	char host[CONFIG_HOST_BYTES];

	if (c->conn->custom_endpoint || strcmp(region, im->region) == 0) {
		*out = im->http;
		return 0;
	}
	if (im->alt == NULL || strcmp(im->alt_region, region) != 0) {
		http_conn_free(im->alt);
		im->alt = NULL;
		snprintf(host, sizeof(host), "s3.%s.amazonaws.com", region);
		if (http_conn_new(&im->alt, 1, host, 443, c->anchors) != 0) {
			copy_str(err->message, sizeof(err->message),
			    "out of memory");
			return S3_ENOMEM;
		}
		copy_str(im->alt_region, sizeof(im->alt_region), region);
	}
	*out = im->alt;
	return 0;
}

/*
 * Builds, signs (for region) and sends one request; the reply lands in
 * r.  Returns 0 when a response came (any status), else an S3_E*.
 */
static int
s3_do_once(struct s3_client *c, const struct s3_req *q, struct reply *r,
    const char *region, struct s3_error *err)
{
	const struct config_conn *k = c->conn;
	struct s3_impl *im = c->impl;
	struct http_conn *hc;
	struct creds ck;
	struct sigv4_creds cr;
	struct sigv4_request sr;
	struct slice_pair hh[MAX_HEADERS];
	const char *payload;
	struct http_callbacks cb;
	struct http_request hr;
	struct http_result res;
	struct buf host, path, query, target, auth;
	char amzdate[17];
	size_t nh = 0, first, auth_at, i;
	int rc, vhost;

	memset(err, 0, sizeof(*err));
	if ((rc = get_creds(c, &ck, err)) != 0 ||
	    (rc = region_conn(c, region, &hc, err)) != 0)
		return rc;
	buf_init(&host, 0);
	buf_init(&path, 0);
	buf_init(&query, 0);
	buf_init(&target, 0);
	buf_init(&auth, 0);

	vhost = q->bucket.n > 0 && virtual_hosted(k, q->bucket);
	if (vhost) {
		buf_add(&host, q->bucket.p, q->bucket.n);
		buf_addc(&host, '.');
	}
	buf_adds(&host, http_conn_host(hc));
	buf_addc(&path, '/');
	if (q->bucket.n > 0 && !vhost) {
		buf_add(&path, q->bucket.p, q->bucket.n);
		if (q->key.n > 0)
			buf_addc(&path, '/');
	}
	if (q->key.n > 0)
		url_encode_path(&path, q->key.p, q->key.n);
	if (url_query(&query, q->params, q->nparams) != 0 ||
	    host.p == NULL || path.p == NULL) {
		rc = S3_ENOMEM;
		goto out;
	}
	buf_add(&target, path.p, path.n);
	if (query.n > 0) {
		buf_addc(&target, '?');
		buf_add(&target, query.p, query.n);
	}

	if (q->nextra > MAX_EXTRA) {
		rc = S3_EINVAL;
		copy_str(err->message, sizeof(err->message), "too many headers");
		goto out;
	}
	payload = q->payload_hash ? q->payload_hash : SIGV4_EMPTY_SHA256;
	/*
	 * One list of what is sent, in order; sigv4 signs its own four
	 * from the request and the ones from Range on, hh[first..auth),
	 * from the list itself.  x-amz-date and Authorization are filled
	 * in by the signing.
	 */
	hh[nh].name = SLICE_LIT("Host");
	hh[nh].value.p = host.p;
	hh[nh++].value.n = host.n;
	hh[nh].name = SLICE_LIT("x-amz-date");
	hh[nh].value.p = amzdate;
	hh[nh++].value.n = sizeof(amzdate) - 1;
	hh[nh].name = SLICE_LIT("x-amz-content-sha256");
	hh[nh++].value = slice_cstr(payload);
	if (ck.session_token != NULL) {
		hh[nh].name = SLICE_LIT("x-amz-security-token");
		hh[nh++].value = slice_cstr(ck.session_token);
	}
	first = nh;
	if (q->range != NULL) {
		hh[nh].name = SLICE_LIT("Range");
		hh[nh++].value = slice_cstr(q->range);
	}
	for (i = 0; i < q->nextra; i++)
		hh[nh++] = q->extra[i];
	auth_at = nh;
	hh[nh++].name = SLICE_LIT("Authorization");
	hh[nh].name = SLICE_LIT("User-Agent");
	hh[nh++].value = SLICE_LIT("mcp-s3/" MCP_S3_VERSION);

	cr.access_key = ck.access_key;
	cr.secret = ck.secret_key;
	cr.token = ck.session_token;
	memset(&sr, 0, sizeof(sr));
	sr.method = q->method;
	sr.host.p = host.p;
	sr.host.n = host.n;
	sr.uri.p = path.p;
	sr.uri.n = path.n;
	sr.query.p = query.p ? query.p : "";
	sr.query.n = query.n;
	sr.headers = hh + first;
	sr.nheaders = auth_at - first;
	sr.payload_hash = payload;
	sr.region = region;
	sr.service = "s3";
	sr.when = time(NULL);
	if ((rc = sigv4_sign(&im->sig, &cr, &sr, &auth, amzdate)) != 0) {
		snprintf(err->message, sizeof(err->message), "cannot sign the "
		    "request: %s", sigv4_strerror(rc));
		rc = rc == SIGV4_ENOMEM ? S3_ENOMEM : S3_EINVAL;
		goto out;
	}
	hh[auth_at].value.p = auth.p;
	hh[auth_at].value.n = auth.n;

	memset(&hr, 0, sizeof(hr));
	hr.method = q->method;
	hr.target.p = target.p;
	hr.target.n = target.n;
	hr.headers = hh;
	hr.nheaders = nh;
	hr.body = q->body;
	hr.body_len = q->body_len;
	/* PUT and DELETE of one key are idempotent; a conditional PUT not. */
	hr.idempotent = !q->not_idempotent;

	cb.status = on_status;
	cb.header = on_header;
	cb.body = on_body;
	cb.arg = r;
	http_conn_timeouts(hc, k->timeout_ms, k->timeout_ms);
	http_conn_watch(hc, c->watch_fd, c->on_watch, c->watch_arg);
	rc = http_exchange(hc, &hr, &cb, &res);
	r->attempts = res.attempts;
	if (rc != 0) {
		if (rc == HTTP_EABORTED && (r->status < 200 ||
		    r->status >= 300) && r->errbody.n == ERROR_BODY_MAX) {
			/* An error document that goes on: its start will do. */
			http_conn_close(hc);
			rc = 0;
		} else if (rc == HTTP_EABORTED && r->status != 0) {
			/* Our sink stopped it: the connection is unusable. */
			http_conn_close(hc);
			rc = S3_EPROTO;
			snprintf(err->message, sizeof(err->message), "the "
			    "server sent more than was asked for");
		} else {
			rc = net_failure(hc, rc, err);
			http_conn_close(hc);
			note_attempts(err, res.attempts);
		}
	}
out:
	wipe(auth.p, auth.n);
	buf_free(&auth);
	buf_free(&host);
	buf_free(&path);
	buf_free(&query);
	buf_free(&target);
	return rc;
}

/* Clears what one exchange collected, for the same request again. */
static void
reply_reset(struct reply *r)
{
	struct buf u;

	r->status = 0;
	r->has_range = 0;
	r->range_total = 0;
	r->range_total_known = 0;
	r->request_id[0] = '\0';
	r->region[0] = '\0';
	r->delete_marker = 0;
	r->errbody.n = 0;
	r->ignored = 0;
	if (r->meta != NULL) {
		u = r->meta->user;
		u.n = 0;
		memset(r->meta, 0, sizeof(*r->meta));
		r->meta->user = u;
	}
}

/* What the answer in r says about the bucket's region; see s3region.h. */
static int
redirect_of(struct reply *r, char out[S3REGION_BYTES])
{
	struct s3xml *x;
	int sig = S3REGION_NONE;

	out[0] = '\0';
	if (r->status != 301 && r->status != 400 && r->status != 403)
		return S3REGION_NONE;
	if ((x = malloc(sizeof(*x))) == NULL)
		return S3REGION_NONE;
	s3xml_init(x, S3XML_ERROR, 0, NULL, NULL);
	if (r->errbody.n == 0 || s3xml_feed(x, r->errbody.p,
	    r->errbody.n) != 0 || s3xml_finish(x) != 0 ||
	    x->doc != S3XML_ERROR)
		memset(&x->error, 0, sizeof(x->error));
	sig = s3region_redirect(r->status, x->error.code, r->region,
	    x->error.region, x->error.endpoint, out);
	free(x);
	return sig;
}

/*
 * One request, following a region redirect once: the bucket's cached
 * region (else the connection's) signs the first try; an answer naming
 * another region caches it and the request is signed and sent again.
 * Returns as s3_do_once(), or S3_ERESPONSE when the redirect cannot be
 * followed.
 */
static int
s3_do(struct s3_client *c, const struct s3_req *q, struct reply *r,
    struct s3_error *err)
{
	struct s3_impl *im = c->impl;
	const char *cached;
	char first[S3REGION_BYTES], next[S3REGION_BYTES];
	char again[S3REGION_BYTES];
	int rc, sig;

	copy_str(first, sizeof(first), im->region);
	if (q->bucket.n > 0 &&
	    (cached = s3region_cache_get(&im->regions, q->bucket)) != NULL)
		copy_str(first, sizeof(first), cached);
	rc = s3_do_once(c, q, r, first, err);
	if (rc != 0 || q->bucket.n == 0)
		return rc;
	sig = redirect_of(r, next);
	if (sig == S3REGION_NONE ||
	    (sig == S3REGION_FOUND && strcmp(next, first) == 0))
		return 0;
	if (sig == S3REGION_BAD) {
		rc = s3_failure(r, err);
		snprintf(err->message, sizeof(err->message), "S3 says bucket "
		    "%.*s is in another region but names no usable region "
		    "(\"%s\"); set the connection's region", (int)q->bucket.n,
		    q->bucket.p, next);
		err->region[0] = '\0';
		return rc;
	}
	(void)s3region_cache_put(&im->regions, q->bucket, next);
	reply_reset(r);
	rc = s3_do_once(c, q, r, next, err);
	if (rc != 0)
		return rc;
	sig = redirect_of(r, again);
	if (r->status == 301 || sig == S3REGION_BAD ||
	    (sig == S3REGION_FOUND && strcmp(again, next) != 0)) {
		rc = s3_failure(r, err);
		snprintf(err->message, sizeof(err->message), "S3 redirected "
		    "bucket %.*s from region %s to %s, and there again%s%s; "
		    "gave up after one retry", (int)q->bucket.n, q->bucket.p,
		    first, next, again[0] ? " to " : "", again);
		err->region[0] = '\0';
		return rc;
	}
	return 0;
}

/*
 * The signing region: the connection's when set, else its profile's
 * (checked), else the default config.c gave.
 */
static int
client_region(struct s3_client *c, struct s3_error *err)
{
	const struct config_conn *k = c->conn;
	struct s3_impl *im = c->impl;
	const char *pr;

	copy_str(im->region, sizeof(im->region), k->region);
	if (k->region_set || (pr = creds_profile_region(im->chain)) == NULL)
		return 0;
	if (!s3region_valid(pr)) {
		snprintf(err->message, sizeof(err->message), "connection "
		    "\"%s\": the profile's region \"%.40s\" is not a region "
		    "name", k->name, pr);
		return S3_EINVAL;
	}
	copy_str(im->region, sizeof(im->region), pr);
	return 0;
}

/* see s3.h */
int
s3_client_open(struct s3_client *c, const struct config_conn *k,
    const struct tls_anchors *anchors, config_get_fn get, void *arg,
    struct s3_error *err)
{
	struct s3_error scratch;
	struct creds_options o;
	struct creds_error ce;
	struct s3_impl *im;
	char host[CONFIG_HOST_BYTES];
	int rc;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	memset(c, 0, sizeof(*c));
	c->conn = k;
	c->anchors = anchors;
	c->watch_fd = -1;
	if ((im = c->impl = calloc(1, sizeof(*c->impl))) == NULL) {
		copy_str(err->message, sizeof(err->message), "out of memory");
		return S3_ENOMEM;
	}
	sigv4_ctx_init(&im->sig);
	s3region_cache_init(&im->regions);
	memset(&o, 0, sizeof(o));
	o.access_key = k->access_key;
	o.secret_key = k->secret_key;
	o.session_token = k->session_token;
	o.profile = k->profile;
	o.region = k->region_set ? k->region : NULL;
	o.anchors = anchors;
	rc = creds_chain_new(&im->chain, get, arg, &o, &ce);
	if (rc != 0) {
		snprintf(err->message, sizeof(err->message), "connection "
		    "\"%s\": %.400s", k->name, ce.message);
		rc = rc == CREDS_ENOMEM ? S3_ENOMEM : S3_EINVAL;
		goto fail;
	}
	if ((rc = client_region(c, err)) != 0)
		goto fail;
	/* On AWS the endpoint follows the region, the profile's included. */
	if (!k->custom_endpoint && strcmp(im->region, k->region) != 0) {
		snprintf(host, sizeof(host), "s3.%s.amazonaws.com", im->region);
		rc = http_conn_new(&im->http, 1, host, 443, anchors);
	} else
		rc = http_conn_new(&im->http, k->tls, k->host, k->port,
		    anchors);
	if (rc != 0) {
		copy_str(err->message, sizeof(err->message), "out of memory");
		rc = S3_ENOMEM;
		goto fail;
	}
	return 0;
fail:
	creds_chain_free(im->chain);
	free(im);
	c->impl = NULL;
	return rc;
}

/* see s3.h */
int
s3_client_init(struct s3_client *c, const struct config_conn *k,
    const struct tls_anchors *anchors)
{
	return s3_client_open(c, k, anchors, config_getenv, NULL, NULL);
}

/* see s3.h */
void
s3_client_free(struct s3_client *c)
{
	if (c->impl == NULL)
		return;
	http_conn_free(c->impl->http);
	http_conn_free(c->impl->alt);
	creds_chain_free(c->impl->chain);
	sigv4_ctx_wipe(&c->impl->sig);
	free(c->impl);
	c->impl = NULL;
}

/* see s3.h */
const char *
s3_client_creds_source(const struct s3_client *c)
{
	const char *s;

	if (c->impl == NULL || c->impl->chain == NULL)
		return "none";
	s = creds_source(c->impl->chain);
	return s[0] != '\0' ? s : creds_configured(c->impl->chain);
}

/* see s3.h */
const char *
s3_client_region(const struct s3_client *c)
{
	return c->impl != NULL ? c->impl->region : c->conn->region;
}

/* see s3.h */
void
s3_client_watch(struct s3_client *c, int fd, int (*on_watch)(void *),
    void *arg)
{
	c->watch_fd = fd;
	c->on_watch = on_watch;
	c->watch_arg = arg;
	/* Takes effect at once, even inside a wait of the current call. */
	if (c->impl != NULL)
		http_conn_watch(c->impl->http, fd, on_watch, arg);
}

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

static void
reply_init(struct reply *r, struct s3_meta *m)
{
	memset(r, 0, sizeof(*r));
	r->meta = m;
	buf_init(&r->errbody, ERROR_BODY_MAX);
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
	reply_init(&r, NULL);
	rc = s3_do(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300) &&
	    r.status == head->status)
		rc = s3_failure(&r, err);
	else if (rc != S3_ECANCELED)
		rc = s3_failure(head, err);
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
	reply_init(&r, m);
	rc = s3_do(c, &q, &r, err);
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
	reply_init(&r, NULL);
	rc = s3_do(c, &q, &r, err);
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
	reply_init(&r, m);
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
	rc = s3_do(c, &q, &r, err);
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
		rc = s3_failure(&r, err);
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
	copy_field(it->etag, sizeof(it->etag), o->etag);
	copy_field(it->storage_class, sizeof(it->storage_class),
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
	reply_init(&r, NULL);
	r.sink = sink_xml;
	r.sink_arg = s;
	rc = s3_do(c, q, &r, err);
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
		rc = s3_failure(&r, err);
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
	copy_str(w->etag, sizeof(w->etag), m->etag);
	copy_str(w->version_id, sizeof(w->version_id), m->version_id);
	copy_str(w->last_modified, sizeof(w->last_modified), m->last_modified);
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
		copy_str(err->message, sizeof(err->message), "too much metadata");
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
	reply_init(&r, &m);
	rc = s3_do(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_failure(&r, err);
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
		reply_init(&r, &m);
		rc = s3_do(c, &q, &r, err);
		buf_free(&r.errbody);
		if (rc != 0)
			goto out;
		if (r.status == 404) {
			memset(err, 0, sizeof(*err));
			err->status = 404;
			copy_str(err->code, sizeof(err->code), "NoSuchVersion");
			copy_str(err->message, sizeof(err->message), "that "
			    "version of the object does not exist, so nothing "
			    "was deleted");
			copy_str(err->request_id, sizeof(err->request_id),
			    r.request_id);
			rc = S3_ERESPONSE;
			goto out;
		}
		s3_meta_free(&m);
		memset(&m, 0, sizeof(m));
		buf_init(&m.user, S3_MAX_META_BYTES);
		q.method = "DELETE";
	}
	reply_init(&r, &m);
	rc = s3_do(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_failure(&r, err);
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
			copy_str(err->message, sizeof(err->message),
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
	reply_init(&r, &m);
	r.sink = sink_copy;
	r.sink_arg = cs;
	rc = s3_do(c, &q, &r, err);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = s3_failure(&r, err);
	else if (rc == 0) {
		/* A copy can fail after a 200: the body then is an Error. */
		if (s3xml_finish(&cs->x) != 0) {
			rc = S3_EPROTO;
			copy_str(err->message, sizeof(err->message),
			    "the copy result is not valid XML");
		} else if (cs->x.doc == S3XML_ERROR) {
			err->status = r.status;
			copy_str(err->code, sizeof(err->code), cs->x.error.code);
			copy_str(err->message, sizeof(err->message),
			    cs->x.error.message);
			copy_str(err->request_id, sizeof(err->request_id),
			    cs->x.error.request_id[0] ? cs->x.error.request_id :
			    r.request_id);
			rc = S3_ERESPONSE;
		} else {
			written_from(w, &m);
			copy_str(w->etag, sizeof(w->etag), cs->x.copy.etag);
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
	if ((rc = get_creds(c, &ck, err)) != 0)
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
	vhost = virtual_hosted(k, bucket);
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
