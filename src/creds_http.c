/*
 * creds_http.c - one bounded request to a credential endpoint (STS, IMDS,
 * the container endpoint), and the container and EC2 IMDSv2 sources;
 * see creds_impl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds_impl.h"
#include "net.h"

/* --- HTTP -------------------------------------------------------------- */

static int
answer_status(void *arg, int code)
{
	((struct answer *)arg)->status = code;
	return 0;
}

static int
answer_body(void *arg, const char *p, size_t n)
{
	struct answer	*a = arg;

	if (buf_add(&a->body, p, n) != 0) {
		a->over = 1;
		return 1;
	}
	return 0;
}

static int
conn_open(struct ctx *c, const struct endpoint *e, int64_t connect_ms,
    int64_t idle_ms, struct http_conn **out)
{
	if (e->tls && c->ch->anchors == NULL) {
		creds_set_err(c->err, "https://%s needs a CA bundle and none "
		    "is "
		    "loaded", e->hosthdr);
		return CREDS_EINVAL;
	}
	if (http_conn_new(out, e->tls, e->host, e->port, c->ch->anchors) != 0) {
		creds_set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	http_conn_timeouts(*out, connect_ms, idle_ms);
	if (c->ch->watch.fd >= 0)
		http_conn_watch(*out, &c->ch->watch);
	return 0;
}

/*
 * One exchange; the answer's body (bounded) and status land in a.
 * Returns 0 or the http/net/tls code (message not set: callers word it).
 */
static int
exchange(struct http_conn *hc, const struct endpoint *e, const char *method,
    const char *target, const struct slice_pair *extra, size_t nextra,
    const char *body, size_t body_len, int idempotent, struct answer *a)
{
	struct slice_pair	 h[8];
	struct http_callbacks	 cb;
	struct http_request	 req;
	size_t			 i, nh = 0;
	int			 rc;

	buf_free(&a->body);
	buf_init(&a->body, CREDS_MAX_ANSWER_BYTES);
	a->status = 0;
	a->over = 0;
	h[nh].name = SLICE_LIT("Host");
	h[nh++].value = slice_cstr(e->hosthdr);
	for (i = 0; i < nextra && nh < 8; i++)
		h[nh++] = extra[i];
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.target = slice_cstr(target);
	req.headers = h;
	req.nheaders = nh;
	req.body = body;
	req.body_len = body_len;
	req.idempotent = idempotent;
	cb.status = answer_status;
	cb.header = NULL;
	cb.body = answer_body;
	cb.arg = a;
	rc = http_exchange(hc, &req, &cb, NULL);
	/* a->over is set by answer_body, called inside http_exchange. */
	/* cppcheck-suppress knownConditionTrueFalse */
	if (rc == HTTP_EABORTED && a->over)
		return HTTP_ELIMIT;
	return rc;
}

/* The words for an exchange that failed. */
static int
net_error(struct ctx *c, const char *what, int rc)
{
	if (rc == HTTP_EINVAL) {
		creds_set_err(c->err, "%s: the request cannot be sent (a "
		    "header "
		    "holds a control character?)", what);
		return CREDS_EINVAL;
	}
	if (rc == HTTP_ELIMIT) {
		creds_set_err(c->err, "%s: the answer is larger than %u bytes",
		    what, CREDS_MAX_ANSWER_BYTES);
		return CREDS_EPROTO;
	}
	creds_set_err(c->err, "%s: %s", what, http_strerror(rc));
	switch (http_error_class(rc)) {
	case HTTP_CLASS_CANCELED:
		return CREDS_ECANCELED;
	case HTTP_CLASS_PROTOCOL:
		return CREDS_EPROTO;
	case HTTP_CLASS_LOCAL:
		return CREDS_ENOMEM;
	default:
		return CREDS_ENETWORK;
	}
}

/* see creds_impl.h */
int
creds_http_call(struct ctx *c, struct http_conn **hc,
    const struct creds_http_req *q, struct answer *a, int *raw)
{
	int	rc;

	if (raw != NULL)
		*raw = 0;
	if (*hc == NULL && (rc = conn_open(c, q->ep, q->connect_ms,
	    q->idle_ms, hc)) != 0)
		return rc;
	rc = exchange(*hc, q->ep, q->method, q->target, q->extra, q->nextra,
	    q->body, q->body_len, q->idempotent, a);
	if (rc == 0)
		return 0;
	if (raw != NULL)
		*raw = rc;
	return net_error(c, q->what, rc);
}

/* --- container and IMDS ------------------------------------------------ */

/* see creds_impl.h */
int
creds_from_container(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	struct http_conn	*hc = NULL;
	struct slice_pair	 h;
	struct answer		 a;
	struct creds_http_req	 q;
	struct buf		 tok;
	const char		*auth = NULL;
	size_t			 nh = 0;
	int			 rc;

	if (!ch->has_ct_ep) {
		creds_tried(c, "container "
		    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
		    "and _FULL_URI unset)");
		return CREDS_SKIP;
	}
	memset(&a, 0, sizeof(a));
	buf_init(&tok, 0);
	if (ch->env[E_CT_TOKEN_FILE] != NULL) {
		rc = creds_read_file(ch->env[E_CT_TOKEN_FILE],
		    CREDS_MAX_TOKEN_FILE,
		    &tok, c->err);
		if (rc == CREDS_SKIP) {
			creds_set_err(c->err, "container: token file %s does "
			    "not "
			    "exist", ch->env[E_CT_TOKEN_FILE]);
			return CREDS_EINVAL;
		}
		if (rc != 0)
			return rc;
		creds_trim_token(&tok);
		creds_note_secret(c, tok.p);
		auth = tok.p;
	} else if (ch->env[E_CT_TOKEN] != NULL)
		auth = ch->env[E_CT_TOKEN];
	if (auth != NULL) {
		h.name = SLICE_LIT("Authorization");
		h.value = slice_cstr(auth);
		nh = 1;
	}
	memset(&q, 0, sizeof(q));
	q.ep = &ch->ct_ep;
	q.connect_ms = q.idle_ms = CREDS_CONTAINER_MS;
	q.what = "container endpoint";
	q.method = "GET";
	q.target = ch->ct_ep.path;
	q.extra = &h;
	q.nextra = nh;
	q.idempotent = 1;
	if ((rc = creds_http_call(c, &hc, &q, &a, NULL)) != 0)
		goto out;
	if (a.status != 200) {
		creds_set_err(c->err, "container endpoint answered status %d%s",
		    a.status, a.status == 401 || a.status == 403 ?
		    " (is the authorization token right?)" : "");
		rc = CREDS_EDENIED;
		goto out;
	}
	rc = creds_parse_json_creds(c, "container endpoint", a.body.p != NULL ?
	    a.body.p : "", a.body.n, J_TOKEN, g);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "container");
out:
	http_conn_free(hc);
	buf_free(&a.body);
	buf_free(&tok);
	return rc;
}

