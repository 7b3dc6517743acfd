/*
 * creds.c - the credential chain: its settings, the order of its sources
 * and the cache refreshed before expiry; see creds.h.  It calls down into
 * the sources (creds_profile.c, creds_sts.c, creds_http.c) and, like
 * them, into creds_impl.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds_impl.h"

static const char *const env_names[E_N] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
	"HOME", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_ENDPOINT_URL_STS"
};

static int
holds(const char *msg, const char *s)
{
	return s != NULL && strlen(s) >= 4 && strstr(msg, s) != NULL;
}

/* Withholds a message that holds any secret known to the chain. */
static void
scrub(struct ctx *c)
{
	struct creds_chain	*ch = c->ch;
	const char		*msg = c->err->message;
	size_t			 i;
	int			 bad = 0;

	bad |= holds(msg, ch->env[E_SECRET]) | holds(msg, ch->env[E_TOKEN]);
	bad |= holds(msg, ch->env[E_CT_TOKEN]);
	bad |= holds(msg, ch->conn_sk) | holds(msg, ch->conn_tok);
	bad |= holds(msg, ch->cur.sk) | holds(msg, ch->cur.tok);
	for (i = 0; i < c->nsecrets; i++)
		bad |= holds(msg, c->secrets[i]);
	if (bad)
		creds_set_err(c->err, "credential error withheld: its text "
		    "held a "
		    "secret");
}

/* Hosts a container FULL_URI may name over plain http, as the SDKs. */
static int
container_host_ok(const char *h)
{
	return strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 ||
	    strcmp(h, "localhost") == 0 || strcmp(h, "169.254.170.2") == 0 ||
	    strcmp(h, "169.254.170.23") == 0 ||
	    strcmp(h, "fd00:ec2::23") == 0;
}

/* --- the chain --------------------------------------------------------- */

static int
resolve(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	const char		*name;
	int			 rc;

	if (ch->conn_ak != NULL)
		return creds_static_keys(c, ch->conn_ak, ch->conn_sk,
		    ch->conn_tok,
		    "static", g);
	if (ch->conn_profile != NULL)
		return creds_from_profile(c, ch->conn_profile, 1, g);
	if (ch->env[E_AKID] != NULL)
		return creds_static_keys(c, ch->env[E_AKID], ch->env[E_SECRET],
		    ch->env[E_TOKEN], "static", g);
	creds_tried(c, "environment (AWS_ACCESS_KEY_ID unset)");
	name = ch->env[E_PROFILE] != NULL ? ch->env[E_PROFILE] : "default";
	if ((rc = creds_from_profile(c, name, ch->env[E_PROFILE] != NULL, g)) !=
	    CREDS_SKIP)
		return rc;
	if (ch->env[E_WI_FILE] != NULL)
		return creds_web_identity(c, ch->env[E_ROLE_ARN],
		    ch->env[E_WI_FILE],
		    ch->env[E_ROLE_SESSION], g);
	creds_tried(c, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)");
	if ((rc = creds_from_container(c, g)) != CREDS_SKIP)
		return rc;
	if ((rc = creds_from_imds(c, g)) != CREDS_SKIP)
		return rc;
	creds_set_err(c->err, "no credentials: %s", c->tried.p != NULL ?
	    c->tried.p : "");
	return CREDS_ENONE;
}

static void
fill(const struct creds_chain *ch, struct creds *out)
{
	out->access_key = ch->cur.ak;
	out->secret_key = ch->cur.sk;
	out->session_token = ch->cur.tok;
	out->expires_ms = ch->cur.exp_ms;
	out->source = ch->cur.source;
	out->generation = ch->generation;
}

