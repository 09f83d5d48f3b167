import { describe, expect, it } from 'vitest';
import { cjkIndexText, hasCjk } from '../../../electron/core/cjk.js';

describe('cjkIndexText', () => {
  it('leaves text without CJK characters as it is', () => {
    const text = 'Ελληνικά, Straße, C++ and 🦊 — 2020-10-27';
    expect(cjkIndexText(text)).toBe(text);
    expect(hasCjk(text)).toBe(false);
  });

  it('turns each run of Chinese, Japanese or Korean characters into its overlapping pairs and its last character', () => {
    expect(cjkIndexText('日本語のテキスト')).toBe(' 日本 本語 語の のテ テキ キス スト ト ');
    expect(cjkIndexText('我的猫')).toBe(' 我的 的猫 猫 ');
    expect(cjkIndexText('한국어')).toBe(' 한국 국어 어 ');
    // Katakana's prolonged sound mark (Script=Common) and Han's iteration mark stay inside the run.
    expect(cjkIndexText('コーヒー')).toBe(' コー ーヒ ヒー ー ');
    expect(cjkIndexText('時々')).toBe(' 時々 々 ');
  });

  it('sets runs apart from the Latin letters and digits next to them, and keeps a run of one as it is', () => {
    expect(cjkIndexText('API設計v2')).toBe('API 設計 計 v2');
    expect(cjkIndexText('猫 and 犬')).toBe(' 猫  and  犬 ');
  });

  it('pairs supplementary-plane Han characters as whole code points, never half a surrogate pair', () => {
    expect(cjkIndexText('𠀋𡈽𡌛')).toBe(' 𠀋𡈽 𡈽𡌛 𡌛 ');
  });
});
