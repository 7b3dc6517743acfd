/*
 * test_json.c - the strict JSON reader: RFC 8259 accept/reject table (each
 * accepted input also cut at every length and placed against a guard
 * page), limits at N and N+1, and the accessors.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "limits.h"
#include "unit.h"

#define NTOK	64

struct row {
	const char	*in;
	size_t		 len;
	int		 want;	/* token count if accepted, else JSON_E* */
};

/* sizeof, not strlen, so that rows may hold NUL bytes. */
#define R(s, w)	{ (s), sizeof(s) - 1, (w) }

static const struct row rows[] = {
	/* Scalars at the top level. */
	R("0", 1), R("-0", 1), R("1", 1), R("-1", 1), R("123", 1),
	R("1.5", 1), R("-1.5e10", 1), R("1e5", 1), R("1E5", 1),
	R("1e+5", 1), R("1e-5", 1), R("0.0", 1), R("0e0", 1),
	R("10.01", 1), R("-0.0e-0", 1), R("123456789012345678901234567890", 1),
	R("true", 1), R("false", 1), R("null", 1), R("\"\"", 1),
	R("\"abc\"", 1),
	/* Containers. */
	R("{}", 1), R("[]", 1), R("[1,2,3]", 4), R("{\"a\":1}", 3),
	R("[[],{}]", 3), R("[[[]]]", 3),
	R("{\"a\":{\"b\":[true,false,null]}}", 8),
	R("{\"a\":1,\"b\":2}", 5), R("{\"a\":1,\"A\":1}", 5),
	R("{\"a\":{\"a\":1}}", 5), R("[{\"a\":1},{\"a\":1}]", 7),
	R("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 7),
	R("{\"\":0}", 3), R("[\"a\",\"a\"]", 3),
	/* Whitespace: exactly space, tab, CR, LF, anywhere between tokens. */
	R(" \t\r\n[1] \t\r\n", 2), R("[ 1 , 2 ]", 3),
	R("{ \"a\" : 1 , \"b\" : [ ] }", 5), R("\n\"x\"\n", 1),
	/* Strings: escapes and UTF-8. */
	R("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 1), R("\"\\u0061\"", 1),
	R("\"\\u00e9\\u00E9\"", 1), R("\"\\u0000\"", 1), R("\"\\uFFFF\"", 1),
	R("\"\\ud83d\\ude00\"", 1), R("\"\\uDBFF\\uDFFF\"", 1),
	R("\"\xc3\xa9\"", 1), R("\"\xe2\x82\xac\"", 1),
	R("\"\xf0\x9f\x98\x80\"", 1), R("\"\xf4\x8f\xbf\xbf\"", 1),
	R("\"\xef\xbf\xbf\"", 1), R("\"\x7f\"", 1), R("\"/\"", 1),
	R("{\"\\u0061\":1,\"b\":2}", 5),

	/* Literals must be exact. */
	R("", JSON_ESYNTAX), R(" ", JSON_ESYNTAX), R("tru", JSON_ESYNTAX),
	R("truex", JSON_ESYNTAX), R("True", JSON_ESYNTAX),
	R("nul", JSON_ESYNTAX), R("nulll", JSON_ESYNTAX),
	R("fals", JSON_ESYNTAX), R("[tru]", JSON_ESYNTAX),
	R("[nulL]", JSON_ESYNTAX), R("undefined", JSON_ESYNTAX),
	/* Numbers. */
	R("01", JSON_ESYNTAX), R("-01", JSON_ESYNTAX), R("00", JSON_ESYNTAX),
	R("-", JSON_ESYNTAX), R("1.", JSON_ESYNTAX), R(".5", JSON_ESYNTAX),
	R("1e", JSON_ESYNTAX), R("1e+", JSON_ESYNTAX), R("1E-", JSON_ESYNTAX),
	R("+1", JSON_ESYNTAX), R("1.e5", JSON_ESYNTAX),
	R("0x10", JSON_ESYNTAX), R("1ee5", JSON_ESYNTAX),
	R("--1", JSON_ESYNTAX), R("-a", JSON_ESYNTAX), R("- 1", JSON_ESYNTAX),
	R("Infinity", JSON_ESYNTAX), R("NaN", JSON_ESYNTAX),
	R("1.5.", JSON_ESYNTAX), R("[01]", JSON_ESYNTAX),
	R("[1.]", JSON_ESYNTAX), R("[-]", JSON_ESYNTAX), R("1e5.0", JSON_ESYNTAX),
	R("[.5]", JSON_ESYNTAX),
	/* Exactly one top-level value. */
	R("{}{}", JSON_ESYNTAX), R("[] []", JSON_ESYNTAX),
	R("1 2", JSON_ESYNTAX), R("\"a\"\"b\"", JSON_ESYNTAX),
	R("[1]]", JSON_ESYNTAX), R("{}}", JSON_ESYNTAX),
	/* Commas, colons, brackets. */
	R("[1,]", JSON_ESYNTAX), R("{\"a\":1,}", JSON_ESYNTAX),
	R("[,1]", JSON_ESYNTAX), R("[,]", JSON_ESYNTAX),
	R("[1,,2]", JSON_ESYNTAX), R("[1 2]", JSON_ESYNTAX),
	R("{\"a\" 1}", JSON_ESYNTAX), R("{\"a\":}", JSON_ESYNTAX),
	R("{:1}", JSON_ESYNTAX), R("{a:1}", JSON_ESYNTAX),
	R("{\"a\":1 \"b\":2}", JSON_ESYNTAX), R("{\"a\",1}", JSON_ESYNTAX),
	R("[1:2]", JSON_ESYNTAX), R("{1:2}", JSON_ESYNTAX),
	R("[\"a\":1]", JSON_ESYNTAX), R("{\"a\":1:2}", JSON_ESYNTAX),
	R("{\"a\"}", JSON_ESYNTAX), R("{\"a\"::1}", JSON_ESYNTAX),
	R("{,}", JSON_ESYNTAX), R("{[]:1}", JSON_ESYNTAX),
	R("[", JSON_ESYNTAX), R("]", JSON_ESYNTAX), R("{", JSON_ESYNTAX),
	R("}", JSON_ESYNTAX), R("[}", JSON_ESYNTAX), R("{]", JSON_ESYNTAX),
	R("[1}", JSON_ESYNTAX), R("{\"a\":1]", JSON_ESYNTAX),
	R("[[]", JSON_ESYNTAX), R(":", JSON_ESYNTAX), R(",", JSON_ESYNTAX),
	/* Strings. */
	R("\"abc", JSON_ESYNTAX), R("\"", JSON_ESYNTAX),
	R("\"\t\"", JSON_ESYNTAX), R("\"a\nb\"", JSON_ESYNTAX),
	R("\"\x1f\"", JSON_ESYNTAX), R("\"a\0b\"", JSON_ESYNTAX),
	R("\"\\x\"", JSON_ESYNTAX), R("\"\\'\"", JSON_ESYNTAX),
	R("\"\\U0041\"", JSON_ESYNTAX), R("\"\\u12\"", JSON_ESYNTAX),
	R("\"\\u12g4\"", JSON_ESYNTAX), R("\"\\\"", JSON_ESYNTAX),
	R("\"\\", JSON_ESYNTAX), R("\"\\0\"", JSON_ESYNTAX),
	R("'a'", JSON_ESYNTAX), R("\"\\ud800\\u12\"", JSON_ESYNTAX),
	/* Other bytes that are not JSON. */
	R("[1]\0", JSON_ESYNTAX), R("\0", JSON_ESYNTAX),
	R("\f[1]", JSON_ESYNTAX), R("[1]\v", JSON_ESYNTAX),
	R("\xc2\xa0[1]", JSON_ESYNTAX), R("/* c */ 1", JSON_ESYNTAX),
	R("[1] // c", JSON_ESYNTAX), R("\xef\xbb\xbf[]", JSON_ESYNTAX),
	/* Surrogate escapes must pair, high then low. */
	R("\"\\ud800\"", JSON_EUTF8), R("\"\\udc00\"", JSON_EUTF8),
	R("\"\\udc00\\ud800\"", JSON_EUTF8), R("\"\\ud800\\u0041\"", JSON_EUTF8),
	R("\"\\ud800x\"", JSON_EUTF8), R("\"\\ud800\\ud800\"", JSON_EUTF8),
	R("\"\\ud800\\n\"", JSON_EUTF8), R("\"\\uDFFF\"", JSON_EUTF8),
	/* UTF-8: overlongs, surrogates, past U+10FFFF, stray and cut bytes. */
	R("\"\xc0\xaf\"", JSON_EUTF8), R("\"\xc1\xbf\"", JSON_EUTF8),
	R("\"\xe0\x80\xaf\"", JSON_EUTF8), R("\"\xe0\x9f\xbf\"", JSON_EUTF8),
	R("\"\xf0\x80\x80\xaf\"", JSON_EUTF8), R("\"\xf0\x8f\xbf\xbf\"", JSON_EUTF8),
	R("\"\xed\xa0\x80\"", JSON_EUTF8), R("\"\xed\xbf\xbf\"", JSON_EUTF8),
	R("\"\xf4\x90\x80\x80\"", JSON_EUTF8), R("\"\xf5\x80\x80\x80\"", JSON_EUTF8),
	R("\"\xff\"", JSON_EUTF8), R("\"\xfe\"", JSON_EUTF8),
	R("\"\x80\"", JSON_EUTF8), R("\"\xbf\"", JSON_EUTF8),
	R("\"\xc3\"", JSON_EUTF8), R("\"\xe2\x82\"", JSON_EUTF8),
	R("\"\xf0\x9f\x98\"", JSON_EUTF8), R("\"\xc3\x28\"", JSON_EUTF8),
	R("\"\xe2\x28\xa1\"", JSON_EUTF8), R("[1]\xff", JSON_EUTF8),
	R("\xc3", JSON_EUTF8), R("\"\xc3", JSON_EUTF8),
	/* Duplicate keys, compared after unescaping, per object. */
	R("{\"a\":1,\"a\":2}", JSON_EDUPKEY),
	R("{\"a\":1,\"\\u0061\":2}", JSON_EDUPKEY),
	R("{\"a\":1,\"b\":2,\"a\":3}", JSON_EDUPKEY),
	R("{\"x\":{\"b\":1,\"b\":1}}", JSON_EDUPKEY),
	R("{\"\":1,\"\":2}", JSON_EDUPKEY),
	R("{\"\\u00e9\":1,\"\xc3\xa9\":2}", JSON_EDUPKEY),
	R("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", JSON_EDUPKEY),
	R("{\"\\/\":1,\"/\":2}", JSON_EDUPKEY),
	R("[{\"a\":1,\"c\":[],\"a\":[]}]", JSON_EDUPKEY),
};

static char	*guard_page;	/* a readable page followed by an unreadable one */
static size_t	 page_size;

static void
guard_init(void)
{
	int	fd;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	if ((fd = open("/dev/zero", O_RDWR)) == -1)
		return;
	guard_page = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE, fd, 0);
	close(fd);
	if (guard_page == MAP_FAILED) {
		guard_page = NULL;
		return;
	}
	if (mprotect(guard_page + page_size, page_size, PROT_NONE) == -1)
		guard_page = NULL;
}

