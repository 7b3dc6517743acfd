/*
 * url.h - percent-encoding as SigV4 and S3 need it (RFC 3986), and the
 * canonical query string.
 *
 * Encoding keeps only the unreserved characters A-Z a-z 0-9 - . _ ~ and
 * writes every other byte as %XX with upper-case hex, byte by byte: the
 * input is not checked for UTF-8 (the caller validates keys).  The same
 * encoded text serves the signature and the wire.
 *
 * Memory: output is appended to a caller's struct buf; after success its
 * p is a string even when nothing was appended, and on error the buf
 * holds what it held before the call.  Inputs are borrowed.
 * Errors: 0 on success, or URL_ENOMEM, URL_ELIMIT (the buf's limit),
 * URL_EINVAL (malformed input).  They equal the UTIL_E* codes.
 */
#ifndef MCP_S3_URL_H
#define MCP_S3_URL_H

#include <stddef.h>

#include "util.h"

#define URL_ENOMEM	UTIL_ENOMEM
#define URL_ELIMIT	UTIL_ELIMIT
#define URL_EINVAL	UTIL_EINVAL

/* 1 if c is one of A-Z a-z 0-9 - . _ ~ */
int	url_unreserved(int c);

/* Encode every byte but the unreserved ones (query names and values). */
int	url_encode(struct buf *, const char *, size_t);
/* Same, but '/' is kept: an object key as a canonical URI path. */
int	url_encode_path(struct buf *, const char *, size_t);

/*
 * Strict decode: '%' must be followed by two hex digits (either case);
 * other bytes are copied.  With URL_DECODE_PLUS, '+' decodes to a space,
 * as in S3 listings requested with encoding-type=url.  The output may
 * hold any byte, NUL included: use its length.
 */
#define URL_DECODE_PLUS	1
int	url_decode(struct buf *, const char *, size_t, int flags);

/* One query parameter, raw (not encoded).  An empty value is "name=". */
struct url_param {
	struct slice	 name;
	struct slice	 value;
};

/*
 * Append the canonical query string of n parameters: each name and value
 * encoded, sorted by encoded name and then by encoded value (SigV4's
 * order), joined as "n1=v1&n2=v2".  Sorts params in place (insertion
 * sort: meant for the handful of parameters of one S3 request).
 * n == 0 appends nothing; an empty name is URL_EINVAL.
 */
int	url_query(struct buf *, struct url_param *params, size_t n);

#endif
