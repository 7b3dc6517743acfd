/*
 * util.c - slices, growable buffers, base64, hex, UTF-8, time, wiping.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * A call through a volatile function pointer cannot be proven to be
 * memset, so the compiler may not drop it as a dead store.
 */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

/* see util.h */
void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		wipe_memset(p, 0, n);
}

/* see util.h */
int
util_random(void *buf, size_t n)
{
	unsigned char	*p = buf;
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd;

	while (got < n) {
		r = getrandom(p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return UTIL_EINVAL;
	for (got = 0; got < n; got += (size_t)r) {
		r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			break;
	}
	close(fd);
	return got == n ? 0 : UTIL_EINVAL;
}

/* see util.h */
int
ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* see util.h */
void
buf_init(struct buf *b, size_t limit)
{
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
	b->limit = limit;
	b->hi = 0;
}

/* see util.h */
void
buf_reset(struct buf *b)
{
	b->n = 0;
	if (b->cap > 0)
		b->p[0] = '\0';
}

/* see util.h */
void
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		wipe(b->p, b->hi < b->cap ? b->hi : b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
	b->hi = 0;
}

/*
 * Growth never uses realloc: realloc may free the old block without
 * wiping it, and a buffer may hold a secret.
 */
/* see util.h */
static int
grow(struct buf *b, size_t extra)
{
	size_t	 limit, need, cap;
	char	*p;

	limit = b->limit != 0 ? b->limit : SIZE_MAX - 1;
	if (extra > limit || b->n > limit - extra)
		return UTIL_ELIMIT;
	need = b->n + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > limit + 1)
		cap = limit + 1;
	if ((p = malloc(cap)) == NULL)
		return UTIL_ENOMEM;
	if (b->p != NULL) {
		memcpy(p, b->p, b->n);
		wipe(b->p, b->hi < b->cap ? b->hi : b->cap);
		free(b->p);
	}
	p[b->n] = '\0';
	b->p = p;
	b->cap = cap;
	if (b->hi < b->n + 1)
		b->hi = b->n + 1;
	return 0;
}

/* see util.h */
int
buf_reserve(struct buf *b, size_t extra)
{
	int	 rc;

	if ((rc = grow(b, extra)) != 0)
		return rc;
	if (b->hi < b->n + extra + 1)
		b->hi = b->n + extra + 1;
	return 0;
}

/* see util.h */
int
buf_prealloc(struct buf *b, size_t extra)
{
	return grow(b, extra);
}

/* see util.h */
int
buf_add(struct buf *b, const void *p, size_t n)
{
	int	 rc;

	if ((rc = buf_reserve(b, n)) != 0)
		return rc;
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* see util.h */
int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* see util.h */
int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* see util.h */
int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 len, rc;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return UTIL_EINVAL;
	if ((rc = buf_reserve(b, (size_t)len)) != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return 0;
}

/* see util.h */
int
buf_add_u64(struct buf *b, uint64_t v)
{
	char	 tmp[20];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

/* see util.h */
struct slice
slice_cstr(const char *s)
{
	struct slice	 r;

	r.p = s;
	r.n = s != NULL ? strlen(s) : 0;
	return r;
}

/* see util.h */
int
slice_eq(struct slice s, const char *c)
{
	return strlen(c) == s.n && (s.n == 0 || memcmp(s.p, c, s.n) == 0);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* see util.h */
int
slice_cmp(struct slice a, struct slice b)
{
	size_t	 n = a.n < b.n ? a.n : b.n;
	int	 c = n ? memcmp(a.p, b.p, n) : 0;

	if (c != 0)
		return c;
	return a.n < b.n ? -1 : a.n > b.n;
}

/* see util.h */
int
slice_starts(struct slice s, struct slice pre)
{
	return pre.n == 0 || (s.n >= pre.n && memcmp(s.p, pre.p, pre.n) == 0);
}

/* see util.h */
int
slice_ieq(struct slice s, const char *c)
{
	size_t	 i;

	if (strlen(c) != s.n)
		return 0;
	for (i = 0; i < s.n; i++)
		if (lower((unsigned char)s.p[i]) != lower((unsigned char)c[i]))
			return 0;
	return 1;
}

/* see util.h */
struct slice
slice_trim(struct slice s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see util.h */
size_t
base64_encoded_len(size_t n)
{
	size_t	 groups = n / 3 + (n % 3 != 0);

	if (groups > SIZE_MAX / 4)
		return SIZE_MAX;
	return groups * 4;
}

/* see util.h */
int
base64_encode(struct buf *b, const void *src, size_t n)
{
	const unsigned char	*s = src;
	size_t			 len, i;
	unsigned long		 v;
	char			*o;
	int			 rc;

	if ((len = base64_encoded_len(n)) == SIZE_MAX)
		return UTIL_ELIMIT;
	if ((rc = buf_reserve(b, len)) != 0)
		return rc;
	o = b->p + b->n;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned long)s[i] << 16;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = '=';
	}
	b->n += len;
	b->p[b->n] = '\0';
	return 0;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Besides padding and the alphabet, the unused low bits of the last
 * group must be zero: otherwise two encodings would decode to the same
 * bytes, and a strict decoder accepts only the canonical one.
 */
/*
 * Decodes n bytes of base64 at s into o, which may be s itself: a group's
 * four characters are read before its three bytes are written, and those
 * land before the next group.  Returns the bytes written, or -1.
 */
static long long
b64_decode_to(char *o, const char *s, size_t n)
{
	size_t		 i, pad = 0;
	unsigned long	 v;
	int		 j, d;
	char		*o0 = o;

	if (n % 4 != 0)
		return -1;
	if (n > 0 && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + 4 == n && j >= 4 - (int)pad)
				d = 0;
			else if ((d = b64_value((unsigned char)s[i + j])) < 0)
				return -1;
			v = v << 6 | (unsigned long)d;
		}
		if (i + 4 < n || pad == 0) {
			*o++ = (char)(v >> 16);
			*o++ = (char)(v >> 8 & 0xff);
			*o++ = (char)(v & 0xff);
		} else if (pad == 1) {
			if ((v & 0xff) != 0)
				return -1;
			*o++ = (char)(v >> 16);
			*o++ = (char)(v >> 8 & 0xff);
		} else {
			if ((v & 0xffff) != 0)
				return -1;
			*o++ = (char)(v >> 16);
		}
	}
	return (long long)(o - o0);
}

/* see util.h */
int
base64_decode(struct buf *b, const char *s, size_t n)
{
	long long	 got;
	size_t		 pad = 0;
	int		 rc;

	if (n % 4 != 0)
		return UTIL_EINVAL;
	if (n > 0 && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	/* Exactly the bytes it decodes to: a limit of N holds N. */
	if ((rc = buf_reserve(b, n / 4 * 3 - pad)) != 0)
		return rc;
	got = b64_decode_to(b->p + b->n, s, n);
	if (got >= 0)
		b->n += (size_t)got;
	/* The bytes written past n are not content; n itself is unchanged. */
	b->p[b->n] = '\0';
	return got < 0 ? UTIL_EINVAL : 0;
}

static int
b64_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
	    c == '\v';
}

/* see util.h */
int
base64_decode_inplace(char *p, size_t n, size_t *out)
{
	size_t		 i, k;
	long long	 got;

	/*
	 * Blanks and line breaks are common in generated base64: squeezed
	 * out in place from the first one on; without any, nothing moves.
	 */
	for (i = 0; i < n && !b64_space(p[i]); i++)
		;
	for (k = i; i < n; i++)
		if (!b64_space(p[i]))
			p[k++] = p[i];
	if ((got = b64_decode_to(p, p, k)) < 0)
		return UTIL_EINVAL;
	*out = (size_t)got;
	return 0;
}

/* see util.h */
int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* see util.h */
void
hex_encode(char *out, const void *src, size_t n)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*s = src;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[s[i] >> 4];
		out[2 * i + 1] = digits[s[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The length of the sequence a lead byte starts, and the range its
 * second byte must fall in (Unicode Table 3-7); 0 for a byte that cannot
 * start a character.  The narrowed second-byte ranges are what exclude
 * overlongs (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
 */
static int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* see util.h */
size_t
utf8_sanitize(char *dst, size_t cap, const char *src, size_t n)
{
	size_t	 i = 0, o = 0, len;

	if (cap == 0)
		return 0;
	while (i < n) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x80) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
			i++;
			continue;
		}
		for (len = 2; len <= 4 && i + len <= n; len++)
			if (utf8_valid(src + i, len))
				break;
		if (len <= 4 && i + len <= n) {
			if (o + len >= cap)
				break;
			memcpy(dst + o, src + i, len);
			o += len;
			i += len;
			continue;
		}
		/* Not UTF-8: U+FFFD for the byte. */
		if (o + 3 >= cap)
			break;
		memcpy(dst + o, "\xef\xbf\xbd", 3);
		o += 3;
		i++;
	}
	dst[o] = '\0';
	return o;
}

/* see util.h */
int
utf8_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0;
	unsigned		 c, c1;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			/* Runs of ASCII, eight bytes at a time. */
			uint64_t	 w;

			while (n - i >= 8) {
				memcpy(&w, s + i, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				i += 8;
			}
			while (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		/*
		 * Each length tested inline: the second byte's range rules
		 * out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
		 */
		if (c >= 0xc2 && c <= 0xdf) {
			if (n - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return 0;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (n - i < 3)
				return 0;
			c1 = s[i + 1];
			if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f))
				return 0;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (n - i < 4)
				return 0;
			c1 = s[i + 1];
			if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80 ||
			    (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
				return 0;
			i += 4;
		} else
			return 0;
	}
	return 1;
}

/* see util.h */
size_t
utf8_boundary(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned char		 lo, hi;
	size_t			 i = n;
	int			 len;

	while (i > 0 && n - i < 3 && (s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return n;
	len = utf8_lead(s[i - 1], &lo, &hi);
	if (len > 1 && (size_t)len > n - (i - 1))
		return i - 1;
	return n;
}

/*
 * Calendar arithmetic on the proleptic Gregorian calendar with eras of
 * 400 years, so it needs neither timegm (not in C99 or POSIX) nor the
 * TZ environment.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

struct tm_utc {
	int	 year, mon, mday, hour, min, sec;
};

/*
 * Every format here has four year digits, so times before 0000-01-01
 * or after 9999-12-31T23:59:59Z are clamped to those bounds rather
 * than written out of shape.
 */
static void
utc_split(time_t t, struct tm_utc *tm)
{
	int64_t	 s = (int64_t)t, days, rem;
	int64_t	 lo = days_from_civil(0, 1, 1) * 86400;
	int64_t	 hi = days_from_civil(10000, 1, 1) * 86400 - 1;

	if (s < lo)
		s = lo;
	if (s > hi)
		s = hi;
	days = s / 86400;
	rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &tm->year, &tm->mon, &tm->mday);
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem / 60 % 60);
	tm->sec = (int)(rem % 60);
}

static char *
put_digits(char *o, int v, int width)
{
	int	 i;

	for (i = width - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

/* see util.h */
void
time_iso8601(char out[21], time_t t)
{
	struct tm_utc	 tm;
	char		*o = out;

	utc_split(t, &tm);
	o = put_digits(o, tm.year, 4);
	*o++ = '-';
	o = put_digits(o, tm.mon, 2);
	*o++ = '-';
	o = put_digits(o, tm.mday, 2);
	*o++ = 'T';
	o = put_digits(o, tm.hour, 2);
	*o++ = ':';
	o = put_digits(o, tm.min, 2);
	*o++ = ':';
	o = put_digits(o, tm.sec, 2);
	*o++ = 'Z';
	*o = '\0';
}

/* see util.h */
void
time_amz(char out[17], time_t t)
{
	struct tm_utc	 tm;
	char		*o = out;

	utc_split(t, &tm);
	o = put_digits(o, tm.year, 4);
	o = put_digits(o, tm.mon, 2);
	o = put_digits(o, tm.mday, 2);
	*o++ = 'T';
	o = put_digits(o, tm.hour, 2);
	o = put_digits(o, tm.min, 2);
	o = put_digits(o, tm.sec, 2);
	*o++ = 'Z';
	*o = '\0';
}

/* see util.h */
void
time_amzdate(char out[9], time_t t)
{
	struct tm_utc	 tm;
	char		*o = out;

	utc_split(t, &tm);
	o = put_digits(o, tm.year, 4);
	o = put_digits(o, tm.mon, 2);
	o = put_digits(o, tm.mday, 2);
	*o = '\0';
}

/* Exactly width decimal digits at s; -1 if any is not a digit. */
static int
get_digits(const char *s, int width)
{
	int	 v = 0, i;

	for (i = 0; i < width; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int	 mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

static int
make_time(struct tm_utc *tm, time_t *out)
{
	int64_t	 s;

	if (tm->year < 0 || tm->mon < 1 || tm->mon > 12 || tm->mday < 1 ||
	    tm->mday > days_in_month(tm->year, tm->mon) || tm->hour < 0 ||
	    tm->hour > 23 || tm->min < 0 || tm->min > 59 || tm->sec < 0 ||
	    tm->sec > 59)
		return -1;
	s = days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
	    tm->hour * 3600 + tm->min * 60 + tm->sec;
	/* A 32-bit time_t cannot hold every four-digit year. */
	if ((int64_t)(time_t)s != s)
		return -1;
	*out = (time_t)s;
	return 0;
}

/* 2024-01-02T03:04:05Z or 2024-01-02T03:04:05.123Z (any digits). */
static int
parse_iso8601(const char *s, size_t n, time_t *out)
{
	struct tm_utc	 tm;
	size_t		 i;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return -1;
	if (n > 20) {
		if (s[19] != '.' || n == 21)
			return -1;
		for (i = 20; i < n - 1; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
	}
	tm.year = get_digits(s, 4);
	tm.mon = get_digits(s + 5, 2);
	tm.mday = get_digits(s + 8, 2);
	tm.hour = get_digits(s + 11, 2);
	tm.min = get_digits(s + 14, 2);
	tm.sec = get_digits(s + 17, 2);
	return make_time(&tm, out);
}

/* Tue, 02 Jan 2024 03:04:05 GMT (RFC 1123, the only form HTTP sends). */
static int
parse_rfc1123(const char *s, size_t n, time_t *out)
{
	static const char	 days[] = "SunMonTueWedThuFriSat";
	static const char	 months[] =
	    "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm_utc		 tm;
	int			 i;

	if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    memcmp(s + 25, " GMT", 4) != 0)
		return -1;
	for (i = 0; i < 7; i++)
		if (memcmp(s, days + 3 * i, 3) == 0)
			break;
	if (i == 7)
		return -1;
	tm.mon = 0;
	for (i = 0; i < 12; i++)
		if (memcmp(s + 8, months + 3 * i, 3) == 0)
			tm.mon = i + 1;
	tm.mday = get_digits(s + 5, 2);
	tm.year = get_digits(s + 12, 4);
	tm.hour = get_digits(s + 17, 2);
	tm.min = get_digits(s + 20, 2);
	tm.sec = get_digits(s + 23, 2);
	return make_time(&tm, out);
}

/* see util.h */
int
time_parse(const char *s, size_t n, time_t *out)
{
	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return parse_iso8601(s, n, out);
	return parse_rfc1123(s, n, out);
}

/* see util.h */
int64_t
time_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* see util.h */
int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;
	unsigned	 d;

	if (n == 0)
		return UTIL_EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return UTIL_EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return UTIL_EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* see util.h */
int
util_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char	*suffix;
		unsigned	 shift;
	} units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	uint64_t v;
	size_t i, n;
	char suf[4];

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		;
	if (n == 0 || parse_u64(s, n, &v) != 0)
		return UTIL_EINVAL;
	if (strlen(s + n) >= sizeof(suf))
		return UTIL_EINVAL;
	for (i = 0; s[n + i] != '\0'; i++)
		suf[i] = s[n + i] >= 'A' && s[n + i] <= 'Z' ?
		    (char)(s[n + i] - 'A' + 'a') : s[n + i];
	suf[i] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(suf, units[i].suffix) != 0)
			continue;
		if (units[i].shift > 0 && v > (UINT64_MAX >> units[i].shift))
			return UTIL_EINVAL;
		*out = v << units[i].shift;
		return 0;
	}
	return UTIL_EINVAL;
}

/* see util.h */
int
util_unset(const char *v)
{
	size_t	n;

	if (v == NULL || v[0] == '\0')
		return 1;
	n = strlen(v);
	return n >= 3 && v[0] == '$' && v[1] == '{' && v[n - 1] == '}';
}

/* see util.h */
int
util_read_file(const char *path, size_t limit, unsigned flags,
    struct buf *out, struct stat *st)
{
	struct stat	 scratch;
	char		 tmp[4096];
	ssize_t		 r;
	int		 fd, oflags = O_RDONLY | O_CLOEXEC, rc = 0, e;

	buf_init(out, limit);
	if (st == NULL)
		st = &scratch;
	memset(st, 0, sizeof(*st));
	if (flags & UTIL_FILE_REGULAR)
		oflags |= O_NONBLOCK | O_NOCTTY;
	if (flags & UTIL_FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) == -1)
		return errno == ENOENT || errno == ENOTDIR ? UTIL_ENOENT :
		    UTIL_EOPEN;
	if (fstat(fd, st) != 0)
		rc = UTIL_EREAD;
	else if (S_ISDIR(st->st_mode) ||
	    ((flags & UTIL_FILE_REGULAR) && !S_ISREG(st->st_mode)))
		rc = UTIL_EFTYPE;
	while (rc == 0) {
		if ((r = read(fd, tmp, sizeof(tmp))) < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = UTIL_EREAD;
		else if (r == 0)
			break;
		else
			rc = buf_add(out, tmp, (size_t)r);
	}
	if (rc == 0)
		rc = buf_reserve(out, 0);
	e = errno;
	wipe(tmp, sizeof(tmp));
	close(fd);
	if (rc != 0)
		buf_free(out);
	errno = e;
	return rc;
}

/* ---- arenas ---------------------------------------------------------- */

/*
 * The strictest alignment an object may need (C99 has no max_align_t):
 * that of long double and max_align_t on x86_64, aarch64 and armhf.
 */
#define ARENA_ALIGN	16
#define ARENA_ROUND(n)	(((n) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

/* A block's header; its size bytes follow at ARENA_ROUND(sizeof header). */
struct arena_block {
	struct arena_block	*next;	/* the block made before it */
	size_t			 size;
	size_t			 used;
};
#define ARENA_HDR	ARENA_ROUND(sizeof(struct arena_block))
#define ARENA_DATA(k)	((char *)(k) + ARENA_HDR)

/* see util.h */
void
arena_init(struct arena *a, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}

/* see util.h */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block	*k = a->head;
	size_t			 size;
	char			*p;

	if (n > a->limit || n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	n = ARENA_ROUND(n == 0 ? 1 : n);
	if (k == NULL || k->size - k->used < n) {
		size = n > ARENA_BLOCK_BYTES ? n : ARENA_BLOCK_BYTES;
		if (a->held > a->limit || a->limit - a->held < ARENA_HDR ||
		    a->limit - a->held - ARENA_HDR < size)
			return NULL;
		if ((k = calloc(1, ARENA_HDR + size)) == NULL)
			return NULL;
		k->size = size;
		k->next = a->head;
		a->head = k;
		a->held += ARENA_HDR + size;
	}
	p = ARENA_DATA(k) + k->used;
	k->used += n;
	return p;
}

/* see util.h */
char *
arena_strndup(struct arena *a, const char *p, size_t n)
{
	char	*s;

	if (n == SIZE_MAX || (s = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	return s;
}

/* see util.h */
char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 len;
	char	*s;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || (s = arena_alloc(a, (size_t)len + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* see util.h */
struct buf *
arena_buf(struct arena *a, size_t limit)
{
	if (a->nbufs == ARENA_BUFS)
		return NULL;
	buf_init(&a->bufs[a->nbufs], limit);
	return &a->bufs[a->nbufs++];
}

/* see util.h */
void
arena_reset(struct arena *a)
{
	struct arena_block	*k, *next;

	while (a->nbufs > 0)
		buf_free(&a->bufs[--a->nbufs]);
	for (k = a->head; k != NULL; k = next) {
		next = k->next;
		wipe(ARENA_DATA(k), k->used);
		k->used = 0;
		/* The first block, when of the usual size, is kept. */
		if (next == NULL && k->size == ARENA_BLOCK_BYTES)
			break;
		a->held -= ARENA_HDR + k->size;
		free(k);
	}
	a->head = k;
}

/* see util.h */
void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
	a->held = 0;
}
