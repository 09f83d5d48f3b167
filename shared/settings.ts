/** The settings schema's parser: one place that decides what a valid setting is (core, IPC and web bridge). */
import { DEFAULT_SETTINGS, type Settings } from './types.js';

export const SETTINGS_LIMITS = {
  intervalSeconds: { min: 60, max: 7 * 24 * 3600 },
  // A text file is decoded to one string, and V8's longest string is just under 512 MiB (UTF-16 units; a UTF-8 file
  // never decodes to more units than it has bytes). Past that no file can be read, so no setting may promise it.
  maxFileSizeMb: { min: 1, max: 500 },
} as const;

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function checkNumber(key: keyof typeof SETTINGS_LIMITS, value: unknown): number {
  const { min, max } = SETTINGS_LIMITS[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new SettingsError(`${key} must be a number from ${min} to ${max}`);
  }
  return Math.round(value);
}

function checkBoolean(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new SettingsError(`${key} must be true or false`);
  return value;
}

/** Validates a partial update; throws SettingsError naming the first bad field. Unknown keys are refused. */
export function parseSettingsPatch(raw: unknown): Partial<Settings> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SettingsError('settings must be an object');
  const patch: Partial<Settings> = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'intervalSeconds':
      case 'maxFileSizeMb':
        patch[key] = checkNumber(key, value);
        break;
      case 'pauseOnBattery':
      case 'notifications':
      case 'watchForChanges':
        patch[key] = checkBoolean(key, value);
        break;
      default:
        throw new SettingsError(`unknown setting "${key}"`);
    }
  }
  return patch;
}

/**
 * Reads a stored settings object leniently: valid fields are kept, numbers out of range are brought into it, other
 * invalid or missing fields fall back to the defaults, and each problem is reported so the user can be told.
 */
export function parseStoredSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings, problems: ['settings file does not hold an object'] };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    try {
      Object.assign(settings, parseSettingsPatch({ [key]: value }));
    } catch (err) {
      problems.push((err as Error).message);
      // A limit that shrank (maxFileSizeMb once went up to 1024) keeps the user's choice as closely as it can.
      if (key in SETTINGS_LIMITS && typeof value === 'number' && Number.isFinite(value)) {
        const { min, max } = SETTINGS_LIMITS[key as keyof typeof SETTINGS_LIMITS];
        Object.assign(settings, { [key]: Math.round(Math.min(max, Math.max(min, value))) });
      }
    }
  }
  return { settings, problems };
}
