/*
 * config.c - settings from the environment; see config.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "json.h"
#include "limits.h"
#include "util.h"

#define MIB		(1024ull * 1024)
#define MAX_TIMEOUT_MS	(24ll * 3600 * 1000)

const struct config_setting config_settings[] = {
	{ "AWS_REGION", "us-east-1", "region used for signing and AWS endpoints (else AWS_DEFAULT_REGION, else the profile's region)" },
	{ "AWS_ACCESS_KEY_ID", "-", "access key id (needs AWS_SECRET_ACCESS_KEY)" },
	{ "AWS_SECRET_ACCESS_KEY", "-", "secret access key; never logged or shown" },
	{ "AWS_SESSION_TOKEN", "-", "session token of temporary credentials" },
	{ "AWS_PROFILE", "default", "profile of the shared files (~/.aws/...); the whole credential chain: docs/configuration.md" },
	{ "AWS_ROLE_ARN", "-", "role of web identity, with AWS_WEB_IDENTITY_TOKEN_FILE" },
	{ "S3_ENDPOINT", "AWS", "custom endpoint, http://host[:port] or https://host[:port]" },
	{ "S3_USE_PATH_STYLE", "false", "path-style addressing (http://host/bucket/key); automatic for IP and localhost endpoints" },
	{ "S3_TIMEOUT", "30s", "connect and read deadline: 500ms, 45s, 2m, 1h or seconds" },
	{ "S3_CONNECTION_NAME", "default", "name of the connection" },
	{ "S3_ADDITIONAL_CONNECTIONS", "-", "JSON object of more connections (see docs/configuration.md)" },
	{ "MCP_S3_MAX_GET_SIZE", "10MB", "hard limit of bytes one s3_get_object call returns" },
	{ "MCP_S3_READ_SIZE", "64KiB", "default window of s3_get_object in body characters: text bytes, or base64 characters (48KiB of binary)" },
	{ "MCP_S3_MAX_MESSAGE_SIZE", "8MiB", "longest line written on stdout; s3_get_object windows are cut to fit (at least 512KiB)" },
	{ "MCP_S3_TEXT_FORMAT", "compact", "text blocks of results: compact (for models) or json" },
	{ "MCP_S3_EXT_READONLY", "true", "read-only: write tools hidden, presigned PUT refused" },
	{ "MCP_S3_EXT_SIZELIMIT", "true", "false lifts both size limits (1GiB per call remains)" },
	{ "MCP_S3_MAX_PUT_SIZE", "100MB", "hard limit of bytes one s3_put_object call writes" },
	{ "MCP_S3_EXT_PREFIXACL", "false", "access rules (also MCP_S3_EXT_PREFIX_ACL); on when a list is set" },
	{ "MCP_S3_ALLOWED_PREFIXES", "-", "comma-separated prefix or s3://bucket/prefix entries a key must match" },
	{ "MCP_S3_DENIED_PREFIXES", "-", "comma-separated entries that are refused (checked first)" },
	{ "MCP_S3_ALLOWED_BUCKETS", "-", "comma-separated buckets every tool is restricted to" },
	{ "MCP_S3_EXT_AUDIT", "false", "one JSON line per tool call (on when MCP_S3_AUDIT_FILE is set)" },
	{ "MCP_S3_AUDIT_FILE", "stderr", "audit file, appended, created 0600" },
	{ "MCP_S3_AUDIT_KEY_FILE", "-", "seed key (64 hex digits, mode 0600): seals the audit file with an HMAC chain" },
	{ "MCP_S3_AUDIT_SEAL_RECORDS", "100", "sealed log: a seal record after this many records" },
	{ "MCP_S3_AUDIT_SEAL_SECONDS", "60", "sealed log: and this many seconds after an unsealed record (0: no timer)" },
	{ "MCP_S3_RATE_LIMIT", "off", "tool calls per second with a burst: RATE[/s|/m|/h][,BURST], e.g. 5,20" },
	{ "MCP_S3_BYTE_LIMIT", "off", "object bytes read or written per minute: SIZE[/s|/m|/h], e.g. 500MB" },
	{ "MCP_S3_EXT_LOGGING", "false", "one structured line per request on stderr" },
	{ "S3_PRESIGN_ENDPOINT", "-", "public http(s)://host[:port] that presigned URLs are signed for" },
	{ "AWS_CA_BUNDLE", "system", "PEM file of trusted CAs for https; alone when set" },
	{ "SSL_CERT_FILE", "system", "PEM file of trusted CAs, when AWS_CA_BUNDLE is unset" },
	{ "SSL_CERT_DIR", "system", "directories (a:b) of CA files (*.pem, *.crt, hashed names), with SSL_CERT_FILE" },
	{ "MCP_S3_SANDBOX", "on", "on: narrow the process once started (Landlock, seccomp); off for debugging" },
	{ NULL, NULL, NULL }
};

const char *
config_getenv(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A variable, NULL when unset (empty or "${...}": util_unset). */
static const char *
get(config_get_fn fn, void *arg, const char *name)
{
	const char *v = fn(name, arg);

	return util_unset(v) ? NULL : v;
}

/* see config.h; the forms Go's strconv.ParseBool takes. */
int
config_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return CONFIG_EINVAL;
}

/*
 * see config.h: Go durations made of integer terms (1m30s, 500ms, 2h) or a
 * bare count of seconds.  Fractions are not needed for a timeout.
 */
