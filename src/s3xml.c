/*
 * s3xml.c - S3's XML documents on top of the streaming scanner: a few
 * containers tracked by depth, one item collected at a time.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "s3xml.h"

/* Containers open at depth 2 (in2) and 3 (in3). */
#define C_NONE		0
#define C_CONTENTS	1
#define C_PREFIXES	2
#define C_BUCKETS	3
#define C_BUCKET	4

/* Fields seen in the current item. */
#define I_KEY		0x01u	/* Key, or a bucket's Name */
#define I_DATE		0x02u
#define I_ETAG		0x04u
#define I_SIZE		0x08u
#define I_CLASS		0x10u

/* Private bits of s3xml.flags, above the public S3XML_URL. */
#define F_DECODED	0x100u	/* a value with '%' or '+' was decoded */
#define F_RAW		0x200u	/* a value with '%' or '+' was kept */

static int
is(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* S3 writes no prefixes, but a namespace prefix must not hide a name. */
static struct slice
local_name(struct slice s)
{
	size_t i;

	for (i = s.n; i > 0; i--)
		if (s.p[i - 1] == ':') {
			s.p += i;
			s.n -= i;
			break;
		}
	return s;
}

/*
 * Strict percent-decoding as S3 encodes keys: "%XX" is a byte, '+' a
 * space.  At most cap bytes are written.
 */
static int
pct_decode(struct slice in, char *out, size_t cap, size_t *outlen)
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	for (i = 0; i < in.n; i++) {
		c = in.p[i];
		if (c == '%') {
			if (in.n - i < 3 ||
			    (hi = hex_digit((unsigned char)in.p[i + 1])) < 0 ||
			    (lo = hex_digit((unsigned char)in.p[i + 2])) < 0)
				return S3XML_EENCODING;
			/* A NUL would cut every C string made of the key. */
			if (hi == 0 && lo == 0)
				return S3XML_EENCODING;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (n == cap)
			return S3XML_ELONG;
		out[n++] = c;
	}
	*outlen = n;
	return 0;
}

/* A decimal unsigned 64-bit integer and nothing else. */
static int
dec_u64(struct slice s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (s.n == 0)
		return S3XML_EVALUE;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return S3XML_EVALUE;
		d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return S3XML_EVALUE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
copy_value(struct slice v, char *dst, size_t size, size_t *len)
{
	if (v.n >= size)
		return S3XML_ELONG;
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	if (len != NULL)
		*len = v.n;
	return 0;
}

/*
 * A value that S3 url-encodes on request (Key, Prefix, Delimiter,
 * StartAfter): decoded when url is in force, copied as is otherwise, and
 * remembered when the choice mattered so a late EncodingType is caught.
 */
static int
key_value(struct s3xml *p, struct slice v, char *dst, size_t *len)
{
	size_t n;
	int rc, special;

	special = memchr(v.p, '%', v.n) != NULL ||
	    memchr(v.p, '+', v.n) != NULL;
	if ((p->flags & S3XML_URL) || p->list.url) {
		if (special)
			p->flags |= F_DECODED;
		if ((rc = pct_decode(v, dst, S3_MAX_KEY_BYTES, &n)) != 0)
			return rc;
	} else {
		if (special)
			p->flags |= F_RAW;
		if (v.n > S3_MAX_KEY_BYTES)
			return S3XML_ELONG;
		memcpy(dst, v.p, v.n);
		n = v.n;
	}
	dst[n] = '\0';
	if (len != NULL)
		*len = n;
	return 0;
}

static int
item_field(struct s3xml *p, unsigned bit)
{
	if (p->seen & bit)
		return S3XML_ESHAPE;
	p->seen |= bit;
	return 0;
}

static void
item_reset(struct s3xml *p)
{
	p->seen = 0;
	p->size = 0;
	p->keylen = p->datelen = p->etaglen = p->classlen = 0;
	p->key[0] = p->date[0] = p->etag[0] = p->sclass[0] = '\0';
}

static int
bucket_field(struct s3xml *p, struct slice name, struct slice v)
{
	int rc;

	if (is(name, "Name")) {
		if ((rc = item_field(p, I_KEY)) != 0)
			return rc;
		return copy_value(v, p->key, S3XML_NAME_SIZE, &p->keylen);
	}
	if (is(name, "CreationDate")) {
		if ((rc = item_field(p, I_DATE)) != 0)
			return rc;
		return copy_value(v, p->date, sizeof(p->date), &p->datelen);
	}
	return 0;
}

static int
bucket_done(struct s3xml *p)
{
	struct s3xml_bucket b;

	if (!(p->seen & I_KEY))
		return S3XML_ESHAPE;
	if (p->h == NULL || p->h->bucket == NULL)
		return 0;
	b.name.p = p->key;
	b.name.n = p->keylen;
	b.creation_date.p = p->date;
	b.creation_date.n = p->datelen;
	return p->h->bucket(p->arg, &b) != 0 ? S3XML_EABORT : 0;
}

static int
object_field(struct s3xml *p, struct slice name, struct slice v)
{
	int rc;

	if (is(name, "Key")) {
		if ((rc = item_field(p, I_KEY)) != 0)
			return rc;
		return key_value(p, v, p->key, &p->keylen);
	}
	if (is(name, "LastModified")) {
		if ((rc = item_field(p, I_DATE)) != 0)
			return rc;
		return copy_value(v, p->date, sizeof(p->date), &p->datelen);
	}
	if (is(name, "ETag")) {
		if ((rc = item_field(p, I_ETAG)) != 0)
			return rc;
		return copy_value(v, p->etag, sizeof(p->etag), &p->etaglen);
	}
	if (is(name, "Size")) {
		if ((rc = item_field(p, I_SIZE)) != 0)
			return rc;
		return dec_u64(v, &p->size);
	}
	if (is(name, "StorageClass")) {
		if ((rc = item_field(p, I_CLASS)) != 0)
			return rc;
		return copy_value(v, p->sclass, sizeof(p->sclass),
		    &p->classlen);
	}
	return 0;
}

static int
object_done(struct s3xml *p)
{
	struct s3xml_object o;

	if (!(p->seen & I_KEY))
		return S3XML_ESHAPE;
	if (p->h == NULL || p->h->object == NULL)
		return 0;
	o.key.p = p->key;
	o.key.n = p->keylen;
	o.last_modified.p = p->date;
	o.last_modified.n = p->datelen;
	o.etag.p = p->etag;
	o.etag.n = p->etaglen;
	o.storage_class.p = p->sclass;
	o.storage_class.n = p->classlen;
	o.size = p->size;
	return p->h->object(p->arg, &o) != 0 ? S3XML_EABORT : 0;
}

static int
prefix_done(struct s3xml *p, struct slice v)
{
	struct slice s;
	int rc;

	if ((rc = key_value(p, v, p->key, &s.n)) != 0)
		return rc;
	s.p = p->key;
	if (p->h == NULL || p->h->prefix == NULL)
		return 0;
	return p->h->prefix(p->arg, s) != 0 ? S3XML_EABORT : 0;
}

static int
list_seen(struct s3xml_listing *l, unsigned bit)
{
	if (l->present & bit)
		return S3XML_ESHAPE;
	l->present |= bit;
	return 0;
}

static int
list_field(struct s3xml *p, struct slice name, struct slice v)
{
	struct s3xml_listing *l = &p->list;
	int rc;

	if (is(name, "IsTruncated")) {
		if ((rc = list_seen(l, S3XML_L_TRUNCATED)) != 0)
			return rc;
		if (is(v, "true"))
			l->is_truncated = 1;
		else if (!is(v, "false"))
			return S3XML_EVALUE;
		return 0;
	}
	if (is(name, "KeyCount")) {
		if ((rc = list_seen(l, S3XML_L_KEY_COUNT)) != 0)
			return rc;
		return dec_u64(v, &l->key_count);
	}
	if (is(name, "MaxKeys")) {
		if ((rc = list_seen(l, S3XML_L_MAX_KEYS)) != 0)
			return rc;
		return dec_u64(v, &l->max_keys);
	}
	if (is(name, "NextContinuationToken")) {
		if ((rc = list_seen(l, S3XML_L_NEXT_TOKEN)) != 0)
			return rc;
		return copy_value(v, l->next_token, sizeof(l->next_token),
		    NULL);
	}
	if (is(name, "ContinuationToken")) {
		if ((rc = list_seen(l, S3XML_L_TOKEN)) != 0)
			return rc;
		return copy_value(v, l->token, sizeof(l->token), NULL);
	}
	if (is(name, "Prefix")) {
		if ((rc = list_seen(l, S3XML_L_PREFIX)) != 0)
			return rc;
		return key_value(p, v, l->prefix, NULL);
	}
	if (is(name, "Delimiter")) {
		if ((rc = list_seen(l, S3XML_L_DELIMITER)) != 0)
			return rc;
		return key_value(p, v, l->delimiter, NULL);
	}
	if (is(name, "StartAfter")) {
		if ((rc = list_seen(l, S3XML_L_START_AFTER)) != 0)
			return rc;
		return key_value(p, v, l->start_after, NULL);
	}
	if (is(name, "EncodingType")) {
		if ((rc = list_seen(l, S3XML_L_ENCODING)) != 0)
			return rc;
		/* Values already taken as is would now mean something else. */
		if (!is(v, "url") || (p->flags & F_RAW))
			return S3XML_EENCODING;
		l->url = 1;
		return 0;
	}
	return 0;
}

/* Copy at most size - 1 bytes, never splitting a UTF-8 character. */
static void
error_copy(struct s3xml_error *e, unsigned bit, struct slice v, char *dst,
    size_t size)
{
	size_t n = v.n;

	e->present |= bit;
	e->truncated &= ~bit;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)v.p[n] & 0xC0) == 0x80)
			n--;
		e->truncated |= bit;
	}
	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

