/*
 * loopback.h - the one loopback HTTP server of the unit tests: a listener
 * on 127.0.0.1 (an ephemeral port), a forked server that either hands each
 * connection to a function of the test or plays a script of answers, and
 * the requests it got, recorded for the test to look at.
 *
 * The server process serves one connection at a time, in the order they
 * come, and is stopped with lb_stop() (SIGKILL to its PID).  A script
 * answers request i (counted over every connection) with step i; past the
 * last step, the last one is played again.  Every request is recorded
 * before it is answered, so once a client has its answer the request is
 * in the record (lb_count, lb_request).
 *
 * Everything here is static inline, as in listing_model.h: a test uses
 * what it needs.
 */
#ifndef MCP_S3_LOOPBACK_H
#define MCP_S3_LOOPBACK_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LB_HEAD_BYTES	32768
#define LB_MAX_HEADERS	64
#define LB_MAX_BODY	(64u * 1024 * 1024)

/* One request as the server read it. */
struct lb_req {
	char		 raw[LB_HEAD_BYTES];	/* the head as received */
	size_t		 nraw;
	char		 head[LB_HEAD_BYTES];	/* a copy, split in place */
	const char	*method;
	const char	*target;
	const char	*name[LB_MAX_HEADERS];
	const char	*value[LB_MAX_HEADERS];
	int		 nh;
	char		*body;		/* NUL-terminated; NULL when none */
	size_t		 nbody;
	unsigned	 conn;		/* 1 for the first connection... */
};

/* Flags of a scripted answer. */
#define LB_CLOSE	0x01	/* close the connection after the answer */
#define LB_HANGUP	0x02	/* close at once, without an answer */
#define LB_STALL	0x04	/* never answer; close when the peer does */
#define LB_RAW		0x08	/* body is the whole answer, head and all */

/* One scripted answer. */
struct lb_step {
	int		 status;
	const char	*headers;	/* extra lines, each ending "\r\n" */
	const char	*body;		/* NULL: empty */
	size_t		 nbody;		/* 0: strlen(body) */
	unsigned	 flags;		/* LB_* */
	int		 delay_ms;	/* before the answer */
	size_t		 piece;		/* send in pieces of this many bytes,
					   1 ms apart; 0: at once */
};

struct lb {
	pid_t			 pid;
	uint16_t		 port;
	int			 log;	/* the record: a temporary file */
	const struct lb_step	*steps;
	size_t			 nsteps;
};

typedef void	(*lb_conn_fn)(int fd, unsigned conn, void *arg);

/* A socket listening on 127.0.0.1, port in *port; -1 on failure. */
static inline int
lb_listen(uint16_t *port)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A port of 127.0.0.1 where nothing listens (it did a moment ago). */
static inline uint16_t
lb_dead_port(void)
{
	uint16_t	 port = 0;
	int		 fd;

	if ((fd = lb_listen(&port)) >= 0)
		close(fd);
	return port;
}

static inline void
lb_sleep_ms(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		;
}

