/*
 * policy.h - access rules: which buckets, keys and listings a tool may
 * touch, decided before any network I/O.
 *
 * The rules.  Three comma-separated lists, each from one environment
 * variable (POLICY_ENV_*):
 *
 *	MCP_S3_ALLOWED_PREFIXES	entries a key must match (when non-empty)
 *	MCP_S3_DENIED_PREFIXES	entries a key must not match; checked first
 *	MCP_S3_ALLOWED_BUCKETS	bucket names every tool is restricted to
 *
 * A prefix entry is `s3://bucket/prefix' (that bucket only; `s3://bucket'
 * and `s3://bucket/' mean the whole bucket; the scheme is matched without
 * regard to case) or a bare `prefix' (every bucket).  Spaces and tabs
 * around an entry are dropped.  These stop the start, with a message that
 * names the variable, the entry's position and the entry itself (bytes
 * that are not printable ASCII written as \xNN):
 *	- an empty entry: ",,", a trailing comma, or a value that is empty or
 *	  only blanks (unset the variable instead: an empty list that meant
 *	  "nothing" must not turn into "everything");
 *	- a control character (0x00-0x1f, 0x7f) or bytes that are not UTF-8;
 *	- a bucket that is not S3_MIN_BUCKET_BYTES..S3_MAX_BUCKET_BYTES bytes
 *	  of A-Z a-z 0-9 . _ -;
 *	- a prefix longer than S3_MAX_KEY_BYTES;
 *	- a bare entry that holds "://" or starts with "s3:" (a URL that is
 *	  not s3:// or is mistyped, which would otherwise be taken as a
 *	  literal prefix and never match);
 *	- a prefix that no key policy_key() accepts could start with: one
 *	  that starts with '/', holds '\\' or "//", or has a "." or ".."
 *	  segment followed by '/' (such a rule would silently do nothing);
 *	- more than POLICY_MAX_ENTRIES entries in one list.
 *
 * Rules are on (policy_active) when any list is set, or when the caller
 * asks for them (MCP_S3_EXT_PREFIXACL); with rules off every decision
 * allows and nothing is checked.
 *
 * The key decision, for bucket B and key K, in this order:
 *	1. the bucket: not a valid bucket name (as above) -> deny; the
 *	   allowed buckets are set and B is not one of them (exact,
 *	   case-sensitive) -> deny;
 *	2. the key's shape: K is refused when a proxy or HTTP library
 *	   between us and S3 could rewrite the request path into another
 *	   key (or, path-style, another bucket: "/b/../other/k"), so that a
 *	   rule would be checked against one key and S3 would act on another:
 *	     - K is empty (the request would address the bucket itself);
 *	     - K starts with '/' (slash merging turns "/b//k" into "/b/k");
 *	     - K holds "//" (an empty segment, merged the same way);
 *	     - K has a "." or ".." segment in any position: ".", "..",
 *	       "./x", "../x", "a/./b", "a/../b", "a/.", "a/.." (dot-segment
 *	       removal, RFC 3986 5.2.4; '.' is unreserved, so it goes on the
 *	       wire as is);
 *	     - K holds '\\' (which some servers and proxies treat as '/').
 *	   Not refused: "..." and "a..b" (not dot segments), a trailing '/'
 *	   ("dir/", a folder marker), and percent signs: keys are raw bytes
 *	   that we percent-encode ourselves, so a key "%2e%2e/x" goes out as
 *	   "%252e%252e/x" and is not a dot segment to anyone who decodes it
 *	   once;
 *	3. the denied rules: a rule applies to B when it has no bucket, or
 *	   its bucket equals B ignoring ASCII case (virtual-hosted requests
 *	   reach a bucket through DNS, which ignores case, so a denial must
 *	   not be dodged by spelling the bucket "SECRETS"); it matches when K
 *	   starts with its prefix, byte-wise and case-sensitive.  Any match
 *	   denies;
 *	4. the allowed rules, when that list is non-empty: a rule applies to
 *	   B when it has no bucket or its bucket equals B exactly; K must
 *	   start with the prefix of one that applies, or it is denied.  The
 *	   list is global: allowed rules for other buckets only, and none
 *	   for B, deny every key in B;
 *	5. allow.
 * Matching is plain byte-wise "starts with": the rule "logs" matches
 * "logs/a", "logs" and "logsX"; write "logs/" for the folder.
 *
 * Listings.  policy_list() classifies a listing of bucket B under prefix
 * P (a query parameter, never a path, so it is not checked for shape the
 * way a key is; but a P with a complete bad segment, see below, has only
 * refused keys under it):
 *	POLICY_LIST_NONE	no key under P can be allowed: the bucket is
 *				refused, P itself has a refused shape (starts
 *				with '/', holds '\\' or "//", or a "." or ".."
 *				segment followed by '/'), or every allowed
 *				rule that could match a key under P is
 *				covered by a denied prefix (in particular:
 *				P starts with a denied prefix, or the allowed
 *				list is non-empty and no allowed prefix A has
 *				A starting with P or P starting with A);
 *	POLICY_LIST_ALL		every key under P is allowed by the rules: no
 *				denied prefix D for B has D starting with P or
 *				P starting with D, and P starts with an
 *				allowed prefix or the allowed list is empty.
 *				Keys of a refused shape (step 2) may still be
 *				listed under P; they are names under an
 *				allowed prefix, and acting on one is refused;
 *	POLICY_LIST_FILTER	anything else: show only the keys for which
 *				policy_key() allows, and only the common
 *				prefixes for which policy_show_prefix() says 1.
 * The empty prefix is the whole bucket and gets no favours: with any
 * denied rule for B, listing "" is FILTER (or NONE), never ALL.
 * ALL and NONE are promises (tested against every key up to a length
 * over a small alphabet); FILTER is always a safe answer, and is given
 * where a cheap exact answer is not at hand.
 *
 * Decisions.  struct policy_decision receives the verdict, the rule that
 * decided as text for the user ("denied prefix s3://b/secret/", "no
 * allowed prefix matches (allowed: logs/, s3://b/public/)", "bucket \"x\"
 * is not in MCP_S3_ALLOWED_BUCKETS", "key has a \"..\" segment") and a
 * short machine tag (POLICY_TAG_*).  Texts longer than the fields are
 * cut at a character boundary and end in "...".  The decision pointer may
 * be NULL when only the verdict matters (filtering a listing page): then
 * no text is built.
 *
 * Memory: policy_parse() allocates; policy_free() releases and leaves the
 * struct as after a failed parse (rules off, no entries), so it may be
 * called twice.  The decision functions never allocate, never modify the
 * rules and may run concurrently on the same rules.  Slices are borrowed;
 * a slice with n > 0 and p NULL is refused.
 *
 * Errors: 0 on success / allow; POLICY_EDENIED for a denial;
 * POLICY_EINVAL for a malformed list; POLICY_ENOMEM; POLICY_ELIMIT for a
 * list past POLICY_MAX_ENTRIES.  A NULL rules pointer denies.
 */
