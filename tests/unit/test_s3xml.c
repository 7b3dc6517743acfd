/*
 * test_s3xml.c - S3's documents as AWS and RGW send them, each fed whole,
 * one byte at a time and split at every point: the callbacks, the result
 * and the result structs must come out the same every way.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "s3xml.h"
#include "unit.h"

#define LOG_BYTES	32768
#define NS		"xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""
#define DECL		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Items as text: "B name|date", "O key|date|etag|size|class", "P prefix". */
struct log {
	char	 buf[LOG_BYTES];
	size_t	 n;
	int	 stop_at;	/* abort on this item (1-based), or 0 */
	int	 items;
};

static void
log_add(struct log *lg, const char *s, size_t n)
{
	if (n > sizeof(lg->buf) - lg->n)
		n = sizeof(lg->buf) - lg->n;
	memcpy(lg->buf + lg->n, s, n);
	lg->n += n;
}

static void
log_slice(struct log *lg, struct slice s, const char *sep)
{
	log_add(lg, s.p, s.n);
	log_add(lg, sep, strlen(sep));
}

static int
on_bucket(void *arg, const struct s3xml_bucket *b)
{
	struct log *lg = arg;

	log_add(lg, "B ", 2);
	log_slice(lg, b->name, "|");
	log_slice(lg, b->creation_date, "\n");
	return ++lg->items == lg->stop_at;
}

static int
on_object(void *arg, const struct s3xml_object *o)
{
	struct log *lg = arg;
	char num[32];

	log_add(lg, "O ", 2);
	log_slice(lg, o->key, "|");
	log_slice(lg, o->last_modified, "|");
	log_slice(lg, o->etag, "|");
	snprintf(num, sizeof(num), "%llu|", (unsigned long long)o->size);
	log_add(lg, num, strlen(num));
	log_slice(lg, o->storage_class, "\n");
	return ++lg->items == lg->stop_at;
}

static int
on_prefix(void *arg, struct slice p)
{
	struct log *lg = arg;

	log_add(lg, "P ", 2);
	log_slice(lg, p, "\n");
	return ++lg->items == lg->stop_at;
}

static const struct s3xml_handler handler = {
	on_bucket, on_object, on_prefix
};

/* The whole-document run stays here for the field checks. */
static struct s3xml P, Q;
static struct log L, M;

/* step 0: [0, cut) then [cut, n); step 1: one byte at a time. */
static int
parse(struct s3xml *p, struct log *lg, int expect, unsigned flags,
    const char *doc, size_t n, int step, size_t cut, int stop_at)
{
	size_t i;
	int rc = 0;

	lg->n = 0;
	lg->items = 0;
	lg->stop_at = stop_at;
	s3xml_init(p, expect, flags, &handler, lg);
	if (step) {
		for (i = 0; i < n && rc == 0; i++)
			rc = s3xml_feed(p, doc + i, 1);
	} else if ((rc = s3xml_feed(p, doc, cut)) == 0)
		rc = s3xml_feed(p, doc + cut, n - cut);
	if (rc == 0)
		rc = s3xml_finish(p);
	return rc;
}

static int
same_results(const struct s3xml *a, const struct s3xml *b)
{
	return a->doc == b->doc && a->xerr == b->xerr &&
	    memcmp(&a->list, &b->list, sizeof(a->list)) == 0 &&
	    memcmp(&a->copy, &b->copy, sizeof(a->copy)) == 0 &&
	    memcmp(&a->error, &b->error, sizeof(a->error)) == 0;
}

