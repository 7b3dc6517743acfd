/*
 * test_policy.c - parsing the three rule lists (valid and invalid entries,
 * trimming, s3:// forms, limits at N and N+1), the key decision matrix,
 * listing verdicts and common-prefix visibility, and a brute-force check
 * that ALL and NONE agree with the key decision on every key up to a
 * length over a small alphabet.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "policy.h"
#include "unit.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Parses or fails the test; returns 1 when parsed. */
static int
setup(struct policy_rules *r, const char *al, const char *de,
    const char *bu, int enable, const char *label)
{
	char	 err[256];
	int	 rc;

	rc = policy_parse(r, al, de, bu, enable, err, sizeof(err));
	CHECKF(rc == 0, label);
	if (rc != 0) {
		fprintf(stderr, "  %s: %s\n", label, err);
		return 0;
	}
	return 1;
}

static struct slice
S(const char *s)
{
	return slice_cstr(s);
}

static void
test_parse(void)
{
	static const struct {
		const char	*al, *de, *bu;
		int		 enable;
		int		 rc;
		const char	*err;	/* substring of the message */
		int		 active;
		size_t		 na, nd, nb;
	} vec[] = {
		{ NULL, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0 },
		{ NULL, NULL, NULL, 1, 0, NULL, 1, 0, 0, 0 },
		{ "logs/", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ NULL, "secret/", NULL, 0, 0, NULL, 1, 0, 1, 0 },
		{ NULL, NULL, "bk1", 0, 0, NULL, 1, 0, 0, 1 },
		{ " logs/ ,\ts3://bk1/x\t, y ", "a", "bk1 , bk2", 0, 0, NULL,
		    1, 3, 1, 2 },
		{ "s3://bk1", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "s3://bk1/", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "S3://BK1/x", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "s3://a.b-c_d/x", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "a/..", "a/.x,...,a..b/,.a/", NULL, 0, 0, NULL, 1, 1, 4, 0 },
		{ "caf\xc3\xa9/", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "%2e%2e/", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },

		/* Empty entries, including the empty value. */
		{ "a,,b", NULL, NULL, 0, POLICY_EINVAL,
		    "MCP_S3_ALLOWED_PREFIXES: entry 2: empty", 0, 0, 0, 0 },
		{ NULL, "a,", NULL, 0, POLICY_EINVAL,
		    "MCP_S3_DENIED_PREFIXES: entry 2: empty", 0, 0, 0, 0 },
		{ NULL, ",a", NULL, 0, POLICY_EINVAL, "entry 1: empty",
		    0, 0, 0, 0 },
		{ "", NULL, NULL, 0, POLICY_EINVAL, "entry 1: empty",
		    0, 0, 0, 0 },
		{ NULL, NULL, " \t ", 0, POLICY_EINVAL,
		    "MCP_S3_ALLOWED_BUCKETS: entry 1: empty", 0, 0, 0, 0 },
		{ "a, ,b", NULL, NULL, 0, POLICY_EINVAL, "entry 2: empty",
		    0, 0, 0, 0 },

		/* Control characters and bytes that are not UTF-8. */
		{ "a\x01" "b", NULL, NULL, 0, POLICY_EINVAL,
		    "entry 1 (\"a\\x01b\"): holds a control", 0, 0, 0, 0 },
		{ NULL, "ok/,x\x7f", NULL, 0, POLICY_EINVAL,
		    "entry 2 (\"x\\x7f\")", 0, 0, 0, 0 },
		{ "a\tb", NULL, NULL, 0, POLICY_EINVAL, "control", 0, 0, 0, 0 },
		{ "a\nb", NULL, NULL, 0, POLICY_EINVAL, "control", 0, 0, 0, 0 },
		{ "\xff/", NULL, NULL, 0, POLICY_EINVAL, "\\xff/\"): is not "
		    "valid UTF-8", 0, 0, 0, 0 },
		{ NULL, NULL, "bk\x01", 0, POLICY_EINVAL, "control",
		    0, 0, 0, 0 },

		/* Buckets: 3 to 63 bytes of A-Z a-z 0-9 . _ - */
		{ "s3://ab/x", NULL, NULL, 0, POLICY_EINVAL, "the bucket",
		    0, 0, 0, 0 },
		{ "s3://abc/x", NULL, NULL, 0, 0, NULL, 1, 1, 0, 0 },
		{ "s3:///x", NULL, NULL, 0, POLICY_EINVAL, "the bucket",
		    0, 0, 0, 0 },
		{ "s3://", NULL, NULL, 0, POLICY_EINVAL, "the bucket",
		    0, 0, 0, 0 },
		{ "s3://b!b/x", NULL, NULL, 0, POLICY_EINVAL, "the bucket",
		    0, 0, 0, 0 },
		{ "s3://b b/x", NULL, NULL, 0, POLICY_EINVAL, "the bucket",
		    0, 0, 0, 0 },
		{ NULL, NULL, "ab", 0, POLICY_EINVAL, "not a bucket name",
		    0, 0, 0, 0 },
		{ NULL, NULL, "abc", 0, 0, NULL, 1, 0, 0, 1 },
		{ NULL, NULL, "s3://abc", 0, POLICY_EINVAL, "without s3://",
		    0, 0, 0, 0 },
		{ NULL, NULL, "abc/x", 0, POLICY_EINVAL, "not a bucket",
		    0, 0, 0, 0 },

		/* Prefixes that no accepted key could start with. */
		{ "/logs/", NULL, NULL, 0, POLICY_EINVAL, "starts with",
		    0, 0, 0, 0 },
		{ "s3://bk1//x", NULL, NULL, 0, POLICY_EINVAL, "starts with",
		    0, 0, 0, 0 },
		{ NULL, "a//b", NULL, 0, POLICY_EINVAL, "empty segment",
		    0, 0, 0, 0 },
		{ NULL, "a/../b", NULL, 0, POLICY_EINVAL, "segment",
		    0, 0, 0, 0 },
		{ NULL, "../", NULL, 0, POLICY_EINVAL, "segment",
		    0, 0, 0, 0 },
		{ NULL, "./a", NULL, 0, POLICY_EINVAL, "segment",
		    0, 0, 0, 0 },
		{ NULL, "s3://bk1/a/./", NULL, 0, POLICY_EINVAL, "segment",
		    0, 0, 0, 0 },
		{ NULL, "a\\b", NULL, 0, POLICY_EINVAL, "backslash",
		    0, 0, 0, 0 },

		/* URLs that are not s3:// */
		{ "https://bk1/x", NULL, NULL, 0, POLICY_EINVAL, "s3://",
		    0, 0, 0, 0 },
		{ NULL, "s3:/bk1/x", NULL, 0, POLICY_EINVAL, "mistyped URL",
		    0, 0, 0, 0 },
		{ NULL, "S3:bk1", NULL, 0, POLICY_EINVAL, "mistyped", 0, 0, 0,
		    0 },
		{ NULL, "s3", NULL, 0, 0, NULL, 1, 0, 1, 0 },
		{ NULL, "xs3:/", NULL, 0, 0, NULL, 1, 0, 1, 0 },
		{ NULL, "x://y", NULL, 0, POLICY_EINVAL, "understood",
		    0, 0, 0, 0 },

		/* A later list failing frees the earlier ones. */
		{ "a,b,c", "d,e", "no", 0, POLICY_EINVAL,
		    "MCP_S3_ALLOWED_BUCKETS", 0, 0, 0, 0 },
	};
	struct policy_rules	 r;
	char			 err[256], label[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < NELEM(vec); i++) {
		snprintf(label, sizeof(label), "parse %zu", i);
		memset(err, 'x', sizeof(err));
		rc = policy_parse(&r, vec[i].al, vec[i].de, vec[i].bu,
		    vec[i].enable, err, sizeof(err));
		CHECKF(rc == vec[i].rc, label);
		CHECKF(memchr(err, '\0', sizeof(err)) != NULL, label);
		if (rc != 0) {
			CHECKF(vec[i].err != NULL && strstr(err, vec[i].err) !=
			    NULL, label);
			if (vec[i].err != NULL && strstr(err, vec[i].err) ==
			    NULL)
				fprintf(stderr, "  got: %s\n", err);
			CHECKF(utf8_valid(err, strlen(err)), label);
		}
		CHECKF(policy_active(&r) == vec[i].active, label);
		CHECKF(r.nallowed == vec[i].na && r.ndenied == vec[i].nd &&
		    r.nbuckets == vec[i].nb, label);
		policy_free(&r);
		policy_free(&r);
		CHECKF(!policy_active(&r) && r.allowed == NULL, label);
	}
	CHECK(!policy_active(NULL));

	/* Canonical texts and trimming, seen through the rule fields. */
	if (setup(&r, " logs/ ,S3://Bk1,s3://bk2/,s3://bk3/p q ", NULL, NULL,
	    0, "canon")) {
		CHECK(strcmp(r.allowed[0].text, "logs/") == 0);
		CHECK(r.allowed[0].bucket.n == 0);
		CHECK(strcmp(r.allowed[1].text, "s3://Bk1/") == 0);
		CHECK(slice_eq(r.allowed[1].bucket, "Bk1") &&
		    r.allowed[1].prefix.n == 0);
		CHECK(strcmp(r.allowed[2].text, "s3://bk2/") == 0);
		CHECK(strcmp(r.allowed[3].text, "s3://bk3/p q") == 0);
		CHECK(slice_eq(r.allowed[3].prefix, "p q"));
		policy_free(&r);
	}

	/* No message buffer, and one too small: still a terminated cut. */
	CHECK(policy_parse(&r, ",", NULL, NULL, 0, NULL, 0) == POLICY_EINVAL);
	CHECK(policy_parse(&r, ",", NULL, NULL, 0, err, 0) == POLICY_EINVAL);
	memset(err, 'x', sizeof(err));
	CHECK(policy_parse(&r, ",", NULL, NULL, 0, err, 12) == POLICY_EINVAL);
	CHECK(strlen(err) == 11 && strcmp(err + 8, "...") == 0);
	CHECK(policy_parse(&r, "ok/", NULL, NULL, 0, err, 4) == 0 &&
	    err[0] == '\0');
	policy_free(&r);

	/* A long entry is shown cut, not whole. */
	{
		char	 big[300];

		memset(big, 'a', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		big[150] = '\x02';
		CHECK(policy_parse(&r, big, NULL, NULL, 0, err, sizeof(err)) ==
		    POLICY_EINVAL);
		CHECK(strlen(err) < 200 && strstr(err, "...\")") != NULL);
	}
	CHECK(strcmp(policy_strerror(POLICY_EDENIED),
	    "denied by access rules") == 0);
	CHECK(strcmp(policy_strerror(12345), "unknown error") == 0);
}

/* Limits at N and N+1: bucket length, prefix length, entries per list. */
static void
test_limits(void)
{
	struct policy_rules	 r;
	char			*s, err[256];
	size_t			 i, n;
	const char		*var[3] = { "A", "D", "B" };
	int			 which;

	s = malloc(64 * 1024);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	/* Bucket of 63 and 64 bytes, in a rule and in the bucket list. */
	memcpy(s, "s3://", 5);
	memset(s + 5, 'b', 64);
	memcpy(s + 5 + 63, "/x", 3);
	CHECK(policy_parse(&r, s, NULL, NULL, 0, err, sizeof(err)) == 0);
	CHECK(r.allowed[0].bucket.n == 63);
	policy_free(&r);
	memcpy(s + 5 + 64, "/x", 3);
	CHECK(policy_parse(&r, s, NULL, NULL, 0, err, sizeof(err)) ==
	    POLICY_EINVAL);
	memset(s, 'b', 64);
	s[63] = '\0';
	CHECK(policy_parse(&r, NULL, NULL, s, 0, err, sizeof(err)) == 0);
	policy_free(&r);
	s[63] = 'b';
	s[64] = '\0';
	CHECK(policy_parse(&r, NULL, NULL, s, 0, err, sizeof(err)) ==
	    POLICY_EINVAL);

	/* Prefix of S3_MAX_KEY_BYTES and one more, bare and in s3://. */
	memset(s, 'p', S3_MAX_KEY_BYTES + 1);
	s[S3_MAX_KEY_BYTES] = '\0';
	CHECK(policy_parse(&r, NULL, s, NULL, 0, err, sizeof(err)) == 0);
	policy_free(&r);
	s[S3_MAX_KEY_BYTES] = 'p';
	s[S3_MAX_KEY_BYTES + 1] = '\0';
	CHECK(policy_parse(&r, NULL, s, NULL, 0, err, sizeof(err)) ==
	    POLICY_EINVAL && strstr(err, "longer than 1024") != NULL);
	memcpy(s, "s3://bk1/", 9);
	memset(s + 9, 'p', S3_MAX_KEY_BYTES + 1);
	s[9 + S3_MAX_KEY_BYTES] = '\0';
	CHECK(policy_parse(&r, s, NULL, NULL, 0, err, sizeof(err)) == 0);
	CHECK(r.allowed[0].prefix.n == S3_MAX_KEY_BYTES);
	policy_free(&r);
	s[9 + S3_MAX_KEY_BYTES] = 'p';
	s[10 + S3_MAX_KEY_BYTES] = '\0';
	CHECK(policy_parse(&r, s, NULL, NULL, 0, err, sizeof(err)) ==
	    POLICY_EINVAL);

	/* POLICY_MAX_ENTRIES entries, then one more, in each list. */
	for (which = 0; which < 3; which++) {
		for (n = POLICY_MAX_ENTRIES; n <= POLICY_MAX_ENTRIES + 1; n++) {
			s[0] = '\0';
			for (i = 0; i < n; i++)
				sprintf(s + strlen(s), "%sb%03zu", i ? "," : "",
				    i);
			CHECKF(policy_parse(&r, which == 0 ? s : NULL,
			    which == 1 ? s : NULL, which == 2 ? s : NULL, 0,
			    err, sizeof(err)) == (n == POLICY_MAX_ENTRIES ? 0 :
			    POLICY_ELIMIT), var[which]);
			if (n > POLICY_MAX_ENTRIES)
				CHECKF(strstr(err, "more than 128") != NULL,
				    var[which]);
			policy_free(&r);
		}
	}
	free(s);
}

struct keycase {
	const char	*bucket, *key;
	int		 allow;
	const char	*tag;
	const char	*rule;		/* exact text, or NULL */
};

static void
run_keys(const char *label, const char *al, const char *de, const char *bu,
    int enable, const struct keycase *vec, size_t n)
{
	struct policy_rules	 r;
	struct policy_decision	 d;
	char			 lab[160];
	size_t			 i;
	int			 rc, rc2;

	if (!setup(&r, al, de, bu, enable, label))
		return;
	for (i = 0; i < n; i++) {
		snprintf(lab, sizeof(lab), "%s: %s %s", label, vec[i].bucket,
		    vec[i].key);
		memset(&d, 'z', sizeof(d));
		rc = policy_key(&r, S(vec[i].bucket), S(vec[i].key), &d);
		rc2 = policy_key(&r, S(vec[i].bucket), S(vec[i].key), NULL);
		CHECKF(rc == (vec[i].allow ? 0 : POLICY_EDENIED), lab);
		CHECKF(rc2 == rc && d.allow == vec[i].allow, lab);
		CHECKF(strcmp(d.tag, vec[i].tag) == 0, lab);
		if (vec[i].rule != NULL)
			CHECKF(strcmp(d.rule, vec[i].rule) == 0, lab);
		if ((vec[i].rule != NULL && strcmp(d.rule, vec[i].rule) != 0) ||
		    strcmp(d.tag, vec[i].tag) != 0)
			fprintf(stderr, "  got %d %s: %s\n", d.allow, d.tag,
			    d.rule);
	}
	policy_free(&r);
}

#define RUN_KEYS(label, al, de, bu, en, vec) \
	run_keys(label, al, de, bu, en, vec, NELEM(vec))

static void
test_keys(void)
{
	/* Denied first; allowed required; bucket-scoped and bare rules. */
	static const struct keycase mixed[] = {
		{ "bk1", "logs/x", 1, "allowed", "allowed prefix logs/" },
		{ "bk2", "logs/x", 1, "allowed", NULL },
		{ "bk1", "logs/secret/x", 0, "denied_prefix",
		    "denied prefix logs/secret/" },
		{ "bk2", "logs/secret/", 0, "denied_prefix", NULL },
		{ "bk1", "logs/secret", 1, "allowed", NULL },
		{ "bk1", "logs/secretive", 1, "allowed", NULL },
		{ "bk1", "public/a", 1, "allowed",
		    "allowed prefix s3://bk1/public/" },
		{ "bk2", "public/a", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: logs/)" },
		{ "bk1", "other", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: logs/, "
		    "s3://bk1/public/)" },
		{ "bk1", "public/private/x", 0, "denied_prefix",
		    "denied prefix s3://bk1/public/private/" },
		{ "bk2", "public/private/x", 0, "not_allowed_prefix", NULL },
		/* A denial holds whatever the case of the bucket... */
		{ "BK1", "public/private/x", 0, "denied_prefix",
		    "denied prefix s3://bk1/public/private/" },
		{ "Bk1", "public/private/", 0, "denied_prefix", NULL },
		/* ...an allowance only for the bucket as written. */
		{ "BK1", "public/a", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: logs/)" },
		{ "bk1", "Logs/x", 0, "not_allowed_prefix", NULL },
		{ "bk1", "PUBLIC/a", 0, "not_allowed_prefix", NULL },
	};
	/* Prefix boundaries: "logs" vs "logs/" vs "logsX". */
	static const struct keycase bare_logs[] = {
		{ "bk1", "logs", 1, "allowed", "allowed prefix logs" },
		{ "bk1", "logs/", 1, "allowed", NULL },
		{ "bk1", "logs/a", 1, "allowed", NULL },
		{ "bk1", "logsX", 1, "allowed", NULL },
		{ "bk1", "log", 0, "not_allowed_prefix", NULL },
		{ "bk1", "lo", 0, "not_allowed_prefix", NULL },
		{ "bk1", "xlogs", 0, "not_allowed_prefix", NULL },
	};
	static const struct keycase slash_logs[] = {
		{ "bk1", "logs", 0, "not_allowed_prefix", NULL },
		{ "bk1", "logs/", 1, "allowed", NULL },
		{ "bk1", "logs/a", 1, "allowed", NULL },
		{ "bk1", "logsX", 0, "not_allowed_prefix", NULL },
		{ "bk1", "logsX/a", 0, "not_allowed_prefix", NULL },
	};
	static const struct keycase deny_logs[] = {
		{ "bk1", "logs", 0, "denied_prefix", NULL },
		{ "bk1", "logsX", 0, "denied_prefix", NULL },
		{ "bk1", "logs/a", 0, "denied_prefix", NULL },
		{ "bk1", "log", 1, "allowed", "no denied prefix matches" },
		{ "bk1", "LOGS", 1, "allowed", NULL },
		{ "bk1", "", 0, "bad_key", "key is empty" },
	};
	/* The same prefix allowed and denied: denied wins. */
	static const struct keycase both[] = {
		{ "bk1", "a/x", 0, "denied_prefix", "denied prefix a/" },
		{ "bk1", "b/x", 1, "allowed", NULL },
		{ "bk1", "c/x", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: a/, b/)" },
	};
	/* Whole-bucket rules and rules for other buckets only. */
	static const struct keycase whole[] = {
		{ "bk1", "anything", 0, "denied_prefix",
		    "denied prefix s3://bk1/" },
		{ "BK1", "anything", 0, "denied_prefix", NULL },
		{ "bk2", "anything", 1, "allowed",
		    "allowed prefix s3://bk2/" },
		{ "bk3", "x", 1, "allowed", "allowed prefix s3://bk3/x" },
		{ "bk3", "y", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: s3://bk3/x)" },
		{ "bk4", "x", 0, "not_allowed_prefix",
		    "no allowed prefix matches (allowed: none in bucket "
		    "\"bk4\")" },
	};
	/* The bucket list: exact names; then the prefix rules still apply. */
	static const struct keycase buckets[] = {
		{ "bk1", "a", 1, "allowed", NULL },
		{ "other.bucket", "a", 1, "allowed", NULL },
		{ "bk2", "a", 0, "bucket_not_allowed",
		    "bucket \"bk2\" is not in MCP_S3_ALLOWED_BUCKETS" },
		{ "BK1", "a", 0, "bucket_not_allowed", NULL },
		{ "bk1", "secret/a", 0, "denied_prefix", NULL },
		{ "bk2", "secret/a", 0, "bucket_not_allowed", NULL },
		{ "ab", "a", 0, "bad_bucket", NULL },
		{ "", "a", 0, "bad_bucket", NULL },
		{ "bk1/secret", "a", 0, "bad_bucket", NULL },
		{ "bk1?x=", "a", 0, "bad_bucket", NULL },
	};
	/* Shapes a proxy could rewrite, in every position. */
	static const struct keycase shapes[] = {
		{ "bk1", ".", 0, "bad_key", "key has a \".\" segment" },
		{ "bk1", "..", 0, "bad_key", "key has a \"..\" segment" },
		{ "bk1", "./x", 0, "bad_key", NULL },
		{ "bk1", "../x", 0, "bad_key", "key has a \"..\" segment" },
		{ "bk1", "../secret/x", 0, "bad_key", NULL },
		{ "bk1", "a/./b", 0, "bad_key", NULL },
		{ "bk1", "a/../b", 0, "bad_key", NULL },
		{ "bk1", "a/../../secret/x", 0, "bad_key", NULL },
		{ "bk1", "a/.", 0, "bad_key", NULL },
		{ "bk1", "a/..", 0, "bad_key", NULL },
		{ "bk1", "a/b/..", 0, "bad_key", NULL },
		{ "bk1", "./", 0, "bad_key", NULL },
		{ "bk1", "../", 0, "bad_key", NULL },
		{ "bk1", "a/./", 0, "bad_key", NULL },
		{ "bk1", "a//b", 0, "bad_key",
		    "key has an empty segment (\"//\")" },
		{ "bk1", "a//", 0, "bad_key", NULL },
		{ "bk1", "a///b", 0, "bad_key", NULL },
		{ "bk1", "/a", 0, "bad_key", "key starts with \"/\"" },
		{ "bk1", "/", 0, "bad_key", NULL },
		{ "bk1", "//a", 0, "bad_key", NULL },
		{ "bk1", "a\\b", 0, "bad_key", "key holds a backslash" },
		{ "bk1", "..\\secret", 0, "bad_key", NULL },
		{ "bk1", "\\", 0, "bad_key", NULL },
		{ "bk1", "", 0, "bad_key", "key is empty" },
		/* Not dot segments, not special. */
		{ "bk1", "...", 1, "allowed", NULL },
		{ "bk1", ".../x", 1, "allowed", NULL },
		{ "bk1", "a..b", 1, "allowed", NULL },
		{ "bk1", ".a", 1, "allowed", NULL },
		{ "bk1", "a.", 1, "allowed", NULL },
		{ "bk1", "a/.x/b", 1, "allowed", NULL },
		{ "bk1", "a/..x", 1, "allowed", NULL },
		{ "bk1", "a/x..", 1, "allowed", NULL },
		{ "bk1", "dir/", 1, "allowed", NULL },
		{ "bk1", "%2e%2e/x", 1, "allowed", NULL },
		{ "bk1", "a/%2e/b", 1, "allowed", NULL },
		{ "bk1", "a%2F%2Fb", 1, "allowed", NULL },
		{ "bk1", "a/%5c/b", 1, "allowed", NULL },
		/* The denial still catches what the shapes let through. */
		{ "bk1", "secret/x", 0, "denied_prefix", NULL },
	};
	/* With only the bucket list set, "../" could still leave it. */
	static const struct keycase only_buckets[] = {
		{ "bk1", "a", 1, "allowed", "no denied prefix matches" },
		{ "bk1", "../bk2/a", 0, "bad_key", NULL },
		{ "bk1", "/a", 0, "bad_key", NULL },
	};
	/* Rules off: nothing is checked. */
	static const struct keycase off[] = {
		{ "bk1", "../x", 1, "no_rules", "no access rules" },
		{ "x", "", 1, "no_rules", NULL },
	};
	/* Switched on without lists: only the shapes. */
	static const struct keycase on[] = {
		{ "bk1", "a", 1, "allowed", NULL },
		{ "bk1", "a/../b", 0, "bad_key", NULL },
		{ "b", "a", 0, "bad_bucket", NULL },
	};
	struct policy_rules	 r;
	struct policy_decision	 d;

	RUN_KEYS("mixed", "logs/,s3://bk1/public/",
	    "logs/secret/,s3://bk1/public/private/", NULL, 0, mixed);
	RUN_KEYS("bare logs", "logs", NULL, NULL, 0, bare_logs);
	RUN_KEYS("slash logs", "logs/", NULL, NULL, 0, slash_logs);
	RUN_KEYS("deny logs", NULL, "logs", NULL, 0, deny_logs);
	RUN_KEYS("both", "a/,b/", "a/", NULL, 0, both);
	RUN_KEYS("whole", "s3://bk2,s3://bk3/x,s3://bk1/", "s3://bk1", NULL,
	    0, whole);
	RUN_KEYS("buckets", NULL, "secret/", "bk1,other.bucket", 0, buckets);
	RUN_KEYS("shapes", NULL, "secret/", NULL, 0, shapes);
	RUN_KEYS("only buckets", NULL, NULL, "bk1", 0, only_buckets);
	RUN_KEYS("off", NULL, NULL, NULL, 0, off);
	RUN_KEYS("on", NULL, NULL, NULL, 1, on);

	/* A NULL policy denies; NULL slices are refused, not read. */
	memset(&d, 0, sizeof(d));
	CHECK(policy_key(NULL, S("bk1"), S("a"), &d) == POLICY_EDENIED &&
	    !d.allow && strcmp(d.tag, "no_policy") == 0);
	CHECK(policy_bucket(NULL, S("bk1"), &d) == POLICY_EDENIED);
	CHECK(policy_list(NULL, S("bk1"), S(""), &d) == POLICY_LIST_NONE);
	CHECK(!policy_show_prefix(NULL, S("bk1"), S("a/")));
	if (setup(&r, NULL, "x", NULL, 0, "null slices")) {
		CHECK(policy_key(&r, (struct slice){ NULL, 3 }, S("a"), &d) ==
		    POLICY_EDENIED && strcmp(d.tag, "bad_bucket") == 0);
		CHECK(policy_key(&r, S("bk1"), (struct slice){ NULL, 3 }, &d) ==
		    POLICY_EDENIED && strcmp(d.tag, "bad_key") == 0);
		CHECK(policy_key(&r, S("bk1"), (struct slice){ NULL, 0 }, &d) ==
		    POLICY_EDENIED && strcmp(d.tag, "bad_key") == 0);
		CHECK(policy_list(&r, S("bk1"), (struct slice){ NULL, 0 },
		    &d) == POLICY_LIST_FILTER);
		CHECK(policy_list(&r, S("bk1"), (struct slice){ NULL, 2 },
		    &d) == POLICY_LIST_NONE);
		policy_free(&r);
	}
}

static void
test_bucket(void)
{
	struct policy_rules	 r;
	struct policy_decision	 d;
	const char *const	*names;

	CHECK(policy_parse(&r, NULL, NULL, NULL, 0, NULL, 0) == 0);
	CHECK(policy_bucket(&r, S("anything at all"), &d) == 0 && d.allow &&
	    strcmp(d.tag, "no_rules") == 0);
	names = (const char *const *)&r;
	CHECK(policy_buckets(&r, &names) == 0 && names == NULL);
	policy_free(&r);

	if (setup(&r, "s3://bk9/x", "s3://bk1", " bk1 ,bk2,Bk3", 0, "bucket")) {
		CHECK(policy_buckets(&r, &names) == 3);
		CHECK(strcmp(names[0], "bk1") == 0 &&
		    strcmp(names[1], "bk2") == 0 &&
		    strcmp(names[2], "Bk3") == 0);
		CHECK(policy_buckets(&r, NULL) == 3);
		/* Step 1 alone: a denied whole bucket is still a bucket. */
		CHECK(policy_bucket(&r, S("bk1"), &d) == 0 && d.allow &&
		    strcmp(d.rule, "bucket is in MCP_S3_ALLOWED_BUCKETS") == 0);
		CHECK(policy_bucket(&r, S("bk3"), &d) == POLICY_EDENIED &&
		    strcmp(d.tag, "bucket_not_allowed") == 0 &&
		    strcmp(d.rule, "bucket \"bk3\" is not in "
		    "MCP_S3_ALLOWED_BUCKETS") == 0);
		CHECK(policy_bucket(&r, S("Bk3"), NULL) == 0);
		CHECK(policy_bucket(&r, S("bk"), &d) == POLICY_EDENIED &&
		    strcmp(d.tag, "bad_bucket") == 0);
		policy_free(&r);
	}
	if (setup(&r, NULL, "a/", NULL, 0, "bucket2")) {
		CHECK(policy_bucket(&r, S("any-bucket"), &d) == 0 &&
		    strcmp(d.rule, "no bucket restriction") == 0);
		CHECK(policy_buckets(&r, &names) == 0 && names == NULL);
		policy_free(&r);
	}
}

struct listcase {
	const char	*bucket, *prefix;
	int		 want;
	const char	*tag;		/* or NULL */
};

#define ALL	POLICY_LIST_ALL
#define FILTER	POLICY_LIST_FILTER
#define NONE	POLICY_LIST_NONE

static void
run_lists(const char *label, const char *al, const char *de,
    const char *bu, int enable, const struct listcase *vec, size_t n)
{
	struct policy_rules	 r;
	struct policy_decision	 d;
	char			 lab[160];
	size_t			 i;
	int			 got;

	if (!setup(&r, al, de, bu, enable, label))
		return;
	for (i = 0; i < n; i++) {
		snprintf(lab, sizeof(lab), "%s: %s \"%s\"", label,
		    vec[i].bucket, vec[i].prefix);
		got = policy_list(&r, S(vec[i].bucket), S(vec[i].prefix), &d);
		CHECKF(got == vec[i].want, lab);
		CHECKF(policy_list(&r, S(vec[i].bucket), S(vec[i].prefix),
		    NULL) == got, lab);
		CHECKF(d.allow == (got != NONE), lab);
		CHECKF(policy_show_prefix(&r, S(vec[i].bucket),
		    S(vec[i].prefix)) == (got != NONE), lab);
		if (vec[i].tag != NULL)
			CHECKF(strcmp(d.tag, vec[i].tag) == 0, lab);
		if (got != vec[i].want || (vec[i].tag != NULL &&
		    strcmp(d.tag, vec[i].tag) != 0))
			fprintf(stderr, "  got %d %s: %s\n", got, d.tag,
			    d.rule);
	}
	policy_free(&r);
}

#define RUN_LISTS(label, al, de, bu, en, vec) \
	run_lists(label, al, de, bu, en, vec, NELEM(vec))

static void
test_list(void)
{
	static const struct listcase deny_secret[] = {
		{ "bk1", "", FILTER, "filtered" },
		{ "bk1", "s", FILTER, NULL },
		{ "bk1", "sec", FILTER, NULL },
		{ "bk1", "secret", FILTER, NULL },
		{ "bk1", "secret/", NONE, "denied_prefix" },
		{ "bk1", "secret/a", NONE, NULL },
		{ "bk1", "secretX", ALL, NULL },
		{ "bk1", "public/", ALL, "allowed" },
		{ "bk1", "x", ALL, NULL },
		{ "bk1", "/secret/", NONE, "bad_key" },
		{ "bk1", "a//", NONE, "bad_key" },
		{ "bk1", "a/../", NONE, "bad_key" },
		{ "bk1", "./", NONE, NULL },
		{ "bk1", "a\\", NONE, NULL },
		/* An unclosed dot segment is the start of "a/..x". */
		{ "bk1", "a/..", ALL, NULL },
		{ "bk1", "a/.", ALL, NULL },
		{ "bk1", ".", ALL, NULL },
	};
	static const struct listcase allow_logs[] = {
		{ "bk1", "", FILTER, "filtered" },
		{ "bk1", "l", FILTER, NULL },
		{ "bk1", "logs", FILTER, NULL },
		{ "bk1", "logs/", ALL, "allowed" },
		{ "bk1", "logs/2024/", ALL, NULL },
		{ "bk1", "logsX", NONE, "not_allowed_prefix" },
		{ "bk1", "other/", NONE, NULL },
		{ "bk1", "Logs/", NONE, NULL },
		{ "bk1", "logs/./", NONE, "bad_key" },
		{ "bk1", "logs//", NONE, NULL },
	};
	static const struct listcase allow_logs_deny_secret[] = {
		{ "bk1", "", FILTER, NULL },
		{ "bk1", "logs", FILTER, NULL },
		{ "bk1", "logs/", FILTER, NULL },
		{ "bk1", "logs/s", FILTER, NULL },
		{ "bk1", "logs/secret", FILTER, NULL },
		{ "bk1", "logs/secret/", NONE, "denied_prefix" },
		{ "bk1", "logs/secret/x/", NONE, NULL },
		{ "bk1", "logs/public/", ALL, NULL },
		{ "bk1", "logs/secretive/", ALL, NULL },
		{ "bk1", "other", NONE, NULL },
	};
	/* Every allowed prefix that overlaps is itself denied. */
	static const struct listcase allowed_inside_denied[] = {
		{ "bk1", "", NONE, "denied_prefix" },
		{ "bk1", "l", NONE, NULL },
		{ "bk1", "logs/", NONE, NULL },
		{ "bk1", "logs/secret/", NONE, NULL },
		{ "bk1", "x", NONE, "not_allowed_prefix" },
	};
	static const struct listcase two_allowed[] = {
		{ "bk1", "", FILTER, NULL },
		{ "bk1", "a", NONE, NULL },
		{ "bk1", "a/", NONE, NULL },
		{ "bk1", "b", FILTER, NULL },
		{ "bk1", "b/", ALL, NULL },
		{ "bk1", "b/c", ALL, NULL },
		{ "bk1", "c", NONE, NULL },
	};
	static const struct listcase scoped[] = {
		{ "bk1", "", FILTER, NULL },
		{ "bk1", "pub", FILTER, NULL },
		{ "bk1", "pub/", ALL, NULL },
		{ "BK1", "pub/", NONE, NULL },
		{ "bk2", "", NONE, "denied_prefix" },
		{ "bk2", "pub/", NONE, NULL },
		{ "Bk2", "pub/", NONE, "denied_prefix" },
		{ "bk3", "pub/", NONE, "not_allowed_prefix" },
		{ "bk3", "", FILTER, NULL },
		{ "bk3", "logs/", ALL, NULL },
		{ "bk4", "", FILTER, NULL },
		{ "bk4", "logs/", FILTER, NULL },
		{ "bk4", "logs/y", ALL, NULL },
		{ "bk4", "logs/x/", NONE, NULL },
		{ "bk1", "logs/x/", ALL, NULL },
	};
	static const struct listcase buckets[] = {
		{ "bk1", "", ALL, "allowed" },
		{ "bk2", "", NONE, "bucket_not_allowed" },
		{ "bk2", "a/", NONE, NULL },
		{ "BK1", "", NONE, NULL },
		{ "b", "", NONE, "bad_bucket" },
	};
	static const struct listcase whole_allowed[] = {
		{ "bk1", "", ALL, NULL },
		{ "bk1", "x/", ALL, NULL },
		{ "bk2", "", NONE, NULL },
	};
	static const struct listcase whole_denied[] = {
		{ "bk1", "", NONE, "denied_prefix" },
		{ "bk1", "a", NONE, NULL },
		{ "bk2", "", ALL, NULL },
	};
	static const struct listcase off[] = {
		{ "bk1", "", ALL, "no_rules" },
		{ "x", "a/../", ALL, NULL },
	};
	static const struct listcase on[] = {
		{ "bk1", "", ALL, NULL },
		{ "bk1", "a/../", NONE, NULL },
	};

	RUN_LISTS("deny secret", NULL, "secret/", NULL, 0, deny_secret);
	RUN_LISTS("allow logs", "logs/", NULL, NULL, 0, allow_logs);
	RUN_LISTS("allow logs deny secret", "logs/", "logs/secret/", NULL, 0,
	    allow_logs_deny_secret);
	RUN_LISTS("allowed inside denied", "logs/secret/", "logs/", NULL, 0,
	    allowed_inside_denied);
	RUN_LISTS("two allowed", "a/,b/", "a/", NULL, 0, two_allowed);
	RUN_LISTS("scoped", "s3://bk1/pub/,s3://bk4/logs/,logs/",
	    "s3://bk2/,s3://bk4/logs/x/", NULL, 0, scoped);
	RUN_LISTS("buckets", NULL, NULL, "bk1", 0, buckets);
	RUN_LISTS("whole allowed", "s3://bk1", NULL, NULL, 0, whole_allowed);
	RUN_LISTS("whole denied", NULL, "s3://bk1/", NULL, 0, whole_denied);
	RUN_LISTS("off", NULL, NULL, NULL, 0, off);
	RUN_LISTS("on", NULL, NULL, NULL, 1, on);
}

static void
test_show_prefix(void)
{
	static const struct {
		const char	*cp;
		int		 show;
	} vec[] = {
		{ "logs/", 1 },
		{ "logs/secret/", 0 },
		{ "logs/secret/deeper/", 0 },
		{ "logs/secretive/", 1 },
		{ "logs/public/", 1 },
		{ "other/", 0 },
		{ "log/", 0 },
		{ "logs//", 0 },
		{ "logs/../", 0 },
		{ "logs/./", 0 },
		{ "logs/.../", 1 },
	};
	struct policy_rules	 r;
	size_t			 i;

	if (!setup(&r, "logs/", "logs/secret/", NULL, 0, "show"))
		return;
	for (i = 0; i < NELEM(vec); i++)
		CHECKF(policy_show_prefix(&r, S("bk1"), S(vec[i].cp)) ==
		    vec[i].show, vec[i].cp);
	policy_free(&r);
}

/* Decision texts that do not fit are cut on a character and marked. */
static void
test_text(void)
{
	struct policy_rules	 r;
	struct policy_decision	 d;
	char			*s, *p;
	size_t			 i, len;

	/* The longest single rule fits whole. */
	s = malloc(4096);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	memcpy(s, "s3://", 5);
	memset(s + 5, 'b', 63);
	s[68] = '/';
	memset(s + 69, 'p', S3_MAX_KEY_BYTES);
	s[69 + S3_MAX_KEY_BYTES] = '\0';
	if (setup(&r, NULL, s, NULL, 0, "long rule")) {
		CHECK(policy_key(&r, (struct slice){ s + 5, 63 },
		    (struct slice){ s + 69, S3_MAX_KEY_BYTES }, &d) ==
		    POLICY_EDENIED);
		CHECK(strncmp(d.rule, "denied prefix s3://", 19) == 0 &&
		    strcmp(d.rule + 14, s) == 0);
		policy_free(&r);
	}
	/* Many allowed prefixes of two-byte characters overflow. */
	p = s;
	for (i = 0; i < 30; i++) {
		if (i > 0)
			*p++ = ',';
		memset(p, 'a' + (char)(i % 26), 1);
		p++;
		for (len = 0; len < 30; len++) {
			memcpy(p, "\xc3\xa9", 2);
			p += 2;
		}
	}
	*p = '\0';
	if (setup(&r, s, NULL, NULL, 0, "long list")) {
		CHECK(policy_key(&r, S("bk1"), S("zzz"), &d) == POLICY_EDENIED);
		len = strlen(d.rule);
		CHECK(len < sizeof(d.rule) && len >= sizeof(d.rule) - 4);
		CHECK(strcmp(d.rule + len - 3, "...") == 0);
		CHECK(utf8_valid(d.rule, len));
		CHECK(strncmp(d.rule, "no allowed prefix matches (allowed: ",
		    36) == 0);
		policy_free(&r);
	}
	free(s);
}

/*
 * Brute force.  Keys are every string of up to MAXLEN bytes over ALPHA;
 * rule prefixes are shorter, so every boundary a rule draws shows up
 * among them.  For each rule set and bucket, policy_list on every string
 * P must agree with policy_key on every key under P: ALL means each is
 * allowed or refused for its shape alone (tag bad_key), NONE means none
 * is allowed.
 */
#define ALPHA	"a/.b"
#define NALPHA	4
#define MAXLEN	4
#define NKEYS	(1 + 4 + 16 + 64 + 256)

static char	 keys[NKEYS][MAXLEN + 1];
static int	 verdict[NKEYS];	/* 1 allow, 0 rules deny, -1 shape */
static size_t	 nkeys;
/*
 * Keys are made length by length, each length in order, so the keys of
 * length L + m under a key of length L at position k within its length
 * are the 4^m from level[L + m] + k * 4^m.
 */
static size_t	 level[MAXLEN + 2];
static size_t	 klen[NKEYS], kpos[NKEYS];

static void
make_keys(void)
{
	size_t	 len, i, k, x;

	nkeys = 0;
	for (len = 0; len <= MAXLEN; len++) {
		level[len] = nkeys;
		x = 1;
		for (i = 0; i < len; i++)
			x *= NALPHA;
		for (k = 0; k < x; k++) {
			size_t	 v = k;

			klen[nkeys] = len;
			kpos[nkeys] = k;

			for (i = 0; i < len; i++) {
				keys[nkeys][len - 1 - i] = ALPHA[v % NALPHA];
				v /= NALPHA;
			}
			keys[nkeys][len] = '\0';
			nkeys++;
		}
	}
	level[MAXLEN + 1] = nkeys;
}

static uint32_t	 rng = 12345;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A random prefix of up to 3 bytes over ALPHA. */
static void
random_prefix(char *out)
{
	size_t	 len = next() % 4, i;

	for (i = 0; i < len; i++)
		out[i] = ALPHA[next() % NALPHA];
	out[len] = '\0';
}

/* A random entry: bare, or for one of the buckets (in either case). */
static void
random_entry(char *out, size_t cap)
{
	static const char *const scope[] = { "", "", "s3://bkt/",
	    "s3://BKT/", "s3://oth/", "s3://bkt" };
	char	 p[8];
	size_t	 w = next() % NELEM(scope);

	random_prefix(p);
	if (w == 5)
		p[0] = '\0';
	if (w < 2 && p[0] == '\0')
		strcpy(p, "a");
	snprintf(out, cap, "%s%s", scope[w], p);
}

static void
random_list(char *out, size_t cap, size_t n)
{
	char	 e[32];
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		random_entry(e, sizeof(e));
		if (i > 0)
			strncat(out, ",", cap - strlen(out) - 1);
		strncat(out, e, cap - strlen(out) - 1);
	}
}

struct tally {
	unsigned long	 configs, lists, keys, all, none, filter;
	unsigned long	 exact_missed;	/* FILTER where ALL or NONE held */
	unsigned long	 bad;
};

static void
cross_check(const struct policy_rules *r, const char *bucket,
    struct tally *t, const char *label)
{
	struct policy_decision	 d;
	size_t			 i, k, m, w, first;
	int			 v, any_allowed, all_allowed;

	for (k = 0; k < nkeys; k++) {
		if (policy_key(r, S(bucket), S(keys[k]), &d) == 0)
			verdict[k] = 1;
		else
			verdict[k] = strcmp(d.tag, "bad_key") == 0 ? -1 : 0;
		t->keys++;
	}
	for (i = 0; i < nkeys; i++) {
		v = policy_list(r, S(bucket), S(keys[i]), NULL);
		t->lists++;
		any_allowed = 0;
		all_allowed = 1;
		for (m = 0, w = 1; klen[i] + m <= MAXLEN; m++, w *= NALPHA) {
			first = level[klen[i] + m] + kpos[i] * w;
			for (k = first; k < first + w; k++) {
				if (strncmp(keys[k], keys[i], klen[i]) != 0)
					t->bad++;	/* the index is wrong */
				if (verdict[k] == 1)
					any_allowed = 1;
				if (verdict[k] == 0)
					all_allowed = 0;
			}
		}
		if (v == POLICY_LIST_ALL) {
			t->all++;
			if (!all_allowed) {
				t->bad++;
				fprintf(stderr, "  ALL wrong: %s bucket %s "
				    "prefix \"%s\"\n", label, bucket, keys[i]);
			}
		} else if (v == POLICY_LIST_NONE) {
			t->none++;
			if (any_allowed) {
				t->bad++;
				fprintf(stderr, "  NONE wrong: %s bucket %s "
				    "prefix \"%s\"\n", label, bucket, keys[i]);
			}
		} else {
			t->filter++;
			if (!any_allowed || all_allowed)
				t->exact_missed++;
		}
		if (policy_show_prefix(r, S(bucket), S(keys[i])) !=
		    (v != POLICY_LIST_NONE))
			t->bad++;
	}
}

static void
test_brute_force(void)
{
	static const char *const buckets[] = { "bkt", "BKT", "oth", "zzz" };
	static const char *const bucket_lists[] = { NULL, "bkt", "bkt,oth" };
	struct policy_rules	 r;
	struct tally		 t;
	char			 al[256], de[256], label[600];
	char			 pre[NKEYS][16];
	size_t			 npre, i, j, b, c;
	int			 rc;

	make_keys();
	memset(&t, 0, sizeof(t));

	/*
	 * Exhaustive over one allowed and one denied rule (or none), each
	 * any valid prefix of up to 2 bytes, bare or for "bkt".
	 */
	npre = 0;
	strcpy(pre[npre++], "");
	for (i = 0; i < nkeys && strlen(keys[i]) <= 2; i++) {
		if (keys[i][0] == '\0')
			continue;
		strcpy(pre[npre++], keys[i]);
		strcpy(pre[npre], "s3://bkt/");
		strcat(pre[npre++], keys[i]);
	}
	strcpy(pre[npre++], "s3://bkt");
	for (i = 0; i < npre; i++)
		for (j = 0; j < npre; j++) {
			if (policy_parse(&r, i ? pre[i] : NULL,
			    j ? pre[j] : NULL, NULL, 0, NULL, 0) != 0)
				continue;
			t.configs++;
			strcpy(label, "allowed ");
			strcat(label, pre[i]);
			strcat(label, " denied ");
			strcat(label, pre[j]);
			for (b = 0; b < 3; b++)
				cross_check(&r, buckets[b], &t, label);
			policy_free(&r);
		}

	/* Random sets of up to 4 entries each, with and without buckets. */
	for (c = 0; c < 1500; c++) {
		random_list(al, sizeof(al), next() % 5);
		random_list(de, sizeof(de), next() % 5);
		rc = policy_parse(&r, al[0] ? al : NULL, de[0] ? de : NULL,
		    bucket_lists[c % 3], 0, NULL, 0);
		if (rc != 0)
			continue;
		t.configs++;
		strcpy(label, "allowed ");
		strcat(label, al);
		strcat(label, " denied ");
		strcat(label, de);
		strcat(label, " buckets ");
		strcat(label, bucket_lists[c % 3] ? bucket_lists[c % 3] : "-");
		for (b = 0; b < NELEM(buckets); b++)
			cross_check(&r, buckets[b], &t, label);
		policy_free(&r);
	}
	CHECK(t.bad == 0);
	CHECK(t.configs > 1000);
	CHECK(t.all > 0 && t.none > 0 && t.filter > 0);
	printf("brute force: %lu rule sets, %lu key decisions, %lu listings "
	    "(%lu ALL, %lu NONE, %lu FILTER, %lu FILTER where a verdict "
	    "held up to length %d), %lu wrong\n", t.configs, t.keys, t.lists,
	    t.all, t.none, t.filter, t.exact_missed, MAXLEN, t.bad);
}

int
main(void)
{
	test_parse();
	test_limits();
	test_keys();
	test_bucket();
	test_list();
	test_show_prefix();
	test_text();
	test_brute_force();
	return unit_done("test_policy");
}
