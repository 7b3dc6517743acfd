/*
 * json.c - strict JSON reader; the contract is in json.h.
 *
 * Two pieces divide the work.  jsmn (Debian's libjsmn-dev, header-only,
 * compiled here and nowhere else) tokenizes: it finds where each object,
 * array, string and primitive starts and ends, and in what order.  It is
 * lenient, so a validation pass walks its tokens in document order and
 * checks the bytes of each token and the bytes between them, with an
 * explicit stack bounded by JSON_MAX_DEPTH:
 *
 *  - between tokens, only JSON whitespace and the one separator the
 *    grammar wants there (jsmn takes "[1 2]", "[1,]", "{}{}" and
 *    "[\"a\":1]"), and exactly one top-level value;
 *  - a primitive's bytes are exactly true, false, null or an RFC 8259
 *    number (jsmn takes "tru", "01", "1.", "-");
 *  - a string holds no raw control character, only the RFC's escapes,
 *    paired surrogates and well-formed UTF-8 (jsmn checks only the shape
 *    of escapes);
 *  - the depth, the token limit, and duplicate keys, as before.
 *
 * Where jsmn stops short (it stops at a NUL byte, reports a lone
 * top-level primitive as partial, and fails on a control character in a
 * primitive or an unterminated string), the pass reads the value there
 * itself, so that the first error met left to right is the one reported,
 * with the same code as when the pass alone did the reading.
 *
 * jsmn fills its own jsmntok_t array; handing it the caller's struct
 * json_tok array would break C's aliasing rules.  It gets a window of
 * LEX_WINDOW tokens in struct parser instead.  When the window is full
 * and the pass has read every token in it, the window keeps only what
 * jsmn looks back at (the parent chains of its current parent and of its
 * last token, which hold every open container) and jsmn carries on from
 * where it stopped.  The pass has enforced JSON_MAX_DEPTH on what it read,
 * so that is at most 2 * JSON_MAX_DEPTH + 2 tokens (a key between each
 * two containers).  Parent links (JSMN_PARENT_LINKS) let jsmn walk up to
 * close a container or after a ','; without them it scans back through
 * its tokens, which is quadratic on a long array of objects.
 */
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "limits.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* jsmn's window: past 2 * JSON_MAX_DEPTH + 2, so that a full one frees room. */
#define LEX_WINDOW	256

#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

enum want {
	WANT_VALUE,		/* a value: after ':' or ',' in an array, or at the top */
	WANT_VALUE_OR_CLOSE,	/* just after '[' */
	WANT_KEY,		/* after ',' in an object */
	WANT_KEY_OR_CLOSE,	/* just after '{' */
	WANT_AFTER_VALUE	/* ',' or the closer of the container, or the end */
};

struct frame {
	int	tok;	/* the open container */
	int	last;	/* its last key or element so far, or -1 */
};

struct parser {
	const unsigned char	*s;
	size_t			 len;
	size_t			 i;
	struct json_tok		*tok;
	int			 n;
	int			 max;
	int			 depth;
	struct frame		 f[JSON_MAX_DEPTH];
	jsmn_parser		 jp;
	int			 jr;	/* what jsmn_parse last returned */
	int			 jdone;	/* no more tokens: the pass reads itself */
	unsigned int		 jnext;	/* the next token of lex to read */
	jsmntok_t		 lex[LEX_WINDOW];
};