static void
run_stop(const char *label, int expect, unsigned flags, const char *doc,
    size_t n, int want_rc, const char *want_log, int stop_at)
{
	size_t cut;
	int rc, rc2, same = 1;

	rc = parse(&P, &L, expect, flags, doc, n, 0, n, stop_at);
	CHECKF(rc == want_rc, label);
	if (rc != want_rc)
		fprintf(stderr, "  got %d (%s; xml %s at %llu), want %d\n",
		    rc, s3xml_strerror(rc), xml_strerror(P.xerr),
		    (unsigned long long)xml_offset(&P.x), want_rc);
	if (want_log != NULL) {
		CHECKF(L.n == strlen(want_log) &&
		    memcmp(L.buf, want_log, L.n) == 0, label);
		if (L.n != strlen(want_log) || memcmp(L.buf, want_log, L.n))
			fprintf(stderr, "  got:\n%.*s  want:\n%s", (int)L.n,
			    L.buf, want_log);
	}
	for (cut = 0; cut <= n + 1; cut++) {
		rc2 = parse(&Q, &M, expect, flags, doc, n, cut > n, cut,
		    stop_at);
		if (rc2 != rc || M.n != L.n || memcmp(M.buf, L.buf, L.n) ||
		    !same_results(&P, &Q)) {
			if (same)
				fprintf(stderr, "  [%s] differs at cut %zu\n",
				    label, cut);
			same = 0;
		}
	}
	CHECKF(same, label);
}

static void
run(const char *label, int expect, unsigned flags, const char *doc,
    int want_rc, const char *want_log)
{
	run_stop(label, expect, flags, doc, strlen(doc), want_rc, want_log,
	    0);
}

static void
test_buckets(void)
{
	static const char doc[] = DECL
	    "<ListAllMyBucketsResult " NS ">"
	    "<Owner><ID>9f0f2b5c8d</ID><DisplayName>Tester</DisplayName>"
	    "</Owner><Buckets>"
	    "<Bucket><Name>alpha</Name>"
	    "<CreationDate>2024-01-02T03:04:05.000Z</CreationDate></Bucket>"
	    "<Bucket><Name>beta.logs-2024</Name>"
	    "<CreationDate>2024-02-03T04:05:06.789Z</CreationDate>"
	    "<BucketRegion>eu-west-1</BucketRegion></Bucket>"
	    "</Buckets></ListAllMyBucketsResult>";

	run("buckets", S3XML_BUCKETS, 0, doc, 0,
	    "B alpha|2024-01-02T03:04:05.000Z\n"
	    "B beta.logs-2024|2024-02-03T04:05:06.789Z\n");
	CHECK(P.doc == S3XML_BUCKETS);
	run("no buckets", S3XML_BUCKETS, 0, "<ListAllMyBucketsResult " NS
	    "><Owner><ID>x</ID></Owner><Buckets/></ListAllMyBucketsResult>",
	    0, "");
	run("bucket without name", S3XML_BUCKETS, 0,
	    "<ListAllMyBucketsResult><Buckets><Bucket><CreationDate>x"
	    "</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>",
	    S3XML_ESHAPE, "");
	run("bucket stops", S3XML_BUCKETS, 0, doc, 0, NULL);
	run_stop("bucket abort", S3XML_BUCKETS, 0, doc, strlen(doc),
	    S3XML_EABORT, "B alpha|2024-01-02T03:04:05.000Z\n", 1);
}

static const char list_v2[] = DECL
    "<ListBucketResult " NS ">"
    "<Name>photos</Name><Prefix>2024/</Prefix>"
    "<ContinuationToken>1-2023/zz.jpg</ContinuationToken>"
    "<MaxKeys>5</MaxKeys><Delimiter>/</Delimiter>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>2024/a.jpg</Key>"
    "<LastModified>2024-03-01T10:00:00.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>"
    "<Size>1048576</Size><StorageClass>STANDARD</StorageClass>"
    "<Owner><ID>o</ID><DisplayName>O</DisplayName></Owner>"
    "<Type>Normal</Type></Contents>\n"
    "<Contents><Key>2024/b &amp; c.mov</Key>"
    "<LastModified>2024-03-02T11:00:00.000Z</LastModified>"
    "<ETag>\"d41d8cd98f00b204e9800998ecf8427e-3\"</ETag>"
    "<Size>18446744073709551615</Size>"
    "<StorageClass>STANDARD_IA</StorageClass></Contents>\n"
    "<Contents><Key>2024/empty</Key>"
    "<LastModified>2024-03-03T12:00:00.000Z</LastModified>"
    "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag>"
    "<Size>0</Size><StorageClass>GLACIER</StorageClass></Contents>\n"
    "<CommonPrefixes><Prefix>2024/raw/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>2024/thumbs/</Prefix></CommonPrefixes>"
    "<KeyCount>5</KeyCount>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    "</NextContinuationToken><StartAfter>2023/</StartAfter>"
    "</ListBucketResult>";

