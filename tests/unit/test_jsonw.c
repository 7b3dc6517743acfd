/*
 * test_jsonw.c - the JSON writer: string escaping, shape checks and
 * commas, the depth and buffer limits at N and N+1, the sticky error, and
 * that what it writes reads back with the strict reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "unit.h"

struct srow {
	const char	*in;
	size_t		 len;
	const char	*out;	/* NULL: JSONW_EUTF8 */
};

#define S(s, o)	{ (s), sizeof(s) - 1, (o) }

static const struct srow srows[] = {
	S("", "\"\""),
	S("abc", "\"abc\""),
	S("\"", "\"\\\"\""),
	S("\\", "\"\\\\\""),
	S("/", "\"/\""),
	S("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
	S("\0", "\"\\u0000\""),
	S("\x01", "\"\\u0001\""),
	S("\x1f", "\"\\u001f\""),
	S("\x0b", "\"\\u000b\""),
	S("a\0b", "\"a\\u0000b\""),
	S(" ", "\" \""),
	S("\x7f", "\"\x7f\""),
	S("\xc3\xa9", "\"\xc3\xa9\""),
	S("\xe2\x82\xac", "\"\xe2\x82\xac\""),
	S("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
	S("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),
	S("\xe2\x80\xa8", "\"\\u2028\""),
	S("\xe2\x80\xa9", "\"\\u2029\""),
	S("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "\"a\\u2028b\\u2029c\""),
	S("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\""),
	S("say \"hi\"\n\ttab\\", "\"say \\\"hi\\\"\\n\\ttab\\\\\""),
	S("\xff", NULL),
	S("\xfe", NULL),
	S("\x80", NULL),
	S("a\xc3", NULL),
	S("\xc0\xaf", NULL),
	S("\xe0\x80\xaf", NULL),
	S("\xed\xa0\x80", NULL),
	S("\xf4\x90\x80\x80", NULL),
	S("\xe2\x80", NULL),
	S("ok\xc3\x28", NULL),
};

/* Writes one string and reads it back. */
static void
test_strings(void)
{
	struct json_tok	 tok[2];
	struct jsonw	 w;
	struct json	 j;
	struct buf	 b, d;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(srows) / sizeof(srows[0]); i++) {
		buf_init(&b, 0);
		jsonw_init(&w, &b);
		r = jsonw_string(&w, srows[i].in, srows[i].len);
		if (srows[i].out == NULL) {
			CHECKF(r == JSONW_EUTF8, srows[i].in);
			CHECKF(b.n == 0, srows[i].in);
		} else {
			CHECKF(r == 0 && jsonw_finish(&w) == 0, srows[i].in);
			CHECKF(b.n == strlen(srows[i].out) &&
			    memcmp(b.p, srows[i].out, b.n) == 0, srows[i].in);
			CHECKF(json_parse(&j, b.p, b.n, tok, 2) == 1,
			    srows[i].in);
			buf_init(&d, 0);
			CHECKF(json_decode(&j, 0, &d) == 0 &&
			    d.n == srows[i].len &&
			    (d.n == 0 || memcmp(d.p, srows[i].in, d.n) == 0),
			    srows[i].in);
			buf_free(&d);
		}
		buf_free(&b);
	}
}

/* Every byte of the first 128 and a few characters round-trip. */
static void
test_all_ascii(void)
{
	struct json_tok	 tok[2];
	struct jsonw	 w;
	struct json	 j;
	struct buf	 b, d;
	char		 in[128];
	int		 k;

	for (k = 0; k < 128; k++)
		in[k] = (char)k;
	buf_init(&b, 0);
	buf_init(&d, 0);
	jsonw_init(&w, &b);
	CHECK(jsonw_string(&w, in, sizeof(in)) == 0);
	CHECK(json_parse(&j, b.p, b.n, tok, 2) == 1);
	CHECK(json_decode(&j, 0, &d) == 0 && d.n == sizeof(in) &&
	    memcmp(d.p, in, sizeof(in)) == 0);
	buf_free(&b);
	buf_free(&d);

	/* An empty string may come from an empty buf: (NULL, 0). */
	buf_init(&b, 0);
	jsonw_init(&w, &b);
	CHECK(jsonw_string(&w, NULL, 0) == 0 && b.n == 2 &&
	    memcmp(b.p, "\"\"", 2) == 0);
	buf_free(&b);
	buf_init(&b, 0);
	jsonw_init(&w, &b);
	CHECK(jsonw_string(&w, NULL, 1) == JSONW_EINVAL);
	buf_free(&b);
}

static const char nested[] =
    "{\"a\":1,\"b\":[1,-2,{},[],{\"c\":\"x\",\"d\":[true,false,null]}],"
    "\"e\":18446744073709551615,\"f\":-9223372036854775808,"
    "\"g\":9223372036854775807,\"h\":0,\"r\":{\"raw\":[1]},\"k\\n\":\"v\","
    "\"s\":\"ab\",\"n\":null,\"t\":true}";

/* Builds nested[]; returns the writer's final error. */
static int
write_nested(struct buf *b)
{
	struct jsonw	w;

	jsonw_init(&w, b);
	jsonw_begin_object(&w);
	jsonw_kint(&w, "a", 1);
	jsonw_key(&w, "b");
	jsonw_begin_array(&w);
	jsonw_int(&w, 1);
	jsonw_int(&w, -2);
	jsonw_begin_object(&w);
	jsonw_end_object(&w);
	jsonw_begin_array(&w);
	jsonw_end_array(&w);
	jsonw_begin_object(&w);
	jsonw_kstr(&w, "c", "x");
	jsonw_key(&w, "d");
	jsonw_begin_array(&w);
	jsonw_bool(&w, 1);
	jsonw_bool(&w, 0);
	jsonw_null(&w);
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_end_array(&w);
	jsonw_kuint(&w, "e", UINT64_MAX);
	jsonw_kint(&w, "f", INT64_MIN);
	jsonw_kint(&w, "g", INT64_MAX);
	jsonw_kuint(&w, "h", 0);
	jsonw_kraw(&w, "r", "{\"raw\":[1]}", 11);
	jsonw_keyn(&w, "k\n", 2);
	jsonw_str(&w, "v");
	jsonw_kstring(&w, "s", "abc", 2);
	jsonw_knull(&w, "n");
	jsonw_kbool(&w, "t", 42);
	jsonw_end_object(&w);
	return jsonw_finish(&w);
}

static void
test_nesting(void)
{
	struct json_tok	tok[64];
	struct json	j;
	struct buf	b;

	buf_init(&b, 0);
	CHECK(write_nested(&b) == 0);
	CHECK(b.n == sizeof(nested) - 1 && memcmp(b.p, nested, b.n) == 0);
	if (b.n != sizeof(nested) - 1 || memcmp(b.p, nested, b.n) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", b.p, nested);
	CHECK(json_parse(&j, b.p, b.n, tok, 64) > 0);
	buf_free(&b);
}

/* The output is N bytes: a limit of N holds it, N - 1 does not. */
static void
test_limit(void)
{
	struct jsonw	w;
	struct buf	b;
	size_t		n = sizeof(nested) - 1, pre = 6;

	buf_init(&b, n);
	CHECK(write_nested(&b) == 0 && b.n == n);
	buf_free(&b);

	buf_init(&b, n - 1);
	CHECK(write_nested(&b) == JSONW_ELIMIT);
	CHECK(b.n == 0);
	buf_free(&b);

	/* Output after existing bytes: those stay, the partial JSON goes. */
	buf_init(&b, pre + n - 1);
	CHECK(buf_add(&b, "prefix", pre) == 0);
	CHECK(write_nested(&b) == JSONW_ELIMIT);
	CHECK(b.n == pre && memcmp(b.p, "prefix", pre + 1) == 0);
	buf_free(&b);
	buf_init(&b, pre + n);
	CHECK(buf_add(&b, "prefix", pre) == 0);
	CHECK(write_nested(&b) == 0 && b.n == pre + n);
	buf_free(&b);

	/* The error sticks: later calls do nothing and report it. */
	buf_init(&b, 4);
	jsonw_init(&w, &b);
	CHECK(jsonw_begin_array(&w) == 0);
	CHECK(jsonw_int(&w, 12) == 0);
	CHECK(jsonw_int(&w, 3) == JSONW_ELIMIT);
	CHECK(b.n == 0);
	CHECK(jsonw_error(&w) == JSONW_ELIMIT);
	CHECK(jsonw_end_array(&w) == JSONW_ELIMIT);
	CHECK(jsonw_key(&w, "x") == JSONW_ELIMIT);
	CHECK(jsonw_str(&w, "\xff") == JSONW_ELIMIT);
	CHECK(jsonw_finish(&w) == JSONW_ELIMIT);
	CHECK(b.n == 0);
	buf_free(&b);
}

static void
test_depth(void)
{
	struct jsonw	w;
	struct buf	b;
	int		k, r = 0;

	buf_init(&b, 0);
	jsonw_init(&w, &b);
	for (k = 0; k < JSONW_MAX_DEPTH; k++)
		r |= jsonw_begin_array(&w);
	CHECK(r == 0);
	for (k = 0; k < JSONW_MAX_DEPTH; k++)
		r |= jsonw_end_array(&w);
	CHECK(r == 0 && jsonw_finish(&w) == 0);
	CHECK(b.n == 2 * JSONW_MAX_DEPTH);
	buf_reset(&b);
	jsonw_init(&w, &b);
	for (k = 0; k < JSONW_MAX_DEPTH; k++) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "a");
	}
	CHECK(jsonw_error(&w) == 0);
	CHECK(jsonw_begin_array(&w) == JSONW_EDEPTH);
	CHECK(b.n == 0);
	buf_free(&b);
}

/* A misuse of the writer, and whether it must fail. */
struct mrow {
	const char	*name;
	int		 (*run)(struct jsonw *);
};

static int
m_value_without_key(struct jsonw *w)
{
	jsonw_begin_object(w);
	return jsonw_int(w, 1);
}

static int
m_key_in_array(struct jsonw *w)
{
	jsonw_begin_array(w);
	return jsonw_key(w, "a");
}

static int
m_key_at_top(struct jsonw *w)
{
	return jsonw_key(w, "a");
}

static int
m_two_keys(struct jsonw *w)
{
	jsonw_begin_object(w);
	jsonw_key(w, "a");
	return jsonw_key(w, "b");
}

static int
m_end_after_key(struct jsonw *w)
{
	jsonw_begin_object(w);
	jsonw_key(w, "a");
	return jsonw_end_object(w);
}

static int
m_mismatched_end(struct jsonw *w)
{
	jsonw_begin_object(w);
	return jsonw_end_array(w);
}

static int
m_end_at_top(struct jsonw *w)
{
	return jsonw_end_object(w);
}

static int
m_second_value(struct jsonw *w)
{
	jsonw_int(w, 1);
	return jsonw_int(w, 2);
}

static int
m_unfinished(struct jsonw *w)
{
	jsonw_begin_array(w);
	return jsonw_finish(w);
}

static int
m_empty(struct jsonw *w)
{
	return jsonw_finish(w);
}

static int
m_bad_key(struct jsonw *w)
{
	jsonw_begin_object(w);
	return jsonw_keyn(w, "\xc3", 1) == JSONW_EUTF8 ? JSONW_ESTATE : 0;
}

static int
m_empty_raw(struct jsonw *w)
{
	return jsonw_raw(w, "", 0) == JSONW_EINVAL ? JSONW_ESTATE : 0;
}

static const struct mrow mrows[] = {
	{ "value without key", m_value_without_key },
	{ "key in array", m_key_in_array },
	{ "key at top", m_key_at_top },
	{ "two keys", m_two_keys },
	{ "end after key", m_end_after_key },
	{ "mismatched end", m_mismatched_end },
	{ "end at top", m_end_at_top },
	{ "second value", m_second_value },
	{ "unfinished", m_unfinished },
	{ "empty", m_empty },
	{ "bad key", m_bad_key },
	{ "empty raw", m_empty_raw },
};

static void
test_misuse(void)
{
	struct jsonw	w;
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
		buf_init(&b, 0);
		jsonw_init(&w, &b);
		CHECKF(mrows[i].run(&w) == JSONW_ESTATE, mrows[i].name);
		/* A misuse before completion leaves no partial JSON. */
		if (jsonw_error(&w) != 0)
			CHECKF(b.n == 0, mrows[i].name);
		buf_free(&b);
	}
	CHECK(strcmp(jsonw_strerror(JSONW_ELIMIT),
	    "JSON output too large for its buffer") == 0);
}

