/*
 * test_profile.c - the shared-file INI dialect: sections of both files,
 * comments, blanks, sub-sections, merging, precedence, errors with line
 * numbers, and the size limit at N and N+1.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "unit.h"
#include "util.h"

struct load_case {
	const char	*label;
	const char	*creds;		/* NULL: no file */
	const char	*config;
	const char	*name;
	int		 rc;
	unsigned	 errline;
	int		 key;
	const char	*want;		/* NULL: absent */
};

static const struct load_case cases[] = {
	{ "creds plain", "[default]\naws_access_key_id = AK\n", NULL,
	    "default", 0, 0, PROFILE_ACCESS_KEY, "AK" },
	{ "config profile prefix", NULL,
	    "[profile dev]\nregion=eu-west-1\n", "dev", 0, 0,
	    PROFILE_REGION, "eu-west-1" },
	{ "config bare name skipped", NULL, "[dev]\nregion=eu-west-1\n",
	    "dev", 0, 0, PROFILE_REGION, NULL },
	{ "config profile default", NULL,
	    "[profile default]\nregion=r1\n", "default", 0, 0,
	    PROFILE_REGION, "r1" },
	{ "creds prefix is part of the name", "[profile dev]\nregion=r\n",
	    NULL, "dev", 0, 0, PROFILE_REGION, NULL },
	{ "comments and blanks", "# c\n; c\n\n  [ a ]  # c\n  k=v\n"
	    "region =  r2  ; note\n", NULL, "a", 0, 0, PROFILE_REGION, "r2" },
	{ "hash inside a value kept", "[a]\nregion=r#3\n", NULL, "a", 0, 0,
	    PROFILE_REGION, "r#3" },
	{ "key case", "[a]\nREGION=r4\n", NULL, "a", 0, 0, PROFILE_REGION,
	    "r4" },
	{ "CRLF", "[a]\r\nregion=r5\r\n", NULL, "a", 0, 0, PROFILE_REGION,
	    "r5" },
	{ "indented line after a property", "[a]\nk=v\n\tregion=r\n", NULL,
	    "a", 0, 0, PROFILE_REGION, NULL },
	{ "sub-section ignored", NULL, "[default]\ns3 =\n  region = bad\n"
	    "region = good\n", "default", 0, 0, PROFILE_REGION, "good" },
	{ "later wins", "[a]\nregion=x\n[b]\nregion=y\n[a]\nregion=z\n",
	    NULL, "a", 0, 0, PROFILE_REGION, "z" },
	{ "credentials win", "[default]\naws_access_key_id=C\n",
	    "[default]\naws_access_key_id=F\nregion=R\n", "default", 0, 0,
	    PROFILE_ACCESS_KEY, "C" },
	{ "config fills the rest", "[default]\naws_access_key_id=C\n",
	    "[default]\naws_access_key_id=F\nregion=R\n", "default", 0, 0,
	    PROFILE_REGION, "R" },
	{ "sso-session skipped", NULL, "[sso-session s]\nregion=q\n"
	    "[profile s]\n", "s", 0, 0, PROFILE_REGION, NULL },
	{ "empty value", "[a]\nregion=\n", NULL, "a", 0, 0, PROFILE_REGION,
	    "" },
	{ "property before a section", "region=x\n[a]\n", NULL, "a", 0, 0,
	    PROFILE_REGION, NULL },
	{ "no equals", "[a]\nregion\n", NULL, "a", PROFILE_ESYNTAX, 2,
	    PROFILE_REGION, NULL },
	{ "unclosed section", "\n\n[a\n", NULL, "a", PROFILE_ESYNTAX, 3,
	    PROFILE_REGION, NULL },
	{ "junk after section", "[a] x\n", NULL, "a", PROFILE_ESYNTAX, 1,
	    PROFILE_REGION, NULL },
	{ "empty section", "[ ]\n", NULL, "a", PROFILE_ESYNTAX, 1,
	    PROFILE_REGION, NULL },
	{ "empty key", "[a]\n = v\n", NULL, "a", PROFILE_ESYNTAX, 2,
	    PROFILE_REGION, NULL },
	{ "error in config", "[a]\n", "[profile a]\nx\n", "a",
	    PROFILE_ESYNTAX, 2, PROFILE_REGION, NULL },
	{ "role keys", NULL, "[profile r]\nrole_arn = arn:x\n"
	    "source_profile = base\n", "r", 0, 0, PROFILE_SOURCE_PROFILE,
	    "base" },
};

static void
test_load(void)
{
	struct profile	 p;
	unsigned	 line;
	size_t		 i;
	int		 kind, rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct load_case *c = &cases[i];

		rc = profile_load(&p, c->name, c->creds, c->creds ?
		    strlen(c->creds) : 0, c->config, c->config ?
		    strlen(c->config) : 0, &line, &kind);
		CHECKF(rc == c->rc, c->label);
		if (rc != 0) {
			CHECKF(line == c->errline, c->label);
			continue;
		}
		if (c->want == NULL)
			CHECKF(p.v[c->key] == NULL, c->label);
		else
			CHECKF(p.v[c->key] != NULL &&
			    strcmp(p.v[c->key], c->want) == 0, c->label);
		profile_free(&p);
	}
}

static void
test_found_and_limit(void)
{
	struct profile	 p;
	char		*big;
	unsigned	 line;
	int		 kind;

	CHECK(profile_load(&p, "a", "[a]\n", 4, "[profile a]\n", 12, &line,
	    &kind) == 0);
	CHECK(p.found == (PROFILE_IN_CREDENTIALS | PROFILE_IN_CONFIG));
	profile_free(&p);
	CHECK(profile_load(&p, "b", "[a]\n", 4, NULL, 0, &line, &kind) == 0);
	CHECK(p.found == 0);
	profile_free(&p);

	/* A NUL in a value empties it rather than cutting it. */
	CHECK(profile_load(&p, "a", "[a]\nregion=x\0y\n", 15, NULL, 0, &line,
	    &kind) == 0);
	CHECK(p.v[PROFILE_REGION] != NULL && p.v[PROFILE_REGION][0] == '\0');
	profile_free(&p);

	/* The size limit at N and N + 1. */
	big = malloc(PROFILE_MAX_FILE_BYTES + 1);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, '#', PROFILE_MAX_FILE_BYTES + 1);
	CHECK(profile_parse(big, PROFILE_MAX_FILE_BYTES, PROFILE_CONFIG, NULL,
	    NULL, &line) == 0);
	CHECK(profile_parse(big, PROFILE_MAX_FILE_BYTES + 1, PROFILE_CONFIG,
	    NULL, NULL, &line) == PROFILE_ELIMIT);
	free(big);
	CHECK(strcmp(profile_key_name(PROFILE_ROLE_ARN), "role_arn") == 0);
	CHECK(strstr(profile_strerror(PROFILE_ESYNTAX), "section") != NULL);
}

static int
count_cb(void *arg, struct slice s, struct slice k, struct slice v)
{
	(void)s;
	(void)v;
	return k.n > 0 && ++*(int *)arg == 2;
}

static void
test_callback(void)
{
	const char	*t = "[a]\nx=1\ny=2\nz=3\n";
	unsigned	 line;
	int		 n = 0;

	CHECK(profile_parse(t, strlen(t), PROFILE_CREDENTIALS, count_cb, &n,
	    &line) == PROFILE_EABORT);
	CHECK(n == 2);
}

int
main(void)
{
	test_load();
	test_found_and_limit();
	test_callback();
	return unit_done("test_profile");
}
