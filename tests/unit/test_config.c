/*
 * test_config.c - settings: parsers at their edges, and whole loads from
 * a table of environments.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "unit.h"

struct env {
	const char	*kv[16];	/* "NAME=value" */
};

static const char *
envget(const char *name, void *arg)
{
	const struct env *e = arg;
	size_t i, n = strlen(name);

	for (i = 0; i < 16 && e->kv[i] != NULL; i++)
		if (strncmp(e->kv[i], name, n) == 0 && e->kv[i][n] == '=')
			return e->kv[i] + n + 1;
	return NULL;
}

static void
test_durations(void)
{
	static const struct {
		const char	*in;
		int		 ok;
		int64_t		 want;
	} t[] = {
		{ "30s", 1, 30000 }, { "500ms", 1, 500 }, { "2m", 1, 120000 },
		{ "1h30m", 1, 5400000 }, { "45", 1, 45000 }, { "24h", 1, 86400000 },
		{ "24h1ms", 0, 0 }, { "86400", 1, 86400000 }, { "86401", 0, 0 },
		{ "", 0, 0 }, { "s", 0, 0 }, { "1.5s", 0, 0 }, { "-5", 0, 0 },
		{ "5x", 0, 0 }, { "5 s", 0, 0 }, { "5sec", 0, 0 },
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -1;
		CHECKF((config_parse_duration_ms(t[i].in, &v) == 0) ==
		    t[i].ok, t[i].in);
		if (t[i].ok)
			CHECKF(v == t[i].want, t[i].in);
	}
}

static void
test_bools(void)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	static const char *const bad[] = { "", "yes", "no", "tRuE", "2", "maybe" };
	size_t i;
	int v;

	for (i = 0; i < 6; i++) {
		CHECKF(config_parse_bool(yes[i], &v) == 0 && v == 1, yes[i]);
		CHECKF(config_parse_bool(no[i], &v) == 0 && v == 0, no[i]);
		CHECKF(config_parse_bool(bad[i], &v) != 0, bad[i]);
	}
}

