/*
 * creds_profile.c - profiles of the shared files: static keys,
 * credential_process, role_arn with source_profile (AssumeRole hops) or
 * web_identity_token_file, and the profile's region; see creds_impl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds_impl.h"
#include "profile.h"

struct shared {
	struct buf	 cpath, fpath;	/* credentials, config paths */
	struct buf	 ctext, ftext;
	int		 chave, fhave;
};

/* A shared file's path: the variable, else ~/.aws/NAME; "~/" expanded. */
static int
shared_path(const struct creds_chain *ch, int var, const char *name,
    struct buf *out)
{
	const char	*v = ch->env[var], *home = ch->env[E_HOME];

	buf_init(out, 0);
	if (v == NULL) {
		if (home == NULL)
			return -1;
		buf_addf(out, "%s/.aws/%s", home, name);
	} else if (v[0] == '~' && v[1] == '/') {
		if (home == NULL)
			return -1;
		buf_addf(out, "%s%s", home, v + 1);
	} else
		buf_adds(out, v);
	return out->p == NULL ? -1 : 0;
}

static void
shared_free(struct shared *s)
{
	buf_free(&s->cpath);
	buf_free(&s->fpath);
	buf_free(&s->ctext);
	buf_free(&s->ftext);
}

/* Reads both shared files; a missing one is simply absent. */
static int
shared_read(const struct creds_chain *ch, struct shared *s,
    struct creds_error *err)
{
	int	rc;

	memset(s, 0, sizeof(*s));
	if (shared_path(ch, E_CREDS_FILE, "credentials", &s->cpath) == 0) {
		rc = creds_read_file(s->cpath.p, PROFILE_MAX_FILE_BYTES,
		    &s->ctext,
		    err);
		if (rc < 0)
			return rc;
		s->chave = rc == 0;
	}
	if (shared_path(ch, E_CONFIG_FILE, "config", &s->fpath) == 0) {
		rc = creds_read_file(s->fpath.p, PROFILE_MAX_FILE_BYTES,
		    &s->ftext,
		    err);
		if (rc < 0)
			return rc;
		s->fhave = rc == 0;
	}
	return 0;
}

static int
shared_load(const struct shared *s, const char *name, struct profile *p,
    struct creds_error *err)
{
	unsigned	 line;
	int		 kind, rc;

	rc = profile_load(p, name, s->chave ? s->ctext.p : NULL, s->ctext.n,
	    s->fhave ? s->ftext.p : NULL, s->ftext.n, &line, &kind);
	if (rc == PROFILE_ENOMEM) {
		creds_set_err(err, "out of memory reading the shared files");
		return CREDS_ENOMEM;
	}
	if (rc != 0) {
		creds_set_err(err, "%s line %u: %s", kind == PROFILE_CONFIG ?
		    s->fpath.p : s->cpath.p, line, profile_strerror(rc));
		return CREDS_EINVAL;
	}
	return 0;
}

/* --- profiles ---------------------------------------------------------- */

/* see creds_impl.h */
int
creds_static_keys(struct ctx *c, const char *ak, const char *sk,
    const char *tok, const char *source, struct got *g)
{
	if ((g->ak = creds_dup_str(ak)) == NULL ||
	    (g->sk = creds_dup_str(sk)) == NULL ||
	    (tok != NULL && tok[0] != '\0' && (g->tok = creds_dup_str(tok)) ==
	    NULL)) {
		creds_got_free(g);
		creds_set_err(c->err, "out of memory");
		return CREDS_ENOMEM;
	}
	g->exp_ms = 0;
	snprintf(g->source, sizeof(g->source), "%s", source);
	return 0;
}

/* One AssumeRole still to make, from the inside of the chain out. */
struct hop {
	char	*role_arn;
	char	*session;
	char	*external_id;
	char	*duration;
};

/*
 * Credentials of profile name.  explicit: it was asked for by name, so
 * its absence is an error rather than a skip.
 */
