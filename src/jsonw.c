/*
 * jsonw.c - JSON writer; the contract is in jsonw.h.
 */
#include <stdint.h>
#include <string.h>

#include "jsonw.h"

/* What may come next at the current level. */
enum {
	ST_TOP,		/* nothing written yet: one value */
	ST_DONE,	/* the top-level value is complete: nothing */
	ST_ARRAY_FIRST,	/* just after '[': a value or ']' */
	ST_ARRAY_NEXT,	/* after an element: ',' value or ']' */
	ST_OBJ_FIRST,	/* just after '{': a key or '}' */
	ST_OBJ_NEXT,	/* after a member: ',' key or '}' */
	ST_OBJ_VALUE,	/* after a key: its value */
	ST_STRING	/* inside jsonw_string_begin/end: parts */
};

static int
fail(struct jsonw *w, int err)
{
	if (w->err == 0) {
		w->err = err;
		/*
		 * Cut back so that no partial JSON is mistaken for output; never
		 * forward, in case the bytes were drained without a rebase.
		 */
		if (w->out->n > w->start) {
			w->out->n = w->start;
			w->out->p[w->start] = '\0';
		}
	}
	return w->err;
}

static int
add(struct jsonw *w, const void *p, size_t n)
{
	int	r;

	if (w->err != 0)
		return w->err;
	if ((r = buf_add(w->out, p, n)) != 0)
		return fail(w, r == UTIL_ELIMIT ? JSONW_ELIMIT : JSONW_ENOMEM);
	return 0;
}

/* Checks that a value may come now and writes the comma it needs. */
static int
before_value(struct jsonw *w)
{
	if (w->err != 0)
		return w->err;
	switch (w->state) {
	case ST_TOP:
	case ST_ARRAY_FIRST:
	case ST_OBJ_VALUE:
		return 0;
	case ST_ARRAY_NEXT:
		return add(w, ",", 1);
	default:
		return fail(w, JSONW_ESTATE);
	}
}

static int
after_value(struct jsonw *w)
{
	if (w->depth == 0)
		w->state = ST_DONE;
	else if (w->level[w->depth - 1] == '[')
		w->state = ST_ARRAY_NEXT;
	else
		w->state = ST_OBJ_NEXT;
	return 0;
}

/* Writes s[0..n) escaped, without quotes. */
/*
 * Bytes that cannot stand in a JSON string as they are: '"', '\\' and
 * the control characters; 0xe2 may start U+2028 or U+2029.  Everything
 * else is copied in runs, which is what keeps large bodies fast.
 */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	[0xe2] = 1,
};

/*
 * The same through add(), for a buffer whose limit leaves no room for the
 * worst case: the limit is then met exactly where the text reaches it.
 */
static int
escape_small(struct jsonw *w, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*u = (const unsigned char *)s;
	char			 esc[7];
	size_t			 i, run, en;

	for (i = run = 0; i < n; i++) {
		while (i < n && !special[u[i]])
			i++;
		if (i == n)
			break;
		en = 2;
		esc[0] = '\\';
		switch (u[i]) {
		case '"':
		case '\\':
			esc[1] = (char)u[i];
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			if (u[i] < 0x20) {
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[u[i] >> 4];
				esc[5] = hex[u[i] & 0xf];
				en = 6;
			} else if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 &&
			    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
				/* U+2028/U+2029 end a line in JavaScript. */
				memcpy(esc + 1, u[i + 2] == 0xa8 ? "u2028" :
				    "u2029", 5);
				en = 6;
			} else
				continue;
			break;
		}
		if ((i > run && add(w, s + run, i - run) != 0) ||
		    add(w, esc, en) != 0)
			return w->err;
		if (en == 6 && u[i] == 0xe2)
			i += 2;
		run = i + 1;
	}
	if (n > run && add(w, s + run, n - run) != 0)
		return w->err;
	return 0;
}

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)
/* Nonzero iff a byte of x is zero, or below n (n <= 128): exact tests. */
#define HASZERO(x)	(((x) - ONES) & ~(x) & HIGHS)
#define HASLESS(x, n)	(((x) - ONES * (n)) & ~(x) & HIGHS)

