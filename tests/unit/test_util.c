/*
 * test_util.c - buffers, slices, base64, hex, UTF-8, time, parse_u64,
 * sizes, unset settings, bounded file reads, arenas.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

static void
test_buf(void)
{
	struct buf	 b;
	char		 big[100];
	size_t		 i, cap;

	memset(big, 'x', sizeof(big));

	/* A limit of N takes N bytes and refuses the N+1st. */
	buf_init(&b, 100);
	CHECK(b.p == NULL && b.n == 0 && b.cap == 0);
	CHECK(buf_add(&b, big, 100) == 0);
	CHECK(b.n == 100 && b.p[100] == '\0' && b.cap <= 101);
	CHECK(buf_addc(&b, 'y') == UTIL_ELIMIT);
	CHECK(buf_add(&b, big, 1) == UTIL_ELIMIT);
	CHECK(buf_reserve(&b, 1) == UTIL_ELIMIT);
	CHECK(buf_reserve(&b, SIZE_MAX) == UTIL_ELIMIT);
	CHECK(b.n == 100 && b.p[99] == 'x' && b.p[100] == '\0');
	CHECK(buf_add(&b, NULL, 0) == 0);
	buf_free(&b);
	CHECK(b.p == NULL && b.n == 0 && b.cap == 0);

	/* The limit counts content, added in any pieces. */
	buf_init(&b, 100);
	for (i = 0; i < 99; i++)
		CHECK(buf_addc(&b, (char)('a' + i % 26)) == 0);
	CHECK(buf_adds(&b, "zz") == UTIL_ELIMIT);
	CHECK(buf_adds(&b, "z") == 0);
	CHECK(b.n == 100 && b.p[0] == 'a' && b.p[25] == 'z' &&
	    b.p[99] == 'z' && b.p[100] == '\0');
	CHECK(buf_addf(&b, "%d", 1) == UTIL_ELIMIT);
	CHECK(buf_add_u64(&b, 0) == UTIL_ELIMIT);
	buf_free(&b);

	buf_init(&b, 10);
	CHECK(buf_addf(&b, "%s-%d", "abcd", 12345) == 0);
	CHECK(strcmp(b.p, "abcd-12345") == 0);
	buf_reset(&b);
	CHECK(buf_addf(&b, "%s-%d", "abcd", 123456) == UTIL_ELIMIT);
	CHECK(b.n == 0 && b.p[0] == '\0');
	buf_free(&b);

	/* No limit: growth keeps the content and the terminator. */
	buf_init(&b, 0);
	CHECK(buf_add(&b, NULL, 0) == 0);
	CHECK(b.p != NULL && b.p[0] == '\0');
	for (i = 0; i < 100000; i++)
		if (buf_add_u64(&b, i % 10) != 0)
			break;
	CHECK(i == 100000 && b.n == 100000);
	CHECK(b.p[0] == '0' && b.p[12345] == '5' && b.p[99999] == '9' &&
	    b.p[100000] == '\0');
	cap = b.cap;
	buf_reset(&b);
	CHECK(b.n == 0 && b.cap == cap && b.p[0] == '\0');
	CHECK(buf_add_u64(&b, 0) == 0 && strcmp(b.p, "0") == 0);
	CHECK(buf_add_u64(&b, UINT64_MAX) == 0);
	CHECK(strcmp(b.p, "018446744073709551615") == 0);
	buf_free(&b);
}

static void
test_slice(void)
{
	struct slice	 s;

	s = slice_cstr("Hello");
	CHECK(s.n == 5 && slice_eq(s, "Hello"));
	CHECK(!slice_eq(s, "hello") && slice_ieq(s, "hELLO"));
	CHECK(!slice_eq(s, "Hell") && !slice_ieq(s, "Hello!"));
	s = slice_cstr(NULL);
	CHECK(s.n == 0 && slice_eq(s, "") && slice_ieq(s, ""));
	s = slice_trim(slice_cstr(" \t a b \t "));
	CHECK(slice_eq(s, "a b"));
	s = slice_trim(slice_cstr(" \t "));
	CHECK(s.n == 0);
	s = SLICE_LIT("x\0y");
	CHECK(s.n == 3 && !slice_eq(s, "x"));
}

