/*
 * fuzz_codec.c - fuzz target for the small codecs of util.c and url.c:
 * base64, url decoding, hex digits and UTF-8 validation.
 *
 * The input is used as raw bytes and as encoded text.  Checked, besides
 * no crash and no sanitizer report:
 *  - base64: encoding any bytes gives base64_encoded_len() characters of
 *    the alphabet with canonical padding, and decodes back to the bytes;
 *    text the strict decoder accepts has the length and padding it
 *    promises and encodes back to exactly that text (no two texts decode
 *    to the same bytes); a refusal leaves the buffer as it was;
 *  - url_decode: agrees byte for byte with a decoder written here, with
 *    and without URL_DECODE_PLUS, and refuses exactly the texts with a
 *    '%' not followed by two hex digits; a refusal appends nothing;
 *  - url_encode / url_encode_path: decode back to the input;
 *  - hex_digit agrees with a table, hex_encode gives lower-case digits
 *    that hex_digit reads back;
 *  - utf8_valid agrees with a validator written here from RFC 3629
 *    (no overlongs, no surrogates, nothing past U+10FFFF), and
 *    utf8_boundary cuts a valid text only at a character start.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
model_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3629, Table 3-7 of Unicode: the well-formed byte sequences. */
static int
model_utf8(const uint8_t *s, size_t n)
{
	size_t	 i = 0, k, len;
	uint8_t	 lo, hi;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			if (s[i] == 0xe0)
				lo = 0xa0;
			else if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			if (s[i] == 0xf0)
				lo = 0x90;
			else if (s[i] == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i < len)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += len;
	}
	return 1;
}

static void
check_base64(const uint8_t *data, size_t n)
{
	struct buf	 e, d;
	size_t		 i, pad, len;
	int		 rc;

	/* Bytes to text and back. */
	buf_init(&e, 0);
	buf_init(&d, 0);
	ASSERT(base64_encode(&e, data, n) == 0);
	ASSERT(e.n == base64_encoded_len(n) && e.n == (n + 2) / 3 * 4);
	pad = n % 3 == 0 ? 0 : 3 - n % 3;
	for (i = 0; i < e.n; i++)
		ASSERT(i >= e.n - pad ? e.p[i] == '=' :
		    e.p[i] != '\0' && strchr(b64, e.p[i]) != NULL);
	ASSERT(base64_decode(&d, e.p, e.n) == 0);
	ASSERT(d.n == n && (n == 0 || memcmp(d.p, data, n) == 0));

	/* Text to bytes and back; a prefix already in d stays. */
	buf_reset(&e);
	buf_reset(&d);
	ASSERT(buf_add(&d, "pre", 3) == 0);
	len = d.n;
	rc = base64_decode(&d, (const char *)data, n);
	if (rc != 0) {
		ASSERT(rc == UTIL_EINVAL);
		ASSERT(d.n == len);
	} else {
		ASSERT(n % 4 == 0);
		pad = n > 0 && data[n - 1] == '=' ?
		    (n > 1 && data[n - 2] == '=' ? 2 : 1) : 0;
		ASSERT(d.n - len == n / 4 * 3 - pad);
		ASSERT(base64_encode(&e, d.p + len, d.n - len) == 0);
		ASSERT(e.n == n && (n == 0 || memcmp(e.p, data, n) == 0));
	}
	ASSERT(memcmp(d.p, "pre", 3) == 0);
	buf_free(&e);
	buf_free(&d);
}

static void
check_url(const uint8_t *data, size_t n, int flags)
{
	const char	*s = (const char *)data;
	struct buf	 d;
	char		*m;
	size_t		 i, k = 0;
	int		 rc, ok = 1;

	if ((m = malloc(n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || model_hex((unsigned char)s[i + 1]) < 0 ||
			    model_hex((unsigned char)s[i + 2]) < 0) {
				ok = 0;
				break;
			}
			m[k++] = (char)(model_hex((unsigned char)s[i + 1]) << 4 |
			    model_hex((unsigned char)s[i + 2]));
			i += 2;
		} else if (s[i] == '+' && (flags & URL_DECODE_PLUS))
			m[k++] = ' ';
		else
			m[k++] = s[i];
	}
	buf_init(&d, 0);
	ASSERT(buf_add(&d, "x", 1) == 0);
	rc = url_decode(&d, s, n, flags);
	if (!ok) {
		ASSERT(rc == URL_EINVAL && d.n == 1);
	} else {
		ASSERT(rc == 0);
		ASSERT(d.n == 1 + k && (k == 0 || memcmp(d.p + 1, m, k) == 0));
	}
	buf_free(&d);
	free(m);
}

static void
check_encode(const uint8_t *data, size_t n, int path)
{
	struct buf	 e, d;

	buf_init(&e, 0);
	buf_init(&d, 0);
	ASSERT((path ? url_encode_path(&e, (const char *)data, n) :
	    url_encode(&e, (const char *)data, n)) == 0);
	ASSERT(e.n >= n && e.n <= 3 * n);
	ASSERT(url_decode(&d, e.p, e.n, 0) == 0);
	ASSERT(d.n == n && (n == 0 || memcmp(d.p, data, n) == 0));
	buf_free(&e);
	buf_free(&d);
}

static void
check_hex(const uint8_t *data, size_t n)
{
	char	 out[2 * 32 + 1];
	size_t	 i, k;

	for (i = 0; i < n && i < 64; i++)
		ASSERT(hex_digit(data[i]) == model_hex(data[i]));
	k = n < 32 ? n : 32;
	hex_encode(out, data, k);
	ASSERT(out[2 * k] == '\0');
	for (i = 0; i < k; i++) {
		ASSERT(strchr("0123456789abcdef", out[2 * i]) != NULL &&
		    strchr("0123456789abcdef", out[2 * i + 1]) != NULL);
		ASSERT((hex_digit(out[2 * i]) << 4 | hex_digit(out[2 * i + 1]))
		    == data[i]);
	}
}

static void
check_utf8(const uint8_t *data, size_t n)
{
	const char	*s = (const char *)data;
	size_t		 m, i;
	int		 v;

	v = utf8_valid(s, n);
	ASSERT(v == model_utf8(data, n));
	m = utf8_boundary(s, n);
	ASSERT(m <= n);
	if (!v)
		return;
	ASSERT(m == n);
	/* Each cut of a valid text keeps whole characters only. */
	for (i = 0; i < n && i < 16; i++) {
		m = utf8_boundary(s, n - i);
		ASSERT(m <= n - i && n - i - m < 4);
		ASSERT(model_utf8(data, m));
		ASSERT(m == n - i || (data[m] & 0xc0) != 0x80);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	check_base64(data, n);
	check_url(data, n, 0);
	check_url(data, n, URL_DECODE_PLUS);
	check_encode(data, n, 0);
	check_encode(data, n, 1);
	check_hex(data, n);
	check_utf8(data, n);
	return 0;
}
