/*
 * fuzz_json.c - fuzz target for the strict JSON reader and the writer.
 *
 * Any input: the reader must not crash or read out of bounds.  An input it
 * accepts is written back with jsonw (strings decoded and re-escaped,
 * numbers copied as written) and must read again to the same structure:
 * same token types and sizes, same decoded strings, same number text.
 *
 * With JSON_VERDICT set in the environment, each input's verdict is also
 * printed, one line per input in the order run: "ok N" (N tokens) or
 * "err E" (a JSON_E* code).  tests/integration/test_json_diff.py reads it
 * to set the reader against Python's json module.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "limits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_tok	tok1[JSON_MAX_TOKENS], tok2[JSON_MAX_TOKENS];

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

static void
write_scalar(const struct json *j, int t, struct jsonw *w, struct buf *tmp)
{
	struct slice	raw;
	size_t		off, len;

	switch (json_type(j, t)) {
	case JSON_STRING:
		buf_reset(tmp);
		ASSERT(json_decode(j, t, tmp) == 0);
		if (tmp->n < 8) {
			jsonw_string(w, tmp->p, tmp->n);
			break;
		}
		/* Longer strings go in parts, as large bodies do. */
		jsonw_string_begin(w);
		for (off = 0; off < tmp->n; off += len) {
			len = tmp->n - off < 7 ? tmp->n - off : 7;
			if (off + len < tmp->n)
				len = utf8_boundary(tmp->p + off, len);
			if (len == 0)
				len = tmp->n - off < 4 ? tmp->n - off : 4;
			jsonw_string_part(w, tmp->p + off, len);
		}
		jsonw_string_end(w);
		break;
	default:
		raw = json_raw(j, t);
		jsonw_raw(w, raw.p, raw.n);
		break;
	}
}

static void
write_key(const struct json *j, int k, struct jsonw *w, struct buf *tmp)
{
	buf_reset(tmp);
	ASSERT(json_decode(j, k, tmp) == 0);
	jsonw_keyn(w, tmp->p, tmp->n);
}

/* Writes the document back, walking it with an explicit stack. */
static void
rewrite(const struct json *j, struct jsonw *w, struct buf *tmp)
{
	int	cont[JSON_MAX_DEPTH], cur[JSON_MAX_DEPTH];
	int	d = 0, t = 0, c, n;

	for (;;) {
		switch (json_type(j, t)) {
		case JSON_OBJECT:
		case JSON_ARRAY:
			if (json_type(j, t) == JSON_OBJECT)
				jsonw_begin_object(w);
			else
				jsonw_begin_array(w);
			if ((c = json_child(j, t)) >= 0) {
				ASSERT(d < JSON_MAX_DEPTH);
				cont[d] = t;
				cur[d++] = c;
				if (json_type(j, t) == JSON_OBJECT) {
					write_key(j, c, w, tmp);
					c++;
				}
				t = c;
				continue;
			}
			if (json_type(j, t) == JSON_OBJECT)
				jsonw_end_object(w);
			else
				jsonw_end_array(w);
			break;
		default:
			write_scalar(j, t, w, tmp);
			break;
		}
		/* t is done: move to the next sibling, closing finished levels. */
		for (;;) {
			if (d == 0)
				return;
			if ((n = json_next(j, cur[d - 1])) >= 0) {
				cur[d - 1] = n;
				if (json_type(j, cont[d - 1]) == JSON_OBJECT) {
					write_key(j, n, w, tmp);
					n++;
				}
				t = n;
				break;
			}
			if (json_type(j, cont[--d]) == JSON_OBJECT)
				jsonw_end_object(w);
			else
				jsonw_end_array(w);
		}
	}
}

/* Exercises the accessors on every token of an accepted document. */
static void
probe(const struct json *j, int n, struct buf *tmp)
{
	int64_t	v;
	int	t, k, b;

	for (t = 0; t < n; t++) {
		switch (json_type(j, t)) {
		case JSON_NUMBER:
			(void)json_int64(j, t, &v);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			ASSERT(json_bool(j, t, &b) == 0 &&
			    b == (json_type(j, t) == JSON_TRUE));
			break;
		case JSON_OBJECT:
			/* Keys are unique, so each finds its own value. */
			for (k = json_child(j, t); k >= 0; k = json_next(j, k)) {
				buf_reset(tmp);
				ASSERT(json_decode(j, k, tmp) == 0);
				ASSERT(buf_addc(tmp, '\0') == 0);
				if (strlen(tmp->p) == tmp->n - 1) {
					ASSERT(json_find(j, t, tmp->p) == k + 1);
					ASSERT(json_streq(j, k, tmp->p));
				}
			}
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json	 j1, j2;
	struct jsonw	 w;
	struct buf	 out, tmp, s1, s2;
	struct slice	 r1, r2;
	int		 n, t;
	static int	 verdict = -1;

	n = json_parse(&j1, (const char *)data, size, tok1, JSON_MAX_TOKENS);
	if (verdict == -1)
		verdict = getenv("JSON_VERDICT") != NULL;
	if (verdict) {
		printf("%s %d\n", n < 0 ? "err" : "ok", n);
	}
	if (n < 0)
		return 0;
	ASSERT(json_raw(&j1, 0).n <= size);
	buf_init(&out, 0);
	buf_init(&tmp, 0);
	probe(&j1, n, &tmp);
	jsonw_init(&w, &out);
	rewrite(&j1, &w, &tmp);
	ASSERT(jsonw_finish(&w) == 0);
	ASSERT(json_parse(&j2, out.p, out.n, tok2, JSON_MAX_TOKENS) == n);
	buf_init(&s1, 0);
	buf_init(&s2, 0);
	for (t = 0; t < n; t++) {
		ASSERT(json_type(&j1, t) == json_type(&j2, t));
		ASSERT(json_size(&j1, t) == json_size(&j2, t));
		if (json_type(&j1, t) == JSON_STRING) {
			buf_reset(&s1);
			buf_reset(&s2);
			ASSERT(json_decode(&j1, t, &s1) == 0);
			ASSERT(json_decode(&j2, t, &s2) == 0);
			ASSERT(s1.n == s2.n &&
			    (s1.n == 0 || memcmp(s1.p, s2.p, s1.n) == 0));
		} else if (json_type(&j1, t) == JSON_NUMBER) {
			r1 = json_raw(&j1, t);
			r2 = json_raw(&j2, t);
			ASSERT(r1.n == r2.n && memcmp(r1.p, r2.p, r1.n) == 0);
		}
	}
	buf_free(&s1);
	buf_free(&s2);
	buf_free(&out);
	buf_free(&tmp);
	return 0;
}
