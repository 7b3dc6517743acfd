/*
 * s3err.h - one table from a failed S3 call to the stable code the MCP
 * edge shows (NoSuchKey, AccessDenied, Timeout, TLSError, ...), what
 * happened when the error says nothing itself, and what to do about it.
 * The tools' error results and `mcp-s3 check` both read it, so that a
 * failure has the same code and hint wherever it is shown.
 *
 * A failure is looked up by its kind first (s3.h's S3_E*: network, TLS,
 * timeout, credentials, a malformed reply...); an error S3 answered
 * (S3_ERESPONSE, or any code without a row of its own) is named by S3's
 * own code when it looks like one (letters, digits and '.', under 64
 * bytes), else by its HTTP status (412 PreconditionFailed, 404 NotFound,
 * another 5xx InternalError, another 4xx BadRequest).
 *
 * Only names and constant sentences: the edge adds the context (the
 * endpoint, the deadline, the bucket and key, S3's request id).
 */
#ifndef MCP_S3_S3ERR_H
#define MCP_S3_S3ERR_H

#include "s3.h"

struct s3err {
	const char	*code;	/* the stable code; never NULL */
	const char	*what;	/* what happened, when the error says
				 * nothing; NULL: no sentence of its own */
	const char	*hint;	/* what to do; NULL: nothing to add */
	int		 whole;	/* the connection fails as a whole, not
				 * just this bucket (a refused key, a dead
				 * endpoint): other calls need not be tried */
};

/*
 * The row of a failure: rc is a call's negative S3_E* result, e its
 * error.  out->code may point into e->code (S3's own code), so *e must
 * outlive *out; the other strings are constant.
 */
void	s3err_map(int rc, const struct s3_error *e, struct s3err *out);

#endif
