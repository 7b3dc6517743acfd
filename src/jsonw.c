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

/* Nonzero in byte i of HASZERO(x ^ ONES * c) where byte i of x is c. */
#define EQ8(x, c)	HASZERO((x) ^ (ONES * (c)))
/* The same where a byte is 0xa8 or 0xa9 (the last of U+2028, U+2029). */
#define A8A9(x)		HASZERO(((x) | ONES) ^ (ONES * 0xa9))

/*
 * U+2028 and U+2029 (e2 80 a8, e2 80 a9) are rare, but 0xe2 starts many
 * common characters (dashes, quotes, the euro): where the byte order is
 * known, a word flags 0xe2 only when 80 a8/a9 follow it, or when it is one
 * of the last two bytes (what follows is in the next word).  LATER(m, k)
 * moves the flag of byte i + k to byte i.  The flags of HASZERO are never
 * missing, only sometimes extra above a true one, which the byte by byte
 * walk after it sorts out.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LATER(m, k)	((m) >> (8 * (k)))
#define LAST2		UINT64_C(0x8080000000000000)
#define LS2028(x)	(EQ8(x, 0xe2) & ((LATER(EQ8(x, 0x80), 1) & \
			    LATER(A8A9(x), 2)) | LAST2))
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LATER(m, k)	((m) << (8 * (k)))
#define LAST2		UINT64_C(0x8080)
#define LS2028(x)	(EQ8(x, 0xe2) & ((LATER(EQ8(x, 0x80), 1) & \
			    LATER(A8A9(x), 2)) | LAST2))
#else
#define LS2028(x)	EQ8(x, 0xe2)
#endif

/*
 * Nonzero iff one of the 8 bytes of x may be special (see the table); a
 * 0xe2 as above.  A macro, not a function: -Os would not inline it, and a
 * call for every eight bytes was a third of the time of a large read.
 */
