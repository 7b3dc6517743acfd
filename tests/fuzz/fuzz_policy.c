/*
 * fuzz_policy.c - fuzz target for the access rules.
 *
 * Input: one flags byte, then lines.  Flags bit 0, 1, 2 say whether the
 * first, second and third line are given as MCP_S3_ALLOWED_PREFIXES,
 * MCP_S3_DENIED_PREFIXES and MCP_S3_ALLOWED_BUCKETS (unset otherwise);
 * bit 3 switches the rules on without lists.  The other lines are probes:
 * strings tried as buckets, keys and listing prefixes.
 *
 * A failed parse must leave the rules off and empty, with a terminated,
 * valid UTF-8 message.  A good parse is checked against a reference
 * model written here a second way (the shape check by searching the key
 * wrapped in slashes), on keys and prefixes made from the rules' own
 * prefixes, their prefixes, each extended by a byte, and the probes:
 * policy_key must agree with the model; policy_list must keep its
 * promises on every candidate key under the prefix (ALL: each allowed or
 * refused for its shape; NONE: none allowed); policy_show_prefix must
 * agree with policy_list; a NULL decision must not change a verdict; and
 * every decision text must be terminated and valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "policy.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

#define MAX_CAND	16
#define MAX_BUCKETS	3
#define MAX_PROBES	8

struct cands {
	struct slice	 s[MAX_CAND];
	char		*own[MAX_CAND];	/* allocated copies, or NULL */
	size_t		 n;
};

static void
cand_add(struct cands *c, const char *p, size_t n)
{
	size_t	 i;

	if (c->n == MAX_CAND || n > S3_MAX_KEY_BYTES + 8)
		return;
	for (i = 0; i < c->n; i++)
		if (c->s[i].n == n && (n == 0 || memcmp(c->s[i].p, p, n) == 0))
			return;
	c->s[c->n].p = p;
	c->s[c->n].n = n;
	c->own[c->n] = NULL;
	c->n++;
}

/* Adds p followed by one byte, as an allocation of exactly its size. */
static void
cand_add_ext(struct cands *c, struct slice p, char ch)
{
	char	*s;

	if (c->n == MAX_CAND || p.n > S3_MAX_KEY_BYTES)
		return;
	if ((s = malloc(p.n + 1)) == NULL)
		return;
	if (p.n > 0)
		memcpy(s, p.p, p.n);
	s[p.n] = ch;
	c->s[c->n].p = s;
	c->s[c->n].n = p.n + 1;
	c->own[c->n] = s;
	c->n++;
}

static void
cand_free(struct cands *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		free(c->own[i]);
	c->n = 0;
}

static int
starts(struct slice s, struct slice pre)
{
	return pre.n == 0 || (s.n >= pre.n && memcmp(s.p, pre.p, pre.n) == 0);
}

static int
has(const char *p, size_t n, const char *needle)
{
	size_t	 i, k = strlen(needle);

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return 1;
	return 0;
}

/*
 * The refused shapes, found a second way: "/" + key + "/" searched for
 * "/./" and "/../", without building the wrapped copy.
 */
static int
model_bad_shape(struct slice k)
{
	size_t	 i;
	int	 at;

	if (k.n == 0 || k.p[0] == '/' || memchr(k.p, '\\', k.n) != NULL ||
	    has(k.p, k.n, "//"))
		return 1;
	for (i = 0; i <= k.n; i++) {
		/* i is where a segment starts in the wrapped string. */
		if (i > 0 && k.p[i - 1] != '/')
			continue;
		at = 0;
		while (i + at < k.n && k.p[i + at] == '.' && at < 3)
			at++;
		if ((at == 1 || at == 2) && (i + at == k.n ||
		    k.p[i + at] == '/'))
			return 1;
	}
	return 0;
}

