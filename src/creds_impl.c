/*
 * creds_impl.c - what every source of the credential chain uses:
 * messages, strings and secrets, endpoints, files and the JSON answers
 * of IMDS, the container endpoint and credential_process; see
 * creds_impl.h.  It calls no source and not the chain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds_impl.h"
#include "json.h"
#include "sigv4.h"

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

/* see creds_impl.h */
int
creds_read_file(const char *path, size_t limit, struct buf *out,
    struct creds_error *err)
{
	switch (util_read_file(path, limit, 0, out, NULL)) {
	case 0:
		return 0;
	case UTIL_ENOENT:
		return CREDS_SKIP;
	case UTIL_EOPEN:
		creds_set_err(err, "cannot open %s: %s", path, strerror(errno));
		return CREDS_EINVAL;
	case UTIL_ELIMIT:
		creds_set_err(err, "%s is larger than %zu bytes", path, limit);
		return CREDS_EINVAL;
	case UTIL_ENOMEM:
		creds_set_err(err, "out of memory reading %s", path);
		return CREDS_ENOMEM;
	default:
		creds_set_err(err, "cannot read %s", path);
		return CREDS_EINVAL;
	}
}

/* see creds_impl.h */
int
creds_reach_file(struct creds_reach *r, const char *path, int later)
{
	size_t	i;

	if (path == NULL || path[0] == '\0')
		return 0;
	for (i = 0; i < r->nfiles; i++)
		if (strcmp(r->file[i], path) == 0) {
			r->later[i] |= later != 0;
			return 0;
		}
	if (r->nfiles == CREDS_REACH_FILES)
		return CREDS_EINVAL;
	if ((r->file[r->nfiles] = creds_dup_str(path)) == NULL)
		return CREDS_ENOMEM;
	r->later[r->nfiles++] = later != 0;
	return 0;
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
	creds_note_secret(c, g->sk);
	creds_note_secret(c, g->tok);
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

