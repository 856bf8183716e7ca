#!/usr/bin/env bash
# Every audit log event of an organization, the way a user would page with curl and jq:
# one request per page, follow continuationToken until there is none.
# Needs PULUMI_API, PULUMI_ACCESS_TOKEN, ORG, OUT; JQ overrides the jq binary.
set -euo pipefail
jq=${JQ:-jq}
: >"$OUT"
query=(--data-urlencode "startTime=$(($(date +%s) + 1))")
while :; do
  page=$(curl -sSf -G -H "Authorization: token $PULUMI_ACCESS_TOKEN" \
    -H 'Accept: application/vnd.pulumi+8' "${query[@]}" "$PULUMI_API/api/orgs/$ORG/auditlogs")
  $jq -c '.auditLogEvents[]' <<<"$page" >>"$OUT"
  token=$($jq -r '.continuationToken // empty' <<<"$page")
  [ -n "$token" ] || break
  query=(--data-urlencode "continuationToken=$token")
done
