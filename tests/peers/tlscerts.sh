#!/bin/sh
# tlscerts.sh — throwaway certificates for the TLS tests, made with openssl.
#
#   sh tests/peers/tlscerts.sh DIR
#
# Writes into DIR (created; nothing else is touched):
#   ca.pem ca.key            a test CA
#   srv.pem srv.key          localhost (DNS:localhost, IP:127.0.0.1), by the CA, 30 days
#   wrong.pem wrong.key      wrong.example only, by the CA
#   expired.pem expired.key  localhost, by the CA, valid 2020-01-01 to 2020-01-02
#   future.pem future.key    localhost, by the CA, valid from 2099-01-01
#   rogue-ca.pem             another CA, which nothing trusts
#   rogue.pem rogue.key      localhost, by the other CA
#   certdir/                 ca.pem and its OpenSSL hash link (HASH.0), for SSL_CERT_DIR
# Keys are EC P-256 (fast to make); the CA is RSA 2048 like most real ones.
# These are test keys: never use them for anything else.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
mkdir -p "$D/certdir"
cd "$D"
q() { "$@" >/dev/null 2>&1 || { echo "tlscerts.sh: failed: $*" >&2; "$@" >&2 || true; exit 1; }; }

ca() {	# ca NAME CN
	q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" \
		-days 30 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
csr() {	# csr NAME CN
	q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
}
ext() {	# ext SAN → leaf extensions file
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$1" > ext.cnf
}
sign() {	# sign NAME CA SAN: 30 days from now
	ext "$3"
	q openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
		-out "$1.pem" -days 30 -sha256 -extfile ext.cnf
}
sign_dates() {	# sign_dates NAME CA SAN START END (YYYYMMDDHHMMSSZ), with `openssl ca`
	ext "$3"
	rm -rf cadb; mkdir cadb; : > cadb/index.txt; echo 1000 > cadb/serial
	cat > cadb/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF
	q openssl ca -batch -config cadb/ca.cnf -cert "$2.pem" -keyfile "$2.key" \
		-in "$1.csr" -out "$1.pem" -startdate "$4" -enddate "$5" -extfile ext.cnf -notext
}

ca ca "mcp-s3 test CA"
ca rogue-ca "mcp-s3 rogue CA"
csr srv localhost;     sign srv ca "DNS:localhost,IP:127.0.0.1"
csr wrong wrong.example; sign wrong ca "DNS:wrong.example"
csr rogue localhost;   sign rogue rogue-ca "DNS:localhost,IP:127.0.0.1"
csr expired localhost; sign_dates expired ca "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20200102000000Z
csr future localhost;  sign_dates future ca "DNS:localhost,IP:127.0.0.1" 20990101000000Z 20990102000000Z
cp ca.pem certdir/ca.pem
ln -sf ca.pem "certdir/$(openssl x509 -noout -hash -in ca.pem).0"
rm -rf cadb ./*.csr ext.cnf ./*.srl
