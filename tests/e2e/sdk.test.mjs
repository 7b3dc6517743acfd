// sdk.test.mjs — build/mcp-s3 through the official MCP TypeScript SDK client
// (Client + StdioClientTransport), against the RGW seeded by tests/peers/seed.sh.
// Every structuredContent is checked against its tool's outputSchema with ajv
// (besides the SDK's own check in callTool).
//
//   MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT node tests/e2e/sdk.test.mjs
//
// Prints "ok NAME" / "FAIL NAME: why" and closes with "sdk.test.mjs: N passed, N failed".
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import Ajv from "ajv";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.MCP_S3_BIN || path.join(ROOT, "build/mcp-s3");
const EP = process.env.MCP_S3_TEST_ENDPOINT || process.argv[2];
const AK = process.env.RGW_ACCESS_KEY || "MCPS3TESTACCESSKEY01";
const SK = process.env.RGW_SECRET_KEY || "mcp-s3-test-secret-key-0123456789abcdef";
const WAIT_MS = 30000; // the bound of every call
const NAME = "sdk.test.mjs";
// tools/list in read-only mode (the default), and with MCP_S3_EXT_READONLY=false
const READONLY_TOOLS = ["s3_list_buckets", "s3_list_objects", "s3_get_object",
  "s3_get_object_metadata", "s3_presign_url", "s3_list_connections"];
const ALL_TOOLS = ["s3_list_buckets", "s3_list_objects", "s3_get_object",
  "s3_get_object_metadata", "s3_put_object", "s3_delete_object", "s3_copy_object",
  "s3_presign_url", "s3_list_connections"];

