/*
 * fuzz_xml.c - fuzz target for the streaming XML scanner and the S3
 * document parser on top of it.
 *
 * Each input is scanned whole, one byte at a time, and in chunks whose
 * sizes come from a generator seeded by the input itself.  The three
 * runs must agree on the result, the error offset and the event sequence
 * (compared by count and a 64-bit FNV-1a hash of every event's type,
 * depth, name and text).  Events must keep the scanner's promises: depth
 * within XML_MAX_DEPTH and in step, names and text within their limits
 * and valid UTF-8, text only on closing a leaf.  Then the S3 parser runs
 * the input as each kind of document, the same three ways, and must agree
 * with itself on result, callbacks and result structs: each kind whole,
 * and one kind (picked by the input's hash) also byte by byte or in
 * chunks, which keeps an execution cheap while the campaign covers every
 * kind split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3xml.h"
#include "util.h"
#include "xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

struct trace {
	uint64_t	 hash;
	uint64_t	 count;
	unsigned	 depth;
};

static void
mix(struct trace *t, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		t->hash ^= s[i];
		t->hash *= 0x100000001b3ull;
	}
}

static void
mix_slice(struct trace *t, struct slice s)
{
	mix(t, &s.n, sizeof(s.n));
	mix(t, s.p, s.n);
}

static void
trace_init(struct trace *t)
{
	t->hash = 0xcbf29ce484222325ull;
	t->count = 0;
	t->depth = 0;
}

static int
on_xml(void *arg, const struct xml_event *ev)
{
	struct trace *t = arg;

	ASSERT(ev->name.n >= 1 && ev->name.n <= XML_MAX_NAME_BYTES);
	ASSERT(utf8_valid(ev->name.p, ev->name.n));
	ASSERT(ev->text.n <= XML_MAX_TEXT_BYTES);
	ASSERT(utf8_valid(ev->text.p, ev->text.n));
	ASSERT(memchr(ev->text.p, '\0', ev->text.n) == NULL);
	if (ev->type == XML_OPEN) {
		ASSERT(ev->depth == ++t->depth);
		ASSERT(ev->text.n == 0);
	} else {
		ASSERT(ev->type == XML_CLOSE);
		ASSERT(ev->depth == t->depth--);
		ASSERT(ev->leaf || ev->text.n == 0);
	}
	ASSERT(ev->depth >= 1 && ev->depth <= XML_MAX_DEPTH);
	mix(t, &ev->type, sizeof(ev->type));
	mix(t, &ev->depth, sizeof(ev->depth));
	mix(t, &ev->leaf, sizeof(ev->leaf));
	mix_slice(t, ev->name);
	mix_slice(t, ev->text);
	t->count++;
	return 0;
}

static int
on_bucket(void *arg, const struct s3xml_bucket *b)
{
	struct trace *t = arg;

	mix(t, "B", 1);
	mix_slice(t, b->name);
	mix_slice(t, b->creation_date);
	t->count++;
	return 0;
}

static int
on_object(void *arg, const struct s3xml_object *o)
{
	struct trace *t = arg;

	ASSERT(o->key.n <= S3_MAX_KEY_BYTES);
	ASSERT(memchr(o->key.p, '\0', o->key.n) == NULL);
	mix(t, "O", 1);
	mix_slice(t, o->key);
	mix_slice(t, o->last_modified);
	mix_slice(t, o->etag);
	mix_slice(t, o->storage_class);
	mix(t, &o->size, sizeof(o->size));
	t->count++;
	return 0;
}

static int
on_prefix(void *arg, struct slice p)
{
	struct trace *t = arg;

	ASSERT(p.n <= S3_MAX_KEY_BYTES);
	mix(t, "P", 1);
	mix_slice(t, p);
	t->count++;
	return 0;
}

static const struct s3xml_handler handler = {
	on_bucket, on_object, on_prefix
};

/* Chunk sizes 1..64, from an xorshift generator seeded by the input. */
static size_t
next_chunk(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (size_t)(*state % 64) + 1;
}

static uint64_t
seed_of(const uint8_t *data, size_t n)
{
	struct trace t;

	trace_init(&t);
	mix(&t, data, n);
	return t.hash | 1;
}

