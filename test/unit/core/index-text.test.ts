import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjkIndexText } from '../../../electron/core/cjk.js';
import { toFtsQuery } from '../../../electron/core/fts-query.js';
import {
  COMPAT_SYMBOLS,
  foldText,
  hasPairedScript,
  indexText,
  indexTextChanged,
  letterFoldsChange,
  pairedRuns,
  queryText,
  scriptFoldsChange,
  snippetText,
  writtenSnippet,
} from '../../../electron/core/index-text.js';

/** A combining mark as indexed: a plane-15 private-use character. */
const mark = (m: string): string => String.fromCodePoint(0xf0000 + m.codePointAt(0)!);

describe('foldText', () => {
  it('returns text that is all ASCII as it is', () => {
    const text = 'Plain ASCII: C++ and 2020-10-27, "quoted" & <tagged>.';
    expect(foldText(text)).toBe(text);
    expect(indexText(text)).toBe(text);
  });

  it('folds compatibility forms (NFKC): full-width letters and digits, ligatures, superscripts, circled forms', () => {
    expect(foldText('ＡＢＣ１２３')).toBe('ABC123');
    expect(foldText('ﬁle ﬂow eﬀort')).toBe('file flow effort');
    expect(foldText('x² H₂O ①')).toBe('x2 H2O 1');
    expect(foldText('ſ Ⅻ ｶﾞ')).toBe('s XII ガ');
    // Decomposed accents (file names on macOS) are composed, so the mark no longer splits the word.
    expect(foldText('Re\u0301sume\u0301')).toBe('Résumé');
  });

  it('folds ß and ẞ to "ss", as full case folding does', () => {
    expect(foldText('Straße')).toBe('Strasse');
    expect(foldText('STRAẞE')).toBe('STRAssE');
    expect(foldText('Größe')).toBe('Grösse');
  });

  it('sets apart a symbol that NFKC turns into letters, so the word before it stays a word', () => {
    expect(foldText('Apple™')).toBe('Apple TM ');
    expect(foldText('5㎏')).toBe('5 kg ');
    // Symbols that stay symbols are only normalised: an ellipsis is dots.
    expect(foldText('well…')).toBe('well...');
  });

  it('lists every symbol that NFKC turns into letters or digits (COMPAT_SYMBOLS), as this runtime knows them', () => {
    const missing: string[] = [];
    const extra: string[] = [];
    const wordChar = /[\p{L}\p{N}\p{Co}]/u;
    for (let cp = 0x80; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const compatible = c.normalize('NFKC');
      const isSymbol = !/[\p{L}\p{N}\p{Co}\p{M}]/u.test(c) && compatible !== c && wordChar.test(compatible);
      COMPAT_SYMBOLS.lastIndex = 0;
      const listed = COMPAT_SYMBOLS.test(c);
      if (isSymbol && !listed) missing.push(cp.toString(16));
      if (listed && !isSymbol) extra.push(cp.toString(16));
    }
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });
});

describe('indexText', () => {
  it('pairs CJK text as cjkIndexText did', () => {
    for (const text of ['日本語のテキスト', 'API設計v2', 'コーヒー', '𠀋𡈽𡌛', '猫 and 犬', '한국어']) {
      expect(indexText(text)).toBe(cjkIndexText(text));
    }
    // After NFKC: half-width Katakana is paired as the full-width form.
    expect(indexText('ｺｰﾋｰ')).toBe(' コー ーヒ ヒー ー ');
  });

  it('pairs Thai, Lao, Khmer and Myanmar by units of a letter and its marks, marks as private-use characters', () => {
    expect(indexText('ง่าย')).toBe(` ง${mark('่')}า าย ย `);
    expect(indexText('ภาษา')).toBe(' ภา าษ ษา า ');
    expect(indexText('ລາວ')).toBe(' ລາ າວ ວ ');
    expect(indexText('ខ្មែរ')).toBe(` ខ${mark('្')}ម${mark('ែ')} ម${mark('ែ')}រ រ `);
    expect(indexText('ในปี 2024 นี้')).toBe(` ใน นป${mark('ี')} ป${mark('ี')}  2024  น${mark('ี')}${mark('้')} `);
    expect(hasPairedScript('ภาษา ไทย')).toBe(true);
    expect(hasPairedScript('๑๒๓ ฿')).toBe(false); // Thai digits and the baht sign are words as they are
  });
});