#ifndef MCP_S3_POLICY_H
#define MCP_S3_POLICY_H

#include <stddef.h>

#include "util.h"

#define POLICY_ENOMEM	UTIL_ENOMEM	/* -1 */
#define POLICY_ELIMIT	UTIL_ELIMIT	/* -2: too many entries */
#define POLICY_EINVAL	UTIL_EINVAL	/* -3: malformed list */
#define POLICY_EDENIED	-10		/* the rules refuse it */

/* The variables, as named in messages. */
#define POLICY_ENV_ALLOWED	"MCP_S3_ALLOWED_PREFIXES"
#define POLICY_ENV_DENIED	"MCP_S3_DENIED_PREFIXES"
#define POLICY_ENV_BUCKETS	"MCP_S3_ALLOWED_BUCKETS"

/* Most entries in one list. */
#define POLICY_MAX_ENTRIES	128

/* Sizes of the decision's text fields, NUL included. */
#define POLICY_RULE_BYTES	1280
#define POLICY_TAG_BYTES	24

/* Machine tags. */
#define POLICY_TAG_NO_RULES	"no_rules"	/* allow: rules are off */
#define POLICY_TAG_ALLOWED	"allowed"	/* allow: by the rules */
#define POLICY_TAG_FILTERED	"filtered"	/* list: some keys hidden */
#define POLICY_TAG_DENIED	"denied_prefix"
#define POLICY_TAG_NOT_ALLOWED	"not_allowed_prefix"
#define POLICY_TAG_BUCKET	"bucket_not_allowed"
#define POLICY_TAG_BAD_BUCKET	"bad_bucket"
#define POLICY_TAG_BAD_KEY	"bad_key"	/* step 2 refused the key */
#define POLICY_TAG_NO_POLICY	"no_policy"	/* NULL rules: fail closed */

/* Results of policy_list(). */
#define POLICY_LIST_ALL		1
#define POLICY_LIST_FILTER	2
#define POLICY_LIST_NONE	3

