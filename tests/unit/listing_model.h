/*
 * listing_model.h - an in-memory S3 (ListObjectsV2 over a sorted key
 * list, keys that are not UTF-8 flagged as s3.c flags them) and a
 * brute-force model of a listing under access rules, for test_listing.c
 * and fuzz_listing.c.
 *
 * model() writes the listing of the visible keys (policy_visible) as S3
 * would give it, one "K:key" or "P:prefix" line each; page_lines() writes
 * a page of listing_run() the same way, so that the pages put together
 * can be compared with the model byte for byte.
 */
#ifndef MCP_S3_LISTING_MODEL_H
#define MCP_S3_LISTING_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "policy.h"
#include "s3.h"
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

static inline int
cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (an < bn ? -1 : an > bn);
}

static inline int
qcmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return cmp(x, strlen(x), y, strlen(y));
}

static inline int
starts(const char *k, size_t kn, struct slice p)
{
	return p.n == 0 || (kn >= p.n && memcmp(k, p.p, p.n) == 0);
}

/* The common prefix length of k under prefix and delimiter, or 0. */
static inline size_t
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

static inline void
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
	l->last_prefix = prefix;
}

/* ListObjectsV2 over the fake's keys. */
static inline int
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
static inline void
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
			/* As RGW lists: only what sorts after start_after. */
			if (!utf8_valid(k.p, cn) || (sa.n > 0 &&
			    cmp(k.p, cn, sa.p, sa.n) <= 0))
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
static inline void
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

#endif
