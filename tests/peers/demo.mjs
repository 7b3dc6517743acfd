// demo.mjs — a short, scripted MCP session with build/mcp-s3 through the
// official MCP TypeScript SDK client, printing every request and answer.
//
//   node tests/peers/demo.mjs http://127.0.0.1:PORT      (see tests/peers/demo.sh)
//
// Credentials: RGW_ACCESS_KEY / RGW_SECRET_KEY (the defaults of rgw.sh).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.MCP_S3_BIN || path.join(ROOT, "build/mcp-s3");
const EP = process.argv[2] || process.env.MCP_S3_TEST_ENDPOINT;
if (!EP) { console.error("usage: node demo.mjs http://127.0.0.1:PORT"); process.exit(2); }
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const c = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const WAIT = { timeout: 30000 };

const transport = new StdioClientTransport({
  command: BIN,
  args: [],
  stderr: "inherit",
  env: {
    HOME: "/nonexistent", LANG: "C.UTF-8", AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/c", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/c",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: process.env.RGW_ACCESS_KEY || "MCPS3TESTACCESSKEY01",
    AWS_SECRET_ACCESS_KEY: process.env.RGW_SECRET_KEY || "mcp-s3-test-secret-key-0123456789abcdef",
    S3_ENDPOINT: EP, S3_USE_PATH_STYLE: "true",
  },
});

// Show the raw JSON-RPC of the handshake (requests as sent, answers as received).
let wire = true;
const send = transport.send.bind(transport);
transport.send = (m) => { if (wire) console.log(c(36, "→ " + JSON.stringify(m))); return send(m); };
let handler;
Object.defineProperty(transport, "onmessage", {
  get: () => handler,
  set: (fn) => { handler = (m) => { if (wire) console.log(c(32, "← " + clip(JSON.stringify(m), 600))); fn(m); }; },
});

function clip(s, n) { return s.length <= n ? s : s.slice(0, n) + c(2, ` … (${s.length} chars)`); }
function indent(s, max = 14) {
  const lines = s.replace(/\n$/, "").split("\n");
  const shown = lines.slice(0, max).map((l) => "    " + clip(l, 160));
  if (lines.length > max) shown.push(c(2, `    … ${lines.length - max} more lines`));
  return shown.join("\n");
}

function showResult(r) {
  if (r.isError) console.log(c(31, "  isError: true"));
  for (const [i, b] of (r.content || []).entries()) {
    if (b.type === "text") console.log(c(33, `  content[${i}] text:`) + "\n" + indent(b.text));
    else if (b.type === "image") console.log(c(33, `  content[${i}] image`) + ` ${b.mimeType}, ${Buffer.from(b.data, "base64").length} bytes (base64 in "data")`);
    else if (b.type === "resource") console.log(c(33, `  content[${i}] resource`) + ` ${b.resource.uri} ${b.resource.mimeType}, ${Buffer.from(b.resource.blob || "", "base64").length} bytes (base64 in "blob")`);
    else console.log(`  content[${i}] ${b.type}`);
  }
  if (r.structuredContent) console.log(c(33, "  structuredContent: ") + clip(JSON.stringify(r.structuredContent), 500));
}

let step = 0;
async function tool(title, name, args) {
  console.log("\n" + c(1, `${++step}. ${title}`));
  console.log(c(36, `→ tools/call ${name} ${JSON.stringify(args)}`));
  const r = await client.callTool({ name, arguments: args }, undefined, WAIT);
  console.log(c(32, "←"));
  showResult(r);
  return r;
}

const client = new Client({ name: "mcp-s3-demo", version: "0.0.1" });
console.log(c(1, `${++step}. initialize`) + c(2, `  (${BIN}, S3 at ${EP})`));
await client.connect(transport, WAIT);
wire = false;
const sv = client.getServerVersion();
console.log(`   server ${sv.name} ${sv.version}`);

console.log("\n" + c(1, `${++step}. tools/list`));
console.log(c(36, "→ tools/list"));
const { tools } = await client.listTools(undefined, WAIT);
for (const t of tools) console.log(c(32, "← ") + `${t.name.padEnd(24)} ${t.title || ""}${t.annotations?.readOnlyHint ? "  (read-only)" : ""}`);

await tool("list the buckets", "s3_list_buckets", {});
await tool("list the top level of a bucket, folders as common prefixes", "s3_list_objects", { bucket: "mcp-test", delimiter: "/" });
await tool("read a small text object", "s3_get_object", { bucket: "mcp-test", key: "hello.txt" });
const w = await tool("read a 300-byte window of a multi-byte UTF-8 text (it ends on a character boundary)",
  "s3_get_object", { bucket: "mcp-test", key: "big.txt", offset: 0, length: 300 });
const next = w.structuredContent?.next_offset;
if (next !== undefined) await tool("read the next window from next_offset", "s3_get_object", { bucket: "mcp-test", key: "big.txt", offset: next, length: 300 });
await tool("an image comes back as an image block", "s3_get_object", { bucket: "mcp-test", key: "img/pixel.png" });
await tool("object metadata (HEAD), with user metadata", "s3_get_object_metadata", { bucket: "mcp-test", key: "meta.txt" });
await tool("an error: a key that does not exist", "s3_get_object", { bucket: "mcp-test", key: "no/such/key.txt" });
await tool("an error: an invalid argument", "s3_list_objects", { bucket: "mcp-test", max_keys: 5000 });

await client.close();
console.log("\n" + c(1, "done") + ": the session is closed and the server has exited.");