/* 1 if an error means nothing answers there: IMDS is then skipped. */
static int
unreachable(int rc)
{
	return rc == NET_ETIMEOUT || rc == NET_EREFUSED ||
	    rc == NET_EUNREACH || rc == NET_ERESOLVE || rc == NET_ERESET ||
	    rc == HTTP_ETRUNCATED;
}

/* see creds_impl.h */
int
creds_from_imds(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	struct http_conn	*hc = NULL;
	struct slice_pair	 h;
	struct answer		 a;
	struct creds_http_req	 q;
	struct buf		 token, target;
	const char		*base;
	size_t			 n;
	int			 rc, raw;

	if (ch->imds_disabled) {
		creds_tried(c, "IMDS (disabled by AWS_EC2_METADATA_DISABLED)");
		return CREDS_SKIP;
	}
	memset(&a, 0, sizeof(a));
	buf_init(&token, 0);
	buf_init(&target, 0);
	/* The endpoint's path, without a trailing '/', prefixes ours. */
	base = ch->imds_ep.path;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	memset(&q, 0, sizeof(q));
	q.ep = &ch->imds_ep;
	q.connect_ms = CREDS_IMDS_CONNECT_MS;
	q.idle_ms = CREDS_IMDS_IDLE_MS;
	q.extra = &h;
	q.nextra = 1;
	q.idempotent = 1;
	h.name = SLICE_LIT("X-aws-ec2-metadata-token-ttl-seconds");
	h.value = SLICE_LIT("21600");
	buf_add(&target, base, n);
	buf_adds(&target, "/latest/api/token");
	if (target.p == NULL) {
		rc = CREDS_ENOMEM;
		creds_set_err(c->err, "out of memory");
		goto out;
	}
	q.what = "IMDS token";
	q.method = "PUT";
	q.target = target.p;
	q.body = "";
	rc = creds_http_call(c, &hc, &q, &a, &raw);
	if (rc != 0 && unreachable(raw)) {
		creds_tried(c, "IMDS (%s: %s)", ch->imds_ep.hosthdr,
		    http_strerror(raw));
		rc = CREDS_SKIP;
		goto out;
	}
	if (rc != 0)
		goto out;
	if (a.status != 200 || a.body.n == 0) {
		creds_tried(c, "IMDS (token request answered status %d)",
		    a.status);
		rc = CREDS_SKIP;
		goto out;
	}
	buf_add(&token, a.body.p, a.body.n);
	creds_trim_token(&token);
	if (token.p == NULL) {
		rc = CREDS_ENOMEM;
		creds_set_err(c->err, "out of memory");
		goto out;
	}
	creds_note_secret(c, token.p);
	h.name = SLICE_LIT("X-aws-ec2-metadata-token");
	h.value.p = token.p;
	h.value.n = token.n;
	buf_reset(&target);
	buf_add(&target, base, n);
	buf_adds(&target, "/latest/meta-data/iam/security-credentials/");
	q.what = "IMDS role";
	q.method = "GET";
	q.target = target.p;
	q.body = NULL;
	if ((rc = creds_http_call(c, &hc, &q, &a, NULL)) != 0)
		goto out;
	if (a.status == 404) {
		creds_tried(c, "IMDS (no IAM role attached to the instance)");
		rc = CREDS_SKIP;
		goto out;
	}
	if (a.status != 200) {
		creds_set_err(c->err, "IMDS role request answered status %d",
		    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	/* The first line names the role. */
	a.body.n = a.body.p != NULL ? strcspn(a.body.p, "\r\n") : 0;
	while (a.body.n > 0 && a.body.p[a.body.n - 1] == ' ')
		a.body.n--;
	if (a.body.n == 0 || a.body.n > 128 ||
	    strspn(a.body.p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789+=,.@_-") < a.body.n) {
		creds_set_err(c->err, "IMDS: the role name is empty or "
		    "malformed");
		rc = CREDS_EPROTO;
		goto out;
	}
	buf_add(&target, a.body.p, a.body.n);
	q.what = "IMDS credentials";
	q.target = target.p;
	if ((rc = creds_http_call(c, &hc, &q, &a, NULL)) != 0)
		goto out;
	if (a.status != 200) {
		creds_set_err(c->err, "IMDS credentials request answered "
		    "status %d",
		    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	rc = creds_parse_json_creds(c, "IMDS", a.body.p != NULL ? a.body.p : "",
	    a.body.n, J_TOKEN, g);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "imds");
out:
	http_conn_free(hc);
	buf_free(&a.body);
	buf_free(&token);
	buf_free(&target);
	return rc;
}
