/*
 * test_s3region.c - S3's region redirect signals (301 PermanentRedirect,
 * 400 AuthorizationHeaderMalformed, x-amz-bucket-region), endpoint host
 * names, region names, and the bucket -> region cache at its size N and
 * N+1.
 */
#include <stdio.h>
#include <string.h>

#include "s3region.h"
#include "unit.h"
#include "util.h"

struct redirect_case {
	const char	*label;
	int		 status;
	const char	*code;
	const char	*header;
	const char	*xml_region;
	const char	*xml_endpoint;
	int		 want;
	const char	*region;
};

static const struct redirect_case redirects[] = {
	{ "301 header", 301, "PermanentRedirect", "eu-west-1", "", "",
	    S3REGION_FOUND, "eu-west-1" },
	{ "301 header wins over xml", 301, "PermanentRedirect", "eu-west-1",
	    "us-west-2", "", S3REGION_FOUND, "eu-west-1" },
	{ "301 xml region", 301, "PermanentRedirect", "", "ap-south-1", "",
	    S3REGION_FOUND, "ap-south-1" },
	{ "301 xml endpoint", 301, "PermanentRedirect", "", "",
	    "b.s3.eu-central-1.amazonaws.com", S3REGION_FOUND,
	    "eu-central-1" },
	{ "301 endpoint global", 301, "PermanentRedirect", "", "",
	    "b.s3.amazonaws.com", S3REGION_FOUND, "us-east-1" },
	{ "301 endpoint not AWS", 301, "PermanentRedirect", "", "",
	    "s3.example.com", S3REGION_BAD, "s3.example.com" },
	{ "301 nothing", 301, "PermanentRedirect", "", "", "", S3REGION_NONE,
	    "" },
	{ "301 garbage header", 301, "", "EU West!", "", "", S3REGION_BAD,
	    "EU?West!" },
	{ "301 garbage xml", 301, "PermanentRedirect", "", "../etc", "",
	    S3REGION_BAD, "../etc" },
	{ "400 auth malformed", 400, "AuthorizationHeaderMalformed", "",
	    "us-west-2", "", S3REGION_FOUND, "us-west-2" },
	{ "400 auth malformed, header too", 400,
	    "AuthorizationHeaderMalformed", "eu-west-1", "us-west-2", "",
	    S3REGION_FOUND, "us-west-2" },
	{ "400 other code, header", 400, "InvalidRequest", "eu-west-3", "",
	    "", S3REGION_FOUND, "eu-west-3" },
	{ "400 other code, xml region ignored", 400, "InvalidRequest", "",
	    "eu-west-3", "", S3REGION_NONE, "" },
	{ "400 plain", 400, "InvalidArgument", "", "", "", S3REGION_NONE, "" },
	{ "403 header", 403, "AccessDenied", "ca-central-1", "", "",
	    S3REGION_FOUND, "ca-central-1" },
	{ "403 no header", 403, "AccessDenied", "", "eu-west-1", "",
	    S3REGION_NONE, "" },
	{ "404 header ignored", 404, "NoSuchKey", "eu-west-1", "", "",
	    S3REGION_NONE, "" },
	{ "200", 200, "", "eu-west-1", "", "", S3REGION_NONE, "" },
	{ "region of 31 bytes", 301, "", "a234567890123456789012345678901",
	    "", "", S3REGION_FOUND, "a234567890123456789012345678901" },
	{ "region of 32 bytes", 301, "", "a2345678901234567890123456789012",
	    "", "", S3REGION_BAD, "a234567890123456789012345678901" },
};

struct endpoint_case {
	const char	*host;
	int		 rc;
	const char	*region;
};

static const struct endpoint_case endpoints[] = {
	{ "s3.amazonaws.com", 0, "us-east-1" },
	{ "bucket.s3.amazonaws.com", 0, "us-east-1" },
	{ "bucket.s3.eu-west-1.amazonaws.com", 0, "eu-west-1" },
	{ "s3.eu-west-1.amazonaws.com", 0, "eu-west-1" },
	{ "s3-eu-west-1.amazonaws.com", 0, "eu-west-1" },
	{ "b.s3-us-west-2.amazonaws.com", 0, "us-west-2" },
	{ "s3.dualstack.ap-northeast-1.amazonaws.com", 0, "ap-northeast-1" },
	{ "b.s3-fips.us-gov-west-1.amazonaws.com", 0, "us-gov-west-1" },
	{ "amazonaws.com", -1, "" },
	{ ".amazonaws.com", -1, "" },
	{ "eu-west-1.amazonaws.com", -1, "" },
	{ "x.eu-west-1.amazonaws.com", -1, "" },
	{ "s3.EU.amazonaws.com", -1, "" },
	{ "s3.eu-west-1.example.com", -1, "" },
	{ "s3-.amazonaws.com", -1, "" },
	{ "", -1, "" },
};

