/*
 * test_url.c - percent-encoding of awkward S3 keys, strict decoding and
 * the canonical query order.  Expected encodings are what Python's
 * urllib.parse.quote(key, safe='/~') gives, which botocore uses for keys.
 */
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "unit.h"
#include "url.h"
#include "util.h"

static void
test_encode(void)
{
	static const struct {
		const char	*raw;
		const char	*path;	/* url_encode_path */
		const char	*full;	/* url_encode */
	} vec[] = {
		{ "", "", "" },
		{ "plain.txt", "plain.txt", "plain.txt" },
		{ "my file.txt", "my%20file.txt", "my%20file.txt" },
		{ "a+b", "a%2Bb", "a%2Bb" },
		{ "100%", "100%25", "100%25" },
		{ "what?", "what%3F", "what%3F" },
		{ "tag#1", "tag%231", "tag%231" },
		{ "\xc3\xbc", "%C3%BC", "%C3%BC" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", "%E6%97%A5%E6%9C%AC",
		    "%E6%97%A5%E6%9C%AC" },
		{ "dir//file", "dir//file", "dir%2F%2Ffile" },
		{ "/lead", "/lead", "%2Flead" },
		{ "~user", "~user", "~user" },
		{ "*star", "%2Astar", "%2Astar" },
		{ "!'()", "%21%27%28%29", "%21%27%28%29" },
		{ "trailing ", "trailing%20", "trailing%20" },
		{ "a=b&c;d,e:f@g$h", "a%3Db%26c%3Bd%2Ce%3Af%40g%24h",
		    "a%3Db%26c%3Bd%2Ce%3Af%40g%24h" },
		{ "[x]{y}|\\^`\"<>", "%5Bx%5D%7By%7D%7C%5C%5E%60%22%3C%3E",
		    "%5Bx%5D%7By%7D%7C%5C%5E%60%22%3C%3E" },
		{ "-._~AZaz09", "-._~AZaz09", "-._~AZaz09" },
		{ "\t\r\n\x7f\xff", "%09%0D%0A%7F%FF", "%09%0D%0A%7F%FF" },
	};
	struct buf	 b;
	size_t		 i;
	char		 want[4];

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		buf_init(&b, 0);
		CHECKF(url_encode_path(&b, vec[i].raw, strlen(vec[i].raw)) == 0,
		    vec[i].path);
		CHECKF(b.p != NULL && strcmp(b.p, vec[i].path) == 0,
		    vec[i].path);
		buf_reset(&b);
		CHECKF(url_encode(&b, vec[i].raw, strlen(vec[i].raw)) == 0,
		    vec[i].full);
		CHECKF(strcmp(b.p, vec[i].full) == 0, vec[i].full);
		buf_free(&b);
	}
	/* Every byte alone, NUL included. */
	for (i = 0; i < 256; i++) {
		char	 c = (char)i;

		if (url_unreserved((int)i))
			snprintf(want, sizeof(want), "%c", (int)i);
		else
			snprintf(want, sizeof(want), "%%%02X", (unsigned)i);
		buf_init(&b, 0);
		CHECK(url_encode(&b, &c, 1) == 0 && strcmp(b.p, want) == 0);
		buf_reset(&b);
		CHECK(url_encode_path(&b, &c, 1) == 0);
		CHECK(strcmp(b.p, i == '/' ? "/" : want) == 0);
		buf_free(&b);
		CHECK(url_unreserved((int)i) == ((i >= 'A' && i <= 'Z') ||
		    (i >= 'a' && i <= 'z') || (i >= '0' && i <= '9') ||
		    i == '-' || i == '.' || i == '_' || i == '~'));
	}
}

/*
 * A key of S3_MAX_KEY_BYTES, with spaces, slashes and three-byte
 * characters ("ab /日" repeated), encoded in full; and the output buf's
 * limit at N and N+1.
 */