describe('queryText', () => {
  it('writes a CJK run ending the query as its pairs only, so it matches inside a longer run too', () => {
    expect(queryText('テキスト')).toEqual({ text: ' テキ キス スト ', prefix: false });
    // Punctuation after a run is not more of the query.
    expect(queryText('テキスト。')).toEqual({ text: ' テキ キス スト 。', prefix: false });
  });

  it('adds the last character of a run that more of the query follows, as the indexed text has it there', () => {
    expect(queryText('設計v2')).toEqual({ text: ' 設計 計 v2', prefix: false });
    expect(queryText('です。ABC')).toEqual({ text: ' です す 。ABC', prefix: false });
  });

  it('asks for a prefix when the query ends in one character or unit, and leaves other text alone', () => {
    expect(queryText('猫')).toEqual({ text: ' 猫 ', prefix: true });
    expect(queryText('𠀋')).toEqual({ text: ' 𠀋 ', prefix: true });
    expect(queryText('abc日')).toEqual({ text: 'abc 日 ', prefix: true });
    expect(queryText('日abc')).toEqual({ text: ' 日 abc', prefix: false });
    expect(queryText('猫犬')).toEqual({ text: ' 猫犬 ', prefix: false });
    expect(queryText('plain words')).toEqual({ text: 'plain words', prefix: false });
    expect(queryText('กิ')).toEqual({ text: ` ก${mark('ิ')} `, prefix: true });
    // Thai and its neighbours: the last unit may have more marks in the text (being typed, or left out).
    expect(queryText('ไทย')).toEqual({ text: ' ไท ทย ', prefix: true });
    expect(queryText('ไทย คน')).toEqual({ text: ' ไท ทย ย   คน ', prefix: true });
    expect(queryText('ไทยok')).toEqual({ text: ' ไท ทย ย ok', prefix: false });
  });

  it('folds the query as indexed text is folded', () => {
    expect(queryText('Straße')).toEqual({ text: 'Strasse', prefix: false });
    expect(queryText('ＡＢＣ')).toEqual({ text: 'ABC', prefix: false });
  });
});

describe('pairedRuns', () => {
  it('lists the runs of paired scripts as written', () => {
    expect(pairedRuns('find 日本語 and テキスト here')).toEqual(['日本語', 'テキスト']);
    expect(pairedRuns('คำว่า ง่าย ok')).toEqual(['คำว่า', 'ง่าย']);
    expect(pairedRuns('nothing here, Straße')).toEqual([]);
  });
});

describe('snippetText', () => {
  it('folds words in their places, and leaves everything else as written', () => {
    const indexed = (body: string) => snippetText(body).indexed;
    expect(indexed('In der Straße, ﬁle ＡＢＣ.')).toBe('In der Strasse, file ABC.');
    // A word NFKC would split stays as it is (½ is 1⁄2), and so do symbols and paired scripts.
    expect(indexed('½ cup, Apple™, 日本語 ภาษา')).toBe('½ cup, Apple™, 日本語 ภาษา');
    expect(snippetText('plain')).toEqual({ shown: 'plain', indexed: 'plain' });
    // Text without marks inside words is shown as written.
    expect(snippetText('In der Straße, Αθήνα, كتـــاب').shown).toBe('In der Straße, Αθήνα, كتـــاب');
  });
});