/*
 * Parses in[0..n) from a copy that ends exactly at an unreadable page,
 * and from a malloc of exactly n bytes (which ASan guards), and checks
 * that both give the same answer.
 */
static int
parse_guarded(const char *in, size_t n, struct json_tok *tok, size_t ntok)
{
	struct json	 j;
	char		*m, *g;
	int		 r, r2;

	if ((m = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(m, in, n);
	r = json_parse(&j, m, n, tok, ntok);
	free(m);
	if (guard_page != NULL && n <= page_size) {
		g = guard_page + page_size - n;
		memcpy(g, in, n);
		r2 = json_parse(&j, g, n, tok, ntok);
		CHECKF(r2 == r, in);
	}
	return r;
}

/* An accepted input whose prefixes may also be JSON: a number, or ws. */
static int
prefix_may_parse(const char *in, size_t n)
{
	size_t	i = 0;

	while (i < n && strchr(" \t\r\n", in[i]) != NULL)
		i++;
	if (i < n && (in[i] == '-' || (in[i] >= '0' && in[i] <= '9')))
		return 1;
	return n > 0 && strchr(" \t\r\n", in[n - 1]) != NULL;
}

static void
test_table(void)
{
	struct json_tok	 tok[NTOK];
	size_t		 i, k;
	int		 r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = parse_guarded(rows[i].in, rows[i].len, tok, NTOK);
		if (r != rows[i].want)
			fprintf(stderr, "row %zu: got %d want %d\n", i, r,
			    rows[i].want);
		CHECKF(r == rows[i].want, rows[i].in);
		if (rows[i].want < 0)
			continue;
		/* Every proper prefix is cut JSON, and is read in bounds. */
		for (k = 0; k < rows[i].len; k++) {
			r = parse_guarded(rows[i].in, k, tok, NTOK);
			if (!prefix_may_parse(rows[i].in, rows[i].len))
				CHECKF(r < 0, rows[i].in);
		}
	}
}

/* "[[[...]]]" d deep, or {"a":{"a":...1}} d deep. */
static char *
nest(int d, int obj)
{
	char	*s, *p;
	int	 k;

	if ((p = s = malloc((size_t)d * 6 + 2)) == NULL)
		abort();
	for (k = 0; k < d; k++) {
		if (obj) {
			memcpy(p, "{\"a\":", 5);
			p += 5;
		} else
			*p++ = '[';
	}
	if (obj)
		*p++ = '1';
	for (k = 0; k < d; k++)
		*p++ = obj ? '}' : ']';
	*p = '\0';
	return s;
}

static void
test_depth(void)
{
	static struct json_tok	 tok[4 * JSON_MAX_DEPTH];
	char			*s;

	s = nest(JSON_MAX_DEPTH, 0);
	CHECK(parse_guarded(s, strlen(s), tok, 4 * JSON_MAX_DEPTH) ==
	    JSON_MAX_DEPTH);
	free(s);
	s = nest(JSON_MAX_DEPTH + 1, 0);
	CHECK(parse_guarded(s, strlen(s), tok, 4 * JSON_MAX_DEPTH) ==
	    JSON_EDEPTH);
	free(s);
	s = nest(JSON_MAX_DEPTH, 1);
	CHECK(parse_guarded(s, strlen(s), tok, 4 * JSON_MAX_DEPTH) ==
	    2 * JSON_MAX_DEPTH + 1);
	free(s);
	s = nest(JSON_MAX_DEPTH + 1, 1);
	CHECK(parse_guarded(s, strlen(s), tok, 4 * JSON_MAX_DEPTH) ==
	    JSON_EDEPTH);
	free(s);
	/* Depth goes down again on close: two siblings each at the limit. */
	{
		char	*in, *half = nest(JSON_MAX_DEPTH - 1, 0);
		size_t	 h = strlen(half);

		if ((in = malloc(2 * h + 3)) == NULL)
			abort();
		in[0] = '[';
		memcpy(in + 1, half, h);
		in[h + 1] = ',';
		memcpy(in + h + 2, half, h);
		in[2 * h + 2] = ']';
		CHECK(parse_guarded(in, 2 * h + 3, tok, 4 * JSON_MAX_DEPTH) ==
		    2 * (JSON_MAX_DEPTH - 1) + 1);
		free(in);
		free(half);
	}
}

/* "[0,0,...]" with n - 1 zeros: n tokens. */
static char *
flat(size_t n, size_t *len)
{
	char	*s;
	size_t	 k;

	if ((s = malloc(2 * n + 2)) == NULL)
		abort();
	s[0] = '[';
	for (k = 1; k < n; k++) {
		s[2 * k - 1] = '0';
		s[2 * k] = ',';
	}
	*len = n > 1 ? 2 * n - 1 : 2;
	s[*len - 1] = ']';
	return s;
}

static void
test_tokens(void)
{
	struct json_tok	 small[8], *big;
	struct json	 j;
	char		*s;
	size_t		 len;

	s = flat(8, &len);
	CHECK(parse_guarded(s, len, small, 8) == 8);
	free(s);
	s = flat(9, &len);
	CHECK(parse_guarded(s, len, small, 8) == JSON_ETOKENS);
	free(s);
	CHECK(json_parse(&j, "1", 1, small, 0) == JSON_ETOKENS);
	CHECK(json_parse(&j, "{\"a\":1}", 7, small, 2) == JSON_ETOKENS);
	CHECK(json_parse(&j, "{\"a\":1}", 7, small, 3) == 3);

	/* JSON_MAX_TOKENS holds whatever the array size. */
	if ((big = malloc((JSON_MAX_TOKENS + 1) * sizeof(*big))) == NULL)
		abort();
	s = flat(JSON_MAX_TOKENS, &len);
	CHECK(json_parse(&j, s, len, big, JSON_MAX_TOKENS + 1) ==
	    JSON_MAX_TOKENS);
	CHECK(json_size(&j, 0) == JSON_MAX_TOKENS - 1);
	free(s);
	s = flat(JSON_MAX_TOKENS + 1, &len);
	CHECK(json_parse(&j, s, len, big, JSON_MAX_TOKENS + 1) ==
	    JSON_ETOKENS);
	free(s);
	free(big);
}

/* Many distinct keys: duplicate detection must stay fast and exact. */
static void
test_many_keys(void)
{
	struct json_tok	*tok;
	struct json	 j;
	char		*s, *p;
	int		 k, n = 20000;

	if ((tok = malloc((size_t)(2 * n + 3) * sizeof(*tok))) == NULL ||
	    (p = s = malloc((size_t)n * 16 + 8)) == NULL)
		abort();
	*p++ = '{';
	for (k = 0; k < n; k++)
		p += sprintf(p, "%s\"k%d\":%d", k ? "," : "", k, k);
	*p++ = '}';
	CHECK(json_parse(&j, s, (size_t)(p - s), tok, (size_t)(2 * n + 1)) ==
	    2 * n + 1);
	CHECK(json_size(&j, 0) == n);
	CHECK(json_find(&j, 0, "k19999") == 2 * n);
	/* The same with the last key repeating the first. */
	p[-1] = ',';
	p += sprintf(p, "\"k0\":0}");
	CHECK(json_parse(&j, s, (size_t)(p - s), tok, (size_t)(2 * n + 3)) ==
	    JSON_EDUPKEY);
	free(s);
	free(tok);
}

static const char doc[] =
    "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"tools/call\","
    "\"params\":{\"name\":\"s3_get\",\"arguments\":{\"\\u0062ucket\":\"b\","
    "\"n\":-12,\"f\":1.5,\"t\":true,\"z\":false,\"nul\":null,"
    "\"arr\":[1,[2,3],{\"x\":4},5],\"s\":\"\\ud83d\\ude00\\n\\u0000x\"}}}";

static void
test_access(void)
{
	struct json_tok	 tok[NTOK];
	struct json	 j;
	struct buf	 b;
	struct slice	 raw;
	int		 r, a, k, v, n;
	static const enum json_type arr_types[] = {
		JSON_NUMBER, JSON_ARRAY, JSON_OBJECT, JSON_NUMBER
	};
	static const char *const arg_keys[] = {
		"bucket", "n", "f", "t", "z", "nul", "arr", "s"
	};

	r = json_parse(&j, doc, sizeof(doc) - 1, tok, NTOK);
	CHECK(r > 0);
	if (r <= 0)
		return;
	CHECK(json_type(&j, 0) == JSON_OBJECT);
	CHECK(json_size(&j, 0) == 4);
	CHECK(json_type(&j, -1) == JSON_NONE);
	CHECK(json_type(&j, r) == JSON_NONE);
	CHECK(json_next(&j, 0) == JSON_ENOTFOUND);

	raw = json_raw(&j, json_find(&j, 0, "id"));
	CHECK(raw.n == 6 && memcmp(raw.p, "\"a\\\"b\"", 6) == 0);
	raw = json_raw(&j, 0);
	CHECK(raw.p == doc && raw.n == sizeof(doc) - 1);
	raw = json_raw(&j, -1);
	CHECK(raw.p == NULL && raw.n == 0);
	CHECK(json_streq(&j, json_find(&j, 0, "method"), "tools/call"));
	CHECK(!json_streq(&j, json_find(&j, 0, "method"), "tools/cal"));
	CHECK(!json_streq(&j, json_find(&j, 0, "method"), "tools/calls"));
	CHECK(!json_streq(&j, 0, ""));
	CHECK(json_find(&j, 0, "missing") == JSON_ENOTFOUND);
	CHECK(json_find(&j, json_find(&j, 0, "missing"), "x") ==
	    JSON_ENOTFOUND);
	CHECK(json_find(&j, json_find(&j, 0, "id"), "x") == JSON_ETYPE);
	CHECK(json_find(&j, r + 5, "x") == JSON_EINVAL);

	a = json_find(&j, json_find(&j, 0, "params"), "arguments");
	CHECK(json_type(&j, a) == JSON_OBJECT);
	CHECK(json_size(&j, a) == 8);
	/* "\u0062ucket" is found as "bucket". */
	CHECK(json_streq(&j, json_find(&j, a, "bucket"), "b"));
	CHECK(json_find(&j, a, "\\u0062ucket") == JSON_ENOTFOUND);
	for (n = 0, k = json_child(&j, a); k >= 0; k = json_next(&j, k), n++)
		CHECK(n < 8 && json_streq(&j, k, arg_keys[n]));
	CHECK(n == 8);
	CHECK(json_int64(&j, json_find(&j, a, "n"), &(int64_t){ 0 }) == 0);
	CHECK(json_int64(&j, json_find(&j, a, "f"), &(int64_t){ 0 }) ==
	    JSON_ERANGE);
	CHECK(json_int64(&j, json_find(&j, a, "t"), &(int64_t){ 0 }) ==
	    JSON_ETYPE);
	CHECK(json_bool(&j, json_find(&j, a, "t"), &v) == 0 && v == 1);
	CHECK(json_bool(&j, json_find(&j, a, "z"), &v) == 0 && v == 0);
	CHECK(json_bool(&j, json_find(&j, a, "nul"), &v) == JSON_ETYPE);
	CHECK(json_bool(&j, json_find(&j, a, "nope"), &v) == JSON_ENOTFOUND);
	CHECK(json_type(&j, json_find(&j, a, "nul")) == JSON_NULL);
	CHECK(json_type(&j, json_find(&j, a, "t")) == JSON_TRUE);
	CHECK(json_type(&j, json_find(&j, a, "z")) == JSON_FALSE);

	/* Siblings skip whole subtrees. */
	k = json_find(&j, a, "arr");
	CHECK(json_size(&j, k) == 4);
	for (n = 0, k = json_child(&j, k); k >= 0; k = json_next(&j, k), n++)
		CHECK(n < 4 && json_type(&j, k) == arr_types[n]);
	CHECK(n == 4);
	CHECK(json_child(&j, json_find(&j, a, "n")) == JSON_ETYPE);
	CHECK(json_parse(&j, "[{}]", 4, tok, NTOK) == 2);
	CHECK(json_child(&j, 1) == JSON_ENOTFOUND);
	CHECK(json_child(&j, 0) == 1);

	/* Decoding. */
	r = json_parse(&j, doc, sizeof(doc) - 1, tok, NTOK);
	a = json_find(&j, json_find(&j, 0, "params"), "arguments");
	buf_init(&b, 0);
	CHECK(json_decode(&j, json_find(&j, 0, "id"), &b) == 0);
	CHECK(b.n == 3 && memcmp(b.p, "a\"b", 3) == 0);
	buf_reset(&b);
	CHECK(json_decode(&j, json_find(&j, a, "s"), &b) == 0);
	CHECK(b.n == 7 && memcmp(b.p, "\xf0\x9f\x98\x80\n\0x", 7) == 0);
	/* A string with NUL never equals a C string. */
	CHECK(!json_streq(&j, json_find(&j, a, "s"), "\xf0\x9f\x98\x80\n"));
	CHECK(json_decode(&j, json_find(&j, a, "n"), &b) == JSON_ETYPE);
	buf_free(&b);
	buf_init(&b, 6);
	CHECK(json_decode(&j, json_find(&j, a, "s"), &b) == JSON_ELIMIT);
	buf_free(&b);
	buf_init(&b, 7);
	CHECK(json_decode(&j, json_find(&j, a, "s"), &b) == 0 && b.n == 7);
	buf_free(&b);

	CHECK(json_parse(NULL, "1", 1, tok, NTOK) == JSON_EINVAL);
	CHECK(json_parse(&j, NULL, 1, tok, NTOK) == JSON_EINVAL);
	CHECK(json_parse(&j, "1", 1, NULL, NTOK) == JSON_EINVAL);
	CHECK(strcmp(json_strerror(JSON_EDUPKEY),
	    "JSON object has a duplicate key") == 0);
}

struct irow {
	const char	*in;
	int		 want;
	int64_t		 v;
};

static const struct irow irows[] = {
	{ "0", 0, 0 }, { "-0", 0, 0 }, { "7", 0, 7 }, { "-7", 0, -7 },
	{ "1e2", 0, 100 }, { "1E+2", 0, 100 }, { "1.0", 0, 1 },
	{ "150e-1", 0, 15 }, { "100e-2", 0, 1 }, { "0.1e1", 0, 1 },
	{ "1.5", JSON_ERANGE, 0 }, { "15e-1", JSON_ERANGE, 0 },
	{ "0.5", JSON_ERANGE, 0 }, { "-0.5", JSON_ERANGE, 0 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "9223372036854775808", JSON_ERANGE, 0 },
	{ "-9223372036854775808", 0, INT64_MIN },
	{ "-9223372036854775809", JSON_ERANGE, 0 },
	{ "922337203685477580.7e1", 0, INT64_MAX },
	{ "0.9223372036854775807e19", 0, INT64_MAX },
	{ "1e18", 0, 1000000000000000000LL },
	{ "1e19", JSON_ERANGE, 0 }, { "-1e19", JSON_ERANGE, 0 },
	{ "99999999999999999999", JSON_ERANGE, 0 },
	{ "10000000000000000000000e-4", 0, 1000000000000000000LL },
	{ "0.00e999999999999999999", 0, 0 },
	{ "0e-99999999999999999999", 0, 0 },
	{ "1e-999999999999999999999", JSON_ERANGE, 0 },
	{ "1e999999999999999999999", JSON_ERANGE, 0 },
	{ "000", JSON_ESYNTAX, 0 },
	{ "12.34000e2", 0, 1234 }, { "12.34000e1", JSON_ERANGE, 0 },
	{ "true", JSON_ETYPE, 0 }, { "\"1\"", JSON_ETYPE, 0 },
	{ "null", JSON_ETYPE, 0 }, { "[1]", JSON_ETYPE, 0 },
};

static void
test_int64(void)
{
	struct json_tok	tok[4];
	struct json	j;
	int64_t		v;
	size_t		i;
	int		r;

	for (i = 0; i < sizeof(irows) / sizeof(irows[0]); i++) {
		v = 42;
		r = json_parse(&j, irows[i].in, strlen(irows[i].in), tok, 4);
		if (r > 0)
			r = json_int64(&j, 0, &v);
		CHECKF(r == irows[i].want, irows[i].in);
		if (irows[i].want == 0)
			CHECKF(v == irows[i].v, irows[i].in);
	}
}

/* json_number_valid and json_string_valid agree with json_parse. */
static void
test_scalars(void)
{
	static const struct {
		const char	*in;
		int		 number;
		int		 string;
	} t[] = {
		{ "0", 1, 0 }, { "-0", 1, 0 }, { "7", 1, 0 },
		{ "-1.5e+3", 1, 0 }, { "1E9", 1, 0 }, { "1e999", 1, 0 },
		{ "01", 0, 0 }, { "-", 0, 0 }, { "1.", 0, 0 }, { ".5", 0, 0 },
		{ "1e", 0, 0 }, { "+1", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 },
		{ "0x10", 0, 0 }, { "", 0, 0 }, { "null", 0, 0 },
		{ "\"\"", 0, 1 }, { "\"abc\"", 0, 1 },
		{ "\"a\\\"b\\n\\u00e9\"", 0, 1 },
		{ "\"\\ud83d\\ude00\"", 0, 1 }, { "\"\xc3\xa9\"", 0, 1 },
		{ "\"\\ud800\"", 0, 0 }, { "\"\\ude00\"", 0, 0 },
		{ "\"\\x\"", 0, 0 }, { "\"\\u12\"", 0, 0 },
		{ "\"a\tb\"", 0, 0 }, { "\"\xc3\"", 0, 0 },
		{ "\"\xed\xa0\x80\"", 0, 0 }, { "\"", 0, 0 },
		{ "\"a\"b\"", 0, 0 }, { "\"a\" ", 0, 0 }, { "\"\\\"", 0, 0 },
		{ "abc\"", 0, 0 },
	};
	struct json_tok	tok[4];
	struct json	j;
	size_t		i, n;
	int		whole;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].in);
		CHECKF(json_number_valid(t[i].in, n) == t[i].number, t[i].in);
		CHECKF(json_string_valid(t[i].in, n) == t[i].string, t[i].in);
		/* The same verdict as the reader, for what has no blanks. */
		whole = json_parse(&j, t[i].in, n, tok, 4) == 1 &&
		    (json_type(&j, 0) == JSON_NUMBER ||
		    json_type(&j, 0) == JSON_STRING) &&
		    t[i].in[0] != ' ' && t[i].in[n - 1] != ' ';
		CHECKF(whole == (t[i].number || t[i].string), t[i].in);
	}
	/* Not past n: a valid prefix of a longer text is judged alone. */
	CHECK(json_number_valid("12x", 2) && !json_number_valid("12x", 3));
	CHECK(json_string_valid("\"a\"b", 3));
}

int
main(void)
{
	guard_init();
	test_table();
	test_depth();
	test_tokens();
	test_many_keys();
	test_access();
	test_int64();
	test_scalars();
	return unit_done("test_json");
}
