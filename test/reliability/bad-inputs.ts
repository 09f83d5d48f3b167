/**
 * The bad-input corpus (../shared/reference/bad-inputs.md), through the REAL SyncService and engine, with every
 * connector kind: folder, obsidian, mbox, maildir, ics.
 *
 * Static cases live in test/fixtures/bad-inputs/ (listed in its README). Cases that cannot live in git are built
 * by `buildBadInputCorpus`: symlink loops, dangling and escaping links, permission-denied files and folders (owned
 * by root, read by the app running as uid 65534), sparse 200 MB files, a FIFO, odd and undecodable names, NFC/NFD
 * and case twins, a 70-level tree, a 26 MB mail message, and files changed or deleted mid-read (deterministic fs
 * hooks, test/reliability/bad-inputs-hooks.ts).
 *
 * One sync of every connector runs in a child process (test/reliability/service-child.ts, as uid 65534 when this
 * process is root). Checked: no crash, no connector error; each case reported with its code (item errors) or
 * indexed/ignored as it should be (search); every good file beside them indexed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncService } from '../../electron/core/service.js';
import type { ConnectorKind } from '../../shared/types.js';
import { canRunAsNobody, NOBODY } from '../helpers/run-as-nobody.js';
import { REPO_ROOT, removeTempDir, runTsJson, tempDir } from './lib.js';
import type { ServiceChildReport } from './service-child.js';

export const FIXTURES = join(REPO_ROOT, 'test/fixtures/bad-inputs');

/** Connector id (as the service names it) → kind and path inside the corpus. */
const CONNECTORS: { id: string; kind: ConnectorKind; path: string }[] = [
  { id: 'folder', kind: 'folder', path: 'folder' },
  { id: 'vault', kind: 'obsidian', path: 'obsidian/vault' },
  { id: 'mail', kind: 'mbox', path: 'mbox' },
  { id: 'maildir', kind: 'maildir', path: 'maildir/Maildir' },
  { id: 'calendar', kind: 'ics', path: 'ics' },
];

