/*
 * creds_sts.c - STS AssumeRole (signed with the source profile's keys) and
 * AssumeRoleWithWebIdentity (unsigned), answers read with the XML
 * scanner; see creds_impl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearssl.h"
#include "creds_impl.h"
#include "sigv4.h"
#include "url.h"
#include "xml.h"

/* --- STS --------------------------------------------------------------- */

struct sts_scan {
	struct got	*g;
	int		 in_creds;
	char		*exp;
	char		 code[128];
	char		 message[256];
	int		 oom;
};

static int
sts_event(void *arg, const struct xml_event *ev)
{
	struct sts_scan	*s = arg;
	char		**dst = NULL;

	if (slice_eq(ev->name, "Credentials")) {
		s->in_creds = ev->type == XML_OPEN;
		return 0;
	}
	if (ev->type != XML_CLOSE || !ev->leaf)
		return 0;
	if (slice_eq(ev->name, "Code"))
		creds_sanitize(s->code, sizeof(s->code), ev->text.p,
		    ev->text.n);
	else if (slice_eq(ev->name, "Message"))
		creds_sanitize(s->message, sizeof(s->message), ev->text.p,
		    ev->text.n);
	if (!s->in_creds)
		return 0;
	if (slice_eq(ev->name, "AccessKeyId"))
		dst = &s->g->ak;
	else if (slice_eq(ev->name, "SecretAccessKey"))
		dst = &s->g->sk;
	else if (slice_eq(ev->name, "SessionToken"))
		dst = &s->g->tok;
	else if (slice_eq(ev->name, "Expiration"))
		dst = &s->exp;
	if (dst == NULL)
		return 0;
	creds_free_str(dst);
	if (memchr(ev->text.p, '\0', ev->text.n) != NULL)
		return 0;
	if ((*dst = creds_dup_slice(ev->text)) == NULL) {
		s->oom = 1;
		return 1;
	}
	return 0;
}

/*
 * Calls STS with the form body; signer NULL sends it unsigned (web
 * identity).  g receives the Credentials of the answer.
 */
