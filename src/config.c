/*
 * config.c - settings from the environment; see config.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "util.h"

#define MIB		(1024ull * 1024)
#define MAX_TIMEOUT_MS	(24ll * 3600 * 1000)

const struct config_setting config_settings[] = {
	{ "AWS_REGION", "us-east-1", "region used for signing and AWS endpoints (AWS_DEFAULT_REGION is read when unset)" },
	{ "AWS_ACCESS_KEY_ID", "-", "access key id (needs AWS_SECRET_ACCESS_KEY)" },
	{ "AWS_SECRET_ACCESS_KEY", "-", "secret access key; never logged or shown" },
	{ "AWS_SESSION_TOKEN", "-", "session token of temporary credentials" },
	{ "S3_ENDPOINT", "AWS", "custom endpoint, http://host[:port] or https://host[:port]" },
	{ "S3_USE_PATH_STYLE", "false", "path-style addressing (http://host/bucket/key); automatic for IP and localhost endpoints" },
	{ "S3_TIMEOUT", "30s", "connect and read deadline: 500ms, 45s, 2m, 1h or seconds" },
	{ "S3_CONNECTION_NAME", "default", "name of the connection" },
	{ "MCP_S3_MAX_GET_SIZE", "10MB", "hard limit of bytes one s3_get_object call returns" },
	{ "MCP_S3_READ_SIZE", "64KiB", "default window of s3_get_object (at most MCP_S3_MAX_GET_SIZE)" },
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
	{ "MCP_S3_EXT_LOGGING", "false", "one structured line per request on stderr" },
	{ "S3_PRESIGN_ENDPOINT", "-", "public http(s)://host[:port] that presigned URLs are signed for" },
	{ "AWS_CA_BUNDLE", "system", "PEM file of trusted CAs for https (SSL_CERT_FILE is read when unset)" },
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

/*
 * Claude Desktop bundles substitute ${user_config.x}; an unfilled template
 * reaches us literally and means "not set", as in txn2/mcp-s3.
 */
static const char *
get(config_get_fn fn, void *arg, const char *name)
{
	const char *v;
	size_t n;

	v = fn(name, arg);
	if (v == NULL || *v == '\0')
		return NULL;
	n = strlen(v);
	if (n >= 3 && v[0] == '$' && v[1] == '{' && v[n - 1] == '}')
		return NULL;
	return v;
}

/* see config.h */
int
config_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char	*suffix;
		unsigned	 shift;
	} units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	uint64_t v;
	size_t i, n;
	char suf[4];

	for (n = 0; isdigit((unsigned char)s[n]); n++)
		;
	if (n == 0 || parse_u64(s, n, &v) != 0)
		return CONFIG_EINVAL;
	if (strlen(s + n) >= sizeof(suf))
		return CONFIG_EINVAL;
	for (i = 0; s[n + i] != '\0'; i++)
		suf[i] = (char)tolower((unsigned char)s[n + i]);
	suf[i] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(suf, units[i].suffix) != 0)
			continue;
		if (units[i].shift > 0 && v > (UINT64_MAX >> units[i].shift))
			return CONFIG_EINVAL;
		*out = v << units[i].shift;
		return 0;
	}
	return CONFIG_EINVAL;
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
	if (config_parse_size(v, out) != 0 || *out == 0) {
		seterr(err, errlen, "%s: invalid size \"%.40s\"; expected a "
		    "positive byte count or an integer with K, KB, KiB, M, "
		    "MB, MiB, G, GB, GiB, T, TB (multiples of 1024), e.g. "
		    "10MB", name, v);
		return CONFIG_EINVAL;
	}
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
	const char *v, *ak, *sk, *tok;
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

	if ((v = get(fn, arg, "AWS_REGION")) == NULL &&
	    (v = get(fn, arg, "AWS_DEFAULT_REGION")) == NULL)
		v = "us-east-1";
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
	} else {
		c->tls = 1;
		c->port = 443;
		snprintf(c->host, sizeof(c->host), "s3.%s.amazonaws.com",
		    c->region);
	}

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

/* see config.h */
int
config_load(struct config *cfg, config_get_fn fn, void *arg, char *err,
    size_t errlen)
{
	const char *v;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
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
	/* One answer or one upload is held in memory. */
	if (cfg->max_get_size > CONFIG_HARD_MAX_BYTES ||
	    cfg->max_put_size > CONFIG_HARD_MAX_BYTES) {
		seterr(err, errlen, "%s: at most 1GiB; larger objects are "
		    "read in windows", cfg->max_get_size > CONFIG_HARD_MAX_BYTES ?
		    "MCP_S3_MAX_GET_SIZE" : "MCP_S3_MAX_PUT_SIZE");
		rc = CONFIG_EINVAL;
		goto fail;
	}
	/* A put carries its content in one line, base64 at worst. */
	cfg->line_limit = (size_t)(cfg->max_put_size / 3 * 4 + 1024 * 1024);
	if (cfg->line_limit < MAX_LINE_BYTES)
		cfg->line_limit = MAX_LINE_BYTES;

	if ((rc = load_rules(cfg, fn, arg, err, errlen)) != 0 ||
	    (rc = load_audit(cfg, fn, arg, err, errlen)) != 0)
		goto fail;
	if ((v = get(fn, arg, "S3_PRESIGN_ENDPOINT")) != NULL) {
		struct config_conn tmp;

		memset(&tmp, 0, sizeof(tmp));
		rc = parse_endpoint(&tmp, "S3_PRESIGN_ENDPOINT", v, err,
		    errlen);
		free(tmp.endpoint);
		if (rc != 0)
			goto fail;
		if ((cfg->presign_base = xstrdup(v)) == NULL) {
			rc = CONFIG_ENOMEM;
			goto fail;
		}
		/* Kept without its trailing slash: a path is appended. */
		if (cfg->presign_base[strlen(cfg->presign_base) - 1] == '/')
			cfg->presign_base[strlen(cfg->presign_base) - 1] = '\0';
	}

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

	if ((v = get(fn, arg, "AWS_CA_BUNDLE")) != NULL ||
	    (v = get(fn, arg, "SSL_CERT_FILE")) != NULL) {
		if ((cfg->ca_bundle = xstrdup(v)) == NULL) {
			rc = CONFIG_ENOMEM;
			goto fail;
		}
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
		free_secret(&cfg->conns[i].access_key);
		free_secret(&cfg->conns[i].secret_key);
		free_secret(&cfg->conns[i].session_token);
	}
	free(cfg->ca_bundle);
	cfg->ca_bundle = NULL;
	free(cfg->audit_file);
	cfg->audit_file = NULL;
	free(cfg->presign_base);
	cfg->presign_base = NULL;
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