int
config_parse_duration_ms(const char *s, int64_t *out)
{
	static const struct {
		const char	*unit;
		int64_t		 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	uint64_t v, total = 0;
	size_t i, n, ulen;

	if (*s == '\0')
		return CONFIG_EINVAL;
	for (n = 0; isdigit((unsigned char)s[n]); n++)
		;
	if (n > 0 && s[n] == '\0') {
		if (parse_u64(s, n, &v) != 0 || v > MAX_TIMEOUT_MS / 1000)
			return CONFIG_EINVAL;
		*out = (int64_t)v * 1000;
		return 0;
	}
	while (*s != '\0') {
		for (n = 0; isdigit((unsigned char)s[n]); n++)
			;
		if (n == 0 || parse_u64(s, n, &v) != 0 ||
		    v > (uint64_t)MAX_TIMEOUT_MS)
			return CONFIG_EINVAL;
		s += n;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ulen = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, ulen) == 0 &&
			    !isalpha((unsigned char)s[ulen]))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return CONFIG_EINVAL;
		s += ulen;
		total += v * (uint64_t)units[i].ms;
		if (total > (uint64_t)MAX_TIMEOUT_MS)
			return CONFIG_EINVAL;
	}
	*out = (int64_t)total;
	return 0;
}

/* 1 unless s is printable ASCII (what a key or token can be). */
static int
bad_secret(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 1;
	return 0;
}

/*
 * Credentials go into HTTP headers and HMAC keys: a control character
 * (a pasted line break) would make every call fail.  Returns the name of
 * the first bad one of up to three, or NULL.  Never the value.
 */
static const char *
bad_secret_var(const char *a, const char *an, const char *b, const char *bn,
    const char *c, const char *cn)
{
	if (bad_secret(a))
		return an;
	if (bad_secret(b))
		return bn;
	if (bad_secret(c))
		return cn;
	return NULL;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static int
is_ip_or_localhost(const char *h)
{
	size_t i;
	int dots = 0;

	if (strcmp(h, "localhost") == 0 || strchr(h, ':') != NULL)
		return 1;
	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)h[i]))
			return 0;
	}
	return dots == 3;
}

/* http(s)://host[:port][/]; the host may be an [IPv6] literal. */
static int
parse_endpoint(struct config_conn *c, const char *var, const char *url,
    char *err, size_t errlen)
{
	const char *p, *h, *end, *colon;
	uint64_t port;
	size_t hn;

	if (strncmp(url, "https://", 8) == 0) {
		c->tls = 1;
		p = url + 8;
		c->port = 443;
	} else if (strncmp(url, "http://", 7) == 0) {
		c->tls = 0;
		p = url + 7;
		c->port = 80;
	} else
		goto bad;
	h = p;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL)
			goto bad;
		hn = (size_t)(end - h - 1);
		h++;
		p = end + 1;
	} else {
		for (p = h; *p != '\0' && *p != ':' && *p != '/'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				goto bad;
		hn = (size_t)(p - h);
	}
	if (hn == 0 || hn >= sizeof(c->host))
		goto bad;
	memcpy(c->host, h, hn);
	c->host[hn] = '\0';
	if (*p == ':') {
		colon = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == colon || parse_u64(colon, (size_t)(p - colon),
		    &port) != 0 || port == 0 || port > 65535)
			goto bad;
		c->port = (uint16_t)port;
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		goto bad;
	if ((c->endpoint = xstrdup(url)) == NULL)
		return CONFIG_ENOMEM;
	c->custom_endpoint = 1;
	return 0;
bad:
	seterr(err, errlen, "%s: invalid value; expected "
	    "http://host[:port] or https://host[:port] without a path", var);
	return CONFIG_EINVAL;
}

/* The AWS endpoint of the connection's region. */
static void
aws_host(struct config_conn *c)
{
	char region[CONFIG_REGION_BYTES];

	memcpy(region, c->region, sizeof(region));
	c->tls = 1;
	c->port = 443;
	snprintf(c->host, sizeof(c->host), "s3.%s.amazonaws.com", region);
}

static int
valid_region(const char *r)
{
	size_t i;

	if (*r == '\0' || strlen(r) >= CONFIG_REGION_BYTES)
		return 0;
	for (i = 0; r[i] != '\0'; i++)
		if (!islower((unsigned char)r[i]) &&
		    !isdigit((unsigned char)r[i]) && r[i] != '-')
			return 0;
	return 1;
}

static int
load_size(config_get_fn fn, void *arg, const char *name, uint64_t def,
    uint64_t *out, char *err, size_t errlen)
{
	const char *v;

	*out = def;
	if ((v = get(fn, arg, name)) == NULL)
		return 0;
	if (util_parse_size(v, out) != 0 || *out == 0) {
		seterr(err, errlen, "%s: invalid size \"%.40s\"; expected a "
		    "positive byte count or an integer with K, KB, KiB, M, "
		    "MB, MiB, G, GB, GiB, T, TB (multiples of 1024), e.g. "
		    "10MB", name, v);
		return CONFIG_EINVAL;
	}
	return 0;
}