describe('indexTextChanged', () => {
  it('tells text whose words the new form changes from text it leaves as the form before (cjkIndexText) had it', () => {
    expect(indexTextChanged('Plain ASCII text')).toBe(false);
    expect(indexTextChanged('Ελληνικά, café, naïve — “quoted”')).toBe(false);
    // Full-width punctuation changes under NFKC, but no word changes.
    expect(indexTextChanged('我的猫，喜欢（阳光）！')).toBe(false);
    expect(indexTextChanged('well…')).toBe(false);
    expect(indexTextChanged('Straße')).toBe(true);
    expect(indexTextChanged('ＡＢＣ')).toBe(true);
    expect(indexTextChanged('Apple™')).toBe(true);
    expect(indexTextChanged('ｺｰﾋｰ')).toBe(true);
    expect(indexTextChanged('ภาษาไทย')).toBe(true);
  });
});

describe('script folds: Greek, Cyrillic, Arabic, Hebrew', () => {
  it('folds Greek tonos, dialytika and the polytonic accents and breathings', () => {
    expect(foldText('Αθήνα καλημέρα ΚΑΛΗΜΈΡΑ προϊόν ΐ ΰ')).toBe('Αθηνα καλημερα ΚΑΛΗΜΕΡΑ προιον ι υ');
    expect(foldText('ἀρχὴ ᾠδή Ἄρης')).toBe('αρχη ωδη Αρης');
    // Letters without accents, and the final sigma (the tokenizer folds ς to σ), stay as they are.
    expect(foldText('Σωκράτης')).toBe('Σωκρατης');
  });

  it('folds ё to е (and the grave-accented ѐ, ѝ), keeping the letters й, ї, ґ, ў, є, ѓ, ќ apart', () => {
    expect(foldText('Ёлка, всё, ЁЖИК')).toBe('Елка, все, ЕЖИК');
    expect(foldText('ѝ ѐ Ѝ')).toBe('и е И');
    expect(foldText('йод Йод їжак Їжак ґанок ў є ѓ ќ')).toBe('йод Йод їжак Їжак ґанок ў є ѓ ќ');
  });

  it('drops Arabic harakat and tatweel, and Hebrew points and cantillation', () => {
    expect(foldText('المَكْتَبَةِ')).toBe('المكتبه');
    expect(foldText('شُكْراً')).toBe('شكرا');
    expect(foldText('كتـــاب')).toBe('كتاب');
    expect(foldText('شׁَלוֹם')).toBe('שלום'.replace('ש', 'ش'));
    expect(foldText('שָׁלוֹם עֲלֵיכֶם')).toBe('שלום עליכם');
  });

  it('folds the Arabic spellings people type for one another: alef forms, alef maksura, teh marbuta, Persian yeh and kaf', () => {
    expect(foldText('أحمد إلى آخر ٱلكتاب')).toBe('احمد الي اخر الكتاب');
    expect(foldText('مدرسة')).toBe('مدرسه');
    expect(foldText('کتاب ایران')).toBe('كتاب ايران');
    // Decomposed (alef and a combining hamza or madda), and as presentation forms: the same letters.
    expect(foldText('ا\u0654حمد ا\u0653خر')).toBe('احمد اخر');
    expect(foldText('\uFE83\uFEA3\uFEE4\uFEAA')).toBe('احمد');
    // Hamza on waw and yeh, and the letters themselves, stay as they are.
    expect(foldText('مؤتمر شاطئ ابيض')).toBe('مؤتمر شاطئ ابيض');
  });

  it('drops the Devanagari nukta, composed or not, and keeps the other Indic nuktas', () => {
    const indexed = indexText('जरूर');
    expect(indexText('ज़रूर')).toBe(indexed);
    expect(indexText('\u095Bरूर')).toBe(indexed);
    expect(indexText('ज\u093Cरूर')).toBe(indexed);
    expect(foldText('ऩ ऱ ऴ')).toBe('न र ळ');
    expect(indexText('ଓଡ଼ିଆ')).not.toBe(indexText('ଓଡିଆ'));
  });
});