/* Nonzero iff one of the 8 bytes of x is special (see the table). */
static uint64_t
special8(uint64_t x)
{
	return HASLESS(x, 0x20) | HASZERO(x ^ (ONES * 0x22)) |
	    HASZERO(x ^ (ONES * 0x5c)) | HASZERO(x ^ (ONES * 0xe2));
}

/*
 * Appends n bytes of valid UTF-8, escaped for a JSON string.  Room for the
 * worst case (every byte as \u00XX) is made once, then runs are copied and
 * escapes written straight into the buffer.
 */
static int
escape_chars(struct jsonw *w, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*u = (const unsigned char *)s;
	struct buf		*b = w->out;
	size_t			 i, run;
	char			*o;

	if (n > (SIZE_MAX - 1) / 6)
		return fail(w, JSONW_ELIMIT);
	switch (buf_reserve(b, 6 * n)) {
	case 0:
		break;
	case UTIL_ENOMEM:
		return fail(w, JSONW_ENOMEM);
	default:
		/* The worst case may not fit where the real text would. */
		return escape_small(w, s, n);
	}
	o = b->p + b->n;
	for (i = 0; i < n; i++) {
		run = i;
		/*
		 * Plain bytes, eight at a time; a word that holds a special
		 * byte is then walked byte by byte, which finds one in it.
		 */
		for (;;) {
			uint64_t x;

			if (n - i < 8) {
				while (i < n && !special[u[i]])
					i++;
				break;
			}
			memcpy(&x, u + i, 8);
			if (special8(x) == 0) {
				i += 8;
				continue;
			}
			while (!special[u[i]])
				i++;
			break;
		}
		memcpy(o, s + run, i - run);
		o += i - run;
		if (i == n)
			break;
		switch (u[i]) {
		case '"':
		case '\\':
			*o++ = '\\';
			*o++ = (char)u[i];
			break;
		case '\b':
			*o++ = '\\';
			*o++ = 'b';
			break;
		case '\f':
			*o++ = '\\';
			*o++ = 'f';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		default:
			if (u[i] < 0x20) {
				memcpy(o, "\\u00", 4);
				o[4] = hex[u[i] >> 4];
				o[5] = hex[u[i] & 0xf];
				o += 6;
			} else if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 &&
			    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
				/* U+2028/U+2029 end a line in JavaScript. */
				memcpy(o, u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029",
				    6);
				o += 6;
				i += 2;
			} else
				*o++ = (char)u[i];
			break;
		}
	}
	b->n = (size_t)(o - b->p);
	b->p[b->n] = '\0';
	return 0;
}

static int
add_chars(struct jsonw *w, const char *s, size_t n)
{
	if (w->err != 0)
		return w->err;
	/* An empty string may come as (NULL, 0), e.g. from an empty buf. */
	if (n == 0)
		return 0;
	if (s == NULL)
		return fail(w, JSONW_EINVAL);
	if (!utf8_valid(s, n))
		return fail(w, JSONW_EUTF8);
	return escape_chars(w, s, n);
}

/* Writes s[0..n) as a JSON string, quotes included. */
static int
add_string(struct jsonw *w, const char *s, size_t n)
{
	if (add(w, "\"", 1) != 0 || add_chars(w, s, n) != 0)
		return w->err;
	return add(w, "\"", 1);
}

static int
begin(struct jsonw *w, unsigned char c)
{
	if (before_value(w) != 0)
		return w->err;
	if (w->depth == JSONW_MAX_DEPTH)
		return fail(w, JSONW_EDEPTH);
	if (add(w, &c, 1) != 0)
		return w->err;
	w->level[w->depth++] = c;
	w->state = c == '{' ? ST_OBJ_FIRST : ST_ARRAY_FIRST;
	return 0;
}

