/*
 * test_s3.c - the S3 operations of s3.h against a scripted loopback S3
 * (loopback.h): the request each one sends (method, path and query
 * encoding of hostile keys, the signed headers, Range, the payload hash,
 * the copy source), results read from real-shaped XML and headers, error
 * documents mapped to s3_error, a region redirect followed once and a
 * second one refused, and truncated, oversized, garbage, silent and
 * hung-up answers giving errors, never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "loopback.h"
#include "s3.h"
#include "sigv4.h"
#include "unit.h"
#include "util.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define S(s)	slice_cstr(s)

static char		 endpoint[64];
static const char	*path_style = "true";
static struct lb	 srv;
static struct config	 cfg;
static struct s3_client	 cl;
static struct lb_req	 rq;

static const char *
env(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "S3_ENDPOINT") == 0)
		return endpoint;
	if (strcmp(name, "S3_USE_PATH_STYLE") == 0)
		return path_style;
	if (strcmp(name, "S3_TIMEOUT") == 0)
		return "400ms";
	return lb_s3_env(name);
}

/* A server playing steps and a client of it; 0 or -1. */
static int
start(const struct lb_step *steps, size_t n)
{
	char		 err[256];
	struct s3_error	 e;

	if (lb_start_script(&srv, steps, n) != 0)
		return -1;
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u",
	    (unsigned)srv.port);
	if (config_load(&cfg, env, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	return s3_client_open(&cl, &cfg.conns[0], NULL, env, NULL, &e);
}

static void
stop(void)
{
	s3_client_free(&cl);
	config_free(&cfg);
	lb_stop(&srv);
	lb_req_free(&rq);
}

/* Request i as recorded; an empty request when there is none. */
static const struct lb_req *
req(size_t i)
{
	if (lb_request(&srv, i, &rq) != 0) {
		lb_req_free(&rq);
		memset(&rq, 0, sizeof(rq));
		rq.method = rq.target = "";
	}
	return &rq;
}

static int
hdr_is(const struct lb_req *r, const char *name, const char *want)
{
	const char	*v = lb_header(r, name);

	return v != NULL && strcmp(v, want) == 0;
}

/* The request is signed for region, over at least these headers. */
static int
signed_for(const struct lb_req *r, const char *region, const char *heads)
{
	const char	*a = lb_header(r, "Authorization"), *sh, *end;
	char		 want[128], list[512];
	size_t		 n;

	if (a == NULL || strncmp(a, "AWS4-HMAC-SHA256 Credential=AKIDTEST/",
	    37) != 0)
		return 0;
	snprintf(want, sizeof(want), "/%s/s3/aws4_request,", region);
	if (strstr(a, want) == NULL || (sh = strstr(a, "SignedHeaders=")) ==
	    NULL || (end = strchr(sh, ',')) == NULL)
		return 0;
	sh += 14;
	n = (size_t)(end - sh);
	if (n >= sizeof(list) - 2)
		return 0;
	list[0] = ';';
	memcpy(list + 1, sh, n);
	list[n + 1] = ';';
	list[n + 2] = '\0';
	/* heads: ";a;b;" each of which must be in the list. */
	for (; *heads != '\0'; heads = end) {
		end = strchr(heads + 1, ';');
		if (end == NULL)
			break;
		snprintf(want, sizeof(want), "%.*s", (int)(end - heads + 1),
		    heads);
		if (strstr(list, want) == NULL)
			return 0;
	}
	return strstr(a, "Signature=") != NULL && lb_header(r, "x-amz-date") !=
	    NULL;
}

#define BASE_SIGNED	";host;x-amz-content-sha256;x-amz-date;"

static const char buckets_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/"
    "2006-03-01/\"><Owner><ID>abc</ID><DisplayName>me</DisplayName>"
    "</Owner><Buckets><Bucket><Name>alpha</Name><CreationDate>"
    "2024-01-02T03:04:05.000Z</CreationDate></Bucket><Bucket><Name>"
    "beta.logs</Name><CreationDate>2025-06-07T08:09:10.000Z</CreationDate>"
    "</Bucket></Buckets></ListAllMyBucketsResult>";

static void
test_list_buckets(void)
{
	static const struct lb_step steps[] = {
		{ 200, "Content-Type: application/xml\r\n"
		    "x-amz-request-id: RID1\r\n", buckets_xml, 0, 0, 0, 0 },
	};
	struct s3_listing	 l;
	struct s3_error		 e;
	const struct lb_req	*r;

	CHECK(start(steps, N(steps)) == 0);
	memset(&l, 0, sizeof(l));
	CHECK(s3_list_buckets(&cl, &l, &e) == 0);
	CHECK(l.nitems == 2);
	if (l.nitems == 2) {
		CHECK(l.items[0].len == 5 &&
		    memcmp(S3_POOL(&l, l.items[0]), "alpha", 5) == 0);
		CHECK(strcmp(l.items[0].date, "2024-01-02T03:04:05Z") == 0);
		CHECK(l.items[1].len == 9 &&
		    memcmp(S3_POOL(&l, l.items[1]), "beta.logs", 9) == 0);
	}
	s3_listing_free(&l);
	r = req(0);
	CHECK(strcmp(r->method, "GET") == 0 && strcmp(r->target, "/") == 0);
	CHECK(hdr_is(r, "x-amz-content-sha256", SIGV4_EMPTY_SHA256));
	CHECK(strncmp(lb_header(r, "Host") ? lb_header(r, "Host") : "",
	    "127.0.0.1:", 10) == 0);
	CHECK(signed_for(r, "us-east-1", BASE_SIGNED));
	CHECK(lb_header(r, "Range") == NULL);
	CHECK(lb_count(&srv) == 1);
	stop();
}

static const char list_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>bkt</Name><Prefix>a%20b/</Prefix><KeyCount>3</KeyCount>"
    "<MaxKeys>10</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true"
    "</IsTruncated><EncodingType>url</EncodingType>"
    "<NextContinuationToken>tok+/=</NextContinuationToken>"
    "<Contents><Key>a%20b/%C3%BC+x</Key><LastModified>"
    "2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;0123&quot;</ETag>"
    "<Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>a%20b/%FF</Key><Size>1</Size></Contents>"
    "<CommonPrefixes><Prefix>a%20b/sub/</Prefix></CommonPrefixes>"
    "</ListBucketResult>";

static void
test_list_objects(void)
{
	static const struct lb_step steps[] = {
		{ 200, NULL, list_xml, 0, 0, 0, 7 },	/* in pieces */
	};
	struct s3_list_params	 p;
	struct s3_listing	 l;
	struct s3_error		 e;
	const struct lb_req	*r;

	CHECK(start(steps, N(steps)) == 0);
	memset(&p, 0, sizeof(p));
	p.bucket = S("bkt");
	p.prefix = S("a b/\xc3\xbc+&=?#%");
	p.delimiter = S("/");
	p.token = S("t/+=");
	p.start_after = S("a b/~z");
	p.max_keys = 10;
	memset(&l, 0, sizeof(l));
	CHECK(s3_list_objects(&cl, &p, &l, &e) == 0);
	CHECK(l.nitems == 2 && l.nprefixes == 1 && l.skipped == 1);
	if (l.nitems == 2) {
		CHECK(l.items[0].len == 8 && memcmp(S3_POOL(&l, l.items[0]),
		    "a b/\xc3\xbc x", 8) == 0);
		CHECK(l.items[0].size == 42 && !l.items[0].invalid);
		CHECK(strcmp(l.items[0].etag, "\"0123\"") == 0);
		CHECK(strcmp(l.items[0].storage_class, "STANDARD") == 0);
		CHECK(l.items[1].invalid);
	}
	if (l.nprefixes == 1)
		CHECK(l.prefixes[0].len == 8 && memcmp(S3_POOL(&l,
		    l.prefixes[0]), "a b/sub/", 8) == 0);
	CHECK(l.is_truncated && l.has_next && l.next_token.len == 6 &&
	    memcmp(S3_POOL(&l, l.next_token), "tok+/=", 6) == 0);
	s3_listing_free(&l);
	r = req(0);
	/* The query: SigV4's encoding, sorted by name. */
	CHECKF(strcmp(r->target, "/bkt?continuation-token=t%2F%2B%3D&"
	    "delimiter=%2F&encoding-type=url&list-type=2&max-keys=10&"
	    "prefix=a%20b%2F%C3%BC%2B%26%3D%3F%23%25&start-after=a%20b%2F~z") ==
	    0, r->target);
	CHECK(signed_for(r, "us-east-1", BASE_SIGNED));
	stop();
}

static void
test_get_object(void)
{
	static const struct lb_step steps[] = {
		{ 206, "Content-Range: bytes 10-14/100\r\nContent-Type: "
		    "text/plain\r\nETag: \"e1\"\r\nLast-Modified: Thu, 01 Jan "
		    "2026 00:00:00 GMT\r\nx-amz-meta-Owner: Ann\r\n", "hello",
		    0, 0, 0, 0 },
		/* Past the end: 416, then the HEAD that tells the size. */
		{ 416, NULL, "<Error><Code>InvalidRange</Code></Error>", 0, 0,
		    0, 0 },
		{ 200, "Content-Length: 100\r\n", NULL, 0, 0, 0, 0 },
		/* Range ignored at an offset. */
		{ 200, NULL, "01234", 0, 0, 0, 0 },
		/* A partial answer without Content-Range. */
		{ 206, NULL, "abc", 0, 0, 0, 0 },
		/* More than asked for. */
		{ 206, "Content-Range: bytes 0-2/3\r\n", "abcdefgh", 0, 0, 0,
		    0 },
		/* Cut short: Content-Length 5, three bytes, closed. */
		{ 206, "Content-Range: bytes 0-4/5\r\nContent-Length: 5\r\n",
		    "abc", 0, LB_CLOSE, 0, 0 },
	};
	static const char key[] = "dir/a b+c%?#\xc3\xbc~";
	struct s3_meta		 m;
	struct s3_error		 e;
	struct buf		 body;
	const struct lb_req	*r;
	int			 rc;

	CHECK(start(steps, N(steps)) == 0);
	memset(&m, 0, sizeof(m));
	buf_init(&body, 0);
	CHECK(s3_get_object(&cl, S("bkt"), S(key), 10, 5, &body, &m, &e) ==
	    0);
	CHECK(body.n == 5 && memcmp(body.p, "hello", 5) == 0);
	CHECK(m.size == 100 && m.content_length == 5);
	CHECK(strcmp(m.content_type, "text/plain") == 0);
	CHECK(strcmp(m.etag, "\"e1\"") == 0);
	CHECK(strcmp(m.last_modified, "2026-01-01T00:00:00Z") == 0);
	CHECK(m.nuser == 1 && m.user.n == 10 &&
	    memcmp(m.user.p, "owner\0Ann\0", 10) == 0);
	s3_meta_free(&m);
	r = req(0);
	CHECK(strcmp(r->method, "GET") == 0);
	CHECKF(strcmp(r->target, "/bkt/dir/a%20b%2Bc%25%3F%23%C3%BC~") == 0,
	    r->target);
	CHECK(hdr_is(r, "Range", "bytes=10-14"));
	CHECK(signed_for(r, "us-east-1", BASE_SIGNED "range;"));

	body.n = 0;
	memset(&m, 0, sizeof(m));
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), 100, 5, &body, &m, &e) ==
	    S3_ERANGE);
	CHECK(m.size == 100 && body.n == 0);
	CHECK(strcmp(req(2)->method, "HEAD") == 0);
	s3_meta_free(&m);

	memset(&m, 0, sizeof(m));
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), 3, 5, &body, &m, &e) ==
	    S3_EPROTO);
	CHECK(strstr(e.message, "ignored the Range") != NULL && body.n == 0);
	s3_meta_free(&m);
	memset(&m, 0, sizeof(m));
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), 0, 3, &body, &m, &e) ==
	    S3_EPROTO);
	CHECK(strstr(e.message, "Content-Range") != NULL && body.n == 0);
	s3_meta_free(&m);
	memset(&m, 0, sizeof(m));
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), 0, 3, &body, &m, &e) ==
	    S3_EPROTO);
	CHECK(strstr(e.message, "more than was asked") != NULL && body.n == 0);
	s3_meta_free(&m);
	memset(&m, 0, sizeof(m));
	rc = s3_get_object(&cl, S("bkt"), S("k"), 0, 5, &body, &m, &e);
	CHECKF(rc == S3_EPROTO || rc == S3_ENET, e.message);
	CHECK(body.n == 0 && e.message[0] != '\0');
	s3_meta_free(&m);
	/* No request for a window that cannot be. */
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), 1, 0, &body, &m, &e) ==
	    S3_EINVAL);
	CHECK(s3_get_object(&cl, S("bkt"), S("k"), UINT64_MAX, 2, &body, &m,
	    &e) == S3_EINVAL);
	CHECK(lb_count(&srv) == 7);
	buf_free(&body);
	stop();
}