describe('Indic scripts', () => {
  it('keeps words whole: vowel signs, virama and anusvara as private-use characters, joiners dropped', () => {
    expect(indexText('नमस्ते दुनिया')).toBe(`नमस${mark('्')}त${mark('े')} द${mark('ु')}न${mark('ि')}य${mark('ा')}`);
    expect(indexText('தமிழ்')).toBe(`தம${mark('ி')}ழ${mark('்')}`);
    // Sinhala writes a zero-width joiner inside a conjunct: the word is the same without it.
    expect(indexText('ශ්‍රී ලංකා')).toBe(indexText('ශ්රී ලංකා'));
    expect(queryText('नमस्ते')).toEqual({ text: `नमस${mark('्')}त${mark('े')}`, prefix: false });
  });

  it('leaves highlighting Indic words to FTS5, which sees them whole in the snippet body', () => {
    expect(pairedRuns('नमस्ते and नमक, বাংলা')).toEqual([]);
    expect(pairedRuns('नमस्ते 日本語')).toEqual(['日本語']);
  });

  it('shows the marks inside a word as letters in the snippet body, so the tokenizer reads the word whole', () => {
    const tokens = (text: string) => text.match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];
    for (const body of ['नमस्ते नमक', 'مُحَمَّد شكراً', 'שָׁלוֹם עֲלֵיכֶם', 'ශ්‍රී ලංකාව', 'كتـــاب Αθήνα', 'a ً b']) {
      const { shown, indexed } = snippetText(body);
      // One token shown for each token indexed, in the same places, and the same length as written.
      expect(tokens(shown), body).toHaveLength(tokens(indexed).length);
      expect(shown, body).toHaveLength(body.length);
      expect(writtenSnippet(shown), body).toBe(body);
    }
    expect(tokens(snippetText('नमस्ते नमक').shown)).toHaveLength(2);
    expect(snippetText('नमस्ते नमक').indexed).toBe(indexText('नमस्ते नमक'));
    expect(snippetText('مُحَمَّد شكراً').indexed).toBe('محمد شكرا');
    expect(snippetText('Αθήνα, Ёлка, كتـــاب').indexed).toBe('Αθηνα, Елка, كتاب');
    // A mark alone stays a token of its own there, which matches nothing.
    expect(tokens(snippetText('a ً b').indexed)).toHaveLength(3);
  });

  it('sets apart the pieces of a word in a snippet body that holds the private-use characters it shows marks as', () => {
    // They could not be told from the marks: the body is shown as written, and the tokenizer splits "नमस्ते" at its
    // marks into "नमस" and "त", neither of which may light up for a search of its own.
    const body = '\uE100 नमस्ते नमक';
    expect(snippetText(body)).toEqual({ shown: body, indexed: `\uE100 नमस\u{F0000}्त\u{F0000}े नमक` });
    expect(snippetText('\uE101 مُحَمَّد شكراً').indexed).toBe(`\uE101 م\u{F0000}ُح\u{F0000}َم\u{F0000}َّد\u{F0000} شكراً`);
  });
});

describe('scriptFoldsChange', () => {
  it('tells text whose words the script folds change from text they leave as the form before had it', () => {
    for (const text of [
      'Plain ASCII',
      'café naïve Straße',
      'Ελληνικα χωρις τονους',
      'Привет, мир',
      'مكتبة',
      'שלום',
      '日本語',
      'ภาษาไทย',
      'नमक',
    ])
      expect(scriptFoldsChange(text), text).toBe(false);
    for (const text of ['Ελληνικά', 'ἀρχή', 'Ёлка', 'всё', 'المَكْتَبَة', 'كتـــاب', 'שָׁלוֹם', 'नमस्ते', 'தமிழ்', 'ශ්‍රී'])
      expect(scriptFoldsChange(text), text).toBe(true);
    // Decomposed, as file names on macOS: NFKC composes "е\u0308" into ё, which is folded now.
    expect(scriptFoldsChange('е\u0308лка')).toBe(true);
    expect(scriptFoldsChange('Re\u0301sume\u0301')).toBe(false);
    // The letter folds came later, with a re-index of their own.
    expect(scriptFoldsChange('أحمد في المدرسة')).toBe(false);
  });
});

