/*
 * creds.c - the credential chain: static keys, shared-file profiles
 * (AssumeRole, credential_process), web identity, the container endpoint
 * and EC2 IMDSv2, with a cache refreshed before expiry.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "http.h"
#include "json.h"
#include "profile.h"
#include "sigv4.h"
#include "url.h"
#include "util.h"
#include "xml.h"

/* The variables read, copied once when the chain is built. */
enum env_var {
	E_AKID, E_SECRET, E_TOKEN, E_PROFILE, E_CREDS_FILE, E_CONFIG_FILE,
	E_HOME, E_REGION, E_DEFAULT_REGION, E_WI_FILE, E_ROLE_ARN,
	E_ROLE_SESSION, E_REL_URI, E_FULL_URI, E_CT_TOKEN, E_CT_TOKEN_FILE,
	E_IMDS_DISABLED, E_IMDS_ENDPOINT, E_STS_ENDPOINT, E_N
};

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

#define SOURCE_BYTES	512
#define HOST_BYTES	256
#define PATH_BYTES	2048
#define MAX_SECRETS	8
/* Longest profile name followed, NUL included. */
#define PROFILE_NAME_BYTES	128

/* scheme://host[:port]/path, checked once. */
struct endpoint {
	int		 tls;
	char		 host[HOST_BYTES];	/* IPv6 without brackets */
	uint16_t	 port;
	char		 hosthdr[HOST_BYTES + 8];	/* Host header value */
	char		 path[PATH_BYTES];	/* from '/', query included */
};

/* Credentials one source produced; every string owned. */
struct got {
	char	*ak;
	char	*sk;
	char	*tok;
	int64_t	 exp_ms;
	char	 source[SOURCE_BYTES];
};

struct creds_chain {
	char				*env[E_N];
	char				*conn_ak, *conn_sk, *conn_tok;
	char				*conn_profile, *conn_region;
	char				*profile_region;
	const struct tls_anchors	*anchors;
	int				 imds_disabled;
	struct endpoint			 sts_ep;	/* valid if has_sts_ep */
	int				 has_sts_ep;
	struct endpoint			 ct_ep;		/* valid if has_ct_ep */
	int				 has_ct_ep;
	struct endpoint			 imds_ep;
	int				 watch_fd;
	int				(*on_watch)(void *);
	void				*watch_arg;
	/* The cache. */
	struct got			 cur;
	int				 have;
	unsigned			 generation;
	int64_t				 last_fail_ms;
	int				 failed;
};

/* One resolution of the chain. */
struct ctx {
	struct creds_chain	*ch;
	int64_t			 now_ms;
	struct creds_error	*err;
	struct buf		 tried;
	char			*secrets[MAX_SECRETS];	/* copies, to scrub */
	size_t			 nsecrets;
};

/* A source was not configured: noted in tried, the chain goes on. */
#define SKIP	1

