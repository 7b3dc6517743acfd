/*
 * test_sigv4.c - SigV4 against AWS's published examples and vectors made
 * with the botocore oracle (tools/sigv4_oracle.py), pasted as literals.
 *
 * The oracle was given the URL with the key encoded by Python's
 * quote(key, safe='/~') and the query encoded by quote(v, safe='-_.~')
 * and sorted (what botocore itself does), so each row also checks
 * url_encode_path() and url_query() against those.  The session-token
 * rows came from the same botocore code with a token in its Credentials.
 * A presigned row's expected query is the oracle's URL with the
 * parameters in canonical order and X-Amz-Signature last, which is the
 * order sigv4_presign() writes.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sigv4.h"
#include "unit.h"
#include "url.h"
#include "util.h"

#define AK	"AKIAIOSFODNN7EXAMPLE"
#define SK	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY	SIGV4_EMPTY_SHA256

struct pair {
	const char	*a;
	const char	*b;
};

/* A header-signed request; secret NULL means SK. */
struct hvec {
	const char	*label;
	const char	*method;
	const char	*host;
	const char	*prefix;	/* "/bucket" for path style, or "" */
	const char	*key;		/* raw */
	const char	*uri;		/* expected prefix + encoded key */
	struct pair	 params[8];	/* raw query parameters */
	size_t		 nparams;
	const char	*query;		/* expected canonical query */
	struct pair	 hdrs[4];
	size_t		 nhdrs;
	const char	*payload_hash;
	const char	*region;
	time_t		 when;
	const char	*token;
	const char	*secret;
	const char	*creq;
	const char	*sts;
	const char	*auth;
};

struct pvec {
	const char	*label;
	const char	*host;
	const char	*prefix;
	const char	*key;
	const char	*uri;
	struct pair	 params[4];
	size_t		 nparams;
	const char	*query;
	const char	*region;
	time_t		 when;
	uint32_t	 expires;
	const char	*token;
	const char	*presigned;
};