static void
test_list(void)
{
	run("list v2", S3XML_LIST, 0, list_v2, 0,
	    "O 2024/a.jpg|2024-03-01T10:00:00.000Z|"
	    "\"9b2cf535f27731c974343645a3985328\"|1048576|STANDARD\n"
	    "O 2024/b & c.mov|2024-03-02T11:00:00.000Z|"
	    "\"d41d8cd98f00b204e9800998ecf8427e-3\"|18446744073709551615|"
	    "STANDARD_IA\n"
	    "O 2024/empty|2024-03-03T12:00:00.000Z|"
	    "\"d41d8cd98f00b204e9800998ecf8427e\"|0|GLACIER\n"
	    "P 2024/raw/\nP 2024/thumbs/\n");
	CHECK(P.doc == S3XML_LIST);
	CHECK(P.list.is_truncated == 1);
	CHECK(P.list.key_count == 5);
	CHECK(P.list.max_keys == 5);
	CHECK(strcmp(P.list.prefix, "2024/") == 0);
	CHECK(strcmp(P.list.delimiter, "/") == 0);
	CHECK(strcmp(P.list.start_after, "2023/") == 0);
	CHECK(strcmp(P.list.token, "1-2023/zz.jpg") == 0);
	CHECK(strcmp(P.list.next_token,
	    "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=") == 0);
	CHECK(P.list.url == 0);
	CHECK(P.list.present == (S3XML_L_TRUNCATED | S3XML_L_NEXT_TOKEN |
	    S3XML_L_KEY_COUNT | S3XML_L_PREFIX | S3XML_L_DELIMITER |
	    S3XML_L_MAX_KEYS | S3XML_L_START_AFTER | S3XML_L_TOKEN));

	run("list last page", S3XML_LIST, 0, "<ListBucketResult " NS ">"
	    "<Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount>"
	    "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
	    "</ListBucketResult>", 0, "");
	CHECK(P.list.is_truncated == 0 && P.list.key_count == 0);
	CHECK(P.list.max_keys == 1000 && P.list.prefix[0] == '\0');
	CHECK(!(P.list.present & S3XML_L_NEXT_TOKEN));

	run("keys with references", S3XML_LIST, 0,
	    "<ListBucketResult><Contents><Key>a&amp;b&lt;c&gt;&#x1F600;"
	    "&quot;&apos;&#233;</Key><Size>1</Size></Contents>"
	    "<CommonPrefixes><Prefix>&lt;dir&gt;/</Prefix></CommonPrefixes>"
	    "</ListBucketResult>", 0,
	    "O a&b<c>\xF0\x9F\x98\x80\"'\xC3\xA9|||1|\n"
	    "P <dir>/\n");
	run("key with cdata", S3XML_LIST, 0,
	    "<ListBucketResult><Contents><Key><![CDATA[a<b>&c]]></Key>"
	    "</Contents></ListBucketResult>", 0, "O a<b>&c|||0|\n");
}

