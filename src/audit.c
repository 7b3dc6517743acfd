/*
 * audit.c - audit records and structured log lines; the contract is in
 * audit.h.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bearssl.h"

#include "audit.h"
#include "json.h"
#include "jsonw.h"
#include "util.h"

/*
 * The chain state of a sealed log.  key is K(R,seq): the key of the next
 * record, the only key material the process holds while it runs.
 */
struct chain {
	uint8_t		 key[AUDIT_KEY_BYTES];
	uint8_t		 prev[AUDIT_MAC_BYTES];	/* mac of the last line */
	uint8_t		 run[AUDIT_RUN_BYTES];
	uint64_t	 seq;		/* seq of the next record */
	uint64_t	 pending;	/* records since the last seal */
	int64_t		 pending_ms;	/* monotonic time of the first */
	unsigned	 records;	/* seal interval in records */
	unsigned	 seconds;	/* and in seconds; 0: no timer */
	int		 failed;	/* a seal failed; said once */
};

struct audit {
	int		 fd;
	int		 owned;		/* audit_close() closes fd */
	struct buf	 line;		/* reused for every record */
	struct chain	*chain;		/* NULL: not sealed */
};

/* Bytes of input hex-encoded per piece of a "_hex" string. */
#define HEX_PIECE	64

static const char *
status_name(enum audit_status s)
{
	switch (s) {
	case AUDIT_STATUS_OK:
		return "ok";
	case AUDIT_STATUS_ERROR:
		return "error";
	case AUDIT_STATUS_DENIED:
		return "denied";
	case AUDIT_STATUS_INVALID:
		return "invalid";
	default:
		return NULL;
	}
}

static const char *
decision_name(enum audit_decision d)
{
	switch (d) {
	case AUDIT_DECISION_ALLOW:
		return "allow";
	case AUDIT_DECISION_DENY:
		return "deny";
	default:
		return NULL;
	}
}

/* "name" + suffix as a key; names are ours and short, so it always fits. */
static int
key_suffixed(struct jsonw *w, const char *name, const char *suffix)
{
	char	 k[48];

	snprintf(k, sizeof(k), "%s%s", name, suffix);
	return jsonw_key(w, k);
}

/* NAME_hex: the n bytes at p as lower-case hex, written in pieces. */
static int
put_hex(struct jsonw *w, const char *name, const char *p, size_t n)
{
	char	 hex[2 * HEX_PIECE + 1];
	size_t	 i, m;

	if (key_suffixed(w, name, "_hex") != 0 ||
	    jsonw_string_begin(w) != 0)
		return jsonw_error(w);
	for (i = 0; i < n; i += m) {
		m = n - i < HEX_PIECE ? n - i : HEX_PIECE;
		hex_encode(hex, p + i, m);
		if (jsonw_string_part_utf8(w, hex, 2 * m) != 0)
			return jsonw_error(w);
	}
	return jsonw_string_end(w);
}

/*
 * One string field: as a JSON string when it is UTF-8, as NAME_hex when it
 * is not, then NAME_truncated when it was cut to AUDIT_MAX_FIELD_BYTES.
 */
static int
put_field(struct jsonw *w, const char *name, const char *p, size_t n)
{
	size_t	 m = n;

	if (p == NULL)
		return jsonw_error(w);
	if (n > AUDIT_MAX_FIELD_BYTES)
		m = utf8_boundary(p, AUDIT_MAX_FIELD_BYTES);
	if (utf8_valid(p, m))
		jsonw_kstring(w, name, p, m);
	else {
		m = n > AUDIT_MAX_FIELD_BYTES ? AUDIT_MAX_FIELD_BYTES : n;
		put_hex(w, name, p, m);
	}
	if (m < n && key_suffixed(w, name, "_truncated") == 0)
		jsonw_uint(w, n);
	return jsonw_error(w);
}

static int
put_slice(struct jsonw *w, const char *name, struct slice s)
{
	return put_field(w, name, s.p, s.n);
}

static int
put_cstr(struct jsonw *w, const char *name, const char *s)
{
	return put_field(w, name, s, s == NULL ? 0 : strlen(s));
}

/*
 * The id goes out as the JSON text it came in as, so it must be one JSON
 * scalar: jsonw_raw() trusts what it is given, and a caller's mistake must
 * not make the line invalid JSON.
 */