static int
error_field(struct s3xml *p, struct slice name, struct slice v)
{
#define EF(n, b, m)	{ n, b, offsetof(struct s3xml_error, m),	\
	    sizeof(((struct s3xml_error *)0)->m) }
	static const struct {
		const char	*name;
		unsigned	 bit;
		size_t		 off;
		size_t		 size;
	} f[] = {
		EF("Code", S3XML_E_CODE, code),
		EF("Message", S3XML_E_MESSAGE, message),
		EF("RequestId", S3XML_E_REQUEST_ID, request_id),
		EF("HostId", S3XML_E_HOST_ID, host_id),
		EF("Resource", S3XML_E_RESOURCE, resource),
		EF("BucketName", S3XML_E_BUCKET, bucket_name),
		/* PermanentRedirect names the bucket this way. */
		EF("Bucket", S3XML_E_BUCKET, bucket_name),
		EF("Key", S3XML_E_KEY, key),
		EF("Region", S3XML_E_REGION, region),
		EF("Endpoint", S3XML_E_ENDPOINT, endpoint),
	};
#undef EF
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (is(name, f[i].name))
			error_copy(&p->error, f[i].bit, v,
			    (char *)&p->error + f[i].off, f[i].size);
	return 0;
}

static int
copy_field(struct s3xml *p, struct slice name, struct slice v)
{
	if (is(name, "ETag"))
		return copy_value(v, p->copy.etag, sizeof(p->copy.etag),
		    NULL);
	if (is(name, "LastModified"))
		return copy_value(v, p->copy.last_modified,
		    sizeof(p->copy.last_modified), NULL);
	return 0;
}