export interface BadInputCase {
  /** Short name (catalogue number in bad-inputs.md in brackets). */
  name: string;
  connector: string;
  /** Substring of the item-error path that identifies this case. */
  where: string;
  /** The item-error code it must be reported with (null: no item error for it). */
  code: string | null;
  /** Words that must be found (indexed) … */
  found?: string[];
  /** … and words that must not be (skipped, ignored, or not indexed by design). */
  notFound?: string[];
  /** Built at run time rather than stored in test/fixtures/bad-inputs. */
  runtime?: boolean;
  /** Needs the child to run as another user (CI is root). */
  needsNobody?: boolean;
}

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  // ── folder: links, permissions, sizes (runtime) ──
  { name: 'symlink to itself [1]', connector: 'folder', where: 'links/self-loop.md', code: 'E_LOOP', runtime: true },
  { name: 'two symlinks pointing at each other [1]', connector: 'folder', where: 'links/cycle-a.md', code: 'E_LOOP', runtime: true },
  { name: 'folder symlink to its parent (a/b/up -> ..) [1]', connector: 'folder', where: 'links/a/b/up', code: 'W_SYMLINK_SKIPPED', runtime: true },
  { name: 'dangling symlink [2]', connector: 'folder', where: 'links/dangling.md', code: 'ENOENT', runtime: true },
  { name: 'symlink escaping the root [1]', connector: 'folder', where: 'links/outside.md', code: 'W_SYMLINK_SKIPPED', notFound: ['biescapedsecret'], runtime: true },
  { name: 'file symlink into a hidden folder [1]', connector: 'folder', where: 'links/hidden-link.md', code: 'W_SYMLINK_SKIPPED', notFound: ['bihiddenlinked'], runtime: true },
  { name: 'file readable by another user only [3]', connector: 'folder', where: 'perms/secret.md', code: 'EACCES', notFound: ['bisecretfile'], runtime: true, needsNobody: true },
  { name: 'folder readable by another user only [3]', connector: 'folder', where: 'perms/private', code: 'EACCES', notFound: ['biprivatedir'], runtime: true, needsNobody: true },
  { name: 'huge sparse .md (200 MB) [8]', connector: 'folder', where: 'huge/huge-sparse.md', code: 'E_TOO_LARGE', runtime: true },
  { name: 'one 2 MB line [8]', connector: 'folder', where: 'huge/long-line.txt', code: null, found: ['bilongline'], runtime: true },
  { name: 'file growing while it is read [9]', connector: 'folder', where: 'midread/grows-while-read.md', code: 'W_CHANGED_DURING_READ', notFound: ['bigrowing'], runtime: true },
  { name: 'file deleted between the walk and the open [10]', connector: 'folder', where: 'midread/vanishes-before-open.md', code: 'E_VANISHED', notFound: ['bivanishing'], runtime: true },
  { name: 'FIFO named .md (never opened) [5]', connector: 'folder', where: 'special/pipe.md', code: 'E_NOT_REGULAR_FILE', runtime: true },
  // ── folder: names (runtime) ──
  { name: 'newline in a file name [11]', connector: 'folder', where: 'names/new\nline.md', code: null, found: ['binewlinename'], runtime: true },
  { name: 'leading and trailing spaces in a name [11]', connector: 'folder', where: 'names/ spaces around .md', code: null, found: ['bispacesname'], runtime: true },
  { name: '# and % in a name [11]', connector: 'folder', where: 'names/hash#and%percent.md', code: null, found: ['bihashpercent'], runtime: true },
  { name: 'emoji in a name [11]', connector: 'folder', where: 'names/fox 🦊.md', code: null, found: ['biemojiname'], runtime: true },
  { name: '255-byte name [11]', connector: 'folder', where: 'names/aaaaaaaa', code: null, found: ['bilongname'], runtime: true },
  { name: 'name that is not UTF-8 [11]', connector: 'folder', where: 'names/', code: 'E_NAME_UNDECODABLE', notFound: ['biundecodable'], runtime: true },
  { name: 'NFC and NFD twins (café.md) [12]', connector: 'folder', where: 'nfc/cafe\u0301.md', code: 'W_NORMALIZATION_COLLISION', found: ['binfcwins'], notFound: ['binfdloses'], runtime: true },
  { name: 'case twins Note.md / note.md [13]', connector: 'folder', where: 'case/', code: null, found: ['biuppercase', 'bilowercase'], runtime: true },
  { name: 'iCloud stub (.away.md.icloud) of a note kept in the cloud only [16]', connector: 'folder', where: 'cloud/away.md', code: 'W_PLACEHOLDER', found: ['bicloudsibling'], notFound: ['bicloudstub'], runtime: true },
  { name: '70 nested folders [14]', connector: 'folder', where: '/d/d/d/d/d/d', code: 'E_TOO_DEEP', found: ['bidepthten'], notFound: ['bitoodeep'], runtime: true },
  // ── folder: content (static) ──
  { name: 'PNG renamed .md [5]', connector: 'folder', where: 'binary/photo-renamed.md', code: 'E_BINARY' },
  { name: 'zip renamed .txt [5]', connector: 'folder', where: 'binary/zip-renamed.txt', code: 'E_BINARY' },
  { name: 'PDF renamed .md [5]', connector: 'folder', where: 'binary/pdf-renamed.md', code: 'E_BINARY' },
  { name: 'invalid UTF-8 [6]', connector: 'folder', where: 'encoding/invalid-utf8.md', code: 'W_BAD_UTF8', found: ['biinvalidutf'] },
  { name: 'Latin-1 text [6]', connector: 'folder', where: 'encoding/latin1.txt', code: 'W_BAD_UTF8', found: ['bilatinone'] },
  { name: 'UTF-16 LE with BOM [7]', connector: 'folder', where: 'encoding/utf16le-bom.txt', code: null, found: ['biutfsixteenle'] },
  { name: 'UTF-16 BE with BOM [7]', connector: 'folder', where: 'encoding/utf16be-bom.md', code: null, found: ['biutfsixteenbe'] },
  { name: 'UTF-8 BOM [7]', connector: 'folder', where: 'encoding/utf8-bom.md', code: null, found: ['biutfeightbom'] },
  { name: 'UTF-16 without BOM (caught by the NUL sniff) [7]', connector: 'folder', where: 'encoding/utf16le-no-bom.txt', code: 'E_BINARY' },
  { name: 'empty file', connector: 'folder', where: 'format/empty.md', code: null },
  { name: 'CRLF line ends', connector: 'folder', where: 'format/crlf.md', code: null, found: ['bicrlfnote'] },
  { name: 'CR-only line ends', connector: 'folder', where: 'format/cr-only.txt', code: null, found: ['bicronly'] },
  { name: 'broken HTML with a script', connector: 'folder', where: 'format/broken.html', code: null, found: ['bibrokenhtml'], notFound: ['bihiddenscript'] },
  { name: 'NUL byte after the first 8 KB [5]', connector: 'folder', where: 'format/nul-after-8k.txt', code: null, found: ['binullate'] },
  { name: 'unterminated frontmatter in a plain folder [17]', connector: 'folder', where: 'format/frontmatter-unterminated.md', code: 'W_BAD_FRONTMATTER', found: ['bifmunterminated'] },
  // ── obsidian ──
  { name: '.obsidian/ and .trash/ ignored [25]', connector: 'vault', where: '.obsidian', code: null, notFound: ['biobsidianconfig', 'bitrashnote'] },
  { name: 'temp files (*.tmp, ~$*, .#*) ignored [25]', connector: 'vault', where: 'Welcome.md.tmp', code: null, notFound: ['bitempcopy', 'biownerfile', 'bilockfile'] },
  { name: 'frontmatter tags: [[Link]] [[Other]] [17]', connector: 'vault', where: 'Broken/Link list.md', code: 'W_BAD_FRONTMATTER', found: ['bifmlinklist'] },
  { name: 'frontmatter {}{} [17]', connector: 'vault', where: 'Broken/Braces.md', code: 'W_BAD_FRONTMATTER', found: ['bifmbraces'] },
  { name: 'frontmatter with tabs [17]', connector: 'vault', where: 'Broken/Tabs.md', code: 'W_BAD_FRONTMATTER', found: ['bifmtabs'] },
  { name: 'frontmatter with an unrun Templater template [17]', connector: 'vault', where: 'Broken/Templater.md', code: 'W_BAD_FRONTMATTER', found: ['bifmtemplater'] },
  { name: 'unterminated frontmatter [17]', connector: 'vault', where: 'Broken/Unterminated.md', code: 'W_BAD_FRONTMATTER', found: ['bifmunclosed'] },
  { name: 'YAML alias bomb in frontmatter [17]', connector: 'vault', where: 'Broken/Yaml bomb.md', code: 'W_BAD_FRONTMATTER', found: ['bifmyamlbomb'] },
  // A list is no metadata (most likely a Markdown rule and text): indexed as text, by design. Duplicate keys: the
  // last one wins, as in Obsidian. Neither is worth a warning.
  { name: 'frontmatter that is a list, not a map [17]', connector: 'vault', where: 'Broken/List not map.md', code: null, found: ['bifmlist'] },
  { name: 'frontmatter with duplicate keys [17]', connector: 'vault', where: 'Broken/Duplicate keys.md', code: null, found: ['bifmduplicate'] },
  { name: 'frontmatter over 64 KB [17]', connector: 'vault', where: 'Broken/Huge frontmatter.md', code: 'W_BAD_FRONTMATTER', found: ['bifmhuge'], runtime: true },
  // ── mbox ──
  { name: 'unquoted "From " in a body [18]', connector: 'mail', where: 'from-in-body.mbox', code: null, found: ['bimboxfrombody'] },
  { name: 'mboxrd >From quoting [18]', connector: 'mail', where: 'mboxrd.mbox', code: null, found: ['bimboxrd'] },
  { name: 'CRLF mbox [18]', connector: 'mail', where: 'crlf.mbox', code: null, found: ['bimboxcrlf'] },
  { name: 'no blank line after the last message [18]', connector: 'mail', where: 'no-trailing-blank.mbox', code: null, found: ['bimboxnoblank'] },
  { name: 'NUL bytes and a zero-filled gap [18]', connector: 'mail', where: 'nul-bytes.mbox', code: 'W_MBOX_MALFORMED', found: ['bimboxnul', 'bimboxaftergap'] },
  { name: 'torn write between two messages [18]', connector: 'mail', where: 'torn-write.mbox', code: 'E_PARSE', found: ['bimboxbeforetear', 'bimboxaftertear'] },
  { name: 'truncated last message [18]', connector: 'mail', where: 'truncated.mbox', code: 'W_MBOX_TRUNCATED', found: ['bimboxcomplete'] },
  { name: 'junk before the first From_ line of a .mbox [18]', connector: 'mail', where: 'junk-first.mbox', code: 'W_MBOX_MALFORMED', found: ['bimboxafterjunk'], notFound: ['bimboxjunk'] },
  // NUL runs are dropped by the splitter (nothing is lost: they hold nothing); the mail after them is indexed.
  { name: 'zero-filled start of a .mbox (crash) [18]', connector: 'mail', where: 'zeroed-start.mbox', code: null, found: ['bimboxafterzeros'], runtime: true },
  { name: 'message without Message-ID [18]', connector: 'mail', where: 'no-headers-no-id.mbox', code: null, found: ['bimboxnoid'] },
  { name: 'unknown charset, bad RFC 2047, bad base64 [18]', connector: 'mail', where: 'bad-encodings.mbox', code: null },
  { name: 'text file starting with "From " [18]', connector: 'mail', where: 'README.txt', code: null, notFound: ['bimboxnotmbox'] },
  { name: '26 MB message (over the per-message cap) [8]', connector: 'mail', where: 'oversized.mbox', code: 'E_TOO_LARGE', found: ['bimboxaftergiant'], runtime: true },
  { name: 'mbox cut short while it is read [9, 18]', connector: 'mail', where: 'shrinks-while-read.mbox', code: 'W_CHANGED_DURING_READ', runtime: true },
  { name: 'mbox readable by another user only [3]', connector: 'mail', where: 'locked.mbox', code: 'EACCES', notFound: ['bimboxlocked'], runtime: true, needsNobody: true },
  // ── maildir ──
  { name: 'binary junk as a message', connector: 'maildir', where: '1709550001.M5P1', code: 'E_PARSE' },
  { name: 'zero-byte message', connector: 'maildir', where: '1709550002.M6P1', code: 'E_PARSE' },
  { name: 'headers only, no Message-ID', connector: 'maildir', where: '1709550003.M7P1', code: null, found: ['bimaildirheaders'] },
  { name: 'tmp/ (still being delivered) ignored', connector: 'maildir', where: 'Maildir/tmp/', code: null, notFound: ['bimaildirtmp'] },
  { name: 'Maildir++ subfolder', connector: 'maildir', where: '.Archive', code: null, found: ['bimaildirarchive'] },
  { name: 'message readable by another user only [3]', connector: 'maildir', where: 'locked-message', code: 'EACCES', notFound: ['bimaildirlocked'], runtime: true, needsNobody: true },
  // ── ics ──
  { name: 'RRULE:RRULE:…, unknown FREQ and rule parts [19]', connector: 'calendar', where: 'invalid-rrule.ics', code: 'W_ICS_RRULE', found: ['biicsplainevent', 'biicsdoubledrrule'] },
  { name: 'EXDATE without a date [19]', connector: 'calendar', where: 'exdate-empty.ics', code: 'W_ICS_INVALID', found: ['biicscommute'] },
  { name: 'unknown TZID (EST5EDT, custom zones) [19]', connector: 'calendar', where: 'unknown-tzid.ics', code: 'W_ICS_TIMEZONE', found: ['biicseastcoast', 'biicscustomzone'] },
  { name: 'missing END:VCALENDAR [19]', connector: 'calendar', where: 'missing-end.ics', code: 'W_ICS_INVALID', found: ['biicscompleteone', 'biicscompletetwo'] },
  { name: 'FREQ=SECONDLY forever, and one that spins [19]', connector: 'calendar', where: 'secondly.ics', code: 'W_ICS_RRULE', found: ['biicseverysecond', 'biicsstillindexed'] },
  { name: 'yearly rules that never match [19]', connector: 'calendar', where: 'yearly-loop.ics', code: 'W_ICS_RRULE', found: ['biicsleapday', 'biicsfeb'] },
  { name: 'impossible or missing DTSTART [19]', connector: 'calendar', where: 'bad-dtstart.ics', code: 'E_PARSE', found: ['biicsgoodbefore', 'biicsgoodafter'] },
  { name: 'HTML error page saved as .ics [19]', connector: 'calendar', where: 'garbage.ics', code: 'E_PARSE' },
  { name: 'empty .ics [19]', connector: 'calendar', where: '/empty.ics', code: 'E_PARSE' },
  { name: 'huge sparse .ics (200 MB) [8]', connector: 'calendar', where: 'huge-sparse.ics', code: 'E_TOO_LARGE', runtime: true },
  { name: '.ics readable by another user only [3]', connector: 'calendar', where: 'locked.ics', code: 'EACCES', runtime: true, needsNobody: true },
];