let passed = 0, failed = 0;
function finish() {
  console.log(`${NAME}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// A clean environment: nothing inherited beyond what the SDK adds (PATH, HOME...).
function serverEnv(extra = {}) {
  return {
    HOME: "/nonexistent", LANG: "C.UTF-8",
    AWS_CONFIG_FILE: "/nonexistent/aws-config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: AK, AWS_SECRET_ACCESS_KEY: SK,
    S3_ENDPOINT: EP, S3_USE_PATH_STYLE: "true",
    ...extra,
  };
}

async function connect(extra = {}) {
  const transport = new StdioClientTransport({ command: BIN, args: [], env: serverEnv(extra), stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d) => { stderr += d.toString(); });
  const client = new Client({ name: "mcp-s3-e2e", version: "0.0.1" });
  await client.connect(transport, { timeout: WAIT_MS });
  return { client, transport, stderr: () => stderr };
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map();

function checkSchema(tool, result) {
  assert.ok(!result.isError, `${tool}: isError: ${JSON.stringify(result.content).slice(0, 300)}`);
  assert.ok(result.structuredContent && typeof result.structuredContent === "object", `${tool}: no structuredContent`);
  const v = validators.get(tool);
  assert.ok(v, `${tool}: no outputSchema validator`);
  if (!v(result.structuredContent)) {
    throw new Error(`${tool}: structuredContent does not match outputSchema: ${ajv.errorsText(v.errors)}`);
  }
  return result.structuredContent;
}

const tests = [];
const test = (name, fn) => tests.push([name, fn]);
let S; // the shared session

test("initialize through the SDK", async () => {
  S = await connect();
  const info = S.client.getServerVersion();
  assert.ok(info && typeof info.name === "string" && typeof info.version === "string", "serverInfo");
  assert.ok(S.client.getServerCapabilities()?.tools, "capabilities.tools");
});

test("tools/list: the read tools and s3_presign_url, schemas compile with ajv", async () => {
  const { tools } = await S.client.listTools(undefined, { timeout: WAIT_MS });
  assert.deepEqual(tools.map((t) => t.name), READONLY_TOOLS);
  for (const t of tools) {
    assert.equal(t.annotations?.readOnlyHint, true, `${t.name} readOnlyHint`);
    assert.ok(t.outputSchema, `${t.name} outputSchema`);
    ajv.compile(t.inputSchema);
    validators.set(t.name, ajv.compile(t.outputSchema));
  }
});

test("outputSchemas are strict enough to catch a broken result", async () => {
  const broken = {
    s3_list_buckets: { buckets: "not-an-array", count: -1 },
    s3_list_objects: { bucket: "b", objects: [{ size: "1" }], count: 0 },
    s3_get_object: { bucket: "b", key: "k", size: -1 },
    s3_get_object_metadata: { bucket: "b" },
    s3_list_connections: { connections: [{}] },
    s3_presign_url: { bucket: "b", key: "k", url: 5 },
  };
  for (const [tool, sc] of Object.entries(broken)) {
    assert.equal(validators.get(tool)(sc), false, `${tool}: outputSchema accepts ${JSON.stringify(sc)}`);
  }
});

const call = (name, args, c = S.client) => c.callTool({ name, arguments: args }, undefined, { timeout: WAIT_MS });

test("s3_list_buckets", async () => {
  const sc = checkSchema("s3_list_buckets", await call("s3_list_buckets", {}));
  const names = sc.buckets.map((b) => b.name);
  assert.ok(names.includes("mcp-test"), `mcp-test in ${names}`);
});

test("s3_list_connections", async () => {
  const sc = checkSchema("s3_list_connections", await call("s3_list_connections", {}));
  assert.equal(sc.default_connection, "default");
  assert.equal(sc.connections[0].path_style, true);
});

test("s3_list_objects with delimiter", async () => {
  const sc = checkSchema("s3_list_objects", await call("s3_list_objects", { bucket: "mcp-test", prefix: "dir/", delimiter: "/" }));
  assert.deepEqual(sc.objects.map((o) => o.key), ["dir/c.txt"]);
  assert.deepEqual(sc.common_prefixes, ["dir/a/", "dir/b/"]);
});

test("s3_list_objects paging with continuation tokens", async () => {
  let token, pages = 0, keys = [];
  do {
    const args = { bucket: "mcp-many", max_keys: 1000 };
    if (token) args.continuation_token = token;
    const sc = checkSchema("s3_list_objects", await call("s3_list_objects", args));
    keys.push(...sc.objects.map((o) => o.key));
    token = sc.is_truncated ? sc.next_continuation_token : undefined;
    assert.ok(++pages <= 5, "too many pages");
  } while (token);
  assert.equal(pages, 3);
  assert.equal(new Set(keys).size, 2500);
});

test("s3_get_object text", async () => {
  const r = await call("s3_get_object", { bucket: "mcp-test", key: "hello.txt" });
  const sc = checkSchema("s3_get_object", r);
  assert.equal(r.content[1].type, "text");
  assert.equal(r.content[1].text, "Hello from mcp-s3 tests!\nSecond line.\n");
  assert.equal(sc.truncated, false);
});

test("s3_get_object windowed text", async () => {
  const r = await call("s3_get_object", { bucket: "mcp-test", key: "big.txt", offset: 0, length: 1000 });
  const sc = checkSchema("s3_get_object", r);
  assert.equal(sc.truncated, true);
  assert.ok(sc.next_offset <= 1000 && sc.next_offset >= 997, `next_offset ${sc.next_offset}`);
  assert.equal(Buffer.byteLength(r.content[1].text, "utf8"), sc.length);
});

test("s3_get_object binary resource", async () => {
  const r = await call("s3_get_object", { bucket: "mcp-test", key: "data/blob.bin", length: 1024 });
  const sc = checkSchema("s3_get_object", r);
  assert.equal(r.content[1].type, "resource");
  assert.equal(r.content[1].resource.uri, "s3://mcp-test/data/blob.bin");
  assert.equal(Buffer.from(r.content[1].resource.blob, "base64").length, 1024);
  assert.equal(sc.is_base64, true);
});

test("s3_get_object images", async () => {
  for (const [key, mime] of [["img/pixel.png", "image/png"], ["img/photo.jpg", "image/jpeg"]]) {
    const r = await call("s3_get_object", { bucket: "mcp-test", key });
    const sc = checkSchema("s3_get_object", r);
    assert.equal(r.content[1].type, "image", key);
    assert.equal(r.content[1].mimeType, mime, key);
    assert.equal(Buffer.from(r.content[1].data, "base64").length, sc.size, key);
  }
});

test("s3_get_object empty object", async () => {
  const r = await call("s3_get_object", { bucket: "mcp-test", key: "empty.txt" });
  const sc = checkSchema("s3_get_object", r);
  assert.equal(sc.size, 0);
  assert.equal(r.content.length, 1);
});

test("s3_get_object_metadata", async () => {
  const sc = checkSchema("s3_get_object_metadata",
    await call("s3_get_object_metadata", { bucket: "mcp-test", key: "meta.txt" }));
  assert.deepEqual(sc.metadata, { owner: "alice", purpose: "test" });
});

test("isError: NoSuchKey, no structuredContent", async () => {
  const r = await call("s3_get_object", { bucket: "mcp-test", key: "no/such/key" });
  assert.equal(r.isError, true);
  assert.equal(r.structuredContent, undefined);
  assert.ok(r.content[0].text.startsWith("NoSuchKey"), r.content[0].text);
});

test("isError: InvalidArgument", async () => {
  const r = await call("s3_list_objects", { bucket: "mcp-many", max_keys: 0 });
  assert.equal(r.isError, true);
  assert.ok(r.content[0].text.startsWith("InvalidArgument") && r.content[0].text.includes("max_keys"), r.content[0].text);
});

test("unknown tool → McpError -32602", async () => {
  await assert.rejects(call("no_such_tool", {}), (e) => e instanceof McpError && e.code === -32602);
});

test("isError: SignatureDoesNotMatch with a wrong secret", async () => {
  const c = await connect({ AWS_SECRET_ACCESS_KEY: "wrong-" + SK });
  try {
    const r = await call("s3_list_buckets", {}, c.client);
    assert.equal(r.isError, true);
    assert.ok(r.content[0].text.startsWith("SignatureDoesNotMatch"), r.content[0].text);
    assert.ok(!JSON.stringify(r).includes(SK) && !c.stderr().includes(SK), "secret printed");
  } finally {
    await c.client.close();
  }
});

test("json text format through the SDK", async () => {
  const c = await connect({ MCP_S3_TEXT_FORMAT: "json" });
  try {
    await c.client.listTools(undefined, { timeout: WAIT_MS });
    const r = await call("s3_list_objects", { bucket: "mcp-test", prefix: "dir/" }, c.client);
    const sc = checkSchema("s3_list_objects", r);
    assert.deepEqual(JSON.parse(r.content[0].text), sc);
  } finally {
    await c.client.close();
  }
});

// awscli v2 for the bucket the write test works in (nothing inherited: no CA bundle, profile)
function awscli(args) {
  const home = mkdtempSync(path.join(os.tmpdir(), "sdk-aws-"));
  writeFileSync(path.join(home, "config"), "[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n");
  try {
    return execFileSync("/usr/bin/aws", ["--endpoint-url", EP, ...args], {
      timeout: 120000, stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", AWS_CONFIG_FILE: path.join(home, "config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"), AWS_ACCESS_KEY_ID: AK, AWS_SECRET_ACCESS_KEY: SK,
        AWS_DEFAULT_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true", AWS_PAGER: "" },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test("writes enabled: nine tools in order; put, copy, presign, delete match their outputSchemas", async () => {
  const bucket = `mcp-sdk-${process.pid}-${Date.now() % 100000}`;
  awscli(["s3", "mb", `s3://${bucket}`]);
  const c = await connect({ MCP_S3_EXT_READONLY: "false" });
  try {
    const { tools } = await c.client.listTools(undefined, { timeout: WAIT_MS });
    assert.deepEqual(tools.map((t) => t.name), ALL_TOOLS);
    for (const t of tools) {
      ajv.compile(t.inputSchema);
      validators.set(t.name, ajv.compile(t.outputSchema));
      const ann = t.annotations || {};
      if (["s3_put_object", "s3_delete_object", "s3_copy_object"].includes(t.name)) {
        assert.equal(ann.destructiveHint, true, `${t.name} destructiveHint`);
        assert.notEqual(ann.readOnlyHint, true, `${t.name} readOnlyHint`);
      }
    }
    const put = checkSchema("s3_put_object", await call("s3_put_object",
      { bucket, key: "dir/hello.txt", content: "hi from the SDK ✓", metadata: { via: "sdk" } }, c.client));
    assert.equal(put.size, Buffer.byteLength("hi from the SDK ✓"));
    const got = await call("s3_get_object", { bucket, key: "dir/hello.txt" }, c.client);
    checkSchema("s3_get_object", got);
    assert.equal(got.content[1].text, "hi from the SDK ✓");
    const cp = checkSchema("s3_copy_object", await call("s3_copy_object",
      { source_bucket: bucket, source_key: "dir/hello.txt", dest_bucket: bucket, dest_key: "dir/copy.txt" }, c.client));
    assert.equal(cp.dest_key, "dir/copy.txt");
    const head = JSON.parse(awscli(["s3api", "head-object", "--bucket", bucket, "--key", "dir/copy.txt", "--output", "json"]).toString());
    assert.deepEqual(head.Metadata, { via: "sdk" });
    const ps = checkSchema("s3_presign_url", await call("s3_presign_url", { bucket, key: "dir/copy.txt", method: "put" }, c.client));
    assert.equal(ps.method, "PUT");
    assert.ok(ps.url.startsWith(`${EP}/${bucket}/dir/copy.txt?`) && !ps.url.includes(SK), ps.url);
    assert.match(ps.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const key of ["dir/hello.txt", "dir/copy.txt"]) {
      const del = checkSchema("s3_delete_object", await call("s3_delete_object", { bucket, key }, c.client));
      assert.equal(del.deleted, true);
    }
    const left = awscli(["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"]).toString();
    assert.ok(!left.includes("dir/"), `objects left: ${left}`);
    assert.ok(!c.stderr().includes(SK), "secret on stderr");
  } finally {
    await c.client.close();
    try { awscli(["s3", "rb", "--force", `s3://${bucket}`]); } catch { /* best effort */ }
  }
});