static void
test_url(void)
{
	static const char aws[] = DECL
	    "<ListBucketResult " NS "><Name>b</Name>"
	    "<Prefix>dir+1%2F</Prefix><KeyCount>4</KeyCount>"
	    "<MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter>"
	    "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
	    "<Contents><Key>dir+1%2Fa+b%2Bc%0A</Key><Size>3</Size></Contents>"
	    "<Contents><Key>dir+1%2F100%25.txt</Key><Size>4</Size>"
	    "</Contents>"
	    "<Contents><Key>dir+1%2F%E6%97%A5%E6%9C%AC%E8%AA%9E.txt</Key>"
	    "<Size>5</Size></Contents>"
	    "<Contents><Key>dir+1%2Fctl%01%7f%0d</Key><Size>6</Size>"
	    "</Contents>"
	    "<CommonPrefixes><Prefix>dir+1%2Fsub%20dir%2F</Prefix>"
	    "</CommonPrefixes><StartAfter>dir+1%2F%21</StartAfter>"
	    "</ListBucketResult>";
	/* RGW: %20 for space and EncodingType after the entries. */
	static const char rgw[] = DECL
	    "<ListBucketResult " NS "><Name>b</Name>"
	    "<Prefix>dir%201%2F</Prefix><MaxKeys>1000</MaxKeys>"
	    "<Delimiter>%2F</Delimiter><IsTruncated>false</IsTruncated>"
	    "<Contents><Key>dir%201%2Fa%20b%2Bc%0A</Key><Size>3</Size>"
	    "</Contents><CommonPrefixes><Prefix>dir%201%2Fsub%20dir%2F"
	    "</Prefix></CommonPrefixes><KeyCount>2</KeyCount>"
	    "<EncodingType>url</EncodingType></ListBucketResult>";
	static const char *late = "<ListBucketResult><Contents>"
	    "<Key>a%2Bb</Key></Contents><EncodingType>url</EncodingType>"
	    "</ListBucketResult>";
	static const char *late_plain = "<ListBucketResult><Contents>"
	    "<Key>ab</Key></Contents><EncodingType>url</EncodingType>"
	    "<Contents><Key>a+b</Key></Contents></ListBucketResult>";
	static const char *never = "<ListBucketResult><Contents>"
	    "<Key>a%2Bb</Key></Contents></ListBucketResult>";
	static const char *never_plain = "<ListBucketResult><Contents>"
	    "<Key>ab</Key></Contents></ListBucketResult>";
	static const struct {
		const char	*key;
		int		 rc;
	} bad[] = {
		{ "%zz", S3XML_EENCODING }, { "a%4", S3XML_EENCODING },
		{ "a%", S3XML_EENCODING }, { "%00", S3XML_EENCODING },
		{ "%4g", S3XML_EENCODING }, { "%%41", S3XML_EENCODING },
		{ "%41%42", 0 }, { "%c3%A9", 0 },
	};
	char doc[512];
	size_t i;

	run("url aws", S3XML_LIST, S3XML_URL, aws, 0,
	    "O dir 1/a b+c\n|||3|\n"
	    "O dir 1/100%.txt|||4|\n"
	    "O dir 1/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E.txt|||5|\n"
	    "O dir 1/ctl\x01\x7F\r|||6|\n"
	    "P dir 1/sub dir/\n");
	CHECK(P.list.url == 1);
	CHECK(strcmp(P.list.prefix, "dir 1/") == 0);
	CHECK(strcmp(P.list.delimiter, "/") == 0);
	CHECK(strcmp(P.list.start_after, "dir 1/!") == 0);
	/* Unasked, the Prefix went by as is before EncodingType said url. */
	run("url unasked", S3XML_LIST, 0, aws, S3XML_EENCODING, "");
	/* Announced before any value it changes: decoded. */
	run("url unasked early", S3XML_LIST, 0, "<ListBucketResult>"
	    "<EncodingType>url</EncodingType><Prefix>a+b</Prefix><Contents>"
	    "<Key>a+b%2F</Key></Contents></ListBucketResult>", 0,
	    "O a b/|||0|\n");
	CHECK(P.list.url == 1 && strcmp(P.list.prefix, "a b") == 0);

	run("url rgw", S3XML_LIST, S3XML_URL, rgw, 0,
	    "O dir 1/a b+c\n|||3|\nP dir 1/sub dir/\n");
	CHECK(P.list.url == 1 && P.list.key_count == 2);
	run("url rgw unasked", S3XML_LIST, 0, rgw, S3XML_EENCODING, NULL);

	run("url late", S3XML_LIST, S3XML_URL, late, 0, "O a+b|||0|\n");
	run("url late unasked", S3XML_LIST, 0, late, S3XML_EENCODING,
	    "O a%2Bb|||0|\n");
	run("url late harmless", S3XML_LIST, 0, late_plain, 0,
	    "O ab|||0|\nO a b|||0|\n");
	run("url never", S3XML_LIST, S3XML_URL, never, S3XML_EENCODING,
	    "O a+b|||0|\n");
	run("url never harmless", S3XML_LIST, S3XML_URL, never_plain, 0,
	    "O ab|||0|\n");
	run("url unknown type", S3XML_LIST, 0, "<ListBucketResult>"
	    "<EncodingType>base64</EncodingType></ListBucketResult>",
	    S3XML_EENCODING, "");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "<ListBucketResult><EncodingType>"
		    "url</EncodingType><Contents><Key>%s</Key></Contents>"
		    "</ListBucketResult>", bad[i].key);
		run(bad[i].key, S3XML_LIST, S3XML_URL, doc, bad[i].rc, NULL);
	}
}

