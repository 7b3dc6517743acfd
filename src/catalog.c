/*
 * catalog.c - tool definitions; see catalog.h.
 *
 * The descriptions are written for a language model: what the tool is
 * for, when to use it rather than another, and how to page.
 */
#include <string.h>

#include "catalog.h"

#define CONNECTION_PROP \
	"\"connection\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":63," \
	"\"description\":\"Name of the S3 connection to use (see " \
	"s3_list_connections). Omit to use the default connection.\"}"

#define BUCKET_PROP \
	"\"bucket\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":63," \
	"\"description\":\"Name of the bucket.\"}"

#define KEY_PROP \
	"\"key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1024," \
	"\"description\":\"Full key of the object (its path inside the " \
	"bucket), exactly as listed by s3_list_objects, without a leading " \
	"slash.\"}"

#define READ_ONLY_ANNOTATIONS \
	"\"annotations\":{\"readOnlyHint\":true,\"idempotentHint\":true," \
	"\"openWorldHint\":true}"

#define STR	"{\"type\":\"string\"}"
#define INT	"{\"type\":\"integer\",\"minimum\":0}"
#define META	"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}," \
		"\"description\":\"User metadata (x-amz-meta-*), names in lower case.\"}"

/* The presign tool; its annotations depend on whether PUT is allowed. */
#define PRESIGN_HEAD \
"{\"name\":\"s3_presign_url\",\"title\":\"Generate Presigned URL\"," \
"\"description\":\"Make a temporary URL that downloads (GET) or uploads " \
"(PUT) one object without credentials, for a browser, curl or another " \
"program: use it for objects too large to read here. The URL works until " \
"expires_at (UTC). A PUT URL is write access and needs writes to be " \
"enabled.\"," \
"\"inputSchema\":{\"type\":\"object\",\"properties\":{" \
BUCKET_PROP "," KEY_PROP "," \
"\"method\":{\"type\":\"string\",\"pattern\":" \
"\"^([Gg][Ee][Tt]|[Pp][Uu][Tt])$\",\"default\":\"GET\"," \
"\"description\":\"GET to download, PUT to upload (any case).\"}," \
"\"expires_in\":{\"type\":\"integer\",\"minimum\":1," \
"\"maximum\":604800,\"default\":3600,\"description\":\"Seconds the " \
"URL stays valid (at most 7 days).\"}," \
CONNECTION_PROP "},\"required\":[\"bucket\",\"key\"]," \
"\"additionalProperties\":false}," \
"\"outputSchema\":{\"type\":\"object\",\"properties\":{" \
"\"bucket\":" STR ",\"key\":" STR ",\"url\":" STR ",\"method\":" STR \
",\"expires_in_seconds\":" INT ",\"expires_at\":" STR "},\"required\":" \
"[\"bucket\",\"key\",\"url\",\"method\",\"expires_in_seconds\"," \
"\"expires_at\"]},"