static int
json_id_ok(const char *p, size_t n)
{
	if (n == 4 && memcmp(p, "null", 4) == 0)
		return 1;
	if (n > 0 && p[0] == '"')
		return json_string_valid(p, n);
	return json_number_valid(p, n);
}

/* 1 for -?[0-9]{1,15}: an integer every JSON reader keeps exact. */
static int
plain_int(const char *p, size_t n)
{
	size_t	 i = p[0] == '-';

	if (n - i == 0 || n - i > 15)
		return 0;
	for (; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int
put_request_id(struct jsonw *w, struct slice id)
{
	size_t	 m;

	if (id.p == NULL)
		return jsonw_error(w);
	/*
	 * A number that is not a plain integer a double holds exactly
	 * (1e999, 1.5, 2^60) is kept as its text, in a string, so that no
	 * reader turns it into another number or Infinity.
	 */
	if (id.n <= AUDIT_MAX_FIELD_BYTES && id.n > 0 && id.p[0] != '"' &&
	    !(id.n == 4 && memcmp(id.p, "null", 4) == 0) &&
	    json_number_valid(id.p, id.n) && !plain_int(id.p, id.n))
		return jsonw_kstring(w, "request_id", id.p, id.n);
	if (id.n <= AUDIT_MAX_FIELD_BYTES && json_id_ok(id.p, id.n))
		return jsonw_kraw(w, "request_id", id.p, id.n);
	m = id.n > AUDIT_MAX_FIELD_BYTES ? AUDIT_MAX_FIELD_BYTES : id.n;
	put_hex(w, "request_id", id.p, m);
	if (id.n > AUDIT_MAX_FIELD_BYTES &&
	    key_suffixed(w, "request_id", "_truncated") == 0)
		jsonw_uint(w, id.n);
	return jsonw_error(w);
}

/* 2026-11-23T10:00:00.123Z: 24 chars + NUL. */
static void
timestamp_ms(char out[25], int64_t now_ms)
{
	int64_t	 sec, ms;

	/* Floor division, so an instant before 1970 still counts up to it. */
	sec = now_ms / 1000;
	ms = now_ms % 1000;
	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	time_iso8601(out, (time_t)sec);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

static int
map_jsonw(int err)
{
	switch (err) {
	case 0:
		return 0;
	case JSONW_ELIMIT:
		return AUDIT_ELIMIT;
	case JSONW_ENOMEM:
		return AUDIT_ENOMEM;
	default:
		return AUDIT_EINVAL;
	}
}

/* Ends the line with '\n', or cuts out back to start. */
static int
end_line(struct jsonw *w, struct buf *out, size_t start)
{
	int	 r;

	if ((r = jsonw_finish(w)) == 0 && (r = buf_addc(out, '\n')) != 0)
		r = r == UTIL_ELIMIT ? JSONW_ELIMIT : JSONW_ENOMEM;
	if (r != 0 && out->n > start) {
		out->n = start;
		out->p[start] = '\0';
	}
	return map_jsonw(r);
}

/* see audit.h */
int
audit_format(struct buf *out, const struct audit_record *r, int64_t now_ms)
{
	struct jsonw	 w;
	char		 ts[25];
	size_t		 start;

	if (out == NULL || r == NULL)
		return AUDIT_EINVAL;
	start = out->n;
	timestamp_ms(ts, now_ms);
	jsonw_init(&w, out);
	jsonw_begin_object(&w);
	jsonw_kstr(&w, "timestamp", ts);
	if (r->tool.p != NULL)
		put_slice(&w, "tool", r->tool);
	if (r->connection.p != NULL)
		put_slice(&w, "connection", r->connection);
	if (r->bucket.p != NULL)
		put_slice(&w, "bucket", r->bucket);
	if (r->key.p != NULL)
		put_slice(&w, "key", r->key);
	if (r->dest_bucket.p != NULL)
		put_slice(&w, "dest_bucket", r->dest_bucket);
	if (r->dest_key.p != NULL)
		put_slice(&w, "dest_key", r->dest_key);
	if (status_name(r->status) != NULL)
		jsonw_kstr(&w, "status", status_name(r->status));
	if (decision_name(r->decision) != NULL)
		jsonw_kstr(&w, "decision", decision_name(r->decision));
	if (r->rule != NULL)
		put_cstr(&w, "rule", r->rule);
	if (r->error != NULL)
		put_cstr(&w, "error", r->error);
	if (r->request_id.p != NULL)
		put_request_id(&w, r->request_id);
	if (r->s3_request_id.p != NULL)
		put_slice(&w, "s3_request_id", r->s3_request_id);
	if (r->flags & AUDIT_F_BYTES)
		jsonw_kuint(&w, "bytes", r->bytes);
	if (r->flags & AUDIT_F_CONTENT_BYTES)
		jsonw_kuint(&w, "content_bytes", r->content_bytes);
	if (r->flags & AUDIT_F_DURATION)
		jsonw_kint(&w, "duration_ms", r->duration_ms);
	jsonw_end_object(&w);
	return end_line(&w, out, start);
}

static const char *
level_name(enum audit_status s)
{
	switch (s) {
	case AUDIT_STATUS_ERROR:
		return "error";
	case AUDIT_STATUS_DENIED:
	case AUDIT_STATUS_INVALID:
		return "warn";
	default:
		return "info";
	}
}

/* see audit.h */
int
audit_format_log_line(struct buf *out, const struct audit_record *r)
{
	struct jsonw	 w;
	size_t		 start;

	if (out == NULL || r == NULL)
		return AUDIT_EINVAL;
	start = out->n;
	jsonw_init(&w, out);
	jsonw_begin_object(&w);
	jsonw_kstr(&w, "level", level_name(r->status));
	jsonw_kstr(&w, "msg", "tool call");
	if (r->tool.p != NULL)
		put_slice(&w, "tool", r->tool);
	if (status_name(r->status) != NULL)
		jsonw_kstr(&w, "status", status_name(r->status));
	if (r->flags & AUDIT_F_DURATION)
		jsonw_kint(&w, "duration_ms", r->duration_ms);
	if (r->error != NULL)
		put_cstr(&w, "error", r->error);
	jsonw_end_object(&w);
	return end_line(&w, out, start);
}

/*
 * One write() of the whole line: O_APPEND makes it one atomic append, so
 * records of several writers never interleave.  The rest of a short write
 * is not sent, since a second write could land after another writer's
 * record; the damaged line is ended instead.
 */
static int
write_line(int fd, const char *p, size_t n)
{
	ssize_t	 w, nl = 0;

	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return AUDIT_EWRITE;
	if ((size_t)w != n) {
		if (w > 0)
			nl = write(fd, "\n", 1);
		(void)nl;
		return AUDIT_ESHORT;
	}
	return 0;
}

static int
realtime_ms(int64_t *out)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	*out = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 0;
}

/* see audit.h */
void
audit_mac(uint8_t out[AUDIT_MAC_BYTES], const uint8_t k[AUDIT_KEY_BYTES],
    const void *p, size_t n)
{
	br_hmac_key_context	 kc;
	br_hmac_context		 hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, k, AUDIT_KEY_BYTES);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, p, n);
	br_hmac_out(&hc, out);
	wipe(&kc, sizeof(kc));
	wipe(&hc, sizeof(hc));
}