static char big[16384];
static char want[4096];

/* A Key of n bytes, written as is or as "%41" each. */
static void
check_key(size_t n, int encoded, int want_rc)
{
	size_t d = 0, i;

	d += (size_t)sprintf(big, "<ListBucketResult>%s<Contents><Key>",
	    encoded ? "<EncodingType>url</EncodingType>" : "");
	for (i = 0; i < n; i++)
		d += (size_t)sprintf(big + d, "%s", encoded ? "%41" : "A");
	sprintf(big + d, "</Key></Contents></ListBucketResult>");
	memcpy(want, "O ", 2);
	memset(want + 2, 'A', n);
	sprintf(want + 2 + n, "|||0|\n");
	run(want_rc == 0 ? "key N" : "key N+1", S3XML_LIST,
	    encoded ? S3XML_URL : 0, big, want_rc, want_rc == 0 ? want : "");
}

static void
test_values(void)
{
	static const struct {
		const char	*label;
		const char	*doc;
		int		 rc;
		const char	*log;
	} t[] = {
		{ "size negative", "<Contents><Key>k</Key><Size>-1</Size>"
		    "</Contents>", S3XML_EVALUE, "" },
		{ "size garbage", "<Contents><Key>k</Key><Size>12a</Size>"
		    "</Contents>", S3XML_EVALUE, "" },
		{ "size empty", "<Contents><Key>k</Key><Size></Size>"
		    "</Contents>", S3XML_EVALUE, "" },
		{ "size space", "<Contents><Key>k</Key><Size> 5</Size>"
		    "</Contents>", S3XML_EVALUE, "" },
		{ "size plus", "<Contents><Key>k</Key><Size>+5</Size>"
		    "</Contents>", S3XML_EVALUE, "" },
		{ "size 2^64", "<Contents><Key>k</Key>"
		    "<Size>18446744073709551616</Size></Contents>",
		    S3XML_EVALUE, "" },
		{ "size huge", "<Contents><Key>k</Key>"
		    "<Size>99999999999999999999999</Size></Contents>",
		    S3XML_EVALUE, "" },
		{ "size leading zero", "<Contents><Key>k</Key><Size>007</Size>"
		    "</Contents>", 0, "O k|||7|\n" },
		{ "truncated yes", "<IsTruncated>yes</IsTruncated>",
		    S3XML_EVALUE, "" },
		{ "truncated True", "<IsTruncated>True</IsTruncated>",
		    S3XML_EVALUE, "" },
		{ "key count bad", "<KeyCount>1.0</KeyCount>",
		    S3XML_EVALUE, "" },
		{ "max keys bad", "<MaxKeys>-1</MaxKeys>", S3XML_EVALUE, "" },
		{ "no key", "<Contents><Size>1</Size></Contents>",
		    S3XML_ESHAPE, "" },
		{ "empty contents", "<Contents/>", S3XML_ESHAPE, "" },
		{ "key with element", "<Contents><Key><b/></Key></Contents>",
		    S3XML_ESHAPE, "" },
		{ "two keys", "<Contents><Key>a</Key><Key>b</Key></Contents>",
		    S3XML_ESHAPE, "" },
		{ "two sizes", "<Contents><Key>a</Key><Size>1</Size>"
		    "<Size>1</Size></Contents>", S3XML_ESHAPE, "" },
		{ "two tokens", "<NextContinuationToken>a"
		    "</NextContinuationToken><NextContinuationToken>b"
		    "</NextContinuationToken>", S3XML_ESHAPE, "" },
		/* 128 bytes: one past the field. */
		{ "etag long", "<Contents><Key>k</Key><ETag>"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "01234567"
		    "</ETag></Contents>", S3XML_ELONG, "" },
		{ "unknown ignored", "<Foo><Key>x</Key><Contents>y</Contents>"
		    "</Foo><Contents><Key>k</Key><Bar><Size>x</Size></Bar>"
		    "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm></Contents>"
		    "<Marker/>", 0, "O k|||0|\n" },
		{ "prefix outside", "<Contents><Key>k</Key><Prefix>p</Prefix>"
		    "</Contents><CommonPrefixes><Key>x</Key><Prefix>a/"
		    "</Prefix><Prefix>b/</Prefix></CommonPrefixes>", 0,
		    "O k|||0|\nP a/\nP b/\n" },
		{ "namespace prefix", "<s3:Contents><s3:Key>k</s3:Key>"
		    "</s3:Contents>", 0, "O k|||0|\n" },
	};
	char doc[1024];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(doc, sizeof(doc), "<ListBucketResult>%s"
		    "</ListBucketResult>", t[i].doc);
		run(t[i].label, S3XML_LIST, 0, doc, t[i].rc, t[i].log);
	}
	check_key(S3_MAX_KEY_BYTES, 0, 0);
	check_key(S3_MAX_KEY_BYTES + 1, 0, S3XML_ELONG);
	check_key(S3_MAX_KEY_BYTES, 1, 0);
	check_key(S3_MAX_KEY_BYTES + 1, 1, S3XML_ELONG);
}

