/*
 * s3req.c - the S3 request engine: one request built, signed by
 * sigv4.c with its one header list and sent by http.c, the region
 * redirect, failures as S3_E*; and the client's lifecycle; see
 * s3_impl.h and s3.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "s3_impl.h"
#include "s3xml.h"

/* see s3_impl.h */
void
s3_copy_field(char *dst, size_t cap, struct slice v)
{
	(void)utf8_sanitize(dst, cap, v.p, v.n);
}

/* see s3_impl.h */
void
s3_copy_str(char *dst, size_t cap, const char *src)
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
		s3_copy_field(r->request_id, sizeof(r->request_id), v);
	else if (slice_ieq(name, "x-amz-bucket-region"))
		s3_copy_field(r->region, sizeof(r->region), v);
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
		s3_copy_field(m->content_type, sizeof(m->content_type), v);
	else if (slice_ieq(name, "etag"))
		s3_copy_field(m->etag, sizeof(m->etag), v);
	else if (slice_ieq(name, "last-modified")) {
		if (time_parse(v.p, v.n, &t) == 0)
			time_iso8601(m->last_modified, t);
	} else if (slice_ieq(name, "x-amz-storage-class"))
		s3_copy_field(m->storage_class, sizeof(m->storage_class), v);
	else if (slice_ieq(name, "x-amz-version-id"))
		s3_copy_field(m->version_id, sizeof(m->version_id), v);
	else if (slice_ieq(name, "cache-control"))
		s3_copy_field(m->cache_control, sizeof(m->cache_control), v);
	else if (slice_ieq(name, "content-encoding"))
		s3_copy_field(m->content_encoding, sizeof(m->content_encoding), v);
	else if (slice_ieq(name, "content-disposition"))
		s3_copy_field(m->content_disposition,
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
	 * that goes on is not read further (request_once keeps what came).
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
	s3_copy_str(err->message, sizeof(err->message),
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

/* see s3_impl.h */
int
s3_reply_error(struct reply *r, struct s3_error *err)
{
	struct s3xml *x;
	const struct s3xml_error *xe;

	err->status = r->status;
	s3_copy_str(err->request_id, sizeof(err->request_id), r->request_id);
	s3_copy_str(err->region, sizeof(err->region), r->region);
	if (r->status >= 300 && r->status < 400) {
		/* Unless its document says more: redirects are not followed. */
		s3_copy_str(err->code, sizeof(err->code), r->status == 301 ?
		    "PermanentRedirect" : "Redirect");
		s3_copy_str(err->message, sizeof(err->message), "the server "
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
		s3_copy_str(err->code, sizeof(err->code), xe->code);
		s3_copy_str(err->message, sizeof(err->message), xe->message);
		if (xe->request_id[0])
			s3_copy_str(err->request_id, sizeof(err->request_id),
			    xe->request_id);
		if (xe->region[0])
			s3_copy_str(err->region, sizeof(err->region), xe->region);
	}
	free(x);
	note_attempts(err, r->attempts);
	return S3_ERESPONSE;
}

/* see s3_impl.h */
int
s3_virtual_hosted(const struct config_conn *k, struct slice bucket)
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

/* see s3_impl.h */
int
s3_get_creds(struct s3_client *c, struct creds *out, struct s3_error *err)
{
	struct s3_impl *im = c->impl;
	struct creds_error ce;
	int rc;

	creds_chain_watch(im->chain, &c->watch);
	rc = creds_get(im->chain, out, creds_wall_ms(), &ce);
	if (rc != 0) {
		s3_copy_str(err->message, sizeof(err->message), ce.message);
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
			s3_copy_str(err->message, sizeof(err->message),
			    "out of memory");
			return S3_ENOMEM;
		}
		s3_copy_str(im->alt_region, sizeof(im->alt_region), region);
	}
	*out = im->alt;
	return 0;
}

/*
 * Builds, signs (for region) and sends one request; the reply lands in
 * r.  Returns 0 when a response came (any status), else an S3_E*.
 */
static int
request_once(struct s3_client *c, const struct s3_req *q, struct reply *r,
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
	if ((rc = s3_get_creds(c, &ck, err)) != 0 ||
	    (rc = region_conn(c, region, &hc, err)) != 0)
		return rc;
	buf_init(&host, 0);
	buf_init(&path, 0);
	buf_init(&query, 0);
	buf_init(&target, 0);
	buf_init(&auth, 0);

	vhost = q->bucket.n > 0 && s3_virtual_hosted(k, q->bucket);
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
		s3_copy_str(err->message, sizeof(err->message), "too many headers");
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
	http_conn_watch(hc, &c->watch);
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

/* see s3_impl.h */
int
s3_request(struct s3_client *c, const struct s3_req *q, struct reply *r,
    struct s3_error *err)
{
	struct s3_impl *im = c->impl;
	const char *cached;
	char first[S3REGION_BYTES], next[S3REGION_BYTES];
	char again[S3REGION_BYTES];
	int rc, sig;

	s3_copy_str(first, sizeof(first), im->region);
	if (q->bucket.n > 0 &&
	    (cached = s3region_cache_get(&im->regions, q->bucket)) != NULL)
		s3_copy_str(first, sizeof(first), cached);
	rc = request_once(c, q, r, first, err);
	if (rc != 0 || q->bucket.n == 0)
		return rc;
	sig = redirect_of(r, next);
	if (sig == S3REGION_NONE ||
	    (sig == S3REGION_FOUND && strcmp(next, first) == 0))
		return 0;
	if (sig == S3REGION_BAD) {
		rc = s3_reply_error(r, err);
		snprintf(err->message, sizeof(err->message), "S3 says bucket "
		    "%.*s is in another region but names no usable region "
		    "(\"%s\"); set the connection's region", (int)q->bucket.n,
		    q->bucket.p, next);
		err->region[0] = '\0';
		return rc;
	}
	(void)s3region_cache_put(&im->regions, q->bucket, next);
	reply_reset(r);
	rc = request_once(c, q, r, next, err);
	if (rc != 0)
		return rc;
	sig = redirect_of(r, again);
	if (r->status == 301 || sig == S3REGION_BAD ||
	    (sig == S3REGION_FOUND && strcmp(again, next) != 0)) {
		rc = s3_reply_error(r, err);
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

	s3_copy_str(im->region, sizeof(im->region), k->region);
	if (k->region_set || (pr = creds_profile_region(im->chain)) == NULL)
		return 0;
	if (!s3region_valid(pr)) {
		snprintf(err->message, sizeof(err->message), "connection "
		    "\"%s\": the profile's region \"%.40s\" is not a region "
		    "name", k->name, pr);
		return S3_EINVAL;
	}
	s3_copy_str(im->region, sizeof(im->region), pr);
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
	c->watch.fd = -1;
	if ((im = c->impl = calloc(1, sizeof(*c->impl))) == NULL) {
		s3_copy_str(err->message, sizeof(err->message), "out of memory");
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
		s3_copy_str(err->message, sizeof(err->message), "out of memory");
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
s3_client_watch(struct s3_client *c, const struct net_watch *w)
{
	net_watch_set(&c->watch, w);
	/* Takes effect at once, even inside a wait of the current call. */
	if (c->impl != NULL)
		http_conn_watch(c->impl->http, w);
}

/* see s3_impl.h */
void
s3_reply_init(struct reply *r, struct s3_meta *m)
{
	memset(r, 0, sizeof(*r));
	r->meta = m;
	buf_init(&r->errbody, ERROR_BODY_MAX);
}
