#!/usr/bin/env bash
# TEST ONLY - NOT A REAL CERTIFICATE AUTHORITY. Generates the demo/test signing material committed
# beside this script (run once with the openssl CLI; the tests do not run it):
#   test-ca.pem        root CA "motcua TEST CA - KHÔNG DÙNG THẬT" (self-signed, 20 years)
#   test-signer.p12    a unit's signing certificate + key + the CA, PKCS#12 (AES-256/PBKDF2, HMAC-SHA256),
#                      password: motcua-test
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out test-ca.pem -days 7300 -sha256 \
  -subj "/C=VN/O=motcua TEST/CN=motcua TEST CA - KHONG DUNG THAT" -utf8 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/signer.key" -out "$tmp/signer.csr" -utf8 \
  -subj "/C=VN/ST=Hà Nội/O=UBND phường Ba Đình (TEST)/CN=UBND phường Ba Đình (TEST)"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > "$tmp/ext"
openssl x509 -req -in "$tmp/signer.csr" -CA test-ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
  -out "$tmp/signer.pem" -days 7300 -sha256 -extfile "$tmp/ext"
openssl pkcs12 -export -inkey "$tmp/signer.key" -in "$tmp/signer.pem" -certfile test-ca.pem \
  -name "UBND phuong Ba Dinh (TEST)" -out test-signer.p12 -passout pass:motcua-test