const struct catalog_entry catalog[TOOL_COUNT] = {
{ TOOL_LIST_BUCKETS, "s3_list_buckets",
"{\"name\":\"s3_list_buckets\",\"title\":\"List Buckets\","
"\"description\":\"List the buckets these credentials can see, with their "
"creation dates. Start here when you do not know which bucket holds what "
"you need; then use s3_list_objects to look inside one.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{" CONNECTION_PROP "},"
"\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"buckets\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
"\"properties\":{\"name\":" STR ",\"creation_date\":" STR "},"
"\"required\":[\"name\"]}},"
"\"count\":" INT "},\"required\":[\"buckets\",\"count\"]},"
READ_ONLY_ANNOTATIONS "}", NULL },

{ TOOL_LIST_OBJECTS, "s3_list_objects",
"{\"name\":\"s3_list_objects\",\"title\":\"List Objects\","
"\"description\":\"List the objects of a bucket, one page at a time (at "
"most max_keys per call), in key order. Narrow with prefix; pass "
"delimiter \\\"/\\\" to browse like folders: objects directly under the "
"prefix are listed and deeper 'folders' come back once each in "
"common_prefixes, which you can list next as a prefix. When is_truncated "
"is true, call again with continuation_token set to "
"next_continuation_token to get the next page. Each object has its key, "
"size in bytes, last-modified time and ETag.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
BUCKET_PROP ","
"\"prefix\":{\"type\":\"string\",\"maxLength\":1024,\"description\":"
"\"Only keys that start with this string, e.g. \\\"logs/2024/\\\".\"},"
"\"delimiter\":{\"type\":\"string\",\"maxLength\":16,\"description\":"
"\"Group keys that contain this string after the prefix into "
"common_prefixes; usually \\\"/\\\".\"},"
"\"max_keys\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,"
"\"default\":1000,\"description\":\"Most objects and prefixes to return "
"in this page.\"},"
"\"continuation_token\":{\"type\":\"string\",\"minLength\":1,"
"\"maxLength\":4096,\"description\":\"next_continuation_token from the "
"previous page, to continue a listing.\"},"
"\"start_after\":{\"type\":\"string\",\"maxLength\":1024,\"description\":"
"\"List only keys after this one in key order.\"},"
CONNECTION_PROP "},\"required\":[\"bucket\"],\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"bucket\":" STR ",\"prefix\":" STR ",\"delimiter\":" STR ","
"\"objects\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
"\"properties\":{\"key\":" STR ",\"size\":" INT ",\"last_modified\":" STR
",\"etag\":" STR ",\"storage_class\":" STR "},\"required\":[\"key\","
"\"size\"]}},"
"\"common_prefixes\":{\"type\":\"array\",\"items\":" STR "},"
"\"count\":" INT ",\"is_truncated\":{\"type\":\"boolean\"},"
"\"next_continuation_token\":" STR "},"
"\"required\":[\"bucket\",\"objects\",\"common_prefixes\",\"count\","
"\"is_truncated\"]},"
READ_ONLY_ANNOTATIONS "}", NULL },

{ TOOL_GET_OBJECT, "s3_get_object",
"{\"name\":\"s3_get_object\",\"title\":\"Get Object\","
"\"description\":\"Read an object's content, one window at a time. Text "
"comes back as plain text; PNG, JPEG, GIF and WebP images come back whole "
"as images; other binary data comes back base64-encoded as an embedded "
"resource. A window is at most length bytes from offset (default: the "
"first window of the object). When truncated is true, more follows: call "
"again with offset set to next_offset to read on. A text window always "
"ends on a whole UTF-8 character. Use s3_get_object_metadata first when "
"you only need the size or type. Objects larger than the server's limit "
"must be read in windows.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
BUCKET_PROP "," KEY_PROP ","
"\"offset\":{\"type\":\"integer\",\"minimum\":0,\"default\":0,"
"\"description\":\"Byte position to start reading at; use "
"next_offset from the previous window to continue.\"},"
"\"length\":{\"type\":\"integer\",\"minimum\":1,\"description\":"
"\"Most bytes to return (default: the server's read size, 64 KiB unless "
"configured). A text window may end a few bytes earlier, on a character "
"boundary.\"},"
CONNECTION_PROP "},\"required\":[\"bucket\",\"key\"],"
"\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"bucket\":" STR ",\"key\":" STR ",\"size\":" INT ","
"\"content_type\":" STR ",\"last_modified\":" STR ",\"etag\":" STR ","
"\"metadata\":" META ",\"offset\":" INT ",\"length\":" INT ","
"\"truncated\":{\"type\":\"boolean\"},\"next_offset\":" INT ","
"\"is_base64\":{\"type\":\"boolean\"}},"
"\"required\":[\"bucket\",\"key\",\"size\",\"offset\",\"length\","
"\"truncated\",\"is_base64\"]},"
READ_ONLY_ANNOTATIONS "}", NULL },

{ TOOL_GET_OBJECT_METADATA, "s3_get_object_metadata",
"{\"name\":\"s3_get_object_metadata\",\"title\":\"Get Object Metadata\","
"\"description\":\"Get an object's size, content type, last-modified "
"time, ETag, storage class, version id and user metadata without reading "
"its content. Use it to decide how to read a large object or to check "
"that a key exists.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
BUCKET_PROP "," KEY_PROP "," CONNECTION_PROP "},"
"\"required\":[\"bucket\",\"key\"],\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"bucket\":" STR ",\"key\":" STR ",\"size\":" INT ","
"\"content_length\":" INT ",\"content_type\":" STR ","
"\"last_modified\":" STR ",\"etag\":" STR ",\"metadata\":" META ","
"\"storage_class\":" STR ",\"version_id\":" STR ","
"\"cache_control\":" STR ",\"content_encoding\":" STR ","
"\"content_disposition\":" STR "},"
"\"required\":[\"bucket\",\"key\",\"size\",\"content_length\"]},"
READ_ONLY_ANNOTATIONS "}", NULL },

{ TOOL_PUT_OBJECT, "s3_put_object",
"{\"name\":\"s3_put_object\",\"title\":\"Put Object\","
"\"description\":\"Write an object: text as content, or binary as base64 "
"in content with is_base64 true. It replaces an existing object of the same "
"key unless if_none_match is true, which refuses to overwrite. A key ending "
"in / with empty content makes a folder marker. Only available when the "
"server allows writes.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
BUCKET_PROP "," KEY_PROP ","
"\"content\":{\"type\":\"string\",\"description\":\"The object's "
"content: UTF-8 text, or base64 when is_base64 is true. May be empty.\"},"
"\"is_base64\":{\"type\":\"boolean\",\"default\":false,"
"\"description\":\"content is standard base64 (with padding) of binary "
"data.\"},"
"\"content_type\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"
"\"description\":\"MIME type to store; default text/plain; charset=utf-8 "
"for text and application/octet-stream for base64.\"},"
"\"metadata\":{\"type\":\"object\",\"additionalProperties\":"
"{\"type\":\"string\"},\"description\":\"User metadata, stored as "
"x-amz-meta-<name> (names: letters, digits, - and _; values: printable "
"ASCII).\"},"
"\"if_none_match\":{\"type\":\"boolean\",\"default\":false,"
"\"description\":\"Refuse to overwrite an existing object "
"(PreconditionFailed).\"},"
CONNECTION_PROP "},\"required\":[\"bucket\",\"key\",\"content\"],"
"\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"bucket\":" STR ",\"key\":" STR ",\"size\":" INT ",\"etag\":" STR ","
"\"version_id\":" STR "},\"required\":[\"bucket\",\"key\",\"size\"]},"
"\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,"
"\"idempotentHint\":true,\"openWorldHint\":true}}", NULL },

{ TOOL_DELETE_OBJECT, "s3_delete_object",
"{\"name\":\"s3_delete_object\",\"title\":\"Delete Object\","
"\"description\":\"Delete an object, or one version of it with "
"version_id. Deleting is permanent unless the bucket keeps versions; "
"deleting a key that does not exist succeeds. Only available when the "
"server allows writes.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
BUCKET_PROP "," KEY_PROP ","
"\"version_id\":{\"type\":\"string\",\"minLength\":1,"
"\"maxLength\":1024,\"description\":\"Delete this version of the "
"object instead of the current one.\"},"
CONNECTION_PROP "},\"required\":[\"bucket\",\"key\"],"
"\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"bucket\":" STR ",\"key\":" STR ",\"deleted\":{\"type\":\"boolean\"},"
"\"version_id\":" STR ",\"delete_marker\":{\"type\":\"boolean\"}},"
"\"required\":[\"bucket\",\"key\",\"deleted\"]},"
"\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,"
"\"idempotentHint\":true,\"openWorldHint\":true}}", NULL },

{ TOOL_COPY_OBJECT, "s3_copy_object",
"{\"name\":\"s3_copy_object\",\"title\":\"Copy Object\","
"\"description\":\"Copy an object inside S3, within a bucket or to "
"another bucket of the same connection, without downloading it. It "
"replaces an existing destination. With metadata, the copy gets that "
"metadata instead of the source's (and keeps the source's content type "
"unless content_type is given). Only available when the server allows "
"writes.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
"\"source_bucket\":{\"type\":\"string\",\"minLength\":3,"
"\"maxLength\":63,\"description\":\"Bucket of the object to copy.\"},"
"\"source_key\":{\"type\":\"string\",\"minLength\":1,"
"\"maxLength\":1024,\"description\":\"Key of the object to copy.\"},"
"\"dest_bucket\":{\"type\":\"string\",\"minLength\":3,"
"\"maxLength\":63,\"description\":\"Bucket to copy into.\"},"
"\"dest_key\":{\"type\":\"string\",\"minLength\":1,"
"\"maxLength\":1024,\"description\":\"Key of the copy.\"},"
"\"metadata\":{\"type\":\"object\",\"additionalProperties\":"
"{\"type\":\"string\"},\"description\":\"Replace the user metadata "
"with this (names: letters, digits, - and _; values: printable ASCII).\"},"
"\"content_type\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"
"\"description\":\"New content type of the copy (replaces the "
"metadata too).\"},"
CONNECTION_PROP "},\"required\":[\"source_bucket\",\"source_key\","
"\"dest_bucket\",\"dest_key\"],\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"source_bucket\":" STR ",\"source_key\":" STR ",\"dest_bucket\":" STR
",\"dest_key\":" STR ",\"etag\":" STR ",\"last_modified\":" STR ","
"\"version_id\":" STR "},\"required\":[\"source_bucket\","
"\"source_key\",\"dest_bucket\",\"dest_key\"]},"
"\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,"
"\"idempotentHint\":true,\"openWorldHint\":true}}", NULL },

{ TOOL_PRESIGN_URL, "s3_presign_url",
PRESIGN_HEAD
"\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,"
"\"idempotentHint\":false,\"openWorldHint\":true}}",
PRESIGN_HEAD
"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":true}}" },