static void
test_base64(void)
{
	/* RFC 4648, section 10. */
	static const struct {
		const char	*raw, *enc;
	} vec[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg", "Z", "Zg===", "====", "Z===", "Zh==", "Zm9=",
		"Zg==Zg==", "Zm=v", "Zm9v\n", " Zm9v", "Zm9v ", "Zm-v", "Zm_v",
		"Zm9v=", "Zm\0v"
	};
	unsigned char	 raw[256];
	struct buf	 b, d;
	size_t		 i, n;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		buf_init(&b, 0);
		CHECKF(base64_encode(&b, vec[i].raw, strlen(vec[i].raw)) == 0,
		    vec[i].enc);
		CHECKF(strcmp(b.p, vec[i].enc) == 0, vec[i].enc);
		CHECKF(base64_encoded_len(strlen(vec[i].raw)) ==
		    strlen(vec[i].enc), vec[i].enc);
		buf_reset(&b);
		CHECKF(base64_decode(&b, vec[i].enc, strlen(vec[i].enc)) == 0,
		    vec[i].enc);
		CHECKF(strcmp(b.p, vec[i].raw) == 0, vec[i].enc);
		buf_free(&b);
	}
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(255 - i);
	/* Every length up to 256, so every byte meets every position. */
	for (n = 0; n <= sizeof(raw); n++) {
		buf_init(&b, 0);
		buf_init(&d, 0);
		CHECK(base64_encode(&b, raw, n) == 0);
		CHECK(b.n == base64_encoded_len(n));
		CHECK(base64_decode(&d, b.p, b.n) == 0);
		CHECK(d.n == n && memcmp(d.p, raw, n) == 0);
		buf_free(&b);
		buf_free(&d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 0);
		CHECK(buf_adds(&b, "kept") == 0);
		/* "Zm\0v" is four bytes with a NUL inside. */
		n = strcmp(bad[i], "Zm") == 0 ? 4 : strlen(bad[i]);
		CHECKF(base64_decode(&b, bad[i], n) == UTIL_EINVAL, bad[i]);
		CHECKF(b.n == 4 && strcmp(b.p, "kept") == 0, bad[i]);
		buf_free(&b);
	}
	/* Decoding at a buffer limit of N and N+1. */
	buf_init(&b, 5);
	CHECK(base64_decode(&b, "Zm9vYmE=", 8) == 0);
	buf_free(&b);
	buf_init(&b, 5);
	CHECK(base64_decode(&b, "Zm9vYmFy", 8) == UTIL_ELIMIT);
	buf_free(&b);
	CHECK(base64_encoded_len(SIZE_MAX) == SIZE_MAX);
}