static const struct hvec hvecs[] = {
	{
	    "spaces", "GET", "examplebucket.s3.amazonaws.com",
	    "", "my file name.txt",
	    "/my%20file%20name.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/my%20file%20name.txt\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "4ed3bb0da98983e0b3ac0dd55d55de034802170ab1d6b1cf602effd206700"
	    "de3",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=9cae75588da7f7a3e543e0ce2ba0ba8d49fa"
	    "4f3716b2f51d20461a164d8cb079"
	},
	{
	    "plus-equals", "GET", "examplebucket.s3.amazonaws.com",
	    "", "a+b=c&d.txt",
	    "/a%2Bb%3Dc%26d.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/a%2Bb%3Dc%26d.txt\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "ed3ed03d1448c3a41506a6a91b8cb9b1e9168fba8a8c16002881406ac3b22"
	    "8ca",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=24655f5e014df6a1895b2fbc903c6076bdaa"
	    "650a01f0e41dc941f89e54386350"
	},
	{
	    "percent", "GET", "examplebucket.s3.amazonaws.com",
	    "", "100%.txt",
	    "/100%25.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/100%25.txt\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "328f2ae225e531ba17ec8c8ee89ce56a435087342d240c8114f176f532e42"
	    "996",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=7bd63de39dc80b35c193282d1d1f50fae117"
	    "46143a7b06073b6466bb5f319651"
	},
	{
	    "question", "HEAD", "examplebucket.s3.amazonaws.com",
	    "", "what?.txt",
	    "/what%3F.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "HEAD\n"
	    "/what%3F.txt\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "e6f080fb0f447d758f7452e2e465f6a0e3413b8ef480c6084eb45a7e11ee2"
	    "4fe",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=d78f8319261b2b04591d6d0a5a81c04486d2"
	    "cee76301bde5384f57a12a283880"
	},
	{
	    "hash", "GET", "examplebucket.s3.amazonaws.com",
	    "", "tag#1",
	    "/tag%231",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/tag%231\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "6c76edb9998fff057ca68f4501d8114dd72c7acb66e31a0f6921bde4398f1"
	    "0ce",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=7337aeebc07fbcd08b333ae75f5fd2646562"
	    "d5501521127ba254be2b01a42860"
	},
	{
	    "unicode", "GET", "s3.eu-west-1.amazonaws.com",
	    "/bucket", "\303\274ber/\346\227\245\346\234\254.txt",
	    "/bucket/%C3%BCber/%E6%97%A5%E6%9C%AC.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "eu-west-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/bucket/%C3%BCber/%E6%97%A5%E6%9C%AC.txt\n"
	    "\n"
	    "host:s3.eu-west-1.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/eu-west-1/s3/aws4_request\n"
	    "5edfcba27601f575672ea5fc7543b21c815c35461193f5d907b8fdae6969c"
	    "7a0",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/eu-"
	    "west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=7647577f356f06676d03f33c42160d157672"
	    "98eca10322e0d8803f574f60c918"
	},
	{
	    "double-slash", "GET", "examplebucket.s3.amazonaws.com",
	    "", "dir//file",
	    "/dir//file",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/dir//file\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "bf251487584d590d1803edfbc7ee6a3250c27d567013b493b4fafbe57c1b3"
	    "49b",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=4b8876348eb327b837c699745d6949dd81d9"
	    "45581e69a5a1f240b40ca7d7223c"
	},
	{
	    "tilde-star", "DELETE", "examplebucket.s3.amazonaws.com",
	    "", "~user/*star",
	    "/~user/%2Astar",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "DELETE\n"
	    "/~user/%2Astar\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "3e521914fa99d3f99f7fc08d6722cf9395023a05780fa78308f91464ebba5"
	    "872",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=18ea9535df8c7210b01a5c470d0d94460ac0"
	    "67650ec16ad3d1c7d6d4933811c2"
	},
	{
	    "sub-delims", "GET", "examplebucket.s3.amazonaws.com",
	    "", "!'()file",
	    "/%21%27%28%29file",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/%21%27%28%29file\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "26a6cbf62584a60769e3a821e8a8214f0e33cc3d37c1d5d6965c19b9a8c29"
	    "071",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=ee90fb45227251b3cfbf28103aad83bad91e"
	    "0e0c41a5f11c4df597fd4328c3cb"
	},
	{
	    "trailing-space", "GET", "examplebucket.s3.amazonaws.com",
	    "", "trailing ",
	    "/trailing%20",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/trailing%20\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "7ca9e68266a81f43b17e377ca6a10c7f255a76d86966fac6471ab2130df2c"
	    "028",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=b96b6ee1be32d63b4a36537162ce9e0396dc"
	    "446448393c82ea3b9404ae9ab7aa"
	},
	{
	    "long-key", "GET", "examplebucket.s3.amazonaws.com",
	    "", "long-key/0000_long-key/0001_long-key/0002_long-key/0003_long-"
	    "key/0004_long-key/0005_long-key/0006_long-key/0007_long-key/0"
	    "008_long-key/0009_long-key/0010_long-key/0011_long-key/0012_l"
	    "ong-key/0013_long-key/0014_long-key/0015_long-key/0016_long-k"
	    "ey/0017_long-key/0018_long-key/0019_long-key/0020_long-key/00"
	    "21_long-key/0022_long-key/0023_long-key/0024_long-key/0025_lo"
	    "ng-key/0026_long-key/0027_long-key/0028_long-key/0029_long-ke"
	    "y/0030_long-key/0031_long-key/0032_long-key/0033_long-key/003"
	    "4_long-key/0035_long-key/0036_long-key/0037_long-key/0038_lon"
	    "g-key/0039_long-key/0040_long-key/0041_long-key/0042_long-key"
	    "/0043_long-key/0044_long-key/0045_long-key/0046_long-key/0047"
	    "_long-key/0048_long-key/0049_long-key/0050_long-key/0051_long"
	    "-key/0052_long-key/0053_long-key/0054_long-key/0055_long-key/"
	    "0056_long-key/0057_long-key/0058_long-key/0059_long-key/0060_"
	    "long-key/0061_long-key/0062_long-key/0063_long-key/0064_long-"
	    "key/0065_long-key/0066_long-key/0067_long-key/0068_long-key/0"
	    "069_long-key/0070_long-key/0071_long-key/007 \303\251.",
	    "/long-key/0000_long-key/0001_long-key/0002_long-key/0003_long"
	    "-key/0004_long-key/0005_long-key/0006_long-key/0007_long-key/"
	    "0008_long-key/0009_long-key/0010_long-key/0011_long-key/0012_"
	    "long-key/0013_long-key/0014_long-key/0015_long-key/0016_long-"
	    "key/0017_long-key/0018_long-key/0019_long-key/0020_long-key/0"
	    "021_long-key/0022_long-key/0023_long-key/0024_long-key/0025_l"
	    "ong-key/0026_long-key/0027_long-key/0028_long-key/0029_long-k"
	    "ey/0030_long-key/0031_long-key/0032_long-key/0033_long-key/00"
	    "34_long-key/0035_long-key/0036_long-key/0037_long-key/0038_lo"
	    "ng-key/0039_long-key/0040_long-key/0041_long-key/0042_long-ke"
	    "y/0043_long-key/0044_long-key/0045_long-key/0046_long-key/004"
	    "7_long-key/0048_long-key/0049_long-key/0050_long-key/0051_lon"
	    "g-key/0052_long-key/0053_long-key/0054_long-key/0055_long-key"
	    "/0056_long-key/0057_long-key/0058_long-key/0059_long-key/0060"
	    "_long-key/0061_long-key/0062_long-key/0063_long-key/0064_long"
	    "-key/0065_long-key/0066_long-key/0067_long-key/0068_long-key/"
	    "0069_long-key/0070_long-key/0071_long-key/007%20%C3%A9.",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/long-key/0000_long-key/0001_long-key/0002_long-key/0003_long"
	    "-key/0004_long-key/0005_long-key/0006_long-key/0007_long-key/"
	    "0008_long-key/0009_long-key/0010_long-key/0011_long-key/0012_"
	    "long-key/0013_long-key/0014_long-key/0015_long-key/0016_long-"
	    "key/0017_long-key/0018_long-key/0019_long-key/0020_long-key/0"
	    "021_long-key/0022_long-key/0023_long-key/0024_long-key/0025_l"
	    "ong-key/0026_long-key/0027_long-key/0028_long-key/0029_long-k"
	    "ey/0030_long-key/0031_long-key/0032_long-key/0033_long-key/00"
	    "34_long-key/0035_long-key/0036_long-key/0037_long-key/0038_lo"
	    "ng-key/0039_long-key/0040_long-key/0041_long-key/0042_long-ke"
	    "y/0043_long-key/0044_long-key/0045_long-key/0046_long-key/004"
	    "7_long-key/0048_long-key/0049_long-key/0050_long-key/0051_lon"
	    "g-key/0052_long-key/0053_long-key/0054_long-key/0055_long-key"
	    "/0056_long-key/0057_long-key/0058_long-key/0059_long-key/0060"
	    "_long-key/0061_long-key/0062_long-key/0063_long-key/0064_long"
	    "-key/0065_long-key/0066_long-key/0067_long-key/0068_long-key/"
	    "0069_long-key/0070_long-key/0071_long-key/007%20%C3%A9.\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "609fda24dc3782e0ddc80c7e95266fcbfb9596c7cd90f9642ebd9cfb94cce"
	    "071",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=4c40f566eadf76e44e8142d775a77fa9c510"
	    "392f40f8e5172b6093706816dd15"
	},
	{
	    "listing", "GET", "localhost:9000",
	    "/bucket", "",
	    "/bucket/",
	    {
		{ "list-type",
		  "2" },
		{ "prefix",
		  "photos/2024 \303\244/" },
		{ "delimiter",
		  "/" },
		{ "continuation-token",
		  "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=" },
		{ "start-after",
		  "photos/a+b c" },
		{ "max-keys",
		  "1000" },
		{ "encoding-type",
		  "url" },
	    }, 7,
	    "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy"
	    "4vbOwM%3D&delimiter=%2F&encoding-type=url&list-type=2&max-key"
	    "s=1000&prefix=photos%2F2024%20%C3%A4%2F&start-after=photos%2F"
	    "a%2Bb%20c",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/bucket/\n"
	    "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy"
	    "4vbOwM%3D&delimiter=%2F&encoding-type=url&list-type=2&max-key"
	    "s=1000&prefix=photos%2F2024%20%C3%A4%2F&start-after=photos%2F"
	    "a%2Bb%20c\n"
	    "host:localhost:9000\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "924f3327213f780ee71e26688e802988377eb888a6ca7273e78f786ea25be"
	    "8f3",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=cb750557aee1d7cc2f004957b2c8d9db4a06"
	    "f5b35a4e6cabe87e26995268b705"
	},
	{
	    "range", "GET", "127.0.0.1:9000",
	    "/bucket", "data/object.bin",
	    "/bucket/data/object.bin",
	    { { NULL, NULL } }, 0,
	    "",
	    {
		{ "Range",
		  "bytes=100-199" },
	    }, 1,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "GET\n"
	    "/bucket/data/object.bin\n"
	    "\n"
	    "host:127.0.0.1:9000\n"
	    "range:bytes=100-199\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "867b96a4afadcc3a11768bb3ddaccf195b32c88e85f5b403adafe878f7c81"
	    "d95",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-conten"
	    "t-sha256;x-amz-date, Signature=0e4ba80a921132aae6847b8216cce6"
	    "0160b38bd302619dbeba3a2201f5f6f45a"
	},
	{
	    "put-trimall", "PUT", "examplebucket.s3.amazonaws.com",
	    "", "docs/readme.txt",
	    "/docs/readme.txt",
	    { { NULL, NULL } }, 0,
	    "",
	    {
		{ "Content-Type",
		  "text/plain" },
		{ "X-Amz-Meta-Note",
		  "  two   spaces\011and tab  " },
		{ "Content-Length",
		  "13" },
	    }, 3,
	    "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976"
	    "020",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "PUT\n"
	    "/docs/readme.txt\n"
	    "\n"
	    "content-length:13\n"
	    "content-type:text/plain\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:853ff93762a06ddbf722c4ebe9ddd66d8f63ddae"
	    "a97f521c3ecc20da7c976020\n"
	    "x-amz-date:20240102T030405Z\n"
	    "x-amz-meta-note:two spaces and tab\n"
	    "\n"
	    "content-length;content-type;host;x-amz-content-sha256;x-amz-d"
	    "ate;x-amz-meta-note\n"
	    "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976"
	    "020",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "643612ce948e7e74498d513b9398f5b8b160790138983078e91204e71ec28"
	    "b58",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=content-length;content-"
	    "type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-note, Si"
	    "gnature=7bb2ad89fd330eccb641a25facb1584a5e39088a74092f30e63f8"
	    "443689260a1"
	},
	{
	    "session-token", "GET", "s3.us-west-2.amazonaws.com",
	    "/bucket", "key",
	    "/bucket/key",
	    { { NULL, NULL } }, 0,
	    "",
	    {
		{ "Range",
		  "bytes=0-0" },
	    }, 1,
	    "UNSIGNED-PAYLOAD",
	    "us-west-2", 1704164645, /* 20240102T030405Z */
	    "IQoJb3JpZ2luX2VjEXAMPLE//TOKEN+value=",
	    NULL,
	    "GET\n"
	    "/bucket/key\n"
	    "\n"
	    "host:s3.us-west-2.amazonaws.com\n"
	    "range:bytes=0-0\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLE//TOKEN+value=\n"
	    "\n"
	    "host;range;x-amz-content-sha256;x-amz-date;x-amz-security-tok"
	    "en\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-west-2/s3/aws4_request\n"
	    "5713c324293c1ce61080421e49a7dd9ca84c2639581be32eedb76a3b11564"
	    "c43",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "west-2/s3/aws4_request, SignedHeaders=host;range;x-amz-conten"
	    "t-sha256;x-amz-date;x-amz-security-token, Signature=b22760fa7"
	    "01b47b800d6477cc4c9b88d92dd0bea369424f41182620590b4ef53"
	},
	{
	    "uploads-empty-value", "POST", "examplebucket.s3.amazonaws.com",
	    "", "big.bin",
	    "/big.bin",
	    {
		{ "uploads",
		  "" },
	    }, 1,
	    "uploads=",
	    { { NULL, NULL } }, 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    NULL,
	    "POST\n"
	    "/big.bin\n"
	    "uploads=\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
	    "855",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "3477a02fa3f13bee2d415e1478b781885adcead5d04e6053794ec6be3d93e"
	    "a92",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=2868e54d98736d8ec7a35dea2c6c495db775"
	    "842403fce329e2cd805fac59161e"
	},
	{
	    "secret-60", "GET", "examplebucket.s3.amazonaws.com",
	    "", "k",
	    "/k",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS",
	    "GET\n"
	    "/k\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "edaa80d3cb75302c2a0557ff681ad1db1ee3728c4f8c75e84e0be446c2fff"
	    "a5e",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=a06e0827fe31c20a0aec9916caac0bd08721"
	    "b98bec7c08f42e974fc4bf09ff72"
	},
	{
	    "secret-61", "GET", "examplebucket.s3.amazonaws.com",
	    "", "k",
	    "/k",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS",
	    "GET\n"
	    "/k\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "edaa80d3cb75302c2a0557ff681ad1db1ee3728c4f8c75e84e0be446c2fff"
	    "a5e",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=b8e3aa800450c9d33c3c23efea25aaf4005f"
	    "d6e7c5c1b37c7bba5d393cd74261"
	},
	{
	    "secret-long", "GET", "examplebucket.s3.amazonaws.com",
	    "", "k",
	    "/k",
	    { { NULL, NULL } }, 0,
	    "",
	    { { NULL, NULL } }, 0,
	    "UNSIGNED-PAYLOAD",
	    "us-east-1", 1704164645, /* 20240102T030405Z */
	    NULL,
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
	    "Z/+0123456789abcdefghijklmnopqrstuvwxyz",
	    "GET\n"
	    "/k\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20240102T030405Z\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    "UNSIGNED-PAYLOAD",
	    "AWS4-HMAC-SHA256\n"
	    "20240102T030405Z\n"
	    "20240102/us-east-1/s3/aws4_request\n"
	    "edaa80d3cb75302c2a0557ff681ad1db1ee3728c4f8c75e84e0be446c2fff"
	    "a5e",
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-"
	    "east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha2"
	    "56;x-amz-date, Signature=b0d0f8cd43ab20201ad0da9ce6f77da3e033"
	    "82d06b342dec58153c9cbfa85ce6"
	},
};

