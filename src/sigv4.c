/*
 * sigv4.c - AWS Signature Version 4: canonical request, string to sign,
 * signing key, Authorization header and presigned query.
 *
 * The canonical request and the string to sign are never built in
 * memory when signing: they are streamed into SHA-256 and HMAC contexts
 * through a sink, and the same writers fill a buf for the test builders.
 */
#include <string.h>

#include "bearssl.h"

#include "sigv4.h"
#include "url.h"
#include "util.h"

#define ALGORITHM	"AWS4-HMAC-SHA256"
#define TERMINATOR	"aws4_request"

/* Latest time whose year has four digits: 9999-12-31T23:59:59Z. */
#define MAX_WHEN	253402300799LL

/* Where canonical text goes: one of a hash, an HMAC or a buf. */
struct sink {
	br_sha256_context	*hash;
	br_hmac_context		*hmac;
	struct buf		*buf;
	int			 err;	/* sticky, first buf error */
};

/* Everything a signature is made of, checked and derived once. */
struct job {
	const struct sigv4_creds	*creds;
	const struct sigv4_request	*req;
	const char			*token;	/* NULL: none */
	char				 amz[17];
	char				 date[9];
	/* Signed headers in canonical order; names not yet lower-cased. */
	struct slice_pair		 hdr[SIGV4_MAX_HEADERS + 4];
	size_t				 nhdr;
	int				 presign;
	uint32_t			 expires;
};

/*
 * The X-Amz-* parameters a presigned URL adds, in canonical order (the
 * order of their names' bytes).
 */
enum { P_ALGORITHM, P_CREDENTIAL, P_DATE, P_EXPIRES, P_TOKEN, P_SIGNED,
    P_COUNT };
static const char *const presign_names[P_COUNT] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-Security-Token", "X-Amz-SignedHeaders"
};

static void
sink_put(struct sink *k, const void *p, size_t n)
{
	int	 rc;

	if (k->hash != NULL)
		br_sha256_update(k->hash, p, n);
	else if (k->hmac != NULL)
		br_hmac_update(k->hmac, p, n);
	else if (k->err == 0 && (rc = buf_add(k->buf, p, n)) != 0)
		k->err = rc;
}

static void
sink_puts(struct sink *k, const char *s)
{
	sink_put(k, s, strlen(s));
}

static void
sink_putc(struct sink *k, char c)
{
	sink_put(k, &c, 1);
}

static void
sink_put_encoded(struct sink *k, const char *s, size_t n)
{
	static const char	 hexdig[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 t[3];
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (url_unreserved(c))
			sink_putc(k, (char)c);
		else {
			t[0] = '%';
			t[1] = hexdig[c >> 4];
			t[2] = hexdig[c & 15];
			sink_put(k, t, 3);
		}
	}
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Compares header names as their lower-case forms. */
static int
name_cmp(struct slice a, struct slice b)
{
	size_t	 i;
	int	 d;

	for (i = 0; i < a.n && i < b.n; i++)
		if ((d = lower((unsigned char)a.p[i]) -
		    lower((unsigned char)b.p[i])) != 0)
			return d;
	return a.n < b.n ? -1 : a.n > b.n;
}

static int
is_visible(int c)
{
	return c > 0x20 && c < 0x7f;
}

/* RFC 7230 tchar. */
static int
is_tchar(int c)
{
	return url_unreserved(c) || (c != '\0' && strchr("!#$%&'*+^`|", c));
}

static int
is_hex_upper(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Unreserved characters and %XX escapes, with extra allowed as is. */
static int
check_encoded(struct slice s, const char *extra)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < s.n; i++) {
		c = (unsigned char)s.p[i];
		if (c == '%') {
			if (s.n - i < 3 ||
			    !is_hex_upper((unsigned char)s.p[i + 1]) ||
			    !is_hex_upper((unsigned char)s.p[i + 2]))
				return -1;
			i += 2;
		} else if (!url_unreserved(c) && (c == '\0' ||
		    strchr(extra, c) == NULL))
			return -1;
	}
	return 0;
}