static void
test_hex(void)
{
	char	 out[11];

	hex_encode(out, "\x00\x01\xab\xcd\xff", 5);
	CHECK(strcmp(out, "0001abcdff") == 0);
	hex_encode(out, "", 0);
	CHECK(out[0] == '\0');
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		int		 valid;
	} vec[] = {
		{ "", 1 },
		{ "plain ascii", 1 },
		{ "\x7f", 1 },
		{ "\xc2\x80", 1 },			/* U+0080 */
		{ "\xc3\xbc", 1 },			/* u umlaut */
		{ "\xdf\xbf", 1 },			/* U+07FF */
		{ "\xe0\xa0\x80", 1 },			/* U+0800 */
		{ "\xe6\x97\xa5\xe6\x9c\xac", 1 },	/* Japan */
		{ "\xed\x9f\xbf", 1 },			/* U+D7FF */
		{ "\xee\x80\x80", 1 },			/* U+E000 */
		{ "\xef\xbf\xbf", 1 },			/* U+FFFF */
		{ "\xf0\x90\x80\x80", 1 },		/* U+10000 */
		{ "\xf0\x9f\x98\x80", 1 },		/* emoji */
		{ "\xf4\x8f\xbf\xbf", 1 },		/* U+10FFFF */
		{ "\x80", 0 },				/* lone continuation */
		{ "\xbf", 0 },
		{ "\xc0\x80", 0 },			/* overlong NUL */
		{ "\xc1\xbf", 0 },			/* overlong */
		{ "\xe0\x80\x80", 0 },			/* overlong */
		{ "\xe0\x9f\xbf", 0 },			/* overlong U+07FF */
		{ "\xf0\x80\x80\x80", 0 },		/* overlong */
		{ "\xf0\x8f\xbf\xbf", 0 },		/* overlong U+FFFF */
		{ "\xed\xa0\x80", 0 },			/* U+D800 */
		{ "\xed\xbf\xbf", 0 },			/* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 0 },	/* surrogate pair */
		{ "\xf4\x90\x80\x80", 0 },		/* U+110000 */
		{ "\xf5\x80\x80\x80", 0 },
		{ "\xf8\x88\x80\x80\x80", 0 },		/* 5 bytes */
		{ "\xfe", 0 },
		{ "\xff", 0 },
		{ "\xc3", 0 },				/* truncated */
		{ "\xe6\x97", 0 },
		{ "\xf0\x9f\x98", 0 },
		{ "a\xc3", 0 },
		{ "\xc3\x41", 0 },			/* bad continuation */
		{ "\xe6\x41\xa5", 0 },
		{ "\xe6\x97\x41", 0 },
		{ "\xf0\x9f\x41\x80", 0 },
		{ "\xf0\x9f\x98\x41", 0 },
		{ "\xc3\xbc\xbc", 0 },			/* extra continuation */
	};
	/* a, u umlaut, Japan's first kanji, emoji, b. */
	static const char	 s[] =
	    "a\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80" "b";
	static const size_t	 starts[] = { 0, 1, 3, 6, 10, 11 };
	size_t			 k, i, want;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		CHECKF(utf8_valid(vec[i].s, strlen(vec[i].s)) == vec[i].valid,
		    vec[i].s);
	CHECK(utf8_valid("a\0b", 3) == 1);

	/* Every split point: the largest character start at or before it. */
	for (k = 0; k <= sizeof(s) - 1; k++) {
		want = 0;
		for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
			if (starts[i] <= k)
				want = starts[i];
		if (k == sizeof(s) - 1)
			want = k;
		CHECK(utf8_boundary(s, k) == want);
		CHECK(utf8_valid(s, utf8_boundary(s, k)));
	}
	/* Garbage must not send it out of bounds. */
	CHECK(utf8_boundary("\x80\x80\x80\x80", 4) == 4);
	CHECK(utf8_boundary("\x80\x80", 2) == 2);
	CHECK(utf8_boundary("", 0) == 0);
	CHECK(utf8_boundary("\xff\x80", 2) == 2);
}

