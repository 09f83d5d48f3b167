import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ICONS_DIR, PNG_SIGNATURE, writeIcons, zlibDeflate } from '../../scripts/make-icons.js';
import {
  LINUX_TRAY_SIZES,
  MAC_TRAY_SIZE,
  PANEL_THEMES,
  WIN_TRAY_SIZES,
  linuxTrayIcon,
  macTrayIcon,
  trayIconFile,
  winTrayIcon,
} from '../../electron/shell/tray-icons.js';
import { STATUS_ICON_KEYS } from '../../shared/status-icon.js';

function decodePng(buf: Buffer) {
  expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(buf.toString('ascii', 12, 16)).toBe('IHDR');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let off = 8; off < buf.length;) {
    const len = buf.readUInt32BE(off);
    if (buf.toString('ascii', off + 4, off + 8) === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * 4 + 1));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, pixels };
}

function list(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

const out = mkdtempSync(join(tmpdir(), 'jarvis-icons-'));
const written = writeIcons(out).sort();
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('scripts/make-icons.ts', () => {
  it('writes every tray icon the app can ask for, plus the app icons', () => {
    const expected = [
      ...STATUS_ICON_KEYS.flatMap((k) => [
        macTrayIcon(k, 1),
        macTrayIcon(k, 2),
        ...PANEL_THEMES.flatMap((t) => [winTrayIcon(k, t), ...LINUX_TRAY_SIZES.map((s) => linuxTrayIcon(k, t, s))]),
      ]),
      'app.png',
      'app.ico',
      'app.icns',
    ].sort();
    expect(written).toEqual(expected);
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const scaleFactor of [1, 1.5, 2, 3]) {
        for (const key of STATUS_ICON_KEYS)
          expect(written).toContain(trayIconFile(key, { platform, theme: 'dark', scaleFactor }));
      }
    }
  });

  it('commits exactly what the script writes, byte for byte', () => {
    expect(list(ICONS_DIR)).toEqual(list(out));
    for (const rel of written) {
      expect(
        readFileSync(join(ICONS_DIR, rel)).equals(readFileSync(join(out, rel))),
        `${rel} is stale: run npm run icons`,
      ).toBe(true);
    }
  });

  it('writes valid PNGs of the right size; macOS templates are black plus alpha', () => {
    for (const key of STATUS_ICON_KEYS) {
      for (const [scale, size] of [
        [1, MAC_TRAY_SIZE],
        [2, MAC_TRAY_SIZE * 2],
      ] as const) {
        const { width, height, pixels } = decodePng(readFileSync(join(out, macTrayIcon(key, scale))));
        expect([width, height]).toEqual([size, size]);
        let opaque = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          expect(pixels[i] | pixels[i + 1] | pixels[i + 2]).toBe(0);
          if (pixels[i + 3] > 128) opaque++;
        }
        expect(opaque).toBeGreaterThan(size * 2);
      }
      for (const theme of PANEL_THEMES) {
        for (const size of LINUX_TRAY_SIZES) {
          const png = decodePng(readFileSync(join(out, linuxTrayIcon(key, theme, size))));
          expect([png.width, png.height]).toEqual([size, size]);
        }
      }
    }
    expect(decodePng(readFileSync(join(out, 'app.png'))).width).toBe(512);
  });

  it('draws each state differently', () => {
    const images = STATUS_ICON_KEYS.map((k) => readFileSync(join(out, linuxTrayIcon(k, 'dark', 22))));
    expect(new Set(images.map((b) => b.toString('base64'))).size).toBe(STATUS_ICON_KEYS.length);
  });

  it('writes .ico files with a valid header and PNG entries', () => {
    const check = (rel: string, sizes: readonly number[]) => {
      const ico = readFileSync(join(out, rel));
      expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, sizes.length]);
      sizes.forEach((size, i) => {
        const e = 6 + 16 * i;
        expect(ico[e]).toBe(size >= 256 ? 0 : size);
        expect(ico.readUInt16LE(e + 6)).toBe(32);
        const length = ico.readUInt32LE(e + 8);
        const offset = ico.readUInt32LE(e + 12);
        const png = decodePng(ico.subarray(offset, offset + length));
        expect(png.width).toBe(size);
      });
    };
    for (const key of STATUS_ICON_KEYS)
      for (const theme of PANEL_THEMES) check(winTrayIcon(key, theme), WIN_TRAY_SIZES);
    check('app.ico', [16, 24, 32, 48, 64, 128, 256]);
  });

  it('writes an .icns container of PNGs', () => {
    const icns = readFileSync(join(out, 'app.icns'));
    expect(icns.toString('ascii', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let off = 8; off < icns.length;) {
      const type = icns.toString('ascii', off, off + 4);
      const length = icns.readUInt32BE(off + 4);
      decodePng(icns.subarray(off + 8, off + length));
      types.push(type);
      off += length;
    }
    expect(types).toContain('ic09');
    expect(types).toContain('ic14');
  });

  it('deflates into streams zlib reads back', () => {
    const samples = [
      Buffer.alloc(0),
      Buffer.from('a'),
      Buffer.alloc(100_000),
      Buffer.from('abcabcabcabd'.repeat(5000)),
    ];
    const random = Buffer.alloc(70_000);
    let seed = 7;
    for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const data of [...samples, random]) expect(inflateSync(zlibDeflate(data)).equals(data)).toBe(true);
  });
});
