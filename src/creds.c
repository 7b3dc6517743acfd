/*
 * creds.c - the credential chain: its settings, the order of its sources,
 * the cache refreshed before expiry, and the helpers every source uses;
 * see creds.h and creds_impl.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "creds_impl.h"
#include "json.h"
#include "sigv4.h"

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

/* see creds_impl.h */
void
creds_set_err(struct creds_error *err, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* see creds_impl.h */
void
creds_free_str(char **s)
{
	if (*s != NULL) {
		wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* see creds_impl.h */
char *
creds_dup_str(const char *s)
{
	char	*d;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((d = malloc(n + 1)) != NULL)
		memcpy(d, s, n + 1);
	return d;
}

/* see creds_impl.h */
char *
creds_dup_slice(struct slice s)
{
	char	*d;

	if ((d = malloc(s.n + 1)) != NULL) {
		memcpy(d, s.p, s.n);
		d[s.n] = '\0';
	}
	return d;
}

/* see creds_impl.h */
void
creds_got_free(struct got *g)
{
	creds_free_str(&g->ak);
	creds_free_str(&g->sk);
	creds_free_str(&g->tok);
	g->exp_ms = 0;
	g->source[0] = '\0';
}

/* Copies text that came from outside into a message: printable, short. */
void
creds_sanitize(char *out, size_t cap, const char *p, size_t n)
{
	size_t	i, o = 0;

	if (cap == 0)
		return;
	for (i = 0; i < n && o + 1 < cap && o < 200; i++) {
		if (p[i] == '\n' || p[i] == '\r')
			break;
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	}
	out[o] = '\0';
}

/* Remembers a secret so that no message can carry it. */
void
creds_note_secret(struct ctx *c, const char *s)
{
	if (s == NULL || strlen(s) < 4 || c->nsecrets == MAX_SECRETS)
		return;
	if ((c->secrets[c->nsecrets] = creds_dup_str(s)) != NULL)
		c->nsecrets++;
}

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

/* see creds_impl.h */
void
creds_tried(struct ctx *c, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->tried.n > 0)
		buf_adds(&c->tried, ", ");
	buf_adds(&c->tried, line);
}

/* --- values and endpoints ---------------------------------------------- */

/* see creds_impl.h */
int
creds_visible(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

/* 1 if s is "${...}", an unresolved template of a bundle: unset. */
static int
is_template(const char *s)
{
	size_t	n = strlen(s);

	return n >= 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}';
}

/*
 * Parses http(s)://host[:port][/path] into e.  Returns 0 or -1 and a
 * reason in why.
 */
int
creds_parse_endpoint(const char *url, struct endpoint *e, const char **why)
{
	const char	*p, *h, *hend, *path;
	uint64_t	 port;
	size_t		 n;

	memset(e, 0, sizeof(*e));
	if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
		e->port = 80;
	} else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		e->tls = 1;
		e->port = 443;
	} else {
		*why = "it must start with http:// or https://";
		return -1;
	}
	path = p + strcspn(p, "/?#");
	if (strchr(path, '#') != NULL) {
		*why = "it must not hold a fragment";
		return -1;
	}
	if (*p == '[') {
		h = p + 1;
		if ((hend = memchr(h, ']', (size_t)(path - h))) == NULL) {
			*why = "an IPv6 host needs a closing ]";
			return -1;
		}
		p = hend + 1;
	} else {
		h = p;
		hend = p + strcspn(p, ":/?");
		if (hend > path)
			hend = path;
		p = hend;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= sizeof(e->host) || memchr(h, '@', n) != NULL) {
		*why = "its host is empty, too long or holds user info";
		return -1;
	}
	memcpy(e->host, h, n);
	if (*p == ':') {
		if (parse_u64(p + 1, (size_t)(path - p - 1), &port) != 0 ||
		    port == 0 || port > 65535) {
			*why = "its port is not 1..65535";
			return -1;
		}
		e->port = (uint16_t)port;
	} else if (p != path) {
		*why = "it is not scheme://host[:port]/path";
		return -1;
	}
	if (strlen(path) + 2 > sizeof(e->path) || !creds_visible(path)) {
		*why = "its path is too long or holds blanks or controls";
		return -1;
	}
	snprintf(e->path, sizeof(e->path), "%s%s", *path == '/' ? "" : "/",
	    path);
	if (!creds_visible(e->host)) {
		*why = "its host holds blanks or controls";
		return -1;
	}
	if (strchr(e->host, ':') != NULL)
		snprintf(e->hosthdr, sizeof(e->hosthdr), "[%s]", e->host);
	else
		snprintf(e->hosthdr, sizeof(e->hosthdr), "%s", e->host);
	if (e->port != (e->tls ? 443 : 80))
		snprintf(e->hosthdr + strlen(e->hosthdr),
		    sizeof(e->hosthdr) - strlen(e->hosthdr), ":%u",
		    (unsigned)e->port);
	return 0;
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

/* The region STS is called in, and scoped to. */
const char *
creds_sts_region(const struct creds_chain *ch)
{
	if (ch->conn_region != NULL)
		return ch->conn_region;
	if (ch->env[E_REGION] != NULL)
		return ch->env[E_REGION];
	if (ch->env[E_DEFAULT_REGION] != NULL)
		return ch->env[E_DEFAULT_REGION];
	if (ch->profile_region != NULL)
		return ch->profile_region;
	return "us-east-1";
}

/* --- files ------------------------------------------------------------- */

/*
 * Reads a whole file of at most limit bytes into out.  0 when read, CREDS_SKIP
 * when it does not exist, CREDS_E* otherwise (message set).
 */
int
creds_read_file(const char *path, size_t limit, struct buf *out,
    struct creds_error *err)
{
	char	 tmp[4096];
	size_t	 r;
	FILE	*f;
	int	 rc = 0;

	buf_init(out, limit);
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return CREDS_SKIP;
		creds_set_err(err, "cannot open %s: %s", path, strerror(errno));
		return CREDS_EINVAL;
	}
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(out, tmp, r) != 0) {
			creds_set_err(err, "%s is larger than %zu bytes", path,
			    limit);
			rc = CREDS_EINVAL;
			break;
		}
	if (rc == 0 && ferror(f)) {
		creds_set_err(err, "cannot read %s", path);
		rc = CREDS_EINVAL;
	}
	wipe(tmp, sizeof(tmp));
	fclose(f);
	if (rc != 0)
		buf_free(out);
	else if (buf_reserve(out, 1) != 0) {
		buf_free(out);
		creds_set_err(err, "out of memory reading %s", path);
		rc = CREDS_ENOMEM;
	}
	return rc;
}