static void
test_time(void)
{
	static const struct {
		time_t		 t;
		const char	*iso, *amz;
	} vec[] = {
		{ 0, "1970-01-01T00:00:00Z", "19700101T000000Z" },
		{ -1, "1969-12-31T23:59:59Z", "19691231T235959Z" },
		{ 951782400, "2000-02-29T00:00:00Z", "20000229T000000Z" },
		{ 1369353600, "2013-05-24T00:00:00Z", "20130524T000000Z" },
		{ 1704164645, "2024-01-02T03:04:05Z", "20240102T030405Z" },
		{ 1709164800, "2024-02-29T00:00:00Z", "20240229T000000Z" },
		{ 4107542399, "2100-02-28T23:59:59Z", "21000228T235959Z" },
		{ 4107542400, "2100-03-01T00:00:00Z", "21000301T000000Z" },
		{ 253402300799, "9999-12-31T23:59:59Z", "99991231T235959Z" },
		{ -62167219200, "0000-01-01T00:00:00Z", "00000101T000000Z" },
	};
	static const struct {
		const char	*s;
		time_t		 t;
	} parse[] = {
		{ "2024-01-02T03:04:05Z", 1704164645 },
		{ "2024-01-02T03:04:05.000Z", 1704164645 },
		{ "2024-01-02T03:04:05.999999Z", 1704164645 },
		{ "2024-01-02T03:04:05.5Z", 1704164645 },
		{ "Tue, 02 Jan 2024 03:04:05 GMT", 1704164645 },
		{ "Thu, 29 Feb 2024 00:00:00 GMT", 1709164800 },
		{ "Fri, 24 May 2013 00:00:00 GMT", 1369353600 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
	};
	static const char *const bad[] = {
		"", "2024", "2024-01-02T03:04:05", "2024-01-02T03:04:05z",
		"2024-01-02 03:04:05Z", "2024-01-02T03:04:05.Z",
		"2024-01-02T03:04:05.12aZ", "2024-01-02T03:04:05+00:00",
		"2024-13-02T03:04:05Z", "2024-00-02T03:04:05Z",
		"2024-01-32T03:04:05Z", "2024-01-00T03:04:05Z",
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2024-01-02T24:00:00Z", "2024-01-02T03:60:05Z",
		"2024-01-02T03:04:60Z", "2024-1-02T03:04:05Z",
		"-024-01-02T03:04:05Z", " 2024-01-02T03:04:05Z",
		"Tue, 02 Jan 2024 03:04:05 UTC", "Tue, 2 Jan 2024 03:04:05 GMT",
		"Tue 02 Jan 2024 03:04:05 GMT", "Xyz, 02 Jan 2024 03:04:05 GMT",
		"Tue, 02 Foo 2024 03:04:05 GMT",
		"Tue, 02 jan 2024 03:04:05 GMT",
		"Tue, 30 Feb 2024 03:04:05 GMT",
		"Tue, 02 Jan 2024 03:04:05 GMT ",
		"Tuesday, 02-Jan-24 03:04:05 GMT",
	};
	char		 iso[21], amz[17], day[9], ref[21];
	struct tm	 tm;
	time_t		 t, got;
	int64_t		 a, b;
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		time_iso8601(iso, vec[i].t);
		time_amz(amz, vec[i].t);
		time_amzdate(day, vec[i].t);
		CHECKF(strcmp(iso, vec[i].iso) == 0, vec[i].iso);
		CHECKF(strcmp(amz, vec[i].amz) == 0, vec[i].iso);
		CHECKF(strncmp(day, vec[i].amz, 8) == 0 && day[8] == '\0',
		    vec[i].iso);
		CHECKF(time_parse(iso, 20, &got) == 0 && got == vec[i].t,
		    vec[i].iso);
	}
	/* Outside four-digit years the output is clamped, never longer. */
	time_iso8601(iso, (time_t)253402300800LL);
	CHECK(strcmp(iso, "9999-12-31T23:59:59Z") == 0);
	time_amz(amz, (time_t)-62167219201LL);
	CHECK(strcmp(amz, "00000101T000000Z") == 0);

	for (i = 0; i < sizeof(parse) / sizeof(parse[0]); i++)
		CHECKF(time_parse(parse[i].s, strlen(parse[i].s), &got) == 0 &&
		    got == parse[i].t, parse[i].s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = 12345;
		CHECKF(time_parse(bad[i], strlen(bad[i]), &got) == -1 &&
		    got == 12345, bad[i]);
	}
	/* Against the C library's own calendar, every ~3 days to 2200. */
	ok = 1;
	for (t = -2000000000; t < 7258118400; t += 259201) {
		time_iso8601(iso, t);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(ref, sizeof(ref), "%Y-%m-%dT%H:%M:%SZ", &tm) !=
		    20 ||
		    strcmp(iso, ref) != 0 || time_parse(iso, 20, &got) != 0 ||
		    got != t) {
			ok = 0;
			break;
		}
	}
	CHECK(ok);

	a = time_now_ms();
	b = time_now_ms();
	CHECK(a >= 0 && b >= a);
}

