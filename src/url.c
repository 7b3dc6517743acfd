/*
 * url.c - percent-encoding, strict decoding and the canonical query.
 */
#include <stdint.h>
#include <string.h>

#include "url.h"
#include "util.h"

static const char hexdig[] = "0123456789ABCDEF";

/* see url.h */
int
url_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
encode(struct buf *b, const char *src, size_t n, int keep_slash)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i, len = 0;
	char			*o;
	int			 rc;

	/* Size first so the append is all or nothing. */
	if (n > SIZE_MAX / 3)
		return URL_ELIMIT;
	for (i = 0; i < n; i++)
		len += url_unreserved(s[i]) || (keep_slash && s[i] == '/') ?
		    1 : 3;
	if ((rc = buf_reserve(b, len)) != 0)
		return rc;
	o = b->p + b->n;
	for (i = 0; i < n; i++) {
		if (url_unreserved(s[i]) || (keep_slash && s[i] == '/'))
			*o++ = (char)s[i];
		else {
			*o++ = '%';
			*o++ = hexdig[s[i] >> 4];
			*o++ = hexdig[s[i] & 15];
		}
	}
	b->n += len;
	b->p[b->n] = '\0';
	return 0;
}

/* see url.h */
int
url_encode(struct buf *b, const char *s, size_t n)
{
	return encode(b, s, n, 0);
}

/* see url.h */
int
url_encode_path(struct buf *b, const char *s, size_t n)
{
	return encode(b, s, n, 1);
}

/* see url.h */
int
url_decode(struct buf *b, const char *s, size_t n, int flags)
{
	size_t	 i, len = 0;
	char	*o;
	int	 hi, lo, rc;

	/* Validate and size first so the append is all or nothing. */
	for (i = 0; i < n; i++, len++) {
		if (s[i] != '%')
			continue;
		if (n - i < 3 || hex_digit((unsigned char)s[i + 1]) < 0 ||
		    hex_digit((unsigned char)s[i + 2]) < 0)
			return URL_EINVAL;
		i += 2;
	}
	if ((rc = buf_reserve(b, len)) != 0)
		return rc;
	o = b->p + b->n;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			hi = hex_digit((unsigned char)s[i + 1]);
			lo = hex_digit((unsigned char)s[i + 2]);
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && (flags & URL_DECODE_PLUS))
			*o++ = ' ';
		else
			*o++ = s[i];
	}
	b->n += len;
	b->p[b->n] = '\0';
	return 0;
}

/*
 * Reads the encoded form of a raw string one byte at a time, so that
 * parameters can be compared in encoded order without encoding them
 * into memory first.
 */
struct enc_iter {
	const unsigned char	*s;
	size_t			 n, i;
	int			 k;	/* offset inside a %XX */
};

static int
enc_next(struct enc_iter *it)
{
	unsigned char	 c;

	if (it->i >= it->n)
		return -1;
	c = it->s[it->i];
	if (url_unreserved(c)) {
		it->i++;
		return c;
	}
	switch (it->k++) {
	case 0:
		return '%';
	case 1:
		return hexdig[c >> 4];
	default:
		it->k = 0;
		it->i++;
		return hexdig[c & 15];
	}
}

static int
enc_cmp(struct slice a, struct slice b)
{
	struct enc_iter	 x, y;
	int		 cx, cy;

	x.s = (const unsigned char *)a.p;
	x.n = a.n;
	x.i = 0;
	x.k = 0;
	y.s = (const unsigned char *)b.p;
	y.n = b.n;
	y.i = 0;
	y.k = 0;
	do {
		cx = enc_next(&x);
		cy = enc_next(&y);
	} while (cx == cy && cx != -1);
	return cx - cy;
}

static int
param_cmp(const struct url_param *a, const struct url_param *b)
{
	int	 c;

	if ((c = enc_cmp(a->name, b->name)) != 0)
		return c;
	return enc_cmp(a->value, b->value);
}

/* see url.h */
int
url_query(struct buf *b, struct url_param *params, size_t n)
{
	struct url_param	 t;
	size_t			 i, j, n0 = b->n;
	int			 rc;

	/* SigV4 has no use for "=v", and the signer refuses it. */
	for (i = 0; i < n; i++)
		if (params[i].name.n == 0)
			return URL_EINVAL;
	/* Even an empty query leaves b->p a string. */
	if ((rc = buf_reserve(b, 0)) != 0)
		return rc;
	for (i = 1; i < n; i++) {
		t = params[i];
		for (j = i; j > 0 && param_cmp(&params[j - 1], &t) > 0; j--)
			params[j] = params[j - 1];
		params[j] = t;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = buf_addc(b, '&');
		if (rc == 0)
			rc = url_encode(b, params[i].name.p, params[i].name.n);
		if (rc == 0)
			rc = buf_addc(b, '=');
		if (rc == 0)
			rc = url_encode(b, params[i].value.p,
			    params[i].value.n);
	}
	if (rc != 0) {
		b->n = n0;
		if (b->cap > 0)
			b->p[n0] = '\0';
	}
	return rc;
}
