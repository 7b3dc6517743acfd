/*
 * listing.c - ListObjectsV2 under access rules; see listing.h.
 *
 * The walk keeps one position, pos: every key and common prefix up to
 * and including it has been dealt with (shown or found hidden).  Each
 * S3 request asks for one range with start-after pos; each entry it
 * returns moves pos forward.  A common prefix, a denied prefix or a
 * range X is dealt with as a whole: pos then becomes the greatest UTF-8
 * key of S3_MAX_KEY_BYTES that starts with X (X, then U+10FFFF while it
 * fits, then the greatest character that fits), so that start-after pos
 * skips every UTF-8 key under X and is itself a key S3 accepts.  Only a
 * server that holds keys that are not UTF-8 can have more under X; for
 * those the mark is X followed by 0xff bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearssl.h"

#include "limits.h"
#include "listing.h"

/* U+10FFFF: sorts after every UTF-8 character. */
#define TOP		"\xf4\x8f\xbf\xbf"
#define TOP_LEN		4

#define TOKEN_TAG	"l1."
#define TOKEN_VERSION	1
#define NONCE_BYTES	12
#define MAC_BYTES	16
/* The longest position: a key, or a mark past a prefix (mark()). */
#define POS_MAX		S3_MAX_KEY_BYTES
/* Version, nonce, position, tag. */
#define SEALED_MAX	(1 + NONCE_BYTES + POS_MAX + MAC_BYTES)

enum probe { P_NONE, P_FOUND, P_BUDGET };

struct walk {
	const struct listing_key	*key;
	struct listing_req		*q;
	listing_fetch_fn		 fetch;
	void				*arg;
	struct s3_listing		*out;
	struct s3_error			*err;
	struct slice			 ranges[POLICY_MAX_ENTRIES];
	size_t				 nranges;
	struct buf			 pos;
	unsigned			 shown;
	int				 rc;
};

/* ---- bytes and order -------------------------------------------------- */

/* slice_cmp() and slice_starts() on the byte strings the walk handles. */
static int
order(const char *a, size_t an, const char *b, size_t bn)
{
	return slice_cmp((struct slice){ a, an }, (struct slice){ b, bn });
}

static int
starts(const char *p, size_t n, struct slice pre)
{
	return slice_starts((struct slice){ p, n }, pre);
}

enum mark { M_AT, M_PAST, M_DONE };

/*
 * Writes to out (POS_MAX bytes) p[0..n) itself (M_AT); or the greatest
 * UTF-8 key of at most S3_MAX_KEY_BYTES that starts with it (M_PAST:
 * start-after it skips every UTF-8 key under p); or p followed by 0xff
 * bytes to that length (M_DONE: every key under p, UTF-8 or not).
 * Returns the length.
 */
static size_t
mark(const char *p, size_t n, enum mark m, char *out)
{
	size_t	 o;

	if (n > S3_MAX_KEY_BYTES)
		n = S3_MAX_KEY_BYTES;
	if (n > 0)
		memcpy(out, p, n);
	o = n;
	if (m == M_PAST) {
		while (S3_MAX_KEY_BYTES - o >= TOP_LEN) {
			memcpy(out + o, TOP, TOP_LEN);
			o += TOP_LEN;
		}
		/*
		 * U+FFFD, U+07FF, U+007F for the last 3, 2, 1 bytes: the
		 * greatest that XML 1.0 can carry (U+FFFE and U+FFFF are not
		 * XML characters, and RGW echoes start-after as it is).
		 */
		if (S3_MAX_KEY_BYTES - o == 3) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else if (S3_MAX_KEY_BYTES - o == 2) {
			memcpy(out + o, "\xdf\xbf", 2);
			o += 2;
		} else if (S3_MAX_KEY_BYTES - o == 1)
			out[o++] = 0x7f;
	} else if (m == M_DONE)
		while (o < S3_MAX_KEY_BYTES)
			out[o++] = (char)0xff;
	return o;
}

/* pos = max(pos, mark(p, n, m)) */
static int
advance(struct walk *w, const char *p, size_t n, enum mark m)
{
	char	 tmp[POS_MAX];
	size_t	 tn = mark(p, n, m, tmp);

	if (order(tmp, tn, w->pos.p, w->pos.n) <= 0)
		return 0;
	buf_reset(&w->pos);
	return buf_add(&w->pos, tmp, tn);
}

