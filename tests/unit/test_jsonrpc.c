/*
 * test_jsonrpc.c - stdio framing: lines, the over-long line at the limit
 * and one past it, resync, a last line without newline, scanning, and the
 * room of a long line given back after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "unit.h"

/*
 * A reader over a pipe holding in[0..n), written by a child in pieces of
 * at most piece bytes.
 */
static int
feed_by(const char *in, size_t n, size_t piece)
{
	int p[2];
	pid_t pid;
	size_t off = 0;
	ssize_t w;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		while (off < n) {
			w = write(p[1], in + off, n - off > piece ? piece :
			    n - off);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/* Dribbles in small pieces to exercise partial reads. */
static int
feed(const char *in, size_t n)
{
	return feed_by(in, n, 7);
}

static int
count_scan(void *arg, const char *line, size_t n)
{
	int *k = arg;

	(void)line;
	(void)n;
	(*k)++;
	return 0;
}

int
main(void)
{
	struct jsonrpc_reader r;
	struct slice l;
	char *big, *held;
	size_t limit = 100, i;
	int fd, k;

	fd = feed("a\nbb\r\n\nlast", 11);
	jsonrpc_reader_init(&r, fd, limit);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 1 &&
	    l.p[0] == 'a');
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 3 &&
	    memcmp(l.p, "bb\r", 3) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 4 &&
	    memcmp(l.p, "last", 4) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	jsonrpc_reader_free(&r);
	close(fd);

	/* A line of exactly the limit passes; one byte more does not. */
	big = malloc(4 * limit + 16);
	memset(big, 'x', 4 * limit + 16);
	big[limit] = '\n';				/* line 1: limit */
	big[limit + 1 + limit + 1] = '\n';		/* line 2: limit + 1 */
	memcpy(big + 2 * limit + 3, "ok\n", 3);		/* line 3 */
	/* line 4: far over the limit, then a last good line */
	big[4 * limit + 10] = '\n';
	memcpy(big + 4 * limit + 11, "end\n", 4);
	fd = feed(big, 4 * limit + 15);
	jsonrpc_reader_init(&r, fd, limit);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == limit);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_ETOOLONG);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 2 &&
	    memcmp(l.p, "ok", 2) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_ETOOLONG);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 3 &&
	    memcmp(l.p, "end", 3) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	jsonrpc_reader_free(&r);
	close(fd);

	/* An over-long last line without a newline is still reported. */
	memset(big, 'y', 3 * limit);
	fd = feed(big, 3 * limit);
	jsonrpc_reader_init(&r, fd, limit);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_ETOOLONG);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	jsonrpc_reader_free(&r);
	close(fd);

	/* Scanning sees queued lines once and leaves them queued. */
	fd = feed("one\ntwo\nthr", 11);
	jsonrpc_reader_init(&r, fd, limit);
	for (i = 0; i < 20 && r.len < 11; i++)
		if (jsonrpc_fill(&r) <= 0)
			break;
	k = 0;
	CHECK(jsonrpc_scan(&r, count_scan, &k) == 0 && k == 2);
	CHECK(jsonrpc_scan(&r, count_scan, &k) == 0 && k == 2);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 3 &&
	    memcmp(l.p, "one", 3) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 3);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 3 &&
	    memcmp(l.p, "thr", 3) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	jsonrpc_reader_free(&r);
	close(fd);
	free(big);

	/*
	 * A 4 MiB line grows the buffer past 4 MiB; once it is consumed, the
	 * next read gives the room back, and the lines after it are intact.
	 */
	big = malloc((4u << 20) + 8);
	memset(big, 'z', 4u << 20);
	memcpy(big + (4u << 20), "\na\nbc\n", 6);
	fd = feed_by(big, (4u << 20) + 6, 65536);
	jsonrpc_reader_init(&r, fd, 8u << 20);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 4u << 20 &&
	    l.p[0] == 'z' && l.p[l.n - 1] == 'z');
	CHECK(r.cap > 4u << 20);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 1 &&
	    l.p[0] == 'a');
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 2 &&
	    memcmp(l.p, "bc", 2) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	CHECK(r.cap <= 1u << 20);
	jsonrpc_reader_free(&r);
	close(fd);
	free(big);

	/*
	 * The same room is given back without a read: a server that waits
	 * for input after a long message (jsonrpc_idle) holds little; the
	 * line queued behind it is intact.
	 */
	big = malloc((4u << 20) + 8);
	memset(big, 'z', 4u << 20);
	memcpy(big + (4u << 20), "\nq\n", 3);
	fd = feed_by(big, (4u << 20) + 3, 65536);
	jsonrpc_reader_init(&r, fd, 8u << 20);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 4u << 20);
	CHECK(r.cap > 4u << 20);
	jsonrpc_idle(&r);
	CHECK(r.cap <= 1u << 20);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 1 &&
	    l.p[0] == 'q');
	jsonrpc_reader_free(&r);
	close(fd);
	free(big);

	/*
	 * Holding: a 1 MiB line stays where it is, byte for byte and writable,
	 * while 1.5 MiB more are read behind it (more than the room left after
	 * it, so reading moves to a buffer of its own); after the release the
	 * queued lines come out intact.
	 */
	big = malloc((1u << 20) + (1536u << 10) + 16);
	memset(big, 'h', 1u << 20);
	big[1u << 20] = '\n';
	memset(big + (1u << 20) + 1, 'q', 1536u << 10);
	memcpy(big + (1u << 20) + 1 + (1536u << 10), "\nlast\n", 6);
	fd = feed_by(big, (1u << 20) + 1 + (1536u << 10) + 6, 65536);
	jsonrpc_reader_init(&r, fd, 8u << 20);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 1u << 20);
	jsonrpc_hold(&r);
	held = (char *)(uintptr_t)l.p;
	held[0] = 'H';		/* the caller's to overwrite */
	for (i = 0; i < 200 && !r.eof; i++)
		if (jsonrpc_fill(&r) < 0)
			break;
	CHECK(r.eof && r.kept != NULL && (held < r.p || held >= r.p + r.cap));
	CHECK(held[0] == 'H' && held[1] == 'h' && held[(1u << 20) - 1] == 'h');
	k = 0;
	CHECK(jsonrpc_scan(&r, count_scan, &k) == 0 && k == 2);
	jsonrpc_release(&r);
	CHECK(r.kept == NULL);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 1536u << 10 &&
	    l.p[0] == 'q' && l.p[l.n - 1] == 'q');
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_LINE && l.n == 4 &&
	    memcmp(l.p, "last", 4) == 0);
	CHECK(jsonrpc_next(&r, &l) == JSONRPC_EOF);
	jsonrpc_reader_free(&r);
	close(fd);
	free(big);
	return unit_done("test_jsonrpc");
}
