import type { JarvisApi } from '../shared/contract.js';
import { createWebApi } from './web-api.js';
// Brings the `window.jarvis` declaration into every program that compiles this file (the test tsconfig too).
import type {} from './global.js';

/** The API this window talks to: the Electron preload's `window.jarvis`, else the headless daemon over HTTP. */
export function resolveApi(win: Window = window): JarvisApi {
  return win.jarvis ?? createWebApi(win.location);
}
