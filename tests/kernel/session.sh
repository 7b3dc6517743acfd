# tests/kernel/session.sh — the scripted MCP session of make test-kernel,
# run by busybox sh: inside the guest by /init (tests/kernel/init) on the
# sandboxed binary, and on the host by tests/kernel/run.py on the same
# binary under qemu-user, so that the two transcripts can be compared.
#
#   sh session.sh WORKDIR CMD...      CMD: the server (mcp-s3, or qemu-ARCH mcp-s3)
#
# Environment: K_BB (the busybox binary, for its httpd), K_PORT (the canned
# S3 server, busybox httpd on 127.0.0.1), K_DEAD (a port nothing listens on).
# Writes WORKDIR/out (the server's stdout), WORKDIR/err (its stderr),
# WORKDIR/status (/proc/PID/status while serving), WORKDIR/rc (its exit
# status), WORKDIR/verify (mcp-s3 audit verify) and WORKDIR/log (what
# happened, one line each).  The caller checks them.
W=$1
shift
BB=${K_BB:-busybox}
mkdir -p "$W/www/cgi-bin"
: > "$W/log"
note() { echo "$*" >> "$W/log"; }

# The canned S3 answer: GET / (ListBuckets) is www/index.html.  GET of
# bucket cgi-bin, key hang runs a CGI that never answers (the cancelled call).
cat > "$W/www/index.html" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>kernel-canned</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket><Bucket><Name>second</Name><CreationDate>2026-01-02T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>
EOF
# GET of bucket kernel-canned (ListObjectsV2; httpd drops the query) is
# www/kernel-canned: a truncated page whose last key the access rules
# hide, so the answer carries a sealed token (getrandom under the filter).
cat > "$W/www/kernel-canned" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>kernel-canned</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>101</MaxKeys><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType><NextContinuationToken>secret%2Fx</NextContinuationToken><Contents><Key>a.txt</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"e"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>b.txt</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"e"</ETag><Size>2</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>secret/x</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"e"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>
EOF
cat > "$W/www/cgi-bin/hang" <<EOF
#!/bin/sh
echo \$\$ > "$W/hang.pid.tmp" && mv "$W/hang.pid.tmp" "$W/hang.pid"
exec sleep 30
EOF
chmod 755 "$W/www/cgi-bin/hang"
"$BB" httpd -f -p "127.0.0.1:$K_PORT" -h "$W/www" &
HTTPD=$!
# A server that died must not take this script with it (SIGPIPE on the
# next line sent), nor leave the httpd behind.
trap '' PIPE
trap 'kill $HTTPD 2>/dev/null' EXIT

# The seed key of the sealed audit log (64 hex digits, mode 0600).
umask 077
echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > "$W/audit.key"
rm -f "$W/audit.log" "$W/in" "$W/hang.pid"
mkfifo "$W/in"

export MCP_S3_SANDBOX=on HOME=/nonexistent AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/nonexistent/aws-config \
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials \
    AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=KERNELTESTACCESSKEY0 \
    AWS_SECRET_ACCESS_KEY=kernel-test-secret-key-not-a-real-one \
    S3_ENDPOINT="http://127.0.0.1:$K_PORT" S3_USE_PATH_STYLE=true S3_TIMEOUT=20s \
    S3_ADDITIONAL_CONNECTIONS="{\"dead\": {\"endpoint\": \"http://127.0.0.1:$K_DEAD\", \"timeout\": \"5s\"}}" \
    MCP_S3_AUDIT_FILE="$W/audit.log" MCP_S3_AUDIT_KEY_FILE="$W/audit.key" \
    MCP_S3_DENIED_PREFIXES="s3://kernel-canned/secret/"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR

"$@" < "$W/in" > "$W/out" 2> "$W/err" &
PID=$!
# Read-write: this open never blocks, even when the server died before
# opening its end; closing fd 3 is still the end of its input.
exec 3<> "$W/in"
note "server pid $PID"

send() { printf '%s\n' "$1" >&3; }
# answered ID: the response to ID is in out, waiting up to 60 s.
answered() {
	local i=0
	while [ $i -lt 600 ]; do
		grep -q "\"id\":$1[,}]" "$W/out" && return 0
		kill -0 $PID 2>/dev/null || { grep -q "\"id\":$1[,}]" "$W/out"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
step() {	# step ID LINE
	send "$2"
	if answered "$1"; then note "answered $1"; else note "NO ANSWER $1"; fi
}

step 1 '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"kernel-test","version":"1"}}}'
send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
step 2 '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
step 3 '{"jsonrpc":"2.0","id":3,"method":"ping"}'
# Serving, sandbox up: the kernel's view of the process.
cat /proc/$PID/status > "$W/status" 2>/dev/null
# connect, poll, read, write, close under the filter: a canned ListBuckets.
step 4 '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"s3_list_buckets","arguments":{}}}'
# A port nothing listens on: NetworkError, not a kill.
step 5 '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"s3_list_buckets","arguments":{"connection":"dead"}}}'
# A call that hangs (the CGI never answers), cancelled once it reached the
# server: no answer to 6, and the next request is served.
send '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"s3_get_object","arguments":{"bucket":"cgi-bin","key":"hang"}}}'
i=0
while [ ! -s "$W/hang.pid" ] && [ $i -lt 300 ] && kill -0 $PID 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$W/hang.pid" ] && note "hang reached" || note "hang NOT reached"
send '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":6,"reason":"kernel test"}}'
step 7 '{"jsonrpc":"2.0","id":7,"method":"ping"}'
step 8 '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"s3_list_buckets","arguments":{}}}'
# A listing under access rules: the hidden key stays inside, the page's
# token is sealed (random nonce from getrandom).
step 9 '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"s3_list_objects","arguments":{"bucket":"kernel-canned","max_keys":1}}}'
# End of input: a clean exit (and the shutdown seal).
exec 3>&-
wait $PID
echo $? > "$W/rc"
note "server exit $(cat "$W/rc")"
[ -s "$W/hang.pid" ] && kill "$(cat "$W/hang.pid")" 2>/dev/null
kill $HTTPD 2>/dev/null
wait $HTTPD 2>/dev/null
"$@" audit verify "$W/audit.log" --key "$W/audit.key" > "$W/verify" 2>&1
note "verify exit $?"
exit 0
