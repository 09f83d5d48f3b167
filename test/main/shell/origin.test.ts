import { describe, expect, it } from 'vitest';
import { appEntryUrl, appOriginFor, externalUrl, isAppUrl } from '../../../electron/shell/origin.js';

const app = appOriginFor({ isPackaged: true });
const OWN = 'app://dashboard/index.html';

describe('appOriginFor', () => {
  it('uses the app:// scheme unless an unpackaged run has a loopback dev server', () => {
    expect(app).toEqual({ kind: 'app' });
    expect(appOriginFor({ devServerUrl: 'http://localhost:5173', isPackaged: false })).toEqual({
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
      expect(appOriginFor({ devServerUrl, isPackaged }).kind).toBe('app');
    }
    expect(appEntryUrl(app)).toBe(OWN);
    expect(appEntryUrl({ kind: 'dev', origin: 'http://127.0.0.1:5173' })).toBe('http://127.0.0.1:5173/');
  });
});

describe('isAppUrl', () => {
  const table: [string, boolean][] = [
    [OWN, true],
    [`${OWN}#/settings`, true],
    [`${OWN}?tab=errors`, true],
    ['app://dashboard/', true],
    ['app://dashboard/x/../index.html', true],
    ['app://dashboard/other.html', false],
    ['app://dashboard/assets/index.js', false],
    ['app://dashboard.evil.com/index.html', false],
    ['app://evil/index.html', false],
    ['app://dashboard:8080/index.html', false],
    ['app://user@dashboard/index.html', false],
    ['file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/index.html', false],
    ['file:///other/index.html', false],
    ['https://dashboard/index.html', false],
    ['https://evil.com/', false],
    ['javascript:alert(1)', false],
    ['data:text/html,hi', false],
    ['about:blank', false],
    ['', false],
    ['%%%', false],
  ];
  it.each(table)('%s → %s', (url, expected) => {
    expect(isAppUrl(url, app)).toBe(expected);
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
      OWN,
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