/* MCP_S3_RATE_LIMIT and MCP_S3_BYTE_LIMIT; see ratelimit.h. */
static int
load_rates(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *v;
	char why[128];

	if ((v = get(fn, arg, "MCP_S3_RATE_LIMIT")) != NULL &&
	    rate_parse_calls(v, &cfg->rate_calls, why, sizeof(why)) != 0) {
		seterr(err, errlen, "MCP_S3_RATE_LIMIT: invalid value "
		    "\"%.40s\": %s; expected off or RATE[/s|/m|/h][,BURST], "
		    "e.g. 5,20 (5 calls a second, bursts of 20)", v, why);
		return CONFIG_EINVAL;
	}
	if ((v = get(fn, arg, "MCP_S3_BYTE_LIMIT")) != NULL &&
	    rate_parse_bytes(v, &cfg->rate_bytes, why, sizeof(why)) != 0) {
		seterr(err, errlen, "MCP_S3_BYTE_LIMIT: invalid value "
		    "\"%.40s\": %s; expected off or SIZE[/s|/m|/h] (per "
		    "minute by default), e.g. 500MB", v, why);
		return CONFIG_EINVAL;
	}
	return 0;
}

/* A presign endpoint: validated like an endpoint, kept without '/'. */
static int
set_presign(struct config_conn *c, const char *var, const char *v, char *err,
    size_t errlen)
{
	struct config_conn tmp;
	size_t n;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = parse_endpoint(&tmp, var, v, err, errlen);
	free(tmp.endpoint);
	if (rc != 0)
		return rc;
	if ((c->presign_base = xstrdup(v)) == NULL)
		return CONFIG_ENOMEM;
	n = strlen(c->presign_base);
	if (n > 0 && c->presign_base[n - 1] == '/')
		c->presign_base[n - 1] = '\0';
	return 0;
}

/* *set says whether the variable was given. */
static int
load_bool(config_get_fn fn, void *arg, const char *name, int def, int *out,
    int *set, char *err, size_t errlen)
{
	const char *v;

	*out = def;
	if (set != NULL)
		*set = 0;
	if ((v = get(fn, arg, name)) == NULL)
		return 0;
	if (config_parse_bool(v, out) != 0) {
		seterr(err, errlen, "%s: invalid value \"%.40s\"; expected true "
		    "or false (also 1, 0, t, f, TRUE, FALSE)", name, v);
		return CONFIG_EINVAL;
	}
	if (set != NULL)
		*set = 1;
	return 0;
}

