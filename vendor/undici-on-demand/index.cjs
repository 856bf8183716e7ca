'use strict'
// @actions/http-client imports undici at start-up for one thing: the ProxyAgent behind
// getAgentDispatcher(), which only fetch-based clients call. This action never does: its
// requests go through HttpClient.request, which handles proxies with `tunnel`. Bundling and
// evaluating undici cost about 30 ms and 11 MiB, a quarter of the action's start-up, on every run, so the
// `overrides` entry in package.json installs this stand-in in its place for
// @actions/http-client@4 only (the GitHub client's own copy keeps the real undici).
class ProxyAgent {
  constructor() {
    throw new Error(
      'pulumi-cloud-action: undici is not bundled; use HttpClient.request, not getAgentDispatcher()'
    )
  }
}

module.exports = { ProxyAgent }
