/**
 * Draws every icon under assets/icons (npm run icons): the tray glyph (a ring) with a mark per state — idle: a
 * dot, syncing: the ring split into two arrows, paused: two bars, error: "!" — for light and dark panels, as
 * macOS template images, Windows .ico and Linux PNGs, plus the app icons used for packaging.
 *
 * Shapes are signed distance functions in unit coordinates, so every size is drawn sharp and anti-aliased.
 * PNGs are encoded here with a small fixed-Huffman deflate instead of zlib.deflateSync: Node's zlib (Chromium's
 * fork) picks CPU-specific code paths whose output bytes differ between machines, and a test checks that the
 * committed files match this script byte for byte. Plain arithmetic only (no trig), so the pixels are the same
 * everywhere too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import {
  APP_ICON,
  LINUX_TRAY_SIZES,
  MAC_TRAY_SIZE,
  PANEL_THEMES,
  WIN_TRAY_SIZES,
  linuxTrayIcon,
  macTrayIcon,
  winTrayIcon,
  type PanelTheme,
} from '../electron/shell/tray-icons.js';
import { STATUS_ICON_KEYS, type StatusIconKey } from '../shared/status-icon.js';

// ───────────────────────── deflate (zlib stream, fixed Huffman codes, greedy LZ77) ─────────────────────────

const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const WINDOW = 32768;
const MAX_MATCH = 258;
const MAX_CHAIN = 64;

class BitWriter {
  readonly bytes: number[] = [];
  #acc = 0;
  #n = 0;
  /** `value`'s low `bits` bits, least significant first (header fields, extra bits). */
  bits(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.#acc |= ((value >>> i) & 1) << this.#n;
      if (++this.#n === 8) this.#flushByte();
    }
  }
  /** A Huffman code, most significant bit first. */
  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.bits((code >>> i) & 1, 1);
  }
  finish(): number[] {
    if (this.#n) this.#flushByte();
    return this.bytes;
  }
  #flushByte(): void {
    this.bytes.push(this.#acc);
    this.#acc = 0;
    this.#n = 0;
  }
}

function literal(w: BitWriter, v: number): void {
  if (v < 144) w.code(0x30 + v, 8);
  else if (v < 256) w.code(0x190 + v - 144, 9);
  else if (v < 280) w.code(v - 256, 7);
  else w.code(0xc0 + v - 280, 8);
}

