// Reads signature cases as JSON on stdin and answers, for each, what Twilio's official helper library computes:
// the expected X-Twilio-Signature and whether validateRequest accepts a given signature.
'use strict';
const twilio = require('twilio');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const answers = cases.map(c => ({
    expected: twilio.getExpectedTwilioSignature(c.authToken, c.url, c.params),
    accepted: c.signature === undefined ? null : twilio.validateRequest(c.authToken, c.signature, c.url, c.params),
  }));
  process.stdout.write(JSON.stringify(answers));
});