/* Writes all n bytes; 0, or -1 when the peer is gone. */
static inline int
lb_send(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The value of header name (any case) in r, or NULL. */
static inline const char *
lb_header(const struct lb_req *r, const char *name)
{
	size_t	 n = strlen(name), i;
	int	 h;

	for (h = 0; h < r->nh; h++) {
		if (strlen(r->name[h]) != n)
			continue;
		for (i = 0; i < n; i++)
			if ((r->name[h][i] | 0x20) != (name[i] | 0x20))
				break;
		if (i == n)
			return r->value[h];
	}
	return NULL;
}

/* Splits r->raw into method, target and headers; 0, or -1 on junk. */
static inline int
lb_parse_head(struct lb_req *r)
{
	char	*line, *next, *sp, *colon;

	memcpy(r->head, r->raw, r->nraw + 1);
	r->nh = 0;
	line = r->head;
	if ((next = strstr(line, "\r\n")) == NULL)
		return -1;
	*next = '\0';
	if ((sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp++ = '\0';
	r->method = line;
	r->target = sp;
	if ((sp = strchr(sp, ' ')) == NULL)
		return -1;
	*sp = '\0';
	for (line = next + 2; (next = strstr(line, "\r\n")) != NULL &&
	    next != line; line = next + 2) {
		*next = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			return -1;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		if (r->nh < LB_MAX_HEADERS) {
			r->name[r->nh] = line;
			r->value[r->nh++] = colon;
		}
	}
	return 0;
}

static inline void
lb_req_free(struct lb_req *r)
{
	free(r->body);
	r->body = NULL;
	r->nbody = 0;
}

/*
 * Reads one request (a head and a Content-Length body); 1, or 0 at end
 * of file or on junk.  r->body is freed first (lb_req_free).
 */
static inline int
lb_read_request(int fd, struct lb_req *r)
{
	const char	*cl;
	size_t		 want;
	ssize_t		 got;

	lb_req_free(r);
	r->nraw = 0;
	while (r->nraw < sizeof(r->raw) - 1) {
		if (read(fd, r->raw + r->nraw, 1) != 1)
			return 0;
		r->nraw++;
		if (r->nraw >= 4 &&
		    memcmp(r->raw + r->nraw - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	r->raw[r->nraw] = '\0';
	if (lb_parse_head(r) != 0)
		return 0;
	if ((cl = lb_header(r, "Content-Length")) == NULL)
		return 1;
	if ((want = (size_t)strtoul(cl, NULL, 10)) > LB_MAX_BODY ||
	    (r->body = malloc(want + 1)) == NULL)
		return 0;
	while (r->nbody < want) {
		if ((got = read(fd, r->body + r->nbody, want - r->nbody)) <= 0)
			return 0;
		r->nbody += (size_t)got;
	}
	r->body[r->nbody] = '\0';
	return 1;
}

/* Writes all n bytes to a file. */
static inline void
lb_write_file(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	for (; n > 0; s += w, n -= (size_t)w)
		if ((w = write(fd, s, n)) <= 0)
			return;
}

/* Appends r to the record: "conn nraw nbody\n", the head, the body. */
static inline void
lb_record(int log, const struct lb_req *r)
{
	char	 line[64];
	int	 n;

	n = snprintf(line, sizeof(line), "%u %zu %zu\n", r->conn, r->nraw,
	    r->nbody);
	lb_write_file(log, line, (size_t)n);
	lb_write_file(log, r->raw, r->nraw);
	lb_write_file(log, r->body, r->nbody);
}

/* Sends buf in pieces of piece bytes (0: at once); 0 or -1. */
static inline int
lb_send_pieces(int fd, const char *p, size_t n, size_t piece)
{
	size_t	 k;

	if (piece == 0)
		return lb_send(fd, p, n);
	for (; n > 0; p += k, n -= k) {
		k = n < piece ? n : piece;
		if (lb_send(fd, p, k) != 0)
			return -1;
		lb_sleep_ms(1);
	}
	return 0;
}

/* Plays step s on fd; 1 when the connection goes on, 0 when it ends. */
static inline int
lb_play(int fd, const struct lb_step *s)
{
	const char	*h = s->headers != NULL ? s->headers : "";
	const char	*body = s->body != NULL ? s->body : "";
	size_t		 nbody = s->nbody ? s->nbody : strlen(body), i;
	char		*out, head[512];
	size_t		 nh;
	int		 n, has_length = 0, rc;
	char		 drain[4096];

	if (s->flags & LB_HANGUP)
		return 0;
	if (s->flags & LB_STALL) {
		while (read(fd, drain, sizeof(drain)) > 0)
			;
		return 0;
	}
	if (s->delay_ms > 0)
		lb_sleep_ms(s->delay_ms);
	if (s->flags & LB_RAW)
		return lb_send_pieces(fd, body, nbody, s->piece) == 0 &&
		    !(s->flags & LB_CLOSE);
	for (i = 0; h[i] != '\0'; i++)
		if ((i == 0 || h[i - 1] == '\n') &&
		    strncasecmp(h + i, "content-length:", 15) == 0)
			has_length = 1;
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\n", s->status);
	if (!has_length)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Length: %zu\r\n", nbody);
	nh = (size_t)n + strlen(h) + 2;
	if ((out = malloc(nh + nbody)) == NULL)
		return 0;
	memcpy(out, head, (size_t)n);
	memcpy(out + n, h, strlen(h));
	memcpy(out + nh - 2, "\r\n", 2);
	memcpy(out + nh, body, nbody);
	rc = lb_send_pieces(fd, out, nh + nbody, s->piece);
	free(out);
	return rc == 0 && !(s->flags & LB_CLOSE);
}

/* The script's connection function: record, then answer. */
static inline void
lb_script_conn(int fd, unsigned conn, void *arg)
{
	static size_t		 seq;
	static struct lb_req	 r;
	struct lb		*lb = arg;
	const struct lb_step	*s;

	while (lb_read_request(fd, &r)) {
		r.conn = conn;
		lb_record(lb->log, &r);
		s = &lb->steps[seq < lb->nsteps ? seq : lb->nsteps - 1];
		seq++;
		if (!lb_play(fd, s))
			break;
	}
	lb_req_free(&r);
}

/*
 * Starts a server on a new listener: each connection is handed to
 * fn(fd, conn, arg) (conn counts from 1), then closed.  0 or -1.
 */
static inline int
lb_start(struct lb *lb, lb_conn_fn fn, void *arg)
{
	unsigned	 conn = 0;
	int		 lfd, c;

	lb->pid = -1;
	if ((lfd = lb_listen(&lb->port)) == -1)
		return -1;
	fflush(NULL);
	if ((lb->pid = fork()) == 0) {
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			if ((c = accept(lfd, NULL, NULL)) == -1)
				continue;
			fn(c, ++conn, arg);
			close(c);
		}
	}
	close(lfd);
	return lb->pid > 0 ? 0 : -1;
}

/* Starts a server that plays steps[0..n-1] and records the requests. */
static inline int
lb_start_script(struct lb *lb, const struct lb_step *steps, size_t n)
{
	FILE	*f;

	memset(lb, 0, sizeof(*lb));
	lb->pid = -1;
	if (n == 0 || (f = tmpfile()) == NULL)
		return -1;
	lb->log = dup(fileno(f));
	fclose(f);
	lb->steps = steps;
	lb->nsteps = n;
	return lb_start(lb, lb_script_conn, lb);
}

static inline void
lb_stop(struct lb *lb)
{
	if (lb->pid > 0) {
		kill(lb->pid, SIGKILL);
		waitpid(lb->pid, NULL, 0);
	}
	lb->pid = -1;
	if (lb->steps != NULL)
		close(lb->log);
	lb->steps = NULL;
}

/*
 * Request i (from 0) of a script's record, parsed into r (free it with
 * lb_req_free); 0, or -1 when there is no such request.
 */
static inline int
lb_request(const struct lb *lb, size_t i, struct lb_req *r)
{
	char	 line[64];
	off_t	 off = 0;
	size_t	 k, nl;
	ssize_t	 got;

	lb_req_free(r);
	for (k = 0;; k++) {
		if ((got = pread(lb->log, line, sizeof(line) - 1, off)) <= 0)
			return -1;
		line[got] = '\0';
		if (strchr(line, '\n') == NULL ||
		    sscanf(line, "%u %zu %zu", &r->conn, &r->nraw,
		    &r->nbody) != 3 || r->nraw >= sizeof(r->raw))
			return -1;
		nl = (size_t)(strchr(line, '\n') - line) + 1;
		off += (off_t)nl;
		if (k == i)
			break;
		off += (off_t)(r->nraw + r->nbody);
	}
	if (pread(lb->log, r->raw, r->nraw, off) != (ssize_t)r->nraw)
		return -1;
	r->raw[r->nraw] = '\0';
	if ((r->body = malloc(r->nbody + 1)) == NULL ||
	    pread(lb->log, r->body, r->nbody, off + (off_t)r->nraw) !=
	    (ssize_t)r->nbody)
		return -1;
	r->body[r->nbody] = '\0';
	return lb_parse_head(r);
}

/* How many requests the script's server has recorded. */
static inline size_t
lb_count(const struct lb *lb)
{
	static struct lb_req	 r;
	size_t			 n = 0;

	while (lb_request(lb, n, &r) == 0)
		n++;
	lb_req_free(&r);
	return n;
}

/*
 * What an S3 client of the loopback server reads from its environment
 * besides S3_ENDPOINT: fixed test keys, no profile files, no IMDS; NULL
 * for any other name.
 */
static inline const char *
lb_s3_env(const char *name)
{
	static const char *const fixed[][2] = {
		{ "AWS_ACCESS_KEY_ID", "AKIDTEST" },
		{ "AWS_SECRET_ACCESS_KEY", "secretTEST0123456789" },
		{ "AWS_CONFIG_FILE", "/nonexistent" },
		{ "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent" },
		{ "AWS_EC2_METADATA_DISABLED", "true" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i][0]) == 0)
			return fixed[i][1];
	return NULL;
}

#endif
