/*
 * profile.c - the INI dialect of the AWS shared credentials and config
 * files, and one profile merged from both.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

static const char *const key_names[PROFILE_NKEYS] = {
	"aws_access_key_id",
	"aws_secret_access_key",
	"aws_session_token",
	"region",
	"credential_process",
	"role_arn",
	"source_profile",
	"credential_source",
	"role_session_name",
	"external_id",
	"duration_seconds",
	"web_identity_token_file"
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Drops a comment that starts at a '#' or ';' preceded by a blank. */
static struct slice
strip_comment(struct slice v)
{
	size_t	i;

	for (i = 1; i < v.n; i++)
		if ((v.p[i] == '#' || v.p[i] == ';') && is_blank(v.p[i - 1])) {
			v.n = i;
			break;
		}
	return slice_trim(v);
}

/*
 * Names the section of header h (the text between the brackets) for
 * kind; 0 if the section is not a profile and its properties are to be
 * skipped.
 */
static int
section_name(struct slice h, int kind, struct slice *name)
{
	h = slice_trim(h);
	if (kind == PROFILE_CREDENTIALS) {
		*name = h;
		return 1;
	}
	if (slice_eq(h, "default")) {
		*name = h;
		return 1;
	}
	if (h.n > 8 && memcmp(h.p, "profile", 7) == 0 && is_blank(h.p[7])) {
		h.p += 8;
		h.n -= 8;
		*name = slice_trim(h);
		return name->n > 0;
	}
	return 0;
}

/* see profile.h */
int
profile_parse(const char *text, size_t n, int kind, profile_fn fn, void *arg,
    unsigned *errline)
{
	struct slice	 line, sect = { "", 0 }, key, value, rest;
	const char	*nl, *eq, *close;
	size_t		 pos = 0;
	unsigned	 lineno = 0;
	int		 in_profile = 0, after_property = 0;

	if (errline != NULL)
		*errline = 0;
	if (n > PROFILE_MAX_FILE_BYTES)
		return PROFILE_ELIMIT;
	while (pos < n) {
		lineno++;
		line.p = text + pos;
		nl = memchr(line.p, '\n', n - pos);
		line.n = nl != NULL ? (size_t)(nl - line.p) : n - pos;
		pos += line.n + (nl != NULL);
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;

		/* Indented lines after a property belong to it: skipped. */
		if (line.n > 0 && is_blank(line.p[0]) && after_property &&
		    slice_trim(line).n > 0)
			continue;
		line = slice_trim(line);
		if (line.n == 0 || line.p[0] == '#' || line.p[0] == ';')
			continue;
		if (line.p[0] == '[') {
			close = memchr(line.p, ']', line.n);
			if (close == NULL)
				goto syntax;
			rest.p = close + 1;
			rest.n = line.n - (size_t)(rest.p - line.p);
			rest = slice_trim(rest);
			if (rest.n > 0 && rest.p[0] != '#' && rest.p[0] != ';')
				goto syntax;
			key.p = line.p + 1;
			key.n = (size_t)(close - key.p);
			if (slice_trim(key).n == 0)
				goto syntax;
			in_profile = section_name(key, kind, &sect);
			after_property = 0;
			value.p = key.p;
			value.n = 0;
			key.n = 0;
			if (in_profile && fn != NULL &&
			    fn(arg, sect, key, value) != 0)
				return PROFILE_EABORT;
			continue;
		}
		eq = memchr(line.p, '=', line.n);
		if (eq == NULL)
			goto syntax;
		key.p = line.p;
		key.n = (size_t)(eq - line.p);
		key = slice_trim(key);
		if (key.n == 0)
			goto syntax;
		value.p = eq + 1;
		value.n = line.n - (size_t)(value.p - line.p);
		value = strip_comment(slice_trim(value));
		after_property = 1;
		if (in_profile && fn != NULL && fn(arg, sect, key, value) != 0)
			return PROFILE_EABORT;
	}
	return 0;
syntax:
	if (errline != NULL)
		*errline = lineno;
	return PROFILE_ESYNTAX;
}

/* see profile.h */
const char *
profile_key_name(enum profile_key k)
{
	return (unsigned)k < PROFILE_NKEYS ? key_names[k] : "";
}

struct load_ctx {
	struct profile	*p;
	const char	*name;
	unsigned	 flag;		/* PROFILE_IN_* of the text being read */
	unsigned	 set;		/* keys set by this text */
	unsigned	 keep;		/* keys set by the credentials file */
	int		 oom;
};

static void
clear_value(char **v)
{
	if (*v != NULL) {
		wipe(*v, strlen(*v));
		free(*v);
		*v = NULL;
	}
}

static int
load_property(void *arg, struct slice sect, struct slice key,
    struct slice value)
{
	struct load_ctx	*c = arg;
	char		*copy;
	size_t		 k;

	if (!slice_eq(sect, c->name))
		return 0;
	c->p->found |= c->flag;
	if (key.n == 0)
		return 0;
	for (k = 0; k < PROFILE_NKEYS; k++)
		if (slice_ieq(key, key_names[k]))
			break;
	if (k == PROFILE_NKEYS || (c->keep & (1u << k)))
		return 0;
	/* A NUL inside a value would cut it short without telling. */
	if (memchr(value.p, '\0', value.n) != NULL)
		value.n = 0;
	if ((copy = malloc(value.n + 1)) == NULL) {
		c->oom = 1;
		return 1;
	}
	memcpy(copy, value.p, value.n);
	copy[value.n] = '\0';
	clear_value(&c->p->v[k]);
	c->p->v[k] = copy;
	c->set |= 1u << k;
	return 0;
}

/* see profile.h */
int
profile_load(struct profile *p, const char *name, const char *creds,
    size_t creds_len, const char *config, size_t config_len,
    unsigned *errline, int *errkind)
{
	struct load_ctx	 c;
	int		 rc;

	memset(p, 0, sizeof(*p));
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.name = name;
	if (errline != NULL)
		*errline = 0;
	if (errkind != NULL)
		*errkind = PROFILE_CREDENTIALS;
	/* The credentials file first: what it sets, config cannot change. */
	if (creds != NULL) {
		c.flag = PROFILE_IN_CREDENTIALS;
		rc = profile_parse(creds, creds_len, PROFILE_CREDENTIALS,
		    load_property, &c, errline);
		if (rc != 0)
			goto fail;
		c.keep = c.set;
	}
	if (config != NULL) {
		c.flag = PROFILE_IN_CONFIG;
		if (errkind != NULL)
			*errkind = PROFILE_CONFIG;
		rc = profile_parse(config, config_len, PROFILE_CONFIG,
		    load_property, &c, errline);
		if (rc != 0)
			goto fail;
	}
	return 0;
fail:
	profile_free(p);
	return c.oom ? PROFILE_ENOMEM : rc;
}

/* see profile.h */
void
profile_free(struct profile *p)
{
	size_t	k;

	for (k = 0; k < PROFILE_NKEYS; k++)
		clear_value(&p->v[k]);
	p->found = 0;
}

/* see profile.h */
const char *
profile_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case PROFILE_ENOMEM:
		return "out of memory";
	case PROFILE_ESYNTAX:
		return "a line is neither a [section], a key = value nor a "
		    "comment";
	case PROFILE_ELIMIT:
		return "the file is larger than 1 MiB";
	case PROFILE_EABORT:
		return "stopped by the caller";
	default:
		return "unknown error";
	}
}
