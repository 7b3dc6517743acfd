/*
 * check.c - `mcp-s3 check`: one cheap read per connection, as a table.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "jsonw.h"
#include "limits.h"
#include "policy.h"
#include "s3.h"
#include "s3err.h"
#include "server.h"

/* The table's columns, in order. */
#define NCOLS	8

/* What one probe found; the strings a struct check_row points at. */
struct probe {
	size_t	conn;				/* index into cfg->conns */
	char	bucket[S3_MAX_BUCKET_BYTES + 1];	/* "" for ListBuckets */
	int	ok;
	int64_t	ms;
	char	code[CHECK_CODE_BYTES];
	char	message[CHECK_MESSAGE_BYTES];
};

/* A connection checked in a child process. */
struct child {
	pid_t	pid;		/* 0: checked here, or not at all */
	int	fd;		/* the child's report */
	size_t	base;		/* its first probe */
};

/* What a connection shows; safe to print. */
struct shown {
	char	name[CONFIG_NAME_BYTES];
	char	region[CONFIG_REGION_BYTES];
	char	endpoint[CONFIG_HOST_BYTES + 16];
	char	credentials[96];
};

/* see check.h */
void
check_safe_copy(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i, m;
	int valid;

	if (cap == 0)
		return;
	if (src == NULL)
		n = 0;
	m = n < cap - 1 ? n : cap - 1;
	valid = utf8_valid(src, n);
	if (valid && n > cap - 1)
		m = utf8_boundary(src, m);
	for (i = 0; i < m; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch < 0x20 || ch == 0x7f)
			dst[i] = ' ';
		else if (ch >= 0x80 && !valid)
			dst[i] = '?';
		else
			dst[i] = (char)ch;
	}
	dst[m] = '\0';
}

/* Characters, not bytes, for column widths (the strings are UTF-8). */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
cells(const struct check_row *r, const char *cell[NCOLS], char ms[24],
    char call[S3_MAX_BUCKET_BYTES + 16])
{
	snprintf(ms, 24, "%lld", (long long)r->ms);
	if (r->bucket != NULL)
		snprintf(call, S3_MAX_BUCKET_BYTES + 16, "%s %s", r->call,
		    r->bucket);
	else
		snprintf(call, S3_MAX_BUCKET_BYTES + 16, "%s", r->call);
	cell[0] = r->connection;
	cell[1] = r->region;
	cell[2] = r->endpoint;
	cell[3] = r->addressing;
	cell[4] = r->credentials;
	cell[5] = call;
	cell[6] = r->ok ? "ok" : "FAILED";
	cell[7] = ms;
}

static int
add_line(struct buf *out, const char *const cell[NCOLS],
    const size_t w[NCOLS])
{
	size_t i, pad;
	int rc = 0;

	for (i = 0; i < NCOLS; i++) {
		rc |= buf_adds(out, cell[i]);
		if (i == NCOLS - 1)
			break;
		for (pad = width(cell[i]); pad < w[i] + 2; pad++)
			rc |= buf_addc(out, ' ');
	}
	rc |= buf_addc(out, '\n');
	return rc != 0 ? UTIL_ENOMEM : 0;
}

/* Counts connections that passed and failed (rows of one are adjacent). */
static void
count(const struct check_row *rows, size_t n, size_t *passed,
    size_t *failed)
{
	size_t i, j;
	int ok;

	*passed = *failed = 0;
	for (i = 0; i < n; i = j) {
		ok = 1;
		for (j = i; j < n && strcmp(rows[j].connection,
		    rows[i].connection) == 0; j++)
			ok &= rows[j].ok != 0;
		if (ok)
			(*passed)++;
		else
			(*failed)++;
	}
}

