/*
 * s3err.c - failures of S3 calls to stable codes and hints; see s3err.h.
 */
#include <ctype.h>
#include <string.h>

#include "s3err.h"

/*
 * A row's strings, one after the other: the stable code, what happened
 * and the hint, "" for none; one pointer a row keeps the table small.
 */
#define TEXT(code, what, hint)	code "\0" what "\0" hint

/*
 * One row per kind of failure (rc), per HTTP status of a reply without
 * an S3 code (status), and per S3 code worth a sentence.  A row keyed
 * by rc stands alone; replies find their row by the code alone, so a
 * code appears once among the rows with rc 0.
 */
static const struct row {
	signed char	 rc;	/* S3_E*, or 0: a reply */
	unsigned char	 whole;	/* see struct s3err */
	short		 status; /* the status this code stands for, or 0 */
	const char	*text;	/* TEXT(code, what, hint) */
} rows[] = {
	/* kinds of failure */
	{ S3_ETIMEOUT, 1, 0, TEXT("Timeout", "the request timed out", "") },
	{ S3_ENET, 1, 0, TEXT("NetworkError", "the connection failed",
	    "Check S3_ENDPOINT and that the server is running and "
	    "reachable.") },
	{ S3_ETLS, 1, 0, TEXT("TLSError", "the TLS handshake failed",
	    "The server's certificate must be valid for its host name and "
	    "signed by a CA in the bundle (ca_bundle, AWS_CA_BUNDLE, "
	    "SSL_CERT_FILE or SSL_CERT_DIR).") },
	{ S3_EPROTO, 1, 0, TEXT("BadResponse", "malformed reply", "") },
	{ S3_ENOCREDS, 1, 0, TEXT("NoCredentials",
	    "no credentials are configured", "Set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, a profile, or another source of the "
	    "credential chain (docs/configuration.md).") },
	{ S3_ECREDS, 1, 0, TEXT("CredentialsError",
	    "the credential source failed", "") },
	{ S3_ENOMEM, 1, 0, TEXT("InternalError", "out of memory", "") },
	{ S3_EINVAL, 0, 0, TEXT("InvalidArgument",
	    "this bucket or key cannot be addressed", "") },
	{ S3_ECANCELED, 1, 0, TEXT("Cancelled",
	    "the client cancelled the call", "") },

	/* replies: the codes of statuses without one, and S3's codes */
	{ 0, 0, 301, TEXT("PermanentRedirect", "", "The bucket is in "
	    "another region; set AWS_REGION to it.") },
	{ 0, 0, 400, TEXT("BadRequest", "", "") },
	{ 0, 0, 403, TEXT("AccessDenied", "", "These credentials may not "
	    "read this bucket or key; try another prefix or ask for "
	    "access.") },
	{ 0, 0, 404, TEXT("NotFound", "", "") },
	{ 0, 0, 405, TEXT("MethodNotAllowed", "", "") },
	{ 0, 0, 412, TEXT("PreconditionFailed", "", "") },
	{ 0, 0, 500, TEXT("InternalError", "", "The server failed; retry "
	    "in a moment.") },
	{ 0, 0, 503, TEXT("ServiceUnavailable", "", "The server is busy; "
	    "retry in a moment.") },
	{ 0, 0, 0, TEXT("NoSuchKey", "The specified key does not exist.",
	    "Check the key with s3_list_objects: keys are case-sensitive "
	    "and include the whole path.") },
	{ 0, 0, 0, TEXT("NoSuchBucket", "The specified bucket does not "
	    "exist.", "Check the bucket name with s3_list_buckets.") },
	{ 0, 0, 0, TEXT("NoSuchVersion", "", "Check the version id (it is "
	    "exact and case-sensitive); s3_get_object_metadata shows the "
	    "current one.") },
	{ 0, 1, 0, TEXT("SignatureDoesNotMatch", "", "The secret key does "
	    "not match the access key id (check AWS_SECRET_ACCESS_KEY), or "
	    "the clock is off.") },
	{ 0, 1, 0, TEXT("InvalidAccessKeyId", "", "The access key id is "
	    "unknown to the server; check AWS_ACCESS_KEY_ID.") },
	{ 0, 0, 0, TEXT("AuthorizationHeaderMalformed", "", "The region "
	    "does not match the bucket's; set AWS_REGION to the bucket's "
	    "region.") },
	{ 0, 0, 0, TEXT("SlowDown", "", "The server asks to slow down; "
	    "retry in a moment.") },
	{ 0, 1, 0, TEXT("RequestTimeTooSkewed", "", "The local clock is "
	    "off; fix the system time.") },
	{ 0, 1, 0, TEXT("ExpiredToken", "", "The session token expired; "
	    "refresh the credentials.") },
	{ 0, 1, 0, TEXT("InvalidToken", "", "The session token is invalid; "
	    "check AWS_SESSION_TOKEN.") },
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/* A row as the header tells it. */
static void
row_out(const struct row *r, struct s3err *out)
{
	const char *s = r->text;

	out->code = s;
	s += strlen(s) + 1;
	out->what = s[0] != '\0' ? s : NULL;
	s += strlen(s) + 1;
	out->hint = s[0] != '\0' ? s : NULL;
	out->whole = r->whole;
}

/* 1 when S3's error code looks like one (letters, digits, '.'), so it
 * may stand first in the text and in the audit record. */
static int
plain_code(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return i > 0 && i < 64;
}

/* The code of a reply without a code of its own (HEAD, an empty body). */
static const char *
status_code(int status)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (rows[i].rc == 0 && rows[i].status == status &&
		    status != 0)
			return rows[i].text;
	return status >= 500 ? "InternalError" : "BadRequest";
}

/* see s3err.h */
void
s3err_map(int rc, const struct s3_error *e, struct s3err *out)
{
	size_t i;

	for (i = 0; rc != S3_ERESPONSE && i < NROWS; i++)
		if (rows[i].rc == rc) {
			row_out(&rows[i], out);
			return;
		}
	memset(out, 0, sizeof(*out));
	out->code = plain_code(e->code) ? e->code : status_code(e->status);
	for (i = 0; i < NROWS; i++)
		if (rows[i].rc == 0 && strcmp(rows[i].text, out->code) == 0) {
			row_out(&rows[i], out);
			return;
		}
}