static int
on_open(struct s3xml *p, unsigned depth, struct slice name)
{
	if (depth == 1) {
		if (is(name, "ListAllMyBucketsResult"))
			p->doc = S3XML_BUCKETS;
		else if (is(name, "ListBucketResult"))
			p->doc = S3XML_LIST;
		else if (is(name, "CopyObjectResult"))
			p->doc = S3XML_COPY;
		else if (is(name, "Error"))
			p->doc = S3XML_ERROR;
		if (p->doc != p->expect && p->doc != S3XML_ERROR)
			return S3XML_EDOC;
	} else if (depth == 2) {
		p->in2 = C_NONE;
		if (p->doc == S3XML_LIST && is(name, "Contents")) {
			p->in2 = C_CONTENTS;
			item_reset(p);
		} else if (p->doc == S3XML_LIST && is(name, "CommonPrefixes"))
			p->in2 = C_PREFIXES;
		else if (p->doc == S3XML_BUCKETS && is(name, "Buckets"))
			p->in2 = C_BUCKETS;
	} else if (depth == 3) {
		p->in3 = C_NONE;
		if (p->in2 == C_BUCKETS && is(name, "Bucket")) {
			p->in3 = C_BUCKET;
			item_reset(p);
		}
	}
	return 0;
}

static int
on_close(struct s3xml *p, const struct xml_event *ev, struct slice name)
{
	int in;

	if (ev->depth == 3) {
		in = p->in3;
		p->in3 = C_NONE;
		if (in == C_BUCKET)
			return bucket_done(p);
	} else if (ev->depth == 2) {
		in = p->in2;
		p->in2 = C_NONE;
		if (in == C_CONTENTS)
			return object_done(p);
		if (in != C_NONE)
			return 0;
	}
	/* A known name with child elements is not that field: skip it. */
	if (!ev->leaf)
		return 0;
	if (ev->depth == 4 && p->in3 == C_BUCKET)
		return bucket_field(p, name, ev->text);
	if (ev->depth == 3 && p->in2 == C_CONTENTS)
		return object_field(p, name, ev->text);
	if (ev->depth == 3 && p->in2 == C_PREFIXES && is(name, "Prefix"))
		return prefix_done(p, ev->text);
	if (ev->depth == 2) {
		if (p->doc == S3XML_LIST)
			return list_field(p, name, ev->text);
		if (p->doc == S3XML_ERROR)
			return error_field(p, name, ev->text);
		if (p->doc == S3XML_COPY)
			return copy_field(p, name, ev->text);
	}
	return 0;
}

