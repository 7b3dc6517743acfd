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

#include "listing_model.h"
#include "unit.h"

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

/* Bytes of base64url, which sealed tokens are written in. */
static int
token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Is a hidden key's absence from the tokens worth checking?  A sealed
 * token is base64url of random-looking bytes, so a short key made only
 * of that alphabet turns up in one now and then (a 4-byte one about once
 * in 16 million places: one of the 150,000 cases failed about one run in
 * three): such a key is looked for from 8 bytes on, where that does not
 * happen.  A key with any other byte ('/', 'é') cannot be in a sealed
 * token by chance, so it is always looked for.
 */
static int
key_checkable(const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < n; i++)
		if (!token_char((unsigned char)key[i]))
			return 1;
	return n >= 8;
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
		fprintf(stderr, "  pages %u requests %u\n", pages, q.requests);
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
		    key_checkable(f->keys[i]))
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
