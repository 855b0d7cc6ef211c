// Fetches Debian 13's own /usr/sbin/kexec-load-kernel (package kexec-tools,
// suite trixie) from the Debian mirror this machine's apt already uses, with a
// throwaway apt configuration: the host's apt state is never touched. The
// mirror is read at run time from the apt sources; no host name is written
// here. The script and the .deb are cached under .cache/bench/.
//
//   node bench/fetch-kexec-load-kernel.mjs [--refresh]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(repo, '.cache', 'bench');
const scriptCache = path.join(cacheDir, 'kexec-load-kernel');
const versionCache = path.join(cacheDir, 'kexec-tools.version');
const MIN_VERSION = '1:2.0.29';
const SUITE = 'trixie';

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/** The http(s) URIs of the Debian archive in the host's apt sources (deb822 and one-line formats), best first. */
export function mirrorUris(etc = '/etc/apt') {
  const found = [];
  const files = [];
  if (fs.existsSync(path.join(etc, 'sources.list'))) files.push(path.join(etc, 'sources.list'));
  const partsDir = path.join(etc, 'sources.list.d');
  if (fs.existsSync(partsDir)) {
    for (const name of fs.readdirSync(partsDir).sort()) {
      if (name.endsWith('.sources') || name.endsWith('.list')) files.push(path.join(partsDir, name));
    }
  }
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = {};
        let last = null;
        for (const line of stanza.split('\n')) {
          if (/^\s*#/.test(line) || !line.trim()) continue;
          const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
          if (m) fields[(last = m[1].toLowerCase())] = m[2];
          else if (last && /^\s/.test(line)) fields[last] += ` ${line.trim()}`;
        }
        if (!(fields.types ?? '').split(/\s+/).includes('deb')) continue;
        if (/^(no|false)$/i.test(fields.enabled ?? '')) continue;
        const suites = (fields.suites ?? '').split(/\s+/).filter(Boolean);
        if (!suites.some((s) => !/-security$|\/updates$/.test(s))) continue;
        found.push(...(fields.uris ?? '').split(/\s+/).filter(Boolean));
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && !/-security$|\/updates$/.test(m[2])) found.push(m[1]);
      }
    }
  }
  const http = [...new Set(found.map((u) => u.replace(/\/+$/, '')))].filter((u) => /^https?:\/\//.test(u));
  // The main archive ends in /debian; put it first.
  return http.sort((a, b) => Number(!/\/debian$/.test(a)) - Number(!/\/debian$/.test(b)));
}

function trixieKeyring() {
  for (const file of [
    '/usr/share/keyrings/debian-archive-trixie-stable.gpg',
    '/usr/share/keyrings/debian-archive-keyring.gpg',
  ]) {
    if (fs.existsSync(file)) return file;
  }
  throw new Error('no Debian archive keyring for trixie (package debian-archive-keyring)');
}

/** Downloads kexec-tools/trixie into a temporary directory with its own apt configuration; returns the .deb path. */
function downloadDeb(work) {
  const uris = mirrorUris();
  if (uris.length === 0) throw new Error('no http(s) Debian mirror found in /etc/apt/sources.list{,.d/*}');
  const keyring = trixieKeyring();
  const lists = path.join(work, 'lists');
  const cache = path.join(work, 'cache');
  fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
  fs.mkdirSync(path.join(cache, 'archives', 'partial'), { recursive: true });
  const sourceList = path.join(work, 'sources.list');
  fs.writeFileSync(sourceList, `deb [signed-by=${keyring}] ${uris[0]} ${SUITE} main\n`);
  const options = [
    `Dir::Etc::SourceList=${sourceList}`,
    'Dir::Etc::SourceParts=/dev/null',
    'Dir::Etc::Preferences=/dev/null',
    'Dir::Etc::PreferencesParts=/dev/null',
    `Dir::State::Lists=${lists}`,
    'Dir::State::status=/dev/null',
    `Dir::Cache=${cache}`,
    // The temporary directory belongs to the caller; apt's _apt user could not write to it.
    'APT::Sandbox::User=root',
  ].flatMap((o) => ['-o', o]);
  if (process.getuid?.() !== 0) options.splice(options.length - 2, 2);
  log(`apt-get update with a throwaway configuration: the host's first Debian mirror, suite ${SUITE}`);
  execFileSync('apt-get', [...options, '-q', 'update'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`apt-get download kexec-tools/${SUITE}`);
  execFileSync('apt-get', [...options, '-q', 'download', `kexec-tools/${SUITE}`], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deb = fs.readdirSync(work).find((n) => /^kexec-tools_.*\.deb$/.test(n));
  if (!deb) throw new Error('apt-get download produced no kexec-tools .deb');
  return path.join(work, deb);
}

/**
 * The path of the cached, unmodified kexec-load-kernel from Debian 13's
 * kexec-tools, and that package's version; fetched on first use.
 */
export function kexecLoadKernel({ refresh = false } = {}) {
  if (!refresh && fs.existsSync(scriptCache) && fs.existsSync(versionCache)) {
    return { script: scriptCache, version: fs.readFileSync(versionCache, 'utf8').trim(), cached: true };
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kexec-reboot-bench-apt-'));
  try {
    const deb = downloadDeb(work);
    const version = execFileSync('dpkg-deb', ['-f', deb, 'Version'], { encoding: 'utf8' }).trim();
    try {
      execFileSync('dpkg', ['--compare-versions', version, 'ge', MIN_VERSION]);
    } catch {
      throw new Error(`kexec-tools ${version} from ${SUITE} is older than ${MIN_VERSION}`);
    }
    const tree = path.join(work, 'x');
    execFileSync('dpkg-deb', ['-x', deb, tree]);
    const script = path.join(tree, 'usr/sbin/kexec-load-kernel');
    if (!fs.existsSync(script)) throw new Error(`kexec-tools ${version} has no usr/sbin/kexec-load-kernel`);
    fs.copyFileSync(deb, path.join(cacheDir, path.basename(deb)));
    fs.copyFileSync(script, scriptCache);
    fs.chmodSync(scriptCache, 0o755);
    fs.writeFileSync(versionCache, `${version}\n`);
    log(`cached kexec-load-kernel from kexec-tools ${version} in ${path.relative(repo, cacheDir)}/`);
    return { script: scriptCache, version, cached: false };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { script, version, cached } = kexecLoadKernel({ refresh: process.argv.includes('--refresh') });
  console.log(`${script} (kexec-tools ${version}${cached ? ', cached' : ''})`);
}
