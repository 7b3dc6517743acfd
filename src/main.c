/*
 * main.c - command line: serve MCP on stdio (the default), --help,
 * --version.  Wires config -> trust anchors -> the MCP loop.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mcp.h"

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
	    "       mcp-s3 --help | --version\n"
	    "\n"
	    "mcp-s3 is a Model Context Protocol server for Amazon S3 and "
	    "S3-compatible\nstorage.  It speaks MCP (JSON-RPC, one message a "
	    "line) on stdin and stdout;\nlogs go to stderr.  It is read-only.  "
	    "Settings come from the environment:\n\n");
	for (s = config_settings; s->name != NULL; s++)
		fprintf(f, "  %-22s %-9s %s\n", s->name, s->def, s->meaning);
	fprintf(f, "\nAn invalid setting stops the start with a message that "
	    "names it.\nDocumentation: README.md and docs/ in the source "
	    "tree.\n");
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct config cfg;
	char err[512];
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("mcp-s3 %s (%s, built %s)\n", MCP_S3_VERSION,
			    MCP_S3_TARGET, MCP_S3_BUILD_DATE);
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

	rc = mcp_serve(&cfg, STDIN_FILENO, STDOUT_FILENO, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "mcp-s3: %s\n", err);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