#define SPECIAL8(x)	(HASLESS((x), 0x20) | EQ8(x, 0x22) | EQ8(x, 0x5c) | \
	LS2028(x))

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
			if (SPECIAL8(x) == 0) {
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
			if (SPECIAL8(x) != 0)
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

/*
 * What whole words do not settle, jsonw_text_scan takes through a
 * table-driven automaton over the bytes (after Bjoern Hoehrmann's UTF-8
 * decoder): each byte has a class, each state and class a next state.  The classes: 0 ASCII but NUL; continuation bytes 1 0x80,
 * 2 0x81-0x8f, 3 0x90-0x9f, 4 0xa0-0xbf but 5 0xa8-0xa9; leads 6 0xc2-0xdf,
 * 7 0xe0, 8 0xe2, 9 the other 0xe1-0xef but 10 0xed, 11 0xf0, 12 0xf1-0xf3,
 * 13 0xf4; 14 never text (NUL, 0xc0, 0xc1, 0xf5-0xff).  The ranges of the
 * second byte after 0xe0, 0xed, 0xf0 and 0xf4 rule out overlongs,
 * surrogates and what is past U+10FFFF, as in utf8_valid; 0xe2 0x80 is
 * followed so that U+2028 and U+2029 (written \u2028, \u2029) are seen.
 */
enum {
	SC_OK,		/* between characters */
	SC_OK2028,	/* between characters, just after U+2028 or U+2029 */
	SC_BAD,		/* not text */
	SC_NEED1, SC_NEED2, SC_E0, SC_ED, SC_F0, SC_F1, SC_F4, SC_E2, SC_E280
};

static const unsigned char scan_class[256] = {
	14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	14, 14, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
	7, 9, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 9, 9,
	11, 12, 12, 12, 13, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
};
static const unsigned char scan_next[12][15] = {
	{ 0, 2, 2, 2, 2, 2, 3, 5, 10, 4, 6, 7, 8, 9, 2 },	/* OK */
	{ 0, 2, 2, 2, 2, 2, 3, 5, 10, 4, 6, 7, 8, 9, 2 },	/* OK2 */
	{ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* BAD */
	{ 2, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* N1 */
	{ 2, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* N2 */
	{ 2, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* E0 */
	{ 2, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* ED */
	{ 2, 2, 2, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* F0 */
	{ 2, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* F1 */
	{ 2, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* F4 */
	{ 2, 11, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* E2 */
	{ 2, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2 },	/* E280 */
};

/*
 * What a byte adds escaped: 1 for \" \\ \b \f \n \r \t, 5 for the other
 * controls (\u00XX); nothing for the rest of ASCII and for other bytes.
 */
static const unsigned char scan_extra[256] = {
	5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5,
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LOWS		UINT64_C(0x7f7f7f7f7f7f7f7f)
/* Exact masks: 0x80 in each byte where it holds, 0 elsewhere. */
#define ZERO8(y)	(~((((y) & LOWS) + LOWS) | (y)) & HIGHS)
#define IS8(x, c)	ZERO8((x) ^ (ONES * (c)))
#define LOW7GE(x, k)	((((x) & LOWS) + ONES * (0x80 - (k))) & HIGHS)
/* Byte i - k of mask m at byte i, the word before (pm) coming in. */
#define EARLIER(m, pm, k)	(((m) << (8 * (k))) | ((pm) >> (64 - 8 * (k))))
/* How many bytes an exact mask marks. */
#define COUNT8(m)	((((m) >> 7) * ONES) >> 56)

/*
 * What the escapes of word x add to its size: 5 for each control
 * (\u00XX) but 1 for \b \t \n \f \r (0x08-0x0d but 0x0b), 1 for '"'
 * and '\\'.  ls marks the last bytes of U+2028 and U+2029 (3 more each).
 */
static size_t
word_extra(uint64_t x, uint64_t ls)
{
	uint64_t ctl, shortc;

	ctl = ~(((x & LOWS) + ONES * 0x60) | x) & HIGHS;
	if ((ctl | ls | IS8(x, 0x22) | IS8(x, 0x5c)) == 0)
		return 0;
	shortc = ctl & LOW7GE(x, 0x08) & ~LOW7GE(x, 0x0e) & ~IS8(x, 0x0b);
	return (size_t)(5 * COUNT8(ctl) - 4 * COUNT8(shortc) +
	    COUNT8(IS8(x, 0x22) | IS8(x, 0x5c)) + 3 * COUNT8(ls));
}

/*
 * Whole words of s checked at once (exact masks, no branch on a byte's
 * kind): a continuation byte exactly where a lead asks for one, no byte
 * that is never UTF-8 or NUL, the second byte's range after 0xe0, 0xed,
 * 0xf0 and 0xf4 as utf8_valid has it; escapes counted where a word holds
 * a control, '"', '\\' or the end of U+2028/U+2029.  Stops before the
 * first word that fails (or with fewer than 8 bytes left) and backs up
 * to the character it is in: returns where jsonw_text_scan goes on,
 * with the escapes of the bytes before it added to *extra.
 */
static size_t
scan_words(const unsigned char *u, size_t n, size_t *extra)
{
	uint64_t x, x1, x2, x3, c0, e0, f0, me0, med, mf0, mf4, me2, m80;
	uint64_t pc0 = 0, pe0 = 0, pf0 = 0, pme0 = 0, pmed = 0, pmf0 = 0;
	uint64_t pmf4 = 0, pme2 = 0, pm80 = 0, err, ls;
	size_t i = 0, k;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, u + i, 8);
		if ((x & HIGHS) == 0 && ((pc0 >> 56) | (pe0 >> 48) |
		    (pf0 >> 40)) == 0) {
			/* ASCII, and no character of the word before open. */
			if (ZERO8(x) != 0)
				break;
			*extra += word_extra(x, 0);
			pc0 = pe0 = pf0 = pme0 = pmed = pmf0 = pmf4 = 0;
			pme2 = pm80 = 0;
			continue;
		}
		x1 = x << 1;
		x2 = x << 2;
		x3 = x << 3;
		c0 = x & x1 & HIGHS;
		e0 = c0 & x2;
		f0 = e0 & x3;
		me0 = IS8(x, 0xe0);
		med = IS8(x, 0xed);
		mf0 = IS8(x, 0xf0);
		mf4 = IS8(x, 0xf4);
		/* Continuations where they are due, and only there. */
		err = (x & ~x1 & HIGHS) ^ (EARLIER(c0, pc0, 1) |
		    EARLIER(e0, pe0, 2) | EARLIER(f0, pf0, 3));
		err |= IS8(x | ONES, 0xc1) | (f0 & LOW7GE(x, 0x75)) | ZERO8(x);
		err |= (EARLIER(me0, pme0, 1) & ~x2) |
		    (EARLIER(med, pmed, 1) & x2) |
		    (EARLIER(mf0, pmf0, 1) & ~(x2 | x3)) |
		    (EARLIER(mf4, pmf4, 1) & (x2 | x3));
		if (err != 0)
			break;
		me2 = IS8(x, 0xe2);
		m80 = IS8(x, 0x80);
		ls = EARLIER(me2, pme2, 2) & EARLIER(m80, pm80, 1) &
		    IS8(x | ONES, 0xa9);
		*extra += word_extra(x, ls);
		pc0 = c0;
		pe0 = e0;
		pf0 = f0;
		pme0 = me0;
		pmed = med;
		pmf0 = mf0;
		pmf4 = mf4;
		pme2 = me2;
		pm80 = m80;
	}
	/* Back to the first byte of a character cut at i, if one is. */
	for (k = i; k > 0 && i - k < 3 && (u[k - 1] & 0xc0) == 0x80; k--)
		;
	if (k > 0 && u[k - 1] >= 0xc0 && k - 1 + (u[k - 1] >= 0xf0 ? 4 :
	    u[k - 1] >= 0xe0 ? 3 : 2) > i)
		return k - 1;
	return i;
}
#else
static size_t
scan_words(const unsigned char *u, size_t n, size_t *extra)
{
	(void)u;
	(void)n;
	(void)extra;
	return 0;
}
#endif

/* see jsonw.h */
size_t
jsonw_text_scan(const char *s, size_t n, size_t *escaped)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, ok, extra = 0;
	unsigned st = SC_OK, c;
	uint64_t x;

	/* Whole words first; the automaton takes the rest, exactly. */
	ok = i = scan_words(u, n, &extra);
	while (i < n) {
		c = u[i];
		if (c < 0x80 && st <= SC_OK2028) {
			/* Eight ASCII bytes that need no escape, at once. */
			while (n - i >= 8) {
				memcpy(&x, u + i, 8);
				if (((x & HIGHS) | HASLESS(x, 0x20) |
				    EQ8(x, 0x22) | EQ8(x, 0x5c)) != 0)
					break;
				i += 8;
			}
			ok = i;
			if (i == n)
				break;
			c = u[i];
		}
		st = scan_next[st][scan_class[c]];
		if (st == SC_BAD)
			break;
		/* Bytes of a character cut off at the end add nothing. */
		extra += scan_extra[c] + (st == SC_OK2028 ? 3 : 0);
		i++;
		if (st <= SC_OK2028)
			ok = i;
	}
	if (escaped != NULL)
		*escaped += ok + extra;
	return ok;
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