/** Good files beside the bad ones: each word must be found, from its connector. */
export const GOOD_WORDS: Record<string, string[]> = {
  folder: ['bigoodalpha', 'bigoodbravo', 'bigoodcharlie', 'bigooddelta', 'bigoodecho', 'bidepthten'],
  vault: ['bigoodvault', 'bigooddaily'],
  mail: ['bimboxgoodone', 'bimboxgoodtwo'],
  maildir: ['bimaildirgood', 'bimaildirnew'],
  calendar: ['biicsgood', 'biicsfolded'],
};

const note = (word: string) => `# Note\n\nThis note holds the word ${word}.\n`;

function message(id: string, body: string): string {
  return `From alice@example.org Thu Jan 11 10:00:00 2024\nMessage-ID: <${id}@example.org>\nDate: Thu, 11 Jan 2024 10:00:00 +0000\nFrom: alice@example.org\nSubject: ${id}\n\n${body}\n\n`;
}

/**
 * Copies the static fixtures to `root/src` and adds the runtime cases. `asNobody`: the app will run as uid 65534,
 * so permission cases are owned by root with no access for others, and the mid-read files are given to nobody.
 */
export function buildBadInputCorpus(root: string, opts: { asNobody: boolean }): string {
  const src = join(root, 'src');
  cpSync(FIXTURES, src, { recursive: true });
  execFileSync('chmod', ['-R', 'a+rX', src]);
  const f = (...p: string[]) => join(src, 'folder', ...p);
  const dir = (p: string) => mkdirSync(p, { recursive: true });

  // Links.
  dir(f('links/a/b'));
  symlinkSync('self-loop.md', f('links/self-loop.md'));
  symlinkSync('cycle-b.md', f('links/cycle-a.md'));
  symlinkSync('cycle-a.md', f('links/cycle-b.md'));
  symlinkSync('..', f('links/a/b/up'));
  symlinkSync('missing-target.md', f('links/dangling.md'));
  const outside = join(root, 'outside-secret.md');
  writeFileSync(outside, note('biescapedsecret'));
  symlinkSync(outside, f('links/outside.md'));
  dir(f('.private-linked'));
  writeFileSync(f('.private-linked/secret.md'), note('bihiddenlinked'));
  symlinkSync('../.private-linked/secret.md', f('links/hidden-link.md'));
  // Permissions.
  dir(f('perms/private'));
  writeFileSync(f('perms/secret.md'), note('bisecretfile'));
  writeFileSync(f('perms/private/note.md'), note('biprivatedir'));
  // Sizes.
  dir(f('huge'));
  writeFileSync(f('huge/huge-sparse.md'), '');
  truncateSync(f('huge/huge-sparse.md'), 200 * 1024 * 1024);
  writeFileSync(f('huge/long-line.txt'), `${'x'.repeat(2 * 1024 * 1024)} bilongline\n`);
  // Mid-read changes (the hooks act on these names). 8 MB, so the read lasts long enough to be interfered with.
  dir(f('midread'));
  writeFileSync(f('midread/grows-while-read.md'), `${note('bigrowing')}${'padding '.repeat(1024 * 1024)}\n`);
  writeFileSync(f('midread/vanishes-before-open.md'), note('bivanishing'));
  // A FIFO named like a note: opening it would block forever.
  dir(f('special'));
  execFileSync('mkfifo', [f('special/pipe.md')]);
  // Names.
  dir(f('names'));
  writeFileSync(f('names/new\nline.md'), note('binewlinename'));
  writeFileSync(f('names/ spaces around .md'), note('bispacesname'));
  writeFileSync(f('names/hash#and%percent.md'), note('bihashpercent'));
  writeFileSync(f('names/fox 🦊.md'), note('biemojiname'));
  writeFileSync(f(`names/${'a'.repeat(252)}.md`), note('bilongname'));
  writeFileSync(Buffer.concat([Buffer.from(f('names/')), Buffer.from([0xff, 0xfe]), Buffer.from('.md')]), note('biundecodable'));
  dir(f('nfc'));
  writeFileSync(f('nfc/caf\u00e9.md'), note('binfcwins'));
  writeFileSync(f('nfc/cafe\u0301.md'), note('binfdloses'));
  dir(f('case'));
  writeFileSync(f('case/Note.md'), note('biuppercase'));
  writeFileSync(f('case/note.md'), note('bilowercase'));
  // Before macOS 14, iCloud Drive replaces a file it keeps only in the cloud by a hidden stub.
  dir(f('cloud'));
  writeFileSync(f('cloud/.away.md.icloud'), '<plist>bicloudstub</plist>');
  writeFileSync(f('cloud/here.md'), note('bicloudsibling'));
  // Depth: 70 levels; a note at level 10 is fine, the one at the bottom is too deep.
  const levels = Array.from({ length: 70 }, () => 'd');
  dir(f('deep', ...levels));
  writeFileSync(f('deep', ...levels.slice(0, 10), 'ten.md'), note('bidepthten'));
  writeFileSync(f('deep', ...levels, 'bottom.md'), note('bitoodeep'));

  // Obsidian: frontmatter over 64 KB.
  writeFileSync(
    join(src, 'obsidian/vault/Broken/Huge frontmatter.md'),
    `---\n${Array.from({ length: 3000 }, (_, i) => `key${i}: ${'v'.repeat(20)}`).join('\n')}\n---\nBody after a huge block: bifmhuge.\n`,
  );

  // mbox: a 26 MB message (over the 25 MB cap) before a good one; one cut short mid-read; one locked.
  writeFileSync(
    join(src, 'mbox/oversized.mbox'),
    message('giant', `${'y'.repeat(26 * 1024 * 1024)}\n`) + message('after-giant', 'After the giant: bimboxaftergiant.'),
  );
  writeFileSync(join(src, 'mbox/shrinks-while-read.mbox'), message('s1', 'First: bimboxshrinkone.') + message('s2', `${'z'.repeat(4000)}\nSecond: bimboxshrinktwo.`));
  writeFileSync(join(src, 'mbox/locked.mbox'), message('locked', 'Locked: bimboxlocked.'));
  writeFileSync(join(src, 'mbox/zeroed-start.mbox'), Buffer.concat([Buffer.alloc(4096), Buffer.from(`\n${message('z1', 'After the zeros: bimboxafterzeros.')}`)]));
  // Maildir: a locked message.
  writeFileSync(
    join(src, 'maildir/Maildir/cur/1709550009.M9P9.locked-message!2,S'),
    'Message-ID: <locked@example.org>\r\nSubject: locked\r\n\r\nLocked: bimaildirlocked.\r\n',
  );
  // ics: a huge sparse file and a locked one.
  writeFileSync(join(src, 'ics/huge-sparse.ics'), '');
  truncateSync(join(src, 'ics/huge-sparse.ics'), 200 * 1024 * 1024);
  writeFileSync(
    join(src, 'ics/locked.ics'),
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:locked\r\nDTSTART:20240101T100000Z\r\nSUMMARY:Locked biicslocked\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
  );

  if (opts.asNobody) {
    for (const p of [f('perms/secret.md'), join(src, 'mbox/locked.mbox'), join(src, 'ics/locked.ics'), join(src, 'maildir/Maildir/cur/1709550009.M9P9.locked-message!2,S')]) {
      chmodSync(p, 0o600);
    }
    chmodSync(f('perms/private'), 0o700);
    // The mid-read hooks run in the app's process: it must be able to change and delete those files.
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, f('midread'), join(src, 'mbox/shrinks-while-read.mbox')]);
  }
  return src;
}

