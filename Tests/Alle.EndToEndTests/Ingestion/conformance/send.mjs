// Sends one call of each kind with Segment's official Node.js library, pointed at the Allē gateway, then flushes.
// Usage: node send.mjs <gateway-url> <write-key> <run-id>
// Prints one JSON line per call ({ type, messageId }) so the test can find each of them in the warehouse.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, runId] = process.argv.slice(2)
if (!host || !writeKey || !runId) {
  console.error('usage: node send.mjs <gateway-url> <write-key> <run-id>')
  process.exit(2)
}

const analytics = new Analytics({ writeKey, host, flushAt: 3, flushInterval: 500, maxRetries: 3 })
const failures = []
analytics.on('error', (error) => failures.push(String(error?.reason?.message ?? error?.reason ?? error)))

const userId = `conformance-${runId}`
const anonymousId = `conformance-anon-${runId}`
const calls = [
  ['identify', { userId, anonymousId, traits: { email: `${runId}@example.com`, tier: 'gold' } }],
  ['track', { userId, event: 'Provider Searched', properties: { zip: '10001', radius: 25 } }],
  ['page', { userId, category: 'Providers', name: 'Find a provider', properties: { path: '/providers', url: 'https://alle.example/providers' } }],
  ['screen', { userId, name: 'Wallet', properties: { tab: 'offers' } }],
  ['group', { userId, groupId: `clinic-${runId}`, traits: { name: 'Clinic' } }],
  ['alias', { userId, previousId: anonymousId }],
]
for (const [type, params] of calls) {
  const messageId = `${type}-${runId}`
  analytics[type]({ ...params, messageId })
  console.log(JSON.stringify({ type, messageId }))
}

await analytics.closeAndFlush({ timeout: 30000 })
if (failures.length > 0) {
  console.error(`delivery failed: ${failures.join('; ')}`)
  process.exit(1)
}