/* see check.h */
int
check_table(struct buf *out, const struct check_row *rows, size_t n)
{
	static const char *const head[NCOLS] = { "CONNECTION", "REGION",
	    "ENDPOINT", "ADDRESSING", "CREDENTIALS", "CHECK", "RESULT", "MS" };
	const char *cell[NCOLS];
	char ms[24], call[S3_MAX_BUCKET_BYTES + 16];
	size_t w[NCOLS], i, c, passed, failed;
	int rc = 0;

	for (c = 0; c < NCOLS; c++)
		w[c] = width(head[c]);
	for (i = 0; i < n; i++) {
		cells(&rows[i], cell, ms, call);
		for (c = 0; c < NCOLS; c++)
			if (width(cell[c]) > w[c])
				w[c] = width(cell[c]);
	}
	if (add_line(out, head, w) != 0)
		return UTIL_ENOMEM;
	for (i = 0; i < n; i++) {
		cells(&rows[i], cell, ms, call);
		if (add_line(out, cell, w) != 0)
			return UTIL_ENOMEM;
		if (!rows[i].ok)
			rc |= buf_addf(out, "  %s: %s\n", rows[i].code ?
			    rows[i].code : "Failed", rows[i].message ?
			    rows[i].message : "");
	}
	count(rows, n, &passed, &failed);
	if (failed == 0)
		rc |= buf_addf(out, "%zu connection%s passed\n", passed,
		    passed == 1 ? "" : "s");
	else
		rc |= buf_addf(out, "%zu of %zu connection%s failed\n",
		    failed, passed + failed, passed + failed == 1 ? "" : "s");
	return rc != 0 ? UTIL_ENOMEM : 0;
}