static void
test_head_and_errors(void)
{
	static const struct lb_step steps[] = {
		{ 200, "Content-Length: 1234\r\nContent-Type: image/png\r\n"
		    "x-amz-storage-class: GLACIER\r\nx-amz-version-id: v7\r\n"
		    "Cache-Control: no-cache\r\nx-amz-meta-a: 1\r\n"
		    "x-amz-meta-B: 2\r\n", NULL, 0, 0, 0, 0 },
		/* HEAD 404: the one-byte GET names the error. */
		{ 404, "Content-Length: 0\r\n", NULL, 0, 0, 0, 0 },
		{ 404, "x-amz-request-id: RQ2\r\n", "<?xml version=\"1.0\"?>"
		    "<Error><Code>NoSuchKey</Code><Message>The specified key "
		    "does not exist.</Message><Key>k</Key><RequestId>RQ9"
		    "</RequestId></Error>", 0, 0, 0, 0 },
		/* A listing refused, with a document. */
		{ 403, "x-amz-request-id: RQ3\r\n", "<Error><Code>AccessDenied"
		    "</Code><Message>Access Denied</Message></Error>", 0, 0, 0,
		    0 },
		/* An error whose body is not XML. */
		{ 404, NULL, "<html>nope", 0, 0, 0, 0 },
		/* A listing that is not one. */
		{ 200, NULL, "<ListBucketResult><Contents><Key>x", 0, 0, 0, 0 },
		{ 200, NULL, "{\"json\":true}", 0, 0, 0, 0 },
		/* HEAD of a bucket. */
		{ 200, NULL, NULL, 0, 0, 0, 0 },
	};
	struct s3_list_params	 p;
	struct s3_listing	 l;
	struct s3_meta		 m;
	struct s3_error		 e;

	CHECK(start(steps, N(steps)) == 0);
	memset(&m, 0, sizeof(m));
	CHECK(s3_head_object(&cl, S("bkt"), S("k"), &m, &e) == 0);
	CHECK(m.size == 1234 && strcmp(m.content_type, "image/png") == 0);
	CHECK(strcmp(m.storage_class, "GLACIER") == 0);
	CHECK(strcmp(m.version_id, "v7") == 0);
	CHECK(strcmp(m.cache_control, "no-cache") == 0);
	CHECK(m.nuser == 2 && memcmp(m.user.p, "a\0" "1\0b\0" "2\0", 8) == 0);
	s3_meta_free(&m);
	CHECK(strcmp(req(0)->method, "HEAD") == 0);
	CHECK(strcmp(req(0)->target, "/bkt/k") == 0);

	memset(&m, 0, sizeof(m));
	CHECK(s3_head_object(&cl, S("bkt"), S("k"), &m, &e) == S3_ERESPONSE);
	CHECK(e.status == 404 && strcmp(e.code, "NoSuchKey") == 0);
	CHECK(strcmp(e.message, "The specified key does not exist.") == 0);
	CHECK(strcmp(e.request_id, "RQ9") == 0);
	CHECK(hdr_is(req(2), "Range", "bytes=0-0"));
	s3_meta_free(&m);

	memset(&p, 0, sizeof(p));
	p.bucket = S("bkt");
	p.max_keys = 1000;
	memset(&l, 0, sizeof(l));
	CHECK(s3_list_objects(&cl, &p, &l, &e) == S3_ERESPONSE);
	CHECK(e.status == 403 && strcmp(e.code, "AccessDenied") == 0);
	CHECK(strcmp(e.message, "Access Denied") == 0);
	CHECK(strcmp(e.request_id, "RQ3") == 0);
	s3_listing_free(&l);
	CHECK(s3_list_objects(&cl, &p, &l, &e) == S3_ERESPONSE);
	CHECK(e.status == 404 && e.code[0] == '\0');
	s3_listing_free(&l);
	CHECK(s3_list_objects(&cl, &p, &l, &e) == S3_EPROTO);
	CHECK(strstr(e.message, "not valid") != NULL);
	s3_listing_free(&l);
	CHECK(s3_list_objects(&cl, &p, &l, &e) == S3_EPROTO);
	s3_listing_free(&l);
	CHECK(s3_head_bucket(&cl, S("bkt"), &e) == 0);
	CHECK(strcmp(req(7)->method, "HEAD") == 0 &&
	    strcmp(req(7)->target, "/bkt") == 0);
	stop();
}