/* see creds.h */
int
creds_get(struct creds_chain *ch, struct creds *out, int64_t now_ms,
    struct creds_error *err)
{
	struct creds_error	 scratch;
	struct ctx		 c;
	struct got		 g;
	size_t			 i;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (err == NULL)
		err = &scratch;
	err->message[0] = '\0';
	if (ch->have) {
		if (ch->cur.exp_ms == 0 ||
		    now_ms < ch->cur.exp_ms - CREDS_REFRESH_MS ||
		    (ch->failed && now_ms < ch->cur.exp_ms &&
		    now_ms - ch->last_fail_ms < CREDS_RETRY_MS)) {
			fill(ch, out);
			return 0;
		}
	}
	memset(&c, 0, sizeof(c));
	memset(&g, 0, sizeof(g));
	c.ch = ch;
	c.now_ms = now_ms;
	c.err = err;
	buf_init(&c.tried, 0);
	rc = resolve(&c, &g);
	if (rc == 0 && g.exp_ms != 0 && g.exp_ms <= now_ms) {
		creds_set_err(err, "%s: the credentials it gave expired "
		    "already",
		    g.source);
		rc = CREDS_EEXPIRED;
	}
	if (rc == 0) {
		creds_got_free(&ch->cur);
		ch->cur = g;
		memset(&g, 0, sizeof(g));
		ch->have = 1;
		ch->failed = 0;
		ch->generation++;
		fill(ch, out);
	} else {
		if (rc > 0) {
			creds_set_err(err, "no credentials");
			rc = CREDS_ENONE;
		}
		scrub(&c);
		/* Keys that still work are used until they expire. */
		if (ch->have && now_ms < ch->cur.exp_ms) {
			ch->failed = 1;
			ch->last_fail_ms = now_ms;
			fill(ch, out);
			rc = 0;
		} else if (ch->have) {
			ch->have = 0;
			creds_got_free(&ch->cur);
		}
	}
	creds_got_free(&g);
	for (i = 0; i < c.nsecrets; i++)
		creds_free_str(&c.secrets[i]);
	buf_free(&c.tried);
	return rc;
}

/* see creds.h */
const char *
creds_source(const struct creds_chain *ch)
{
	return ch->have ? ch->cur.source : "";
}

/* see creds.h */
const char *
creds_profile_region(const struct creds_chain *ch)
{
	return ch->profile_region;
}

/* see creds.h */
const char *
creds_configured(const struct creds_chain *ch)
{
	return ch->configured;
}

/* The first source resolve() would use, as far as settings tell. */
static void
set_configured(struct creds_chain *ch)
{
	char		*s = ch->configured;
	size_t		 cap = sizeof(ch->configured);

	if (ch->conn_ak != NULL)
		snprintf(s, cap, "static");
	else if (ch->conn_profile != NULL)
		snprintf(s, cap, "profile:%s", ch->conn_profile);
	else if (ch->env[E_AKID] != NULL)
		snprintf(s, cap, "static");
	else if (ch->env[E_PROFILE] != NULL)
		snprintf(s, cap, "profile:%s", ch->env[E_PROFILE]);
	else if (ch->profile_found)
		snprintf(s, cap, "profile:default");
	else if (ch->env[E_WI_FILE] != NULL)
		snprintf(s, cap, "web-identity:%s", ch->env[E_ROLE_ARN]);
	else if (ch->has_ct_ep)
		snprintf(s, cap, "container");
	else if (!ch->imds_disabled)
		snprintf(s, cap, "imds");
	else
		snprintf(s, cap, "none");
}

/* Adds host:port to r once; the list holds every host the chain names. */
static void
reach_host(struct creds_reach *r, const char *host, uint16_t port)
{
	size_t	i;

	for (i = 0; i < r->nhosts; i++)
		if (r->port[i] == port && strcmp(r->host[i], host) == 0)
			return;
	snprintf(r->host[r->nhosts], sizeof(r->host[0]), "%s", host);
	r->port[r->nhosts++] = port;
}