static void
test_errors(void)
{
	static const char nosuchkey[] = DECL
	    "<Error><Code>NoSuchKey</Code>"
	    "<Message>The specified key does not exist.</Message>"
	    "<Key>missing/file &amp; more.txt</Key>"
	    "<RequestId>4442587FB7D0A2F9</RequestId>"
	    "<HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7"
	    "UDNEHGran</HostId></Error>";
	static const char sigmismatch[] = DECL
	    "<Error><Code>SignatureDoesNotMatch</Code><Message/>"
	    "<BucketName>photos</BucketName>"
	    "<RequestId>tx0000023b3a4a6c7a4c1f2-0065f1a2b3-1044-default"
	    "</RequestId><HostId>1044-default-default</HostId></Error>";
	static const char redirect[] = DECL
	    "<Error><Code>PermanentRedirect</Code><Message>The bucket you are "
	    "attempting to access must be addressed using the specified "
	    "endpoint. Please send all future requests to this endpoint."
	    "</Message><Endpoint>photos.s3.eu-west-1.amazonaws.com</Endpoint>"
	    "<Bucket>photos</Bucket><Region>eu-west-1</Region>"
	    "<Resource>/photos/2024/a.jpg</Resource>"
	    "<RequestId>0A1B2C3D</RequestId><HostId>h</HostId></Error>";
	static char longmsg[2048];
	size_t n, i;

	run("NoSuchKey", S3XML_LIST, 0, nosuchkey, 0, "");
	CHECK(P.doc == S3XML_ERROR);
	CHECK(strcmp(P.error.code, "NoSuchKey") == 0);
	CHECK(strcmp(P.error.message,
	    "The specified key does not exist.") == 0);
	CHECK(strcmp(P.error.key, "missing/file & more.txt") == 0);
	CHECK(strcmp(P.error.request_id, "4442587FB7D0A2F9") == 0);
	CHECK(strncmp(P.error.host_id, "eftixk72", 8) == 0);
	CHECK(P.error.present == (S3XML_E_CODE | S3XML_E_MESSAGE |
	    S3XML_E_KEY | S3XML_E_REQUEST_ID | S3XML_E_HOST_ID));
	CHECK(P.error.truncated == 0);

	run("SignatureDoesNotMatch", S3XML_BUCKETS, 0, sigmismatch, 0, "");
	CHECK(P.doc == S3XML_ERROR);
	CHECK(strcmp(P.error.code, "SignatureDoesNotMatch") == 0);
	CHECK(P.error.message[0] == '\0');
	CHECK(P.error.present & S3XML_E_MESSAGE);
	CHECK(strcmp(P.error.bucket_name, "photos") == 0);
	CHECK(!(P.error.present & S3XML_E_REGION));

	run("PermanentRedirect", S3XML_ERROR, 0, redirect, 0, "");
	CHECK(strcmp(P.error.code, "PermanentRedirect") == 0);
	CHECK(strcmp(P.error.endpoint,
	    "photos.s3.eu-west-1.amazonaws.com") == 0);
	CHECK(strcmp(P.error.region, "eu-west-1") == 0);
	CHECK(strcmp(P.error.bucket_name, "photos") == 0);
	CHECK(strcmp(P.error.resource, "/photos/2024/a.jpg") == 0);
	CHECK(P.error.truncated == 0);

	/* A long message is cut before a character, never inside one. */
	n = (size_t)sprintf(longmsg, "<Error><Code>InternalError</Code>"
	    "<Message>");
	for (i = 0; i < 509; i++)
		longmsg[n++] = 'm';
	for (i = 0; i < 10; i++)
		n += (size_t)sprintf(longmsg + n, "\xE2\x82\xAC");
	sprintf(longmsg + n, "</Message></Error>");
	run("long message", S3XML_COPY, 0, longmsg, 0, "");
	CHECK(P.error.truncated == S3XML_E_MESSAGE);
	CHECK(strlen(P.error.message) == 509);
	CHECK(strcmp(P.error.code, "InternalError") == 0);

	run("error in copy", S3XML_COPY, 0, "<Error><Code>SlowDown</Code>"
	    "<Message>Reduce your request rate.</Message></Error>", 0, "");
	CHECK(P.doc == S3XML_ERROR && strcmp(P.error.code, "SlowDown") == 0);
}