export interface BadInputOutcome {
  cases: number;
  checked: number;
  skipped: string[];
  itemErrors: number;
  codes: Record<string, number>;
  documents: Record<string, number>;
  goodWords: number;
}

/** Builds the corpus, syncs every connector once in a child, and checks every case. */
export async function runBadInputs(): Promise<BadInputOutcome> {
  const asNobody = canRunAsNobody();
  const root = tempDir('jarvis-bad-inputs-');
  try {
    const src = buildBadInputCorpus(root, { asNobody });
    const dataDir = join(root, 'data');
    const setup = await SyncService.open({ dataDir });
    try {
      for (const c of CONNECTORS) {
        const added = await setup.addConnector({ kind: c.kind, path: join(src, c.path), name: c.id }, { syncNow: false });
        assert.equal(added.id, c.id);
      }
    } finally {
      await setup.stop();
    }
    if (asNobody) chownSync(dataDir, NOBODY, NOBODY);
    if (asNobody) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dataDir]);

    const words = new Set<string>();
    for (const c of BAD_INPUT_CASES) for (const w of [...(c.found ?? []), ...(c.notFound ?? [])]) words.add(w);
    for (const list of Object.values(GOOD_WORDS)) for (const w of list) words.add(w);
    const report = await runTsJson<ServiceChildReport>(
      'test/reliability/service-child.ts',
      [dataDir, '--interfere', ...[...words].flatMap((w) => ['--search', w])],
      // The growing file's read is held open 100 ms, so the appends land inside it however busy the machine is.
      { env: { JARVIS_SYNC_TEST_READ_STALL: 'grows-while-read:100' }, ...(asNobody ? { uid: NOBODY } : {}) },
    );
    return checkBadInputs(report, asNobody);
  } finally {
    removeTempDir(root);
  }
}