/* A string in parts equals the string at once; misuse fails. */
static void
test_parts(void)
{
	struct jsonw	w;
	struct buf	b;
	static const char want[] = "[\"a\\n\xc3\xa9\\u2028\",1]";

	buf_init(&b, 0);
	jsonw_init(&w, &b);
	jsonw_begin_array(&w);
	CHECK(jsonw_string_begin(&w) == 0);
	CHECK(jsonw_string_part(&w, "a\n", 2) == 0);
	CHECK(jsonw_string_part(&w, NULL, 0) == 0);
	CHECK(jsonw_string_part(&w, "\xc3\xa9", 2) == 0);
	CHECK(jsonw_string_part(&w, "\xe2\x80\xa8", 3) == 0);
	CHECK(jsonw_string_end(&w) == 0);
	jsonw_int(&w, 1);
	jsonw_end_array(&w);
	CHECK(jsonw_finish(&w) == 0);
	CHECK(b.n == sizeof(want) - 1 && memcmp(b.p, want, b.n) == 0);

	/* A character cut between parts is invalid UTF-8. */
	buf_reset(&b);
	jsonw_init(&w, &b);
	jsonw_string_begin(&w);
	CHECK(jsonw_string_part(&w, "\xc3", 1) == JSONW_EUTF8);
	CHECK(b.n == 0);

	/* Nothing but parts inside a string; no parts outside one. */
	buf_reset(&b);
	jsonw_init(&w, &b);
	jsonw_begin_object(&w);
	jsonw_key(&w, "k");
	jsonw_string_begin(&w);
	CHECK(jsonw_key(&w, "x") == JSONW_ESTATE);
	buf_reset(&b);
	jsonw_init(&w, &b);
	jsonw_begin_array(&w);
	jsonw_string_begin(&w);
	CHECK(jsonw_end_array(&w) == JSONW_ESTATE);
	buf_reset(&b);
	jsonw_init(&w, &b);
	CHECK(jsonw_string_part(&w, "a", 1) == JSONW_ESTATE);
	buf_reset(&b);
	jsonw_init(&w, &b);
	CHECK(jsonw_string_end(&w) == JSONW_ESTATE);

	/*
	 * After a hand-off the cut goes back to the rebase point (here 0),
	 * not to where jsonw_init() found the buffer (2), which would leave
	 * part of the string looking like earlier output.
	 */
	buf_free(&b);
	buf_init(&b, 8);
	CHECK(buf_add(&b, "xy", 2) == 0);
	jsonw_init(&w, &b);
	jsonw_string_begin(&w);
	jsonw_string_part(&w, "abc", 3);
	buf_reset(&b);
	jsonw_rebase(&w);
	CHECK(jsonw_string_part(&w, "defg", 4) == 0 && b.n == 4);
	CHECK(jsonw_string_part(&w, "hijkl", 5) == JSONW_ELIMIT);
	CHECK(b.n == 0);
	buf_free(&b);

	/* Drained without a rebase: an error never moves n forward. */
	buf_init(&b, 4);
	CHECK(buf_add(&b, "xy", 2) == 0);
	jsonw_init(&w, &b);
	jsonw_string_begin(&w);
	buf_reset(&b);
	CHECK(jsonw_string_part(&w, "12345", 5) == JSONW_ELIMIT);
	CHECK(b.n == 0);
	buf_free(&b);
}

