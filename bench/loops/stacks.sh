#!/usr/bin/env bash
# Every stack of an organization, paged with curl and jq as a user would.
# Needs PULUMI_API, PULUMI_ACCESS_TOKEN, ORG, OUT; JQ overrides the jq binary.
set -euo pipefail
jq=${JQ:-jq}
: >"$OUT"
query=(--data-urlencode "organization=$ORG")
while :; do
  page=$(curl -sSf -G -H "Authorization: token $PULUMI_ACCESS_TOKEN" \
    -H 'Accept: application/vnd.pulumi+8' "${query[@]}" "$PULUMI_API/api/user/stacks")
  $jq -r '.stacks[] | "\(.orgName)/\(.projectName)/\(.stackName)"' <<<"$page" >>"$OUT"
  token=$($jq -r '.continuationToken // empty' <<<"$page")
  [ -n "$token" ] || break
  query=(--data-urlencode "organization=$ORG" --data-urlencode "continuationToken=$token")
done
