/*
 * fuzz_sigv4.c - arbitrary bytes as an object key, query parameters and a
 * header value, through url encoding and SigV4 signing.
 *
 * Input: fields separated by '\n': the key, then up to 8 query names and
 * values alternately, the last field also being an extra header value.
 * The first byte, when present, also picks the time and options.
 * Checked: nothing crashes; the key's encodings decode back to it; the
 * canonical query is sorted; the signer accepts everything the url
 * module produces and its output is well-formed; raw bytes given as a
 * URI or query are either refused or well-formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"
#include "url.h"
#include "util.h"

#define MAX_FIELDS	18

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
require(int cond)
{
	if (!cond)
		abort();
}

static int
hex_upper(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Unreserved, '%XX' with upper-case hex, and the bytes in extra. */
static int
well_encoded(const char *s, size_t n, const char *extra)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || !hex_upper(s[i + 1]) ||
			    !hex_upper(s[i + 2]))
				return 0;
			i += 2;
		} else if (!url_unreserved((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr(extra, s[i]) == NULL))
			return 0;
	}
	return 1;
}

/* Encodes s, checks the form and that it decodes back to s. */
static void
check_round_trip(const char *s, size_t n, int path)
{
	struct buf	 e, d;

	buf_init(&e, 0);
	buf_init(&d, 0);
	require((path ? url_encode_path(&e, s, n) : url_encode(&e, s, n)) == 0);
	require(well_encoded(e.p, e.n, path ? "/" : ""));
	require(url_decode(&d, e.p, e.n, 0) == 0);
	require(d.n == n && (n == 0 || memcmp(d.p, s, n) == 0));
	buf_free(&e);
	buf_free(&d);
}

/* Every pair "name=value", joined by '&', in non-decreasing order. */
static void
check_query(const char *q, size_t n)
{
	const char	*p = q, *end = q + n, *amp, *prev = NULL;
	size_t		 len, prevlen = 0, pn, qn;
	int		 c;

	require(well_encoded(q, n, "=&"));
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		len = amp != NULL ? (size_t)(amp - p) : (size_t)(end - p);
		require(memchr(p, '=', len) != NULL);
		if (prev != NULL) {
			pn = (size_t)((const char *)memchr(prev, '=', prevlen) -
			    prev);
			qn = (size_t)((const char *)memchr(p, '=', len) - p);
			c = memcmp(prev, p, pn < qn ? pn : qn);
			if (c == 0 && pn != qn)
				c = pn < qn ? -1 : 1;
			if (c == 0) {
				c = memcmp(prev + pn, p + qn, prevlen - pn <
				    len - qn ? prevlen - pn : len - qn);
				if (c == 0)
					c = prevlen - pn > len - qn;
			}
			require(c <= 0);
		}
		prev = p;
		prevlen = len;
		p += len + (amp != NULL);
	}
}

static int
header_value_ok(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!((s[i] > 0x20 && s[i] < 0x7f) || s[i] == ' ' ||
		    s[i] == '\t'))
			return 0;
	return 1;
}

static int
has_presign_name(const struct url_param *params, size_t np)
{
	static const char *const names[] = {
		"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
		"X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-SignedHeaders",
		"X-Amz-Signature"
	};
	size_t	 i, k;

	for (i = 0; i < np; i++)
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (slice_eq(params[i].name, names[k]))
				return 1;
	return 0;
}

static void
check_sigv4(const uint8_t *data, size_t size, struct slice key,
    struct url_param *params, size_t np, struct slice hv)
{
	static const char	 tokens[3][24] = {
		"", "IQoJ/token+value=", "tok"
	};
	struct slice_pair	 h;
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct sigv4_ctx	 ctx;
	struct buf		 uri, query, out;
	const char		*s;
	char			 amz[17];
	size_t			 i, nl;
	int			 rc;