static void
test_writes(void)
{
	static const struct lb_step steps[] = {
		{ 200, "ETag: \"put1\"\r\nx-amz-version-id: pv1\r\n", NULL, 0, 0,
		    0, 0 },
		{ 412, NULL, "<Error><Code>PreconditionFailed</Code><Message>"
		    "At least one of the pre-conditions you specified did not "
		    "hold</Message></Error>", 0, 0, 0, 0 },
		{ 204, "x-amz-delete-marker: true\r\nx-amz-version-id: dm1\r\n",
		    NULL, 0, 0, 0, 0 },
		/* A version deleted: HEAD first, then DELETE. */
		{ 200, "Content-Length: 3\r\n", NULL, 0, 0, 0, 0 },
		{ 204, NULL, NULL, 0, 0, 0, 0 },
		/* A version that never was. */
		{ 404, "Content-Length: 0\r\nx-amz-request-id: R404\r\n", NULL,
		    0, 0, 0, 0 },
		{ 200, NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<CopyObjectResult><LastModified>2026-02-03T04:05:06.000Z"
		    "</LastModified><ETag>\"cp1\"</ETag></CopyObjectResult>", 0,
		    0, 0, 0 },
		/* A copy that fails after its 200. */
		{ 200, NULL, "<?xml version=\"1.0\"?>\n\n  <Error><Code>"
		    "InternalError</Code><Message>We encountered an internal "
		    "error.</Message><RequestId>CPERR</RequestId></Error>", 0, 0,
		    0, 0 },
		{ 200, NULL, "<CopyObjectResult><ETag>", 0, 0, 0, 0 },
	};
	static const struct slice meta[] = {
		{ "owner", 5 }, { "ann", 3 }, { "k-2", 3 }, { "v 2", 3 },
	};
	struct s3_put_opts	 o;
	struct s3_written	 w;
	struct s3_error		 e;
	const struct lb_req	*r;
	char			 hash[65];

	CHECK(start(steps, N(steps)) == 0);
	memset(&o, 0, sizeof(o));
	o.content_type = S("text/csv");
	o.meta = meta;
	o.nmeta = 2;
	CHECK(s3_put_object(&cl, S("bkt"), S("new dir/f.csv"), "a,b\n1,2\n",
	    8, &o, &w, &e) == 0);
	CHECK(strcmp(w.etag, "\"put1\"") == 0 &&
	    strcmp(w.version_id, "pv1") == 0);
	r = req(0);
	CHECK(strcmp(r->method, "PUT") == 0);
	CHECK(strcmp(r->target, "/bkt/new%20dir/f.csv") == 0);
	CHECK(r->nbody == 8 && memcmp(r->body, "a,b\n1,2\n", 8) == 0);
	sigv4_payload_hash(hash, "a,b\n1,2\n", 8);
	CHECK(hdr_is(r, "x-amz-content-sha256", hash));
	CHECK(hdr_is(r, "Content-Type", "text/csv"));
	CHECK(hdr_is(r, "x-amz-meta-owner", "ann"));
	CHECK(hdr_is(r, "x-amz-meta-k-2", "v 2"));
	CHECK(lb_header(r, "If-None-Match") == NULL);
	CHECK(signed_for(r, "us-east-1", BASE_SIGNED "content-type;"
	    "x-amz-meta-k-2;x-amz-meta-owner;"));

	o.if_none_match = 1;
	o.nmeta = 0;
	o.content_type = S("");
	CHECK(s3_put_object(&cl, S("bkt"), S("k"), "", 0, &o, &w, &e) ==
	    S3_ERESPONSE);
	CHECK(e.status == 412 && strcmp(e.code, "PreconditionFailed") == 0);
	r = req(1);
	CHECK(hdr_is(r, "If-None-Match", "*"));
	CHECK(hdr_is(r, "x-amz-content-sha256", SIGV4_EMPTY_SHA256));
	CHECK(lb_header(r, "Content-Type") == NULL);

	CHECK(s3_delete_object(&cl, S("bkt"), S("gone/it"), S(""), &w, &e) ==
	    0);
	CHECK(w.delete_marker && strcmp(w.version_id, "dm1") == 0);
	CHECK(strcmp(req(2)->method, "DELETE") == 0 &&
	    strcmp(req(2)->target, "/bkt/gone/it") == 0);
	CHECK(s3_delete_object(&cl, S("bkt"), S("k"), S("v/1+"), &w, &e) ==
	    0);
	CHECK(strcmp(req(3)->method, "HEAD") == 0 &&
	    strcmp(req(3)->target, "/bkt/k?versionId=v%2F1%2B") == 0);
	CHECK(strcmp(req(4)->method, "DELETE") == 0 &&
	    strcmp(req(4)->target, "/bkt/k?versionId=v%2F1%2B") == 0);
	CHECK(s3_delete_object(&cl, S("bkt"), S("k"), S("nope"), &w, &e) ==
	    S3_ERESPONSE);
	CHECK(e.status == 404 && strcmp(e.code, "NoSuchVersion") == 0);
	CHECK(strcmp(e.request_id, "R404") == 0);
	/* Nothing deleted after the HEAD said no. */
	CHECK(strcmp(req(6)->method, "") == 0);

	CHECK(s3_copy_object(&cl, S("src.b"), S("a b/c+d?"), S("dst"),
	    S("x/y z"), NULL, &w, &e) == 0);
	CHECK(strcmp(w.etag, "\"cp1\"") == 0);
	CHECK(strcmp(w.last_modified, "2026-02-03T04:05:06Z") == 0);
	r = req(6);
	CHECK(strcmp(r->method, "PUT") == 0 &&
	    strcmp(r->target, "/dst/x/y%20z") == 0);
	CHECKF(hdr_is(r, "x-amz-copy-source", "/src.b/a%20b/c%2Bd%3F"),
	    lb_header(r, "x-amz-copy-source"));
	CHECK(lb_header(r, "x-amz-metadata-directive") == NULL);
	CHECK(r->nbody == 0);
	CHECK(signed_for(r, "us-east-1", BASE_SIGNED "x-amz-copy-source;"));
	memset(&o, 0, sizeof(o));
	o.meta = meta;
	o.nmeta = 1;
	CHECK(s3_copy_object(&cl, S("src"), S("k"), S("dst"), S("k2"), &o, &w,
	    &e) == S3_ERESPONSE);
	CHECK(strcmp(e.code, "InternalError") == 0 && e.status == 200);
	CHECK(strcmp(e.request_id, "CPERR") == 0);
	r = req(7);
	CHECK(hdr_is(r, "x-amz-metadata-directive", "REPLACE"));
	CHECK(hdr_is(r, "x-amz-meta-owner", "ann"));
	CHECK(s3_copy_object(&cl, S("src"), S("k"), S("dst"), S("k2"), NULL,
	    &w, &e) == S3_EPROTO);
	stop();
}