/*
 * Every kind of byte the writer treats specially, at every offset of a
 * 40-byte string, so that the eight-at-a-time scan meets it in every lane
 * and across word edges; each result must read back to the same bytes.
 */
static void
test_special_lanes(void)
{
	static const char *const specials[] = {
		"\"", "\\", "\n", "\x01", "\x1f", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x82\xac", "\xc3\xa9", "\x7f", " ", "~",
	};
	struct json_tok tok[4];
	struct json j;
	struct buf out, back;
	struct jsonw w;
	char in[64];
	size_t k, pos, sl, n;
	int ok;

	for (k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
		sl = strlen(specials[k]);
		for (pos = 0; pos + sl <= 40; pos++) {
			memset(in, 'a', 40);
			memcpy(in + pos, specials[k], sl);
			n = 40;
			buf_init(&out, 0);
			buf_init(&back, 0);
			jsonw_init(&w, &out);
			ok = jsonw_string(&w, in, n) == 0 &&
			    json_parse(&j, out.p, out.n, tok, 4) == 1 &&
			    json_decode(&j, 0, &back) == 0 && back.n == n &&
			    memcmp(back.p, in, n) == 0;
			CHECKF(ok, specials[k]);
			/* Escapes are the writer's only changes. */
			if (specials[k][0] == 'a' || specials[k][0] == '~')
				CHECKF(out.n == n + 2, specials[k]);
			buf_free(&out);
			buf_free(&back);
		}
	}
}

