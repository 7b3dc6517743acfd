/*
 * auditverify.c - audit_verify(): recomputes the HMAC chain of a sealed
 * audit log from its seed and names the first line that does not belong;
 * the chain and the contract are in audit.h.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "util.h"

/* The longest line a sealed log writes, with its '\n'. */
#define VERIFY_LINE_MAX		(AUDIT_MAX_LINE_BYTES + AUDIT_CHAIN_BYTES)
/* Tokens of one record: eleven string fields, numbers, the chain; ample. */
#define VERIFY_TOKENS		96
/* ,"mac":"<64 hex>"} at the end of every sealed line. */
#define MAC_SUFFIX		(8 + 2 * AUDIT_MAC_BYTES + 2)

/* Lines read from a descriptor into one bounded buffer. */
struct lines {
	int		 fd;
	char		*p;
	size_t		 len;	/* bytes in p */
	size_t		 off;	/* start of the next line */
	int		 eof;
};

/*
 * The next line in *l (without its '\n'); *complete says it had one.  1
 * for a line, 0 at the end, -1 when reading fails.  A line longer than
 * VERIFY_LINE_MAX comes back cut, with *complete 0 and *toolong 1.
 */
static int
next_line(struct lines *r, struct slice *l, int *complete, int *toolong)
{
	char	*nl;
	ssize_t	 n;

	*complete = *toolong = 0;
	for (;;) {
		nl = r->len > r->off ? memchr(r->p + r->off, '\n',
		    r->len - r->off) : NULL;
		if (nl != NULL) {
			l->p = r->p + r->off;
			l->n = (size_t)(nl - l->p);
			r->off += l->n + 1;
			*complete = 1;
			return 1;
		}
		if (r->off > 0) {
			memmove(r->p, r->p + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len == VERIFY_LINE_MAX) {
			l->p = r->p;
			l->n = r->len;
			r->off = r->len;
			*toolong = 1;
			return 1;
		}
		if (r->eof) {
			if (r->len == r->off)
				return 0;
			l->p = r->p + r->off;
			l->n = r->len - r->off;
			r->off = r->len;
			return 1;
		}
		n = read(r->fd, r->p + r->len, VERIFY_LINE_MAX - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
}

enum event {
	EV_RECORD = 0,		/* a tool call */
	EV_START,
	EV_SEAL
};

/* The chain fields of one line. */
struct link {
	uint8_t		 run[AUDIT_RUN_BYTES];
	uint8_t		 prev[AUDIT_MAC_BYTES];
	uint8_t		 mac[AUDIT_MAC_BYTES];
	uint64_t	 seq;
	enum event	 event;
	char		 reason[16];
	uint64_t	 offset;	/* start: the file's size at open */
	size_t		 covered;	/* bytes the mac covers */
};

/* The reader's tokens: audit_verify() is not reentrant. */
static struct json_tok	toks[VERIFY_TOKENS];

/* Exactly 2n lower-case hex digits of a JSON string token into out. */
static int
get_hex(const struct json *j, int t, uint8_t *out, size_t n)
{
	struct slice	 s = json_raw(j, t);
	size_t		 i;
	int		 hi, lo;

	if (json_type(j, t) != JSON_STRING || s.n != 2 * n + 2)
		return -1;
	for (i = 0; i < n; i++) {
		hi = hex_digit((unsigned char)s.p[1 + 2 * i]);
		lo = hex_digit((unsigned char)s.p[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Parses line p[0..n) into *k; on failure *why says what is missing. */
static int
parse_link(const char *p, size_t n, struct link *k, const char **why)
{
	struct json	 j;
	struct slice	 s;
	int64_t		 seq;
	int		 t;

	memset(k, 0, sizeof(*k));
	if (json_parse(&j, p, n, toks, VERIFY_TOKENS) < 0 ||
	    json_type(&j, 0) != JSON_OBJECT) {
		*why = "not a JSON object";
		return -1;
	}
	/* "mac" must be the last member, ending the line: the rest is MAC'd. */
	t = json_find(&j, 0, "mac");
	s = json_raw(&j, t);
	if (n < MAC_SUFFIX || s.p != p + n - 2 - 2 * AUDIT_MAC_BYTES - 1 ||
	    memcmp(p + n - MAC_SUFFIX, ",\"mac\":\"", 8) != 0 ||
	    get_hex(&j, t, k->mac, AUDIT_MAC_BYTES) != 0) {
		*why = "no \"mac\" of 64 hex digits as its last member (a record "
		    "written without sealing?)";
		return -1;
	}
	k->covered = n - MAC_SUFFIX;
	if (get_hex(&j, json_find(&j, 0, "run"), k->run,
	    AUDIT_RUN_BYTES) != 0) {
		*why = "no \"run\" of 32 hex digits";
		return -1;
	}
	if (json_int64(&j, json_find(&j, 0, "seq"), &seq) != 0 || seq < 0) {
		*why = "no \"seq\" that is a non-negative integer";
		return -1;
	}
	k->seq = (uint64_t)seq;
	if (get_hex(&j, json_find(&j, 0, "prev"), k->prev,
	    AUDIT_MAC_BYTES) != 0) {
		*why = "no \"prev\" of 64 hex digits";
		return -1;
	}
	t = json_find(&j, 0, "event");
	if (t >= 0) {
		if (json_streq(&j, t, "start"))
			k->event = EV_START;
		else if (json_streq(&j, t, "seal"))
			k->event = EV_SEAL;
		else {
			*why = "an unknown \"event\"";
			return -1;
		}
	}
	if (k->event == EV_START) {
		if (json_int64(&j, json_find(&j, 0, "offset"), &seq) != 0 ||
		    seq < 0) {
			*why = "a start record without an \"offset\"";
			return -1;
		}
		k->offset = (uint64_t)seq;
	}
	t = json_find(&j, 0, "reason");
	s = json_raw(&j, t);
	if (k->event == EV_SEAL && json_type(&j, t) == JSON_STRING &&
	    s.n - 2 < sizeof(k->reason)) {
		memcpy(k->reason, s.p + 1, s.n - 2);
		k->reason[s.n - 2] = '\0';
	}
	return 0;
}

/* The verifier's state between lines. */
struct vstate {
	int		 in_run;
	uint8_t		 run[AUDIT_RUN_BYTES];
	uint8_t		 key[AUDIT_KEY_BYTES];	/* K(run, next) */
	uint8_t		 last[AUDIT_MAC_BYTES];	/* mac of the line before */
	uint64_t	 next;		/* the seq expected next in run */
	uint64_t	 records;	/* lines verified */
	uint64_t	 seals;
	uint64_t	 runs;
	int		 sealed;	/* the last line is a seal */
	uint64_t	 seal_seq;	/* seq of the last seal in this run */
	int		 run_has_seal;
	uint64_t	 seal_line;
	char		 seal_reason[16];
};

/* 1 if line l is run r's record seq with a mac that verifies under key. */
static int
link_verifies(struct slice l, const uint8_t run[AUDIT_RUN_BYTES],
    uint64_t seq, const uint8_t key[AUDIT_KEY_BYTES])
{
	struct link	 k;
	uint8_t		 mac[AUDIT_MAC_BYTES];
	const char	*why;
	int		 ok;

	if (parse_link(l.p, l.n, &k, &why) != 0 ||
	    memcmp(k.run, run, AUDIT_RUN_BYTES) != 0 || k.seq != seq)
		return 0;
	audit_mac(mac, key, l.p, k.covered);
	ok = ct_equal(mac, k.mac, sizeof(mac));
	wipe(mac, sizeof(mac));
	return ok;
}

/* The line number where run's record seq comes later, or 0. */
static uint64_t
find_later(struct lines *r, uint64_t lineno, const uint8_t *run, uint64_t seq)
{
	struct slice	 l;
	struct link	 k;
	const char	*why;
	int		 complete, toolong;

	while (next_line(r, &l, &complete, &toolong) == 1) {
		lineno++;
		if (complete && parse_link(l.p, l.n, &k, &why) == 0 &&
		    memcmp(k.run, run, AUDIT_RUN_BYTES) == 0 && k.seq == seq)
			return lineno;
	}
	return 0;
}

#define BAD(...)	do { snprintf(msg, msglen, __VA_ARGS__); goto bad; } \
			while (0)

/* see audit.h */
int
audit_verify(int fd, const uint8_t k0[AUDIT_KEY_BYTES], char *msg,
    size_t msglen)
{
	struct vstate		 v;
	struct lines		 r;
	struct slice		 l;
	struct link		 k;
	uint8_t			 mac[AUDIT_MAC_BYTES];
	const char		*why;
	char			 runhex[2 * AUDIT_RUN_BYTES + 1];
	unsigned long long	 L = 0, at;
	uint64_t		 off = 0, here;
	int			 rc, complete, toolong, ok, ret = 1;

	if (msg == NULL || msglen == 0 || k0 == NULL)
		return 2;
	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	if ((r.p = malloc(VERIFY_LINE_MAX)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return 2;
	}
	while ((rc = next_line(&r, &l, &complete, &toolong)) == 1) {
		L++;
		here = off;
		off += l.n + 1;
		if (toolong)
			BAD("line %llu: longer than %u bytes: not an audit "
			    "record", L, (unsigned)VERIFY_LINE_MAX);
		if (!complete)
			BAD("line %llu: incomplete last line (no newline): the "
			    "log was truncated inside a record", L);
		if (parse_link(l.p, l.n, &k, &why) != 0)
			BAD("line %llu: malformed record: %s", L, why);
		if (!v.in_run || memcmp(k.run, v.run, sizeof(k.run)) != 0) {
			hex_encode(runhex, k.run, AUDIT_RUN_BYTES);
			if (k.seq != 0 || k.event != EV_START)
				BAD("line %llu (seq %llu): a record of run %.8s "
				    "whose start record is not before it: "
				    "inserted, reordered, or the start of its "
				    "run was deleted", L,
				    (unsigned long long)k.seq, runhex);
			v.in_run = 1;
			v.runs++;
			v.next = 0;
			v.run_has_seal = 0;
			memset(v.last, 0, sizeof(v.last));
			memcpy(v.run, k.run, sizeof(v.run));
			audit_key_run(v.key, k0, k.run);
		}
		if (k.seq > v.next) {
			at = find_later(&r, L, v.run, v.next);
			if (at != 0)
				BAD("line %llu (seq %llu): records out of order: "
				    "seq %llu was expected here and comes later, "
				    "at line %llu", L, (unsigned long long)k.seq,
				    (unsigned long long)v.next, at);
			BAD("line %llu (seq %llu): sequence gap: seq %llu..%llu "
			    "missing: records were deleted", L,
			    (unsigned long long)k.seq,
			    (unsigned long long)v.next,
			    (unsigned long long)(k.seq - 1));
		}
		if (k.seq < v.next)
			BAD("line %llu (seq %llu): seq %llu again after seq "
			    "%llu: records out of order, replayed or inserted",
			    L, (unsigned long long)k.seq,
			    (unsigned long long)k.seq,
			    (unsigned long long)(v.next - 1));
		audit_mac(mac, v.key, l.p, k.covered);
		ok = ct_equal(mac, k.mac, sizeof(mac));
		wipe(mac, sizeof(mac));
		if (!ok) {
			/* The genuine record right after: this one was added. */
			if (next_line(&r, &l, &complete, &toolong) == 1 &&
			    complete && link_verifies(l, v.run, v.next, v.key))
				BAD("line %llu (seq %llu): inserted record: its "
				    "MAC does not verify, and line %llu holds "
				    "the genuine seq %llu", L,
				    (unsigned long long)k.seq, L + 1,
				    (unsigned long long)v.next);
			BAD("line %llu (seq %llu): MAC mismatch: the record was "
			    "edited, or forged", L, (unsigned long long)k.seq);
		}
		if (k.seq == 0 && k.offset != here)
			BAD("line %llu (seq 0): the run started at byte %llu of "
			    "the file, but its start record is at byte %llu: "
			    "%s", L, (unsigned long long)k.offset,
			    (unsigned long long)here, k.offset > here ?
			    "records before it were deleted (a rotated log "
			    "verifies only after its earlier parts)" :
			    "lines before it were inserted, or runs reordered");
		if (!ct_equal(k.prev, v.last, sizeof(k.prev)))
			BAD("line %llu (seq %llu): prev mismatch: it does not "
			    "follow the record before it in its run", L,
			    (unsigned long long)k.seq);
		memcpy(v.last, k.mac, sizeof(v.last));
		audit_key_evolve(v.key);
		v.next++;
		v.records++;
		v.sealed = k.event == EV_SEAL;
		if (v.sealed) {
			v.seals++;
			v.run_has_seal = 1;
			v.seal_seq = k.seq;
			v.seal_line = L;
			memcpy(v.seal_reason, k.reason, sizeof(v.seal_reason));
		}
	}
	if (rc < 0) {
		snprintf(msg, msglen, "cannot read the log after line %llu: %s",
		    L, strerror(errno));
		ret = 2;
		goto out;
	}
	if (v.records == 0)
		BAD("the log is empty: it holds no records (truncated to "
		    "nothing, or never sealed)");
	if (!v.sealed) {
		if (v.run_has_seal)
			BAD("unsealed tail: records %llu..%llu after the last "
			    "seal (seq %llu), or the log was truncated",
			    (unsigned long long)(v.seal_seq + 1),
			    (unsigned long long)(v.next - 1),
			    (unsigned long long)v.seal_seq);
		BAD("unsealed tail: records 0..%llu of the last run have no "
		    "seal after them, or the log was truncated",
		    (unsigned long long)(v.next - 1));
	}
	hex_encode(runhex, v.run, AUDIT_RUN_BYTES);
	snprintf(msg, msglen, "ok: %llu records, %llu seals, last seal at seq "
	    "%llu (%s, line %llu; %llu run%s, last run %.8s)",
	    (unsigned long long)v.records, (unsigned long long)v.seals,
	    (unsigned long long)v.seal_seq, v.seal_reason,
	    (unsigned long long)v.seal_line, (unsigned long long)v.runs,
	    v.runs == 1 ? "" : "s", runhex);
	ret = 0;
	goto out;
bad:
	ret = 1;
out:
	wipe(&v, sizeof(v));
	wipe(r.p, VERIFY_LINE_MAX);
	free(r.p);
	return ret;
}