static void
test_long_key(void)
{
	static const char	 unit_raw[] = "ab /\xe6\x97\xa5";	/* 7 */
	static const char	 unit_enc[] = "ab%20/%E6%97%A5";	/* 15 */
	char			 key[S3_MAX_KEY_BYTES];
	struct buf		 want, b;
	size_t			 i, n;

	buf_init(&want, 0);
	for (i = 0; i + 7 <= sizeof(key); i += 7) {
		memcpy(key + i, unit_raw, 7);
		CHECK(buf_adds(&want, unit_enc) == 0);
	}
	/* 1,024 = 146 * 7 + 2: end on "ab". */
	memcpy(key + i, "ab", sizeof(key) - i);
	CHECK(sizeof(key) - i == 2);
	CHECK(buf_adds(&want, "ab") == 0);
	n = want.n;
	CHECK(n == 146 * 15 + 2);

	buf_init(&b, n);
	CHECK(url_encode_path(&b, key, sizeof(key)) == 0);
	CHECK(b.n == n && memcmp(b.p, want.p, n) == 0 && b.p[n] == '\0');
	buf_free(&b);
	buf_init(&b, n - 1);
	CHECK(buf_adds(&b, "") == 0);
	CHECK(url_encode_path(&b, key, sizeof(key)) == URL_ELIMIT);
	CHECK(b.n == 0 && b.p[0] == '\0');
	buf_free(&b);
	buf_free(&want);
}

static void
test_decode(void)
{
	static const struct {
		const char	*enc;
		int		 flags;
		const char	*raw;	/* NULL: rejected */
	} vec[] = {
		{ "", 0, "" },
		{ "plain", 0, "plain" },
		{ "my%20file", 0, "my file" },
		{ "%2f%2F", 0, "//" },
		{ "%C3%bc", 0, "\xc3\xbc" },
		{ "a+b", 0, "a+b" },
		{ "a+b", URL_DECODE_PLUS, "a b" },
		{ "a%2Bb", URL_DECODE_PLUS, "a+b" },
		{ "100%25", 0, "100%" },
		{ "%", 0, NULL },
		{ "a%", 0, NULL },
		{ "%2", 0, NULL },
		{ "a%2", 0, NULL },
		{ "%G0", 0, NULL },
		{ "%0G", 0, NULL },
		{ "%%20", 0, NULL },
		{ "% 20", 0, NULL },
		{ "ok%2Gbad", 0, NULL },
	};
	unsigned char	 all[256];
	struct buf	 b, d;
	size_t		 i;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		buf_init(&b, 0);
		CHECK(buf_adds(&b, "=") == 0);
		if (vec[i].raw != NULL) {
			CHECKF(url_decode(&b, vec[i].enc, strlen(vec[i].enc),
			    vec[i].flags) == 0, vec[i].enc);
			CHECKF(strcmp(b.p + 1, vec[i].raw) == 0, vec[i].enc);
		} else {
			CHECKF(url_decode(&b, vec[i].enc, strlen(vec[i].enc),
			    vec[i].flags) == URL_EINVAL, vec[i].enc);
			CHECKF(b.n == 1 && strcmp(b.p, "=") == 0, vec[i].enc);
		}
		buf_free(&b);
	}
	/* Round trip of every byte value, NUL included. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	buf_init(&b, 0);
	buf_init(&d, 0);
	CHECK(url_encode(&b, (const char *)all, sizeof(all)) == 0);
	CHECK(url_decode(&d, b.p, b.n, 0) == 0);
	CHECK(d.n == sizeof(all) && memcmp(d.p, all, sizeof(all)) == 0);
	buf_reset(&d);
	CHECK(url_decode(&d, b.p, b.n, URL_DECODE_PLUS) == 0);
	CHECK(d.n == sizeof(all) && memcmp(d.p, all, sizeof(all)) == 0);
	buf_free(&b);
	buf_free(&d);
	/* Decoded length at a limit of N and N+1. */
	buf_init(&b, 3);
	CHECK(url_decode(&b, "%41%42%43", 9, 0) == 0);
	CHECK(strcmp(b.p, "ABC") == 0);
	CHECK(url_decode(&b, "%44", 3, 0) == URL_ELIMIT && b.n == 3);
	buf_free(&b);
}