/*
 * The canonical query "n=v&n=v": every pair has a non-empty name and an
 * '=', and a presigned one must not carry the names presigning adds.
 */
static int
check_query(struct slice q, int presign)
{
	struct slice	 name;
	const char	*amp, *eq;
	size_t		 pn;
	int		 i;

	if (q.n == 0)
		return 0;
	if (check_encoded(q, "=&") != 0)
		return -1;
	for (;;) {
		amp = memchr(q.p, '&', q.n);
		pn = amp != NULL ? (size_t)(amp - q.p) : q.n;
		eq = memchr(q.p, '=', pn);
		if (eq == NULL || eq == q.p ||
		    memchr(eq + 1, '=', pn - (size_t)(eq - q.p) - 1) != NULL)
			return -1;
		name.p = q.p;
		name.n = (size_t)(eq - q.p);
		for (i = 0; presign && i < P_COUNT; i++)
			if (slice_eq(name, presign_names[i]))
				return -1;
		if (presign && slice_eq(name, "X-Amz-Signature"))
			return -1;
		if (amp == NULL)
			return 0;
		q.p = amp + 1;
		q.n -= pn + 1;
		if (q.n == 0)
			return -1;
	}
}

static int
check_scope(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= SIGV4_MAX_SCOPE ||
		    !url_unreserved((unsigned char)s[i]) || s[i] == '~')
			return -1;
	return 0;
}

static int
check_payload_hash(const char *h)
{
	size_t	 i;

	if (h == NULL)
		return -1;
	if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f')))
			return -1;
	return h[64] == '\0' ? 0 : -1;
}

static int
check_creds(const struct sigv4_creds *c)
{
	size_t	 i;

	if (c == NULL || c->access_key == NULL || c->access_key[0] == '\0' ||
	    c->secret == NULL || c->secret[0] == '\0')
		return -1;
	for (i = 0; c->access_key[i] != '\0'; i++)
		if (i >= SIGV4_MAX_ACCESS_KEY ||
		    !is_visible((unsigned char)c->access_key[i]) ||
		    c->access_key[i] == '/' || c->access_key[i] == ',')
			return -1;
	for (i = 0; c->token != NULL && c->token[i] != '\0'; i++)
		if (!is_visible((unsigned char)c->token[i]))
			return -1;
	return 0;
}

static int
check_header(const struct slice_pair *h)
{
	static const char *const reserved[] = {
		"host", "authorization", "x-amz-content-sha256", "x-amz-date",
		"x-amz-security-token"
	};
	size_t	 i;
	int	 c;

	if (h->name.n == 0 || (h->value.n > 0 && h->value.p == NULL))
		return -1;
	for (i = 0; i < h->name.n; i++)
		if (!is_tchar((unsigned char)h->name.p[i]))
			return -1;
	for (i = 0; i < h->value.n; i++) {
		c = (unsigned char)h->value.p[i];
		if (!is_visible(c) && c != ' ' && c != '\t')
			return -1;
	}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (slice_ieq(h->name, reserved[i]))
			return -1;
	return 0;
}

static void
add_header(struct job *j, const char *name, struct slice value)
{
	j->hdr[j->nhdr].name = slice_cstr(name);
	j->hdr[j->nhdr].value = value;
	j->nhdr++;
}