static void
test_loads(void)
{
	static const struct {
		struct env	 env;
		int		 ok;
		const char	*errword;	/* must appear in the message */
	} t[] = {
		{ { { NULL } }, 1, NULL },
		{ { { "MCP_S3_MAX_GET_SIZE=banana" } }, 0, "MCP_S3_MAX_GET_SIZE" },
		{ { { "MCP_S3_MAX_GET_SIZE=0" } }, 0, "MCP_S3_MAX_GET_SIZE" },
		{ { { "MCP_S3_READ_SIZE=0" } }, 0, "MCP_S3_READ_SIZE" },
		{ { { "MCP_S3_READ_SIZE=2MB", "MCP_S3_MAX_GET_SIZE=1MB" } }, 0,
		    "MCP_S3_READ_SIZE" },
		{ { { "MCP_S3_MAX_GET_SIZE=1000" } }, 1, NULL },
		{ { { "MCP_S3_MAX_GET_SIZE=2GiB" } }, 0, "MCP_S3_MAX_GET_SIZE" },
		{ { { "MCP_S3_TEXT_FORMAT=xml" } }, 0, "MCP_S3_TEXT_FORMAT" },
		{ { { "MCP_S3_TEXT_FORMAT=json" } }, 1, NULL },
		{ { { "S3_USE_PATH_STYLE=maybe" } }, 0, "S3_USE_PATH_STYLE" },
		{ { { "S3_TIMEOUT=-5" } }, 0, "S3_TIMEOUT" },
		{ { { "S3_TIMEOUT=0" } }, 0, "S3_TIMEOUT" },
		{ { { "S3_ENDPOINT=ftp://x" } }, 0, "S3_ENDPOINT" },
		{ { { "S3_ENDPOINT=http://h:0" } }, 0, "S3_ENDPOINT" },
		{ { { "S3_ENDPOINT=http://h:65536" } }, 0, "S3_ENDPOINT" },
		{ { { "S3_ENDPOINT=http://h:65535" } }, 1, NULL },
		{ { { "S3_ENDPOINT=http://h/path" } }, 0, "S3_ENDPOINT" },
		{ { { "S3_ENDPOINT=https://[::1]:9000" } }, 1, NULL },
		{ { { "AWS_ACCESS_KEY_ID=AK" } }, 0, "AWS_SECRET_ACCESS_KEY" },
		{ { { "AWS_SECRET_ACCESS_KEY=SK" } }, 0, "AWS_ACCESS_KEY_ID" },
		{ { { "AWS_SESSION_TOKEN=T" } }, 0, "AWS_SESSION_TOKEN" },
		/* Control characters in credentials: named, never shown. */
		{ { { "AWS_ACCESS_KEY_ID=AK\r\nX-Injected: 1",
		    "AWS_SECRET_ACCESS_KEY=SK" } }, 0, "AWS_ACCESS_KEY_ID: holds" },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK\n" } },
		    0, "AWS_SECRET_ACCESS_KEY: holds" },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
		    "AWS_SESSION_TOKEN=T\x01" } }, 0, "AWS_SESSION_TOKEN: holds" },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
		    "AWS_SESSION_TOKEN=T\x7f" } }, 0, "AWS_SESSION_TOKEN: holds" },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=S K~!",
		    "AWS_SESSION_TOKEN=T+/=" } }, 1, NULL },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
		    "S3_ADDITIONAL_CONNECTIONS={\"b\":{\"access_key_id\":"
		    "\"A\\nB\",\"secret_access_key\":\"S\"}}" } }, 0,
		    "access_key_id holds" },
		{ { { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
		    "S3_ADDITIONAL_CONNECTIONS={\"b\":{\"access_key_id\":"
		    "\"A\",\"secret_access_key\":\"S\",\"session_token\":"
		    "\"T\\u0001\"}}" } }, 0, "session_token holds" },
		{ { { "AWS_REGION=EU_WEST" } }, 0, "AWS_REGION" },
		{ { { "AWS_DEFAULT_REGION=Bad" } }, 0, "AWS_DEFAULT_REGION" },
		{ { { "AWS_REGION=${user_config.region}" } }, 1, NULL },
		{ { { "MCP_S3_EXT_READONLY=maybe" } }, 0, "MCP_S3_EXT_READONLY" },
		{ { { "MCP_S3_EXT_SIZELIMIT=2" } }, 0, "MCP_S3_EXT_SIZELIMIT" },
		{ { { "MCP_S3_MAX_PUT_SIZE=1.5G" } }, 0, "MCP_S3_MAX_PUT_SIZE" },
		{ { { "MCP_S3_MAX_PUT_SIZE=1GiB" } }, 1, NULL },
		{ { { "MCP_S3_MAX_PUT_SIZE=1025MiB" } }, 0, "MCP_S3_MAX_PUT_SIZE" },
		{ { { "MCP_S3_EXT_PREFIXACL=true", "MCP_S3_EXT_PREFIX_ACL=false" } },
		    0, "disagree" },
		{ { { "MCP_S3_EXT_PREFIXACL=false",
		    "MCP_S3_DENIED_PREFIXES=secret/" } }, 0,
		    "MCP_S3_DENIED_PREFIXES" },
		{ { { "MCP_S3_DENIED_PREFIXES=a,,b" } }, 0,
		    "MCP_S3_DENIED_PREFIXES" },
		{ { { "MCP_S3_ALLOWED_BUCKETS=x" } }, 0, "MCP_S3_ALLOWED_BUCKETS" },
		{ { { "MCP_S3_ALLOWED_PREFIXES=s3://bkt/logs/,tmp/" } }, 1, NULL },
		{ { { "MCP_S3_EXT_AUDIT=false", "MCP_S3_AUDIT_FILE=/tmp/a" } }, 0,
		    "MCP_S3_AUDIT_FILE" },
		{ { { "MCP_S3_EXT_AUDIT=yes" } }, 0, "MCP_S3_EXT_AUDIT" },
		{ { { "MCP_S3_EXT_LOGGING=on" } }, 0, "MCP_S3_EXT_LOGGING" },
		{ { { "S3_PRESIGN_ENDPOINT=public.example" } }, 0,
		    "S3_PRESIGN_ENDPOINT" },
		{ { { "S3_PRESIGN_ENDPOINT=https://public.example/" } }, 1, NULL },
	};
	struct config cfg;
	char err[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = config_load(&cfg, envget, (void *)&t[i].env, err,
		    sizeof(err));
		CHECKF((rc == 0) == t[i].ok, t[i].env.kv[0] ?
		    t[i].env.kv[0] : "(empty)");
		if (rc == 0)
			config_free(&cfg);
		else if (t[i].errword != NULL)
			CHECKF(strstr(err, t[i].errword) != NULL, err);
		/* No value of a credential in any message. */
		if (rc != 0)
			CHECKF(strstr(err, "AK") == NULL &&
			    strstr(err, "SK") == NULL, err);
	}
}