static int
model_bucket_ok(struct slice b)
{
	size_t	 i;
	int	 c;

	if (b.n < 3 || b.n > 63)
		return 0;
	for (i = 0; i < b.n; i++) {
		c = (unsigned char)b.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int
model_ieq(struct slice a, struct slice b)
{
	size_t	 i;
	int	 x, y;

	if (a.n != b.n)
		return 0;
	for (i = 0; i < a.n; i++) {
		x = (unsigned char)a.p[i];
		y = (unsigned char)b.p[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/* 1 allow, 0 deny by bucket or rule, -1 deny for the key's shape. */
static int
model_key(const struct policy_rules *r, struct slice b, struct slice k)
{
	size_t	 i;
	int	 in;

	if (!r->active)
		return 1;
	if (!model_bucket_ok(b))
		return 0;
	if (r->nbuckets > 0) {
		for (i = 0, in = 0; i < r->nbuckets; i++)
			if (strlen(r->buckets[i]) == b.n &&
			    memcmp(r->buckets[i], b.p, b.n) == 0)
				in = 1;
		if (!in)
			return 0;
	}
	if (model_bad_shape(k))
		return -1;
	for (i = 0; i < r->ndenied; i++)
		if ((r->denied[i].bucket.n == 0 ||
		    model_ieq(r->denied[i].bucket, b)) &&
		    starts(k, r->denied[i].prefix))
			return 0;
	if (r->nallowed == 0)
		return 1;
	for (i = 0; i < r->nallowed; i++)
		if ((r->allowed[i].bucket.n == 0 ||
		    (r->allowed[i].bucket.n == b.n &&
		    memcmp(r->allowed[i].bucket.p, b.p, b.n) == 0)) &&
		    starts(k, r->allowed[i].prefix))
			return 1;
	return 0;
}

static void
check_text(const struct policy_decision *d)
{
	const char	*z;

	ASSERT((z = memchr(d->rule, '\0', sizeof(d->rule))) != NULL);
	ASSERT(utf8_valid(d->rule, (size_t)(z - d->rule)));
	ASSERT(memchr(d->tag, '\0', sizeof(d->tag)) != NULL);
	ASSERT(d->tag[0] != '\0');
}

static void
check_rules(const struct policy_rules *r, struct cands *pc,
    struct cands *bc)
{
	static const char	 ext[] = "a/.\\";
	static const char *const suffix[] = { "", "a", "/", "x/y", ".", "/..",
	    "a.b", "//" };
	struct policy_decision	 d;
	struct slice		 b, p, k;
	const char *const	*names;
	char			*kk;
	size_t			 bi, pi, ki, si, i;
	int			 rc, v, m;

	/* Candidate keys: rule prefixes, their prefixes, one byte more. */
	for (i = 0; i < r->nallowed + r->ndenied; i++) {
		p = i < r->nallowed ? r->allowed[i].prefix :
		    r->denied[i - r->nallowed].prefix;
		cand_add(pc, p.p, p.n);
		if (p.n > 0)
			cand_add(pc, p.p, p.n - 1);
		cand_add(pc, p.p, p.n / 2);
		for (si = 0; si < sizeof(ext) - 1; si++)
			cand_add_ext(pc, p, ext[si]);
	}
	for (i = 0; i < r->nallowed + r->ndenied; i++) {
		b = i < r->nallowed ? r->allowed[i].bucket :
		    r->denied[i - r->nallowed].bucket;
		if (b.n > 0 && bc->n < MAX_BUCKETS)
			cand_add(bc, b.p, b.n);
	}
	for (i = 0; i < r->nbuckets && bc->n < MAX_BUCKETS; i++)
		cand_add(bc, r->buckets[i], strlen(r->buckets[i]));
	cand_add(bc, "fzb", 3);

	ASSERT(policy_buckets(r, &names) == r->nbuckets);
	ASSERT((names == NULL) == (r->nbuckets == 0));

	for (bi = 0; bi < bc->n; bi++) {
		b = bc->s[bi];
		rc = policy_bucket(r, b, &d);
		check_text(&d);
		ASSERT((rc == 0) == d.allow);
		ASSERT(policy_bucket(r, b, NULL) == rc);
		for (ki = 0; ki < pc->n; ki++) {
			k = pc->s[ki];
			rc = policy_key(r, b, k, &d);
			check_text(&d);
			ASSERT(rc == 0 || rc == POLICY_EDENIED);
			ASSERT((rc == 0) == d.allow);
			ASSERT(policy_key(r, b, k, NULL) == rc);
			m = model_key(r, b, k);
			ASSERT((m == 1) == (rc == 0));
			if (m == -1)
				ASSERT(strcmp(d.tag, POLICY_TAG_BAD_KEY) == 0);
		}
		for (pi = 0; pi < pc->n; pi++) {
			p = pc->s[pi];
			v = policy_list(r, b, p, &d);
			check_text(&d);
			ASSERT(v == POLICY_LIST_ALL || v == POLICY_LIST_FILTER ||
			    v == POLICY_LIST_NONE);
			ASSERT(d.allow == (v != POLICY_LIST_NONE));
			ASSERT(policy_list(r, b, p, NULL) == v);
			ASSERT(policy_show_prefix(r, b, p) ==
			    (v != POLICY_LIST_NONE));
			if (v == POLICY_LIST_FILTER)
				continue;
			/* Every candidate under p, and p with suffixes. */
			for (ki = 0; ki < pc->n; ki++) {
				if (!starts(pc->s[ki], p))
					continue;
				m = model_key(r, b, pc->s[ki]);
				ASSERT(v == POLICY_LIST_ALL ? m != 0 : m != 1);
			}
			for (si = 0; si < sizeof(suffix) / sizeof(suffix[0]);
			    si++) {
				k.n = p.n + strlen(suffix[si]);
				if ((kk = malloc(k.n + 1)) == NULL)
					abort();
				if (p.n > 0)
					memcpy(kk, p.p, p.n);
				memcpy(kk + p.n, suffix[si],
				    strlen(suffix[si]));
				k.p = kk;
				m = model_key(r, b, k);
				ASSERT(v == POLICY_LIST_ALL ? m != 0 : m != 1);
				ASSERT((policy_key(r, b, k, NULL) == 0) ==
				    (m == 1));
				free(kk);
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_rules	 r;
	struct cands		 pc, bc;
	char			*line[3 + MAX_PROBES], err[200], small[9];
	size_t			 len[3 + MAX_PROBES];
	const char		*nl, *s, *end;
	const char		*z;
	size_t			 nline = 0, i;
	unsigned		 flags;
	int			 rc, rc2;

	if (size < 1)
		return 0;
	flags = data[0];
	s = (const char *)data + 1;
	end = (const char *)data + size;
	/* Each line is copied to exactly its size plus a NUL. */
	while (s <= end && nline < 3 + MAX_PROBES) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if ((line[nline] = malloc((size_t)(nl - s) + 1)) == NULL)
			abort();
		memcpy(line[nline], s, (size_t)(nl - s));
		line[nline][nl - s] = '\0';
		len[nline++] = (size_t)(nl - s);
		s = nl + 1;
	}
	while (nline < 3) {
		if ((line[nline] = malloc(1)) == NULL)
			abort();
		line[nline][0] = '\0';
		len[nline++] = 0;
	}

	/* A message buffer too small for any message: cut, terminated. */
	rc2 = policy_parse(&r, flags & 1 ? line[0] : NULL,
	    flags & 2 ? line[1] : NULL, flags & 4 ? line[2] : NULL,
	    (flags & 8) != 0, small, sizeof(small));
	ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	policy_free(&r);
	memset(err, 'x', sizeof(err));
	rc = policy_parse(&r, flags & 1 ? line[0] : NULL,
	    flags & 2 ? line[1] : NULL, flags & 4 ? line[2] : NULL,
	    (flags & 8) != 0, err, sizeof(err));
	ASSERT(rc == rc2);
	ASSERT((z = memchr(err, '\0', sizeof(err))) != NULL);
	ASSERT(utf8_valid(err, (size_t)(z - err)));
	if (rc != 0) {
		ASSERT(rc == POLICY_EINVAL || rc == POLICY_ELIMIT ||
		    rc == POLICY_ENOMEM);
		ASSERT(z != err);
		ASSERT(!policy_active(&r) && r.nallowed == 0 &&
		    r.ndenied == 0 && r.nbuckets == 0 && r.allowed == NULL);
	} else {
		ASSERT(policy_active(&r) == ((flags & 15) != 0));
		for (i = 0; i < r.nallowed + r.ndenied; i++) {
			const struct policy_rule *ru = i < r.nallowed ?
			    &r.allowed[i] : &r.denied[i - r.nallowed];

			ASSERT(ru->prefix.n <= S3_MAX_KEY_BYTES);
			ASSERT(ru->bucket.n == 0 ||
			    model_bucket_ok(ru->bucket));
			ASSERT(utf8_valid(ru->text, strlen(ru->text)));
		}
		pc.n = bc.n = 0;
		for (i = 3; i < nline; i++) {
			cand_add(&pc, line[i], len[i]);
			if (bc.n < MAX_BUCKETS - 2)
				cand_add(&bc, line[i], len[i]);
		}
		check_rules(&r, &pc, &bc);
		cand_free(&pc);
		cand_free(&bc);
	}
	policy_free(&r);
	ASSERT(!policy_active(&r));
	for (i = 0; i < nline; i++)
		free(line[i]);
	return 0;
}