/* see audit.h */
void
audit_key_run(uint8_t out[AUDIT_KEY_BYTES], const uint8_t k0[AUDIT_KEY_BYTES],
    const uint8_t run[AUDIT_RUN_BYTES])
{
	static const char	 label[] = "mcp-s3 audit run";
	uint8_t			 msg[sizeof(label) - 1 + AUDIT_RUN_BYTES];

	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, run, AUDIT_RUN_BYTES);
	audit_mac(out, k0, msg, sizeof(msg));
}

/* see audit.h */
void
audit_key_evolve(uint8_t k[AUDIT_KEY_BYTES])
{
	static const char	 label[] = "mcp-s3 audit evolve";
	br_sha256_context	 h;

	br_sha256_init(&h);
	br_sha256_update(&h, label, sizeof(label) - 1);
	br_sha256_update(&h, k, AUDIT_KEY_BYTES);
	/* The output overwrites K(R,i) itself: no copy of it is left. */
	br_sha256_out(&h, k);
	wipe(&h, sizeof(h));
}

/*
 * Turns the line in a->line (ending "}\n") into the chain's next link:
 * appends run, seq and prev, the mac over all of it, and "}\n".  The
 * mac goes to *mac; the chain does not move yet.
 */
static int
chain_line(struct audit *a, uint8_t mac[AUDIT_MAC_BYTES])
{
	struct chain	*c = a->chain;
	struct buf	*b = &a->line;
	char		 run[2 * AUDIT_RUN_BYTES + 1];
	char		 hex[2 * AUDIT_MAC_BYTES + 1];

	if (b->n < 2 || memcmp(b->p + b->n - 2, "}\n", 2) != 0)
		return AUDIT_EINVAL;
	b->n -= 2;
	hex_encode(run, c->run, AUDIT_RUN_BYTES);
	hex_encode(hex, c->prev, AUDIT_MAC_BYTES);
	if (buf_addf(b, ",\"run\":\"%s\",\"seq\":%llu,\"prev\":\"%s\"", run,
	    (unsigned long long)c->seq, hex) != 0)
		return AUDIT_ELIMIT;
	audit_mac(mac, c->key, b->p, b->n);
	hex_encode(hex, mac, AUDIT_MAC_BYTES);
	if (buf_addf(b, ",\"mac\":\"%s\"}\n", hex) != 0)
		return AUDIT_ELIMIT;
	return 0;
}

