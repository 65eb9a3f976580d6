// Runs templates/miniprogram's CommonJS files the way WeChat does: in a
// bare context holding only what a mini-program's JS world has (wx, Page,
// timers, console; no Node globals), with require() resolving next to the
// requiring file. Used by the mini-program tests.
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'miniprogram');
export const HELPER = join(TEMPLATE, 'ossdirect.js');

/**
 * runInContext loads file in a fresh bare context holding globals, and
 * returns its exports; each call is a mini-program (re)started.
 * @param {object} globals e.g. {wx}
 * @param {object} [modules] path → exports, in place of those files (a config stub)
 */
export function runInContext(file, globals, modules = {}) {
  const sandbox = { console, setTimeout, clearTimeout, ...globals };
  vm.createContext(sandbox);
  const cache = new Map(Object.entries(modules).map(([f, exports]) => [f, { exports }]));
  const load = (f) => {
    if (!cache.has(f)) {
      const mod = { exports: {} };
      cache.set(f, mod);
      const src = readFileSync(f, 'utf8');
      vm.runInContext(`(function (module, exports, require) {${src}\n})`, sandbox, { filename: f })(mod, mod.exports, (p) => load(resolve(dirname(f), p)));
    }
    return cache.get(f).exports;
  };
  return load(file);
}

function setPath(obj, path, value) {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (o[parts[i]] === undefined) o[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    o = o[parts[i]];
  }
  o[parts.at(-1)] = value;
}

/**
 * loadPage runs the sample page (pages/upload/upload.js) with the shim w
 * and config in place of config.js, and returns the page object its
 * Page() call defined, with a setData that applies path-style keys and
 * `title`, the navigation bar title it set.
 */
export function loadPage(w, config) {
  // The page titles itself in its language; page.title keeps the last title.
  const titled = { title: '' };
  if (!w.setNavigationBarTitle) w.setNavigationBarTitle = (o) => { titled.title = o.title; };
  const defs = [];
  runInContext(join(TEMPLATE, 'pages/upload/upload.js'), { wx: w, Page: (d) => defs.push(d) }, { [join(TEMPLATE, 'config.js')]: config });
  if (defs.length !== 1) throw new Error(`the page called Page() ${defs.length} times`);
  const page = { ...defs[0], data: JSON.parse(JSON.stringify(defs[0].data)) };
  Object.defineProperty(page, 'title', { get: () => titled.title });
  page.setData = (patch) => { for (const [k, v] of Object.entries(patch)) setPath(page.data, k, v); };
  return page;
}
