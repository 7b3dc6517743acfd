/*
 * fuzz_http.c - the HTTP response parser must reach the same outcome
 * however the stream is split.  The first input byte picks HEAD or not
 * and where to cut; the rest is the response.  The input is fed whole,
 * in two pieces at cuts derived from the input, and one byte at a time;
 * any difference aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct outcome {
	int		 rc;
	int		 status;
	int		 keepalive;
	size_t		 consumed;
	size_t		 nheaders;
	uint64_t	 body_hash;	/* FNV-1a, split-independent */
	uint64_t	 nbody;
};

static int
f_status(void *arg, int code)
{
	struct outcome	*o = arg;

	o->status = code;
	return 0;
}

static int
f_header(void *arg, struct slice name, struct slice value)
{
	struct outcome	*o = arg;
	size_t		 i;

	/* Every byte is read, so a slice out of bounds shows under ASan. */
	o->nheaders++;
	for (i = 0; i < name.n; i++)
		o->body_hash += (unsigned char)name.p[i];
	for (i = 0; i < value.n; i++)
		o->body_hash += (unsigned char)value.p[i];
	return 0;
}

static int
f_body(void *arg, const char *p, size_t n)
{
	struct outcome	*o = arg;
	size_t		 i;

	for (i = 0; i < n; i++) {
		o->body_hash ^= (unsigned char)p[i];
		o->body_hash *= 0x100000001b3ULL;
	}
	o->nbody += n;
	return 0;
}

static struct http_parser	 parser;

/* step 0: two pieces split at cut; otherwise pieces of step bytes. */
static void
run(const char *s, size_t n, int head, size_t cut, size_t step,
    struct outcome *o)
{
	struct http_callbacks	 cb;
	size_t			 off = 0, k, used;
	int			 r = HTTP_MORE;

	memset(o, 0, sizeof(*o));
	o->body_hash = 0xcbf29ce484222325ULL;
	cb.status = f_status;
	cb.header = f_header;
	cb.body = f_body;
	cb.arg = o;
	http_parser_init(&parser, head, &cb);
	while (off < n) {
		if (step == 0)
			k = off < cut ? cut - off : n - off;
		else
			k = n - off < step ? n - off : step;
		r = http_parser_feed(&parser, s + off, k, &used);
		if (used > k)
			abort();
		off += used;
		if (r != HTTP_MORE)
			break;
		if (used != k)
			abort();
	}
	if (r == HTTP_MORE)
		r = http_parser_eof(&parser);
	o->rc = r;
	o->consumed = r == HTTP_DONE ? off : 0;
	o->keepalive = r == HTTP_DONE ? http_parser_keepalive(&parser) : -1;
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	if (a->rc != b->rc || a->status != b->status ||
	    a->keepalive != b->keepalive || a->consumed != b->consumed ||
	    a->nheaders != b->nheaders || a->body_hash != b->body_hash ||
	    a->nbody != b->nbody)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome	 whole, part;
	const char	*s;
	size_t		 n, cut;
	int		 head;

	if (size == 0)
		return 0;
	head = data[0] & 1;
	s = (const char *)data + 1;
	n = size - 1;
	run(s, n, head, n, 0, &whole);
	/* Only parser outcomes may come back. */
	if (whole.rc != HTTP_DONE && whole.rc != HTTP_EPROTO &&
	    whole.rc != HTTP_ELIMIT && whole.rc != HTTP_ELENGTH &&
	    whole.rc != HTTP_ETRUNCATED)
		abort();
	cut = n > 0 ? ((size_t)data[0] * 257u) % (n + 1) : 0;
	run(s, n, head, cut, 0, &part);
	same(&whole, &part);
	run(s, n, head, n / 2, 0, &part);
	same(&whole, &part);
	run(s, n, head, 0, 1 + (data[0] >> 5), &part);
	same(&whole, &part);
	if (n <= 4096) {
		run(s, n, head, 0, 1, &part);
		same(&whole, &part);
	}
	return 0;
}
