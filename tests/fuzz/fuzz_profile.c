/*
 * fuzz_profile.c - fuzz target for the shared-file INI parser.
 *
 * The input is read as a credentials file and as a config file.  Every
 * property handed out must lie inside the input, with a non-empty key
 * and no line end in key, value or section name; a parse must give the
 * same answer twice.  Then profile_load() merges the input, as both
 * files, for a few profile names (one taken from the input itself), and
 * each value it keeps must be a NUL-terminated string without line ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

struct span {
	const char	*base;
	size_t		 n;
	uint64_t	 hash;
	unsigned	 count;
	char		 first[64];	/* a section name seen, for loading */
};

static int
inside(const struct span *s, struct slice x)
{
	return x.n == 0 || (x.p >= s->base && x.p + x.n <= s->base + s->n);
}

static void
mix(uint64_t *h, struct slice x)
{
	size_t	i;

	for (i = 0; i < x.n; i++)
		*h = (*h ^ (unsigned char)x.p[i]) * 1099511628211ull;
	*h = (*h ^ 0xff) * 1099511628211ull;
}

static int
check(void *arg, struct slice sect, struct slice key, struct slice value)
{
	struct span	*s = arg;

	ASSERT(inside(s, sect) && inside(s, key) && inside(s, value));
	ASSERT(memchr(sect.p, '\n', sect.n) == NULL);
	ASSERT(key.n == 0 || memchr(key.p, '\n', key.n) == NULL);
	ASSERT(value.n == 0 || memchr(value.p, '\n', value.n) == NULL);
	ASSERT(key.n > 0 || value.n == 0);
	if (key.n > 0)
		ASSERT(key.p[0] != ' ' && key.p[0] != '\t' &&
		    key.p[key.n - 1] != ' ' && key.p[key.n - 1] != '\t');
	if (s->first[0] == '\0' && sect.n > 0 && sect.n < sizeof(s->first) &&
	    memchr(sect.p, '\0', sect.n) == NULL) {
		memcpy(s->first, sect.p, sect.n);
		s->first[sect.n] = '\0';
	}
	mix(&s->hash, sect);
	mix(&s->hash, key);
	mix(&s->hash, value);
	s->count++;
	return 0;
}

static void
load(const char *text, size_t n, const char *name)
{
	struct profile	 p;
	unsigned	 line;
	size_t		 k;
	int		 kind, rc;

	rc = profile_load(&p, name, text, n, text, n, &line, &kind);
	if (rc != 0) {
		ASSERT(rc == PROFILE_ESYNTAX || rc == PROFILE_ELIMIT);
		for (k = 0; k < PROFILE_NKEYS; k++)
			ASSERT(p.v[k] == NULL);
		return;
	}
	for (k = 0; k < PROFILE_NKEYS; k++)
		if (p.v[k] != NULL)
			ASSERT(strchr(p.v[k], '\n') == NULL);
	profile_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char	*text = (const char *)data;
	struct span	 a, b;
	unsigned	 la, lb;
	int		 kind, ra, rb;

	for (kind = PROFILE_CREDENTIALS; kind <= PROFILE_CONFIG; kind++) {
		memset(&a, 0, sizeof(a));
		a.base = text;
		a.n = n;
		b = a;
		ra = profile_parse(text, n, kind, check, &a, &la);
		rb = profile_parse(text, n, kind, check, &b, &lb);
		ASSERT(ra == rb && la == lb && a.hash == b.hash &&
		    a.count == b.count);
		ASSERT(ra == 0 || ra == PROFILE_ESYNTAX || ra == PROFILE_ELIMIT);
		ASSERT((ra == PROFILE_ESYNTAX) == (la != 0));
		if (a.first[0] != '\0')
			load(text, n, a.first);
	}
	load(text, n, "default");
	load(text, n, "dev");
	return 0;
}
