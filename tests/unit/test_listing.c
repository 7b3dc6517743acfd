/*
 * test_listing.c - listings under access rules (listing.c) against an
 * in-memory S3 and a brute-force model of the rules.
 *
 * The property: for random key sets, rule sets, prefixes, delimiters,
 * start_after and page sizes, the pages of listing_run() put together
 * are exactly the listing of the visible keys (policy_visible) as S3
 * would give it, each entry once, in order; no call makes more than
 * LISTING_MAX_REQUESTS requests; no token holds a hidden key in clear;
 * forged and foreign tokens are refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "policy.h"
#include "s3.h"
#include "unit.h"
#include "util.h"

#define MAXK	64

struct fake {
	char		*keys[MAXK];
	size_t		 nkeys;
	unsigned	 calls;
	int		 hostile;	/* truncated empty pages forever */
	/* what the last request asked */
	char		 last_prefix[256];
};

static int
cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (an < bn ? -1 : an > bn);
}

static int
qcmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return cmp(x, strlen(x), y, strlen(y));
}

static int
starts(const char *k, size_t kn, struct slice p)
{
	return p.n == 0 || (kn >= p.n && memcmp(k, p.p, p.n) == 0);
}

/* The common prefix length of k under prefix and delimiter, or 0. */
static size_t
cplen(const char *k, size_t kn, struct slice pre, struct slice d)
{
	size_t i;

	if (d.n == 0 || !starts(k, kn, pre))
		return 0;
	for (i = pre.n; i + d.n <= kn; i++)
		if (memcmp(k + i, d.p, d.n) == 0)
			return i + d.n;
	return 0;
}

static void
add_entry(struct s3_listing *l, const char *p, size_t n, int prefix,
    int invalid)
{
	struct s3_span sp;

	sp.off = l->pool.n;
	sp.len = n;
	buf_add(&l->pool, p, n);
	if (prefix) {
		if (!invalid) {
			if (l->nprefixes == l->prefixcap) {
				l->prefixcap = l->prefixcap ? 2 * l->prefixcap : 8;
				l->prefixes = realloc(l->prefixes,
				    l->prefixcap * sizeof(*l->prefixes));
			}
			l->prefixes[l->nprefixes++] = sp;
		} else
			l->skipped++;
	} else {
		if (l->nitems == l->itemcap) {
			l->itemcap = l->itemcap ? 2 * l->itemcap : 8;
			l->items = realloc(l->items,
			    l->itemcap * sizeof(*l->items));
		}
		memset(&l->items[l->nitems], 0, sizeof(l->items[0]));
		l->items[l->nitems].off = sp.off;
		l->items[l->nitems].len = n;
		l->items[l->nitems].size = n;
		l->items[l->nitems].invalid = invalid;
		if (invalid)
			l->skipped++;
		l->nitems++;
	}
	l->last = sp;
	l->has_last = 1;
}

/* ListObjectsV2 over the fake's keys. */
static int
fake_fetch(void *arg, const struct s3_list_params *p, struct s3_listing *l,
    struct s3_error *err)
{
	struct fake *f = arg;
	const char *lastcp = NULL;
	size_t lastcpn = 0, i, n, cn;
	unsigned count = 0;

	(void)err;
	f->calls++;
	snprintf(f->last_prefix, sizeof(f->last_prefix), "%.*s",
	    (int)p->prefix.n, p->prefix.p);
	if (f->hostile) {
		l->is_truncated = 1;
		return 0;
	}
	for (i = 0; i < f->nkeys; i++) {
		const char *k = f->keys[i];

		n = strlen(k);
		if (!starts(k, n, p->prefix))
			continue;
		if (p->start_after.n > 0 &&
		    cmp(k, n, p->start_after.p, p->start_after.n) <= 0)
			continue;
		cn = cplen(k, n, p->prefix, p->delimiter);
		if (cn > 0 && lastcp != NULL && cn == lastcpn &&
		    memcmp(k, lastcp, cn) == 0)
			continue;
		if (count == p->max_keys) {
			l->is_truncated = 1;
			break;
		}
		count++;
		if (cn > 0) {
			lastcp = k;
			lastcpn = cn;
			add_entry(l, k, cn, 1, !utf8_valid(k, cn));
		} else
			add_entry(l, k, n, 0, !utf8_valid(k, n));
	}
	return 0;
}