static const struct pvec pvecs[] = {
	{
	    "presign-space", "s3.eu-central-1.amazonaws.com",
	    "/my-bucket", "reports/Q1 2024 (final).pdf",
	    "/my-bucket/reports/Q1%202024%20%28final%29.pdf",
	    { { NULL, NULL } }, 0,
	    "",
	    "eu-central-1", 1710497700, 3600, /* 20240315T101500Z */
	    NULL,
	    /* oracle: https://s3.eu-central-1.amazonaws.com/my-bucket/reports/
	     * Q1%202024%20%28final%29.pdf?X-Amz-Algorithm=AWS4-HMAC-SH
	     * A256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240315%2F
	     * eu-central-1%2Fs3%2Faws4_request&X-Amz-Date=20240315T101
	     * 500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-S
	     * ignature=2632bf0ae4b5da179ad68eb8851a9ce5382b922572f8908
	     * f49f8b8e8acb8c914 */
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODN"
	    "N7EXAMPLE%2F20240315%2Feu-central-1%2Fs3%2Faws4_request&X-Amz"
	    "-Date=20240315T101500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders"
	    "=host&X-Amz-Signature=2632bf0ae4b5da179ad68eb8851a9ce5382b922"
	    "572f8908f49f8b8e8acb8c914"
	},
	{
	    "presign-token-param", "examplebucket.s3.amazonaws.com",
	    "", "photo+1.jpg",
	    "/photo%2B1.jpg",
	    {
		{ "response-content-disposition",
		  "attachment; filename=\"photo 1.jpg\"" },
		{ "versionId",
		  "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY" },
	    }, 2,
	    "response-content-disposition=attachment%3B%20filename%3D%22ph"
	    "oto%201.jpg%22&versionId=3%2FL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrH"
	    "Y",
	    "us-east-1", 1710497700, 604800, /* 20240315T101500Z */
	    "FQoGZXIvYXdzEXAMPLE/TOKEN+x=",
	    /* oracle: https://examplebucket.s3.amazonaws.com/photo%2B1.jpg?res
	     * ponse-content-disposition=attachment%3B%20filename%3D%22
	     * photo%201.jpg%22&versionId=3%2FL4kqtJlcpXroDTDmJ%2BrmSpX
	     * d3dIbrHY&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credenti
	     * al=AKIAIOSFODNN7EXAMPLE%2F20240315%2Fus-east-1%2Fs3%2Faw
	     * s4_request&X-Amz-Date=20240315T101500Z&X-Amz-Expires=604
	     * 800&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FQoGZX
	     * IvYXdzEXAMPLE%2FTOKEN%2Bx%3D&X-Amz-Signature=d4da753e717
	     * 54e4cab8eb37cab0ce5ad39d0f2afc31903ea52f56c6ab7f10777 */
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODN"
	    "N7EXAMPLE%2F20240315%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Da"
	    "te=20240315T101500Z&X-Amz-Expires=604800&X-Amz-Security-Token"
	    "=FQoGZXIvYXdzEXAMPLE%2FTOKEN%2Bx%3D&X-Amz-SignedHeaders=host&"
	    "response-content-disposition=attachment%3B%20filename%3D%22ph"
	    "oto%201.jpg%22&versionId=3%2FL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrH"
	    "Y&X-Amz-Signature=d4da753e71754e4cab8eb37cab0ce5ad39d0f2afc31"
	    "903ea52f56c6ab7f10777"
	},
};