/* see check.h */
int
check_json(struct buf *out, const struct check_row *rows, size_t n)
{
	struct jsonw w;
	size_t i, j, k, passed, failed;
	int64_t ms;
	int ok, rc;

	count(rows, n, &passed, &failed);
	jsonw_init(&w, out);
	jsonw_begin_object(&w);
	jsonw_kbool(&w, "ok", failed == 0);
	jsonw_kuint(&w, "passed", passed);
	jsonw_kuint(&w, "failed", failed);
	jsonw_key(&w, "connections");
	jsonw_begin_array(&w);
	for (i = 0; i < n; i = j) {
		ok = 1;
		ms = 0;
		for (j = i; j < n && strcmp(rows[j].connection,
		    rows[i].connection) == 0; j++) {
			ok &= rows[j].ok != 0;
			ms += rows[j].ms;
		}
		jsonw_begin_object(&w);
		jsonw_kstr(&w, "name", rows[i].connection);
		jsonw_kstr(&w, "region", rows[i].region);
		jsonw_kstr(&w, "endpoint", rows[i].endpoint);
		jsonw_kstr(&w, "addressing", rows[i].addressing);
		jsonw_kstr(&w, "credentials", rows[i].credentials);
		jsonw_kbool(&w, "ok", ok);
		jsonw_kint(&w, "ms", ms);
		jsonw_key(&w, "checks");
		jsonw_begin_array(&w);
		for (k = i; k < j; k++) {
			jsonw_begin_object(&w);
			jsonw_kstr(&w, "call", rows[k].call);
			if (rows[k].bucket != NULL)
				jsonw_kstr(&w, "bucket", rows[k].bucket);
			jsonw_kbool(&w, "ok", rows[k].ok);
			jsonw_kint(&w, "ms", rows[k].ms);
			if (!rows[k].ok) {
				jsonw_kstr(&w, "code", rows[k].code ?
				    rows[k].code : "Failed");
				jsonw_kstr(&w, "message", rows[k].message ?
				    rows[k].message : "");
			}
			jsonw_end_object(&w);
		}
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	if ((rc = jsonw_finish(&w)) != 0)
		return rc;
	return buf_addc(out, '\n') != 0 ? JSONW_ENOMEM : 0;
}

/* ---- probing ------------------------------------------------------------ */

/*
 * Turns a failed S3 call into a code and a one-line message, in the
 * terms of the server's tool errors (s3err.h).  Returns 1 when the
 * connection as a whole is unusable (so its other buckets need not be
 * tried).
 */
static int
describe(struct probe *p, const struct config_conn *k, const char *ep,
    int rc, const struct s3_error *e)
{
	char m[1200], tail[256];
	struct s3err x;
	const char *why = e->message;

	s3err_map(rc, e, &x);
	snprintf(p->code, sizeof(p->code), "%s", x.code);
	if (!why[0] && x.what != NULL)
		why = x.what;
	switch (rc) {
	case S3_ETIMEOUT:
		snprintf(m, sizeof(m), "%s (no answer from %s within %lld ms)",
		    why, ep, (long long)k->timeout_ms);
		break;
	case S3_ENET:
	case S3_ETLS:
		snprintf(m, sizeof(m), "%s (endpoint %s)", why, ep);
		break;
	case S3_EPROTO:
		snprintf(m, sizeof(m), "the reply could not be read: %s", why);
		break;
	case S3_ENOMEM:
		snprintf(m, sizeof(m), "%s", x.what);
		break;
	case S3_ENOCREDS:
	case S3_ECREDS:
	case S3_EINVAL:
		snprintf(m, sizeof(m), "%s", why);
		break;
	default:
		if (e->status != 0)
			snprintf(tail, sizeof(tail), "HTTP %d%s%s%s%s",
			    e->status, p->bucket[0] ? ", bucket " : "",
			    p->bucket, e->request_id[0] ? ", request id " : "",
			    e->request_id);
		else
			snprintf(tail, sizeof(tail), "%s%s", p->bucket[0] ?
			    "bucket " : "", p->bucket);
		if (!why[0] && x.hint != NULL)
			why = x.hint;
		snprintf(m, sizeof(m), "%s (%s)%s%s", why[0] ? why :
		    "the request failed", tail,
		    e->region[0] ? " The bucket is in region " : "",
		    e->region);
		break;
	}
	check_safe_copy(p->message, sizeof(p->message), m, strlen(m));
	return x.whole;
}

static void
show_conn(struct shown *s, const struct s3_client *c)
{
	const struct config_conn *k = c->conn;
	char ep[sizeof(s->endpoint)];
	const char *v;

	check_safe_copy(s->name, sizeof(s->name), k->name, strlen(k->name));
	v = s3_client_region(c);
	check_safe_copy(s->region, sizeof(s->region), v, strlen(v));
	if (k->endpoint != NULL)
		snprintf(ep, sizeof(ep), "%s", k->endpoint);
	else
		snprintf(ep, sizeof(ep), "%s://%s", k->tls ? "https" : "http",
		    k->host);
	check_safe_copy(s->endpoint, sizeof(s->endpoint), ep, strlen(ep));
	/* Where s3_list_connections says they come from; never a secret. */
	v = s3_client_creds_source(c);
	check_safe_copy(s->credentials, sizeof(s->credentials), v,
	    strlen(v));
}

/* Runs one probe: ListBuckets when bucket is NULL, else HeadBucket. */
static int
probe_run(struct probe *p, struct s3_client *c, const char *ep,
    const char *bucket)
{
	struct s3_listing l;
	struct s3_error e;
	int64_t t0;
	int rc;

	memset(&e, 0, sizeof(e));
	t0 = time_now_ms();
	if (bucket == NULL) {
		memset(&l, 0, sizeof(l));
		buf_init(&l.pool, 0);
		rc = s3_list_buckets(c, &l, &e);
		s3_listing_free(&l);
	} else {
		snprintf(p->bucket, sizeof(p->bucket), "%s", bucket);
		rc = s3_head_bucket(c, slice_cstr(bucket), &e);
	}
	p->ms = time_now_ms() - t0;
	if (rc == 0) {
		p->ok = 1;
		return 0;
	}
	return describe(p, c->conn, ep, rc, &e);
}

/*
 * The probes of connection i into pr (one per bucket, or one ListBuckets),
 * and what it shows into sh.  After a failure that says the connection
 * as a whole is unusable, the other buckets are not tried.
 */
static void
probe_conn(struct server *t, size_t i, const char *const *buckets,
    size_t nb, struct probe *pr, struct shown *sh)
{
	size_t b;
	int dead = 0;

	show_conn(sh, &t->clients[i]);
	for (b = 0; b < (nb > 0 ? nb : 1); b++) {
		pr[b].conn = i;
		if (dead) {
			snprintf(pr[b].bucket, sizeof(pr[b].bucket), "%s",
			    buckets[b]);
			snprintf(pr[b].code, sizeof(pr[b].code), "Skipped");
			snprintf(pr[b].message, sizeof(pr[b].message),
			    "not tried: the connection failed above");
		} else
			dead = probe_run(&pr[b], &t->clients[i], sh->endpoint,
			    nb > 0 ? buckets[b] : NULL);
	}
	/* The source the chain last used, now that it ran. */
	show_conn(sh, &t->clients[i]);
}

/* A child that died before reporting: its probes fail, saying so. */
static void
lost(struct server *t, size_t i, const char *const *buckets, size_t nb,
    struct probe *pr, struct shown *sh)
{
	size_t b;

	show_conn(sh, &t->clients[i]);
	for (b = 0; b < (nb > 0 ? nb : 1); b++) {
		memset(&pr[b], 0, sizeof(pr[b]));
		pr[b].conn = i;
		if (nb > 0)
			snprintf(pr[b].bucket, sizeof(pr[b].bucket), "%s",
			    buckets[b]);
		snprintf(pr[b].code, sizeof(pr[b].code), "InternalError");
		snprintf(pr[b].message, sizeof(pr[b].message), "the check of "
		    "this connection stopped before it reported");
	}
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, c, n)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- the subcommand ------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mcp-s3 check [--connection NAME] [--json] "
	    "[--timeout DURATION]\n"
	    "\n"
	    "Loads the configuration as the server does and, for each "
	    "connection, shows\nwhere its credentials come from and proves "
	    "reachability, TLS and\nauthentication with one read: ListBuckets, "
	    "or HeadBucket on each bucket of\nMCP_S3_ALLOWED_BUCKETS.  Writes "
	    "nothing to S3 and no audit record.\n"
	    "\n"
	    "  --connection NAME   check only this connection\n"
	    "  --json              one JSON object instead of the table\n"
	    "  --timeout DURATION  deadline of each call (500ms, 10s, 2m); "
	    "default: each\n"
	    "                      connection's own (S3_TIMEOUT)\n"
	    "\n"
	    "Exit status: 0 every connection passed, 1 one failed, 2 bad "
	    "flag or\nconfiguration.\n");
}

