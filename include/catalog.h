/*
 * catalog.h - the tools mcp-s3 offers, as tools/list shows them.
 *
 * Each entry holds the tool's name and its complete Tool object as JSON
 * text (title, description, inputSchema, outputSchema, annotations), in
 * the fixed order of txn2/mcp-s3.  The schemas here are the contract that
 * tools.c validates arguments against and shapes results for.
 */
#ifndef MCP_S3_CATALOG_H
#define MCP_S3_CATALOG_H

#include <stddef.h>

enum catalog_tool {
	TOOL_LIST_BUCKETS,
	TOOL_LIST_OBJECTS,
	TOOL_GET_OBJECT,
	TOOL_GET_OBJECT_METADATA,
	TOOL_PUT_OBJECT,
	TOOL_DELETE_OBJECT,
	TOOL_COPY_OBJECT,
	TOOL_PRESIGN_URL,
	TOOL_LIST_CONNECTIONS,
	TOOL_COUNT
};

struct catalog_entry {
	enum catalog_tool	 id;
	const char		*name;
	const char		*json;	/* the Tool object */
	const char		*json_ro; /* in read-only mode, if it differs */
};

extern const struct catalog_entry catalog[TOOL_COUNT];

/* The entry named name (n bytes), or NULL. */
const struct catalog_entry *catalog_find(const char *name, size_t n);

#endif