int
creds_from_profile(struct ctx *c, const char *name, int explicit, struct got *g)
{
	struct shared	 s;
	struct profile	 p;
	struct hop	 hops[CREDS_MAX_ROLE_DEPTH];
	struct got	 base, next;
	char		 names[CREDS_MAX_ROLE_DEPTH + 1][PROFILE_NAME_BYTES];
	char		 src[PROFILE_NAME_BYTES];
	const char	*cur = name;
	size_t		 nhops = 0, i, depth;
	int		 rc;

	memset(hops, 0, sizeof(hops));
	memset(&base, 0, sizeof(base));
	memset(&next, 0, sizeof(next));
	memset(&p, 0, sizeof(p));
	if ((rc = shared_read(c->ch, &s, c->err)) != 0)
		goto out;
	if (!s.chave && !s.fhave) {
		if (explicit) {
			creds_set_err(c->err, "profile %s: neither %s nor %s "
			    "exists",
			    name, s.cpath.p ? s.cpath.p : "~/.aws/credentials",
			    s.fpath.p ? s.fpath.p : "~/.aws/config");
			rc = CREDS_EINVAL;
		} else {
			creds_tried(c, "profile %s (no %s or %s)", name,
			    s.cpath.p ? s.cpath.p : "~/.aws/credentials",
			    s.fpath.p ? s.fpath.p : "~/.aws/config");
			rc = CREDS_SKIP;
		}
		goto out;
	}
	if (strlen(name) >= sizeof(names[0])) {
		creds_set_err(c->err, "a profile name is longer than %d bytes",
		    PROFILE_NAME_BYTES - 1);
		rc = CREDS_EINVAL;
		goto out;
	}
	for (depth = 0;; depth++) {
		memcpy(names[depth], cur, strlen(cur) + 1);
		if ((rc = shared_load(&s, names[depth], &p, c->err)) != 0)
			goto out;
		if (p.found == 0) {
			if (depth == 0 && !explicit) {
				creds_tried(c, "profile %s (not in the shared "
				    "files)",
				    name);
				rc = CREDS_SKIP;
			} else {
				creds_set_err(c->err, "profile %s%s%s: not "
				    "found in "
				    "the shared files", names[depth],
				    depth > 0 ? ", source of " : "",
				    depth > 0 ? names[depth - 1] : "");
				rc = CREDS_EINVAL;
			}
			goto out;
		}
		creds_note_secret(c, p.v[PROFILE_SECRET_KEY]);
		creds_note_secret(c, p.v[PROFILE_SESSION_TOKEN]);
		if (p.v[PROFILE_ROLE_ARN] != NULL) {
			if (nhops == CREDS_MAX_ROLE_DEPTH) {
				creds_set_err(c->err, "profile %s: role chain "
				    "longer "
				    "than %d", name, CREDS_MAX_ROLE_DEPTH);
				rc = CREDS_EINVAL;
				goto out;
			}
			hops[nhops].role_arn = p.v[PROFILE_ROLE_ARN];
			hops[nhops].session = p.v[PROFILE_ROLE_SESSION_NAME];
			hops[nhops].external_id = p.v[PROFILE_EXTERNAL_ID];
			hops[nhops].duration = p.v[PROFILE_DURATION_SECONDS];
			p.v[PROFILE_ROLE_ARN] = NULL;
			p.v[PROFILE_ROLE_SESSION_NAME] = NULL;
			p.v[PROFILE_EXTERNAL_ID] = NULL;
			p.v[PROFILE_DURATION_SECONDS] = NULL;
			if (hops[nhops].duration != NULL &&
			    strspn(hops[nhops].duration, "0123456789") !=
			    strlen(hops[nhops].duration)) {
				creds_set_err(c->err, "profile %s: "
				    "duration_seconds "
				    "is not a number", names[depth]);
				nhops++;
				rc = CREDS_EINVAL;
				goto out;
			}
			nhops++;
			if (p.v[PROFILE_SOURCE_PROFILE] != NULL) {
				cur = p.v[PROFILE_SOURCE_PROFILE];
				/* Its own source: its static keys sign. */
				if (strcmp(cur, names[depth]) == 0)
					goto keys;
				for (i = 0; i <= depth; i++)
					if (strcmp(cur, names[i]) == 0)
						break;
				if (i <= depth) {
					creds_set_err(c->err, "profile %s: "
					    "source_profile %s makes a loop",
					    names[depth], cur);
					rc = CREDS_EINVAL;
					goto out;
				}
				if (strlen(cur) >= sizeof(names[0])) {
					creds_set_err(c->err, "profile %s: "
					    "source_profile name too long",
					    names[depth]);
					rc = CREDS_EINVAL;
					goto out;
				}
				memcpy(src, cur, strlen(cur) + 1);
				cur = src;
				profile_free(&p);
				continue;
			}
			if (p.v[PROFILE_WEB_IDENTITY_FILE] != NULL) {
				/* The innermost role: by web identity. */
				nhops--;
				rc = creds_web_identity(c, hops[nhops].role_arn,
				    p.v[PROFILE_WEB_IDENTITY_FILE],
				    hops[nhops].session, &base);
				if (rc != 0)
					goto out;
				break;
			}
			if (p.v[PROFILE_CREDENTIAL_SOURCE] != NULL)
				creds_set_err(c->err, "profile %s: "
				    "credential_source "
				    "is not supported; use source_profile",
				    names[depth]);
			else
				creds_set_err(c->err, "profile %s: role_arn "
				    "needs "
				    "source_profile or web_identity_token_file",
				    names[depth]);
			rc = CREDS_EINVAL;
			goto out;
		}
		if (p.v[PROFILE_CREDENTIAL_PROCESS] != NULL) {
			rc = creds_run_process(c,
			    p.v[PROFILE_CREDENTIAL_PROCESS],
			    &base);
			if (rc != 0)
				goto out;
			break;
		}
keys:
		if (p.v[PROFILE_ACCESS_KEY] != NULL &&
		    p.v[PROFILE_SECRET_KEY] != NULL &&
		    p.v[PROFILE_ACCESS_KEY][0] != '\0' &&
		    p.v[PROFILE_SECRET_KEY][0] != '\0') {
			rc = creds_static_keys(c, p.v[PROFILE_ACCESS_KEY],
			    p.v[PROFILE_SECRET_KEY],
			    p.v[PROFILE_SESSION_TOKEN], "profile:", &base);
			/* Names are cut to fit; the source is for display. */
			if (rc == 0)
				snprintf(base.source, sizeof(base.source),
				    "profile:%.*s",
				    (int)(sizeof(base.source) - 9),
				    names[depth]);
			if (rc != 0)
				goto out;
			break;
		}
		if (p.v[PROFILE_ACCESS_KEY] != NULL ||
		    p.v[PROFILE_SECRET_KEY] != NULL) {
			creds_set_err(c->err, "profile %s: aws_access_key_id "
			    "and "
			    "aws_secret_access_key must both be set",
			    names[depth]);
			rc = CREDS_EINVAL;
		} else if (depth == 0 && !explicit) {
			creds_tried(c, "profile %s (no credentials in it)",
			    name);
			rc = CREDS_SKIP;
		} else {
			creds_set_err(c->err, "profile %s: no credentials in "
			    "it",
			    names[depth]);
			rc = CREDS_EINVAL;
		}
		goto out;
	}
	/* Assume the roles from the innermost out. */
	while (nhops > 0) {
		nhops--;
		rc = creds_assume_role(c, hops[nhops].role_arn,
		    hops[nhops].session,
		    hops[nhops].external_id, hops[nhops].duration, &base,
		    &next);
		if (rc != 0)
			goto out;
		creds_got_free(&base);
		base = next;
		memset(&next, 0, sizeof(next));
	}
	*g = base;
	memset(&base, 0, sizeof(base));
out:
	for (i = 0; i < CREDS_MAX_ROLE_DEPTH; i++) {
		creds_free_str(&hops[i].role_arn);
		creds_free_str(&hops[i].session);
		creds_free_str(&hops[i].external_id);
		creds_free_str(&hops[i].duration);
	}
	creds_got_free(&base);
	creds_got_free(&next);
	profile_free(&p);
	shared_free(&s);
	return rc;
}