/* The bucket's region learned from an answer, followed once. */
static void
test_redirect(void)
{
	static const struct lb_step steps[] = {
		{ 301, "x-amz-request-id: RD1\r\n", "<?xml version=\"1.0\"?>"
		    "<Error><Code>PermanentRedirect</Code><Message>The bucket "
		    "you are attempting to access must be addressed using the "
		    "specified endpoint.</Message><Endpoint>bkt.s3.eu-west-1."
		    "amazonaws.com</Endpoint><Bucket>bkt</Bucket><Region>"
		    "eu-west-1</Region></Error>", 0, 0, 0, 0 },
		{ 200, NULL, buckets_xml, 0, 0, 0, 0 },
		/* Later calls: signed for the region at once. */
		{ 200, "Content-Length: 5\r\n", NULL, 0, 0, 0, 0 },
		/* The header alone, on a 400 to a HEAD. */
		{ 400, "x-amz-bucket-region: ap-south-1\r\n"
		    "Content-Length: 0\r\n", NULL, 0, 0, 0, 0 },
		{ 200, "Content-Length: 6\r\n", NULL, 0, 0, 0, 0 },
		/* Redirected, then redirected again: refused. */
		{ 301, NULL, "<Error><Code>PermanentRedirect</Code><Region>"
		    "us-west-2</Region></Error>", 0, 0, 0, 0 },
		{ 301, NULL, "<Error><Code>PermanentRedirect</Code><Region>"
		    "ca-central-1</Region></Error>", 0, 0, 0, 0 },
		/* A redirect that names no usable region. */
		{ 301, "x-amz-bucket-region: Not A Region!\r\n", "<Error><Code>"
		    "PermanentRedirect</Code></Error>", 0, 0, 0, 0 },
	};
	struct s3_list_params	 p;
	struct s3_listing	 l;
	struct s3_meta		 m;
	struct s3_error		 e;
	struct buf		 url;

	CHECK(start(steps, N(steps)) == 0);
	memset(&p, 0, sizeof(p));
	p.bucket = S("bkt");
	p.max_keys = 5;
	memset(&l, 0, sizeof(l));
	/* (A bucket listing document where a key listing was due: only
	 * the redirect matters here.) */
	(void)s3_list_objects(&cl, &p, &l, &e);
	s3_listing_free(&l);
	CHECK(lb_count(&srv) == 2);
	CHECK(signed_for(req(0), "us-east-1", BASE_SIGNED));
	CHECK(signed_for(req(1), "eu-west-1", BASE_SIGNED));
	CHECK(strcmp(req(0)->target, req(1)->target) == 0);
	memset(&m, 0, sizeof(m));
	CHECK(s3_head_object(&cl, S("bkt"), S("k"), &m, &e) == 0);
	CHECK(m.size == 5 && signed_for(req(2), "eu-west-1", BASE_SIGNED));
	s3_meta_free(&m);
	/* Presigned URLs use the cached region too, without a request. */
	buf_init(&url, 0);
	CHECK(s3_presign(&cl, "GET", S("bkt"), S("a b"), 60, 1767225600, NULL,
	    &url, &e) == 0);
	CHECK(url.p != NULL && strstr(url.p, "%2Feu-west-1%2Fs3%2F") != NULL);
	CHECK(url.p != NULL && strncmp(url.p, endpoint, strlen(endpoint)) ==
	    0 && strncmp(url.p + strlen(endpoint), "/bkt/a%20b?", 11) == 0);
	buf_free(&url);
	CHECK(lb_count(&srv) == 3);

	memset(&m, 0, sizeof(m));
	CHECK(s3_head_object(&cl, S("other"), S("k"), &m, &e) == 0);
	CHECK(m.size == 6);
	CHECK(signed_for(req(3), "us-east-1", BASE_SIGNED));
	CHECK(signed_for(req(4), "ap-south-1", BASE_SIGNED));
	s3_meta_free(&m);

	memset(&m, 0, sizeof(m));
	buf_init(&url, 0);
	CHECK(s3_get_object(&cl, S("third"), S("k"), 0, 5, &url, &m, &e) ==
	    S3_ERESPONSE);
	CHECKF(strstr(e.message, "gave up after one retry") != NULL,
	    e.message);
	CHECK(strstr(e.message, "us-west-2") != NULL && e.region[0] == '\0');
	CHECK(lb_count(&srv) == 7);
	CHECK(s3_get_object(&cl, S("fourth"), S("k"), 0, 5, &url, &m, &e) ==
	    S3_ERESPONSE);
	CHECKF(strstr(e.message, "names no usable region") != NULL, e.message);
	CHECK(lb_count(&srv) == 8);
	CHECK(url.n == 0);
	buf_free(&url);
	s3_meta_free(&m);
	stop();
}