static int
end(struct jsonw *w, unsigned char open, char close)
{
	if (w->err != 0)
		return w->err;
	if (w->depth == 0 || w->level[w->depth - 1] != open ||
	    (w->state != ST_OBJ_FIRST && w->state != ST_OBJ_NEXT &&
	    w->state != ST_ARRAY_FIRST && w->state != ST_ARRAY_NEXT))
		return fail(w, JSONW_ESTATE);
	if (add(w, &close, 1) != 0)
		return w->err;
	w->depth--;
	return after_value(w);
}

/* see jsonw.h */
void
jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->start = out->n;
	w->state = ST_TOP;
}

/* see jsonw.h */
int
jsonw_error(const struct jsonw *w)
{
	return w->err;
}

/* see jsonw.h */
int
jsonw_finish(struct jsonw *w)
{
	if (w->err != 0)
		return w->err;
	return w->state == ST_DONE ? 0 : JSONW_ESTATE;
}

/* see jsonw.h */
const char *
jsonw_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case JSONW_ELIMIT:
		return "JSON output too large for its buffer";
	case JSONW_ENOMEM:
		return "out of memory";
	case JSONW_EUTF8:
		return "string is not valid UTF-8";
	case JSONW_EDEPTH:
		return "JSON output nested too deeply";
	case JSONW_ESTATE:
		return "JSON writer used out of order";
	case JSONW_EINVAL:
		return "invalid argument";
	default:
		return "unknown JSON writer error";
	}
}

/* see jsonw.h */
int
jsonw_begin_object(struct jsonw *w)
{
	return begin(w, '{');
}

/* see jsonw.h */
int
jsonw_end_object(struct jsonw *w)
{
	return end(w, '{', '}');
}

/* see jsonw.h */
int
jsonw_begin_array(struct jsonw *w)
{
	return begin(w, '[');
}

/* see jsonw.h */
int
jsonw_end_array(struct jsonw *w)
{
	return end(w, '[', ']');
}

/* see jsonw.h */
int
jsonw_keyn(struct jsonw *w, const char *key, size_t n)
{
	if (w->err != 0)
		return w->err;
	if (w->state != ST_OBJ_FIRST && w->state != ST_OBJ_NEXT)
		return fail(w, JSONW_ESTATE);
	if (w->state == ST_OBJ_NEXT && add(w, ",", 1) != 0)
		return w->err;
	if (add_string(w, key, n) != 0 || add(w, ":", 1) != 0)
		return w->err;
	w->state = ST_OBJ_VALUE;
	return 0;
}

/* see jsonw.h */
int
jsonw_key(struct jsonw *w, const char *key)
{
	if (key == NULL)
		return fail(w, JSONW_EINVAL);
	return jsonw_keyn(w, key, strlen(key));
}

/* see jsonw.h */
int
jsonw_string(struct jsonw *w, const char *s, size_t n)
{
	if (before_value(w) != 0 || add_string(w, s, n) != 0)
		return w->err;
	return after_value(w);
}

/* see jsonw.h */
int
jsonw_string_begin(struct jsonw *w)
{
	if (before_value(w) != 0 || add(w, "\"", 1) != 0)
		return w->err;
	w->state = ST_STRING;
	return 0;
}

/* see jsonw.h */
int
jsonw_string_part(struct jsonw *w, const char *s, size_t n)
{
	if (w->err != 0)
		return w->err;
	if (w->state != ST_STRING)
		return fail(w, JSONW_ESTATE);
	return add_chars(w, s, n);
}

/* see jsonw.h */
int
jsonw_string_part_utf8(struct jsonw *w, const char *s, size_t n)
{
	if (w->err != 0)
		return w->err;
	if (w->state != ST_STRING)
		return fail(w, JSONW_ESTATE);
	if (n == 0)
		return 0;
	if (s == NULL)
		return fail(w, JSONW_EINVAL);
	return escape_chars(w, s, n);
}

/* see jsonw.h */
int
jsonw_string_end(struct jsonw *w)
{
	if (w->err != 0)
		return w->err;
	if (w->state != ST_STRING)
		return fail(w, JSONW_ESTATE);
	if (add(w, "\"", 1) != 0)
		return w->err;
	return after_value(w);
}