static void
test_misc(void)
{
	static const struct {
		const char	*s;
		int		 rc;
		uint64_t	 v;
	} vec[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "007", 0, 7 },
		{ "1234567890", 0, 1234567890 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", UTIL_EINVAL, 0 },
		{ "18446744073709551620", UTIL_EINVAL, 0 },
		{ "99999999999999999999", UTIL_EINVAL, 0 },
		{ "184467440737095516150", UTIL_EINVAL, 0 },
		{ "", UTIL_EINVAL, 0 },
		{ "-1", UTIL_EINVAL, 0 },
		{ "+1", UTIL_EINVAL, 0 },
		{ " 1", UTIL_EINVAL, 0 },
		{ "1 ", UTIL_EINVAL, 0 },
		{ "0x10", UTIL_EINVAL, 0 },
		{ "1e3", UTIL_EINVAL, 0 },
	};
	unsigned char	 secret[32];
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		v = 42;
		CHECKF(parse_u64(vec[i].s, strlen(vec[i].s), &v) == vec[i].rc,
		    vec[i].s);
		CHECKF(v == (vec[i].rc == 0 ? vec[i].v : 42), vec[i].s);
	}
	/* The length bounds the parse, not a NUL. */
	CHECK(parse_u64("123abc", 3, &v) == 0 && v == 123);

	CHECK(ct_equal("abcd", "abcd", 4) == 1);
	CHECK(ct_equal("abcd", "abce", 4) == 0);
	CHECK(ct_equal("xbcd", "abcd", 4) == 0);
	CHECK(ct_equal("a", "b", 0) == 1);

	memset(secret, 0xa5, sizeof(secret));
	wipe(secret, sizeof(secret));
	for (i = 0; i < sizeof(secret); i++)
		if (secret[i] != 0)
			break;
	CHECK(i == sizeof(secret));
	wipe(NULL, 0);
}

/*
 * In-place decoding: the same bytes as base64_decode for every length and
 * with white space anywhere (squeezed out where it lies), and the same
 * refusals.
 */
static void
test_base64_inplace(void)
{
	static const struct { const char *in; const char *out; size_t n; } rows[] = {
		{ "", "", 0 },
		{ "Zm9v", "foo", 3 },
		{ "Zm9vYg==", "foob", 4 },
		{ "Zm9vYmE=", "fooba", 5 },
		{ " Zm9v\nYmFy\r\n", "foobar", 6 },
		{ "\tZ m 9 v Y g = =\v\f", "foob", 4 },
		{ "\n\n", "", 0 },
	};
	static const char *const bad[] = { "Zm9", "Zm9v=", "Zm9v Y", "Zm=v",
	    "Zm9vYm==", "Zg=A", "Zm9v*A==", "====", "Zh==" };
	char p[64], raw[300];
	struct buf b, e;
	size_t i, n, got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(p, sizeof(p), "%s", rows[i].in);
		CHECKF(base64_decode_inplace(p, strlen(p), &got) == 0 &&
		    got == rows[i].n && memcmp(p, rows[i].out, got) == 0,
		    rows[i].in);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "%s", bad[i]);
		CHECKF(base64_decode_inplace(p, strlen(p), &got) == UTIL_EINVAL,
		    bad[i]);
	}
	for (n = 0; n < sizeof(raw); n++)
		raw[n] = (char)(n * 37 + 11);
	for (n = 0; n <= sizeof(raw); n++) {
		buf_init(&b, 0);
		buf_init(&e, 0);
		CHECK(base64_encode(&e, raw, n) == 0);
		CHECK(base64_decode(&b, e.p, e.n) == 0 && b.n == n);
		CHECK(base64_decode_inplace(e.p, e.n, &got) == 0 && got == n &&
		    memcmp(e.p, raw, n) == 0 && memcmp(b.p, raw, n) == 0);
		buf_free(&b);
		buf_free(&e);
	}
}