	buf_init(&uri, 0);
	buf_init(&query, 0);
	buf_init(&out, 0);
	require(buf_adds(&uri, "/bucket/") == 0);
	require(url_encode_path(&uri, key.p, key.n) == 0);
	/* An empty name is refused; then the parameters before it are used. */
	for (i = 0; i < np && params[i].name.n > 0; i++)
		continue;
	rc = url_query(&query, params, np);
	if (i < np) {
		require(rc == URL_EINVAL && query.n == 0);
		np = i;
		rc = url_query(&query, params, np);
	}
	require(rc == 0);
	check_query(query.p, query.n);

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.host = SLICE_LIT("bucket.s3.example.com:9000");
	req.uri.p = uri.p;
	req.uri.n = uri.n;
	req.query.p = query.p;
	req.query.n = query.n;
	h.name = SLICE_LIT("X-Amz-Meta-Fuzz");
	h.value = hv;
	req.headers = &h;
	req.nheaders = 1;
	req.payload_hash = size > 0 && (data[0] & 1) ? SIGV4_EMPTY_SHA256 :
	    SIGV4_UNSIGNED_PAYLOAD;
	req.region = "us-east-1";
	req.service = "s3";
	req.when = (time_t)(size > 0 ? data[0] : 0) * 86399;
	creds.access_key = "AKIAIOSFODNN7EXAMPLE";
	creds.secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	creds.token = tokens[size > 0 ? data[0] % 3 : 0];

	rc = sigv4_canonical_request(&out, &creds, &req);
	if (!header_value_ok(hv.p, hv.n)) {
		require(rc == SIGV4_EINVAL && out.n == 0);
		req.nheaders = 0;
		rc = sigv4_canonical_request(&out, &creds, &req);
	}
	require(rc == 0);
	/* Printable lines: request line parts, headers, blank, list, hash. */
	for (i = 0, nl = 0; i < out.n; i++) {
		require((out.p[i] >= 0x20 && out.p[i] < 0x7f) ||
		    out.p[i] == '\n');
		nl += out.p[i] == '\n';
	}
	require(nl == 3 + 3 + req.nheaders + (creds.token[0] != '\0') + 2);
	require(strncmp(out.p, "GET\n/bucket/", 12) == 0);

	sigv4_ctx_init(&ctx);
	buf_reset(&out);
	require(sigv4_sign(&ctx, &creds, &req, &out, amz) == 0);
	s = strstr(out.p, ", Signature=");
	require(s != NULL && strlen(s + 12) == 64 &&
	    strspn(s + 12, "0123456789abcdef") == 64 && strlen(amz) == 16);

	/* Presigning refuses a query that already has its X-Amz-* names. */
	req.nheaders = 0;
	buf_reset(&out);
	rc = sigv4_presign(&ctx, &creds, &req, 3600, &out);
	if (has_presign_name(params, np))
		require(rc == SIGV4_EINVAL && out.n == 0);
	else {
		require(rc == 0);
		s = strstr(out.p, "&X-Amz-Signature=");
		require(s != NULL && strlen(s + 17) == 64);
		check_query(out.p, (size_t)(s - out.p));
	}
	sigv4_ctx_wipe(&ctx);

	/* The same bytes raw, as a URI and as a query: refused or sane. */
	req.uri.p = key.p;
	req.uri.n = key.n;
	buf_reset(&out);
	if (sigv4_canonical_request(&out, &creds, &req) == 0)
		require(key.n > 0 && key.p[0] == '/' &&
		    well_encoded(key.p, key.n, "/"));
	req.uri = SLICE_LIT("/");
	req.query = key;
	buf_reset(&out);
	if (sigv4_canonical_request(&out, &creds, &req) == 0)
		require(well_encoded(key.p, key.n, "=&"));
	buf_free(&uri);
	buf_free(&query);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice		 f[MAX_FIELDS];
	struct url_param	 params[8];
	struct buf		 d;
	const char		*p = (const char *)data, *end = p + size, *nl;
	size_t			 nf = 0, np, i;
	int			 rc;

	if (size > 8192)
		return 0;
	while (nf < MAX_FIELDS) {
		nl = memchr(p, '\n', (size_t)(end - p));
		f[nf].p = p;
		f[nf].n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		nf++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* The key here; fuzz_codec round-trips any bytes through both. */
	check_round_trip(f[0].p, f[0].n, 0);
	check_round_trip(f[0].p, f[0].n, 1);
	/* Any bytes given to the decoder are decoded or refused. */
	buf_init(&d, 0);
	rc = url_decode(&d, (const char *)data, size, URL_DECODE_PLUS);
	require(rc == 0 || rc == URL_EINVAL);
	require(utf8_boundary((const char *)data, size) <= size);
	buf_free(&d);

	np = (nf - 1) / 2 < 8 ? (nf - 1) / 2 : 8;
	for (i = 0; i < np; i++) {
		params[i].name = f[1 + 2 * i];
		params[i].value = f[2 + 2 * i];
	}
	check_sigv4(data, size, f[0], params, np, f[nf - 1]);
	return 0;
}