/*
 * Writes the line in a->line as the chain's next link.  The chain moves
 * on (and K(R,i) is gone) once any of the line reached the file; after a
 * write that wrote nothing the same key, seq and prev serve the next try.
 */
static int
write_linked(struct audit *a)
{
	struct chain	*c = a->chain;
	uint8_t		 mac[AUDIT_MAC_BYTES];
	int		 rc;

	if ((rc = chain_line(a, mac)) != 0)
		return rc;
	rc = write_line(a->fd, a->line.p, a->line.n);
	if (rc == 0 || rc == AUDIT_ESHORT) {
		memcpy(c->prev, mac, sizeof(mac));
		audit_key_evolve(c->key);
		c->seq++;
	}
	return rc;
}

/* A start or seal record, linked and written. */
static int
write_event(struct audit *a, const char *event, const char *reason,
    uint64_t offset)
{
	struct jsonw	 w;
	char		 ts[25];
	int64_t		 now = 0;
	int		 rc;

	(void)realtime_ms(&now);
	timestamp_ms(ts, now);
	buf_reset(&a->line);
	jsonw_init(&w, &a->line);
	jsonw_begin_object(&w);
	jsonw_kstr(&w, "timestamp", ts);
	jsonw_kstr(&w, "event", event);
	if (reason != NULL) {
		jsonw_kstr(&w, "reason", reason);
		jsonw_kuint(&w, "records", a->chain->pending);
	} else
		jsonw_kuint(&w, "offset", offset);
	jsonw_end_object(&w);
	if ((rc = end_line(&w, &a->line, 0)) != 0)
		return rc;
	return write_linked(a);
}

/* A seal when records are pending. */
static int
seal_locked(struct audit *a, const char *reason)
{
	int	 rc;

	if (a->chain == NULL || a->chain->pending == 0)
		return 0;
	if ((rc = write_event(a, "seal", reason, 0)) == 0) {
		a->chain->pending = 0;
		return 0;
	}
	/* The timer tries again an interval later, not at once. */
	a->chain->pending_ms = time_now_ms();
	if (!a->chain->failed) {
		/* Said once, like a failed record; the message is static. */
		a->chain->failed = 1;
		fprintf(stderr, "mcp-s3: writing an audit seal failed: %s\n",
		    audit_strerror(rc));
	}
	return rc;
}

