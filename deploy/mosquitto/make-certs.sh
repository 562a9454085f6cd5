#!/usr/bin/env bash
# Make a private CA and a broker certificate signed by it (openssl), for Mosquitto's TLS listener.
#   deploy/mosquitto/make-certs.sh OUT_DIR HOST [HOST|IP ...]
# OUT_DIR gets ca.key (keep it offline), ca.crt (copy to every device), server.key and
# server.crt (for the broker). HOSTs are the names and addresses devices use to reach the broker;
# the first one is the certificate's common name. An existing CA in OUT_DIR is reused, so that
# a renewed server certificate needs no change on the devices.
set -euo pipefail
usage() { echo "usage: $0 OUT_DIR HOST [HOST|IP ...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
out="$1"; shift
days_ca="${TXNG_CA_DAYS:-3650}"
days_server="${TXNG_SERVER_CERT_DAYS:-825}"
mkdir -p "$out"
umask 077

san=""
for host in "$@"; do
    if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then entry="IP:$host"; else entry="DNS:$host"; fi
    san="${san:+$san,}$entry"
done

if [ ! -f "$out/ca.key" ]; then
    openssl req -x509 -newkey rsa:4096 -sha256 -nodes -days "$days_ca" \
        -keyout "$out/ca.key" -out "$out/ca.crt" -subj "/O=txng/CN=txng broker CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
openssl req -newkey rsa:2048 -sha256 -nodes -keyout "$out/server.key" -out "$out/server.csr" \
    -subj "/O=txng/CN=$1" 2>/dev/null
extensions="$(mktemp)"
trap 'rm -f "$extensions"' EXIT
printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    > "$extensions"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -days "$days_server" -sha256 -extfile "$extensions" \
    -out "$out/server.crt" 2>/dev/null
rm -f "$out/server.csr"
chmod 644 "$out/ca.crt" "$out/server.crt"
echo "made $out/server.crt for $san, signed by $out/ca.crt" >&2
