/*
 * audit.h - one JSON line per MCP tool call (allowed, denied or invalid),
 * appended to a file or written to stderr; and a shorter structured log
 * line for MCP_S3_EXT_LOGGING.
 *
 * The audit line.  One JSON object, members in this order, each omitted
 * when unset; the line ends with '\n' and holds no other newline:
 *
 *	timestamp	RFC 3339 UTC with milliseconds from CLOCK_REALTIME,
 *			"2026-11-23T10:00:00.123Z"; always present
 *	tool connection bucket key dest_bucket dest_key
 *			strings, as given (dest_* are the target of a copy)
 *	status		"ok", "error", "denied" or "invalid"
 *	decision	"allow" or "deny"
 *	rule		the access rule that decided, when one did
 *	error		the stable error code: "NoSuchKey", "ReadOnly"...
 *	request_id	the JSON-RPC id as its JSON text: 7 stays 7, "a"
 *			stays "a"
 *	s3_request_id	S3's x-amz-request-id
 *	bytes		bytes moved, when known
 *	content_bytes	size of an argument that carries content
 *	duration_ms	integer milliseconds
 *
 * Example (one line):
 *
 *	{"timestamp":"2026-11-23T10:00:00.123Z","tool":"s3_get_object",
 *	"connection":"default","bucket":"logs","key":"2026/a.txt",
 *	"status":"ok","decision":"allow","rule":"read-logs","request_id":7,
 *	"s3_request_id":"4442587FB7D0A2F9","bytes":1234,"duration_ms":42}
 *
 * Strings are written losslessly.  Valid UTF-8 goes into a JSON string
 * as is, with '"', '\\', control characters (including NUL) escaped by
 * jsonw.  Bytes that are not valid UTF-8 (an S3 key may be anything) are
 * written instead as lower-case hex under the name with "_hex" appended:
 * {"key_hex":"666f6fff"} in place of "key".  A request_id that is not a
 * JSON number, string or null is written as "request_id_hex" likewise.  A
 * field longer than AUDIT_MAX_FIELD_BYTES is cut to that many bytes (back
 * to a character boundary when it is UTF-8) and followed by
 * "NAME_truncated": its full length in bytes; so a record always fits in
 * AUDIT_MAX_LINE_BYTES and a hostile argument cannot keep a call out of
 * the log.
 *
 * Secrets are never recorded: struct audit_record has no field for
 * credentials, headers, argument values other than the names above,
 * content or free-form messages, so there is nowhere to put one.  error
 * is a stable code, rule a rule's name, content is recorded only by size.
 *
 * The file.  audit_open() opens it with O_WRONLY | O_APPEND | O_CREAT |
 * O_CLOEXEC | O_NOFOLLOW | O_NOCTTY and mode 0600 (less the umask), and
 * refuses, with a message naming the path and the reason:
 *	- a path whose last component is a symbolic link (so a link planted
 *	  in a shared directory cannot aim the appends at another file),
 *	- anything that is not a regular file (a directory, FIFO, device),
 *	- a file writable by group or others (anyone else could rewrite the
 *	  record), or owned by another user than the effective one.
 * A file readable by group or others is accepted (a log shipper may need
 * to read it); create it 0600 or 0640 to keep key names private.
 *
 * Writing.  Each record is written with one write() of the whole line,
 * so appenders to the same file (O_APPEND) never interleave.  A write
 * interrupted before writing anything is retried; a failed write returns
 * AUDIT_EWRITE with errno kept; a short write returns AUDIT_ESHORT after
 * one attempt to end the damaged line with '\n' so that the next record
 * starts a line of its own.  Nothing is printed from inside: the caller
 * reports the error (once) and carries on.  On a pipe (stderr), writes are
 * atomic only up to PIPE_BUF bytes; longer records may interleave there.
 *
 * Memory: struct audit is opaque and owned by its opener; audit_close()
 * frees it.  Records borrow everything they point to for the length of
 * the call.  A struct audit is not safe to share between threads.
 * Errors: 0 on success, negative AUDIT_E* on failure.
 */