function match(w: BitWriter, length: number, distance: number): void {
  let l = LEN_BASE.length - 1;
  while (LEN_BASE[l] > length) l--;
  literal(w, 257 + l);
  w.bits(length - LEN_BASE[l], LEN_EXTRA[l]);
  let d = DIST_BASE.length - 1;
  while (DIST_BASE[d] > distance) d--;
  w.code(d, 5);
  w.bits(distance - DIST_BASE[d], DIST_EXTRA[d]);
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i += 5552) {
    const end = Math.min(i + 5552, data.length);
    for (let j = i; j < end; j++) {
      a += data[j];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream (RFC 1950) holding one fixed-Huffman deflate block (RFC 1951). Deterministic. */
export function zlibDeflate(data: Uint8Array): Buffer {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE = fixed Huffman
  const head = new Int32Array(1 << 15).fill(-1);
  const prev = new Int32Array(WINDOW).fill(-1);
  const n = data.length;
  const hash = (i: number) => ((data[i] << 10) ^ (data[i + 1] << 5) ^ data[i + 2]) & 0x7fff;
  const insert = (i: number) => {
    if (i + 2 >= n) return;
    const h = hash(i);
    prev[i % WINDOW] = head[h]!;
    head[h] = i;
  };
  let i = 0;
  while (i < n) {
    let best = 0;
    let bestDistance = 0;
    if (i + 2 < n) {
      const limit = Math.min(MAX_MATCH, n - i);
      let j = head[hash(i)];
      for (let chain = MAX_CHAIN; j >= 0 && i - j <= WINDOW && chain > 0; chain--) {
        if (data[j + best] === data[i + best]) {
          let len = 0;
          while (len < limit && data[j + len] === data[i + len]) len++;
          if (len > best) {
            best = len;
            bestDistance = i - j;
            if (len === limit) break;
          }
        }
        const next = prev[j % WINDOW];
        if (next >= j) break;
        j = next;
      }
    }
    if (best >= 3) {
      match(w, best, bestDistance);
      for (let k = 0; k < best; k++) insert(i + k);
      i += best;
    } else {
      literal(w, data[i]);
      insert(i);
      i++;
    }
  }
  literal(w, 256); // end of block
  const body = w.finish();
  const out = Buffer.alloc(2 + body.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  Buffer.from(body).copy(out, 2);
  out.writeUInt32BE(adler32(data), 2 + body.length);
  return out;
}

// ───────────────────────── containers: PNG, ICO, ICNS ─────────────────────────

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** 8-bit RGBA, straight alpha, no filtering. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibDeflate(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An .ico holding PNG images (Windows Vista and later). */
export function encodeIco(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((img) => img.png)]);
}

/** An .icns holding PNG images, one entry per OSType. */
export function encodeIcns(entries: { type: string; png: Buffer }[]): Buffer {
  const parts = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

// ───────────────────────── drawing ─────────────────────────

type Sdf = (x: number, y: number) => number;
type Rgba = readonly [number, number, number, number];
type Paint = Rgba | ((x: number, y: number) => Rgba);
interface Layer {
  shape: Sdf;
  paint: Paint;
}

const len = (x: number, y: number) => Math.sqrt(x * x + y * y);
const circle =
  (cx: number, cy: number, r: number): Sdf =>
  (x, y) =>
    len(x - cx, y - cy) - r;
const ring =
  (cx: number, cy: number, r: number, width: number): Sdf =>
  (x, y) =>
    Math.abs(len(x - cx, y - cy) - r) - width / 2;
const roundBox =
  (cx: number, cy: number, hw: number, hh: number, radius: number): Sdf =>
  (x, y) => {
    const qx = Math.abs(x - cx) - hw + radius;
    const qy = Math.abs(y - cy) - hh + radius;
    return len(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
/** A convex polygon, either winding: the exact distance to its nearest edge, negative inside. */
const polygon =
  (points: readonly (readonly [number, number])[]): Sdf =>
  (x, y) => {
    let nearest = Infinity;
    let inside = 0;
    for (let i = 0; i < points.length; i++) {
      const [ax, ay] = points[i];
      const [bx, by] = points[(i + 1) % points.length];
      const ex = bx - ax;
      const ey = by - ay;
      const t = Math.min(1, Math.max(0, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
      nearest = Math.min(nearest, len(x - ax - ex * t, y - ay - ey * t));
      inside += Math.sign((x - ax) * ey - (y - ay) * ex);
    }
    return Math.abs(inside) === points.length ? -nearest : nearest;
  };
const union =
  (...shapes: Sdf[]): Sdf =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));
const cut =
  (shape: Sdf, hole: Sdf): Sdf =>
  (x, y) =>
    Math.max(shape(x, y), -hole(x, y));
/** Scales a unit-square drawing into the box [offset, offset + scale]². */
const place =
  (shape: Sdf, offset: number, scale: number): Sdf =>
  (x, y) =>
    shape((x - offset) / scale, (y - offset) / scale) * scale;

function rasterize(size: number, layers: readonly Layer[]): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (const layer of layers) {
        const coverage = Math.min(1, Math.max(0, 0.5 - layer.shape(x, y) * size));
        if (coverage === 0) continue;
        const [lr, lg, lb, la] = typeof layer.paint === 'function' ? layer.paint(x, y) : layer.paint;
        const alpha = coverage * la;
        r = lr * alpha + r * (1 - alpha);
        g = lg * alpha + g * (1 - alpha);
        b = lb * alpha + b * (1 - alpha);
        a = alpha + a * (1 - alpha);
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
        out[o + 3] = Math.round(a * 255);
      }
    }
  }
  return out;
}

const C = 0.5;
const RING_R = 0.36;
const RING_W = 0.12;
const D = Math.SQRT1_2;

/** The split ring of "syncing": two arcs with a clockwise arrowhead before each gap. */
function syncArrows(): Sdf {
  const gap = 0.2;
  const band: Sdf = (x, y) => Math.abs((x - C) * D + (y - C) * D) - gap / 2;
  const arcs = cut(ring(C, C, RING_R, RING_W), band);
  const head = (ux: number, uy: number): Sdf => {
    const tx = -uy; // clockwise tangent at the point (C + R·u)
    const ty = ux;
    const bx = C + RING_R * ux - tx * (gap / 2);
    const by = C + RING_R * uy - ty * (gap / 2);
    const w = RING_W * 1.15;
    return polygon([
      [bx - ux * w, by - uy * w],
      [bx + tx * 0.15, by + ty * 0.15],
      [bx + ux * w, by + uy * w],
    ]);
  };
  return union(arcs, head(D, -D), head(-D, D));
}

/** The glyph of one state as two layers: the ring and the mark, each with its own colour. */
function glyph(key: StatusIconKey): { ring: Sdf | null; mark: Sdf } {
  switch (key) {
    case 'idle':
      return { ring: ring(C, C, RING_R, RING_W), mark: circle(C, C, 0.12) };
    case 'syncing':
      return { ring: null, mark: syncArrows() };
    case 'paused':
      return {
        ring: ring(C, C, RING_R, RING_W),
        mark: union(roundBox(C - 0.085, C, 0.05, 0.15, 0.02), roundBox(C + 0.085, C, 0.05, 0.15, 0.02)),
      };
    case 'error':
      return {
        ring: ring(C, C, RING_R, RING_W),
        mark: union(roundBox(C, 0.435, 0.055, 0.145, 0.03), circle(C, 0.675, 0.06)),
      };
  }
}

const hex = (h: string, alpha = 1): Rgba => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
  alpha,
];

/** Glyph colour for each panel, and the accent of each state (idle has none). */
const PALETTE: Record<PanelTheme | 'template', { fg: Rgba; accent: Record<StatusIconKey, Rgba> }> = {
  light: {
    fg: hex('#1f2937'),
    accent: { idle: hex('#1f2937'), syncing: hex('#2563eb'), paused: hex('#b45309'), error: hex('#dc2626') },
  },
  dark: {
    fg: hex('#f9fafb'),
    accent: { idle: hex('#f9fafb'), syncing: hex('#60a5fa'), paused: hex('#fbbf24'), error: hex('#f87171') },
  },
  // macOS tints template images itself: black plus alpha only.
  template: {
    fg: hex('#000000'),
    accent: { idle: hex('#000000'), syncing: hex('#000000'), paused: hex('#000000'), error: hex('#000000') },
  },
};

export function drawTrayIcon(key: StatusIconKey, size: number, palette: PanelTheme | 'template'): Buffer {
  const { fg, accent } = PALETTE[palette];
  const g = glyph(key);
  const layers: Layer[] = [];
  if (g.ring) layers.push({ shape: g.ring, paint: key === 'error' ? accent.error : fg });
  layers.push({ shape: g.mark, paint: accent[key] });
  return encodePng(size, size, rasterize(size, layers));
}

const top = hex('#3b82f6');
const bottom = hex('#1d4ed8');
const gradient = (_x: number, y: number): Rgba => [
  top[0] + (bottom[0] - top[0]) * y,
  top[1] + (bottom[1] - top[1]) * y,
  top[2] + (bottom[2] - top[2]) * y,
  1,
];

/** The app icon: the idle glyph in white on a blue rounded square. */
export function drawAppIcon(size: number): Buffer {
  const white = hex('#ffffff');
  const idle = glyph('idle');
  return encodePng(
    size,
    size,
    rasterize(size, [
      { shape: roundBox(C, C, 0.43, 0.43, 0.19), paint: gradient },
      { shape: place(idle.ring!, 0.2, 0.6), paint: white },
      { shape: place(idle.mark, 0.2, 0.6), paint: white },
    ]),
  );
}

// ───────────────────────── the icon set ─────────────────────────

const APP_ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const ICNS_TYPES: [string, number][] = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

/** Every file of assets/icons, by path relative to that folder. */
export function renderIcons(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const key of STATUS_ICON_KEYS) {
    files.set(macTrayIcon(key, 1), drawTrayIcon(key, MAC_TRAY_SIZE, 'template'));
    files.set(macTrayIcon(key, 2), drawTrayIcon(key, MAC_TRAY_SIZE * 2, 'template'));
    for (const theme of PANEL_THEMES) {
      files.set(
        winTrayIcon(key, theme),
        encodeIco(WIN_TRAY_SIZES.map((size) => ({ size, png: drawTrayIcon(key, size, theme) }))),
      );
      for (const size of LINUX_TRAY_SIZES) files.set(linuxTrayIcon(key, theme, size), drawTrayIcon(key, size, theme));
    }
  }
  const app = new Map<number, Buffer>();
  const appPng = (size: number) => {
    let png = app.get(size);
    if (!png) {
      png = drawAppIcon(size);
      app.set(size, png);
    }
    return png;
  };
  files.set(APP_ICON.png, appPng(512));
  files.set(APP_ICON.ico, encodeIco(APP_ICO_SIZES.map((size) => ({ size, png: appPng(size) }))));
  files.set(APP_ICON.icns, encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: appPng(size) }))));
  return files;
}

export const ICONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons');

export function writeIcons(dir: string = ICONS_DIR): string[] {
  const written: string[] = [];
  for (const [rel, data] of renderIcons()) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    written.push(rel);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = writeIcons();
  console.log(`wrote ${written.length} icons to ${ICONS_DIR}`);
}
