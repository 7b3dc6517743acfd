/*
 * profile.h - the AWS shared files, ~/.aws/credentials and ~/.aws/config,
 * read as the AWS SDKs read them.
 *
 * Format: lines ending in LF (a CR before it is dropped).  A line whose
 * first non-blank byte is '#' or ';' is a comment.  "[NAME]" opens a
 * section; a comment may follow the ']'.  In the config file a profile
 * is "[profile NAME]" or "[default]" ("[profile default]" too); other
 * sections ("[sso-session x]", "[services x]", a bare "[x]") are skipped.
 * In the credentials file every "[NAME]" is the profile NAME.
 * "key = value" sets a property: the key is matched without case, blanks
 * around both are dropped, and a '#' or ';' preceded by a blank starts a
 * comment inside a value.  An indented line that follows a property is a
 * sub-property ("s3 =" then "  max_concurrent_requests = 4") or a
 * continuation and is ignored, as are properties before any section.
 * A section repeated later merges; a property repeated later wins.
 *
 * Errors: negative PROFILE_E* codes; a line that is neither blank, a
 * comment, a section nor a property is PROFILE_ESYNTAX and *errline says
 * which (from 1).  Nothing prints.
 *
 * Memory: profile_parse() never allocates and hands out slices into the
 * caller's text.  struct profile owns its values (heap), and
 * profile_free() wipes them, since keys and tokens are secrets.
 */
#ifndef MCP_S3_PROFILE_H
#define MCP_S3_PROFILE_H

#include <stddef.h>

#include "util.h"

#define PROFILE_ENOMEM	-1
#define PROFILE_ESYNTAX	-2	/* a line that cannot be read; see errline */
#define PROFILE_ELIMIT	-3	/* the text is past PROFILE_MAX_FILE_BYTES */
#define PROFILE_EABORT	-4	/* the callback returned nonzero */

/* Largest shared file read, in bytes. */
#define PROFILE_MAX_FILE_BYTES	(1024u * 1024)

/* Which of the two files a text is: it decides how sections are named. */
#define PROFILE_CREDENTIALS	0
#define PROFILE_CONFIG		1

/*
 * One property of the profile named section (already stripped of
 * "profile "); key and value are empty for the section header itself,
 * so that a profile without properties is still seen.  Return nonzero
 * to stop with PROFILE_EABORT.
 */
typedef int	(*profile_fn)(void *arg, struct slice section, struct slice key,
		    struct slice value);

/* Reads text[0..n) of the given kind, calling fn (which may be NULL). */
int	profile_parse(const char *text, size_t n, int kind, profile_fn fn,
	    void *arg, unsigned *errline);

/* The properties the credential chain reads, by index into v[]. */
enum profile_key {
	PROFILE_ACCESS_KEY,		/* aws_access_key_id */
	PROFILE_SECRET_KEY,		/* aws_secret_access_key */
	PROFILE_SESSION_TOKEN,		/* aws_session_token */
	PROFILE_REGION,			/* region */
	PROFILE_CREDENTIAL_PROCESS,	/* credential_process */
	PROFILE_ROLE_ARN,		/* role_arn */
	PROFILE_SOURCE_PROFILE,		/* source_profile */
	PROFILE_CREDENTIAL_SOURCE,	/* credential_source */
	PROFILE_ROLE_SESSION_NAME,	/* role_session_name */
	PROFILE_EXTERNAL_ID,		/* external_id */
	PROFILE_DURATION_SECONDS,	/* duration_seconds */
	PROFILE_WEB_IDENTITY_FILE,	/* web_identity_token_file */
	PROFILE_NKEYS
};

/* The property name of a key ("aws_access_key_id"). */
const char	*profile_key_name(enum profile_key);

/*
 * One profile merged from both files.  v[k] is NULL when the property is
 * absent, else a NUL-terminated copy.  found has PROFILE_IN_CREDENTIALS
 * and/or PROFILE_IN_CONFIG set when a section of that name was present.
 */
#define PROFILE_IN_CREDENTIALS	1
#define PROFILE_IN_CONFIG	2
struct profile {
	char		*v[PROFILE_NKEYS];
	unsigned	 found;
};

/*
 * Loads the profile name from the two texts (either may be NULL for an
 * absent file).  Properties of the credentials file win over those of
 * the config file, as in the SDKs.  On an error p holds nothing and
 * *errline and *errkind (PROFILE_CREDENTIALS or PROFILE_CONFIG) say where.
 */
int	profile_load(struct profile *p, const char *name,
	    const char *creds, size_t creds_len,
	    const char *config, size_t config_len,
	    unsigned *errline, int *errkind);
void	profile_free(struct profile *);

const char	*profile_strerror(int);

#endif