describe('letterFoldsChange', () => {
  it('tells text whose words the letter folds change from text they leave as the form before had it', () => {
    for (const text of ['Plain ASCII', 'Ελληνικά', 'كتب جديد', 'مؤتمر', 'שלום', 'नमस्ते', 'ଓଡ଼ିଆ', '日本語'])
      expect(letterFoldsChange(text), text).toBe(false);
    for (const text of ['أحمد', 'إلى', 'آخر', 'ٱلكتاب', 'على', 'مدرسة', 'ایران', 'کتاب', 'ज़रूर', '\u095Bरूर', 'ऩ'])
      expect(letterFoldsChange(text), text).toBe(true);
    // Decomposed, and as presentation forms: NFKC makes them the letters folded.
    expect(letterFoldsChange('ا\u0654حمد')).toBe(true);
    expect(letterFoldsChange('\uFE83\uFEA3\uFEE4\uFEAA')).toBe(true);
  });
});

describe('index and query text against real FTS5', () => {
  let dir: string;
  let db: Database.Database;
  const docs: [string, string][] = [
    ['thai', 'ภาษาไทยง่ายนิดเดียว'],
    ['thai-not', 'ผมไม่ชอบกาแฟ'],
    ['thai-wood', 'โต๊ะไม้สัก'],
    ['thai-am', 'เขาทำงานที่กรุงเทพ'],
    ['lao', 'ພາສາລາວງ່າຍດາຍ'],
    ['khmer', 'ភាសាខ្មែរងាយស្រួល'],
    ['myanmar', 'မြန်မာစာလေ့လာသည်'],
    ['german', 'Wir wohnen in der Straße am Fluss.'],
    ['german-caps', 'SCHLOẞSTRAẞE 5, STRAẞE 7'],
    ['fullwidth', 'ＡＢＣ１２３の会議'],
    ['ligature', 'Open the ﬁle, then the ﬂow.'],
    ['trademark', 'The new Apple™ device.'],
    ['decomposed', 'Re\u0301sume\u0301 of the year'],
    ['greek', 'Καλημέρα από την Αθήνα! Το προϊόν είναι ελληνικό.'],
    ['greek-sigma', 'Ο Σωκράτης και η ἀρχὴ της φιλοσοφίας'],
    ['russian', 'Ёлка стоит в углу, а йогурт в холодильнике. Всё хорошо, молоко́ свежее.'],
    ['ukrainian', 'Їжак і ґанок'],
    ['hindi', 'सबको नमस्ते, आज हम हिन्दी सीखेंगे।'],
    ['hindi-pieces', 'हे न दो'],
    ['hindi-salt', 'नमक और नमकीन'],
    ['bengali', 'বাংলা ভাষা'],
    ['gurmukhi', 'ਪੰਜਾਬੀ ਬੋਲੀ'],
    ['gujarati', 'ગુજરાતી ભાષા'],
    ['oriya', 'ଓଡ଼ିଆ ଭାଷା'],
    ['tamil', 'தமிழ் மொழி'],
    ['telugu', 'తెలుగు భాష'],
    ['kannada', 'ಕನ್ನಡ ಭಾಷೆ'],
    ['malayalam', 'മലയാളം ഭാഷ'],
    ['sinhala', 'ශ්‍රී ලංකාව'],
    ['arabic', 'ذهبتُ إلى المَكْتَبَةِ أمس، وقرأت كتـــابا.'],
    ['arabic-plain', 'وصلت الي المكتبه'],
    ['persian', 'کتابخانه ملی ایران'],
    ['hindi-nukta', 'वह ज़रूर आएगा'],
    ['hebrew', 'שָׁלוֹם עֲלֵיכֶם'],
  ];

  function search(text: string): string[] {
    const query = toFtsQuery(text);
    if (query === null) return [];
    return (db.prepare('SELECT name FROM t WHERE t MATCH ?').pluck().all(query) as string[]).sort();
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jarvis-'));
    db = new Database(path.join(dir, 'fts.db'));
    db.exec(
      `CREATE VIRTUAL TABLE t USING fts5(name UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2')`,
    );
    const insert = db.prepare('INSERT INTO t (name, body) VALUES (?, ?)');
    for (const [name, body] of docs) insert.run(name, indexText(body));
  });

  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds Thai words inside a clause, combining vowels and tone marks included', () => {
    expect(search('ภาษา')).toEqual(['thai']);
    expect(search('ไทย')).toEqual(['thai']);
    expect(search('ง่าย')).toEqual(['thai']);
    expect(search('นิด')).toEqual(['thai']);
    expect(search('เดียว')).toEqual(['thai']);
    expect(search('กาแฟ')).toEqual(['thai-not']);
    expect(search('ทำงาน')).toEqual(['thai-am']);
    expect(search('กรุงเทพ')).toEqual(['thai-am']);
    // Tone marks tell words apart: "not" and "wood"; the letters without the last mark find both.
    expect(search('ไม่')).toEqual(['thai-not']);
    expect(search('ไม้')).toEqual(['thai-wood']);
    expect(search('ไม')).toEqual(['thai-not', 'thai-wood']);
    expect(search('ไม่ชอบ')).toEqual(['thai-not']);
    expect(search('ไมชอบ')).toEqual([]);
    // Letters that do not stand in a row do not match.
    expect(search('ภาษาง่าย')).toEqual([]);
    expect(search('ไทยภาษา')).toEqual([]);
  });

  it('finds Lao, Khmer and Myanmar words inside a clause', () => {
    expect(search('ລາວ')).toEqual(['lao']);
    expect(search('ງ່າຍ')).toEqual(['lao']);
    expect(search('ខ្មែរ')).toEqual(['khmer']);
    expect(search('ស្រួល')).toEqual(['khmer']);
    expect(search('မြန်မာ')).toEqual(['myanmar']);
    expect(search('လေ့လာ')).toEqual(['myanmar']);
  });

  it('finds ß as "ss" and the other way round, in any case', () => {
    expect(search('strasse')).toEqual(['german', 'german-caps']);
    expect(search('Straße')).toEqual(['german', 'german-caps']);
    expect(search('STRASSE')).toEqual(['german', 'german-caps']);
    expect(search('straß*')).toEqual(['german', 'german-caps']);
    expect(search('schloßstraße')).toEqual(['german-caps']);
  });

  it('finds compatibility forms by the plain characters, and the plain words next to them', () => {
    expect(search('abc123')).toEqual(['fullwidth']);
    expect(search('ＡＢＣ１２３')).toEqual(['fullwidth']);
    expect(search('会議')).toEqual(['fullwidth']);
    expect(search('file flow')).toEqual(['ligature']);
    expect(search('ﬁle')).toEqual(['ligature']);
    expect(search('apple')).toEqual(['trademark']);
    expect(search('"apple device"')).toEqual([]);
    expect(search('resume')).toEqual(['decomposed']);
    expect(search('"résumé of"')).toEqual(['decomposed']);
  });

  it('finds Greek words typed without tonos or dialytika, in any case, and with or without the final sigma', () => {
    expect(search('αθηνα')).toEqual(['greek']);
    expect(search('Αθήνα')).toEqual(['greek']);
    expect(search('ΑΘΗΝΑ')).toEqual(['greek']);
    expect(search('καλημερα')).toEqual(['greek']);
    expect(search('προιον')).toEqual(['greek']);
    expect(search('προϊόν')).toEqual(['greek']);
    expect(search('σωκρατησ')).toEqual(['greek-sigma']);
    expect(search('Σωκράτης')).toEqual(['greek-sigma']);
    expect(search('αρχη')).toEqual(['greek-sigma']);
    expect(search('αθη*')).toEqual(['greek']);
    expect(search('Αθή*')).toEqual(['greek']);
  });

  it('finds ё as е and the other way round, and keeps й, ї and ґ apart from и, і and г', () => {
    expect(search('елка')).toEqual(['russian']);
    expect(search('ёлка')).toEqual(['russian']);
    expect(search('все')).toEqual(['russian']);
    expect(search('ёл*')).toEqual(['russian']);
    expect(search('йогурт')).toEqual(['russian']);
    expect(search('иогурт')).toEqual([]);
    // Stress marks (a combining acute) were already ignored by the tokenizer; they still are.
    expect(search('молоко')).toEqual(['russian']);
    expect(search('їжак')).toEqual(['ukrainian']);
    expect(search('іжак')).toEqual([]);
    expect(search('ганок')).toEqual([]);
  });

  it('finds Indic words whole, not by the pieces between their marks', () => {
    expect(search('नमस्ते')).toEqual(['hindi']);
    expect(search('हिन्दी')).toEqual(['hindi']);
    expect(search('सीखेंगे')).toEqual(['hindi']);
    // A piece is no word: "नमस" is only the start of "नमस्ते", found as a prefix.
    expect(search('नमस')).toEqual([]);
    expect(search('नमस*')).toEqual(['hindi']);
    expect(search('नमस्*')).toEqual(['hindi']);
    expect(search('नमक')).toEqual(['hindi-salt']);
    expect(search('नमकीन')).toEqual(['hindi-salt']);
    expect(search('বাংলা')).toEqual(['bengali']);
    expect(search('ਪੰਜਾਬੀ')).toEqual(['gurmukhi']);
    expect(search('ગુજરાતી')).toEqual(['gujarati']);
    expect(search('ଓଡ଼ିଆ')).toEqual(['oriya']);
    expect(search('தமிழ்')).toEqual(['tamil']);
    expect(search('తెలుగు')).toEqual(['telugu']);
    expect(search('ಕನ್ನಡ')).toEqual(['kannada']);
    expect(search('മലയാളം')).toEqual(['malayalam']);
    expect(search('ශ්‍රී')).toEqual(['sinhala']);
    expect(search('ශ්රී')).toEqual(['sinhala']);
    expect(search('ලංකා*')).toEqual(['sinhala']);
    // Different vowel signs are different words.
    expect(search('ভাষা')).toEqual(['bengali']);
    expect(search('ભાષા')).toEqual(['gujarati']);
  });

  it('finds Arabic and Hebrew words typed without their vowel marks, and with them', () => {
    expect(search('المكتبة')).toEqual(['arabic', 'arabic-plain']);
    expect(search('المَكْتَبَةِ')).toEqual(['arabic', 'arabic-plain']);
    expect(search('المكت*')).toEqual(['arabic', 'arabic-plain']);
    expect(search('كتابا')).toEqual(['arabic']);
    expect(search('ذهبت')).toEqual(['arabic']);
    expect(search('שלום')).toEqual(['hebrew']);
    expect(search('עליכם')).toEqual(['hebrew']);
    expect(search('שָׁלוֹם')).toEqual(['hebrew']);
  });

  it('finds Arabic, Persian and Hindi words in either of the spellings people type', () => {
    for (const q of ['إلى', 'الى', 'الي', 'المكتبة', 'المكتبه', 'المَكْتَبَةِ', 'المكتب*'])
      expect(search(q), q).toEqual(['arabic', 'arabic-plain']);
    expect(search('كتابخانه')).toEqual(['persian']);
    expect(search('ايران')).toEqual(['persian']);
    expect(search('ایران')).toEqual(['persian']);
    expect(search('जरूर')).toEqual(['hindi-nukta']);
    expect(search('ज़रूर')).toEqual(['hindi-nukta']);
    // Letters that are not spellings of one another stay apart.
    expect(search('المكتبو')).toEqual([]);
  });
});
