/*
 * json_parse.c - `make bench-json`: the time json_parse() takes over two
 * 10 MB JSON-RPC messages, built like the release binary (static musl,
 * -Os) and linked with its json.o.
 *
 *   body:  a tools/call s3_put_object whose "body" is one 10 MB string of
 *          text (ASCII with \n, \" and \\ escapes and some two- and
 *          three-byte UTF-8), the shape of the largest message a client
 *          sends;
 *   many:  a 10 MB array of small objects ({"key":"k-0000001","size":123,
 *          "ok":true}), about 1.5 million tokens in a 65,536-token limit,
 *          so it is parsed in slices of JSON_MAX_TOKENS tokens each (a
 *          message with more tokens than that is refused).
 *
 * Prints the median of RUNS (argv[1], default 21) runs of each, in ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "limits.h"

#define SIZE	(10u * 1024 * 1024)

static struct json_tok	tok[JSON_MAX_TOKENS];

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static char *
body_message(size_t *len)
{
	static const char	head[] = "{\"jsonrpc\":\"2.0\",\"id\":7,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"s3_put_object\","
	    "\"arguments\":{\"bucket\":\"b\",\"key\":\"k\",\"body\":\"";
	static const char	line[] = "The quick brown fox \\\"jumps\\\" over "
	    "the lazy dog; caf\xc3\xa9 \xe2\x82\xac 12 \\\\ path/to/file\\n";
	static const char	tail[] = "\"}}}";
	char			*m;
	size_t			 n = 0;

	if ((m = malloc(SIZE + sizeof(line) + 64)) == NULL)
		exit(1);
	memcpy(m, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	while (n + sizeof(line) - 1 + sizeof(tail) - 1 <= SIZE) {
		memcpy(m + n, line, sizeof(line) - 1);
		n += sizeof(line) - 1;
	}
	memcpy(m + n, tail, sizeof(tail) - 1);
	*len = n + sizeof(tail) - 1;
	return m;
}

/* Slices of the many-objects message, each a whole array. */
static char *
many_message(size_t *len, size_t *cut, int *ncut)
{
	char	*m;
	size_t	 n = 0;
	int	 k = 0, in_slice = 0;

	if ((m = malloc(SIZE + 128)) == NULL)
		exit(1);
	*ncut = 0;
	while (n + 64 < SIZE) {
		if (in_slice == 0)
			m[n++] = '[';
		else
			m[n++] = ',';
		n += (size_t)sprintf(m + n,
		    "{\"key\":\"k-%07d\",\"size\":%d,\"ok\":true}", k, k % 1000);
		k++;
		/* 7 tokens an object, plus the array: under the limit. */
		if (++in_slice == (JSON_MAX_TOKENS - 1) / 7) {
			m[n++] = ']';
			cut[(*ncut)++] = n;
			in_slice = 0;
		}
	}
	if (in_slice > 0) {
		m[n++] = ']';
		cut[(*ncut)++] = n;
	}
	*len = n;
	return m;
}

int
main(int argc, char **argv)
{
	struct json	 j;
	size_t		 len, mlen, cut[256];
	double		 t[101], t0;
	char		*body, *many;
	int		 runs = argc > 1 ? atoi(argv[1]) : 21, r, c, ncut, n;

	if (runs < 1 || runs > 101)
		runs = 21;
	body = body_message(&len);
	many = many_message(&mlen, cut, &ncut);
	for (r = 0; r < runs; r++) {
		t0 = now_ms();
		if (json_parse(&j, body, len, tok, JSON_MAX_TOKENS) != 19)
			return 1;
		t[r] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp);
	printf("body: %zu bytes, median %.2f ms\n", len, t[runs / 2]);
	for (r = 0; r < runs; r++) {
		t0 = now_ms();
		for (c = 0, n = 0; c < ncut; c++) {
			size_t	from = c == 0 ? 0 : cut[c - 1];
			int	k;

			if ((k = json_parse(&j, many + from, cut[c] - from, tok,
			    JSON_MAX_TOKENS)) < 0)
				return 1;
			n += k;
		}
		t[r] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp);
	printf("many: %zu bytes, %d tokens in %d slices, median %.2f ms\n",
	    mlen, n, ncut, t[runs / 2]);
	free(body);
	free(many);
	return 0;
}