/* The model: the visible keys' listing as S3 gives it, as "K:key" and
 * "P:prefix" lines. */
static void
model(const struct fake *f, const struct policy_rules *r, struct slice b,
    struct slice pre, struct slice d, struct slice sa, struct buf *out)
{
	const char *lastcp = NULL;
	size_t lastcpn = 0, i, n, cn;
	struct slice k;

	for (i = 0; i < f->nkeys; i++) {
		k = slice_cstr(f->keys[i]);
		n = k.n;
		if (!starts(k.p, n, pre) || !policy_visible(r, b, k))
			continue;
		if (sa.n > 0 && cmp(k.p, n, sa.p, sa.n) <= 0)
			continue;
		cn = cplen(k.p, n, pre, d);
		if (cn > 0) {
			if (lastcp != NULL && cn == lastcpn &&
			    memcmp(k.p, lastcp, cn) == 0)
				continue;
			lastcp = k.p;
			lastcpn = cn;
			if (!utf8_valid(k.p, cn))
				continue;
			buf_adds(out, "P:");
			buf_add(out, k.p, cn);
		} else {
			if (!utf8_valid(k.p, n))
				continue;
			buf_adds(out, "K:");
			buf_add(out, k.p, n);
		}
		buf_addc(out, '\n');
	}
}

/* One page's entries, in order, appended as the model writes them. */
static void
page_lines(const struct s3_listing *l, struct buf *out)
{
	size_t i = 0, j = 0;
	int key;

	while (i < l->nitems || j < l->nprefixes) {
		if (i == l->nitems)
			key = 0;
		else if (j == l->nprefixes)
			key = 1;
		else
			key = cmp(S3_POOL(l, l->items[i]), l->items[i].len,
			    S3_POOL(l, l->prefixes[j]), l->prefixes[j].len) < 0;
		if (key) {
			if (!l->items[i].invalid) {
				buf_adds(out, "K:");
				buf_add(out, S3_POOL(l, l->items[i]),
				    l->items[i].len);
				buf_addc(out, '\n');
			}
			i++;
		} else {
			buf_adds(out, "P:");
			buf_add(out, S3_POOL(l, l->prefixes[j]),
			    l->prefixes[j].len);
			buf_addc(out, '\n');
			j++;
		}
	}
}

static uint32_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

static const char *const alphabet[] = { "a", "b", "/", "c", "\xc3\xa9" };

static void
rand_str(char *p, size_t cap, size_t maxlen)
{
	size_t n = rnd((uint32_t)maxlen + 1), i, o = 0;
	const char *a;

	for (i = 0; i < n; i++) {
		a = alphabet[rnd(5)];
		if (o + strlen(a) + 1 >= cap)
			break;
		memcpy(p + o, a, strlen(a));
		o += strlen(a);
	}
	p[o] = '\0';
}

/* A rule list of 0..3 entries, some bucket-scoped; NULL when empty. */
static char *
rand_rules(char *p, size_t cap)
{
	size_t n = rnd(4), i, o = 0;
	char s[32];

	if (n == 0)
		return NULL;
	p[0] = '\0';
	for (i = 0; i < n; i++) {
		rand_str(s, sizeof(s), 4);
		switch (rnd(4)) {
		case 0:
			o += (size_t)snprintf(p + o, cap - o, "%s%s",
			    i ? "," : "", s[0] ? s : "a");
			break;
		case 1:
			o += (size_t)snprintf(p + o, cap - o, "%ss3://other/%s",
			    i ? "," : "", s);
			break;
		default:
			o += (size_t)snprintf(p + o, cap - o, "%ss3://bkt/%s",
			    i ? "," : "", s);
			break;
		}
	}
	return p;
}

