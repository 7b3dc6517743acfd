/*
 * sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256) for S3: signed
 * headers and presigned query strings.
 *
 * Header signing.  sigv4_sign() returns the Authorization value and the
 * x-amz-date value.  It signs host, x-amz-content-sha256, x-amz-date,
 * x-amz-security-token (when creds->token is set) and the extra headers,
 * so the caller MUST send, byte for byte:
 *	Host: <req->host>
 *	x-amz-date: <amz_date out>
 *	x-amz-content-sha256: <req->payload_hash>	(see SIGV4_F_*)
 *	x-amz-security-token: <creds->token>	(only with a token)
 *	Authorization: <authorization out>
 *	every extra header in req->headers (with any whitespace; the
 *	signature covers the trimmed value, as the server computes it)
 * and S3 requires every x-amz-* header sent to be among those signed.
 *
 * Presigning.  sigv4_presign() returns the whole query string of the URL
 * (without '?'): the caller's parameters and X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-Security-Token
 * (with a token), X-Amz-SignedHeaders=host, sorted, then
 * X-Amz-Signature.  The payload is UNSIGNED-PAYLOAD.  The URL is then
 * scheme://<req->host><req->uri>?<query>; it carries no secret.
 *
 * Inputs, all borrowed and checked (SIGV4_EINVAL when malformed):
 *	method		upper-case letters ("GET")
 *	host		the Host header value, with ":port" when not the
 *			scheme's default; visible ASCII
 *	uri		canonical URI, already encoded (url_encode_path):
 *			'/' then unreserved, '/' and %XX (upper-case hex)
 *	query		canonical query, already encoded and sorted
 *			(url_query): "" or "n=v&n=v" of unreserved and %XX
 *	headers		extra headers to sign, up to SIGV4_MAX_HEADERS;
 *			names are HTTP tokens, matched without case, unique,
 *			none of host, authorization or the x-amz-* ones signed
 *			anyway; values are visible ASCII, space and tab
 *	payload_hash	64 lower-case hex digits or "UNSIGNED-PAYLOAD"
 *	region, service	1..SIGV4_MAX_SCOPE of A-Z a-z 0-9 - _ .
 *	when		UTC seconds, 1970 up to the year 9999
 *	access_key	1..SIGV4_MAX_ACCESS_KEY visible ASCII, no '/' or ','
 *	secret		any non-empty string
 *	token		NULL or "" for none, else visible ASCII
 *
 * The secret is read only to set up the HMAC key and is never copied
 * elsewhere; stack copies of derived keys are wiped before returning.
 * Nothing here allocates, except through the caller's output buf.
 *
 * Errors: 0 on success, or SIGV4_EINVAL, SIGV4_ENOMEM, SIGV4_ELIMIT (the
 * output buf's limit); they equal the UTIL_E* codes.  On error an output
 * buf holds what it held before the call.
 */
#ifndef MCP_S3_SIGV4_H
#define MCP_S3_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

#define SIGV4_ENOMEM	UTIL_ENOMEM
#define SIGV4_ELIMIT	UTIL_ELIMIT
#define SIGV4_EINVAL	UTIL_EINVAL

/* Extra headers per request: room for S3_MAX_META_ENTRIES and a few. */
#define SIGV4_MAX_HEADERS	80
/* Longest access key id (AWS documents 128), region and service names. */
#define SIGV4_MAX_ACCESS_KEY	128
#define SIGV4_MAX_SCOPE		64
/* Longest presigned URL lifetime S3 accepts, in seconds (7 days). */
#define SIGV4_MAX_EXPIRES	604800

#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_creds {
	const char	*access_key;
	const char	*secret;
	const char	*token;		/* NULL or "": no token */
};

struct sigv4_request {
	const char			*method;
	struct slice			 host;
	struct slice			 uri;
	struct slice			 query;
	const struct slice_pair		*headers;
	size_t				 nheaders;
	const char			*payload_hash;	/* not presign */
	const char			*region;
	const char			*service;
	time_t				 when;
	unsigned			 flags;		/* SIGV4_F_* */
};

/*
 * For services other than S3: x-amz-content-sha256 is neither signed nor
 * to be sent, and payload_hash (the hex SHA-256 of the body) only ends
 * the canonical request.  S3 requires the header: never set it for S3.
 */
#define SIGV4_F_NO_CONTENT_SHA256	0x1

/*
 * Caches the signing key of one (access key, date, region, service).
 * The fields are private.  A secret that changes under the same access
 * key needs sigv4_ctx_wipe() first, or the old key keeps being used.
 */
struct sigv4_ctx {
	unsigned char	 key[32];
	char		 date[9];
	char		 region[SIGV4_MAX_SCOPE + 1];
	char		 service[SIGV4_MAX_SCOPE + 1];
	char		 access_key[SIGV4_MAX_ACCESS_KEY + 1];
	int		 valid;
};

void	sigv4_ctx_init(struct sigv4_ctx *);
/* Wipes the cached key; the context can be used again afterwards. */
void	sigv4_ctx_wipe(struct sigv4_ctx *);

/*
 * Appends the Authorization value to authorization and writes the
 * x-amz-date value (16 chars + NUL) to amz_date.  ctx may be NULL: the
 * key is then derived for this call only.
 */
int	sigv4_sign(struct sigv4_ctx *, const struct sigv4_creds *,
	    const struct sigv4_request *, struct buf *authorization,
	    char amz_date[17]);

/*
 * Appends the presigned query string, valid for expires seconds
 * (1..SIGV4_MAX_EXPIRES).  req->headers must be empty, and req->query
 * must not hold any of the X-Amz-* names added here.
 */
int	sigv4_presign(struct sigv4_ctx *, const struct sigv4_creds *,
	    const struct sigv4_request *, uint32_t expires, struct buf *query);

/* The canonical request and string to sign of sigv4_sign(), appended. */
int	sigv4_canonical_request(struct buf *, const struct sigv4_creds *,
	    const struct sigv4_request *);
int	sigv4_string_to_sign(struct buf *, const struct sigv4_creds *,
	    const struct sigv4_request *);

/* payload_hash of a body: its SHA-256 in 64 lower-case hex digits. */
void	sigv4_payload_hash(char out[65], const void *p, size_t n);

const char	*sigv4_strerror(int);

#endif
