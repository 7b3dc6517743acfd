/*
 * s3region.c - S3's redirect signals and the bucket -> region cache;
 * see s3region.h.
 */
#include <string.h>

#include "s3region.h"

/* see s3region.h */
void
s3region_cache_init(struct s3region_cache *rc)
{
	memset(rc, 0, sizeof(*rc));
}

static int
slot_is(const struct s3region_slot *s, struct slice bucket)
{
	return s->bucket[0] != '\0' && strlen(s->bucket) == bucket.n &&
	    memcmp(s->bucket, bucket.p, bucket.n) == 0;
}

/* see s3region.h */
const char *
s3region_cache_get(const struct s3region_cache *rc, struct slice bucket)
{
	size_t	i;

	if (bucket.n == 0)
		return NULL;
	for (i = 0; i < S3REGION_CACHE_SLOTS; i++)
		if (slot_is(&rc->slot[i], bucket))
			return rc->slot[i].region;
	return NULL;
}

/* see s3region.h */
int
s3region_cache_put(struct s3region_cache *rc, struct slice bucket,
    const char *region)
{
	struct s3region_slot	*s = NULL;
	size_t			 i;

	if (bucket.n == 0 || bucket.n >= S3REGION_BUCKET_BYTES ||
	    memchr(bucket.p, '\0', bucket.n) != NULL || !s3region_valid(region))
		return -1;
	for (i = 0; i < S3REGION_CACHE_SLOTS && s == NULL; i++)
		if (slot_is(&rc->slot[i], bucket))
			s = &rc->slot[i];
	if (s == NULL) {
		s = &rc->slot[rc->next];
		rc->next = (rc->next + 1) % S3REGION_CACHE_SLOTS;
	}
	memcpy(s->bucket, bucket.p, bucket.n);
	s->bucket[bucket.n] = '\0';
	strcpy(s->region, region);
	return 0;
}

/* see s3region.h */
int
s3region_valid(const char *r)
{
	size_t	i, n = strlen(r);

	if (n == 0 || n >= S3REGION_BYTES || r[0] < 'a' || r[0] > 'z' ||
	    r[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return 0;
	return 1;
}

/* Copies at most n bytes of p into out as a region, if it is one. */
static int
take_region(const char *p, size_t n, char out[S3REGION_BYTES])
{
	if (n == 0 || n >= S3REGION_BYTES)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (!s3region_valid(out)) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* see s3region.h */
int
s3region_from_endpoint(const char *host, char out[S3REGION_BYTES])
{
	static const char	 suffix[] = ".amazonaws.com";
	const char		*p, *end, *dot;
	size_t			 n = strlen(host), sl = sizeof(suffix) - 1;

	out[0] = '\0';
	/* The label before ".amazonaws.com" and the one before it. */
	if (n <= sl || strcmp(host + n - sl, suffix) != 0)
		return -1;
	end = host + n - sl;
	for (p = end; p > host && p[-1] != '.'; p--)
		;
	/* "s3.amazonaws.com", "bucket.s3.amazonaws.com" */
	if (end - p == 2 && memcmp(p, "s3", 2) == 0) {
		strcpy(out, "us-east-1");
		return 0;
	}
	/* "s3-REGION.amazonaws.com", the older dashed form */
	if (end - p > 3 && memcmp(p, "s3-", 3) == 0)
		return take_region(p + 3, (size_t)(end - p - 3), out);
	/* "s3.REGION.", "s3.dualstack.REGION.", "s3-fips.REGION." */
	if (p == host)
		return -1;
	for (dot = p - 1; dot > host && dot[-1] != '.'; dot--)
		;
	if ((p - 1 - dot == 2 && memcmp(dot, "s3", 2) == 0) ||
	    (p - 1 - dot == 9 && memcmp(dot, "dualstack", 9) == 0) ||
	    (p - 1 - dot == 7 && memcmp(dot, "s3-fips", 7) == 0))
		return take_region(p, (size_t)(end - p), out);
	return -1;
}

/* Copies what S3 named, printable, for the error message. */
static void
named(const char *v, char out[S3REGION_BYTES])
{
	size_t	i;

	for (i = 0; i < S3REGION_BYTES - 1 && v[i] != '\0'; i++)
		out[i] = (v[i] > 0x20 && v[i] < 0x7f) ? v[i] : '?';
	out[i] = '\0';
}

static int
from_value(const char *v, char out[S3REGION_BYTES])
{
	if (take_region(v, strlen(v), out) == 0)
		return S3REGION_FOUND;
	named(v, out);
	return S3REGION_BAD;
}

/* see s3region.h */
int
s3region_redirect(int status, const char *code, const char *header,
    const char *xml_region, const char *xml_endpoint,
    char out[S3REGION_BYTES])
{
	out[0] = '\0';
	switch (status) {
	case 301:
		if (header[0] != '\0')
			return from_value(header, out);
		if (xml_region[0] != '\0')
			return from_value(xml_region, out);
		if (xml_endpoint[0] != '\0') {
			if (s3region_from_endpoint(xml_endpoint, out) == 0)
				return S3REGION_FOUND;
			named(xml_endpoint, out);
			return S3REGION_BAD;
		}
		/* A redirect that names no region is not about regions. */
		return S3REGION_NONE;
	case 400:
		if (strcmp(code, "AuthorizationHeaderMalformed") == 0 &&
		    xml_region[0] != '\0')
			return from_value(xml_region, out);
		if (header[0] != '\0')
			return from_value(header, out);
		return S3REGION_NONE;
	case 403:
		if (header[0] != '\0')
			return from_value(header, out);
		return S3REGION_NONE;
	default:
		return S3REGION_NONE;
	}
}