static void
test_values(void)
{
	struct env e = { { "AWS_DEFAULT_REGION=eu-west-1",
	    "S3_ENDPOINT=http://127.0.0.1:7480", "AWS_ACCESS_KEY_ID=AK",
	    "AWS_SECRET_ACCESS_KEY=SK", "S3_CONNECTION_NAME=rgw",
	    "S3_TIMEOUT=1m30s" } };
	struct env aws = { { "AWS_REGION=ap-south-1", "AWS_DEFAULT_REGION=x" } };
	const struct config_conn *c;
	struct config cfg;
	char err[256];

	CHECK(config_load(&cfg, envget, &e, err, sizeof(err)) == 0);
	c = &cfg.conns[0];
	CHECK(strcmp(c->region, "eu-west-1") == 0);
	CHECK(strcmp(c->host, "127.0.0.1") == 0 && c->port == 7480);
	CHECK(c->tls == 0 && c->path_style == 1);
	CHECK(strcmp(c->name, "rgw") == 0);
	CHECK(c->timeout_ms == 90000);
	CHECK(cfg.max_get_size == 10485760 && cfg.read_size == 65536);
	CHECK(config_conn_find(&cfg, "rgw", 3) == c);
	CHECK(config_conn_find(&cfg, NULL, 0) == c);
	CHECK(config_conn_find(&cfg, "nope", 4) == NULL);
	config_free(&cfg);

	CHECK(config_load(&cfg, envget, &aws, err, sizeof(err)) == 0);
	c = &cfg.conns[0];
	CHECK(strcmp(c->region, "ap-south-1") == 0);
	CHECK(strcmp(c->host, "s3.ap-south-1.amazonaws.com") == 0);
	CHECK(c->tls == 1 && c->port == 443 && c->path_style == 0);
	CHECK(strcmp(c->name, "default") == 0);
	CHECK(c->access_key == NULL);
	CHECK(cfg.readonly == 1 && cfg.sizelimit == 1);
	CHECK(cfg.max_put_size == 104857600);
	CHECK(cfg.audit == 0 && cfg.logging == 0);
	CHECK(!policy_active(&cfg.rules));
	/* Read-only: no put, so the fixed line limit. */
	CHECK(cfg.line_limit == MAX_LINE_BYTES);
	config_free(&cfg);
}

static void
test_security_values(void)
{
	struct env lifted = { { "MCP_S3_EXT_SIZELIMIT=false",
	    "MCP_S3_MAX_PUT_SIZE=1KiB", "MCP_S3_EXT_READONLY=0",
	    "MCP_S3_AUDIT_FILE=/tmp/audit.log",
	    "S3_PRESIGN_ENDPOINT=https://public.example:9000/",
	    "MCP_S3_EXT_PREFIX_ACL=true" } };
	struct env small = { { "MCP_S3_MAX_PUT_SIZE=1KiB" } };
	struct config cfg;
	char err[256];

	CHECK(config_load(&cfg, envget, &lifted, err, sizeof(err)) == 0);
	CHECK(cfg.sizelimit == 0 && cfg.readonly == 0);
	CHECK(cfg.max_put_size == CONFIG_HARD_MAX_BYTES);
	CHECK(cfg.max_get_size == CONFIG_HARD_MAX_BYTES);
	CHECK(cfg.audit == 1 && strcmp(cfg.audit_file, "/tmp/audit.log") == 0);
	CHECK(strcmp(cfg.conns[0].presign_base, "https://public.example:9000") == 0);
	CHECK(policy_active(&cfg.rules));
	/* Writes and no size limit: room for a 1 GiB put in base64. */
	CHECK(cfg.line_limit == (size_t)(CONFIG_HARD_MAX_BYTES / 3 * 4 +
	    1024 * 1024));
	config_free(&cfg);

	CHECK(config_load(&cfg, envget, &small, err, sizeof(err)) == 0);
	CHECK(cfg.max_put_size == 1024);
	/* The line limit never drops below the fixed floor. */
	CHECK(cfg.line_limit == MAX_LINE_BYTES);
	config_free(&cfg);
}

