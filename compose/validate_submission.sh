#!/usr/bin/env bash
# Ask the validator whether a submission is valid (it never tells a score), as upstream's helper does.
#
#   validate_submission.sh PATH        e.g. validate_submission.sh /home/submission/submission.csv
#
# Prints the validator's JSON answer. Exit status: 0 valid, 1 invalid, 2 usage or transport error (one line on
# stderr). Needs only bash and curl, because agent images may have neither python nor jq.
# VALIDATOR_URL overrides the endpoint (default http://localhost:5000/validate; a base URL such as
# http://validator:5000 gets /validate appended); VALIDATOR_TIMEOUT the seconds allowed for one call (default 600:
# a large submission takes a while to upload and parse).
set -u

prog=${0##*/}
url=${VALIDATOR_URL:-http://localhost:5000/validate}
url=${url%/}
[[ $url == */validate ]] || url=$url/validate
timeout=${VALIDATOR_TIMEOUT:-600}

fail() {
    printf '%s: %s\n' "$prog" "$1" >&2
    exit 2
}

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
    fail "usage: $prog PATH (POSTs the CSV at PATH to $url; exit 0 valid, 1 invalid, 2 error)"
fi
path=$1
[[ -e $path ]] || fail "no such file: $path"
[[ -f $path ]] || fail "not a regular file: $path"
[[ -r $path ]] || fail "cannot read: $path"
command -v curl >/dev/null 2>&1 || fail "curl is not installed"

# curl's -F syntax treats ';' and ',' in a bare file name specially; a double-quoted name is taken literally.
quoted=${path//\\/\\\\}
quoted=${quoted//\"/\\\"}

response=$(curl --silent --noproxy '*' --max-time "$timeout" --write-out $'\n%{http_code}' \
    --form "file=@\"$quoted\"" "$url")
rc=$?
if [[ $rc -ne 0 ]]; then
    case $rc in
        6) why="could not resolve the host" ;;
        7) why="could not connect; is the validator running?" ;;
        26) why="could not read the file" ;;
        28) why="timed out after ${timeout}s" ;;
        52) why="the validator closed the connection without answering" ;;
        55 | 56) why="the connection broke during the upload" ;;
        *) why="see 'man curl', EXIT CODES" ;;
    esac
    fail "cannot reach the validator at $url (curl exit $rc: $why)"
fi

status=${response##*$'\n'}
body=${response%$'\n'*}
body=${body%$'\n'}
[[ -n $body ]] && printf '%s\n' "$body"

if [[ $status != 200 ]]; then
    fail "the validator answered HTTP $status"
fi
case $body in
    '{"valid": true,'*) exit 0 ;;
    '{"valid": false,'*) exit 1 ;;
    *) fail "unexpected answer from the validator (HTTP $status)" ;;
esac
