/*
 * s3region.h - where a bucket lives: S3's redirect signals read, and a
 * small per-connection cache of bucket -> region.
 *
 * S3 says a bucket is in another region in three ways: a 301
 * PermanentRedirect (error document <Region> or <Endpoint>), a 400
 * AuthorizationHeaderMalformed whose <Region> is the one expected, and
 * an x-amz-bucket-region header on a 301, 400 or 403.  s3region_redirect()
 * reads them; s3.c re-signs once for the region found and caches it.
 *
 * Memory: everything lives in caller-owned structs; nothing allocates.
 */
#ifndef MCP_S3_S3REGION_H
#define MCP_S3_S3REGION_H

#include <stddef.h>

#include "util.h"

/* A region name, NUL included ("ap-southeast-2" is 15). */
#define S3REGION_BYTES		32
/* The longest bucket name S3 allows is 63; NUL included. */
#define S3REGION_BUCKET_BYTES	64
/* Buckets remembered per connection; the oldest entry is replaced. */
#define S3REGION_CACHE_SLOTS	16

struct s3region_slot {
	char	bucket[S3REGION_BUCKET_BYTES];	/* "": free */
	char	region[S3REGION_BYTES];
};

/* The fields are private. */
struct s3region_cache {
	struct s3region_slot	slot[S3REGION_CACHE_SLOTS];
	unsigned		next;		/* slot to replace next */
};

void	s3region_cache_init(struct s3region_cache *);
/* The cached region of bucket, or NULL. */
const char	*s3region_cache_get(const struct s3region_cache *,
	    struct slice bucket);
/*
 * Remembers bucket -> region (replacing an entry for the same bucket,
 * else the oldest).  A bucket name too long for a slot or an invalid
 * region is not cached: returns -1; else 0.
 */
int	s3region_cache_put(struct s3region_cache *, struct slice bucket,
	    const char *region);

/* 1 if r is a region name: 1..31 of [a-z0-9-], starting with a letter. */
int	s3region_valid(const char *r);

/*
 * The region in an S3 endpoint host name such as
 * "bucket.s3.eu-west-1.amazonaws.com", "s3-eu-west-1.amazonaws.com" or
 * "s3.dualstack.eu-west-1.amazonaws.com"; "s3.amazonaws.com" is
 * us-east-1.  Returns 0 with out set, else -1.
 */
int	s3region_from_endpoint(const char *host, char out[S3REGION_BYTES]);

/* What an answer says about the bucket's region. */
#define S3REGION_NONE	0	/* no redirect signal */
#define S3REGION_FOUND	1	/* out holds a valid region */
#define S3REGION_BAD	-1	/* a signal with no usable region; out
				   holds what was named, made printable */

/*
 * Reads the redirect signals of one answer: status, S3's error code
 * (may be ""), the x-amz-bucket-region header value and the error
 * document's <Region> and <Endpoint> ("" when absent).  A FOUND region
 * may be the one the request was signed for: then it is no redirect and
 * the caller reports the error as it is.  A 301 that names neither a
 * region nor an endpoint is NONE: it is some other redirect.
 */
int	s3region_redirect(int status, const char *code, const char *header,
	    const char *xml_region, const char *xml_endpoint,
	    char out[S3REGION_BYTES]);

#endif