/* see audit.h */
int
audit_write(struct audit *a, const struct audit_record *r)
{
	int64_t	 now = 0;
	int	 rc;

	if (a == NULL || r == NULL)
		return AUDIT_EINVAL;
	/* A clock that fails still leaves a record, stamped 1970. */
	(void)realtime_ms(&now);
	buf_reset(&a->line);
	if ((rc = audit_format(&a->line, r, now)) != 0)
		goto out;
	if (a->chain == NULL) {
		rc = write_line(a->fd, a->line.p, a->line.n);
		goto out;
	}
	/* Overdue (the loop was busy with a call): seal first. */
	if (a->chain->pending > 0 && a->chain->seconds > 0 &&
	    time_now_ms() - a->chain->pending_ms >=
	    (int64_t)a->chain->seconds * 1000) {
		(void)seal_locked(a, "timer");
		buf_reset(&a->line);
		if ((rc = audit_format(&a->line, r, now)) != 0)
			goto out;
	}
	if ((rc = write_linked(a)) != 0)
		goto out;
	if (a->chain->pending++ == 0)
		a->chain->pending_ms = time_now_ms();
	if (a->chain->pending >= a->chain->records)
		rc = seal_locked(a, "count");
out:
	return rc;
}

/* see audit.h */
int
audit_seal_pending(struct audit *a)
{
	int	 rc;

	if (a == NULL)
		return AUDIT_EINVAL;
	rc = seal_locked(a, "timer");
	return rc;
}

/* see audit.h */
int64_t
audit_seal_wait_ms(const struct audit *a, int64_t now_ms)
{
	int64_t	 due;

	if (a == NULL || a->chain == NULL || a->chain->pending == 0 ||
	    a->chain->seconds == 0)
		return -1;
	due = a->chain->pending_ms + (int64_t)a->chain->seconds * 1000;
	return due > now_ms ? due - now_ms : 0;
}

/* Sets up the chain on a and writes the start record. */
static int
start_chain(struct audit *a, const uint8_t k0[AUDIT_KEY_BYTES],
    const uint8_t run[AUDIT_RUN_BYTES], uint64_t offset, unsigned records,
    unsigned seconds)
{
	struct chain	*c;
	int		 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AUDIT_ENOMEM;
	audit_key_run(c->key, k0, run);
	memcpy(c->run, run, AUDIT_RUN_BYTES);
	c->records = records > 0 ? records : AUDIT_SEAL_RECORDS;
	c->seconds = seconds;
	a->chain = c;
	/* The start record is pending too: a log always ends with a seal. */
	if ((rc = write_event(a, "start", NULL, offset)) == 0) {
		c->pending = 1;
		c->pending_ms = time_now_ms();
	}
	return rc;
}

/* see audit.h */
int
audit_open_fd_sealed(struct audit **ap, int fd,
    const uint8_t key[AUDIT_KEY_BYTES], const uint8_t run[AUDIT_RUN_BYTES],
    uint64_t offset, unsigned records, unsigned seconds)
{
	int	 rc;

	if (ap == NULL)
		return AUDIT_EINVAL;
	*ap = NULL;
	if (key == NULL || run == NULL)
		return AUDIT_EINVAL;
	if ((rc = audit_open_fd(ap, fd)) != 0)
		return rc;
	if ((rc = start_chain(*ap, key, run, offset, records,
	    seconds)) != 0) {
		audit_close(*ap);
		*ap = NULL;
	}
	return rc;
}

/* see audit.h */
int
audit_log_line(int fd, const struct audit_record *r)
{
	struct buf	 b;
	int		 rc;

	if (r == NULL)
		return AUDIT_EINVAL;
	buf_init(&b, AUDIT_MAX_LINE_BYTES);
	if ((rc = audit_format_log_line(&b, r)) == 0)
		rc = write_line(fd, b.p, b.n);
	buf_free(&b);
	return rc;
}

static int
alloc_audit(struct audit **ap, int fd, int owned)
{
	struct audit		*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return AUDIT_ENOMEM;
	a->fd = fd;
	a->owned = owned;
	buf_init(&a->line, AUDIT_MAX_LINE_BYTES + AUDIT_CHAIN_BYTES);
	*ap = a;
	return 0;
}

/* see audit.h */
int
audit_open_fd(struct audit **ap, int fd)
{
	if (ap == NULL)
		return AUDIT_EINVAL;
	*ap = NULL;
	if (fd < 0)
		return AUDIT_EINVAL;
	return alloc_audit(ap, fd, 0);
}

static int
refuse(int fd, int rc, char *err, size_t errlen, const char *path,
    const char *why)
{
	int	 saved = errno;

	if (fd >= 0)
		close(fd);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "audit file %s: %s", path, why);
	errno = saved;
	return rc;
}