/* Escaped size as jsonw writes it, quotes not counted. */
static size_t
written_size(const char *s, size_t n)
{
	struct buf b;
	struct jsonw w;
	size_t r;

	buf_init(&b, 0);
	jsonw_init(&w, &b);
	jsonw_string_begin(&w);
	jsonw_string_part_utf8(&w, s, n);
	jsonw_string_end(&w);
	r = jsonw_error(&w) == 0 ? b.n - 2 : SIZE_MAX;
	buf_free(&b);
	return r;
}

/*
 * jsonw_escaped_fit: the size it gives is what jsonw writes, and at every
 * room from 0 to the whole the prefix fits at N and the next character
 * would not (N+1), never cut inside a character.
 */
static void
test_escaped_fit(void)
{
	static const char mix[] = "a\"\\\b\f\n\r\t\x01\x1f\x7f \xc3\xa9"
	    "\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xe2\x80\xa9z\x00";
	char big[3000];
	size_t i, r, n, used, total, cut, next, nextused;

	for (i = 0; i < sizeof(srows) / sizeof(srows[0]); i++) {
		if (srows[i].out == NULL)
			continue;
		jsonw_escaped_fit(srows[i].in, srows[i].len, SIZE_MAX, &used);
		CHECKF(used == strlen(srows[i].out) - 2, srows[i].out);
	}
	n = sizeof(mix) - 1;
	CHECK(jsonw_escaped_fit(mix, n, SIZE_MAX, &total) == n);
	CHECK(total == written_size(mix, n));
	for (r = 0; r <= total + 1; r++) {
		cut = jsonw_escaped_fit(mix, n, r, &used);
		CHECK(used <= r && used == written_size(mix, cut));
		CHECK(cut == n || ((unsigned char)mix[cut] & 0xc0) != 0x80);
		if (cut < n) {
			/* One more character would pass the room. */
			next = cut + 1;
			while (next < n && ((unsigned char)mix[next] & 0xc0) == 0x80)
				next++;
			nextused = written_size(mix, next);
			CHECK(nextused > r);
		}
	}
	/*
	 * Long runs of plain bytes (counted eight at a time) with multi-byte
	 * characters inside them and escapes between: the same invariants at
	 * every room, so that a cut inside a character is moved back.
	 */
	for (n = 0; n + 26 < sizeof(big); n += 25)
		memcpy(big + n, "abcd\xc3\xa9" "fgh\xf0\x9f\x98\x80" "ijklmnop\"\xd0\x96"
		    "q", 25);
	big[n] = '\0';
	total = written_size(big, n);
	CHECK(jsonw_escaped_fit(big, n, SIZE_MAX, &used) == n && used == total);
	for (r = 0; r <= total + 1; r++) {
		cut = jsonw_escaped_fit(big, n, r, &used);
		CHECKF(used <= r && used == written_size(big, cut), "runs");
		CHECKF(cut == n || ((unsigned char)big[cut] & 0xc0) != 0x80, "runs");
		if (cut < n) {
			next = cut + 1;
			while (next < n && ((unsigned char)big[next] & 0xc0) == 0x80)
				next++;
			CHECKF(written_size(big, next) > r, "runs");
		}
	}
	/* The worst case: every byte a control character, 6 bytes each. */
	memset(big, 1, sizeof(big));
	CHECK(jsonw_escaped_fit(big, sizeof(big), SIZE_MAX, &used) ==
	    sizeof(big) && used == 6 * sizeof(big));
	CHECK(jsonw_escaped_fit(big, sizeof(big), 6 * 100, &used) == 100 &&
	    used == 600);
	CHECK(jsonw_escaped_fit(big, sizeof(big), 6 * 100 + 5, &used) == 100);
	CHECK(jsonw_escaped_fit(big, sizeof(big), 6 * 101, &used) == 101);
}