/* Checks every input and fills the derived parts of a job. */
static int
job_init(struct job *j, const struct sigv4_creds *creds,
    const struct sigv4_request *req, int presign, uint32_t expires)
{
	struct slice_pair	 t;
	const char		*s;
	size_t			 i, k;

	j->creds = creds;
	j->req = req;
	j->presign = presign;
	j->expires = expires;
	j->nhdr = 0;
	if (check_creds(creds) != 0 || req == NULL || req->method == NULL ||
	    req->method[0] == '\0' || check_scope(req->region) != 0 ||
	    check_scope(req->service) != 0 ||
	    (!presign && check_payload_hash(req->payload_hash) != 0) ||
	    (presign && req->nheaders != 0) ||
	    req->nheaders > SIGV4_MAX_HEADERS ||
	    (req->nheaders > 0 && req->headers == NULL) ||
	    req->when < 0 || (int64_t)req->when > MAX_WHEN)
		return SIGV4_EINVAL;
	for (s = req->method; *s != '\0'; s++)
		if (*s < 'A' || *s > 'Z')
			return SIGV4_EINVAL;
	if (req->host.n == 0 || req->host.p == NULL)
		return SIGV4_EINVAL;
	for (i = 0; i < req->host.n; i++)
		if (!is_visible((unsigned char)req->host.p[i]) ||
		    req->host.p[i] == '/')
			return SIGV4_EINVAL;
	if (req->uri.n == 0 || req->uri.p == NULL || req->uri.p[0] != '/' ||
	    check_encoded(req->uri, "/") != 0)
		return SIGV4_EINVAL;
	if ((req->query.n > 0 && req->query.p == NULL) ||
	    check_query(req->query, presign) != 0)
		return SIGV4_EINVAL;
	j->token = creds->token != NULL && creds->token[0] != '\0' ?
	    creds->token : NULL;
	time_amz(j->amz, req->when);
	time_amzdate(j->date, req->when);

	add_header(j, "host", req->host);
	if (!presign) {
		if (!(req->flags & SIGV4_F_NO_CONTENT_SHA256))
			add_header(j, "x-amz-content-sha256",
			    slice_cstr(req->payload_hash));
		add_header(j, "x-amz-date", slice_cstr(j->amz));
		if (j->token != NULL)
			add_header(j, "x-amz-security-token",
			    slice_cstr(j->token));
	}
	for (i = 0; i < req->nheaders; i++) {
		if (check_header(&req->headers[i]) != 0)
			return SIGV4_EINVAL;
		j->hdr[j->nhdr++] = req->headers[i];
	}
	/* Insertion sort: a few dozen headers at most. */
	for (i = 1; i < j->nhdr; i++) {
		t = j->hdr[i];
		for (k = i; k > 0 && name_cmp(j->hdr[k - 1].name, t.name) > 0;
		    k--)
			j->hdr[k] = j->hdr[k - 1];
		j->hdr[k] = t;
	}
	for (i = 1; i < j->nhdr; i++)
		if (name_cmp(j->hdr[i - 1].name, j->hdr[i].name) == 0)
			return SIGV4_EINVAL;
	if (presign && (expires < 1 || expires > SIGV4_MAX_EXPIRES))
		return SIGV4_EINVAL;
	return 0;
}

/* SigV4's Trimall: no outer blanks, each inner run of blanks one space. */
static void
put_trimmed(struct sink *k, struct slice v)
{
	size_t	 i, start;
	int	 first = 1;

	v = slice_trim(v);
	i = 0;
	while (i < v.n) {
		start = i;
		while (i < v.n && v.p[i] != ' ' && v.p[i] != '\t')
			i++;
		if (!first)
			sink_putc(k, ' ');
		sink_put(k, v.p + start, i - start);
		first = 0;
		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
			i++;
	}
}

static void
put_lower(struct sink *k, struct slice s)
{
	size_t	 i;

	for (i = 0; i < s.n; i++)
		sink_putc(k, (char)lower((unsigned char)s.p[i]));
}

static void
put_signed_headers(struct sink *k, const struct job *j)
{
	size_t	 i;

	for (i = 0; i < j->nhdr; i++) {
		if (i > 0)
			sink_putc(k, ';');
		put_lower(k, j->hdr[i].name);
	}
}

