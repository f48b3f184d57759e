#!/usr/bin/env bash
# Make the admission webhook's TLS material with openssl: a CA and a serving certificate.
#   scripts/webhook-cert.sh OUT_DIR [NAME ...]
# NAMEs are DNS names or IP addresses the certificate must cover (default: the in-cluster
# service name provenance-webhook.provenance.svc). Writes OUT_DIR/{ca.crt,ca.key,tls.crt,
# tls.key}; then, for a cluster:
#   kubectl -n provenance create secret tls provenance-webhook-tls \
#     --cert OUT_DIR/tls.crt --key OUT_DIR/tls.key
#   and put `base64 -w0 OUT_DIR/ca.crt` into the caBundle of
#   deploy/kubernetes/webhook.yaml (scripts print it last).
set -euo pipefail
out=${1:?usage: webhook-cert.sh OUT_DIR [NAME ...]}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(provenance-webhook.provenance.svc)
mkdir -p "$out"
san=""
for n in "${names[@]}"; do
  if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
done
san=${san%,}
days=${WEBHOOK_CERT_DAYS:-365}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" \
  -subj "/CN=provenance-linker webhook CA" -keyout "$out/ca.key" -out "$out/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=${names[0]}" -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" \
  > "$out/ext.cnf"
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -CAcreateserial -days "$days" -extfile "$out/ext.cnf" -out "$out/tls.crt" 2>/dev/null
rm -f "$out/tls.csr" "$out/ext.cnf" "$out/ca.srl"
chmod 600 "$out/ca.key" "$out/tls.key"
base64 -w0 "$out/ca.crt"
echo
