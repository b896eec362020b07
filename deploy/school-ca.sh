#!/bin/sh
# A school's own certificate authority and the box's HTTPS certificate (docs/https.md).
#   deploy/school-ca.sh FOLDER NAME_OR_ADDRESS...      e.g. deploy/school-ca.sh /etc/contentserver/tls school.local 192.168.1.10
# Makes FOLDER/ca.crt + ca.key once (kept: phones trust ca.crt, so a new box certificate needs no new install) and
# FOLDER/server.crt + server.key for the names and addresses given (made again on every run: a new address is
# one more run). Needs only openssl.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 FOLDER NAME_OR_ADDRESS..." >&2; exit 2; }
folder=$1; shift
mkdir -p "$folder"; cd "$folder"
umask 077
if [ ! -f ca.key ]; then
    # Ten years: a phone keeps trusting the school's authority for the life of the box.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -sha256 \
        -keyout ca.key -out ca.crt -subj "/CN=School content server CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
names=""
for name in "$@"; do
    case $name in
        *[!0-9.]*) case $name in *:*) entry="IP:$name" ;; *) entry="DNS:$name" ;; esac ;;
        *) entry="IP:$name" ;;
    esac
    names="${names:+$names,}$entry"
done
# 397 days: browsers refuse longer-lived server certificates; run this again within a year (a cron line in the docs).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj "/CN=$1" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    "$names" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 -sha256 \
    -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext
chmod 644 ca.crt server.crt
echo "made $folder/server.crt for $names; phones install $folder/ca.crt once"