test("read-only mode: a write tool gives ReadOnly through the SDK", async () => {
  const r = await call("s3_put_object", { bucket: "mcp-test", key: "never.txt", content: "x" });
  assert.equal(r.isError, true);
  assert.ok(r.content[0].text.startsWith("ReadOnly") && r.content[0].text.includes("MCP_S3_EXT_READONLY=false"), r.content[0].text);
  const ps = checkSchema("s3_presign_url", await call("s3_presign_url", { bucket: "mcp-test", key: "hello.txt" }));
  assert.equal(ps.method, "GET");
});

// Large answers through the SDK's stdio reader, which refuses a message over
// 10 MiB and then closes the transport: windows must fit the message budget.
const BIG_MS = 240000; // one large call, also under qemu
const bigCall = (name, args, c) => c.callTool({ name, arguments: args }, undefined, { timeout: BIG_MS });
let bigBucket, bigDir;
function bigSetup() {
  if (bigBucket) return;
  bigBucket = `mcp-sdk-big-${process.pid}-${Date.now() % 100000}`;
  bigDir = mkdtempSync(path.join(os.tmpdir(), "sdk-big-"));
  awscli(["s3", "mb", `s3://${bigBucket}`]);
  const bin = Buffer.alloc(8 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < bin.length; i++) { x = (x * 1103515245 + 12345) >>> 0; bin[i] = x >>> 24; }
  writeFileSync(path.join(bigDir, "bin"), bin);
  // 10,000,000 bytes of text: ASCII, quotes and control characters (escaped
  // to 2 or 6 bytes) and multi-byte characters, so the escaped window is larger.
  const unit = "line \"quoted\" \u0001 é € 😀 text\n";
  let t = unit.repeat(Math.ceil(10000000 / Buffer.byteLength(unit)));
  let tb = Buffer.from(t);
  let cut = 10000000;
  while ((tb[cut] & 0xc0) === 0x80) cut--;
  tb = tb.subarray(0, cut);
  writeFileSync(path.join(bigDir, "text"), tb);
  awscli(["s3api", "put-object", "--bucket", bigBucket, "--key", "bin", "--body", path.join(bigDir, "bin"),
    "--content-type", "application/octet-stream"]);
  awscli(["s3api", "put-object", "--bucket", bigBucket, "--key", "text.txt", "--body", path.join(bigDir, "text"),
    "--content-type", "text/plain; charset=utf-8"]);
}

