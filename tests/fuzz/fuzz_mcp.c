/*
 * fuzz_mcp.c - fuzz target for the whole JSON-RPC/MCP dispatcher.
 *
 * The input is raw stdin bytes (usually several lines).  It is written to a
 * temporary file, and mcp_serve() reads it to the end, writing its answers
 * to another temporary file.  The configuration is loaded once with
 * config_load() from a fixed table (S3 at http://127.0.0.1:1, so a tool that
 * reaches S3 gets "connection refused" at once; writes enabled, so the write
 * tools parse their arguments too; a small MCP_S3_MAX_PUT_SIZE, so the line
 * limit is the documented 16 MiB).
 *
 * Invariants, besides no crash and no sanitizer report:
 *  - mcp_serve() returns 0 (its output never fails);
 *  - every line it writes is one JSON value that the strict reader accepts,
 *    an object or an array, ending with a newline (stdout carries only
 *    JSON-RPC messages);
 *  - it writes at most one line per input line (one answer per message).
 * FUZZ_MCP_LAX=1 in the environment skips the output checks (to fuzz past
 * a known bad answer).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "limits.h"
#include "mcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(c)	do { if (!(c)) abort(); } while (0)

static const char *const env_table[][2] = {
	{ "AWS_REGION", "us-east-1" },
	{ "AWS_ACCESS_KEY_ID", "AKIDFUZZMCPTEST00001" },
	{ "AWS_SECRET_ACCESS_KEY", "fuzz-mcp-secret-key-0123456789abcdefghij" },
	{ "S3_ENDPOINT", "http://127.0.0.1:1" },
	{ "S3_USE_PATH_STYLE", "true" },
	{ "S3_TIMEOUT", "1s" },
	{ "MCP_S3_EXT_READONLY", "false" },
	{ "MCP_S3_MAX_PUT_SIZE", "64KiB" },
	{ "MCP_S3_MAX_GET_SIZE", "1MiB" },
	{ "MCP_S3_READ_SIZE", "4KiB" },
	/* Nothing from the machine: no profile, no instance metadata. */
	{ "HOME", "/nonexistent" },
	{ "AWS_CONFIG_FILE", "/nonexistent/aws-config" },
	{ "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials" },
	{ "AWS_EC2_METADATA_DISABLED", "true" },
	{ NULL, NULL }
};

static const char *
table_get(const char *name, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; env_table[i][0] != NULL; i++)
		if (strcmp(env_table[i][0], name) == 0)
			return env_table[i][1];
	return NULL;
}

static struct config	cfg;
static int		ready;
static int		lax;
static FILE		*fin, *fout;
static struct json_tok	tok[JSON_MAX_TOKENS];

static void
setup(void)
{
	char err[512];
	const char *v;

	if (config_load(&cfg, table_get, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_mcp: config_load: %s\n", err);
		abort();
	}
	if ((fin = tmpfile()) == NULL || (fout = tmpfile()) == NULL) {
		fprintf(stderr, "fuzz_mcp: tmpfile failed\n");
		abort();
	}
	v = getenv("FUZZ_MCP_LAX");
	lax = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
	ready = 1;
}

/* Replaces the contents of f with p[0..n) and rewinds it. */
static void
refill(FILE *f, const uint8_t *p, size_t n)
{
	int fd = fileno(f);
	size_t off = 0;
	ssize_t w;

	ASSERT(ftruncate(fd, 0) == 0);
	ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	while (off < n) {
		w = write(fd, p + off, n - off);
		ASSERT(w > 0);
		off += (size_t)w;
	}
	ASSERT(lseek(fd, 0, SEEK_SET) == 0);
}

/* The whole output file, NUL-terminated (heap); its length in *n. */
static char *
slurp(FILE *f, size_t *n)
{
	int fd = fileno(f);
	off_t end;
	char *p;
	ssize_t r;
	size_t off = 0;

	end = lseek(fd, 0, SEEK_END);
	ASSERT(end >= 0);
	ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	p = malloc((size_t)end + 1);
	ASSERT(p != NULL);
	while (off < (size_t)end) {
		r = read(fd, p + off, (size_t)end - off);
		ASSERT(r > 0);
		off += (size_t)r;
	}
	p[off] = '\0';
	*n = off;
	return p;
}

static size_t
count_lines(const uint8_t *p, size_t n)
{
	size_t i, lines = 0;

	for (i = 0; i < n; i++)
		if (p[i] == '\n')
			lines++;
	if (n > 0 && p[n - 1] != '\n')
		lines++;
	return lines;
}

static void
check_output(const uint8_t *in, size_t inlen)
{
	struct json j;
	char *out, *line, *nl;
	size_t n, len, lines = 0;
	int rc;

	out = slurp(fout, &n);
	ASSERT(n == 0 || out[n - 1] == '\n');
	for (line = out; line < out + n; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(out + n - line));
		ASSERT(nl != NULL);
		len = (size_t)(nl - line);
		lines++;
		/* No empty line: every answer is a message. */
		ASSERT(len > 0);
		rc = json_parse(&j, line, len, tok, JSON_MAX_TOKENS);
		/* A huge batch answer may need more tokens than we hold. */
		if (rc == JSON_ETOKENS)
			continue;
		ASSERT(rc > 0);
		ASSERT(line[0] == '{' || line[0] == '[');
		/* A batch answer is never empty. */
		ASSERT(!(line[0] == '[' && line[1] == ']'));
	}
	ASSERT(lines <= count_lines(in, inlen));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (!ready)
		setup();
	refill(fin, data, size);
	refill(fout, NULL, 0);
	err[0] = '\0';
	/* Output never fails (a file), so the loop ends cleanly at EOF. */
	ASSERT(mcp_serve(&cfg, fileno(fin), fileno(fout), err,
	    sizeof(err)) == 0);
	if (!lax)
		check_output(data, size);
	return 0;
}