export function checkBadInputs(report: ServiceChildReport, asNobody: boolean): BadInputOutcome {
  assert.equal(report.openError, null, `the app did not start: ${report.openError}`);
  assert.deepEqual(report.crashes, [], 'the app crashed');
  for (const c of report.connectors) {
    assert.equal(c.lastError, null, `connector ${c.id} failed: ${JSON.stringify(c.lastError)}`);
    assert.notEqual(c.lastResult, null, `connector ${c.id} never finished a sync`);
  }
  const hits = (word: string, connector: string) => (report.search[word] ?? []).filter((h) => h.source === connector);
  const outcome: BadInputOutcome = {
    cases: BAD_INPUT_CASES.length,
    checked: 0,
    skipped: [],
    itemErrors: report.itemErrors.length,
    codes: {},
    documents: Object.fromEntries(report.connectors.map((c) => [c.id, c.documents])),
    goodWords: 0,
  };
  for (const e of report.itemErrors) outcome.codes[e.code] = (outcome.codes[e.code] ?? 0) + 1;
  const problems: string[] = [];
  for (const c of BAD_INPUT_CASES) {
    if (c.needsNobody && !asNobody) {
      outcome.skipped.push(`${c.name} (needs root to run the app as another user)`);
      continue;
    }
    const mine = report.itemErrors.filter((e) => e.connectorId === c.connector && e.path.includes(c.where));
    if (c.code === null) {
      if (mine.length > 0) problems.push(`${c.name}: expected no item error, got ${mine.map((e) => e.code).join(', ')}`);
    } else if (!mine.some((e) => e.code === c.code)) {
      problems.push(`${c.name}: expected ${c.code}, got ${mine.map((e) => e.code).join(', ') || 'nothing'}`);
    }
    for (const w of c.found ?? []) if (hits(w, c.connector).length === 0) problems.push(`${c.name}: "${w}" is not indexed`);
    for (const w of c.notFound ?? []) if ((report.search[w] ?? []).length > 0) problems.push(`${c.name}: "${w}" should not be indexed`);
    outcome.checked++;
  }
  for (const [connector, list] of Object.entries(GOOD_WORDS)) {
    for (const w of list) {
      if (hits(w, connector).length === 0) problems.push(`good file beside the bad ones not indexed: "${w}" (${connector})`);
      else outcome.goodWords++;
    }
  }
  assert.deepEqual(problems, [], `bad-input cases failed:\n${problems.join('\n')}\n\nitem errors:\n${report.itemErrors.map((e) => `${e.connectorId} ${e.code} ${e.path}`).join('\n')}`);
  return outcome;
}
