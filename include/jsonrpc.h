/*
 * jsonrpc.h - stdio framing for JSON-RPC: one message a line in, one
 * message a line out.
 *
 * The reader owns a buffer of at most MAX_LINE_BYTES plus one read; a line
 * longer than that is dropped up to its newline and reported once as
 * JSONRPC_ETOOLONG, so the lines after it are not lost.  Lines that arrive
 * while a tool call runs stay queued in the buffer; jsonrpc_scan() lets the
 * caller look at them (for notifications/cancelled) without consuming them.
 *
 * The writer appends to a buffer and writes it to its fd in large pieces;
 * stdout carries nothing but these messages.
 */
#ifndef MCP_S3_JSONRPC_H
#define MCP_S3_JSONRPC_H

#include <stddef.h>

#include "util.h"

#define JSONRPC_EOF		0
#define JSONRPC_LINE		1
#define JSONRPC_ETOOLONG	-1	/* a line passed MAX_LINE_BYTES */
#define JSONRPC_EIO		-2	/* read or write failed */
#define JSONRPC_ENOMEM		-3
#define JSONRPC_EFULL		-4	/* the queue is full; read no more now */
#define JSONRPC_EINTR		-5	/* a signal interrupted the read */

/* JSON-RPC error codes. */
#define JSONRPC_PARSE_ERROR	-32700
#define JSONRPC_INVALID_REQUEST	-32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS	-32602
#define JSONRPC_INTERNAL_ERROR	-32603

struct jsonrpc_reader {
	int	 fd;
	char	*p;		/* bytes read, [start, len) not yet consumed */
	size_t	 start;
	size_t	 len;
	size_t	 cap;
	size_t	 scanned;	/* jsonrpc_scan has seen [start, scanned) */
	size_t	 limit;		/* longest line accepted */
	int	 skipping;	/* inside an over-long line */
	int	 eof;
	int	 holding;	/* the last line must stay where it is */
	char	*kept;		/* the buffer that holds it, once p moved on */
};

void	jsonrpc_reader_init(struct jsonrpc_reader *, int fd, size_t limit);
/*
 * Hold: the line last returned by jsonrpc_next() stays where it is, and
 * its bytes stay the caller's to read and overwrite, while reading goes
 * on (a tool call waits on the network and stdin is read meanwhile), until
 * jsonrpc_release().  Reading then goes to a new buffer that takes the
 * unconsumed bytes; the old one is freed at the release.  No copy of the
 * held line is ever made.
 */
void	jsonrpc_hold(struct jsonrpc_reader *);
void	jsonrpc_release(struct jsonrpc_reader *);
void	jsonrpc_reader_free(struct jsonrpc_reader *);
/* 1 when jsonrpc_next() can answer without reading (a line or EOF). */
int	jsonrpc_ready(const struct jsonrpc_reader *);
/*
 * Before the caller waits for input: moves the unconsumed bytes to the
 * front and gives back the room a long message grew (as a read would),
 * so that an idle server holds little.  Errors are left to the next read.
 */
void	jsonrpc_idle(struct jsonrpc_reader *);

/*
 * Next line without its newline (a trailing '\r' is kept: JSON treats it as
 * white space).  Blocks for input.  Returns JSONRPC_LINE with *line valid
 * until the next call, JSONRPC_EOF at end of input, or a negative error.
 * Its bytes are in the reader's own buffer (writable while held).
 */
int	jsonrpc_next(struct jsonrpc_reader *, struct slice *line);

/*
 * One read() without blocking on more than it (the caller has polled the
 * fd).  Returns the bytes read, 0 at end of input, JSONRPC_EFULL when the
 * queue holds a full line's worth already, or a negative error.
 */
int	jsonrpc_fill(struct jsonrpc_reader *);

/*
 * Calls fn on every complete line queued since the last scan.  fn returns
 * nonzero to stop the scan; jsonrpc_scan returns that value, else 0.
 */
int	jsonrpc_scan(struct jsonrpc_reader *,
	    int (*fn)(void *arg, const char *line, size_t n), void *arg);

struct jsonrpc_writer {
	int		fd;
	struct buf	out;
	int		err;	/* sticky: a write failed */
	size_t		sent;	/* bytes of the open line already written */
};

void	jsonrpc_writer_init(struct jsonrpc_writer *, int fd);
void	jsonrpc_writer_free(struct jsonrpc_writer *);
/* Writes out the buffer when it holds more than a piece's worth. */
int	jsonrpc_writer_drain(struct jsonrpc_writer *);
/* Ends the message: appends '\n' and writes everything. */
int	jsonrpc_writer_end(struct jsonrpc_writer *);
/* Bytes of the open line so far: written out, and still in the buffer. */
size_t	jsonrpc_writer_line(const struct jsonrpc_writer *);

#endif