/* 1 when pos is at or past mark(p, n, m). */
static int
passed(const struct walk *w, const char *p, size_t n, enum mark m)
{
	char	 tmp[POS_MAX];
	size_t	 tn = mark(p, n, m, tmp);

	return order(tmp, tn, w->pos.p, w->pos.n) <= 0;
}

/* 1 if the string s holds the bytes p[0..n). */
static int
contains(const char *s, const char *p, size_t n)
{
	size_t	 i, sn = strlen(s);

	for (i = 0; i + n <= sn; i++)
		if (memcmp(s + i, p, n) == 0)
			return 1;
	return 0;
}

/* The length of the common prefix of key k under P and D, or 0. */
static size_t
cp_len(const struct listing_req *q, const char *k, size_t n)
{
	size_t	 i;

	if (q->delimiter.n == 0 || !starts(k, n, q->prefix))
		return 0;
	for (i = q->prefix.n; i + q->delimiter.n <= n; i++)
		if (memcmp(k + i, q->delimiter.p, q->delimiter.n) == 0)
			return i + q->delimiter.n;
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static int
emit_key(struct walk *w, const struct s3_listing *l, const struct s3_item *it)
{
	struct s3_listing	*o = w->out;
	struct s3_item		*ni;
	size_t			 cap, off = o->pool.n;

	if (it->invalid) {
		/* Visible but not UTF-8: counted, never shown (as without
		 * rules), and it takes no place in the page. */
		o->skipped++;
		return 0;
	}
	if (o->nitems == o->itemcap) {
		cap = o->itemcap ? o->itemcap * 2 : 16;
		if ((ni = realloc(o->items, cap * sizeof(*ni))) == NULL)
			return S3_ENOMEM;
		o->items = ni;
		o->itemcap = cap;
	}
	if (buf_add(&o->pool, S3_POOL(l, *it), it->len) != 0)
		return S3_ENOMEM;
	o->items[o->nitems] = *it;
	o->items[o->nitems].off = off;
	o->nitems++;
	w->shown++;
	return 0;
}

static int
emit_prefix(struct walk *w, const char *p, size_t n)
{
	struct s3_listing	*o = w->out;
	struct s3_span		*np;
	size_t			 cap;

	if (!utf8_valid(p, n)) {
		o->skipped++;
		return 0;
	}
	if (o->nprefixes == o->prefixcap) {
		cap = o->prefixcap ? o->prefixcap * 2 : 16;
		if ((np = realloc(o->prefixes, cap * sizeof(*np))) == NULL)
			return S3_ENOMEM;
		o->prefixes = np;
		o->prefixcap = cap;
	}
	o->prefixes[o->nprefixes].off = o->pool.n;
	o->prefixes[o->nprefixes].len = n;
	if (buf_add(&o->pool, p, n) != 0)
		return S3_ENOMEM;
	o->nprefixes++;
	w->shown++;
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static int
request(struct walk *w, struct slice prefix, int delimit, unsigned max,
    struct s3_listing *l)
{
	struct s3_list_params	 p;
	int			 rc;

	memset(&p, 0, sizeof(p));
	p.bucket = w->q->bucket;
	p.prefix = prefix;
	if (delimit)
		p.delimiter = w->q->delimiter;
	/* Every key under the prefix sorts after a pos before it. */
	if (order(w->pos.p, w->pos.n, prefix.p, prefix.n) >= 0) {
		p.start_after.p = w->pos.p;
		p.start_after.n = w->pos.n;
	}
	p.max_keys = max;
	memset(l, 0, sizeof(*l));
	buf_init(&l->pool, 0);
	w->q->requests++;
	if ((rc = w->fetch(w->arg, &p, l, w->err)) != 0) {
		s3_listing_free(l);
		/*
		 * S3's message may quote the start-after it was given, and
		 * that can be a hidden key: keep only S3's code.
		 */
		if (w->err->message[0] != '\0' && w->pos.n > 0 &&
		    contains(w->err->message, w->pos.p, w->pos.n > 8 ?
		    8 : w->pos.n))
			snprintf(w->err->message, sizeof(w->err->message),
			    "the listing request was refused");
	}
	return rc;
}

static int
budget_left(const struct walk *w)
{
	return w->q->requests < LISTING_MAX_REQUESTS;
}

/*
 * Moves pos past a page whose entries are all dealt with, to its last:
 * a key, or a common prefix and everything under it (one that is not
 * UTF-8 is never shown, nor anything under it, and was not among the
 * page's prefixes at all).
 */
static int
past_page(struct walk *w, const struct s3_listing *l)
{
	const char	*p;

	if (!l->has_last)
		return 0;
	p = S3_POOL(l, l->last);
	if (!l->last_prefix)
		return advance(w, p, l->last.len, M_AT);
	return advance(w, p, l->last.len, utf8_valid(p, l->last.len) ?
	    M_PAST : M_DONE);
}

/* Moves pos past a hidden key k: past its denied prefix when it has one. */
static int
hide(struct walk *w, const char *k, size_t n)
{
	struct slice	 d, key = { k, n };
	int		 rc;

	if ((rc = advance(w, k, n, M_AT)) != 0)
		return rc;
	if (policy_hiding_prefix(w->q->rules, w->q->bucket, key, &d))
		return advance(w, d.p, d.n, M_PAST);
	return 0;
}

/*
 * Is there a visible key under c after pos?  Walks the ranges that meet
 * c (the longer of each range and c), without a delimiter.  P_BUDGET
 * leaves pos at the last key looked at.
 */
static enum probe
probe(struct walk *w, const char *cp, size_t cn)
{
	struct s3_listing	 l;
	struct slice		 c = { cp, cn }, e, k;
	size_t			 i, j;

	for (i = 0; i < w->nranges; i++) {
		if (starts(w->ranges[i].p, w->ranges[i].n, c))
			e = w->ranges[i];
		else if (starts(cp, cn, w->ranges[i]))
			e = c;
		else
			continue;
		while (!passed(w, e.p, e.n, M_PAST)) {
			if (!budget_left(w))
				return P_BUDGET;
			if ((w->rc = request(w, e, 0, LISTING_PROBE_KEYS,
			    &l)) != 0)
				return P_BUDGET;
			for (j = 0; j < l.nitems; j++) {
				k.p = S3_POOL(&l, l.items[j]);
				k.n = l.items[j].len;
				if (order(k.p, k.n, w->pos.p, w->pos.n) <= 0)
					continue;
				if (policy_visible(w->q->rules, w->q->bucket,
				    k)) {
					s3_listing_free(&l);
					return P_FOUND;
				}
				if ((w->rc = hide(w, k.p, k.n)) != 0)
					break;
			}
			if (w->rc == 0)
				w->rc = past_page(w, &l);
			if (w->rc == 0 && !l.is_truncated)
				w->rc = advance(w, e.p, e.n, M_PAST);
			s3_listing_free(&l);
			if (w->rc != 0)
				return P_BUDGET;
		}
	}
	return P_NONE;
}

/*
 * Deals with common prefix c as a whole: shows it when a visible key is
 * under it.  known: 1 when the caller knows one is (the rules show all
 * of c), -1 when none can be, 0 to look.  Returns 1 when the call must
 * end here (page full, budget out, error): pos then says where to go on.
 */
static int
deal_prefix(struct walk *w, const char *cp, size_t n, int known)
{
	enum probe	 r;
	char		 c[S3_MAX_KEY_BYTES];

	/* c may point into pos, which moves on below. */
	if (n > sizeof(c))
		return (w->rc = advance(w, cp, n, M_AT)) != 0;
	memcpy(c, cp, n);

	if (passed(w, c, n, M_PAST))
		return 0;
	if (w->shown >= w->q->max_keys)
		return 1;
	if (known == 0) {
		r = probe(w, c, n);
		if (r == P_BUDGET)
			return 1;
		known = r == P_FOUND ? 1 : -1;
	}
	if (known > 0 && (w->rc = emit_prefix(w, c, n)) != 0)
		return 1;
	return (w->rc = advance(w, c, n, M_PAST)) != 0;
}

/* Merges one page's keys and prefixes in order. Returns 1 to stop. */
static int
deal_page(struct walk *w, const struct s3_listing *l, int own_prefixes)
{
	const struct policy_rules	*r = w->q->rules;
	const struct s3_item		*it = NULL;
	struct slice			 k;
	size_t				 i = 0, j = 0, n;
	int				 key, cls;

	while (i < l->nitems || j < l->nprefixes) {
		if (i == l->nitems)
			key = 0;
		else if (j == l->nprefixes)
			key = 1;
		else
			key = order(S3_POOL(l, l->items[i]), l->items[i].len,
			    S3_POOL(l, l->prefixes[j]), l->prefixes[j].len) < 0;
		if (key) {
			it = &l->items[i++];
			k.p = S3_POOL(l, *it);
			k.n = it->len;
		} else {
			k.p = S3_POOL(l, l->prefixes[j]);
			k.n = l->prefixes[j].len;
			j++;
		}
		if (order(k.p, k.n, w->pos.p, w->pos.n) <= 0) {
			/*
			 * Dealt with already.  A common prefix met again
			 * holds keys past c + TOP, which only bytes that are
			 * not UTF-8 make: step past every key under it.
			 */
			if (!key && starts(w->pos.p, w->pos.n, k) &&
			    (w->rc = advance(w, k.p, k.n, M_DONE)) != 0)
				return 1;
			continue;
		}
		if (k.n > S3_MAX_KEY_BYTES) {
			/* No S3 key is this long: a hostile answer. */
			if ((w->rc = advance(w, k.p, k.n, M_AT)) != 0)
				return 1;
			continue;
		}
		if (!key) {
			cls = policy_list_rules(r, w->q->bucket, k);
			if (deal_prefix(w, k.p, k.n, cls == POLICY_LIST_ALL ? 1 :
			    cls == POLICY_LIST_NONE ? -1 : 0))
				return 1;
			continue;
		}
		if (!policy_visible(r, w->q->bucket, k)) {
			if ((w->rc = hide(w, k.p, k.n)) != 0)
				return 1;
			continue;
		}
		if (own_prefixes && (n = cp_len(w->q, k.p, k.n)) > 0) {
			if (deal_prefix(w, k.p, n, 1))
				return 1;
			continue;
		}
		if (w->shown >= w->q->max_keys)
			return 1;
		if ((w->rc = emit_key(w, l, it)) != 0 ||
		    (w->rc = advance(w, k.p, k.n, M_AT)) != 0)
			return 1;
	}
	return 0;
}

/*
 * How range e is listed under P and D: 0 with S3's delimiter (its
 * common prefixes are ours), 1 without, rolling prefixes up here (D may
 * begin inside e's part after P and end past it), or 2 when D lies whole
 * inside that part: every key of e then has one common prefix, *cn long.
 */
static int
range_mode(const struct listing_req *q, struct slice e, size_t *cn)
{
	size_t	 i, rest;

	if (q->delimiter.n == 0)
		return 0;
	if ((*cn = cp_len(q, e.p, e.n)) > 0)
		return 2;
	for (i = q->prefix.n; i < e.n; i++) {
		rest = e.n - i;
		if (rest < q->delimiter.n &&
		    memcmp(e.p + i, q->delimiter.p, rest) == 0)
			return 1;
	}
	return 0;
}

/* Walks the ranges from pos on.  Returns 1 when it ended early. */
static int
walk(struct walk *w)
{
	struct s3_listing	 l;
	struct slice		 e;
	size_t			 i, cn;
	unsigned		 want;
	int			 mode, stop;

	/* A position inside a common prefix (a probe cut short, or the
	 * caller's start_after): finish that prefix first. */
	if ((cn = cp_len(w->q, w->pos.p, w->pos.n)) > 0 &&
	    deal_prefix(w, w->pos.p, cn, 0))
		return 1;
	for (i = 0; i < w->nranges; i++) {
		e = w->ranges[i];
		if (passed(w, e.p, e.n, M_PAST))
			continue;
		if ((mode = range_mode(w->q, e, &cn)) == 2) {
			if (deal_prefix(w, e.p, cn, 0))
				return 1;
			continue;
		}
		while (!passed(w, e.p, e.n, M_PAST)) {
			if (w->shown >= w->q->max_keys || !budget_left(w))
				return 1;
			want = w->q->max_keys - w->shown;
			if (policy_list_rules(w->q->rules, w->q->bucket, e) !=
			    POLICY_LIST_ALL)
				want = want + 100 > S3_MAX_LIST_KEYS ?
				    S3_MAX_LIST_KEYS : want + 100;
			if ((w->rc = request(w, e, mode == 0, want, &l)) != 0)
				return 1;
			stop = deal_page(w, &l, mode == 1);
			if (!stop)
				w->rc = past_page(w, &l);
			if (!stop && w->rc == 0 && !l.is_truncated)
				w->rc = advance(w, e.p, e.n, M_PAST);
			s3_listing_free(&l);
			if (stop || w->rc != 0)
				return 1;
		}
	}
	return 0;
}

/* ---- tokens ------------------------------------------------------------ */

static void
bind_field(br_hmac_context *h, struct slice s)
{
	unsigned char	 len[2];

	len[0] = (unsigned char)(s.n >> 8);
	len[1] = (unsigned char)s.n;
	br_hmac_update(h, len, 2);
	br_hmac_update(h, s.p, s.n);
}

/* tag of version || nonce || ciphertext, bound to the listing. */
static void
tag_of(const struct listing_key *k, const struct listing_req *q,
    const unsigned char *p, size_t n, unsigned char out[MAC_BYTES])
{
	br_hmac_key_context	 kc;
	br_hmac_context		 h;
	unsigned char		 full[32];

	br_hmac_key_init(&kc, &br_sha256_vtable, k->mac, sizeof(k->mac));
	br_hmac_init(&h, &kc, 0);
	br_hmac_update(&h, "mcp-s3 listing token", 20);
	bind_field(&h, q->connection);
	bind_field(&h, q->bucket);
	bind_field(&h, q->prefix);
	bind_field(&h, q->delimiter);
	br_hmac_update(&h, p, n);
	br_hmac_out(&h, full);
	memcpy(out, full, MAC_BYTES);
	wipe(full, sizeof(full));
	wipe(&h, sizeof(h));
	wipe(&kc, sizeof(kc));
}

static int
seal(const struct listing_key *k, const struct listing_req *q,
    struct slice pos, struct s3_listing *out)
{
	unsigned char	 raw[SEALED_MAX];
	struct buf	 b;
	size_t		 n, i, off;

	if (pos.n > SEALED_MAX - 1 - NONCE_BYTES - MAC_BYTES)
		return S3_ENOMEM;
	raw[0] = TOKEN_VERSION;
	if (util_random(raw + 1, NONCE_BYTES) != 0)
		return S3_ENOMEM;
	memcpy(raw + 1 + NONCE_BYTES, pos.p, pos.n);
	n = 1 + NONCE_BYTES + pos.n;
	br_chacha20_ct_run(k->enc, raw + 1, 0, raw + 1 + NONCE_BYTES, pos.n);
	tag_of(k, q, raw, n, raw + n);
	n += MAC_BYTES;
	buf_init(&b, 0);
	if (base64_encode(&b, raw, n) != 0) {
		buf_free(&b);
		return S3_ENOMEM;
	}
	/* base64url, without padding */
	while (b.n > 0 && b.p[b.n - 1] == '=')
		b.n--;
	for (i = 0; i < b.n; i++)
		b.p[i] = b.p[i] == '+' ? '-' : b.p[i] == '/' ? '_' : b.p[i];
	off = out->pool.n;
	if (buf_adds(&out->pool, TOKEN_TAG) != 0 ||
	    buf_add(&out->pool, b.p, b.n) != 0) {
		buf_free(&b);
		return S3_ENOMEM;
	}
	out->next_token.off = off;
	out->next_token.len = out->pool.n - off;
	out->has_next = 1;
	buf_free(&b);
	return 0;
}

/* The position a token holds, or LISTING_ETOKEN. */
static int
unseal(const struct listing_key *k, const struct listing_req *q,
    struct buf *pos)
{
	char		 text[(SEALED_MAX + 2) / 3 * 4 + 4];
	struct buf	 raw;
	unsigned char	 tag[MAC_BYTES];
	struct slice	 t = q->token;
	size_t		 i, n;
	int		 rc = LISTING_ETOKEN;

	if (t.n < sizeof(TOKEN_TAG) - 1 ||
	    memcmp(t.p, TOKEN_TAG, sizeof(TOKEN_TAG) - 1) != 0)
		return LISTING_ETOKEN;
	t.p += sizeof(TOKEN_TAG) - 1;
	t.n -= sizeof(TOKEN_TAG) - 1;
	if (t.n + 3 > sizeof(text))
		return LISTING_ETOKEN;
	for (i = 0; i < t.n; i++) {
		char ch = t.p[i];

		if (ch == '+' || ch == '/' || ch == '=')
			return LISTING_ETOKEN;
		text[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
	}
	while (i % 4 != 0)
		text[i++] = '=';
	buf_init(&raw, 0);
	if (base64_decode(&raw, text, i) != 0)
		goto out;
	n = raw.n;
	if (n < 1 + NONCE_BYTES + MAC_BYTES ||
	    (unsigned char)raw.p[0] != TOKEN_VERSION)
		goto out;
	tag_of(k, q, (unsigned char *)raw.p, n - MAC_BYTES, tag);
	if (!ct_equal(tag, raw.p + n - MAC_BYTES, MAC_BYTES))
		goto out;
	n -= 1 + NONCE_BYTES + MAC_BYTES;
	br_chacha20_ct_run(k->enc, raw.p + 1, 0, raw.p + 1 + NONCE_BYTES, n);
	buf_reset(pos);
	if (buf_add(pos, raw.p + 1 + NONCE_BYTES, n) != 0)
		rc = S3_ENOMEM;
	else
		rc = 0;
out:
	buf_free(&raw);
	wipe(tag, sizeof(tag));
	return rc;
}

/* ---- entry points ----------------------------------------------------- */

/* see listing.h */
int
listing_key_init(struct listing_key *k)
{
	if (util_random(k->enc, sizeof(k->enc)) != 0 ||
	    util_random(k->mac, sizeof(k->mac)) != 0)
		return UTIL_EINVAL;
	return 0;
}

/* see listing.h */
void
listing_key_wipe(struct listing_key *k)
{
	wipe(k, sizeof(*k));
}

/* see listing.h */
int
listing_run(const struct listing_key *k, struct listing_req *q,
    listing_fetch_fn fetch, void *arg, struct s3_listing *out,
    struct s3_error *err)
{
	struct walk	 w;
	struct slice	 pos;
	size_t		 cn;
	int		 rc = 0, early;

	memset(&w, 0, sizeof(w));
	memset(err, 0, sizeof(*err));
	w.key = k;
	w.q = q;
	w.fetch = fetch;
	w.arg = arg;
	w.out = out;
	w.err = err;
	q->requests = 0;
	buf_init(&w.pos, 0);
	if (q->token.n > 0) {
		if ((rc = unseal(k, q, &w.pos)) != 0)
			goto out;
	} else if (buf_add(&w.pos, q->start_after.p, q->start_after.n) != 0) {
		rc = S3_ENOMEM;
		goto out;
	} else if ((cn = cp_len(q, w.pos.p, w.pos.n)) > 0 &&
	    deal_prefix(&w, w.pos.p, cn, -1)) {
		/*
		 * A start_after inside a common prefix: S3 lists only what
		 * sorts after it, and the prefix sorts before, so it is not
		 * listed again; the walk starts past it.
		 */
		rc = w.rc;
		goto out;
	}
	w.nranges = policy_list_ranges(q->rules, q->bucket, q->prefix,
	    w.ranges, POLICY_MAX_ENTRIES);
	early = walk(&w);
	if ((rc = w.rc) != 0)
		goto out;
	out->is_truncated = early;
	if (early) {
		pos.p = w.pos.p;
		pos.n = w.pos.n;
		rc = seal(k, q, pos, out);
	}
out:
	buf_free(&w.pos);
	return rc;
}
