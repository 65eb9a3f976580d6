// A tiny HTTP proxy in front of the OSS emulator for the mini-program tests:
// it reads each request in full, then either answers with the next scripted
// failure (an OSS error XML, or a dropped connection) or forwards the request
// unchanged to the target and pipes the answer back.
import http from 'node:http';

// ossErrorXML is an error body in OSS's format (reference/oss-protocol.md §3).
export function ossErrorXML(code, message, requestId = '6551A0C0E1F2A3B4C5D6E7F8') {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n  <RequestId>${requestId}</RequestId>\n  <HostId>dev-bucket.127.0.0.1</HostId>\n</Error>\n`;
}

/**
 * startProxy(target) → {url, script, requests, close()}.
 * Push failures onto `script`; each request takes the next one, and once it
 * is empty requests are forwarded. A failure is {status, body} or {reset: true}.
 */
export async function startProxy(target) {
  const script = [];
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const step = script.shift();
      requests.push({ method: req.method, url: req.url, bytes: body.length, scripted: step ? (step.reset ? 'reset' : step.status) : null });
      if (step?.reset) {
        req.socket.destroy();
        return;
      }
      if (step) {
        res.writeHead(step.status, { 'Content-Type': 'application/xml', 'x-oss-request-id': '6551A0C0E1F2A3B4C5D6E7F8', Server: 'AliyunOSS' });
        res.end(step.body);
        return;
      }
      const up = http.request(new URL(req.url, target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    script,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