static void
put_presign_value(struct sink *k, const struct job *j, int which)
{
	char		 num[11];
	size_t		 i = sizeof(num);
	uint32_t	 v;

	switch (which) {
	case P_ALGORITHM:
		sink_puts(k, ALGORITHM);
		break;
	case P_CREDENTIAL:
		sink_put_encoded(k, j->creds->access_key,
		    strlen(j->creds->access_key));
		sink_puts(k, "%2F");
		sink_puts(k, j->date);
		sink_puts(k, "%2F");
		sink_puts(k, j->req->region);
		sink_puts(k, "%2F");
		sink_puts(k, j->req->service);
		sink_puts(k, "%2F" TERMINATOR);
		break;
	case P_DATE:
		sink_puts(k, j->amz);
		break;
	case P_EXPIRES:
		v = j->expires;
		do {
			num[--i] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		sink_put(k, num + i, sizeof(num) - i);
		break;
	case P_TOKEN:
		sink_put_encoded(k, j->token, strlen(j->token));
		break;
	default:
		sink_puts(k, "host");
		break;
	}
}

/*
 * The caller's canonical query merged with the presigning parameters;
 * both lists are sorted and their names disjoint, so a merge by name
 * keeps the whole sorted.
 */
static void
put_presign_query(struct sink *k, const struct job *j)
{
	struct slice	 q = j->req->query, name;
	const char	*amp, *eq;
	size_t		 pn, nl;
	int		 p = 0, first = 1, c;

	while (q.n > 0 || p < P_COUNT) {
		if (p == P_TOKEN && j->token == NULL) {
			p++;
			continue;
		}
		pn = 0;
		name.p = NULL;
		name.n = 0;
		if (q.n > 0) {
			amp = memchr(q.p, '&', q.n);
			pn = amp != NULL ? (size_t)(amp - q.p) : q.n;
			eq = memchr(q.p, '=', pn);
			name.p = q.p;
			name.n = (size_t)(eq - q.p);
		}
		if (p < P_COUNT) {
			nl = strlen(presign_names[p]);
			c = q.n == 0 ? 1 : memcmp(name.p, presign_names[p],
			    name.n < nl ? name.n : nl);
			if (c == 0)
				c = name.n < nl ? -1 : 1;
		} else
			c = -1;
		if (!first)
			sink_putc(k, '&');
		first = 0;
		if (c < 0) {
			sink_put(k, q.p, pn);
			q.p += pn;
			q.n -= pn;
			if (q.n > 0) {
				q.p++;
				q.n--;
			}
		} else {
			sink_puts(k, presign_names[p]);
			sink_putc(k, '=');
			put_presign_value(k, j, p);
			p++;
		}
	}
}

static void
put_canonical_request(struct sink *k, const struct job *j)
{
	size_t	 i;

	sink_puts(k, j->req->method);
	sink_putc(k, '\n');
	sink_put(k, j->req->uri.p, j->req->uri.n);
	sink_putc(k, '\n');
	if (j->presign)
		put_presign_query(k, j);
	else
		sink_put(k, j->req->query.p, j->req->query.n);
	sink_putc(k, '\n');
	for (i = 0; i < j->nhdr; i++) {
		put_lower(k, j->hdr[i].name);
		sink_putc(k, ':');
		put_trimmed(k, j->hdr[i].value);
		sink_putc(k, '\n');
	}
	sink_putc(k, '\n');
	put_signed_headers(k, j);
	sink_putc(k, '\n');
	sink_puts(k, j->presign ? SIGV4_UNSIGNED_PAYLOAD :
	    j->req->payload_hash);
}

static void
put_scope(struct sink *k, const struct job *j)
{
	sink_puts(k, j->date);
	sink_putc(k, '/');
	sink_puts(k, j->req->region);
	sink_putc(k, '/');
	sink_puts(k, j->req->service);
	sink_puts(k, "/" TERMINATOR);
}

static void
put_string_to_sign(struct sink *k, const struct job *j)
{
	br_sha256_context	 h;
	struct sink		 hk;
	unsigned char		 sum[32];
	char			 hex[65];

	memset(&hk, 0, sizeof(hk));
	hk.hash = &h;
	br_sha256_init(&h);
	put_canonical_request(&hk, j);
	br_sha256_out(&h, sum);
	hex_encode(hex, sum, sizeof(sum));

	sink_puts(k, ALGORITHM "\n");
	sink_puts(k, j->amz);
	sink_putc(k, '\n');
	put_scope(k, j);
	sink_putc(k, '\n');
	sink_puts(k, hex);
}

static void
hmac_sha256(unsigned char out[32], const void *key, size_t keylen,
    const char *msg)
{
	br_hmac_key_context	 kc;
	br_hmac_context		 hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, strlen(msg));
	br_hmac_out(&hc, out);
	wipe(&kc, sizeof(kc));
	wipe(&hc, sizeof(hc));
}