static int
contains(const struct buf *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n > 0 && i + n <= hay->n; i++)
		if (memcmp(hay->p + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
free_fake(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->nkeys; i++)
		free(f->keys[i]);
	f->nkeys = 0;
}

static void
rand_keys(struct fake *f)
{
	size_t n = 1 + rnd(MAXK - 4), i, j;
	char s[64];

	f->nkeys = 0;
	for (i = 0; i < n; i++) {
		rand_str(s, sizeof(s), 7);
		if (s[0] == '\0')
			strcpy(s, "a");
		if (rnd(25) == 0)
			strcat(s, "\xff");	/* not UTF-8 */
		for (j = 0; j < f->nkeys; j++)
			if (strcmp(f->keys[j], s) == 0)
				break;
		if (j == f->nkeys)
			f->keys[f->nkeys++] = strdup(s);
	}
	qsort(f->keys, f->nkeys, sizeof(f->keys[0]), qcmp);
}

static int cases_run, cases_paged;

/* Lists to the end; compares with the model. */
static void
one_case(const struct listing_key *key, struct fake *f,
    const struct policy_rules *r, const char *label)
{
	struct listing_req q;
	struct s3_listing l;
	struct s3_error err;
	struct buf want, got, tokens;
	char pre[32], d[8], sa[32];
	unsigned pages = 0, maxk;
	size_t i;
	int rc, ok = 1;
	struct slice b = SLICE_LIT("bkt");

	rand_str(pre, sizeof(pre), 3);
	rand_str(d, sizeof(d), rnd(3) ? 1 : 2);
	if (rnd(3) == 0)
		d[0] = '\0';
	if (rnd(3) == 0)
		rand_str(sa, sizeof(sa), 4);
	else
		sa[0] = '\0';
	maxk = 1 + rnd(rnd(2) ? 4 : 40);

	buf_init(&want, 0);
	buf_init(&got, 0);
	buf_init(&tokens, 0);
	model(f, r, b, slice_cstr(pre), slice_cstr(d), slice_cstr(sa), &want);
	memset(&q, 0, sizeof(q));
	q.rules = r;
	q.connection = SLICE_LIT("default");
	q.bucket = b;
	q.prefix = slice_cstr(pre);
	q.delimiter = slice_cstr(d);
	q.start_after = slice_cstr(sa);
	q.max_keys = maxk;
	if (policy_list(r, b, q.prefix, NULL) == POLICY_LIST_NONE) {
		/* The tool refuses these before listing (PolicyDenied). */
		buf_free(&want);
		buf_free(&got);
		buf_free(&tokens);
		return;
	}
	for (;;) {
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		rc = listing_run(key, &q, fake_fetch, f, &l, &err);
		if (rc != 0) {
			fprintf(stderr, "  listing_run: %d after %u pages\n", rc,
			    pages);
			ok = 0;
			s3_listing_free(&l);
			break;
		}
		if (q.requests > LISTING_MAX_REQUESTS)
			ok = 0;
		if (l.nitems + l.nprefixes > maxk)
			ok = 0;
		page_lines(&l, &got);
		pages++;
		if (!l.is_truncated) {
			s3_listing_free(&l);
			break;
		}
		if (!l.has_next || pages > 400) {
			fprintf(stderr, "  stuck: has_next %d pages %u\n",
			    l.has_next, pages);
			ok = 0;
			s3_listing_free(&l);
			break;
		}
		buf_add(&tokens, S3_POOL(&l, l.next_token), l.next_token.len);
		buf_addc(&tokens, '\n');
		/* the next call carries the token, no start_after */
		free((void *)q.token.p);
		q.token.n = l.next_token.len;
		q.token.p = memcpy(malloc(q.token.n), S3_POOL(&l, l.next_token),
		    q.token.n);
		q.start_after.n = 0;
		s3_listing_free(&l);
	}
	free((void *)q.token.p);
	CHECKF(ok, label);
	CHECKF(want.n == got.n && (want.n == 0 ||
	    memcmp(want.p, got.p, want.n) == 0), label);
	if (!(want.n == got.n && (want.n == 0 ||
	    memcmp(want.p, got.p, want.n) == 0))) {
		fprintf(stderr, "  prefix \"%s\" delim \"%s\" sa \"%s\" max %u\n"
		    "  want:\n%.*s  got:\n%.*s", pre, d, sa, maxk,
		    (int)want.n, want.p ? want.p : "", (int)got.n,
		    got.p ? got.p : "");
		for (i = 0; i < f->nkeys; i++)
			fprintf(stderr, "  key %s%s\n", f->keys[i],
			    policy_visible(r, b, slice_cstr(f->keys[i])) ? "" :
			    " (hidden)");
	}
	/* No hidden key, in clear, in any token. */
	for (i = 0; i < f->nkeys; i++)
		if (!policy_visible(r, b, slice_cstr(f->keys[i])) &&
		    strlen(f->keys[i]) >= 4)
			CHECKF(!contains(&tokens, f->keys[i]), label);
	cases_run++;
	if (pages > 1)
		cases_paged++;
	buf_free(&want);
	buf_free(&got);
	buf_free(&tokens);
}

static void
property(const struct listing_key *key)
{
	struct policy_rules r;
	struct fake f;
	char al[256], de[256], label[600], err[256];
	char *a, *d;
	int n, i;

	memset(&f, 0, sizeof(f));
	for (n = 0; n < 20000; n++) {
		a = rand_rules(al, sizeof(al));
		d = rand_rules(de, sizeof(de));
		if (policy_parse(&r, a, d, rnd(8) == 0 ? "bkt,other" : NULL, 1,
		    err, sizeof(err)) != 0)
			continue;
		rand_keys(&f);
		snprintf(label, sizeof(label), "case %d allowed=%s denied=%s",
		    n, a ? a : "-", d ? d : "-");
		for (i = 0; i < 4; i++)
			one_case(key, &f, &r, label);
		policy_free(&r);
		free_fake(&f);
	}
	CHECK(cases_run > 15000);
	CHECK(cases_paged > 4000);
}

/* The example: tokens and prefixes never name what is hidden. */
static void
example(const struct listing_key *key)
{
	static const char *const keys[] = {
		"rt/allowed/a.txt", "rt/allowed/secret/s1.txt",
		"rt/allowed/secret/s2.txt", "rt/allowed/z.txt",
		"rt/outside.txt", "top.txt", "zz/deep/x",
	};
	struct policy_rules r;
	struct listing_req q;
	struct s3_listing l;
	struct s3_error err;
	struct fake f;
	char e[256];
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		f.keys[f.nkeys++] = strdup(keys[i]);
	CHECK(policy_parse(&r, "s3://bkt/rt/allowed/",
	    "s3://bkt/rt/allowed/secret/", NULL, 1, e, sizeof(e)) == 0);

	memset(&q, 0, sizeof(q));
	q.rules = &r;
	q.connection = SLICE_LIT("default");
	q.bucket = SLICE_LIT("bkt");
	q.prefix = SLICE_LIT("rt/allowed/");
	q.max_keys = 1;
	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
	CHECK(l.nitems == 1 && l.is_truncated && l.has_next);
	/* The token is ours: tagged, base64url, no key inside. */
	CHECK(l.next_token.len > 3 &&
	    memcmp(S3_POOL(&l, l.next_token), "l1.", 3) == 0);
	for (i = 0; i < l.next_token.len; i++) {
		char ch = S3_POOL(&l, l.next_token)[i];

		CHECK((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    (i == 2 && ch == '.'));
	}
	{
		char tok[2048];
		size_t tn = l.next_token.len;

		memcpy(tok, S3_POOL(&l, l.next_token), tn);
		s3_listing_free(&l);

		/* The same token for a bucket-wide listing: refused. */
		q.token.p = tok;
		q.token.n = tn;
		q.prefix = SLICE_LIT("");
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) ==
		    LISTING_ETOKEN);
		s3_listing_free(&l);
		/* Another connection, delimiter: refused. */
		q.prefix = SLICE_LIT("rt/allowed/");
		q.connection = SLICE_LIT("other");
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) ==
		    LISTING_ETOKEN);
		s3_listing_free(&l);
		q.connection = SLICE_LIT("default");
		q.delimiter = SLICE_LIT("/");
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) ==
		    LISTING_ETOKEN);
		s3_listing_free(&l);
		q.delimiter = SLICE_LIT("");
		/* Every changed character: refused. */
		for (i = 0; i < tn; i++) {
			char was = tok[i];

			tok[i] = was == 'A' ? 'B' : 'A';
			memset(&l, 0, sizeof(l));
			buf_init(&l.pool, 0);
			rc = listing_run(key, &q, fake_fetch, &f, &l, &err);
			CHECKF(rc == LISTING_ETOKEN, "flipped");
			s3_listing_free(&l);
			tok[i] = was;
		}
		/* Cut, or made by another key: refused. */
		{
			struct listing_key other;

			q.token.n = tn - 1;
			memset(&l, 0, sizeof(l));
			buf_init(&l.pool, 0);
			CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) ==
			    LISTING_ETOKEN);
			s3_listing_free(&l);
			q.token.n = tn;
			CHECK(listing_key_init(&other) == 0);
			memset(&l, 0, sizeof(l));
			buf_init(&l.pool, 0);
			CHECK(listing_run(&other, &q, fake_fetch, &f, &l,
			    &err) == LISTING_ETOKEN);
			s3_listing_free(&l);
			listing_key_wipe(&other);
		}
		/* The real token goes on to z.txt, skipping the secrets. */
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
		CHECK(l.nitems == 1 && l.items[0].len == 16 &&
		    memcmp(S3_POOL(&l, l.items[0]), "rt/allowed/z.txt", 16) ==
		    0);
		s3_listing_free(&l);
	}

	/* A bucket-wide listing asks only for the allowed prefix. */
	q.token.n = 0;
	q.prefix = SLICE_LIT("");
	q.max_keys = 1000;
	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	f.calls = 0;
	CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
	CHECK(strcmp(f.last_prefix, "rt/allowed/") == 0);
	CHECK(l.nitems == 2 && !l.is_truncated);
	s3_listing_free(&l);

	/* Delimiter "c": rt/allowed/sec exists only for hidden keys. */
	q.prefix = SLICE_LIT("rt/allowed/");
	q.delimiter = SLICE_LIT("c");
	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
	CHECK(l.nprefixes == 0);
	CHECK(l.nitems == 2);
	s3_listing_free(&l);
	/* Delimiter "/" at the top: "rt/" (allowed keys are under it). */
	q.prefix = SLICE_LIT("");
	q.delimiter = SLICE_LIT("/");
	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
	CHECK(l.nprefixes == 1 && l.nitems == 0 && l.prefixes[0].len == 3);
	s3_listing_free(&l);

	/* A hostile S3 (truncated empty pages): bounded, and truncated. */
	f.hostile = 1;
	f.calls = 0;
	q.delimiter = SLICE_LIT("");
	memset(&l, 0, sizeof(l));
	buf_init(&l.pool, 0);
	CHECK(listing_run(key, &q, fake_fetch, &f, &l, &err) == 0);
	CHECK(f.calls == LISTING_MAX_REQUESTS);
	CHECK(l.is_truncated && l.has_next);
	s3_listing_free(&l);
	f.hostile = 0;

	policy_free(&r);
	free_fake(&f);
}

int
main(void)
{
	struct listing_key key;

	CHECK(listing_key_init(&key) == 0);
	example(&key);
	property(&key);
	listing_key_wipe(&key);
	printf("%d cases, %d of them over several pages\n", cases_run,
	    cases_paged);
	return unit_done("test_listing");
}
