/*
 * test_s3err.c - the one table from failed S3 calls to stable codes and
 * hints: every kind of failure, every status without a code, every S3
 * code with a hint, and codes the table does not know.
 */
#include <stdio.h>
#include <string.h>

#include "s3err.h"
#include "unit.h"

struct map_case {
	const char	*label;
	int		 rc;
	int		 status;
	const char	*s3code;	/* what S3 said, "" for nothing */
	const char	*code;		/* the stable code */
	int		 what;		/* a sentence of its own */
	int		 hint;		/* a hint */
	int		 whole;		/* the connection fails as a whole */
};

static const struct map_case cases[] = {
	/* kinds: S3's code and status do not matter */
	{ "timeout", S3_ETIMEOUT, 0, "", "Timeout", 1, 0, 1 },
	{ "timeout with a code", S3_ETIMEOUT, 503, "SlowDown", "Timeout", 1,
	    0, 1 },
	{ "network", S3_ENET, 0, "", "NetworkError", 1, 1, 1 },
	{ "tls", S3_ETLS, 0, "", "TLSError", 1, 1, 1 },
	{ "proto", S3_EPROTO, 200, "", "BadResponse", 1, 0, 1 },
	{ "no creds", S3_ENOCREDS, 0, "", "NoCredentials", 1, 1, 1 },
	{ "creds", S3_ECREDS, 0, "", "CredentialsError", 1, 0, 1 },
	{ "nomem", S3_ENOMEM, 0, "", "InternalError", 1, 0, 1 },
	{ "inval", S3_EINVAL, 0, "", "InvalidArgument", 1, 0, 0 },
	{ "cancel", S3_ECANCELED, 0, "", "Cancelled", 1, 0, 1 },

	/* replies without a code: the status names them */
	{ "301", S3_ERESPONSE, 301, "", "PermanentRedirect", 0, 1, 0 },
	{ "400", S3_ERESPONSE, 400, "", "BadRequest", 0, 0, 0 },
	{ "403", S3_ERESPONSE, 403, "", "AccessDenied", 0, 1, 0 },
	{ "404", S3_ERESPONSE, 404, "", "NotFound", 0, 0, 0 },
	{ "405", S3_ERESPONSE, 405, "", "MethodNotAllowed", 0, 0, 0 },
	{ "412", S3_ERESPONSE, 412, "", "PreconditionFailed", 0, 0, 0 },
	{ "500", S3_ERESPONSE, 500, "", "InternalError", 0, 1, 0 },
	{ "503", S3_ERESPONSE, 503, "", "ServiceUnavailable", 0, 1, 0 },
	{ "other 5xx", S3_ERESPONSE, 502, "", "InternalError", 0, 1, 0 },
	{ "599", S3_ERESPONSE, 599, "", "InternalError", 0, 1, 0 },
	{ "other 4xx", S3_ERESPONSE, 418, "", "BadRequest", 0, 0, 0 },
	{ "no status", S3_ERESPONSE, 0, "", "BadRequest", 0, 0, 0 },

	/* S3's codes with a row: their hint whatever the status */
	{ "NoSuchKey", S3_ERESPONSE, 404, "NoSuchKey", "NoSuchKey", 1, 1, 0 },
	{ "NoSuchBucket", S3_ERESPONSE, 404, "NoSuchBucket", "NoSuchBucket",
	    1, 1, 0 },
	{ "NoSuchVersion", S3_ERESPONSE, 404, "NoSuchVersion",
	    "NoSuchVersion", 0, 1, 0 },
	{ "AccessDenied", S3_ERESPONSE, 403, "AccessDenied", "AccessDenied",
	    0, 1, 0 },
	{ "SignatureDoesNotMatch", S3_ERESPONSE, 403, "SignatureDoesNotMatch",
	    "SignatureDoesNotMatch", 0, 1, 1 },
	{ "InvalidAccessKeyId", S3_ERESPONSE, 403, "InvalidAccessKeyId",
	    "InvalidAccessKeyId", 0, 1, 1 },
	{ "PermanentRedirect", S3_ERESPONSE, 301, "PermanentRedirect",
	    "PermanentRedirect", 0, 1, 0 },
	{ "AuthorizationHeaderMalformed", S3_ERESPONSE, 400,
	    "AuthorizationHeaderMalformed", "AuthorizationHeaderMalformed", 0,
	    1, 0 },
	{ "SlowDown", S3_ERESPONSE, 503, "SlowDown", "SlowDown", 0, 1, 0 },
	{ "ServiceUnavailable", S3_ERESPONSE, 503, "ServiceUnavailable",
	    "ServiceUnavailable", 0, 1, 0 },
	{ "InternalError", S3_ERESPONSE, 500, "InternalError",
	    "InternalError", 0, 1, 0 },
	{ "RequestTimeTooSkewed", S3_ERESPONSE, 403, "RequestTimeTooSkewed",
	    "RequestTimeTooSkewed", 0, 1, 1 },
	{ "ExpiredToken", S3_ERESPONSE, 400, "ExpiredToken", "ExpiredToken",
	    0, 1, 1 },
	{ "InvalidToken", S3_ERESPONSE, 400, "InvalidToken", "InvalidToken",
	    0, 1, 1 },
	{ "PreconditionFailed", S3_ERESPONSE, 412, "PreconditionFailed",
	    "PreconditionFailed", 0, 0, 0 },

	/* codes the table does not know: as S3 spelt them, no hint */
	{ "unknown code", S3_ERESPONSE, 409, "BucketNotEmpty",
	    "BucketNotEmpty", 0, 0, 0 },
	{ "dotted code", S3_ERESPONSE, 400, "Client.Error9", "Client.Error9",
	    0, 0, 0 },
	{ "Redirect", S3_ERESPONSE, 307, "Redirect", "Redirect", 0, 0, 0 },
	{ "code over status", S3_ERESPONSE, 500, "NoSuchKey", "NoSuchKey", 1,
	    1, 0 },
	{ "case matters", S3_ERESPONSE, 404, "nosuchkey", "nosuchkey", 0, 0,
	    0 },
	/* ... unless the code does not look like one: the status, then */
	{ "space in code", S3_ERESPONSE, 403, "Access Denied",
	    "AccessDenied", 0, 1, 0 },
	{ "quote in code", S3_ERESPONSE, 412, "a\"b", "PreconditionFailed", 0,
	    0, 0 },
	{ "newline in code", S3_ERESPONSE, 500, "Bad\nCode", "InternalError",
	    0, 1, 0 },
	{ "utf-8 in code", S3_ERESPONSE, 404, "N\xc3\xa4h", "NotFound", 0, 0,
	    0 },

	/* a result that is no kind of its own is read as a reply */
	{ "range", S3_ERANGE, 416, "InvalidRange", "InvalidRange", 0, 0, 0 },
	{ "unknown rc", -99, 404, "", "NotFound", 0, 0, 0 },
};