static void
set_err(struct creds_error *err, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
set_err(struct creds_error *err, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
free_str(char **s)
{
	if (*s != NULL) {
		wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static char *
dup_str(const char *s)
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

static char *
dup_slice(struct slice s)
{
	char	*d;

	if ((d = malloc(s.n + 1)) != NULL) {
		memcpy(d, s.p, s.n);
		d[s.n] = '\0';
	}
	return d;
}

static void
got_free(struct got *g)
{
	free_str(&g->ak);
	free_str(&g->sk);
	free_str(&g->tok);
	g->exp_ms = 0;
	g->source[0] = '\0';
}

/* Copies text that came from outside into a message: printable, short. */
static void
sanitize(char *out, size_t cap, const char *p, size_t n)
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
static void
note_secret(struct ctx *c, const char *s)
{
	if (s == NULL || strlen(s) < 4 || c->nsecrets == MAX_SECRETS)
		return;
	if ((c->secrets[c->nsecrets] = dup_str(s)) != NULL)
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
		set_err(c->err, "credential error withheld: its text held a "
		    "secret");
}

static void
tried(struct ctx *c, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
tried(struct ctx *c, const char *fmt, ...)
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

static int
visible(const char *s)
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
static int
parse_endpoint(const char *url, struct endpoint *e, const char **why)
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
	if (strlen(path) + 2 > sizeof(e->path) || !visible(path)) {
		*why = "its path is too long or holds blanks or controls";
		return -1;
	}
	snprintf(e->path, sizeof(e->path), "%s%s", *path == '/' ? "" : "/",
	    path);
	if (!visible(e->host)) {
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
static const char *
sts_region(const struct creds_chain *ch)
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
 * Reads a whole file of at most limit bytes into out.  0 when read, SKIP
 * when it does not exist, CREDS_E* otherwise (message set).
 */
static int
read_file(const char *path, size_t limit, struct buf *out,
    struct creds_error *err)
{
	char	 tmp[4096];
	size_t	 r;
	FILE	*f;
	int	 rc = 0;

	buf_init(out, limit);
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return SKIP;
		set_err(err, "cannot open %s: %s", path, strerror(errno));
		return CREDS_EINVAL;
	}
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(out, tmp, r) != 0) {
			set_err(err, "%s is larger than %zu bytes", path,
			    limit);
			rc = CREDS_EINVAL;
			break;
		}
	if (rc == 0 && ferror(f)) {
		set_err(err, "cannot read %s", path);
		rc = CREDS_EINVAL;
	}
	wipe(tmp, sizeof(tmp));
	fclose(f);
	if (rc != 0)
		buf_free(out);
	else if (buf_reserve(out, 1) != 0) {
		buf_free(out);
		set_err(err, "out of memory reading %s", path);
		rc = CREDS_ENOMEM;
	}
	return rc;
}

/* Drops trailing blanks and line ends of a token read from a file. */
static void
trim_token(struct buf *b)
{
	while (b->n > 0 && (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == '\r' ||
	    b->p[b->n - 1] == ' ' || b->p[b->n - 1] == '\t'))
		b->p[--b->n] = '\0';
}

/* A shared file's path: the variable, else ~/.aws/NAME; "~/" expanded. */
static int
shared_path(const struct creds_chain *ch, int var, const char *name,
    struct buf *out)
{
	const char	*v = ch->env[var], *home = ch->env[E_HOME];

	buf_init(out, 0);
	if (v == NULL) {
		if (home == NULL)
			return -1;
		buf_addf(out, "%s/.aws/%s", home, name);
	} else if (v[0] == '~' && v[1] == '/') {
		if (home == NULL)
			return -1;
		buf_addf(out, "%s%s", home, v + 1);
	} else
		buf_adds(out, v);
	return out->p == NULL ? -1 : 0;
}

struct shared {
	struct buf	 cpath, fpath;	/* credentials, config paths */
	struct buf	 ctext, ftext;
	int		 chave, fhave;
};

static void
shared_free(struct shared *s)
{
	buf_free(&s->cpath);
	buf_free(&s->fpath);
	buf_free(&s->ctext);
	buf_free(&s->ftext);
}

/* Reads both shared files; a missing one is simply absent. */
static int
shared_read(const struct creds_chain *ch, struct shared *s,
    struct creds_error *err)
{
	int	rc;

	memset(s, 0, sizeof(*s));
	if (shared_path(ch, E_CREDS_FILE, "credentials", &s->cpath) == 0) {
		rc = read_file(s->cpath.p, PROFILE_MAX_FILE_BYTES, &s->ctext,
		    err);
		if (rc < 0)
			return rc;
		s->chave = rc == 0;
	}
	if (shared_path(ch, E_CONFIG_FILE, "config", &s->fpath) == 0) {
		rc = read_file(s->fpath.p, PROFILE_MAX_FILE_BYTES, &s->ftext,
		    err);
		if (rc < 0)
			return rc;
		s->fhave = rc == 0;
	}
	return 0;
}

static int
shared_load(const struct shared *s, const char *name, struct profile *p,
    struct creds_error *err)
{
	unsigned	 line;
	int		 kind, rc;

	rc = profile_load(p, name, s->chave ? s->ctext.p : NULL, s->ctext.n,
	    s->fhave ? s->ftext.p : NULL, s->ftext.n, &line, &kind);
	if (rc == PROFILE_ENOMEM) {
		set_err(err, "out of memory reading the shared files");
		return CREDS_ENOMEM;
	}
	if (rc != 0) {
		set_err(err, "%s line %u: %s", kind == PROFILE_CONFIG ?
		    s->fpath.p : s->cpath.p, line, profile_strerror(rc));
		return CREDS_EINVAL;
	}
	return 0;
}

/* --- HTTP -------------------------------------------------------------- */

struct answer {
	struct buf	 body;
	int		 status;
	int		 over;
};

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
		set_err(c->err, "https://%s needs a CA bundle and none is "
		    "loaded", e->hosthdr);
		return CREDS_EINVAL;
	}
	if (http_conn_new(out, e->tls, e->host, e->port, c->ch->anchors) != 0) {
		set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	http_conn_timeouts(*out, connect_ms, idle_ms);
	if (c->ch->watch_fd >= 0)
		http_conn_watch(*out, c->ch->watch_fd, c->ch->on_watch,
		    c->ch->watch_arg);
	return 0;
}

/*
 * One exchange; the answer's body (bounded) and status land in a.
 * Returns 0 or the http/net/tls code (message not set: callers word it).
 */
static int
exchange(struct http_conn *hc, const struct endpoint *e, const char *method,
    const char *target, struct http_header *extra, size_t nextra,
    const char *body, size_t body_len, int idempotent, struct answer *a)
{
	struct http_header	 h[8];
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
	if (rc == HTTP_EABORTED && a->over)
		return HTTP_ELIMIT;
	return rc;
}

/* The words for an exchange that failed. */
static int
net_error(struct ctx *c, const char *what, int rc)
{
	if (rc == HTTP_EINVAL) {
		set_err(c->err, "%s: the request cannot be sent (a header "
		    "holds a control character?)", what);
		return CREDS_EINVAL;
	}
	if (rc == HTTP_ELIMIT) {
		set_err(c->err, "%s: the answer is larger than %u bytes",
		    what, CREDS_MAX_ANSWER_BYTES);
		return CREDS_EPROTO;
	}
	set_err(c->err, "%s: %s", what, http_strerror(rc));
	switch (http_error_class(rc)) {
	case HTTP_CLASS_PROTOCOL:
		return CREDS_EPROTO;
	case HTTP_CLASS_LOCAL:
		return CREDS_ENOMEM;
	default:
		return CREDS_ENETWORK;
	}
}

/* --- answers ----------------------------------------------------------- */

static int
check_keys(struct ctx *c, const char *what, struct got *g)
{
	if (g->ak == NULL || g->sk == NULL || g->ak[0] == '\0' ||
	    g->sk[0] == '\0') {
		set_err(c->err, "%s: the answer lacks AccessKeyId or "
		    "SecretAccessKey", what);
		return CREDS_EPROTO;
	}
	if (!visible(g->ak) || strlen(g->ak) > SIGV4_MAX_ACCESS_KEY ||
	    strchr(g->ak, '/') != NULL || strchr(g->ak, ',') != NULL ||
	    !visible(g->sk) || (g->tok != NULL && !visible(g->tok))) {
		set_err(c->err, "%s: the answer holds a malformed key or "
		    "token", what);
		return CREDS_EPROTO;
	}
	if (g->tok != NULL && g->tok[0] == '\0')
		free_str(&g->tok);
	return 0;
}

static int
parse_expiration(struct ctx *c, const char *what, const char *s, size_t n,
    int64_t *out)
{
	time_t	t;

	if (time_parse(s, n, &t) != 0 || t <= 0) {
		set_err(c->err, "%s: Expiration is not an ISO 8601 UTC time",
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

#define J_TOKEN		0	/* IMDS and container: "Token" */
#define J_PROCESS	1	/* credential_process: "SessionToken" */

/* The JSON of IMDS, the container endpoint or a process, into g. */
static int
parse_json_creds(struct ctx *c, const char *what, const char *p, size_t n,
    int kind, struct got *g)
{
	struct json_tok	 tok[128];
	struct json	 j;
	char		*exp = NULL;
	int64_t		 version;
	int		 t, rc;

	if (json_parse(&j, p, n, tok, 128) < 0 ||
	    json_type(&j, 0) != JSON_OBJECT) {
		set_err(c->err, "%s: the answer is not a JSON object", what);
		return CREDS_EPROTO;
	}
	if (kind == J_PROCESS) {
		t = json_find(&j, 0, "Version");
		if (t < 0 || json_int64(&j, t, &version) != 0 ||
		    version != 1) {
			set_err(c->err, "%s: the output's Version is not 1",
			    what);
			return CREDS_EPROTO;
		}
	} else if ((t = json_find(&j, 0, "Code")) >= 0 &&
	    !json_streq(&j, t, "Success")) {
		set_err(c->err, "%s: the answer's Code is not Success", what);
		return CREDS_EDENIED;
	}
	if (json_str(&j, 0, "AccessKeyId", &g->ak) != 0 ||
	    json_str(&j, 0, "SecretAccessKey", &g->sk) != 0 ||
	    json_str(&j, 0, kind == J_PROCESS ? "SessionToken" : "Token",
	    &g->tok) != 0 ||
	    json_str(&j, 0, "Expiration", &exp) != 0) {
		set_err(c->err, "%s: a credential field is not a string",
		    what);
		rc = CREDS_EPROTO;
		goto out;
	}
	note_secret(c, g->sk);
	note_secret(c, g->tok);
	if ((rc = check_keys(c, what, g)) != 0)
		goto out;
	if (exp != NULL)
		rc = parse_expiration(c, what, exp, strlen(exp), &g->exp_ms);
	else if (kind != J_PROCESS) {
		set_err(c->err, "%s: the answer has no Expiration", what);
		rc = CREDS_EPROTO;
	}
out:
	free_str(&exp);
	return rc;
}

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
		sanitize(s->code, sizeof(s->code), ev->text.p, ev->text.n);
	else if (slice_eq(ev->name, "Message"))
		sanitize(s->message, sizeof(s->message), ev->text.p,
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
	free_str(dst);
	if (memchr(ev->text.p, '\0', ev->text.n) != NULL)
		return 0;
	if ((*dst = dup_slice(ev->text)) == NULL) {
		s->oom = 1;
		return 1;
	}
	return 0;
}

static void
sha256_hex(char out[65], const void *p, size_t n)
{
	br_sha256_context	 sc;
	unsigned char		 h[32];

	br_sha256_init(&sc);
	br_sha256_update(&sc, p, n);
	br_sha256_out(&sc, h);
	hex_encode(out, h, sizeof(h));
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
	struct http_header	 h[4];
	struct sigv4_creds	 sc;
	struct sigv4_request	 sr;
	struct sigv4_header	 sh;
	struct sts_scan		 scan;
	struct answer		 a;
	struct buf		 auth, url;
	struct xml		*x = NULL;
	const char		*region = sts_region(ch), *why;
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
		if (url.p == NULL || parse_endpoint(url.p, &ep, &why) != 0) {
			set_err(c->err, "%s: region %s makes no STS host",
			    what, region);
			rc = CREDS_EINVAL;
			goto out;
		}
	}
	h[nh].name = SLICE_LIT("Content-Type");
	h[nh++].value = SLICE_LIT("application/x-www-form-urlencoded; "
	    "charset=utf-8");
	if (signer != NULL) {
		sha256_hex(hash, form->p, form->n);
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
		    (rc = sigv4_sign(NULL, &sc, &sr, &auth, amzdate)) != 0) {
			set_err(c->err, "%s: cannot sign the STS request (an "
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
	if ((rc = conn_open(c, &ep, CREDS_STS_CONNECT_MS, CREDS_STS_IDLE_MS,
	    &hc)) != 0)
		goto out;
	rc = exchange(hc, &ep, "POST", ep.path, h, nh, form->p, form->n, 0,
	    &a);
	if (rc != 0) {
		rc = net_error(c, what, rc);
		goto out;
	}
	if ((x = malloc(sizeof(*x))) == NULL) {
		set_err(c->err, "out of memory");
		rc = CREDS_ENOMEM;
		goto out;
	}
	scan.g = g;
	xml_init(x, sts_event, &scan);
	xrc = xml_feed(x, a.body.p != NULL ? a.body.p : "", a.body.n);
	if (xrc == 0)
		xrc = xml_finish(x);
	if (scan.oom) {
		set_err(c->err, "out of memory");
		rc = CREDS_ENOMEM;
		goto out;
	}
	if (a.status != 200) {
		if (scan.code[0] != '\0')
			set_err(c->err, "%s: STS answered %d %s: %s", what,
			    a.status, scan.code, scan.message);
		else
			set_err(c->err, "%s: STS answered status %d", what,
			    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	if (xrc != 0) {
		set_err(c->err, "%s: the STS answer is not XML we can read "
		    "(%s)", what, xml_strerror(xrc));
		rc = CREDS_EPROTO;
		goto out;
	}
	note_secret(c, g->sk);
	note_secret(c, g->tok);
	if ((rc = check_keys(c, what, g)) != 0)
		goto out;
	if (g->tok == NULL || scan.exp == NULL) {
		set_err(c->err, "%s: the STS answer lacks SessionToken or "
		    "Expiration", what);
		rc = CREDS_EPROTO;
		goto out;
	}
	rc = parse_expiration(c, what, scan.exp, strlen(scan.exp),
	    &g->exp_ms);
out:
	if (rc != 0)
		got_free(g);
	free_str(&scan.exp);
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

static int
assume_role(struct ctx *c, const char *role_arn, const char *session,
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
		set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	rc = sts_call(c, what, &form, src, g);
	buf_free(&form);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "assume-role:%s",
		    role_arn);
	return rc;
}

static int
web_identity(struct ctx *c, const char *role_arn, const char *token_file,
    const char *session, struct got *g)
{
	struct buf	 form, tok;
	char		 name[128], what[SOURCE_BYTES];
	int		 rc;

	snprintf(what, sizeof(what), "web identity %s", role_arn);
	rc = read_file(token_file, CREDS_MAX_TOKEN_FILE, &tok, c->err);
	if (rc == SKIP) {
		set_err(c->err, "%s: token file %s does not exist", what,
		    token_file);
		return CREDS_EINVAL;
	}
	if (rc != 0)
		return rc;
	trim_token(&tok);
	note_secret(c, tok.p);
	if (tok.n == 0) {
		buf_free(&tok);
		set_err(c->err, "%s: token file %s is empty", what,
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
		set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	rc = sts_call(c, what, &form, NULL, g);
	buf_free(&form);
	if (rc == 0)
		snprintf(g->source, sizeof(g->source), "web-identity:%s",
		    role_arn);
	return rc;
}

/* --- credential_process ------------------------------------------------ */

static void
reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
}

/* Runs cmd with /bin/sh -c; its stdout (JSON) into g. */
static int
run_process(struct ctx *c, const char *cmd, struct got *g)
{
	struct pollfd	 pfd[2];
	struct buf	 out, errb;
	char		 tmp[4096], line[256];
	int64_t		 deadline, left;
	ssize_t		 r;
	pid_t		 pid;
	int		 po[2] = { -1, -1 }, pe[2] = { -1, -1 }, open_fds;
	int		 status = 0, rc = 0, i, killed = 0, over = 0, devnull;

	if (pipe(po) == -1 || pipe(pe) == -1) {
		set_err(c->err, "credential_process: cannot make a pipe: %s",
		    strerror(errno));
		rc = CREDS_EPROCESS;
		goto close_pipes;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		set_err(c->err, "credential_process: cannot fork: %s",
		    strerror(errno));
		rc = CREDS_EPROCESS;
		goto close_pipes;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		signal(SIGPIPE, SIG_DFL);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(po[1], 1) == -1 || dup2(pe[1], 2) == -1)
			_exit(127);
		close(po[0]);
		close(pe[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	buf_init(&out, CREDS_MAX_ANSWER_BYTES);
	buf_init(&errb, sizeof(tmp));
	deadline = time_now_ms() + CREDS_PROCESS_MS;
	open_fds = 2;
	while (open_fds > 0) {
		left = deadline - time_now_ms();
		if (left <= 0) {
			killed = 1;
			break;
		}
		pfd[0].fd = po[0];
		pfd[1].fd = pe[0];
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) == -1) {
			if (errno == EINTR)
				continue;
			killed = 1;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, tmp, sizeof(tmp));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(i == 0 ? po[0] : pe[0]);
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && buf_add(&out, tmp, (size_t)r) != 0) {
				over = killed = 1;
				break;
			}
			/* Only the start of stderr is kept: its first line. */
			if (i == 1 && errb.n < errb.limit)
				(void)buf_add(&errb, tmp, (size_t)r >
				    errb.limit - errb.n ? errb.limit - errb.n :
				    (size_t)r);
		}
		if (killed)
			break;
	}
	wipe(tmp, sizeof(tmp));
	if (killed)
		kill(pid, SIGKILL);
	else {
		/* Both pipes closed: give the child the rest of its time. */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			if (time_now_ms() >= deadline) {
				kill(pid, SIGKILL);
				killed = 1;
				break;
			}
			(void)poll(NULL, 0, 10);
		}
		if (!killed)
			goto reaped;
	}
	reap(pid, &status);
reaped:
	if (over) {
		set_err(c->err, "credential_process: its output passed %u "
		    "bytes", CREDS_MAX_ANSWER_BYTES);
		rc = CREDS_EPROCESS;
	} else if (killed) {
		set_err(c->err, "credential_process: killed after %d s "
		    "without finishing", CREDS_PROCESS_MS / 1000);
		rc = CREDS_EPROCESS;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sanitize(line, sizeof(line), errb.p != NULL ? errb.p : "",
		    errb.n);
		if (WIFEXITED(status))
			set_err(c->err, "credential_process exited with "
			    "status %d%s%s", WEXITSTATUS(status),
			    line[0] != '\0' ? ": " : "", line);
		else
			set_err(c->err, "credential_process was killed by "
			    "signal %d", WTERMSIG(status));
		rc = CREDS_EPROCESS;
	} else {
		rc = parse_json_creds(c, "credential_process",
		    out.p != NULL ? out.p : "", out.n, J_PROCESS, g);
		if (rc == CREDS_EPROTO)
			rc = CREDS_EPROCESS;
		if (rc == 0)
			snprintf(g->source, sizeof(g->source), "process");
	}
	buf_free(&out);
	buf_free(&errb);
close_pipes:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

/* --- profiles ---------------------------------------------------------- */

static int
static_keys(struct ctx *c, const char *ak, const char *sk, const char *tok,
    const char *source, struct got *g)
{
	if ((g->ak = dup_str(ak)) == NULL || (g->sk = dup_str(sk)) == NULL ||
	    (tok != NULL && tok[0] != '\0' && (g->tok = dup_str(tok)) ==
	    NULL)) {
		got_free(g);
		set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	g->exp_ms = 0;
	snprintf(g->source, sizeof(g->source), "%s", source);
	return 0;
}

/* One AssumeRole still to make, from the inside of the chain out. */
struct hop {
	char	*role_arn;
	char	*session;
	char	*external_id;
	char	*duration;
};

/*
 * Credentials of profile name.  explicit: it was asked for by name, so
 * its absence is an error rather than a skip.
 */
static int
from_profile(struct ctx *c, const char *name, int explicit, struct got *g)
{
	struct shared	 s;
	struct profile	 p;
	struct hop	 hops[CREDS_MAX_ROLE_DEPTH];
	struct got	 base, next;
	char		 names[CREDS_MAX_ROLE_DEPTH + 1][PROFILE_NAME_BYTES];
	char		 src[PROFILE_NAME_BYTES];
	const char	*cur = name;
	size_t		 nhops = 0, i, depth;
	int		 rc;

	memset(hops, 0, sizeof(hops));
	memset(&base, 0, sizeof(base));
	memset(&next, 0, sizeof(next));
	memset(&p, 0, sizeof(p));
	if ((rc = shared_read(c->ch, &s, c->err)) != 0)
		goto out;
	if (!s.chave && !s.fhave) {
		if (explicit) {
			set_err(c->err, "profile %s: neither %s nor %s exists",
			    name, s.cpath.p ? s.cpath.p : "~/.aws/credentials",
			    s.fpath.p ? s.fpath.p : "~/.aws/config");
			rc = CREDS_EINVAL;
		} else {
			tried(c, "profile %s (no %s or %s)", name,
			    s.cpath.p ? s.cpath.p : "~/.aws/credentials",
			    s.fpath.p ? s.fpath.p : "~/.aws/config");
			rc = SKIP;
		}
		goto out;
	}
	if (strlen(name) >= sizeof(names[0])) {
		set_err(c->err, "a profile name is longer than %d bytes",
		    PROFILE_NAME_BYTES - 1);
		rc = CREDS_EINVAL;
		goto out;
	}
	for (depth = 0;; depth++) {
		memcpy(names[depth], cur, strlen(cur) + 1);
		if ((rc = shared_load(&s, names[depth], &p, c->err)) != 0)
			goto out;
		if (p.found == 0) {
			if (depth == 0 && !explicit) {
				tried(c, "profile %s (not in the shared files)",
				    name);
				rc = SKIP;
			} else {
				set_err(c->err, "profile %s%s%s: not found in "
				    "the shared files", names[depth],
				    depth > 0 ? ", source of " : "",
				    depth > 0 ? names[depth - 1] : "");
				rc = CREDS_EINVAL;
			}
			goto out;
		}
		note_secret(c, p.v[PROFILE_SECRET_KEY]);
		note_secret(c, p.v[PROFILE_SESSION_TOKEN]);
		if (p.v[PROFILE_ROLE_ARN] != NULL) {
			if (nhops == CREDS_MAX_ROLE_DEPTH) {
				set_err(c->err, "profile %s: role chain longer "
				    "than %d", name, CREDS_MAX_ROLE_DEPTH);
				rc = CREDS_EINVAL;
				goto out;
			}
			hops[nhops].role_arn = p.v[PROFILE_ROLE_ARN];
			hops[nhops].session = p.v[PROFILE_ROLE_SESSION_NAME];
			hops[nhops].external_id = p.v[PROFILE_EXTERNAL_ID];
			hops[nhops].duration = p.v[PROFILE_DURATION_SECONDS];
			p.v[PROFILE_ROLE_ARN] = NULL;
			p.v[PROFILE_ROLE_SESSION_NAME] = NULL;
			p.v[PROFILE_EXTERNAL_ID] = NULL;
			p.v[PROFILE_DURATION_SECONDS] = NULL;
			if (hops[nhops].duration != NULL &&
			    strspn(hops[nhops].duration, "0123456789") !=
			    strlen(hops[nhops].duration)) {
				set_err(c->err, "profile %s: duration_seconds "
				    "is not a number", names[depth]);
				nhops++;
				rc = CREDS_EINVAL;
				goto out;
			}
			nhops++;
			if (p.v[PROFILE_SOURCE_PROFILE] != NULL) {
				cur = p.v[PROFILE_SOURCE_PROFILE];
				/* Its own source: its static keys sign. */
				if (strcmp(cur, names[depth]) == 0)
					goto keys;
				for (i = 0; i <= depth; i++)
					if (strcmp(cur, names[i]) == 0)
						break;
				if (i <= depth) {
					set_err(c->err, "profile %s: "
					    "source_profile %s makes a loop",
					    names[depth], cur);
					rc = CREDS_EINVAL;
					goto out;
				}
				if (strlen(cur) >= sizeof(names[0])) {
					set_err(c->err, "profile %s: "
					    "source_profile name too long",
					    names[depth]);
					rc = CREDS_EINVAL;
					goto out;
				}
				memcpy(src, cur, strlen(cur) + 1);
				cur = src;
				profile_free(&p);
				continue;
			}
			if (p.v[PROFILE_WEB_IDENTITY_FILE] != NULL) {
				/* The innermost role is taken by web identity. */
				nhops--;
				rc = web_identity(c, hops[nhops].role_arn,
				    p.v[PROFILE_WEB_IDENTITY_FILE],
				    hops[nhops].session, &base);
				if (rc != 0)
					goto out;
				break;
			}
			if (p.v[PROFILE_CREDENTIAL_SOURCE] != NULL)
				set_err(c->err, "profile %s: credential_source "
				    "is not supported; use source_profile",
				    names[depth]);
			else
				set_err(c->err, "profile %s: role_arn needs "
				    "source_profile or web_identity_token_file",
				    names[depth]);
			rc = CREDS_EINVAL;
			goto out;
		}
		if (p.v[PROFILE_CREDENTIAL_PROCESS] != NULL) {
			rc = run_process(c, p.v[PROFILE_CREDENTIAL_PROCESS],
			    &base);
			if (rc != 0)
				goto out;
			break;
		}
keys:
		if (p.v[PROFILE_ACCESS_KEY] != NULL &&
		    p.v[PROFILE_SECRET_KEY] != NULL &&
		    p.v[PROFILE_ACCESS_KEY][0] != '\0' &&
		    p.v[PROFILE_SECRET_KEY][0] != '\0') {
			rc = static_keys(c, p.v[PROFILE_ACCESS_KEY],
			    p.v[PROFILE_SECRET_KEY],
			    p.v[PROFILE_SESSION_TOKEN], "profile:", &base);
			/* Names are cut to fit; the source is for display. */
			if (rc == 0)
				snprintf(base.source, sizeof(base.source),
				    "profile:%.*s", (int)(sizeof(base.source) - 9),
				    names[depth]);
			if (rc != 0)
				goto out;
			break;
		}
		if (p.v[PROFILE_ACCESS_KEY] != NULL ||
		    p.v[PROFILE_SECRET_KEY] != NULL) {
			set_err(c->err, "profile %s: aws_access_key_id and "
			    "aws_secret_access_key must both be set",
			    names[depth]);
			rc = CREDS_EINVAL;
		} else if (depth == 0 && !explicit) {
			tried(c, "profile %s (no credentials in it)", name);
			rc = SKIP;
		} else {
			set_err(c->err, "profile %s: no credentials in it",
			    names[depth]);
			rc = CREDS_EINVAL;
		}
		goto out;
	}
	/* Assume the roles from the innermost out. */
	while (nhops > 0) {
		nhops--;
		rc = assume_role(c, hops[nhops].role_arn, hops[nhops].session,
		    hops[nhops].external_id, hops[nhops].duration, &base,
		    &next);
		if (rc != 0)
			goto out;
		got_free(&base);
		base = next;
		memset(&next, 0, sizeof(next));
	}
	*g = base;
	memset(&base, 0, sizeof(base));
out:
	for (i = 0; i < CREDS_MAX_ROLE_DEPTH; i++) {
		free_str(&hops[i].role_arn);
		free_str(&hops[i].session);
		free_str(&hops[i].external_id);
		free_str(&hops[i].duration);
	}
	got_free(&base);
	got_free(&next);
	profile_free(&p);
	shared_free(&s);
	return rc;
}

/* --- container and IMDS ------------------------------------------------ */

static int
from_container(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	struct http_conn	*hc = NULL;
	struct http_header	 h;
	struct answer		 a;
	struct buf		 tok;
	const char		*auth = NULL;
	size_t			 nh = 0;
	int			 rc;

	if (!ch->has_ct_ep) {
		tried(c, "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
		    "and _FULL_URI unset)");
		return SKIP;
	}
	memset(&a, 0, sizeof(a));
	buf_init(&tok, 0);
	if (ch->env[E_CT_TOKEN_FILE] != NULL) {
		rc = read_file(ch->env[E_CT_TOKEN_FILE], CREDS_MAX_TOKEN_FILE,
		    &tok, c->err);
		if (rc == SKIP) {
			set_err(c->err, "container: token file %s does not "
			    "exist", ch->env[E_CT_TOKEN_FILE]);
			return CREDS_EINVAL;
		}
		if (rc != 0)
			return rc;
		trim_token(&tok);
		note_secret(c, tok.p);
		auth = tok.p;
	} else if (ch->env[E_CT_TOKEN] != NULL)
		auth = ch->env[E_CT_TOKEN];
	if (auth != NULL) {
		h.name = SLICE_LIT("Authorization");
		h.value = slice_cstr(auth);
		nh = 1;
	}
	if ((rc = conn_open(c, &ch->ct_ep, CREDS_CONTAINER_MS,
	    CREDS_CONTAINER_MS, &hc)) != 0)
		goto out;
	rc = exchange(hc, &ch->ct_ep, "GET", ch->ct_ep.path, &h, nh, NULL, 0,
	    1, &a);
	if (rc != 0) {
		rc = net_error(c, "container endpoint", rc);
		goto out;
	}
	if (a.status != 200) {
		set_err(c->err, "container endpoint answered status %d%s",
		    a.status, a.status == 401 || a.status == 403 ?
		    " (is the authorization token right?)" : "");
		rc = CREDS_EDENIED;
		goto out;
	}
	rc = parse_json_creds(c, "container endpoint", a.body.p != NULL ?
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

static int
from_imds(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	struct http_conn	*hc = NULL;
	struct http_header	 h;
	struct answer		 a;
	struct buf		 token, target;
	const char		*base;
	size_t			 n;
	int			 rc;

	if (ch->imds_disabled) {
		tried(c, "IMDS (disabled by AWS_EC2_METADATA_DISABLED)");
		return SKIP;
	}
	memset(&a, 0, sizeof(a));
	buf_init(&token, 0);
	buf_init(&target, 0);
	/* The endpoint's path, without a trailing '/', prefixes ours. */
	base = ch->imds_ep.path;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if ((rc = conn_open(c, &ch->imds_ep, CREDS_IMDS_CONNECT_MS,
	    CREDS_IMDS_IDLE_MS, &hc)) != 0)
		goto out;
	h.name = SLICE_LIT("X-aws-ec2-metadata-token-ttl-seconds");
	h.value = SLICE_LIT("21600");
	buf_add(&target, base, n);
	buf_adds(&target, "/latest/api/token");
	if (target.p == NULL) {
		rc = CREDS_ENOMEM;
		set_err(c->err, "out of memory");
		goto out;
	}
	rc = exchange(hc, &ch->imds_ep, "PUT", target.p, &h, 1, "", 0, 1, &a);
	if (rc != 0 && unreachable(rc)) {
		tried(c, "IMDS (%s: %s)", ch->imds_ep.hosthdr,
		    http_strerror(rc));
		rc = SKIP;
		goto out;
	}
	if (rc != 0) {
		rc = net_error(c, "IMDS token", rc);
		goto out;
	}
	if (a.status != 200 || a.body.n == 0) {
		tried(c, "IMDS (token request answered status %d)", a.status);
		rc = SKIP;
		goto out;
	}
	buf_add(&token, a.body.p, a.body.n);
	trim_token(&token);
	if (token.p == NULL) {
		rc = CREDS_ENOMEM;
		set_err(c->err, "out of memory");
		goto out;
	}
	note_secret(c, token.p);
	h.name = SLICE_LIT("X-aws-ec2-metadata-token");
	h.value.p = token.p;
	h.value.n = token.n;
	buf_reset(&target);
	buf_add(&target, base, n);
	buf_adds(&target, "/latest/meta-data/iam/security-credentials/");
	rc = exchange(hc, &ch->imds_ep, "GET", target.p, &h, 1, NULL, 0, 1,
	    &a);
	if (rc != 0) {
		rc = net_error(c, "IMDS role", rc);
		goto out;
	}
	if (a.status == 404) {
		tried(c, "IMDS (no IAM role attached to the instance)");
		rc = SKIP;
		goto out;
	}
	if (a.status != 200) {
		set_err(c->err, "IMDS role request answered status %d",
		    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	/* The first line names the role. */
	a.body.n = strcspn(a.body.p != NULL ? a.body.p : "", "\r\n");
	while (a.body.n > 0 && a.body.p[a.body.n - 1] == ' ')
		a.body.n--;
	if (a.body.n == 0 || a.body.n > 128 ||
	    strspn(a.body.p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789+=,.@_-") < a.body.n) {
		set_err(c->err, "IMDS: the role name is empty or malformed");
		rc = CREDS_EPROTO;
		goto out;
	}
	buf_add(&target, a.body.p, a.body.n);
	rc = exchange(hc, &ch->imds_ep, "GET", target.p, &h, 1, NULL, 0, 1,
	    &a);
	if (rc != 0) {
		rc = net_error(c, "IMDS credentials", rc);
		goto out;
	}
	if (a.status != 200) {
		set_err(c->err, "IMDS credentials request answered status %d",
		    a.status);
		rc = CREDS_EDENIED;
		goto out;
	}
	rc = parse_json_creds(c, "IMDS", a.body.p != NULL ? a.body.p : "",
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

/* --- the chain --------------------------------------------------------- */

static int
resolve(struct ctx *c, struct got *g)
{
	struct creds_chain	*ch = c->ch;
	const char		*name;
	int			 rc;

	if (ch->conn_ak != NULL)
		return static_keys(c, ch->conn_ak, ch->conn_sk, ch->conn_tok,
		    "static", g);
	if (ch->conn_profile != NULL)
		return from_profile(c, ch->conn_profile, 1, g);
	if (ch->env[E_AKID] != NULL)
		return static_keys(c, ch->env[E_AKID], ch->env[E_SECRET],
		    ch->env[E_TOKEN], "static", g);
	tried(c, "environment (AWS_ACCESS_KEY_ID unset)");
	name = ch->env[E_PROFILE] != NULL ? ch->env[E_PROFILE] : "default";
	if ((rc = from_profile(c, name, ch->env[E_PROFILE] != NULL, g)) !=
	    SKIP)
		return rc;
	if (ch->env[E_WI_FILE] != NULL)
		return web_identity(c, ch->env[E_ROLE_ARN], ch->env[E_WI_FILE],
		    ch->env[E_ROLE_SESSION], g);
	tried(c, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)");
	if ((rc = from_container(c, g)) != SKIP)
		return rc;
	if ((rc = from_imds(c, g)) != SKIP)
		return rc;
	set_err(c->err, "no credentials: %s", c->tried.p != NULL ?
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
		set_err(err, "%s: the credentials it gave expired already",
		    g.source);
		rc = CREDS_EEXPIRED;
	}
	if (rc == 0) {
		got_free(&ch->cur);
		ch->cur = g;
		memset(&g, 0, sizeof(g));
		ch->have = 1;
		ch->failed = 0;
		ch->generation++;
		fill(ch, out);
	} else {
		if (rc > 0) {
			set_err(err, "no credentials");
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
			got_free(&ch->cur);
		}
	}
	got_free(&g);
	for (i = 0; i < c.nsecrets; i++)
		free_str(&c.secrets[i]);
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
		free_str(&ch->env[i]);
	free_str(&ch->conn_ak);
	free_str(&ch->conn_sk);
	free_str(&ch->conn_tok);
	free_str(&ch->conn_profile);
	free_str(&ch->conn_region);
	free_str(&ch->profile_region);
	got_free(&ch->cur);
	wipe(ch, sizeof(*ch));
	free(ch);
}

/* Checks the settings once; 0 or CREDS_EINVAL with the variable named. */
static int
check_settings(struct creds_chain *ch, struct creds_error *err)
{
	const char	*v, *why;

	if ((ch->conn_ak == NULL) != (ch->conn_sk == NULL)) {
		set_err(err, "the connection's access_key_id and "
		    "secret_access_key must be given together");
		return CREDS_EINVAL;
	}
	if ((ch->env[E_AKID] == NULL) != (ch->env[E_SECRET] == NULL)) {
		set_err(err, "%s is set without %s",
		    env_names[ch->env[E_AKID] ? E_AKID : E_SECRET],
		    env_names[ch->env[E_AKID] ? E_SECRET : E_AKID]);
		return CREDS_EINVAL;
	}
	if (ch->env[E_WI_FILE] != NULL && ch->env[E_ROLE_ARN] == NULL) {
		set_err(err, "AWS_WEB_IDENTITY_TOKEN_FILE is set without "
		    "AWS_ROLE_ARN");
		return CREDS_EINVAL;
	}
	if ((v = ch->env[E_IMDS_DISABLED]) != NULL) {
		if (slice_ieq(slice_cstr(v), "true"))
			ch->imds_disabled = 1;
		else if (!slice_ieq(slice_cstr(v), "false")) {
			set_err(err, "AWS_EC2_METADATA_DISABLED must be true "
			    "or false");
			return CREDS_EINVAL;
		}
	}
	v = ch->env[E_IMDS_ENDPOINT] != NULL ? ch->env[E_IMDS_ENDPOINT] :
	    "http://169.254.169.254";
	if (parse_endpoint(v, &ch->imds_ep, &why) != 0) {
		set_err(err, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not a "
		    "URL: %s", why);
		return CREDS_EINVAL;
	}
	if ((v = ch->env[E_STS_ENDPOINT]) != NULL) {
		if (parse_endpoint(v, &ch->sts_ep, &why) != 0) {
			set_err(err, "AWS_ENDPOINT_URL_STS is not a URL: %s",
			    why);
			return CREDS_EINVAL;
		}
		ch->has_sts_ep = 1;
	}
	if ((v = ch->env[E_REL_URI]) != NULL) {
		if (v[0] != '/' || !visible(v) || strlen(v) >= PATH_BYTES) {
			set_err(err, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
			    "must be a path starting with /");
			return CREDS_EINVAL;
		}
		(void)parse_endpoint("http://169.254.170.2", &ch->ct_ep, &why);
		snprintf(ch->ct_ep.path, sizeof(ch->ct_ep.path), "%s", v);
		ch->has_ct_ep = 1;
	} else if ((v = ch->env[E_FULL_URI]) != NULL) {
		if (parse_endpoint(v, &ch->ct_ep, &why) != 0) {
			set_err(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI is "
			    "not a URL: %s", why);
			return CREDS_EINVAL;
		}
		if (!ch->ct_ep.tls && !container_host_ok(ch->ct_ep.host)) {
			set_err(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI over "
			    "http must name a loopback host, 169.254.170.2 "
			    "or 169.254.170.23");
			return CREDS_EINVAL;
		}
		ch->has_ct_ep = 1;
	}
	return 0;
}

/* Reads the region of the profile in use, failing on a broken file. */
static int
read_profile_region(struct creds_chain *ch, struct creds_error *err)
{
	struct shared	 s;
	struct profile	 p;
	const char	*name;
	int		 rc;

	name = ch->conn_profile != NULL ? ch->conn_profile :
	    ch->env[E_PROFILE] != NULL ? ch->env[E_PROFILE] : "default";
	if ((rc = shared_read(ch, &s, err)) != 0) {
		shared_free(&s);
		return rc;
	}
	rc = shared_load(&s, name, &p, err);
	shared_free(&s);
	if (rc != 0)
		return rc;
	if (p.v[PROFILE_REGION] != NULL && p.v[PROFILE_REGION][0] != '\0') {
		ch->profile_region = p.v[PROFILE_REGION];
		p.v[PROFILE_REGION] = NULL;
	}
	profile_free(&p);
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
		set_err(err, "out of memory");
		return CREDS_ENOMEM;
	}
	ch->watch_fd = -1;
	for (i = 0; i < E_N; i++) {
		v = get != NULL ? get(env_names[i], arg) : NULL;
		if (v == NULL || v[0] == '\0' || is_template(v))
			continue;
		if ((ch->env[i] = dup_str(v)) == NULL)
			goto oom;
	}
	if (o != NULL) {
		ch->anchors = o->anchors;
#define COPY(f, d)	if (o->f != NULL && o->f[0] != '\0' &&		\
			    !is_template(o->f) &&			\
			    (ch->d = dup_str(o->f)) == NULL)		\
				goto oom
		COPY(access_key, conn_ak);
		COPY(secret_key, conn_sk);
		COPY(session_token, conn_tok);
		COPY(profile, conn_profile);
		COPY(region, conn_region);
#undef COPY
	}
	if ((rc = check_settings(ch, err)) != 0 ||
	    (rc = read_profile_region(ch, err)) != 0) {
		creds_chain_free(ch);
		return rc;
	}
	*out = ch;
	return 0;
oom:
	creds_chain_free(ch);
	set_err(err, "out of memory");
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
	default:
		return "unknown error";
	}
}
