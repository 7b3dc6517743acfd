/*
 * main.c - command line: serve MCP on stdio (the default), --help,
 * --version.  Wires config -> trust anchors -> the MCP loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "check.h"
#include "config.h"
#include "mcp.h"
#include "sandbox.h"
#include "server.h"
#include "tls.h"

#ifndef MCP_S3_VERSION
#define MCP_S3_VERSION	"dev"
#endif
#ifndef MCP_S3_TARGET
#define MCP_S3_TARGET	"unknown"
#endif
#ifndef MCP_S3_BUILD_DATE
#define MCP_S3_BUILD_DATE	"unknown"
#endif

static void
usage(FILE *f)
{
	const struct config_setting *s;

	fprintf(f,
	    "usage: mcp-s3 [serve]\n"
	    "       mcp-s3 audit verify FILE --key KEYFILE\n"
	    "       mcp-s3 check [--connection NAME] [--json] "
	    "[--timeout DURATION]\n"
	    "       mcp-s3 --help | --version\n"
	    "\n"
	    "mcp-s3 is a Model Context Protocol server for Amazon S3 and "
	    "S3-compatible\nstorage.  It speaks MCP (JSON-RPC, one message a "
	    "line) on stdin and stdout;\nlogs go to stderr.  It is read-only "
	    "unless MCP_S3_EXT_READONLY=false.\nSettings come from the "
	    "environment:\n\n");
	for (s = config_settings; s->name != NULL; s++)
		fprintf(f, "  %-22s %-9s %s\n", s->name, s->def, s->meaning);
	fprintf(f, "\nmcp-s3 check tests each connection (endpoint, TLS, "
	    "credentials) with one\nread and prints a table; see mcp-s3 "
	    "check --help.\n");
	fprintf(f, "\nAn invalid setting stops the start with a message that "
	    "names it.\nDocumentation: README.md and docs/ in the source "
	    "tree.\n");
}

/*
 * Narrows the process before serving; best effort, said in one line on
 * stderr (stdout is the JSON-RPC channel).  Runs once the server is
 * open: trust anchors loaded, the audit file open (server_open), so the
 * plan needs neither.
 */
static void
start_sandbox(const struct config *cfg)
{
	struct sandbox_plan plan;
	char line[256];

	if (!cfg->sandbox) {
		fprintf(stderr, "mcp-s3: sandbox: off (MCP_S3_SANDBOX=off)\n");
		return;
	}
	if (sandbox_plan_init(&plan, cfg, config_getenv, NULL) != 0) {
		fprintf(stderr, "mcp-s3: sandbox: not applied: more files or "
		    "ports than it holds, or out of memory\n");
		return;
	}
	(void)sandbox_apply(&plan, line, sizeof(line));
	sandbox_plan_free(&plan);
	fprintf(stderr, "mcp-s3: %s\n", line);
}

/*
 * mcp-s3 audit verify FILE --key KEYFILE: recomputes the HMAC chain of a
 * sealed audit log (see audit.h).  Exit 0 when it verifies, 1 when it
 * was tampered with or truncated, 2 for usage, key or file errors.
 */
static int
audit_main(int argc, char *argv[])
{
	uint8_t k0[AUDIT_KEY_BYTES];
	char msg[512];
	const char *file = NULL, *key = NULL;
	int i, fd, rc;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			break;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0 || i < argc ||
	    file == NULL || key == NULL) {
		fprintf(stderr, "usage: mcp-s3 audit verify FILE --key "
		    "KEYFILE\n");
		return 2;
	}
	if (audit_key_load(k0, key, "--key", msg, sizeof(msg)) != 0) {
		fprintf(stderr, "mcp-s3: %s\n", msg);
		return 2;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		wipe(k0, sizeof(k0));
		fprintf(stderr, "mcp-s3: %s: %s\n", file, strerror(errno));
		return 2;
	}
	rc = audit_verify(fd, k0, msg, sizeof(msg));
	wipe(k0, sizeof(k0));
	close(fd);
	printf("%s\n", msg);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct config cfg;
	struct server srv;
	char err[512];
	int i, rc;

	if (argc > 1 && strcmp(argv[1], "audit") == 0)
		return audit_main(argc - 1, argv + 1);
	/* mcp-s3 check: its own flags and exit status, see check.h. */
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1, config_getenv, NULL,
		    stdout, stderr);

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("mcp-s3 %s (%s, built %s)\n", MCP_S3_VERSION,
			    MCP_S3_TARGET, MCP_S3_BUILD_DATE);
			if (tls_embedded_roots() > 0)
				printf("trust: %zu embedded Mozilla root CAs\n",
				    tls_embedded_roots());
			else
				printf("trust: no embedded roots (system CA "
				    "bundle, or AWS_CA_BUNDLE, SSL_CERT_FILE, "
				    "SSL_CERT_DIR)\n");
			return 0;
		}
		if (strcmp(argv[i], "serve") == 0 && i == 1)
			continue;
		fprintf(stderr, "mcp-s3: unknown argument \"%s\"; see "
		    "mcp-s3 --help\n", argv[i]);
		return 2;
	}

	if (config_load(&cfg, config_getenv, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcp-s3: %s\n", err);
		return 2;
	}

	/* A closed stdout is a write error, not a silent death. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	mcp_install_signals();
	if ((rc = server_open(&srv, &cfg, 0, err, sizeof(err))) == 0) {
		start_sandbox(&cfg);
		rc = mcp_run(&srv, STDIN_FILENO, STDOUT_FILENO, err,
		    sizeof(err));
	}
	server_close(&srv);
	if (rc != 0)
		fprintf(stderr, "mcp-s3: %s\n", err);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