/* see audit.h */
int
audit_open(struct audit **ap, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 why[160];
	int		 fd, fl, rc;

	if (ap == NULL)
		return AUDIT_EINVAL;
	*ap = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		return audit_open_fd(ap, STDERR_FILENO);

	/*
	 * O_NONBLOCK keeps open() from waiting for a reader when the path is
	 * a FIFO; it is refused below and the flag is cleared for the file.
	 */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		switch (errno) {
		case ELOOP:
			return refuse(-1, AUDIT_EREFUSED, err, errlen, path,
			    "is a symbolic link; give the path of the file "
			    "itself");
		case EISDIR:
			return refuse(-1, AUDIT_EREFUSED, err, errlen, path,
			    "is a directory; give the path of a file");
		case ENXIO:
			return refuse(-1, AUDIT_EREFUSED, err, errlen, path,
			    "is not a regular file");
		default:
			snprintf(why, sizeof(why), "cannot open: %s",
			    strerror(errno));
			return refuse(-1, AUDIT_EOPEN, err, errlen, path, why);
		}
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, sizeof(why), "cannot stat: %s", strerror(errno));
		return refuse(fd, AUDIT_EOPEN, err, errlen, path, why);
	}
	if (!S_ISREG(st.st_mode))
		return refuse(fd, AUDIT_EREFUSED, err, errlen, path,
		    "is not a regular file");
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, sizeof(why), "is writable by group or others "
		    "(mode %04o), so others could rewrite the record; "
		    "run chmod go-w on it", (unsigned)(st.st_mode & 07777));
		return refuse(fd, AUDIT_EREFUSED, err, errlen, path, why);
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, sizeof(why), "is owned by uid %lu, not by the "
		    "user mcp-s3 runs as (uid %lu)", (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		return refuse(fd, AUDIT_EREFUSED, err, errlen, path, why);
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		snprintf(why, sizeof(why), "cannot set flags: %s",
		    strerror(errno));
		return refuse(fd, AUDIT_EOPEN, err, errlen, path, why);
	}
	if ((rc = alloc_audit(ap, fd, 1)) != 0)
		return refuse(fd, rc, err, errlen, path, "out of memory");
	return 0;
}

