// Serves a page and the files it needs on 127.0.0.1, opens it in headless Chromium, waits for
// the page to POST its report to /report, prints that report on stdout and stops the browser.
//   node browse.mjs --chromium PATH --pages DIR --modules DIR --project DIR --page PATH [--timeout S]
// URL space: /pages/* (DIR of test pages), /node_modules/* (the installed engines),
// /project/* (the built project). Only GET of files inside those folders is served.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const required of ['chromium', 'pages', 'modules', 'project', 'page'])
  if (!args[required]) { console.error(`browse.mjs: missing --${required}`); process.exit(2); }
const timeoutMs = Number(args.timeout ?? 60) * 1000;

const roots = { pages: args.pages, node_modules: args.modules, project: args.project };
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
                '.json': 'application/json', '.png': 'image/png', '.map': 'application/json' };

function fileFor(urlPath) {
  const [, top, ...rest] = decodeURIComponent(urlPath).split('/');
  const root = roots[top];
  if (!root) return null;
  const path = normalize(join(root, ...rest));
  if (!path.startsWith(normalize(root) + sep)) return null;  // no escaping the folder
  try { return statSync(path).isFile() ? path : null; } catch { return null; }
}

let browser = null;
let profile = null;
let finished = false;
function finish(code, text) {
  if (finished) return;
  finished = true;
  // Chromium runs as a process group (zygote, renderers): stop all of it, then its profile.
  if (browser) try { process.kill(-browser.pid, 'SIGKILL'); } catch { /* already gone */ }
  server.close();
  process.stdout.write(text, () => {
    setTimeout(() => {
      try { rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); } catch { /* a temp dir */ }
      process.exit(code);
    }, 200);
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/report') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => { res.end('ok'); finish(0, Buffer.concat(chunks).toString('utf8')); });
    return;
  }
  const file = req.method === 'GET' ? fileFor(url.pathname) : null;
  if (!file) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  res.end(readFileSync(file));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  profile = mkdtempSync(join(tmpdir(), 'dgxpx-chromium-'));
  browser = spawn(args.chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-extensions', '--mute-audio', '--force-color-profile=srgb',
    `--user-data-dir=${profile}`, `http://127.0.0.1:${port}${args.page}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  browser.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  browser.on('exit', (code) => {
    finish(1, JSON.stringify({ error: `chromium exited (${code}) before the page reported`, log }));
  });
  setTimeout(() => finish(1, JSON.stringify({ error: `no report within ${timeoutMs / 1000} s`, log })), timeoutMs);
});