#ifndef MCP_S3_AUDIT_H
#define MCP_S3_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define AUDIT_EINVAL	-1	/* NULL argument */
#define AUDIT_ENOMEM	-2	/* allocation failed */
#define AUDIT_EOPEN	-3	/* open() or fstat() failed; see err */
#define AUDIT_EREFUSED	-4	/* the path is unsafe to use; see err */
#define AUDIT_EWRITE	-5	/* write() failed; errno says why */
#define AUDIT_ESHORT	-6	/* write() wrote part of the line */
#define AUDIT_ELIMIT	-7	/* the line passes its limit (a bug) */

/*
 * Bounds.  A field of more than AUDIT_MAX_FIELD_BYTES is truncated (see
 * above).  The eleven string fields at that size, each escaped to at most
 * six bytes a byte, plus names and numbers, stay below
 * AUDIT_MAX_LINE_BYTES, so AUDIT_ELIMIT means a bug, not a hostile input.
 */
#define AUDIT_MAX_FIELD_BYTES	2048
#define AUDIT_MAX_LINE_BYTES	(256u * 1024)

enum audit_status {
	AUDIT_STATUS_UNSET = 0,
	AUDIT_STATUS_OK,	/* "ok": the call ran and succeeded */
	AUDIT_STATUS_ERROR,	/* "error": allowed, but it failed */
	AUDIT_STATUS_DENIED,	/* "denied": policy refused it */
	AUDIT_STATUS_INVALID	/* "invalid": bad arguments, unknown tool */
};

enum audit_decision {
	AUDIT_DECISION_UNSET = 0,
	AUDIT_DECISION_ALLOW,	/* "allow" */
	AUDIT_DECISION_DENY	/* "deny" */
};

/* Which of the numeric fields are set. */
#define AUDIT_F_BYTES		0x1u
#define AUDIT_F_CONTENT_BYTES	0x2u
#define AUDIT_F_DURATION	0x4u

/*
 * One tool call.  Zero it (memset, or a designated initializer), then
 * fill in what is known: a slice with p == NULL, a NULL pointer, an UNSET
 * enum or a clear flag leaves its field out.  A slice with p != NULL and
 * n == 0 is written as "".  tool and connection are slices because on an
 * invalid call they are whatever the client sent.
 */
struct audit_record {
	struct slice		 tool;
	struct slice		 connection;
	struct slice		 bucket;
	struct slice		 key;
	struct slice		 dest_bucket;
	struct slice		 dest_key;
	enum audit_status	 status;
	enum audit_decision	 decision;
	const char		*rule;		/* a C string */
	const char		*error;		/* a stable code */
	struct slice		 request_id;	/* raw JSON text */
	struct slice		 s3_request_id;
	uint64_t		 bytes;
	uint64_t		 content_bytes;
	int64_t			 duration_ms;
	unsigned		 flags;		/* AUDIT_F_* */
};

struct audit;

/*
 * Opens the audit log at path, or uses stderr when path is NULL.  On
 * failure *a is NULL and err (when errlen > 0) holds a sentence naming
 * the path and the reason, NUL-terminated and cut to errlen.
 */
int		audit_open(struct audit **a, const char *path, char *err,
		    size_t errlen);

/*
 * Uses an open descriptor, which stays the caller's: audit_close() does
 * not close it.  No checks are made on it.
 */
int		audit_open_fd(struct audit **a, int fd);

/* Closes the file (if audit_open opened one) and frees a; NULL is a no-op. */
void		audit_close(struct audit *a);

/* Formats r with the current CLOCK_REALTIME and writes it in one write(). */
int		audit_write(struct audit *a, const struct audit_record *r);

/*
 * Appends the audit line for r (with its '\n') to out, stamped with
 * now_ms (milliseconds since the Unix epoch).  Pure: no clock, no I/O.
 * On failure out is cut back to its length on entry.
 */
int		audit_format(struct buf *out, const struct audit_record *r,
		    int64_t now_ms);

/*
 * The MCP_S3_EXT_LOGGING line for r, written to fd in one write():
 * {"level":"info","msg":"tool call","tool":"s3_get_object","status":"ok",
 * "duration_ms":42} with "error" when set.  level is "info" for ok,
 * "warn" for denied and invalid, "error" for error.  Unset fields are
 * left out, strings follow the rules above.
 */
int		audit_log_line(int fd, const struct audit_record *r);

/* Appends the line audit_log_line() writes to out; pure. */
int		audit_format_log_line(struct buf *out,
		    const struct audit_record *r);

/* A static English sentence for an AUDIT_E* code. */
const char	*audit_strerror(int err);

#endif
