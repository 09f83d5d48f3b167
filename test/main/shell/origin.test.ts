import { describe, expect, it } from 'vitest';
import { appEntryUrl, appOriginFor, externalUrl, isAppUrl } from '../../../electron/shell/origin.js';

const INDEX = '/opt/Jarvis Sync/resources/app.asar/out/renderer/index.html';
const file = appOriginFor({ rendererIndex: INDEX, isPackaged: true, platform: 'linux' });
const OWN = 'file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/index.html';

describe('appOriginFor', () => {
  it('uses the bundled file unless an unpackaged run has a loopback dev server', () => {
    expect(file).toEqual({ kind: 'file', url: OWN, caseInsensitive: false });
    expect(
      appOriginFor({
        rendererIndex: INDEX,
        devServerUrl: 'http://localhost:5173',
        isPackaged: false,
        platform: 'linux',
      }),
    ).toEqual({
      kind: 'dev',
      origin: 'http://localhost:5173',
    });
    // A packaged app never trusts the environment; a dev URL must be loopback http(s).
    for (const [devServerUrl, isPackaged] of [
      ['http://localhost:5173', true],
      ['https://evil.com', false],
      ['file:///tmp/index.html', false],
      ['http://user@localhost:5173', false],
      ['nonsense', false],
    ] as const) {
      expect(appOriginFor({ rendererIndex: INDEX, devServerUrl, isPackaged, platform: 'linux' }).kind).toBe('file');
    }
    expect(appEntryUrl(file)).toBe(OWN);
    expect(appEntryUrl({ kind: 'dev', origin: 'http://127.0.0.1:5173' })).toBe('http://127.0.0.1:5173/');
  });
});

describe('isAppUrl', () => {
  const table: [string, boolean][] = [
    [OWN, true],
    [`${OWN}#/settings`, true],
    [`${OWN}?tab=errors`, true],
    ['file:///opt/Jarvis Sync/resources/app.asar/out/renderer/index.html', true],
    ['file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/other.html', false],
    ['file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/../renderer/index.html', true],
    ['file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/%2e%2e/x/index.html', false],
    ['file:///OPT/Jarvis%20Sync/resources/app.asar/out/renderer/index.html', false],
    ['file://evil.com/opt/Jarvis%20Sync/resources/app.asar/out/renderer/index.html', false],
    ['file:///other/index.html', false],
    ['https://evil.com/', false],
    ['https://ourhost.evil.com/', false],
    ['javascript:alert(1)', false],
    ['data:text/html,hi', false],
    ['about:blank', false],
    ['', false],
    ['%%%', false],
  ];
  it.each(table)('%s → %s', (url, expected) => {
    expect(isAppUrl(url, file)).toBe(expected);
  });

  it('compares case-insensitively where the file system does', () => {
    const win = appOriginFor({
      rendererIndex: '/C:/Program Files/Jarvis Sync/index.html',
      isPackaged: true,
      platform: 'win32',
    });
    expect(win.kind === 'file' && win.caseInsensitive).toBe(true);
    expect(isAppUrl('file:///c:/program%20files/jarvis%20sync/index.html', win)).toBe(true);
  });

  it('matches the exact dev origin only', () => {
    const dev = { kind: 'dev', origin: 'http://localhost:5173' } as const;
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://LOCALHOST:5173/x', dev)).toBe(true);
    for (const url of [
      'http://localhost:5173.evil.com/',
      'http://localhost:5174/',
      'https://localhost:5173/',
      'http://a@localhost:5173/',
      'http://127.0.0.1:5173/',
    ]) {
      expect(isAppUrl(url, dev)).toBe(false);
    }
  });
});

describe('externalUrl', () => {
  const table: [string, string | null][] = [
    ['https://example.com/a?b=c', 'https://example.com/a?b=c'],
    ['http://example.com', 'http://example.com/'],
    ['HTTPS://EXAMPLE.COM/X', 'https://example.com/X'],
    ['file:///etc/passwd', null],
    ['smb://host/share', null],
    ['\\\\host\\share\\x.exe', null],
    ['ms-msdt:/id PCWDiagnostic', null],
    ['javascript:alert(1)', null],
    ['vscode://file/x', null],
    ['https://user:pass@example.com/', null],
    ['mailto:a@b.c', null],
    ['not a url', null],
  ];
  it.each(table)('%s → %s', (url, expected) => {
    expect(externalUrl(url)).toBe(expected);
  });
});
