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
 * the call.  Not thread-safe: one thread writes, and drives the seal
 * timer (audit_seal_wait_ms, audit_seal_pending) from its event loop.
 * Errors: 0 on success, negative AUDIT_E* on failure.
 *
 * Sealing (MCP_S3_AUDIT_KEY_FILE).  With a seed key K0 (32 bytes, stored
 * as 64 hex digits and an optional '\n' in a file of mode 0600 or 0400
 * owned by the user), every line becomes a link of a forward-secure
 * HMAC-SHA256 chain.  Each server run draws a random 16-byte run id R and
 * starts from its own key, so K0 itself never stays in memory:
 *
 *	K(R,0)   = HMAC-SHA256(K0, "mcp-s3 audit run" || R)
 *	K(R,i+1) = SHA-256("mcp-s3 audit evolve" || K(R,i))
 *
 * K(R,i) is wiped as soon as K(R,i+1) exists, so whoever reads the
 * process's memory after record n learns K(R,n) and can compute no
 * earlier key.  To the line audit_format() builds, minus its closing
 * "}\n", a sealed log appends
 *
 *	,"run":"<32 hex: R>","seq":i,"prev":"<64 hex>"
 *
 * and then ,"mac":"<64 hex>"}\n where mac = HMAC-SHA256(K(R,i), every
 * byte of the line before ,"mac").  The MAC covers the bytes as written,
 * so no canonical re-serialisation is needed; "mac" is always the last
 * member.  prev is the mac of the run's record before (64 zeros for seq
 * 0).  Records a run writes besides tool calls, both with "timestamp"
 * and no tool fields:
 *
 *	{"timestamp":...,"event":"start","offset":B,...}
 *							seq 0, at open; B is
 *							the file's size then
 *	{"timestamp":...,"event":"seal","reason":"count"|"timer"|
 *	    "shutdown","records":N,...}			N records since the
 *							last seal or start
 *
 * The offset binds each run to its place: deleting or inserting bytes
 * before a start record (a whole run, say) makes its offset wrong, and
 * only K0 can write a new start record.  So the file needs no reading.
 *
 * A seal is written after every `records` records (the start record
 * counts), `seconds` seconds after the first record not yet sealed, and
 * by audit_close().  The timer has no thread: the caller's event loop
 * waits for input at most audit_seal_wait_ms() and then calls
 * audit_seal_pending() (mcp.c does); a record written when the timer is
 * overdue (the loop was busy) is preceded by the seal.  A log that does not
 * end with a seal was truncated, or its server is still running or died.
 * Only one process may seal a file: audit_open_sealed() takes a POSIX
 * write lock on it and refuses a file another process holds.
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
#define AUDIT_EKEY	-8	/* the key file is unusable; see err */
#define AUDIT_ERANDOM	-9	/* no random bytes for the run id */

/*
 * Bounds.  A field of more than AUDIT_MAX_FIELD_BYTES is truncated (see
 * above).  The eleven string fields at that size, each escaped to at most
 * six bytes a byte, plus names and numbers, stay below
 * AUDIT_MAX_LINE_BYTES, so AUDIT_ELIMIT means a bug, not a hostile input.
 */
#define AUDIT_MAX_FIELD_BYTES	2048
#define AUDIT_MAX_LINE_BYTES	(256u * 1024)

/* Sealing: sizes and the bounds of the seal interval settings. */
#define AUDIT_KEY_BYTES		32	/* K0 and every K(R,i) */
#define AUDIT_RUN_BYTES		16	/* the run id R */
#define AUDIT_MAC_BYTES		32	/* HMAC-SHA256 */
#define AUDIT_SEAL_RECORDS	100	/* default: a seal every 100 records */
#define AUDIT_SEAL_RECORDS_MAX	1000000
#define AUDIT_SEAL_SECONDS	60	/* default: and 60 s after a record */
#define AUDIT_SEAL_SECONDS_MAX	86400
/* The chain fields and the seal record add less than this to a line. */
#define AUDIT_CHAIN_BYTES	512

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

