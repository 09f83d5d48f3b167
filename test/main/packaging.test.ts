import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../..');
interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  afterPack: string;
  linux: { target: string[]; category: string; icon: string };
  mac: { target: string; icon: string; extendInfo: { LSUIElement: boolean } };
  win: { target: string; icon: string };
}
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('names the app', () => {
    expect(config.appId).toBe('dev.jarvis.sync');
    expect(config.productName).toBe('Jarvis Sync');
  });

  it('packs the build output, package.json and the icons, with the native module and icons unpacked', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'package.json', 'assets/icons/**']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/better-sqlite3/**', 'assets/icons/**']));
    expect(config.npmRebuild).toBe(true);
  });

  it('builds an AppImage and a deb for Linux, a dmg without a Dock icon for macOS, an NSIS installer for Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.category).toBe('Utility');
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.win.target).toBe('nsis');
  });

  it('points at icons that exist', () => {
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) {
      expect(existsSync(join(root, icon)), icon).toBe(true);
    }
  });

  it('flips the fuses in afterPack', () => {
    expect(config.afterPack).toBe('build/afterpack.cjs');
    const script = readFileSync(join(root, config.afterPack), 'utf8');
    for (const fuse of [
      'RunAsNode',
      'EnableNodeOptionsEnvironmentVariable',
      'EnableNodeCliInspectArguments',
      'OnlyLoadAppFromAsar',
      'EnableEmbeddedAsarIntegrityValidation',
      'EnableCookieEncryption',
      'GrantFileProtocolExtraPrivileges',
    ]) {
      expect(script).toContain(`FuseV1Options.${fuse}]`);
    }
  });
});

describe('build/afterpack.cjs', () => {
  const afterPack = createRequire(import.meta.url)(join(root, 'build/afterpack.cjs')) as {
    (context: unknown): Promise<void>;
    default: unknown;
    fuseConfig: (fuses: unknown, platform: string, arch: string) => Record<string, unknown>;
  };

  it('exports the hook and sets each fuse the right way', () => {
    expect(typeof afterPack).toBe('function');
    expect(afterPack.default).toBe(afterPack);
    const fuses = afterPack.fuseConfig({ FuseVersion, FuseV1Options }, 'linux', 'x64');
    expect(fuses).toEqual({
      version: FuseVersion.V1,
      resetAdHocDarwinSignature: false,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    expect(afterPack.fuseConfig({ FuseVersion, FuseV1Options }, 'darwin', 'arm64').resetAdHocDarwinSignature).toBe(
      true,
    );
  });
});

describe('electron.vite.config.ts', () => {
  it('builds main, a single CommonJS preload and the renderer from renderer/', async () => {
    interface Shape {
      main: { build: { rolldownOptions: { input: { index: string }; external: string[] } } };
      preload: { build: { externalizeDeps: boolean; rolldownOptions: { input: { index: string }; output: object } } };
      renderer: { root: string };
    }
    const vite = (await import('../../electron.vite.config.js')).default as unknown as Shape;
    expect(vite.main.build.rolldownOptions.input.index).toMatch(/electron\/main\.ts$/);
    expect(vite.main.build.rolldownOptions.external).toContain('better-sqlite3');
    expect(vite.preload.build.rolldownOptions.input.index).toMatch(/electron\/preload\.ts$/);
    expect(vite.preload.build.rolldownOptions.output).toMatchObject({ format: 'cjs', entryFileNames: '[name].cjs' });
    expect(vite.preload.build.externalizeDeps).toBe(false);
    expect(vite.renderer.root).toMatch(/renderer$/);
  });

  it('main.ts loads the preload and renderer from where the build puts them', () => {
    const main = readFileSync(join(root, 'electron/main.ts'), 'utf8');
    expect(main).toContain("'../preload/index.cjs'");
    expect(main).toContain("'../renderer/index.html'");
  });
});