static void
test_additional(void)
{
	static const struct {
		const char	*json;
		int		 ok;
		const char	*errword;
	} t[] = {
		{ "{}", 1, NULL },
		{ "[]", 0, "JSON object" },
		{ "{", 0, "not valid JSON" },
		{ "{\"a\":{},\"a\":{}}", 0, "not valid JSON" },
		{ "{\"default\":{}}", 0, "primary" },
		{ "{\"b\":{\"colour\":\"red\"}}", 0, "unknown field \"colour\"" },
		{ "{\"b\":{\"region\":5}}", 0, "region must be a string" },
		{ "{\"b\":{\"region\":\"EU\"}}", 0, "invalid region" },
		{ "{\"b\":{\"endpoint\":\"ftp://x\"}}", 0, "endpoint" },
		{ "{\"b\":{\"use_path_style\":\"yes\"}}", 0, "use_path_style" },
		{ "{\"b\":{\"timeout\":0}}", 0, "timeout" },
		{ "{\"b\":{\"timeout\":\"2m\"}}", 1, NULL },
		{ "{\"b\":{\"access_key_id\":\"A\"}}", 0, "secret_access_key" },
		{ "{\"b\":{\"profile\":\"p\"}}", 1, NULL },
		{ "{\"b\":{\"profile\":\"\"}}", 1, NULL },
		{ "{\"b\":{\"profile\":7}}", 0, "profile" },
		{ "{\"b c\":{}}", 0, "connection name" },
		{ "{\"ab\\n\\f\":{}}", 0, "\"ab...\": byte 3 (0x0A)" },
		{ "{\"b\":[]}", 0, "must be an object" },
	};
	const char *kv[3] = { NULL, "AWS_REGION=eu-west-1", NULL };
	struct env e;
	struct config cfg;
	char err[512], var[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		snprintf(var, sizeof(var), "S3_ADDITIONAL_CONNECTIONS=%s",
		    t[i].json);
		kv[0] = var;
		memcpy(e.kv, kv, sizeof(kv));
		rc = config_load(&cfg, envget, &e, err, sizeof(err));
		CHECKF((rc == 0) == t[i].ok, t[i].json);
		if (rc == 0)
			config_free(&cfg);
		else {
			CHECKF(strstr(err, "S3_ADDITIONAL_CONNECTIONS") != NULL,
			    err);
			CHECKF(strstr(err, t[i].errword) != NULL, err);
			/* One line, whatever the name held (fuzz_config). */
			CHECKF(strpbrk(err, "\n\f\r") == NULL, t[i].json);
		}
	}

	/* Order, inheritance and per-connection settings. */
	memset(&e, 0, sizeof(e));
	e.kv[0] = "AWS_REGION=eu-west-1";
	e.kv[1] = "AWS_ACCESS_KEY_ID=ENVKEY";
	e.kv[2] = "AWS_SECRET_ACCESS_KEY=ENVSECRET";
	e.kv[3] = "S3_ADDITIONAL_CONNECTIONS={\"zeta\":{\"endpoint\":"
	    "\"http://127.0.0.1:9000\",\"access_key_id\":\"K\","
	    "\"secret_access_key\":\"S\",\"timeout\":5},\"alpha\":{"
	    "\"region\":\"us-west-2\",\"presign_endpoint\":"
	    "\"https://pub.example/\"}}";
	CHECK(config_load(&cfg, envget, &e, err, sizeof(err)) == 0);
	CHECK(cfg.nconns == 3);
	CHECK(strcmp(cfg.conns[1].name, "zeta") == 0);
	CHECK(strcmp(cfg.conns[2].name, "alpha") == 0);
	CHECK(strcmp(cfg.conns[1].region, "eu-west-1") == 0);
	CHECK(cfg.conns[1].path_style == 1 && cfg.conns[1].port == 9000);
	CHECK(cfg.conns[1].timeout_ms == 5000);
	CHECK(strcmp(cfg.conns[1].access_key, "K") == 0);
	CHECK(strcmp(cfg.conns[1].creds_from, "connection") == 0);
	CHECK(strcmp(cfg.conns[2].host, "s3.us-west-2.amazonaws.com") == 0);
	CHECK(strcmp(cfg.conns[2].access_key, "ENVKEY") == 0);
	CHECK(strcmp(cfg.conns[2].creds_from, "environment") == 0);
	CHECK(strcmp(cfg.conns[2].presign_base, "https://pub.example") == 0);
	CHECK(config_conn_find(&cfg, "alpha", 5) == &cfg.conns[2]);
	CHECK(config_conn_find(&cfg, NULL, 0) == &cfg.conns[0]);
	CHECK(cfg.conns[0].region_set && cfg.conns[2].region_set);
	CHECK(cfg.conns[0].profile == NULL);
	config_free(&cfg);

	/* A profile: kept for the chain, the environment's keys not copied;
	 * no region anywhere leaves it to the profile (region_set 0). */
	memset(&e, 0, sizeof(e));
	e.kv[0] = "AWS_ACCESS_KEY_ID=ENVKEY";
	e.kv[1] = "AWS_SECRET_ACCESS_KEY=ENVSECRET";
	e.kv[2] = "S3_ADDITIONAL_CONNECTIONS={\"p\":{\"profile\":\"dev\"},"
	    "\"q\":{\"profile\":\"dev\",\"region\":\"eu-west-1\"}}";
	CHECK(config_load(&cfg, envget, &e, err, sizeof(err)) == 0);
	CHECK(cfg.nconns == 3);
	CHECK(strcmp(cfg.conns[0].region, "us-east-1") == 0 &&
	    !cfg.conns[0].region_set);
	CHECK(cfg.conns[1].profile != NULL &&
	    strcmp(cfg.conns[1].profile, "dev") == 0);
	CHECK(cfg.conns[1].access_key == NULL && !cfg.conns[1].region_set);
	CHECK(cfg.conns[2].region_set);
	CHECK(cfg.get == envget && cfg.get_arg == &e);
	config_free(&cfg);
}

int
main(void)
{
	test_durations();
	test_bools();
	test_loads();
	test_values();
	test_security_values();
	test_additional();
	return unit_done("test_config");
}