/* Builds the URI and query of a row with the url module. */
static void
build_target(struct buf *uri, struct buf *query, const char *prefix,
    const char *key, const struct pair *pp, size_t np)
{
	struct url_param	 params[8];
	size_t			 i;

	CHECK(buf_adds(uri, prefix) == 0);
	CHECK(buf_addc(uri, '/') == 0);
	CHECK(url_encode_path(uri, key, strlen(key)) == 0);
	for (i = 0; i < np; i++) {
		params[i].name = slice_cstr(pp[i].a);
		params[i].value = slice_cstr(pp[i].b);
	}
	CHECK(url_query(query, params, np) == 0);
}

static void
test_header_vectors(struct sigv4_ctx *ctx)
{
	const struct hvec	*v;
	struct slice_pair	 hdr[4];
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 uri, query, out;
	char			 amz[17], want_amz[17];
	size_t			 i, k;

	for (i = 0; i < sizeof(hvecs) / sizeof(hvecs[0]); i++) {
		v = &hvecs[i];
		buf_init(&uri, 0);
		buf_init(&query, 0);
		buf_init(&out, 0);
		build_target(&uri, &query, v->prefix, v->key, v->params,
		    v->nparams);
		CHECKF(strcmp(uri.p, v->uri) == 0, v->label);
		CHECKF(strcmp(query.p, v->query) == 0, v->label);
		for (k = 0; k < v->nhdrs; k++) {
			hdr[k].name = slice_cstr(v->hdrs[k].a);
			hdr[k].value = slice_cstr(v->hdrs[k].b);
		}
		memset(&req, 0, sizeof(req));
		req.method = v->method;
		req.host = slice_cstr(v->host);
		req.uri.p = uri.p;
		req.uri.n = uri.n;
		req.query.p = query.p;
		req.query.n = query.n;
		req.headers = hdr;
		req.nheaders = v->nhdrs;
		req.payload_hash = v->payload_hash;
		req.region = v->region;
		req.service = "s3";
		req.when = v->when;
		creds.access_key = AK;
		creds.secret = v->secret != NULL ? v->secret : SK;
		creds.token = v->token;

		CHECKF(sigv4_canonical_request(&out, &creds, &req) == 0,
		    v->label);
		CHECKF(out.p != NULL && strcmp(out.p, v->creq) == 0, v->label);
		buf_reset(&out);
		CHECKF(sigv4_string_to_sign(&out, &creds, &req) == 0, v->label);
		CHECKF(out.p != NULL && strcmp(out.p, v->sts) == 0, v->label);

		/* Twice: the second may come from the cached key. */
		for (k = 0; k < 2; k++) {
			buf_reset(&out);
			CHECKF(sigv4_sign(ctx, &creds, &req, &out, amz) == 0,
			    v->label);
			CHECKF(out.p != NULL && strcmp(out.p, v->auth) == 0,
			    v->label);
			time_amz(want_amz, v->when);
			CHECKF(strcmp(amz, want_amz) == 0, v->label);
		}
		/* A changed secret needs the context wiped (see sigv4.h). */
		sigv4_ctx_wipe(ctx);
		buf_free(&uri);
		buf_free(&query);
		buf_free(&out);
	}
}