// Follows next_offset from 0; returns [bytes, calls, windows shortened to the budget].
async function readWhole(c, key, length) {
  const parts = [];
  let offset = 0, calls = 0, shortened = 0;
  for (;;) {
    const r = await bigCall("s3_get_object", { bucket: bigBucket, key, offset, length }, c);
    const sc = checkSchema("s3_get_object", r);
    calls++;
    const body = r.content[1];
    const part = sc.is_base64 ? Buffer.from(body.resource.blob, "base64") : Buffer.from(body.text);
    assert.equal(part.length, sc.length, `window at ${offset}`);
    parts.push(part);
    if (r.content[0].text.includes("shortened to fit the message budget")) shortened++;
    if (!sc.truncated) break;
    assert.equal(sc.next_offset, offset + sc.length);
    offset = sc.next_offset;
    assert.ok(calls < 20, "too many calls");
  }
  return [Buffer.concat(parts), calls, shortened];
}

test("an 8 MiB binary object (length 8388608) read whole by next_offset; the session still answers", async () => {
  bigSetup();
  const c = await connect();
  try {
    const [got, calls, shortened] = await readWhole(c.client, "bin", 8388608);
    assert.ok(got.equals(readFileSync(path.join(bigDir, "bin"))), "the bytes differ");
    assert.ok(calls >= 2 && shortened >= 1, `${calls} calls, ${shortened} shortened`);
    checkSchema("s3_list_buckets", await call("s3_list_buckets", {}, c.client));
  } finally {
    await c.client.close();
  }
});