/* see creds.h */
int
creds_chain_reach(const struct creds_chain *ch, struct creds_reach *r)
{
	char	sts[CREDS_REACH_HOST_BYTES];
	int	rc;

	memset(r, 0, sizeof(*r));
	if ((rc = creds_profile_reach(ch, r)) == 0)
		rc = creds_reach_file(r, ch->env[E_WI_FILE], 0);
	if (rc == 0 && ch->has_ct_ep)
		rc = creds_reach_file(r, ch->env[E_CT_TOKEN_FILE], 0);
	if (rc != 0) {
		creds_reach_free(r);
		return rc;
	}
	if (ch->has_sts_ep)
		reach_host(r, ch->sts_ep.host, ch->sts_ep.port);
	else {
		snprintf(sts, sizeof(sts), "sts.%s.amazonaws.com",
		    creds_sts_region(ch));
		reach_host(r, sts, 443);
	}
	if (ch->has_ct_ep)
		reach_host(r, ch->ct_ep.host, ch->ct_ep.port);
	if (!ch->imds_disabled)
		reach_host(r, ch->imds_ep.host, ch->imds_ep.port);
	return 0;
}

/* see creds.h */
void
creds_reach_free(struct creds_reach *r)
{
	size_t	i;

	for (i = 0; i < r->nfiles; i++)
		free(r->file[i]);
	memset(r, 0, sizeof(*r));
}

/* see creds.h */
void
creds_chain_watch(struct creds_chain *ch, const struct net_watch *w)
{
	net_watch_set(&ch->watch, w);
}

/* see creds.h */
int64_t
creds_wall_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL) * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* see creds.h */
void
creds_chain_free(struct creds_chain *ch)
{
	size_t	i;

	if (ch == NULL)
		return;
	for (i = 0; i < E_N; i++)
		creds_free_str(&ch->env[i]);
	creds_free_str(&ch->conn_ak);
	creds_free_str(&ch->conn_sk);
	creds_free_str(&ch->conn_tok);
	creds_free_str(&ch->conn_profile);
	creds_free_str(&ch->conn_region);
	creds_free_str(&ch->profile_region);
	creds_got_free(&ch->cur);
	wipe(ch, sizeof(*ch));
	free(ch);
}

/* Checks the settings once; 0 or CREDS_EINVAL with the variable named. */
static int
check_settings(struct creds_chain *ch, struct creds_error *err)
{
	const char	*v, *why;

	if ((ch->conn_ak == NULL) != (ch->conn_sk == NULL)) {
		creds_set_err(err, "the connection's access_key_id and "
		    "secret_access_key must be given together");
		return CREDS_EINVAL;
	}
	if ((ch->env[E_AKID] == NULL) != (ch->env[E_SECRET] == NULL)) {
		creds_set_err(err, "%s is set without %s",
		    env_names[ch->env[E_AKID] ? E_AKID : E_SECRET],
		    env_names[ch->env[E_AKID] ? E_SECRET : E_AKID]);
		return CREDS_EINVAL;
	}
	if (ch->env[E_WI_FILE] != NULL && ch->env[E_ROLE_ARN] == NULL) {
		creds_set_err(err, "AWS_WEB_IDENTITY_TOKEN_FILE is set without "
		    "AWS_ROLE_ARN");
		return CREDS_EINVAL;
	}
	if ((v = ch->env[E_IMDS_DISABLED]) != NULL) {
		if (slice_ieq(slice_cstr(v), "true"))
			ch->imds_disabled = 1;
		else if (!slice_ieq(slice_cstr(v), "false")) {
			creds_set_err(err, "AWS_EC2_METADATA_DISABLED must be "
			    "true "
			    "or false");
			return CREDS_EINVAL;
		}
	}
	v = ch->env[E_IMDS_ENDPOINT] != NULL ? ch->env[E_IMDS_ENDPOINT] :
	    "http://169.254.169.254";
	if (creds_parse_endpoint(v, &ch->imds_ep, &why) != 0) {
		creds_set_err(err, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not a "
		    "URL: %s", why);
		return CREDS_EINVAL;
	}
	if ((v = ch->env[E_STS_ENDPOINT]) != NULL) {
		if (creds_parse_endpoint(v, &ch->sts_ep, &why) != 0) {
			creds_set_err(err, "AWS_ENDPOINT_URL_STS is not a URL: "
			    "%s",
			    why);
			return CREDS_EINVAL;
		}
		ch->has_sts_ep = 1;
	}
	if ((v = ch->env[E_REL_URI]) != NULL) {
		if (v[0] != '/' || !creds_visible(v) ||
		    strlen(v) >= PATH_BYTES) {
			creds_set_err(err,
			    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
			    "must be a path starting with /");
			return CREDS_EINVAL;
		}
		(void)creds_parse_endpoint("http://169.254.170.2", &ch->ct_ep,
		    &why);
		snprintf(ch->ct_ep.path, sizeof(ch->ct_ep.path), "%s", v);
		ch->has_ct_ep = 1;
	} else if ((v = ch->env[E_FULL_URI]) != NULL) {
		if (creds_parse_endpoint(v, &ch->ct_ep, &why) != 0) {
			creds_set_err(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
			    "is "
			    "not a URL: %s", why);
			return CREDS_EINVAL;
		}
		if (!ch->ct_ep.tls && !container_host_ok(ch->ct_ep.host)) {
			creds_set_err(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
			    "over "
			    "http must name a loopback host, 169.254.170.2 "
			    "or 169.254.170.23");
			return CREDS_EINVAL;
		}
		ch->has_ct_ep = 1;
	}
	return 0;
}

