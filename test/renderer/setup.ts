import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { setFormatLocale } from '../../renderer/format.js';

// Numbers and dates as in the assertions ("1,200"), whatever the machine's locale.
setFormatLocale('en-US');

afterEach(() => {
  cleanup();
});
