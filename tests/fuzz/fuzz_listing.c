/*
 * fuzz_listing.c - fuzz target for listings under access rules
 * (listing.c) and their sealed tokens.
 *
 * Input: one flags byte, one max_keys byte, then lines: the allowed
 * list (when flags bit 0), the denied list (bit 1), the prefix, the
 * delimiter, a token tried first (bit 2), then the bucket's keys (any
 * bytes, sorted and deduplicated here, at most MAX_KEYS).
 *
 * A fuzzed token must be refused (nobody can make one without the key).
 * The listing, paged to its end, must equal the brute-force model of
 * listing_model.h entry for entry, no page may exceed max_keys or make
 * more than LISTING_MAX_REQUESTS requests, and every page must move on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "../unit/listing_model.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define MAX_KEYS	48
#define MAX_PAGES	2000

static struct listing_key key;
static int key_ready;

/* The next line of p[*off..n), as a NUL-terminated copy (NULL at the end). */
static char *
line(const uint8_t *p, size_t n, size_t *off, size_t *len)
{
	const uint8_t *nl;
	size_t l;
	char *s;

	if (*off >= n)
		return NULL;
	nl = memchr(p + *off, '\n', n - *off);
	l = nl ? (size_t)(nl - (p + *off)) : n - *off;
	if ((s = malloc(l + 1)) == NULL)
		abort();
	memcpy(s, p + *off, l);
	s[l] = '\0';
	*off += l + (nl != NULL);
	*len = l;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_rules r;
	struct listing_req q;
	struct s3_listing l;
	struct s3_error err;
	struct fake f;
	struct buf want, got;
	char *allowed = NULL, *denied = NULL, *pre = NULL, *delim = NULL;
	char *tok = NULL, *k, e[256];
	size_t off = 2, len, i, tn = 0, prelen = 0, dlen = 0;
	unsigned flags, maxk, pages = 0;
	int rc;

	if (!key_ready) {
		ASSERT(listing_key_init(&key) == 0);
		key_ready = 1;
	}
	if (size < 2)
		return 0;
	flags = data[0];
	maxk = 1 + data[1] % 20;
	memset(&f, 0, sizeof(f));
	if (flags & 1)
		allowed = line(data, size, &off, &len);
	if (flags & 2)
		denied = line(data, size, &off, &len);
	pre = line(data, size, &off, &prelen);
	delim = line(data, size, &off, &dlen);
	if (flags & 4)
		tok = line(data, size, &off, &tn);
	while (f.nkeys < MAX_KEYS && (k = line(data, size, &off, &len)) != NULL) {
		if (len == 0 || len > S3_MAX_KEY_BYTES || strlen(k) != len) {
			free(k);
			continue;
		}
		for (i = 0; i < f.nkeys && strcmp(f.keys[i], k) != 0; i++)
			;
		if (i < f.nkeys)
			free(k);
		else
			f.keys[f.nkeys++] = k;
	}
	qsort(f.keys, f.nkeys, sizeof(f.keys[0]), qcmp);
	if (pre == NULL || delim == NULL || prelen > S3_MAX_KEY_BYTES ||
	    dlen > 16 || strlen(pre) != prelen || strlen(delim) != dlen ||
	    policy_parse(&r, allowed, denied, NULL, 1, e, sizeof(e)) != 0)
		goto out;

	memset(&q, 0, sizeof(q));
	q.rules = &r;
	q.connection = SLICE_LIT("default");
	q.bucket = SLICE_LIT("bkt");
	q.prefix = slice_cstr(pre);
	q.delimiter = slice_cstr(delim);
	q.max_keys = maxk;
	if (tok != NULL && tn > 0) {
		q.token.p = tok;
		q.token.n = tn;
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		rc = listing_run(&key, &q, fake_fetch, &f, &l, &err);
		ASSERT(rc == LISTING_ETOKEN);
		s3_listing_free(&l);
		q.token.p = NULL;
		q.token.n = 0;
	}
	if (policy_list(&r, q.bucket, q.prefix, NULL) == POLICY_LIST_NONE)
		goto rules;
	buf_init(&want, 0);
	buf_init(&got, 0);
	model(&f, &r, q.bucket, q.prefix, q.delimiter, q.start_after, &want);
	for (;;) {
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		rc = listing_run(&key, &q, fake_fetch, &f, &l, &err);
		ASSERT(rc == 0);
		ASSERT(q.requests <= LISTING_MAX_REQUESTS);
		ASSERT(l.nitems + l.nprefixes <= maxk);
		page_lines(&l, &got);
		if (!l.is_truncated) {
			s3_listing_free(&l);
			break;
		}
		ASSERT(l.has_next && ++pages < MAX_PAGES);
		free((void *)q.token.p);
		q.token.n = l.next_token.len;
		q.token.p = malloc(q.token.n);
		ASSERT(q.token.p != NULL);
		memcpy((void *)q.token.p, S3_POOL(&l, l.next_token), q.token.n);
		s3_listing_free(&l);
	}
	free((void *)q.token.p);
	ASSERT(want.n == got.n && (want.n == 0 ||
	    memcmp(want.p, got.p, want.n) == 0));
	buf_free(&want);
	buf_free(&got);
rules:
	policy_free(&r);
out:
	for (i = 0; i < f.nkeys; i++)
		free(f.keys[i]);
	free(allowed);
	free(denied);
	free(pre);
	free(delim);
	free(tok);
	return 0;
}
