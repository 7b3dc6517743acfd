/*
 * policy.c - access rules: parsing the three lists, and the bucket, key
 * and listing decisions.  See policy.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "policy.h"
#include "util.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)

/* Why a key or prefix has a shape that is refused (policy.h, step 2). */
enum shape {
	SHAPE_OK = 0,
	SHAPE_EMPTY,
	SHAPE_LEADING_SLASH,
	SHAPE_EMPTY_SEGMENT,
	SHAPE_DOT,
	SHAPE_DOTDOT,
	SHAPE_BACKSLASH,
	SHAPE_NULL
};

static const char *const shape_text[] = {
	"",
	"is empty",
	"starts with \"/\"",
	"has an empty segment (\"//\")",
	"has a \".\" segment",
	"has a \"..\" segment",
	"holds a backslash",
	"is missing"
};

/*
 * Text written into a fixed array, always NUL-terminated.  What does not
 * fit is cut at a character boundary and marked with "...", so that a
 * cut message is still valid UTF-8 and visibly cut.
 */
struct text {
	char	*p;
	size_t	 cap;
	size_t	 n;
	int	 cut;
};

static void
text_init(struct text *t, char *p, size_t cap)
{
	t->p = p;
	t->cap = cap;
	t->n = 0;
	t->cut = 0;
	if (cap > 0)
		p[0] = '\0';
}

static void
text_add(struct text *t, const char *s, size_t len)
{
	size_t	 room, keep, dots;

	if (t->p == NULL || t->cut)
		return;
	if (t->cap == 0) {
		t->cut = 1;
		return;
	}
	room = t->cap - 1 - t->n;
	if (len <= room) {
		if (len > 0)
			memcpy(t->p + t->n, s, len);
		t->n += len;
		t->p[t->n] = '\0';
		return;
	}
	memcpy(t->p + t->n, s, room);
	t->cut = 1;
	keep = t->cap - 1 > 3 ? t->cap - 1 - 3 : 0;
	keep = utf8_boundary(t->p, keep);
	dots = t->cap - 1 - keep < 3 ? t->cap - 1 - keep : 3;
	memcpy(t->p + keep, "...", dots);
	t->n = keep + dots;
	t->p[t->n] = '\0';
}

static void
text_adds(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* Appends s with every byte that is not printable ASCII as \xNN. */
static void
text_add_escaped(struct text *t, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 e[4];
	size_t			 i;
	unsigned char		 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			text_add(t, s + i, 1);
			continue;
		}
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hex[c >> 4];
		e[3] = hex[c & 15];
		text_add(t, e, 4);
	}
}

static void
decide(struct policy_decision *d, int allow, const char *tag)
{
	struct text	 t;

	if (d == NULL)
		return;
	d->allow = allow;
	text_init(&t, d->tag, sizeof(d->tag));
	text_adds(&t, tag);
	d->rule[0] = '\0';
}