static void
test_copy(void)
{
	run("copy", S3XML_COPY, 0, DECL "<CopyObjectResult " NS ">"
	    "<LastModified>2024-05-06T07:08:09.000Z</LastModified>"
	    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>"
	    "<ChecksumCRC32>AAAAAA==</ChecksumCRC32></CopyObjectResult>",
	    0, "");
	CHECK(P.doc == S3XML_COPY);
	CHECK(strcmp(P.copy.etag,
	    "\"9b2cf535f27731c974343645a3985328\"") == 0);
	CHECK(strcmp(P.copy.last_modified, "2024-05-06T07:08:09.000Z") == 0);
}

static void
test_documents(void)
{
	run("wrong root", S3XML_LIST, 0, "<ListAllMyBucketsResult>"
	    "</ListAllMyBucketsResult>", S3XML_EDOC, "");
	run("html", S3XML_LIST, 0, "<html><body>502</body></html>",
	    S3XML_EDOC, "");
	run("truncated", S3XML_LIST, 0, "<ListBucketResult><Contents>"
	    "<Key>a</Key></Contents>", S3XML_EXML, "O a|||0|\n");
	CHECK(P.xerr == XML_ETRUNC);
	run("doctype", S3XML_LIST, 0, "<!DOCTYPE x [<!ENTITY a \"b\">]>"
	    "<ListBucketResult/>", S3XML_EXML, "");
	CHECK(P.xerr == XML_EDOCTYPE);
	run("empty body", S3XML_ERROR, 0, "", S3XML_EXML, "");
	CHECK(P.xerr == XML_ETRUNC);
	CHECK(s3xml_feed(&P, "<x/>", 4) == S3XML_EXML);
	CHECK(s3xml_strerror(S3XML_ESHAPE)[0] != '\0');
	CHECK(s3xml_strerror(-99)[0] != '\0');
}

int
main(void)
{
	test_buckets();
	test_list();
	test_url();
	test_values();
	test_errors();
	test_copy();
	test_documents();
	return unit_done("test_s3xml");
}