/* Answers that never come, stop halfway or do not end. */
static void
test_hostile(void)
{
	static struct lb_step	 steps[] = {
		{ 0, NULL, NULL, 0, LB_STALL, 0, 0 },
	};
	static const struct lb_step hang[] = {
		{ 0, NULL, NULL, 0, LB_HANGUP, 0, 0 },
	};
	static const struct lb_step junk[] = {
		{ 0, NULL, "SSH-2.0-OpenSSH_9.6\r\n", 0, LB_RAW | LB_CLOSE, 0,
		    0 },
	};
	struct s3_list_params	 p;
	struct s3_listing	 l;
	struct s3_error		 e;
	int64_t			 t0;
	size_t			 i, n;
	int			 rc;

	memset(&p, 0, sizeof(p));
	p.bucket = S("bkt");
	p.max_keys = 1000;
	memset(&l, 0, sizeof(l));

	CHECK(start(steps, N(steps)) == 0);
	t0 = time_now_ms();
	CHECK(s3_list_buckets(&cl, &l, &e) == S3_ETIMEOUT);
	CHECK(time_now_ms() - t0 < 2000 && e.message[0] != '\0');
	s3_listing_free(&l);
	stop();

	CHECK(start(hang, N(hang)) == 0);
	rc = s3_list_buckets(&cl, &l, &e);
	CHECKF(rc == S3_EPROTO || rc == S3_ENET, e.message);
	CHECK(strstr(e.message, "attempts") != NULL);
	CHECK(lb_count(&srv) == 4);
	s3_listing_free(&l);
	stop();

	CHECK(start(junk, N(junk)) == 0);
	rc = s3_list_buckets(&cl, &l, &e);
	CHECKF(rc == S3_EPROTO, e.message);
	s3_listing_free(&l);
	stop();

	/* A listing past HTTP_MAX_XML_BODY: stopped at the limit. */
	{
		char		*huge;
		struct lb_step	 s[1];

		n = HTTP_MAX_XML_BODY + 4096;
		CHECK((huge = malloc(n)) != NULL);
		if (huge == NULL)
			return;
		memcpy(huge, "<ListBucketResult>", 18);
		for (i = 18; i + 4 <= n; i += 4)
			memcpy(huge + i, "<Z/>", 4);
		memset(huge + i, ' ', n - i);
		memset(s, 0, sizeof(s));
		s[0].status = 200;
		s[0].body = huge;
		s[0].nbody = n;
		CHECK(start(s, 1) == 0);
		CHECK(s3_list_objects(&cl, &p, &l, &e) == S3_EPROTO);
		CHECKF(strstr(e.message, "too large") != NULL, e.message);
		s3_listing_free(&l);
		stop();
		free(huge);
	}
}

