/*
 * s3_impl.h - what the files of the s3 module share: a client's state,
 * one request and what its reply collects, and the request engine.  Only
 * src/s3.c and src/s3req.c include it; the contract for everyone else is
 * s3.h.
 *
 *   s3req.c   the request engine: credentials, building one request,
 *             signing it (sigv4) and sending it (http) with its one
 *             header list, the region redirect, failures as S3_E*; the
 *             client's lifecycle
 *   s3.c      the operations (ListBuckets ... CopyObject) and presigning
 *
 * Errors follow s3.h: 0 or a negative S3_E* with *err filled.
 */
#ifndef MCP_S3_S3_IMPL_H
#define MCP_S3_S3_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "creds.h"
#include "http.h"
#include "s3.h"
#include "s3region.h"
#include "sigv4.h"
#include "url.h"
#include "util.h"

/* Error documents are small; more than this is not one. */
#define ERROR_BODY_MAX	(64u * 1024)
/* Extra signed headers of one request: metadata and a few more. */
#define MAX_EXTRA	(S3_MAX_META_ENTRIES + 8)
#define MAX_HEADERS	(MAX_EXTRA + 8)

struct s3_impl {
	struct http_conn	*http;		/* the connection's endpoint */
	struct http_conn	*alt;		/* AWS, another region; NULL */
	char			 alt_region[S3REGION_BYTES];
	struct sigv4_ctx	 sig;
	struct creds_chain	*chain;
	unsigned		 gen;		/* creds generation of sig */
	char			 region[S3REGION_BYTES];
	struct s3region_cache	 regions;
};

/* What one exchange collects besides the body. */
struct reply {
	int			 status;
	struct s3_meta		*meta;		/* NULL: headers not wanted */
	int			 has_range;
	uint64_t		 range_total;	/* from Content-Range */
	int			 range_total_known;
	char			 request_id[128];
	char			 region[32];
	int			 delete_marker;
	/* Where a 2xx body goes. */
	int			(*sink)(void *arg, const char *, size_t);
	void			*sink_arg;
	struct buf		 errbody;	/* a non-2xx body */
	int			 attempts;	/* requests sent, retries included */
	size_t			 ignored;	/* 2xx body bytes with no sink */
};

/* The part of a request an operation varies; the rest is derived. */
struct s3_req {
	const char		*method;
	struct slice		 bucket;	/* empty: service level */
	struct slice		 key;		/* empty: bucket level */
	struct url_param	*params;
	size_t			 nparams;
	const char		*range;		/* "bytes=a-b" or NULL */
	/* Headers to send and sign besides the ones request_once adds. */
	const struct slice_pair *extra;
	size_t			 nextra;
	/* A body (NULL: none) and its hex SHA-256. */
	const void		*body;
	size_t			 body_len;
	const char		*payload_hash;
	int			 not_idempotent;
};

/*
 * Header values and XML text are shown to the model and written as
 * JSON: whatever bytes S3 sent, the copy is UTF-8 without control bytes
 * (utf8_sanitize), cut on a character.  s3_copy_str() copies a C string
 * the same way.
 */
void	s3_copy_field(char *dst, size_t cap, struct slice v);
void	s3_copy_str(char *dst, size_t cap, const char *src);

/* An empty reply; m receives the headers (NULL: not wanted). */
void	s3_reply_init(struct reply *, struct s3_meta *m);

/*
 * One request, following a region redirect once: the bucket's cached
 * region (else the connection's) signs the first try; an answer naming
 * another region caches it and the request is signed and sent again.
 * Returns 0 when a response came (any status, in r), else an S3_E*;
 * S3_ERESPONSE when a redirect cannot be followed.
 */
int	s3_request(struct s3_client *, const struct s3_req *, struct reply *r,
	    struct s3_error *);

/* Fills err from a non-2xx reply (its error document, if any); returns
 * S3_ERESPONSE. */
int	s3_reply_error(struct reply *, struct s3_error *);

/*
 * Credentials from the chain; a change of keys wipes the signing-key
 * cache.  0, or S3_ENOCREDS / S3_ECREDS / S3_ECANCELED with the reason.
 */
int	s3_get_creds(struct s3_client *, struct creds *, struct s3_error *);

/*
 * Whether bucket goes in the host name: not with path style, and not for
 * names that cannot be one (dots break TLS host names; '_' and upper case
 * are not DNS).
 */
int	s3_virtual_hosted(const struct config_conn *, struct slice bucket);

#endif