static const struct { const char *r; int ok; } regions[] = {
	{ "us-east-1", 1 }, { "eu-west-1", 1 }, { "cn-north-1", 1 },
	{ "us-gov-west-1", 1 }, { "a", 1 }, { "", 0 }, { "EU-west-1", 0 },
	{ "1us-east", 0 }, { "us-east-", 0 }, { "us_east_1", 0 },
	{ "us east", 0 }, { "us-east-1/..", 0 },
	{ "a234567890123456789012345678901", 1 },
	{ "a2345678901234567890123456789012", 0 },
};

static void
test_redirects(void)
{
	char out[S3REGION_BYTES];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(redirects) / sizeof(redirects[0]); i++) {
		const struct redirect_case *t = &redirects[i];

		memset(out, 'x', sizeof(out));
		rc = s3region_redirect(t->status, t->code, t->header,
		    t->xml_region, t->xml_endpoint, out);
		CHECKF(rc == t->want, t->label);
		CHECKF(strcmp(out, t->region) == 0, t->label);
	}
}

static void
test_endpoints(void)
{
	char out[S3REGION_BYTES];
	size_t i;

	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		CHECKF(s3region_from_endpoint(endpoints[i].host, out) ==
		    endpoints[i].rc, endpoints[i].host);
		CHECKF(endpoints[i].rc != 0 ||
		    strcmp(out, endpoints[i].region) == 0, endpoints[i].host);
	}
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		CHECKF(s3region_valid(regions[i].r) == regions[i].ok,
		    regions[i].r);
}

static void
test_cache(void)
{
	struct s3region_cache rc;
	char name[S3REGION_BUCKET_BYTES + 1];
	const char *r;
	size_t i;

	s3region_cache_init(&rc);
	CHECK(s3region_cache_get(&rc, SLICE_LIT("a")) == NULL);
	CHECK(s3region_cache_get(&rc, SLICE_LIT("")) == NULL);
	CHECK(s3region_cache_put(&rc, SLICE_LIT("a"), "eu-west-1") == 0);
	CHECK((r = s3region_cache_get(&rc, SLICE_LIT("a"))) != NULL &&
	    strcmp(r, "eu-west-1") == 0);
	/* A prefix of a cached name is another bucket. */
	CHECK(s3region_cache_get(&rc, SLICE_LIT("ab")) == NULL);
	CHECK(s3region_cache_get(&rc, (struct slice){ "ab", 1 }) != NULL);
	/* The same bucket is updated in place. */
	CHECK(s3region_cache_put(&rc, SLICE_LIT("a"), "us-west-2") == 0);
	CHECK((r = s3region_cache_get(&rc, SLICE_LIT("a"))) != NULL &&
	    strcmp(r, "us-west-2") == 0);
	/* Refused: bad regions, empty and over-long names. */
	CHECK(s3region_cache_put(&rc, SLICE_LIT("b"), "Bad Region") == -1);
	CHECK(s3region_cache_put(&rc, SLICE_LIT("b"), "") == -1);
	CHECK(s3region_cache_put(&rc, SLICE_LIT(""), "eu-west-1") == -1);
	memset(name, 'n', sizeof(name));
	CHECK(s3region_cache_put(&rc, (struct slice){ name,
	    S3REGION_BUCKET_BYTES - 1 }, "eu-west-1") == 0);
	CHECK(s3region_cache_get(&rc, (struct slice){ name,
	    S3REGION_BUCKET_BYTES - 1 }) != NULL);
	CHECK(s3region_cache_put(&rc, (struct slice){ name,
	    S3REGION_BUCKET_BYTES }, "eu-west-1") == -1);
	CHECK(s3region_cache_put(&rc, (struct slice){ "a\0b", 3 },
	    "eu-west-1") == -1);

	/* N buckets fit; the N+1st replaces the oldest. */
	s3region_cache_init(&rc);
	for (i = 0; i < S3REGION_CACHE_SLOTS; i++) {
		snprintf(name, sizeof(name), "bucket-%zu", i);
		CHECK(s3region_cache_put(&rc, slice_cstr(name),
		    "eu-west-1") == 0);
	}
	for (i = 0; i < S3REGION_CACHE_SLOTS; i++) {
		snprintf(name, sizeof(name), "bucket-%zu", i);
		CHECKF(s3region_cache_get(&rc, slice_cstr(name)) != NULL,
		    name);
	}
	CHECK(s3region_cache_put(&rc, SLICE_LIT("one-more"), "ap-east-1") ==
	    0);
	CHECK(s3region_cache_get(&rc, SLICE_LIT("one-more")) != NULL);
	CHECK(s3region_cache_get(&rc, SLICE_LIT("bucket-0")) == NULL);
	CHECK(s3region_cache_get(&rc, SLICE_LIT("bucket-1")) != NULL);
}

int
main(void)
{
	test_redirects();
	test_endpoints();
	test_cache();
	return unit_done("test_s3region");
}
