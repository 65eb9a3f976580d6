// The secret-leak check every end-to-end run makes: stack.stop() scans the
// stack's captured log (its stderr) with findLeaks and throws if anything
// secret is in it, so a test file cannot forget the check (docs/SECURITY.md).
//
// Two kinds of finding:
//   - a configured secret, verbatim: the root access key secret, every
//     --webhook-secret, --api-key key and --jwt-secret, and the secret of
//     every temporary STS key whose id (STS.…) appears in the log (the STS
//     emulator derives it from the root secret: stsAccessKeySecret);
//   - a pattern that is a secret whatever its value: a whsec_ key (the
//     stack's own receiver generates one the tests cannot read), an STS
//     security token, a JWT, a signature value (x-oss-signature=…,
//     Signature=… in a URL or an Authorization header, a V1 "OSS id:sig"
//     header, a Standard Webhooks "v1,…" signature).
import { createHmac } from 'node:crypto';

// Patterns that are leaks whatever the value. Each has a name the report uses.
export const LEAK_PATTERNS = [
  { name: 'webhook secret (whsec_)', re: /whsec_[A-Za-z0-9+/]{16,}/ },
  { name: 'STS security token', re: /CAIS[A-Za-z0-9_-]{16,}/ },
  { name: 'JWT', re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  { name: 'x-oss-signature value', re: /x-oss-signature"?\s*[=:]\s*"?[0-9a-fA-F]{16,}/i },
  { name: 'Signature= value', re: /(?:^|[?&,\s"])Signature=[A-Za-z0-9%+/=_-]{16,}/ },
  { name: 'V1 Authorization (OSS id:signature)', re: /\bOSS [A-Za-z0-9.]{8,}:[A-Za-z0-9+/]{20,}={0,2}/ },
  { name: 'webhook signature (v1,…)', re: /\bv1,[A-Za-z0-9+/]{40,}={0,2}/ },
];

// stsAccessKeySecret is the AccessKeySecret the STS emulator issues with the
// temporary key accessKeyId, given the root identity
// (internal/localcloud/stsemu: deriveKey and secretFor).
export function stsAccessKeySecret(rootId, rootSecret, accessKeyId) {
  const key = createHmac('sha256', rootSecret).update(`stsemu/v1/access-key-secret\x00${rootId}`).digest();
  return createHmac('sha256', key).update(accessKeyId).digest('base64url');
}

// secretsFromArgs returns the secrets among `ossdirect dev` flags: the
// values of --webhook-secret (each of a list), --api-key (the key of
// SUBJECT:KEY), --jwt-secret and --access-key-secret, in either the
// "--flag value" or the "--flag=value" form.
export function secretsFromArgs(args) {
  const out = [];
  const take = (flag, value) => {
    if (flag === 'webhook-secret') out.push(...value.split(/[\s,]+/).filter(Boolean));
    else if (flag === 'api-key') out.push(value.slice(value.indexOf(':') + 1));
    else if (flag === 'jwt-secret' || flag === 'access-key-secret') out.push(value);
  };
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(String(args[i]));
    if (!m) continue;
    if (m[2] !== undefined) take(m[1], m[2]);
    else if (i + 1 < args.length) take(m[1], String(args[i + 1]));
  }
  return out.filter((s) => s.length > 0);
}

// findLeaks returns what of secrets, and of LEAK_PATTERNS, occurs in logs:
// [{what, line}] with the offending log line (cut to 300 characters), or
// [] when the log is clean. root ({id, secret}) lets it derive the secret
// of every STS temporary key the log names.
export function findLeaks(logs, { secrets = [], root } = {}) {
  const all = [...secrets];
  if (root) {
    all.push(root.secret);
    for (const ak of new Set(logs.match(/STS\.[A-Z2-7]{26}/g) ?? [])) {
      all.push(stsAccessKeySecret(root.id, root.secret, ak));
    }
  }
  const found = [];
  const lines = logs.split('\n');
  const report = (what, line) => found.push({ what, line: line.length > 300 ? `${line.slice(0, 300)}…` : line });
  for (const line of lines) {
    for (const [i, s] of all.entries()) {
      if (s && line.includes(s)) report(`configured secret #${i + 1}`, line.replaceAll(s, '«secret»'));
    }
    for (const { name, re } of LEAK_PATTERNS) {
      if (re.test(line)) report(name, line);
    }
  }
  return found;
}

// assertNoLeaks throws an Error listing the findings, if any.
export function assertNoLeaks(logs, opts) {
  const found = findLeaks(logs, opts);
  if (found.length > 0) {
    throw new Error(`secret leak in the stack's log (docs/SECURITY.md):\n${found.map((f) => `  ${f.what}: ${f.line}`).join('\n')}`);
  }
}