/*
 * How a log is sealed; key NULL means not at all.  key is K0 as
 * audit_key_load() read it (config.c does, before the sandbox is up);
 * audit_open_sealed() wipes it, whatever the outcome.
 */
struct audit_sealing {
	uint8_t		*key;		/* AUDIT_KEY_BYTES, wiped */
	unsigned	 records;	/* seal after this many records */
	unsigned	 seconds;	/* and this long after one; 0: never */
};

/*
 * audit_open() plus sealing when s and s->key are set: derives the run
 * key and wipes K0, draws the run id, locks the file and writes the
 * start record.  Needs a path:
 * stderr is not sealed.  Errors never hold key material.
 */
int		audit_open_sealed(struct audit **a, const char *path,
		    const struct audit_sealing *s, char *err, size_t errlen);

/*
 * Sealing on an open descriptor (tests): key is K0 (not wiped), run the
 * run id, offset what the start record states.  Writes the start record;
 * no lock; no timer when seconds is 0.
 */
int		audit_open_fd_sealed(struct audit **a, int fd,
		    const uint8_t key[AUDIT_KEY_BYTES],
		    const uint8_t run[AUDIT_RUN_BYTES], uint64_t offset,
		    unsigned records, unsigned seconds);

/* Writes a seal now if records are pending (reason "timer"). */
int		audit_seal_pending(struct audit *a);

/*
 * Milliseconds until the timer seal is due (0: due now), at monotonic
 * time now_ms; -1 when none is pending, the log is not sealed, has no
 * timer, or a is NULL.
 */
int64_t		audit_seal_wait_ms(const struct audit *a, int64_t now_ms);

/*
 * Reads K0 from the file at path: a regular file, not a symbolic link,
 * owned by the effective user, with no permission for group or others,
 * holding exactly 64 hex digits and at most one '\n'.  Every byte read
 * is wiped.  On failure err says what is wrong, starting with what (the
 * variable or option name) and the path; the key's bytes never appear.
 */
int		audit_key_load(uint8_t key[AUDIT_KEY_BYTES], const char *path,
		    const char *what, char *err, size_t errlen);

/* K(R,0) from K0 and R; see above. */
void		audit_key_run(uint8_t out[AUDIT_KEY_BYTES],
		    const uint8_t k0[AUDIT_KEY_BYTES],
		    const uint8_t run[AUDIT_RUN_BYTES]);

/* k = K(R,i+1) in place of K(R,i); the old key and the hash are wiped. */
void		audit_key_evolve(uint8_t k[AUDIT_KEY_BYTES]);

/* HMAC-SHA256(k, p[0..n)); the HMAC contexts are wiped. */
void		audit_mac(uint8_t out[AUDIT_MAC_BYTES],
		    const uint8_t k[AUDIT_KEY_BYTES], const void *p, size_t n);

/*
 * Verifies the sealed log read from fd against K0.  Lines are read in
 * order; every run's chain is recomputed from K0 and the run id, each MAC
 * compared in constant time.  Returns 0 when every line verifies and the
 * log ends with a seal, with msg "ok: N records, M seals, last seal at
 * seq S" and more; 1 at the first bad line, with msg naming its line
 * number, its seq when readable and what is wrong (malformed record, MAC
 * mismatch, inserted record, sequence gap, records out of order, prev
 * mismatch, a start record at another offset than it states) or, when
 * all lines verify, the unsealed tail; 2 when fd cannot be read.  msg is
 * NUL-terminated.  Not reentrant: the JSON tokens live in a static array.
 */
int		audit_verify(int fd, const uint8_t k0[AUDIT_KEY_BYTES],
		    char *msg, size_t msglen);

/*
 * Closes the file (if audit_open opened one) and frees a; NULL is a no-op.
 * A sealed log first writes the "shutdown" seal; its
 * key is wiped.
 */
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