static int
on_event(void *arg, const struct xml_event *ev)
{
	struct s3xml *p = arg;
	struct slice name = local_name(ev->name);
	int rc;

	if (ev->type == XML_OPEN)
		rc = on_open(p, ev->depth, name);
	else
		rc = on_close(p, ev, name);
	if (rc != 0) {
		p->err = rc;
		return 1;
	}
	return 0;
}

/* The scanner's answer as ours; on_event set p->err if it stopped it. */
static int
settle(struct s3xml *p, int rc)
{
	if (rc != 0 && p->err == 0) {
		p->xerr = rc;
		p->err = S3XML_EXML;
	}
	return p->err;
}

/* see s3xml.h */
void
s3xml_init(struct s3xml *p, int expect, unsigned flags,
    const struct s3xml_handler *h, void *arg)
{
	memset(p, 0, offsetof(struct s3xml, x));
	p->expect = expect;
	p->flags = flags & S3XML_URL;
	p->h = h;
	p->arg = arg;
	xml_init(&p->x, on_event, p);
}

/* see s3xml.h */
int
s3xml_feed(struct s3xml *p, const char *s, size_t n)
{
	if (p->err != 0)
		return p->err;
	return settle(p, xml_feed(&p->x, s, n));
}

/* see s3xml.h */
int
s3xml_finish(struct s3xml *p)
{
	if (p->err != 0)
		return p->err;
	if (settle(p, xml_finish(&p->x)) != 0)
		return p->err;
	/* We decoded on the request's word; the server never confirmed it. */
	if (p->doc == S3XML_LIST && (p->flags & F_DECODED) && !p->list.url)
		p->err = S3XML_EENCODING;
	return p->err;
}

/* see s3xml.h */
const char *
s3xml_strerror(int e)
{
	switch (e) {
	case 0:
		return "no error";
	case S3XML_EXML:
		return "malformed XML";
	case S3XML_EDOC:
		return "unexpected XML document";
	case S3XML_EVALUE:
		return "malformed number or boolean";
	case S3XML_EENCODING:
		return "bad url encoding in listing";
	case S3XML_ELONG:
		return "value too long";
	case S3XML_ESHAPE:
		return "listing entry missing or repeating a field";
	case S3XML_EABORT:
		return "stopped by the caller";
	}
	return "unknown S3 XML error";
}