static int
load_conn(struct config_conn *c, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *v, *ak, *sk, *tok, *bad;
	int rc;

	v = get(fn, arg, "S3_CONNECTION_NAME");
	if (v == NULL)
		v = "default";
	if (strlen(v) >= sizeof(c->name)) {
		seterr(err, errlen, "S3_CONNECTION_NAME: longer than %d bytes",
		    CONFIG_NAME_BYTES - 1);
		return CONFIG_EINVAL;
	}
	strcpy(c->name, v);

	c->region_set = 1;
	if ((v = get(fn, arg, "AWS_REGION")) == NULL &&
	    (v = get(fn, arg, "AWS_DEFAULT_REGION")) == NULL) {
		/* The profile's region may still replace it (s3.c). */
		v = "us-east-1";
		c->region_set = 0;
	}
	if (!valid_region(v)) {
		seterr(err, errlen, "%s: invalid region \"%.40s\"; expected "
		    "lower-case letters, digits and '-', e.g. eu-west-1",
		    get(fn, arg, "AWS_REGION") ? "AWS_REGION" :
		    "AWS_DEFAULT_REGION", v);
		return CONFIG_EINVAL;
	}
	strcpy(c->region, v);

	if ((v = get(fn, arg, "S3_ENDPOINT")) != NULL) {
		if ((rc = parse_endpoint(c, "S3_ENDPOINT", v, err,
		    errlen)) != 0)
			return rc;
	} else
		aws_host(c);

	if ((v = get(fn, arg, "S3_USE_PATH_STYLE")) != NULL) {
		if (config_parse_bool(v, &c->path_style) != 0) {
			seterr(err, errlen, "S3_USE_PATH_STYLE: invalid value "
			    "\"%.40s\"; expected true or false (also 1, 0, t, "
			    "f, TRUE, FALSE)", v);
			return CONFIG_EINVAL;
		}
		c->path_style_set = 1;
	}
	/* A bucket cannot be a subdomain of an address or of localhost. */
	if (!c->path_style_set && is_ip_or_localhost(c->host))
		c->path_style = 1;

	c->timeout_ms = 30000;
	if ((v = get(fn, arg, "S3_TIMEOUT")) != NULL &&
	    (config_parse_duration_ms(v, &c->timeout_ms) != 0 ||
	    c->timeout_ms <= 0)) {
		seterr(err, errlen, "S3_TIMEOUT: invalid duration \"%.40s\"; "
		    "expected a positive Go duration such as 500ms, 45s, 2m, "
		    "1h30m (at most 24h) or a number of seconds", v);
		return CONFIG_EINVAL;
	}

	ak = get(fn, arg, "AWS_ACCESS_KEY_ID");
	sk = get(fn, arg, "AWS_SECRET_ACCESS_KEY");
	tok = get(fn, arg, "AWS_SESSION_TOKEN");
	if ((ak == NULL) != (sk == NULL)) {
		seterr(err, errlen, "%s: set without %s; set both or neither",
		    ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return CONFIG_EINVAL;
	}
	if (tok != NULL && ak == NULL) {
		seterr(err, errlen, "AWS_SESSION_TOKEN: set without "
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
		return CONFIG_EINVAL;
	}
	if ((bad = bad_secret_var(ak, "AWS_ACCESS_KEY_ID", sk,
	    "AWS_SECRET_ACCESS_KEY", tok, "AWS_SESSION_TOKEN")) != NULL) {
		seterr(err, errlen, "%s: holds a control character or a byte "
		    "that is not printable ASCII (a pasted line break?); the "
		    "value is not shown", bad);
		return CONFIG_EINVAL;
	}
	c->creds_from = ak != NULL ? "environment" : "none";
	if (ak != NULL && ((c->access_key = xstrdup(ak)) == NULL ||
	    (c->secret_key = xstrdup(sk)) == NULL))
		return CONFIG_ENOMEM;
	if (tok != NULL && (c->session_token = xstrdup(tok)) == NULL)
		return CONFIG_ENOMEM;
	return 0;
}

/*
 * Access rules: on with MCP_S3_EXT_PREFIXACL (or its txn2 spelling
 * MCP_S3_EXT_PREFIX_ACL), and whenever a rule list is set, since a list
 * that is silently ignored would be a hole.  A list set while the switch
 * is explicitly false is a contradiction and stops the start.
 */
static int
load_rules(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *al, *de, *bu;
	int on = 0, on2 = 0, set = 0, set2 = 0, rc;

	if ((rc = load_bool(fn, arg, "MCP_S3_EXT_PREFIXACL", 0, &on, &set, err,
	    errlen)) != 0 || (rc = load_bool(fn, arg, "MCP_S3_EXT_PREFIX_ACL",
	    0, &on2, &set2, err, errlen)) != 0)
		return rc;
	if (set && set2 && on != on2) {
		seterr(err, errlen, "MCP_S3_EXT_PREFIXACL and "
		    "MCP_S3_EXT_PREFIX_ACL disagree; set one of them");
		return CONFIG_EINVAL;
	}
	al = get(fn, arg, "MCP_S3_ALLOWED_PREFIXES");
	de = get(fn, arg, "MCP_S3_DENIED_PREFIXES");
	bu = get(fn, arg, "MCP_S3_ALLOWED_BUCKETS");
	if ((set || set2) && !(on || on2) && (al || de || bu)) {
		seterr(err, errlen, "%s: set while %s is false; remove the list "
		    "or enable access rules", al ? "MCP_S3_ALLOWED_PREFIXES" :
		    de ? "MCP_S3_DENIED_PREFIXES" : "MCP_S3_ALLOWED_BUCKETS",
		    set ? "MCP_S3_EXT_PREFIXACL" : "MCP_S3_EXT_PREFIX_ACL");
		return CONFIG_EINVAL;
	}
	if (policy_parse(&cfg->rules, al, de, bu, on || on2, err,
	    errlen) != 0)
		return CONFIG_EINVAL;
	return 0;
}

/* MCP_S3_AUDIT_FILE alone turns auditing on; with the switch off, no. */
static int
load_audit(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *f;
	int set, rc;

	if ((rc = load_bool(fn, arg, "MCP_S3_EXT_AUDIT", 0, &cfg->audit, &set,
	    err, errlen)) != 0 ||
	    (rc = load_bool(fn, arg, "MCP_S3_EXT_LOGGING", 0, &cfg->logging,
	    NULL, err, errlen)) != 0)
		return rc;
	if ((f = get(fn, arg, "MCP_S3_AUDIT_FILE")) == NULL)
		return 0;
	if (set && !cfg->audit) {
		seterr(err, errlen, "MCP_S3_AUDIT_FILE: set while "
		    "MCP_S3_EXT_AUDIT is false; remove one of them");
		return CONFIG_EINVAL;
	}
	cfg->audit = 1;
	if ((cfg->audit_file = xstrdup(f)) == NULL)
		return CONFIG_ENOMEM;
	return 0;
}

/* One seal interval setting: a whole number in [lo, hi]. */
static int
load_seal_uint(config_get_fn fn, void *arg, const char *name, unsigned def,
    unsigned lo, unsigned hi, unsigned *out, char *err, size_t errlen)
{
	const char *v;
	uint64_t u;

	*out = def;
	if ((v = get(fn, arg, name)) == NULL)
		return 0;
	if (get(fn, arg, "MCP_S3_AUDIT_KEY_FILE") == NULL) {
		seterr(err, errlen, "%s: set without MCP_S3_AUDIT_KEY_FILE; "
		    "only a sealed audit log has seals", name);
		return CONFIG_EINVAL;
	}
	if (parse_u64(v, strlen(v), &u) != 0 || u < lo || u > hi) {
		seterr(err, errlen, "%s: invalid value \"%.40s\"; expected a "
		    "whole number from %u to %u", name, v, lo, hi);
		return CONFIG_EINVAL;
	}
	*out = (unsigned)u;
	return 0;
}

/*
 * MCP_S3_AUDIT_KEY_FILE: K0 is read now, before the sandbox closes the
 * file system, and wiped once the audit log has derived its run key.
 */
static int
load_audit_key(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *f;
	int rc;

	if ((rc = load_seal_uint(fn, arg, "MCP_S3_AUDIT_SEAL_RECORDS",
	    AUDIT_SEAL_RECORDS, 1, AUDIT_SEAL_RECORDS_MAX,
	    &cfg->audit_seal_records, err, errlen)) != 0 ||
	    (rc = load_seal_uint(fn, arg, "MCP_S3_AUDIT_SEAL_SECONDS",
	    AUDIT_SEAL_SECONDS, 0, AUDIT_SEAL_SECONDS_MAX,
	    &cfg->audit_seal_seconds, err, errlen)) != 0)
		return rc;
	if ((f = get(fn, arg, "MCP_S3_AUDIT_KEY_FILE")) == NULL)
		return 0;
	if (cfg->audit_file == NULL) {
		seterr(err, errlen, "MCP_S3_AUDIT_KEY_FILE: set without "
		    "MCP_S3_AUDIT_FILE; only an audit file can be sealed");
		return CONFIG_EINVAL;
	}
	if (audit_key_load(cfg->audit_key, f, "MCP_S3_AUDIT_KEY_FILE", err,
	    errlen) != 0)
		return CONFIG_EINVAL;
	cfg->audit_keyed = 1;
	return 0;
}

#define ADD_VAR		"S3_ADDITIONAL_CONNECTIONS"
#define ADD_TOKENS	4096

static const char *const add_fields[] = {
	"region", "endpoint", "access_key_id", "secret_access_key",
	"session_token", "profile", "use_path_style", "presign_endpoint",
	"timeout", "ca_bundle", NULL
};

/* A string member of a connection object, decoded; NULL when absent. */
static int
add_string(const struct json *j, int obj, const char *field, struct buf *out,
    const char *name, int *present, char *err, size_t errlen)
{
	int v;

	buf_reset(out);
	*present = 0;
	if ((v = json_find(j, obj, field)) < 0)
		return 0;
	if (json_type(j, v) != JSON_STRING || json_decode(j, v, out) != 0 ||
	    (out->n > 0 && memchr(out->p, '\0', out->n) != NULL)) {
		seterr(err, errlen, ADD_VAR ": connection \"%s\": %s must be a "
		    "string", name, field);
		return CONFIG_EINVAL;
	}
	*present = out->n > 0;
	return 0;
}

static int
load_one(struct config *cfg, const struct json *j, int key, char *err,
    size_t errlen)
{
	struct config_conn *c = &cfg->conns[cfg->nconns];
	const struct config_conn *primary = &cfg->conns[0];
	struct buf name, v, ak;
	const char *const *f, *bad;
	int obj = key + 1, m, have, rc = CONFIG_EINVAL, sk_have, ak_have;
	size_t i;

	buf_init(&name, CONFIG_NAME_BYTES - 1);
	buf_init(&v, 8192);
	buf_init(&ak, 256);
	if (json_decode(j, key, &name) != 0 || name.n == 0) {
		seterr(err, errlen, ADD_VAR ": connection names are 1 to %d "
		    "bytes", CONFIG_NAME_BYTES - 1);
		goto out;
	}
	for (i = 0; i < name.n; i++)
		if (!isalnum((unsigned char)name.p[i]) && name.p[i] != '-' &&
		    name.p[i] != '_' && name.p[i] != '.') {
			/* Only the safe part is quoted: the name is hostile. */
			seterr(err, errlen, ADD_VAR ": connection name \"%.*s"
			    "...\": byte %zu (0x%02X) is not allowed; use "
			    "letters, digits, '.', '-' and '_'", (int)(i < 63 ?
			    i : 63), name.p, i + 1, (unsigned char)name.p[i]);
			goto out;
		}
	if (config_conn_find(cfg, name.p, name.n) != NULL) {
		seterr(err, errlen, ADD_VAR ": connection \"%s\" is already "
		    "the name of the primary connection (S3_CONNECTION_NAME)",
		    name.p);
		goto out;
	}
	if (json_type(j, obj) != JSON_OBJECT) {
		seterr(err, errlen, ADD_VAR ": connection \"%s\" must be an "
		    "object", name.p);
		goto out;
	}
	for (m = json_child(j, obj); m >= 0; m = json_next(j, m)) {
		for (f = add_fields; *f != NULL; f++)
			if (json_streq(j, m, *f))
				break;
		if (*f == NULL) {
			struct slice raw = json_raw(j, m);

			seterr(err, errlen, ADD_VAR ": connection \"%s\": "
			    "unknown field %.*s; known: region, endpoint, "
			    "access_key_id, secret_access_key, session_token, "
			    "profile, use_path_style, presign_endpoint, timeout, "
			    "ca_bundle", name.p, (int)(raw.n > 40 ? 40 : raw.n),
			    raw.p);
			goto out;
		}
	}
	memcpy(c->name, name.p, name.n);
	c->name[name.n] = '\0';
	cfg->nconns++;

	/* Region: the connection's, else the primary's (AWS_REGION). */
	if ((rc = add_string(j, obj, "region", &v, c->name, &have, err,
	    errlen)) != 0)
		goto out;
	if (have && !valid_region(v.p)) {
		seterr(err, errlen, ADD_VAR ": connection \"%s\": invalid region "
		    "\"%.40s\"", c->name, v.p);
		rc = CONFIG_EINVAL;
		goto out;
	}
	snprintf(c->region, sizeof(c->region), "%s", have ? v.p :
	    primary->region);
	c->region_set = have || primary->region_set;

	if ((rc = add_string(j, obj, "endpoint", &v, c->name, &have, err,
	    errlen)) != 0)
		goto out;
	if (have) {
		char var[96];

		snprintf(var, sizeof(var), ADD_VAR " (connection \"%s\": "
		    "endpoint)", c->name);
		if ((rc = parse_endpoint(c, var, v.p, err, errlen)) != 0)
			goto out;
	} else
		aws_host(c);

	m = json_find(j, obj, "use_path_style");
	if (m >= 0) {
		if (json_bool(j, m, &c->path_style) != 0) {
			seterr(err, errlen, ADD_VAR ": connection \"%s\": "
			    "use_path_style must be true or false", c->name);
			rc = CONFIG_EINVAL;
			goto out;
		}
		c->path_style_set = 1;
	}
	if (!c->path_style_set && is_ip_or_localhost(c->host))
		c->path_style = 1;

	c->timeout_ms = primary->timeout_ms;
	m = json_find(j, obj, "timeout");
	if (m >= 0) {
		int64_t secs;

		buf_reset(&v);
		if (json_type(j, m) == JSON_NUMBER) {
			if (json_int64(j, m, &secs) != 0 || secs <= 0 ||
			    secs > 86400)
				goto badtimeout;
			c->timeout_ms = secs * 1000;
		} else if (json_type(j, m) != JSON_STRING ||
		    json_decode(j, m, &v) != 0 ||
		    config_parse_duration_ms(v.p ? v.p : "", &c->timeout_ms) != 0 ||
		    c->timeout_ms <= 0)
			goto badtimeout;
	}

	if ((rc = add_string(j, obj, "presign_endpoint", &v, c->name, &have,
	    err, errlen)) != 0)
		goto out;
	if (have && (rc = set_presign(c, ADD_VAR " presign_endpoint", v.p, err,
	    errlen)) != 0)
		goto out;
	if ((rc = add_string(j, obj, "ca_bundle", &v, c->name, &have, err,
	    errlen)) != 0)
		goto out;
	if (have && (c->ca_bundle = xstrdup(v.p)) == NULL) {
		rc = CONFIG_ENOMEM;
		goto out;
	}
	if ((rc = add_string(j, obj, "profile", &v, c->name, &have, err,
	    errlen)) != 0)
		goto out;
	if (have) {
		/* Read by the connection's credential chain (creds.h). */
		if (v.p[0] == '\0' || strlen(v.p) > 127) {
			seterr(err, errlen, ADD_VAR ": connection \"%s\": "
			    "profile must be a name of 1 to 127 bytes",
			    c->name);
			rc = CONFIG_EINVAL;
			goto out;
		}
		if ((c->profile = xstrdup(v.p)) == NULL) {
			rc = CONFIG_ENOMEM;
			goto out;
		}
		c->creds_from = "profile";
	}

	if ((rc = add_string(j, obj, "access_key_id", &ak, c->name, &ak_have,
	    err, errlen)) != 0 ||
	    (rc = add_string(j, obj, "secret_access_key", &v, c->name,
	    &sk_have, err, errlen)) != 0)
		goto out;
	if (ak_have != sk_have) {
		seterr(err, errlen, ADD_VAR ": connection \"%s\": %s without "
		    "%s; give both or neither", c->name, ak_have ?
		    "access_key_id" : "secret_access_key", ak_have ?
		    "secret_access_key" : "access_key_id");
		rc = CONFIG_EINVAL;
		goto out;
	}
	if (ak_have) {
		c->creds_from = "connection";
		if ((bad = bad_secret_var(ak.p, "access_key_id", v.p,
		    "secret_access_key", NULL, NULL)) != NULL) {
			seterr(err, errlen, ADD_VAR ": connection \"%s\": %s "
			    "holds a control character or a byte that is not "
			    "printable ASCII; the value is not shown", c->name,
			    bad);
			rc = CONFIG_EINVAL;
			goto out;
		}
		if ((c->access_key = xstrdup(ak.p)) == NULL ||
		    (c->secret_key = xstrdup(v.p)) == NULL) {
			rc = CONFIG_ENOMEM;
			goto out;
		}
		if ((rc = add_string(j, obj, "session_token", &v, c->name,
		    &have, err, errlen)) != 0)
			goto out;
		if (have && bad_secret_var(v.p, "session_token", NULL, NULL,
		    NULL, NULL) != NULL) {
			seterr(err, errlen, ADD_VAR ": connection \"%s\": "
			    "session_token holds a control character or a byte "
			    "that is not printable ASCII; the value is not "
			    "shown", c->name);
			rc = CONFIG_EINVAL;
			goto out;
		}
		if (have && (c->session_token = xstrdup(v.p)) == NULL) {
			rc = CONFIG_ENOMEM;
			goto out;
		}
	} else if (primary->access_key != NULL && c->profile == NULL) {
		/* As with the SDKs: keys from the environment serve it too. */
		c->creds_from = "environment";
		if ((c->access_key = xstrdup(primary->access_key)) == NULL ||
		    (c->secret_key = xstrdup(primary->secret_key)) == NULL ||
		    (primary->session_token != NULL && (c->session_token =
		    xstrdup(primary->session_token)) == NULL)) {
			rc = CONFIG_ENOMEM;
			goto out;
		}
	} else if (c->profile == NULL)
		c->creds_from = "none";
	rc = 0;
	goto out;
badtimeout:
	seterr(err, errlen, ADD_VAR ": connection \"%s\": timeout must be a "
	    "positive number of seconds or a duration such as \"45s\" (at "
	    "most 24h)", c->name);
	rc = CONFIG_EINVAL;
out:
	buf_free(&name);
	buf_free(&v);
	buf_free(&ak);
	return rc;
}

static int
load_additional(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct json_tok *tok;
	struct json j;
	const char *v;
	int rc, k;

	if ((v = get(fn, arg, ADD_VAR)) == NULL)
		return 0;
	if ((tok = calloc(ADD_TOKENS, sizeof(*tok))) == NULL)
		return CONFIG_ENOMEM;
	rc = json_parse(&j, v, strlen(v), tok, ADD_TOKENS);
	if (rc < 0) {
		seterr(err, errlen, ADD_VAR ": not valid JSON: %s",
		    json_strerror(rc));
		rc = CONFIG_EINVAL;
		goto out;
	}
	if (json_type(&j, 0) != JSON_OBJECT) {
		seterr(err, errlen, ADD_VAR ": must be a JSON object of "
		    "connection name -> settings");
		rc = CONFIG_EINVAL;
		goto out;
	}
	if ((size_t)json_size(&j, 0) > CONFIG_MAX_CONNS - 1) {
		seterr(err, errlen, ADD_VAR ": at most %d connections",
		    CONFIG_MAX_CONNS - 1);
		rc = CONFIG_EINVAL;
		goto out;
	}
	rc = 0;
	for (k = json_child(&j, 0); k >= 0 && rc == 0; k = json_next(&j, k))
		rc = load_one(cfg, &j, k, err, errlen);
out:
	free(tok);
	return rc;
}

/* see config.h */
int
config_load(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *v;
	uint64_t msg;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->get = fn;
	cfg->get_arg = arg;
	seterr(err, errlen, "out of memory");
	if ((rc = load_conn(&cfg->conns[0], fn, arg, err, errlen)) != 0)
		goto fail;
	cfg->nconns = 1;
	cfg->default_conn = 0;

	if ((rc = load_bool(fn, arg, "MCP_S3_EXT_READONLY", 1, &cfg->readonly,
	    NULL, err, errlen)) != 0 ||
	    (rc = load_bool(fn, arg, "MCP_S3_EXT_SIZELIMIT", 1, &cfg->sizelimit,
	    NULL, err, errlen)) != 0)
		goto fail;
	if ((rc = load_size(fn, arg, "MCP_S3_MAX_GET_SIZE", 10 * MIB,
	    &cfg->max_get_size, err, errlen)) != 0 ||
	    (rc = load_size(fn, arg, "MCP_S3_MAX_PUT_SIZE", 100 * MIB,
	    &cfg->max_put_size, err, errlen)) != 0)
		goto fail;
	if (!cfg->sizelimit) {
		/* Lifted: only what one call can hold in memory bounds it. */
		cfg->max_get_size = CONFIG_HARD_MAX_BYTES;
		cfg->max_put_size = CONFIG_HARD_MAX_BYTES;
	}
	if ((rc = load_size(fn, arg, "MCP_S3_READ_SIZE", 64 * 1024,
	    &cfg->read_size, err, errlen)) != 0)
		goto fail;
	if (cfg->read_size > cfg->max_get_size) {
		if (get(fn, arg, "MCP_S3_READ_SIZE") == NULL)
			cfg->read_size = cfg->max_get_size;
		else {
			seterr(err, errlen, "MCP_S3_READ_SIZE: %llu bytes is "
			    "more than MCP_S3_MAX_GET_SIZE (%llu bytes); "
			    "lower it or raise the limit",
			    (unsigned long long)cfg->read_size,
			    (unsigned long long)cfg->max_get_size);
			rc = CONFIG_EINVAL;
			goto fail;
		}
	}
	if ((rc = load_size(fn, arg, "MCP_S3_MAX_MESSAGE_SIZE", 8 * MIB,
	    &msg, err, errlen)) != 0)
		goto fail;
	if (msg < MCP_MIN_MESSAGE_BYTES || msg > CONFIG_HARD_MAX_BYTES) {
		seterr(err, errlen, "MCP_S3_MAX_MESSAGE_SIZE: %llu bytes is %s "
		    "%u bytes (%s); the largest answer that cannot be cut "
		    "(one character of an object with the longest key and "
		    "metadata) needs that much", (unsigned long long)msg,
		    msg < MCP_MIN_MESSAGE_BYTES ? "below the minimum of" :
		    "above the maximum of", msg < MCP_MIN_MESSAGE_BYTES ?
		    MCP_MIN_MESSAGE_BYTES : (unsigned)CONFIG_HARD_MAX_BYTES,
		    msg < MCP_MIN_MESSAGE_BYTES ? "512KiB" : "1GiB");
		rc = CONFIG_EINVAL;
		goto fail;
	}
	cfg->max_message = (size_t)msg;
	/* One answer or one upload is held in memory. */
	if (cfg->max_get_size > CONFIG_HARD_MAX_BYTES ||
	    cfg->max_put_size > CONFIG_HARD_MAX_BYTES) {
		seterr(err, errlen, "%s: at most 1GiB; larger objects are "
		    "read in windows", cfg->max_get_size > CONFIG_HARD_MAX_BYTES ?
		    "MCP_S3_MAX_GET_SIZE" : "MCP_S3_MAX_PUT_SIZE");
		rc = CONFIG_EINVAL;
		goto fail;
	}
	/*
	 * With writes, a put carries its content in one line, base64 at
	 * worst; read-only, no message needs more than the fixed limit.
	 */
	cfg->line_limit = MAX_LINE_BYTES;
	if (!cfg->readonly && cfg->max_put_size / 3 * 4 + 1024 * 1024 >
	    MAX_LINE_BYTES)
		cfg->line_limit = (size_t)(cfg->max_put_size / 3 * 4 +
		    1024 * 1024);

	if ((rc = load_rules(cfg, fn, arg, err, errlen)) != 0 ||
	    (rc = load_audit(cfg, fn, arg, err, errlen)) != 0 ||
	    (rc = load_audit_key(cfg, fn, arg, err, errlen)) != 0 ||
	    (rc = load_additional(cfg, fn, arg, err, errlen)) != 0)
		goto fail;
	if ((rc = load_rates(cfg, fn, arg, err, errlen)) != 0)
		goto fail;
	if ((v = get(fn, arg, "S3_PRESIGN_ENDPOINT")) != NULL &&
	    (rc = set_presign(&cfg->conns[0], "S3_PRESIGN_ENDPOINT", v, err,
	    errlen)) != 0)
		goto fail;

	cfg->text_format = CONFIG_TEXT_COMPACT;
	if ((v = get(fn, arg, "MCP_S3_TEXT_FORMAT")) != NULL) {
		if (strcmp(v, "compact") == 0)
			cfg->text_format = CONFIG_TEXT_COMPACT;
		else if (strcmp(v, "json") == 0)
			cfg->text_format = CONFIG_TEXT_JSON;
		else {
			seterr(err, errlen, "MCP_S3_TEXT_FORMAT: invalid value "
			    "\"%.40s\"; expected compact or json", v);
			rc = CONFIG_EINVAL;
			goto fail;
		}
	}

	cfg->sandbox = 1;
	if ((v = get(fn, arg, "MCP_S3_SANDBOX")) != NULL) {
		if (strcmp(v, "on") == 0)
			cfg->sandbox = 1;
		else if (strcmp(v, "off") == 0)
			cfg->sandbox = 0;
		else {
			seterr(err, errlen, "MCP_S3_SANDBOX: invalid value "
			    "\"%.40s\"; expected on or off", v);
			rc = CONFIG_EINVAL;
			goto fail;
		}
	}

	/* Trust (tls.h has the order); an empty value counts as unset. */
	cfg->ca_bundle_var = "AWS_CA_BUNDLE";
	if ((v = get(fn, arg, cfg->ca_bundle_var)) == NULL || v[0] == '\0') {
		cfg->ca_bundle_var = "SSL_CERT_FILE";
		v = get(fn, arg, cfg->ca_bundle_var);
	}
	if (v == NULL || v[0] == '\0')
		cfg->ca_bundle_var = NULL;
	else if ((cfg->ca_bundle = xstrdup(v)) == NULL) {
		rc = CONFIG_ENOMEM;
		goto fail;
	}
	if ((v = get(fn, arg, "SSL_CERT_DIR")) != NULL && v[0] != '\0' &&
	    (cfg->ssl_cert_dir = xstrdup(v)) == NULL) {
		rc = CONFIG_ENOMEM;
		goto fail;
	}
	if (errlen > 0)
		err[0] = '\0';
	return 0;
fail:
	config_free(cfg);
	return rc == CONFIG_ENOMEM ? CONFIG_ENOMEM : CONFIG_EINVAL;
}

static void
free_secret(char **p)
{
	if (*p != NULL) {
		wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* see config.h */
void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < CONFIG_MAX_CONNS; i++) {
		free(cfg->conns[i].endpoint);
		cfg->conns[i].endpoint = NULL;
		free(cfg->conns[i].presign_base);
		cfg->conns[i].presign_base = NULL;
		free(cfg->conns[i].ca_bundle);
		cfg->conns[i].ca_bundle = NULL;
		free(cfg->conns[i].profile);
		cfg->conns[i].profile = NULL;
		free_secret(&cfg->conns[i].access_key);
		free_secret(&cfg->conns[i].secret_key);
		free_secret(&cfg->conns[i].session_token);
	}
	free(cfg->ca_bundle);
	cfg->ca_bundle = NULL;
	cfg->ca_bundle_var = NULL;
	free(cfg->ssl_cert_dir);
	cfg->ssl_cert_dir = NULL;
	free(cfg->audit_file);
	cfg->audit_file = NULL;
	wipe(cfg->audit_key, sizeof(cfg->audit_key));
	cfg->audit_keyed = 0;
	policy_free(&cfg->rules);
	cfg->nconns = 0;
}

/* see config.h */
const struct config_conn *
config_conn_find(const struct config *cfg, const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0)
		return cfg->nconns > 0 ? &cfg->conns[cfg->default_conn] : NULL;
	for (i = 0; i < cfg->nconns; i++)
		if (strlen(cfg->conns[i].name) == len &&
		    memcmp(cfg->conns[i].name, name, len) == 0)
			return &cfg->conns[i];
	return NULL;
}