/* The value of --flag VALUE or --flag=VALUE; NULL when this is not it. */
static const char *
flag_value(int argc, char *argv[], int *i, const char *flag, int *missing)
{
	size_t n = strlen(flag);

	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc || argv[*i + 1] == NULL) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Names the connections, for an unknown --connection. */
static void
known_names(const struct config *cfg, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < cfg->nconns && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
		    cfg->conns[i].name);
}

/* see check.h */
int
check_main(int argc, char *argv[], config_get_fn get, void *arg, FILE *out,
    FILE *errout)
{
	struct config cfg;
	struct server *t = NULL;
	struct probe *pr = NULL;
	struct shown *sh = NULL;
	struct check_row *rows = NULL;
	const char *only = NULL, *tmo = NULL, *v;
	const char *const *buckets;
	char err[512], names[CONFIG_MAX_CONNS * (CONFIG_NAME_BYTES + 2)];
	char safe[80];
	struct buf o;
	struct child run[CONFIG_MAX_CONNS];
	size_t i, nb, np = 0, nper, maxp, sel = 0;
	int64_t timeout_ms = 0;
	int json = 0, missing = 0, rc, fds[2], ws;
	int status = CHECK_USAGE;

	for (i = 1; i < (size_t)argc; i++) {
		int ii = (int)i;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(out);
			return CHECK_PASSED;
		}
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		if ((v = flag_value(argc, argv, &ii, "--connection",
		    &missing)) != NULL || missing) {
			if (missing) {
				fprintf(errout, "mcp-s3 check: --connection "
				    "needs a connection name\n");
				return CHECK_USAGE;
			}
			only = v;
			i = (size_t)ii;
			continue;
		}
		if ((v = flag_value(argc, argv, &ii, "--timeout",
		    &missing)) != NULL || missing) {
			if (missing) {
				fprintf(errout, "mcp-s3 check: --timeout "
				    "needs a duration such as 10s\n");
				return CHECK_USAGE;
			}
			tmo = v;
			i = (size_t)ii;
			continue;
		}
		check_safe_copy(safe, sizeof(safe), argv[i], strlen(argv[i]));
		fprintf(errout, "mcp-s3 check: unknown argument \"%s\"; see "
		    "mcp-s3 check --help\n", safe);
		return CHECK_USAGE;
	}
	if (tmo != NULL && (config_parse_duration_ms(tmo, &timeout_ms) != 0 ||
	    timeout_ms <= 0)) {
		check_safe_copy(safe, sizeof(safe), tmo, strlen(tmo));
		fprintf(errout, "mcp-s3 check: --timeout: invalid duration "
		    "\"%s\"; use 500ms, 10s, 2m or seconds\n", safe);
		return CHECK_USAGE;
	}

	if (config_load(&cfg, get, arg, err, sizeof(err)) != 0) {
		fprintf(errout, "mcp-s3: %s\n", err);
		return CHECK_USAGE;
	}
	if (only != NULL) {
		for (sel = 0; sel < cfg.nconns; sel++)
			if (strcmp(cfg.conns[sel].name, only) == 0)
				break;
		if (sel == cfg.nconns) {
			known_names(&cfg, names, sizeof(names));
			check_safe_copy(safe, sizeof(safe), only, strlen(only));
			fprintf(errout, "mcp-s3 check: --connection \"%s\": "
			    "no such connection (known: %s)\n", safe, names);
			goto done;
		}
	}
	if (timeout_ms > 0)
		for (i = 0; i < cfg.nconns; i++)
			cfg.conns[i].timeout_ms = timeout_ms;

	memset(run, 0, sizeof(run));
	nb = policy_buckets(&cfg.rules, &buckets);
	maxp = cfg.nconns * (nb > 0 ? nb : 1);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (pr = calloc(maxp, sizeof(*pr))) == NULL ||
	    (rows = calloc(maxp, sizeof(*rows))) == NULL ||
	    (sh = calloc(cfg.nconns, sizeof(*sh))) == NULL) {
		fprintf(errout, "mcp-s3 check: out of memory\n");
		goto done;
	}
	/* The same trust anchors as the server's, loaded the same way. */
	if (server_open(t, &cfg, SERVER_NO_AUDIT, err, sizeof(err)) != 0) {
		fprintf(errout, "mcp-s3: %s\n", err);
		goto done;
	}

	/* Each connection in a child of its own: the slowest sets the pace. */
	nper = nb > 0 ? nb : 1;
	for (i = 0; i < cfg.nconns; i++) {
		if (only != NULL && i != sel)
			continue;
		run[i].base = np;
		if (pipe(fds) != 0) {
			probe_conn(t, i, buckets, nb, pr + np, &sh[i]);
		} else if ((run[i].pid = fork()) == 0) {
			close(fds[0]);
			probe_conn(t, i, buckets, nb, pr + np, &sh[i]);
			rc = write_all(fds[1], &sh[i], sizeof(sh[i])) != 0 ||
			    write_all(fds[1], pr + np, nper * sizeof(*pr)) != 0;
			_exit(rc);
		} else if (run[i].pid < 0) {
			close(fds[0]);
			close(fds[1]);
			probe_conn(t, i, buckets, nb, pr + np, &sh[i]);
		} else {
			close(fds[1]);
			run[i].fd = fds[0];
		}
		np += nper;
	}
	for (i = 0; i < cfg.nconns; i++) {
		if (run[i].pid <= 0)
			continue;
		if (read_all(run[i].fd, &sh[i], sizeof(sh[i])) != 0 ||
		    read_all(run[i].fd, pr + run[i].base,
		    nper * sizeof(*pr)) != 0)
			lost(t, i, buckets, nb, pr + run[i].base, &sh[i]);
		close(run[i].fd);
		while (waitpid(run[i].pid, &ws, 0) < 0 && errno == EINTR)
			;
	}

	for (i = 0; i < np; i++) {
		const struct shown *s = &sh[pr[i].conn];

		rows[i].connection = s->name;
		rows[i].region = s->region;
		rows[i].endpoint = s->endpoint;
		rows[i].addressing = cfg.conns[pr[i].conn].path_style ?
		    "path" : "virtual-hosted";
		rows[i].credentials = s->credentials;
		rows[i].call = nb > 0 ? "HeadBucket" : "ListBuckets";
		rows[i].bucket = pr[i].bucket[0] ? pr[i].bucket : NULL;
		rows[i].ok = pr[i].ok;
		rows[i].ms = pr[i].ms;
		rows[i].code = pr[i].ok ? NULL : pr[i].code;
		rows[i].message = pr[i].ok ? NULL : pr[i].message;
	}
	buf_init(&o, 0);
	if (json)
		rc = check_json(&o, rows, np);
	else {
		rc = buf_addf(&o, "mcp-s3 check: %s, access rules %s%s, "
		    "audit %s\n", cfg.readonly ? "read-only" : "read-write",
		    policy_active(&cfg.rules) ? "on" : "off", nb > 0 ?
		    " (HeadBucket on each of MCP_S3_ALLOWED_BUCKETS)" : "",
		    cfg.audit ? "on (a check writes no record)" : "off");
		rc |= check_table(&o, rows, np);
	}
	if (rc != 0) {
		fprintf(errout, "mcp-s3 check: out of memory\n");
		buf_free(&o);
		status = CHECK_FAILED;
		goto done;
	}
	status = CHECK_PASSED;
	for (i = 0; i < np; i++)
		if (!pr[i].ok)
			status = CHECK_FAILED;
	if (fwrite(o.p, 1, o.n, out) != o.n || fflush(out) != 0)
		status = CHECK_FAILED;
	buf_free(&o);
done:
	if (t != NULL && t->cfg != NULL)
		server_close(t);
	free(t);
	free(pr);
	free(rows);
	free(sh);
	config_free(&cfg);
	return status;
}