static void
test_presign_vectors(struct sigv4_ctx *ctx)
{
	const struct pvec	*v;
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 uri, query, out;
	size_t			 i;

	for (i = 0; i < sizeof(pvecs) / sizeof(pvecs[0]); i++) {
		v = &pvecs[i];
		buf_init(&uri, 0);
		buf_init(&query, 0);
		buf_init(&out, 0);
		build_target(&uri, &query, v->prefix, v->key, v->params,
		    v->nparams);
		CHECKF(strcmp(uri.p, v->uri) == 0, v->label);
		CHECKF(strcmp(query.p, v->query) == 0, v->label);
		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.host = slice_cstr(v->host);
		req.uri.p = uri.p;
		req.uri.n = uri.n;
		req.query.p = query.p;
		req.query.n = query.n;
		req.region = v->region;
		req.service = "s3";
		req.when = v->when;
		creds.access_key = AK;
		creds.secret = SK;
		creds.token = v->token;
		CHECKF(sigv4_presign(ctx, &creds, &req, v->expires, &out) == 0,
		    v->label);
		CHECKF(out.p != NULL && strcmp(out.p, v->presigned) == 0,
		    v->label);
		buf_free(&uri);
		buf_free(&query);
		buf_free(&out);
	}
}

/*
 * AWS's own examples: the S3 guide's GET Object with Range and its
 * presigned URL (examplebucket, 2013-05-24), and get-vanilla from the
 * SigV4 test suite (service "service", no x-amz-content-sha256).
 */