/* Virtual-hosted addressing: the bucket moves into Host. */
static void
test_vhost(void)
{
	static const struct lb_step steps[] = {
		{ 200, "Content-Length: 1\r\n", NULL, 0, 0, 0, 0 },
	};
	struct s3_meta		 m;
	struct s3_error		 e;
	char			 want[64];

	path_style = "false";
	CHECK(start(steps, N(steps)) == 0);
	memset(&m, 0, sizeof(m));
	CHECK(s3_head_object(&cl, S("bkt"), S("a/b c"), &m, &e) == 0);
	snprintf(want, sizeof(want), "bkt.127.0.0.1:%u", (unsigned)srv.port);
	CHECK(hdr_is(req(0), "Host", want));
	CHECK(strcmp(req(0)->target, "/a/b%20c") == 0);
	/* A name with a dot cannot be a host label here: path style. */
	CHECK(s3_head_object(&cl, S("b.kt"), S("k"), &m, &e) == 0);
	CHECK(strcmp(req(1)->target, "/b.kt/k") == 0);
	s3_meta_free(&m);
	stop();
	path_style = "true";
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_list_buckets();
	test_list_objects();
	test_get_object();
	test_head_and_errors();
	test_writes();
	test_redirect();
	test_hostile();
	test_vhost();
	return unit_done("test_s3");
}
