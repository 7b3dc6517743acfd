/*
 * fuzz_config.c - fuzz target for the setting parsers and config_load().
 *
 * Input: lines.  The first line is given to util_parse_size(),
 * config_parse_bool() and config_parse_duration_ms().  Each further line
 * sets one variable: its first byte picks the name from vars[] (modulo
 * their count), the rest is the value (up to a NUL, as in a real
 * environment).  config_load() then reads only these variables; none of
 * them makes it open a file.
 *
 * Checked, besides no crash and no sanitizer report:
 *  - util_parse_size agrees with a parser written here (digits, then an
 *    optional unit b, k, kb, kib ... tib in any case, no overflow), and a
 *    size it accepts reads back the same from its decimal form and, when
 *    a whole number of KiB, from "NKiB";
 *  - config_parse_bool accepts exactly Go's twelve spellings;
 *  - config_parse_duration_ms gives at most MAX_TIMEOUT_MS and reads
 *    back the same from "Nms" (and from bare seconds when whole);
 *  - config_load() returns 0 with an empty message, or CONFIG_EINVAL or
 *    CONFIG_ENOMEM with a non-empty one-line message that names one of
 *    the variables; the message never holds the secret key or session
 *    token (the harness puts a marker in front of both); a loaded config
 *    keeps its promises (connections, sizes, both keys or neither); a
 *    second load into a 12-byte message buffer gives the same result and
 *    a terminated prefix of the same message (perhaps ending in "...").
 * FUZZ_CONFIG_LAX=1 in the environment skips the one-line check (to fuzz
 * past a known multi-line message).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

/* The longest timeout config.c takes (a day); kept in step by hand. */
#define MAX_TIMEOUT_MS	(24ll * 3600 * 1000)
#define MAX_SET		12
#define VALUE_BYTES	1024
#define SECRET_MARK	"FuzzSecretMark7"
#define TOKEN_MARK	"FuzzTokenMark7"

static const char *const vars[] = {
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_ENDPOINT",
	"S3_USE_PATH_STYLE", "S3_TIMEOUT", "S3_CONNECTION_NAME",
	"S3_PRESIGN_ENDPOINT", "S3_ADDITIONAL_CONNECTIONS",
	"MCP_S3_EXT_READONLY", "MCP_S3_EXT_SIZELIMIT", "MCP_S3_MAX_GET_SIZE",
	"MCP_S3_MAX_PUT_SIZE", "MCP_S3_READ_SIZE", "MCP_S3_EXT_PREFIXACL",
	"MCP_S3_EXT_PREFIX_ACL", "MCP_S3_ALLOWED_PREFIXES",
	"MCP_S3_DENIED_PREFIXES", "MCP_S3_ALLOWED_BUCKETS", "MCP_S3_EXT_AUDIT",
	"MCP_S3_AUDIT_FILE", "MCP_S3_AUDIT_SEAL_RECORDS",
	"MCP_S3_AUDIT_SEAL_SECONDS", "MCP_S3_EXT_LOGGING", "MCP_S3_RATE_LIMIT",
	"MCP_S3_BYTE_LIMIT", "MCP_S3_TEXT_FORMAT", "MCP_S3_SANDBOX",
	"AWS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
};
#define NVARS	(sizeof(vars) / sizeof(vars[0]))

struct env {
	const char	*name[MAX_SET];
	char		 value[MAX_SET][VALUE_BYTES];
	size_t		 n;
};

static const char *
env_get(const char *name, void *arg)
{
	const struct env *e = arg;
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->name[i], name) == 0)
			return e->value[i];
	return NULL;
}

/* The size grammar a second way: digits, then a unit of up to 3 bytes. */
static int
model_size(const char *s, uint64_t *out)
{
	static const char *const unit[5][3] = {
		{ "b", "", "" }, { "k", "kb", "kib" }, { "m", "mb", "mib" },
		{ "g", "gb", "gib" }, { "t", "tb", "tib" },
	};
	uint64_t v = 0;
	size_t i, n, u, k;
	char low[4];

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (v > (UINT64_MAX - (uint64_t)(s[n] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	if (n == 0 || strlen(s + n) > 3)
		return -1;
	for (i = 0; s[n + i] != '\0'; i++)
		low[i] = s[n + i] >= 'A' && s[n + i] <= 'Z' ?
		    (char)(s[n + i] - 'A' + 'a') : s[n + i];
	low[i] = '\0';
	if (low[0] == '\0') {
		*out = v;
		return 0;
	}
	for (u = 0; u < 5; u++)
		for (k = 0; k < 3; k++)
			if (unit[u][k][0] != '\0' && strcmp(low, unit[u][k]) == 0) {
				if (u > 0 && v > UINT64_MAX >> (10 * u))
					return -1;
				*out = v << (10 * u);
				return 0;
			}
	return -1;
}

static void
check_parsers(const char *s)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	char buf[64];
	uint64_t v = 0, w = 0, m = 0;
	int64_t d, d2;
	size_t i;
	int b, rc, mrc, want = -1;

	rc = util_parse_size(s, &v);
	mrc = model_size(s, &m);
	ASSERT(rc == 0 || rc == UTIL_EINVAL);
	ASSERT((rc == 0) == (mrc == 0));
	if (rc == 0) {
		ASSERT(v == m);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		ASSERT(util_parse_size(buf, &w) == 0 && w == v);
		if (v % 1024 == 0) {
			snprintf(buf, sizeof(buf), "%lluKiB",
			    (unsigned long long)(v >> 10));
			ASSERT(util_parse_size(buf, &w) == 0 && w == v);
		}
	}

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0)
			want = 1;
		if (strcmp(s, no[i]) == 0)
			want = 0;
	}
	b = -7;
	rc = config_parse_bool(s, &b);
	ASSERT(want < 0 ? rc == CONFIG_EINVAL : rc == 0 && b == want);

	rc = config_parse_duration_ms(s, &d);
	ASSERT(rc == 0 || rc == CONFIG_EINVAL);
	if (rc == 0) {
		ASSERT(d >= 0 && d <= (int64_t)MAX_TIMEOUT_MS);
		snprintf(buf, sizeof(buf), "%lldms", (long long)d);
		ASSERT(config_parse_duration_ms(buf, &d2) == 0 && d2 == d);
		if (d % 1000 == 0) {
			snprintf(buf, sizeof(buf), "%lld", (long long)(d / 1000));
			ASSERT(config_parse_duration_ms(buf, &d2) == 0 &&
			    d2 == d);
		}
	}
}