/* The reference of jsonw_text_scan: the longest prefix utf8_valid takes. */
static size_t
scan_model(const char *s, size_t n, size_t *escaped)
{
	size_t k = n;

	while (k > 0 && (!utf8_valid(s, k) || memchr(s, '\0', k) != NULL))
		k--;
	*escaped = written_size(s, k);
	return k;
}

/*
 * jsonw_text_scan against utf8_valid, memchr and what jsonw writes: every
 * string of up to three bytes from a set of telling ones, then random
 * strings of such bytes and characters, scanned whole and in two parts
 * cut on a character (the sizes add up).
 */
static void
test_text_scan(void)
{
	static const unsigned char bytes[] = {
		0x00, 0x01, 0x09, 0x0a, 0x1f, 0x20, '"', '\\', 'a', 0x7f,
		0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xa8, 0xa9, 0xbf, 0xc0, 0xc1,
		0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
	};
	static const char *const pieces[] = {
		"a", "abcdefgh", "\"", "\\", "\n", "\x01", "\xc3\xa9",
		"\xe2\x82\xac", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xf0\x9f\x98\x80",
		"\xed\x9f\xbf", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf", "0123456789",
		"\b", "\t", "\f", "\r", "\x07", "\x0b", "\x0e", "\x1f", "\x7f",
		"\xe2\x80\x94", "\xe2\x82\xa8", "\xc3\xa9", "\xe3\x83\x86",
	};
	const size_t nb = sizeof(bytes), np = sizeof(pieces) / sizeof(pieces[0]);
	char s[256];
	size_t i, j, k, n, got, want, e, we, e2, cut;
	uint64_t seed = 12345;
	int t;

	for (i = 0; i < nb * nb * nb + nb * nb + nb + 1; i++) {
		n = i == 0 ? 0 : i <= nb ? 1 : i <= nb + nb * nb ? 2 : 3;
		k = i - (n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 1 + nb :
		    1 + nb + nb * nb);
		for (j = 0; j < n; j++, k /= nb)
			s[j] = (char)bytes[k % nb];
		e = 0;
		got = jsonw_text_scan(s, n, &e);
		want = scan_model(s, n, &we);
		CHECK(got == want && e == we);
	}
	for (t = 0; t < 40000; t++) {
		n = 0;
		for (;;) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			k = (size_t)((seed >> 33) % (np + (t % 7 == 0 ? 3 : 0)));
			if (k >= np) {
				j = (size_t)((seed >> 45) % nb);
				if (n + 1 > sizeof(s))
					break;
				s[n++] = (char)bytes[j];
			} else {
				j = strlen(pieces[k]);
				if (n + j > sizeof(s))
					break;
				memcpy(s + n, pieces[k], j);
				n += j;
			}
			if ((seed >> 20) % 23 == 0)
				break;
		}
		e = 0;
		got = jsonw_text_scan(s, n, &e);
		want = scan_model(s, n, &we);
		CHECKF(got == want && e == we, "random");
		/* In two parts: the first ends on a character of the prefix. */
		cut = got == 0 ? 0 : utf8_boundary(s,
		    (size_t)((seed >> 13) % (got + 1)));
		e2 = 0;
		k = jsonw_text_scan(s, cut, &e2);
		CHECKF(k == cut, "first part");
		k += jsonw_text_scan(s + cut, n - cut, &e2);
		CHECKF(k == got && e2 == e, "parts");
	}
}

int
main(void)
{
	test_escaped_fit();
	test_text_scan();
	test_strings();
	test_all_ascii();
	test_nesting();
	test_limit();
	test_depth();
	test_misuse();
	test_parts();
	test_special_lanes();
	return unit_done("test_jsonw");
}