/* Starts a decision's rule text; NULL (nothing to build) when d is. */
static struct text *
rule_text(struct policy_decision *d, struct text *t)
{
	if (d == NULL)
		return NULL;
	text_init(t, d->rule, sizeof(d->rule));
	return t;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
same_ignoring_case(struct slice a, struct slice b)
{
	size_t	 i;

	if (a.n != b.n)
		return 0;
	for (i = 0; i < a.n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

static int
same(struct slice a, struct slice b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* A denial for "logs" must also hold when the bucket is spelt "LOGS". */
static int
denied_applies(const struct policy_rule *r, struct slice bucket)
{
	return r->bucket.n == 0 || same_ignoring_case(r->bucket, bucket);
}

/* An allowance, on the other hand, is for the bucket as written. */
static int
allowed_applies(const struct policy_rule *r, struct slice bucket)
{
	return r->bucket.n == 0 || same(r->bucket, bucket);
}

static int
bucket_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
bucket_valid(struct slice b)
{
	size_t	 i;

	if (b.p == NULL || b.n < S3_MIN_BUCKET_BYTES ||
	    b.n > S3_MAX_BUCKET_BYTES)
		return 0;
	for (i = 0; i < b.n; i++)
		if (!bucket_char((unsigned char)b.p[i]))
			return 0;
	return 1;
}

static enum shape
segment_shape(const char *p, size_t n)
{
	if (n == 1 && p[0] == '.')
		return SHAPE_DOT;
	if (n == 2 && p[0] == '.' && p[1] == '.')
		return SHAPE_DOTDOT;
	return SHAPE_OK;
}

/*
 * The shape check of policy.h, step 2.  For a whole key the last segment
 * is complete; for a prefix (whole == 0) it may be the start of a longer
 * segment ("a/.." is the start of "a/..x"), so only segments closed by a
 * '/' count, and an empty prefix is fine.
 */
static enum shape
shape_of(struct slice s, int whole)
{
	size_t		 i, start = 0;
	enum shape	 sh;

	if (s.n > 0 && s.p == NULL)
		return SHAPE_NULL;
	if (s.n == 0)
		return whole ? SHAPE_EMPTY : SHAPE_OK;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '\\')
			return SHAPE_BACKSLASH;
		if (s.p[i] != '/')
			continue;
		if (i == 0)
			return SHAPE_LEADING_SLASH;
		if (i == start)
			return SHAPE_EMPTY_SEGMENT;
		if ((sh = segment_shape(s.p + start, i - start)) != SHAPE_OK)
			return sh;
		start = i + 1;
	}
	return whole ? segment_shape(s.p + start, s.n - start) : SHAPE_OK;
}

/* Step 1 of the decision; 1 if the bucket may be touched. */
static int
check_bucket(const struct policy_rules *r, struct slice bucket,
    struct policy_decision *d)
{
	struct text	 t, *tp;
	size_t		 i;

	if (!bucket_valid(bucket)) {
		decide(d, 0, POLICY_TAG_BAD_BUCKET);
		if ((tp = rule_text(d, &t)) != NULL)
			text_adds(tp, "bucket name is not 3-63 bytes of "
			    "A-Z a-z 0-9 . _ -");
		return 0;
	}
	if (r->nbuckets == 0)
		return 1;
	for (i = 0; i < r->nbuckets; i++)
		if (slice_eq(bucket, r->buckets[i]))
			return 1;
	decide(d, 0, POLICY_TAG_BUCKET);
	if ((tp = rule_text(d, &t)) != NULL) {
		text_adds(tp, "bucket \"");
		text_add(tp, bucket.p, bucket.n);
		text_adds(tp, "\" is not in " POLICY_ENV_BUCKETS);
	}
	return 0;
}

static void
deny_shape(struct policy_decision *d, const char *what, enum shape sh)
{
	struct text	 t, *tp;

	decide(d, 0, POLICY_TAG_BAD_KEY);
	if ((tp = rule_text(d, &t)) != NULL) {
		text_adds(tp, what);
		text_adds(tp, " ");
		text_adds(tp, shape_text[sh]);
	}
}

static void
deny_rule(struct policy_decision *d, const struct policy_rule *rule)
{
	struct text	 t, *tp;

	decide(d, 0, POLICY_TAG_DENIED);
	if ((tp = rule_text(d, &t)) != NULL) {
		text_adds(tp, "denied prefix ");
		text_adds(tp, rule->text);
	}
}

/* "no allowed prefix matches (allowed: a/, s3://b/c/)" for bucket B. */
static void
deny_not_allowed(const struct policy_rules *r, struct slice bucket,
    struct policy_decision *d)
{
	struct text	 t, *tp;
	size_t		 i;
	int		 any = 0;

	decide(d, 0, POLICY_TAG_NOT_ALLOWED);
	if ((tp = rule_text(d, &t)) == NULL)
		return;
	text_adds(tp, "no allowed prefix matches (allowed: ");
	for (i = 0; i < r->nallowed; i++) {
		if (!allowed_applies(&r->allowed[i], bucket))
			continue;
		if (any++)
			text_adds(tp, ", ");
		text_adds(tp, r->allowed[i].text);
	}
	if (!any) {
		text_adds(tp, "none in bucket \"");
		text_add(tp, bucket.p, bucket.n);
		text_adds(tp, "\"");
	}
	text_adds(tp, ")");
}

static void
allow(struct policy_decision *d, const char *tag, const char *why,
    const char *rule)
{
	struct text	 t, *tp;

	decide(d, 1, tag);
	if ((tp = rule_text(d, &t)) != NULL) {
		text_adds(tp, why);
		if (rule != NULL)
			text_adds(tp, rule);
	}
}

/* see policy.h */
int
policy_active(const struct policy_rules *r)
{
	return r != NULL && r->active;
}

/* see policy.h */
int
policy_bucket(const struct policy_rules *r, struct slice bucket,
    struct policy_decision *d)
{
	if (r == NULL) {
		decide(d, 0, POLICY_TAG_NO_POLICY);
		return POLICY_EDENIED;
	}
	if (!r->active) {
		allow(d, POLICY_TAG_NO_RULES, "no access rules", NULL);
		return 0;
	}
	if (!check_bucket(r, bucket, d))
		return POLICY_EDENIED;
	if (r->nbuckets > 0)
		allow(d, POLICY_TAG_ALLOWED, "bucket is in "
		    POLICY_ENV_BUCKETS, NULL);
	else
		allow(d, POLICY_TAG_ALLOWED, "no bucket restriction", NULL);
	return 0;
}

/* see policy.h */
int
policy_key(const struct policy_rules *r, struct slice bucket,
    struct slice key, struct policy_decision *d)
{
	enum shape	 sh;
	size_t		 i;

	if (r == NULL) {
		decide(d, 0, POLICY_TAG_NO_POLICY);
		return POLICY_EDENIED;
	}
	if (!r->active) {
		allow(d, POLICY_TAG_NO_RULES, "no access rules", NULL);
		return 0;
	}
	if (!check_bucket(r, bucket, d))
		return POLICY_EDENIED;
	if ((sh = shape_of(key, 1)) != SHAPE_OK) {
		deny_shape(d, "key", sh);
		return POLICY_EDENIED;
	}
	for (i = 0; i < r->ndenied; i++)
		if (denied_applies(&r->denied[i], bucket) &&
		    slice_starts(key, r->denied[i].prefix)) {
			deny_rule(d, &r->denied[i]);
			return POLICY_EDENIED;
		}
	if (r->nallowed == 0) {
		allow(d, POLICY_TAG_ALLOWED, "no denied prefix matches", NULL);
		return 0;
	}
	for (i = 0; i < r->nallowed; i++)
		if (allowed_applies(&r->allowed[i], bucket) &&
		    slice_starts(key, r->allowed[i].prefix)) {
			allow(d, POLICY_TAG_ALLOWED, "allowed prefix ",
			    r->allowed[i].text);
			return 0;
		}
	deny_not_allowed(r, bucket, d);
	return POLICY_EDENIED;
}

/* The first denied rule for bucket whose prefix starts m, or NULL. */
static const struct policy_rule *
denied_covering(const struct policy_rules *r, struct slice bucket,
    struct slice m)
{
	size_t	 i;

	for (i = 0; i < r->ndenied; i++)
		if (denied_applies(&r->denied[i], bucket) &&
		    slice_starts(m, r->denied[i].prefix))
			return &r->denied[i];
	return NULL;
}

/* The longer of P and A's prefix when one starts with the other, in *m;
 * 0 when neither does (no key is under both). */
static int
narrow(const struct policy_rule *a, struct slice prefix, struct slice *m)
{
	if (slice_starts(prefix, a->prefix))
		*m = prefix;
	else if (slice_starts(a->prefix, prefix))
		*m = a->prefix;
	else
		return 0;
	return 1;
}

/*
 * Keys under P that match the allowed rule A start with both, so with
 * whichever of the two is longer (they must be prefixes of one another,
 * or no key matches both).  If a denied prefix covers that longer one for
 * every such A, no key under P can be allowed.
 */
static int
list_none(const struct policy_rules *r, struct slice bucket,
    struct slice prefix, const struct policy_rule **why)
{
	const struct policy_rule	*a;
	struct slice			 m;
	size_t				 i;

	*why = NULL;
	for (i = 0; i < r->nallowed; i++) {
		a = &r->allowed[i];
		if (!allowed_applies(a, bucket) || !narrow(a, prefix, &m))
			continue;
		if ((*why = denied_covering(r, bucket, m)) == NULL)
			return 0;
	}
	return 1;
}

static int	classify(const struct policy_rules *, struct slice, struct slice,
		    int, struct policy_decision *);

/* see policy.h */
int
policy_list(const struct policy_rules *r, struct slice bucket,
    struct slice prefix, struct policy_decision *d)
{
	return classify(r, bucket, prefix, 1, d);
}

/* see policy.h */
int
policy_list_rules(const struct policy_rules *r, struct slice bucket,
    struct slice prefix)
{
	return classify(r, bucket, prefix, 0, NULL);
}

/* policy_list(), with or without the shape check of the prefix. */
static int
classify(const struct policy_rules *r, struct slice bucket,
    struct slice prefix, int shape, struct policy_decision *d)
{
	const struct policy_rule	*why;
	enum shape			 sh;
	size_t				 i;
	int				 under_allowed;

	if (r == NULL) {
		decide(d, 0, POLICY_TAG_NO_POLICY);
		return POLICY_LIST_NONE;
	}
	if (!r->active) {
		allow(d, POLICY_TAG_NO_RULES, "no access rules", NULL);
		return POLICY_LIST_ALL;
	}
	if (!check_bucket(r, bucket, d))
		return POLICY_LIST_NONE;
	if (shape && (sh = shape_of(prefix, 0)) != SHAPE_OK) {
		deny_shape(d, "prefix", sh);
		return POLICY_LIST_NONE;
	}
	if ((why = denied_covering(r, bucket, prefix)) != NULL) {
		deny_rule(d, why);
		return POLICY_LIST_NONE;
	}
	if (r->nallowed > 0 && list_none(r, bucket, prefix, &why)) {
		if (why != NULL)
			deny_rule(d, why);
		else
			deny_not_allowed(r, bucket, d);
		return POLICY_LIST_NONE;
	}
	for (i = 0; i < r->ndenied; i++)
		if (denied_applies(&r->denied[i], bucket) &&
		    slice_starts(r->denied[i].prefix, prefix)) {
			allow(d, POLICY_TAG_FILTERED, "keys are hidden by "
			    "denied prefix ", r->denied[i].text);
			return POLICY_LIST_FILTER;
		}
	if (r->nallowed == 0) {
		allow(d, POLICY_TAG_ALLOWED, "no denied prefix matches", NULL);
		return POLICY_LIST_ALL;
	}
	under_allowed = 0;
	for (i = 0; i < r->nallowed && !under_allowed; i++)
		if (allowed_applies(&r->allowed[i], bucket) &&
		    slice_starts(prefix, r->allowed[i].prefix)) {
			allow(d, POLICY_TAG_ALLOWED, "allowed prefix ",
			    r->allowed[i].text);
			under_allowed = 1;
		}
	if (under_allowed)
		return POLICY_LIST_ALL;
	allow(d, POLICY_TAG_FILTERED, "only keys under an allowed prefix are "
	    "shown", NULL);
	return POLICY_LIST_FILTER;
}

/* see policy.h */
int
policy_show_prefix(const struct policy_rules *r, struct slice bucket,
    struct slice common_prefix)
{
	return policy_list(r, bucket, common_prefix, NULL) !=
	    POLICY_LIST_NONE;
}

/* see policy.h */
int
policy_visible(const struct policy_rules *r, struct slice bucket,
    struct slice key)
{
	size_t	 i;

	if (r == NULL)
		return 0;
	if (!r->active)
		return 1;
	if (!check_bucket(r, bucket, NULL))
		return 0;
	if (denied_covering(r, bucket, key) != NULL)
		return 0;
	if (r->nallowed == 0)
		return 1;
	for (i = 0; i < r->nallowed; i++)
		if (allowed_applies(&r->allowed[i], bucket) &&
		    slice_starts(key, r->allowed[i].prefix))
			return 1;
	return 0;
}

/* see policy.h */
int
policy_hiding_prefix(const struct policy_rules *r, struct slice bucket,
    struct slice key, struct slice *prefix)
{
	size_t	 i;
	int	 found = 0;

	if (r == NULL || !r->active)
		return 0;
	for (i = 0; i < r->ndenied; i++)
		if (denied_applies(&r->denied[i], bucket) &&
		    slice_starts(key, r->denied[i].prefix) &&
		    (!found || r->denied[i].prefix.n < prefix->n)) {
			*prefix = r->denied[i].prefix;
			found = 1;
		}
	return found;
}

/* see policy.h */
size_t
policy_list_ranges(const struct policy_rules *r, struct slice bucket,
    struct slice prefix, struct slice *out, size_t cap)
{
	const struct policy_rule	*a;
	struct slice			 m, t;
	size_t				 i, j, n = 0, k;

	if (r == NULL || cap == 0)
		return 0;
	if (!r->active || r->nallowed == 0) {
		if (r->active && (!check_bucket(r, bucket, NULL) ||
		    denied_covering(r, bucket, prefix) != NULL))
			return 0;
		out[0] = prefix;
		return 1;
	}
	if (!check_bucket(r, bucket, NULL))
		return 0;
	for (i = 0; i < r->nallowed && n < cap; i++) {
		a = &r->allowed[i];
		if (!allowed_applies(a, bucket) || !narrow(a, prefix, &m) ||
		    denied_covering(r, bucket, m) != NULL)
			continue;
		out[n++] = m;
	}
	/* Sorted (insertion: at most POLICY_MAX_ENTRIES), then every range
	 * that lies inside an earlier one dropped. */
	for (i = 1; i < n; i++) {
		t = out[i];
		for (j = i; j > 0 && slice_cmp(out[j - 1], t) > 0; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	for (i = k = 0; i < n; i++)
		if (k == 0 || !slice_starts(out[i], out[k - 1]))
			out[k++] = out[i];
	return k;
}

/* see policy.h */
size_t
policy_buckets(const struct policy_rules *r, const char *const **names)
{
	if (r == NULL || r->nbuckets == 0) {
		if (names != NULL)
			*names = NULL;
		return 0;
	}
	if (names != NULL)
		*names = (const char *const *)r->buckets;
	return r->nbuckets;
}

/* see policy.h */
void
policy_free(struct policy_rules *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nallowed; i++)
		free(r->allowed[i].text);
	free(r->allowed);
	for (i = 0; i < r->ndenied; i++)
		free(r->denied[i].text);
	free(r->denied);
	for (i = 0; i < r->nbuckets; i++)
		free(r->buckets[i]);
	free(r->buckets);
	memset(r, 0, sizeof(*r));
}

/* Parsing. */

struct parse {
	const char	*var;		/* the variable, for messages */
	size_t		 index;		/* 1-based entry number */
	struct slice	 entry;		/* trimmed */
	char		*err;
	size_t		 errlen;
};

/* "VAR: entry N ("text"): why" */
static int
parse_error(struct parse *ps, const char *why)
{
	struct text	 t;
	char		 num[24];
	size_t		 i = sizeof(num) - 1, k = ps->index;

	if (ps->err == NULL || ps->errlen == 0)
		return POLICY_EINVAL;
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + k % 10);
		k /= 10;
	} while (k > 0 && i > 0);
	text_init(&t, ps->err, ps->errlen);
	text_adds(&t, ps->var);
	text_adds(&t, ": entry ");
	text_adds(&t, num + i);
	if (ps->entry.n > 0) {
		text_adds(&t, " (\"");
		/* An entry is shown whole up to a point, then cut. */
		if (ps->entry.n > 80) {
			text_add_escaped(&t, ps->entry.p, 77);
			text_adds(&t, "...");
		} else
			text_add_escaped(&t, ps->entry.p, ps->entry.n);
		text_adds(&t, "\")");
	}
	text_adds(&t, ": ");
	text_adds(&t, why);
	return POLICY_EINVAL;
}

static void
plain_error(char *err, size_t errlen, const char *var, const char *why)
{
	struct text	 t;

	if (err == NULL || errlen == 0)
		return;
	text_init(&t, err, errlen);
	text_adds(&t, var);
	text_adds(&t, ": ");
	text_adds(&t, why);
}

static int
has_control(struct slice s)
{
	size_t	 i;

	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return 1;
	return 0;
}

static int
contains(struct slice s, const char *needle)
{
	size_t	 i, k = strlen(needle);

	for (i = 0; i + k <= s.n; i++)
		if (memcmp(s.p + i, needle, k) == 0)
			return 1;
	return 0;
}

static char *
dup_slice(struct slice e)
{
	char	*s;

	if ((s = malloc(e.n + 1)) == NULL)
		return NULL;
	memcpy(s, e.p, e.n);
	s[e.n] = '\0';
	return s;
}

/* Checks the common parts of an entry: not empty, no controls, UTF-8. */
static int
check_entry(struct parse *ps)
{
	if (ps->entry.n == 0)
		return parse_error(ps, "empty entry (remove the extra comma, "
		    "or unset the variable)");
	if (has_control(ps->entry))
		return parse_error(ps, "holds a control character");
	if (!utf8_valid(ps->entry.p, ps->entry.n))
		return parse_error(ps, "is not valid UTF-8");
	return 0;
}

static int
parse_rule(struct parse *ps, struct policy_rule *rule)
{
	struct slice	 e = ps->entry, b = { NULL, 0 }, p;
	enum shape	 sh;
	size_t		 i, head;
	char		*s;
	int		 rc;

	if ((rc = check_entry(ps)) != 0)
		return rc;
	if (e.n >= 5 && slice_ieq((struct slice){ e.p, 5 }, "s3://")) {
		b.p = e.p + 5;
		for (i = 5; i < e.n && e.p[i] != '/'; i++)
			;
		b.n = i - 5;
		p.p = i < e.n ? e.p + i + 1 : e.p + e.n;
		p.n = i < e.n ? e.n - i - 1 : 0;
		if (!bucket_valid(b))
			return parse_error(ps, "the bucket is not 3-63 bytes of "
			    "A-Z a-z 0-9 . _ -");
	} else {
		/* A mistyped URL would be a literal prefix matching nothing. */
		if (contains(e, "://"))
			return parse_error(ps, "only s3://bucket/prefix URLs "
			    "or bare prefixes are understood");
		if (e.n >= 3 && slice_ieq((struct slice){ e.p, 3 }, "s3:"))
			return parse_error(ps, "looks like a mistyped URL; "
			    "write s3://bucket/prefix");
		p = e;
	}
	if (p.n > S3_MAX_KEY_BYTES)
		return parse_error(ps, "the prefix is longer than "
		    XSTR(S3_MAX_KEY_BYTES) " bytes");
	if ((sh = shape_of(p, 0)) != SHAPE_OK) {
		switch (sh) {
		case SHAPE_LEADING_SLASH:
			return parse_error(ps, "the prefix starts with \"/\", "
			    "and keys that do are refused, so it would never "
			    "match; drop the leading \"/\"");
		case SHAPE_EMPTY_SEGMENT:
			return parse_error(ps, "the prefix has an empty segment "
			    "(\"//\"), and keys that do are refused, so it "
			    "would never match");
		case SHAPE_BACKSLASH:
			return parse_error(ps, "the prefix holds a backslash, "
			    "and keys that do are refused, so it would never "
			    "match");
		default:
			return parse_error(ps, "the prefix has a \".\" or "
			    "\"..\" segment, and keys that do are refused, so "
			    "it would never match");
		}
	}
	head = b.n > 0 ? 5 + b.n + 1 : 0;
	if ((s = malloc(head + p.n + 1)) == NULL)
		return POLICY_ENOMEM;
	if (b.n > 0) {
		memcpy(s, "s3://", 5);
		memcpy(s + 5, b.p, b.n);
		s[5 + b.n] = '/';
	}
	if (p.n > 0)
		memcpy(s + head, p.p, p.n);
	s[head + p.n] = '\0';
	rule->text = s;
	rule->bucket.p = b.n > 0 ? s + 5 : NULL;
	rule->bucket.n = b.n;
	rule->prefix.p = s + head;
	rule->prefix.n = p.n;
	return 0;
}

static int
parse_bucket(struct parse *ps, char **name)
{
	int	 rc;

	if ((rc = check_entry(ps)) != 0)
		return rc;
	if (!bucket_valid(ps->entry))
		return parse_error(ps, "not a bucket name (3-63 bytes of "
		    "A-Z a-z 0-9 . _ -, written without s3://)");
	if ((*name = dup_slice(ps->entry)) == NULL)
		return POLICY_ENOMEM;
	return 0;
}

/* Entries in a comma-separated list: commas + 1. */
static size_t
count_entries(const char *s)
{
	size_t	 n = 1;

	for (; *s != '\0'; s++)
		if (*s == ',')
			n++;
	return n;
}

/*
 * Splits list into entries and parses each: into rules[] (when rules is
 * not NULL) or names[].  *count is the number parsed, so that a failure
 * part way frees exactly what was made.
 */
static int
parse_list(const char *var, const char *list, struct policy_rule **rules,
    char ***names, size_t *count, char *err, size_t errlen)
{
	struct parse	 ps;
	const char	*s, *comma;
	size_t		 n;
	int		 rc;

	*count = 0;
	if (list == NULL)
		return 0;
	if ((n = count_entries(list)) > POLICY_MAX_ENTRIES) {
		plain_error(err, errlen, var, "more than "
		    XSTR(POLICY_MAX_ENTRIES) " entries");
		return POLICY_ELIMIT;
	}
	if (rules != NULL && (*rules = calloc(n, sizeof(**rules))) == NULL)
		goto nomem;
	if (names != NULL && (*names = calloc(n, sizeof(**names))) == NULL)
		goto nomem;
	ps.var = var;
	ps.err = err;
	ps.errlen = errlen;
	for (s = list, ps.index = 1; ; ps.index++) {
		if ((comma = strchr(s, ',')) == NULL)
			comma = s + strlen(s);
		ps.entry = slice_trim((struct slice){ s, (size_t)(comma - s) });
		if (rules != NULL)
			rc = parse_rule(&ps, &(*rules)[*count]);
		else
			rc = parse_bucket(&ps, &(*names)[*count]);
		if (rc == POLICY_ENOMEM)
			goto nomem;
		if (rc != 0)
			return rc;
		(*count)++;
		if (*comma == '\0')
			break;
		s = comma + 1;
	}
	return 0;
nomem:
	plain_error(err, errlen, var, "out of memory");
	return POLICY_ENOMEM;
}

/* see policy.h */
int
policy_parse(struct policy_rules *r, const char *allowed, const char *denied,
    const char *buckets, int enable, char *err, size_t errlen)
{
	int	 rc;

	memset(r, 0, sizeof(*r));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((rc = parse_list(POLICY_ENV_ALLOWED, allowed, &r->allowed, NULL,
	    &r->nallowed, err, errlen)) != 0 ||
	    (rc = parse_list(POLICY_ENV_DENIED, denied, &r->denied, NULL,
	    &r->ndenied, err, errlen)) != 0 ||
	    (rc = parse_list(POLICY_ENV_BUCKETS, buckets, NULL, &r->buckets,
	    &r->nbuckets, err, errlen)) != 0) {
		policy_free(r);
		return rc;
	}
	r->active = enable || allowed != NULL || denied != NULL ||
	    buckets != NULL;
	return 0;
}

/* see policy.h */
const char *
policy_strerror(int e)
{
	switch (e) {
	case 0:
		return "no error";
	case POLICY_ENOMEM:
		return "out of memory";
	case POLICY_ELIMIT:
		return "too many entries";
	case POLICY_EINVAL:
		return "malformed access rule";
	case POLICY_EDENIED:
		return "denied by access rules";
	default:
		return "unknown error";
	}
}
