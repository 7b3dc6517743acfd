/*
 * jsonrpc.c - stdio framing; see jsonrpc.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonrpc.h"

#define READ_PIECE	(64u * 1024)
#define WRITE_PIECE	(64u * 1024)
/* A buffer grown past this for a long message is given back after it. */
#define KEEP_CAP	(1024u * 1024)

/* see jsonrpc.h */
void
jsonrpc_reader_init(struct jsonrpc_reader *r, int fd, size_t limit)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->limit = limit;
}

/* see jsonrpc.h */
void
jsonrpc_reader_free(struct jsonrpc_reader *r)
{
	free(r->p);
	free(r->kept);
	memset(r, 0, sizeof(*r));
}

/* see jsonrpc.h */
void
jsonrpc_hold(struct jsonrpc_reader *r)
{
	r->holding = 1;
}

/* see jsonrpc.h */
void
jsonrpc_release(struct jsonrpc_reader *r)
{
	r->holding = 0;
	free(r->kept);
	r->kept = NULL;
}

/*
 * While a line is held, the bytes before start cannot move: the unconsumed
 * bytes go to a buffer of their own (with room for a read) and the old one
 * is kept until the release.  Once p has moved on, it holds nothing held.
 */
static int
move_on(struct jsonrpc_reader *r)
{
	size_t tail = r->len - r->start, cap = tail + READ_PIECE;
	char *np;

	if (r->kept != NULL)
		return 1;	/* p no longer holds the held line */
	if (r->cap - r->len >= READ_PIECE)
		return 0;	/* room after the line: nothing moves */
	if ((np = malloc(cap)) == NULL)
		return JSONRPC_ENOMEM;
	memcpy(np, r->p + r->start, tail);
	r->kept = r->p;
	r->p = np;
	r->cap = cap;
	r->len = tail;
	r->scanned -= r->start;
	r->start = 0;
	return 0;
}

/* Moves the unconsumed bytes to the front and makes room for one read. */
static int
make_room(struct jsonrpc_reader *r)
{
	size_t need;
	char *np;
	int rc;

	if (r->holding && (rc = move_on(r)) <= 0)
		return rc;
	if (r->start > 0) {
		memmove(r->p, r->p + r->start, r->len - r->start);
		r->len -= r->start;
		r->scanned -= r->start;
		r->start = 0;
	}
	need = r->len + READ_PIECE;
	if (r->cap > KEEP_CAP && need <= r->cap / 4) {
		/* The long message is gone: shrink (if realloc can). */
		if ((np = realloc(r->p, need)) != NULL) {
			r->p = np;
			r->cap = need;
		}
		return 0;
	}
	if (need <= r->cap)
		return 0;
	if (need < r->cap * 2)
		need = r->cap * 2;
	if (need > r->limit + READ_PIECE + 1)
		need = r->limit + READ_PIECE + 1;
	if (need <= r->len)
		return JSONRPC_EFULL;
	if ((np = realloc(r->p, need)) == NULL)
		return JSONRPC_ENOMEM;
	r->p = np;
	r->cap = need;
	return 0;
}

/* see jsonrpc.h */
void
jsonrpc_idle(struct jsonrpc_reader *r)
{
	if (!r->eof && !r->holding)
		(void)make_room(r);
}

/* see jsonrpc.h */
int
jsonrpc_fill(struct jsonrpc_reader *r)
{
	ssize_t n;
	int rc;

	if (r->eof)
		return 0;
	if (r->len - r->start > r->limit)
		return JSONRPC_EFULL;
	if ((rc = make_room(r)) != 0)
		return rc;
	n = read(r->fd, r->p + r->len, r->cap - r->len);
	if (n < 0)
		return errno == EINTR ? JSONRPC_EINTR : JSONRPC_EIO;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->len += (size_t)n;
	return (int)n;
}

/* see jsonrpc.h */
int
jsonrpc_ready(const struct jsonrpc_reader *r)
{
	size_t avail = r->len - r->start;

	return r->eof || (avail > 0 && memchr(r->p + r->start, '\n', avail));
}

/* see jsonrpc.h */
int
jsonrpc_next(struct jsonrpc_reader *r, struct slice *line)
{
	char *nl;
	size_t avail;
	int rc;

	for (;;) {
		avail = r->len - r->start;
		nl = avail ? memchr(r->p + r->start, '\n', avail) : NULL;
		if (nl != NULL) {
			line->p = r->p + r->start;
			line->n = (size_t)(nl - line->p);
			r->start += line->n + 1;
			if (r->scanned < r->start)
				r->scanned = r->start;
			if (r->skipping) {
				r->skipping = 0;
				return JSONRPC_ETOOLONG;
			}
			if (line->n > r->limit)
				return JSONRPC_ETOOLONG;
			return JSONRPC_LINE;
		}
		if (r->skipping || avail > r->limit) {
			/*
			 * Drop what we hold of the long line, and whatever more
			 * of it arrives, until its newline: resync there.
			 */
			r->start = r->len;
			r->scanned = r->len;
			r->skipping = 1;
		}
		if (r->eof) {
			if (r->len > r->start && !r->skipping) {
				/* A last line without its newline still counts. */
				line->p = r->p + r->start;
				line->n = r->len - r->start;
				r->start = r->scanned = r->len;
				return JSONRPC_LINE;
			}
			if (r->skipping) {
				r->skipping = 0;
				return JSONRPC_ETOOLONG;
			}
			return JSONRPC_EOF;
		}
		if ((rc = jsonrpc_fill(r)) < 0)
			return rc;
	}
}

/* see jsonrpc.h */
int
jsonrpc_scan(struct jsonrpc_reader *r,
    int (*fn)(void *, const char *, size_t), void *arg)
{
	char *nl;
	int rc;

	if (r->skipping)
		return 0;
	if (r->scanned < r->start)
		r->scanned = r->start;
	while (r->scanned < r->len) {
		nl = memchr(r->p + r->scanned, '\n', r->len - r->scanned);
		if (nl == NULL)
			break;
		rc = fn(arg, r->p + r->scanned, (size_t)(nl - (r->p +
		    r->scanned)));
		r->scanned = (size_t)(nl - r->p) + 1;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* see jsonrpc.h */
void
jsonrpc_writer_init(struct jsonrpc_writer *w, int fd)
{
	w->fd = fd;
	w->err = 0;
	w->sent = 0;
	buf_init(&w->out, 0);
}

/* see jsonrpc.h */
void
jsonrpc_writer_free(struct jsonrpc_writer *w)
{
	buf_free(&w->out);
}

static int
write_all(struct jsonrpc_writer *w)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->out.n && !w->err) {
		n = write(w->fd, w->out.p + off, w->out.n - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = 1;
		else
			off += (size_t)n;
	}
	w->sent += w->out.n;
	buf_reset(&w->out);
	return w->err ? JSONRPC_EIO : 0;
}

/* see jsonrpc.h */
int
jsonrpc_writer_drain(struct jsonrpc_writer *w)
{
	if (w->out.n < WRITE_PIECE)
		return w->err ? JSONRPC_EIO : 0;
	return write_all(w);
}

/* see jsonrpc.h */
int
jsonrpc_writer_end(struct jsonrpc_writer *w)
{
	int rc;

	if (buf_addc(&w->out, '\n') != 0)
		w->err = 1;
	rc = write_all(w);
	w->sent = 0;
	return rc;
}

/* see jsonrpc.h */
size_t
jsonrpc_writer_line(const struct jsonrpc_writer *w)
{
	return w->sent + w->out.n;
}