/* Drops trailing blanks and line ends of a token read from a file. */
void
creds_trim_token(struct buf *b)
{
	while (b->n > 0 && (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == '\r' ||
	    b->p[b->n - 1] == ' ' || b->p[b->n - 1] == '\t'))
		b->p[--b->n] = '\0';
}

/* --- answers ----------------------------------------------------------- */

/* see creds_impl.h */
int
creds_check_keys(struct ctx *c, const char *what, struct got *g)
{
	if (g->ak == NULL || g->sk == NULL || g->ak[0] == '\0' ||
	    g->sk[0] == '\0') {
		creds_set_err(c->err, "%s: the answer lacks AccessKeyId or "
		    "SecretAccessKey", what);
		return CREDS_EPROTO;
	}
	if (!creds_visible(g->ak) || strlen(g->ak) > SIGV4_MAX_ACCESS_KEY ||
	    strchr(g->ak, '/') != NULL || strchr(g->ak, ',') != NULL ||
	    !creds_visible(g->sk) || (g->tok != NULL &&
	    !creds_visible(g->tok))) {
		creds_set_err(c->err, "%s: the answer holds a malformed key or "
		    "token", what);
		return CREDS_EPROTO;
	}
	if (g->tok != NULL && g->tok[0] == '\0')
		creds_free_str(&g->tok);
	return 0;
}