/* S3's code of 63 bytes stands; one of 64 is not one. */
static void
test_code_length(void)
{
	struct s3_error e;
	struct s3err x;

	memset(&e, 0, sizeof(e));
	e.status = 404;
	memset(e.code, 'A', 63);
	e.code[63] = '\0';
	s3err_map(S3_ERESPONSE, &e, &x);
	CHECK(x.code == e.code);
	CHECK(strlen(x.code) == 63);
	CHECK(x.hint == NULL);
}

int
main(void)
{
	struct s3_error e;
	struct s3err x;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct map_case *t = &cases[i];

		memset(&e, 0, sizeof(e));
		e.status = t->status;
		snprintf(e.code, sizeof(e.code), "%s", t->s3code);
		s3err_map(t->rc, &e, &x);
		CHECKF(x.code != NULL && strcmp(x.code, t->code) == 0,
		    t->label);
		CHECKF((x.what != NULL) == t->what, t->label);
		CHECKF((x.hint != NULL) == t->hint, t->label);
		CHECKF(x.whole == t->whole, t->label);
		/* Sentences end as sentences: the edge writes them on. */
		CHECKF(x.hint == NULL || x.hint[strlen(x.hint) - 1] == '.',
		    t->label);
		CHECKF(x.what == NULL || x.what[0] != '\0', t->label);
	}
	test_code_length();
	return unit_done("test_s3err");
}