/* Decodes a validated string token one byte at a time, for comparisons. */
struct sdec {
	const unsigned char	*s;
	size_t			 i;
	size_t			 end;	/* the closing quote */
	unsigned char		 u[4];
	int			 nu;
	int			 iu;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A byte that stands for itself in a string: ASCII but controls, '"', '\\'. */
static int
is_plain(int c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static int
hex4(const unsigned char *s, size_t n, uint32_t *out)
{
	uint32_t	v = 0;
	int		k, h;

	if (n < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((h = hex_digit(s[k])) < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at s (1 to 4), or 0: no
 * overlong forms, no surrogates, nothing past U+10FFFF, nothing past n.
 */
static int
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned int	c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static int
utf8_put(unsigned char *u, uint32_t cp)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The escape at s[0] == '\\', with n bytes available: sets *cp and returns
 * the bytes it takes (2, 6, or 12 for a surrogate pair).
 */
static int
unescape(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	lo;

	if (n < 2)
		return JSON_ESYNTAX;
	switch (s[1]) {
	case '"':
	case '\\':
	case '/':
		*cp = s[1];
		return 2;
	case 'b':
		*cp = '\b';
		return 2;
	case 'f':
		*cp = '\f';
		return 2;
	case 'n':
		*cp = '\n';
		return 2;
	case 'r':
		*cp = '\r';
		return 2;
	case 't':
		*cp = '\t';
		return 2;
	case 'u':
		break;
	default:
		return JSON_ESYNTAX;
	}
	if (hex4(s + 2, n - 2, cp) == -1)
		return JSON_ESYNTAX;
	if (*cp < 0xd800 || *cp > 0xdfff)
		return 6;
	/* A surrogate escape stands for a character only as a high-low pair. */
	if (*cp >= 0xdc00 || n < 8 || s[6] != '\\' || s[7] != 'u')
		return JSON_EUTF8;
	if (hex4(s + 8, n - 8, &lo) == -1)
		return JSON_ESYNTAX;
	if (lo < 0xdc00 || lo > 0xdfff)
		return JSON_EUTF8;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 12;
}

static uint32_t
fnv(uint32_t h, const unsigned char *p, size_t n)
{
	size_t	k;

	for (k = 0; k < n; k++)
		h = (h ^ p[k]) * FNV_PRIME;
	return h;
}

/* Why a byte cannot be where it is: bad UTF-8 is named as such. */
static int
bad_byte(const struct parser *p)
{
	if (p->i < p->len && p->s[p->i] >= 0x80 &&
	    utf8_seq(p->s + p->i, p->len - p->i) == 0)
		return JSON_EUTF8;
	return JSON_ESYNTAX;
}

static void
skip_ws(struct parser *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

/*
 * Keeps of a full window only what jsmn looks back at when it goes on:
 * the parent chains of its current parent (toksuper: it walks up from
 * there after a ',') and of its last token (it walks up from there to
 * close a container, and a ':' makes it the parent).  The chains hold
 * every open container.  Order is kept and parent links are renumbered.
 */
static void
lex_compact(struct parser *p)
{
	int		map[LEX_WINDOW];
	unsigned int	i, n = 0, last = p->jp.toknext;
	int		k;

	for (i = 0; i < last; i++)
		map[i] = -1;
	for (k = (int)last - 1; k >= 0 && map[k] == -1; k = p->lex[k].parent)
		map[k] = 0;
	/*
	 * toksuper and every parent link name a token under last, whose
	 * map entry was set above (cppcheck cannot know it).
	 */
	/* cppcheck-suppress uninitvar */
	for (k = p->jp.toksuper; k >= 0 && map[k] == -1; k = p->lex[k].parent)
		map[k] = 0;
	for (i = 0; i < last; i++) {
		if (map[i] == -1)
			continue;
		map[i] = (int)n;
		p->lex[n] = p->lex[i];
		if (p->lex[n].parent >= 0)
			p->lex[n].parent = map[p->lex[n].parent];
		n++;
	}
	p->jp.toknext = n;
	if (p->jp.toksuper >= 0)
		p->jp.toksuper = map[p->jp.toksuper];
	p->jnext = n;
}

/*
 * jsmn's next token, if it is the one of type type that the pass expects
 * at p->i (jsmn's string starts past the quote).  NULL once jsmn has
 * stopped short of it (an error, a NUL byte) or is out of step with the
 * pass; from then on the pass reads the values itself.
 */
static const jsmntok_t *
lex_next(struct parser *p, jsmntype_t type)
{
	const jsmntok_t	*t;
	size_t		 at = p->i + (type == JSMN_STRING);

	if (p->jdone)
		return NULL;
	if (p->jnext == p->jp.toknext) {
		if (p->jr != JSMN_ERROR_NOMEM) {
			p->jdone = 1;
			return NULL;
		}
		lex_compact(p);
		p->jr = jsmn_parse(&p->jp, (const char *)p->s, p->len,
		    p->lex, LEX_WINDOW);
		if (p->jnext == p->jp.toknext) {
			p->jdone = 1;
			return NULL;
		}
	}
	t = &p->lex[p->jnext++];
	if (t->type != type || t->start < 0 || (size_t)t->start != at) {
		p->jdone = 1;
		return NULL;
	}
	return t;
}

/*
 * Checks the string whose quote is at s[*pi] and whose closing quote jsmn
 * found at stop (or, when the pass reads itself, stop is len); leaves *pi
 * past it.  Keys get their unescaped length and hash.
 */
static int
string_at(const unsigned char *s, size_t len, size_t *pi, size_t stop,
    struct json_tok *t, int key)
{
	unsigned char		 u[4];
	uint32_t		 h = FNV_BASIS, d = 0, cp;
	size_t			 i = *pi + 1;
	int			 r;

	while (i < stop) {
		if (!key) {
			while (i < stop && is_plain(s[i]))
				i++;
			if (i >= stop)
				break;
		}
		if (is_plain(s[i])) {
			if (key) {
				h = (h ^ s[i]) * FNV_PRIME;
				d++;
			}
			i++;
			continue;
		}
		if (s[i] == '"')
			break;
		if (s[i] < 0x20)
			return JSON_ESYNTAX;
		if (s[i] == '\\') {
			if ((r = unescape(s + i, stop - i, &cp)) < 0)
				return r;
			i += (size_t)r;
			if (key) {
				r = utf8_put(u, cp);
				h = fnv(h, u, (size_t)r);
				d += (uint32_t)r;
			}
		} else {
			if ((r = utf8_seq(s + i, stop - i)) == 0)
				return JSON_EUTF8;
			if (key) {
				h = fnv(h, s + i, (size_t)r);
				d += (uint32_t)r;
			}
			i += (size_t)r;
		}
	}
	if (i >= len || s[i] != '"')
		return JSON_ESYNTAX;
	*pi = i + 1;
	t->end = (uint32_t)*pi;
	t->dlen = d;
	t->hash = h;
	return 0;
}

static int
scan_string(struct parser *p, struct json_tok *t, size_t stop, int key)
{
	return string_at(p->s, p->len, &p->i, stop, t, key);
}

/* The number at s[*pi], not past n; leaves *pi past it. */
static int
number_at(const unsigned char *s, size_t *pi, size_t n)
{
	size_t	 i = *pi;

	if (s[i] == '-')
		i++;
	if (i >= n || !is_digit(s[i]))
		return JSON_ESYNTAX;
	/* A leading zero stands alone; "01" fails later as a stray byte. */
	if (s[i++] != '0')
		while (i < n && is_digit(s[i]))
			i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return JSON_ESYNTAX;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return JSON_ESYNTAX;
		while (i < n && is_digit(s[i]))
			i++;
	}
	*pi = i;
	return 0;
}

/* A number from p->i, not past stop. */
static int
scan_number(struct parser *p, size_t stop)
{
	return number_at(p->s, &p->i, stop);
}

/* see json.h */
int
json_number_valid(const char *p, size_t n)
{
	size_t	i = 0;

	return n > 0 && number_at((const unsigned char *)p, &i, n) == 0 &&
	    i == n;
}

/* see json.h */
int
json_string_valid(const char *p, size_t n)
{
	struct json_tok	 t;
	size_t		 i = 0;

	return n >= 2 && n < UINT32_MAX && p[0] == '"' &&
	    string_at((const unsigned char *)p, n, &i, n, &t, 0) == 0 &&
	    i == n;
}

static int
scan_literal(struct parser *p, const char *word, size_t stop)
{
	size_t	k = strlen(word);

	if (stop - p->i < k || memcmp(p->s + p->i, word, k) != 0)
		return JSON_ESYNTAX;
	p->i += k;
	return 0;
}

static int
new_tok(struct parser *p, int type)
{
	struct json_tok	*t;

	if (p->n >= p->max)
		return JSON_ETOKENS;
	t = &p->tok[p->n];
	t->start = t->end = (uint32_t)p->i;
	t->dlen = t->hash = 0;
	t->size = 0;
	t->next = t->link = -1;
	t->type = type;
	return p->n++;
}

/* Makes token t the next child (key or element) of the open container. */
static void
add_child(struct parser *p, int t)
{
	struct frame	*fr = &p->f[p->depth - 1];

	if (fr->last >= 0)
		p->tok[fr->last].next = t;
	fr->last = t;
	p->tok[fr->tok].size++;
}

static void
sdec_init(struct sdec *d, const unsigned char *s, const struct json_tok *t)
{
	d->s = s;
	d->i = t->start + 1;
	d->end = t->end - 1;
	d->nu = d->iu = 0;
}

/* The next unescaped byte, or -1 at the end of the string. */
static int
sdec_next(struct sdec *d)
{
	uint32_t	cp;
	int		r;

	if (d->iu < d->nu)
		return d->u[d->iu++];
	if (d->i >= d->end)
		return -1;
	if (d->s[d->i] != '\\')
		return d->s[d->i++];
	if ((r = unescape(d->s + d->i, d->end - d->i, &cp)) < 0)
		return -1;	/* cannot happen: the string was validated */
	d->i += (size_t)r;
	d->nu = utf8_put(d->u, cp);
	d->iu = 1;
	return d->u[0];
}

/* Orders keys by hash, then length, then unescaped bytes. */
static int
key_cmp(const unsigned char *s, const struct json_tok *a,
    const struct json_tok *b)
{
	struct sdec	da, db;
	int		ca, cb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->dlen != b->dlen)
		return a->dlen < b->dlen ? -1 : 1;
	sdec_init(&da, s, a);
	sdec_init(&db, s, b);
	do {
		ca = sdec_next(&da);
		cb = sdec_next(&db);
	} while (ca == cb && ca != -1);
	return ca - cb;
}

/*
 * Sorts the keys chained by their link fields, from head, with a bottom-up
 * merge sort of the list (no recursion, no memory); returns the new head.
 */
static int
sort_keys(const unsigned char *s, struct json_tok *tok, int head)
{
	int	insize, merges, a, b, na, nb, e, tail;

	for (insize = 1;; insize *= 2) {
		a = head;
		head = tail = -1;
		merges = 0;
		while (a >= 0) {
			merges++;
			for (b = a, na = 0; na < insize && b >= 0; na++)
				b = tok[b].link;
			nb = insize;
			while (na > 0 || (nb > 0 && b >= 0)) {
				if (na > 0 && (nb == 0 || b < 0 ||
				    key_cmp(s, &tok[a], &tok[b]) <= 0)) {
					e = a;
					a = tok[a].link;
					na--;
				} else {
					e = b;
					b = tok[b].link;
					nb--;
				}
				if (tail >= 0)
					tok[tail].link = e;
				else
					head = e;
				tail = e;
			}
			a = b;
		}
		tok[tail].link = -1;
		if (merges <= 1)
			return head;
	}
}

/*
 * Duplicate keys of object o, found once it is closed by sorting its keys
 * so that the cost stays O(n log n) whatever keys a client chooses.
 */
static int
check_dup_keys(const struct parser *p, int o)
{
	struct json_tok	*tok = p->tok;
	int		 k;

	if (tok[o].size < 2)
		return 0;
	for (k = o + 1; k >= 0; k = tok[k].next)
		tok[k].link = tok[k].next;
	for (k = sort_keys(p->s, tok, o + 1); tok[k].link >= 0;
	    k = tok[k].link)
		if (key_cmp(p->s, &tok[k], &tok[tok[k].link]) == 0)
			return JSON_EDUPKEY;
	return 0;
}

static int
add_key(struct parser *p)
{
	const jsmntok_t	*lt;
	int		 k, r;

	if ((k = new_tok(p, JSON_STRING)) < 0)
		return k;
	lt = lex_next(p, JSMN_STRING);
	if ((r = scan_string(p, &p->tok[k], lt != NULL ? (size_t)lt->end :
	    p->len, 1)) < 0)
		return r;
	add_child(p, k);
	return 0;
}

/* Reads the value at p->i; returns what is wanted next. */
static int
add_value(struct parser *p)
{
	const jsmntok_t	*lt;
	struct frame	*fr;
	size_t		 stop;
	int		 c = p->s[p->i], type, r, k, in_array;

	in_array = p->depth > 0 &&
	    p->tok[p->f[p->depth - 1].tok].type == JSON_ARRAY;
	if (c == '{' || c == '[') {
		if (p->depth == JSON_MAX_DEPTH)
			return JSON_EDEPTH;
		if ((k = new_tok(p, c == '{' ? JSON_OBJECT : JSON_ARRAY)) < 0)
			return k;
		(void)lex_next(p, c == '{' ? JSMN_OBJECT : JSMN_ARRAY);
		if (in_array)
			add_child(p, k);
		p->i++;
		fr = &p->f[p->depth++];
		fr->tok = k;
		fr->last = -1;
		return c == '{' ? WANT_KEY_OR_CLOSE : WANT_VALUE_OR_CLOSE;
	}
	switch (c) {
	case '"':
		type = JSON_STRING;
		break;
	case 't':
		type = JSON_TRUE;
		break;
	case 'f':
		type = JSON_FALSE;
		break;
	case 'n':
		type = JSON_NULL;
		break;
	default:
		if (c != '-' && !is_digit(c))
			return bad_byte(p);
		type = JSON_NUMBER;
		break;
	}
	if ((k = new_tok(p, type)) < 0)
		return k;
	lt = lex_next(p, type == JSON_STRING ? JSMN_STRING : JSMN_PRIMITIVE);
	stop = lt != NULL ? (size_t)lt->end : p->len;
	switch (type) {
	case JSON_STRING:
		r = scan_string(p, &p->tok[k], stop, 0);
		break;
	case JSON_TRUE:
		r = scan_literal(p, "true", stop);
		break;
	case JSON_FALSE:
		r = scan_literal(p, "false", stop);
		break;
	case JSON_NULL:
		r = scan_literal(p, "null", stop);
		break;
	default:
		r = scan_number(p, stop);
		break;
	}
	if (r < 0)
		return r;
	/* jsmn's primitive runs to a separator: nothing may be left of it. */
	if (lt != NULL && type != JSON_STRING && p->i != stop)
		return JSON_ESYNTAX;
	p->tok[k].end = (uint32_t)p->i;
	if (in_array)
		add_child(p, k);
	return WANT_AFTER_VALUE;
}

static int
close_container(struct parser *p)
{
	int	t;

	p->i++;
	t = p->f[--p->depth].tok;
	p->tok[t].end = (uint32_t)p->i;
	return p->tok[t].type == JSON_OBJECT ? check_dup_keys(p, t) : 0;
}

/* see json.h */
int
json_parse(struct json *j, const char *src, size_t len, struct json_tok *tok,
    size_t maxtok)
{
	struct parser	 p;
	int		 want = WANT_VALUE, c, r, obj;

	if (j == NULL || tok == NULL || (src == NULL && len > 0) ||
	    len >= UINT32_MAX)
		return JSON_EINVAL;
	j->src = NULL;
	j->len = 0;
	j->tok = NULL;
	j->ntok = 0;
	p.s = (const unsigned char *)src;
	p.len = len;
	p.i = 0;
	p.tok = tok;
	p.n = 0;
	p.max = maxtok > JSON_MAX_TOKENS ? JSON_MAX_TOKENS : (int)maxtok;
	p.depth = 0;
	jsmn_init(&p.jp);
	p.jr = JSMN_ERROR_NOMEM;	/* the window is to be filled */
	p.jdone = 0;
	p.jnext = 0;

	for (;;) {
		skip_ws(&p);
		if (want == WANT_AFTER_VALUE && p.depth == 0)
			break;
		if (p.i >= p.len)
			return JSON_ESYNTAX;
		c = p.s[p.i];
		obj = p.depth > 0 &&
		    p.tok[p.f[p.depth - 1].tok].type == JSON_OBJECT;
		switch (want) {
		case WANT_AFTER_VALUE:
			if (c == ',') {
				p.i++;
				want = obj ? WANT_KEY : WANT_VALUE;
			} else if (c == (obj ? '}' : ']')) {
				if ((r = close_container(&p)) < 0)
					return r;
			} else
				return bad_byte(&p);
			break;
		case WANT_KEY_OR_CLOSE:
		case WANT_KEY:
			if (c == '}' && want == WANT_KEY_OR_CLOSE) {
				if ((r = close_container(&p)) < 0)
					return r;
				want = WANT_AFTER_VALUE;
				break;
			}
			if (c != '"')
				return bad_byte(&p);
			if ((r = add_key(&p)) < 0)
				return r;
			skip_ws(&p);
			if (p.i >= p.len || p.s[p.i] != ':')
				return bad_byte(&p);
			p.i++;
			want = WANT_VALUE;
			break;
		default:
			if (c == ']' && want == WANT_VALUE_OR_CLOSE) {
				if ((r = close_container(&p)) < 0)
					return r;
				want = WANT_AFTER_VALUE;
				break;
			}
			if ((want = add_value(&p)) < 0)
				return want;
			break;
		}
	}
	if (p.i != p.len)
		return bad_byte(&p);
	j->src = src;
	j->len = len;
	j->tok = tok;
	j->ntok = p.n;
	return p.n;
}

/* see json.h */
void
json_rebase(struct json *j, const char *src)
{
	j->src = src;
}

/* see json.h */
const char *
json_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case JSON_ESYNTAX:
		return "invalid JSON";
	case JSON_EDEPTH:
		return "JSON nested too deeply";
	case JSON_ETOKENS:
		return "JSON has too many values";
	case JSON_EUTF8:
		return "JSON text is not valid UTF-8 or has an unpaired surrogate";
	case JSON_EDUPKEY:
		return "JSON object has a duplicate key";
	case JSON_ETYPE:
		return "JSON value has the wrong type";
	case JSON_ERANGE:
		return "JSON number is not an integer in range";
	case JSON_ENOTFOUND:
		return "JSON member not found";
	case JSON_ELIMIT:
		return "JSON string too long for its buffer";
	case JSON_ENOMEM:
		return "out of memory";
	case JSON_EINVAL:
		return "invalid argument";
	default:
		return "unknown JSON error";
	}
}

static const struct json_tok *
get(const struct json *j, int t)
{
	if (j == NULL || t < 0 || t >= j->ntok)
		return NULL;
	return &j->tok[t];
}

/* see json.h */
enum json_type
json_type(const struct json *j, int t)
{
	const struct json_tok	*k;

	if ((k = get(j, t)) == NULL)
		return JSON_NONE;
	return (enum json_type)k->type;
}

/* see json.h */
int
json_size(const struct json *j, int t)
{
	const struct json_tok	*k;

	if ((k = get(j, t)) == NULL)
		return 0;
	return k->size;
}

/* see json.h */
int
json_child(const struct json *j, int t)
{
	const struct json_tok	*k;

	if (t < 0)
		return t;
	if ((k = get(j, t)) == NULL)
		return JSON_EINVAL;
	if (k->type != JSON_OBJECT && k->type != JSON_ARRAY)
		return JSON_ETYPE;
	return k->size > 0 ? t + 1 : JSON_ENOTFOUND;
}

/* see json.h */
int
json_next(const struct json *j, int t)
{
	const struct json_tok	*k;

	if (t < 0)
		return t;
	if ((k = get(j, t)) == NULL)
		return JSON_EINVAL;
	return k->next >= 0 ? k->next : JSON_ENOTFOUND;
}

/* see json.h */
int
json_find(const struct json *j, int obj, const char *key)
{
	const struct json_tok	*o;
	size_t			 n;
	uint32_t		 h;
	int			 k;

	if (obj < 0)
		return obj;
	if ((o = get(j, obj)) == NULL || key == NULL)
		return JSON_EINVAL;
	if (o->type != JSON_OBJECT)
		return JSON_ETYPE;
	n = strlen(key);
	h = fnv(FNV_BASIS, (const unsigned char *)key, n);
	for (k = o->size > 0 ? obj + 1 : -1; k >= 0; k = j->tok[k].next)
		if (j->tok[k].dlen == n && j->tok[k].hash == h &&
		    json_streq(j, k, key))
			return k + 1;
	return JSON_ENOTFOUND;
}

/* see json.h */
int
json_streq(const struct json *j, int t, const char *s)
{
	const struct json_tok	*k;
	struct sdec		 d;
	int			 c;

	if ((k = get(j, t)) == NULL || k->type != JSON_STRING || s == NULL)
		return 0;
	sdec_init(&d, (const unsigned char *)j->src, k);
	while ((c = sdec_next(&d)) != -1)
		if (*s == '\0' || c != (unsigned char)*s++)
			return 0;
	return *s == '\0';
}

static int
buf_err(int r)
{
	return r == UTIL_ELIMIT ? JSON_ELIMIT : JSON_ENOMEM;
}

/* see json.h */
int
json_decode(const struct json *j, int t, struct buf *out)
{
	const struct json_tok	*k;
	const unsigned char	*s;
	unsigned char		 u[4];
	uint32_t		 cp;
	size_t			 i, run, end;
	int			 r;

	if (t < 0)
		return t;
	if ((k = get(j, t)) == NULL || out == NULL)
		return JSON_EINVAL;
	if (k->type != JSON_STRING)
		return JSON_ETYPE;
	s = (const unsigned char *)j->src;
	i = k->start + 1;
	end = k->end - 1;
	while (i < end) {
		/* Copy each run of plain bytes at once, then one escape. */
		for (run = i; run < end && s[run] != '\\'; run++)
			;
		if (run > i && (r = buf_add(out, s + i, run - i)) != 0)
			return buf_err(r);
		if ((i = run) >= end)
			break;
		if ((r = unescape(s + i, end - i, &cp)) < 0)
			return JSON_ESYNTAX;	/* cannot happen: validated */
		i += (size_t)r;
		r = utf8_put(u, cp);
		if ((r = buf_add(out, u, (size_t)r)) != 0)
			return buf_err(r);
	}
	return 0;
}

/* see json.h */
int
json_int64(const struct json *j, int t, int64_t *out)
{
	const struct json_tok	*k;
	const char		*s, *ip, *fp;
	size_t			 i, end, ni, nf, nd, first, last, d;
	int64_t			 e, top;
	uint64_t		 v, lim;
	int			 neg;

	if (t < 0)
		return t;
	if ((k = get(j, t)) == NULL || out == NULL)
		return JSON_EINVAL;
	if (k->type != JSON_NUMBER)
		return JSON_ETYPE;
	s = j->src;
	i = k->start;
	end = k->end;
	neg = s[i] == '-';
	if (neg)
		i++;
	for (ip = s + i, ni = 0; i < end && is_digit(s[i]); i++)
		ni++;
	fp = s + i;
	nf = 0;
	if (i < end && s[i] == '.') {
		for (fp = s + ++i; i < end && is_digit(s[i]); i++)
			nf++;
	}
	/* The exponent saturates: past 10^15 only its sign matters. */
	e = 0;
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		int	eneg;

		i++;
		eneg = s[i] == '-';
		if (s[i] == '-' || s[i] == '+')
			i++;
		for (; i < end; i++)
			if (e < 1000000000000000LL)
				e = e * 10 + (s[i] - '0');
		if (eneg)
			e = -e;
	}
	/*
	 * Digit d of the ni + nf digits weighs 10^(ni - 1 - d + e).  The
	 * value is integral when the last non-zero digit weighs at least 1,
	 * and fits when the first weighs at most 10^18.
	 */
	nd = ni + nf;
#define DIGIT(x)	((x) < ni ? ip[(x)] : fp[(x) - ni])
	for (first = 0; first < nd && DIGIT(first) == '0'; first++)
		;
	if (first == nd) {
		*out = 0;
		return 0;
	}
	for (last = nd - 1; DIGIT(last) == '0'; last--)
		;
	if ((int64_t)ni - 1 - (int64_t)last + e < 0)
		return JSON_ERANGE;
	top = (int64_t)ni - 1 - (int64_t)first + e;
	if (top > 18)
		return JSON_ERANGE;
	v = 0;
	for (d = first; d <= last; d++)
		v = v * 10 + (uint64_t)(DIGIT(d) - '0');
	for (e = (int64_t)ni - 1 - (int64_t)last + e; e > 0; e--)
		v *= 10;
#undef DIGIT
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (v > lim)
		return JSON_ERANGE;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* see json.h */
int
json_bool(const struct json *j, int t, int *out)
{
	const struct json_tok	*k;

	if (t < 0)
		return t;
	if ((k = get(j, t)) == NULL || out == NULL)
		return JSON_EINVAL;
	if (k->type != JSON_TRUE && k->type != JSON_FALSE)
		return JSON_ETYPE;
	*out = k->type == JSON_TRUE;
	return 0;
}

/* see json.h */
struct slice
json_raw(const struct json *j, int t)
{
	const struct json_tok	*k;
	struct slice		 r;

	r.p = NULL;
	r.n = 0;
	if ((k = get(j, t)) != NULL) {
		r.p = j->src + k->start;
		r.n = k->end - k->start;
	}
	return r;
}