/* Reads the region of the profile in use, failing on a broken file. */
int
creds_read_profile_region(struct creds_chain *ch, struct creds_error *err)
{
	struct shared	 s;
	struct profile	 p;
	const char	*name;
	int		 rc;

	name = ch->conn_profile != NULL ? ch->conn_profile :
	    ch->env[E_PROFILE] != NULL ? ch->env[E_PROFILE] : "default";
	if ((rc = shared_read(ch, &s, err)) != 0) {
		shared_free(&s);
		return rc;
	}
	rc = shared_load(&s, name, &p, err);
	shared_free(&s);
	if (rc != 0)
		return rc;
	ch->profile_found = p.found != 0;
	if (p.v[PROFILE_REGION] != NULL && p.v[PROFILE_REGION][0] != '\0') {
		ch->profile_region = p.v[PROFILE_REGION];
		p.v[PROFILE_REGION] = NULL;
	}
	profile_free(&p);
	return 0;
}


struct reach_scan {
	struct creds_reach	*r;
	int			 rc;	/* the first failure to note a file */
};

/* Notes credential_process and web_identity_token_file of any profile. */
static int
reach_property(void *arg, struct slice section, struct slice key,
    struct slice value)
{
	struct reach_scan	*rs = arg;
	char			 path[PATH_BYTES];

	(void)section;
	if (slice_ieq(key, "credential_process") && value.n > 0)
		rs->r->process = 1;
	if (slice_ieq(key, "web_identity_token_file") && value.n > 0 &&
	    value.n < sizeof(path) && rs->rc == 0) {
		memcpy(path, value.p, value.n);
		path[value.n] = '\0';
		rs->rc = creds_reach_file(rs->r, path, 0);
	}
	return 0;
}

/* see creds_impl.h */
int
creds_profile_reach(const struct creds_chain *ch, struct creds_reach *r)
{
	struct reach_scan	 rs;
	struct shared		 s;
	unsigned		 line;

	/*
	 * A text that does not parse whole is searched as far as it goes;
	 * one that cannot be read now counts as naming a process.
	 */
	if (shared_read(ch, &s, NULL) != 0)
		r->process = 1;
	rs.r = r;
	if ((rs.rc = creds_reach_file(r, s.cpath.p, 1)) == 0)
		rs.rc = creds_reach_file(r, s.fpath.p, 1);
	if (s.chave && s.ctext.n > 0)
		(void)profile_parse(s.ctext.p, s.ctext.n, PROFILE_CREDENTIALS,
		    reach_property, &rs, &line);
	if (s.fhave && s.ftext.n > 0)
		(void)profile_parse(s.ftext.p, s.ftext.n, PROFILE_CONFIG,
		    reach_property, &rs, &line);
	shared_free(&s);
	return rs.rc;
}