/* One prefix entry.  Fields are private. */
struct policy_rule {
	char		*text;		/* canonical: "p" or "s3://b/p" */
	struct slice	 bucket;	/* into text; n == 0: every bucket */
	struct slice	 prefix;	/* into text; may be empty */
};

/* Parsed lists.  Zeroed (or after policy_free): rules off.  Private. */
struct policy_rules {
	struct policy_rule	*allowed;
	size_t			 nallowed;
	struct policy_rule	*denied;
	size_t			 ndenied;
	char			**buckets;	/* NUL-terminated names */
	size_t			 nbuckets;	/* 0: every bucket */
	int			 active;
};

struct policy_decision {
	int	allow;				/* 1 allow, 0 deny */
	char	rule[POLICY_RULE_BYTES];	/* the rule, as text */
	char	tag[POLICY_TAG_BYTES];		/* POLICY_TAG_* */
};

/*
 * Parses the three lists (each NULL when its variable is unset) into
 * *rules, which need not be initialised.  enable turns the rules on even
 * with no list set (the shape checks of step 2 then still apply).  On
 * error *rules is left off and empty and err (when errlen > 0) holds a
 * message naming the variable and the entry.
 */
int	policy_parse(struct policy_rules *rules, const char *allowed,
	    const char *denied, const char *buckets, int enable, char *err,
	    size_t errlen);
void	policy_free(struct policy_rules *);
/* 1 when rules are on. */
int	policy_active(const struct policy_rules *);

/* Step 1 alone: may any tool touch bucket B at all?  0 or POLICY_EDENIED. */
int	policy_bucket(const struct policy_rules *, struct slice bucket,
	    struct policy_decision *);
/* Steps 1-5 for one key (each side of a copy separately). */
int	policy_key(const struct policy_rules *, struct slice bucket,
	    struct slice key, struct policy_decision *);
/*
 * Classifies a listing: POLICY_LIST_ALL, _FILTER or _NONE (never an
 * error; a NULL rules pointer gives NONE).  The decision's allow is 0
 * only for NONE, and then says why, for the PolicyDenied result; FILTER
 * is tagged POLICY_TAG_FILTERED and names a rule that hides keys.
 */
int	policy_list(const struct policy_rules *, struct slice bucket,
	    struct slice prefix, struct policy_decision *);
/* 1 if a common prefix may be shown: policy_list() on it is not NONE. */
int	policy_show_prefix(const struct policy_rules *, struct slice bucket,
	    struct slice common_prefix);

/*
 * Listings that hide nothing (tools' listing walk, see listing.h):
 *
 * policy_visible: 1 when the rules show key K of bucket B in a listing:
 * steps 1, 3 and 4 allow it.  The shape of step 2 is not looked at: a
 * key of a refused shape is a name under an allowed prefix, and acting on
 * it is refused.  Rules off: 1.  NULL rules: 0.
 *
 * policy_hiding_prefix: the shortest denied prefix for B that K starts
 * with, in *prefix (borrowed from the rules); 1 when there is one, else
 * 0.  A listing may skip every key that starts with it.
 *
 * policy_list_ranges: the prefixes a listing of B under P must walk so
 * that it never asks S3 for keys outside the allowed space: for each
 * allowed rule that applies to B, whichever of P and its prefix is the
 * longer when one starts with the other, less those a denied prefix
 * covers, sorted byte-wise, without any that lies inside another.  With
 * no allowed list: P itself (none when a denied prefix covers P or the
 * bucket is refused).  Writes at most cap slices (borrowed from the rules
 * or P) to out and returns how many; 0 means no key under P is visible.
 */
/*
 * policy_list_rules: policy_list() without the shape check of step 2:
 * what the rules alone say of the keys under a common prefix.
 */
int	policy_list_rules(const struct policy_rules *, struct slice bucket,
	    struct slice prefix);
int	policy_visible(const struct policy_rules *, struct slice bucket,
	    struct slice key);
int	policy_hiding_prefix(const struct policy_rules *, struct slice bucket,
	    struct slice key, struct slice *prefix);
size_t	policy_list_ranges(const struct policy_rules *, struct slice bucket,
	    struct slice prefix, struct slice *out, size_t cap);

/*
 * The allowed buckets, in the order given: sets *names (NULL when the
 * list is unset) and returns how many.  The strings live until
 * policy_free().
 */
size_t	policy_buckets(const struct policy_rules *, const char *const **names);

/* Text for a POLICY_E* code. */
const char	*policy_strerror(int);

#endif