/*
 * HMAC keys longer than the hash block are replaced by their hash, so a
 * long "AWS4" + secret is hashed in two parts instead of concatenated:
 * either way the secret's only copy is this key buffer, wiped at once.
 */
static void
derive_key(unsigned char out[32], const char *secret, const struct job *j)
{
	br_sha256_context	 h;
	unsigned char		 k[64], t[32];
	size_t			 sl = strlen(secret), kl;

	if (sl <= sizeof(k) - 4) {
		memcpy(k, "AWS4", 4);
		memcpy(k + 4, secret, sl);
		kl = 4 + sl;
	} else {
		br_sha256_init(&h);
		br_sha256_update(&h, "AWS4", 4);
		br_sha256_update(&h, secret, sl);
		br_sha256_out(&h, k);
		wipe(&h, sizeof(h));
		kl = 32;
	}
	hmac_sha256(t, k, kl, j->date);
	wipe(k, sizeof(k));
	hmac_sha256(out, t, sizeof(t), j->req->region);
	hmac_sha256(t, out, 32, j->req->service);
	hmac_sha256(out, t, sizeof(t), TERMINATOR);
	wipe(t, sizeof(t));
}

static void
signing_key(struct sigv4_ctx *ctx, const struct job *j, unsigned char out[32])
{
	const struct sigv4_request	*r = j->req;

	if (ctx != NULL && ctx->valid && strcmp(ctx->date, j->date) == 0 &&
	    strcmp(ctx->region, r->region) == 0 &&
	    strcmp(ctx->service, r->service) == 0 &&
	    strcmp(ctx->access_key, j->creds->access_key) == 0) {
		memcpy(out, ctx->key, 32);
		return;
	}
	derive_key(out, j->creds->secret, j);
	if (ctx == NULL)
		return;
	sigv4_ctx_wipe(ctx);
	memcpy(ctx->key, out, 32);
	memcpy(ctx->date, j->date, sizeof(ctx->date));
	/* Lengths were checked by job_init. */
	strcpy(ctx->region, r->region);
	strcpy(ctx->service, r->service);
	strcpy(ctx->access_key, j->creds->access_key);
	ctx->valid = 1;
}

static void
signature(struct sigv4_ctx *ctx, const struct job *j, char hex[65])
{
	br_hmac_key_context	 kc;
	br_hmac_context		 hc;
	struct sink		 k;
	unsigned char		 key[32], sig[32];

	signing_key(ctx, j, key);
	br_hmac_key_init(&kc, &br_sha256_vtable, key, sizeof(key));
	wipe(key, sizeof(key));
	br_hmac_init(&hc, &kc, 0);
	memset(&k, 0, sizeof(k));
	k.hmac = &hc;
	put_string_to_sign(&k, j);
	br_hmac_out(&hc, sig);
	hex_encode(hex, sig, sizeof(sig));
	wipe(&kc, sizeof(kc));
	wipe(&hc, sizeof(hc));
}