static void
test_query(void)
{
	static const struct {
		const char	*label;
		const char	*pairs[8][2];
		size_t		 n;
		const char	*want;
	} vec[] = {
		{ "empty", { { NULL, NULL } }, 0, "" },
		{ "empty value", { { "uploads", "" } }, 1, "uploads=" },
		{ "listing", {
			{ "list-type", "2" },
			{ "prefix", "photos/2024 \xc3\xa4/" },
			{ "delimiter", "/" },
			{ "continuation-token", "1ueGcx/XYE+wm3=" },
			{ "start-after", "photos/a+b c" },
			{ "max-keys", "1000" },
		    }, 6,
		    "continuation-token=1ueGcx%2FXYE%2Bwm3%3D&delimiter=%2F&"
		    "list-type=2&max-keys=1000&"
		    "prefix=photos%2F2024%20%C3%A4%2F&"
		    "start-after=photos%2Fa%2Bb%20c" },
		/* Upper case sorts first, a name before its extensions. */
		{ "case and prefix", {
			{ "ab", "1" }, { "a-b", "2" }, { "a", "3" },
			{ "B", "4" }, { "a b", "5" },
		    }, 5, "B=4&a=3&a%20b=5&a-b=2&ab=1" },
		/*
		 * The order is of the encoded bytes: "%5B" < "Z" although
		 * '[' > 'Z', and "%80" < "~" although 0x80 > '~'.
		 */
		{ "encoded order", {
			{ "Z", "" }, { "[", "" }, { "x~", "" }, { "x\x80", "" },
		    }, 4, "%5B=&Z=&x%80=&x~=" },
		{ "same name by value", {
			{ "k", "b" }, { "k", "~" }, { "k", "a b" }, { "k", "" },
			{ "k", "\xff" },
		    }, 5, "k=&k=%FF&k=a%20b&k=b&k=~" },
		{ "awkward values", {
			{ "response-content-disposition",
			    "attachment; filename=\"a b.txt\"" },
			{ "versionId", "3/L4kq+rmS=" },
		    }, 2,
		    "response-content-disposition=attachment%3B%20filename%3D"
		    "%22a%20b.txt%22&versionId=3%2FL4kq%2BrmS%3D" },
	};
	struct url_param	 p[8];
	struct buf		 b;
	size_t			 i, j, k;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		/* Reversed input, so sorting has work to do. */
		for (k = 0; k < vec[i].n; k++) {
			j = vec[i].n - 1 - k;
			p[j].name = slice_cstr(vec[i].pairs[k][0]);
			p[j].value = slice_cstr(vec[i].pairs[k][1]);
		}
		buf_init(&b, 0);
		CHECKF(url_query(&b, p, vec[i].n) == 0, vec[i].label);
		CHECKF(b.p != NULL && strcmp(b.p, vec[i].want) == 0,
		    vec[i].label);
		buf_free(&b);
	}
	/* An empty name is refused, and the buf left alone. */
	p[0].name = SLICE_LIT("a");
	p[0].value = SLICE_LIT("1");
	p[1].name = SLICE_LIT("");
	p[1].value = SLICE_LIT("2");
	buf_init(&b, 0);
	CHECK(url_query(&b, p, 2) == URL_EINVAL && b.n == 0);
	buf_free(&b);

	/* At the limit N and N+1, and appended after earlier content. */
	p[0].name = SLICE_LIT("a b");
	p[0].value = SLICE_LIT("c");
	p[1].name = SLICE_LIT("d");
	p[1].value = SLICE_LIT("");
	buf_init(&b, 14);
	CHECK(buf_adds(&b, "?") == 0);
	CHECK(url_query(&b, p, 2) == 0 && strcmp(b.p, "?a%20b=c&d=") == 0);
	buf_free(&b);
	buf_init(&b, 11);
	CHECK(buf_adds(&b, "?") == 0);
	CHECK(url_query(&b, p, 2) == 0 && b.n == 11);
	buf_free(&b);
	buf_init(&b, 10);
	CHECK(buf_adds(&b, "?") == 0);
	CHECK(url_query(&b, p, 2) == URL_ELIMIT);
	CHECK(b.n == 1 && strcmp(b.p, "?") == 0);
	buf_free(&b);
}

int
main(void)
{
	test_encode();
	test_long_key();
	test_decode();
	test_query();
	return unit_done("test_url");
}