/* see creds_impl.h */
int
creds_parse_expiration(struct ctx *c, const char *what, const char *s, size_t n,
    int64_t *out)
{
	time_t	t;

	if (time_parse(s, n, &t) != 0 || t <= 0) {
		creds_set_err(c->err, "%s: Expiration is not an ISO 8601 UTC "
		    "time",
		    what);
		return CREDS_EPROTO;
	}
	*out = (int64_t)t * 1000;
	return 0;
}

static int
json_str(const struct json *j, int obj, const char *key, char **out)
{
	struct buf	 b;
	int		 t;

	*out = NULL;
	if ((t = json_find(j, obj, key)) == JSON_ENOTFOUND)
		return 0;
	if (json_type(j, t) != JSON_STRING)
		return JSON_ETYPE;
	buf_init(&b, CREDS_MAX_ANSWER_BYTES);
	if (json_decode(j, t, &b) != 0 || buf_reserve(&b, 1) != 0) {
		buf_free(&b);
		return JSON_ENOMEM;
	}
	if (memchr(b.p, '\0', b.n) != NULL) {
		buf_free(&b);
		return JSON_ETYPE;
	}
	*out = b.p;
	return 0;
}

/* The JSON of IMDS, the container endpoint or a process, into g. */
int
creds_parse_json_creds(struct ctx *c, const char *what, const char *p, size_t n,
    int kind, struct got *g)
{
	struct json_tok	 tok[128];
	struct json	 j;
	char		*exp = NULL;
	int64_t		 version;
	int		 t, rc;

	if (json_parse(&j, p, n, tok, 128) < 0 ||
	    json_type(&j, 0) != JSON_OBJECT) {
		creds_set_err(c->err, "%s: the answer is not a JSON object",
		    what);
		return CREDS_EPROTO;
	}
	if (kind == J_PROCESS) {
		t = json_find(&j, 0, "Version");
		if (t < 0 || json_int64(&j, t, &version) != 0 ||
		    version != 1) {
			creds_set_err(c->err, "%s: the output's Version is not "
			    "1",
			    what);
			return CREDS_EPROTO;
		}
	} else if ((t = json_find(&j, 0, "Code")) >= 0 &&
	    !json_streq(&j, t, "Success")) {
		creds_set_err(c->err, "%s: the answer's Code is not Success",
		    what);
		return CREDS_EDENIED;
	}
	if (json_str(&j, 0, "AccessKeyId", &g->ak) != 0 ||
	    json_str(&j, 0, "SecretAccessKey", &g->sk) != 0 ||
	    json_str(&j, 0, kind == J_PROCESS ? "SessionToken" : "Token",
	    &g->tok) != 0 ||
	    json_str(&j, 0, "Expiration", &exp) != 0) {
		creds_set_err(c->err, "%s: a credential field is not a string",
		    what);
		rc = CREDS_EPROTO;
		goto out;
	}
	creds_note_secret(c, g->sk);
	creds_note_secret(c, g->tok);
	if ((rc = creds_check_keys(c, what, g)) != 0)
		goto out;
	if (exp != NULL)
		rc = creds_parse_expiration(c, what, exp, strlen(exp),
		    &g->exp_ms);
	else if (kind != J_PROCESS) {
		creds_set_err(c->err, "%s: the answer has no Expiration", what);
		rc = CREDS_EPROTO;
	}
out:
	creds_free_str(&exp);
	return rc;
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

/* see creds.h */
void
creds_chain_watch(struct creds_chain *ch, int fd, int (*on_watch)(void *),
    void *arg)
{
	ch->watch_fd = fd;
	ch->on_watch = on_watch;
	ch->watch_arg = arg;
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
	ch->watch_fd = -1;
	for (i = 0; i < E_N; i++) {
		v = get != NULL ? get(env_names[i], arg) : NULL;
		if (v == NULL || v[0] == '\0' || is_template(v))
			continue;
		if ((ch->env[i] = creds_dup_str(v)) == NULL)
			goto oom;
	}
	if (o != NULL) {
		ch->anchors = o->anchors;
#define COPY(f, d)	if (o->f != NULL && o->f[0] != '\0' &&		\
			    !is_template(o->f) &&			\
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
