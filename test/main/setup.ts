// Main-process tests run in plain Node: 'electron' (and electron-log, which requires it) are small fakes.
import { beforeEach, vi } from 'vitest';
import { resetElectronFake } from '../mocks/electron.js';

vi.mock('electron', () => import('../mocks/electron.js'));
vi.mock('electron-log/main', () => import('../mocks/electron-log.js'));

beforeEach(() => {
  resetElectronFake();
});