/* see jsonw.h */
size_t
jsonw_escaped_fit(const char *s, size_t n, size_t room, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, total = 0, cl, el, lead;
	uint64_t x;

	while (i < n) {
		/*
		 * Eight plain bytes (none escaped, no U+2028/9 lead) take eight
		 * bytes: counted at once.  This may stop inside a character,
		 * whose bytes are then counted one by one below (the same
		 * size); a cut there is moved back to the character's start.
		 */
		while (n - i >= 8 && room - total >= 8) {
			memcpy(&x, u + i, 8);
			if (special8(x) != 0)
				break;
			i += 8;
			total += 8;
		}
		if (i == n)
			break;
		/* One character: its bytes and its escaped size. */
		cl = 1;
		el = 1;
		if (u[i] == '"' || u[i] == '\\' || u[i] == '\b' ||
		    u[i] == '\f' || u[i] == '\n' || u[i] == '\r' || u[i] == '\t')
			el = 2;
		else if (u[i] < 0x20)
			el = 6;
		else if (u[i] >= 0xc0) {
			while (i + cl < n && cl < 4 && (u[i + cl] & 0xc0) == 0x80)
				cl++;
			el = cl;
			if (cl == 3 && u[i] == 0xe2 && u[i + 1] == 0x80 &&
			    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
				el = 6;
		}
		if (el > room - total)
			break;
		total += el;
		i += cl;
	}
	if (i < n && (u[i] & 0xc0) == 0x80) {
		/* Cut inside a character whose bytes counted one each. */
		for (lead = i; lead > 0 && (u[lead] & 0xc0) == 0x80; lead--)
			;
		total -= i - lead;
		i = lead;
	}
	if (used != NULL)
		*used = total;
	return i;
}

/* see jsonw.h */
void
jsonw_rebase(struct jsonw *w)
{
	w->start = w->out->n;
}

/* see jsonw.h */
int
jsonw_str(struct jsonw *w, const char *s)
{
	if (s == NULL)
		return fail(w, JSONW_EINVAL);
	return jsonw_string(w, s, strlen(s));
}

/* see jsonw.h */
int
jsonw_uint(struct jsonw *w, uint64_t v)
{
	char	d[20];
	size_t	i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return jsonw_raw(w, d + i, sizeof(d) - i);
}

/* see jsonw.h */
int
jsonw_int(struct jsonw *w, int64_t v)
{
	char		d[21];
	uint64_t	u;
	size_t		i = sizeof(d);

	/* Negate in unsigned arithmetic so that INT64_MIN does not overflow. */
	u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--i] = '-';
	return jsonw_raw(w, d + i, sizeof(d) - i);
}

/* see jsonw.h */
int
jsonw_bool(struct jsonw *w, int v)
{
	return v ? jsonw_raw(w, "true", 4) : jsonw_raw(w, "false", 5);
}

/* see jsonw.h */
int
jsonw_null(struct jsonw *w)
{
	return jsonw_raw(w, "null", 4);
}

/* see jsonw.h */
int
jsonw_raw(struct jsonw *w, const char *json, size_t n)
{
	if (before_value(w) != 0)
		return w->err;
	if (json == NULL || n == 0)
		return fail(w, JSONW_EINVAL);
	if (add(w, json, n) != 0)
		return w->err;
	return after_value(w);
}

/* see jsonw.h */
int
jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_str(w, s);
}

/* see jsonw.h */
int
jsonw_kstring(struct jsonw *w, const char *key, const char *s, size_t n)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_string(w, s, n);
}

/* see jsonw.h */
int
jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_int(w, v);
}

/* see jsonw.h */
int
jsonw_kuint(struct jsonw *w, const char *key, uint64_t v)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_uint(w, v);
}

/* see jsonw.h */
int
jsonw_kbool(struct jsonw *w, const char *key, int v)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_bool(w, v);
}

/* see jsonw.h */
int
jsonw_knull(struct jsonw *w, const char *key)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_null(w);
}

/* see jsonw.h */
int
jsonw_kraw(struct jsonw *w, const char *key, const char *json, size_t n)
{
	if (jsonw_key(w, key) != 0)
		return w->err;
	return jsonw_raw(w, json, n);
}