test("a 10 MB text window read whole by next_offset; the session still answers", async () => {
  bigSetup();
  const c = await connect();
  try {
    const [got, calls, shortened] = await readWhole(c.client, "text.txt", 10000000);
    assert.ok(got.equals(readFileSync(path.join(bigDir, "text"))), "the text differs");
    assert.ok(calls >= 2 && shortened >= 1, `${calls} calls, ${shortened} shortened`);
    checkSchema("s3_list_buckets", await call("s3_list_buckets", {}, c.client));
  } finally {
    await c.client.close();
  }
});

test("an 8 MiB binary put as base64, checked with awscli; the session still answers", async () => {
  bigSetup();
  const c = await connect({ MCP_S3_EXT_READONLY: "false" });
  try {
    const bin = readFileSync(path.join(bigDir, "bin"));
    const put = checkSchema("s3_put_object", await bigCall("s3_put_object",
      { bucket: bigBucket, key: "put.bin", content: bin.toString("base64"), is_base64: true,
        content_type: "application/octet-stream" }, c.client));
    assert.equal(put.size, bin.length);
    const back = path.join(bigDir, "back");
    awscli(["s3api", "get-object", "--bucket", bigBucket, "--key", "put.bin", back]);
    assert.ok(readFileSync(back).equals(bin), "the object written differs");
    checkSchema("s3_list_buckets", await call("s3_list_buckets", {}, c.client));
  } finally {
    await c.client.close();
  }
});

test("close: the server exits", async () => {
  const child = S.transport._process;
  const exited = new Promise((res) => {
    if (child.exitCode !== null) res(child.exitCode);
    else child.once("exit", (code) => res(code));
  });
  await S.client.close();
  const code = await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error("no exit within 15 s")), 15000).unref())]);
  assert.equal(code, 0, `exit code ${code} (${child.signalCode || "no signal"})`);
  S = undefined;
});

async function main() {
  if (!EP) { console.log("FAIL setup: no endpoint (MCP_S3_TEST_ENDPOINT)"); failed++; return finish(); }
  if (!existsSync(BIN)) { console.log(`FAIL setup: ${BIN} is missing`); failed++; return finish(); }
  for (const [name, fn] of tests) {
    try {
      await fn();
      passed++;
      console.log(`ok ${name}`);
    } catch (e) {
      failed++;
      const why = (e && e.message ? e.message : String(e)).replace(/\n/g, " | ").slice(0, 600);
      console.log(`FAIL ${name}: ${why}`);
      if (!S && name.startsWith("initialize")) break;
    }
  }
  if (S) await S.client.close().catch(() => {});
  if (bigBucket) {
    try { awscli(["s3", "rb", "--force", `s3://${bigBucket}`]); } catch { /* best effort */ }
    rmSync(bigDir, { recursive: true, force: true });
  }
  finish();
}

const guard = setTimeout(() => { console.log("FAIL e2e: the suite did not finish within 540 s"); failed++; finish(); }, 540000);
guard.unref();
main().catch((e) => { console.log(`FAIL e2e: ${e?.stack || e}`); failed++; finish(); });