static int
sts_call(struct ctx *c, const char *what, const struct buf *form,
    const struct got *signer, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	struct endpoint		 ep;
	struct http_conn	*hc = NULL;
	struct slice_pair	 h[4];
	struct sigv4_creds	 sc;
	struct sigv4_request	 sr;
	struct slice_pair	 sh;
	struct sts_scan		 scan;
	struct answer		 a;
	struct creds_http_req	 q;
	struct buf		 auth, url;
	struct xml		*x = NULL;
	const char		*region = creds_sts_region(ch), *why;
	char			 hash[65], amzdate[17];
	size_t			 nh = 0;
	int			 rc, xrc;

	memset(&a, 0, sizeof(a));
	memset(&scan, 0, sizeof(scan));
	buf_init(&a.body, CREDS_MAX_ANSWER_BYTES);
	buf_init(&auth, 0);
	buf_init(&url, 0);
	if (ch->has_sts_ep)
		ep = ch->sts_ep;
	else {
		buf_addf(&url, "https://sts.%s.amazonaws.com/", region);
		if (url.p == NULL || creds_parse_endpoint(url.p, &ep,
		    &why) != 0) {
			creds_set_err(c->err, "%s: region %s makes no STS host",
			    what, region);
			rc = CREDS_EINVAL;
			goto out;
		}
	}
	h[nh].name = SLICE_LIT("Content-Type");
	h[nh++].value = SLICE_LIT("application/x-www-form-urlencoded; "
	    "charset=utf-8");
	if (signer != NULL) {
		sigv4_payload_hash(hash, form->p, form->n);
		sc.access_key = signer->ak;
		sc.secret = signer->sk;
		sc.token = signer->tok;
		sh.name = h[0].name;
		sh.value = h[0].value;
		memset(&sr, 0, sizeof(sr));
		sr.method = "POST";
		sr.host = slice_cstr(ep.hosthdr);
		sr.uri = slice_cstr(ep.path);
		sr.query = SLICE_LIT("");
		sr.headers = &sh;
		sr.nheaders = 1;
		sr.payload_hash = hash;
		sr.region = region;
		sr.service = "sts";
		sr.when = (time_t)(c->now_ms / 1000);
		sr.flags = SIGV4_F_NO_CONTENT_SHA256;
		if (strchr(ep.path, '?') != NULL ||
		    sigv4_sign(NULL, &sc, &sr, &auth, amzdate) != 0) {
			creds_set_err(c->err, "%s: cannot sign the STS request "
			    "(an "
			    "invalid key, region or endpoint path)", what);
			rc = CREDS_EINVAL;
			goto out;
		}
		h[nh].name = SLICE_LIT("X-Amz-Date");
		h[nh++].value = slice_cstr(amzdate);
		if (signer->tok != NULL) {
			h[nh].name = SLICE_LIT("X-Amz-Security-Token");
			h[nh++].value = slice_cstr(signer->tok);
		}
		h[nh].name = SLICE_LIT("Authorization");
		h[nh].value.p = auth.p;
		h[nh++].value.n = auth.n;
	}
	memset(&q, 0, sizeof(q));
	q.ep = &ep;
	q.connect_ms = CREDS_STS_CONNECT_MS;
	q.idle_ms = CREDS_STS_IDLE_MS;
	q.what = what;
	q.method = "POST";
	q.target = ep.path;
	q.extra = h;
	q.nextra = nh;
	q.body = form->p;
	q.body_len = form->n;
	if ((rc = creds_http_call(c, &hc, &q, &a, NULL)) != 0)
		goto out;
	if ((x = malloc(sizeof(*x))) == NULL) {
		creds_set_err(c->err, "out of memory");
		rc = CREDS_ENOMEM;
		goto out;
	}
	scan.g = g;
	xml_init(x, sts_event, &scan);
	xrc = xml_feed(x, a.body.p != NULL ? a.body.p : "", a.body.n);
	if (xrc == 0)
		xrc = xml_finish(x);
	if (scan.oom) {
		creds_set_err(c->err, "out of memory");
		rc = CREDS_ENOMEM;
		goto out;
	}
	if (a.status != 200) {
		if (scan.code[0] != '\0')
			creds_set_err(c->err, "%s: STS answered %d %s: %s",
			    what,
			    a.status, scan.code, scan.message);
		else
			creds_set_err(c->err, "%s: STS answered status %d",
			    what,
			    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	if (xrc != 0) {
		creds_set_err(c->err, "%s: the STS answer is not XML we can "
		    "read "
		    "(%s)", what, xml_strerror(xrc));
		rc = CREDS_EPROTO;
		goto out;
	}
	if ((rc = creds_check_keys(c, what, g)) != 0)
		goto out;
	if (g->tok == NULL || scan.exp == NULL) {
		creds_set_err(c->err, "%s: the STS answer lacks SessionToken "
		    "or "
		    "Expiration", what);
		rc = CREDS_EPROTO;
		goto out;
	}
	rc = creds_parse_expiration(c, what, scan.exp, strlen(scan.exp),
	    &g->exp_ms);
out:
	if (rc != 0)
		creds_got_free(g);
	creds_free_str(&scan.exp);
	free(x);
	http_conn_free(hc);
	wipe(auth.p, auth.n);
	buf_free(&auth);
	buf_free(&url);
	buf_free(&a.body);
	return rc;
}

/* Appends name=value, encoded, to a form body. */
static void
form_add(struct buf *f, const char *name, const char *value)
{
	if (f->n > 0)
		buf_addc(f, '&');
	buf_adds(f, name);
	buf_addc(f, '=');
	url_encode(f, value, strlen(value));
}

static void
session_name(struct ctx *c, const char *given, char *out, size_t cap)
{
	if (given != NULL && given[0] != '\0')
		snprintf(out, cap, "%s", given);
	else
		snprintf(out, cap, "mcp-s3-%lld", (long long)c->now_ms);
}

/* see creds_impl.h */
int
creds_assume_role(struct ctx *c, const char *role_arn, const char *session,
    const char *external_id, const char *duration, const struct got *src,
    struct got *g)
{
	struct buf	 form;
	char		 name[128], what[SOURCE_BYTES];
	int		 rc;

	session_name(c, session, name, sizeof(name));
	snprintf(what, sizeof(what), "assume role %s", role_arn);
	buf_init(&form, 0);
	form_add(&form, "Action", "AssumeRole");
	form_add(&form, "DurationSeconds", duration != NULL ? duration :
	    "3600");
	if (external_id != NULL)
		form_add(&form, "ExternalId", external_id);
	form_add(&form, "RoleArn", role_arn);
	form_add(&form, "RoleSessionName", name);
	form_add(&form, "Version", "2011-06-15");
	if (form.p == NULL) {
		creds_set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	rc = sts_call(c, what, &form, src, g);
	buf_free(&form);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "assume-role:%s",
		    role_arn);
	return rc;
}

/* see creds_impl.h */
int
creds_web_identity(struct ctx *c, const char *role_arn, const char *token_file,
    const char *session, struct got *g)
{
	struct buf	 form, tok;
	char		 name[128], what[SOURCE_BYTES];
	int		 rc;

	snprintf(what, sizeof(what), "web identity %s", role_arn);
	rc = creds_read_file(token_file, CREDS_MAX_TOKEN_FILE, &tok, c->err);
	if (rc == CREDS_SKIP) {
		creds_set_err(c->err, "%s: token file %s does not exist", what,
		    token_file);
		return CREDS_EINVAL;
	}
	if (rc != 0)
		return rc;
	creds_trim_token(&tok);
	creds_note_secret(c, tok.p);
	if (tok.n == 0) {
		buf_free(&tok);
		creds_set_err(c->err, "%s: token file %s is empty", what,
		    token_file);
		return CREDS_EINVAL;
	}
	session_name(c, session, name, sizeof(name));
	buf_init(&form, 0);
	form_add(&form, "Action", "AssumeRoleWithWebIdentity");
	form_add(&form, "RoleArn", role_arn);
	form_add(&form, "RoleSessionName", name);
	form_add(&form, "Version", "2011-06-15");
	form_add(&form, "WebIdentityToken", tok.p);
	buf_free(&tok);
	if (form.p == NULL) {
		creds_set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	rc = sts_call(c, what, &form, NULL, g);
	buf_free(&form);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "web-identity:%s",
		    role_arn);
	return rc;
}