{ TOOL_LIST_CONNECTIONS, "s3_list_connections",
"{\"name\":\"s3_list_connections\",\"title\":\"List Connections\","
"\"description\":\"List the S3 connections this server is configured "
"with: name, region, endpoint and addressing style. Pass a name as the "
"connection argument of the other tools; without it they use the "
"default connection.\","
"\"inputSchema\":{\"type\":\"object\",\"properties\":{},"
"\"additionalProperties\":false},"
"\"outputSchema\":{\"type\":\"object\",\"properties\":{"
"\"connections\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
"\"properties\":{\"name\":" STR ",\"region\":" STR ",\"endpoint\":" STR
",\"path_style\":{\"type\":\"boolean\"},\"default\":{\"type\":\"boolean\"},"
"\"credentials\":" STR ",\"presign_endpoint\":" STR "},"
"\"required\":[\"name\",\"region\"]}},"
"\"default_connection\":" STR ",\"count\":" INT "},"
"\"required\":[\"connections\",\"default_connection\",\"count\"]},"
READ_ONLY_ANNOTATIONS "}", NULL },
};

/* see catalog.h */
const struct catalog_entry *
catalog_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < TOOL_COUNT; i++)
		if (strlen(catalog[i].name) == n &&
		    memcmp(catalog[i].name, name, n) == 0)
			return &catalog[i];
	return NULL;
}