/* see audit.h */
int
audit_key_load(uint8_t key[AUDIT_KEY_BYTES], const char *path,
    const char *what, char *err, size_t errlen)
{
	struct stat	 st;
	struct buf	 b;
	size_t		 n, i;
	int		 hi, lo, rc = AUDIT_EKEY, r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (key == NULL || path == NULL || what == NULL)
		return AUDIT_EINVAL;
	/* One byte more than a key and its '\n' tells "too long". */
	r = util_read_file(path, 2 * AUDIT_KEY_BYTES + 1,
	    UTIL_FILE_REGULAR | UTIL_FILE_NOFOLLOW, &b, &st);
	if (r == UTIL_ENOENT || r == UTIL_EOPEN) {
		snprintf(err, errlen, "%s: %s: %s", what, path, errno == ELOOP ?
		    "is a symbolic link; give the path of the file itself" :
		    strerror(errno));
		return AUDIT_EKEY;
	}
	if (r == UTIL_EFTYPE) {
		snprintf(err, errlen, "%s: %s: is not a regular file", what,
		    path);
		return AUDIT_EKEY;
	}
	/* st holds the open file's fstat() for every other result. */
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "%s: %s: is open to group or others "
		    "(mode %04o), so the seed of the audit chain may have "
		    "leaked; make a new key, chmod 600 it", what, path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: %s: is owned by uid %lu, not by the "
		    "user mcp-s3 runs as (uid %lu)", what, path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		goto out;
	}
	if (r == UTIL_EREAD || r == UTIL_ENOMEM) {
		snprintf(err, errlen, "%s: %s: cannot read: %s", what, path,
		    r == UTIL_ENOMEM ? "out of memory" : strerror(errno));
		goto out;
	}
	n = r == UTIL_ELIMIT ? 2 * AUDIT_KEY_BYTES + 2 : b.n;
	if (n == 2 * AUDIT_KEY_BYTES + 1 && b.p[n - 1] == '\n')
		n--;
	if (n != 2 * AUDIT_KEY_BYTES) {
		snprintf(err, errlen, "%s: %s: holds %s bytes; expected 64 hex "
		    "digits (a 32-byte key), made e.g. with head -c 32 "
		    "/dev/urandom | od -An -tx1 | tr -d ' \\n'", what, path,
		    n > 2 * AUDIT_KEY_BYTES ? "more than 65" : "too few");
		goto out;
	}
	for (i = 0; i < AUDIT_KEY_BYTES; i++) {
		hi = hex_digit((unsigned char)b.p[2 * i]);
		lo = hex_digit((unsigned char)b.p[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			/* Where, never what: the byte may be key material. */
			snprintf(err, errlen, "%s: %s: byte %zu is not a hex "
			    "digit; expected 64 hex digits", what, path,
			    hi < 0 ? 2 * i + 1 : 2 * i + 2);
			wipe(key, AUDIT_KEY_BYTES);
			goto out;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* Random bytes (util_random), or AUDIT_ERANDOM. */
static int
random_bytes(uint8_t *p, size_t n)
{
	return util_random(p, n) == 0 ? 0 : AUDIT_ERANDOM;
}

/* see audit.h */
int
audit_open_sealed(struct audit **ap, const char *path,
    const struct audit_sealing *s, char *err, size_t errlen)
{
	struct flock	 fl;
	struct stat	 st;
	uint8_t		 run[AUDIT_RUN_BYTES];
	int		 rc;

	if (s == NULL || s->key == NULL)
		return audit_open(ap, path, err, errlen);
	if (ap == NULL) {
		rc = AUDIT_EINVAL;
		goto out;
	}
	*ap = NULL;
	if (path == NULL) {
		snprintf(err, errlen, "MCP_S3_AUDIT_KEY_FILE: set without "
		    "MCP_S3_AUDIT_FILE; a sealed log needs a file");
		rc = AUDIT_EINVAL;
		goto out;
	}
	if ((rc = audit_open(ap, path, err, errlen)) != 0)
		goto out;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl((*ap)->fd, F_SETLK, &fl) != 0) {
		snprintf(err, errlen, "audit file %s: %s", path, errno ==
		    EACCES || errno == EAGAIN ? "another process is sealing "
		    "it; give each server a file of its own" :
		    "cannot lock it");
		rc = AUDIT_EREFUSED;
		goto fail;
	}
	if (fstat((*ap)->fd, &st) != 0) {
		snprintf(err, errlen, "audit file %s: cannot stat: %s", path,
		    strerror(errno));
		rc = AUDIT_EOPEN;
		goto fail;
	}
	if ((rc = random_bytes(run, sizeof(run))) != 0) {
		snprintf(err, errlen, "audit file %s: no random bytes for the "
		    "run id", path);
		goto fail;
	}
	if ((rc = start_chain(*ap, s->key, run, (uint64_t)st.st_size,
	    s->records, s->seconds)) != 0) {
		snprintf(err, errlen, "audit file %s: cannot start the sealed "
		    "log: %s", path, audit_strerror(rc));
		goto fail;
	}
	goto out;
fail:
	audit_close(*ap);
	*ap = NULL;
out:
	if (s->key != NULL)
		wipe(s->key, AUDIT_KEY_BYTES);
	return rc;
}

/* see audit.h */
void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->chain != NULL) {
		(void)seal_locked(a, "shutdown");
		wipe(a->chain, sizeof(*a->chain));
		free(a->chain);
	}
	if (a->owned)
		close(a->fd);
	buf_free(&a->line);
	free(a);
}

/* see audit.h */
const char *
audit_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case AUDIT_EINVAL:
		return "invalid argument";
	case AUDIT_ENOMEM:
		return "out of memory";
	case AUDIT_EOPEN:
		return "the audit file could not be opened";
	case AUDIT_EREFUSED:
		return "the audit file is unsafe to use";
	case AUDIT_EWRITE:
		return "writing the audit record failed";
	case AUDIT_ESHORT:
		return "the audit record was written only in part";
	case AUDIT_ELIMIT:
		return "the audit record is too long";
	case AUDIT_EKEY:
		return "the audit key file is unusable";
	case AUDIT_ERANDOM:
		return "no random bytes for the audit run id";
	default:
		return "unknown audit error";
	}
}