/* mode 0: whole, 1: one byte at a time, 2: generated chunks. */
static int
scan(const uint8_t *data, size_t n, int mode, struct trace *t,
    uint64_t *off)
{
	static struct xml x;
	uint64_t state = seed_of(data, n);
	size_t i, k;
	int rc = 0;

	trace_init(t);
	xml_init(&x, on_xml, t);
	for (i = 0; i < n && rc == 0; i += k) {
		k = mode == 0 ? n : mode == 1 ? 1 : next_chunk(&state);
		if (k > n - i)
			k = n - i;
		rc = xml_feed(&x, (const char *)data + i, k);
	}
	if (rc == 0)
		rc = xml_finish(&x);
	if (rc == 0)
		ASSERT(t->depth == 0 && t->count % 2 == 0 && t->count > 0);
	*off = xml_offset(&x);
	/* Errors are sticky. */
	ASSERT(rc == 0 || xml_feed(&x, "<a/>", 4) == rc);
	return rc;
}

static int
parse(struct s3xml *p, const uint8_t *data, size_t n, int mode, int expect,
    unsigned flags, struct trace *t)
{
	uint64_t state = seed_of(data, n);
	size_t i, k;
	int rc = 0;

	trace_init(t);
	s3xml_init(p, expect, flags, &handler, t);
	for (i = 0; i < n && rc == 0; i += k) {
		k = mode == 0 ? n : mode == 1 ? 1 : next_chunk(&state);
		if (k > n - i)
			k = n - i;
		rc = s3xml_feed(p, (const char *)data + i, k);
	}
	if (rc == 0)
		rc = s3xml_finish(p);
	return rc;
}

static void
check_strings(const struct s3xml *p)
{
	ASSERT(strlen(p->list.prefix) < sizeof(p->list.prefix));
	ASSERT(strlen(p->list.next_token) < sizeof(p->list.next_token));
	ASSERT(strlen(p->error.code) < sizeof(p->error.code));
	ASSERT(strlen(p->error.message) < sizeof(p->error.message));
	ASSERT(strlen(p->error.resource) < sizeof(p->error.resource));
	ASSERT(utf8_valid(p->error.message, strlen(p->error.message)));
	ASSERT(strlen(p->copy.etag) < sizeof(p->copy.etag));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct s3xml p1, p2;
	static const struct {
		int		expect;
		unsigned	flags;
	} kinds[] = {
		{ S3XML_BUCKETS, 0 }, { S3XML_LIST, 0 },
		{ S3XML_LIST, S3XML_URL }, { S3XML_COPY, 0 },
		{ S3XML_ERROR, 0 },
	};
	struct trace t1, t2;
	uint64_t off1, off2, pick;
	size_t k;
	int rc1, rc2, mode;

	rc1 = scan(data, n, 0, &t1, &off1);
	for (mode = 1; mode <= 2; mode++) {
		rc2 = scan(data, n, mode, &t2, &off2);
		ASSERT(rc1 == rc2 && off1 == off2);
		ASSERT(t1.hash == t2.hash && t1.count == t2.count);
	}
	/*
	 * The S3 parser: every kind whole; one kind, picked by the input's
	 * hash, also split (byte by byte or in generated chunks).  The
	 * scanner's own split invariance is checked above on every input.
	 */
	pick = seed_of(data, n);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		rc1 = parse(&p1, data, n, 0, kinds[k].expect, kinds[k].flags,
		    &t1);
		check_strings(&p1);
		if (k != (pick >> 8) % (sizeof(kinds) / sizeof(kinds[0])))
			continue;
		mode = 1 + (int)((pick >> 16) & 1);
		rc2 = parse(&p2, data, n, mode, kinds[k].expect,
		    kinds[k].flags, &t2);
		ASSERT(rc1 == rc2 && p1.xerr == p2.xerr);
		ASSERT(t1.hash == t2.hash && t1.count == t2.count);
		ASSERT(p1.doc == p2.doc);
		ASSERT(memcmp(&p1.list, &p2.list, sizeof(p1.list)) == 0);
		ASSERT(memcmp(&p1.error, &p2.error, sizeof(p1.error)) == 0);
		ASSERT(memcmp(&p1.copy, &p2.copy, sizeof(p1.copy)) == 0);
	}
	return 0;
}