/* see creds.h */
int
creds_chain_new(struct creds_chain **out, creds_get_fn get, void *arg,
    const struct creds_options *o, struct creds_error *err)
{
	struct creds_chain	*ch;
	struct creds_error	 scratch;
	const char		*v;
	size_t			 i;
	int			 rc;

	*out = NULL;
	if (err == NULL)
		err = &scratch;
	err->message[0] = '\0';
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		creds_set_err(err, "out of memory");
		return CREDS_ENOMEM;
	}
	ch->watch.fd = -1;
	for (i = 0; i < E_N; i++) {
		v = get != NULL ? get(env_names[i], arg) : NULL;
		if (util_unset(v))
			continue;
		if ((ch->env[i] = creds_dup_str(v)) == NULL)
			goto oom;
	}
	if (o != NULL) {
		ch->anchors = o->anchors;
#define COPY(f, d)	if (!util_unset(o->f) &&				\
			    (ch->d = creds_dup_str(o->f)) == NULL)	\
				goto oom
		COPY(access_key, conn_ak);
		COPY(secret_key, conn_sk);
		COPY(session_token, conn_tok);
		COPY(profile, conn_profile);
		COPY(region, conn_region);
#undef COPY
	}
	if ((rc = check_settings(ch, err)) != 0 ||
	    (rc = creds_read_profile_region(ch, err)) != 0) {
		creds_chain_free(ch);
		return rc;
	}
	set_configured(ch);
	*out = ch;
	return 0;
oom:
	creds_chain_free(ch);
	creds_set_err(err, "out of memory");
	return CREDS_ENOMEM;
}

/* see creds.h */
const char *
creds_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case CREDS_ENOMEM:
		return "out of memory";
	case CREDS_ENONE:
		return "no credentials";
	case CREDS_EINVAL:
		return "invalid credential setting";
	case CREDS_ENETWORK:
		return "credential endpoint unreachable";
	case CREDS_EDENIED:
		return "credential endpoint refused";
	case CREDS_EPROTO:
		return "unreadable credential answer";
	case CREDS_EPROCESS:
		return "credential_process failed";
	case CREDS_EEXPIRED:
		return "credentials expired";
	case CREDS_ECANCELED:
		return "cancelled";
	default:
		return "unknown error";
	}
}