static void
test_published(struct sigv4_ctx *ctx)
{
	static const struct slice_pair range[] = {
		{ { "Range", 5 }, { "bytes=0-9", 9 } }
	};
	struct sigv4_request	 req;
	struct sigv4_creds	 creds = { AK, SK, NULL };
	struct buf		 out;
	char			 amz[17];

	buf_init(&out, 0);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.host = SLICE_LIT("examplebucket.s3.amazonaws.com");
	req.uri = SLICE_LIT("/test.txt");
	req.query = SLICE_LIT("");
	req.headers = range;
	req.nheaders = 1;
	req.payload_hash = EMPTY;
	req.region = "us-east-1";
	req.service = "s3";
	req.when = 1369353600;	/* 20130524T000000Z */
	CHECK(sigv4_canonical_request(&out, &creds, &req) == 0);
	CHECK(strcmp(out.p,
	    "GET\n"
	    "/test.txt\n"
	    "\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" EMPTY "\n"
	    "x-amz-date:20130524T000000Z\n"
	    "\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n"
	    EMPTY) == 0);
	buf_reset(&out);
	CHECK(sigv4_string_to_sign(&out, &creds, &req) == 0);
	CHECK(strcmp(out.p,
	    "AWS4-HMAC-SHA256\n"
	    "20130524T000000Z\n"
	    "20130524/us-east-1/s3/aws4_request\n"
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
	    == 0);
	buf_reset(&out);
	CHECK(sigv4_sign(ctx, &creds, &req, &out, amz) == 0);
	CHECK(strcmp(out.p, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
	    "20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;"
	    "x-amz-content-sha256;x-amz-date, Signature="
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
	    == 0);
	CHECK(strcmp(amz, "20130524T000000Z") == 0);

	/* Same day, region and service: this one uses the cached key. */
	req.headers = NULL;
	req.nheaders = 0;
	buf_reset(&out);
	CHECK(sigv4_presign(ctx, &creds, &req, 86400, &out) == 0);
	CHECK(strcmp(out.p, "X-Amz-Algorithm=AWS4-HMAC-SHA256&"
	    "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2F"
	    "s3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
	    == 0);

	creds.access_key = "AKIDEXAMPLE";
	creds.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	req.host = SLICE_LIT("example.amazonaws.com");
	req.uri = SLICE_LIT("/");
	req.service = "service";
	req.flags = SIGV4_F_NO_CONTENT_SHA256;
	req.when = 1440938160;	/* 20150830T123600Z */
	buf_reset(&out);
	CHECK(sigv4_canonical_request(&out, &creds, &req) == 0);
	CHECK(strcmp(out.p,
	    "GET\n"
	    "/\n"
	    "\n"
	    "host:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n"
	    "\n"
	    "host;x-amz-date\n"
	    EMPTY) == 0);
	buf_reset(&out);
	CHECK(sigv4_string_to_sign(&out, &creds, &req) == 0);
	CHECK(strcmp(out.p,
	    "AWS4-HMAC-SHA256\n"
	    "20150830T123600Z\n"
	    "20150830/us-east-1/service/aws4_request\n"
	    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
	    == 0);
	buf_reset(&out);
	CHECK(sigv4_sign(ctx, &creds, &req, &out, amz) == 0);
	CHECK(strcmp(out.p, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
	    "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
	    "Signature="
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	    == 0);
	buf_free(&out);
}

/* A request every rejection below starts from, one field spoiled. */
static void
base_request(struct sigv4_request *req, struct sigv4_creds *creds)
{
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->host = SLICE_LIT("examplebucket.s3.amazonaws.com");
	req->uri = SLICE_LIT("/test.txt");
	req->query = SLICE_LIT("a=1&b=");
	req->payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	req->region = "us-east-1";
	req->service = "s3";
	req->when = 1369353600;
	creds->access_key = AK;
	creds->secret = SK;
	creds->token = NULL;
}

enum field { F_METHOD, F_HOST, F_URI, F_QUERY, F_HASH, F_REGION, F_SERVICE,
    F_AK, F_SECRET, F_TOKEN, F_WHEN, F_HNAME, F_HVALUE };

static void
test_rejects(void)
{
	static const struct {
		enum field	 f;
		const char	*s;
		int		 ok;
	} rows[] = {
		{ F_METHOD, "get", 0 },
		{ F_METHOD, "", 0 },
		{ F_METHOD, "GE T", 0 },
		{ F_HOST, "", 0 },
		{ F_HOST, "exa mple.com", 0 },
		{ F_HOST, "example.com/x", 0 },
		{ F_HOST, "example.com\r\nX: y", 0 },
		{ F_HOST, "localhost:9000", 1 },
		{ F_URI, "", 0 },
		{ F_URI, "test.txt", 0 },
		{ F_URI, "/a b", 0 },
		{ F_URI, "/a%2f", 0 },
		{ F_URI, "/a%2", 0 },
		{ F_URI, "/a?b", 0 },
		{ F_URI, "/a+b", 0 },
		{ F_URI, "/a%2Fb//~c", 1 },
		{ F_QUERY, "", 1 },
		{ F_QUERY, "a", 0 },
		{ F_QUERY, "=1", 0 },
		{ F_QUERY, "a=1&", 0 },
		{ F_QUERY, "&a=1", 0 },
		{ F_QUERY, "a=1&&b=2", 0 },
		{ F_QUERY, "a=1=2", 0 },
		{ F_QUERY, "a=b c", 0 },
		{ F_QUERY, "a=b+c", 0 },
		{ F_QUERY, "a=%2B&b=%20", 1 },
		{ F_HASH, "unsigned-payload", 0 },
		{ F_HASH, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA49"
		    "5991B7852B855", 0 },
		{ F_HASH, EMPTY "0", 0 },
		{ F_HASH, "e3b0", 0 },
		{ F_HASH, EMPTY, 1 },
		{ F_REGION, "", 0 },
		{ F_REGION, "us/east", 0 },
		{ F_REGION, "us east", 0 },
		/* SIGV4_MAX_SCOPE (64) and one more. */
		{ F_REGION, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		    "rrrrrrrrrrrrrrrr", 1 },
		{ F_REGION, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		    "rrrrrrrrrrrrrrrrr", 0 },
		{ F_SERVICE, "", 0 },
		{ F_SERVICE, "s3\n", 0 },
		{ F_AK, "", 0 },
		{ F_AK, "AK/ID", 0 },
		{ F_AK, "AK,ID", 0 },
		{ F_AK, "AK ID", 0 },
		/* SIGV4_MAX_ACCESS_KEY (128) and one more. */
		{ F_AK, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAA", 1 },
		{ F_AK, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAA", 0 },
		{ F_SECRET, "", 0 },
		{ F_TOKEN, "tok en", 0 },
		{ F_TOKEN, "tok\n", 0 },
		{ F_TOKEN, "", 1 },
		{ F_TOKEN, "tok/+=", 1 },
		{ F_WHEN, "-1", 0 },
		{ F_WHEN, "0", 1 },
		{ F_WHEN, "253402300799", 1 },	/* 9999-12-31T23:59:59Z */
		{ F_WHEN, "253402300800", 0 },
		{ F_HNAME, "", 0 },
		{ F_HNAME, "Bad Name", 0 },
		{ F_HNAME, "Bad:Name", 0 },
		{ F_HNAME, "Host", 0 },
		{ F_HNAME, "X-Amz-Date", 0 },
		{ F_HNAME, "x-amz-content-sha256", 0 },
		{ F_HNAME, "X-AMZ-SECURITY-TOKEN", 0 },
		{ F_HNAME, "Authorization", 0 },
		{ F_HNAME, "If-Match", 1 },
		{ F_HVALUE, "a\r\nX-Injected: 1", 0 },
		{ F_HVALUE, "a\nb", 0 },
		{ F_HVALUE, "caf\303\251", 0 },
		{ F_HVALUE, " \t a \t b \t ", 1 },
		{ F_HVALUE, "", 1 },
	};
	struct slice_pair	 h;
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 out;
	uint64_t		 u;
	size_t			 i;
	char			 amz[17], label[32];
	int			 rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		base_request(&req, &creds);
		h.name = SLICE_LIT("If-Match");
		h.value = SLICE_LIT("\"etag\"");
		req.headers = &h;
		req.nheaders = 1;
		switch (rows[i].f) {
		case F_METHOD:
			req.method = rows[i].s;
			break;
		case F_HOST:
			req.host = slice_cstr(rows[i].s);
			break;
		case F_URI:
			req.uri = slice_cstr(rows[i].s);
			break;
		case F_QUERY:
			req.query = slice_cstr(rows[i].s);
			break;
		case F_HASH:
			req.payload_hash = rows[i].s;
			break;
		case F_REGION:
			req.region = rows[i].s;
			break;
		case F_SERVICE:
			req.service = rows[i].s;
			break;
		case F_AK:
			creds.access_key = rows[i].s;
			break;
		case F_SECRET:
			creds.secret = rows[i].s;
			break;
		case F_TOKEN:
			creds.token = rows[i].s;
			break;
		case F_WHEN:
			if (rows[i].s[0] == '-')
				req.when = -1;
			else if (parse_u64(rows[i].s, strlen(rows[i].s), &u)
			    == 0)
				req.when = (time_t)u;
			break;
		case F_HNAME:
			h.name = slice_cstr(rows[i].s);
			break;
		case F_HVALUE:
			h.value = slice_cstr(rows[i].s);
			break;
		}
		snprintf(label, sizeof(label), "reject row %zu", i);
		buf_init(&out, 0);
		CHECKF(buf_adds(&out, "kept") == 0, label);
		rc = sigv4_sign(NULL, &creds, &req, &out, amz);
		CHECKF(rows[i].ok ? rc == 0 : rc == SIGV4_EINVAL, label);
		if (!rows[i].ok)
			CHECKF(out.n == 4 && strcmp(out.p, "kept") == 0, label);
		buf_free(&out);
	}
}

static void
test_trimall(void)
{
	struct slice_pair	 h[2];
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 out;

	base_request(&req, &creds);
	h[0].name = SLICE_LIT("X-Amz-Meta-A");
	h[0].value = SLICE_LIT(" \t a \t\t b  c \t");
	h[1].name = SLICE_LIT("x-amz-meta-b");
	h[1].value = SLICE_LIT("   ");
	req.headers = h;
	req.nheaders = 2;
	req.query = SLICE_LIT("");
	buf_init(&out, 0);
	CHECK(sigv4_canonical_request(&out, &creds, &req) == 0);
	CHECK(strstr(out.p, "\nx-amz-meta-a:a b c\nx-amz-meta-b:\n\n") != NULL);
	CHECK(strstr(out.p, ";x-amz-date;x-amz-meta-a;x-amz-meta-b\n") != NULL);

	/* Names differing only in case are the same header. */
	h[1].name = SLICE_LIT("x-amz-meta-A");
	CHECK(sigv4_canonical_request(&out, &creds, &req) == SIGV4_EINVAL);
	buf_free(&out);
}

/* SIGV4_MAX_HEADERS extra headers are signed; one more is refused. */
static void
test_header_limit(void)
{
	static struct slice_pair	 h[SIGV4_MAX_HEADERS + 1];
	static char			 names[SIGV4_MAX_HEADERS + 1][16];
	struct sigv4_request		 req;
	struct sigv4_creds		 creds;
	struct buf			 out;
	char				 amz[17];
	size_t				 i;

	/* Filled in reverse order, so the signer has to sort them. */
	for (i = 0; i <= SIGV4_MAX_HEADERS; i++) {
		snprintf(names[i], sizeof(names[i]), "x-amz-meta-%03zu",
		    SIGV4_MAX_HEADERS - i);
		h[i].name = slice_cstr(names[i]);
		h[i].value = SLICE_LIT("v");
	}
	base_request(&req, &creds);
	req.headers = h;
	req.nheaders = SIGV4_MAX_HEADERS;
	buf_init(&out, 0);
	CHECK(sigv4_sign(NULL, &creds, &req, &out, amz) == 0);
	CHECK(strstr(out.p, "x-amz-date;x-amz-meta-001;x-amz-meta-002;") !=
	    NULL);
	req.nheaders = SIGV4_MAX_HEADERS + 1;
	CHECK(sigv4_sign(NULL, &creds, &req, &out, amz) == SIGV4_EINVAL);
	buf_free(&out);
}

static void
test_presign_rejects(void)
{
	static const char *const bad_queries[] = {
		"X-Amz-Date=1", "X-Amz-Signature=abc",
		"X-Amz-SignedHeaders=host", "a=1&X-Amz-Credential=x", "a=1&"
	};
	struct slice_pair	 h;
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 out;
	size_t			 i;

	buf_init(&out, 0);
	base_request(&req, &creds);
	CHECK(sigv4_presign(NULL, &creds, &req, 0, &out) == SIGV4_EINVAL);
	CHECK(sigv4_presign(NULL, &creds, &req, SIGV4_MAX_EXPIRES + 1, &out) ==
	    SIGV4_EINVAL);
	CHECK(out.n == 0);
	CHECK(sigv4_presign(NULL, &creds, &req, SIGV4_MAX_EXPIRES, &out) == 0);
	CHECK(strncmp(out.p, "X-Amz-Algorithm=", 16) == 0);
	CHECK(strstr(out.p, "&X-Amz-Expires=604800&") != NULL);
	/* The caller's parameters sort after the upper-case X-Amz-* ones. */
	CHECK(strstr(out.p, "&X-Amz-SignedHeaders=host&a=1&b=&X-Amz-Signature=")
	    != NULL);
	for (i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
		req.query = slice_cstr(bad_queries[i]);
		CHECKF(sigv4_presign(NULL, &creds, &req, 60, &out) ==
		    SIGV4_EINVAL, bad_queries[i]);
	}
	/* Parameters on both sides of the X-Amz-* block. */
	req.query = SLICE_LIT("A=1&X-Amz-Apple=2&X-Amz-Zebra=3&z=4");
	buf_reset(&out);
	CHECK(sigv4_presign(NULL, &creds, &req, 60, &out) == 0);
	CHECK(strncmp(out.p, "A=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
	    "X-Amz-Apple=2&X-Amz-Credential=", 52) == 0);
	CHECK(strstr(out.p, "&X-Amz-SignedHeaders=host&X-Amz-Zebra=3&z=4&"
	    "X-Amz-Signature=") != NULL);
	req.query = SLICE_LIT("");
	h.name = SLICE_LIT("Range");
	h.value = SLICE_LIT("bytes=0-1");
	req.headers = &h;
	req.nheaders = 1;
	CHECK(sigv4_presign(NULL, &creds, &req, 60, &out) == SIGV4_EINVAL);
	buf_free(&out);
}

/* An output buf at its limit is left as it was. */
static void
test_output_limit(void)
{
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct buf		 out;
	char			 amz[17];
	size_t			 need;

	base_request(&req, &creds);
	buf_init(&out, 0);
	CHECK(sigv4_sign(NULL, &creds, &req, &out, amz) == 0);
	need = out.n;
	buf_free(&out);
	buf_init(&out, need);
	CHECK(sigv4_sign(NULL, &creds, &req, &out, amz) == 0);
	CHECK(out.n == need);
	buf_free(&out);
	buf_init(&out, need - 1);
	memcpy(amz, "unchanged", 10);
	CHECK(sigv4_sign(NULL, &creds, &req, &out, amz) == SIGV4_ELIMIT);
	CHECK(out.n == 0);
	CHECK(strcmp(amz, "unchanged") == 0);
	buf_free(&out);
	buf_init(&out, 10);
	CHECK(sigv4_presign(NULL, &creds, &req, 60, &out) == SIGV4_ELIMIT);
	CHECK(out.n == 0);
	CHECK(sigv4_canonical_request(&out, &creds, &req) == SIGV4_ELIMIT);
	CHECK(sigv4_string_to_sign(&out, &creds, &req) == SIGV4_ELIMIT);
	CHECK(out.n == 0);
	buf_free(&out);
}

/* Signs with the context and without it; both must agree. */
static int
same_with_ctx(struct sigv4_ctx *ctx, const struct sigv4_creds *creds,
    const struct sigv4_request *req)
{
	struct buf	 a, b;
	char		 amz[17];
	int		 ok;

	buf_init(&a, 0);
	buf_init(&b, 0);
	ok = sigv4_sign(ctx, creds, req, &a, amz) == 0 &&
	    sigv4_sign(NULL, creds, req, &b, amz) == 0 &&
	    a.n == b.n && strcmp(a.p, b.p) == 0;
	buf_free(&a);
	buf_free(&b);
	return ok;
}

/* The cache follows (access key, date, region, service) and wipes. */
static void
test_ctx(void)
{
	static const unsigned char	 zero[sizeof(struct sigv4_ctx)];
	struct sigv4_ctx		 ctx;
	struct sigv4_request		 req;
	struct sigv4_creds		 creds;

	sigv4_ctx_init(&ctx);
	base_request(&req, &creds);
	CHECK(same_with_ctx(&ctx, &creds, &req));
	CHECK(memcmp(&ctx, zero, sizeof(ctx)) != 0);
	CHECK(same_with_ctx(&ctx, &creds, &req));
	/* Another day, region, service or key must not reuse the key. */
	req.when += 86400;
	CHECK(same_with_ctx(&ctx, &creds, &req));
	req.region = "eu-west-1";
	CHECK(same_with_ctx(&ctx, &creds, &req));
	req.service = "s3-object-lambda";
	CHECK(same_with_ctx(&ctx, &creds, &req));
	creds.access_key = "AKIDOTHER";
	CHECK(same_with_ctx(&ctx, &creds, &req));
	/* Within the same day, the cached key is used. */
	req.when += 3600;
	CHECK(same_with_ctx(&ctx, &creds, &req));
	sigv4_ctx_wipe(&ctx);
	CHECK(memcmp(&ctx, zero, sizeof(ctx)) == 0);
	CHECK(strcmp(sigv4_strerror(SIGV4_EINVAL), "unknown error") != 0);
}

int
main(void)
{
	struct sigv4_ctx	 ctx;

	sigv4_ctx_init(&ctx);
	test_published(&ctx);
	test_header_vectors(&ctx);
	test_presign_vectors(&ctx);
	sigv4_ctx_wipe(&ctx);
	test_rejects();
	test_trimall();
	test_header_limit();
	test_presign_rejects();
	test_output_limit();
	test_ctx();
	return unit_done("test_sigv4");
}