static int
names_a_variable(const char *err)
{
	size_t i;

	for (i = 0; i < NVARS; i++)
		if (strstr(err, vars[i]) != NULL)
			return 1;
	/* Not a setting's fault. */
	return strcmp(err, "out of memory") == 0;
}

static void
check_config(const struct config *c)
{
	size_t i, k;

	ASSERT(c->nconns >= 1 && c->nconns <= CONFIG_MAX_CONNS);
	ASSERT(c->default_conn < c->nconns);
	ASSERT(c->max_get_size <= CONFIG_HARD_MAX_BYTES);
	ASSERT(c->max_put_size <= CONFIG_HARD_MAX_BYTES);
	ASSERT(c->read_size <= c->max_get_size);
	ASSERT(c->line_limit >= MAX_LINE_BYTES);
	for (i = 0; i < c->nconns; i++) {
		const struct config_conn *cc = &c->conns[i];

		ASSERT(memchr(cc->name, '\0', sizeof(cc->name)) != NULL);
		ASSERT(memchr(cc->region, '\0', sizeof(cc->region)) != NULL);
		ASSERT(memchr(cc->host, '\0', sizeof(cc->host)) != NULL);
		ASSERT((cc->access_key == NULL) == (cc->secret_key == NULL));
		ASSERT(cc->session_token == NULL || cc->access_key != NULL);
		ASSERT(cc->timeout_ms >= 0 &&
		    cc->timeout_ms <= (int64_t)MAX_TIMEOUT_MS);
		for (k = 0; k < i; k++)
			ASSERT(strcmp(cc->name, c->conns[k].name) != 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct env env;
	static struct config cfg;
	const char *p = (const char *)data, *end = p + size, *nl;
	char first[VALUE_BYTES], err[512], small[12];
	size_t len, i, off;
	int rc, rc2, lax;

	nl = memchr(p, '\n', size);
	len = (size_t)((nl != NULL ? nl : end) - p);
	if (len >= sizeof(first))
		len = sizeof(first) - 1;
	memcpy(first, p, len);
	first[len] = '\0';
	check_parsers(first);

	env.n = 0;
	while (nl != NULL && env.n < MAX_SET) {
		p = nl + 1;
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len == 0)
			continue;
		env.name[env.n] = vars[(unsigned char)p[0] % NVARS];
		off = 0;
		if (strcmp(env.name[env.n], "AWS_SECRET_ACCESS_KEY") == 0)
			off = strlen(SECRET_MARK);
		else if (strcmp(env.name[env.n], "AWS_SESSION_TOKEN") == 0)
			off = strlen(TOKEN_MARK);
		memcpy(env.value[env.n], off == 0 ? "" : off ==
		    strlen(SECRET_MARK) ? SECRET_MARK : TOKEN_MARK, off);
		len--;
		if (len >= VALUE_BYTES - off)
			len = VALUE_BYTES - off - 1;
		memcpy(env.value[env.n] + off, p + 1, len);
		env.value[env.n][off + len] = '\0';
		/* Only the secrets may hold a marker (the fuzzer finds it). */
		if (strstr(env.value[env.n] + off, "Mark7") != NULL)
			continue;
		env.n++;
	}

	lax = (p = getenv("FUZZ_CONFIG_LAX")) != NULL && *p != '\0' &&
	    strcmp(p, "0") != 0;
	memset(err, 'x', sizeof(err));
	rc = config_load(&cfg, env_get, &env, err, sizeof(err));
	ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	ASSERT(strstr(err, SECRET_MARK) == NULL);
	ASSERT(strstr(err, TOKEN_MARK) == NULL);
	if (rc == 0) {
		ASSERT(err[0] == '\0');
		check_config(&cfg);
		config_free(&cfg);
	} else {
		ASSERT(rc == CONFIG_EINVAL || rc == CONFIG_ENOMEM);
		ASSERT(err[0] != '\0');
		ASSERT(lax || strchr(err, '\n') == NULL);
		ASSERT(names_a_variable(err));
	}

	memset(small, 'x', sizeof(small));
	rc2 = config_load(&cfg, env_get, &env, small, sizeof(small));
	ASSERT(rc2 == rc);
	ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	/* A cut message may end in "..." instead of its last bytes. */
	len = strlen(small);
	if (len >= 3 && strcmp(small + len - 3, "...") == 0)
		len -= 3;
	ASSERT(strncmp(small, err, len) == 0);
	if (rc2 == 0)
		config_free(&cfg);
	for (i = 0; i < env.n; i++)
		memset(env.value[i], 0, strlen(env.value[i]));
	return 0;
}