/* Ends a buf write: on error the buf is put back as it was. */
static int
sink_done(struct sink *k, size_t n0)
{
	if (k->err != 0) {
		k->buf->n = n0;
		if (k->buf->cap > 0)
			k->buf->p[n0] = '\0';
	}
	return k->err;
}

static void
sink_buf(struct sink *k, struct buf *b)
{
	memset(k, 0, sizeof(*k));
	k->buf = b;
}

/* see sigv4.h */
void
sigv4_ctx_init(struct sigv4_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

/* see sigv4.h */
void
sigv4_ctx_wipe(struct sigv4_ctx *ctx)
{
	wipe(ctx, sizeof(*ctx));
}

/* see sigv4.h */
int
sigv4_sign(struct sigv4_ctx *ctx, const struct sigv4_creds *creds,
    const struct sigv4_request *req, struct buf *authorization,
    char amz_date[17])
{
	struct job	 j;
	struct sink	 k;
	char		 sig[65];
	size_t		 n0 = authorization->n;
	int		 rc;

	if ((rc = job_init(&j, creds, req, 0, 0)) != 0)
		return rc;
	signature(ctx, &j, sig);
	sink_buf(&k, authorization);
	sink_puts(&k, ALGORITHM " Credential=");
	sink_puts(&k, creds->access_key);
	sink_putc(&k, '/');
	put_scope(&k, &j);
	sink_puts(&k, ", SignedHeaders=");
	put_signed_headers(&k, &j);
	sink_puts(&k, ", Signature=");
	sink_puts(&k, sig);
	if ((rc = sink_done(&k, n0)) != 0)
		return rc;
	memcpy(amz_date, j.amz, sizeof(j.amz));
	return 0;
}

/* see sigv4.h */
int
sigv4_presign(struct sigv4_ctx *ctx, const struct sigv4_creds *creds,
    const struct sigv4_request *req, uint32_t expires, struct buf *query)
{
	struct job	 j;
	struct sink	 k;
	char		 sig[65];
	size_t		 n0 = query->n;
	int		 rc;

	if ((rc = job_init(&j, creds, req, 1, expires)) != 0)
		return rc;
	signature(ctx, &j, sig);
	sink_buf(&k, query);
	put_presign_query(&k, &j);
	sink_puts(&k, "&X-Amz-Signature=");
	sink_puts(&k, sig);
	return sink_done(&k, n0);
}

/* see sigv4.h */
int
sigv4_canonical_request(struct buf *b, const struct sigv4_creds *creds,
    const struct sigv4_request *req)
{
	struct job	 j;
	struct sink	 k;
	size_t		 n0 = b->n;
	int		 rc;

	if ((rc = job_init(&j, creds, req, 0, 0)) != 0)
		return rc;
	sink_buf(&k, b);
	put_canonical_request(&k, &j);
	return sink_done(&k, n0);
}

/* see sigv4.h */
int
sigv4_string_to_sign(struct buf *b, const struct sigv4_creds *creds,
    const struct sigv4_request *req)
{
	struct job	 j;
	struct sink	 k;
	size_t		 n0 = b->n;
	int		 rc;

	if ((rc = job_init(&j, creds, req, 0, 0)) != 0)
		return rc;
	sink_buf(&k, b);
	put_string_to_sign(&k, &j);
	return sink_done(&k, n0);
}

/* see sigv4.h */
void
sigv4_payload_hash(char out[65], const void *p, size_t n)
{
	br_sha256_context	 sc;
	unsigned char		 h[32];

	br_sha256_init(&sc);
	br_sha256_update(&sc, p, n);
	br_sha256_out(&sc, h);
	hex_encode(out, h, sizeof(h));
	wipe(h, sizeof(h));
}

/* see sigv4.h */
const char *
sigv4_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SIGV4_ENOMEM:
		return "out of memory";
	case SIGV4_ELIMIT:
		return "output buffer limit reached";
	case SIGV4_EINVAL:
		return "malformed signing input";
	default:
		return "unknown error";
	}
}
