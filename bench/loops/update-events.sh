#!/usr/bin/env bash
# Every engine event of one update, paged with curl and jq as a user would.
# Needs PULUMI_API, PULUMI_ACCESS_TOKEN, STACK (org/project/stack), UPDATE_ID, OUT; JQ overrides jq.
set -euo pipefail
jq=${JQ:-jq}
: >"$OUT"
query=()
while :; do
  page=$(curl -sSf -G -H "Authorization: token $PULUMI_ACCESS_TOKEN" \
    -H 'Accept: application/vnd.pulumi+8' "${query[@]}" "$PULUMI_API/api/stacks/$STACK/update/$UPDATE_ID/events")
  $jq -c '.events[]' <<<"$page" >>"$OUT"
  token=$($jq -r '.continuationToken // empty' <<<"$page")
  [ -n "$token" ] || break
  query=(--data-urlencode "continuationToken=$token")
done