static void
test_sizes(void)
{
	static const struct {
		const char	*in;
		int		 ok;
		uint64_t	 want;
	} t[] = {
		{ "0", 1, 0 }, { "1000", 1, 1000 }, { "10MB", 1, 10485760 },
		{ "10mb", 1, 10485760 }, { "64KiB", 1, 65536 },
		{ "1K", 1, 1024 }, { "2G", 1, 2147483648ull },
		{ "1TB", 1, 1099511627776ull }, { "5B", 1, 5 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "18446744073709551616", 0, 0 },
		{ "16777216TB", 0, 0 }, { "16777215TB", 1, 16777215ull << 40 },
		{ "", 0, 0 }, { "MB", 0, 0 }, { "1.5G", 0, 0 },
		{ "10 MB", 0, 0 }, { "-1", 0, 0 }, { "1PB", 0, 0 },
		{ "1MBB", 0, 0 }, { "banana", 0, 0 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		CHECKF((util_parse_size(t[i].in, &v) == 0) == t[i].ok,
		    t[i].in);
		if (t[i].ok)
			CHECKF(v == t[i].want, t[i].in);
	}
}

static void
test_unset(void)
{
	static const struct {
		const char	*in;
		int		 unset;
	} t[] = {
		{ "", 1 }, { "${user_config.region}", 1 }, { "${}", 1 },
		{ "${x", 0 }, { "${", 0 }, { "$x}", 0 }, { "x${y}", 0 },
		{ " ${y}", 0 }, { "us-east-1", 0 }, { "$", 0 }, { "}", 0 },
	};
	size_t i;

	CHECK(util_unset(NULL) == 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECKF(util_unset(t[i].in) == t[i].unset, t[i].in);
}

/* Writes n bytes of c to a new file named from tmpl; 0 or -1. */
static int
make_file(char *tmpl, int c, size_t n, mode_t mode)
{
	char	 b[256];
	size_t	 k;
	int	 fd, ok = 1;

	if ((fd = mkstemp(tmpl)) < 0)
		return -1;
	memset(b, c, sizeof(b));
	for (; n > 0; n -= k) {
		k = n < sizeof(b) ? n : sizeof(b);
		ok &= write(fd, b, k) == (ssize_t)k;
	}
	ok &= fchmod(fd, mode) == 0;
	close(fd);
	return ok ? 0 : -1;
}

static void
test_read_file(void)
{
	char		 f[] = "/tmp/test_util_file.XXXXXX";
	char		 e[] = "/tmp/test_util_empty.XXXXXX";
	char		 d[] = "/tmp/test_util_dir.XXXXXX";
	char		 l[64], fifo[64];
	struct buf	 b;
	struct stat	 st;

	CHECK(make_file(f, 'a', 100, 0600) == 0);
	CHECK(make_file(e, 'a', 0, 0600) == 0);
	CHECK(mkdtemp(d) != NULL);
	snprintf(l, sizeof(l), "%s/link", d);
	snprintf(fifo, sizeof(fifo), "%s/fifo", d);
	CHECK(symlink(f, l) == 0);
	CHECK(mkfifo(fifo, 0600) == 0);

	/* The cap: exactly at it, one past it. */
	CHECK(util_read_file(f, 100, 0, &b, &st) == 0);
	CHECK(b.n == 100 && b.p[0] == 'a' && b.p[100] == '\0');
	CHECK(S_ISREG(st.st_mode) && st.st_size == 100);
	buf_free(&b);
	CHECK(util_read_file(f, 99, 0, &b, NULL) == UTIL_ELIMIT);
	CHECK(b.p == NULL && b.n == 0);
	CHECK(util_read_file(f, 0, 0, &b, NULL) == 0 && b.n == 100);
	buf_free(&b);
	/* An empty file is an empty string, never NULL. */
	CHECK(util_read_file(e, 10, 0, &b, NULL) == 0);
	CHECK(b.n == 0 && b.p != NULL && b.p[0] == '\0');
	buf_free(&b);
	/* Absent, under a file, a directory. */
	CHECK(util_read_file("/nonexistent/x", 10, 0, &b, NULL) ==
	    UTIL_ENOENT);
	snprintf(l, sizeof(l), "%s/x", f);
	CHECK(util_read_file(l, 10, 0, &b, NULL) == UTIL_ENOENT);
	snprintf(l, sizeof(l), "%s/link", d);
	CHECK(util_read_file(d, 10, 0, &b, NULL) == UTIL_EFTYPE);
	CHECK(util_read_file(d, 10, UTIL_FILE_REGULAR, &b, NULL) ==
	    UTIL_EFTYPE);
	/* A FIFO only with UTIL_FILE_REGULAR, which never waits for it. */
	CHECK(util_read_file(fifo, 10, UTIL_FILE_REGULAR, &b, NULL) ==
	    UTIL_EFTYPE);
	/* A link is followed unless UTIL_FILE_NOFOLLOW. */
	CHECK(util_read_file(l, 100, 0, &b, NULL) == 0 && b.n == 100);
	buf_free(&b);
	CHECK(util_read_file(l, 100, UTIL_FILE_NOFOLLOW, &b, NULL) ==
	    UTIL_EOPEN && errno == ELOOP);
	/* Unreadable: errno says why (root reads anything). */
	CHECK(chmod(f, 0) == 0);
	if (geteuid() != 0)
		CHECK(util_read_file(f, 100, 0, &b, NULL) == UTIL_EOPEN &&
		    errno == EACCES);
	unlink(fifo);
	unlink(l);
	rmdir(d);
	unlink(e);
	unlink(f);
}

/* Arenas: alignment, growth past a block, the limit, wiping and reuse. */
static void
test_arena(void)
{
	struct arena	 a;
	struct buf	*b[ARENA_BUFS + 1];
	char		*p, *q, *first;
	size_t		 i, n, again;
	int		 ok;

	arena_init(&a, 1024 * 1024);
	/* Odd sizes: every pointer still aligned for any object. */
	for (i = 1, ok = 1; i < 200; i++) {
		p = arena_alloc(&a, i);
		ok &= p != NULL && (uintptr_t)p % sizeof(long double) == 0 &&
		    (uintptr_t)p % sizeof(void *) == 0;
		if (p != NULL) {
			ok &= p[0] == 0 && p[i - 1] == 0;	/* zeroed */
			memset(p, 'x', i);
		}
	}
	CHECK(ok);
	/* Past a block, and one larger than a block. */
	CHECK(a.held > ARENA_BLOCK_BYTES);
	p = arena_alloc(&a, 3 * ARENA_BLOCK_BYTES);
	CHECK(p != NULL && p[3 * ARENA_BLOCK_BYTES - 1] == 0);
	CHECK(arena_alloc(&a, 0) != NULL);
	arena_free(&a);
	CHECK(a.head == NULL && a.held == 0);

	/* Copies and formats. */
	arena_init(&a, 64 * 1024);
	p = arena_strndup(&a, "bucket/key", 6);
	q = arena_printf(&a, "%s-%d", "abc", 42);
	CHECK(p != NULL && strcmp(p, "bucket") == 0);
	CHECK(q != NULL && strcmp(q, "abc-42") == 0);
	CHECK(arena_strndup(&a, "", 0) != NULL);
	CHECK(arena_strndup(&a, "x", SIZE_MAX) == NULL);

	/* The limit: 1 KiB pieces until it refuses, and never past it. */
	arena_reset(&a);
	for (n = 0; arena_alloc(&a, 1024) != NULL; n++)
		;
	CHECK(n > 32 && n <= 64 && a.held <= a.limit);
	CHECK(arena_alloc(&a, 64 * 1024) == NULL);
	CHECK(arena_alloc(&a, 64 * 1024 + 1) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(arena_printf(&a, "%*s", 70000, "") == NULL);
	/* Reset: the first block is kept, wiped, and handed out again. */
	arena_reset(&a);
	CHECK(a.held > 0 && a.held < 2 * ARENA_BLOCK_BYTES);
	first = arena_alloc(&a, 100);
	memset(first, 's', 100);
	arena_reset(&a);
	for (i = 0, ok = 1; i < 100; i++)
		ok &= first[i] == 0;
	CHECK(ok);
	CHECK(arena_alloc(&a, 100) == first);
	arena_reset(&a);
	for (again = 0; arena_alloc(&a, 1024) != NULL; again++)
		;
	CHECK(again == n);

	/* Bufs: ARENA_BUFS at once, each freed by the reset. */
	arena_reset(&a);
	for (i = 0; i < ARENA_BUFS + 1; i++)
		b[i] = arena_buf(&a, 10);
	CHECK(b[0] != NULL && b[ARENA_BUFS - 1] != NULL && b[ARENA_BUFS] == NULL);
	CHECK(buf_adds(b[0], "0123456789") == 0 && buf_addc(b[0], 'x') ==
	    UTIL_ELIMIT);
	CHECK(buf_adds(b[1], "secret") == 0);
	arena_reset(&a);
	CHECK(a.nbufs == 0 && arena_buf(&a, 0) != NULL);
	arena_free(&a);

	/* A limit too small for one block. */
	arena_init(&a, 100);
	CHECK(arena_alloc(&a, 1) == NULL && a.held == 0);
	arena_free(&a);
}

int
main(void)
{
	test_buf();
	test_slice();
	test_base64();
	test_base64_inplace();
	test_hex();
	test_utf8();
	test_time();
	test_misc();
	test_sizes();
	test_unset();
	test_read_file();
	test_arena();
	return unit_done("test_util");
}
